//! `check REPO`: what will happen on clone (or push, with `--write`) and why, asked of the Hub
//! before git runs into a 403 it cannot explain (git calls no helper on a 403).

use super::{Ctx, UsageError};
use crate::cli::CheckArgs;
use crate::hub::WhoamiInfo;
use crate::redact::redact;
use crate::repo::{self, RepoRef};
use crate::resolve::Resolved;
use crate::verify::{self, Verdict};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

/// The verdict on one repository.
#[derive(Debug, Serialize)]
pub struct Access {
    pub repo: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub access: &'static str,
    pub granted: bool,
    /// `ok`, `gated`, `not-found`, `read-only-token`, `fine-grained-scope`, `invalid-token`,
    /// `no-token`, `forbidden`, `unknown`.
    pub code: &'static str,
    pub message: String,
    pub fix: Option<String>,
    pub token: Option<TokenSummary>,
}

#[derive(Debug, Serialize)]
pub struct TokenSummary {
    pub source: String,
    pub masked: String,
    pub fingerprint: String,
    pub user: Option<String>,
}

pub fn run(ctx: &Ctx, args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let repo = repo::parse(&args.repo, args.kind, &ctx.settings, &cwd).map_err(UsageError)?;
    let mut access = evaluate(ctx, &repo, args.write)?;
    access.message = redact(&access.message);
    access.fix = access.fix.as_deref().map(redact);
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &access)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}", access.message)?;
        if let Some(fix) = &access.fix {
            writeln!(out, "fix: {fix}")?;
        }
    }
    Ok(if access.granted {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Asks the Hub whether the token `get` would send may read (or push) `repo`.
pub fn evaluate(ctx: &Ctx, repo: &RepoRef, write: bool) -> anyhow::Result<Access> {
    let api_base = ctx.settings.endpoint.as_str();
    let found = ctx.resolve()?;
    let verdict = found
        .as_ref()
        .map(|f| verify::cached(ctx, api_base, &f.token));
    let info = match &verdict {
        Some(Verdict::Valid(info)) => info.clone(),
        _ => None,
    };
    let mut access = Access {
        repo: repo.to_string(),
        kind: repo.kind.name(),
        access: if write { "write" } else { "read" },
        granted: false,
        code: "unknown",
        message: String::new(),
        fix: None,
        token: found.as_ref().map(|f| TokenSummary {
            source: f.source.id(),
            masked: f.token.masked(),
            fingerprint: f.token.fingerprint(),
            user: info.as_ref().map(|i| i.user.clone()),
        }),
    };
    let verb = if write { "push to" } else { "clone" };
    if let (Some(f), Some(Verdict::Invalid)) = (&found, &verdict) {
        access.code = "invalid-token";
        access.message = format!(
            "cannot {verb} {repo}: the token from {} ({}) is invalid.",
            f.source,
            f.token.masked()
        );
        access.fix = Some(f.source.fix());
        return Ok(access);
    }
    let answer = match ctx.hub()?.auth_check(
        api_base,
        &repo.api_path(),
        write,
        found.as_ref().map(|f| &f.token),
        ctx.deadline(),
    ) {
        Ok(a) => a,
        Err(e) => {
            access.message = format!("cannot tell whether you can {verb} {repo}: {e}.");
            return Ok(access);
        }
    };
    let who = describe_token(found.as_ref(), info.as_ref());
    let login = "hf auth login".to_string();
    let (code, message, fix) = match (answer.status, answer.error_code.as_deref(), &found) {
        (200..=299, _, _) => ("ok", format!("ok: {who} can {verb} {repo}."), None),
        (_, Some("GatedRepo"), None) => (
            "gated",
            format!(
                "{repo} is gated: log in, then request access at {}.",
                repo.page(api_base)
            ),
            Some(login),
        ),
        (_, Some("GatedRepo"), Some(_)) => (
            "gated",
            format!("{repo} is gated and {who} has not been granted access."),
            Some(format!("request access at {}", repo.page(api_base))),
        ),
        (401 | 404, Some("RepoNotFound"), None) | (404, _, None) => (
            "not-found",
            format!("{repo} does not exist, or it is private and you are not logged in."),
            Some(login),
        ),
        (404, _, Some(_)) | (_, Some("RepoNotFound"), Some(_)) => (
            "not-found",
            format!(
                "{repo} does not exist, or {who} cannot see it (it may be private): check the name, or ask its owner for access."
            ),
            None,
        ),
        (401, _, None) => (
            "no-token",
            format!("{repo} needs a token and none was found."),
            Some(login),
        ),
        (401, _, Some(f)) => (
            "invalid-token",
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
            "forbidden",
            format!(
                "the Hub refuses to let you {verb} {repo} ({status}): {}",
                answer.error_message.as_deref().unwrap_or("no reason given")
            ),
            None,
        ),
    };
    access.granted = code == "ok";
    access.code = code;
    access.message = message;
    access.fix = fix;
    Ok(access)
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
) -> (&'static str, String, Option<String>) {
    let settings = format!("{api_base}/settings/tokens");
    match info.and_then(|i| i.role.as_deref()) {
        Some("read") if write => (
            "read-only-token",
            format!("cannot push to {repo}: {who} is a read-only token."),
            Some(format!(
                "create a write token at {settings}, then `hf auth login` (or `hf auth switch` to a write token you have)"
            )),
        ),
        Some("fineGrained") => (
            "fine-grained-scope",
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
            "forbidden",
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
