//! The byte layout that the hash chain, the payload encryption and the checkpoint signatures
//! commit to. Every field is length-prefixed and every purpose has its own domain string, so no
//! two different inputs can encode to the same bytes.

use sha2::{Digest, Sha256};

pub const HASH_LEN: usize = 32;
pub const GENESIS: [u8; HASH_LEN] = [0; HASH_LEN];

/// An entry as stored: the header in clear, the record sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    pub seq: u64,
    pub event_id: String,
    pub event_type: String,
    pub prompt_id: Option<String>,
    pub recorded_at: String,
    pub session_id: String,
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub payload: Vec<u8>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// A signed statement that the log held `seq` entries ending in `head_hash`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    pub store_id: String,
    pub seq: u64,
    #[serde(with = "hex_bytes")]
    pub head_hash: Vec<u8>,
    pub signed_at: String,
    pub key_id: String,
    #[serde(with = "hex_bytes")]
    pub signature: Vec<u8>,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

struct Encoder(Vec<u8>);

impl Encoder {
    fn new(domain: &str) -> Self {
        let mut encoder = Self(Vec::with_capacity(256));
        encoder.bytes(domain.as_bytes());
        encoder
    }

    fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0
            .extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        self.0.extend_from_slice(bytes);
        self
    }

    fn number(&mut self, number: u64) -> &mut Self {
        self.0.extend_from_slice(&number.to_be_bytes());
        self
    }

    fn optional(&mut self, text: Option<&str>) -> &mut Self {
        match text {
            Some(text) => {
                self.0.push(1);
                self.bytes(text.as_bytes())
            }
            None => {
                self.0.push(0);
                self
            }
        }
    }
}

/// The header fields every purpose binds.
fn header(encoder: &mut Encoder, store_id: &str, entry: &RawEntry) {
    encoder
        .bytes(store_id.as_bytes())
        .number(entry.seq)
        .bytes(&entry.prev_hash)
        .bytes(entry.event_id.as_bytes())
        .bytes(entry.event_type.as_bytes())
        .optional(entry.prompt_id.as_deref())
        .bytes(entry.recorded_at.as_bytes())
        .bytes(entry.session_id.as_bytes())
        .bytes(entry.key_id.as_bytes());
}

/// Associated data for the payload's encryption: the entry's place (store, position, link) and
/// header, so a ciphertext opens only where it was written.
pub fn associated_data(store_id: &str, entry: &RawEntry) -> Vec<u8> {
    let mut encoder = Encoder::new("promptopt/audit/payload/v1");
    header(&mut encoder, store_id, entry);
    encoder.0
}

/// The entry's hash: its header, nonce and sealed payload (so the chain is checkable without keys).
pub fn entry_hash(store_id: &str, entry: &RawEntry) -> [u8; HASH_LEN] {
    let mut encoder = Encoder::new("promptopt/audit/entry/v1");
    header(&mut encoder, store_id, entry);
    encoder.bytes(&entry.nonce).bytes(&entry.payload);
    Sha256::digest(&encoder.0).into()
}

/// What a checkpoint's signature covers.
pub fn checkpoint_message(checkpoint: &Checkpoint) -> Vec<u8> {
    let mut encoder = Encoder::new("promptopt/audit/checkpoint/v1");
    encoder
        .bytes(checkpoint.store_id.as_bytes())
        .number(checkpoint.seq)
        .bytes(&checkpoint.head_hash)
        .bytes(checkpoint.signed_at.as_bytes())
        .bytes(checkpoint.key_id.as_bytes());
    encoder.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> RawEntry {
        RawEntry {
            seq: 1,
            event_id: "e".into(),
            event_type: "PromptVersionSaved".into(),
            prompt_id: Some("greet".into()),
            recorded_at: "t".into(),
            session_id: "s".into(),
            key_id: "k".into(),
            nonce: vec![0; 12],
            payload: vec![1, 2, 3],
            prev_hash: GENESIS.to_vec(),
            hash: vec![],
        }
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = entry_hash("store", &entry());
        let variants: [fn(&mut RawEntry); 10] = [
            |e| e.seq = 2,
            |e| e.event_id.push('x'),
            |e| e.event_type.push('x'),
            |e| e.prompt_id = None,
            |e| e.recorded_at.push('x'),
            |e| e.session_id.push('x'),
            |e| e.key_id.push('x'),
            |e| e.nonce[0] = 1,
            |e| e.payload[0] = 9,
            |e| e.prev_hash[0] = 1,
        ];
        for change in variants {
            let mut changed = entry();
            change(&mut changed);
            assert_ne!(entry_hash("store", &changed), base);
        }
        assert_ne!(entry_hash("other store", &entry()), base);
    }

    #[test]
    fn length_prefixes_keep_fields_apart() {
        let mut left = entry();
        left.event_id = "ab".into();
        left.event_type = "c".into();
        let mut right = entry();
        right.event_id = "a".into();
        right.event_type = "bc".into();
        assert_ne!(entry_hash("s", &left), entry_hash("s", &right));
    }
}
