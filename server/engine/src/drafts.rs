//! Turning a model's reply into a `.prompt` file: the reply is a template body; the file keeps
//! the original front matter (model, schemas, config), since the model was asked to rewrite
//! the text only.

/// The reply without the code fences models add despite being asked not to.
pub(crate) fn strip_fences(text: &str) -> &str {
    let trimmed = text.trim();
    let Some(inner) = trimmed.strip_prefix("```") else {
        return trimmed;
    };
    let inner = inner.split_once('\n').map_or("", |(_, rest)| rest);
    inner.trim_end().strip_suffix("```").unwrap_or(inner).trim()
}

/// `original`'s front matter (with its fences, verbatim; empty when it has none).
pub(crate) fn front_matter(original: &str) -> &str {
    front_matter_end(original).map_or("", |end| &original[..end])
}

/// The byte offset just past the line `---` that closes the front matter.
pub(crate) fn front_matter_end(source: &str) -> Option<usize> {
    let first = source.split_inclusive('\n').next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let mut offset = first.len();
    for line in source[offset..].split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "---" {
            return Some(offset);
        }
    }
    None
}

/// A complete file: `original`'s front matter and the model's body.
pub(crate) fn with_body(original: &str, reply: &str) -> String {
    format!("{}{}\n", front_matter(original), strip_fences(reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_becomes_a_file_with_the_original_front_matter() {
        assert_eq!(
            strip_fences("```handlebars\nHi {{name}}\n```"),
            "Hi {{name}}"
        );
        assert_eq!(strip_fences("  plain  "), "plain");
        assert_eq!(
            front_matter("---\nmodel: x\n---\nbody"),
            "---\nmodel: x\n---\n"
        );
        assert_eq!(front_matter("no front matter"), "");
        assert_eq!(
            front_matter("---\r\nname: a\r\n---\r\nbody"),
            "---\r\nname: a\r\n---\r\n"
        );
        assert_eq!(front_matter("---\nunclosed: yes\n"), "");
        assert_eq!(
            with_body("---\nname: a\n---\nold {{x}}\n", "```\nnew {{x}}\n```"),
            "---\nname: a\n---\nnew {{x}}\n"
        );
    }
}
