//! The model path of refine: one call that reads the prompt, the reviewers' notes and the
//! failing cases, critiques what goes wrong, and rewrites the template body.

use promptopt_core::document::Document;

use super::RefineRequest;
use crate::client::{CallError, ModelClient};
use crate::drafts::with_body;
use crate::prompt::PromptInput;
use crate::provider::{ChatMessage, ChatRequest};

const SYSTEM: &str = "You are an expert prompt engineer. You are given a prompt template, \
reviewers' feedback and test cases it failed. Work out why it fails, then rewrite the template \
to fix it. Templates use Handlebars: keep every {{variable}}, block and {{role \"...\"}} marker \
working and invent no new variables. Reply with the rewritten template only: no front matter, \
no explanation, no code fences.";

/// Most failing cases shown to the model: enough to see a pattern, few enough to stay cheap.
const MAX_CASES: usize = 5;

/// The model's rewrite as a complete `.prompt` file (the original front matter kept).
pub(super) async fn rewrite(
    prompt: &PromptInput<'_>,
    request: &RefineRequest,
    model: &ModelClient,
) -> Result<String, CallError> {
    let document = Document::parse(prompt.source);
    let mut ask = format!(
        "<template>\n{}\n</template>\n",
        document.template_text().trim()
    );
    if !request.feedback.is_empty() {
        ask.push_str("\n<feedback>\n");
        for note in &request.feedback {
            ask.push_str(&format!("- {note}\n"));
        }
        ask.push_str("</feedback>\n");
    }
    for case in request.failing_cases.iter().take(MAX_CASES) {
        ask.push_str(&format!(
            "\n<failed_case name={:?}>\ninput: {}\noutput: {}\nwhy it failed: {}\n</failed_case>\n",
            case.name,
            serde_json::Value::Object(case.vars.clone()),
            case.output.chars().take(600).collect::<String>(),
            case.reason
        ));
    }
    let mut call = ChatRequest::new(
        "",
        vec![ChatMessage::system(SYSTEM), ChatMessage::user(ask)],
    );
    call.temperature = Some(0.2);
    call.max_tokens = 1024;
    let answered = model.chat(call, 0, None).await?;
    Ok(with_body(prompt.source, &answered.completion.text))
}
