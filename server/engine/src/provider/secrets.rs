//! API keys: from the OS keyring first (`promptopt key set PROVIDER`), else from the
//! environment variable the vendor's own SDKs read. A key is never printed: [`ApiKey`]'s
//! `Debug` hides it, and it has no `Display`.

use std::fmt;

/// The keyring service PromptOpt's secrets are stored under; the account is the provider name.
pub const KEYRING_SERVICE: &str = "promptopt";

#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(secret: impl Into<String>) -> Option<Self> {
        let secret = secret.into().trim().to_string();
        (!secret.is_empty()).then_some(Self(secret))
    }

    /// The secret, for the one header that carries it.
    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Where a key was found, for `promptopt key status` and error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Keyring,
    Environment(&'static str),
}

/// The key for `provider` (`openai`, `azure`, `anthropic`): the keyring entry, else `env_var`.
/// A keyring that is missing or locked (a CI machine, a container) is not an error: the
/// environment is the fallback.
pub fn lookup_key(provider: &str, env_var: &'static str) -> Option<(ApiKey, KeySource)> {
    let from_keyring = keyring::Entry::new(KEYRING_SERVICE, provider)
        .and_then(|entry| entry.get_password())
        .ok()
        .and_then(ApiKey::new);
    if let Some(key) = from_keyring {
        return Some((key, KeySource::Keyring));
    }
    std::env::var(env_var)
        .ok()
        .and_then(ApiKey::new)
        .map(|key| (key, KeySource::Environment(env_var)))
}

/// Stores `secret` in the keyring for `provider`.
pub fn store_key(provider: &str, secret: &str) -> Result<(), String> {
    let key = ApiKey::new(secret).ok_or("the key is empty")?;
    keyring::Entry::new(KEYRING_SERVICE, provider)
        .and_then(|entry| entry.set_password(key.expose()))
        .map_err(|e| format!("cannot store the key in the OS keyring: {e}"))
}

/// Removes `provider`'s key from the keyring; `Ok(false)` when there was none.
pub fn delete_key(provider: &str) -> Result<bool, String> {
    match keyring::Entry::new(KEYRING_SERVICE, provider).and_then(|e| e.delete_credential()) {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(format!("cannot remove the key from the OS keyring: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_shows_in_debug_output() {
        let key = ApiKey::new("sk-secret-123").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        assert!(!format!("{:?}", Some((key, KeySource::Keyring))).contains("sk-secret"));
    }

    #[test]
    fn blank_keys_are_no_keys() {
        assert_eq!(ApiKey::new("  \n"), None);
        assert_eq!(ApiKey::new(" sk-1 \n").unwrap().expose(), "sk-1");
    }
}
