//! The `status` screen and its `--json` form. Every string that came from the user's config,
//! files or URLs, or from the Hub, goes through `redact_with` (knowing every token found)
//! before it is printed; tokens themselves only ever appear masked, with a fingerprint.

use super::style::{CYAN, GREEN, RED, Style, YELLOW};
use crate::diagnose::inventory::{Entry, Inventory};
use crate::diagnose::problems::{Problem, ProblemCode, Severity};
use crate::diagnose::report;
use crate::hub::access::Access;
use crate::hub::verdict::{Permissions, Verdict, WhoamiInfo};
use crate::places::{Kind, Scope};
use crate::redact::redact_with;
use crate::token::Token;
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
pub struct StatusJson {
    pub python: Option<Chosen>,
    pub git: Option<GitChosen>,
    /// git-xet, when configured: what it sends for Xet uploads.
    pub xet: Option<XetChosen>,
    pub sources: Vec<SourceJson>,
    pub problems: Vec<ProblemJson>,
    /// What resolving huggingface_hub's token did (a refresh and how it went).
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<Access>,
}

#[derive(Serialize)]
pub struct Chosen {
    pub source: String,
    pub fingerprint: Option<String>,
}

#[derive(Serialize)]
pub struct GitChosen {
    pub source: String,
    /// The helper's short name, `None` for `.netrc`.
    pub helper: Option<String>,
    pub fingerprint: Option<String>,
}

#[derive(Serialize)]
pub struct XetChosen {
    /// Where `lfs.customtransfer.xet.*` is configured.
    pub config: String,
    pub source: Option<String>,
    pub fingerprint: Option<String>,
}

#[derive(Serialize)]
pub struct SourceJson {
    pub source: String,
    pub present: bool,
    pub masked: Option<String>,
    pub fingerprint: Option<String>,
    pub valid: Option<bool>,
    pub user: Option<String>,
    pub token_name: Option<String>,
    pub role: Option<String>,
    pub permissions: Option<Permissions>,
    pub detail: String,
}

#[derive(Serialize)]
pub struct ProblemJson {
    pub code: ProblemCode,
    pub severity: Severity,
    pub message: String,
    pub fix: String,
}

/// The one redaction every printed string goes through.
struct Clean<'a> {
    known: Vec<&'a Token>,
}

impl Clean<'_> {
    fn text(&self, s: &str) -> String {
        redact_with(s, &self.known)
    }
}

pub fn json(inv: &Inventory, problems: &[Problem], repo: Option<Access>) -> StatusJson {
    let clean = Clean {
        known: inv.tokens(),
    };
    let fingerprint = |e: &Entry| e.token().map(Token::fingerprint);
    StatusJson {
        python: inv.python_entry().map(|e| Chosen {
            source: clean.text(&e.finding.source),
            fingerprint: fingerprint(e),
        }),
        git: inv.git.map(|i| &inv.entries[i]).map(|e| GitChosen {
            source: clean.text(&e.finding.source),
            helper: match &e.finding.kind {
                Kind::Helper { helper, .. } => Some(helper.name()),
                _ => None,
            },
            fingerprint: fingerprint(e),
        }),
        xet: inv.xet.as_ref().map(|x| {
            let sends = x.sends.map(|i| &inv.entries[i]);
            XetChosen {
                config: clean.text(&x.file),
                source: sends.map(|e| clean.text(&e.finding.source)),
                fingerprint: sends.and_then(fingerprint),
            }
        }),
        sources: inv
            .entries
            .iter()
            .map(|e| {
                let info = e.verdict.as_ref().and_then(Verdict::info);
                let f = &e.finding;
                SourceJson {
                    source: clean.text(&f.source),
                    present: e.token().is_some()
                        || (f.kind == Kind::OidcResource && !f.detail.is_empty()),
                    masked: e.token().map(Token::masked),
                    fingerprint: fingerprint(e),
                    valid: e.valid(),
                    user: info.map(|i| clean.text(&i.user)),
                    token_name: info
                        .and_then(|i| i.token_name.as_deref())
                        .map(|n| clean.text(n)),
                    role: info.and_then(|i| i.role.clone().or(i.auth_type.clone())),
                    permissions: info.map(WhoamiInfo::permissions),
                    detail: clean.text(&f.detail),
                }
            })
            .collect(),
        problems: problems
            .iter()
            .map(|p| ProblemJson {
                code: p.code,
                severity: p.severity,
                message: clean.text(&p.message),
                fix: clean.text(&p.fix),
            })
            .collect(),
        notes: inv
            .notes
            .iter()
            .map(|n| clean.text(&report::note(n)))
            .collect(),
        repo,
    }
}

pub fn render(
    inv: &Inventory,
    problems: &[Problem],
    repo: Option<&Access>,
    style: &Style,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let clean = Clean {
        known: inv.tokens(),
    };
    let width = inv
        .entries
        .iter()
        .map(|e| e.finding.source.chars().count())
        .max()
        .unwrap_or(0)
        .max(24);
    let python = match (&inv.python, inv.python_entry()) {
        (Err(e), _) => format!("cannot read its token: {}", clean.text(e)),
        (Ok(None), _) => "no token".to_string(),
        (Ok(Some(_)), Some(e)) => format!(
            "{}  {}",
            clean.text(&e.finding.source),
            summary(e, style, &clean)
        ),
        (Ok(Some(r)), None) => clean.text(&r.source.to_string()),
    };
    writeln!(
        out,
        "{:<w$} {python}",
        "huggingface_hub uses",
        w = width + 2
    )?;
    let git = match inv.git.map(|i| &inv.entries[i]) {
        None => "nothing (git will prompt or fail)".to_string(),
        Some(e) => {
            let same = inv.python_token().is_some() && inv.python_token() == e.token();
            let relation = match same {
                true => style.paint(GREEN, "same as huggingface_hub"),
                false => style.paint(RED, "NOT huggingface_hub's token"),
            };
            format!(
                "{}  {}  {relation}",
                clean.text(&e.finding.source),
                summary(e, style, &clean)
            )
        }
    };
    writeln!(
        out,
        "{:<w$} {git}",
        format!("git sends ({})", inv.target),
        w = width + 2
    )?;
    if let Some(xet) = &inv.xet {
        let sends = match xet.sends.map(|i| &inv.entries[i]) {
            None => "nothing".to_string(),
            Some(e) => format!(
                "{}  {}",
                clean.text(&e.finding.source),
                summary(e, style, &clean)
            ),
        };
        writeln!(
            out,
            "{:<w$} {sends}",
            "git-xet sends (uploads)",
            w = width + 2
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Where tokens can hide")?;
    for entry in &inv.entries {
        let detail = clean.text(&entry.finding.detail);
        let line = match entry.token() {
            Some(_) => format!("{}  {detail}", summary(entry, style, &clean)),
            None if detail.is_empty() => "-".to_string(),
            None => format!("-  {detail}"),
        };
        writeln!(
            out,
            "  {:<width$} {}",
            clean.text(&entry.finding.source),
            line.trim_end()
        )?;
    }
    if !inv.notes.is_empty() {
        writeln!(out)?;
        writeln!(out, "Notes")?;
        for note in &inv.notes {
            writeln!(out, "  {}", clean.text(&report::note(note)))?;
        }
    }
    writeln!(out)?;
    if problems.is_empty() {
        writeln!(out, "{}", style.paint(GREEN, "No problems found."))?;
    } else {
        writeln!(out, "Problems")?;
        let code_width = problems
            .iter()
            .map(|p| p.code.as_str().len())
            .max()
            .unwrap_or(0);
        for p in problems {
            let colour = match p.severity {
                Severity::Error => RED,
                Severity::Warning => YELLOW,
                Severity::Info => CYAN,
            };
            writeln!(
                out,
                "  {} {:<code_width$}  {}",
                style.paint(colour, &format!("{:<7}", p.severity.name())),
                p.code.as_str(),
                clean.text(&p.message)
            )?;
            writeln!(
                out,
                "  {:<7} {:<code_width$}  fix: {}",
                "",
                "",
                clean.text(&p.fix)
            )?;
        }
    }
    if let Some(access) = repo {
        writeln!(
            out,
            "\nRepository {}\n  {}",
            clean.text(&access.repo),
            clean.text(&access.message)
        )?;
        if let Some(fix) = &access.fix {
            writeln!(out, "  fix: {}", clean.text(fix))?;
        }
    }
    Ok(())
}

/// `hf_****wxyz  3f2a9c1b0d4e  valid: alice, laptop (write)`
fn summary(e: &Entry, style: &Style, clean: &Clean) -> String {
    let Some(token) = e.token() else {
        return e.finding.source.clone();
    };
    let verdict = match (&e.verdict, e.finding.scope()) {
        (Some(Verdict::Valid(Some(info))), _) => {
            style.paint(GREEN, &format!("valid: {}", clean.text(&who(info))))
        }
        (Some(Verdict::Valid(None)), _) => style.paint(GREEN, "valid"),
        (Some(Verdict::Invalid), _) => style.paint(RED, "INVALID"),
        (Some(Verdict::Unknown(why)), _) => {
            format!("unchecked ({})", clean.text(&why.to_string()))
        }
        (Some(Verdict::Offline), _) => "unchecked (HF_HUB_OFFLINE is set)".to_string(),
        (None, Some(Scope::Unsent(why))) => format!("unchecked ({})", clean.text(why)),
        (None, _) => "unchecked".to_string(),
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
