//! OAuth tokens over git: sent as `Authorization: Bearer` when git offers the `authtype`
//! capability (git >= 2.46), against a Hub that refuses them as a Basic password.

use crate::support;
use crate::support::TestEnv;
use hub_imitation::{Auth, Hub, TokenInfo};

const OAUTH: &str = "hf_oauth_AliceAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const ACCESS: &str = "hf_AccessTokenBBBBBBBBBBBBBBBBBBBBBBBBBB";

fn world() -> (TestEnv, Hub) {
    let hub = Hub::start();
    hub.add_token(OAUTH, TokenInfo::oauth("alice"));
    hub.add_token(ACCESS, TokenInfo::write("alice", "laptop"));
    hub.set_oauth_requires_bearer(true);
    hub.seed_repo("org/model", &[("README.md", b"# model\n")], &[]);
    let env = TestEnv::new();
    env.secret(OAUTH);
    env.secret(ACCESS);
    env.set_env("HF_ENDPOINT", &hub.url());
    (env, hub)
}

fn git_supports_authtype(env: &TestEnv) -> bool {
    let out = env.git(&["--version"]).run().ok();
    let version: Vec<u32> = out
        .stdout
        .trim()
        .trim_start_matches("git version ")
        .split('.')
        .take(2)
        .filter_map(|p| p.parse().ok())
        .collect();
    version >= vec![2, 46]
}

fn clone(env: &TestEnv, hub: &Hub, dest: &str) -> support::Out {
    let url = format!("{}/org/model", hub.url());
    let dir = env.scratch("work");
    env.git_with_helper("", &["clone", "-q", &url, dest])
        .dir(&dir)
        .run()
}

fn auth_sent_to_git(hub: &Hub) -> Vec<Auth> {
    hub.requests()
        .into_iter()
        .filter(|r| r.path != "/api/whoami-v2" && !r.auth.is_none())
        .map(|r| r.auth)
        .collect()
}

#[test]
fn fill_answers_bearer_only_when_git_offers_it() {
    let (env, hub) = world();
    env.write_token_file(OAUTH);
    let request = format!(
        "capability[]=authtype\nprotocol=http\nhost=127.0.0.1:{}\n\n",
        hub.port()
    );
    let out = env.git_fill(&[]).stdin(&request).run().ok();
    assert_eq!(out.field("authtype").as_deref(), Some("Bearer"));
    assert_eq!(out.field("credential").as_deref(), Some(OAUTH));
    assert_eq!(out.field("password"), None);
    // Old git sends no capability: a password it is.
    let old = env
        .cmd(&["get"])
        .allow_password_line()
        .stdin(format!("protocol=http\nhost=127.0.0.1:{}\n\n", hub.port()))
        .run()
        .ok();
    assert_eq!(old.stdout, format!("username=git\npassword={OAUTH}\n"));
}

#[test]
fn oauth_clone_goes_through_bearer() {
    let (env, hub) = world();
    if !git_supports_authtype(&env) {
        support::skip("git < 2.46 cannot take a Bearer credential from a helper");
        return;
    }
    env.write_token_file(OAUTH);
    clone(&env, &hub, "model").ok();
    let sent = auth_sent_to_git(&hub);
    assert!(
        !sent.is_empty() && sent.iter().all(|a| *a == Auth::Bearer(OAUTH.into())),
        "{sent:?}"
    );
    // The same token forced through Basic is refused by this Hub: the Bearer path is what works.
    let url = format!("{}/org/model", hub.url());
    let dir = env.scratch("work2");
    let out = env
        .git_with_helper("--auth-type basic", &["clone", "-q", &url, "m"])
        .dir(&dir)
        .run();
    assert_ne!(out.code, 0);
}

#[test]
fn access_tokens_stay_basic_in_auto_mode() {
    let (env, hub) = world();
    env.write_token_file(ACCESS);
    clone(&env, &hub, "model").ok();
    let sent = auth_sent_to_git(&hub);
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|a| matches!(a, Auth::Basic { password, .. } if password == ACCESS)),
        "{sent:?}"
    );
}

#[test]
fn store_and_erase_recognise_a_bearer_credential() {
    let (env, hub) = world();
    env.write_token_file(OAUTH);
    let bearer = format!(
        "capability[]=authtype\nprotocol=http\nhost=127.0.0.1:{}\nauthtype=Bearer\ncredential={OAUTH}\n\n",
        hub.port()
    );
    env.git_credential("approve", "").stdin(&bearer).run().ok();
    assert_eq!(
        hub.whoami_calls(),
        0,
        "approve records the token without asking"
    );
    hub.remove_token(OAUTH);
    env.git_credential("reject", "")
        .stdin(&bearer)
        .run()
        .ok()
        .stderr_has("was rejected");
    assert_eq!(hub.whoami_calls(), 1);
}
