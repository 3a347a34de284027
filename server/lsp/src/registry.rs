//! The project stores the server writes to: one per state folder, opened on first use (on the
//! blocking pool: opening reads the keyring or key files) and kept for the session. Saving a
//! prompt records a version here; the registry commands read and write through it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use promptopt_store::audit::Vault;
use promptopt_store::{SqliteStore, StoreError, StoreOptions, UserId};
use promptopt_workspace::ProjectConfig;
use tower_lsp_server::ls_types::Uri;

use crate::settings::RegistrySettings;
use crate::state::lock;

#[derive(Default)]
pub struct Registries {
    open: Mutex<HashMap<PathBuf, SqliteStore>>,
    /// Whether a failure to record has been shown to the user (once per session is enough).
    warned: AtomicBool,
    /// Who acts, per project root and user setting.
    users: Mutex<HashMap<(PathBuf, Option<String>), UserId>>,
    /// The last document version recorded on save, per document; held while a save records.
    saves: tokio::sync::Mutex<HashMap<Uri, i32>>,
}

/// A store and who acts on it, for one project.
#[derive(Clone)]
pub struct Registry {
    pub store: SqliteStore,
    pub user: UserId,
}

/// Whether to create the store when the project has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// A save or a registry command: the user asked for the registry.
    Yes,
    /// An engine command recording its result: only into a store the project already uses.
    IfUsed,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Registries {
    /// The registry of `project`, or `None` when `create` is [`Create::IfUsed`] and the project
    /// has no store. Blocking.
    pub fn open(
        &self,
        project: &ProjectConfig,
        settings: &RegistrySettings,
        create: Create,
    ) -> Result<Option<Registry>, StoreError> {
        let dir =
            promptopt_workspace::state_dir(&project.root, settings.state_dir.as_deref(), &env);
        let user = self.user(&project.root, settings)?;
        // Held while opening: a save and a command arriving together open one store, not two.
        let mut open = lock(&self.open);
        if let Some(store) = open.get(&dir) {
            return Ok(Some(Registry {
                store: store.clone(),
                user,
            }));
        }
        let chosen =
            settings.state_dir.is_some() || env(promptopt_workspace::STATE_DIR_ENV).is_some();
        if create == Create::IfUsed && !chosen && !SqliteStore::exists(&dir) {
            return Ok(None);
        }
        let mut options = StoreOptions::for_dir(&dir, &env);
        if let Some(keys) = &settings.audit_key_dir {
            options.vault = Some(Vault::Dir(project.root.join(keys)));
        }
        let store = SqliteStore::open(options)?;
        open.insert(dir, store.clone());
        Ok(Some(Registry { store, user }))
    }

    pub fn saves(&self) -> &tokio::sync::Mutex<HashMap<Uri, i32>> {
        &self.saves
    }

    /// Who acts in the project at `root`: worked out once (it may ask git), then remembered
    /// for the session, per user setting.
    fn user(&self, root: &Path, settings: &RegistrySettings) -> Result<UserId, StoreError> {
        let key = (root.to_path_buf(), settings.user.clone());
        if let Some(user) = lock(&self.users).get(&key) {
            return Ok(user.clone());
        }
        let name = promptopt_workspace::whoami(settings.user.as_deref(), root, &env);
        let user = UserId::new(name)
            .map_err(|e| StoreError::Invalid(format!("promptopt.registry.user: {e}")))?;
        lock(&self.users).insert(key, user.clone());
        Ok(user)
    }

    /// True the first time it is called: whether to tell the user about a failure.
    pub fn first_failure(&self) -> bool {
        !self.warned.swap(true, Ordering::SeqCst)
    }

    /// Finish every store's writes and sign their heads (at shutdown).
    pub fn close_all(&self) {
        let stores: Vec<SqliteStore> = lock(&self.open).drain().map(|(_, store)| store).collect();
        for store in stores {
            store.close();
        }
    }
}
