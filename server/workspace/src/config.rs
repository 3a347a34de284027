//! Loading a project's `promptopt.toml` and the files it names.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use promptopt_core::lint::{CONFIG_FILE, Config, ConfigProblem, LintOptions};
use promptopt_core::models::ModelTable;

/// A project's configuration: the parsed `promptopt.toml` (or the defaults when there is
/// none), the folder it applies to, and every problem found reading it.
#[derive(Debug, Clone)]
pub struct ProjectConfig {
    /// Paths in the config (globs, the model table) are relative to this folder.
    pub root: PathBuf,
    pub config: Config,
    /// The file's text (empty for the defaults): the engine reads its `[provider]` and
    /// `[engine]` tables from it.
    pub text: String,
    /// `None` when the project has no `promptopt.toml`.
    pub path: Option<PathBuf>,
    pub problems: Vec<ConfigProblem>,
    /// The file could not be used as written (invalid TOML, a model table that won't load):
    /// lint results would not be what the user configured.
    pub broken: bool,
}

impl ProjectConfig {
    /// The built-in defaults for a project rooted at `root`.
    pub fn defaults(root: PathBuf) -> Self {
        Self {
            root,
            config: Config::default(),
            text: String::new(),
            path: None,
            problems: Vec::new(),
            broken: false,
        }
    }

    /// Reads `path` (a `promptopt.toml`). Only a file that cannot be read at all is an error;
    /// problems inside it are reported in `problems`.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text =
            fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| std::env::current_dir().unwrap_or_default());
        Ok(Self::from_text(&text, root, Some(path.to_path_buf())))
    }

    /// Parses config text for a project rooted at `root` (an editor's unsaved buffer, say).
    pub fn from_text(text: &str, root: PathBuf, path: Option<PathBuf>) -> Self {
        let (mut config, mut problems) = Config::parse(text);
        let mut broken = problems
            .iter()
            .any(|p| p.message.contains("not valid TOML"));
        if let Some(table) = config.model_table.clone() {
            match load_model_table(&root.join(&table)) {
                Ok(models) => config.base.model_table = Some(Arc::new(models)),
                Err(message) => {
                    broken = true;
                    let line = text
                        .lines()
                        .position(|l| l.trim_start().starts_with("model-table"))
                        .map(|i| i + 1);
                    problems.push(ConfigProblem { message, line });
                }
            }
        }
        Self {
            root,
            config,
            text: text.to_string(),
            path,
            problems,
            broken,
        }
    }

    /// The lint options for a file at `relative` (to [`Self::root`], `/`-separated).
    pub fn options_for(&self, relative: &str) -> LintOptions {
        self.config.options_for(relative)
    }

    /// `path` relative to the root, `/`-separated, as the config's globs expect.
    pub fn relative(&self, path: &Path) -> String {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let root = std::path::absolute(&self.root).unwrap_or_else(|_| self.root.clone());
        let relative = absolute.strip_prefix(&root).unwrap_or(&absolute);
        relative.to_string_lossy().replace('\\', "/")
    }
}

fn load_model_table(path: &Path) -> Result<ModelTable, String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("cannot read model table {}: {e}", path.display()))?;
    ModelTable::from_toml(&text)
        .map_err(|e| format!("model table {} is invalid: {e}", path.display()))
}

/// The nearest `promptopt.toml` in `start` (a file's folder, or a folder) or above it.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let mut folder = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(dir) = folder {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        folder = dir.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_config_above_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        fs::create_dir_all(&nested).unwrap();
        fs::write(dir.path().join(CONFIG_FILE), "[lint]\n").unwrap();
        let prompt = nested.join("x.prompt");
        fs::write(&prompt, "hi").unwrap();
        assert_eq!(find_config(&prompt), Some(dir.path().join(CONFIG_FILE)));
    }

    #[test]
    fn a_missing_model_table_marks_the_config_broken_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let config = ProjectConfig::from_text(
            "[lint]\nmodel-table = \"nope.toml\"\n",
            dir.path().to_path_buf(),
            None,
        );
        assert!(config.broken);
        let problem = config.problems.last().unwrap();
        assert!(problem.message.contains("nope.toml"), "{}", problem.message);
        assert_eq!(problem.line, Some(2));
    }
}
