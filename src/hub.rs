//! The Hub client: one blocking HTTP client, built only when a request is needed, no
//! redirects (a token must never follow one to another origin), a size cap on answers, a
//! `git-credential-hf/<version>` user agent, and a deadline per call that covers connect,
//! head and body: reqwest's blocking time-out restarts at every read of a body, so a Hub
//! that trickles one byte at a time would hold a call for as long as it likes.

use crate::secret::Token;
use reqwest::blocking::RequestBuilder;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::Read;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

const USER_AGENT: &str = concat!("git-credential-hf/", env!("CARGO_PKG_VERSION"));
/// whoami answers are a few KiB; anything near this is not the Hub.
const MAX_BODY: u64 = 1024 * 1024;
/// Per address tried, so an address that does not answer leaves time for the next one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// What the Hub says about a token (the parts the helper shows or decides on).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WhoamiInfo {
    pub user: String,
    #[serde(default)]
    pub orgs: Vec<String>,
    /// `access_token`, `oauth`, ...
    #[serde(default)]
    pub auth_type: Option<String>,
    #[serde(default)]
    pub token_name: Option<String>,
    /// `read`, `write`, `fineGrained`
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub fine_grained: Option<serde_json::Value>,
}

/// What a token may do, as far as the Hub's answer tells (`None`: it does not say).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Permissions {
    pub read_gated: Option<bool>,
    pub write: Option<bool>,
    pub inference_providers: Option<bool>,
}

impl WhoamiInfo {
    pub fn permissions(&self) -> Permissions {
        match self.role.as_deref() {
            Some("write") | Some("admin") => Permissions {
                read_gated: Some(true),
                write: Some(true),
                inference_providers: Some(true),
            },
            Some("read") => Permissions {
                read_gated: Some(true),
                write: Some(false),
                inference_providers: Some(true),
            },
            Some("fineGrained") => {
                let fg = self.fine_grained.as_ref();
                let all_perms: Vec<&str> =
                    fg.into_iter()
                        .flat_map(|fg| {
                            let global = fg["global"].as_array().into_iter().flatten();
                            let scoped =
                                fg["scoped"].as_array().into_iter().flatten().flat_map(|s| {
                                    s["permissions"].as_array().into_iter().flatten()
                                });
                            global.chain(scoped)
                        })
                        .filter_map(|p| p.as_str())
                        .collect();
                Permissions {
                    read_gated: fg.and_then(|fg| fg["canReadGatedRepos"].as_bool()),
                    write: Some(all_perms.contains(&"repo.write")),
                    inference_providers: Some(all_perms.contains(&"inference.serverless.write")),
                }
            }
            _ => Permissions::default(),
        }
    }
}

#[derive(Debug)]
pub enum Whoami {
    Valid(WhoamiInfo),
    /// The Hub refused the token (401).
    Invalid,
    /// No verdict: network error, time-out, 5xx, 429, redirect, garbage.
    Unknown(String),
}

/// Shared by threads (`status` checks several tokens at once): reqwest's client is `Sync`.
pub struct HubClient {
    client: reqwest::blocking::Client,
}

impl HubClient {
    pub fn new() -> anyhow::Result<HubClient> {
        // Only the first call installs it; later calls see it installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(HubClient { client })
    }

    /// `GET {api_base}/api/whoami-v2` with the token as Bearer, given up at `deadline`.
    pub fn whoami(&self, api_base: &str, token: &Token, deadline: Instant) -> Whoami {
        let request = self
            .client
            .get(format!("{api_base}/api/whoami-v2"))
            .bearer_auth(token.expose());
        let answer = match send("whoami", request, deadline) {
            Ok(answer) => answer,
            Err(e) => return Whoami::Unknown(e),
        };
        match answer.status {
            200 => parse_whoami(&answer.body)
                .map(Whoami::Valid)
                .unwrap_or_else(|| {
                    Whoami::Unknown("the whoami answer is not the Hub's JSON".into())
                }),
            401 => Whoami::Invalid,
            status => Whoami::Unknown(format!("the Hub answered HTTP {status}")),
        }
    }

    /// `GET {api_base}/api/{kind}s/{id}/auth-check[/write]`: may this token (or nobody, when
    /// `None`) read or push the repository? Errors carry the Hub's `X-Error-Code` and
    /// `X-Error-Message`.
    pub fn auth_check(
        &self,
        api_base: &str,
        path: &str,
        write: bool,
        token: Option<&Token>,
        deadline: Instant,
    ) -> Result<AuthCheck, String> {
        let suffix = if write { "/write" } else { "" };
        let mut request = self
            .client
            .get(format!("{api_base}/api/{path}/auth-check{suffix}"));
        if let Some(token) = token {
            request = request.bearer_auth(token.expose());
        }
        let answer = send("auth-check", request, deadline)?;
        Ok(AuthCheck {
            status: answer.status,
            error_code: answer.header("x-error-code"),
            error_message: answer.header("x-error-message"),
        })
    }

    /// POST an `application/x-www-form-urlencoded` body (the OAuth token endpoint).
    pub fn post_form(
        &self,
        what: &str,
        url: &str,
        form: &[(&str, &str)],
        deadline: Instant,
    ) -> Result<Answer, String> {
        // The query serializer of `Url` is the form encoding, without another dependency.
        let mut encoder = reqwest::Url::parse("form:").expect("a valid URL");
        encoder.query_pairs_mut().extend_pairs(form);
        let body = encoder.query().unwrap_or_default().to_string();
        let request = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        send(what, request, deadline)
    }

    /// POST a JSON body.
    pub fn post_json(
        &self,
        what: &str,
        url: &str,
        body: &Value,
        deadline: Instant,
    ) -> Result<Answer, String> {
        let request = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        send(what, request, deadline)
    }

    /// GET `url` with `query` appended to its own query and `bearer` as the Bearer token.
    pub fn get_bearer(
        &self,
        what: &str,
        url: &str,
        query: &[(&str, &str)],
        bearer: &Token,
        deadline: Instant,
    ) -> Result<Answer, String> {
        let mut url = reqwest::Url::parse(url).map_err(|e| format!("{what}: bad URL: {e}"))?;
        url.query_pairs_mut().extend_pairs(query);
        let request = self.client.get(url).bearer_auth(bearer.expose());
        send(what, request, deadline)
    }
}

/// The Hub's answer to an auth-check.
#[derive(Debug)]
pub struct AuthCheck {
    pub status: u16,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// The status, headers and (capped) body of an answer.
#[derive(Debug, Default)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// A header's value as printable text (bytes that are not UTF-8 replaced).
    pub fn header(&self, name: &str) -> Option<String> {
        let value = self.headers.get(name)?;
        Some(printable(&String::from_utf8_lossy(value.as_bytes())))
    }
}

/// Every request goes through here. Sending and reading the body happen on a thread of
/// their own, waited for only until `deadline`; past it the call is abandoned (the thread
/// ends with the process, or sooner on reqwest's own time-out, set to the same time left).
fn send(what: &str, request: RequestBuilder, deadline: Instant) -> Result<Answer, String> {
    let timed_out = || format!("{what} timed out");
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(timed_out());
    }
    let (tx, rx) = mpsc::channel();
    let label = what.to_string();
    std::thread::Builder::new()
        .name(format!("hub: {what}"))
        .spawn(move || {
            // The caller may have given up and gone: nobody to tell.
            let _ = tx.send(fetch(&label, request.timeout(left)));
        })
        .map_err(|e| format!("{what} request failed: cannot start a thread: {e}"))?;
    match rx.recv_timeout(left) {
        // reqwest's time-out, set to the same instant, may have won the race by a hair.
        Ok(Err(_)) if Instant::now() >= deadline => Err(timed_out()),
        Ok(answer) => answer,
        Err(RecvTimeoutError::Timeout) => Err(timed_out()),
        Err(RecvTimeoutError::Disconnected) => Err(format!("{what} request failed")),
    }
}

fn fetch(what: &str, request: RequestBuilder) -> Result<Answer, String> {
    let response = request.send().map_err(|e| describe(what, &e))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Ok(Answer {
        status,
        headers,
        body: read_capped(what, response)?,
    })
}

fn read_capped(what: &str, response: reqwest::blocking::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    response
        .take(MAX_BODY + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("reading the {what} answer failed: {e}"))?;
    if body.len() as u64 > MAX_BODY {
        return Err(format!("the {what} answer is too large"));
    }
    Ok(body)
}

/// reqwest's error chain names the URL but never headers or bodies, so it cannot carry a
/// token (no URL the helper builds holds one).
fn describe(what: &str, e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut text = format!("{what} {kind}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// Text from the Hub, fit for a terminal: without control characters (escape sequences,
/// bells, line breaks). Applied where the text enters, before it is stored or printed.
pub fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// `printable` for every string in a JSON value.
fn printable_json(value: &mut Value) {
    match value {
        Value::String(s) => *s = printable(s),
        Value::Array(items) => items.iter_mut().for_each(printable_json),
        Value::Object(fields) => fields.values_mut().for_each(printable_json),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

pub fn parse_whoami(body: &[u8]) -> Option<WhoamiInfo> {
    #[derive(Deserialize)]
    struct Raw {
        name: String,
        #[serde(default)]
        orgs: Vec<Org>,
        #[serde(default)]
        auth: Option<Auth>,
    }
    #[derive(Deserialize)]
    struct Org {
        name: String,
    }
    #[derive(Deserialize)]
    struct Auth {
        #[serde(rename = "type")]
        kind: Option<String>,
        #[serde(rename = "accessToken")]
        access_token: Option<AccessToken>,
    }
    #[derive(Deserialize)]
    struct AccessToken {
        #[serde(rename = "displayName")]
        display_name: Option<String>,
        role: Option<String>,
        #[serde(rename = "fineGrained")]
        fine_grained: Option<Value>,
    }
    let raw: Raw = serde_json::from_slice(body).ok()?;
    let auth = raw.auth;
    let access = auth.as_ref().and_then(|a| a.access_token.as_ref());
    let text = |s: Option<&String>| s.map(|s| printable(s));
    let mut fine_grained = access.and_then(|a| a.fine_grained.clone());
    fine_grained.iter_mut().for_each(printable_json);
    Some(WhoamiInfo {
        user: printable(&raw.name),
        orgs: raw.orgs.iter().map(|o| printable(&o.name)).collect(),
        auth_type: text(auth.as_ref().and_then(|a| a.kind.as_ref())),
        token_name: text(access.and_then(|a| a.display_name.as_ref())),
        role: text(access.and_then(|a| a.role.as_ref())),
        fine_grained,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/whoami-v2/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn parses_the_documented_shapes() {
        let w = parse_whoami(&fixture("write-token.json")).unwrap();
        assert_eq!(w.user, "alice");
        assert_eq!(w.orgs, vec!["example-org"]);
        assert_eq!(w.role.as_deref(), Some("write"));
        assert_eq!(w.token_name.as_deref(), Some("laptop"));
        let fg = parse_whoami(&fixture("fine-grained-token.json")).unwrap();
        assert_eq!(fg.role.as_deref(), Some("fineGrained"));
        assert!(fg.fine_grained.is_some());
        let oauth = parse_whoami(&fixture("oauth-token.json")).unwrap();
        assert_eq!(oauth.auth_type.as_deref(), Some("oauth"));
        assert_eq!(oauth.role, None);
    }

    #[test]
    fn the_client_can_be_shared_by_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<HubClient>();
    }

    #[test]
    fn a_deadline_already_past_asks_nobody() {
        // Port 9 (discard) on loopback is never contacted: the call ends before connecting.
        let client = HubClient::new().unwrap();
        let past = Instant::now();
        let token = Token::new("hf_not-a-real-token-past");
        assert!(matches!(
            client.whoami("http://127.0.0.1:9", &token, past),
            Whoami::Unknown(why) if why == "whoami timed out"
        ));
    }

    #[test]
    fn the_deadline_bounds_a_silent_server() {
        // Accepts the connection and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let client = HubClient::new().unwrap();
        let start = Instant::now();
        let answer = client.post_json(
            "probe",
            &url,
            &Value::Null,
            start + Duration::from_millis(300),
        );
        assert_eq!(answer.unwrap_err(), "probe timed out");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        drop(listener);
    }

    #[test]
    fn the_hubs_text_loses_its_control_characters() {
        assert_eq!(printable("ali\u{1b}[2Jce\u{7}\u{9b}1m\r\n"), "ali[2Jce1m");
        assert_eq!(printable("ünïcode stays"), "ünïcode stays");
        let body = br#"{"name":"ali\u001b]0;x\u0007ce","orgs":[{"name":"o\u001brg"}],
            "auth":{"type":"access_token","accessToken":{"displayName":"lap\u001b[31mtop",
            "role":"fineGrained","fineGrained":{"scoped":[{"entity":{"type":"org",
            "name":"ev\u001bil"},"permissions":["repo.write\u0007"]}]}}}}"#;
        let w = parse_whoami(body).unwrap();
        assert_eq!(w.user, "ali]0;xce");
        assert_eq!(w.orgs, ["org"]);
        assert_eq!(w.token_name.as_deref(), Some("lap[31mtop"));
        let scoped = &w.fine_grained.as_ref().unwrap()["scoped"][0];
        assert_eq!(scoped["entity"]["name"], "evil");
        assert_eq!(scoped["permissions"][0], "repo.write");
        let answer = Answer {
            headers: [(
                reqwest::header::HeaderName::from_static("x-error-message"),
                reqwest::header::HeaderValue::from_bytes("no \u{9b}2J access\t".as_bytes())
                    .unwrap(),
            )]
            .into_iter()
            .collect(),
            ..Answer::default()
        };
        assert_eq!(
            answer.header("x-error-message").as_deref(),
            Some("no 2J access")
        );
    }

    #[test]
    fn garbage_is_not_a_verdict() {
        assert!(parse_whoami(b"<html>").is_none());
        assert!(parse_whoami(b"{}").is_none());
        assert!(parse_whoami(b"[1,2]").is_none());
    }
}
