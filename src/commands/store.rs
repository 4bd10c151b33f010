//! `store`: git says the credential worked. If it is our token, that is a fresh "valid".
//! The user's Hugging Face files are never written here.

use super::{Ctx, Streams, get};
use crate::git::protocol::read_request;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, _: &(), io: &mut Streams) -> anyhow::Result<ExitCode> {
    let err = &mut *io.err;
    let req = read_request(&mut *io.input)?;
    let Some(target) = ctx.target(&req, err) else {
        return Ok(ExitCode::SUCCESS);
    };
    // git >= 2.46 says which of our tokens it used: that one worked, whatever huggingface_hub
    // holds now (nothing to resolve).
    if let Some(used) = req.secret().filter(|t| get::used_by_git(&req.states, t)) {
        ctx.checker().confirm(&target.api_base, used);
        ctx.note(err, "git confirmed the token it had from this helper");
        return Ok(ExitCode::SUCCESS);
    }
    let Some(found) = ctx.resolve(err)? else {
        return Ok(ExitCode::SUCCESS);
    };
    if req.secret() == Some(&found.token) {
        ctx.checker().confirm(&target.api_base, &found.token);
        ctx.note(
            err,
            format_args!("git confirmed the token from {}", found.source),
        );
    } else {
        ctx.note(
            err,
            "git confirmed a credential that is not the huggingface_hub token: ignored",
        );
    }
    Ok(ExitCode::SUCCESS)
}
