//! The `promptopt` binary, run as users run it: on the examples and on bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches fail loudly

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use support::Scratch;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn promptopt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promptopt"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn temp_dir(name: &str) -> Scratch {
    Scratch::new(&format!("cli-{name}"))
}

#[test]
fn renders_every_example_with_its_data() {
    for name in ["customer-support", "summarize", "release-notes"] {
        let file = format!("examples/{name}.prompt");
        let data = format!("@examples/data/{name}.json");
        let output = promptopt(&["render", &file, "--data", &data]);
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let rendered: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
        assert_eq!(rendered["name"], name);
        let messages = rendered["messages"].as_array().expect("messages");
        assert_eq!(messages[0]["role"], "system", "{name}");
        assert!(messages.len() >= 2, "{name}: {messages:?}");
    }
}

#[test]
fn partials_come_from_beside_the_prompt() {
    let output = promptopt(&[
        "render",
        "examples/release-notes.prompt",
        "--data",
        "@examples/data/release-notes.json",
    ]);
    let rendered: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let system = rendered["messages"][0]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(system.contains("Write in a upbeat tone."), "{system}");
    let user = rendered["messages"][1]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(user.contains("— Ada, PromptOpt support"), "{user}");
}

#[test]
fn partials_dir_options_and_named_schemas() {
    let dir = temp_dir("flags");
    std::fs::create_dir_all(dir.join("parts")).unwrap();
    std::fs::write(dir.join("parts/_greet.prompt"), "Hi {{name}}").unwrap();
    std::fs::write(
        dir.join("p.prompt"),
        "---\noutput:\n  schema:\n    who: Person\n---\n{{> greet}}!",
    )
    .unwrap();
    let p = dir.join("p.prompt");
    let parts = dir.join("parts");
    let output = promptopt(&[
        "render",
        p.to_str().unwrap(),
        "--partials-dir",
        parts.to_str().unwrap(),
        "--options",
        r#"{"input": {"default": {"name": "Ada"}}}"#,
        "--schemas",
        r#"{"Person": {"type": "string"}}"#,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rendered: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rendered["messages"][0]["content"][0]["text"], "Hi Ada!");
    assert_eq!(
        rendered["output"]["schema"]["properties"]["who"],
        json!({"type": "string"})
    );

    // The same name from a schemas/ folder beside the prompt.
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::write(dir.join("schemas/Person.yaml"), "type: object\n").unwrap();
    let output = promptopt(&[
        "render",
        p.to_str().unwrap(),
        "--partials-dir",
        parts.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rendered: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        rendered["output"]["schema"]["properties"]["who"],
        json!({"type": "object"})
    );
}

#[test]
fn exit_codes_and_one_line_messages() {
    let missing = promptopt(&["render", "examples/does-not-exist.prompt"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("check the path"),
        "{}",
        stderr(&missing)
    );
    assert_eq!(stderr(&missing).lines().count(), 1);

    let bad_json = promptopt(&["render", "examples/summarize.prompt", "--data", "{nope"]);
    assert_eq!(bad_json.status.code(), Some(2));
    assert!(stderr(&bad_json).contains("--data is not valid JSON"));

    let usage = promptopt(&["render"]);
    assert_eq!(usage.status.code(), Some(2));

    let version = promptopt(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("promptopt "));
}

#[test]
fn bad_files_get_clear_errors_not_panics() {
    let dir = temp_dir("bad");
    let cases: [(&str, Vec<u8>, i32, &str); 6] = [
        (
            "binary.prompt",
            vec![0x7f, b'E', b'L', b'F', 0, 1, 2],
            2,
            "binary",
        ),
        (
            "latin1.prompt",
            b"caf\xe9 {{x}}".to_vec(),
            2,
            "not valid UTF-8",
        ),
        ("empty.prompt", Vec::new(), 0, ""),
        (
            "unterminated.prompt",
            b"---\nname: x\nHello {{x}}\n".to_vec(),
            0,
            "",
        ),
        (
            "deep.prompt",
            format!(
                "{}x{}",
                "{{#if a}}".repeat(10_000),
                "{{/if}}".repeat(10_000)
            )
            .into_bytes(),
            1,
            "nested more than",
        ),
        ("huge.prompt", vec![b'a'; 50 * 1024 * 1024], 2, "limit"),
    ];
    for (name, bytes, code, needle) in cases {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let output = promptopt(&["render", path.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{name}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(needle),
            "{name}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"), "{name}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn broken_front_matter_renders_as_text_with_a_warning() {
    let dir = temp_dir("yaml");
    let path = dir.join("broken.prompt");
    std::fs::write(&path, "---\nname: [oops\n---\nHello").unwrap();
    let output = promptopt(&["render", path.to_str().unwrap()]);
    assert!(output.status.success());
    assert!(
        stderr(&output).starts_with("warning: "),
        "{}",
        stderr(&output)
    );
    let rendered: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        rendered["messages"][0]["content"][0]["text"],
        "---\nname: [oops\n---\nHello"
    );
}
