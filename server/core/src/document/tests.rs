use super::*;

#[test]
fn front_matter_metadata_spans_and_template_together() {
    let source = "---\nname: greet\ninput:\n  schema:\n    who: string\n---\n\nHello {{who}}!\n";
    let doc = Document::parse(source);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let meta = doc.metadata().expect("parsed front matter");
    assert_eq!(meta.name.as_deref(), Some("greet"));
    let spans = doc.front_matter.spans().expect("spans");
    assert_eq!(
        spans
            .get(&["input", "schema", "who"])
            .unwrap()
            .value
            .text(source),
        "string"
    );
    assert_eq!(doc.template_text(), "Hello {{who}}!");
    assert_eq!(doc.template.nodes.len(), 3);
}

#[test]
fn no_front_matter_keeps_the_whole_untrimmed_source() {
    let doc = Document::parse("\nHi {{x}}\n");
    assert!(matches!(doc.front_matter, FrontMatter::Absent));
    assert_eq!(doc.template_text(), "\nHi {{x}}\n");
}

#[test]
fn empty_front_matter_renders_the_fences_as_text() {
    let doc = Document::parse("---\n\n---\nbody");
    assert!(matches!(doc.front_matter, FrontMatter::Empty { .. }));
    assert_eq!(doc.template_text(), "---\n\n---\nbody");
}

#[test]
fn invalid_yaml_is_one_error_and_the_file_becomes_template_text() {
    let source = "---\nname: [unclosed\nmodel: x\n---\nHello {{name}}\n";
    let doc = Document::parse(source);
    assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
    assert_eq!(doc.errors[0].kind, DocumentErrorKind::FrontMatterSyntax);
    assert!(doc.errors[0].message.contains("not valid YAML"));
    assert!(matches!(doc.front_matter, FrontMatter::Invalid { .. }));
    assert_eq!(doc.template_text(), source.trim());
}

#[test]
fn a_non_mapping_front_matter_is_an_error() {
    let doc = Document::parse("---\n- a\n- b\n---\nx");
    assert_eq!(doc.errors[0].kind, DocumentErrorKind::FrontMatterSyntax);
    assert!(doc.errors[0].message.contains("mapping"));
}

#[test]
fn mistyped_fields_point_at_their_value() {
    let source = "---\nname: [a, b]\nmodel: ok\n---\nx";
    let doc = Document::parse(source);
    assert_eq!(doc.errors.len(), 1);
    assert_eq!(doc.errors[0].kind, DocumentErrorKind::FrontMatterField);
    assert_eq!(doc.errors[0].span.text(source), "[a, b]");
    assert_eq!(doc.metadata().unwrap().model.as_deref(), Some("ok"));
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let doc = Document::parse("\u{feff}---\nname: x\n---\nbody");
    assert_eq!(doc.metadata().unwrap().name.as_deref(), Some("x"));
}

#[test]
fn template_errors_are_document_errors() {
    let doc = Document::parse("---\nname: x\n---\n{{#if a}}open");
    assert_eq!(doc.errors.len(), 1);
    assert_eq!(
        doc.errors[0].kind,
        DocumentErrorKind::Template(TemplateErrorKind::UnclosedBlock)
    );
}

#[test]
fn bytes_that_are_not_text_are_refused_with_reasons() {
    assert!(matches!(
        Document::from_bytes(&vec![b'a'; MAX_SOURCE_BYTES + 1]),
        Err(LoadError::TooLarge { .. })
    ));
    assert_eq!(
        Document::from_bytes(b"ab\0cd").unwrap_err(),
        LoadError::Binary { offset: 2 }
    );
    assert_eq!(
        Document::from_bytes(b"ok\n\xff").unwrap_err(),
        LoadError::InvalidUtf8 { offset: 3, line: 2 }
    );
    assert!(Document::from_bytes(b"").is_ok());
}
