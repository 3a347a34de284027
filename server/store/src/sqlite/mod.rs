//! The embedded store: one SQLite file in WAL mode, one writer thread with group commit, and
//! read-only connections for queries.

mod consistency;
mod ops;
mod queries;
mod schema;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};

use rusqlite::{Connection, params};

use crate::audit::keys::{AuditKey, KeyRing, Vault};
use crate::audit::{AuditEventRecord, Checkpoint, KeyId, Verdict};
use crate::error::{Result, StoreError};
use crate::ids::{EventId, PromptId, SessionId, UserId, VersionId};
use crate::model::{
    Alert, Annotation, Approval, Deployment, EvaluationRecord, FeedbackPayload, Label, NewVersion,
    PromptSummary, ReviewRequest, RollbackRequest, RolledBack, Saved, Series, Version,
};
use crate::repository::{AuditFilter, Recorded, Repository};
use crate::validate;
use queries::Damaged;
use writer::Writer;

/// A key's public half, kept beside the log so `verify` can check what the key signed. Written
/// when a store is created and when its keys rotate.
const INSERT_AUDIT_KEY: &str =
    "INSERT INTO audit_keys (key_id, public_key, created_at) VALUES (?1, ?2, ?3)";

fn audit_key_row(key: &AuditKey) -> (String, Vec<u8>, String) {
    (
        key.id().as_str().to_owned(),
        key.public().as_bytes().to_vec(),
        crate::clock::now(),
    )
}

/// The database file's name inside the state directory.
pub const DATABASE_FILE: &str = "promptopt.db";

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The state directory (`.promptopt/` at the workspace root by default).
    pub dir: PathBuf,
    /// Where the audit keys are. A new store uses the OS keyring when it works, else
    /// `<dir>/keys/`; an existing store uses the vault it was created with unless this says
    /// otherwise (the keys were moved).
    pub vault: Option<Vault>,
}

/// Keeps the audit keys as files in this folder instead of the OS keyring (CI, containers, or
/// keys on a volume apart from the database).
pub const AUDIT_KEY_DIR_ENV: &str = "PROMPTOPT_AUDIT_KEY_DIR";

impl StoreOptions {
    /// The store in `dir`, with the audit keys where the environment says
    /// ([`AUDIT_KEY_DIR_ENV`]), else where the store was created with them.
    pub fn for_dir(dir: impl Into<PathBuf>, env: &dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            dir: dir.into(),
            vault: env(AUDIT_KEY_DIR_ENV)
                .filter(|dir| !dir.trim().is_empty())
                .map(|dir| Vault::Dir(PathBuf::from(dir))),
        }
    }

    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            vault: None,
        }
    }

    /// Keys as files in `<dir>/keys/`: for tests and machines without a keyring.
    pub fn with_key_dir(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Self {
            vault: Some(Vault::Dir(dir.join("keys"))),
            dir,
        }
    }
}

/// What the writer and the readers share.
pub(crate) struct Shared {
    pub store_id: String,
    pub session: SessionId,
    pub path: PathBuf,
    vault: Vault,
    keys: RwLock<KeyRing>,
    readers: Mutex<Vec<Connection>>,
    /// Drift monitors' state between observations (the writer's alone).
    monitors: Mutex<HashMap<(PromptId, Series), CachedMonitor>>,
}

/// A drift monitor and the last observation it saw.
pub(crate) struct CachedMonitor {
    pub last_seq: u64,
    pub monitor: crate::drift::Monitor,
}

impl Shared {
    pub fn monitors(&self) -> MutexGuard<'_, HashMap<(PromptId, Series), CachedMonitor>> {
        self.monitors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn keys(&self) -> Result<RwLockReadGuard<'_, KeyRing>> {
        self.keys.read().map_err(|_| StoreError::Closed)
    }

    pub fn database(&self, error: impl std::fmt::Display) -> StoreError {
        StoreError::Database {
            path: self.path.display().to_string(),
            reason: error.to_string(),
        }
    }

    fn damaged(&self, damaged: Damaged) -> StoreError {
        self.database(damaged.0)
    }

    /// The key ring as the store records it now: every generation, the latest current.
    pub(crate) fn ring_from(&self, conn: &Connection) -> Result<KeyRing> {
        let recorded = queries::recorded_keys(conn).map_err(|d| self.damaged(d))?;
        Ok(KeyRing::load(&self.vault, &self.store_id, &recorded)?)
    }

    /// The writer's ring, brought up to date when another process rotated the keys. Called
    /// inside the write lock, so no rotation can slip in before the batch seals with it.
    pub(crate) fn refresh_keys(&self, conn: &Connection) -> Result<()> {
        let recorded = queries::recorded_key_count(conn).map_err(|d| self.damaged(d))?;
        if recorded == self.keys()?.len() {
            return Ok(());
        }
        let ring = self.ring_from(conn)?;
        *self.keys.write().map_err(|_| StoreError::Closed)? = ring;
        Ok(())
    }

    fn with_reader<T>(
        &self,
        read: impl FnOnce(&Connection) -> std::result::Result<T, StoreError>,
    ) -> Result<T> {
        let pooled = self.readers.lock().ok().and_then(|mut pool| pool.pop());
        let conn = match pooled {
            Some(conn) => conn,
            None => schema::open_reader(&self.path).map_err(|error| self.database(error))?,
        };
        // A read sees one snapshot, even across several statements.
        conn.execute_batch("BEGIN")
            .map_err(|error| self.database(error))?;
        let result = read(&conn);
        let _ = conn.execute_batch("COMMIT");
        if let Ok(mut pool) = self.readers.lock() {
            pool.push(conn);
        }
        result
    }
}

/// The SQLite store. Cheap to clone; the writer stops (signing the head) when the last clone is
/// dropped.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    writer: Writer,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.writer.shutdown();
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.shared.path)
            .field("store_id", &self.inner.shared.store_id)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Open (creating if needed) the store in `options.dir`.
    pub fn open(options: StoreOptions) -> Result<Self> {
        let io = |reason: String| StoreError::Io {
            path: options.dir.display().to_string(),
            reason,
        };
        create_state_dir(&options.dir).map_err(|error| io(error.to_string()))?;
        let path = options.dir.join(DATABASE_FILE);
        let conn = schema::open_writer(&path).map_err(|reason| StoreError::Database {
            path: path.display().to_string(),
            reason,
        })?;
        let (store_id, vault, keys) = initialize(&conn, &options, &path)?;
        let shared = Arc::new(Shared {
            store_id,
            session: SessionId::generate(),
            path,
            vault,
            keys: RwLock::new(keys),
            readers: Mutex::new(Vec::new()),
            monitors: Mutex::new(HashMap::new()),
        });
        let writer = Writer::spawn(conn, Arc::clone(&shared))?;
        Ok(Self {
            inner: Arc::new(Inner { shared, writer }),
        })
    }

    /// Whether a store was ever created in the state folder `dir` (opening it would create one).
    pub fn exists(dir: &Path) -> bool {
        dir.join(DATABASE_FILE).is_file()
    }

    pub fn path(&self) -> &Path {
        &self.inner.shared.path
    }

    pub fn store_id(&self) -> &str {
        &self.inner.shared.store_id
    }

    pub fn session_id(&self) -> SessionId {
        self.inner.shared.session
    }

    /// Finish queued writes and sign the head now, rather than when the last clone drops.
    pub fn close(&self) {
        self.inner.writer.shutdown();
    }

    async fn read<T, F>(&self, read: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Shared) -> Result<T> + Send + 'static,
    {
        let shared = Arc::clone(&self.inner.shared);
        tokio::task::spawn_blocking(move || shared.with_reader(|conn| read(conn, &shared)))
            .await
            .map_err(|_| StoreError::Closed)?
    }

    async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut writer::Tx<'_>) -> Result<T> + Send + 'static,
    {
        self.inner.writer.run(work).await
    }
}

/// Create the state folder, with a `.gitignore` so the database and any key files never land
/// in the project's repository by accident.
fn create_state_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(
            ignore,
            "# PromptOpt's local state: the registry, the audit log and its keys.\n*\n",
        )?;
    }
    Ok(())
}

/// A store's identity and keys as recorded: its id, its vault (if recorded), its keys.
type KeysOnRecord = (String, Option<String>, Vec<(KeyId, [u8; 32])>);

/// The store's identity, its key vault and its keys. An existing store is only read, and its
/// keys are loaded (which may wait on a keyring prompt) with no lock held; a new one is set up
/// under the write lock, so two processes creating it at once agree.
fn initialize(
    conn: &Connection,
    options: &StoreOptions,
    path: &Path,
) -> Result<(String, Vault, KeyRing)> {
    let database = |reason: String| StoreError::Database {
        path: path.display().to_string(),
        reason,
    };
    let read = |conn: &Connection| -> Result<Option<KeysOnRecord>> {
        let Some(store_id) = queries::meta(conn, "store_id").map_err(|d| database(d.0))? else {
            return Ok(None);
        };
        let vault = queries::meta(conn, "vault").map_err(|d| database(d.0))?;
        let keys = queries::recorded_keys(conn).map_err(|d| database(d.0))?;
        Ok((!keys.is_empty()).then_some((store_id, vault, keys)))
    };
    let vault_of = |store_id: &str, recorded: Option<&str>| -> Vault {
        let recorded = recorded.and_then(|text| Vault::parse(text, &options.dir));
        match (&options.vault, recorded) {
            (Some(vault), _) => vault.clone(),
            (None, Some(vault)) => vault,
            (None, None) if Vault::keyring_works(store_id) => Vault::Keyring,
            (None, None) => Vault::Dir(options.dir.join("keys")),
        }
    };
    let load = |(store_id, vault, keys): KeysOnRecord| -> Result<(String, Vault, KeyRing)> {
        let vault = vault_of(&store_id, vault.as_deref());
        let ring = KeyRing::load(&vault, &store_id, &keys)?;
        Ok((store_id, vault, ring))
    };
    if let Some(recorded) = read(conn)? {
        return load(recorded);
    }

    enum SetUp {
        /// Another process set the store up while this one waited for the lock.
        Elsewhere(KeysOnRecord),
        Here(String, Vault, KeyRing),
    }
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|error| database(schema::busy_message(error)))?;
    let set_up = (|| -> Result<SetUp> {
        if let Some(recorded) = read(conn)? {
            return Ok(SetUp::Elsewhere(recorded));
        }
        let store_id = match queries::meta(conn, "store_id").map_err(|d| database(d.0))? {
            Some(id) => id,
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('store_id', ?1)",
                    params![id],
                )
                .map_err(|error| database(error.to_string()))?;
                id
            }
        };
        let recorded_vault = queries::meta(conn, "vault").map_err(|d| database(d.0))?;
        let vault = vault_of(&store_id, recorded_vault.as_deref());
        if recorded_vault.is_none() {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('vault', ?1)",
                params![vault.describe(&options.dir)],
            )
            .map_err(|error| database(error.to_string()))?;
        }
        let (key, secret) = AuditKey::generate()?;
        vault.save(&store_id, key.id(), &secret)?;
        conn.execute(INSERT_AUDIT_KEY, audit_key_row(&key))
            .map_err(|error| database(error.to_string()))?;
        Ok(SetUp::Here(store_id, vault, KeyRing::single(key)))
    })();
    let end = if set_up.is_ok() { "COMMIT" } else { "ROLLBACK" };
    conn.execute_batch(end)
        .map_err(|error| database(error.to_string()))?;
    match set_up? {
        SetUp::Elsewhere(recorded) => load(recorded),
        SetUp::Here(store_id, vault, keys) => Ok((store_id, vault, keys)),
    }
}

impl Repository for SqliteStore {
    async fn save_version(&self, new: NewVersion) -> Result<Saved> {
        validate::new_version(&new)?;
        self.write(move |tx| ops::save_version(tx, new, ops::Line::Main))
            .await
    }

    async fn save_candidate(&self, new: NewVersion) -> Result<Version> {
        validate::new_version(&new)?;
        self.write(move |tx| ops::save_version(tx, new, ops::Line::Candidate))
            .await
            .map(|saved| saved.version().clone())
    }

    async fn version(&self, id: VersionId) -> Result<Option<Version>> {
        self.read(move |conn, shared| queries::version(conn, id).map_err(|d| shared.damaged(d)))
            .await
    }

    async fn head(&self, prompt: &PromptId) -> Result<Option<Version>> {
        let prompt = prompt.clone();
        self.read(move |conn, shared| queries::head(conn, &prompt).map_err(|d| shared.damaged(d)))
            .await
    }

    async fn versions(&self, prompt: &PromptId) -> Result<Vec<Version>> {
        let prompt = prompt.clone();
        self.read(move |conn, shared| {
            queries::versions(conn, &prompt).map_err(|d| shared.damaged(d))
        })
        .await
    }

    async fn prompts(&self) -> Result<Vec<PromptSummary>> {
        self.read(|conn, shared| queries::prompts(conn).map_err(|d| shared.damaged(d)))
            .await
    }

    async fn labels(&self, prompt: &PromptId) -> Result<Vec<(Label, VersionId)>> {
        let prompt = prompt.clone();
        self.read(move |conn, shared| queries::labels(conn, &prompt).map_err(|d| shared.damaged(d)))
            .await
    }

    async fn submit_feedback(&self, feedback: FeedbackPayload) -> Result<Recorded> {
        validate::note("notes", feedback.notes.as_deref())?;
        self.write(move |tx| ops::submit_feedback(tx, feedback))
            .await
    }

    async fn record_evaluation(&self, evaluation: EvaluationRecord) -> Result<Recorded> {
        validate::evaluation(&evaluation)?;
        self.write(move |tx| ops::record_evaluation(tx, evaluation))
            .await
    }

    async fn annotate(&self, annotation: Annotation) -> Result<EventId> {
        validate::note("note", Some(&annotation.note))?;
        self.write(move |tx| ops::annotate(tx, annotation)).await
    }

    async fn set_favorite(&self, version: VersionId, user: UserId, favorite: bool) -> Result<()> {
        self.write(move |tx| ops::set_favorite(tx, version, user, favorite))
            .await
    }

    async fn favorites(&self, user: &UserId) -> Result<Vec<VersionId>> {
        let user = user.clone();
        self.read(move |conn, shared| {
            queries::favorites(conn, &user).map_err(|d| shared.damaged(d))
        })
        .await
    }

    async fn request_review(&self, request: ReviewRequest) -> Result<Version> {
        validate::note("note", request.note.as_deref())?;
        self.write(move |tx| ops::request_review(tx, request)).await
    }

    async fn approve(&self, approval: Approval) -> Result<Version> {
        validate::note("note", approval.note.as_deref())?;
        self.write(move |tx| ops::approve(tx, approval)).await
    }

    async fn deploy(&self, deployment: Deployment) -> Result<Version> {
        validate::note("deploy ref", deployment.deploy_ref.as_deref())?;
        self.write(move |tx| ops::deploy(tx, deployment)).await
    }

    async fn rollback(&self, request: RollbackRequest) -> Result<RolledBack> {
        validate::reason(&request.reason)?;
        self.write(move |tx| ops::rollback(tx, request)).await
    }

    async fn history(&self, prompt: &PromptId) -> Result<Vec<AuditEventRecord>> {
        self.audit_records(AuditFilter {
            since: None,
            prompt_id: Some(prompt.clone()),
        })
        .await
    }

    async fn audit_records(&self, filter: AuditFilter) -> Result<Vec<AuditEventRecord>> {
        self.read(move |conn, shared| {
            let entries =
                queries::entries_matching(conn, filter.prompt_id.as_ref(), filter.since.as_deref())
                    .map_err(|d| shared.damaged(d))?;
            ops::open_entries(conn, shared, &entries)
        })
        .await
    }

    async fn alerts(&self, prompt: Option<PromptId>) -> Result<Vec<Alert>> {
        self.read(move |conn, shared| {
            queries::alerts(conn, prompt.as_ref()).map_err(|d| shared.damaged(d))
        })
        .await
    }

    async fn verify(&self, saved: Option<Checkpoint>) -> Result<Verdict> {
        self.read(move |conn, shared| {
            // Its own ring, read in the same snapshot as the entries it checks.
            let keys = shared.ring_from(conn)?;
            let entries = queries::entries(conn).map_err(|d| shared.damaged(d))?;
            let checkpoints =
                queries::checkpoints(conn, &shared.store_id).map_err(|d| shared.damaged(d))?;
            let (verdict, records) = crate::audit::verify::verify_opening(
                &shared.store_id,
                &entries,
                &checkpoints,
                &keys,
                saved.as_ref(),
            );
            let Ok(verified) = verdict else {
                return Ok(verdict);
            };
            // The log holds; now the registry's tables against the records it opened.
            match consistency::check(conn, &records).map_err(|d| shared.damaged(d))? {
                Some(problem) => Ok(Err(problem)),
                None => Ok(Ok(verified)),
            }
        })
        .await
    }

    async fn checkpoint(&self) -> Result<Checkpoint> {
        self.write(|tx| tx.sign_checkpoint()).await
    }

    async fn rotate_keys(&self, user: UserId) -> Result<KeyId> {
        self.write(move |tx| ops::rotate_keys(tx, user)).await
    }
}

impl Shared {
    /// Make `key` the current generation (after the rotation that recorded it commits).
    pub(crate) fn make_current(&self, key: AuditKey) {
        if let Ok(mut ring) = self.keys.write() {
            ring.add_current(key);
        }
    }

    pub(crate) fn vault(&self) -> &Vault {
        &self.vault
    }
}
