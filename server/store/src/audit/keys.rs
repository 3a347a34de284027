//! The audit keys: one Ed25519 signing key and one AES-256-GCM key per generation, named by a
//! fingerprint of the public key. Old generations stay in the ring after a rotation, so entries
//! they sealed still open and checkpoints they signed still verify.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// A key generation's name: the first 8 bytes of the SHA-256 of its public key, in hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    fn of(public: &VerifyingKey) -> Self {
        Self(hex::encode(&Sha256::digest(public.as_bytes())[..8]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key id read back from the store: 16 hex digits, or `None` (a tampered row must not
    /// name a file outside the key folder).
    pub(crate) fn from_stored(text: String) -> Option<Self> {
        let valid = text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then_some(Self(text))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What went wrong with keys, worded for the person who has to fix it.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the system's random source failed: {0}")]
    Random(String),
    #[error(
        "audit key {id} is not in {vault}: restore it there (it was created with this store) to open and verify entries it sealed"
    )]
    Missing { id: KeyId, vault: String },
    #[error("audit key {id} in {vault} is damaged: expected 128 hex digits")]
    Damaged { id: KeyId, vault: String },
    #[error("audit key {id} in {vault} does not match the public key recorded for it")]
    Mismatch { id: KeyId, vault: String },
    #[error("cannot {action} audit key {id} in {vault}: {reason}")]
    Vault {
        action: &'static str,
        id: KeyId,
        vault: String,
        reason: String,
    },
}

const SECRET_LEN: usize = 64;

/// One generation: signs checkpoints, seals payloads.
pub struct AuditKey {
    id: KeyId,
    signing: SigningKey,
    cipher: Aes256Gcm,
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl AuditKey {
    pub fn generate() -> Result<(Self, Secret), KeyError> {
        let mut bytes = [0u8; SECRET_LEN];
        getrandom::fill(&mut bytes).map_err(|error| KeyError::Random(error.to_string()))?;
        let secret = Secret(bytes);
        Ok((Self::from_secret(&secret), secret))
    }

    fn from_secret(secret: &Secret) -> Self {
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&secret.0[..32]);
        let signing = SigningKey::from_bytes(&seed);
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(aes_key(secret)));
        Self {
            id: KeyId::of(&signing.verifying_key()),
            signing,
            cipher,
        }
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    pub fn seal(&self, nonce: &[u8; 12], plaintext: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        let nonce = aes_gcm::Nonce::from(*nonce);
        self.cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .ok()
    }

    pub fn open(&self, nonce: &[u8], ciphertext: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let nonce = aes_gcm::Nonce::from(nonce);
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
    }
}

fn aes_key(secret: &Secret) -> [u8; 32] {
    let mut key = [0u8; 32];
    key.copy_from_slice(&secret.0[32..]);
    key
}

/// Check `signature` over `message` with a public key, strictly (no malleable signatures).
pub fn verify_signature(public: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    public
        .verify_strict(message, &Signature::from_bytes(&bytes))
        .is_ok()
}

/// A key generation's secret bytes (signing seed, then AES key). Never printed.
pub struct Secret([u8; SECRET_LEN]);

impl Secret {
    fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.fill(0);
    }
}

/// Where secrets are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vault {
    /// The OS keyring, one entry per key under the service `promptopt-audit`.
    Keyring,
    /// One `<key id>.key` file per key, readable by the owner only.
    Dir(PathBuf),
}

const KEYRING_SERVICE: &str = "promptopt-audit";

impl fmt::Display for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Vault::Keyring => f.write_str("the OS keyring"),
            Vault::Dir(dir) => write!(f, "{}", dir.display()),
        }
    }
}

impl Vault {
    /// How the vault is recorded in the store: a folder inside the state folder relative to
    /// it, so the project can move.
    pub fn describe(&self, state_dir: &Path) -> String {
        match self {
            Vault::Keyring => "keyring".to_owned(),
            Vault::Dir(dir) => match dir.strip_prefix(state_dir) {
                Ok(inside) => format!("dir:{}", inside.display()),
                Err(_) => format!("dir:{}", dir.display()),
            },
        }
    }

    /// The vault recorded as `text`, relative folders taken from `state_dir`.
    pub fn parse(text: &str, state_dir: &Path) -> Option<Self> {
        match text {
            "keyring" => Some(Vault::Keyring),
            _ => text
                .strip_prefix("dir:")
                .map(|dir| Vault::Dir(state_dir.join(dir))),
        }
    }

    fn keyring_user(store_id: &str, id: &KeyId) -> String {
        format!("{store_id}/{id}")
    }

    fn path(dir: &Path, id: &KeyId) -> PathBuf {
        dir.join(format!("{id}.key"))
    }

    pub fn save(&self, store_id: &str, id: &KeyId, secret: &Secret) -> Result<(), KeyError> {
        let failed = |reason: String| KeyError::Vault {
            action: "save",
            id: id.clone(),
            vault: self.to_string(),
            reason,
        };
        match self {
            Vault::Keyring => {
                keyring::Entry::new(KEYRING_SERVICE, &Self::keyring_user(store_id, id))
                    .and_then(|entry| entry.set_password(&secret.to_hex()))
                    .map_err(|error| failed(error.to_string()))
            }
            Vault::Dir(dir) => {
                create_private_dir(dir).map_err(|error| failed(error.to_string()))?;
                write_private(&Self::path(dir, id), secret.to_hex().as_bytes())
                    .map_err(|error| failed(error.to_string()))
            }
        }
    }

    fn load(&self, store_id: &str, id: &KeyId) -> Result<Secret, KeyError> {
        let text = match self {
            Vault::Keyring => {
                keyring::Entry::new(KEYRING_SERVICE, &Self::keyring_user(store_id, id))
                    .and_then(|entry| entry.get_password())
                    .map_err(|error| match error {
                        keyring::Error::NoEntry => KeyError::Missing {
                            id: id.clone(),
                            vault: self.to_string(),
                        },
                        other => KeyError::Vault {
                            action: "read",
                            id: id.clone(),
                            vault: self.to_string(),
                            reason: other.to_string(),
                        },
                    })?
            }
            Vault::Dir(dir) => std::fs::read_to_string(Self::path(dir, id)).map_err(|error| {
                if error.kind() == std::io::ErrorKind::NotFound {
                    KeyError::Missing {
                        id: id.clone(),
                        vault: self.to_string(),
                    }
                } else {
                    KeyError::Vault {
                        action: "read",
                        id: id.clone(),
                        vault: self.to_string(),
                        reason: error.to_string(),
                    }
                }
            })?,
        };
        Secret::from_hex(&text).ok_or_else(|| KeyError::Damaged {
            id: id.clone(),
            vault: self.to_string(),
        })
    }

    /// Whether the OS keyring can hold a key here (it cannot in most containers and CI).
    pub fn keyring_works(store_id: &str) -> bool {
        let probe = keyring::Entry::new(KEYRING_SERVICE, &format!("{store_id}/probe"));
        let Ok(probe) = probe else {
            return false;
        };
        let works = probe.set_password("probe").is_ok() && probe.get_password().is_ok();
        let _ = probe.delete_credential();
        works
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Every key generation of one store, and which one seals and signs now.
#[derive(Debug)]
pub struct KeyRing {
    keys: BTreeMap<KeyId, AuditKey>,
    current: KeyId,
}

impl KeyRing {
    /// Load the generations `recorded` (id and public key, oldest first) from `vault`.
    pub fn load(
        vault: &Vault,
        store_id: &str,
        recorded: &[(KeyId, [u8; 32])],
    ) -> Result<Self, KeyError> {
        let mut keys = BTreeMap::new();
        for (id, public) in recorded {
            let key = AuditKey::from_secret(&vault.load(store_id, id)?);
            if key.public().as_bytes() != public || key.id() != id {
                return Err(KeyError::Mismatch {
                    id: id.clone(),
                    vault: vault.to_string(),
                });
            }
            keys.insert(id.clone(), key);
        }
        let current =
            recorded
                .last()
                .map(|(id, _)| id.clone())
                .ok_or_else(|| KeyError::Missing {
                    id: KeyId("(none recorded)".to_owned()),
                    vault: vault.to_string(),
                })?;
        Ok(Self { keys, current })
    }

    pub fn single(key: AuditKey) -> Self {
        let current = key.id.clone();
        Self {
            keys: BTreeMap::from([(current.clone(), key)]),
            current,
        }
    }

    pub fn add_current(&mut self, key: AuditKey) {
        self.current = key.id.clone();
        self.keys.insert(key.id.clone(), key);
    }

    pub fn current(&self) -> &AuditKey {
        // The constructors insert `current`, and keys are never removed.
        #[allow(clippy::expect_used)]
        self.keys
            .get(&self.current)
            .expect("the current key is always in the ring")
    }

    /// How many generations the ring holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&AuditKey> {
        self.keys.get(&KeyId(id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_round_trips_through_a_key_dir() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let vault = Vault::Dir(dir.path().to_owned());
        let (key, secret) = AuditKey::generate()?;
        vault.save("store", key.id(), &secret)?;
        let public = *key.public().as_bytes();
        let ring = KeyRing::load(&vault, "store", &[(key.id().clone(), public)])?;
        assert_eq!(ring.current().id(), key.id());
        let sealed = key.seal(&[7; 12], b"payload", b"aad").ok_or("seal")?;
        assert_eq!(
            ring.current().open(&[7; 12], &sealed, b"aad"),
            Some(b"payload".to_vec())
        );
        assert_eq!(ring.current().open(&[7; 12], &sealed, b"other"), None);
        Ok(())
    }

    #[test]
    fn a_key_that_does_not_match_its_record_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let vault = Vault::Dir(dir.path().to_owned());
        let (key, secret) = AuditKey::generate()?;
        vault.save("store", key.id(), &secret)?;
        let result = KeyRing::load(&vault, "store", &[(key.id().clone(), [0; 32])]);
        assert!(matches!(result, Err(KeyError::Mismatch { .. })));
        let missing = KeyRing::load(&vault, "store", &[(KeyId("00".into()), [0; 32])]);
        assert!(matches!(missing, Err(KeyError::Missing { .. })));
        Ok(())
    }

    #[test]
    fn signatures_verify_only_with_their_key() -> Result<(), Box<dyn std::error::Error>> {
        let (key, _) = AuditKey::generate()?;
        let (other, _) = AuditKey::generate()?;
        let signature = key.sign(b"checkpoint");
        assert!(verify_signature(&key.public(), b"checkpoint", &signature));
        assert!(!verify_signature(
            &other.public(),
            b"checkpoint",
            &signature
        ));
        assert!(!verify_signature(&key.public(), b"checkpoinT", &signature));
        Ok(())
    }
}
