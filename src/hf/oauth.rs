//! Refreshing the OAuth tokens of `hf auth login`'s browser flow, as huggingface_hub's
//! `_refresh_oauth_token_if_needed` does: when the token file holds a stored token that has a
//! `refresh_token` and an `expires_at` less than a day away.
//!
//! `plan` is the pure decision; `run_due` is the refresh itself: under `stored_tokens.lock`
//! (flock, the lock Python's `filelock` takes), re-read the stored tokens, adopt what another
//! process already refreshed, else ask `{endpoint}/oauth/token` and rewrite both files.
//!
//! Python remembers a failed refresh in memory for 5 minutes; a helper lives one request, so
//! it remembers it in `oauth.json` of its own cache. There too it keeps a grant the user's
//! files could not take, so the refresh token it spent is never spent again.

use super::Net;
use crate::env::HF_DEVICE_CODE_OAUTH_CLIENT_ID;
use crate::git::origin::Origin;
use crate::git::url::Url;
use crate::hf::stored_tokens::{self, StoredToken};
use crate::hf::token_file;
use crate::hub::store::{self, Store};
use crate::io::http::{Body, Request, Response, Unreachable};
use crate::python::text::{json_int, truthy};
use crate::redact::printable;
use crate::token::{self, Secret, Token};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io;

/// Refresh when less than this much validity remains.
pub const REFRESH_MARGIN: i64 = 24 * 3600;
/// huggingface_hub's `DEVICE_CODE_OAUTH_CLIENT_ID` default.
pub const DEFAULT_CLIENT_ID: &str = "26be6b09-91c5-47da-9861-d2d2bb7a7e36";
/// A failed refresh is not tried again for this long (`_OAUTH_RECHECK_INTERVAL`).
pub const RETRY_AFTER: i64 = 300;
const MEMO_FILE: &str = "oauth.json";

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
    /// An attempt at `at` failed so recently that none is made now.
    Remembered {
        at: i64,
        invalid_grant: bool,
        detail: String,
    },
}

/// A refresh that gave a token.
#[derive(Debug)]
pub struct Refreshed {
    pub token: Token,
    pub expires_at: Option<i64>,
    /// What the user must hear: the grant could not be saved.
    pub warning: Option<String>,
}

/// A grant as stored_tokens keeps it.
#[derive(Debug, Serialize, Deserialize)]
struct Grant {
    #[serde(with = "token::as_text")]
    access_token: Token,
    #[serde(with = "token::as_text")]
    refresh_token: Token,
    expires_at: Option<i64>,
}

/// What `oauth.json` remembers about the refresh of one token.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Memo {
    /// The attempt at `at` failed (no secret in here: the Hub's short error text).
    Failed {
        at: i64,
        invalid_grant: bool,
        detail: String,
    },
    /// The grant the Hub gave at `at`, which the user's files could not take.
    Unsaved { at: i64, grant: Grant },
}

/// Whether an attempt that failed at `at` is still too recent to repeat at `now`. One dated
/// in the future is no memory at all (it would silence refreshes until the clock caught up).
fn too_recent(at: i64, now: i64) -> bool {
    at <= now && now - at < RETRY_AFTER
}

impl Memo {
    fn failed(at: i64, failure: &Failure) -> Memo {
        let (invalid_grant, detail) = match failure {
            Failure::InvalidGrant(detail) => (true, detail),
            Failure::Other(detail) | Failure::Remembered { detail, .. } => (false, detail),
        };
        Memo::Failed {
            at,
            invalid_grant,
            detail: detail.clone(),
        }
    }

    fn worth_keeping(&self, now: i64) -> bool {
        match self {
            Memo::Failed { at, .. } => too_recent(*at, now),
            // Until it is saved: the refresh token in it may be the only one left.
            Memo::Unsaved { .. } => true,
        }
    }
}

/// Our memory of one token's refresh, keyed by a hash of endpoint and token.
struct Memory<'a> {
    cache: Option<&'a Store<'a>>,
    key: String,
}

impl Memory<'_> {
    fn recall(&self) -> Option<Memo> {
        self.cache?.entries::<Memo>(MEMO_FILE).remove(&self.key)
    }

    fn keep(&self, memo: Memo, now: i64) -> io::Result<()> {
        self.write(Some(memo), now)
    }

    /// Forgets what there was, if anything (a file of ours is not made for nothing).
    fn forget(&self, now: i64) {
        if self.recall().is_some() {
            let _ = self.write(None, now);
        }
    }

    fn write(&self, memo: Option<Memo>, now: i64) -> io::Result<()> {
        let cache = self
            .cache
            .ok_or_else(|| io::Error::other("there is no cache folder"))?;
        cache.update(MEMO_FILE, |entries: &mut BTreeMap<String, Memo>| {
            entries.retain(|_, m| m.worth_keeping(now));
            match memo {
                Some(memo) => entries.insert(self.key.clone(), memo),
                None => entries.remove(&self.key),
            };
        })
    }

    fn file(&self) -> String {
        self.cache.map_or_else(
            || "the helper's cache".to_string(),
            |c| c.path(MEMO_FILE).display().to_string(),
        )
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
pub fn parse_grant(answer: &Response) -> Result<Granted, Failure> {
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
        Some(v) => Some(json_int(v).ok_or_else(|| bad("an expires_in that is not a number"))?),
    };
    Ok(Granted {
        access_token,
        refresh_token,
        expires_in,
    })
}

/// Sends `request`, following a redirect that keeps the method and body (307, 308) as
/// huggingface_hub's `requests` does, but only on the same host (an `http://` HF_ENDPOINT
/// upgraded to `https://`): the refresh token in the body never goes to another host.
fn send_on_same_host(net: &Net, mut request: Request) -> Result<Response, Unreachable> {
    for _ in 0..MAX_REDIRECTS {
        let answer = net.http.send(&request, net.deadline.get())?;
        match same_host_redirect(&request.url, &answer) {
            Some(url) => request.url = url,
            None => return Ok(answer),
        }
    }
    Err(Unreachable(format!(
        "{} was redirected more than {MAX_REDIRECTS} times",
        request.what
    )))
}

const MAX_REDIRECTS: usize = 5;

fn same_host_redirect(from: &str, answer: &Response) -> Option<String> {
    if !matches!(answer.status, 307 | 308) {
        return None;
    }
    let location = answer.header("location")?;
    let here = Url::split(from)?;
    let to = match location.starts_with('/') {
        true => format!("{}://{}{location}", here.scheme, here.hostport),
        false => location.to_string(),
    };
    let (old, new) = (Origin::from_url(from)?, Origin::from_url(&to)?);
    let upgrade = new.scheme() == old.scheme() || new.scheme() == "https";
    (new.host() == old.host() && upgrade).then_some(to)
}

/// Server text shown in a message: one line, bounded.
pub fn short(text: &str) -> String {
    printable(text).chars().take(200).collect()
}

/// The refresh. Returns the token to use: the new one, the one another process already
/// refreshed, or the one an earlier run got and could not save.
pub fn run_due(net: &Net, due: &Due, now: i64) -> Result<Refreshed, Failure> {
    let settings = net.settings;
    let other = |what: &str, e: &dyn std::fmt::Display| Failure::Other(format!("{what}: {e}"));
    let memory = Memory {
        cache: net.store,
        key: store::key(&settings.endpoint, &due.token),
    };
    let memo = memory.recall();
    if let Some(Memo::Failed {
        at,
        invalid_grant,
        detail,
    }) = &memo
        && too_recent(*at, now)
    {
        return Err(Failure::Remembered {
            at: *at,
            invalid_grant: *invalid_grant,
            detail: detail.clone(),
        });
    }
    // Python waits up to 30 s; a git request should not. Giving up only means using the old
    // token, which still has most of a day left.
    let lock_file = settings.stored_tokens_path.with_suffix(".lock").file();
    let _lock = net
        .fs
        .lock(&lock_file, net.deadline.get())
        .map_err(|e| other("cannot take stored_tokens.lock", &e))?
        .ok_or_else(|| Failure::Other("another process holds stored_tokens.lock".into()))?;

    // Re-read under the lock: another process may have refreshed in the meantime.
    let mut stored = stored_tokens::read(&settings.stored_tokens_path, net.fs)
        .map_err(|e| other("cannot read stored_tokens", &e))?;
    if let Some(problem) = &stored.problem {
        return Err(Failure::Other(format!(
            "stored_tokens cannot be parsed: {problem}"
        )));
    }
    let current = stored.tokens.iter().position(|t| t.name == due.name);
    let Some(index) = current.filter(|i| stored.tokens[*i].token == due.token) else {
        // `fields.get("hf_token") or token`
        let adopted = current
            .map(|i| &stored.tokens[i])
            .filter(|t| !t.token.expose().is_empty());
        return Ok(Refreshed {
            token: adopted.map_or_else(|| due.token.clone(), |t| t.token.clone()),
            expires_at: adopted.and_then(|t| t.expires_at),
            warning: None,
        });
    };
    let grant = match memo {
        Some(Memo::Unsaved { grant, .. }) => grant,
        _ => {
            if settings.offline {
                return Err(Failure::Other(
                    "HF_HUB_OFFLINE is set, so the Hub is not asked".into(),
                ));
            }
            let client_id = net
                .env
                .get(HF_DEVICE_CODE_OAUTH_CLIENT_ID)
                .map_err(|e| Failure::Other(e.to_string()))?
                .unwrap_or(DEFAULT_CLIENT_ID);
            let form = vec![
                ("grant_type".to_string(), "refresh_token".to_string()),
                (
                    "refresh_token".to_string(),
                    due.refresh_token.expose().to_string(),
                ),
                ("client_id".to_string(), client_id.to_string()),
            ];
            let request = Request::post(
                "OAuth refresh",
                format!("{}/oauth/token", settings.endpoint),
                Body::Form(Secret::new(form)),
            );
            let asked = send_on_same_host(net, request)
                .map_err(|e| Failure::Other(e.0))
                .and_then(|answer| parse_grant(&answer));
            match asked {
                Ok(granted) => Grant {
                    access_token: granted.access_token,
                    refresh_token: granted
                        .refresh_token
                        .unwrap_or_else(|| due.refresh_token.clone()),
                    expires_at: granted.expires_in.map(|s| now.saturating_add(s)),
                },
                Err(failure) => {
                    // Not remembered only costs the next request another attempt.
                    let _ = memory.keep(Memo::failed(now, &failure), now);
                    return Err(failure);
                }
            }
        }
    };
    Ok(save(
        net,
        due,
        &mut stored.tokens,
        index,
        grant,
        &memory,
        now,
    ))
}

/// Writes `grant` into stored_tokens and the token file. When stored_tokens cannot take it,
/// it is kept in our memory (the refresh token it replaces is spent) and used anyway.
fn save(
    net: &Net,
    due: &Due,
    tokens: &mut [StoredToken],
    index: usize,
    grant: Grant,
    memory: &Memory,
    now: i64,
) -> Refreshed {
    let settings = net.settings;
    let name = &due.name;
    let stored_path = &settings.stored_tokens_path;
    let token = grant.access_token.clone();
    let expires_at = grant.expires_at;
    tokens[index] = StoredToken::new(
        name.clone(),
        token.clone(),
        Some(grant.refresh_token.clone()),
        grant.expires_at,
    );
    if let Err(e) = stored_tokens::write(stored_path, tokens, net.fs) {
        let file = memory.file();
        let fix = format!("make {stored_path} and its folder writable, or free disk space");
        let warning = match memory.keep(Memo::Unsaved { at: now, grant }, now) {
            Ok(()) => format!(
                "the refreshed OAuth token `{name}` could not be saved to {stored_path} ({e}): \
                 using it, and keeping it in {file} until it can be saved: {fix}"
            ),
            Err(kept) => format!(
                "the refreshed OAuth token `{name}` could not be saved to {stored_path} ({e}), \
                 nor kept in {file} ({kept}): it is used for this run only, and the next \
                 refresh will likely need a new login: {fix}"
            ),
        };
        return Refreshed {
            token,
            expires_at,
            warning: Some(warning),
        };
    }
    memory.forget(now);
    // The active token file follows, unless someone switched to another token meanwhile.
    let mut warning = None;
    if token_file::read(settings, net.fs).ok().flatten().as_ref() == Some(&due.token)
        && let Err(e) = token_file::write(settings, net.fs, &token)
    {
        warning = Some(format!(
            "the refreshed OAuth token `{name}` is saved in {stored_path}, but the token file \
             {} could not be updated ({e}): fix its permissions, then run `hf auth switch {name}`",
            settings.token_path
        ));
    }
    Refreshed {
        token,
        expires_at,
        warning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::hf::stored_tokens;

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

    fn answer(status: u16, body: &str) -> Response {
        Response {
            status,
            body: body.as_bytes().to_vec(),
            ..Response::default()
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
    fn redirects_are_followed_on_the_same_host_only() {
        let redirect = |status, location: &str| Response {
            status,
            headers: vec![("location".into(), location.into())],
            body: Vec::new(),
        };
        let from = "http://hub.example/oauth/token";
        let follow = |a: &Response| same_host_redirect(from, a);
        assert_eq!(
            follow(&redirect(308, "https://hub.example/oauth/token")).as_deref(),
            Some("https://hub.example/oauth/token")
        );
        assert_eq!(
            follow(&redirect(307, "/v2/oauth/token")).as_deref(),
            Some("http://hub.example/v2/oauth/token")
        );
        assert_eq!(
            follow(&redirect(308, "https://evil.example/oauth/token")),
            None
        );
        assert_eq!(
            follow(&redirect(301, "https://hub.example/oauth/token")),
            None
        );
        let https = "https://hub.example/oauth/token";
        assert_eq!(
            same_host_redirect(https, &redirect(308, "http://hub.example/x")),
            None
        );
    }

    #[test]
    fn a_failure_is_remembered_for_five_minutes_and_not_from_the_future() {
        assert!(too_recent(NOW, NOW));
        assert!(too_recent(NOW - RETRY_AFTER + 1, NOW));
        assert!(!too_recent(NOW - RETRY_AFTER, NOW));
        assert!(!too_recent(NOW + 1, NOW));
    }

    #[test]
    fn the_memory_keeps_failures_briefly_and_grants_until_saved() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Store::at(&crate::io::fs::LiveFs, dir.path().join("c"));
        let memory = |token: &str| Memory {
            cache: Some(&cache),
            key: store::key("https://hub.example", &Token::new(token)),
        };
        let failure = Failure::InvalidGrant("invalid_grant - expired".into());
        memory("a").keep(Memo::failed(NOW, &failure), NOW).unwrap();
        let grant = Grant {
            access_token: Token::new("hf_oauth-new-access-token"),
            refresh_token: Token::new("hf_oauth-rotated-refresh-token"),
            expires_at: Some(NOW + 3600),
        };
        memory("b")
            .keep(Memo::Unsaved { at: NOW, grant }, NOW)
            .unwrap();
        assert!(matches!(
            memory("a").recall(),
            Some(Memo::Failed { at: NOW, invalid_grant: true, detail }) if detail == "invalid_grant - expired"
        ));
        let unsaved = memory("b").recall().unwrap();
        let shown = format!("{unsaved:?}");
        assert!(
            !shown.contains("new-access") && !shown.contains("rotated"),
            "{shown}"
        );
        // Six minutes later the failure is gone with the next write; the grant stays.
        let later = NOW + RETRY_AFTER + 60;
        memory("c")
            .keep(Memo::failed(later, &failure), later)
            .unwrap();
        assert!(memory("a").recall().is_none());
        assert!(matches!(memory("b").recall(), Some(Memo::Unsaved { .. })));
        memory("b").forget(later);
        memory("c").forget(later);
        assert!(memory("b").recall().is_none());
        let text = std::fs::read_to_string(cache.path(MEMO_FILE)).unwrap();
        assert!(
            !text.contains("hf_oauth"),
            "a saved grant is not kept: {text}"
        );
    }
}
