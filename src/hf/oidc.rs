//! OIDC token exchange ("Trusted Publishers"), as huggingface_hub's `_get_token_from_oidc`:
//! with HF_OIDC_RESOURCE set, an id token (HF_OIDC_ID_TOKEN, or minted by GitHub Actions) is
//! exchanged at `{endpoint}/oauth/token` for a short-lived Hub token. Python keeps that token
//! in memory; a helper lives one request, so it keeps it in a 0600 file of its own
//! (`oidc.json` next to the whoami cache), keyed by a hash of endpoint, resource and where
//! the id token came from, until shortly before it expires. Failures are errors.

use super::Net;
use crate::env::{
    ACTIONS_ID_TOKEN_REQUEST_TOKEN, ACTIONS_ID_TOKEN_REQUEST_URL, Env, GITHUB_ACTIONS,
    HF_OIDC_ID_TOKEN, HF_OIDC_RESOURCE, NotUnicode,
};
use crate::hf::oauth::short;
use crate::hub::store::now;
use crate::io::http::{Body, Request, Response};
use crate::python::text::json_int;
use crate::settings::Settings;
use crate::token::{self, Secret, Token, hex};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Re-exchange this long before a minted token expires (Python's `_OIDC_REFRESH_MARGIN`).
const MINTED_MARGIN: i64 = 300;
const FILE_NAME: &str = "oidc.json";

#[derive(Clone, Debug, PartialEq)]
pub struct OidcRequest {
    pub endpoint: String,
    pub resource: String,
    pub subject: Subject,
}

/// Where the id token comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// HF_OIDC_ID_TOKEN.
    IdToken(Token),
    /// Minted from the GitHub Actions runtime.
    GitHub { url: String, request_token: Token },
}

#[derive(Debug)]
pub enum RequestError {
    Env(NotUnicode),
    NoIdToken,
    GitHubWithoutPermission,
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestError::Env(e) => e.fmt(f),
            RequestError::NoIdToken => f.write_str(
                "HF_OIDC_RESOURCE is set but no OIDC id token is available (not in GitHub Actions \
                 and HF_OIDC_ID_TOKEN is not set): set HF_OIDC_ID_TOKEN to the id token your CI \
                 provider mints, or unset HF_OIDC_RESOURCE",
            ),
            RequestError::GitHubWithoutPermission => f.write_str(
                "HF_OIDC_RESOURCE is set but GitHub Actions gave this job no way to mint an id \
                 token (ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN unset): add \
                 `permissions: id-token: write` to the job",
            ),
        }
    }
}

impl From<NotUnicode> for RequestError {
    fn from(e: NotUnicode) -> Self {
        RequestError::Env(e)
    }
}

/// What the environment asks for; `None` when HF_OIDC_RESOURCE is unset or empty.
pub fn request(settings: &Settings, env: &Env) -> Result<Option<OidcRequest>, RequestError> {
    let Some(resource) = env.non_empty(HF_OIDC_RESOURCE)? else {
        return Ok(None);
    };
    // An explicit id token (any provider) wins; otherwise mint from GitHub Actions.
    let subject = match env.non_empty(HF_OIDC_ID_TOKEN)? {
        Some(id) => Subject::IdToken(Token::new(id)),
        None if env.get(GITHUB_ACTIONS)? == Some("true") => {
            match (
                env.non_empty(ACTIONS_ID_TOKEN_REQUEST_URL)?,
                env.non_empty(ACTIONS_ID_TOKEN_REQUEST_TOKEN)?,
            ) {
                (Some(url), Some(t)) => Subject::GitHub {
                    url: url.to_string(),
                    request_token: Token::new(t),
                },
                _ => return Err(RequestError::GitHubWithoutPermission),
            }
        }
        None => return Err(RequestError::NoIdToken),
    };
    Ok(Some(OidcRequest {
        endpoint: settings.endpoint.clone(),
        resource: resource.to_string(),
        subject,
    }))
}

impl OidcRequest {
    /// Never the secrets themselves: hashes of them.
    fn cache_key(&self) -> String {
        let mut h = Sha256::new();
        for part in [self.endpoint.as_str(), self.resource.as_str()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        match &self.subject {
            Subject::IdToken(t) => {
                h.update(b"id_token\0");
                h.update(t.expose().as_bytes());
            }
            Subject::GitHub { url, request_token } => {
                h.update(b"github\0");
                h.update(url.as_bytes());
                h.update([0]);
                h.update(request_token.expose().as_bytes());
            }
        }
        hex(&h.finalize())
    }

    /// A given id token cannot be re-minted, so its exchange is used to the end (as Python).
    fn margin(&self) -> i64 {
        match self.subject {
            Subject::IdToken(_) => 0,
            Subject::GitHub { .. } => MINTED_MARGIN,
        }
    }

    fn failed(&self, what: &str) -> String {
        format!(
            "the OIDC token exchange for HF_OIDC_RESOURCE={} failed: {what}: check the Trusted \
             Publisher set up for it on the Hub, or unset HF_OIDC_RESOURCE",
            self.resource
        )
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    #[serde(with = "token::as_text")]
    token: Token,
    /// Unix time after which the token is exchanged again.
    use_until: i64,
    /// When the Hub said it expires.
    #[serde(default)]
    expires_at: Option<i64>,
}

/// An exchanged token and when it expires.
pub struct Exchanged {
    pub token: Token,
    pub expires_at: i64,
}

/// The Hub token for `req`: cached, else exchanged (and cached).
pub fn token(net: &Net, req: &OidcRequest) -> Result<Exchanged, String> {
    // Python exchanges once per process and fails offline: so does a helper, whatever its
    // cache holds.
    if net.settings.offline {
        return Err(req.failed("HF_HUB_OFFLINE is set, so the Hub is not asked"));
    }
    let at = now() as i64;
    let key = req.cache_key();
    if let Some(cache) = net.store
        && let Some(hit) = cache
            .entries::<Entry>(FILE_NAME)
            .remove(&key)
            .filter(|e| at < e.use_until)
    {
        return Ok(Exchanged {
            expires_at: hit.expires_at.unwrap_or(hit.use_until),
            token: hit.token,
        });
    }
    let id_token = match &req.subject {
        Subject::IdToken(t) => t.clone(),
        Subject::GitHub { url, request_token } => mint(net, req, url, request_token)?,
    };
    let exchange = Request::post(
        "OIDC token exchange",
        format!("{}/oauth/token", req.endpoint),
        Body::Json(Secret::new(json!({
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
            "subject_token": id_token.expose(),
            "resource": req.resource,
        }))),
    );
    let answer = net
        .http
        .send(&exchange, net.deadline.get())
        .map_err(|e| req.failed(&e.0))?;
    let data = json_object(&answer).map_err(|e| req.failed(&format!("the Hub answered {e}")))?;
    let token = data
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(Token::new)
        .ok_or_else(|| req.failed("the Hub's answer has no access_token"))?;
    let expires_in = match data.get("expires_in") {
        None => 3600,
        Some(v) => json_int(v).ok_or_else(|| req.failed("the Hub's expires_in is not a number"))?,
    };
    let expires_at = at.saturating_add(expires_in);
    if let Some(cache) = net.store {
        let entry = Entry {
            token: token.clone(),
            expires_at: Some(expires_at),
            use_until: at.saturating_add(expires_in.saturating_sub(req.margin()).max(0)),
        };
        // A cache that cannot be written only costs the next request an exchange.
        let _ = cache.update(FILE_NAME, |entries: &mut BTreeMap<String, Entry>| {
            entries.retain(|_, e| at < e.use_until);
            entries.insert(key, entry);
        });
    }
    Ok(Exchanged { token, expires_at })
}

/// Forgets the token exchanged for `req` (git says it failed): the next request exchanges
/// again.
pub fn forget(net: &Net, req: &OidcRequest) {
    if let Some(cache) = net.store {
        let key = req.cache_key();
        // A cache that cannot be written keeps the entry only until it expires.
        let _ = cache.update(FILE_NAME, |entries: &mut BTreeMap<String, Entry>| {
            entries.remove(&key);
        });
    }
}

/// `_get_github_oidc_token`: GET the runtime's URL with `audience=<endpoint>`, field `value`.
fn mint(net: &Net, req: &OidcRequest, url: &str, request_token: &Token) -> Result<Token, String> {
    let fail = |e: &str| req.failed(&format!("minting the GitHub Actions id token: {e}"));
    let mut request = Request::get("GitHub Actions id token request", url).bearer(request_token);
    request.query = vec![("audience".into(), req.endpoint.clone())];
    let answer = net
        .http
        .send(&request, net.deadline.get())
        .map_err(|e| fail(&e.0))?;
    let data = json_object(&answer).map_err(|e| fail(&format!("the runtime answered {e}")))?;
    data.get("value")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(Token::new)
        .ok_or_else(|| fail("the answer has no `value`"))
}

/// A 2xx JSON object (`hf_raise_for_status`, then `.json()`), else what went wrong.
fn json_object(answer: &Response) -> Result<serde_json::Map<String, Value>, String> {
    let data: Option<Value> = serde_json::from_slice(&answer.body).ok();
    if !(200..300).contains(&answer.status) {
        let said = data
            .as_ref()
            .and_then(|d| d.get("error_description").or_else(|| d.get("error")))
            .and_then(Value::as_str)
            .map(|m| format!(" ({})", short(m)))
            .unwrap_or_default();
        return Err(format!("HTTP {}{said}", answer.status));
    }
    match data {
        Some(Value::Object(o)) => Ok(o),
        _ => Err(format!(
            "HTTP {} with a body that is not a JSON object",
            answer.status
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(pairs: &[(&str, &str)]) -> Result<Option<OidcRequest>, RequestError> {
        let env = Env::from_pairs(pairs.iter().copied());
        let settings = Settings::load(&env, &|_| None).unwrap();
        request(&settings, &env)
    }

    #[test]
    fn the_environment_decides_like_python() {
        assert!(req(&[]).unwrap().is_none());
        assert!(req(&[("HF_OIDC_RESOURCE", "")]).unwrap().is_none());
        let r = req(&[("HF_OIDC_RESOURCE", "org/m"), ("HF_OIDC_ID_TOKEN", "jwt")])
            .unwrap()
            .unwrap();
        assert_eq!(r.subject, Subject::IdToken(Token::new("jwt")));
        assert_eq!(r.endpoint, "https://huggingface.co");
        assert!(matches!(
            req(&[("HF_OIDC_RESOURCE", "org/m")]),
            Err(RequestError::NoIdToken)
        ));
        let gh = [
            ("HF_OIDC_RESOURCE", "org/m"),
            ("GITHUB_ACTIONS", "true"),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                "https://x/y?api-version=2.0",
            ),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "rt"),
        ];
        assert!(matches!(
            req(&gh).unwrap().unwrap().subject,
            Subject::GitHub { url, .. } if url == "https://x/y?api-version=2.0"
        ));
        assert!(matches!(
            req(&gh[..3]),
            Err(RequestError::GitHubWithoutPermission)
        ));
        // Only the exact value "true" means GitHub Actions.
        let mut not_gh = gh;
        not_gh[1].1 = "1";
        assert!(matches!(req(&not_gh), Err(RequestError::NoIdToken)));
        // An explicit id token wins even inside GitHub Actions.
        let mut both = gh.to_vec();
        both.push(("HF_OIDC_ID_TOKEN", "jwt"));
        assert_eq!(
            req(&both).unwrap().unwrap().subject,
            Subject::IdToken(Token::new("jwt"))
        );
    }

    #[test]
    fn cache_keys_separate_what_must_not_share_a_token() {
        let base = req(&[("HF_OIDC_RESOURCE", "org/m"), ("HF_OIDC_ID_TOKEN", "jwt")])
            .unwrap()
            .unwrap();
        let key = base.cache_key();
        assert!(!key.contains("jwt"));
        let mut other = base.clone();
        other.resource = "org/n".into();
        assert_ne!(other.cache_key(), key);
        let mut other = base.clone();
        other.endpoint = "http://127.0.0.1:1".into();
        assert_ne!(other.cache_key(), key);
        let mut other = base.clone();
        other.subject = Subject::IdToken(Token::new("jwt2"));
        assert_ne!(other.cache_key(), key);
    }

    #[test]
    fn the_cached_entry_and_the_request_show_no_secret() {
        let planted = "hf_not-a-real-token-oidc";
        let entry = Entry {
            token: Token::new(planted),
            use_until: 1,
            expires_at: None,
        };
        let request = OidcRequest {
            endpoint: "https://hub.example".into(),
            resource: "org/m".into(),
            subject: Subject::GitHub {
                url: "https://x".into(),
                request_token: Token::new(planted),
            },
        };
        for shown in [format!("{entry:?}"), format!("{request:?}")] {
            assert!(!shown.contains("real-token-oidc"), "{shown}");
        }
    }

    #[test]
    fn errors_carry_the_hub_message_not_the_body() {
        let a = Response {
            status: 401,
            body: br#"{"error":"invalid_token","error_description":"no trusted publisher"}"#
                .to_vec(),
            ..Response::default()
        };
        assert_eq!(
            json_object(&a).unwrap_err(),
            "HTTP 401 (no trusted publisher)"
        );
        let a = Response {
            status: 500,
            body: b"<html>secret-ish</html>".to_vec(),
            ..Response::default()
        };
        assert_eq!(json_object(&a).unwrap_err(), "HTTP 500");
    }
}
