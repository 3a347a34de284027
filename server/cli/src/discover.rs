//! Finding the project (its `promptopt.toml`) and the prompt files to lint, and reading them.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use promptopt_core::document::{LoadError, MAX_SOURCE_BYTES};
use promptopt_core::lint::{CONFIG_FILE, Config, ConfigProblem, Format, LintOptions, Workspace};
use promptopt_core::models::ModelTable;

use crate::exit::CliError;
use crate::files::PartialFiles;
use crate::output::{ConfigFindings, Unreadable};

/// The workspace root, its config and where the config came from.
pub struct Project {
    root: PathBuf,
    config: Config,
    config_path: Option<PathBuf>,
    problems: Vec<ConfigProblem>,
    broken: bool,
}

/// A file chosen for linting.
pub struct SourceFile {
    pub path: PathBuf,
    /// Relative to the project root, with `/` separators, for globs.
    pub relative: String,
    /// As shown to the user.
    pub display: String,
    pub format: Format,
}

impl Project {
    /// Uses `--config`, or the nearest `promptopt.toml` above the first path or the current
    /// folder; with none, the defaults.
    pub fn open(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Project, CliError> {
        let config_path = match explicit {
            Some(path) => {
                if !path.is_file() {
                    return Err(CliError::Usage(format!(
                        "config file {} does not exist: check the --config path",
                        path.display()
                    )));
                }
                Some(path.to_path_buf())
            }
            None => find_config(paths),
        };
        let cwd = std::env::current_dir().unwrap_or_default();
        let Some(config_path) = config_path else {
            return Ok(Project {
                root: cwd,
                config: Config::default(),
                config_path: None,
                problems: Vec::new(),
                broken: false,
            });
        };
        let text = fs::read_to_string(&config_path)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", config_path.display())))?;
        let (mut config, mut problems) = Config::parse(&text);
        let mut broken = problems
            .iter()
            .any(|p| p.message.contains("not valid TOML"));
        let root = config_path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(cwd);
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
        Ok(Project {
            root,
            config,
            config_path: Some(config_path),
            problems,
            broken,
        })
    }

    pub fn options_for(&self, relative: &str) -> LintOptions {
        self.config.options_for(relative)
    }

    pub fn workspace(&self) -> FsWorkspace {
        FsWorkspace
    }

    pub fn config_is_broken(&self) -> bool {
        self.broken
    }

    pub fn config_findings(&self) -> Option<ConfigFindings> {
        let path = self.config_path.as_ref()?;
        if self.problems.is_empty() {
            return None;
        }
        Some(ConfigFindings {
            display: display(path),
            problems: self.problems.clone(),
        })
    }

    /// The files under `paths`: prompts by extension, plain-text prompts by the config's
    /// `include` globs; files named explicitly are linted whatever their extension.
    pub fn files(&self, paths: &[PathBuf]) -> Result<(Vec<SourceFile>, Vec<Unreadable>), CliError> {
        let mut files = Vec::new();
        let mut unreadable = Vec::new();
        for path in paths {
            if !path.exists() {
                return Err(CliError::Usage(format!(
                    "{} does not exist: pass prompt files or folders",
                    path.display()
                )));
            }
            if path.is_file() {
                let format = Format::from_extension(extension(path)).unwrap_or(Format::Plain);
                files.push(self.source_file(path.clone(), format));
                continue;
            }
            let walker = ignore::WalkBuilder::new(path)
                .hidden(true)
                .git_ignore(true)
                .git_exclude(true)
                .require_git(false)
                .build();
            for entry in walker {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        unreadable.push(Unreadable {
                            display: path.display().to_string(),
                            message: format!("cannot walk folder: {error}"),
                        });
                        continue;
                    }
                };
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let file = entry.into_path();
                let relative = self.relative(&file);
                if self.config.excludes(&relative) {
                    continue;
                }
                let format = match Format::from_extension(extension(&file)) {
                    Some(format) => format,
                    None if self.config.includes(&relative) => Format::Plain,
                    None => continue,
                };
                files.push(self.source_file(file, format));
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        Ok((files, unreadable))
    }

    fn source_file(&self, path: PathBuf, format: Format) -> SourceFile {
        SourceFile {
            relative: self.relative(&path),
            display: display(&path),
            path,
            format,
        }
    }

    fn relative(&self, path: &Path) -> String {
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

fn extension(path: &Path) -> &str {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
}

fn display(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

fn find_config(paths: &[PathBuf]) -> Option<PathBuf> {
    let start = paths
        .first()
        .and_then(|p| std::path::absolute(p).ok())
        .or_else(|| std::env::current_dir().ok())?;
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

impl SourceFile {
    /// Reads the file as a prompt: refuses folders, files over the size limit, binary files
    /// and text that is not UTF-8, each with a message that says what to do.
    pub fn read(&self) -> Result<String, Unreadable> {
        let fail = |message: String| Unreadable {
            display: self.display.clone(),
            message,
        };
        let meta = fs::metadata(&self.path).map_err(|e| fail(format!("cannot read: {e}")))?;
        if meta.len() > MAX_SOURCE_BYTES as u64 {
            let error = LoadError::TooLarge {
                size: usize::try_from(meta.len()).unwrap_or(usize::MAX),
                limit: MAX_SOURCE_BYTES,
            };
            return Err(fail(error.to_string()));
        }
        let bytes = fs::read(&self.path).map_err(|e| fail(format!("cannot read: {e}")))?;
        if let Some(offset) = bytes.iter().position(|&b| b == 0) {
            return Err(fail(LoadError::Binary { offset }.to_string()));
        }
        String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            fail(LoadError::InvalidUtf8 { offset, line }.to_string())
        })
    }

    pub fn write(&self, text: &str) -> Result<(), Unreadable> {
        fs::write(&self.path, text).map_err(|e| Unreadable {
            display: self.display.clone(),
            message: format!("cannot write fixes: {e}"),
        })
    }
}

/// Partials from disk: `_name.prompt` beside the prompt.
pub struct FsWorkspace;

impl Workspace for FsWorkspace {
    fn partial(&self, from: &str, name: &str) -> Option<String> {
        PartialFiles::new(Path::new(from), &[]).resolve(name)
    }
}
