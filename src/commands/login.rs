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
    let token = well_formed(&raw, &tokens_page)?;
    if let Some(name) = &args.name {
        if name.trim().is_empty() {
            bail!(
                "--name is empty: give the token a name, or leave --name out to use its name on the Hub"
            );
        }
        if !stored_tokens::name_is_storable(name) {
            bail!(
                "`{}` cannot be a name in stored_tokens (configparser would not read it back): choose another name with --name",
                name.escape_debug()
            );
        }
    }
    // Nothing is sent or written before every file it will write is known to take it.
    writable(ctx, args)?;
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
                "cannot check the token: {} did not answer ({why}): check the network (or HF_ENDPOINT), then try again",
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

/// One token, as pasted: refuses locally what the Hub would refuse anyway, with the fix.
fn well_formed(raw: &str, tokens_page: &str) -> anyhow::Result<Token> {
    if raw.trim().lines().count() > 1 {
        bail!("the input holds more than one line: give exactly one token");
    }
    let Some(token) = clean(raw) else {
        bail!("no token given: create one at {tokens_page} and paste it");
    };
    let text = token.expose();
    if let Some((name, _)) = text
        .trim_start_matches("export ")
        .split_once('=')
        .filter(|(name, _)| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        bail!("this is a shell line setting {name}, not a token: paste only what follows `=`");
    }
    if text.chars().any(char::is_whitespace) {
        bail!("the token holds a space: copy exactly the token (one word) from {tokens_page}");
    }
    if text.starts_with("api_org") {
        bail!(
            "this is an organization token, which cannot log in: use a personal access token from {tokens_page}"
        );
    }
    Ok(token)
}

/// Whether `login` can write what it will write: stored_tokens (readable and parseable, so
/// no token in it is lost) and, unless `--no-activate`, the token file (not a folder).
fn writable(ctx: &Ctx, args: &LoginArgs) -> anyhow::Result<()> {
    let settings = &ctx.settings;
    stored_tokens::read_to_update(&settings.stored_tokens_path, ctx.io.fs)
        .map_err(anyhow::Error::msg)?;
    let mut files = vec![&settings.stored_tokens_path];
    if !args.no_activate {
        files.push(&settings.token_path);
    }
    for path in files {
        if ctx.io.fs.is_dir(&path.file()) {
            bail!(
                "{path} is a folder, where huggingface_hub keeps a file: remove the folder {path}, then log in again"
            );
        }
    }
    Ok(())
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
