//! Token counts and call costs.
//!
//! Owns: counting a text's tokens with OpenAI's BPEs (o200k, cl100k, via tiktoken-rs), the
//! estimate used for models whose tokenizer is not public, which tokenizer a model uses, and what
//! a call costs at table prices.
//!
//! Counts are of plain text: special-token spellings such as `<|endoftext|>` inside a prompt are
//! counted as the ordinary text they are (`encode_ordinary`). Nothing here panics: if a BPE cannot
//! be built, or a run of text is too long for tiktoken's regex, the count is an estimate and says
//! so (`estimated: true`).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use tiktoken_rs::CoreBPE;

use crate::models::ModelInfo;

/// How a model's text is split into tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tokenizer {
    /// OpenAI's `o200k_base`: gpt-4o, gpt-4.1, o-series, gpt-5.
    O200k,
    /// OpenAI's `cl100k_base`: gpt-3.5-turbo, gpt-4, gpt-4-turbo.
    Cl100k,
    /// No public tokenizer (Claude, Gemini, Llama, Mistral, …): counts are estimates.
    Estimate,
}

/// The number of tokens in a text, and how far to trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct TokenCount {
    pub tokens: usize,
    /// The tokenizer the count is for (the one asked for, even when it had to be estimated).
    pub tokenizer: Tokenizer,
    /// The count is approximate: the tokenizer is `Estimate`, the model is unknown, or the exact
    /// BPE was unavailable for (part of) the text.
    pub estimated: bool,
}

// Building a BPE parses its whole vocabulary (~100-250 ms), so each is built once, on first use.
// `None` if it fails to build; counts then fall back to `chars_estimate`.
static O200K: LazyLock<Option<CoreBPE>> = LazyLock::new(|| tiktoken_rs::o200k_base().ok());
static CL100K: LazyLock<Option<CoreBPE>> = LazyLock::new(|| tiktoken_rs::cl100k_base().ok());

/// The longest stretch of text handed to tiktoken in one piece. Its pre-split regex gives up on
/// whitespace runs of about a million characters, and tiktoken-rs then panics; stretches longer
/// than this are cut every `MAX_STRETCH` bytes, which can shift the count by a token per cut.
const MAX_STRETCH: usize = 64 * 1024;

/// Counts the tokens of `text` with `tokenizer`.
///
/// `Tokenizer::Estimate` counts with cl100k: vendors' private BPEs have vocabularies of similar
/// size, so it tracks them on prose, code and non-Latin scripts, where chars/4 is off several-fold.
pub fn count(text: &str, tokenizer: Tokenizer) -> TokenCount {
    let (tokens, exact) = if text.is_empty() {
        (0, true)
    } else {
        match tokenizer {
            Tokenizer::O200k => bpe_or_estimate(O200K.as_ref(), text),
            Tokenizer::Cl100k | Tokenizer::Estimate => bpe_or_estimate(CL100K.as_ref(), text),
        }
    };
    TokenCount {
        tokens,
        tokenizer,
        estimated: !exact || tokenizer == Tokenizer::Estimate,
    }
}

/// The tokenizer to count `model`'s text with. An unknown model (`None`) gets o200k, the
/// tokenizer of current OpenAI models; its counts are estimates, which `count_for_model` marks.
pub fn tokenizer_for(model: Option<&ModelInfo>) -> Tokenizer {
    model.map_or(Tokenizer::O200k, |model| model.tokenizer)
}

/// Counts `text` for `model` (`None`: unknown model, counted with o200k and marked estimated).
pub fn count_for_model(text: &str, model: Option<&ModelInfo>) -> TokenCount {
    let mut counted = count(text, tokenizer_for(model));
    counted.estimated |= model.is_none();
    counted
}

/// What a call costs in USD at the table's base prices (no caching, batch or long-context tiers).
pub fn cost_usd(input_tokens: usize, output_tokens: usize, model: &ModelInfo) -> f64 {
    (input_tokens as f64 * model.input_price + output_tokens as f64 * model.output_price)
        / 1_000_000.0
}

/// A count as people read it: "1,234 tokens (o200k)", or "≈ 1,234 tokens (estimated)".
pub fn describe(count: TokenCount) -> String {
    let tokenizer = match count.tokenizer {
        Tokenizer::O200k => "o200k",
        Tokenizer::Cl100k => "cl100k",
        Tokenizer::Estimate => "estimated",
    };
    if count.estimated {
        format!("≈ {} tokens (estimated)", thousands(count.tokens))
    } else {
        format!("{} tokens ({tokenizer})", thousands(count.tokens))
    }
}

/// `12345` → `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A dollar amount with the precision small per-call costs need.
pub fn dollars(amount: f64) -> String {
    if amount > 0.0 && amount < 0.0001 {
        "< $0.0001".to_string()
    } else if amount >= 0.01 {
        format!("${amount:.2}")
    } else {
        format!("${amount:.4}")
    }
}

/// `(tokens, exact)`.
fn bpe_or_estimate(bpe: Option<&CoreBPE>, text: &str) -> (usize, bool) {
    match bpe {
        Some(bpe) => bpe_count(bpe, text),
        None => (chars_estimate(text), false),
    }
}

/// The last-resort estimate, when no BPE could be built: about four characters a token.
fn chars_estimate(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

/// Counts with `bpe`, handing tiktoken the text between over-long stretches in one piece and
/// cutting those stretches into `MAX_STRETCH` pieces. `(tokens, exact)`.
fn bpe_count(bpe: &CoreBPE, text: &str) -> (usize, bool) {
    let mut tokens = 0;
    let mut exact = true;
    let mut uncounted = 0;
    let mut stretch_start = 0;
    for end in boundaries(text).chain([text.len()]) {
        if end - stretch_start > MAX_STRETCH {
            tokens += bpe.encode_ordinary(&text[uncounted..stretch_start]).len();
            tokens += count_in_cuts(bpe, &text[stretch_start..end]);
            exact = false;
            uncounted = end;
        }
        stretch_start = end;
    }
    tokens += bpe.encode_ordinary(&text[uncounted..]).len();
    (tokens, exact)
}

/// Byte offsets where both BPEs' pre-split regexes always start a new piece, so the text on
/// either side counts the same alone as together: a whitespace character other than CR or LF
/// right after a non-whitespace one. (No piece pattern continues past a non-whitespace character
/// into such whitespace; CR and LF can end a punctuation piece. `bpe_split_points_are_exact` checks
/// this.)
fn boundaries(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut previous_is_space = true;
    text.char_indices().filter_map(move |(offset, c)| {
        let is_space = c.is_whitespace();
        let boundary = is_space && !previous_is_space && c != '\r' && c != '\n';
        previous_is_space = is_space;
        boundary.then_some(offset)
    })
}

/// Counts an over-long stretch in pieces of at most `MAX_STRETCH` bytes cut at char boundaries.
fn count_in_cuts(bpe: &CoreBPE, mut stretch: &str) -> usize {
    let mut tokens = 0;
    while !stretch.is_empty() {
        let mut cut = stretch.len().min(MAX_STRETCH);
        while !stretch.is_char_boundary(cut) {
            cut -= 1;
        }
        let (piece, rest) = stretch.split_at(cut);
        tokens += bpe.encode_ordinary(piece).len();
        stretch = rest;
    }
    tokens
}

#[cfg(test)]
mod tests {
    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(8192), "8,192");
        assert_eq!(super::thousands(1234567), "1,234,567");
        assert_eq!(super::dollars(0.00001), "< $0.0001");
        assert_eq!(super::dollars(0.0123), "$0.01");
        assert_eq!(super::dollars(0.0042), "$0.0042");
    }

    use super::*;
    use crate::models::ModelTable;
    use proptest::prelude::*;

    fn o200k() -> &'static CoreBPE {
        O200K.as_ref().expect("o200k builds")
    }

    fn cl100k() -> &'static CoreBPE {
        CL100K.as_ref().expect("cl100k builds")
    }

    #[test]
    fn known_strings_count_exactly() {
        for (text, o200k, cl100k) in [
            ("hello world", 2, 2),
            ("Hello, world!", 4, 4),
            ("The quick brown fox jumps over the lazy dog.", 10, 10),
            ("こんにちは、世界", 3, 5),
            ("    indented code", 4, 4),
        ] {
            assert_eq!(
                count(text, Tokenizer::O200k),
                TokenCount {
                    tokens: o200k,
                    tokenizer: Tokenizer::O200k,
                    estimated: false
                },
                "{text:?}"
            );
            assert_eq!(
                count(text, Tokenizer::Cl100k),
                TokenCount {
                    tokens: cl100k,
                    tokenizer: Tokenizer::Cl100k,
                    estimated: false
                },
                "{text:?}"
            );
        }
    }

    #[test]
    fn special_token_text_is_ordinary_text() {
        // Special tokens would be a single token each; as text they are several.
        for (tokenizer, two_specials) in [
            (Tokenizer::O200k, 12),
            (Tokenizer::Cl100k, 13),
            (Tokenizer::Estimate, 13),
        ] {
            assert_eq!(count("<|endoftext|>", tokenizer).tokens, 7);
            assert_eq!(
                count("<|endofprompt|><|fim_prefix|>", tokenizer).tokens,
                two_specials
            );
        }
    }

    #[test]
    fn empty_text_is_zero_tokens() {
        for tokenizer in [Tokenizer::O200k, Tokenizer::Cl100k, Tokenizer::Estimate] {
            assert_eq!(count("", tokenizer).tokens, 0);
        }
        assert!(!count("", Tokenizer::O200k).estimated);
    }

    #[test]
    fn estimate_is_cl100k_marked_estimated() {
        let text = "Summarise the following support ticket in two sentences.";
        let estimate = count(text, Tokenizer::Estimate);
        assert_eq!(estimate.tokens, count(text, Tokenizer::Cl100k).tokens);
        assert_eq!(estimate.tokenizer, Tokenizer::Estimate);
        assert!(estimate.estimated);
    }

    #[test]
    fn tokenizer_follows_the_model() {
        let table = ModelTable::embedded();
        let gpt4o = table.lookup("gpt-4o");
        let gpt4 = table.lookup("gpt-4");
        let claude = table.lookup("claude-sonnet-4-5");
        assert_eq!(tokenizer_for(gpt4o), Tokenizer::O200k);
        assert_eq!(tokenizer_for(gpt4), Tokenizer::Cl100k);
        assert_eq!(tokenizer_for(claude), Tokenizer::Estimate);
        assert_eq!(tokenizer_for(None), Tokenizer::O200k);

        assert!(!count_for_model("hello world", gpt4o).estimated);
        assert!(count_for_model("hello world", claude).estimated);
        let unknown = count_for_model("hello world", None);
        assert_eq!((unknown.tokens, unknown.tokenizer), (2, Tokenizer::O200k));
        assert!(unknown.estimated);
    }

    #[test]
    fn cost_uses_per_million_prices() {
        let gpt4o = ModelTable::embedded().lookup("gpt-4o").expect("in table");
        // 2.50 and 10.00 USD per million.
        let cost = cost_usd(1_000_000, 500_000, gpt4o);
        assert!((cost - 7.5).abs() < 1e-9, "{cost}");
        assert_eq!(cost_usd(0, 0, gpt4o), 0.0);
    }

    #[test]
    fn long_runs_are_cut_and_marked_estimated() {
        // Exact counting still works at this size, so the cut count can be compared with it.
        let spaces = " ".repeat(3 * MAX_STRETCH + 100) + "x";
        let exact = cl100k().encode_ordinary(&spaces).len();
        let counted = count(&spaces, Tokenizer::Cl100k);
        assert!(counted.estimated);
        assert!(
            counted.tokens.abs_diff(exact) <= 4,
            "{} vs {exact}",
            counted.tokens
        );

        let short = "word ".repeat(100);
        assert!(!count(&short, Tokenizer::O200k).estimated);
    }

    #[test]
    fn a_million_spaces_do_not_panic() {
        // tiktoken-rs panics on this whole (fancy-regex gives up on the run).
        let text = format!("a{}b", " \t".repeat(600_000));
        let counted = count(&text, Tokenizer::O200k);
        assert!(counted.estimated);
        assert!(counted.tokens > 0);
    }

    const PIECES: &[&str] = &[
        "a",
        "A",
        "word",
        "Word",
        "WORD",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        " \n",
        "'s",
        "'LL",
        "1",
        "12345",
        ".",
        "!",
        "?!",
        "/",
        "$",
        "字",
        "é",
        "\u{301}",
        "\u{a0}",
        "\u{3000}",
        "\u{2028}",
        "ǅ",
        "<|endoftext|>",
    ];

    proptest! {
        #[test]
        fn bpe_split_points_are_exact(
            parts in prop::collection::vec(prop::sample::select(PIECES), 0..40)
        ) {
            let text = parts.concat();
            for bpe in [o200k(), cl100k()] {
                let whole = bpe.encode_ordinary(&text).len();
                let mut start = 0;
                let mut pieces = 0;
                for end in boundaries(&text).chain([text.len()]) {
                    pieces += bpe.encode_ordinary(&text[start..end]).len();
                    start = end;
                }
                prop_assert_eq!(pieces, whole, "{:?}", text);
            }
        }
    }
}
