//! Linting off the typing path: at most one run per document at a time; edits that arrive
//! during a run replace the one queued behind it, so a burst of keystrokes costs at most two
//! runs; and a result is kept only while its version is still the document's current one.
//!
//! No fixed debounce delay: a run takes milliseconds, so the first keystroke is linted at
//! once and the rest of a burst coalesces behind it.

use std::collections::HashMap;
use std::sync::Mutex;

use tower_lsp_server::ls_types::Uri;

use crate::state::lock;

#[derive(Debug, Default)]
pub struct Scheduler {
    slots: Mutex<HashMap<Uri, Slot>>,
}

#[derive(Debug, Default)]
struct Slot {
    running: bool,
    /// The newest version waiting for the running lint to finish.
    queued: Option<i32>,
}

/// What the caller should do after telling the scheduler about a new version.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Nothing is running for this document: start a run now.
    Start,
    /// A run is in progress; it picks up the newest version when it ends.
    Queued,
}

impl Scheduler {
    /// A new version of `uri` needs linting.
    pub fn request(&self, uri: &Uri, version: i32) -> Next {
        let mut slots = lock(&self.slots);
        let slot = slots.entry(uri.clone()).or_default();
        if slot.running {
            slot.queued = Some(version);
            Next::Queued
        } else {
            slot.running = true;
            Next::Start
        }
    }

    /// The run for `uri` ended: `Some(version)` when a newer version is queued (the caller
    /// runs again), `None` when the slot is now idle.
    pub fn finished(&self, uri: &Uri) -> Option<i32> {
        let mut slots = lock(&self.slots);
        let slot = slots.get_mut(uri)?;
        match slot.queued.take() {
            Some(version) => Some(version),
            None => {
                slots.remove(uri);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_during_a_run_coalesce_into_one_queued_run() {
        let scheduler = Scheduler::default();
        let uri: Uri = "file:///a.prompt".parse().unwrap();
        assert_eq!(scheduler.request(&uri, 1), Next::Start);
        assert_eq!(scheduler.request(&uri, 2), Next::Queued);
        assert_eq!(scheduler.request(&uri, 3), Next::Queued);
        assert_eq!(scheduler.finished(&uri), Some(3));
        assert_eq!(scheduler.finished(&uri), None);
        assert_eq!(scheduler.request(&uri, 4), Next::Start);
    }
}
