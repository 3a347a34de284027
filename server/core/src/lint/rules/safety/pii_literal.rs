//! `pii-literal`: personal data written into the prompt text: email addresses, phone numbers,
//! US social security numbers, payment card numbers (Luhn-checked) and IBANs (mod-97-checked).
//!
//! Obvious examples are skipped: reserved example domains and placeholder addresses
//! (`user@example.com`, `name@domain.com`), role mailboxes (`support@…`: not a person), the
//! fictional phone ranges (US `555`, UK Ofcom drama numbers), the well-known sample SSNs, and the
//! public test card numbers and sample IBANs that payment docs publish. Those test numbers belong
//! to no one and prompts for payment support legitimately quote them, so flagging them would only
//! teach people to suppress the rule.

use std::sync::LazyLock;

use regex::Regex;

use crate::lint::pattern::{Haystack, WordRegex};

use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "pii-literal",
    category: Category::Safety,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::ALL,
    summary: "Personal data in the prompt text: emails, phone numbers, SSNs, card numbers, IBANs",
    docs: Docs {
        why: "A prompt is committed, shared, logged and sent to the model provider with every call, and a model can be led to repeat it. Personal data written into it (a customer's email or phone number, an SSN, a card number, an IBAN) leaks to everyone on that path and is hard to erase later. Few-shot examples copied from production data are the usual source.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\n---\nExample ticket: \"My card 4556 7375 8689 9855 was charged twice, write to m.gonzalez@northwind-mail.biz.\"\nClassify the ticket below.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\n---\nExample ticket: \"My card ending 9855 was charged twice, write to customer@example.com.\"\nClassify the ticket below.\n",
        fix: "Replace the value with made-up data (`jane@example.com`, a `555-01xx` phone number, a test card number) or with a variable filled in at render time (the quick fix inserts `{{email}}`, `{{phone}}`, …). If the data came from production, treat it as leaked.",
    },
    check,
};

#[derive(Clone, Copy)]
enum Kind {
    Email,
    Phone,
    Ssn,
    Card,
    Iban,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Email => "email address",
            Kind::Phone => "phone number",
            Kind::Ssn => "US social security number",
            Kind::Card => "payment card number (passes the Luhn check)",
            Kind::Iban => "IBAN (passes the mod-97 check)",
        }
    }

    fn placeholder(self) -> &'static str {
        match self {
            Kind::Email => "{{email}}",
            Kind::Phone => "{{phone}}",
            Kind::Ssn => "{{ssn}}",
            Kind::Card => "{{card_number}}",
            Kind::Iban => "{{iban}}",
        }
    }
}

struct Patterns {
    email: WordRegex,
    phone_international: WordRegex,
    phone_us: WordRegex,
    phone_national: WordRegex,
    ssn: WordRegex,
    card: WordRegex,
    iban: WordRegex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| Patterns {
    email: WordRegex::new(
        r"\b[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b",
    ),
    phone_international: WordRegex::new(r"\+\d{1,3}(?:[ .-]?\(\d{1,4}\)|[ .-]?\d{1,5}){2,6}"),
    phone_us: WordRegex::new(r"(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b"),
    phone_national: WordRegex::new(r"\b0\d{1,4}(?:[ -]\d{2,6}){1,4}\b"),
    ssn: WordRegex::new(r"\b(\d{3})-(\d{2})-(\d{4})\b"),
    card: WordRegex::new(r"\b\d{4}(?:[ -]?\d{2,6}){2,4}\b"),
    iban: WordRegex::new(
        r"\b[A-Z]{2}\d{2}(?:(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?|[A-Z0-9]{11,30})\b",
    ),
});

/// The length of the longest run of ASCII digits.
fn longest_digit_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for b in text.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// Domains reserved for documentation (RFC 2606/6761) and stand-ins people use as such.
fn is_example_email(email: &str) -> bool {
    let lower = email.to_ascii_lowercase();
    let Some((local, domain)) = lower.rsplit_once('@') else {
        return true;
    };
    const DOMAINS: &[&str] = &[
        "example.com",
        "example.org",
        "example.net",
        "domain.com",
        "email.com",
        "mail.com",
        "company.com",
        "yourcompany.com",
        "yourdomain.com",
        "mydomain.com",
        "test.com",
        "sample.com",
        "acme.com",
        "acme.org",
        "foo.com",
        "bar.com",
        "website.com",
    ];
    const TLDS: &[&str] = &[".example", ".test", ".invalid", ".localhost", ".local"];
    const LOCALS: &[&str] = &[
        "user",
        "username",
        "name",
        "email",
        "your.name",
        "yourname",
        "you",
        "someone",
        "firstname.lastname",
        "first.last",
        "john.doe",
        "jane.doe",
    ];
    // Role mailboxes belong to an organisation, not a person.
    const ROLES: &[&str] = &[
        "support",
        "info",
        "help",
        "contact",
        "sales",
        "admin",
        "noreply",
        "no-reply",
        "hello",
        "team",
        "privacy",
        "security",
        "billing",
        "feedback",
        "press",
        "careers",
        "jobs",
        "hr",
        "legal",
        "abuse",
        "webmaster",
        "postmaster",
        "office",
        "service",
        "git",
    ];
    // `icon@2x.png`, `pkg@0.2.0.wasm`: file names and versions, not addresses.
    const FILE_EXTENSIONS: &[&str] = &[
        "png", "jpg", "jpeg", "gif", "svg", "webp", "js", "mjs", "ts", "rs", "py", "json", "txt",
        "md", "html", "css", "wasm", "zip", "gz", "pdf", "xml", "yaml", "yml", "toml",
    ];
    let mut labels = domain.rsplit('.');
    let tld = labels.next().unwrap_or("");
    let second = labels.next().unwrap_or("");
    FILE_EXTENSIONS.contains(&tld)
        || second.chars().all(|c| c.is_ascii_digit())
        || (local.len() <= 1 && second.len() <= 1)
        || (local.len() >= 20 && local.chars().all(|c| c.is_ascii_hexdigit()))
        || DOMAINS
            .iter()
            .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
        || TLDS.iter().any(|tld| domain.ends_with(tld))
        || domain.starts_with("your")
        || domain.starts_with("example")
        || LOCALS.contains(&local)
        || local.starts_with("your")
        || ROLES.contains(&local)
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// One digit over and over, or counting up: `0000000000`, `1234567890`.
fn is_dummy_number(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    let same = bytes.windows(2).all(|w| w[0] == w[1]);
    let counting = bytes
        .windows(2)
        .all(|w| (w[0] - b'0' + 1) % 10 == (w[1] - b'0') % 10);
    same || counting || digits.starts_with("123456789")
}

/// The US number's exchange is 555 (fiction) or the area code/exchange is not assignable.
fn is_fictional_us(digits: &str) -> bool {
    let national = digits
        .strip_prefix('1')
        .filter(|d| d.len() == 10)
        .unwrap_or(digits);
    let area = national.get(0..3).unwrap_or("");
    let exchange = national.get(3..6).unwrap_or("");
    exchange == "555"
        || area == "555"
        || area.starts_with(['0', '1'])
        || exchange.starts_with(['0', '1'])
}

/// UK Ofcom numbers reserved for drama (020 7946 0xxx, 07700 900xxx, 0113 496 0xxx, …).
fn is_fictional_uk(digits: &str) -> bool {
    let national = digits
        .strip_prefix("44")
        .map(|rest| format!("0{rest}"))
        .unwrap_or_else(|| digits.to_string());
    [
        "0207946", "07700900", "01134960", "01144960", "01154960", "01174960", "01314960",
        "01614960", "02890180", "02920180", "01632960", "0808157", "0909879",
    ]
    .iter()
    .any(|prefix| national.starts_with(prefix))
}

fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, d) in digits.bytes().rev().enumerate() {
        let mut n = u32::from(d - b'0');
        if i % 2 == 1 {
            n *= 2;
            if n > 9 {
                n -= 9;
            }
        }
        sum += n;
    }
    sum % 10 == 0
}

/// Issuer prefixes of the major networks: Visa, Mastercard, Amex, Discover, JCB, Diners,
/// UnionPay, Maestro.
fn known_issuer(digits: &str) -> bool {
    let prefix = |n: usize| {
        digits
            .get(..n)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let len = digits.len();
    (digits.starts_with('4') && matches!(len, 13 | 16 | 19))
        || ((51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4))) && len == 16
        || matches!(prefix(2), 34 | 37) && len == 15
        || (prefix(4) == 6011 || prefix(2) == 65 || (644..=649).contains(&prefix(3))) && len >= 16
        || (3528..=3589).contains(&prefix(4)) && len >= 16
        || (matches!(prefix(2), 36 | 38 | 39) || (300..=305).contains(&prefix(3))) && len >= 14
        || prefix(2) == 62 && len >= 16
        || matches!(prefix(2), 50 | 56 | 57 | 58 | 67) && len >= 12
}

/// Card numbers payment providers publish for testing (Stripe, Braintree, Adyen, PayPal).
const TEST_CARDS: [&str; 20] = [
    "4111111111111111",
    "4242424242424242",
    "4000056655665556",
    "4012888888881881",
    "4222222222222",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "6011111111111117",
    "6011000990139424",
    "3056930009020004",
    "36227206271667",
    "3566002020360505",
    "30569309025904",
    "38520000023237",
    "6200000000000005",
];

/// Sample IBANs from the standard and bank documentation.
const SAMPLE_IBANS: [&str; 6] = [
    "GB82WEST12345698765432",
    "GB29NWBK60161331926819",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "GB33BUKB20201555555555",
];

/// IBAN length by country, for the common ones; others must be 15–34 characters.
fn iban_length_ok(iban: &str) -> bool {
    let expected = match iban.get(..2).unwrap_or("") {
        "AD" | "CZ" | "ES" | "MD" | "PK" | "RO" | "SA" | "SE" | "SK" | "TN" | "VG" => 24,
        "AE" | "BR" | "IL" | "GI" => 23,
        "AT" | "BA" | "EE" | "KZ" | "LT" | "LU" | "XK" => 20,
        "BE" => 16,
        "BG" | "BH" | "CR" | "DE" | "GB" | "GE" | "IE" | "ME" | "RS" => 22,
        "CH" | "HR" | "LI" | "LV" => 21,
        "CY" | "HU" | "PL" | "DO" | "GT" | "LB" => 28,
        "DK" | "FI" | "FO" | "GL" | "NL" => 18,
        "FR" | "GR" | "IT" | "MC" | "SM" | "MR" => 27,
        "IS" | "TR" => 26,
        "MT" => 31,
        "NO" => 15,
        "PT" => 25,
        "SI" => 19,
        _ => return (15..=34).contains(&iban.len()),
    };
    iban.len() == expected
}

fn iban_checksum_ok(iban: &str) -> bool {
    let (head, tail) = iban.split_at(4.min(iban.len()));
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            'A'..='Z' => u32::from(c) - u32::from('A') + 10,
            _ => return false,
        };
        let width = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * width + value) % 97;
    }
    remainder == 1
}

/// True when the match touches more digits or number punctuation: it is part of a longer
/// number, a version, a range or an id, not a phone or card number on its own.
fn embedded(text: &str, start: usize, end: usize) -> bool {
    let mut back = text[..start].chars().rev();
    let before = back.next();
    let before2 = back.next();
    let after = text[end..].chars().next();
    let after2 = text[end..].chars().nth(1);
    let number_punctuation = |c: char| matches!(c, '-' | '/' | '.' | ' ' | ',' | ':');
    before.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.' | '_'))
        || after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        // One of a run of numbers: `00 01 02 03 04 05 06`, `1.2.3`, `12-34-56-78`.
        || (after.is_some_and(number_punctuation) && after2.is_some_and(|c| c.is_ascii_digit()))
        || (before.is_some_and(number_punctuation) && before2.is_some_and(|c| c.is_ascii_digit()))
}

/// Words that say a bare 15–16 digit number is a card number rather than an id or a constant.
static CARD_CONTEXT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:cards?|visa|mastercard|master\s+card|amex|american\s+express|discover|credit|debit|cc|pan|payment|paid|charged?|billing)\b").ok()
});

/// The text up to `chars` characters before `start`.
fn preceding(text: &str, start: usize, chars: usize) -> &str {
    let before = &text[..start];
    let from = before
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    &before[from..]
}

/// Pairs of digits counting up (`01 02 03 04 05`) or mostly `00`: a byte dump, not a number.
fn is_byte_run(text: &str) -> bool {
    let pairs: Vec<u32> = text
        .split([' ', '-'])
        .filter_map(|group| (group.len() == 2).then(|| group.parse().ok()).flatten())
        .collect();
    let zeros = pairs.iter().filter(|&&n| n == 0).count();
    zeros >= 2 || (pairs.len() >= 3 && pairs.windows(2).all(|w| w[1] == w[0] + 1))
}

fn find_all(text: &str) -> Vec<(usize, usize, Kind)> {
    let p = &*PATTERNS;
    // Every pattern but the email one needs a digit, and that one needs an `@`: prose without
    // them (most of it) is not searched. A non-ASCII digit is a non-ASCII word character.
    let has_at = text.contains('@');
    let haystack = Haystack::new(text);
    let non_ascii_word = haystack.has_non_ascii_word();
    // The longest run of digits. `\d` is Unicode in the original patterns, but a non-ASCII
    // digit is a non-ASCII word character, and then every pattern runs.
    let digits_in_a_row = if non_ascii_word {
        usize::MAX
    } else {
        longest_digit_run(text)
    };
    let has_digit = digits_in_a_row >= 1;
    // Cards, SSNs and US phone numbers end in four digits in a row.
    let has_four_digits = digits_in_a_row >= 4;
    // The matches of `pattern`, if the text can have any.
    let search = |pattern: &'static WordRegex, possible: bool| {
        possible
            .then(|| pattern.search(&haystack))
            .flatten()
            .into_iter()
            .flat_map(|regex| regex.find_iter(text))
    };
    let mut hits: Vec<(usize, usize, Kind)> = Vec::new();
    let push = |hits: &mut Vec<(usize, usize, Kind)>, start: usize, end: usize, kind| {
        if !hits.iter().any(|&(s, e, _)| s < end && start < e) {
            hits.push((start, end, kind));
        }
    };
    for m in search(&p.email, has_at) {
        if !is_example_email(m.as_str()) {
            push(&mut hits, m.start(), m.end(), Kind::Email);
        }
    }
    for m in search(&p.iban, has_digit) {
        let compact: String = m.as_str().chars().filter(|c| !c.is_whitespace()).collect();
        if iban_length_ok(&compact)
            && iban_checksum_ok(&compact)
            && !SAMPLE_IBANS.contains(&compact.as_str())
        {
            push(&mut hits, m.start(), m.end(), Kind::Iban);
        }
    }
    for m in search(&p.card, has_four_digits) {
        let number = digits(m.as_str());
        let separators: Vec<char> = m.as_str().chars().filter(|c| !c.is_ascii_digit()).collect();
        let consistent = separators.windows(2).all(|w| w[0] == w[1]);
        let groups: Vec<usize> = m.as_str().split([' ', '-']).map(str::len).collect();
        let card_grouping = matches!(
            groups.as_slice(),
            [4, 6, 4 | 5] | [4, 4, 4, 1..=4] | [4, 4, 4, 4, 1..=3]
        );
        // Ungrouped, only the common 15/16-digit lengths, and only where the text says card:
        // long integers (ids, seeds, constants) pass the Luhn check one time in ten.
        let plausible = if separators.is_empty() {
            matches!(number.len(), 15 | 16)
                && CARD_CONTEXT
                    .as_ref()
                    .is_some_and(|re| re.is_match(preceding(text, m.start(), 40)))
        } else {
            consistent && card_grouping
        };
        if (13..=19).contains(&number.len())
            && plausible
            && !embedded(text, m.start(), m.end())
            && luhn(&number)
            && known_issuer(&number)
            && !is_dummy_number(&number)
            && !TEST_CARDS.contains(&number.as_str())
        {
            push(&mut hits, m.start(), m.end(), Kind::Card);
        }
    }
    let ssn = Some(&p.ssn)
        .filter(|_| has_four_digits)
        .and_then(|ssn| ssn.search(&haystack));
    for c in ssn.into_iter().flat_map(|regex| regex.captures_iter(text)) {
        let (Some(all), Some(area), Some(group), Some(serial)) =
            (c.get(0), c.get(1), c.get(2), c.get(3))
        else {
            continue;
        };
        let area = area.as_str();
        let valid = area != "000"
            && area != "666"
            && !area.starts_with('9')
            && group.as_str() != "00"
            && serial.as_str() != "0000";
        let well_known = matches!(all.as_str(), "123-45-6789" | "078-05-1120" | "219-09-9999");
        if valid && !well_known && !embedded(text, all.start(), all.end()) {
            push(&mut hits, all.start(), all.end(), Kind::Ssn);
        }
    }
    for m in search(&p.phone_us, has_four_digits) {
        let number = digits(m.as_str());
        if !embedded(text, m.start(), m.end())
            && !is_fictional_us(&number)
            && !is_dummy_number(&number)
        {
            push(&mut hits, m.start(), m.end(), Kind::Phone);
        }
    }
    for m in search(&p.phone_international, has_digit) {
        let number = digits(m.as_str());
        let fictional = (number.starts_with('1') && is_fictional_us(&number))
            || (number.starts_with("44") && is_fictional_uk(&number));
        let tail = number.get(number.len().saturating_sub(7)..).unwrap_or("");
        if (10..=15).contains(&number.len())
            && !embedded(text, m.start(), m.end())
            && !fictional
            && !is_dummy_number(&number)
            && !is_dummy_number(tail)
        {
            push(&mut hits, m.start(), m.end(), Kind::Phone);
        }
    }
    for m in search(&p.phone_national, has_digit) {
        let number = digits(m.as_str());
        let separators: Vec<char> = m.as_str().chars().filter(|c| !c.is_ascii_digit()).collect();
        let consistent = separators.windows(2).all(|w| w[0] == w[1]);
        if (10..=11).contains(&number.len())
            && consistent
            && !embedded(text, m.start(), m.end())
            && !is_byte_run(m.as_str())
            && !is_fictional_uk(&number)
            && !is_dummy_number(&number)
        {
            push(&mut hits, m.start(), m.end(), Kind::Phone);
        }
    }
    hits.sort_by_key(|&(start, _, _)| start);
    hits
}

fn check(cx: &Context<'_>, report: &mut Report) {
    for segment in cx.prose() {
        let text = cx.text(segment.span);
        for (start, end, kind) in find_all(text) {
            let span = Span::new(segment.span.start + start, segment.span.start + end);
            report
                .add(
                    span,
                    format!(
                        "{} in the prompt text: it is sent to the model provider with every call and kept in the repository and logs; replace it with made-up data or a variable",
                        kind.describe()
                    ),
                )
                .with_fix(Fix::suggested(
                    format!("Replace with {}", kind.placeholder()),
                    vec![Edit::replace(span, kind.placeholder())],
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{fixed, flagged, messages};

    #[test]
    fn patterns_compile() {
        let p = &*super::PATTERNS;
        for regex in [
            &p.email,
            &p.phone_international,
            &p.phone_us,
            &p.phone_national,
            &p.ssn,
            &p.card,
            &p.iban,
        ] {
            assert!(regex.compiles(), "{}", regex.as_str());
            crate::lint::pattern::assert_word_regex_exact(regex);
        }
    }

    #[test]
    fn catches_each_kind() {
        let source = "Customer: maria.gonzalez84@gmail.com, +44 20 8157 3926, (212) 736-4129.\n\
                      SSN 536-22-8410. Card 4556 7375 8689 9855, visa 4556737586899855.\n\
                      Refund to DE44 5001 0517 5407 3249 31 or NL02ABNA0123456789.\n\
                      Call 06 12 34 56 78 or +1 415 867 2309.\n";
        let found = flagged(&RULE, source);
        assert_eq!(
            found,
            [
                "maria.gonzalez84@gmail.com",
                "+44 20 8157 3926",
                "(212) 736-4129",
                "536-22-8410",
                "4556 7375 8689 9855",
                "4556737586899855",
                "DE44 5001 0517 5407 3249 31",
                "NL02ABNA0123456789",
                "06 12 34 56 78",
                "+1 415 867 2309",
            ]
        );
        let all = messages(&RULE, source);
        assert!(
            all[0].starts_with("email address in the prompt text"),
            "{}",
            all[0]
        );
        assert!(all[4].starts_with("payment card number"), "{}", all[4]);
    }

    #[test]
    fn fix_replaces_with_a_placeholder() {
        assert_eq!(
            fixed(
                &RULE,
                "Reply to maria.gonzalez84@gmail.com or 212-736-4129."
            ),
            "Reply to {{email}} or {{phone}}."
        );
    }

    #[test]
    fn obvious_examples_and_near_misses() {
        for source in [
            "Write to jane@example.com or useremail@domain.com or jane.smith@email.com.",
            "Contact support@acme-corp.io for help.",
            "Call 555-0123 or (415) 555-0199 or +1 212 555 0100.",
            "Use the test card 4111 1111 1111 1111 or 4242424242424242.",
            "IBAN format: GB82 WEST 1234 5698 7654 32.",
            "Example SSN: 123-45-6789; invalid: 000-12-3456, 912-34-5678.",
            "Released 2024-01-15, version 1.2.3, order #1234567890123.",
            "Seeds: 4488286894823169796 and 5503284107318959; bytes 01 02 03 04 05 06 07.",
            "Header 05 12 00 00 00 and +44 1234567.",
            "Assets: icon@2x.png, pkg@0.2.0.wasm, git@github.com, a@b.co.",
            "ISBN 978-3-16-148410-0 and ranges 1000-2000-3000.",
            "Numbers 1234 5678 9012 3456 fail the Luhn check.",
            "Phone format: 123-456-7890.",
            "Price: 12,345,678.90 USD; timestamp 1700000000000.",
            "UK drama number 020 7946 0958 and 07700 900123.",
            "{{email}} and {{!-- maria.gonzalez84@gmail.com --}}",
            "```\nSSN: 536-22-8410 is a code sample\n```\nHello",
        ] {
            let found = flagged(&RULE, source);
            // The fenced sample is still prose the model reads: only that one may fire.
            if source.starts_with("```") {
                assert_eq!(found, ["536-22-8410"], "{source}");
            } else {
                assert_eq!(found, Vec::<&str>::new(), "{source}");
            }
        }
    }
}
