//! Retrying a call the CRM answered with 429 (too many requests).
//!
//! The request was not processed, so it is sent again, at most `max_retries`
//! times. The wait before retry `n` (from 0) is the CRM's `Retry-After` when
//! it gives one in seconds, else [`FIRST_DELAY_MS`] doubled `n` times and
//! capped at [`MAX_DELAY_MS`]. A `Retry-After` longer than
//! [`MAX_RETRY_AFTER_S`] is not waited for: the caller is answering a user,
//! so the call gives up at once. No jitter: each Lapp instance serves one
//! request, so retries do not stampede in step.

/// The wait before the first retry, in milliseconds.
pub const FIRST_DELAY_MS: u64 = 250;
/// The longest computed wait, in milliseconds.
pub const MAX_DELAY_MS: u64 = 4_000;
/// The longest `Retry-After` that is waited for, in seconds.
pub const MAX_RETRY_AFTER_S: u64 = 5;

/// What to do after a 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Wait this long, then send again.
    Retry {
        /// The wait, in milliseconds.
        after_ms: u64,
    },
    /// Stop: the retries are used up, or the CRM asks for too long a wait.
    GiveUp,
}

/// What to do after a 429, when `retries_done` retries were already sent and
/// the CRM's `Retry-After` header (if any) says `retry_after`.
pub fn after_429(retries_done: u32, max_retries: u32, retry_after: Option<&str>) -> Next {
    if retries_done >= max_retries {
        return Next::GiveUp;
    }
    match retry_after.and_then(retry_after_seconds) {
        Some(s) if s > MAX_RETRY_AFTER_S => Next::GiveUp,
        Some(s) => Next::Retry { after_ms: s * 1000 },
        None => Next::Retry {
            after_ms: FIRST_DELAY_MS
                .saturating_mul(1 << retries_done.min(16))
                .min(MAX_DELAY_MS),
        },
    }
}

/// The seconds of a `Retry-After` header given in seconds (`"2"`); an
/// HTTP-date or nonsense gives `None`, and the computed wait applies.
pub fn retry_after_seconds(value: &str) -> Option<u64> {
    value.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_then_gives_up() {
        let waits: Vec<Next> = (0..6).map(|n| after_429(n, 6, None)).collect();
        let ms = |after_ms| Next::Retry { after_ms };
        assert_eq!(
            waits,
            vec![ms(250), ms(500), ms(1000), ms(2000), ms(4000), ms(4000)]
        );
        assert_eq!(after_429(6, 6, None), Next::GiveUp);
        assert_eq!(after_429(0, 0, None), Next::GiveUp);
        assert_eq!(after_429(40, 100, None), ms(4000));
    }

    #[test]
    fn honours_retry_after_in_seconds() {
        assert_eq!(after_429(0, 3, Some(" 2 ")), Next::Retry { after_ms: 2000 });
        assert_eq!(after_429(0, 3, Some("0")), Next::Retry { after_ms: 0 });
        assert_eq!(after_429(0, 3, Some("60")), Next::GiveUp);
        let date = Some("Wed, 21 Oct 2026 07:28:00 GMT");
        assert_eq!(after_429(1, 3, date), Next::Retry { after_ms: 500 });
    }
}
