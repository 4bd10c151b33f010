//! The one place that speaks HTTP. `Http` is the seam: `LiveHttp` is one blocking client,
//! built at the first request, with no redirects (a token must never follow one to another
//! origin), a size cap on answers, a `git-credential-hf/<version>` user agent, and a deadline
//! that covers connect, head and body: reqwest's blocking time-out restarts at every read of a
//! body, so a Hub that trickles one byte at a time would hold a call for as long as it likes.
//! `FakeHttp` answers unit tests. What the requests mean lives in `crate::hub` and `crate::hf`.

use crate::token::{Secret, Token};
use std::io::Read;
use std::sync::OnceLock;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

const USER_AGENT: &str = concat!("git-credential-hf/", env!("CARGO_PKG_VERSION"));
/// Hub answers are a few KiB; anything near this is not the Hub.
const MAX_BODY: u64 = 1024 * 1024;
/// Per address tried, so an address that does not answer leaves time for the next one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

#[derive(Clone, Debug)]
pub enum Body {
    Empty,
    /// `application/x-www-form-urlencoded` (its values may be secrets).
    Form(Secret<Vec<(String, String)>>),
    /// `application/json`.
    Json(Secret<serde_json::Value>),
}

/// One request. Debug never shows the bearer token or the body.
#[derive(Clone, Debug)]
pub struct Request {
    /// What it is for, in messages (`whoami`, `OAuth refresh`).
    pub what: &'static str,
    pub method: Method,
    pub url: String,
    /// Appended to the URL's own query.
    pub query: Vec<(String, String)>,
    pub bearer: Option<Token>,
    pub body: Body,
}

impl Request {
    pub fn get(what: &'static str, url: impl Into<String>) -> Request {
        Request {
            what,
            method: Method::Get,
            url: url.into(),
            query: Vec::new(),
            bearer: None,
            body: Body::Empty,
        }
    }

    pub fn post(what: &'static str, url: impl Into<String>, body: Body) -> Request {
        Request {
            method: Method::Post,
            body,
            ..Request::get(what, url)
        }
    }

    pub fn bearer(mut self, token: &Token) -> Request {
        self.bearer = Some(token.clone());
        self
    }
}

/// The status, headers (names lowercase) and capped body of an answer. Debug leaves the body
/// out: an `/oauth/token` answer holds tokens.
#[derive(Clone, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Response({}, {} bytes)", self.status, self.body.len())
    }
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The server could not be asked (time-out, no connection, a broken answer): what happened,
/// in words that never hold a token (no URL the helper builds carries one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreachable(pub String);

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub trait Http: Send + Sync {
    /// Sends `request`, giving up at `deadline`.
    fn send(&self, request: &Request, deadline: Instant) -> Result<Response, Unreachable>;
}

/// The network. The client (TLS roots included) is built at the first request only: a warm
/// `get` never makes one.
#[derive(Default)]
pub struct LiveHttp {
    client: OnceLock<Result<reqwest::blocking::Client, String>>,
}

impl LiveHttp {
    fn client(&self) -> Result<&reqwest::blocking::Client, Unreachable> {
        self.client
            .get_or_init(|| {
                // Only the first call installs it; later calls see it installed.
                let _ = rustls::crypto::ring::default_provider().install_default();
                reqwest::blocking::Client::builder()
                    .user_agent(USER_AGENT)
                    .connect_timeout(CONNECT_TIMEOUT)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| format!("cannot set up HTTPS: {e}"))
            })
            .as_ref()
            .map_err(|e| Unreachable(e.clone()))
    }
}

impl Http for LiveHttp {
    /// Sending and reading the body happen on a thread of their own, waited for only until
    /// `deadline`; past it the call is abandoned (the thread ends with the process, or sooner
    /// on reqwest's own time-out, set to the same time left).
    fn send(&self, request: &Request, deadline: Instant) -> Result<Response, Unreachable> {
        let what = request.what;
        let timed_out = || Unreachable(format!("{what} timed out"));
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        let builder = build(self.client()?, request)?.timeout(left);
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("http: {what}"))
            .spawn(move || {
                // The caller may have given up and gone: nobody to tell.
                let _ = tx.send(fetch(what, builder));
            })
            .map_err(|e| {
                Unreachable(format!("{what} request failed: cannot start a thread: {e}"))
            })?;
        match rx.recv_timeout(left) {
            // reqwest's own time-out may win the race by a hair: it is the same deadline.
            Ok(Err(_)) if Instant::now() >= deadline => Err(timed_out()),
            Ok(answer) => answer,
            Err(RecvTimeoutError::Timeout) => Err(timed_out()),
            Err(RecvTimeoutError::Disconnected) => {
                Err(Unreachable(format!("{what} request failed")))
            }
        }
    }
}

fn build(
    client: &reqwest::blocking::Client,
    request: &Request,
) -> Result<reqwest::blocking::RequestBuilder, Unreachable> {
    let what = request.what;
    let mut url = reqwest::Url::parse(&request.url)
        .map_err(|e| Unreachable(format!("{what}: bad URL: {e}")))?;
    if !request.query.is_empty() {
        url.query_pairs_mut().extend_pairs(&request.query);
    }
    let mut builder = match request.method {
        Method::Get => client.get(url),
        Method::Post => client.post(url),
    };
    if let Some(token) = &request.bearer {
        builder = builder.bearer_auth(token.expose());
    }
    use reqwest::header::CONTENT_TYPE;
    Ok(match &request.body {
        Body::Empty => builder,
        Body::Form(form) => {
            // The query serializer of `Url` is the form encoding, without another dependency.
            let mut encoder = reqwest::Url::parse("form:").expect("a valid URL");
            encoder.query_pairs_mut().extend_pairs(form.expose());
            builder
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(encoder.query().unwrap_or_default().to_string())
        }
        Body::Json(json) => builder
            .header(CONTENT_TYPE, "application/json")
            .body(json.expose().to_string()),
    })
}

fn fetch(what: &str, builder: reqwest::blocking::RequestBuilder) -> Result<Response, Unreachable> {
    let response = builder.send().map_err(|e| describe(what, &e))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let mut body = Vec::new();
    response
        .take(MAX_BODY + 1)
        .read_to_end(&mut body)
        .map_err(|e| Unreachable(format!("reading the {what} answer failed: {e}")))?;
    if body.len() as u64 > MAX_BODY {
        return Err(Unreachable(format!("the {what} answer is too large")));
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// reqwest's error chain names the URL but never headers or bodies, so it cannot carry a
/// token.
fn describe(what: &str, e: &reqwest::Error) -> Unreachable {
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
    Unreachable(text)
}

/// A Hub for unit tests: answers each request with the first rule whose URL ends with its
/// path (and whose bearer matches, when the rule names one); records every request.
#[cfg(test)]
#[derive(Default)]
pub struct FakeHttp {
    rules: Vec<(String, Option<String>, Result<Response, Unreachable>)>,
    pub requests: std::sync::Mutex<Vec<Request>>,
}

#[cfg(test)]
impl FakeHttp {
    /// `path` with `bearer` (any bearer when `None`) answers `status` with `body`.
    pub fn answer(mut self, path: &str, bearer: Option<&str>, status: u16, body: &str) -> Self {
        let response = Response {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        };
        self.rules
            .push((path.into(), bearer.map(str::to_string), Ok(response)));
        self
    }

    /// `path` answers with these headers (and an empty body).
    pub fn headers(mut self, path: &str, status: u16, headers: &[(&str, &str)]) -> Self {
        let response = Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        };
        self.rules.push((path.into(), None, Ok(response)));
        self
    }

    /// `path` cannot be reached.
    pub fn unreachable(mut self, path: &str) -> Self {
        let error = Unreachable(format!("{path} could not connect"));
        self.rules.push((path.into(), None, Err(error)));
        self
    }

    /// The bearer tokens sent, in order.
    pub fn bearers(&self) -> Vec<String> {
        let requests = self.requests.lock().unwrap();
        requests
            .iter()
            .filter_map(|r| r.bearer.as_ref().map(|t| t.expose().to_string()))
            .collect()
    }
}

#[cfg(test)]
impl Http for FakeHttp {
    fn send(&self, request: &Request, _deadline: Instant) -> Result<Response, Unreachable> {
        self.requests.lock().unwrap().push(request.clone());
        let bearer = request.bearer.as_ref().map(Token::expose);
        self.rules
            .iter()
            .find(|(path, want, _)| {
                request.url.ends_with(path.as_str())
                    && want.as_deref().is_none_or(|w| Some(w) == bearer)
            })
            .map(|(_, _, answer)| answer.clone())
            .unwrap_or_else(|| Err(Unreachable(format!("no fake answer for {}", request.url))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_can_be_shared_by_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<LiveHttp>();
    }

    #[test]
    fn a_deadline_already_past_asks_nobody() {
        // Port 9 (discard) on loopback is never contacted: the call ends before connecting.
        let request = Request::get("whoami", "http://127.0.0.1:9/api/whoami-v2");
        assert_eq!(
            LiveHttp::default()
                .send(&request, Instant::now())
                .unwrap_err(),
            Unreachable("whoami timed out".into())
        );
    }

    #[test]
    fn the_deadline_bounds_a_silent_server() {
        // Accepts the connection and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let start = Instant::now();
        let request = Request::post(
            "probe",
            url,
            Body::Json(Secret::new(serde_json::Value::Null)),
        );
        let answer = LiveHttp::default().send(&request, start + Duration::from_millis(300));
        assert_eq!(answer.unwrap_err(), Unreachable("probe timed out".into()));
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        drop(listener);
    }

    #[test]
    fn debug_shows_no_secret() {
        let secret = "hf_not-a-real-token-debug";
        let request = Request::post(
            "OAuth refresh",
            "https://h/oauth/token",
            Body::Form(Secret::new(vec![("refresh_token".into(), secret.into())])),
        )
        .bearer(&Token::new(secret));
        let response = Response {
            status: 200,
            headers: Vec::new(),
            body: secret.as_bytes().to_vec(),
        };
        for text in [format!("{request:?}"), format!("{response:?}")] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}
