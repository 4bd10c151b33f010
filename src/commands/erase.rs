//! `erase`: the Hub answered 401. If it was our token, ask the Hub directly whether the token
//! itself is the problem, and say so. The user's token files are never touched.

use super::{Ctx, check};
use crate::protocol::read_request;
use crate::repo;
use crate::report;
use crate::verify::{self, Verdict};
use std::io::{BufRead, Write};

pub fn run(ctx: &Ctx, input: &mut dyn BufRead, err: &mut dyn Write) -> anyhow::Result<()> {
    let req = read_request(input)?;
    let Some(target) = ctx.target(&req, err) else {
        return Ok(());
    };
    let Some(found) = ctx.resolve()? else {
        return Ok(());
    };
    if req.secret() != Some(found.token.expose()) {
        ctx.note(
            err,
            "git rejected a credential that is not the huggingface_hub token: ignored",
        );
        return Ok(());
    }
    match verify::fresh(ctx, &target.api_base, &found.token) {
        Verdict::Invalid => writeln!(err, "{}", report::rejected(&found, &target.origin))?,
        Verdict::Valid(info) => {
            writeln!(
                err,
                "{}",
                report::refused_but_valid(&found, &target.origin, info.as_ref())
            )?;
            if let Some(verdict) = current_clone_verdict(ctx) {
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
    Ok(())
}

/// When git runs in a clone of a Hub repository, what `check .` says about it: the likely
/// real cause of a 401 for a valid token (a private repository of another account, a typo).
fn current_clone_verdict(ctx: &Ctx) -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    let repo = repo::parse(".", None, &ctx.settings, &cwd).ok()?;
    let access = check::evaluate(ctx, &repo, false).ok()?;
    Some(match access.fix {
        Some(fix) => format!("{} Fix: {fix}", access.message),
        None => access.message,
    })
}
