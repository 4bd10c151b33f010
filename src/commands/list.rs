//! `list`: the stored tokens as `hf auth list` prints them (same table, same notes), the
//! token in use starred. Tokens are masked (`hf_****wxyz`).

use super::Ctx;
use crate::resolve::environment_token;
use crate::stored_tokens::{self, StoredToken, parse_python_int};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn run(ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<()> {
    // Resolve first: it may refresh an OAuth token and rewrite the stored tokens.
    let current = ctx.resolve()?.map(|r| r.token);
    ctx.print_warnings(err)?;
    let stored = stored_tokens::read(&ctx.settings.stored_tokens_path, ctx.sys)
        .map(|p| p.tokens)
        .unwrap_or_default();
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
        return Ok(());
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
    Ok(())
}

fn masked(t: &StoredToken) -> String {
    match t.field("hf_token") {
        None => "<not set>".to_string(),
        Some(_) => t.token.masked(),
    }
}

/// huggingface_hub's `tabulate`: columns as wide as their widest cell, left-aligned, one
/// space apart, a dashed rule under the headers.
fn tabulate(headers: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        cells
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    let mut lines = vec![
        line(&mut headers.iter().copied()),
        line(&mut rule.iter().map(String::as_str)),
    ];
    lines.extend(rows.iter().map(|r| line(&mut r.iter().map(String::as_str))));
    lines.join("\n")
}

/// `_format_expiration`: the local date, with " (expired)" once past.
fn expiration(expires_at: Option<&str>) -> String {
    let Some(ts) = expires_at
        .filter(|s| !s.is_empty())
        .and_then(parse_python_int)
    else {
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

/// `datetime.fromtimestamp(ts).strftime("%Y-%m-%d")`: the date in the local time zone.
fn local_date(ts: i64) -> Option<String> {
    let t = libc::time_t::try_from(ts).ok()?;
    // SAFETY: `tm` is plain data, filled by localtime_r before it is read.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call.
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02}",
        i64::from(tm.tm_year) + 1900,
        tm.tm_mon + 1,
        tm.tm_mday
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_like_huggingface_hub() {
        let rows = vec![
            vec!["".into(), "ci-read".into(), "hf_****YYYY".into()],
            vec!["*".into(), "laptop".into(), "hf_****XXXX".into()],
        ];
        let fixture = include_str!("../../tests/fixtures/huggingface_hub-2.4/hf-auth-list.txt");
        assert_eq!(
            format!("{}\n", tabulate(&[" ", "name", "token"], &rows)),
            fixture
        );
    }

    #[test]
    fn expiration_dates() {
        assert_eq!(expiration(None), "");
        assert_eq!(expiration(Some("")), "");
        assert_eq!(expiration(Some("soon")), "");
        assert!(expiration(Some("1700000000")).ends_with(" (expired)"));
        assert!(!expiration(Some("4102444800")).contains("expired"));
    }
}
