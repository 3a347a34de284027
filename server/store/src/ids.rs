//! Identities: prompts by name, versions and events by UUIDv7 (time-ordered, globally unique, so
//! a local store and the Mesh API exchange events without ever merging by hand).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A prompt's identity: its front matter `name` (else its path relative to the workspace, without
/// extension), with `.variant` appended when the prompt is a variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromptId(String);

/// Why a string cannot name a prompt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadPromptId {
    #[error("a prompt id cannot be empty")]
    Empty,
    #[error("a prompt id is at most {max} bytes; this one has {len}", max = PromptId::MAX_LEN)]
    TooLong { len: usize },
    #[error("a prompt id cannot contain control characters")]
    Control,
}

impl PromptId {
    pub const MAX_LEN: usize = 512;

    pub fn new(name: impl Into<String>) -> Result<Self, BadPromptId> {
        let name = name.into();
        let name = name.trim();
        if name.is_empty() {
            return Err(BadPromptId::Empty);
        }
        if name.len() > Self::MAX_LEN {
            return Err(BadPromptId::TooLong { len: name.len() });
        }
        if name.chars().any(char::is_control) {
            return Err(BadPromptId::Control);
        }
        Ok(Self(name.to_owned()))
    }

    /// `name` alone, or `name.variant` (dotprompt's file naming for variants).
    pub fn with_variant(name: &str, variant: Option<&str>) -> Result<Self, BadPromptId> {
        match variant.map(str::trim).filter(|variant| !variant.is_empty()) {
            Some(variant) => Self::new(format!("{name}.{variant}")),
            None => Self::new(name),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PromptId {
    type Error = BadPromptId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<PromptId> for String {
    fn from(id: PromptId) -> Self {
        id.0
    }
}

impl fmt::Display for PromptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered id (UUIDv7).
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text.trim()).map(Self)
            }
        }
    };
}

uuid_id!(
    /// An immutable prompt version.
    VersionId
);
uuid_id!(
    /// One event in the log (and so one audit entry).
    EventId
);
uuid_id!(
    /// One process's use of the store: every entry it writes carries it, so an auditor can group
    /// what one CLI run, one editor session or one API server wrote.
    SessionId
);

/// Who did something: a person's login or e-mail, or a service's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

impl UserId {
    pub const MAX_LEN: usize = 256;

    pub fn new(name: impl Into<String>) -> Result<Self, BadUserId> {
        let name = name.into();
        let name = name.trim();
        if name.is_empty() {
            return Err(BadUserId::Empty);
        }
        if name.len() > Self::MAX_LEN || name.chars().any(char::is_control) {
            return Err(BadUserId::Invalid);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadUserId {
    #[error("a user name cannot be empty")]
    Empty,
    #[error("a user name is at most {max} bytes, without control characters", max = UserId::MAX_LEN)]
    Invalid,
}

impl TryFrom<String> for UserId {
    type Error = BadUserId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<UserId> for String {
    fn from(id: UserId) -> Self {
        id.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_ids_are_trimmed_and_validated() {
        assert_eq!(
            PromptId::new("  greet ").map(|id| id.0),
            Ok("greet".to_owned())
        );
        assert_eq!(PromptId::new(" "), Err(BadPromptId::Empty));
        assert_eq!(PromptId::new("a\nb"), Err(BadPromptId::Control));
        assert!(matches!(
            PromptId::new("x".repeat(513)),
            Err(BadPromptId::TooLong { len: 513 })
        ));
        assert_eq!(
            PromptId::with_variant("greet", Some("short")).map(|id| id.0),
            Ok("greet.short".to_owned())
        );
        assert_eq!(
            PromptId::with_variant("greet", Some("")).map(|id| id.0),
            Ok("greet".to_owned())
        );
    }

    #[test]
    fn version_ids_are_time_ordered() {
        let first = VersionId::generate();
        let second = VersionId::generate();
        assert!(first < second);
        assert_eq!(first.to_string().parse::<VersionId>().ok(), Some(first));
    }
}
