//! `logout [NAME]`: what `hf auth logout` does to the files. Without NAME the token file and
//! stored_tokens are removed; with NAME its section goes, and the token file too when it
//! held that token.

use super::Ctx;
use crate::cli::LogoutArgs;
use crate::resolve::{environment_token, pathlib_path, read_token_file};
use crate::secret::Token;
use crate::stored_tokens;
use anyhow::{Context, bail};
use std::io::{ErrorKind, Write};

pub fn run(ctx: &Ctx, args: &LogoutArgs, err: &mut dyn Write) -> anyhow::Result<()> {
    let settings = &ctx.settings;
    let stored = stored_tokens::read(&settings.stored_tokens_path, ctx.sys)
        .map(|p| p.tokens)
        .unwrap_or_default();
    if ctx.resolve()?.is_none() && stored.is_empty() {
        writeln!(err, "Not logged in!")?;
        return Ok(());
    }
    match &args.name {
        None => {
            for path in [&settings.token_path, &settings.stored_tokens_path] {
                remove(path)?;
            }
            writeln!(err, "Successfully logged out from all access tokens.")?;
        }
        Some(name) => {
            let path = &settings.stored_tokens_path;
            let mut tokens =
                stored_tokens::read_to_update(path, ctx.sys).map_err(anyhow::Error::msg)?;
            let Some(index) = tokens.iter().position(|t| t.name == *name) else {
                bail!(
                    "no token named `{name}` in {path}: `git-credential-hf list` shows the names"
                );
            };
            let gone = tokens.remove(index);
            stored_tokens::write(path, &tokens).with_context(|| format!("cannot write {path}"))?;
            // `fields.get("hf_token") == _get_token_from_file()`
            let active = read_token_file(settings, ctx.sys)?;
            if gone.field("hf_token") == active.as_ref().map(Token::expose) {
                writeln!(err, "Active token '{name}' has been deleted.")?;
                remove(&settings.token_path)?;
            }
            writeln!(err, "Successfully logged out from access token: {name}.")?;
        }
    }
    if let Some(env) = environment_token(ctx.env)? {
        bail!(
            "the token files are cleared but {} is still set, so you are still logged in: unset \
             HF_TOKEN and HUGGING_FACE_HUB_TOKEN to log out",
            env.source
        );
    }
    Ok(())
}

fn remove(path: &str) -> anyhow::Result<()> {
    match std::fs::remove_file(pathlib_path(path)) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            Err(e).context(format!("cannot remove {path}"))
        }
        _ => Ok(()),
    }
}
