//! Issue 14, the network and cache side: one total deadline for every Hub call (a trickling
//! body cannot hold a command past `--timeout`), files of ours that cannot be FIFOs, links
//! or somebody else's, offline mode that still honours the cache, verdicts from the future,
//! remembered refresh failures, refresh grants that could not be saved, and Hub text without
//! control characters.

use crate::support;
use crate::support::oauth::{NEW, OLD, REFRESH, ROTATED, oauth_login};
use crate::support::{Out, TestCmd, TestEnv};
use hub_imitation::{Hub, OAuthMode, TokenInfo, WhoamiMode};
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const TOKEN: &str = "hf_NetHardeningTokenNNNNNNNNNNNNNNNNNNNNN";
const CACHE_DIR: &str = ".cache/git-credential-hf";
const WHOAMI: &str = ".cache/git-credential-hf/whoami.json";
const OAUTH_MEMO: &str = ".cache/git-credential-hf/oauth.json";
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

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().mode() & 0o777
}

fn set_mode(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

/// Our cache folder as the helper makes it, for a test to plant things in.
fn our_dir(env: &TestEnv) -> std::path::PathBuf {
    let dir = env.path(CACHE_DIR);
    fs::create_dir_all(&dir).unwrap();
    set_mode(&dir, 0o700);
    dir
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
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

// ---------------------------------------------------------------------------
// 5. Files of ours: no FIFOs, no links followed, our folder only
// ---------------------------------------------------------------------------

#[test]
fn a_fifo_at_whoami_json_does_not_block_get() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    mkfifo(&our_dir(&env).join("whoami.json"));
    let (out, took) = get(&env, &hub, &["--timeout", "2"]).run_within(KILL_AFTER);
    eprintln!("get with a FIFO at whoami.json: {took:?}");
    assert_eq!(out.ok().field("password").as_deref(), Some(TOKEN));
    assert!(fs::symlink_metadata(env.path(WHOAMI)).unwrap().is_file());
}

#[test]
fn a_fifo_at_oidc_json_does_not_block_the_exchange() {
    const ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.fifo-id-token.sig";
    const EXCHANGED: &str = "hf_jwt_FifoExchangeFFFFFFFFFFFFFFFFFFFFFF";
    let (env, hub) = support::env_with_hub_token(TOKEN);
    env.secret(ID_TOKEN);
    hub.add_id_token(ID_TOKEN, "alice/model", "alice", EXCHANGED, 3600);
    env.set_env("HF_OIDC_RESOURCE", "alice/model");
    env.set_env("HF_OIDC_ID_TOKEN", ID_TOKEN);
    mkfifo(&our_dir(&env).join("oidc.json"));
    let (out, _) = env
        .cmd(&["token"])
        .allow_token_stdout()
        .run_within(KILL_AFTER);
    out.ok().stdout_is(&format!("{EXCHANGED}\n"));
}

#[test]
fn a_symlink_at_whoami_lock_is_not_followed() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    let target = env.scratch("elsewhere").join("created-through-the-link");
    std::os::unix::fs::symlink(&target, our_dir(&env).join("whoami.lock")).unwrap();
    let out = get(&env, &hub, &[]).run_within(KILL_AFTER).0.ok();
    assert_eq!(out.field("password").as_deref(), Some(TOKEN));
    assert!(
        !target.exists(),
        "the lock's symlink was followed and its target created"
    );
}

/// A verdict read through a link is not ours: an "invalid" planted elsewhere blocks nothing.
#[test]
fn a_symlink_at_whoami_json_is_not_read_through() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    hub.remove_token(TOKEN);
    get(&env, &hub, &[]).run().ok().stderr_has("was rejected");
    let planted = env.scratch("elsewhere").join("planted.json");
    fs::rename(env.path(WHOAMI), &planted).unwrap();
    let before = fs::read(&planted).unwrap();
    std::os::unix::fs::symlink(&planted, env.path(WHOAMI)).unwrap();
    hub.add_token(TOKEN, TokenInfo::write("alice", "laptop"));
    let out = get(&env, &hub, &[]).run().ok();
    assert_eq!(out.field("password").as_deref(), Some(TOKEN));
    assert_eq!(fs::read(&planted).unwrap(), before);
}

/// A folder of ours that others could write to (0777) is made private, then used.
#[test]
fn a_world_writable_cache_folder_of_ours_is_made_private() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    let dir = our_dir(&env);
    set_mode(&dir, 0o777);
    let out = get(&env, &hub, &[]).run().ok();
    assert_eq!(out.field("password").as_deref(), Some(TOKEN));
    assert_eq!(out.stderr, "", "our own folder is fixed silently");
    assert_eq!(mode(&dir), 0o700);
    assert!(env.path(WHOAMI).is_file(), "the cache was used");
}

/// Somebody else's folder at our cache's place: ignored for the run, said once, left alone.
#[test]
fn a_cache_folder_of_another_user_is_ignored_and_said_once() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    hub.remove_token(TOKEN);
    get(&env, &hub, &[]).run().ok().stderr_has("was rejected");
    let dir = env.path(CACHE_DIR);
    set_mode(&dir, 0o777);
    let mut paths = vec![dir.clone()];
    paths.extend(fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()));
    for p in &paths {
        if let Err(e) = std::os::unix::fs::lchown(p, Some(65534), Some(65534)) {
            support::skip(&format!("cannot give {} to another user: {e}", p.display()));
            return;
        }
    }
    let before = fs::read(env.path(WHOAMI)).unwrap();
    hub.add_token(TOKEN, TokenInfo::write("alice", "laptop"));
    // `get` looks up, locks and records: each would meet the folder.
    let out = get(&env, &hub, &[]).run().ok();
    assert_eq!(out.field("password").as_deref(), Some(TOKEN));
    let said: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains(&*dir.to_string_lossy()))
        .collect();
    assert_eq!(said.len(), 1, "said once:\n{}", out.stderr);
    assert!(said[0].contains("another user"), "{}", said[0]);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert_eq!(fs::read(env.path(WHOAMI)).unwrap(), before);
    assert_eq!(fs::metadata(&dir).unwrap().uid(), 65534);
    assert_eq!(mode(&dir), 0o777, "not ours to change");
    assert_eq!(fs::read_dir(&dir).unwrap().count(), paths.len() - 1);
}

// ---------------------------------------------------------------------------
// 7. Offline skips the network, not the cache
// ---------------------------------------------------------------------------

#[test]
fn offline_a_token_known_invalid_is_still_refused() {
    for var in ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"] {
        let (env, hub) = support::env_with_hub_token(TOKEN);
        hub.remove_token(TOKEN);
        get(&env, &hub, &[]).run().ok().stderr_has("was rejected");
        let out = get(&env, &hub, &[])
            .env(var, "1")
            .run()
            .ok()
            .stderr_has("was rejected");
        assert_eq!(out.field("password"), None, "{var}");
        assert_eq!(hub.whoami_calls(), 1, "{var}: offline asks nobody");
    }
}

#[test]
fn offline_a_token_known_valid_is_valid() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    get(&env, &hub, &[]).run().ok();
    let out = get(&env, &hub, &["--verbose"])
        .env("HF_HUB_OFFLINE", "1")
        .run()
        .ok()
        .stderr_has("sending the token from HF_TOKEN")
        .stderr_lacks("unchecked");
    assert_eq!(out.field("password").as_deref(), Some(TOKEN));
    assert_eq!(hub.whoami_calls(), 1);
}

// ---------------------------------------------------------------------------
// 8. A verdict from the future is no verdict
// ---------------------------------------------------------------------------

#[test]
fn a_valid_verdict_from_the_future_is_no_verdict() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    get(&env, &hub, &[]).run().ok();
    let mut cache: serde_json::Value =
        serde_json::from_slice(&fs::read(env.path(WHOAMI)).unwrap()).unwrap();
    for entry in cache["entries"].as_object_mut().unwrap().values_mut() {
        assert_eq!(entry["valid"], true);
        entry["checked_at"] = (now() + 10 * 86_400).into();
    }
    fs::write(env.path(WHOAMI), cache.to_string()).unwrap();
    hub.remove_token(TOKEN);
    hub.clear_log();
    let out = get(&env, &hub, &[]).run().ok().stderr_has("was rejected");
    assert_eq!(out.field("password"), None);
    assert_eq!(hub.whoami_calls(), 1, "the Hub was asked again");
}

// ---------------------------------------------------------------------------
// 10. A failed refresh is remembered for a few minutes
// ---------------------------------------------------------------------------

fn token_cmd(env: &TestEnv, args: &[&str]) -> TestCmd {
    let mut all = args.to_vec();
    all.push("token");
    env.cmd(&all).allow_token_stdout()
}

/// The memory: ours, 0600, and no secret in it.
fn assert_private_memo(env: &TestEnv) {
    let path = env.path(OAUTH_MEMO);
    assert_eq!(mode(&path), 0o600);
    let text = fs::read_to_string(&path).unwrap();
    for secret in [OLD, NEW, REFRESH, ROTATED] {
        assert!(!text.contains(secret), "a token in {}", path.display());
    }
    assert!(text.contains("\"version\": 1"), "{text}");
}

#[test]
fn a_failed_refresh_is_not_retried_for_a_while() {
    let env = TestEnv::new();
    let hub = Hub::start();
    oauth_login(&env, &hub, now() + 60);
    hub.set_oauth_mode(OAuthMode::Status(500));
    token_cmd(&env, &[])
        .run()
        .ok()
        .stdout_is(&format!("{OLD}\n"))
        .stderr_has("could not refresh the OAuth token `oauth-alice`")
        .stderr_has("HTTP 500");
    assert_eq!(hub.oauth_calls().len(), 1);
    assert_private_memo(&env);
    // Remembered: no second POST, and no second warning for an attempt that was not made.
    token_cmd(&env, &[])
        .run()
        .ok()
        .stdout_is(&format!("{OLD}\n"))
        .stderr_is("");
    token_cmd(&env, &["--verbose"])
        .run()
        .ok()
        .stdout_is(&format!("{OLD}\n"))
        .stderr_has("not refreshing the OAuth token `oauth-alice`")
        .stderr_has("HTTP 500");
    assert_eq!(hub.oauth_calls().len(), 1);
}

#[test]
fn invalid_grant_is_said_once_not_on_every_request() {
    let env = TestEnv::new();
    let hub = Hub::start();
    oauth_login(&env, &hub, now() - 60);
    hub.set_oauth_mode(OAuthMode::InvalidGrant);
    token_cmd(&env, &[])
        .run()
        .ok()
        .stderr_has("log in again with `hf auth login`");
    token_cmd(&env, &[])
        .run()
        .ok()
        .stdout_is(&format!("{OLD}\n"))
        .stderr_is("");
    assert_eq!(hub.oauth_calls().len(), 1);
    assert_private_memo(&env);
}

/// A hanging `/oauth/token` costs the time-out once, not on every helper run.
#[test]
fn a_hanging_refresh_costs_the_time_out_once() {
    let env = TestEnv::new();
    let hub = Hub::start();
    oauth_login(&env, &hub, now() + 60);
    hub.set_oauth_mode(OAuthMode::Trickle);
    timed(
        "token --timeout 2, trickling /oauth/token",
        token_cmd(&env, &["--timeout", "2"]),
    )
    .ok()
    .stderr_has("timed out");
    let (out, took) = token_cmd(&env, &["--timeout", "2"]).run_within(KILL_AFTER);
    out.ok().stdout_is(&format!("{OLD}\n")).stderr_is("");
    assert!(
        took < Duration::from_secs(1),
        "the second run took {took:?}"
    );
    assert_eq!(hub.oauth_calls().len(), 1);
}

// ---------------------------------------------------------------------------
// 11. A grant that cannot be saved is kept, used, and saved later
// ---------------------------------------------------------------------------

#[test]
fn a_grant_that_cannot_be_saved_is_used_kept_and_saved_later() {
    let env = TestEnv::new();
    let hub = Hub::start();
    oauth_login(&env, &hub, now() + 60);
    let hf = env.path(HF_DIR);
    // The lock file exists (Python or an earlier refresh made it); the folder is read-only.
    fs::write(hf.join("stored_tokens.lock"), "").unwrap();
    set_mode(&hf.join("stored_tokens.lock"), 0o664);
    set_mode(&hf, 0o500);
    let Some(first) = env.cmd_without_dac_override(&["token"]) else {
        support::skip("running as root and setpriv cannot drop CAP_DAC_OVERRIDE here");
        return;
    };
    let stored_path = hf.join("stored_tokens");
    first
        .allow_token_stdout()
        .run()
        .ok()
        .stdout_is(&format!("{NEW}\n"))
        .stderr_has("could not be saved")
        .stderr_has(&stored_path.to_string_lossy())
        .stderr_has("Permission denied");
    assert_eq!(hub.oauth_calls().len(), 1);
    assert_eq!(mode(&env.path(OAUTH_MEMO)), 0o600);
    // Still read-only: the kept grant is used again, the spent refresh token never sent.
    env.cmd_without_dac_override(&["token"])
        .unwrap()
        .allow_token_stdout()
        .run()
        .ok()
        .stdout_is(&format!("{NEW}\n"))
        .stderr_has("could not be saved");
    assert_eq!(hub.oauth_calls().len(), 1);
    // Writable again: saved into both files, without asking the Hub.
    set_mode(&hf, 0o700);
    env.cmd_without_dac_override(&["token"])
        .unwrap()
        .allow_token_stdout()
        .run()
        .ok()
        .stdout_is(&format!("{NEW}\n"))
        .stderr_is("");
    assert_eq!(hub.oauth_calls().len(), 1);
    let stored = fs::read_to_string(&stored_path).unwrap();
    assert!(
        stored.contains(&format!("hf_token = {NEW}\nrefresh_token = {ROTATED}\n")),
        "stored_tokens was not updated"
    );
    assert_eq!(fs::read_to_string(hf.join("token")).unwrap(), NEW);
    // Once saved it is not kept twice: the next runs read the user's files.
    token_cmd(&env, &[])
        .run()
        .ok()
        .stdout_is(&format!("{NEW}\n"))
        .stderr_is("");
    assert!(
        !fs::read_to_string(env.path(OAUTH_MEMO))
            .unwrap()
            .contains("access_token")
    );
}

// ---------------------------------------------------------------------------
// 13. No control characters from the Hub reach the terminal
// ---------------------------------------------------------------------------

const HOSTILE_NAME: &str = "lap\u{1b}]0;owned\u{7}top\u{9b}2J";
const HOSTILE_USER: &str = "ali\u{1b}[2Jce";

fn assert_no_control(what: &str, text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{what}: a control character reached the output: {text:?}"
    );
}

#[test]
fn login_prints_and_stores_no_control_characters_from_the_hub() {
    let env = TestEnv::new();
    let hub = Hub::start();
    env.secret(TOKEN);
    env.set_env("HF_ENDPOINT", &hub.url());
    hub.add_token(TOKEN, TokenInfo::write(HOSTILE_USER, HOSTILE_NAME));
    let out = env
        .cmd(&["login", "--token-stdin"])
        .stdin(format!("{TOKEN}\n"))
        .run()
        .ok()
        .stderr_has("The token `lap]0;ownedtop2J` has been saved");
    assert_no_control("login", &out.stderr);
    let stored = fs::read_to_string(env.path(&format!("{HF_DIR}/stored_tokens"))).unwrap();
    assert_no_control("stored_tokens", &stored);
}

#[test]
fn check_prints_no_control_characters_from_the_hub() {
    let (env, hub) = support::env_with_hub_token(TOKEN);
    hub.add_token(TOKEN, TokenInfo::write(HOSTILE_USER, HOSTILE_NAME));
    hub.seed_repo("org/model", &[("README.md", b"# model\n")], &[]);
    for args in [
        &["check", "org/model"][..],
        &["check", "--json", "org/model"],
    ] {
        let out = env.cmd(args).run().ok().stdout_has("ali[2Jce");
        assert_no_control("check", &out.stdout);
    }
}
