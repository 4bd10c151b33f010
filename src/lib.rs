//! git-credential-hf: a git credential helper that answers the Hugging Face Hub with exactly
//! the token huggingface_hub would use.

pub mod cli;

mod cache;
mod commands;
mod env;
mod fsutil;
mod gitconfig;
mod gitcreds;
mod hub;
mod inventory;
mod keychain;
mod netrc;
mod oauth;
mod oidc;
mod options;
mod origin;
mod problems;
mod protocol;
mod pypath;
mod redact;
mod repo;
mod report;
mod resolve;
mod secret;
mod settings;
mod stored_tokens;
mod timefmt;
mod verify;

pub use commands::UsageError;
pub use redact::redact;

use cli::{Cli, Command};
use commands::Ctx;
use std::io::Write;
use std::process::ExitCode;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let env = env::Env::from_process();
    let sys = env::RealSystem;
    let ctx = Ctx::new(&env, &sys, &cli.global)?;
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    // Settings that were not understood, before anything else is said.
    ctx.print_warnings(&mut stderr)?;
    // Commands whose exit code says how things are.
    let verdict = match &cli.command {
        Command::Status(args) => {
            let color = std::io::IsTerminal::is_terminal(&stdout)
                && env.get_os("NO_COLOR").is_none_or(|v| v.is_empty());
            Some(commands::status::run(&ctx, args, &mut stdout, color)?)
        }
        Command::Check(args) => Some(commands::check::run(&ctx, args, &mut stdout)?),
        _ => None,
    };
    if let Some(code) = verdict {
        stdout.flush()?;
        return Ok(code);
    }
    match &cli.command {
        Command::Get => commands::get::run(&ctx, &mut stdin, &mut stdout, &mut stderr)?,
        Command::Store => commands::store::run(&ctx, &mut stdin, &mut stderr)?,
        Command::Erase => commands::erase::run(&ctx, &mut stdin, &mut stderr)?,
        Command::Setup(args) => commands::setup::run(&ctx, args, &mut stdout)?,
        Command::Token => commands::token::run(&ctx, &mut stdout, &mut stderr)?,
        Command::Login(args) => commands::login::run(&ctx, args, &mut stdin, &mut stderr)?,
        Command::Logout(args) => commands::logout::run(&ctx, args, &mut stderr)?,
        Command::Switch(args) => commands::switch::run(&ctx, args, &mut stderr)?,
        Command::List => commands::list::run(&ctx, &mut stdout, &mut stderr)?,
        Command::Completions { shell } => commands::completions::run(*shell, &mut stdout)?,
        Command::Status(_) | Command::Check(_) | Command::Other(_) => {}
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// What the fuzz targets (fuzz/) and the property tests drive directly. Not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::origin::Origin;
    pub use crate::protocol::{ProtocolError, Request, read_request, write_fields};

    /// The origin `get` would answer `req` for with the environment `env`, through the same
    /// `Ctx::target` the commands use.
    pub fn answered_origin(env: &[(&str, &str)], req: &Request) -> Option<Origin> {
        let env = crate::env::Env::from_pairs(env.iter().copied());
        let global = crate::cli::GlobalArgs {
            timeout: Some(std::time::Duration::from_secs(1)),
            ..Default::default()
        };
        let ctx = crate::commands::Ctx::new(&env, &crate::env::RealSystem, &global).ok()?;
        ctx.target(req, &mut std::io::sink()).map(|t| t.origin)
    }

    /// The request's fields as `key=value` pairs, in the reader's vocabulary.
    pub fn fields(req: &Request) -> Vec<(&'static str, &str)> {
        let single = [
            ("protocol", &req.protocol),
            ("host", &req.host),
            ("url", &req.url),
            ("username", &req.username),
            ("password", &req.password),
            ("authtype", &req.authtype),
            ("credential", &req.credential),
        ];
        let single = single
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_deref()?)));
        let caps = req
            .capabilities
            .iter()
            .map(|c| ("capability[]", c.as_str()));
        single.chain(caps).collect()
    }
}
