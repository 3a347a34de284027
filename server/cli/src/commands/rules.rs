//! `promptopt rules`: the rule catalog, one rule's page, or the docs folder.

use std::path::PathBuf;

use clap::Args;
use promptopt_core::lint::rules;
use serde_json::json;

use crate::exit::{CliError, SUCCESS};
use crate::output::emit;
use promptopt_core::lint::docs;

#[derive(Args)]
pub struct RulesArgs {
    /// Print the catalog as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print one rule's documentation page.
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,
    /// Write one Markdown page per rule and an index into this folder.
    #[arg(long, value_name = "DIR")]
    pub write_docs: Option<PathBuf>,
}

pub fn run(args: &RulesArgs) -> Result<u8, CliError> {
    let catalog = rules::all();
    if let Some(id) = &args.explain {
        let rule = rules::find(id).ok_or_else(|| {
            let hint = promptopt_core::lint::text::did_you_mean(id, catalog.iter().map(|r| r.id))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            CliError::Usage(format!(
                "no rule `{id}`{hint} (`promptopt rules` lists them)"
            ))
        })?;
        emit(&docs::markdown(rule));
        return Ok(SUCCESS);
    }
    if let Some(dir) = &args.write_docs {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Usage(format!("cannot create {}: {e}", dir.display())))?;
        let write = |name: String, text: String| {
            let path = dir.join(name);
            std::fs::write(&path, text)
                .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))
        };
        for rule in catalog {
            write(format!("{}.md", rule.id), docs::markdown(rule))?;
        }
        write("README.md".into(), docs::index(catalog))?;
        emit(&format!(
            "wrote {} rule pages to {}\n",
            catalog.len(),
            dir.display()
        ));
        return Ok(SUCCESS);
    }
    if args.json {
        let list: Vec<_> = catalog
            .iter()
            .map(|rule| {
                json!({
                    "id": rule.id,
                    "category": rule.category.as_str(),
                    "severity": rule.severity.as_str(),
                    "enabledByDefault": rule.enabled_by_default,
                    "fixable": rule.fix != promptopt_core::lint::FixKind::None,
                    "fix": rule.fix,
                    "summary": rule.summary,
                    "helpUri": docs::help_uri(rule),
                })
            })
            .collect();
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        ));
        return Ok(SUCCESS);
    }
    let width = catalog.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in catalog {
        let severity = if rule.enabled_by_default {
            rule.severity.as_str()
        } else {
            "off"
        };
        let fix = if rule.fix == promptopt_core::lint::FixKind::None {
            " "
        } else {
            "✓"
        };
        out.push_str(&format!(
            "{:<width$}  {:<9}  {:<7}  {fix}  {}\n",
            rule.id,
            rule.category.as_str(),
            severity,
            rule.summary
        ));
    }
    out.push_str(&format!(
        "\n{} rules; ✓ = has a quick fix. `promptopt rules --explain ID` shows one.\n",
        catalog.len()
    ));
    emit(&out);
    Ok(SUCCESS)
}
