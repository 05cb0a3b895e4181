//! The Lapps' state table, as both of its databases spell it.
//!
//! The Lapps keep every record in one SQL table of keys, versions and values:
//! Spin's SQLite database (`fermyon:spin/sqlite`, one machine) or PostgreSQL
//! (`spin:postgres/postgres`, any number of replicas). Every change that
//! requests race on is one statement that the database makes atomic on its
//! own: a create is an `INSERT … ON CONFLICT DO NOTHING`, a change an
//! `UPDATE … WHERE key = … AND version = …`, a removal a `DELETE … WHERE key
//! = … AND version = …`; no transaction is held open across calls. This
//! module holds the table's definition and those statements, once, for the
//! Lapps (`lapps/support`) and for `recrules-host state copy`, which moves an
//! installation from one database to the other.
//!
//! Two traps shape the statements:
//! - Spin's Postgres `query` (4.0 to 4.1) never returns on a result without
//!   rows, so the read is a `LEFT JOIN` on a one-row table: it answers one
//!   row, of nulls when the key is absent. Conditional writes are
//!   `execute`d on PostgreSQL and answer its row count.
//! - Spin's SQLite interface (`fermyon:spin/sqlite@2.0.0`) tells no row
//!   count, so there the conditional writes end in `RETURNING version` and
//!   the rows returned are counted.

/// The table's name.
pub const TABLE: &str = "recrules_state";

/// The SQL dialect of a database the state lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite, through Spin's `fermyon:spin/sqlite@2.0.0` (parameters `?1`).
    Sqlite,
    /// PostgreSQL, through Spin's `spin:postgres/postgres@4.0.0` (parameters `$1`).
    Postgres,
}

/// What a statement does; each is one statement, atomic on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statement {
    /// Creates the table if it is missing (no parameters).
    CreateTable,
    /// Reads a record: one row (`version`, `value`), both null when `key` is
    /// absent. Parameters: key.
    Read,
    /// Creates a record at version 1 unless the key exists: one row
    /// affected, or none when it already existed. Parameters: key, value.
    Insert,
    /// Changes a record from `version` to `version + 1` with a new value:
    /// one row affected, or none when it no longer is at `version`.
    /// Parameters: key, version, value.
    Update,
    /// Writes a record whatever it held (last writer wins), raising its
    /// version. Parameters: key, value.
    Put,
    /// Changes a record only if it still holds exactly `expected`: one row
    /// affected, or none. Parameters: key, expected, value.
    Swap,
    /// Removes a record only if it is still at `version`: one row affected,
    /// or none. Parameters: key, version.
    Remove,
    /// Removes a record whatever it held. Parameters: key.
    Delete,
    /// Every record, in key order: rows (`key`, `version`, `value`). No
    /// parameters. (For copying a whole installation, not for requests.)
    All,
    /// The keys (and versions) after `after` that start with `prefix`, in
    /// key order, at most `limit`: rows (`key`, `version`); one row of
    /// nulls when there are none. Parameters: after, prefix, limit. (For the
    /// sweep, which walks an org's records a page at a time.)
    Scan,
    /// How many keys after `after` start with `prefix`: one row (`count`).
    /// Parameters: after, prefix.
    Count,
}

impl Dialect {
    /// The text of `statement` in this dialect.
    pub const fn sql(self, statement: Statement) -> &'static str {
        use Statement::*;
        match self {
            Dialect::Sqlite => match statement {
                CreateTable => "CREATE TABLE IF NOT EXISTS recrules_state (key TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, value BLOB NOT NULL)",
                Read => "SELECT s.version, s.value FROM (SELECT 1) AS one LEFT JOIN recrules_state AS s ON s.key = ?1",
                Insert => "INSERT INTO recrules_state (key, version, value) VALUES (?1, 1, ?2) ON CONFLICT (key) DO NOTHING RETURNING version",
                Update => "UPDATE recrules_state SET version = version + 1, value = ?3 WHERE key = ?1 AND version = ?2 RETURNING version",
                Put => "INSERT INTO recrules_state (key, version, value) VALUES (?1, 1, ?2) ON CONFLICT (key) DO UPDATE SET version = recrules_state.version + 1, value = excluded.value RETURNING version",
                Swap => "UPDATE recrules_state SET version = version + 1, value = ?3 WHERE key = ?1 AND value = ?2 RETURNING version",
                Remove => "DELETE FROM recrules_state WHERE key = ?1 AND version = ?2 RETURNING version",
                Delete => "DELETE FROM recrules_state WHERE key = ?1",
                All => "SELECT key, version, value FROM recrules_state ORDER BY key",
                Scan => "SELECT s.key, s.version FROM (SELECT 1) AS one LEFT JOIN (SELECT key, version FROM recrules_state WHERE key > ?1 AND substr(key, 1, length(?2)) = ?2 ORDER BY key LIMIT ?3) AS s ON 1 = 1 ORDER BY s.key",
                Count => "SELECT count(*) FROM recrules_state WHERE key > ?1 AND substr(key, 1, length(?2)) = ?2",
            },
            Dialect::Postgres => match statement {
                CreateTable => "CREATE TABLE IF NOT EXISTS recrules_state (key TEXT PRIMARY KEY NOT NULL, version BIGINT NOT NULL, value BYTEA NOT NULL)",
                Read => "SELECT s.version, s.value FROM (SELECT 1) AS one LEFT JOIN recrules_state AS s ON s.key = $1",
                Insert => "INSERT INTO recrules_state (key, version, value) VALUES ($1, 1, $2) ON CONFLICT (key) DO NOTHING",
                Update => "UPDATE recrules_state SET version = version + 1, value = $3 WHERE key = $1 AND version = $2",
                Put => "INSERT INTO recrules_state (key, version, value) VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE SET version = recrules_state.version + 1, value = excluded.value",
                Swap => "UPDATE recrules_state SET version = version + 1, value = $3 WHERE key = $1 AND value = $2",
                Remove => "DELETE FROM recrules_state WHERE key = $1 AND version = $2",
                Delete => "DELETE FROM recrules_state WHERE key = $1",
                All => "SELECT key, version, value FROM recrules_state ORDER BY key",
                Scan => "SELECT s.key, s.version FROM (SELECT 1) AS one LEFT JOIN (SELECT key, version FROM recrules_state WHERE key > $1 AND left(key, length($2::text)) = $2::text ORDER BY key LIMIT $3) AS s ON true ORDER BY s.key",
                Count => "SELECT count(*) FROM recrules_state WHERE key > $1 AND left(key, length($2::text)) = $2::text",
            },
        }
    }

    /// Whether `message`, an error the database gave, says the state table
    /// does not exist yet (SQLite: `no such table`; PostgreSQL: SQLSTATE
    /// 42P01, `undefined_table`).
    pub fn is_missing_table(self, message: &str) -> bool {
        match self {
            Dialect::Sqlite => message.contains("no such table"),
            Dialect::Postgres => message.contains("42P01"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: [Statement; 11] = [
        Statement::CreateTable,
        Statement::Read,
        Statement::Insert,
        Statement::Update,
        Statement::Put,
        Statement::Swap,
        Statement::Remove,
        Statement::Delete,
        Statement::All,
        Statement::Scan,
        Statement::Count,
    ];

    #[test]
    fn every_statement_names_the_table_and_only_its_dialects_parameters() {
        for statement in EVERY {
            let sqlite = Dialect::Sqlite.sql(statement);
            let postgres = Dialect::Postgres.sql(statement);
            assert!(sqlite.contains(TABLE) && postgres.contains(TABLE));
            assert!(!sqlite.contains('$'), "{sqlite}");
            assert!(!postgres.contains('?'), "{postgres}");
            // The same parameters in the same places.
            fn numbered(sql: &str, sign: char) -> Vec<&str> {
                let mut n: Vec<&str> = sql.split(sign).skip(1).map(|r| &r[..1]).collect();
                n.sort_unstable();
                n
            }
            assert_eq!(numbered(sqlite, '?'), numbered(postgres, '$'));
        }
    }

    #[test]
    fn sqlite_conditional_writes_return_their_rows_and_postgres_ones_do_not() {
        use Statement::*;
        for statement in [Insert, Update, Put, Swap, Remove] {
            assert!(Dialect::Sqlite
                .sql(statement)
                .ends_with("RETURNING version"));
            assert!(!Dialect::Postgres.sql(statement).contains("RETURNING"));
        }
    }

    #[test]
    fn missing_tables_are_recognised_per_dialect() {
        assert!(Dialect::Sqlite.is_missing_table("Io(\"no such table: recrules_state\")"));
        assert!(!Dialect::Sqlite.is_missing_table("database is locked"));
        assert!(Dialect::Postgres.is_missing_table("db error: code 42P01"));
        assert!(!Dialect::Postgres.is_missing_table("23505"));
    }
}
