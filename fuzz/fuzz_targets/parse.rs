#![no_main]
//! Any bytes: loading, parsing, picoschema and rendering must end in a value or an error.

use libfuzzer_sys::fuzz_target;
use promptopt_core::document::Document;
use promptopt_core::render::{DataArgument, RenderEnv, render};
use promptopt_core::schema::NoSchemas;

fuzz_target!(|bytes: &[u8]| {
    let Ok(document) = Document::from_bytes(bytes) else { return };
    let env = RenderEnv { partials: &|_: &str| Some("{{x}}".to_string()), schemas: &NoSchemas };
    let _ = render(&document, &DataArgument::default(), &serde_json::Map::new(), &env);
});
