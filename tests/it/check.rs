//! `check REPO` against the loopback Hub's auth-check: gated, private, read-only, fine-grained
//! scoped to another org, not found, invalid token; human and JSON output for each.

use crate::support::{Out, TestEnv};
use hub_imitation::{Hub, TokenInfo};
use serde_json::Value;

const WRITE: &str = "hf_WriteTokenAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const READ: &str = "hf_ReadTokenBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
const SCOPED: &str = "hf_ScopedTokenCCCCCCCCCCCCCCCCCCCCCCCCCC";
const REVOKED: &str = "hf_RevokedTokenDDDDDDDDDDDDDDDDDDDDDDDDD";

fn world() -> (TestEnv, Hub) {
    let hub = Hub::start();
    hub.add_token(WRITE, TokenInfo::write("alice", "laptop"));
    hub.add_token(READ, TokenInfo::read("alice", "ci-read"));
    let scoped = r#"{"canReadGatedRepos":false,"global":[],"scoped":[{"entity":{"type":"org","name":"other-org"},"permissions":["repo.content.read","repo.write"]}]}"#;
    hub.add_token(SCOPED, TokenInfo::fine_grained("alice", "scoped", scoped));
    hub.seed_repo("org/model", &[("README.md", b"# model\n")], &[]);
    hub.seed_repo("datasets/org/data", &[("README.md", b"# data\n")], &[]);
    hub.seed_repo("org/gated", &[("README.md", b"# gated\n")], &[]);
    hub.set_gated("org/gated", true);
    hub.seed_repo("bob/private", &[("README.md", b"# private\n")], &[]);
    hub.set_members_only("bob/private", true);
    let env = TestEnv::new();
    for t in [WRITE, READ, SCOPED, REVOKED] {
        env.secret(t);
    }
    env.set_env("HF_ENDPOINT", &hub.url());
    (env, hub)
}

/// Runs `check` in both formats; returns the human output and the JSON.
fn check(env: &TestEnv, args: &[&str], code: i32) -> (Out, Value) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let human = env.cmd(&all).run().code(code);
    all.push("--json");
    let json = env.cmd(&all).run().code(code);
    (
        human,
        serde_json::from_str(&json.stdout).expect("check --json is JSON"),
    )
}

#[test]
fn granted_read_and_write() {
    let (env, hub) = world();
    env.write_token_file(WRITE);
    let (human, json) = check(&env, &["org/model"], 0);
    human
        .stdout_has("ok: the token from the token file")
        .stdout_has("user alice) can clone org/model");
    assert_eq!(json["code"], "ok");
    assert_eq!(json["granted"], true);
    assert_eq!(json["type"], "model");
    assert_eq!(json["access"], "read");
    assert_eq!(json["token"]["masked"], "hf_****AAAA");
    assert_eq!(json["token"]["user"], "alice");
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "access", "code", "fix", "granted", "message", "repo", "token", "type"
        ]
    );
    check(&env, &["--write", "org/model"], 0)
        .0
        .stdout_has("can push to org/model");
    // Every way of naming the repository.
    let url = format!("{}/datasets/org/data.git", hub.url());
    let (_, json) = check(&env, &[&url], 0);
    assert_eq!(
        (json["type"].as_str(), json["repo"].as_str()),
        (Some("dataset"), Some("datasets/org/data"))
    );
    check(&env, &["--type", "dataset", "org/data"], 0);
}

#[test]
fn gated_and_not_granted() {
    let (env, hub) = world();
    env.write_token_file(WRITE);
    let (human, json) = check(&env, &["org/gated"], 1);
    let page = format!("{}/org/gated", hub.url());
    human
        .stdout_has("org/gated is gated and the token from")
        .stdout_has(&format!("fix: request access at {page}"));
    assert_eq!(json["code"], "gated");
    assert_eq!(json["granted"], false);
    // Anonymous: log in first.
    let anon = TestEnv::new();
    anon.set_env("HF_ENDPOINT", &hub.url());
    let (human, json) = check(&anon, &["org/gated"], 1);
    human.stdout_has("log in").stdout_has("fix: hf auth login");
    assert_eq!(json["code"], "gated");
    assert_eq!(json["token"], Value::Null);
}

#[test]
fn private_repository_of_another_account() {
    let (env, _hub) = world();
    env.write_token_file(WRITE);
    let (human, json) = check(&env, &["bob/private"], 1);
    human.stdout_has("user alice) cannot see it (it may be private)");
    assert_eq!(json["code"], "not-found");
}

#[test]
fn repository_that_does_not_exist() {
    let (env, _hub) = world();
    env.write_token_file(WRITE);
    let (human, json) = check(&env, &["org/typo"], 1);
    human.stdout_has("org/typo does not exist");
    assert_eq!(json["code"], "not-found");
}

#[test]
fn read_only_token_used_to_push() {
    let (env, _hub) = world();
    env.write_token_file(READ);
    check(&env, &["org/model"], 0);
    let (human, json) = check(&env, &["--write", "org/model"], 1);
    human
        .stdout_has("is a read-only token")
        .stdout_has("hf auth switch");
    assert_eq!(json["code"], "read-only-token");
    assert_eq!(json["access"], "write");
}

#[test]
fn fine_grained_token_scoped_to_another_org() {
    let (env, _hub) = world();
    env.write_token_file(SCOPED);
    let (human, json) = check(&env, &["org/model"], 1);
    human
        .stdout_has("fine-grained token without read access to org")
        .stdout_has("/settings/tokens");
    assert_eq!(json["code"], "fine-grained-scope");
}

#[test]
fn invalid_token() {
    let (env, _hub) = world();
    env.set_env("HF_TOKEN", REVOKED);
    let (human, json) = check(&env, &["org/model"], 1);
    human
        .stdout_has("the token from HF_TOKEN (hf_****DDDD) is invalid")
        .stdout_has("unset it");
    assert_eq!(json["code"], "invalid-token");
}

#[test]
fn usage_errors_exit_2() {
    let (env, _hub) = world();
    env.cmd(&["check", "a/b/c"])
        .run()
        .code(2)
        .stderr_has("is not a Hub repository");
    env.cmd(&["check", "--type", "model", "datasets/org/data"])
        .run()
        .code(2);
    env.cmd(&["check", "https://github.com/org/model"])
        .run()
        .code(2)
        .stderr_has("not the Hugging Face Hub");
    env.cmd(&["check", "."])
        .run()
        .code(2)
        .stderr_has("not a clone of a Hub repository");
    env.cmd(&["check"]).run().code(2);
}

/// A clone of a repository the (valid) token cannot see: `check .`, `status --repo .`, and
/// the 401 path through `git credential reject` all say why.
#[test]
fn the_current_clone_is_explained_everywhere() {
    let (env, hub) = world();
    env.write_token_file(WRITE);
    let repo = env.scratch("clone");
    env.git(&["init", "-q"]).dir(&repo).run().ok();
    let url = format!("{}/bob/private", hub.url());
    env.git(&["remote", "add", "origin", &url])
        .dir(&repo)
        .run()
        .ok();
    let (_, json) = {
        let human = env.cmd(&["check", "."]).dir(&repo).run().code(1);
        let json = env.cmd(&["check", ".", "--json"]).dir(&repo).run().code(1);
        (human, serde_json::from_str::<Value>(&json.stdout).unwrap())
    };
    assert_eq!(json["repo"], "bob/private");

    let status = env.cmd(&["status", "--repo", "."]).dir(&repo).run().code(1);
    status
        .stdout_has("Repository bob/private")
        .stdout_has("cannot see it");
    let status_json = env
        .cmd(&["status", "--repo", "bob/private", "--json"])
        .run()
        .code(1);
    let status_json: Value = serde_json::from_str(&status_json.stdout).unwrap();
    assert_eq!(status_json["repo"]["code"], "not-found");

    let reject = format!(
        "protocol=http\nhost=127.0.0.1:{}\nusername=git\npassword={WRITE}\n\n",
        hub.port()
    );
    env.git_credential("reject", "")
        .dir(&repo)
        .stdin(reject)
        .run()
        .ok()
        .stderr_has("but the Hub says it is valid")
        .stderr_has("bob/private does not exist, or the token from");
}
