//! `check REPO`: what will happen on clone (or push, with `--write`) and why.

use super::{Ctx, Streams, UsageError};
use crate::cli::CheckArgs;
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
