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

// `--help` and the man page's DESCRIPTION.
const LONG_ABOUT: &str = "\
git credential helper for the Hugging Face Hub: git and git-lfs get exactly the token huggingface_hub would use.

When git or git-lfs needs a password for https://huggingface.co, https://hf.co or the HF_ENDPOINT
origin, and for no other host, the helper answers with the token huggingface_hub would use: the
same sources in the same order, read again at every request, so `hf auth login`, `hf auth switch`
or a new HF_TOKEN take effect at once, with no copy of the token left in a git credential store.

A token the Hub rejected is not sent; the Hub's verdict is cached, so most requests cost no
network at all.

Run `git-credential-hf setup` once; git then runs `git-credential-hf get|store|erase` itself.";

#[derive(Debug, Parser)]
#[command(
    name = "git-credential-hf",
    version,
    about = "git credential helper for the Hugging Face Hub: git and git-lfs get exactly the token huggingface_hub would use",
    long_about = LONG_ABOUT,
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The global options as given on the command line. Each also has a `GIT_CREDENTIAL_HF_*`
/// variable, read leniently by the command context (a bad value there is a warning, never a
/// failed `get`), so none is declared to clap as `env`.
#[derive(Debug, Default, Args)]
pub struct GlobalArgs {
    /// Total time-out of a request to the Hub, in seconds [default: 5]
    /// [env: GIT_CREDENTIAL_HF_TIMEOUT].
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_timeout, help_heading = GLOBAL)]
    pub timeout: Option<Duration>,

    /// Explain on stderr what the helper decided and why [env: GIT_CREDENTIAL_HF_VERBOSE=1].
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub verbose: bool,

    /// How `get` hands the token to git when git can take a Bearer credential (git >= 2.46):
    /// `auto` sends OAuth tokens as Bearer and access tokens as a password [default: auto]
    /// [env: GIT_CREDENTIAL_HF_AUTH_TYPE].
    #[arg(long, global = true, value_name = "MODE", help_heading = GLOBAL)]
    pub auth_type: Option<AuthType>,
}

/// Where `--help` lists the options every command takes, after the command's own.
const GLOBAL: &str = "Global options";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthType {
    Auto,
    Basic,
    Bearer,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// (run by git) Answer a credential request read from stdin.
    Get,
    /// (run by git) git reports that the credential worked.
    Store,
    /// (run by git) git reports that the Hub refused the credential (HTTP 401).
    Erase,
    /// (run by git) The protocol features this helper speaks (git >= 2.46).
    Capability,
    /// Configure git to ask this helper for the Hub's URLs; --timeout and --auth-type given
    /// here are written into the entry.
    Setup(SetupArgs),
    /// Print the token huggingface_hub would use (for scripts).
    Token,
    /// Show every place a token can hide, which one huggingface_hub and git use, and fixes.
    Status(StatusArgs),
    /// Explain, before git does, whether the token may clone (or push to) a repository.
    Check(CheckArgs),
    /// Print a completion script for SHELL on stdout.
    #[command(
        long_about = "Print a completion script for SHELL on stdout. install/install.sh installs the bash, zsh and fish ones; by hand: `git-credential-hf completions bash > ~/.local/share/bash-completion/completions/git-credential-hf`."
    )]
    Completions {
        /// The shell the script is for.
        shell: clap_complete::Shell,
    },
    /// Log in with an access token, as `hf auth login --token` does (same files).
    Login(LoginArgs),
    /// Remove one stored token (or, without NAME, the token file and every stored token).
    Logout(LogoutArgs),
    /// Make another stored token the active one (`hf auth switch`).
    Switch(SwitchArgs),
    /// List the stored tokens, the active one starred (`hf auth list`).
    List(ListArgs),
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
    /// Remove every entry that runs this helper, whatever its URL and form.
    #[arg(long)]
    pub remove: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RepoType {
    Model,
    Dataset,
    Space,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The repository: org/name, datasets/org/name, a Hub URL, or `.` for the current clone.
    pub repo: String,
    /// Check push access instead of read access.
    #[arg(long)]
    pub write: bool,
    /// The repository type when REPO does not say it.
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<RepoType>,
    /// One JSON object: repo, type, access, granted, code, message, fix, token.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// One JSON object instead of the human screen (its fields: JSON OUTPUT in the man page).
    #[arg(long)]
    pub json: bool,
    /// Do not ask the Hub whether the tokens are valid.
    #[arg(long, conflicts_with = "repo")]
    pub offline: bool,
    /// Also tell whether the token may clone this repository (as `check REPO`).
    #[arg(long, value_name = "REPO")]
    pub repo: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Read the token from stdin instead of asking for it on the terminal (a token is never
    /// taken from the command line, where `ps` shows it).
    #[arg(long)]
    pub token_stdin: bool,
    /// Store the token under NAME instead of its name on the Hub.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Only store the token; leave the active token as it is.
    #[arg(long)]
    pub no_activate: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The stored token to remove.
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the names, one a line (what shell completion offers for `switch` and `logout`).
    #[arg(long, hide = true)]
    pub names: bool,
}

#[derive(Debug, Args)]
pub struct SwitchArgs {
    /// The stored token to make active (without it: the names there are).
    pub name: Option<String>,
}

impl Cli {
    /// `Cli::try_parse()`, except for the bare `get`, `store` or `erase` git runs, which skip
    /// building clap's command tree (a quarter of a warm `get`).
    pub fn parse_args() -> Result<Cli, clap::Error> {
        let args: Vec<OsString> = std::env::args_os().skip(1).collect();
        match Cli::git_operation(&args) {
            Some(cli) => Ok(cli),
            None => Cli::try_parse(),
        }
    }

    fn git_operation(args: &[OsString]) -> Option<Cli> {
        let command = match args {
            [op] => match op.to_str() {
                Some("get") => Command::Get,
                Some("store") => Command::Store,
                Some("erase") => Command::Erase,
                Some("capability") => Command::Capability,
                _ => return None,
            },
            _ => return None,
        };
        Some(Cli {
            global: GlobalArgs::default(),
            command,
        })
    }
}

/// `--timeout`: seconds, above 0 and at most 300.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let accepted = "give a number of seconds above 0 and at most 300, such as 5 or 0.5";
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds: {accepted}"))?;
    if !(secs > 0.0 && secs <= 300.0) {
        return Err(format!("{s} seconds is out of range: {accepted}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_git_fast_path_parses_as_clap_does() {
        for op in ["get", "store", "erase", "capability"] {
            let fast = Cli::git_operation(&[op.into()]).unwrap();
            let clap = Cli::try_parse_from(["git-credential-hf", op]).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{clap:?}"));
        }
        assert!(Cli::git_operation(&["--verbose".into(), "get".into()]).is_none());
        assert!(Cli::git_operation(&["status".into()]).is_none());
    }
}
