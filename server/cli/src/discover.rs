//! Finding the project (its `promptopt.toml`) and the prompt files to lint, and reading them.

use std::fs;
use std::path::{Path, PathBuf};

use promptopt_core::lint::{Format, LintOptions};
use promptopt_workspace::{FsWorkspace, ProjectConfig, find_config, read_prompt};

use crate::exit::CliError;
use crate::output::{ConfigFindings, Unreadable};

/// The workspace root, its config and where the config came from.
#[derive(Clone)]
pub struct Project {
    config: ProjectConfig,
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
            None => {
                let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
                find_config(&start)
            }
        };
        let config = match config_path {
            Some(path) => ProjectConfig::load(&path).map_err(CliError::Usage)?,
            None => ProjectConfig::defaults(std::env::current_dir().unwrap_or_default()),
        };
        Ok(Project { config })
    }

    pub fn options_for(&self, relative: &str) -> LintOptions {
        self.config.options_for(relative)
    }

    /// The project's folder: paths in reports and the `.promptopt/` state are relative to it.
    pub fn root(&self) -> &Path {
        &self.config.root
    }

    /// The `promptopt.toml` text (empty without one), for the engine's own tables.
    pub fn config_text(&self) -> &str {
        &self.config.text
    }

    /// The model table the project configured, else the embedded one.
    pub fn models(&self) -> &promptopt_core::models::ModelTable {
        self.config.config.base.models()
    }

    pub fn workspace(&self) -> FsWorkspace {
        FsWorkspace
    }

    pub fn config_is_broken(&self) -> bool {
        self.config.broken
    }

    pub fn config_findings(&self) -> Option<ConfigFindings> {
        let path = self.config.path.as_ref()?;
        if self.config.problems.is_empty() {
            return None;
        }
        Some(ConfigFindings {
            display: display(path),
            problems: self.config.problems.clone(),
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
                if self.config.config.excludes(&relative) {
                    continue;
                }
                let format = match Format::from_extension(extension(&file)) {
                    Some(format) => format,
                    None if self.config.config.includes(&relative) => Format::Plain,
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

    pub fn relative(&self, path: &Path) -> String {
        self.config.relative(path)
    }
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

impl SourceFile {
    /// Reads the file as a prompt: refuses folders, files over the size limit, binary files
    /// and text that is not UTF-8, each with a message that says what to do.
    pub fn read(&self) -> Result<String, Unreadable> {
        read_prompt(&self.path).map_err(|e| Unreadable {
            display: self.display.clone(),
            message: strip_path(&e.0, &self.path),
        })
    }

    pub fn write(&self, text: &str) -> Result<(), Unreadable> {
        fs::write(&self.path, text).map_err(|e| Unreadable {
            display: self.display.clone(),
            message: format!("cannot write fixes: {e}"),
        })
    }
}

/// The reader's messages start with "cannot read PATH: "; the CLI shows the path already.
fn strip_path(message: &str, path: &Path) -> String {
    let prefix = format!("cannot read {}: ", path.display());
    match message.strip_prefix(&prefix) {
        Some(rest) if rest.starts_with("file ") => rest.to_string(),
        _ => message.to_string(),
    }
}
