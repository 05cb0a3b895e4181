//! `precheck` on the Dual seed's OTP entry (creation limit, posted counts, OTP)
//! with lead histories of 10, 200 and 10,000 activities: the whole decision
//! (`precheck/N`, what the server makes), the figures alone into a held
//! evaluation over an indexed history (`evaluate/N`, what a phone makes each
//! time it decides anew), and the index itself built from columns
//! (`columns/N`, what `LeadHistory.fromColumns` builds).

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use recrules_sdk::lead::{Activity, IndexedHistory, Lead};
use recrules_sdk::settings::check_settings;
use recrules_sdk::time::Stamp;
use recrules_sdk::validate::{precheck, Asked, Evaluation, PrecheckInput};
use serde_json::json;

fn history(n: usize) -> Vec<Activity> {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
    let codes = [167, 154, 221, 222, 100, 101];
    (0..n)
        .map(|i| Activity {
            id: format!("A-{i}"),
            event_code: codes[i % codes.len()],
            created_on: now - Duration::minutes(37 * i as i64),
            user: Some("U-1".to_owned()),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let settings = check_settings(include_str!("../../fixtures/settings/seed-dual.json"))
        .settings
        .expect("the seed is valid");
    let lead = Lead {
        id: "L-1".to_owned(),
        fields: [("Phone".to_owned(), json!("+919800000001"))].into(),
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
    let input = PrecheckInput {
        activity_code: 221,
        user: "U-1".to_owned(),
        user_location: None,
        otp_verified_at: Some(now - Duration::minutes(3)),
    };
    let sizes = [10usize, 200, 10_000];
    let mut group = c.benchmark_group("precheck");
    for n in sizes {
        let h = history(n);
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::from_parameter(n), &h, |b, h| {
            b.iter(|| precheck(&settings, &lead, std::hint::black_box(h), &input, now))
        });
    }
    group.finish();
    let asked = Asked::new(&input, Stamp::from(now));
    let mut group = c.benchmark_group("evaluate");
    for n in sizes {
        let indexed = IndexedHistory::from_activities(history(n));
        let mut held = Evaluation::new(&settings, &lead, &indexed, asked);
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                held.evaluate(&settings, &lead, std::hint::black_box(&indexed), asked);
                held.allowed()
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("columns");
    for n in sizes {
        let h = history(n);
        let codes: Vec<u32> = h.iter().map(|a| a.event_code).collect();
        let created: Vec<Stamp> = h.iter().map(|a| Stamp::from(a.created_on)).collect();
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                IndexedHistory::from_columns(
                    std::hint::black_box(codes.clone()),
                    created.clone(),
                    Vec::new(),
                    Vec::new(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
