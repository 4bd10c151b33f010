//! The Hub imitation's OAuth side: `POST /oauth/token` (the refresh-token grant, form-encoded,
//! and the OIDC token-exchange grant, JSON) and a GitHub-Actions-style id-token minting
//! endpoint, `GET /actions-id-token`, on the same loopback server.

use serde_json::Value;

use crate::http::{Outcome, Request, Response};
use crate::hub::{Hub, Shared};
use crate::js;
use crate::route::query_param;
use crate::types::TokenInfo;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// How `POST /oauth/token` behaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum OAuthMode {
    #[default]
    Normal,
    /// This status with an HTML body (a gateway error page).
    Status(u16),
    /// 400 `{"error":"invalid_grant"}` to every refresh.
    InvalidGrant,
    /// Answer normally after this delay.
    Slow(Duration),
    /// Answer normally, trickling the body (see `WhoamiMode::Trickle`).
    Trickle,
}

/// One `POST /oauth/token` received.
#[derive(Clone, Debug)]
pub struct OAuthCall {
    pub content_type: String,
    /// The form fields, or the JSON object's string fields.
    pub fields: BTreeMap<String, String>,
    pub status: u16,
}

impl OAuthCall {
    /// The fields, sorted by name.
    pub fn field_pairs(&self) -> Vec<(&str, &str)> {
        self.fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// One `GET /actions-id-token` received.
#[derive(Clone, Debug)]
pub struct MintCall {
    pub query: String,
    pub audience: Option<String>,
    pub bearer: Option<String>,
}

struct RefreshGrant {
    user: String,
    access_token: String,
    /// Rotate: the refresh token is used up and this one replaces it.
    rotate_to: Option<String>,
}

struct IdGrant {
    resource: String,
    access_token: String,
    expires_in: i64,
}

#[derive(Default)]
pub(crate) struct OAuthState {
    mode: OAuthMode,
    lifetime: i64,
    refresh: HashMap<String, RefreshGrant>,
    id_tokens: HashMap<String, IdGrant>,
    calls: Vec<OAuthCall>,
    /// (request token, id token) the minting endpoint accepts and answers.
    mint: Option<(String, String)>,
    mint_calls: Vec<MintCall>,
}

impl Hub {
    /// `refresh_token` may be exchanged once for `access_token` (an OAuth token of `user`,
    /// then valid for whoami); with `rotate_to` the Hub rotates the refresh token, so using
    /// the old one again gets `invalid_grant`.
    pub fn add_refresh_grant(
        &self,
        refresh_token: &str,
        user: &str,
        access_token: &str,
        rotate_to: Option<&str>,
    ) {
        self.shared.lock().oauth.refresh.insert(
            refresh_token.to_string(),
            RefreshGrant {
                user: user.to_string(),
                access_token: access_token.to_string(),
                rotate_to: rotate_to.map(str::to_string),
            },
        );
    }

    /// The OIDC exchange of `id_token` for `resource` gives `access_token` (an OAuth token of
    /// `user`) valid `expires_in` seconds.
    pub fn add_id_token(
        &self,
        id_token: &str,
        resource: &str,
        user: &str,
        access_token: &str,
        expires_in: i64,
    ) {
        let mut st = self.shared.lock();
        st.oauth.id_tokens.insert(
            id_token.to_string(),
            IdGrant {
                resource: resource.to_string(),
                access_token: access_token.to_string(),
                expires_in,
            },
        );
        st.tokens
            .insert(access_token.to_string(), TokenInfo::oauth(user));
    }

    /// The minting endpoint answers `id_token` to requests bearing `request_token`.
    pub fn set_mint(&self, request_token: &str, id_token: &str) {
        self.shared.lock().oauth.mint = Some((request_token.to_string(), id_token.to_string()));
    }

    /// `ACTIONS_ID_TOKEN_REQUEST_URL` for the minting endpoint (with a query of its own, as
    /// GitHub's has).
    pub fn mint_url(&self) -> String {
        format!("{}/actions-id-token?api-version=2.0", self.url())
    }

    pub fn set_oauth_mode(&self, mode: OAuthMode) {
        self.shared.lock().oauth.mode = mode;
    }

    /// `expires_in` of refreshed tokens (default 30 days).
    pub fn set_oauth_lifetime(&self, secs: i64) {
        self.shared.lock().oauth.lifetime = secs;
    }

    pub fn oauth_calls(&self) -> Vec<OAuthCall> {
        self.shared.lock().oauth.calls.clone()
    }

    pub fn mint_calls(&self) -> Vec<MintCall> {
        self.shared.lock().oauth.mint_calls.clone()
    }
}

pub(crate) fn route(shared: &Shared, req: &Request) -> Option<Outcome> {
    match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/oauth/token") => Some(Outcome::Reply(token_endpoint(shared, req))),
        ("GET", "/actions-id-token") => Some(Outcome::Reply(mint(shared, req))),
        _ => None,
    }
}

fn token_endpoint(shared: &Shared, req: &Request) -> Response {
    let content_type = req.header("content-type").unwrap_or("").to_string();
    let body = String::from_utf8_lossy(&req.body).into_owned();
    let fields: BTreeMap<String, String> = if content_type.starts_with("application/json") {
        match serde_json::from_str(&body) {
            Ok(Value::Object(kv)) => kv
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
                .collect(),
            _ => BTreeMap::new(),
        }
    } else {
        body.split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (form_decode(k), form_decode(v)))
            .collect()
    };
    // Logged on arrival (status 0 until answered), so a test can act while a slow answer waits.
    let (mode, index) = {
        let mut st = shared.lock();
        st.oauth.calls.push(OAuthCall {
            content_type,
            fields: fields.clone(),
            status: 0,
        });
        (st.oauth.mode.clone(), st.oauth.calls.len() - 1)
    };
    if let OAuthMode::Slow(d) = mode {
        let deadline = Instant::now() + d;
        while Instant::now() < deadline && !shared.is_shutdown() {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let mut st = shared.lock();
    let resp = match mode {
        OAuthMode::Status(code) => Response::new(code).body(
            "text/html",
            format!("<html><body><h1>{code}</h1></body></html>"),
        ),
        OAuthMode::InvalidGrant => invalid_grant("The refresh token is expired or revoked"),
        OAuthMode::Normal | OAuthMode::Slow(_) | OAuthMode::Trickle => {
            let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
            match get("grant_type") {
                "refresh_token" => {
                    let lifetime = match st.oauth.lifetime {
                        0 => 30 * 86_400,
                        n => n,
                    };
                    match st.oauth.refresh.remove(get("refresh_token")) {
                        None => invalid_grant("Unknown refresh token"),
                        Some(grant) => {
                            let body = format!(
                                "{{\"access_token\":{},\"token_type\":\"bearer\",\"expires_in\":{lifetime}{}}}",
                                js(&grant.access_token),
                                grant
                                    .rotate_to
                                    .as_deref()
                                    .map(|r| format!(",\"refresh_token\":{}", js(r)))
                                    .unwrap_or_default()
                            );
                            st.tokens
                                .insert(grant.access_token.clone(), TokenInfo::oauth(&grant.user));
                            let again = grant.rotate_to.clone();
                            match again {
                                // Rotated: the old refresh token is used up.
                                Some(next) => {
                                    st.oauth.refresh.insert(next, grant);
                                }
                                None => {
                                    st.oauth.refresh.insert(get("refresh_token").into(), grant);
                                }
                            }
                            Response::json(200, body)
                        }
                    }
                }
                "urn:ietf:params:oauth:grant-type:token-exchange" => {
                    match st.oauth.id_tokens.get(get("subject_token")) {
                        Some(g)
                            if g.resource == get("resource")
                                && get("subject_token_type")
                                    == "urn:ietf:params:oauth:token-type:id_token" =>
                        {
                            Response::json(
                                200,
                                format!(
                                    "{{\"access_token\":{},\"token_type\":\"bearer\",\"expires_in\":{},\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\"}}",
                                    js(&g.access_token),
                                    g.expires_in
                                ),
                            )
                        }
                        _ => Response::json(
                            401,
                            "{\"error\":\"invalid_grant\",\"error_description\":\"No trusted publisher matches this id token and resource\"}".into(),
                        ),
                    }
                }
                _ => Response::json(400, "{\"error\":\"unsupported_grant_type\"}".into()),
            }
        }
    };
    st.oauth.calls[index].status = resp.status;
    resp.trickled(mode == OAuthMode::Trickle)
}

fn invalid_grant(description: &str) -> Response {
    Response::json(
        400,
        format!(
            "{{\"error\":\"invalid_grant\",\"error_description\":{}}}",
            js(description)
        ),
    )
}

fn mint(shared: &Shared, req: &Request) -> Response {
    let mut st = shared.lock();
    let bearer = req.auth.token().map(str::to_string);
    st.oauth.mint_calls.push(MintCall {
        query: req.query.clone(),
        audience: query_param(&req.query, "audience").map(form_decode),
        bearer: bearer.clone(),
    });
    match &st.oauth.mint {
        Some((request_token, id_token)) if bearer.as_deref() == Some(request_token.as_str()) => {
            Response::json(200, format!("{{\"count\":1,\"value\":{}}}", js(id_token)))
        }
        _ => Response::json(401, "{\"message\":\"Bad credentials\"}".into()),
    }
}

fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'+', ..) => out.push(b' '),
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 2;
            }
            (c, ..) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
