//! Workspace symbols (every prompt and partial under the roots), and the one walk of the
//! workspace's prompt files that every cross-file feature shares.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use promptopt_core::lint::Format;
use tower_lsp_server::ls_types::{Location, OneOf, Range, SymbolKind, Uri, WorkspaceSymbol};

use crate::documents::Snapshot;

/// Files larger than this are skipped: no prompt is this big, and a data file with a prompt
/// extension must not stall a workspace search.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// A walk stops after this many entries, so a huge root (a home folder) cannot stall it.
const MAX_WALK_ENTRIES: usize = 50_000;
/// The most symbols one search answers with; the client filters further as the user types.
pub const MAX_SYMBOLS: usize = 500;
/// The front matter's `name` is read from this much of a file's start.
const NAME_SCAN_BYTES: u64 = 4 * 1024;

/// Every `.prompt` and `.prompty` file under the roots, sorted by path within each root:
/// `.gitignore`d files and hidden folders are skipped, and so are files over
/// [`MAX_FILE_BYTES`].
pub fn prompt_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    let Some((first, rest)) = roots.split_first() else {
        return Vec::new();
    };
    let mut walk = ignore::WalkBuilder::new(first);
    for root in rest {
        walk.add(root);
    }
    walk.hidden(true)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b));
    let mut seen = HashSet::new();
    let mut files = Vec::new();
    for entry in walk.build().take(MAX_WALK_ENTRIES).flatten() {
        let is_file = entry.file_type().is_some_and(|t| t.is_file());
        if !is_file || format_of(entry.path()).is_none() {
            continue;
        }
        let small = entry
            .metadata()
            .is_ok_and(|meta| meta.len() <= MAX_FILE_BYTES);
        // Nested roots would list a file twice.
        if small && seen.insert(entry.path().to_path_buf()) {
            files.push(entry.into_path());
        }
    }
    files
}

fn format_of(path: &Path) -> Option<Format> {
    Format::from_extension(path.extension()?.to_str()?)
}

/// Prompts and partials whose name matches `query` (case-insensitive, letters in order).
pub fn symbols(roots: &[PathBuf], open: &[Arc<Snapshot>], query: &str) -> Vec<WorkspaceSymbol> {
    let open: HashMap<&Path, &Snapshot> = open
        .iter()
        .filter_map(|s| Some((s.path.as_deref()?, s.as_ref())))
        .collect();
    let on_disk = prompt_files(roots);
    let listed: HashSet<&Path> = on_disk.iter().map(PathBuf::as_path).collect();
    // Open documents not saved under a root yet (or outside every root) count too.
    let mut only_open = open
        .keys()
        .filter(|path| format_of(path).is_some() && !listed.contains(*path))
        .map(|path| path.to_path_buf())
        .collect::<Vec<_>>();
    only_open.sort();
    let query = query.to_lowercase();
    on_disk
        .iter()
        .chain(&only_open)
        .filter_map(|path| {
            let front_matter_name = match open.get(path.as_path()) {
                Some(snapshot) => front_matter_name(&snapshot.text),
                None => front_matter_name(&read_start(path)?),
            };
            symbol(roots, path, front_matter_name)
        })
        .filter(|symbol| is_subsequence(&query, &symbol.name.to_lowercase()))
        .take(MAX_SYMBOLS)
        .collect()
}

fn symbol(roots: &[PathBuf], path: &Path, named: Option<String>) -> Option<WorkspaceSymbol> {
    let stem = path.file_stem()?.to_str()?;
    let partial = format_of(path) == Some(Format::Dotprompt) && stem.starts_with('_');
    let (name, kind) = if partial {
        // A partial is known by the name prompts include it with.
        (stem.trim_start_matches('_').to_string(), SymbolKind::MODULE)
    } else {
        (named.unwrap_or_else(|| stem.to_string()), SymbolKind::FILE)
    };
    let folder = roots
        .iter()
        .find_map(|root| path.strip_prefix(root).ok())
        .and_then(Path::parent)
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| !p.is_empty());
    Some(WorkspaceSymbol {
        name,
        kind,
        tags: None,
        container_name: folder,
        location: OneOf::Left(Location::new(Uri::from_file_path(path)?, Range::default())),
        data: None,
    })
}

/// The start of a file, enough to hold its front matter; lossy, since only `name` is read.
fn read_start(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(NAME_SCAN_BYTES).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The top-level `name:` of the front matter, found by a line scan instead of a YAML parse:
/// a search runs on every keystroke over every prompt, and only this one key is needed.
pub fn front_matter_name(text: &str) -> Option<String> {
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    // Dotprompt allows blank and `#` lines (license headers) before the opening fence.
    let opening = lines.find(|line| !(line.trim().is_empty() || line.starts_with('#')))?;
    if opening.trim_end() != "---" {
        return None;
    }
    lines
        .take_while(|line| line.trim_end() != "---")
        .find_map(|line| line.strip_prefix("name:"))
        .map(|value| {
            let value = value.split(" #").next().unwrap_or(value).trim();
            let unquoted = ['"', '\'']
                .iter()
                .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q));
            unquoted.unwrap_or(value).to_string()
        })
        .filter(|name| !name.is_empty())
}

/// Whether the letters of `query` appear in `name` in order (both already lowercased).
fn is_subsequence(query: &str, name: &str) -> bool {
    let mut name = name.chars();
    query.chars().all(|wanted| name.any(|c| c == wanted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::Kind;
    use std::fs;

    #[test]
    fn the_front_matter_name_is_read_by_a_line_scan() {
        assert_eq!(
            front_matter_name("---\nmodel: x\nname: \"support\" \n---\nHi").as_deref(),
            Some("support")
        );
        assert_eq!(
            front_matter_name("# License\n\n---\r\nname: triage # v2\r\n---\r\n").as_deref(),
            Some("triage")
        );
        assert_eq!(front_matter_name("---\nx: 1\n---\nname: body"), None);
        assert_eq!(front_matter_name("name: no fences"), None);
        assert_eq!(front_matter_name("---\nname:\n---\n"), None);
    }

    #[test]
    fn subsequences_match_letters_in_order() {
        assert!(is_subsequence("", "anything"));
        assert!(is_subsequence("spt", "support"));
        assert!(!is_subsequence("tps", "support"));
    }

    #[test]
    fn prompts_and_partials_are_listed_named_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        fs::create_dir_all(root.join("support")).unwrap();
        fs::create_dir_all(root.join(".hidden")).unwrap();
        fs::create_dir_all(root.join("build")).unwrap();
        fs::write(root.join(".gitignore"), "build/\n").unwrap();
        fs::write(
            root.join("support/triage.prompt"),
            "---\nname: Triage\n---\nHi",
        )
        .unwrap();
        fs::write(root.join("support/_footer.prompt"), "Bye").unwrap();
        fs::write(
            root.join("chat.prompty"),
            "---\nname: chat\n---\nsystem:\nHi",
        )
        .unwrap();
        fs::write(root.join("plain.prompt"), "No front matter").unwrap();
        fs::write(root.join(".hidden/secret.prompt"), "x").unwrap();
        fs::write(root.join("build/copy.prompt"), "x").unwrap();
        fs::write(root.join("notes.md"), "# not a prompt").unwrap();
        let big = "x".repeat(usize::try_from(MAX_FILE_BYTES).unwrap() + 1);
        fs::write(root.join("huge.prompt"), big).unwrap();

        let listed =
            |query: &str, open: &[Arc<Snapshot>]| -> Vec<(String, SymbolKind, Option<String>)> {
                symbols(std::slice::from_ref(&root), open, query)
                    .into_iter()
                    .map(|s| (s.name, s.kind, s.container_name))
                    .collect()
            };
        assert_eq!(
            listed("", &[]),
            [
                ("chat".to_string(), SymbolKind::FILE, None),
                ("plain".to_string(), SymbolKind::FILE, None),
                (
                    "footer".to_string(),
                    SymbolKind::MODULE,
                    Some("support".into())
                ),
                (
                    "Triage".to_string(),
                    SymbolKind::FILE,
                    Some("support".into())
                ),
            ]
        );
        assert_eq!(listed("TRG", &[]).len(), 1);

        // An open document's unsaved name wins over the disk, and unsaved files are listed.
        let open_at = |path: &Path, text: &str| {
            let uri = Uri::from_file_path(path).unwrap();
            let kind = Kind::detect("", Some(path)).unwrap();
            Arc::new(Snapshot::new(uri, 3, kind, text.into()))
        };
        let open = [
            open_at(&root.join("plain.prompt"), "---\nname: renamed\n---\n"),
            open_at(&root.join("new.prompt"), "unsaved"),
        ];
        let names: Vec<String> = listed("", &open).into_iter().map(|s| s.0).collect();
        assert_eq!(names, ["chat", "renamed", "footer", "Triage", "new"]);
    }
}
