//! `status`: every place a token can hide, which one huggingface_hub uses, which one git will
//! send, and the fix for each conflict. Human (one screen) or `--json`. Never a full token.

use super::{Ctx, UsageError, check};
use crate::cli::StatusArgs;
use crate::hub::WhoamiInfo;
use crate::inventory::{self, Inventory, Kind, Options, Place};
use crate::keychain::OsKeychain;
use crate::problems::{self, Problem, Severity};
use crate::redact::redact_with;
use crate::repo;
use serde_json::{Value, json};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(
    ctx: &Ctx,
    args: &StatusArgs,
    out: &mut dyn Write,
    color: bool,
) -> anyhow::Result<ExitCode> {
    let opts = Options {
        offline: args.offline || ctx.settings.offline,
        keychain: Arc::new(OsKeychain),
        cwd: std::env::current_dir()?,
    };
    let repo = match &args.repo {
        Some(arg) => {
            let repo = repo::parse(arg, None, &ctx.settings, &opts.cwd).map_err(UsageError)?;
            Some(check::evaluate(ctx, &repo, false)?)
        }
        None => None,
    };
    let inv = inventory::collect(ctx, &opts);
    let problems = problems::diagnose(&inv);
    // Everything below prints strings that came from the user's config, files and URLs, or
    // from the Hub: each goes through `clean` first.
    let known: Vec<&crate::secret::Token> =
        inv.places.iter().filter_map(|p| p.token.as_ref()).collect();
    let clean = |text: &str| redact_with(text, &known);
    if args.json {
        let mut json = to_json(&inv, &problems, &clean);
        if let Some(access) = &repo {
            json["repo"] = serde_json::to_value(access)?;
        }
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
    } else {
        render(&inv, &problems, &Style { color }, &clean, out)?;
        if let Some(access) = &repo {
            writeln!(
                out,
                "\nRepository {}\n  {}",
                clean(&access.repo),
                clean(&access.message)
            )?;
            if let Some(fix) = &access.fix {
                writeln!(out, "  fix: {}", clean(fix))?;
            }
        }
    }
    let failed =
        problems.iter().any(|p| p.severity == Severity::Error) || repo.is_some_and(|a| !a.granted);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn to_json(inv: &Inventory, problems: &[Problem], clean: &dyn Fn(&str) -> String) -> Value {
    let python = inv
        .python_place()
        .map(|p| json!({"source": clean(&p.source), "fingerprint": fingerprint(p)}));
    let git = inv.git.map(|i| &inv.places[i]).map(|p| {
        let helper = match &p.kind {
            Kind::Helper { name, .. } => Some(name.clone()),
            _ => None,
        };
        json!({"source": clean(&p.source), "helper": helper, "fingerprint": fingerprint(p)})
    });
    let sources: Vec<Value> = inv
        .places
        .iter()
        .map(|p| {
            let info = p.check.info.as_ref();
            json!({
                "source": clean(&p.source),
                "present": p.token.is_some() || (p.kind == Kind::OidcResource && !p.detail.is_empty()),
                "masked": p.token.as_ref().map(|t| t.masked()),
                "fingerprint": fingerprint(p),
                "valid": p.check.valid,
                "user": info.map(|i| clean(&i.user)),
                "token_name": info.and_then(|i| i.token_name.as_deref().map(clean)),
                "role": info.and_then(|i| i.role.clone().or(i.auth_type.clone())),
                "permissions": info.map(|i| serde_json::to_value(i.permissions()).unwrap_or(Value::Null)),
                "detail": clean(&p.detail),
            })
        })
        .collect();
    let problems: Vec<Value> = problems
        .iter()
        .map(|p| {
            json!({
                "code": p.code,
                "severity": p.severity,
                "message": clean(&p.message),
                "fix": clean(&p.fix),
            })
        })
        .collect();
    json!({"python": python, "git": git, "sources": sources, "problems": problems})
}

fn fingerprint(p: &Place) -> Option<String> {
    p.token.as_ref().map(|t| t.fingerprint())
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn render(
    inv: &Inventory,
    problems: &[Problem],
    style: &Style,
    clean: &dyn Fn(&str) -> String,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let width = inv
        .places
        .iter()
        .map(|p| p.source.chars().count())
        .max()
        .unwrap_or(0)
        .max(24);
    let python = match (&inv.python, inv.python_place()) {
        (Err(e), _) => format!("cannot read its token: {}", clean(e)),
        (Ok(None), _) => "no token".to_string(),
        (Ok(Some(_)), Some(p)) => format!("{}  {}", clean(&p.source), summary(p, style, clean)),
        (Ok(Some(r)), None) => clean(&r.source.to_string()),
    };
    writeln!(
        out,
        "{:<w$} {python}",
        "huggingface_hub uses",
        w = width + 2
    )?;
    let git = match inv.git.map(|i| &inv.places[i]) {
        None => "nothing (git will prompt or fail)".to_string(),
        Some(p) => {
            let same = inv.python_token().is_some() && inv.python_token() == p.token.as_ref();
            let relation = if same {
                style.paint("32", "same as huggingface_hub")
            } else {
                style.paint("31", "NOT huggingface_hub's token")
            };
            format!(
                "{}  {}  {relation}",
                clean(&p.source),
                summary(p, style, clean)
            )
        }
    };
    writeln!(
        out,
        "{:<w$} {git}",
        format!("git sends ({})", inv.target),
        w = width + 2
    )?;
    writeln!(out)?;
    writeln!(out, "Where tokens can hide")?;
    for place in &inv.places {
        let detail = clean(&place.detail);
        let line = match &place.token {
            Some(_) => format!("{}  {detail}", summary(place, style, clean)),
            None if detail.is_empty() => "-".to_string(),
            None => format!("-  {detail}"),
        };
        writeln!(
            out,
            "  {:<width$} {}",
            clean(&place.source),
            line.trim_end()
        )?;
    }
    writeln!(out)?;
    if problems.is_empty() {
        writeln!(out, "{}", style.paint("32", "No problems found."))?;
        return Ok(());
    }
    writeln!(out, "Problems")?;
    let code_width = problems.iter().map(|p| p.code.len()).max().unwrap_or(0);
    for p in problems {
        let (label, colour) = match p.severity {
            Severity::Error => ("error", "31"),
            Severity::Warning => ("warning", "33"),
            Severity::Info => ("info", "36"),
        };
        writeln!(
            out,
            "  {} {:<code_width$}  {}",
            style.paint(colour, &format!("{label:<7}")),
            p.code,
            clean(&p.message)
        )?;
        writeln!(
            out,
            "  {:<7} {:<code_width$}  fix: {}",
            "",
            "",
            clean(&p.fix)
        )?;
    }
    Ok(())
}

/// `hf_****wxyz  3f2a9c1b0d4e  valid: alice, laptop (write)`
fn summary(p: &Place, style: &Style, clean: &dyn Fn(&str) -> String) -> String {
    let Some(token) = &p.token else {
        return p.source.clone();
    };
    let verdict = match (p.check.valid, &p.check.info) {
        (Some(true), Some(info)) => style.paint("32", &format!("valid: {}", clean(&who(info)))),
        (Some(true), None) => style.paint("32", "valid"),
        (Some(false), _) => style.paint("31", "INVALID"),
        (None, _) => match &p.check.note {
            Some(note) => format!("unchecked ({})", clean(note)),
            None => "unchecked".to_string(),
        },
    };
    format!("{}  {}  {verdict}", token.masked(), token.fingerprint())
}

fn who(info: &WhoamiInfo) -> String {
    let role = info
        .role
        .as_deref()
        .or(info.auth_type.as_deref())
        .unwrap_or("?");
    let perms = info.permissions();
    let flag = |v: Option<bool>, name: &str| match v {
        Some(true) => Some(name.to_string()),
        Some(false) => Some(format!("no {name}")),
        None => None,
    };
    let extra: Vec<String> = [
        flag(perms.write, "write"),
        flag(perms.read_gated, "gated repos"),
        flag(perms.inference_providers, "inference"),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!(
        "{}, {} ({role}; {})",
        info.user,
        info.token_name.as_deref().unwrap_or("unnamed token"),
        extra.join(", ")
    )
}
