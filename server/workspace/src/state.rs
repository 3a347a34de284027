//! Where a project keeps its local state (the registry and the audit log), and who is acting.

use std::path::{Path, PathBuf};

/// The state folder's name at the project root.
pub const STATE_DIR: &str = ".promptopt";
/// Overrides the state folder for every command and the language server.
pub const STATE_DIR_ENV: &str = "PROMPTOPT_STATE_DIR";
/// Names the acting user for the audit trail.
pub const USER_ENV: &str = "PROMPTOPT_USER";

/// The state folder: `explicit` (a flag or setting), else `$PROMPTOPT_STATE_DIR`, else
/// `.promptopt/` at the project root. Relative paths are taken from `root`.
pub fn state_dir(
    root: &Path,
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> PathBuf {
    let chosen = explicit.map(Path::to_path_buf).or_else(|| {
        env(STATE_DIR_ENV)
            .filter(|dir| !dir.trim().is_empty())
            .map(PathBuf::from)
    });
    match chosen {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => root.join(dir),
        None => root.join(STATE_DIR),
    }
}

/// Who is acting, for the audit trail: `explicit`, else `$PROMPTOPT_USER`, else git's
/// `user.email` for the project, else the OS account.
pub fn whoami(explicit: Option<&str>, root: &Path, env: &dyn Fn(&str) -> Option<String>) -> String {
    let nonblank =
        |name: Option<String>| name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    nonblank(explicit.map(str::to_owned))
        .or_else(|| nonblank(env(USER_ENV)))
        .or_else(|| nonblank(git_email(root)))
        .or_else(|| nonblank(env("USER")))
        .or_else(|| nonblank(env("USERNAME")))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn git_email(root: &Path) -> Option<String> {
    let output = std::process::Command::new("git")
        .args(["config", "user.email"])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_dir_is_chosen_flag_then_env_then_root() {
        let root = Path::new("/work/project");
        let none = |_: &str| None;
        let env = |name: &str| (name == STATE_DIR_ENV).then(|| "/var/promptopt".to_owned());
        assert_eq!(state_dir(root, None, &none), root.join(".promptopt"));
        assert_eq!(state_dir(root, None, &env), PathBuf::from("/var/promptopt"));
        assert_eq!(
            state_dir(root, Some(Path::new("state")), &env),
            root.join("state")
        );
    }

    #[test]
    fn the_user_is_chosen_flag_then_env() {
        let root = Path::new("/");
        let env = |name: &str| (name == USER_ENV).then(|| " qa@example.com ".to_owned());
        assert_eq!(whoami(Some("ana"), root, &env), "ana");
        assert_eq!(whoami(Some("  "), root, &env), "qa@example.com");
    }
}
