//! `logout [NAME]`: what `hf auth logout` does to the files. Without NAME the token file and
//! stored_tokens are removed; with NAME its section goes, and the token file too when it
//! held that token.

use super::{Ctx, Streams};
use crate::cli::LogoutArgs;
use crate::git::helper;
use crate::hf::resolve::environment_token;
use crate::hf::{stored_tokens, token_file};
use crate::python::path::PyPath;
use crate::token::Token;
use anyhow::{Context, bail};
use std::process::ExitCode;

pub fn run(ctx: &Ctx, args: &LogoutArgs, io: &mut Streams) -> anyhow::Result<ExitCode> {
    let err = &mut *io.err;
    let settings = &ctx.settings;
    let fs = ctx.io.fs;
    let stored = stored_tokens::read(&settings.stored_tokens_path, fs)
        .map(|p| p.tokens)
        .unwrap_or_default();
    if ctx.resolve(err)?.is_none() && stored.is_empty() {
        writeln!(err, "Not logged in!")?;
        return Ok(ExitCode::SUCCESS);
    }
    match &args.name {
        None => {
            token_file::remove(settings, fs)
                .with_context(|| format!("cannot remove {}", settings.token_path))?;
            remove(ctx, &settings.stored_tokens_path)?;
            writeln!(err, "Successfully logged out from all access tokens.")?;
        }
        Some(name) => {
            let path = &settings.stored_tokens_path;
            let mut tokens = stored_tokens::read_to_update(path, fs).map_err(anyhow::Error::msg)?;
            let Some(index) = tokens.iter().position(|t| t.name == *name) else {
                bail!(
                    "no token named `{name}` in {path}: `git-credential-hf list` shows the names"
                );
            };
            let gone = tokens.remove(index);
            stored_tokens::write(path, &tokens, fs)
                .with_context(|| format!("cannot write {path}"))?;
            // `fields.get("hf_token") == _get_token_from_file()`
            let active = token_file::read(settings, fs)?;
            if gone.field("hf_token") == active.as_ref().map(Token::expose) {
                writeln!(err, "Active token '{name}' has been deleted.")?;
                token_file::remove(settings, fs)
                    .with_context(|| format!("cannot remove {}", settings.token_path))?;
            }
            writeln!(err, "Successfully logged out from access token: {name}.")?;
        }
    }
    // `unset_git_credential()`: the copy `--add-to-git-credential` left in a storage helper.
    if let Err(e) = helper::reject(ctx.io.git, &ctx.settings.endpoint, "hf_user", &ctx.cwd) {
        ctx.note(err, format_args!("git credential reject: {e}"));
    }
    if let Some(env) = environment_token(ctx.env)? {
        bail!(
            "the token files are cleared but {} is still set, so you are still logged in: unset \
             HF_TOKEN and HUGGING_FACE_HUB_TOKEN to log out",
            env.source
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(ctx: &Ctx, path: &PyPath) -> anyhow::Result<()> {
    ctx.io
        .fs
        .remove(&path.file())
        .with_context(|| format!("cannot remove {path}"))
}
