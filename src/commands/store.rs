//! `store`: git says the credential worked. If it is our token, that is a fresh "valid".
//! The user's Hugging Face files are never written here.

use super::Ctx;
use crate::protocol::read_request;
use crate::verify;
use std::io::{BufRead, Write};

pub fn run(ctx: &Ctx, input: &mut dyn BufRead, err: &mut dyn Write) -> anyhow::Result<()> {
    let req = read_request(input)?;
    let Some(target) = ctx.target(&req, err) else {
        return Ok(());
    };
    let Some(found) = ctx.resolve()? else {
        return Ok(());
    };
    if req.secret() == Some(found.token.expose()) {
        verify::confirm(ctx, &target.api_base, &found.token);
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
    Ok(())
}
