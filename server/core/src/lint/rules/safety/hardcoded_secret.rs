//! `hardcoded-secret`: API keys, tokens and private keys written into a prompt file: provider
//! key formats (OpenAI, Anthropic, AWS, GitHub, Google, Slack, Stripe), JWTs, PEM private keys,
//! and high-entropy values assigned to a `key`/`token`/`secret`/`password` name. The whole file
//! is scanned, front matter and comments included: a secret in config is still a secret.
//! Placeholders (`sk-...`, `sk-xxxx`, `YOUR_API_KEY`, AWS's `…EXAMPLE` key) are not flagged.

use std::sync::LazyLock;

use crate::lint::pattern::{Haystack, WordRegex};

use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Report, Rule, Severity,
};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "hardcoded-secret",
    category: Category::Safety,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::ALL,
    summary: "API keys, tokens, passwords or private keys written into the prompt file",
    docs: Docs {
        why: "A prompt file is committed, shared, logged and sent to a model provider; a model can also be led to repeat its prompt. A key written into it is a leaked key. Provider key formats are recognised exactly, and long random-looking values assigned to a key, token, secret or password name are caught by their entropy.",
        bad: "---\nmodel: openai/gpt-4o\n---\nCall the weather API with the header `Authorization: Bearer sk-proj-Q7vT2mX9kLp4RzW8nB3cY6dF1gH5jK0sA2eU`.\n",
        good: "---\nmodel: openai/gpt-4o\ninput:\n  schema:\n    api_key: string\n---\nCall the weather API with the header `Authorization: Bearer {{api_key}}`.\n",
        fix: "Revoke the key first: it has leaked. Then pass it in at render time (the quick fix replaces it with a `{{api_key}}`-style variable; declare it in the input schema) or, better, keep it out of the prompt entirely and let the application attach it to the API call. In Prompty front matter use `${env:NAME}`.",
    },
    check,
};

struct Detector {
    /// What the secret is, for the message.
    what: &'static str,
    /// The variable name the fix introduces.
    variable: &'static str,
    regex: WordRegex,
}

/// Provider formats, most specific first (Anthropic's `sk-ant-` before OpenAI's `sk-`).
static DETECTORS: LazyLock<Vec<Detector>> = LazyLock::new(|| {
    [
        (
            "Anthropic API key",
            "anthropic_api_key",
            r"\bsk-ant-(?:api\d\d-|admin\d\d-)?[A-Za-z0-9_-]{32,}",
        ),
        (
            "OpenAI API key",
            "openai_api_key",
            r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}",
        ),
        (
            "AWS access key id",
            "aws_access_key_id",
            r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
        ),
        (
            "GitHub token",
            "github_token",
            r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b",
        ),
        (
            "Google API key",
            "google_api_key",
            r"\bAIza[0-9A-Za-z_-]{35}(?:[^0-9A-Za-z_-]|$)",
        ),
        (
            "Slack token",
            "slack_token",
            r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
        ),
        (
            "Stripe secret key",
            "stripe_secret_key",
            r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}",
        ),
        (
            "JSON Web Token",
            "jwt",
            r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        ),
        (
            "private key",
            "private_key",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----\s*(?:[A-Za-z0-9-]+: [^\n]*\n\s*)*[A-Za-z0-9+/=]{40,}(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?",
        ),
    ]
    .into_iter()
    .map(|(what, variable, pattern)| Detector {
        what,
        variable,
        regex: WordRegex::new(pattern),
    })
    .collect()
});

/// A value of 32 or more base64/hex characters assigned (`:`, `=`, `=>`, "is") to a name ending
/// in key, token, secret or password. Group 1: the name; group 2: the value.
static ASSIGNED: LazyLock<WordRegex> = LazyLock::new(|| {
    WordRegex::new(
        r#"(?i)\b([A-Za-z0-9_.-]*?(?:key|token|secret|password|passwd|pwd|credentials?)s?)["']?\s*(?::=|=>|[:=]|\s+is)\s*["']?(?:Bearer\s+|Basic\s+|token\s+)?([A-Za-z0-9+/_=.~-]{32,})"#,
    )
});

/// True when the text has 32 characters in a row that `ASSIGNED` accepts in a value:
/// `[A-Za-z0-9+/_=.~-]` and, as the regex is case-insensitive, `ſ` and the Kelvin sign.
fn has_value_run(text: &str) -> bool {
    let value = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '+' | '/' | '_' | '=' | '.' | '~' | '-' | 'ſ' | '\u{212A}'
            )
    };
    let mut run = 0;
    for c in text.chars() {
        run = if value(c) { run + 1 } else { 0 };
        if run >= 32 {
            return true;
        }
    }
    false
}

/// Bits per character of the text's own character distribution.
fn shannon_entropy(text: &str) -> f64 {
    let mut counts = std::collections::HashMap::<char, usize>::new();
    for c in text.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let total = text.chars().count() as f64;
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total;
            -p * p.log2()
        })
        .sum()
}

/// Random enough to be a credential: letters and digits mixed, high entropy for the alphabet
/// (a hex string tops out at 4 bits a character, so it gets a lower bar than base64), and not
/// built from words (`X509CertificateTemplatePrivateKeyFlag`, `CIPHER_KEY_MAPPING_VALUE`).
fn looks_random(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let has_letter = value.chars().any(|c| c.is_ascii_alphabetic());
    let hex = value.chars().all(|c| c.is_ascii_hexdigit());
    let threshold = if hex { 3.0 } else { 4.0 };
    digits >= 2 && has_letter && !has_words(value) && shannon_entropy(value) > threshold
}

/// A run of eight letters of one case (a word in an identifier; rare in random base64), or three
/// or more letters-only pieces between `_`, `-` and `.`.
fn has_words(value: &str) -> bool {
    let mut run = 0;
    let mut upper = false;
    for c in value.chars() {
        if c.is_ascii_alphabetic() && run > 0 && c.is_ascii_uppercase() == upper {
            run += 1;
        } else if c.is_ascii_alphabetic() {
            run = 1;
            upper = c.is_ascii_uppercase();
        } else {
            run = 0;
        }
        if run >= 8 {
            return true;
        }
    }
    word_pieces(value) >= 3
}

/// Letters-only pieces of three or more letters between `_`, `-` and `.`.
fn word_pieces(value: &str) -> usize {
    value
        .split(['_', '-', '.'])
        .filter(|piece| piece.len() >= 3 && piece.chars().all(|c| c.is_ascii_alphabetic()))
        .count()
}

/// A provider-format match that is prose or an identifier (`sk-learn-compatible-estimator`):
/// real keys have digits and no run of words after their prefix.
fn is_wordy(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let after_prefix: String = text
        .splitn(3, ['-', '_'])
        .nth(2)
        .unwrap_or(text)
        .to_string();
    digits < 2 || word_pieces(&after_prefix) >= 2
}

/// Obvious stand-ins: `sk-...`, `sk-xxxx…`, `YOUR_API_KEY`, `AKIAIOSFODNN7EXAMPLE`,
/// `sk-1234567890abcdef…`, runs of one character.
fn is_placeholder(secret: &str) -> bool {
    let lower = secret.to_ascii_lowercase();
    const MARKERS: [&str; 22] = [
        "xxxx",
        "your",
        "example",
        "placeholder",
        "redacted",
        "dummy",
        "sample",
        "changeme",
        "change_me",
        "insert",
        "replace",
        "fake",
        "here",
        "mock",
        "todo",
        "1234567",
        "abcdef",
        "...",
        "…",
        "***",
        "<",
        "{",
    ];
    if MARKERS.iter().any(|marker| lower.contains(marker)) {
        return true;
    }
    let tail: String = secret
        .chars()
        .skip_while(|c| *c != '-' && *c != '_')
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let body = if tail.len() >= 16 {
        tail.as_str()
    } else {
        secret
    };
    let mut distinct: Vec<char> = body.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() < 8
}

/// The secret with all but its first four characters hidden, for messages and logs.
fn masked(secret: &str) -> String {
    let shown: String = secret.chars().take(4).collect();
    format!("{shown}…")
}

/// A variable name from the name the secret was assigned to (`OPENAI_API_KEY` →
/// `openai_api_key`).
fn variable_from(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        "secret".into()
    } else {
        out
    }
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let source = cx.source();
    let mut found: Vec<(Span, &'static str, String)> = Vec::new();
    let overlaps = |found: &[(Span, &str, String)], span: Span| {
        found
            .iter()
            .any(|(done, _, _)| done.start < span.end && span.start < done.end)
    };
    let haystack = Haystack::new(source);
    for detector in DETECTORS.iter() {
        let Some(regex) = detector.regex.search(&haystack) else {
            continue;
        };
        for hit in regex.find_iter(source) {
            // The Google pattern ends on the character after the key.
            let text = hit
                .as_str()
                .trim_end_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            let span = Span::new(hit.start(), hit.start() + text.len());
            let is_pem = detector.variable == "private_key";
            let structured = is_pem || detector.variable == "jwt";
            if (!structured && (is_placeholder(text) || is_wordy(text))) || overlaps(&found, span) {
                continue;
            }
            found.push((span, detector.what, detector.variable.to_string()));
        }
    }
    // The assigned value is a run of 32 value characters: most files have none, and the
    // search for a name before one is slow.
    if let Some(assigned) = Some(&*ASSIGNED)
        .filter(|_| has_value_run(source))
        .and_then(|assigned| assigned.search(&haystack))
    {
        for captures in assigned.captures_iter(source) {
            let (Some(name), Some(value)) = (captures.get(1), captures.get(2)) else {
                continue;
            };
            let span = Span::new(value.start(), value.end());
            if is_placeholder(value.as_str())
                || !looks_random(value.as_str())
                || overlaps(&found, span)
            {
                continue;
            }
            found.push((span, "secret", variable_from(name.as_str())));
        }
    }
    found.sort_by_key(|(span, _, _)| span.start);
    let front_matter = cx.front_matter().map(|view| view.split.block);
    for (span, what, variable) in found {
        let secret = cx.text(span);
        let in_front_matter = front_matter.is_some_and(|block| block.contains(span.start));
        let (where_to, replacement) = match (cx.format(), in_front_matter) {
            (Format::Prompty, true) => (
                "read it from the environment",
                Some(format!("${{env:{}}}", variable.to_ascii_uppercase())),
            ),
            (Format::Dotprompt, true) => (
                "configure it in the application (the model plugin reads it from the environment)",
                None,
            ),
            _ => (
                "pass it in as a variable",
                Some(format!("{{{{{variable}}}}}")),
            ),
        };
        let what = if what == "secret" {
            format!(
                "high-entropy value assigned to a secret-looking name ({} chars)",
                secret.chars().count()
            )
        } else {
            what.to_string()
        };
        // A PEM block's first characters are its dashes: nothing worth showing.
        let shown = if variable == "private_key" {
            " (PEM block)".to_string()
        } else {
            format!(" '{}'", masked(secret))
        };
        let finding = report.add(
            span,
            format!(
                "{what}{shown} is hard-coded in the prompt file: anyone who can read the file, the logs or the model's output can use it; revoke it and {where_to}"
            ),
        );
        if let Some(replacement) = replacement {
            finding.with_fix(Fix::suggested(
                format!("Extract to {replacement}"),
                vec![Edit::replace(span, replacement)],
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::Format;
    use crate::lint::testing::{check_format, fixed, flagged, messages};

    #[test]
    fn patterns_compile() {
        assert!(super::DETECTORS.iter().all(|d| d.regex.compiles()));
        assert!(super::ASSIGNED.compiles());
        for detector in super::DETECTORS.iter() {
            crate::lint::pattern::assert_word_regex_exact(&detector.regex);
        }
        crate::lint::pattern::assert_word_regex_exact(&super::ASSIGNED);
    }

    const OPENAI: &str = "sk-proj-Q7vT2mX9kLp4RzW8nB3cY6dF1gH5jK0sA2eU";

    #[test]
    fn catches_provider_formats() {
        let source = format!(
            "Keys:\n{OPENAI}\nsk-ant-api03-h8Jq2LmZ9xR4tY7vB1nC6kP3wE5sD0fG8aH2jK4lM6\nAKIAQ3EGRT7ZNB5KXW2M\nghp_9aZ8bY7cX6dW5eV4fU3gT2hS1iR0jQ9kP8lO\nAIzaSyD4f8Kq2Xz7LmN9pR3tV6wY1bC5hJ0gE2k\nxoxb-2384729384-9823749823-Qa8Zk3Lm9Xp2\nsk_live_4eC39HqLyjWDarjtT1zdp7dc\neyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\n"
        );
        let found = flagged(&RULE, &source);
        assert_eq!(found.len(), 8, "{found:?}");
        assert_eq!(found[0], OPENAI);
        assert!(found[1].starts_with("sk-ant-"));
        let all = messages(&RULE, &source);
        assert!(
            all[0].starts_with("OpenAI API key 'sk-p…' is hard-coded"),
            "{}",
            all[0]
        );
        assert!(
            all[1].starts_with("Anthropic API key 'sk-a…'"),
            "{}",
            all[1]
        );
        assert!(
            all.iter().all(|m| !m.contains("Q7vT")),
            "messages must mask the key"
        );
    }

    #[test]
    fn catches_pem_blocks_as_one_finding() {
        let source = "Sign with:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7kTq3vGx9Lw2mZp8Rj4sYc1nB6dF0hK5aE3uW7oQ\nabc\n-----END RSA PRIVATE KEY-----\nThanks";
        let found = flagged(&RULE, source);
        assert_eq!(found.len(), 1);
        assert!(found[0].ends_with("-----END RSA PRIVATE KEY-----"));
        assert_eq!(fixed(&RULE, source), "Sign with:\n{{private_key}}\nThanks");
        assert!(messages(&RULE, source)[0].starts_with("private key (PEM block) is hard-coded"));
    }

    #[test]
    fn catches_high_entropy_values_after_secret_names() {
        let source = "Use api_key = \"9f8e7d6c5b4a39281706f5e4d3c2b1a0ff\"\nThe db password is Zk4pQ9vX2mL7nR3tW8yB6cF1hJ5sD0aG\n";
        let found = flagged(&RULE, source);
        assert_eq!(
            found,
            [
                "9f8e7d6c5b4a39281706f5e4d3c2b1a0ff",
                "Zk4pQ9vX2mL7nR3tW8yB6cF1hJ5sD0aG"
            ]
        );
        assert_eq!(
            fixed(&RULE, source),
            "Use api_key = \"{{api_key}}\"\nThe db password is {{password}}\n"
        );
    }

    #[test]
    fn scans_front_matter_too() {
        let source = format!("---\nmodel: openai/gpt-4o\nmyorg.key: {OPENAI}\n---\nHello\n");
        assert_eq!(flagged(&RULE, &source), [OPENAI]);
        // Front matter is not templated in dotprompt: no variable to extract to.
        assert!(
            crate::lint::testing::check(&RULE, &source)[0]
                .fixes
                .is_empty()
        );
        let prompty = format!(
            "---\nmodel:\n  configuration:\n    type: openai\n    api_key: {OPENAI}\n---\nsystem:\nHi\n"
        );
        let found = check_format(&RULE, Format::Prompty, &prompty);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].fixes[0].edits[0].text, "${env:OPENAI_API_KEY}");
    }

    #[test]
    fn fix_extracts_to_a_variable() {
        let source = format!("Authorization: Bearer {OPENAI}\n");
        assert_eq!(
            fixed(&RULE, &source),
            "Authorization: Bearer {{openai_api_key}}\n"
        );
    }

    #[test]
    fn placeholders_and_near_misses() {
        for source in [
            "Set OPENAI_API_KEY=sk-... before running.",
            "api key: sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "Use YOUR_API_KEY here: sk-YOUR_API_KEY_GOES_HERE_1234",
            "AWS example: AKIAIOSFODNN7EXAMPLE",
            "token: sk-1234567890abcdef1234567890abcdef",
            "api_key = {{api_key}}",
            "Use the token_count field: a_very_long_descriptive_identifier_name_here",
            "Pass the token in the Authorization header.",
            "Explain what a JWT is: header.payload.signature.",
            "Ask the user for their password and never store it.",
            "The -----BEGIN PUBLIC KEY----- block is public.",
            "Match the header \"-----BEGIN PRIVATE KEY-----\" and stop.",
            "key: X509CertificateTemplatePrivateKeyFlag2",
            "token = PDOT11_CIPHER_KEY_MAPPING_KEY_VALUE_22",
            "commit 9f8e7d6c5b4a39281706f5e4d3c2b1a0ff is the fix",
            "task-ant-colony-simulation-with-many-ants-and-more",
            "Compare sk-learn-compatible-estimator-interfaces here.",
            "See sk-ant-colony-optimisation-algorithm-overview-2024.",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
