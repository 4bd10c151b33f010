//! `token`: print the token huggingface_hub would use, for scripts. No network.

use super::Ctx;
use crate::report;
use std::io::Write;

pub fn run(ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<()> {
    let found = ctx
        .resolve()?
        .ok_or_else(|| anyhow::anyhow!(report::no_token(&ctx.settings)))?;
    ctx.print_warnings(err)?;
    writeln!(out, "{}", found.token.expose())?;
    Ok(())
}
