//! Prints how often each rule fires on a folder of real prompts (default: ../shared/corpus),
//! and a few sample hits per rule, to calibrate rules and their default severities.
//!
//! cargo run --release -p promptopt-core --example corpus_rates -- [DIR] [RULE-ID] [SAMPLES]
//! cargo run --release -p promptopt-core --example corpus_rates -- --markdown [DIR]...
//! cargo run --release -p promptopt-core --example corpus_rates -- --timings [DIR]

use std::collections::BTreeMap;
use std::path::Path;

use promptopt_core::lint::{self, Format, Level, LintOptions, NoWorkspace, ParsedFile};

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "prompty" || e == "prompt")
        {
            out.push(path);
        }
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--timings") {
        args.remove(0);
        timings(args.first().map_or("../shared/corpus", String::as_str));
        return;
    }
    if args.first().is_some_and(|a| a == "--markdown") {
        args.remove(0);
        markdown(&args);
        return;
    }
    let root = args.first().map_or("../shared/corpus", String::as_str);
    let only = args.get(1).filter(|s| !s.is_empty());
    let samples: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut paths = Vec::new();
    files(Path::new(root), &mut paths);
    paths.sort();
    let mut options = LintOptions::default();
    // Count off-by-default rules too.
    for rule in lint::rules::all() {
        options
            .levels
            .insert(rule.id.to_string(), Level::On(rule.severity));
    }
    let mut per_rule: BTreeMap<&str, (usize, usize, Vec<String>)> = BTreeMap::new();
    for path in &paths {
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("prompty") => Format::Prompty,
            _ => Format::Dotprompt,
        };
        let file = ParsedFile::parse(&source, format);
        let findings = lint::lint(&path.to_string_lossy(), &file, &options, &NoWorkspace);
        let mut seen = std::collections::HashSet::new();
        for finding in &findings {
            let entry = per_rule.entry(finding.rule).or_default();
            entry.1 += 1;
            if seen.insert(finding.rule) {
                entry.0 += 1;
            }
            if entry.2.len() < samples && only.is_none_or(|o| o == finding.rule) {
                let line = file.line_index().to_human(&source, finding.span.start).line;
                let text: String = finding.span.text(&source).chars().take(80).collect();
                entry.2.push(format!(
                    "{}:{line}: {:?} — {}",
                    path.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default(),
                    text,
                    finding.message
                ));
            }
        }
    }
    println!("{} files", paths.len());
    println!(
        "{:<34} {:>8} {:>7} {:>9}",
        "rule", "severity", "files", "findings"
    );
    for rule in lint::rules::all() {
        if only.is_some_and(|o| o != rule.id) {
            continue;
        }
        let (hit, total, examples) = per_rule.remove(rule.id).unwrap_or_default();
        println!(
            "{:<34} {:>8} {:>6.1}% {:>9}",
            rule.id,
            rule.severity.as_str(),
            100.0 * hit as f64 / paths.len().max(1) as f64,
            total
        );
        for example in examples {
            println!("    {example}");
        }
    }
}

/// Per-rule firing rates (share of files with at least one finding) on each folder, as a
/// Markdown table for the docs.
fn markdown(dirs: &[String]) {
    let mut options = LintOptions::default();
    for rule in lint::rules::all() {
        options
            .levels
            .insert(rule.id.to_string(), Level::On(rule.severity));
    }
    let mut columns = Vec::new();
    for dir in dirs {
        let mut paths = Vec::new();
        files(Path::new(dir), &mut paths);
        let mut hits: BTreeMap<&str, usize> = BTreeMap::new();
        for path in &paths {
            let Ok(source) = std::fs::read_to_string(path) else {
                continue;
            };
            let format = match path.extension().and_then(|e| e.to_str()) {
                Some("prompty") => Format::Prompty,
                _ => Format::Dotprompt,
            };
            let file = ParsedFile::parse(&source, format);
            let findings = lint::lint(&path.to_string_lossy(), &file, &options, &NoWorkspace);
            let fired: std::collections::BTreeSet<&str> = findings.iter().map(|f| f.rule).collect();
            for rule in fired {
                *hits.entry(rule).or_default() += 1;
            }
        }
        columns.push((dir.as_str(), paths.len(), hits));
    }
    print!("| rule | default |");
    for (dir, count, _) in &columns {
        print!(" {dir} ({count} files) |");
    }
    println!();
    print!("|---|---|");
    for _ in &columns {
        print!("---:|");
    }
    println!();
    for rule in lint::rules::all() {
        let default = if rule.enabled_by_default {
            rule.severity.as_str()
        } else {
            "off"
        };
        print!("| {} | {default} |", rule.id);
        for (_, count, hits) in &columns {
            let hit = hits.get(rule.id).copied().unwrap_or(0);
            print!(
                " {:.1}% ({hit}) |",
                100.0 * hit as f64 / (*count).max(1) as f64
            );
        }
        println!();
    }
}

/// Time spent in each rule over a folder, one thread, slowest first: where to look when the
/// linter gets slow.
fn timings(dir: &str) {
    let mut paths = Vec::new();
    files(Path::new(dir), &mut paths);
    let sources: Vec<(String, Format)> = paths
        .iter()
        .filter_map(|path| {
            let format = match path.extension().and_then(|e| e.to_str()) {
                Some("prompty") => Format::Prompty,
                _ => Format::Dotprompt,
            };
            std::fs::read_to_string(path).ok().map(|s| (s, format))
        })
        .collect();
    let parsed: Vec<ParsedFile> = sources
        .iter()
        .map(|(s, f)| ParsedFile::parse(s, *f))
        .collect();
    let off = LintOptions {
        levels: lint::rules::all()
            .iter()
            .map(|r| (r.id.to_string(), Level::Off))
            .collect(),
        ..LintOptions::default()
    };
    let start = std::time::Instant::now();
    for file in &parsed {
        lint::lint("p.prompt", file, &off, &NoWorkspace);
    }
    let baseline = start.elapsed();
    let mut rows = Vec::new();
    for rule in lint::rules::all() {
        let mut options = off.clone();
        options
            .levels
            .insert(rule.id.to_string(), Level::On(rule.severity));
        let start = std::time::Instant::now();
        for file in &parsed {
            lint::lint("p.prompt", file, &options, &NoWorkspace);
        }
        rows.push((start.elapsed().saturating_sub(baseline), rule.id));
    }
    rows.sort_by(|a, b| b.cmp(a));
    println!(
        "{} files; facts and parsing-free baseline {:?}",
        parsed.len(),
        baseline
    );
    for (elapsed, id) in rows {
        println!("{:>10.2} ms  {id}", elapsed.as_secs_f64() * 1000.0);
    }
}
