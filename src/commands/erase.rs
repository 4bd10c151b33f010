//! `erase`: the Hub answered 401. If it was our token, ask the Hub directly whether the token
//! itself is the problem, and say so. The user's token files are never touched.

use super::{Ctx, Streams, get};
use crate::diagnose::report;
use crate::git::protocol::read_request;
use crate::hf::oidc;
use crate::hub::verdict::Verdict;
use crate::hub::{access, repo};
use crate::token::{Resolved, Source, Token};
use std::process::ExitCode;

pub fn run(ctx: &Ctx, _: &(), io: &mut Streams) -> anyhow::Result<ExitCode> {
    let err = &mut *io.err;
    let req = read_request(&mut *io.input)?;
    let Some(target) = ctx.target(&req, err) else {
        return Ok(ExitCode::SUCCESS);
    };
    let resolved = ctx.resolve(err)?;
    // git >= 2.46 says which of our tokens it used; older git: it is ours if it is the one
    // huggingface_hub holds now.
    let ours = |t: &&Token| {
        get::used_by_git(&req.states, t) || resolved.as_ref().is_some_and(|r| r.token == **t)
    };
    let Some(used) = req.secret().filter(ours) else {
        ctx.note(
            err,
            "git rejected a credential that is not the huggingface_hub token: ignored",
        );
        return Ok(ExitCode::SUCCESS);
    };
    let found = match resolved {
        Some(r) if r.token == *used => r,
        // huggingface_hub's token changed during git's operation: the one git used is judged.
        _ => Resolved {
            token: used.clone(),
            source: Source::Replaced,
            expires_at: None,
        },
    };
    // An exchanged OIDC token git saw fail is not served again from our cache.
    if let Source::Oidc(_) = found.source
        && let Ok(Some(request)) = oidc::request(&ctx.settings, ctx.env)
    {
        oidc::forget(&ctx.net(), &request);
    }
    let checker = ctx.checker();
    match checker.fresh(&target.api_base, &found.token) {
        Verdict::Invalid => writeln!(err, "{}", report::rejected(&found, &target.origin))?,
        Verdict::Valid(info) => {
            writeln!(
                err,
                "{}",
                report::refused_but_valid(&found, &target.origin, info.as_ref())
            )?;
            // In a clone of a Hub repository, what `check .` says is the likely real cause
            // of a 401 for a valid token (a private repository of another account, a typo).
            if let Ok(repo) = repo::parse(".", None, &ctx.settings, ctx.io.git, &ctx.cwd) {
                let a = access::evaluate(&checker, &target.api_base, Some(&found), &repo, false);
                let verdict = match a.fix {
                    Some(fix) => format!("{} Fix: {fix}", a.message),
                    None => a.message,
                };
                writeln!(err, "git-credential-hf: {verdict}")?;
            }
        }
        Verdict::Unknown(reason) => writeln!(
            err,
            "git-credential-hf: {} refused the token from {} ({}); re-checking it failed: {reason}",
            target.origin.authority(),
            found.source,
            found.token.masked()
        )?,
        Verdict::Offline => {}
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::fake::Machine;
    use crate::io::http::FakeHttp;

    const T: &str = "hf_not-a-real-token-erase";

    fn erase(m: &Machine) -> String {
        let input = format!("protocol=https\nhost=huggingface.co\nusername=git\npassword={T}\n");
        m.run(&input, |ctx, io| run(ctx, &(), io)).2
    }

    #[test]
    fn a_rejected_token_is_rechecked_and_the_cause_named() {
        let mut m = Machine::new(&[("HF_TOKEN", T)]);
        m.http = FakeHttp::default().answer("/api/whoami-v2", Some(T), 401, "");
        let err = erase(&m);
        assert!(
            err.contains("was rejected by huggingface.co (401)"),
            "{err}"
        );
        let mut m = Machine::new(&[("HF_TOKEN", T)]);
        m.http = FakeHttp::default().answer(
            "/api/whoami-v2",
            Some(T),
            200,
            r#"{"name":"alice","auth":{"accessToken":{"displayName":"laptop","role":"read"}}}"#,
        );
        let err = erase(&m);
        assert!(
            err.contains("but the Hub says it is valid (user alice"),
            "{err}"
        );
        // A credential that is not ours is none of our business: nothing is asked.
        let m = Machine::new(&[("HF_TOKEN", "hf_not-a-real-token-other")]);
        assert_eq!(erase(&m), "");
        assert!(m.http.requests.lock().unwrap().is_empty());
    }
}
