//! `status` against situations built for real in a temporary HOME: git config, a `store`
//! helper file, `.netrc`, a repository whose remote URL holds a token, environment variables,
//! and the loopback Hub imitation. Every byte printed is scanned for the full tokens.

use crate::support::{BIN, Out, TestEnv};
use hub_imitation::{Hub, TokenInfo};
use serde_json::Value;

const WRITE: &str = "hf_WriteTokenAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const READ: &str = "hf_ReadTokenBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
const OLD: &str = "hf_OldTokenCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";
const OTHER: &str = "hf_OtherTokenDDDDDDDDDDDDDDDDDDDDDDDDDDDD";

struct World {
    env: TestEnv,
    hub: Hub,
}

impl World {
    fn new() -> World {
        let hub = Hub::start();
        hub.add_token(WRITE, TokenInfo::write("alice", "laptop"));
        hub.add_token(READ, TokenInfo::read("alice", "ci-read"));
        hub.add_token(OTHER, TokenInfo::write("bob", "bobs"));
        let env = TestEnv::new();
        for t in [WRITE, READ, OLD, OTHER] {
            env.secret(t);
        }
        env.set_env("HF_ENDPOINT", &hub.url());
        World { env, hub }
    }

    /// `setup` as a user runs it, into ~/.gitconfig.
    fn setup(&self) {
        self.env.cmd(&["setup"]).run().ok();
    }

    fn store_line(&self, token: &str) -> String {
        format!("http://hf_user:{token}@127.0.0.1:{}\n", self.hub.port())
    }

    /// Both outputs; returns (human, json).
    fn status(&self, dir: Option<&std::path::Path>) -> (Out, Value) {
        let run = |args: &[&str]| {
            let cmd = self.env.cmd(args);
            match dir {
                Some(d) => cmd.dir(d).run(),
                None => cmd.run(),
            }
        };
        let human = run(&["status"]);
        let json = run(&["status", "--json"]);
        assert_eq!(human.code, json.code, "both formats agree on the exit code");
        let value: Value = serde_json::from_str(&json.stdout).expect("status --json is JSON");
        (human, value)
    }
}

fn codes(json: &Value) -> Vec<String> {
    json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

fn source<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == id)
        .unwrap_or_else(|| panic!("no source {id} in {json:#}"))
}

/// First 12 hex digits of SHA-256, from the system tool rather than the code under test.
fn fingerprint(token: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)[..12].to_string()
}

#[test]
fn a_clean_setup_has_no_problems() {
    let w = World::new();
    w.setup();
    w.env.write_token_file(WRITE);
    let (human, json) = w.status(None);
    human
        .ok()
        .stdout_has("No problems found.")
        .stdout_has("same as huggingface_hub");
    assert_eq!(codes(&json), Vec::<String>::new());
    let file = w.env.path(".cache/huggingface/token");
    assert_eq!(json["python"]["source"], format!("file:{}", file.display()));
    assert_eq!(json["python"]["fingerprint"], fingerprint(WRITE));
    assert_eq!(json["git"]["helper"], "hf");
    assert_eq!(json["git"]["fingerprint"], fingerprint(WRITE));
    let f = source(&json, &format!("file:{}", file.display()));
    assert_eq!(f["valid"], true);
    assert_eq!(f["user"], "alice");
    assert_eq!(f["token_name"], "laptop");
    assert_eq!(f["role"], "write");
    assert_eq!(f["masked"], "hf_****AAAA");
    assert_eq!(f["permissions"]["write"], true);
    // Every place is listed even when empty.
    for id in [
        "env:HF_TOKEN",
        "env:HUGGING_FACE_HUB_TOKEN",
        "env:HUGGINGFACEHUB_API_TOKEN",
        "env:HF_OIDC_RESOURCE",
        "netrc",
        "remote-url",
        "keyring",
    ] {
        assert_eq!(source(&json, id)["present"], false, "{id}");
    }
    // Each distinct token was checked once.
    assert_eq!(w.hub.whoami_calls(), 1);
}

#[test]
fn no_token() {
    let w = World::new();
    w.setup();
    let (human, json) = w.status(None);
    human
        .code(1)
        .stdout_has("no-token")
        .stdout_has("fix: hf auth login");
    assert_eq!(codes(&json), ["no-token"]);
    assert_eq!(json["python"], Value::Null);
    assert_eq!(json["git"], Value::Null);
}

#[test]
fn invalid_token_and_env_overriding_the_file() {
    let w = World::new();
    w.setup();
    w.env.write_token_file(WRITE);
    w.env.set_env("HF_TOKEN", OLD);
    let (human, json) = w.status(None);
    human
        .code(1)
        .stdout_has("INVALID")
        .stdout_has("fix: unset HF_TOKEN");
    let c = codes(&json);
    assert!(c.contains(&"invalid-token".to_string()), "{c:?}");
    assert!(c.contains(&"env-overrides-file".to_string()), "{c:?}");
    assert_eq!(source(&json, "env:HF_TOKEN")["valid"], false);
    assert_eq!(json["python"]["source"], "env:HF_TOKEN");
}

#[test]
fn legacy_and_langchain_variables_that_differ() {
    let w = World::new();
    w.setup();
    w.env.set_env("HF_TOKEN", WRITE);
    w.env.set_env("HUGGING_FACE_HUB_TOKEN", READ);
    w.env.set_env("HUGGINGFACEHUB_API_TOKEN", OTHER);
    let (human, json) = w.status(None);
    human
        .ok()
        .stdout_has("legacy-env-differs")
        .stdout_has("langchain-env-differs");
    assert_eq!(
        codes(&json),
        ["legacy-env-differs", "langchain-env-differs"]
    );
    assert_eq!(source(&json, "env:HUGGINGFACEHUB_API_TOKEN")["user"], "bob");
}

#[test]
fn helper_not_configured() {
    let w = World::new();
    w.env.write_token_file(WRITE);
    let (human, json) = w.status(None);
    human.code(1).stdout_has("fix: git-credential-hf setup");
    assert_eq!(codes(&json), ["helper-not-configured"]);
    assert_eq!(json["git"], Value::Null);
}

#[test]
fn a_store_helper_before_ours_shadows_it() {
    let w = World::new();
    w.env.write_token_file(WRITE);
    let creds = w.env.write(".git-credentials", &w.store_line(OLD));
    let config = format!(
        "[credential]\n\thelper = store\n[credential \"{}\"]\n\thelper = {BIN}\n",
        w.hub.url()
    );
    w.env.write(".gitconfig", &config);
    let (human, json) = w.status(None);
    human
        .code(1)
        .stdout_has("NOT huggingface_hub's token")
        .stdout_has("git credential-store erase");
    let c = codes(&json);
    assert_eq!(c[0], "shadowed-by-helper", "{c:?}");
    assert!(c.contains(&"stale-helper-credential".to_string()), "{c:?}");
    assert_eq!(json["git"]["helper"], "store");
    assert_eq!(json["git"]["fingerprint"], fingerprint(OLD));
    assert_eq!(source(&json, "git-helper:store")["valid"], false);
    // After setup the same store file is only a stale copy.
    w.setup();
    let (human, json) = w.status(None);
    human.ok();
    assert_eq!(codes(&json), ["stale-helper-credential"]);
    assert_eq!(json["git"]["helper"], "hf");
    let file = source(&json, &format!("git-credentials:{}", creds.display()));
    assert_eq!(file["fingerprint"], fingerprint(OLD));
}

#[test]
fn a_helper_after_ours_with_an_old_token_is_stale() {
    let w = World::new();
    w.setup();
    w.env.write_token_file(WRITE);
    let other_file = w.env.write("other-creds", &w.store_line(OLD));
    let helper = format!("store --file={}", other_file.display());
    w.env
        .git(&[
            "config",
            "--global",
            "--add",
            &format!("credential.{}.helper", w.hub.url()),
            &helper,
        ])
        .run()
        .ok();
    let (human, json) = w.status(None);
    human.ok().stdout_has("stale-helper-credential");
    // After ours, it is also given our token to store after every success (issue 17).
    assert_eq!(codes(&json), ["copies-token", "stale-helper-credential"]);
    assert_eq!(json["git"]["helper"], "hf");
}

#[test]
fn netrc_entry_is_sent_before_any_helper() {
    let w = World::new();
    w.setup();
    w.env.write_token_file(WRITE);
    w.env.write(
        ".netrc",
        &format!("machine 127.0.0.1 login git password {OLD}\n"),
    );
    let (human, json) = w.status(None);
    human
        .code(1)
        .stdout_has("netrc-entry")
        .stdout_has("remove the `machine 127.0.0.1` entry");
    assert_eq!(codes(&json), ["netrc-entry"]);
    assert_eq!(json["git"]["source"], "netrc");
    assert_eq!(json["git"]["helper"], Value::Null);
}

#[test]
fn token_in_a_remote_url() {
    let w = World::new();
    w.setup();
    w.env.write_token_file(WRITE);
    let repo = w.env.scratch("repo");
    w.env.git(&["init", "-q"]).dir(&repo).run().ok();
    let url = format!("http://git:{OLD}@127.0.0.1:{}/org/model", w.hub.port());
    w.env
        .git(&["remote", "add", "origin", &url])
        .dir(&repo)
        .run()
        .ok();
    let (human, json) = w.status(Some(&repo));
    let clean = format!(
        "git remote set-url origin http://127.0.0.1:{}/org/model",
        w.hub.port()
    );
    human
        .code(1)
        .stdout_has(&clean)
        .stdout_has("git:****@127.0.0.1");
    assert_eq!(codes(&json), ["token-in-remote-url"]);
    assert_eq!(
        source(&json, "remote-url:origin")["fingerprint"],
        fingerprint(OLD)
    );
}

#[test]
fn read_only_token_is_informational() {
    let w = World::new();
    w.setup();
    w.env.write_token_file(READ);
    let (human, json) = w.status(None);
    human.ok().stdout_has("read-only-token");
    assert_eq!(codes(&json), ["read-only-token"]);
    let file = source(
        &json,
        &format!("file:{}", w.env.path(".cache/huggingface/token").display()),
    );
    assert_eq!(file["permissions"]["write"], false);
}

#[test]
fn stored_tokens_are_listed_with_the_active_one() {
    let w = World::new();
    w.setup();
    w.env.write_token_file(WRITE);
    w.env.write(
        ".cache/huggingface/stored_tokens",
        &format!("[ci-read]\nhf_token = {READ}\n\n[laptop]\nhf_token = {WRITE}\nexpires_at = 1797768000\n\n"),
    );
    let (human, json) = w.status(None);
    human
        .ok()
        .stdout_has("active, expires 2026-12-20 12:00 UTC");
    assert_eq!(
        source(&json, "stored_tokens:laptop")["detail"],
        "active, expires 2026-12-20 12:00 UTC"
    );
    // HF_ENDPOINT is a mirror here: a stored token that is not active may belong to another
    // Hub, so it is not sent to the mirror (issue 14).
    let ci_read = source(&json, "stored_tokens:ci-read");
    assert_eq!(ci_read["masked"], "hf_****BBBB");
    assert_eq!(ci_read["valid"], Value::Null);
    assert_eq!(w.hub.whoami_calls(), 1, "only the token in use is checked");
}

#[test]
fn offline_makes_no_request() {
    let w = World::new();
    w.setup();
    w.env.write_token_file(WRITE);
    let out = w.env.cmd(&["status", "--offline", "--json"]).run().ok();
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(source(&json, "env:HF_TOKEN")["valid"], Value::Null);
    assert_eq!(w.hub.whoami_calls(), 0);
}

#[test]
fn bad_usage_exits_2() {
    let w = World::new();
    w.env.cmd(&["status", "--bogus"]).run().code(2);
}

#[test]
fn oauth_token_tells_which_tool_to_upgrade_for_bearer() {
    let w = World::new();
    const OAUTH: &str = "hf_oauth_AliceEEEEEEEEEEEEEEEEEEEEEEEEEEEE";
    w.hub.add_token(OAUTH, TokenInfo::oauth("alice"));
    w.env.secret(OAUTH);
    w.setup();
    w.env.write_token_file(OAUTH);
    let lfs = w.env.git(&["lfs", "version"]).run();
    let lfs_old = lfs.code == 0 && {
        let v: Vec<u32> = lfs.stdout["git-lfs/".len()..]
            .split(|c: char| !c.is_ascii_digit())
            .take(2)
            .map(|p| p.parse().unwrap())
            .collect();
        v < vec![3, 6]
    };
    let (human, json) = w.status(None);
    human.ok();
    let warned = codes(&json).contains(&"oauth-needs-bearer".to_string());
    assert_eq!(
        warned,
        lfs_old,
        "git-lfs {}: {:#}",
        lfs.stdout.trim(),
        json["problems"]
    );
    // An access token needs no Bearer: no such warning.
    w.env.write_token_file(WRITE);
    let (_, json) = w.status(None);
    assert!(!codes(&json).contains(&"oauth-needs-bearer".to_string()));
}
