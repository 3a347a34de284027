//! Opening the database: pragmas and migrations.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// The migrations, in order; a database's `user_version` counts those applied. Append; never
/// edit one that has shipped.
const MIGRATIONS: [&str; 2] = [
    include_str!("migrations/001_init.sql"),
    include_str!("migrations/002_rows_follow_their_entry.sql"),
];

/// How long a connection waits for another process's write lock before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The writer's connection: WAL, full sync (a commit is on disk when it returns), migrated.
pub fn open_writer(path: &Path) -> Result<Connection, String> {
    let open = || -> rusqlite::Result<Connection> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(conn)
    };
    // Switching a new database to WAL while another process opens it too can fail with "locked"
    // without waiting on the busy timeout: that one step is retried for as long.
    let started = std::time::Instant::now();
    let conn = loop {
        match open() {
            Ok(conn) => break conn,
            Err(error) if is_busy(&error) && started.elapsed() < BUSY_TIMEOUT => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(error) => return Err(busy_message(error)),
        }
    };
    migrate(&conn)?;
    Ok(conn)
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// SQLite's "database is locked" does not say by whom or what to do.
pub fn busy_message(error: rusqlite::Error) -> String {
    if is_busy(&error) {
        format!(
            "another promptopt process held the registry for {} s ({error}): retry, or look for a stuck process",
            BUSY_TIMEOUT.as_secs()
        )
    } else {
        error.to_string()
    }
}

/// Apply the migrations this database lacks, under the write lock: two processes opening a new
/// store at the same moment must not both create its tables.
fn migrate(conn: &Connection) -> Result<(), String> {
    let failed = busy_message;
    conn.execute_batch("BEGIN IMMEDIATE").map_err(failed)?;
    let result = (|| {
        let applied: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(failed)?;
        let known = MIGRATIONS.len() as i64;
        if applied > known {
            return Err(format!(
                "it was written by a newer promptopt (schema {applied}, this one knows {known}): upgrade promptopt to open it"
            ));
        }
        for (number, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
            conn.execute_batch(sql)
                .map_err(|error| format!("migration {} failed: {error}", number + 1))?;
        }
        conn.pragma_update(None, "user_version", known)
            .map_err(failed)
    })();
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    conn.execute_batch(end).map_err(failed)?;
    result
}

/// A reader's connection: it never writes.
pub fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_changes_nothing_and_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("store.db");
        let conn = open_writer(&path).unwrap_or_else(|e| panic!("{e}"));
        drop(conn);
        let conn = open_writer(&path).unwrap_or_else(|e| panic!("{e}"));
        conn.pragma_update(None, "user_version", 99)
            .unwrap_or_else(|e| panic!("{e}"));
        drop(conn);
        let error = open_writer(&path).err().unwrap_or_default();
        assert!(error.contains("newer promptopt"), "{error}");
    }
}
