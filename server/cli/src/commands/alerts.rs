//! `promptopt alerts`: drift alerts raised by the quality monitors.

use clap::Args;
use promptopt_store::{PromptId, Repository};

use crate::commands::state::{Registry, StateArgs};
use crate::exit::{CliError, SUCCESS};
use crate::output::registry as print;

#[derive(Args, Debug)]
pub struct AlertsArgs {
    /// Only this prompt's alerts (its registry id).
    #[arg(long, value_name = "ID")]
    pub prompt: Option<String>,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub state: StateArgs,
}

pub fn run(args: &AlertsArgs) -> Result<u8, CliError> {
    let prompt = args
        .prompt
        .clone()
        .map(PromptId::new)
        .transpose()
        .map_err(|e| CliError::Usage(format!("--prompt: {e}")))?;
    let registry = Registry::open_existing(&args.state, None)?;
    let alerts = registry.run(registry.store.alerts(prompt));
    registry.close();
    let alerts = alerts?;
    if args.json {
        print::json(&alerts);
    } else if alerts.is_empty() {
        print::emit("no drift alerts\n");
    } else {
        for alert in &alerts {
            print::emit(&print::alert_line(alert));
        }
    }
    Ok(SUCCESS)
}
