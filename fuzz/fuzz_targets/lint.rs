#![no_main]
//! Any text, in every format, with every rule on: linting and applying every fix must finish
//! without a panic, and every span must lie on character boundaries.

use libfuzzer_sys::fuzz_target;
use promptopt_core::lint::{self, Format, Level, LintOptions, NoWorkspace, ParsedFile, rules};

fuzz_target!(|bytes: &[u8]| {
    let Ok(source) = std::str::from_utf8(bytes) else { return };
    let mut options = LintOptions::default();
    for rule in rules::all() {
        options.levels.insert(rule.id.to_string(), Level::On(rule.severity));
    }
    for format in [Format::Dotprompt, Format::Prompty, Format::Plain] {
        let file = ParsedFile::parse(source, format);
        let findings = lint::lint("fuzz.prompt", &file, &options, &NoWorkspace);
        for finding in &findings {
            assert!(source.is_char_boundary(finding.span.start));
            assert!(source.is_char_boundary(finding.span.end));
        }
        let fixes: Vec<_> = findings.iter().flat_map(|f| f.fixes.iter()).collect();
        let _ = lint::apply_fixes(source, &fixes);
    }
});
