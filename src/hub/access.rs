//! May this token clone (or push to) a repository, and why not: the Hub's auth-check
//! (`GET {endpoint}/api/{models|datasets|spaces}/{id}/auth-check[/write]`) read into a typed
//! verdict, before git runs into a 403 it cannot explain (git calls no helper on a 403).

use crate::hub::repo::RepoRef;
use crate::hub::verdict::{Checker, Verdict, WhoamiInfo};
use crate::io::http::Request;
use crate::redact::printable;
use crate::token::Resolved;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessCode {
    Ok,
    Gated,
    NotFound,
    ReadOnlyToken,
    FineGrainedScope,
    InvalidToken,
    NoToken,
    Forbidden,
    /// The Hub could not be asked.
    Unknown,
}

#[cfg(test)]
impl AccessCode {
    pub const ALL: &[AccessCode] = &[
        AccessCode::Ok,
        AccessCode::Gated,
        AccessCode::NotFound,
        AccessCode::ReadOnlyToken,
        AccessCode::FineGrainedScope,
        AccessCode::InvalidToken,
        AccessCode::NoToken,
        AccessCode::Forbidden,
        AccessCode::Unknown,
    ];

    fn as_str(self) -> &'static str {
        match self {
            AccessCode::Ok => "ok",
            AccessCode::Gated => "gated",
            AccessCode::NotFound => "not-found",
            AccessCode::ReadOnlyToken => "read-only-token",
            AccessCode::FineGrainedScope => "fine-grained-scope",
            AccessCode::InvalidToken => "invalid-token",
            AccessCode::NoToken => "no-token",
            AccessCode::Forbidden => "forbidden",
            AccessCode::Unknown => "unknown",
        }
    }
}

/// The verdict on one repository (`check --json`).
#[derive(Clone, Debug, Serialize)]
pub struct Access {
    pub repo: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub access: &'static str,
    pub granted: bool,
    pub code: AccessCode,
    pub message: String,
    pub fix: Option<String>,
    pub token: Option<TokenSummary>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TokenSummary {
    pub source: String,
    pub masked: String,
    pub fingerprint: String,
    pub user: Option<String>,
}

/// The Hub's answer to an auth-check.
struct AuthCheck {
    status: u16,
    error_code: Option<String>,
    error_message: Option<String>,
}

fn auth_check(
    checker: &Checker,
    api_base: &str,
    repo: &RepoRef,
    write: bool,
    token: Option<&crate::token::Token>,
) -> Result<AuthCheck, String> {
    let suffix = if write { "/write" } else { "" };
    let url = format!("{api_base}/api/{}/auth-check{suffix}", repo.api_path());
    let mut request = Request::get("auth-check", url);
    if let Some(token) = token {
        request = request.bearer(token);
    }
    let answer = checker
        .http
        .send(&request, checker.deadline.get())
        .map_err(|e| e.0)?;
    let header = |name| answer.header(name).map(printable);
    Ok(AuthCheck {
        status: answer.status,
        error_code: header("x-error-code"),
        error_message: header("x-error-message"),
    })
}

/// Asks the Hub whether the token `get` would send may read (or push) `repo`.
pub fn evaluate(
    checker: &Checker,
    api_base: &str,
    found: Option<&Resolved>,
    repo: &RepoRef,
    write: bool,
) -> Access {
    let verdict = found.map(|f| checker.cached(api_base, &f.token));
    let info = match &verdict {
        Some(Verdict::Valid(info)) => info.clone(),
        _ => None,
    };
    let mut access = Access {
        repo: repo.to_string(),
        kind: repo.kind.name(),
        access: if write { "write" } else { "read" },
        granted: false,
        code: AccessCode::Unknown,
        message: String::new(),
        fix: None,
        token: found.map(|f| TokenSummary {
            source: f.source.id(),
            masked: f.token.masked(),
            fingerprint: f.token.fingerprint(),
            user: info.as_ref().map(|i| i.user.clone()),
        }),
    };
    let verb = if write { "push to" } else { "clone" };
    if let (Some(f), Some(Verdict::Invalid)) = (found, &verdict) {
        access.code = AccessCode::InvalidToken;
        access.message = format!(
            "cannot {verb} {repo}: the token from {} ({}) is invalid.",
            f.source,
            f.token.masked()
        );
        access.fix = Some(f.source.fix());
        return access;
    }
    let answer = match auth_check(checker, api_base, repo, write, found.map(|f| &f.token)) {
        Ok(a) => a,
        // Without a token, that is the news; the network is by the way.
        Err(e) if found.is_none() => {
            access.code = AccessCode::NoToken;
            access.message = format!(
                "there is no Hugging Face token here, so git sends none for {repo} (and the Hub could not be asked whether it needs one: {e})."
            );
            access.fix = Some("hf auth login".to_string());
            return access;
        }
        Err(e) => {
            access.message = format!("cannot tell whether you can {verb} {repo}: {e}.");
            return access;
        }
    };
    let who = describe_token(found, info.as_ref());
    let login = "hf auth login".to_string();
    let (code, message, fix) = match (answer.status, answer.error_code.as_deref(), found) {
        (200..=299, _, _) => (
            AccessCode::Ok,
            format!("ok: {who} can {verb} {repo}."),
            None,
        ),
        (_, Some("GatedRepo"), None) => (
            AccessCode::Gated,
            format!(
                "{repo} is gated: log in, then request access at {}.",
                repo.page(api_base)
            ),
            Some(login),
        ),
        (_, Some("GatedRepo"), Some(_)) => (
            AccessCode::Gated,
            format!("{repo} is gated and {who} has not been granted access."),
            Some(format!("request access at {}", repo.page(api_base))),
        ),
        (401 | 404, Some("RepoNotFound"), None) | (404, _, None) => (
            AccessCode::NotFound,
            format!("{repo} does not exist, or it is private and you are not logged in."),
            Some(login),
        ),
        (404, _, Some(_)) | (_, Some("RepoNotFound"), Some(_)) => (
            AccessCode::NotFound,
            format!(
                "{repo} does not exist, or {who} cannot see it (it may be private): check the name, or ask its owner for access."
            ),
            None,
        ),
        (401, _, None) => (
            AccessCode::NoToken,
            format!("{repo} needs a token and none was found."),
            Some(login),
        ),
        (401, _, Some(f)) => (
            AccessCode::InvalidToken,
            format!(
                "the Hub rejected the token from {} ({}).",
                f.source,
                f.token.masked()
            ),
            Some(f.source.fix()),
        ),
        (403, _, Some(_)) => forbidden(
            repo,
            write,
            info.as_ref(),
            &who,
            api_base,
            answer.error_message.as_deref(),
        ),
        (status, _, _) => (
            AccessCode::Forbidden,
            format!(
                "the Hub refuses to let you {verb} {repo} ({status}): {}",
                answer.error_message.as_deref().unwrap_or("no reason given")
            ),
            None,
        ),
    };
    access.granted = code == AccessCode::Ok;
    access.code = code;
    access.message = message;
    access.fix = fix;
    access
}

/// A 403 with a token: a read token used to push, a fine-grained token without the scope, or
/// whatever the Hub says.
fn forbidden(
    repo: &RepoRef,
    write: bool,
    info: Option<&WhoamiInfo>,
    who: &str,
    api_base: &str,
    hub_message: Option<&str>,
) -> (AccessCode, String, Option<String>) {
    let settings = format!("{api_base}/settings/tokens");
    match info.and_then(|i| i.role.as_deref()) {
        Some("read") if write => (
            AccessCode::ReadOnlyToken,
            format!("cannot push to {repo}: {who} is a read-only token."),
            Some(format!(
                "create a write token at {settings}, then `hf auth login` (or `hf auth switch` to a write token you have)"
            )),
        ),
        Some("fineGrained") => (
            AccessCode::FineGrainedScope,
            format!(
                "{who} is a fine-grained token without {} access to {}.",
                if write { "write" } else { "read" },
                repo.namespace()
            ),
            Some(format!(
                "add the permission for {} to the token at {settings}",
                repo.namespace()
            )),
        ),
        _ => (
            AccessCode::Forbidden,
            format!(
                "the Hub refuses {who} for {repo}: {}",
                hub_message.unwrap_or("no reason given")
            ),
            None,
        ),
    }
}

/// "the token from HF_TOKEN (hf_****wxyz, user alice)"
fn describe_token(found: Option<&Resolved>, info: Option<&WhoamiInfo>) -> String {
    match found {
        None => "anonymous access".to_string(),
        Some(f) => {
            let user = info.map_or(String::new(), |i| format!(", user {}", i.user));
            format!("the token from {} ({}{user})", f.source, f.token.masked())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README names every verdict code, in this order, and JSON spells them so.
    #[test]
    fn the_readme_lists_these_codes() {
        let readme = include_str!("../../README.md");
        let start = readme.find("Verdict codes").expect("the README lists them");
        let para = &readme[start..start + readme[start..].find("\n\n").unwrap()];
        let mut at = 0;
        for code in AccessCode::ALL {
            let name = format!("`{}`", code.as_str());
            let found = para[at..]
                .find(&name)
                .unwrap_or_else(|| panic!("{name} in {para}"));
            at += found + name.len();
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }
}
