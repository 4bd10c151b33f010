//! `switch NAME`: copy a stored token into the token file, as `hf auth switch` does.

use super::Ctx;
use crate::cli::SwitchArgs;
use crate::resolve::{clean, environment_token};
use crate::stored_tokens;
use anyhow::{Context, bail};
use std::io::Write;

pub fn run(ctx: &Ctx, args: &SwitchArgs, err: &mut dyn Write) -> anyhow::Result<()> {
    let settings = &ctx.settings;
    let tokens = stored_tokens::read_to_update(&settings.stored_tokens_path, ctx.sys)
        .map_err(anyhow::Error::msg)?;
    // `_get_token_by_name`: the cleaned value; a section without one is not a token.
    let Some(token) = tokens
        .iter()
        .find(|t| t.name == args.name)
        .and_then(|t| clean(t.token.expose()))
    else {
        bail!(
            "no token named `{}` in {}: `git-credential-hf list` shows the names",
            args.name,
            settings.stored_tokens_path
        );
    };
    stored_tokens::write_secret(&settings.token_path, token.expose().as_bytes())
        .with_context(|| format!("cannot write the token file {}", settings.token_path))?;
    writeln!(err, "The current active token is: {}", args.name)?;
    if let Some(env) = environment_token(ctx.env)?.filter(|e| e.token != token) {
        writeln!(
            err,
            "Warning: {} is set and overrides the token you just switched to: unset it to use `{}`.",
            env.source, args.name
        )?;
    }
    Ok(())
}
