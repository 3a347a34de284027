//! Reading rows back into the model. Shared by the writer (which reads inside its transaction)
//! and the readers.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::audit::chain::{Checkpoint, RawEntry};
use crate::audit::keys::KeyId;
use crate::drift::Direction;
use crate::ids::{PromptId, UserId, VersionId};
use crate::model::{Alert, ContentHash, Label, PromptSummary, Series, Version};

/// A row that does not read back as what was written: the database was edited by hand.
#[derive(Debug)]
pub struct Damaged(pub String);

impl From<rusqlite::Error> for Damaged {
    fn from(error: rusqlite::Error) -> Self {
        Damaged(error.to_string())
    }
}

fn parse<T: std::str::FromStr>(column: &str, text: &str) -> Result<T, Damaged> {
    text.parse()
        .map_err(|_| Damaged(format!("the stored {column} `{text}` is not valid")))
}

const VERSION_COLUMNS: &str = "v.id, v.prompt_id, v.parent_id, v.content, v.sha256, v.author, \
     v.created_at, v.origin, v.strategy, v.score, v.message, \
     COALESCE((SELECT r.state FROM review_moves r WHERE r.version_id = v.id \
               ORDER BY r.event_seq DESC LIMIT 1), 'draft')";

struct VersionRow {
    id: String,
    prompt_id: String,
    parent_id: Option<String>,
    content: String,
    sha256: String,
    author: String,
    created_at: String,
    origin: String,
    strategy: Option<String>,
    score: Option<f64>,
    message: Option<String>,
    review: String,
}

impl VersionRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            prompt_id: row.get(1)?,
            parent_id: row.get(2)?,
            content: row.get(3)?,
            sha256: row.get(4)?,
            author: row.get(5)?,
            created_at: row.get(6)?,
            origin: row.get(7)?,
            strategy: row.get(8)?,
            score: row.get(9)?,
            message: row.get(10)?,
            review: row.get(11)?,
        })
    }

    fn into_version(self) -> Result<Version, Damaged> {
        Ok(Version {
            id: parse("version id", &self.id)?,
            prompt_id: PromptId::new(self.prompt_id.clone())
                .map_err(|error| Damaged(error.to_string()))?,
            parent_id: self
                .parent_id
                .as_deref()
                .map(|id| parse("parent id", id))
                .transpose()?,
            content: self.content,
            sha256: ContentHash::from_stored(self.sha256),
            author: UserId::new(self.author).map_err(|error| Damaged(error.to_string()))?,
            created_at: self.created_at,
            origin: parse("origin", &self.origin)?,
            strategy: self.strategy,
            score: self.score,
            message: self.message,
            review: parse("review state", &self.review)?,
        })
    }
}

fn versions_where(
    conn: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Version>, Damaged> {
    let sql = format!("SELECT {VERSION_COLUMNS} FROM versions v WHERE {condition}");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(params, VersionRow::read)?;
    let mut versions = Vec::new();
    for row in rows {
        versions.push(row?.into_version()?);
    }
    Ok(versions)
}

pub fn version(conn: &Connection, id: VersionId) -> Result<Option<Version>, Damaged> {
    Ok(versions_where(conn, "v.id = ?1", params![id.to_string()])?
        .into_iter()
        .next())
}

pub fn head(conn: &Connection, prompt: &PromptId) -> Result<Option<Version>, Damaged> {
    Ok(versions_where(
        conn,
        "v.prompt_id = ?1 AND v.main_line = 1 ORDER BY v.event_seq DESC LIMIT 1",
        params![prompt.as_str()],
    )?
    .into_iter()
    .next())
}

pub fn versions(conn: &Connection, prompt: &PromptId) -> Result<Vec<Version>, Damaged> {
    versions_where(
        conn,
        "v.prompt_id = ?1 ORDER BY v.event_seq",
        params![prompt.as_str()],
    )
}

pub fn prompts(conn: &Connection) -> Result<Vec<PromptSummary>, Damaged> {
    let mut statement = conn.prepare_cached(
        "SELECT v.prompt_id, COUNT(*), MAX(v.created_at), \
                (SELECT h.id FROM versions h WHERE h.prompt_id = v.prompt_id AND h.main_line = 1 \
                 ORDER BY h.event_seq DESC LIMIT 1) \
         FROM versions v GROUP BY v.prompt_id ORDER BY v.prompt_id",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, u32>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut prompts = Vec::new();
    for row in rows {
        let (prompt_id, versions, updated_at, head) = row?;
        // A prompt with only candidates has no head yet; it is listed once it has one.
        let Some(head) = head else { continue };
        prompts.push(PromptSummary {
            prompt_id: PromptId::new(prompt_id).map_err(|error| Damaged(error.to_string()))?,
            head: parse("version id", &head)?,
            versions,
            updated_at,
        });
    }
    Ok(prompts)
}

pub fn labels(conn: &Connection, prompt: &PromptId) -> Result<Vec<(Label, VersionId)>, Damaged> {
    let mut statement = conn.prepare_cached(
        "SELECT m.label, m.version_id FROM label_moves m \
         WHERE m.prompt_id = ?1 AND m.event_seq = \
             (SELECT MAX(n.event_seq) FROM label_moves n \
              WHERE n.prompt_id = m.prompt_id AND n.label = m.label) \
         ORDER BY m.label",
    )?;
    let rows = statement.query_map(params![prompt.as_str()], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut labels = Vec::new();
    for row in rows {
        let (label, version) = row?;
        labels.push((
            Label::new(label).map_err(Damaged)?,
            parse("version id", &version)?,
        ));
    }
    Ok(labels)
}

pub fn favorites(conn: &Connection, user: &UserId) -> Result<Vec<VersionId>, Damaged> {
    let mut statement = conn.prepare_cached(
        "SELECT f.version_id FROM favorite_moves f \
         WHERE f.user = ?1 AND f.favorite = 1 AND f.event_seq = \
             (SELECT MAX(g.event_seq) FROM favorite_moves g \
              WHERE g.user = f.user AND g.version_id = f.version_id) \
         ORDER BY f.event_seq",
    )?;
    let rows = statement.query_map(params![user.as_str()], |row| row.get::<_, String>(0))?;
    let mut favorites = Vec::new();
    for row in rows {
        favorites.push(parse("version id", &row?)?);
    }
    Ok(favorites)
}

pub fn alerts(conn: &Connection, prompt: Option<&PromptId>) -> Result<Vec<Alert>, Damaged> {
    let mut statement = conn.prepare_cached(
        "SELECT id, prompt_id, series, direction, baseline, recent, observations, raised_at \
         FROM alerts WHERE ?1 IS NULL OR prompt_id = ?1 ORDER BY event_seq",
    )?;
    let rows = statement.query_map(params![prompt.map(PromptId::as_str)], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, f64>(4)?,
            row.get::<_, f64>(5)?,
            row.get::<_, u32>(6)?,
            row.get::<_, String>(7)?,
        ))
    })?;
    let mut alerts = Vec::new();
    for row in rows {
        let (id, prompt_id, series, direction, baseline, recent, observations, raised_at) = row?;
        alerts.push(Alert {
            id,
            prompt_id: PromptId::new(prompt_id).map_err(|error| Damaged(error.to_string()))?,
            series: parse::<Series>("series", &series)?,
            direction: parse::<Direction>("direction", &direction)?,
            baseline,
            recent,
            observations,
            raised_at,
        });
    }
    Ok(alerts)
}

/// The observations a drift monitor sees: the series' values after its last alert (at most the
/// latest `limit`), oldest first, each with its event position.
pub fn series_since_last_alert(
    conn: &Connection,
    prompt: &PromptId,
    series: Series,
    limit: usize,
) -> Result<Vec<(u64, f64)>, Damaged> {
    let table = series_table(series);
    let sql = format!(
        "SELECT event_seq, CAST(score AS REAL) FROM {table} \
         WHERE prompt_id = ?1 AND event_seq > COALESCE( \
             (SELECT MAX(through_seq) FROM alerts WHERE prompt_id = ?1 AND series = ?2), 0) \
         ORDER BY event_seq DESC LIMIT ?3"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(
        params![prompt.as_str(), series.as_str(), limit as i64],
        |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, f64>(1)?)),
    )?;
    let mut values = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    values.reverse();
    Ok(values)
}

/// The position of the observation of `series` for `prompt` just before `seq`.
pub fn previous_observation(
    conn: &Connection,
    prompt: &PromptId,
    series: Series,
    seq: u64,
) -> Result<Option<u64>, Damaged> {
    let sql = format!(
        "SELECT MAX(event_seq) FROM {} WHERE prompt_id = ?1 AND event_seq < ?2",
        series_table(series)
    );
    let previous = conn
        .prepare_cached(&sql)?
        .query_row(params![prompt.as_str(), seq as i64], |row| {
            row.get::<_, Option<i64>>(0)
        })?;
    Ok(previous.map(|seq| seq as u64))
}

fn series_table(series: Series) -> &'static str {
    match series {
        Series::EvaluationScore => "evaluations",
        Series::FeedbackRating => "feedback",
    }
}

pub fn meta(conn: &Connection, key: &str) -> Result<Option<String>, Damaged> {
    Ok(conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            params![key],
            |row| row.get(0),
        )
        .optional()?)
}

pub fn recorded_keys(conn: &Connection) -> Result<Vec<(KeyId, [u8; 32])>, Damaged> {
    let mut statement =
        conn.prepare_cached("SELECT key_id, public_key FROM audit_keys ORDER BY rowid")?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
    })?;
    let mut keys = Vec::new();
    for row in rows {
        let (id, public) = row?;
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| Damaged(format!("the public key of audit key {id} is damaged")))?;
        let id = KeyId::from_stored(id)
            .ok_or_else(|| Damaged("an audit key id is damaged (not 16 hex digits)".into()))?;
        keys.push((id, public));
    }
    Ok(keys)
}

pub fn recorded_key_count(conn: &Connection) -> Result<usize, Damaged> {
    Ok(
        conn.query_row("SELECT COUNT(*) FROM audit_keys", [], |row| {
            row.get::<_, i64>(0)
        })? as usize,
    )
}

const ENTRY_COLUMNS: &str = "seq, event_id, event_type, prompt_id, recorded_at, session_id, \
     key_id, nonce, payload, prev_hash, hash";

/// Read an entry as whatever bytes are there: a tampered row (text that is not UTF-8, a NULL, a
/// blob where text was) must reach `verify` to be named, not fail the read.
fn read_entry(row: &Row<'_>) -> rusqlite::Result<RawEntry> {
    use rusqlite::types::ValueRef;
    let bytes = |index: usize| -> rusqlite::Result<Vec<u8>> {
        Ok(match row.get_ref(index)? {
            ValueRef::Null => Vec::new(),
            ValueRef::Integer(number) => number.to_string().into_bytes(),
            ValueRef::Real(number) => number.to_string().into_bytes(),
            ValueRef::Text(bytes) | ValueRef::Blob(bytes) => bytes.to_vec(),
        })
    };
    let text = |index: usize| -> rusqlite::Result<String> {
        Ok(String::from_utf8_lossy(&bytes(index)?).into_owned())
    };
    Ok(RawEntry {
        seq: row.get::<_, i64>(0)? as u64,
        event_id: text(1)?,
        event_type: text(2)?,
        prompt_id: match row.get_ref(3)? {
            ValueRef::Null => None,
            _ => Some(text(3)?),
        },
        recorded_at: text(4)?,
        session_id: text(5)?,
        key_id: text(6)?,
        nonce: bytes(7)?,
        payload: bytes(8)?,
        prev_hash: bytes(9)?,
        hash: bytes(10)?,
    })
}

/// Every entry, in position order.
pub fn entries(conn: &Connection) -> Result<Vec<RawEntry>, Damaged> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log ORDER BY seq"
    ))?;
    let rows = statement.query_map([], read_entry)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The entries of one prompt and/or since a time, in position order.
pub fn entries_matching(
    conn: &Connection,
    prompt: Option<&PromptId>,
    since: Option<&str>,
) -> Result<Vec<RawEntry>, Damaged> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log \
         WHERE (?1 IS NULL OR prompt_id = ?1) AND (?2 IS NULL OR recorded_at >= ?2) ORDER BY seq"
    ))?;
    let rows = statement.query_map(params![prompt.map(PromptId::as_str), since], read_entry)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn checkpoints(conn: &Connection, store_id: &str) -> Result<Vec<Checkpoint>, Damaged> {
    let mut statement = conn.prepare_cached(
        "SELECT seq, head_hash, signed_at, key_id, signature FROM audit_checkpoints ORDER BY seq",
    )?;
    let rows = statement.query_map([], |row| {
        let bytes = |index: usize| -> rusqlite::Result<Vec<u8>> {
            use rusqlite::types::ValueRef;
            Ok(match row.get_ref(index)? {
                ValueRef::Text(bytes) | ValueRef::Blob(bytes) => bytes.to_vec(),
                _ => Vec::new(),
            })
        };
        Ok(Checkpoint {
            store_id: store_id.to_owned(),
            seq: row.get::<_, i64>(0)? as u64,
            head_hash: bytes(1)?,
            signed_at: String::from_utf8_lossy(&bytes(2)?).into_owned(),
            key_id: String::from_utf8_lossy(&bytes(3)?).into_owned(),
            signature: bytes(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The last entry's position and hash (0 and the genesis hash for an empty log).
pub fn chain_head(conn: &Connection) -> Result<(u64, Vec<u8>), Damaged> {
    let head = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, Vec<u8>>(1)?)),
        )
        .optional()?;
    Ok(head.unwrap_or((0, crate::audit::chain::GENESIS.to_vec())))
}

pub fn last_checkpoint_seq(conn: &Connection) -> Result<u64, Damaged> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints",
        [],
        |row| row.get::<_, i64>(0),
    )? as u64)
}
