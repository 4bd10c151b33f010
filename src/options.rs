//! The global options: the command line first, else their `GIT_CREDENTIAL_HF_*` variable.
//! git runs the helper itself, so a bad value in the environment must never stop `get`: it
//! is a one-line warning and the default is used.

use crate::cli::{AuthType, GlobalArgs, parse_timeout};
use crate::env::{
    Env, GIT_CREDENTIAL_HF_AUTH_TYPE, GIT_CREDENTIAL_HF_TIMEOUT, GIT_CREDENTIAL_HF_VERBOSE, Var,
};
use crate::redact::redact;
use std::time::Duration;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    pub timeout: Duration,
    pub verbose: bool,
    pub auth_type: AuthType,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: DEFAULT_TIMEOUT,
            verbose: false,
            auth_type: AuthType::Auto,
        }
    }
}

impl Options {
    /// The options, and a warning for each variable whose value was not understood.
    pub fn resolve(global: &GlobalArgs, env: &Env) -> (Options, Vec<String>) {
        let mut warnings = Vec::new();
        let w = &mut warnings;
        let timeout = match global.timeout {
            Some(t) => Some(t),
            None => lenient(env, GIT_CREDENTIAL_HF_TIMEOUT, parse_timeout, w),
        };
        let verbose =
            global.verbose || lenient(env, GIT_CREDENTIAL_HF_VERBOSE, parse_bool, w) == Some(true);
        let auth_type = match global.auth_type {
            Some(a) => Some(a),
            None => lenient(env, GIT_CREDENTIAL_HF_AUTH_TYPE, parse_auth_type, w),
        };
        let options = Options {
            timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
            verbose,
            auth_type: auth_type.unwrap_or(AuthType::Auto),
        };
        (options, warnings)
    }
}

/// The value of `var`, when it is set and understood; a warning when it is not.
fn lenient<T>(
    env: &Env,
    var: Var,
    parse: impl Fn(&str) -> Result<T, String>,
    warnings: &mut Vec<String>,
) -> Option<T> {
    let value = env.get_os(var)?.to_string_lossy().into_owned();
    parse(&value)
        .map_err(|why| {
            let shown = redact(&value);
            warnings.push(format!("{}=`{shown}` is ignored: {why}", var.name));
        })
        .ok()
}

/// huggingface_hub's `_is_true` / `_is_false` vocabulary; unset and empty are false.
fn parse_bool(v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("give 1, true, yes or on (or 0, false, no, off)".into()),
    }
}

fn parse_auth_type(v: &str) -> Result<AuthType, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(AuthType::Auto),
        "basic" => Ok(AuthType::Basic),
        "bearer" => Ok(AuthType::Bearer),
        _ => Err("give auto, basic or bearer".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(pairs: &[(&str, &str)], global: GlobalArgs) -> (Options, Vec<String>) {
        Options::resolve(&global, &Env::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn the_command_line_wins_then_the_environment_then_the_default() {
        let (o, w) = resolve(&[], GlobalArgs::default());
        assert_eq!(
            (o.timeout, o.verbose, o.auth_type),
            (DEFAULT_TIMEOUT, false, AuthType::Auto)
        );
        assert!(w.is_empty());
        let env = [
            ("GIT_CREDENTIAL_HF_TIMEOUT", "2.5"),
            ("GIT_CREDENTIAL_HF_VERBOSE", "YES"),
            ("GIT_CREDENTIAL_HF_AUTH_TYPE", "Bearer"),
        ];
        let (o, _) = resolve(&env, GlobalArgs::default());
        assert_eq!(o.timeout, Duration::from_millis(2500));
        assert!(o.verbose);
        assert_eq!(o.auth_type, AuthType::Bearer);
        let given = GlobalArgs {
            timeout: Some(Duration::from_secs(1)),
            verbose: false,
            auth_type: Some(AuthType::Basic),
        };
        let (o, _) = resolve(&env, given);
        assert_eq!(
            (o.timeout, o.auth_type),
            (Duration::from_secs(1), AuthType::Basic)
        );
    }

    #[test]
    fn bad_values_warn_once_each_and_fall_back() {
        let env = [
            ("GIT_CREDENTIAL_HF_TIMEOUT", "0"),
            ("GIT_CREDENTIAL_HF_VERBOSE", "maybe"),
            ("GIT_CREDENTIAL_HF_AUTH_TYPE", "hf_not-a-real-token-wxyz"),
        ];
        let (o, w) = resolve(&env, GlobalArgs::default());
        assert_eq!(o, resolve(&[], GlobalArgs::default()).0);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(
            w[2].contains("hf_****wxyz") && !w[2].contains("real-token"),
            "{w:?}"
        );
        for value in ["", "0", "off", "No"] {
            let (o, w) = resolve(
                &[("GIT_CREDENTIAL_HF_VERBOSE", value)],
                GlobalArgs::default(),
            );
            assert!(!o.verbose && w.is_empty(), "{value:?}");
        }
    }
}
