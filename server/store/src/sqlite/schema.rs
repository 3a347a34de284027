//! Opening the database: pragmas and migrations.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};

/// The migrations, in order. Append; never edit one that has shipped.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(include_str!("migrations/001_init.sql"))])
}

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
    let mut conn = open().map_err(|error| error.to_string())?;
    migrations()
        .to_latest(&mut conn)
        .map_err(|error| match error {
            rusqlite_migration::Error::MigrationDefinition(_)
            | rusqlite_migration::Error::SpecifiedSchemaVersion(_) => format!(
                "it was written by a newer promptopt ({error}): upgrade promptopt to open it"
            ),
            other => other.to_string(),
        })?;
    Ok(conn)
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
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
