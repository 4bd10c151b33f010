//! What is wrong with the tokens `status` found: each problem has a stable code, a severity,
//! one sentence and the exact command that fixes it. The codes, their meaning and their fix
//! are listed once, in `ProblemCode` (the README's table is tested against it).

use super::inventory::{Entry, Inventory};
use crate::places::Kind;
use crate::token::Source;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemCode {
    NoToken,
    InvalidToken,
    EnvOverridesFile,
    LegacyEnvDiffers,
    LangchainEnvDiffers,
    HelperNotConfigured,
    ShadowedByHelper,
    StaleHelperCredential,
    NetrcEntry,
    TokenInRemoteUrl,
    ReadOnlyToken,
    KeychainEntryDiffers,
    OauthNeedsBearer,
    CopiesToken,
    XetTokenDiffers,
}

impl ProblemCode {
    pub const ALL: &[ProblemCode] = &[
        ProblemCode::NoToken,
        ProblemCode::InvalidToken,
        ProblemCode::EnvOverridesFile,
        ProblemCode::LegacyEnvDiffers,
        ProblemCode::LangchainEnvDiffers,
        ProblemCode::HelperNotConfigured,
        ProblemCode::ShadowedByHelper,
        ProblemCode::StaleHelperCredential,
        ProblemCode::NetrcEntry,
        ProblemCode::TokenInRemoteUrl,
        ProblemCode::ReadOnlyToken,
        ProblemCode::KeychainEntryDiffers,
        ProblemCode::OauthNeedsBearer,
        ProblemCode::CopiesToken,
        ProblemCode::XetTokenDiffers,
    ];

    /// As it appears in `status` and `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::NoToken => "no-token",
            ProblemCode::InvalidToken => "invalid-token",
            ProblemCode::EnvOverridesFile => "env-overrides-file",
            ProblemCode::LegacyEnvDiffers => "legacy-env-differs",
            ProblemCode::LangchainEnvDiffers => "langchain-env-differs",
            ProblemCode::HelperNotConfigured => "helper-not-configured",
            ProblemCode::ShadowedByHelper => "shadowed-by-helper",
            ProblemCode::StaleHelperCredential => "stale-helper-credential",
            ProblemCode::NetrcEntry => "netrc-entry",
            ProblemCode::TokenInRemoteUrl => "token-in-remote-url",
            ProblemCode::ReadOnlyToken => "read-only-token",
            ProblemCode::KeychainEntryDiffers => "keychain-entry-differs",
            ProblemCode::OauthNeedsBearer => "oauth-needs-bearer",
            ProblemCode::CopiesToken => "copies-token",
            ProblemCode::XetTokenDiffers => "xet-token-differs",
        }
    }

    /// Its usual severity (`netrc-entry` is a warning when it holds huggingface_hub's token).
    pub fn severity(self) -> Severity {
        match self {
            ProblemCode::NoToken
            | ProblemCode::InvalidToken
            | ProblemCode::HelperNotConfigured
            | ProblemCode::ShadowedByHelper
            | ProblemCode::NetrcEntry
            | ProblemCode::TokenInRemoteUrl => Severity::Error,
            ProblemCode::ReadOnlyToken => Severity::Info,
            _ => Severity::Warning,
        }
    }

    /// What it means, as the README's troubleshooting table and the man page say (tested).
    pub fn meaning(self) -> &'static str {
        match self {
            ProblemCode::NoToken => "huggingface_hub has no token (or cannot read its file)",
            ProblemCode::InvalidToken => "the Hub rejects the token huggingface_hub uses",
            ProblemCode::EnvOverridesFile => {
                "`HF_TOKEN` (or the legacy variable) hides the token of your last login"
            }
            ProblemCode::LegacyEnvDiffers => "`HUGGING_FACE_HUB_TOKEN` holds another token",
            ProblemCode::LangchainEnvDiffers => {
                "LangChain's `HUGGINGFACEHUB_API_TOKEN` holds another token"
            }
            ProblemCode::HelperNotConfigured => "git does not ask this helper for the Hub",
            ProblemCode::ShadowedByHelper => {
                "another helper answers before this one, with another token"
            }
            ProblemCode::StaleHelperCredential => "a helper or credential file keeps an old token",
            ProblemCode::NetrcEntry => {
                "curl sends `.netrc` passwords (the host's `machine` entry, else `default`) before any helper"
            }
            ProblemCode::TokenInRemoteUrl => {
                "a Hub remote URL carries a token, bypassing every helper"
            }
            ProblemCode::ReadOnlyToken => "the token can read but not push",
            ProblemCode::KeychainEntryDiffers => "the OS keychain keeps another token for the Hub",
            ProblemCode::OauthNeedsBearer => {
                "the token is an OAuth token and the installed git or git-lfs cannot send it as Bearer"
            }
            ProblemCode::CopiesToken => {
                "a helper configured after this one receives the token after every success and keeps a copy that goes stale"
            }
            ProblemCode::XetTokenDiffers => {
                "git-xet (Xet uploads) would send another token than git"
            }
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    pub code: ProblemCode,
    pub severity: Severity,
    pub message: String,
    pub fix: String,
}

fn problem(code: ProblemCode, message: String, fix: impl Into<String>) -> Problem {
    Problem {
        code,
        severity: code.severity(),
        message,
        fix: fix.into(),
    }
}

pub fn diagnose(inv: &Inventory) -> Vec<Problem> {
    let mut out = Vec::new();
    python_problems(inv, &mut out);
    for entry in &inv.entries {
        entry_problems(inv, entry, &mut out);
    }
    xet_problems(inv, &mut out);
    if !inv.helper_configured {
        out.push(problem(
            ProblemCode::HelperNotConfigured,
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
            // Every such message ends with its fix (`hf auth login` alone could fail the same).
            let fix = e.rsplit(": ").next().unwrap_or("hf auth login");
            out.push(problem(
                ProblemCode::NoToken,
                format!("huggingface_hub cannot read its token: {e}."),
                fix,
            ));
            return;
        }
        Ok(None) => {
            out.push(problem(
                ProblemCode::NoToken,
                "huggingface_hub has no token: git gets none from this helper.".into(),
                "hf auth login",
            ));
            return;
        }
        Ok(Some(r)) => r,
    };
    let entry = inv.python_entry();
    let info = entry.and_then(|e| e.verdict.as_ref()?.info());
    if entry.and_then(Entry::valid) == Some(false) {
        let fix = match &resolved.source {
            Source::Env(var) => format!("unset {var}"),
            _ => "hf auth login".to_string(),
        };
        out.push(problem(
            ProblemCode::InvalidToken,
            format!(
                "the token huggingface_hub uses ({}, {}) is invalid.",
                resolved.source,
                resolved.token.masked()
            ),
            fix,
        ));
    }
    if let Source::Env(var) = &resolved.source {
        let file = inv
            .entries
            .iter()
            .find(|e| e.finding.kind == Kind::TokenFile);
        if let Some(file_token) = file.and_then(Entry::token)
            && *file_token != resolved.token
        {
            out.push(problem(
                ProblemCode::EnvOverridesFile,
                format!(
                    "{var} overrides the token of `hf auth login` in {}.",
                    file.map_or("", |f| f.finding.detail.as_str())
                ),
                format!("unset {var}"),
            ));
        }
    }
    let oauth = match info {
        Some(info) => info.auth_type.as_deref() == Some("oauth"),
        None => resolved.token.looks_like_oauth(),
    };
    if oauth {
        bearer_problems(inv, out);
    }
    if info.and_then(|i| i.role.as_deref()) == Some("read") {
        out.push(problem(
            ProblemCode::ReadOnlyToken,
            format!(
                "the token huggingface_hub uses ({}) can read but not push.",
                resolved.token.masked()
            ),
            "create a write token at https://huggingface.co/settings/tokens, then: hf auth login",
        ));
    }
}

/// git-xet reads a remote URL's token, HF_TOKEN and `.netrc` before any helper: where that
/// is another token than git sends, Xet uploads use it.
fn xet_problems(inv: &Inventory, out: &mut Vec<Problem>) {
    let Some(xet) = &inv.xet else { return };
    let token = |i: Option<usize>| i.and_then(|i| inv.entries[i].token());
    let (xet_token, git_token) = (token(xet.sends), token(inv.git));
    if xet_token == git_token {
        return;
    }
    let Some(entry) = xet.sends.map(|i| &inv.entries[i]) else {
        return;
    };
    let masked = xet_token.map_or("none".to_string(), |t| t.masked());
    let fix = match &entry.finding.kind {
        Kind::RemoteUrl { remote, clean_url } => format!("git remote set-url {remote} {clean_url}"),
        Kind::Env(var) => format!(
            "unset {var} (git-xet reads it before any helper), or make it huggingface_hub's token"
        ),
        Kind::Netrc { path, .. } => format!(
            "remove the `machine {}` entry from {}",
            inv.target.host(),
            path.display()
        ),
        _ => "git-credential-hf setup".to_string(),
    };
    out.push(problem(
        ProblemCode::XetTokenDiffers,
        format!(
            "git-xet (configured in {}) sends {} ({masked}) for Xet uploads, not the token git sends.",
            xet.file, entry.finding.source
        ),
        fix,
    ));
}

/// OAuth tokens go to git as Bearer, which git says it takes (`git credential capability`,
/// git >= 2.46) and git-lfs takes from 3.6 on.
fn bearer_problems(inv: &Inventory, out: &mut Vec<Problem>) {
    let oauth = |tool: &str, cannot: &str, upgrade: &str| {
        problem(
            ProblemCode::OauthNeedsBearer,
            format!(
                "huggingface_hub's token is an OAuth token, which {tool} {cannot} can only send as a password; the Hub may refuse it."
            ),
            format!("upgrade {tool} to {upgrade} or newer (it then sends the token as Bearer)"),
        )
    };
    if !inv.git_bearer {
        out.push(oauth("git", "(it offers no `authtype` capability)", "2.46"));
    }
    if let Some(v @ (major, minor)) = inv.lfs_version
        && v < (3, 6)
    {
        out.push(oauth("git-lfs", &format!("{major}.{minor}"), "3.6"));
    }
}

fn entry_problems(inv: &Inventory, entry: &Entry, out: &mut Vec<Problem>) {
    // Whatever it holds now, a helper after ours is given our token to store.
    if let Kind::Helper {
        ours: false,
        after_ours: true,
        helper,
        file,
        ..
    } = &entry.finding.kind
    {
        out.push(problem(
            ProblemCode::CopiesToken,
            format!(
                "the `{}` helper ({file}) runs after git-credential-hf for {}: git gives it the token to store after every success, a copy that goes stale.",
                helper.name(),
                inv.target.authority()
            ),
            format!(
                "remove that helper from {file}, or run `git-credential-hf setup --file {file}` so that this helper comes last there"
            ),
        ));
    }
    let Some(token) = entry.token() else { return };
    let differs = inv.python_token() != Some(token);
    let masked = token.masked();
    let host = inv.target.authority();
    let detail = &entry.finding.detail;
    match &entry.finding.kind {
        Kind::Env("HUGGING_FACE_HUB_TOKEN") if differs => out.push(problem(
            ProblemCode::LegacyEnvDiffers,
            format!("HUGGING_FACE_HUB_TOKEN ({masked}) is not the token huggingface_hub uses."),
            "unset HUGGING_FACE_HUB_TOKEN",
        )),
        Kind::Env("HUGGINGFACEHUB_API_TOKEN") if differs => out.push(problem(
            ProblemCode::LangchainEnvDiffers,
            format!("HUGGINGFACEHUB_API_TOKEN ({masked}), used by LangChain, is not the token huggingface_hub uses."),
            "export HUGGINGFACEHUB_API_TOKEN=\"$(git-credential-hf token)\"",
        )),
        Kind::Netrc { machine, path } => {
            let (named, what) = match machine {
                Some(m) => (format!("`machine {m}`"), format!("a password for {host}")),
                None => (
                    "`default`".to_string(),
                    format!("a `default` entry, which curl sends to {host}"),
                ),
            };
            let mut p = problem(
                ProblemCode::NetrcEntry,
                format!(
                    "{} has {what} ({masked}){}: curl sends it before any credential helper.",
                    path.display(),
                    if differs { ", not huggingface_hub's token" } else { ", a copy that goes stale" }
                ),
                format!("remove the {named} entry from {}", path.display()),
            );
            if !differs {
                p.severity = Severity::Warning;
            }
            out.push(p);
        }
        Kind::Helper { ours: false, before_ours, helper, file, .. } if differs => {
            let name = helper.name();
            if *before_ours {
                out.push(problem(
                    ProblemCode::ShadowedByHelper,
                    format!("the `{name}` helper answers {host} before git-credential-hf, with another token ({masked})."),
                    "git-credential-hf setup",
                ));
            }
            let fix = helper.erase_command(&inv.target).unwrap_or_else(|| {
                format!("edit or remove that shell helper in {file}: it prints the token itself")
            });
            out.push(problem(
                ProblemCode::StaleHelperCredential,
                format!("the `{name}` helper holds an old token for {host} ({masked})."),
                fix,
            ));
        }
        Kind::CredentialFile(path) if differs => out.push(problem(
            ProblemCode::StaleHelperCredential,
            format!("{detail} holds an old token ({masked})."),
            format!("delete the Hub line from {}", path.display()),
        )),
        Kind::RemoteUrl { remote, clean_url } => out.push(problem(
            ProblemCode::TokenInRemoteUrl,
            format!("remote `{remote}` has a token in its URL ({masked}): it bypasses every credential helper."),
            format!("git remote set-url {remote} {clean_url}"),
        )),
        Kind::Keychain { service, user } if differs => out.push(problem(
            ProblemCode::KeychainEntryDiffers,
            format!("the OS keychain holds another token for {service} (user {user}, {masked})."),
            keychain_fix(service, user),
        )),
        _ => {}
    }
}

/// The command that removes exactly that entry, in the OS's own terms.
fn keychain_fix(service: &str, user: &str) -> String {
    crate::io::keychain::erase_command(crate::io::keychain::SYSTEM, service, user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::origin::Origin;
    use crate::places::{Finding, Found, Scope};
    use crate::token::{Resolved, Token};

    const HUB: &str = "https://huggingface.co";

    fn entry(source: &str, kind: Kind, detail: &str, token: &str) -> Entry {
        Entry {
            finding: Finding {
                source: source.into(),
                kind,
                detail: detail.into(),
                found: Found::Present {
                    token: Token::new(token),
                    scope: Scope::Hub(HUB.into()),
                },
            },
            verdict: None,
        }
    }

    fn inventory(extra: Entry) -> Inventory {
        let python = Token::new("hf_python-token-AAAA");
        let file = entry("file:/h/token", Kind::TokenFile, "", python.expose());
        Inventory {
            entries: vec![file, extra],
            target: Origin::from_url(HUB).unwrap(),
            python: Ok(Some(Resolved {
                token: python,
                source: Source::File("/h/token".into()),
                expires_at: None,
            })),
            notes: Vec::new(),
            git: Some(0),
            helper_configured: true,
            xet: None,
            git_bearer: true,
            lfs_version: Some((3, 6)),
        }
    }

    #[test]
    fn a_different_keychain_entry_is_reported_with_its_fix() {
        let kind = Kind::Keychain {
            service: "git:https://huggingface.co".into(),
            user: "hf_user".into(),
        };
        let other = entry(
            "keyring:x",
            kind.clone(),
            "user hf_user",
            "hf_keychain-token-BBBB",
        );
        let found = diagnose(&inventory(other));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, ProblemCode::KeychainEntryDiffers);
        assert!(found[0].fix.contains("git:https://huggingface.co"));
        assert!(!found[0].message.contains("hf_keychain-token"));
        // The same token as Python's is no problem.
        let same = entry("keyring:x", kind, "user hf_user", "hf_python-token-AAAA");
        assert!(diagnose(&inventory(same)).is_empty());
    }

    /// The README's troubleshooting table lists every code, with its severity and meaning.
    #[test]
    fn the_readme_table_is_these_codes() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("## Troubleshooting: the problem codes")
            .expect("the README has the table");
        let rows: Vec<Vec<&str>> = readme[start..]
            .lines()
            .skip_while(|l| !l.starts_with("| `"))
            .take_while(|l| l.starts_with('|'))
            .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
            .collect();
        let listed: Vec<&str> = rows.iter().map(|r| r[0].trim_matches('`')).collect();
        let codes: Vec<&str> = ProblemCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, codes);
        for (row, code) in rows.iter().zip(ProblemCode::ALL) {
            assert!(row[1].starts_with(code.severity().name()), "{row:?}");
            assert_eq!(row[2], code.meaning(), "{}", code.as_str());
        }
    }

    #[test]
    fn codes_serialise_as_they_are_shown() {
        for code in ProblemCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }
}
