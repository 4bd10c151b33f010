//! What is wrong with the tokens `status` found: each problem has a stable code, a severity,
//! one sentence and the exact command that fixes it.

use crate::inventory::{Inventory, Kind, Place};
use crate::resolve::Source;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub fix: String,
}

fn problem(
    code: &'static str,
    severity: Severity,
    message: String,
    fix: impl Into<String>,
) -> Problem {
    Problem {
        code,
        severity,
        message,
        fix: fix.into(),
    }
}

pub fn diagnose(inv: &Inventory) -> Vec<Problem> {
    let mut out = Vec::new();
    python_problems(inv, &mut out);
    for place in &inv.places {
        place_problems(inv, place, &mut out);
    }
    if !inv.helper_configured {
        out.push(problem(
            "helper-not-configured",
            Severity::Error,
            format!("git does not ask git-credential-hf for {}.", inv.target),
            "git-credential-hf setup",
        ));
    }
    out.sort_by_key(|p| p.severity);
    out
}

fn python_problems(inv: &Inventory, out: &mut Vec<Problem>) {
    let resolved = match &inv.python {
        Err(e) => {
            out.push(problem(
                "no-token",
                Severity::Error,
                format!("huggingface_hub cannot read its token: {e}."),
                "hf auth login",
            ));
            return;
        }
        Ok(None) => {
            out.push(problem(
                "no-token",
                Severity::Error,
                "huggingface_hub has no token: git gets none from this helper.".into(),
                "hf auth login",
            ));
            return;
        }
        Ok(Some(r)) => r,
    };
    let place = inv.python_place();
    let check = place.map(|p| &p.check);
    if check.and_then(|c| c.valid) == Some(false) {
        let fix = match &resolved.source {
            Source::Env(var) => format!("unset {var}"),
            _ => "hf auth login".to_string(),
        };
        out.push(problem(
            "invalid-token",
            Severity::Error,
            format!(
                "the token huggingface_hub uses ({}, {}) is invalid.",
                resolved.source,
                resolved.token.masked()
            ),
            fix,
        ));
    }
    if let Source::Env(var) = &resolved.source {
        let file = inv.places.iter().find(|p| p.kind == Kind::TokenFile);
        if let Some(file_token) = file.and_then(|f| f.token.as_ref())
            && *file_token != resolved.token
        {
            out.push(problem(
                "env-overrides-file",
                Severity::Warning,
                format!(
                    "{var} overrides the token of `hf auth login` in {}.",
                    file.map_or("", |f| f.detail.as_str())
                ),
                format!("unset {var}"),
            ));
        }
    }
    let oauth = match check.and_then(|c| c.info.as_ref()) {
        Some(info) => info.auth_type.as_deref() == Some("oauth"),
        None => resolved.token.looks_like_oauth(),
    };
    if oauth {
        bearer_problems(inv, out);
    }
    if check
        .and_then(|c| c.info.as_ref())
        .and_then(|i| i.role.as_deref())
        == Some("read")
    {
        out.push(problem(
            "read-only-token",
            Severity::Info,
            format!(
                "the token huggingface_hub uses ({}) can read but not push.",
                resolved.token.masked()
            ),
            "create a write token at https://huggingface.co/settings/tokens, then: hf auth login",
        ));
    }
}

/// OAuth tokens go to git as Bearer, which needs git >= 2.46 and git-lfs >= 3.6.
fn bearer_problems(inv: &Inventory, out: &mut Vec<Problem>) {
    for (tool, installed, needed) in [
        ("git", inv.git_version, (2, 46)),
        ("git-lfs", inv.lfs_version, (3, 6)),
    ] {
        if let Some(v @ (major, minor)) = installed
            && v < needed
        {
            out.push(problem(
                "oauth-needs-bearer",
                Severity::Warning,
                format!(
                    "huggingface_hub's token is an OAuth token, which {tool} {major}.{minor} can only send as a password; the Hub may refuse it."
                ),
                format!(
                    "upgrade {tool} to {}.{} or newer (it then sends the token as Bearer)",
                    needed.0, needed.1
                ),
            ));
        }
    }
}

fn place_problems(inv: &Inventory, place: &Place, out: &mut Vec<Problem>) {
    let Some(token) = &place.token else { return };
    let python = inv.python_token();
    let differs = python != Some(token);
    let masked = token.masked();
    let host = inv.target.authority();
    match &place.kind {
        Kind::Env("HUGGING_FACE_HUB_TOKEN") if differs => out.push(problem(
            "legacy-env-differs",
            Severity::Warning,
            format!("HUGGING_FACE_HUB_TOKEN ({masked}) is not the token huggingface_hub uses."),
            "unset HUGGING_FACE_HUB_TOKEN",
        )),
        Kind::Env("HUGGINGFACEHUB_API_TOKEN") if differs => out.push(problem(
            "langchain-env-differs",
            Severity::Warning,
            format!("HUGGINGFACEHUB_API_TOKEN ({masked}), used by LangChain, is not the token huggingface_hub uses."),
            "export HUGGINGFACEHUB_API_TOKEN=\"$(git-credential-hf token)\"",
        )),
        Kind::Netrc { machine, path } => {
            let (entry, what) = match machine {
                Some(m) => (format!("`machine {m}`"), format!("a password for {host}")),
                None => (
                    "`default`".to_string(),
                    format!("a `default` entry, which curl sends to {host}"),
                ),
            };
            out.push(problem(
                "netrc-entry",
                if differs { Severity::Error } else { Severity::Warning },
                format!(
                    "{} has {what} ({masked}){}: curl sends it before any credential helper.",
                    path.display(),
                    if differs { ", not huggingface_hub's token" } else { ", a copy that goes stale" }
                ),
                format!("remove the {entry} entry from {}", path.display()),
            ))
        }
        Kind::Helper { ours: false, before_ours, name, value, file } if differs => {
            if *before_ours {
                out.push(problem(
                    "shadowed-by-helper",
                    Severity::Error,
                    format!("the `{name}` helper answers {host} before git-credential-hf, with another token ({masked})."),
                    "git-credential-hf setup",
                ));
            }
            out.push(problem(
                "stale-helper-credential",
                Severity::Warning,
                format!("the `{name}` helper holds an old token for {host} ({masked})."),
                erase_fix(value, file, &inv.target),
            ));
        }
        Kind::CredentialFile(path) if differs => out.push(problem(
            "stale-helper-credential",
            Severity::Warning,
            format!("{} holds an old token ({masked}).", place.detail),
            format!("delete the Hub line from {}", path.display()),
        )),
        Kind::RemoteUrl { remote, clean_url } => out.push(problem(
            "token-in-remote-url",
            Severity::Error,
            format!("remote `{remote}` has a token in its URL ({masked}): it bypasses every credential helper."),
            format!("git remote set-url {remote} {clean_url}"),
        )),
        Kind::Keychain { service, user } if differs => out.push(problem(
            "keychain-entry-differs",
            Severity::Warning,
            format!("the OS keychain holds another token for {service} (user {user}, {masked})."),
            keychain_fix(service, user),
        )),
        _ => {}
    }
}

/// How to make a helper forget the Hub's credential: the erase operation git itself would run
/// (`git credential-store --file=x erase`, or the program at a path), without a user name so
/// every copy for the Hub goes. A shell helper prints its answer itself: only editing the
/// config helps.
fn erase_fix(value: &str, file: &str, target: &crate::origin::Origin) -> String {
    if value.starts_with('!') {
        return format!("edit or remove that shell helper in {file}: it prints the token itself");
    }
    let request = format!(
        "printf 'protocol={}\\nhost={}\\n\\n'",
        target.scheme(),
        target.authority()
    );
    let program = value.split_whitespace().next().unwrap_or("");
    if program.contains('/') || program.contains('\\') {
        format!("{request} | {value} erase")
    } else {
        format!("{request} | git credential-{value} erase")
    }
}

fn keychain_fix(service: &str, user: &str) -> String {
    if cfg!(target_os = "macos") {
        format!("security delete-generic-password -s '{service}' -a '{user}'")
    } else if cfg!(windows) {
        format!("cmdkey /delete:{service}")
    } else {
        format!("secret-tool clear service '{service}' username '{user}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Check, Place};
    use crate::origin::Origin;
    use crate::resolve::{Resolved, Source};
    use crate::secret::Token;

    fn inventory(extra: Place) -> Inventory {
        let python = Token::new("hf_python-token-AAAA");
        let file = Place {
            source: "file:/h/token".into(),
            token: Some(python.clone()),
            detail: String::new(),
            kind: Kind::TokenFile,
            scope: Some("https://huggingface.co".into()),
            check: Check::default(),
        };
        Inventory {
            places: vec![file, extra],
            target: Origin::from_url("https://huggingface.co").unwrap(),
            python: Ok(Some(Resolved {
                token: python,
                source: Source::File("/h/token".into()),
            })),
            git: Some(0),
            helper_configured: true,
            git_version: Some((2, 47)),
            lfs_version: Some((3, 6)),
        }
    }

    #[test]
    fn a_different_keychain_entry_is_reported_with_its_fix() {
        let entry = Place {
            source: "keyring:git:https://huggingface.co".into(),
            token: Some(Token::new("hf_keychain-token-BBBB")),
            detail: "user hf_user".into(),
            kind: Kind::Keychain {
                service: "git:https://huggingface.co".into(),
                user: "hf_user".into(),
            },
            scope: Some("https://huggingface.co".into()),
            check: Check::default(),
        };
        let found = diagnose(&inventory(entry.clone()));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "keychain-entry-differs");
        assert!(found[0].fix.contains("git:https://huggingface.co"));
        assert!(!found[0].message.contains("hf_keychain-token"));
        // The same token as Python's is no problem.
        let same = Place {
            token: Some(Token::new("hf_python-token-AAAA")),
            ..entry
        };
        assert!(diagnose(&inventory(same)).is_empty());
    }
}
