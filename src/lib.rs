//! git-credential-hf: a git credential helper that answers the Hugging Face Hub with exactly
//! the token huggingface_hub would use.

pub mod cli;

mod cache;
mod commands;
mod env;
mod fsutil;
mod gitconfig;
mod hub;
mod origin;
mod protocol;
mod pypath;
mod report;
mod resolve;
mod secret;
mod settings;
mod verify;

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
    match &cli.command {
        Command::Get => commands::get::run(&ctx, &mut stdin, &mut stdout, &mut stderr)?,
        Command::Store => commands::store::run(&ctx, &mut stdin, &mut stderr)?,
        Command::Erase => commands::erase::run(&ctx, &mut stdin, &mut stderr)?,
        Command::Setup(args) => commands::setup::run(&ctx, args, &mut stdout)?,
        Command::Token => commands::token::run(&ctx, &mut stdout)?,
        Command::Other(_) => {}
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
