//! `login`: what `hf auth login --token` does, without the token on the command line. The
//! token is checked with whoami, stored in stored_tokens under its name on the Hub
//! (`oauth-<user>` for an OAuth token), and made the active token (the token file).

use super::{Ctx, Streams};
use crate::cli::LoginArgs;
use crate::hf::resolve::environment_token;
use crate::hf::stored_tokens::{self, StoredToken};
use crate::hf::token_file::{self, clean};
use crate::hub::verdict::Verdict;
use crate::token::Token;
use crate::ui::prompt;
use anyhow::{Context, bail};
use std::process::ExitCode;

pub fn run(ctx: &Ctx, args: &LoginArgs, io: &mut Streams) -> anyhow::Result<ExitCode> {
    let err = &mut *io.err;
    let raw = if args.token_stdin {
        let mut text = String::new();
        io.input
            .read_to_string(&mut text)
            .context("cannot read the token from stdin")?;
        text
    } else {
        prompt::ask("Enter your token (input will not be visible): ")?
    };
    let settings = &ctx.settings;
    let tokens_page = format!("{}/settings/tokens", settings.endpoint);
    if raw.trim().lines().count() > 1 {
        bail!("the input holds more than one line: give exactly one token");
    }
    let Some(token) = clean(&raw) else {
        bail!("no token given: create one at {tokens_page} and paste it");
    };
    if token.expose().starts_with("api_org") {
        bail!(
            "this is an organization token, which cannot log in: use a personal access token from {tokens_page}"
        );
    }
    let info = match ctx.checker().fresh(&settings.endpoint, &token) {
        Verdict::Valid(Some(info)) => info,
        Verdict::Invalid => bail!(
            "the Hub rejected this token (401): copy it again from {tokens_page} (is HF_ENDPOINT right?)"
        ),
        Verdict::Offline => {
            bail!("HF_HUB_OFFLINE is set, so the token cannot be checked: unset it to log in")
        }
        Verdict::Unknown(why) => {
            bail!(
                "cannot check the token with {}: {why}: try again",
                settings.endpoint
            )
        }
        Verdict::Valid(None) => bail!("the Hub's whoami answer names no user: try again"),
    };
    match info.role.as_deref() {
        Some(role) => writeln!(err, "Token is valid (permission: {role}).")?,
        None => writeln!(err, "Token is valid.")?,
    }
    let name = match (&args.name, info.token_name.as_deref()) {
        (Some(name), _) => name.clone(),
        (None, Some(display)) if !display.is_empty() => display.to_string(),
        _ => format!("oauth-{}", info.user),
    };

    save(ctx, &name, &token)?;
    writeln!(
        err,
        "The token `{name}` has been saved to {}",
        settings.stored_tokens_path
    )?;
    if !args.no_activate {
        token_file::write(settings, ctx.io.fs, &token)
            .with_context(|| format!("cannot write the token file {}", settings.token_path))?;
        writeln!(err, "Your token has been saved to {}", settings.token_path)?;
    }
    writeln!(err, "Login successful.")?;
    if let Some(env) = environment_token(ctx.env)? {
        writeln!(
            err,
            "Note: {} is set and is the token in use, whatever the token you just stored: unset it to use `{name}`.",
            env.source
        )?;
    } else if !args.no_activate {
        writeln!(err, "The current active token is: `{name}`")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `_save_token`: the section is replaced whole (a re-login drops refresh metadata).
fn save(ctx: &Ctx, name: &str, token: &Token) -> anyhow::Result<()> {
    let path = &ctx.settings.stored_tokens_path;
    let mut tokens = stored_tokens::read_to_update(path, ctx.io.fs).map_err(anyhow::Error::msg)?;
    tokens.retain(|t| t.name != name);
    tokens.push(StoredToken::new(name, token.clone(), None, None));
    stored_tokens::write(path, &tokens, ctx.io.fs).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidInput => {
            anyhow::anyhow!("{e}: choose another name with --name")
        }
        _ => anyhow::anyhow!("cannot write {path}: {e}"),
    })
}
