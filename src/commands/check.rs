//! `check REPO`: what will happen on clone (or push, with `--write`) and why.

use super::{Ctx, Streams, UsageError};
use crate::cli::CheckArgs;
use crate::hf::stored_tokens;
use crate::hub::access::AccessCode;
use crate::hub::verdict::Checker;
use crate::hub::{access, repo};
use crate::redact::redact;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, args: &CheckArgs, io: &mut Streams) -> anyhow::Result<ExitCode> {
    let repo = repo::parse(&args.repo, args.kind, &ctx.settings, ctx.io.git, &ctx.cwd)
        .map_err(UsageError)?;
    let found = ctx.resolve(io.err)?;
    let checker = ctx.checker();
    let mut access = access::evaluate(
        &checker,
        &ctx.settings.endpoint,
        found.as_ref(),
        &repo,
        args.write,
    );
    if access.code == AccessCode::ReadOnlyToken {
        let writers = write_tokens(ctx, &checker);
        if let Some(first) = writers.first() {
            access.fix = Some(format!(
                "`hf auth switch {first}` (a write token you have: {}), or create a write token at {}/settings/tokens",
                writers.join(", "),
                ctx.settings.endpoint
            ));
        }
    }
    access.message = redact(&access.message);
    access.fix = access.fix.as_deref().map(redact);
    if args.json {
        serde_json::to_writer_pretty(&mut *io.out, &access)?;
        writeln!(io.out)?;
    } else {
        writeln!(io.out, "{}", access.message)?;
        if let Some(fix) = &access.fix {
            writeln!(io.out, "fix: {fix}")?;
        }
    }
    Ok(match access.granted {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}

/// The stored tokens the Hub said (as far as our cache remembers) can push.
fn write_tokens(ctx: &Ctx, checker: &Checker) -> Vec<String> {
    let stored = stored_tokens::read(&ctx.settings.stored_tokens_path, ctx.io.fs)
        .map(|p| p.tokens)
        .unwrap_or_default();
    stored
        .into_iter()
        .filter(|t| {
            checker
                .known(&ctx.settings.endpoint, &t.token)
                .as_ref()
                .and_then(|v| v.info())
                .is_some_and(|i| i.permissions().write == Some(true))
        })
        .map(|t| t.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::fake::Machine;
    use crate::io::http::FakeHttp;

    const T: &str = "hf_not-a-real-token-check";
    const READ: &str = r#"{"name":"alice","auth":{"type":"access_token","accessToken":{"displayName":"ci","role":"read"}}}"#;

    fn check(m: &Machine, repo: &str, write: bool) -> (ExitCode, String) {
        let args = CheckArgs {
            repo: repo.into(),
            write,
            kind: None,
            json: false,
        };
        let (code, out, _) = m.run("", |ctx, io| run(ctx, &args, io));
        (code, out)
    }

    #[test]
    fn the_hubs_answers_become_verdicts() {
        let mut m = Machine::new(&[("HF_TOKEN", T)]);
        m.http = FakeHttp::default()
            .answer("/api/whoami-v2", Some(T), 200, READ)
            .answer("/api/models/org/m/auth-check", Some(T), 200, "")
            .answer("/api/models/org/m/auth-check/write", Some(T), 403, "")
            .headers(
                "/api/models/org/gated/auth-check",
                403,
                &[("x-error-code", "GatedRepo")],
            );
        let (code, out) = check(&m, "org/m", false);
        assert_eq!(code, ExitCode::SUCCESS);
        assert!(out.starts_with("ok: the token from HF_TOKEN"), "{out}");
        let (code, out) = check(&m, "org/m", true);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(out.contains("is a read-only token"), "{out}");
        let (_, out) = check(&m, "org/gated", false);
        assert!(
            out.contains("is gated and the token from HF_TOKEN"),
            "{out}"
        );
        assert!(
            out.contains("request access at https://huggingface.co/org/gated"),
            "{out}"
        );
        // One whoami for the three checks.
        let whoamis = m
            .http
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.what == "whoami")
            .count();
        assert_eq!(whoamis, 1);
    }

    #[test]
    fn a_read_only_token_is_told_which_stored_token_can_push() {
        let writer = "hf_not-a-real-token-writer";
        let mut m = Machine::new(&[]);
        m.fs.put("/h/.cache/huggingface/token", T);
        m.fs.put(
            "/h/.cache/huggingface/stored_tokens",
            &format!("[ci]\nhf_token = {T}\n\n[laptop]\nhf_token = {writer}\n\n"),
        );
        let write = r#"{"name":"alice","auth":{"type":"access_token","accessToken":{"displayName":"laptop","role":"write"}}}"#;
        m.http = FakeHttp::default()
            .answer("/api/whoami-v2", Some(T), 200, READ)
            .answer("/api/whoami-v2", Some(writer), 200, write)
            .answer("/api/models/org/m/auth-check/write", Some(T), 403, "");
        // The cache knows the laptop token can push (status checked it once).
        m.ctx()
            .checker()
            .cached("https://huggingface.co", &crate::token::Token::new(writer));
        let (code, out) = check(&m, "org/m", true);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(
            out.contains("fix: `hf auth switch laptop` (a write token you have: laptop)"),
            "{out}"
        );
    }

    #[test]
    fn without_a_token_the_missing_token_is_the_news() {
        let mut m = Machine::new(&[]);
        m.http = FakeHttp::default().unreachable("auth-check");
        let (code, out) = check(&m, "org/m", false);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(
            out.starts_with("there is no Hugging Face token here"),
            "{out}"
        );
        assert!(out.contains("fix: hf auth login"), "{out}");
    }

    #[test]
    fn an_unreachable_hub_is_said_and_is_not_a_grant() {
        let mut m = Machine::new(&[("HF_TOKEN", T)]);
        m.http = FakeHttp::default()
            .unreachable("/api/whoami-v2")
            .unreachable("auth-check");
        let (code, out) = check(&m, "org/m", false);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(
            out.contains("cannot tell whether you can clone org/m"),
            "{out}"
        );
    }
}
