//! `token`: print the token huggingface_hub would use, for scripts. No network unless the
//! token needs a refresh or an exchange, as in Python.

use super::{Ctx, Streams};
use crate::diagnose::report;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, _: &(), io: &mut Streams) -> anyhow::Result<ExitCode> {
    let found = ctx
        .resolve(io.err)?
        .ok_or_else(|| anyhow::anyhow!(report::no_token(&ctx.settings)))?;
    writeln!(io.out, "{}", found.token.expose())?;
    Ok(ExitCode::SUCCESS)
}
