//! The one writer: a thread that owns the write connection, drains a queue of jobs into one
//! transaction (group commit), and answers each caller only after that transaction is durable.
//!
//! One commit per job would cost an fsync each (a few hundred per second on this machine's
//! disk); one per batch gives the same durability at thousands per second. Each job runs in its
//! own savepoint, so a job that fails leaves the rest of its batch alone.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};
use tokio::sync::oneshot;

use super::Shared;
use super::queries;
use crate::audit::chain::{self, Checkpoint, RawEntry};
use crate::audit::record::AuditEventRecord;
use crate::error::{Result, StoreError};

/// The most jobs one transaction takes.
const MAX_BATCH: usize = 512;
/// Sign the head when this many entries are unsigned…
const CHECKPOINT_EVERY_ENTRIES: u64 = 4096;
/// …or when the last signature is this old (and the store closes).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// A write in progress: the connection inside the batch's transaction and the chain's head.
pub(crate) struct Tx<'a> {
    conn: &'a Connection,
    shared: &'a Arc<Shared>,
    head: (u64, Vec<u8>),
}

impl<'a> Tx<'a> {
    pub fn conn(&self) -> &'a Connection {
        self.conn
    }

    pub fn shared(&self) -> &'a Arc<Shared> {
        self.shared
    }

    /// Run one statement of the write (parsed once per connection: writes repeat).
    pub fn execute(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute(params))
            .map_err(|error| self.shared.database(error))
    }

    /// Append `record` to the audit log: seal it with the current key, chain it, insert it.
    /// Returns its position.
    pub fn append(&mut self, record: &AuditEventRecord) -> Result<u64> {
        let seq = self.head.0 + 1;
        let keys = self.shared.keys()?;
        let key = keys.current();
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|error| StoreError::Io {
            path: "the system's random source".into(),
            reason: error.to_string(),
        })?;
        let mut entry = RawEntry {
            seq,
            event_id: record.event_id.to_string(),
            event_type: record.event_type.as_str().to_owned(),
            prompt_id: record.prompt_id.as_ref().map(|id| id.as_str().to_owned()),
            recorded_at: record.timestamp.clone(),
            session_id: record.session_id.to_string(),
            key_id: key.id().as_str().to_owned(),
            nonce: nonce.to_vec(),
            payload: Vec::new(),
            prev_hash: self.head.1.clone(),
            hash: Vec::new(),
        };
        let plain = serde_json::to_vec(record).map_err(|error| {
            StoreError::Invalid(format!("the event does not serialize: {error}"))
        })?;
        let aad = chain::associated_data(&self.shared.store_id, &entry);
        entry.payload = key
            .seal(&nonce, &plain, &aad)
            .ok_or_else(|| StoreError::Invalid("the event is too large to seal".into()))?;
        entry.hash = chain::entry_hash(&self.shared.store_id, &entry).to_vec();
        self.execute(
            "INSERT INTO audit_log (seq, event_id, event_type, prompt_id, recorded_at, \
             session_id, key_id, nonce, payload, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                seq as i64,
                entry.event_id,
                entry.event_type,
                entry.prompt_id,
                entry.recorded_at,
                entry.session_id,
                entry.key_id,
                entry.nonce,
                entry.payload,
                entry.prev_hash,
                entry.hash,
            ],
        )?;
        self.head = (seq, entry.hash);
        Ok(seq)
    }

    /// Sign the chain's head with the current key and store the checkpoint.
    pub fn sign_checkpoint(&mut self) -> Result<Checkpoint> {
        let keys = self.shared.keys()?;
        let key = keys.current();
        let mut checkpoint = Checkpoint {
            store_id: self.shared.store_id.clone(),
            seq: self.head.0,
            head_hash: self.head.1.clone(),
            signed_at: crate::clock::now(),
            key_id: key.id().as_str().to_owned(),
            signature: Vec::new(),
        };
        checkpoint.signature = key.sign(&chain::checkpoint_message(&checkpoint)).to_vec();
        if checkpoint.seq > 0 {
            self.execute(
                "INSERT OR IGNORE INTO audit_checkpoints \
                 (seq, head_hash, signed_at, key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    checkpoint.seq as i64,
                    checkpoint.head_hash,
                    checkpoint.signed_at,
                    checkpoint.key_id,
                    checkpoint.signature,
                ],
            )?;
        }
        Ok(checkpoint)
    }
}

/// What a job tells its caller once the batch's fate is known: `None` if it committed, else
/// why it did not.
type Ack = Box<dyn FnOnce(Option<String>) + Send>;

trait Job: Send {
    /// Do the work. Returns whether to keep it, and how to answer the caller.
    fn run(self: Box<Self>, tx: &mut Tx<'_>) -> (bool, Ack);
    /// Answer the caller without running (the batch could not start).
    fn fail(self: Box<Self>, reason: String);
}

struct Pending<T, F> {
    work: F,
    reply: oneshot::Sender<Result<T>>,
    path: String,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send + 'static,
    F: FnOnce(&mut Tx<'_>) -> Result<T> + Send,
{
    fn run(self: Box<Self>, tx: &mut Tx<'_>) -> (bool, Ack) {
        let Pending { work, reply, path } = *self;
        let result = work(tx);
        let keep = match &result {
            Ok(_) => true,
            Err(error) => error.is_recorded(),
        };
        let ack: Ack = Box::new(move |failure| {
            let answer = match failure {
                None => result,
                Some(reason) if keep => Err(StoreError::Database { path, reason }),
                // The job's own error explains more than the batch's.
                Some(_) => result,
            };
            let _ = reply.send(answer);
        });
        (keep, ack)
    }

    fn fail(self: Box<Self>, reason: String) {
        let _ = self.reply.send(Err(StoreError::Database {
            path: self.path,
            reason,
        }));
    }
}

enum Command {
    Job(Box<dyn Job>),
    Shutdown,
}

pub(crate) struct Writer {
    sender: Mutex<Option<mpsc::Sender<Command>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    path: String,
}

impl Writer {
    pub fn spawn(conn: Connection, shared: Arc<Shared>) -> Result<Self> {
        let (sender, receiver) = mpsc::channel();
        let path = shared.path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("promptopt-store-writer".into())
            .spawn(move || Loop::new(conn, shared).run(receiver))
            .map_err(|error| StoreError::Io {
                path: path.clone(),
                reason: format!("cannot start the writer thread: {error}"),
            })?;
        Ok(Self {
            sender: Mutex::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
            path,
        })
    }

    /// Run `work` in the next batch; answers once the batch is durable.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Pending {
            work,
            reply,
            path: self.path.clone(),
        });
        {
            let sender = self.sender.lock().map_err(|_| StoreError::Closed)?;
            let sender = sender.as_ref().ok_or(StoreError::Closed)?;
            sender
                .send(Command::Job(job))
                .map_err(|_| StoreError::Closed)?;
        }
        // A closed answer channel: the job panicked (a bug, logged) and was rolled back.
        answer.await.map_err(|_| StoreError::Database {
            path: self.path.clone(),
            reason: "the write stopped unexpectedly and was not recorded (a bug: see the log)"
                .into(),
        })?
    }

    /// Finish the queued jobs, sign the head, and stop. Idempotent.
    pub fn shutdown(&self) {
        if let Ok(mut sender) = self.sender.lock() {
            if let Some(sender) = sender.take() {
                let _ = sender.send(Command::Shutdown);
            }
        }
        if let Ok(mut thread) = self.thread.lock() {
            if let Some(thread) = thread.take() {
                let _ = thread.join();
            }
        }
    }
}

/// Run a statement that is parsed once per connection: the savepoints run for every job.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

struct Loop {
    conn: Connection,
    shared: Arc<Shared>,
    last_signed: Instant,
    /// Whether this writer committed anything: a store opened only to read (verify, export)
    /// leaves the log exactly as it found it.
    wrote: bool,
}

impl Loop {
    fn new(conn: Connection, shared: Arc<Shared>) -> Self {
        Self {
            conn,
            shared,
            last_signed: Instant::now(),
            wrote: false,
        }
    }

    fn run(mut self, receiver: mpsc::Receiver<Command>) {
        let mut open = true;
        while open {
            let Ok(Command::Job(first)) = receiver.recv() else {
                break;
            };
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(Command::Job(job)) => jobs.push(job),
                    Ok(Command::Shutdown) => {
                        open = false;
                        break;
                    }
                    Err(_) => break,
                }
            }
            self.batch(jobs);
        }
        self.sign_on_close();
    }

    fn begin(&self) -> std::result::Result<(u64, Vec<u8>, u64), String> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(super::schema::busy_message)?;
        // Read the head and the keys inside the write lock: another process may have appended
        // or rotated since.
        let head = queries::chain_head(&self.conn).map_err(|error| error.0);
        let signed = queries::last_checkpoint_seq(&self.conn).map_err(|error| error.0);
        let keys = self
            .shared
            .refresh_keys(&self.conn)
            .map_err(|error| error.to_string());
        match (head, signed, keys) {
            (Ok((seq, hash)), Ok(signed), Ok(())) => Ok((seq, hash, signed)),
            (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    fn batch(&mut self, jobs: Vec<Box<dyn Job>>) {
        let (seq, hash, signed) = match self.begin() {
            Ok(start) => start,
            Err(reason) => {
                for job in jobs {
                    job.fail(reason.clone());
                }
                return;
            }
        };
        let mut tx = Tx {
            conn: &self.conn,
            shared: &self.shared,
            head: (seq, hash),
        };
        let mut acks = Vec::with_capacity(jobs.len());
        let mut failure: Option<String> = None;
        for job in jobs {
            if failure.is_some() {
                job.fail("an earlier write in its batch failed; nothing was recorded".into());
                continue;
            }
            let before = tx.head.clone();
            if let Err(error) = run_cached(tx.conn, "SAVEPOINT job") {
                job.fail(error.to_string());
                continue;
            }
            // A panic in a job is a bug; it must cost that one write, not the writer thread
            // (its caller is told: its answer channel closes).
            let (keep, ack) = match catch_unwind(AssertUnwindSafe(|| job.run(&mut tx))) {
                Ok(ran) => ran,
                Err(_) => {
                    tracing::error!("a store write panicked; it was rolled back");
                    (false, Box::new(|_| {}) as Ack)
                }
            };
            let closed = if keep {
                run_cached(tx.conn, "RELEASE job")
            } else {
                tx.head = before;
                // The drift monitors may have seen what is being undone.
                self.shared.monitors().clear();
                run_cached(tx.conn, "ROLLBACK TO job")
                    .and_then(|()| run_cached(tx.conn, "RELEASE job"))
            };
            if let Err(error) = closed {
                // What the savepoint held can be trusted neither kept nor undone: the whole
                // batch is refused.
                failure = Some(format!("a write could not be closed: {error}"));
            }
            acks.push(ack);
        }
        if failure.is_none() {
            let unsigned = tx.head.0.saturating_sub(signed);
            let due = unsigned >= CHECKPOINT_EVERY_ENTRIES
                || (unsigned > 0 && self.last_signed.elapsed() >= CHECKPOINT_EVERY);
            if due {
                match tx.sign_checkpoint() {
                    Ok(_) => self.last_signed = Instant::now(),
                    Err(error) => failure = Some(error.to_string()),
                }
            }
        }
        if failure.is_none() {
            if let Err(error) = self.conn.execute_batch("COMMIT") {
                failure = Some(error.to_string());
            }
        }
        if failure.is_some() {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.shared.monitors().clear();
        } else {
            self.wrote = true;
        }
        for ack in acks {
            ack(failure.clone());
        }
    }

    /// Sign whatever this or another process left unsigned, so a closed store is fully covered;
    /// but only after writing: a reader does not change what it reads.
    fn sign_on_close(&mut self) {
        if !self.wrote {
            return;
        }
        let Ok((seq, hash, signed)) = self.begin() else {
            return;
        };
        if seq == signed {
            let _ = self.conn.execute_batch("ROLLBACK");
            return;
        }
        let mut tx = Tx {
            conn: &self.conn,
            shared: &self.shared,
            head: (seq, hash),
        };
        let outcome = tx.sign_checkpoint();
        let committed = outcome.is_ok() && self.conn.execute_batch("COMMIT").is_ok();
        if !committed {
            let _ = self.conn.execute_batch("ROLLBACK");
            tracing::warn!("could not sign the audit log's head on close");
        }
    }
}
