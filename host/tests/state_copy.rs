//! `recrules-host state copy`: the Lapps' state from the SQLite file to
//! PostgreSQL, against the test cluster (`RECRULES_POSTGRES_URL`).

mod common;

use common::{enc, pg_probe_manifest, pg_url, AppDir, Host, PgDatabase, HOST_BIN};
use recrules_sdk::state::{Dialect, Statement};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs a state statement on the app's SQLite database through the probe.
fn sqlite(host: &Host, statement: Statement, params: &[&str]) -> String {
    let mut path = "/probe/sqlite/exec?db=default".to_string();
    for p in params {
        path.push_str(&format!("&p={}", enc(p)));
    }
    let (status, body) = host.call("POST", &path, Dialect::Sqlite.sql(statement).as_bytes());
    assert_eq!(status, 200, "{statement:?}: {body}");
    body
}

/// Queries PostgreSQL at `url` through the probe.
fn pg_query(host: &Host, url: &str, sql: &str) -> String {
    let (status, body) = host.call(
        "POST",
        &format!("/probe/pg/query?url={}", enc(url)),
        sql.as_bytes(),
    );
    assert_eq!(status, 200, "{sql}: {body}");
    body
}

fn copy(from: &Path, to: &str) -> Output {
    Command::new(HOST_BIN)
        .args(["state", "copy", "--from"])
        .arg(from)
        .args(["--to", to])
        .stdin(Stdio::null())
        .output()
        .expect("run state copy")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "state copy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr_of_failure(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "state copy should fail; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn state_copy_round_trip_is_idempotent_and_refuses_conflicts() {
    let app = AppDir::new(&pg_probe_manifest(&pg_url()));
    let host = app.start();
    let db = PgDatabase::create(&host, "copy");
    let file = app.path().join(".spin/sqlite_db.db");

    // Nothing written yet: no state table to copy.
    let err = stderr_of_failure(&copy(&file, &db.url));
    assert!(err.contains("has no `recrules_state` table"), "{err}");

    sqlite(&host, Statement::CreateTable, &[]);
    sqlite(&host, Statement::Insert, &["otp:1", "b:one"]);
    sqlite(&host, Statement::Insert, &["otp:2", "b:two"]);
    sqlite(&host, Statement::Put, &["meeting:9", "b:v1"]);
    sqlite(&host, Statement::Put, &["meeting:9", "b:v2"]);

    let first = stdout(&copy(&file, &db.url));
    assert!(
        first.starts_with("copied 3, already there 0, only in PostgreSQL 0"),
        "{first}"
    );
    let rows = "key:Str,version:Int64,value:Binary\nmeeting:9|2|x'7632'\notp:1|1|x'6f6e65'\notp:2|1|x'74776f'";
    assert_eq!(
        pg_query(&host, &db.url, Dialect::Postgres.sql(Statement::All)),
        rows
    );

    let again = stdout(&copy(&file, &db.url));
    assert!(
        again.starts_with("copied 0, already there 3, only in PostgreSQL 0"),
        "{again}"
    );

    // A new record copies; a changed one is refused, and nothing is written.
    sqlite(&host, Statement::Insert, &["otp:3", "b:three"]);
    sqlite(&host, Statement::Put, &["otp:2", "b:changed"]);
    let err = stderr_of_failure(&copy(&file, &db.url));
    assert!(err.contains("1 key(s) are in both databases"), "{err}");
    assert!(err.contains("first: otp:2;"), "{err}");
    assert_eq!(
        pg_query(&host, &db.url, Dialect::Postgres.sql(Statement::All)),
        rows
    );

    // Clear errors for a missing file and a bad URL.
    let err = stderr_of_failure(&copy(&app.path().join("nope.db"), &db.url));
    assert!(err.contains("no SQLite file at"), "{err}");
    let err = stderr_of_failure(&copy(&file, "postgres://host:notaport/db"));
    assert!(err.contains("PostgreSQL URL is not valid"), "{err}");
    let err = stderr_of_failure(&copy(
        &file,
        "postgres://recrules@127.0.0.1:1/recrules?sslmode=disable",
    ));
    assert!(
        err.contains("cannot connect to PostgreSQL at postgres://127.0.0.1:1/recrules"),
        "{err}"
    );

    db.drop_with(&host);
}
