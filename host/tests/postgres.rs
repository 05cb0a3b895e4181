//! `spin:postgres/postgres@4.0.0` end to end: the probe on the real host,
//! against the test cluster (`RECRULES_POSTGRES_URL`, see `scripts/postgres.sh`).
//! Each test works in a database of its own.

mod common;

use common::{enc, pg_authority, pg_probe_manifest, pg_url, AppDir, Host, PgDatabase};

/// Calls `/probe/pg/{op}` on `url` with `sql` and probe-syntax `params`.
fn pg(host: &Host, op: &str, url: &str, sql: &str, params: &[&str]) -> (u16, String) {
    let mut path = format!("/probe/pg/{op}?url={}", enc(url));
    for p in params {
        path.push_str(&format!("&p={}", enc(p)));
    }
    host.call("POST", &path, sql.as_bytes())
}

fn ok(host: &Host, op: &str, url: &str, sql: &str, params: &[&str]) -> String {
    let (status, body) = pg(host, op, url, sql, params);
    assert_eq!(status, 200, "{sql}: {body}");
    body
}

#[test]
fn postgres_execute_query_and_errors() {
    let app = AppDir::new(&pg_probe_manifest(&pg_url()));
    let host = app.start();
    let db = PgDatabase::create(&host, "crud");
    let url = db.url.as_str();

    assert_eq!(
        ok(
            &host,
            "exec",
            url,
            "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT NOT NULL, v BYTEA, b BOOLEAN, f DOUBLE PRECISION)",
            &[]
        ),
        "rows 0"
    );
    assert_eq!(
        ok(
            &host,
            "exec",
            url,
            "INSERT INTO t VALUES ($1, $2, $3, $4, $5)",
            &["a", "i:5", "b:xy", "t:true", "r:2.5"]
        ),
        "rows 1"
    );
    assert_eq!(
        ok(
            &host,
            "exec",
            url,
            "INSERT INTO t VALUES ($1, $2, $3, $4, $5)",
            &["b", "i:6", "n:", "n:", "n:"]
        ),
        "rows 1"
    );
    assert_eq!(
        ok(
            &host,
            "query",
            url,
            "SELECT k, n, v, b, f FROM t ORDER BY k",
            &[]
        ),
        "k:Str,n:Int64,v:Binary,b:Boolean,f:Floating64\na|5|x'7879'|true|2.5\nb|6|NULL|NULL|NULL"
    );
    // `execute` answers the row count, also of a write that matched nothing.
    assert_eq!(
        ok(
            &host,
            "exec",
            url,
            "UPDATE t SET n = n + 1 WHERE k = $1 AND n = $2",
            &["a", "i:5"]
        ),
        "rows 1"
    );
    assert_eq!(
        ok(
            &host,
            "exec",
            url,
            "UPDATE t SET n = n + 1 WHERE k = $1 AND n = $2",
            &["a", "i:5"]
        ),
        "rows 0"
    );

    // A query without rows is refused (Spin 4.0 to 4.1 would never answer it) ...
    let (status, body) = pg(&host, "query", url, "SELECT n FROM t WHERE k = $1", &["zz"]);
    assert_eq!(status, 500, "{body}");
    assert!(
        body.contains("a query returned no rows: under Spin 4.0 to 4.1 such a query never returns"),
        "{body}"
    );
    // ... and the one-row form answers.
    assert_eq!(
        ok(
            &host,
            "query",
            url,
            "SELECT (SELECT n FROM t WHERE k = $1) AS n",
            &["zz"]
        ),
        "n:Int64\nNULL"
    );

    // Database errors keep their SQLSTATE code.
    let (status, body) = pg(&host, "exec", url, "INSERT INTO t VALUES ('a', 1)", &[]);
    assert_eq!(status, 500);
    assert!(body.contains("QueryFailed(QueryError::DbError"), "{body}");
    assert!(body.contains("code: \"23505\""), "{body}");
    let (_, body) = pg(&host, "query", url, "SELECT 1 FROM missing", &[]);
    assert!(body.contains("code: \"42P01\""), "{body}");

    // A type the host does not convert is named, not a crash.
    let (status, body) = pg(&host, "query", url, "SELECT 1.5::numeric AS d", &[]);
    assert_eq!(status, 500);
    assert!(
        body.contains("ValueConversionFailed") && body.contains("numeric"),
        "{body}"
    );

    db.drop_with(&host);
}

#[test]
fn postgres_addresses_must_be_allowed() {
    let base = pg_url();
    let app = AppDir::new(&pg_probe_manifest(&base));
    let host = app.start();
    // The URL from the component variable `pg_url`.
    assert_eq!(
        host.call("POST", "/probe/pg/query", b"SELECT 1 AS one"),
        (200, "one:Int32\n1".into())
    );
    let authority = pg_authority(&base);
    let (hostname, port) = authority.rsplit_once(':').expect("host:port");
    let other_port: u16 = port.parse::<u16>().expect("port").wrapping_add(1);
    for (url, shown) in [
        (
            format!("postgres://recrules@localhost:{port}/recrules?sslmode=disable"),
            format!("localhost:{port}"),
        ),
        (
            format!("postgres://recrules@{hostname}:{other_port}/recrules?sslmode=disable"),
            format!("{hostname}:{other_port}"),
        ),
        (
            "postgres://recrules@db.example.com/recrules".to_string(),
            "db.example.com:5432".to_string(),
        ),
    ] {
        let (status, body) = pg(&host, "query", &url, "SELECT 1", &[]);
        assert_eq!(status, 500, "{url}: {body}");
        assert!(
            body.contains(&format!(
                "ConnectionFailed(\"address postgres://{shown} is not permitted\")"
            )),
            "{url}: {body}"
        );
    }
    let (_, body) = pg(&host, "query", "not a url", "SELECT 1", &[]);
    assert!(body.contains("ConnectionFailed"), "{body}");
    let log = std::fs::read_to_string(app.log_path()).expect("host log");
    assert!(
        log.contains("may not connect to postgres://localhost:"),
        "{log}"
    );
}

#[test]
fn postgres_tls_is_required_unless_disabled() {
    let base = pg_url();
    let app = AppDir::new(&pg_probe_manifest(&base));
    let host = app.start();
    // The test cluster has no TLS: `sslmode=require` must fail, never fall back to plain text.
    let require = base.replace("sslmode=disable", "sslmode=require");
    assert!(require.contains("sslmode=require"), "{base}");
    let (status, body) = pg(&host, "query", &require, "SELECT 1", &[]);
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("ConnectionFailed"), "{body}");
}
