//! Today's credential protocol, through real git: Debian's git 2.39 (/usr/bin/git) and the
//! newer git on PATH (2.47 here), each feature checked where that git offers it: the
//! `capability` operation, `password_expiry_utc`, `ephemeral`, `state[]` through `store` and
//! `erase`, a storage helper after ours, and the request git-xet sends, 200 times.

use crate::support;
use crate::support::{BIN, TestEnv};
use hub_imitation::{Hub, OAuthMode, TokenInfo};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

const ACCESS: &str = "hf_ProtocolAccessTokenAAAAAAAAAAAAAAAAAAAA";
const OAUTH: &str = "hf_oauth_ProtocolOAuthTokenBBBBBBBBBBBBBB";
const REFRESH: &str = "hf_oauth_refresh_ProtocolCCCCCCCCCCCCCCCC";
const OTHER: &str = "hf_ProtocolOtherTokenDDDDDDDDDDDDDDDDDDDD";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The gits installed: (program, offers `authtype` and `state`).
fn gits() -> Vec<(&'static str, bool)> {
    let mut found = Vec::new();
    for program in ["/usr/bin/git", "git"] {
        let Ok(out) = std::process::Command::new(program)
            .arg("--version")
            .output()
        else {
            continue;
        };
        let version = String::from_utf8_lossy(&out.stdout).to_string();
        let parts: Vec<u32> = version
            .trim_start_matches("git version ")
            .split('.')
            .take(2)
            .filter_map(|p| p.parse().ok())
            .collect();
        let new = parts >= vec![2, 46];
        if !found.iter().any(|(_, n)| *n == new) {
            found.push((program, new));
        }
    }
    assert!(!found.is_empty(), "no git found");
    if found.len() < 2 {
        support::skip(&format!(
            "only {found:?} here: the other side of git 2.46 (authtype, state[]) is not tried"
        ));
    }
    println!("gits: {found:?}");
    found
}

/// `git credential <op>` with exactly our helper, run by `git`.
fn credential(env: &TestEnv, git: &str, op: &str, input: &str) -> support::TestCmd {
    let helper = format!("credential.helper={BIN} --verbose");
    env.program(
        git,
        &["-c", "credential.helper=", "-c", &helper, "credential", op],
    )
    .allow_password_line()
    .stdin(input)
}

fn field(out: &str, key: &str) -> Option<String> {
    out.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .map(str::to_string)
}

/// An OAuth login (token file + stored_tokens) expiring at `expires_at`.
fn oauth_home(env: &TestEnv, expires_at: i64) {
    env.secret(OAUTH);
    env.secret(REFRESH);
    env.write_token_file(OAUTH);
    env.write(
        ".cache/huggingface/stored_tokens",
        &format!(
            "[oauth-alice]\nhf_token = {OAUTH}\nrefresh_token = {REFRESH}\nexpires_at = {expires_at}\n\n"
        ),
    );
}

#[test]
fn the_capability_operation_says_what_we_speak() {
    let env = TestEnv::new();
    env.cmd(&["capability"])
        .run()
        .ok()
        .stdout_is("version 0\ncapability authtype\ncapability state\n");
}

#[test]
fn expiring_tokens_carry_their_expiry_and_access_tokens_none() {
    let in_3_days = now() + 3 * 86_400;
    let request = "protocol=https\nhost=huggingface.co\n\n";
    for (git, new) in gits() {
        let env = TestEnv::new();
        env.set_env("HF_HUB_OFFLINE", "1");
        oauth_home(&env, in_3_days);
        let direct = env
            .cmd(&["get"])
            .stdin(request)
            .allow_password_line()
            .run()
            .ok();
        assert_eq!(
            field(&direct.stdout, "password_expiry_utc"),
            Some(in_3_days.to_string())
        );
        let filled = credential(&env, git, "fill", request).run().ok();
        assert_eq!(
            field(&filled.stdout, "password").as_deref(),
            Some(OAUTH),
            "{git}"
        );
        // git >= 2.40 keeps the expiry and hands it on; 2.39 drops what it does not know.
        let expiry = field(&filled.stdout, "password_expiry_utc");
        assert_eq!(expiry.is_some(), new, "{git}: {}", filled.stdout);
        // An access token does not expire: no expiry.
        let access = TestEnv::new();
        access.secret(ACCESS);
        access.set_env("HF_TOKEN", ACCESS);
        access.set_env("HF_HUB_OFFLINE", "1");
        let out = credential(&access, git, "fill", request).run().ok();
        assert_eq!(field(&out.stdout, "password_expiry_utc"), None, "{git}");
    }
}

#[test]
fn an_expired_token_that_cannot_be_refreshed_is_not_given_to_git() {
    let env = TestEnv::new();
    let hub = Hub::start();
    env.set_env("HF_ENDPOINT", &hub.url());
    oauth_home(&env, now() - 60);
    hub.set_oauth_mode(OAuthMode::Status(500));
    let out = env
        .cmd(&["get"])
        .stdin(hub.credential_request())
        .run()
        .ok()
        .stdout_is("");
    out.stderr_has("expired at")
        .stderr_has("could not be refreshed");
}

#[test]
fn oidc_tokens_go_as_ephemeral_bearer_credentials_with_their_expiry() {
    const ID: &str = "eyJhbGciOiJSUzI1NiJ9.protocol-id.sig";
    const EXCHANGED: &str = "hf_jwt_ProtocolExchangedEEEEEEEEEEEEEEEEE";
    let env = TestEnv::new();
    let hub = Hub::start();
    env.secret(ID);
    env.secret(EXCHANGED);
    env.set_env("HF_ENDPOINT", &hub.url());
    env.set_env("HF_HUB_OFFLINE", "0");
    env.set_env("HF_OIDC_RESOURCE", "alice/model");
    env.set_env("HF_OIDC_ID_TOKEN", ID);
    hub.add_id_token(ID, "alice/model", "alice", EXCHANGED, 3600);
    hub.add_token(EXCHANGED, TokenInfo::write("alice", "ci"));
    let host = format!("127.0.0.1:{}", hub.port());
    let request = format!("capability[]=authtype\nprotocol=http\nhost={host}\n\n");
    let out = env
        .cmd(&["get"])
        .stdin(&request)
        .allow_password_line()
        .run()
        .ok();
    assert_eq!(field(&out.stdout, "authtype").as_deref(), Some("Bearer"));
    assert_eq!(field(&out.stdout, "credential").as_deref(), Some(EXCHANGED));
    assert_eq!(field(&out.stdout, "ephemeral").as_deref(), Some("1"));
    let expiry: i64 = field(&out.stdout, "password_expiry_utc")
        .unwrap()
        .parse()
        .unwrap();
    assert!((now() + 3500..=now() + 3700).contains(&expiry), "{expiry}");
    for (git, new) in gits().into_iter().filter(|(_, new)| *new) {
        let filled = credential(&env, git, "fill", &request).run().ok();
        assert_eq!(
            field(&filled.stdout, "ephemeral").as_deref(),
            Some("1"),
            "{git}"
        );
        assert!(new);
    }
}

#[test]
fn state_tells_store_and_erase_which_token_git_used() {
    let hub = Hub::start();
    hub.add_token(ACCESS, TokenInfo::write("alice", "laptop"));
    let host = format!("127.0.0.1:{}", hub.port());
    for (git, new) in gits() {
        let env = TestEnv::new();
        for t in [ACCESS, OTHER] {
            env.secret(t);
        }
        env.set_env("HF_ENDPOINT", &hub.url());
        let request =
            format!("capability[]=authtype\ncapability[]=state\nprotocol=http\nhost={host}\n\n");
        let filled = credential(&env, git, "fill", &request)
            .env("HF_TOKEN", ACCESS)
            .run();
        let answer = filled.ok().stdout;
        assert_eq!(
            answer.contains("state[]=git-credential-hf:"),
            new,
            "{git}: {answer}"
        );
        // huggingface_hub's token changes before git reports back.
        let approved = credential(&env, git, "approve", &answer)
            .env("HF_TOKEN", OTHER)
            .run();
        if new {
            approved
                .ok()
                .stderr_has("git confirmed the token it had from this helper");
        } else {
            approved
                .ok()
                .stderr_has("not the huggingface_hub token: ignored");
        }
        hub.clear_log();
        let rejected = credential(&env, git, "reject", &answer)
            .env("HF_TOKEN", OTHER)
            .run()
            .ok();
        let checked: Vec<String> = hub
            .requests()
            .iter()
            .filter_map(|r| r.auth.token().map(str::to_string))
            .collect();
        match new {
            // The token git used is re-checked, not huggingface_hub's new one.
            true => {
                assert_eq!(checked, [ACCESS], "{git}");
                rejected.stderr_has("before huggingface_hub's token changed");
            }
            false => assert!(checked.is_empty(), "{git}: {checked:?}"),
        }
    }
}

#[test]
fn a_store_helper_after_ours_is_reported_then_left_without_the_token_by_setup() {
    let env = TestEnv::new();
    let hub = Hub::start();
    hub.add_token(ACCESS, TokenInfo::write("alice", "laptop"));
    env.secret(ACCESS);
    env.set_env("HF_ENDPOINT", &hub.url());
    env.set_env("HF_TOKEN", ACCESS);
    env.set_env("PATH", &TestEnv::path_with_bin());
    env.cmd(&["setup"]).run().ok();
    let store = env.path("copies");
    let config = std::fs::read_to_string(env.path(".gitconfig")).unwrap();
    env.write(
        ".gitconfig",
        &format!(
            "{config}[credential]\n\thelper = store --file={}\n",
            store.display()
        ),
    );
    let json: Value = serde_json::from_str(&env.cmd(&["status", "--json"]).run().stdout).unwrap();
    let codes = json["problems"].to_string();
    assert!(codes.contains("copies-token"), "{codes}");
    let fill_and_approve = |env: &TestEnv| {
        let filled = env
            .git(&["credential", "fill"])
            .allow_password_line()
            .stdin(hub.credential_request())
            .run()
            .ok();
        env.git(&["credential", "approve"])
            .stdin(filled.stdout)
            .run()
            .ok();
    };
    fill_and_approve(&env);
    let copied = std::fs::read_to_string(&store).unwrap_or_default();
    assert!(
        copied.contains(ACCESS),
        "the bug this guards against: {copied:?}"
    );
    std::fs::remove_file(&store).unwrap();
    env.cmd(&["setup"])
        .run()
        .ok()
        .stdout_has("moved last in the file");
    fill_and_approve(&env);
    assert_eq!(std::fs::read_to_string(&store).unwrap_or_default(), "");
    let json: Value = serde_json::from_str(&env.cmd(&["status", "--json"]).run().stdout).unwrap();
    assert!(
        !json["problems"].to_string().contains("copies-token"),
        "{json:#}"
    );
}

#[test]
fn git_xet_is_shown_and_a_token_it_would_send_instead_is_reported() {
    let env = TestEnv::new();
    let hub = Hub::start();
    hub.add_token(ACCESS, TokenInfo::write("alice", "laptop"));
    for t in [ACCESS, OTHER] {
        env.secret(t);
    }
    env.set_env("HF_ENDPOINT", &hub.url());
    env.set_env("HF_TOKEN", ACCESS);
    env.cmd(&["setup"]).run().ok();
    for (key, value) in [
        ("lfs.customtransfer.xet.path", "git-xet"),
        ("lfs.customtransfer.xet.args", "transfer"),
    ] {
        env.git(&["config", "--global", key, value]).run().ok();
    }
    let repo = env.scratch("repo");
    env.git(&["init", "-q"]).dir(&repo).run().ok();
    let url = format!("http://git:{OTHER}@127.0.0.1:{}/org/m", hub.port());
    env.git(&["remote", "add", "origin", &url])
        .dir(&repo)
        .run()
        .ok();
    let human = env.cmd(&["status"]).dir(&repo).run();
    human.stdout_has("git-xet sends (uploads)");
    let json: Value =
        serde_json::from_str(&env.cmd(&["status", "--json"]).dir(&repo).run().stdout).unwrap();
    assert_eq!(json["xet"]["source"], "remote-url:origin", "{json:#}");
    assert!(json["problems"].to_string().contains("xet-token-differs"));
    // Outside that clone git-xet would take HF_TOKEN, which is what git sends too.
    let json: Value = serde_json::from_str(&env.cmd(&["status", "--json"]).run().stdout).unwrap();
    assert_eq!(json["xet"]["source"], "env:HF_TOKEN");
    assert!(!json["problems"].to_string().contains("xet-token-differs"));
}

/// git-xet runs `git credential fill` with `url=<scheme>://<host>` alone, once per uploaded file,
/// and reads only the password line.
#[test]
fn the_request_git_xet_sends_is_answered_200_times() {
    for (git, _) in gits() {
        let env = TestEnv::new();
        env.secret(ACCESS);
        env.set_env("HF_TOKEN", ACCESS);
        env.set_env("HF_HUB_OFFLINE", "1");
        for _ in 0..200 {
            let out = credential(&env, git, "fill", "url=https://huggingface.co\n")
                .run()
                .ok();
            assert_eq!(
                field(&out.stdout, "password").as_deref(),
                Some(ACCESS),
                "{git}"
            );
        }
    }
}
