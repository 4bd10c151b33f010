//! Refreshing the OAuth tokens of `hf auth login`'s browser flow, as huggingface_hub's
//! `_refresh_oauth_token_if_needed` does: when the token file holds a stored token that has a
//! `refresh_token` and an `expires_at` less than a day away.
//!
//! `plan` is the pure decision; `run_due` is the refresh itself: under `stored_tokens.lock`
//! (flock, the lock Python's `filelock` takes), re-read the stored tokens, adopt what another
//! process already refreshed, else ask `{endpoint}/oauth/token` and rewrite both files.

use crate::commands::Ctx;
use crate::hub::Answer;
use crate::resolve::{pathlib_path, read_token_file};
use crate::secret::Token;
use crate::stored_tokens::{self, StoredToken, parse_python_int};
use serde_json::Value;
use std::fs::File;
use std::io;
use std::time::{Duration, Instant};

/// Refresh when less than this much validity remains.
pub const REFRESH_MARGIN: i64 = 24 * 3600;
/// huggingface_hub's `DEVICE_CODE_OAUTH_CLIENT_ID` default.
pub const DEFAULT_CLIENT_ID: &str = "26be6b09-91c5-47da-9861-d2d2bb7a7e36";

/// A file token whose refresh is due.
#[derive(Clone, Debug, PartialEq)]
pub struct Due {
    /// Its section in stored_tokens.
    pub name: String,
    pub token: Token,
    pub refresh_token: Token,
}

#[derive(Debug, PartialEq)]
pub enum Plan {
    /// Not a stored OAuth token with refresh metadata: used as it is.
    NotOAuth,
    NotDue,
    Due(Due),
}

/// What to do about the file token `token`, given the stored tokens, at unix time `now`.
pub fn plan(token: &Token, stored: &[StoredToken], now: i64) -> Plan {
    let Some(section) = stored.iter().find(|t| t.token == *token) else {
        return Plan::NotOAuth;
    };
    let (Some(refresh_token), Some(expires_at)) = (&section.refresh_token, section.expires_at)
    else {
        return Plan::NotOAuth;
    };
    if expires_at.saturating_sub(REFRESH_MARGIN) > now {
        return Plan::NotDue;
    }
    Plan::Due(Due {
        name: section.name.clone(),
        token: token.clone(),
        refresh_token: refresh_token.clone(),
    })
}

/// Why a refresh did not happen. Either way the old token is used.
#[derive(Debug, PartialEq)]
pub enum Failure {
    /// The Hub says the refresh token expired or was revoked.
    InvalidGrant(String),
    Other(String),
}

impl Failure {
    /// The warning shown (huggingface_hub logs the same two, with its own words).
    pub fn warning(&self, name: &str) -> String {
        match self {
            Failure::InvalidGrant(detail) => format!(
                "the OAuth token `{name}` has expired and cannot be refreshed (session expired or \
                 revoked: {detail}): log in again with `hf auth login` or `git-credential-hf login`"
            ),
            Failure::Other(detail) => format!(
                "could not refresh the OAuth token `{name}` ({detail}): using it as it is; the \
                 next request tries again"
            ),
        }
    }
}

/// The parts of an `/oauth/token` answer a refresh uses.
#[derive(Debug, PartialEq)]
pub struct Granted {
    pub access_token: Token,
    /// A rotated refresh token, if the Hub sent one.
    pub refresh_token: Option<Token>,
    pub expires_in: Option<i64>,
}

/// `refresh_access_token` + the checks `_save_token` implies: an answer with `access_token`
/// is a grant whatever its status; otherwise its `error` decides.
pub fn parse_grant(answer: &Answer) -> Result<Granted, Failure> {
    let status = answer.status;
    let data: Value = serde_json::from_slice(&answer.body).map_err(|_| {
        Failure::Other(format!(
            "the /oauth/token answer is not JSON (HTTP {status})"
        ))
    })?;
    let Some(object) = data.as_object() else {
        return Err(Failure::Other(format!(
            "the /oauth/token answer is not a JSON object (HTTP {status})"
        )));
    };
    let Some(access) = object.get("access_token") else {
        let error = object.get("error").and_then(Value::as_str);
        let description = object
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let detail = format!(
            "{} - {}",
            error.map_or_else(|| format!("HTTP {status}"), str::to_string),
            short(description)
        );
        return Err(match error {
            Some("invalid_grant") => Failure::InvalidGrant(detail),
            _ => Failure::Other(detail),
        });
    };
    let bad = |what: &str| Failure::Other(format!("the /oauth/token answer has {what}"));
    let access_token = match access.as_str() {
        Some(t) if !t.is_empty() => Token::new(t),
        _ => return Err(bad("no usable access_token")),
    };
    // `response.get("refresh_token") or refresh_token`: a falsy value keeps the old one.
    let refresh_token = match object.get("refresh_token") {
        Some(v) if truthy(v) => Some(Token::new(
            v.as_str()
                .ok_or_else(|| bad("a refresh_token that is not text"))?,
        )),
        _ => None,
    };
    let expires_in = match object.get("expires_in") {
        None => None,
        Some(v) => Some(python_int(v).ok_or_else(|| bad("an expires_in that is not a number"))?),
    };
    Ok(Granted {
        access_token,
        refresh_token,
        expires_in,
    })
}

/// Python's `int(v)` for a JSON value; saturates like `parse_python_int`.
pub fn python_int(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|_| i64::MAX))
            .or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Value::String(s) => parse_python_int(s),
        _ => None,
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Server text shown in a message: one line, bounded.
pub fn short(text: &str) -> String {
    let line: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    line
}

/// The refresh. Returns the token to use: the new one, or the one another process already
/// refreshed.
pub fn run_due(ctx: &Ctx, due: &Due, now: i64) -> Result<Token, Failure> {
    let settings = &ctx.settings;
    let other = |what: &str, e: &dyn std::fmt::Display| Failure::Other(format!("{what}: {e}"));
    // Python waits up to 30 s; a git request should not. Giving up only means using the old
    // token, which still has most of a day left.
    let _lock = lock(
        &format!("{}.lock", settings.stored_tokens_path),
        ctx.deadline(),
    )
    .map_err(|e| other("cannot take stored_tokens.lock", &e))?
    .ok_or_else(|| Failure::Other("another process holds stored_tokens.lock".into()))?;

    // Re-read under the lock: another process may have refreshed in the meantime.
    let mut stored = stored_tokens::read(&settings.stored_tokens_path, ctx.sys)
        .map_err(|e| other("cannot read stored_tokens", &e))?;
    if let Some(problem) = &stored.problem {
        return Err(Failure::Other(format!(
            "stored_tokens cannot be parsed: {problem}"
        )));
    }
    let current = stored.tokens.iter().position(|t| t.name == due.name);
    if current.is_none_or(|i| stored.tokens[i].token != due.token) {
        // `fields.get("hf_token") or token`
        return Ok(current
            .map(|i| stored.tokens[i].token.clone())
            .filter(|t| !t.expose().is_empty())
            .unwrap_or_else(|| due.token.clone()));
    }
    if settings.offline {
        return Err(Failure::Other(
            "HF_HUB_OFFLINE is set, so the Hub is not asked".into(),
        ));
    }
    let client = ctx.hub().map_err(|e| other("cannot set up HTTPS", &e))?;
    let client_id = ctx
        .env
        .get("HF_DEVICE_CODE_OAUTH_CLIENT_ID")
        .map_err(|e| Failure::Other(e.to_string()))?
        .unwrap_or(DEFAULT_CLIENT_ID);
    let answer = client
        .post_form(
            "OAuth refresh",
            &format!("{}/oauth/token", settings.endpoint),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", due.refresh_token.expose()),
                ("client_id", client_id),
            ],
            ctx.deadline(),
        )
        .map_err(Failure::Other)?;
    let granted = parse_grant(&answer)?;

    let new = granted.access_token.clone();
    let index = current.expect("checked above");
    stored.tokens[index] = StoredToken::new(
        due.name.clone(),
        new.clone(),
        Some(
            granted
                .refresh_token
                .unwrap_or_else(|| due.refresh_token.clone()),
        ),
        granted.expires_in.map(|s| now.saturating_add(s)),
    );
    stored_tokens::write(&settings.stored_tokens_path, &stored.tokens)
        .map_err(|e| other("cannot write stored_tokens", &e))?;
    // The active token file follows, unless someone switched to another token meanwhile.
    if read_token_file(settings, ctx.sys).ok().flatten().as_ref() == Some(&due.token) {
        stored_tokens::write_secret(&settings.token_path, new.expose().as_bytes())
            .map_err(|e| other("cannot write the token file", &e))?;
    }
    Ok(new)
}

/// `WeakFileLock(path, timeout)`: an exclusive flock on `path` (created 0664, left in place,
/// as filelock does), so this helper and Python exclude each other. `None` when it cannot
/// be had by `deadline`.
fn lock(path: &str, deadline: Instant) -> io::Result<Option<File>> {
    let path = pathlib_path(path);
    let mut create = File::options();
    create.read(true).write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o664);
    let file = match create.open(&path) {
        Ok(file) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                // Past the umask, as filelock's fchmod.
                let _ = file.set_permissions(std::fs::Permissions::from_mode(0o664));
            }
            file
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            File::options().read(true).write(true).open(&path)?
        }
        Err(e) => return Err(e),
    };
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(text: &str) -> Vec<StoredToken> {
        stored_tokens::parse(text.as_bytes()).tokens
    }

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn plans_like_python() {
        let t = Token::new("hf_oauth");
        let file = |expires: i64| {
            format!(
                "[plain]\nhf_token = hf_plain\n\n[oauth-a]\nhf_token = hf_oauth\n\
                 refresh_token = r\nexpires_at = {expires}\n"
            )
        };
        // Exactly one day left is due (`expires_at - margin > now` is false).
        assert!(matches!(
            plan(&t, &stored(&file(NOW + REFRESH_MARGIN)), NOW),
            Plan::Due(_)
        ));
        assert_eq!(
            plan(&t, &stored(&file(NOW + REFRESH_MARGIN + 1)), NOW),
            Plan::NotDue
        );
        assert_eq!(
            plan(&t, &stored(&file(NOW - 5)), NOW),
            Plan::Due(Due {
                name: "oauth-a".into(),
                token: t.clone(),
                refresh_token: Token::new("r"),
            })
        );
        assert_eq!(
            plan(&Token::new("hf_plain"), &stored(&file(NOW)), NOW),
            Plan::NotOAuth
        );
        let no_expiry = "[o]\nhf_token = hf_oauth\nrefresh_token = r\nexpires_at = soon\n";
        assert_eq!(plan(&t, &stored(no_expiry), NOW), Plan::NotOAuth);
        let no_refresh = "[o]\nhf_token = hf_oauth\nexpires_at = 1\n";
        assert_eq!(plan(&t, &stored(no_refresh), NOW), Plan::NotOAuth);
        // The first section holding the token decides.
        let two = "[a]\nhf_token = hf_oauth\n[b]\nhf_token = hf_oauth\nrefresh_token = r\nexpires_at = 1\n";
        assert_eq!(plan(&t, &stored(two), NOW), Plan::NotOAuth);
        // An empty refresh token is still "not None" in Python: it is tried.
        let empty = "[o]\nhf_token = hf_oauth\nrefresh_token =\nexpires_at = 1\n";
        assert!(matches!(plan(&t, &stored(empty), NOW), Plan::Due(_)));
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
            ..Answer::default()
        }
    }

    #[test]
    fn grants_and_failures() {
        let g = parse_grant(&answer(
            200,
            r#"{"access_token":"hf_new","refresh_token":"r2","expires_in":3600.9}"#,
        ))
        .unwrap();
        assert_eq!(g.access_token.expose(), "hf_new");
        assert_eq!(g.refresh_token.unwrap().expose(), "r2");
        assert_eq!(g.expires_in, Some(3600));
        let g = parse_grant(&answer(
            400,
            r#"{"access_token":"x","refresh_token":"","expires_in":"7"}"#,
        ))
        .unwrap();
        assert_eq!((g.refresh_token, g.expires_in), (None, Some(7)));
        assert_eq!(
            parse_grant(&answer(200, r#"{"access_token":"x"}"#))
                .unwrap()
                .expires_in,
            None
        );
        assert!(matches!(
            parse_grant(&answer(400, r#"{"error":"invalid_grant","error_description":"expired"}"#)),
            Err(Failure::InvalidGrant(d)) if d == "invalid_grant - expired"
        ));
        assert!(matches!(
            parse_grant(&answer(500, "<html>")),
            Err(Failure::Other(d)) if d.contains("HTTP 500")
        ));
        assert!(matches!(
            parse_grant(&answer(500, "{}")),
            Err(Failure::Other(d)) if d == "HTTP 500 - "
        ));
        for body in [
            r#"{"access_token":null}"#,
            r#"{"access_token":""}"#,
            r#"{"access_token":"x","expires_in":null}"#,
            r#"{"access_token":"x","refresh_token":5}"#,
            "[1]",
        ] {
            assert!(
                matches!(parse_grant(&answer(200, body)), Err(Failure::Other(_))),
                "{body}"
            );
        }
    }

    #[test]
    fn lock_excludes_and_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stored_tokens.lock");
        let path = path.to_str().unwrap();
        let within = |ms| Instant::now() + Duration::from_millis(ms);
        let held = lock(path, within(10)).unwrap().unwrap();
        assert!(lock(path, within(50)).unwrap().is_none());
        drop(held);
        assert!(lock(path, within(10)).unwrap().is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o664);
        }
    }
}
