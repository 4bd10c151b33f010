//! `get`: answer git with `username=git` and the token huggingface_hub would use, unless the
//! Hub has said that token is invalid.

use super::{Ctx, Streams};
use crate::cli::AuthType;
use crate::diagnose::report;
use crate::git::protocol::{Request, WriteError, read_request, write_fields};
use crate::hub::verdict::{NoVerdict, Verdict};
use crate::token::{Resolved, Source, Token};
use std::process::ExitCode;

pub fn run(ctx: &Ctx, _: &(), io: &mut Streams) -> anyhow::Result<ExitCode> {
    let err = &mut *io.err;
    let req = read_request(&mut *io.input)?;
    let Some(target) = ctx.target(&req, err) else {
        return Ok(ExitCode::SUCCESS);
    };
    let Some(found) = ctx.resolve(err)? else {
        writeln!(
            err,
            "git-credential-hf: {}",
            report::no_token(&ctx.settings)
        )?;
        return Ok(ExitCode::SUCCESS);
    };
    // An expired token that could not be refreshed is refused by the Hub: git had better ask
    // its next helper or the user.
    let now = crate::hub::store::now() as i64;
    if let Some(at) = found.expires_at.filter(|at| *at <= now) {
        writeln!(err, "git-credential-hf: {}", report::expired(&found, at))?;
        return Ok(ExitCode::SUCCESS);
    }
    let (verdict, how) = ctx.checker().cached_how(&target.api_base, &found.token);
    match &verdict {
        Verdict::Invalid => {
            ctx.note(
                err,
                format_args!("the token is invalid: {}", report::how(how)),
            );
            writeln!(err, "{}", report::rejected(&found, &target.origin))?;
            return Ok(ExitCode::SUCCESS);
        }
        // The run that waited for a silent Hub says so, once; the runs that skip it thanks
        // to that memory stay quiet (the same git operation), unless --verbose.
        Verdict::Unknown(NoVerdict::Unreachable(reason)) => {
            let line = report::unreachable(&target.api_base, reason, ctx.options.verbose);
            writeln!(err, "{line}")?;
        }
        Verdict::Unknown(reason) => {
            ctx.note(err, format_args!("{reason}; sending the token unchecked"))
        }
        Verdict::Offline => ctx.note(err, "HF_HUB_OFFLINE is set; sending the token unchecked"),
        Verdict::Valid(_) => ctx.note(
            err,
            format_args!(
                "sending the token from {}: {}",
                found.source,
                report::how(how)
            ),
        ),
    }
    let answer = answer(ctx, &req, &found, &verdict);
    let fields: Vec<(&str, &str)> = answer.iter().map(|(k, v)| (*k, v.as_str())).collect();
    write_fields(&mut *io.out, &fields).map_err(|e| match e {
        WriteError::Value { why, .. } => anyhow::anyhow!(
            "cannot give the token from {} to git: it {why}, which no Hub token does: {}",
            found.source,
            found.source.fix()
        ),
        WriteError::Io(e) => anyhow::Error::new(e).context("cannot answer git"),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Our `state[]` value: which of our tokens git was given, by fingerprint.
pub fn state_of(token: &Token) -> String {
    format!("{STATE_PREFIX}{}", token.fingerprint())
}

const STATE_PREFIX: &str = "git-credential-hf:";

/// Whether git's `state[]` says it used `token` from us.
pub fn used_by_git(states: &[String], token: &Token) -> bool {
    states.iter().any(|s| *s == state_of(token))
}

/// The answer's lines, in the protocol's vocabulary and order (capabilities first):
/// - a Bearer credential (`authtype`, git >= 2.46) for OAuth and OIDC tokens, `ephemeral` for
///   the short-lived OIDC ones (so no storage helper keeps them);
/// - else `username=git` (unless git has one) and the token as password;
/// - `password_expiry_utc` when the token expires, so git drops it then and never stores an
///   expired one elsewhere; never `oauth_refresh_token` (the refresh token is ours to spend);
/// - `state[]` (git >= 2.46), so `store` and `erase` know which token git used.
fn answer(
    ctx: &Ctx,
    req: &Request,
    found: &Resolved,
    verdict: &Verdict,
) -> Vec<(&'static str, String)> {
    let token = found.token.expose().to_string();
    let bearer =
        req.has_capability("authtype") && wants_bearer(ctx.options.auth_type, found, verdict);
    let state = req.has_capability("state");
    let mut lines = Vec::new();
    if bearer {
        lines.push(("capability[]", "authtype".to_string()));
    }
    if state {
        lines.push(("capability[]", "state".to_string()));
    }
    if bearer {
        lines.push(("authtype", "Bearer".to_string()));
        lines.push(("credential", token));
        if matches!(found.source, Source::Oidc(_)) {
            lines.push(("ephemeral", "1".to_string()));
        }
    } else {
        if req.username.is_none() {
            lines.push(("username", "git".to_string()));
        }
        lines.push(("password", token));
    }
    if let Some(at) = found.expires_at {
        lines.push(("password_expiry_utc", at.to_string()));
    }
    if state {
        lines.push(("state[]", state_of(&found.token)));
    }
    lines
}

/// `git-credential-hf capability`: what this helper speaks, as git's own helpers print it.
pub fn capability(_: &Ctx, _: &(), io: &mut Streams) -> anyhow::Result<ExitCode> {
    write!(io.out, "version 0\ncapability authtype\ncapability state\n")?;
    Ok(ExitCode::SUCCESS)
}

/// OAuth access tokens and exchanged OIDC tokens go as Bearer in `auto` mode: the Hub's LFS
/// endpoint refused OAuth tokens as a Basic password (huggingface_hub moved its own uploads to
/// Bearer for that reason), and an OIDC token is short-lived, which only a Bearer credential
/// can say (`ephemeral`).
fn wants_bearer(mode: AuthType, found: &Resolved, verdict: &Verdict) -> bool {
    match mode {
        AuthType::Basic => false,
        AuthType::Bearer => true,
        AuthType::Auto => match (&found.source, verdict) {
            (Source::Oidc(_), _) => true,
            (_, Verdict::Valid(Some(info))) => info.auth_type.as_deref() == Some("oauth"),
            _ => found.token.looks_like_oauth(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::fake::Machine;

    const T: &str = "hf_not-a-real-token-get";
    const WHOAMI: &str = r#"{"name":"alice","auth":{"type":"access_token","accessToken":{"displayName":"laptop","role":"write"}}}"#;

    fn get(m: &Machine, input: &str) -> (String, String) {
        let (_, out, err) = m.run(input, |ctx, io| run(ctx, &(), io));
        (out, err)
    }

    fn verbose(pairs: &[(&str, &str)]) -> Machine {
        let mut m = Machine::new(pairs);
        m.options.verbose = true;
        m
    }

    #[test]
    fn answers_the_hub_offline_with_the_env_token() {
        let m = verbose(&[("HF_TOKEN", T), ("HF_HUB_OFFLINE", "1")]);
        let (out, err) = get(&m, "protocol=https\nhost=huggingface.co\n\n");
        assert_eq!(out, format!("username=git\npassword={T}\n"));
        assert!(err.contains("HF_HUB_OFFLINE"), "{err}");
        let (out, _) = get(&m, "protocol=https\nhost=hf.co\nusername=alice\n");
        assert_eq!(out, format!("password={T}\n"));
        assert!(m.http.requests.lock().unwrap().is_empty());
    }

    #[test]
    fn a_valid_token_is_checked_once_then_served_from_the_cache() {
        let mut m = verbose(&[("HF_TOKEN", T)]);
        m.http =
            crate::io::http::FakeHttp::default().answer("/api/whoami-v2", Some(T), 200, WHOAMI);
        for _ in 0..3 {
            let (out, err) = get(&m, "protocol=https\nhost=huggingface.co\n");
            assert_eq!(out, format!("username=git\npassword={T}\n"), "{err}");
        }
        assert_eq!(m.http.bearers(), [T], "one whoami for three requests");
        let request = m.http.requests.lock().unwrap()[0].url.clone();
        assert_eq!(request, "https://huggingface.co/api/whoami-v2");
    }

    #[test]
    fn an_invalid_token_is_not_sent_and_the_fix_is_named() {
        let mut m = Machine::new(&[("HF_TOKEN", T)]);
        m.http = crate::io::http::FakeHttp::default().answer("/api/whoami-v2", None, 401, "");
        let (out, err) = get(&m, "protocol=https\nhost=hf.co\n");
        assert_eq!(out, "");
        assert!(err.contains("was rejected by hf.co (401)"), "{err}");
        assert!(err.contains("update or unset it"), "{err}");
        // A Hub that cannot be reached: sent unchecked.
        let mut m = Machine::new(&[("HF_TOKEN", T)]);
        m.http = crate::io::http::FakeHttp::default().unreachable("/api/whoami-v2");
        assert_eq!(
            get(&m, "protocol=https\nhost=hf.co\n").0,
            format!("username=git\npassword={T}\n")
        );
    }

    #[test]
    fn oauth_tokens_go_as_bearer_when_git_can_take_it() {
        let oauth = "hf_oauth_not-a-real-token";
        let m = Machine::new(&[("HF_TOKEN", oauth), ("HF_HUB_OFFLINE", "1")]);
        let bearer = format!("capability[]=authtype\nauthtype=Bearer\ncredential={oauth}\n");
        let with_cap = "capability[]=authtype\nprotocol=https\nhost=hf.co\n";
        assert_eq!(get(&m, with_cap).0, bearer);
        // Old git (no capability): a password is all it understands.
        assert_eq!(
            get(&m, "protocol=https\nhost=hf.co\n").0,
            format!("username=git\npassword={oauth}\n")
        );
        // Access tokens stay Basic in auto mode.
        let access = Machine::new(&[("HF_TOKEN", T), ("HF_HUB_OFFLINE", "1")]);
        assert_eq!(
            get(&access, with_cap).0,
            format!("username=git\npassword={T}\n")
        );
        let verdict = Verdict::Offline;
        let found = |t: &str, source| Resolved {
            token: Token::new(t),
            source,
            expires_at: None,
        };
        let env = || Source::Env("HF_TOKEN");
        assert!(wants_bearer(AuthType::Bearer, &found(T, env()), &verdict));
        assert!(!wants_bearer(
            AuthType::Basic,
            &found(oauth, env()),
            &verdict
        ));
        let oauth_info = crate::hub::verdict::WhoamiInfo {
            auth_type: Some("oauth".into()),
            ..Default::default()
        };
        let valid = Verdict::Valid(Some(oauth_info));
        assert!(wants_bearer(AuthType::Auto, &found(T, env()), &valid));
        let oidc = found(T, Source::Oidc("org/m".into()));
        assert!(wants_bearer(AuthType::Auto, &oidc, &verdict));
    }

    #[test]
    fn says_nothing_to_other_hosts() {
        let m = verbose(&[("HF_TOKEN", T), ("HF_HUB_OFFLINE", "1")]);
        let (out, err) = get(&m, "protocol=https\nhost=huggingface.co.evil.example\n");
        assert_eq!(out, "");
        assert!(err.contains("not a Hugging Face Hub origin"), "{err}");
        assert_eq!(get(&m, "protocol=http\nhost=huggingface.co\n").0, "");
        assert!(m.http.requests.lock().unwrap().is_empty());
    }

    #[test]
    fn no_token_is_explained() {
        let m = Machine::new(&[("HOME", "/nowhere")]);
        let (out, err) = get(&m, "protocol=https\nhost=hf.co\n");
        assert_eq!(out, "");
        assert!(err.contains("no Hugging Face token found"), "{err}");
        assert!(err.contains("/nowhere/.cache/huggingface/token"), "{err}");
    }
}
