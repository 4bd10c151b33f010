//! `login`: what `hf auth login --token` does, without the token on the command line. The
//! token is checked with whoami, stored in stored_tokens under its name on the Hub
//! (`oauth-<user>` for an OAuth token), and made the active token (the token file).

use super::Ctx;
use crate::cli::LoginArgs;
use crate::resolve::{clean, environment_token};
use crate::secret::Token;
use crate::stored_tokens::{self, StoredToken};
use crate::verify::{self, Verdict};
use anyhow::{Context, bail};
use std::io::{BufRead, Write};

pub fn run(
    ctx: &Ctx,
    args: &LoginArgs,
    input: &mut dyn BufRead,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    let raw = if args.token_stdin {
        let mut text = String::new();
        input
            .read_to_string(&mut text)
            .context("cannot read the token from stdin")?;
        text
    } else {
        tty::ask("Enter your token (input will not be visible): ")?
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
    let info = match verify::fresh(ctx, &settings.endpoint, &token) {
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
        stored_tokens::write_secret(&settings.token_path, token.expose().as_bytes())
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
    Ok(())
}

/// `_save_token`: the section is replaced whole (a re-login drops refresh metadata).
fn save(ctx: &Ctx, name: &str, token: &Token) -> anyhow::Result<()> {
    let path = &ctx.settings.stored_tokens_path;
    let mut tokens = stored_tokens::read_to_update(path, ctx.sys).map_err(anyhow::Error::msg)?;
    tokens.retain(|t| t.name != name);
    tokens.push(StoredToken::new(name, token.clone(), None, None));
    stored_tokens::write(path, &tokens).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidInput => {
            anyhow::anyhow!("{e}: choose another name with --name")
        }
        _ => anyhow::anyhow!("cannot write {path}: {e}"),
    })
}

/// Asking for the token on the terminal with echo off, as Python's `getpass` does.
mod tty {
    use anyhow::{Context, bail};
    use std::fs::File;
    use std::io::{BufRead, BufReader, Write};

    pub fn ask(prompt: &str) -> anyhow::Result<String> {
        let Ok(mut tty) = File::options().read(true).write(true).open("/dev/tty") else {
            bail!("there is no terminal to ask for the token on: pipe it in with --token-stdin");
        };
        let _echo_off = EchoOff::new(&tty)?;
        tty.write_all(prompt.as_bytes())?;
        tty.flush()?;
        let mut line = String::new();
        BufReader::new(&tty)
            .read_line(&mut line)
            .context("cannot read the token from the terminal")?;
        // The Enter the user typed was not echoed.
        tty.write_all(b"\n")?;
        Ok(line)
    }

    /// The terminal's echo is off while this lives.
    struct EchoOff {
        fd: i32,
        saved: libc::termios,
    }

    impl EchoOff {
        fn new(tty: &File) -> anyhow::Result<EchoOff> {
            use std::os::fd::AsRawFd;
            let fd = tty.as_raw_fd();
            // SAFETY: `termios` is plain data filled by tcgetattr before it is used.
            let mut saved: libc::termios = unsafe { std::mem::zeroed() };
            // SAFETY: fd is an open terminal for the lifetime of `tty`, which outlives this.
            if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
                bail!("cannot turn the terminal's echo off: pipe the token in with --token-stdin");
            }
            let mut quiet = saved;
            quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
            // SAFETY: as above.
            if unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) } != 0 {
                bail!("cannot turn the terminal's echo off: pipe the token in with --token-stdin");
            }
            Ok(EchoOff { fd, saved })
        }
    }

    impl Drop for EchoOff {
        fn drop(&mut self) {
            // SAFETY: restores the attributes read in `new` on the same open terminal.
            unsafe { libc::tcsetattr(self.fd, libc::TCSAFLUSH, &self.saved) };
        }
    }
}
