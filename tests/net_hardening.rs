//! Issue 14, the network and cache side: one total deadline for every Hub call (a trickling
//! body cannot hold a command past `--timeout`), files of ours that cannot be FIFOs, links
//! or somebody else's, offline mode that still honours the cache, verdicts from the future,
//! remembered refresh failures, refresh grants that could not be saved, and Hub text without
//! control characters.
#![cfg(unix)]

mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::hub::{Hub, OAuthMode, WhoamiMode};
use support::oauth::{OLD, oauth_login};
use support::{Out, TestCmd, TestEnv};

const TOKEN: &str = "hf_NetHardeningTokenNNNNNNNNNNNNNNNNNNNNN";
const WHOAMI: &str = ".cache/git-credential-hf/whoami.json";
const HF_DIR: &str = ".cache/huggingface";

/// What `--timeout 2` must hold to, start to exit, against a Hub that trickles.
const WITHIN: Duration = Duration::from_secs(3);
/// Past this a command is killed and the test fails (a regression must not stall the suite).
const KILL_AFTER: Duration = Duration::from_secs(10);

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Runs `cmd`, fails the test past `WITHIN`, and says how long it took (for the report).
fn timed(what: &str, cmd: TestCmd) -> Out {
    let (out, took) = cmd.run_within(KILL_AFTER);
    eprintln!("{what}: {took:?}");
    assert!(took < WITHIN, "{what} took {took:?}\n{}", out.stderr);
    out
}

fn get(env: &TestEnv, hub: &Hub, args: &[&str]) -> TestCmd {
    let mut all = args.to_vec();
    all.push("get");
    env.cmd(&all)
        .allow_password_line()
        .stdin(hub.credential_request())
}

// ---------------------------------------------------------------------------
// 4. One deadline for connect + head + body
// ---------------------------------------------------------------------------

#[test]
fn get_ends_within_the_time_out_against_a_trickling_whoami() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    hub.set_whoami_mode(WhoamiMode::Trickle);
    let out = timed(
        "get --timeout 2, trickling whoami",
        get(&env, &hub, &["--verbose", "--timeout", "2"]),
    )
    .ok()
    .stderr_has("whoami timed out")
    .stderr_has("sending the token unchecked");
    assert_eq!(out.field("password").as_deref(), Some(TOKEN));
    assert!(
        !env.path(WHOAMI).exists(),
        "a time-out is no verdict: nothing cached"
    );
}

/// The refresh and the whoami share one deadline: two trickling calls still end in time.
#[test]
fn get_refreshing_against_a_trickling_oauth_endpoint_ends_within_the_time_out() {
    let env = TestEnv::new();
    let hub = Hub::start();
    oauth_login(&env, &hub, now() + 60);
    hub.set_oauth_mode(OAuthMode::Trickle);
    hub.set_whoami_mode(WhoamiMode::Trickle);
    let out = timed(
        "get --timeout 2, trickling /oauth/token and whoami",
        get(&env, &hub, &["--verbose", "--timeout", "2"]),
    )
    .ok()
    .stderr_has("could not refresh the OAuth token `oauth-alice`")
    .stderr_has("timed out")
    .stderr_has("sending the token unchecked");
    assert_eq!(out.field("password").as_deref(), Some(OLD));
    assert_eq!(hub.oauth_calls().len(), 1);
}

#[test]
fn check_ends_within_the_time_out_against_a_trickling_hub() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    hub.set_whoami_mode(WhoamiMode::Trickle);
    hub.set_auth_check_trickle(true);
    timed(
        "check --timeout 2 org/x, trickling whoami and auth-check",
        env.cmd(&["--timeout", "2", "check", "org/x"]),
    )
    .code(1)
    .stdout_has("cannot tell whether you can clone org/x")
    .stdout_has("timed out");
}

#[test]
fn check_ends_within_the_time_out_against_a_trickling_auth_check() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    hub.set_auth_check_trickle(true);
    timed(
        "check --timeout 2 org/x, trickling auth-check",
        env.cmd(&["--timeout", "2", "check", "org/x"]),
    )
    .code(1)
    .stdout_has("cannot tell whether you can clone org/x: auth-check timed out");
}

#[test]
fn login_ends_within_the_time_out_against_a_trickling_whoami() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    hub.set_whoami_mode(WhoamiMode::Trickle);
    timed(
        "login --token-stdin --timeout 2, trickling whoami",
        env.cmd(&["--timeout", "2", "login", "--token-stdin"])
            .env_remove("HF_TOKEN")
            .stdin(format!("{TOKEN}\n")),
    )
    .code(1)
    .stderr_has("cannot check the token")
    .stderr_has("timed out");
    assert!(!env.path(&format!("{HF_DIR}/token")).exists());
}

#[test]
fn the_oidc_exchange_ends_within_the_time_out_against_a_trickling_hub() {
    const ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.trickle-id-token.sig";
    const EXCHANGED: &str = "hf_jwt_TrickledExchangeTTTTTTTTTTTTTTTTT";
    let (env, hub) = support::env_with_hub_token(TOKEN);
    env.secret(ID_TOKEN);
    env.secret(EXCHANGED);
    hub.add_id_token(ID_TOKEN, "alice/model", "alice", EXCHANGED, 3600);
    env.set_env("HF_OIDC_RESOURCE", "alice/model");
    env.set_env("HF_OIDC_ID_TOKEN", ID_TOKEN);
    hub.set_oauth_mode(OAuthMode::Trickle);
    timed(
        "get --timeout 2, trickling OIDC exchange",
        get(&env, &hub, &["--timeout", "2"]),
    )
    .code(1)
    .stderr_has("the OIDC token exchange for HF_OIDC_RESOURCE=alice/model failed")
    .stderr_has("timed out");
}
