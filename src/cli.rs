//! The command line, as clap sees it. No logic here.

use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  git-credential-hf setup            configure git (global config) to use this helper for the Hub
  git clone https://huggingface.co/org/model
                                     git and git-lfs now get the huggingface_hub token
  git-credential-hf token            print the token huggingface_hub would use
  git-credential-hf setup --remove   undo `setup`

git runs `git-credential-hf get|store|erase` itself (see gitcredentials(7)).";

#[derive(Debug, Parser)]
#[command(
    name = "git-credential-hf",
    version,
    about = "git credential helper for the Hugging Face Hub: git and git-lfs get exactly the token huggingface_hub would use",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Total time-out of a request to the Hub, in seconds.
    #[arg(long, global = true, value_name = "SECS", env = "GIT_CREDENTIAL_HF_TIMEOUT",
          default_value = "5", value_parser = parse_timeout)]
    pub timeout: Duration,

    /// Explain on stderr what the helper decided and why.
    #[arg(short, long, global = true, env = "GIT_CREDENTIAL_HF_VERBOSE")]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// (run by git) Answer a credential request read from stdin.
    Get,
    /// (run by git) git reports that the credential worked.
    Store,
    /// (run by git) git reports that the Hub refused the credential (HTTP 401).
    Erase,
    /// Configure git to ask this helper for the Hub's URLs.
    Setup(SetupArgs),
    /// Print the token huggingface_hub would use (for scripts).
    Token,
    /// Operations git may add in the future are ignored, as the protocol asks.
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Write to the global config (~/.gitconfig or $XDG_CONFIG_HOME/git/config); the default.
    #[arg(long, group = "scope")]
    pub global: bool,
    /// Write to the system config.
    #[arg(long, group = "scope")]
    pub system: bool,
    /// Write to the current repository's config.
    #[arg(long, group = "scope")]
    pub local: bool,
    /// Write to this config file.
    #[arg(long, group = "scope", value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Remove exactly what `setup` wrote.
    #[arg(long)]
    pub remove: bool,
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= 300.0) {
        return Err("the time-out must be between 0 and 300 seconds".into());
    }
    Ok(Duration::from_secs_f64(secs))
}
