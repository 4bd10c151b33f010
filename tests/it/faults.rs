//! Fault injection: every way the whoami check can fail, against the loopback Hub imitation.
//! A failing check sends the token unchecked, costs one request and at most the time-out,
//! never marks the token invalid, never prints it, and never follows a redirect.

use crate::support;
use crate::support::{Out, TestEnv};
use hub_imitation::{Hub, WhoamiMode};
use serde_json::Value;
use std::net::TcpListener;
use std::time::{Duration, Instant};

const TOKEN: &str = "hf_FaultInjectionTokenQQQQQQQQQQQQQQQQQQQ";

fn setup() -> (TestEnv, Hub) {
    support::env_with_hub_token(TOKEN)
}

fn get(env: &TestEnv, hub: &Hub, timeout: &str) -> Out {
    env.cmd(&["--verbose", "--timeout", timeout, "get"])
        .allow_password_line()
        .stdin(hub.credential_request())
        .run()
        .ok()
}

fn erase(env: &TestEnv, hub: &Hub, timeout: &str) -> Out {
    let input = format!(
        "protocol=http\nhost=127.0.0.1:{}\nusername=git\npassword={TOKEN}\n\n",
        hub.port()
    );
    env.cmd(&["--timeout", timeout, "erase"])
        .stdin(input)
        .run()
        .ok()
}

/// The verdicts in the helper's cache (`valid` of each entry); empty when there is no file.
fn cached_verdicts(env: &TestEnv) -> Vec<bool> {
    let Ok(text) = std::fs::read_to_string(env.path(".cache/git-credential-hf/whoami.json")) else {
        return Vec::new();
    };
    let json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("corrupt cache: {e}\n{text}"));
    let Some(Value::Object(entries)) = json.get("entries") else {
        panic!("cache without entries: {text}");
    };
    entries
        .values()
        .map(|e| matches!(e.get("valid"), Some(Value::Bool(true))))
        .collect()
}

/// After a fault: nothing invalid was recorded, a Normal whoami answers and records "valid".
fn recovers(env: &TestEnv, hub: &Hub, what: &str) {
    assert!(
        cached_verdicts(env).iter().all(|v| *v),
        "{what}: the token was marked invalid"
    );
    hub.set_whoami_mode(WhoamiMode::Normal);
    let out = get(env, hub, "5");
    assert_eq!(out.field("password").as_deref(), Some(TOKEN), "{what}");
    assert_eq!(
        cached_verdicts(env),
        vec![true],
        "{what}: cache after recovery"
    );
}

/// Every failure mode, through `get` and through `erase` (which bypasses the cache).
#[test]
fn no_failure_of_the_hub_marks_the_token_invalid_or_shows_it() {
    let modes = [
        (WhoamiMode::Reset, "whoami request failed"),
        (WhoamiMode::Status(500), "HTTP 500"),
        (WhoamiMode::Status(502), "HTTP 502"),
        (WhoamiMode::Status(503), "HTTP 503"),
        (WhoamiMode::Status(403), "HTTP 403"),
        (
            WhoamiMode::RateLimited {
                retry_after_secs: 3600,
            },
            "HTTP 429",
        ),
        (WhoamiMode::Garbage, "not the Hub's JSON"),
        (WhoamiMode::Huge, "too large"),
    ];
    for (mode, reason) in modes {
        let what = format!("{mode:?}");
        let (env, hub) = setup();
        hub.set_whoami_mode(mode.clone());
        let out = get(&env, &hub, "5").stderr_has(reason);
        assert_eq!(out.field("password").as_deref(), Some(TOKEN), "{what}");
        assert_eq!(hub.whoami_calls(), 1, "{what}: one request, no retries");
        // A second get asks again: nothing was cached.
        get(&env, &hub, "5");
        assert_eq!(hub.whoami_calls(), 2, "{what}: nothing cached");
        // git's erase re-checks: it must say the check failed, not that the token is bad.
        hub.set_whoami_mode(mode);
        erase(&env, &hub, "5")
            .stderr_has("re-checking it failed")
            .stderr_has(reason)
            .stderr_lacks("rejected");
        recovers(&env, &hub, &what);
    }
}

/// The control: a real 401 does mark the token invalid, so `recovers` can fail.
#[test]
fn a_real_401_is_the_only_invalid_verdict() {
    let (env, hub) = setup();
    hub.set_whoami_mode(WhoamiMode::Status(401));
    let out = env
        .cmd(&["get"])
        .stdin(hub.credential_request())
        .run()
        .ok()
        .stderr_has("was rejected");
    assert_eq!(out.field("password"), None);
    assert_eq!(cached_verdicts(&env), vec![false]);
}

#[test]
fn a_hanging_hub_answers_within_the_time_out_plus_one_second() {
    let (env, hub) = setup();
    hub.set_whoami_mode(WhoamiMode::Hang);
    let start = Instant::now();
    let out = get(&env, &hub, "1").stderr_has("timed out");
    let took = start.elapsed();
    assert_eq!(out.field("password").as_deref(), Some(TOKEN));
    eprintln!("hanging whoami, --timeout 1: get answered in {took:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let start = Instant::now();
    erase(&env, &hub, "1").stderr_has("timed out");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(hub.whoami_calls(), 2);
    // The Hub's silence is remembered for a minute, so that the rest of a clone does not wait
    // (issue 18): forget it to see the next `get` ask again.
    let memory = env.path(".cache/git-credential-hf/unreachable.json");
    assert!(memory.is_file(), "the silence is remembered");
    std::fs::remove_file(memory).unwrap();
    recovers(&env, &hub, "Hang");
}

/// A slow Hub inside the time-out is just slow: a verdict, cached.
#[test]
fn a_slow_hub_within_the_time_out_is_a_verdict() {
    let (env, hub) = setup();
    hub.set_whoami_mode(WhoamiMode::Slow(Duration::from_millis(300)));
    assert_eq!(
        get(&env, &hub, "5").field("password").as_deref(),
        Some(TOKEN)
    );
    assert_eq!(cached_verdicts(&env), vec![true]);
}

/// Redirects, to another origin or to the same one, are never followed: the listener they
/// point at is never contacted, and the Hub sees exactly one whoami request.
#[test]
fn redirects_are_never_followed() {
    let elsewhere = TcpListener::bind("127.0.0.2:0")
        .or_else(|_| TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let there = elsewhere.local_addr().unwrap();
    let targets = [
        format!("http://{there}/api/whoami-v2"),
        format!("http://127.0.0.1:{}/api/whoami-v2", there.port()),
        format!("//{there}/api/whoami-v2"),
        "/api/whoami-v2?again=1".to_string(),
    ];
    for target in targets {
        let (env, hub) = setup();
        hub.set_whoami_mode(WhoamiMode::RedirectTo(target.clone()));
        let out = get(&env, &hub, "2").stderr_has("HTTP 302");
        assert_eq!(out.field("password").as_deref(), Some(TOKEN), "{target}");
        erase(&env, &hub, "2").stderr_has("HTTP 302");
        let log = hub.requests();
        assert_eq!(log.len(), 2, "{target}: {log:?}");
        assert!(
            log.iter()
                .all(|r| r.path == "/api/whoami-v2" && r.query.is_empty())
        );
        assert!(
            matches!(elsewhere.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "{target}: the redirect target was contacted"
        );
        recovers(&env, &hub, &target);
    }
}

/// HF_HUB_OFFLINE wins over every fault: no request at all.
#[test]
fn offline_mode_never_asks_a_failing_hub() {
    let (env, hub) = setup();
    env.set_env("HF_HUB_OFFLINE", "1");
    hub.set_whoami_mode(WhoamiMode::Hang);
    let start = Instant::now();
    assert_eq!(
        get(&env, &hub, "5").field("password").as_deref(),
        Some(TOKEN)
    );
    erase(&env, &hub, "5");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(hub.whoami_calls(), 0);
}
