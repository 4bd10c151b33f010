//! OAuth refresh of the token file, against the Hub imitation's `/oauth/token`: due, not due,
//! failed, invalid_grant, offline, a switch in the middle, and 8 processes at once.

use crate::support;
use crate::support::TestEnv;
use crate::support::oauth::{NEW, OLD, PLAIN, REFRESH, ROTATED, oauth_login, stored_tokens};
use hub_imitation::{Hub, OAuthMode};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const LIFETIME: i64 = 30 * 86_400;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

struct Setup {
    env: TestEnv,
    hub: Hub,
}

fn setup(expires_at: i64) -> Setup {
    let env = TestEnv::new();
    let hub = Hub::start();
    oauth_login(&env, &hub, expires_at);
    Setup { env, hub }
}

fn read(env: &TestEnv, rel: &str) -> String {
    std::fs::read_to_string(env.path(rel)).unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn token(env: &TestEnv) -> support::Out {
    env.cmd(&["token"]).allow_token_stdout().run().ok()
}

/// `expires_at = N` of the stored oauth-alice section.
fn stored_expiry(env: &TestEnv) -> i64 {
    read(env, ".cache/huggingface/stored_tokens")
        .lines()
        .skip_while(|l| *l != "[oauth-alice]")
        .find_map(|l| l.strip_prefix("expires_at = "))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_token_with_less_than_a_day_left_is_refreshed_and_both_files_follow() {
    let Setup { env, hub } = setup(now() + 3600);
    let before = now();
    token(&env).stdout_is(&format!("{NEW}\n")).stderr_is("");

    let calls = hub.oauth_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].content_type, "application/x-www-form-urlencoded");
    assert_eq!(
        calls[0].field_pairs(),
        [
            ("client_id", "26be6b09-91c5-47da-9861-d2d2bb7a7e36"),
            ("grant_type", "refresh_token"),
            ("refresh_token", REFRESH),
        ]
    );
    assert_eq!(read(&env, ".cache/huggingface/token"), NEW);
    let expires = stored_expiry(&env);
    assert!((before + LIFETIME..=now() + LIFETIME).contains(&expires));
    assert_eq!(
        read(&env, ".cache/huggingface/stored_tokens"),
        stored_tokens(NEW, ROTATED, expires)
    );
    let dir = env.path(".cache/huggingface");
    assert_eq!(mode(&dir.join("token")), 0o600);
    assert_eq!(mode(&dir.join("stored_tokens")), 0o600);
    assert_eq!(mode(&dir), 0o700);
    // filelock's mode for the lock file, left in place as filelock leaves it.
    assert_eq!(mode(&dir.join("stored_tokens.lock")), 0o664);

    // Now a month is left: nothing more to do, and git gets the new token.
    let fill = env
        .git_fill(&[])
        .env("GIT_CREDENTIAL_HF_AUTH_TYPE", "basic")
        .stdin(format!("protocol=http\nhost=127.0.0.1:{}\n\n", hub.port()))
        .run()
        .ok();
    assert_eq!(fill.field("password").as_deref(), Some(NEW));
    assert_eq!(hub.oauth_calls().len(), 1);
}

#[test]
fn a_token_with_more_than_a_day_left_is_left_alone() {
    let Setup { env, hub } = setup(now() + 2 * 86_400);
    let stored = read(&env, ".cache/huggingface/stored_tokens");
    token(&env).stdout_is(&format!("{OLD}\n"));
    assert!(hub.oauth_calls().is_empty());
    assert_eq!(read(&env, ".cache/huggingface/stored_tokens"), stored);
    assert_eq!(read(&env, ".cache/huggingface/token"), OLD);
    assert!(!env.path(".cache/huggingface/stored_tokens.lock").exists());
}

#[test]
fn the_client_id_comes_from_the_environment_like_python() {
    let Setup { env, hub } = setup(now() - 60);
    env.set_env("HF_DEVICE_CODE_OAUTH_CLIENT_ID", "my-client");
    token(&env).stdout_is(&format!("{NEW}\n"));
    assert_eq!(hub.oauth_calls()[0].fields["client_id"], "my-client");
}

#[test]
fn a_failed_refresh_keeps_the_old_token_and_the_files() {
    let Setup { env, hub } = setup(now() + 60);
    let stored = read(&env, ".cache/huggingface/stored_tokens");
    hub.set_oauth_mode(OAuthMode::Status(500));
    token(&env)
        .stdout_is(&format!("{OLD}\n"))
        .stderr_has("could not refresh the OAuth token `oauth-alice`")
        .stderr_has("HTTP 500");
    assert_eq!(hub.oauth_calls().len(), 1);
    assert_eq!(read(&env, ".cache/huggingface/stored_tokens"), stored);
    assert_eq!(read(&env, ".cache/huggingface/token"), OLD);
    // The failure is remembered for 5 minutes (as huggingface_hub does in memory): the next
    // request does not try again.
    hub.set_oauth_mode(OAuthMode::Normal);
    token(&env).stdout_is(&format!("{OLD}\n"));
    assert_eq!(hub.oauth_calls().len(), 1);
    // Once the memory is older than that, the next request tries again, and succeeds.
    let memo = env.path(".cache/git-credential-hf/oauth.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&memo).unwrap()).unwrap();
    for entry in json["entries"].as_object_mut().unwrap().values_mut() {
        entry["at"] = (now() - 301).into();
    }
    std::fs::write(&memo, json.to_string()).unwrap();
    token(&env).stdout_is(&format!("{NEW}\n"));
}

#[test]
fn invalid_grant_says_log_in_again() {
    let Setup { env, hub } = setup(now() - 60);
    let stored = read(&env, ".cache/huggingface/stored_tokens");
    hub.set_oauth_mode(OAuthMode::InvalidGrant);
    token(&env)
        .stdout_is(&format!("{OLD}\n"))
        .stderr_has("invalid_grant")
        .stderr_has("log in again with `hf auth login` or `git-credential-hf login`");
    assert_eq!(read(&env, ".cache/huggingface/stored_tokens"), stored);
    assert_eq!(read(&env, ".cache/huggingface/token"), OLD);
}

#[test]
fn offline_mode_does_not_ask_the_hub() {
    let Setup { env, hub } = setup(now() - 60);
    env.cmd(&["token"])
        .env("HF_HUB_OFFLINE", "1")
        .allow_token_stdout()
        .run()
        .ok()
        .stdout_is(&format!("{OLD}\n"))
        .stderr_has("HF_HUB_OFFLINE");
    assert!(hub.oauth_calls().is_empty());
}

#[test]
fn the_token_file_is_not_overwritten_after_a_switch_during_the_refresh() {
    let Setup { env, hub } = setup(now() - 60);
    hub.set_oauth_mode(OAuthMode::Slow(Duration::from_millis(700)));
    let child = env.cmd(&["token"]).allow_token_stdout();
    let running = std::thread::spawn(move || child.run());
    while hub.oauth_calls().is_empty() {
        std::thread::sleep(Duration::from_millis(5));
    }
    // What `hf auth switch laptop` does while the refresh is on its way.
    env.write_token_file(PLAIN);
    running.join().unwrap().ok().stdout_is(&format!("{NEW}\n"));
    assert_eq!(read(&env, ".cache/huggingface/token"), PLAIN);
    assert!(read(&env, ".cache/huggingface/stored_tokens").contains(NEW));
}

#[test]
fn eight_processes_at_once_refresh_once() {
    let Setup { env, hub } = setup(now() - 60);
    // A slow answer keeps the refresh in flight while the others arrive; with a rotating
    // refresh token, a second refresh would be refused.
    hub.set_oauth_mode(OAuthMode::Slow(Duration::from_millis(300)));
    let cmds: Vec<_> = (0..8)
        .map(|_| env.cmd(&["token"]).allow_token_stdout())
        .collect();
    let outs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = cmds.into_iter().map(|c| s.spawn(move || c.run())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in outs {
        out.ok().stdout_is(&format!("{NEW}\n")).stderr_is("");
    }
    assert_eq!(hub.oauth_calls().len(), 1);
    assert_eq!(read(&env, ".cache/huggingface/token"), NEW);
    let stored = read(&env, ".cache/huggingface/stored_tokens");
    assert!(stored.contains(&format!("hf_token = {NEW}\nrefresh_token = {ROTATED}\n")));
}

/// Bytes, modification time and inode of a file: what "not written" means.
fn fingerprint(path: &Path) -> (Vec<u8>, SystemTime, u64) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).unwrap();
    (
        std::fs::read(path).unwrap(),
        meta.modified().unwrap(),
        meta.ino(),
    )
}

#[test]
fn status_offline_asks_nobody_writes_nothing_and_says_a_refresh_is_due() {
    let Setup { env, hub } = setup(now() + 3600);
    let files = [
        ".cache/huggingface/token",
        ".cache/huggingface/stored_tokens",
    ];
    let before: Vec<_> = files.iter().map(|f| fingerprint(&env.path(f))).collect();
    env.cmd(&["status", "--offline"])
        .run()
        .stdout_has("due for a refresh, not attempted");
    let out = env.cmd(&["status", "--offline", "--json"]).run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        json["notes"][0].as_str().unwrap().contains("not attempted"),
        "{json:#}"
    );
    assert!(hub.requests().is_empty(), "{:?}", hub.requests());
    let after: Vec<_> = files.iter().map(|f| fingerprint(&env.path(f))).collect();
    assert_eq!(before, after);
    assert!(
        !env.path(".cache/git-credential-hf").exists(),
        "no cache file of ours was written"
    );
}

#[test]
fn status_says_what_a_refresh_did_and_when_it_failed() {
    let Setup { env, hub } = setup(now() + 3600);
    env.cmd(&["status"])
        .run()
        .stdout_has("Notes")
        .stdout_has("refreshed the OAuth token `oauth-alice`");
    assert_eq!(hub.oauth_calls().len(), 1);
    let Setup { env, hub } = setup(now() + 3600);
    hub.set_oauth_mode(OAuthMode::Status(500));
    let out = env.cmd(&["status", "--json"]).run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let notes = json["notes"].to_string();
    assert!(
        notes.contains("could not refresh the OAuth token `oauth-alice`"),
        "{notes}"
    );
}
