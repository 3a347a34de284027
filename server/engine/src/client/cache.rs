//! Answers already paid for: keyed by a SHA-256 of everything that shapes the answer (the
//! endpoint, the model, the messages, the sampling options, and the sample number, so that
//! `repeat` draws fresh samples), kept in memory and, when given a folder, on disk so the next
//! run of the same evaluation costs nothing.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::provider::{ChatRequest, Completion};

/// Bump when the stored shape changes, so old entries are never misread.
const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedAnswer {
    pub completion: Completion,
    /// What the call cost when it was made.
    pub cost_usd: Option<f64>,
}

#[derive(Debug, Default)]
pub struct ResponseCache {
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<String, CachedAnswer>>,
}

impl ResponseCache {
    /// A cache that lives as long as the process.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// A cache stored under `dir` (created on first write), e.g. `.promptopt/cache/responses`.
    pub fn on_disk(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: Some(dir.into()),
            memory: Mutex::default(),
        }
    }

    pub fn key(endpoint: &str, request: &ChatRequest, sample: u32) -> String {
        let material = json!({
            "format": FORMAT,
            "endpoint": endpoint,
            "request": request,
            "sample": sample,
        });
        let digest = Sha256::digest(material.to_string().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, HashMap<String, CachedAnswer>> {
        // The map is only ever inserted into whole: a poisoned lock still holds valid entries.
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, key: &str) -> Option<CachedAnswer> {
        if let Some(hit) = self.memory().get(key) {
            return Some(hit.clone());
        }
        let path = self.path(key)?;
        // A missing, unreadable or corrupt entry is a miss: the call is simply made again.
        let answer: CachedAnswer = serde_json::from_slice(&fs::read(path).ok()?).ok()?;
        self.memory().insert(key.to_string(), answer.clone());
        Some(answer)
    }

    /// Stores an answer. A disk that refuses the write costs a future cache hit, nothing more,
    /// so the error is logged and dropped.
    pub fn put(&self, key: &str, answer: &CachedAnswer) {
        self.memory().insert(key.to_string(), answer.clone());
        if let Some(path) = self.path(key) {
            if let Err(error) = write_atomically(&path, answer) {
                tracing::warn!(
                    "cannot write the response cache at {}: {error}",
                    path.display()
                );
            }
        }
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let shard = key.get(..2)?;
        Some(dir.join(shard).join(format!("{key}.json")))
    }
}

/// Writes beside the target and renames over it, so a reader never sees half an entry.
fn write_atomically(path: &Path, answer: &CachedAnswer) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let text = serde_json::to_vec(answer).map_err(std::io::Error::other)?;
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{ChatMessage, Usage};

    fn answer(text: &str) -> CachedAnswer {
        CachedAnswer {
            completion: Completion {
                text: text.into(),
                model: "m".into(),
                usage: Usage {
                    input_tokens: 3,
                    output_tokens: 1,
                },
                finish_reason: Some("stop".into()),
            },
            cost_usd: Some(0.001),
        }
    }

    #[test]
    fn the_key_covers_everything_that_shapes_an_answer() {
        let request = ChatRequest::new("m", vec![ChatMessage::user("hi")]);
        let base = ResponseCache::key("e", &request, 0);
        assert_eq!(base, ResponseCache::key("e", &request, 0));
        assert_ne!(base, ResponseCache::key("other endpoint", &request, 0));
        assert_ne!(base, ResponseCache::key("e", &request, 1));
        let mut hotter = request.clone();
        hotter.temperature = Some(0.9);
        assert_ne!(base, ResponseCache::key("e", &hotter, 0));
        let mut longer = request.clone();
        longer.max_tokens += 1;
        assert_ne!(base, ResponseCache::key("e", &longer, 0));
        let mut other = request;
        other.messages.push(ChatMessage::user("again"));
        assert_ne!(base, ResponseCache::key("e", &other, 0));
    }

    #[test]
    fn answers_survive_the_process_on_disk_and_corrupt_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let first = ResponseCache::on_disk(dir.path());
        first.put("abcdef", &answer("cached"));
        let second = ResponseCache::on_disk(dir.path());
        assert_eq!(second.get("abcdef"), Some(answer("cached")));
        fs::write(dir.path().join("ab").join("abcdef.json"), "{not json").unwrap();
        assert_eq!(ResponseCache::on_disk(dir.path()).get("abcdef"), None);
        assert_eq!(second.get("zz"), None);
    }
}
