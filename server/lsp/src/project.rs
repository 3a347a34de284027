//! Which `promptopt.toml` governs each file, loaded once and kept until it changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use promptopt_core::lint::{Format, LintOptions};
use promptopt_workspace::{ProjectConfig, find_config};

use crate::settings::{Preference, Settings};

/// Configs by file, cached: looking a config up walks the folders above a file, and
/// loading one may read a model table.
#[derive(Debug, Default)]
pub struct Projects {
    /// Folder → the config that governs files in it (`None`: no config above it).
    by_folder: HashMap<PathBuf, Option<PathBuf>>,
    loaded: HashMap<PathBuf, Arc<ProjectConfig>>,
    /// Set when a config could not be read at all; shown once per change.
    pub unreadable: Vec<String>,
}

impl Projects {
    /// Forgets every cached config: a `promptopt.toml` was created, changed or deleted.
    pub fn invalidate(&mut self) {
        self.by_folder.clear();
        self.loaded.clear();
        self.unreadable.clear();
    }

    /// The config for a file at `path` (none: a file with no path, such as an unsaved buffer,
    /// gets the defaults rooted at `fallback_root`).
    pub fn config_for(
        &mut self,
        path: Option<&Path>,
        settings: &Settings,
        fallback_root: Option<&Path>,
    ) -> Arc<ProjectConfig> {
        let root = || {
            fallback_root
                .map(Path::to_path_buf)
                .or_else(|| path.and_then(Path::parent).map(Path::to_path_buf))
                .unwrap_or_default()
        };
        if settings.configuration_preference == Preference::EditorOnly {
            return Arc::new(ProjectConfig::defaults(root()));
        }
        let config_path = match &settings.config_path {
            Some(explicit) => Some(explicit.clone()),
            None => path.and_then(Path::parent).and_then(|folder| {
                self.by_folder
                    .entry(folder.to_path_buf())
                    .or_insert_with(|| find_config(folder))
                    .clone()
            }),
        };
        let Some(config_path) = config_path else {
            return Arc::new(ProjectConfig::defaults(root()));
        };
        if let Some(config) = self.loaded.get(&config_path) {
            return Arc::clone(config);
        }
        let config = match ProjectConfig::load(&config_path) {
            Ok(config) => Arc::new(config),
            Err(message) => {
                tracing::warn!(%message, "cannot read the project's config; using the defaults");
                self.unreadable.push(message);
                Arc::new(ProjectConfig::defaults(root()))
            }
        };
        self.loaded.insert(config_path, Arc::clone(&config));
        config
    }
}

/// What the linter needs for one file: its options, or that the project excludes it.
pub fn options_for(
    config: &ProjectConfig,
    settings: &Settings,
    path: Option<&Path>,
    format: Format,
) -> Option<LintOptions> {
    let relative = path.map(|p| config.relative(p)).unwrap_or_default();
    if path.is_some() && config.config.excludes(&relative) {
        return None;
    }
    if format == Format::Plain && path.is_some() && !config.config.includes(&relative) {
        return None;
    }
    Some(settings.apply(config.options_for(&relative)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_are_found_cached_and_forgotten_on_invalidate() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("promptopt.toml"),
            "[lint]\nexclude = [\"drafts/**\"]\n",
        )
        .unwrap();
        let prompt = dir.path().join("a.prompt");
        let draft = dir.path().join("drafts/b.prompt");
        let settings = Settings::default();
        let mut projects = Projects::default();
        let config = projects.config_for(Some(&prompt), &settings, None);
        assert!(config.path.is_some());
        assert!(options_for(&config, &settings, Some(&prompt), Format::Dotprompt).is_some());
        assert!(options_for(&config, &settings, Some(&draft), Format::Dotprompt).is_none());

        std::fs::remove_file(dir.path().join("promptopt.toml")).unwrap();
        assert!(
            projects
                .config_for(Some(&prompt), &settings, None)
                .path
                .is_some()
        );
        projects.invalidate();
        assert!(
            projects
                .config_for(Some(&prompt), &settings, None)
                .path
                .is_none()
        );
    }
}
