//! `fermyon:spin/sqlite@2.0.0` end to end: the probe on the real host.

mod common;

use common::{enc, probe_manifest, AppDir, Host};

/// Runs `sql` with parameters `params` (probe syntax) on database `db`.
fn exec_on(host: &Host, db: &str, sql: &str, params: &[&str]) -> (u16, String) {
    let mut path = format!("/probe/sqlite/exec?db={}", enc(db));
    for p in params {
        path.push_str(&format!("&p={}", enc(p)));
    }
    host.call("POST", &path, sql.as_bytes())
}

fn exec(host: &Host, sql: &str, params: &[&str]) -> (u16, String) {
    exec_on(host, "default", sql, params)
}

fn ok(host: &Host, sql: &str, params: &[&str]) -> String {
    let (status, body) = exec(host, sql, params);
    assert_eq!(status, 200, "{sql}: {body}");
    body
}

#[test]
fn sqlite_crud_and_errors() {
    let app = AppDir::new(&probe_manifest(""));
    let host = app.start();
    let (status, body) = exec(&host, "SELECT v FROM t", &[]);
    assert_eq!(status, 500);
    assert!(body.contains("no such table: t"), "{body}");

    ok(
        &host,
        "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL, v BLOB, r REAL)",
        &[],
    );
    // A write with RETURNING answers its rows; without, no columns and no rows.
    assert_eq!(
        ok(
            &host,
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4) RETURNING n",
            &["a", "i:1", "b:xy", "r:1.5"]
        ),
        "n\n1"
    );
    assert_eq!(
        ok(&host, "INSERT INTO t VALUES (?1, 2, NULL, NULL)", &["b"]),
        ""
    );
    assert_eq!(
        ok(&host, "SELECT k, n, v, r FROM t ORDER BY k", &[]),
        "k,n,v,r\na|1|x'7879'|1.5\nb|2|NULL|NULL"
    );
    // A conditional write that matches nothing returns no rows.
    assert_eq!(
        ok(
            &host,
            "UPDATE t SET n = n + 1 WHERE k = ?1 AND n = ?2 RETURNING n",
            &["a", "i:7"]
        ),
        "n"
    );
    assert_eq!(
        ok(
            &host,
            "UPDATE t SET n = n + 1 WHERE k = ?1 AND n = ?2 RETURNING n",
            &["a", "i:1"]
        ),
        "n\n2"
    );
    assert_eq!(
        ok(&host, "DELETE FROM t WHERE k = ?1 RETURNING k", &["b"]),
        "k\nb"
    );
    let (status, body) = exec(&host, "INSERT INTO t VALUES ('a', 1, NULL, NULL)", &[]);
    assert_eq!(status, 500);
    assert!(body.contains("UNIQUE constraint failed: t.k"), "{body}");

    // Attaching another file is denied, as in Spin.
    let (status, body) = exec(&host, "ATTACH DATABASE 'other.db' AS o", &[]);
    assert_eq!(status, 500);
    assert!(body.contains("not authorized"), "{body}");

    // A label the component does not list.
    let (status, body) = exec_on(&host, "other", "SELECT 1", &[]);
    assert_eq!(
        (status, body.as_str()),
        (500, "error: open: Error::AccessDenied")
    );
}

#[test]
fn sqlite_survives_kill_9_and_restart() {
    let app = AppDir::new(&probe_manifest(""));
    let host = app.start();
    ok(&host, "CREATE TABLE kept (k TEXT PRIMARY KEY, v TEXT)", &[]);
    ok(&host, "INSERT INTO kept VALUES (?1, ?2)", &["otp", "kept"]);
    host.kill9();
    assert!(app.path().join(".spin/sqlite_db.db").is_file());
    let host = app.start();
    assert_eq!(
        ok(&host, "SELECT v FROM kept WHERE k = ?1", &["otp"]),
        "v\nkept"
    );
    assert_eq!(ok(&host, "PRAGMA journal_mode", &[]), "journal_mode\nwal");
}

#[test]
fn concurrent_sqlite_writes_are_not_lost() {
    let app = AppDir::new(&probe_manifest(""));
    let host = std::sync::Arc::new(app.start());
    ok(&host, "CREATE TABLE c (k TEXT PRIMARY KEY, n INTEGER)", &[]);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let host = host.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    ok(
                        &host,
                        "INSERT INTO c VALUES ('n', 1) ON CONFLICT (k) DO UPDATE SET n = n + 1 RETURNING n",
                        &[],
                    );
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    assert_eq!(ok(&host, "SELECT n FROM c", &[]), "n\n40");
}
