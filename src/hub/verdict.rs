//! Is a token valid? One type answers it, from the Hub's whoami answer to the cache to the
//! decision: `Verdict`. The `Checker` asks the cache first, then one whoami call shared by all
//! helper processes that ask at the same moment, under the command's one deadline. A Hub that
//! did not answer is remembered for a minute per API base, so the other requests of the same
//! git operation send the token unchecked at once instead of each waiting out the time-out.

use crate::hub::store::{self, Store};
use crate::io::Deadline;
use crate::io::http::{Http, Request, Unreachable};
use crate::redact::printable;
use crate::token::{Token, hex};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// A valid verdict is trusted this long; an invalid one until the token changes.
pub const VALID_FOR: u64 = 24 * 3600;
/// Invalid verdicts of tokens nobody has presented for this long are dropped.
const FORGET_AFTER: u64 = 90 * 24 * 3600;
const MAX_ENTRIES: usize = 256;
const FILE: &str = "whoami.json";
const LOCK: &str = "whoami.lock";
/// API bases that did not answer, and when.
const UNREACHABLE_FILE: &str = "unreachable.json";
/// How long a Hub that did not answer is not asked again by `get` (about one git operation).
pub const UNREACHABLE_FOR: u64 = 60;
/// `store` refreshes a valid verdict older than this.
const CONFIRM_AFTER: u64 = 3600;

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

/// The Hub's word on a token.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Valid(Option<WhoamiInfo>),
    /// The Hub refused the token (401).
    Invalid,
    /// No verdict could be had (network error, time-out, 5xx, 429, redirect, garbage): why.
    Unknown(NoVerdict),
    /// HF_HUB_OFFLINE: nothing was asked.
    Offline,
}

impl Verdict {
    /// `Some(true/false)` when the Hub said so.
    pub fn valid(&self) -> Option<bool> {
        match self {
            Verdict::Valid(_) => Some(true),
            Verdict::Invalid => Some(false),
            Verdict::Unknown(_) | Verdict::Offline => None,
        }
    }

    pub fn info(&self) -> Option<&WhoamiInfo> {
        match self {
            Verdict::Valid(info) => info.as_ref(),
            _ => None,
        }
    }

    /// The verdict of a whoami answer.
    pub fn from_whoami(status: u16, body: &[u8]) -> Verdict {
        match status {
            200 => parse_whoami(body)
                .map(|info| Verdict::Valid(Some(info)))
                .unwrap_or_else(|| {
                    Verdict::Unknown("the whoami answer is not the Hub's JSON".into())
                }),
            401 => Verdict::Invalid,
            status => Verdict::Unknown(format!("the Hub answered HTTP {status}").into()),
        }
    }
}

/// Why there is no verdict. Its `Display` is the reason in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoVerdict {
    /// The Hub answered, but not with a verdict (5xx, 429, a redirect, garbage), or another
    /// helper process was asking it.
    Answer(String),
    /// The Hub did not answer this run (no connection, or nothing before the deadline): this
    /// run waited for it, and remembered it.
    Unreachable(String),
    /// The Hub did not answer another run of ours at `at` (seconds since the epoch), less than
    /// `UNREACHABLE_FOR` ago: not asked.
    Remembered { reason: String, at: u64 },
}

impl NoVerdict {
    /// Whether the Hub did not answer (now or in a remembered run).
    pub fn unreachable(&self) -> Option<&str> {
        match self {
            NoVerdict::Answer(_) => None,
            NoVerdict::Unreachable(reason) | NoVerdict::Remembered { reason, .. } => Some(reason),
        }
    }
}

impl std::fmt::Display for NoVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoVerdict::Answer(reason) | NoVerdict::Unreachable(reason) => f.write_str(reason),
            NoVerdict::Remembered { reason, at } => write!(
                f,
                "the Hub did not answer {} s ago ({reason}): not asking it again for now",
                store::now().saturating_sub(*at)
            ),
        }
    }
}

impl From<&str> for NoVerdict {
    fn from(reason: &str) -> NoVerdict {
        NoVerdict::Answer(reason.to_string())
    }
}

impl From<String> for NoVerdict {
    fn from(reason: String) -> NoVerdict {
        NoVerdict::Answer(reason)
    }
}

/// What our cache keeps of a Hub that did not answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Unanswered {
    at: u64,
    reason: String,
}

impl Unanswered {
    /// Still remembered at `now`. One dated in the future is no memory.
    fn fresh(&self, now: u64) -> bool {
        self.at <= now && now - self.at < UNREACHABLE_FOR
    }
}

/// A verdict as the cache keeps it: only the Hub's own words (valid or invalid), dated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Recorded {
    valid: bool,
    checked_at: u64,
    #[serde(default)]
    info: Option<WhoamiInfo>,
}

impl Recorded {
    fn of(verdict: &Verdict, at: u64) -> Option<Recorded> {
        Some(Recorded {
            valid: verdict.valid()?,
            checked_at: at,
            info: verdict.info().cloned(),
        })
    }

    fn verdict(self) -> Verdict {
        match self.valid {
            true => Verdict::Valid(self.info),
            false => Verdict::Invalid,
        }
    }

    /// Still a usable verdict at `at`. One dated in the future (clock skew, a copied cache)
    /// is none at all: it would be trusted until the clock caught up, plus a day.
    fn fresh(&self, at: u64) -> bool {
        self.checked_at <= at && (!self.valid || at - self.checked_at < VALID_FOR)
    }
}

/// `GET {api_base}/api/whoami-v2` with the token as Bearer, given up at `deadline`.
pub fn whoami(http: &dyn Http, api_base: &str, token: &Token, deadline: Instant) -> Verdict {
    let request = Request::get("whoami", format!("{api_base}/api/whoami-v2")).bearer(token);
    match http.send(&request, deadline) {
        Ok(answer) => Verdict::from_whoami(answer.status, &answer.body),
        Err(e) if silent(&e) => Verdict::Unknown(NoVerdict::Unreachable(e.0)),
        // Something answered, if brokenly (a reset, a body cut short, an answer too large),
        // at once: nothing to remember, asking again costs no time-out.
        Err(e) => Verdict::Unknown(e.0.into()),
    }
}

/// The Hub could not be reached, or said nothing before the deadline: `io::http`'s words,
/// after the request's name, for a connection that failed and for a time-out (`whoami could
/// not connect: ...`, `whoami timed out`), tested against real sockets below.
fn silent(e: &Unreachable) -> bool {
    // After the request's name.
    let (_, what) = e.0.split_once(' ').unwrap_or_default();
    what.starts_with("timed out") || what.starts_with("could not connect")
}

/// Where a verdict came from, for `-v`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// Our cache, from the Hub's answer at this time (unix seconds).
    Cached { checked_at: u64 },
    /// The Hub, just now; its answer took this long.
    Asked { took: Duration },
    /// Nobody: offline, a Hub that did not answer a moment ago, another process asking.
    NotAsked,
}

/// Asks and remembers verdicts for one command.
pub struct Checker<'a> {
    pub http: &'a dyn Http,
    pub store: Option<&'a Store<'a>>,
    pub deadline: &'a Deadline,
    /// HF_HUB_OFFLINE: the Hub is not asked (what it already said still counts).
    pub offline: bool,
}

impl Checker<'_> {
    /// The verdict for `token` at `api_base`, from the cache when it has a usable one; a Hub
    /// that did not answer within the last minute is not asked again.
    pub fn cached(&self, api_base: &str, token: &Token) -> Verdict {
        self.cached_how(api_base, token).0
    }

    /// `cached`, and where the verdict came from.
    pub fn cached_how(&self, api_base: &str, token: &Token) -> (Verdict, How) {
        let key = store::key(api_base, token);
        if let Some(known) = self.lookup(&key) {
            return known;
        }
        if self.offline {
            return (Verdict::Offline, How::NotAsked);
        }
        let Some(store) = self.store else {
            return self.ask_timed(api_base, token);
        };
        if let Some(remembered) = self.remembered(api_base) {
            return (Verdict::Unknown(remembered), How::NotAsked);
        }
        let (_lock, waited) = match store.lock(LOCK, self.deadline.get()) {
            Ok(Some(held)) => held,
            Ok(None) => {
                let why = "another git-credential-hf is still asking the Hub";
                return (Verdict::Unknown(why.into()), How::NotAsked);
            }
            // Our cache folder is unusable: check as if there were no cache.
            Err(_) => return self.ask_timed(api_base, token),
        };
        if let Some(known) = self.lookup(&key) {
            return known;
        }
        if waited {
            // The process we waited for got no verdict either: do not queue up behind it.
            let why = self
                .remembered(api_base)
                .unwrap_or_else(|| "another git-credential-hf got no answer from the Hub".into());
            return (Verdict::Unknown(why), How::NotAsked);
        }
        self.ask_timed(api_base, token)
    }

    fn ask_timed(&self, api_base: &str, token: &Token) -> (Verdict, How) {
        let started = Instant::now();
        let verdict = self.ask(api_base, token);
        let took = started.elapsed();
        (verdict, How::Asked { took })
    }

    /// That `api_base` did not answer a run of ours less than a minute ago.
    fn remembered(&self, api_base: &str) -> Option<NoVerdict> {
        let known: Unanswered = self
            .store?
            .entries(UNREACHABLE_FILE)
            .remove(&unreachable_key(api_base))?;
        known.fresh(store::now()).then_some(NoVerdict::Remembered {
            reason: known.reason,
            at: known.at,
        })
    }

    /// Remembers that `api_base` did not answer (`Some(reason)`), or forgets it once it
    /// answered anything at all (even a 5xx: it is there, and asking it costs no time-out).
    fn remember_reach(&self, api_base: &str, unanswered: Option<&str>) {
        let Some(store) = self.store else { return };
        let key = unreachable_key(api_base);
        let now = store::now();
        let entries = store.entries::<Unanswered>(UNREACHABLE_FILE);
        if unanswered.is_none() && !entries.contains_key(&key) {
            // The usual case: nothing to forget, nothing to write.
            return;
        }
        // A cache that cannot be written only costs the next request the time-out.
        let _ = store.update(
            UNREACHABLE_FILE,
            |entries: &mut std::collections::BTreeMap<String, Unanswered>| {
                match unanswered {
                    Some(reason) => {
                        let reason = reason.to_string();
                        entries.insert(key, Unanswered { at: now, reason });
                    }
                    None => {
                        entries.remove(&key);
                    }
                }
                entries.retain(|_, u| u.fresh(now));
            },
        );
    }

    /// The cache, else the Hub, without the lock that makes concurrent helper processes share
    /// one call: for one process checking several tokens at once on threads (`status`).
    pub fn unshared(&self, api_base: &str, token: &Token) -> Verdict {
        match self.lookup(&store::key(api_base, token)) {
            Some((known, _)) => known,
            None => self.fresh(api_base, token),
        }
    }

    /// A verdict straight from the Hub, bypassing (and then updating) the cache.
    pub fn fresh(&self, api_base: &str, token: &Token) -> Verdict {
        match self.offline {
            true => Verdict::Offline,
            false => self.ask(api_base, token),
        }
    }

    /// Records that `token` just worked (git's `store`), unless a recent verdict says so.
    pub fn confirm(&self, api_base: &str, token: &Token) {
        let key = store::key(api_base, token);
        let known: Option<Recorded> = self.store.and_then(|s| s.entries(FILE).remove(&key));
        let at = store::now();
        if known
            .as_ref()
            .is_some_and(|r| r.valid && r.fresh(at) && at - r.checked_at < CONFIRM_AFTER)
        {
            return;
        }
        let info = known.filter(|r| r.valid).and_then(|r| r.info);
        self.record(&key, &Verdict::Valid(info));
    }

    /// What the cache knows of `token` at `api_base`, asking nobody.
    pub fn known(&self, api_base: &str, token: &Token) -> Option<Verdict> {
        self.lookup(&store::key(api_base, token)).map(|(v, _)| v)
    }

    fn lookup(&self, key: &str) -> Option<(Verdict, How)> {
        let recorded: Recorded = self.store?.entries(FILE).remove(key)?;
        let checked_at = recorded.checked_at;
        let how = How::Cached { checked_at };
        recorded
            .fresh(store::now())
            .then(|| (recorded.verdict(), how))
    }

    fn ask(&self, api_base: &str, token: &Token) -> Verdict {
        let verdict = whoami(self.http, api_base, token, self.deadline.get());
        let unanswered = match &verdict {
            Verdict::Unknown(why) => why.unreachable(),
            _ => None,
        };
        self.remember_reach(api_base, unanswered);
        self.record(&store::key(api_base, token), &verdict);
        verdict
    }

    /// Keeps the Hub's own words, pruning what is stale and bounding the file's size.
    fn record(&self, key: &str, verdict: &Verdict) {
        let at = store::now();
        let (Some(store), Some(recorded)) = (self.store, Recorded::of(verdict, at)) else {
            return;
        };
        // A cache that cannot be written only costs the next request a whoami call.
        let _ = store.update(
            FILE,
            |entries: &mut std::collections::BTreeMap<String, Recorded>| {
                entries.insert(key.to_string(), recorded);
                entries.retain(|_, r| r.fresh(at) && at - r.checked_at < FORGET_AFTER);
                while entries.len() > MAX_ENTRIES {
                    let oldest = entries
                        .iter()
                        .min_by_key(|(_, r)| r.checked_at)
                        .map(|(k, _)| k.clone())
                        .expect("non-empty");
                    entries.remove(&oldest);
                }
            },
        );
    }
}

/// The key of an API base in `unreachable.json` (hashed, as every key of ours: an endpoint
/// may carry a password).
fn unreachable_key(api_base: &str) -> String {
    hex(&Sha256::digest(api_base.as_bytes()))
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
    use crate::io::fs::FakeFs;
    use crate::io::http::FakeHttp;
    use std::collections::BTreeMap;

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
    fn the_hubs_text_loses_its_control_characters() {
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
    }

    #[test]
    fn garbage_is_not_a_verdict() {
        assert!(parse_whoami(b"<html>").is_none());
        assert!(parse_whoami(b"{}").is_none());
        assert!(parse_whoami(b"[1,2]").is_none());
    }

    #[test]
    fn a_verdict_from_the_future_is_no_verdict() {
        let at = 1_800_000_000;
        let r = |valid, checked_at| Recorded {
            valid,
            checked_at,
            info: None,
        };
        assert!(r(true, at).fresh(at));
        assert!(r(true, at - VALID_FOR + 1).fresh(at));
        assert!(!r(true, at - VALID_FOR).fresh(at));
        assert!(r(false, at - 10 * VALID_FOR).fresh(at));
        for valid in [true, false] {
            assert!(!r(valid, at + 1).fresh(at), "valid: {valid}");
            assert!(!r(valid, u64::MAX).fresh(at), "valid: {valid}");
        }
    }

    const T: &str = "hf_not-a-real-token-checker";
    const API: &str = "https://hub.example";

    fn checker<'a>(
        http: &'a FakeHttp,
        store: &'a Store<'a>,
        deadline: &'a Deadline,
        offline: bool,
    ) -> Checker<'a> {
        Checker {
            http,
            store: Some(store),
            deadline,
            offline,
        }
    }

    #[test]
    fn one_whoami_then_the_cache_and_offline_keeps_what_the_hub_said() {
        let fs = FakeFs::default();
        let store = Store::at(&fs, "/c".into());
        let http = FakeHttp::default().answer("/api/whoami-v2", Some(T), 401, "");
        let token = Token::new(T);
        let d = Deadline::after(std::time::Duration::from_secs(5));
        let checker = |http, offline| checker(http, &store, &d, offline);
        let online = checker(&http, false);
        assert_eq!(online.cached(API, &token), Verdict::Invalid);
        assert_eq!(online.cached(API, &token), Verdict::Invalid);
        assert_eq!(
            http.bearers().len(),
            1,
            "the second answer came from the cache"
        );
        // HF_HUB_OFFLINE skips the Hub, not what the Hub already said.
        assert_eq!(checker(&http, true).cached(API, &token), Verdict::Invalid);
        let other = Token::new("hf_not-a-real-token-unknown");
        assert_eq!(checker(&http, true).cached(API, &other), Verdict::Offline);
        assert_eq!(http.bearers().len(), 1);
        // `store` records a valid verdict; no answer is not a verdict and is not kept.
        online.confirm(API, &other);
        assert_eq!(online.cached(API, &other), Verdict::Valid(None));
        let down = FakeHttp::default().unreachable("/api/whoami-v2");
        let third = Token::new("hf_not-a-real-token-third");
        assert!(matches!(
            checker(&down, false).cached(API, &third),
            Verdict::Unknown(NoVerdict::Unreachable(_))
        ));
        // No verdict was kept, but the Hub's silence was: the next request does not wait.
        assert!(matches!(
            checker(&down, false).cached(API, &third),
            Verdict::Unknown(NoVerdict::Remembered { .. })
        ));
        assert_eq!(down.requests.lock().unwrap().len(), 1);
    }

    /// What counts as a silent Hub, in `io::http`'s own words for real sockets.
    #[test]
    fn silence_is_a_refused_connection_or_a_time_out_not_a_broken_answer() {
        use crate::io::http::LiveHttp;
        use std::io::{Read, Write};
        use std::net::TcpListener;
        use std::time::{Duration, Instant};
        let token = Token::new(T);
        let ask = |api: &str| {
            let deadline = Instant::now() + Duration::from_millis(500);
            whoami(&LiveHttp::default(), api, &token, deadline)
        };
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let refused = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let verdict = ask(&refused);
        assert!(
            matches!(&verdict, Verdict::Unknown(NoVerdict::Unreachable(r)) if r.starts_with("whoami could not connect")),
            "{verdict:?}"
        );
        let quiet = TcpListener::bind("127.0.0.1:0").unwrap();
        let verdict = ask(&format!("http://{}", quiet.local_addr().unwrap()));
        assert_eq!(
            verdict,
            Verdict::Unknown(NoVerdict::Unreachable("whoami timed out".into()))
        );
        // Reads the request, then hangs up without a word.
        let rude = TcpListener::bind("127.0.0.1:0").unwrap();
        let api = format!("http://{}", rude.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut conn, _) = rude.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(b"");
        });
        let verdict = ask(&api);
        server.join().unwrap();
        assert!(
            matches!(&verdict, Verdict::Unknown(NoVerdict::Answer(r)) if r.starts_with("whoami request failed")),
            "{verdict:?}"
        );
        drop(quiet);
    }

    fn unanswered(store: &Store, api: &str) -> Option<Unanswered> {
        store
            .entries::<Unanswered>(UNREACHABLE_FILE)
            .remove(&unreachable_key(api))
    }

    #[test]
    fn a_silent_hub_is_remembered_for_a_minute_per_api_base_and_forgotten_when_it_answers() {
        let fs = FakeFs::default();
        let store = Store::at(&fs, "/c".into());
        let d = Deadline::after(std::time::Duration::from_secs(5));
        let token = Token::new(T);
        let down = FakeHttp::default().unreachable("/api/whoami-v2");
        let c = checker(&down, &store, &d, false);
        assert!(matches!(
            c.cached(API, &token),
            Verdict::Unknown(NoVerdict::Unreachable(_))
        ));
        let memory = unanswered(&store, API).expect("remembered");
        assert!(memory.reason.contains("could not connect"), "{memory:?}");
        // Per API base: another Hub is still asked.
        c.cached("https://other.example", &token);
        assert_eq!(down.requests.lock().unwrap().len(), 2);
        // Other answers without a verdict are not a silent Hub.
        for (status, body) in [(503, ""), (429, ""), (200, "<html>")] {
            let fs = FakeFs::default();
            let store = Store::at(&fs, "/c".into());
            let http = FakeHttp::default().answer("/api/whoami-v2", None, status, body);
            let c = checker(&http, &store, &d, false);
            assert!(matches!(
                c.cached(API, &token),
                Verdict::Unknown(NoVerdict::Answer(_))
            ));
            assert_eq!(unanswered(&store, API), None, "{status}");
            c.cached(API, &token);
            assert_eq!(http.requests.lock().unwrap().len(), 2, "asked again");
        }
        // A memory older than a minute, or dated in the future, is none.
        let now = store::now();
        for at in [now - UNREACHABLE_FOR, now + 5] {
            store
                .update(UNREACHABLE_FILE, |e: &mut BTreeMap<String, Unanswered>| {
                    let reason = "old".to_string();
                    e.insert(unreachable_key(API), Unanswered { at, reason });
                })
                .unwrap();
            assert_eq!(c.remembered(API), None, "at {at} (now {now})");
        }
        // Any answer clears it, and `status`'s unshared checks ask even while it holds.
        let up = FakeHttp::default().answer("/api/whoami-v2", Some(T), 401, "");
        checker(&down, &store, &d, false).unshared(API, &token);
        assert!(unanswered(&store, API).is_some());
        let c = checker(&up, &store, &d, false);
        assert_eq!(c.unshared(API, &token), Verdict::Invalid);
        assert_eq!(unanswered(&store, API), None);
    }
}
