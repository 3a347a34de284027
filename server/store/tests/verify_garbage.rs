//! `audit verify` reads whatever the database holds. Rows of arbitrary bytes, numbers out of
//! order, checkpoints pointing anywhere: each must end in a verdict, never a panic, and a log
//! that was not written by the store must never pass.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use promptopt_store::audit::chain::{Checkpoint, RawEntry};
use promptopt_store::audit::keys::{AuditKey, KeyRing};
use promptopt_store::audit::verify::verify;
use proptest::prelude::*;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn entry() -> impl Strategy<Value = RawEntry> {
    (
        (
            0u64..40,
            ".{0,40}",
            ".{0,20}",
            proptest::option::of(".{0,12}"),
        ),
        (".{0,30}", ".{0,40}", ".{0,16}"),
        (bytes(16), bytes(64), bytes(40), bytes(40)),
    )
        .prop_map(
            |(
                (seq, event_id, event_type, prompt_id),
                (recorded_at, session_id, key_id),
                (nonce, payload, prev_hash, hash),
            )| RawEntry {
                seq,
                event_id,
                event_type,
                prompt_id,
                recorded_at,
                session_id,
                key_id,
                nonce,
                payload,
                prev_hash,
                hash,
            },
        )
}

fn checkpoint() -> impl Strategy<Value = Checkpoint> {
    (
        0u64..60,
        bytes(40),
        ".{0,30}",
        ".{0,16}",
        bytes(80),
        ".{0,8}",
    )
        .prop_map(
            |(seq, head_hash, signed_at, key_id, signature, store_id)| Checkpoint {
                store_id,
                seq,
                head_hash,
                signed_at,
                key_id,
                signature,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn garbage_never_panics_and_never_passes(
        entries in proptest::collection::vec(entry(), 1..12),
        checkpoints in proptest::collection::vec(checkpoint(), 0..4),
        saved in proptest::option::of(checkpoint()),
    ) {
        let (key, _) = AuditKey::generate().unwrap();
        let keys = KeyRing::single(key);
        let verdict = verify("store", &entries, &checkpoints, &keys, saved.as_ref());
        prop_assert!(verdict.is_err(), "forged entries passed: {:?}", verdict);
    }
}
