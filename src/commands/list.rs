//! `list`: the stored tokens as `hf auth list` prints them (same table, same notes), the
//! token in use starred. Tokens are masked (`hf_****wxyz`).

use super::{Ctx, Streams};
use crate::cli::ListArgs;
use crate::hf::resolve::environment_token;
use crate::hf::stored_tokens::{self, StoredToken};
use crate::python::text::parse_int;
use crate::time::local_date;
use crate::ui::table::tabulate;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn run(ctx: &Ctx, args: &ListArgs, io: &mut Streams) -> anyhow::Result<ExitCode> {
    let (out, err) = (&mut *io.out, &mut *io.err);
    if args.names {
        // For shell completion: quick, quiet, and nothing that could refresh a token.
        let stored = stored_tokens::read(&ctx.settings.stored_tokens_path, ctx.io.fs);
        for t in stored.map(|p| p.tokens).unwrap_or_default() {
            writeln!(out, "{}", t.name)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Resolve first: it may refresh an OAuth token and rewrite the stored tokens.
    let current = ctx.resolve(err)?.map(|r| r.token);
    // Python sees no tokens in a file it cannot read or parse; saying "none" would hide them.
    let stored = stored_tokens::read_to_update(&ctx.settings.stored_tokens_path, ctx.io.fs)
        .map_err(anyhow::Error::msg)?;
    let env_token = environment_token(ctx.env)?;
    if stored.is_empty() {
        match env_token {
            Some(env) => writeln!(
                err,
                "No stored access tokens found.\nNote: {} is set and is the current active token.",
                env.source
            )?,
            None => writeln!(err, "No access tokens found.")?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let show_expires = stored.iter().any(|t| t.field("expires_at").is_some());
    let mut headers = vec![" ", "name", "token"];
    if show_expires {
        headers.push("expires");
    }
    let mut any_current = false;
    let rows: Vec<Vec<String>> = stored
        .iter()
        .map(|t| {
            let is_current = t.field("hf_token").is_some() && current.as_ref() == Some(&t.token);
            any_current |= is_current;
            let mut row = vec![
                if is_current { "*" } else { "" }.to_string(),
                t.name.clone(),
                masked(t),
            ];
            if show_expires {
                row.push(expiration(t.field("expires_at")));
            }
            row
        })
        .collect();
    writeln!(out, "{}", tabulate(&headers, &rows))?;
    if let Some(env) = env_token {
        writeln!(
            err,
            "\nNote: {} is set and is the current active token independently from the stored tokens listed above.",
            env.source
        )?;
    } else if !any_current {
        writeln!(
            err,
            "\nNote: No active token is set and no environment variable `HF_TOKEN` is found. Use `hf auth login` or `git-credential-hf login` to log in."
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn masked(t: &StoredToken) -> String {
    match t.field("hf_token") {
        None => "<not set>".to_string(),
        Some(_) => t.token.masked(),
    }
}

/// `_format_expiration`: the local date, with " (expired)" once past.
fn expiration(expires_at: Option<&str>) -> String {
    let Some(ts) = expires_at.filter(|s| !s.is_empty()).and_then(parse_int) else {
        return String::new();
    };
    let Some(date) = local_date(ts) else {
        return String::new();
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    if i128::from(ts) * 1_000_000_000 < now {
        format!("{date} (expired)")
    } else {
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiration_dates() {
        assert_eq!(expiration(None), "");
        assert_eq!(expiration(Some("")), "");
        assert_eq!(expiration(Some("soon")), "");
        assert!(expiration(Some("1700000000")).ends_with(" (expired)"));
        assert!(!expiration(Some("4102444800")).contains("expired"));
    }
}
