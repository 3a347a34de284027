#![no_main]
//! What users hand the registry as text: feedback bodies (`FeedbackPayload`), checkpoints saved
//! outside the store (`audit verify --against`), prompt ids, user names, labels, `--since`, and
//! rows as a tampered database holds them. Each must end in a value or an error that says why,
//! never a panic.

use libfuzzer_sys::fuzz_target;
use promptopt_store::audit::chain::{Checkpoint, RawEntry};
use promptopt_store::audit::keys::{AuditKey, KeyRing};
use promptopt_store::{FeedbackPayload, Label, PromptId, UserId, parse_since, validate};

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let _ = serde_json::from_slice::<FeedbackPayload>(bytes);
    let saved = serde_json::from_slice::<Checkpoint>(bytes).ok();
    let _ = PromptId::new(text.as_ref());
    let _ = UserId::new(text.as_ref());
    let _ = Label::new(text.as_ref());
    let _ = parse_since(&text);
    let _ = validate::reason(&text);
    // The bytes as a run of stored rows: each field a slice of the input.
    let mut fields = bytes.split(|&b| b == 0xff);
    let mut next = || fields.next().unwrap_or_default().to_vec();
    let entries: Vec<RawEntry> = (1..=3)
        .map(|seq| RawEntry {
            seq,
            event_id: String::from_utf8_lossy(&next()).into_owned(),
            event_type: String::from_utf8_lossy(&next()).into_owned(),
            prompt_id: Some(String::from_utf8_lossy(&next()).into_owned()),
            recorded_at: String::from_utf8_lossy(&next()).into_owned(),
            session_id: String::from_utf8_lossy(&next()).into_owned(),
            key_id: String::from_utf8_lossy(&next()).into_owned(),
            nonce: next(),
            payload: next(),
            prev_hash: next(),
            hash: next(),
        })
        .collect();
    if let Ok((key, _)) = AuditKey::generate() {
        let keys = KeyRing::single(key);
        let verdict = promptopt_store::audit::verify::verify("store", &entries, &[], &keys, saved.as_ref());
        assert!(verdict.is_err(), "rows the store did not write passed verify");
    }
});
