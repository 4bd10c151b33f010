//! `switch NAME`: copy a stored token into the token file, as `hf auth switch` does.

use super::{Ctx, Streams, UsageError};
use crate::cli::SwitchArgs;
use crate::hf::resolve::environment_token;
use crate::hf::stored_tokens;
use crate::hf::token_file::{self, clean};
use anyhow::{Context, bail};
use std::process::ExitCode;

pub fn run(ctx: &Ctx, args: &SwitchArgs, io: &mut Streams) -> anyhow::Result<ExitCode> {
    let err = &mut *io.err;
    let settings = &ctx.settings;
    let tokens = stored_tokens::read_to_update(&settings.stored_tokens_path, ctx.io.fs)
        .map_err(anyhow::Error::msg)?;
    let names: Vec<&str> = tokens.iter().map(|t| t.name.as_str()).collect();
    let Some(name) = &args.name else {
        let known = match names.is_empty() {
            true => "there is none: log in with `git-credential-hf login` or `hf auth login`"
                .to_string(),
            false => format!("one of {}", names.join(", ")),
        };
        return Err(UsageError(format!("give the name of the token to switch to: {known}")).into());
    };
    // `_get_token_by_name`: the cleaned value; a section without one is not a token.
    let Some(token) = tokens
        .iter()
        .find(|t| t.name == *name)
        .and_then(|t| clean(t.token.expose()))
    else {
        bail!(
            "no token named `{name}` in {}: the names are {}",
            settings.stored_tokens_path,
            names.join(", ")
        );
    };
    token_file::write(settings, ctx.io.fs, &token)
        .with_context(|| format!("cannot write the token file {}", settings.token_path))?;
    writeln!(err, "The current active token is: {}", name)?;
    if let Some(env) = environment_token(ctx.env)?.filter(|e| e.token != token) {
        writeln!(
            err,
            "Warning: {} is set and overrides the token you just switched to: unset it to use `{}`.",
            env.source, name
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
