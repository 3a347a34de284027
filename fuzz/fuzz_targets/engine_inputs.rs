#![no_main]
//! What users hand the engine as text: test files (promptfoo's shape, with references), the
//! Mesh/LSP request bodies, `[provider]`/`[engine]` tables, and a prompt's variants and
//! rubric. Each must end in a value or an error that says why, never a panic.

use libfuzzer_sys::fuzz_target;
use promptopt_core::lint::LintOptions;
use promptopt_core::variants::{self, Strategy};
use promptopt_engine::evaluate::PromptEvalRequest;
use promptopt_engine::generate::PromptGenerationRequest;
use promptopt_engine::prompt::PromptInput;
use promptopt_engine::refine::RefineRequest;
use promptopt_engine::settings::{EngineSettings, RunOverrides};
use promptopt_engine::tests_file::TestFile;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let read = |_: &str| Ok::<_, String>(text.to_string());
    if let Ok(file) = TestFile::load(text, &read) {
        let _ = file.cases();
        let _ = file.fallback_provider();
    }
    if let Ok(request) = serde_json::from_str::<PromptEvalRequest>(text) {
        let _ = request.cases();
    }
    if let Ok(request) = serde_json::from_str::<PromptGenerationRequest>(text) {
        let _ = request.count();
        let _ = request.base();
    }
    let _ = serde_json::from_str::<RefineRequest>(text);
    let _ = EngineSettings::resolve(text, &RunOverrides::default(), &|_| None);
    let options = LintOptions::default();
    let prompt = PromptInput::standalone("fuzz.prompt", text, &options);
    let _ = prompt.assess();
    let _ = prompt.render_call(&serde_json::Map::new());
    for strategy in Strategy::ALL {
        let _ = variants::apply(strategy, text, &options);
    }
});
