//! `get`: answer git with `username=git` and the token huggingface_hub would use, unless the
//! Hub has said that token is invalid.

use super::Ctx;
use crate::cli::AuthType;
use crate::protocol::{WriteError, read_request, write_fields};
use crate::report;
use crate::secret::Token;
use crate::verify::{self, Verdict};
use std::io::{BufRead, Write};

pub fn run(
    ctx: &Ctx,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    let req = read_request(input)?;
    let Some(target) = ctx.target(&req, err) else {
        return Ok(());
    };
    let Some(found) = ctx.resolve()? else {
        writeln!(
            err,
            "git-credential-hf: {}",
            report::no_token(&ctx.settings)
        )?;
        return Ok(());
    };
    ctx.print_warnings(err)?;
    let verdict = verify::cached(ctx, &target.api_base, &found.token);
    match &verdict {
        Verdict::Invalid => {
            writeln!(err, "{}", report::rejected(&found, &target.origin))?;
            return Ok(());
        }
        Verdict::Unknown(reason) => {
            ctx.note(err, format_args!("{reason}; sending the token unchecked"))
        }
        Verdict::Offline => ctx.note(err, "HF_HUB_OFFLINE is set; sending the token unchecked"),
        Verdict::Valid(_) => ctx.note(err, format_args!("sending the token from {}", found.source)),
    }
    let token = found.token.expose();
    let bearer =
        req.has_capability("authtype") && wants_bearer(ctx.auth_type, &found.token, &verdict);
    let fields: &[(&str, &str)] = if bearer {
        &[
            ("capability[]", "authtype"),
            ("authtype", "Bearer"),
            ("credential", token),
        ]
    } else if req.username.is_some() {
        &[("password", token)]
    } else {
        &[("username", "git"), ("password", token)]
    };
    write_fields(out, fields).map_err(|e| match e {
        WriteError::Value { why, .. } => anyhow::anyhow!(
            "cannot give the token from {} to git: it {why}, which no Hub token does: {}",
            found.source,
            found.source.fix()
        ),
        WriteError::Io(e) => anyhow::Error::new(e).context("cannot answer git"),
    })
}

/// OAuth access tokens go as Bearer in `auto` mode: the Hub's LFS endpoint refused them as a
/// Basic password (huggingface_hub moved its own uploads to Bearer for that reason).
fn wants_bearer(mode: AuthType, token: &Token, verdict: &Verdict) -> bool {
    match mode {
        AuthType::Basic => false,
        AuthType::Bearer => true,
        AuthType::Auto => match verdict {
            Verdict::Valid(Some(info)) => info.auth_type.as_deref() == Some("oauth"),
            _ => token.looks_like_oauth(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::GlobalArgs;
    use crate::env::{Env, FakeSystem};
    use std::time::Duration;

    fn get(pairs: &[(&str, &str)], input: &str) -> (String, String) {
        let env = Env::from_pairs(pairs.iter().copied());
        let sys = FakeSystem::default();
        let global = GlobalArgs {
            timeout: Some(Duration::from_secs(1)),
            verbose: true,
            auth_type: None,
        };
        let ctx = Ctx::new(&env, &sys, &global).unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        run(&ctx, &mut input.as_bytes(), &mut out, &mut err).unwrap();
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn answers_the_hub_offline_with_the_env_token() {
        let env = [("HF_TOKEN", "hf_tok"), ("HF_HUB_OFFLINE", "1")];
        let (out, err) = get(&env, "protocol=https\nhost=huggingface.co\n\n");
        assert_eq!(out, "username=git\npassword=hf_tok\n");
        assert!(err.contains("HF_HUB_OFFLINE"), "{err}");
        let (out, _) = get(&env, "protocol=https\nhost=hf.co\nusername=alice\n");
        assert_eq!(out, "password=hf_tok\n");
    }

    #[test]
    fn oauth_tokens_go_as_bearer_when_git_can_take_it() {
        let oauth = [("HF_TOKEN", "hf_oauth_tok"), ("HF_HUB_OFFLINE", "1")];
        let bearer = "capability[]=authtype\nauthtype=Bearer\ncredential=hf_oauth_tok\n";
        let with_cap = "capability[]=authtype\nprotocol=https\nhost=hf.co\n";
        assert_eq!(get(&oauth, with_cap).0, bearer);
        // Old git (no capability): a password is all it understands.
        assert_eq!(
            get(&oauth, "protocol=https\nhost=hf.co\n").0,
            "username=git\npassword=hf_oauth_tok\n"
        );
        // Access tokens stay Basic in auto mode.
        let access = [("HF_TOKEN", "hf_tok"), ("HF_HUB_OFFLINE", "1")];
        assert_eq!(get(&access, with_cap).0, "username=git\npassword=hf_tok\n");
        let verdict = Verdict::Offline;
        let token = Token::new("hf_tok");
        assert!(wants_bearer(AuthType::Bearer, &token, &verdict));
        assert!(!wants_bearer(
            AuthType::Basic,
            &Token::new("hf_oauth_x"),
            &verdict
        ));
        let oauth_info = crate::hub::WhoamiInfo {
            auth_type: Some("oauth".into()),
            ..Default::default()
        };
        assert!(wants_bearer(
            AuthType::Auto,
            &token,
            &Verdict::Valid(Some(oauth_info))
        ));
    }

    #[test]
    fn says_nothing_to_other_hosts() {
        let env = [("HF_TOKEN", "hf_tok"), ("HF_HUB_OFFLINE", "1")];
        let (out, err) = get(&env, "protocol=https\nhost=huggingface.co.evil.example\n");
        assert_eq!(out, "");
        assert!(err.contains("not a Hugging Face Hub origin"), "{err}");
        assert_eq!(get(&env, "protocol=http\nhost=huggingface.co\n").0, "");
    }

    #[test]
    fn no_token_is_explained() {
        let (out, err) = get(&[("HOME", "/nowhere")], "protocol=https\nhost=hf.co\n");
        assert_eq!(out, "");
        assert!(err.contains("no Hugging Face token found"), "{err}");
        assert!(err.contains("/nowhere/.cache/huggingface/token"), "{err}");
    }
}
