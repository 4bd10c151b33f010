//! Issue 18, as a person meets it: a Hub that does not answer is remembered for a minute, said
//! once, and costs one time-out per git operation, not one per request.

mod support;

use std::time::Duration;
use support::TestEnv;
use support::hub::{Hub, TokenInfo, WhoamiMode};

const FILE: &str = "hf_FileTokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const ENV: &str = "hf_EnvTokenBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

/// A Hub whose whoami never answers, a token for it in HF_TOKEN.
fn hanging(token: &str) -> (TestEnv, Hub) {
    let (env, hub) = support::env_with_hub_token(token);
    hub.set_whoami_mode(WhoamiMode::Hang);
    (env, hub)
}

fn get(env: &TestEnv, hub: &Hub, extra: &[&str]) -> (support::Out, Duration) {
    let mut args = extra.to_vec();
    args.push("get");
    env.cmd(&args)
        .stdin(hub.credential_request())
        .allow_password_line()
        .run_within(Duration::from_secs(20))
}

#[test]
fn a_hub_that_does_not_answer_costs_one_time_out_per_minute_and_is_said_once() {
    let (env, hub) = hanging(ENV);
    let timeout = Duration::from_secs(2);
    let mut stderr = String::new();
    let mut get_unchecked = || {
        let (out, t) = get(&env, &hub, &["--timeout", "2"]);
        let out = out.ok();
        assert_eq!(
            out.field("password").as_deref(),
            Some(ENV),
            "sent unchecked"
        );
        stderr.push_str(&out.stderr);
        t
    };
    let first = get_unchecked();
    // The next two: each the fastest of up to three runs, so that a machine busy with other
    // tests does not fail it; every run is one that skips the Hub (counted below).
    let mut next = || {
        let mut best = Duration::MAX;
        for _ in 0..3 {
            best = best.min(get_unchecked());
            if best < Duration::from_millis(50) {
                break;
            }
        }
        best
    };
    let took = [first, next(), next()];
    println!("get against a hanging Hub, 3 calls: {took:?}");
    assert!(first >= timeout - Duration::from_millis(100), "{took:?}");
    assert!(first < timeout + Duration::from_secs(1), "{took:?}");
    for t in &took[1..] {
        assert!(
            *t < Duration::from_millis(50),
            "no wait once remembered: {took:?}"
        );
    }
    assert_eq!(hub.whoami_calls(), 1, "asked once");
    let said: Vec<&str> = stderr.lines().collect();
    assert_eq!(said.len(), 1, "{stderr}");
    let authority = format!("127.0.0.1:{}", hub.port());
    assert!(
        said[0].starts_with(&format!(
            "git-credential-hf: {authority} did not answer (timed out): sending the token unchecked"
        )),
        "{stderr}"
    );
    // --verbose says why a remembered run did not ask.
    let (out, _) = get(&env, &hub, &["-v"]);
    out.ok().stderr_has("did not answer").stderr_has("s ago");
    assert_eq!(hub.whoami_calls(), 1);
    // Any answer forgets it: `status` asks (it does not skip the Hub), the Hub answers, and
    // the next cold `get` (another token) asks again.
    hub.set_whoami_mode(WhoamiMode::Normal);
    env.cmd(&["status", "--json"]).run();
    let calls = hub.whoami_calls();
    hub.add_token(FILE, TokenInfo::write("alice", "laptop"));
    env.secret(FILE);
    let (out, _) = env
        .cmd(&["get"])
        .env("HF_TOKEN", FILE)
        .stdin(hub.credential_request())
        .allow_password_line()
        .run_within(Duration::from_secs(20));
    assert_eq!(out.ok().stderr, "");
    assert_eq!(hub.whoami_calls(), calls + 1);
}

#[test]
fn answers_that_are_no_verdict_are_not_a_silent_hub() {
    for mode in [
        WhoamiMode::Status(503),
        WhoamiMode::RateLimited {
            retry_after_secs: 1,
        },
        WhoamiMode::Garbage,
        WhoamiMode::Huge,
    ] {
        let (env, hub) = support::env_with_hub_token(ENV);
        hub.set_whoami_mode(mode.clone());
        for _ in 0..2 {
            let (out, _) = get(&env, &hub, &[]);
            out.ok().stderr_is("");
        }
        assert_eq!(hub.whoami_calls(), 2, "{mode:?}: asked each time");
    }
}
