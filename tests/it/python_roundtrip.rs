//! Round trips with the real huggingface_hub (tests/it/support/python.rs finds it): what we
//! write, Python reads; what Python writes, we read; OAuth refresh and OIDC against the Hub
//! imitation with both implementations, ending with the same files and the same requests.

use crate::support::oauth::{NEW, OLD, oauth_login};
use crate::support::{self, CI_READ, LAPTOP, TestEnv};
use hub_imitation::{Hub, OAuthCall, OAuthMode};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const GET_TOKEN: &str = "from huggingface_hub import get_token; print(get_token())";
const STORED: &str = "import json; from huggingface_hub.utils import get_stored_tokens; \
                      print(json.dumps(get_stored_tokens(), sort_keys=True))";

fn py_token(env: &TestEnv) -> String {
    env.python(GET_TOKEN).allow_token_stdout().run().ok().stdout
}

fn py_stored(env: &TestEnv) -> String {
    env.python(STORED).allow_token_stdout().run().ok().stdout
}

fn our_token(env: &TestEnv) -> String {
    env.cmd(&["token"]).allow_token_stdout().run().ok().stdout
}

fn hf_file(env: &TestEnv, name: &str) -> Option<String> {
    std::fs::read_to_string(env.path(&format!(".cache/huggingface/{name}"))).ok()
}

#[test]
fn what_we_write_python_reads() {
    let (env, _hub) = support::laptop_and_ci_read();
    for t in [LAPTOP, CI_READ] {
        env.cmd(&["login", "--token-stdin"]).stdin(t).run().ok();
    }
    env.cmd(&["switch", "laptop"]).run().ok();
    assert_eq!(py_token(&env), format!("{LAPTOP}\n"));
    assert_eq!(
        py_stored(&env),
        format!("{{\"ci-read\": \"{CI_READ}\", \"laptop\": \"{LAPTOP}\"}}\n")
    );
    let ours = env.cmd(&["list"]).run().ok();
    let python = env.hf(&["auth", "list"]).run().ok();
    assert_eq!(ours.stdout, python.stdout);

    env.cmd(&["logout", "laptop"]).run().ok();
    assert_eq!(py_token(&env), "None\n");
    assert_eq!(py_stored(&env), format!("{{\"ci-read\": \"{CI_READ}\"}}\n"));
}

#[test]
fn what_python_writes_we_read() {
    let (env, _hub) = support::laptop_and_ci_read();
    // The fixture's procedure, by huggingface_hub itself (a token in argv is fine in a test).
    for t in [LAPTOP, CI_READ] {
        env.hf(&["auth", "login", "--token", t]).run().ok();
    }
    env.hf(&["auth", "switch", "--token-name", "laptop"])
        .run()
        .ok();
    assert_eq!(our_token(&env), format!("{LAPTOP}\n"));
    let python = env.hf(&["auth", "list"]).run().ok();
    env.cmd(&["list"]).run().ok().stdout_is(&python.stdout);

    env.cmd(&["switch", "ci-read"]).run().ok();
    assert_eq!(py_token(&env), format!("{CI_READ}\n"));
    // Python logs out of the active one; we see it gone.
    env.hf(&["auth", "logout", "--token-name", "ci-read"])
        .run()
        .ok();
    env.cmd(&["token"]).run().code(1);
    env.cmd(&["list"])
        .run()
        .ok()
        .stdout_is(&env.hf(&["auth", "list"]).run().ok().stdout)
        .stderr_has("No active token is set");
    env.hf(&["auth", "logout"]).run().ok();
    env.cmd(&["list"])
        .run()
        .ok()
        .stderr_is("No access tokens found.\n");
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn oauth_setup(expires_at: i64) -> (TestEnv, Hub) {
    let (env, hub) = support::laptop_and_ci_read();
    oauth_login(&env, &hub, expires_at);
    (env, hub)
}

/// stored_tokens with the refreshed `expires_at` replaced, and that value.
fn without_expiry(text: &str) -> (String, i64) {
    let mut expiry = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|l| match l.strip_prefix("expires_at = ") {
            Some(v) if v.parse::<i64>().unwrap() > now() => {
                expiry = v.parse().unwrap();
                "expires_at = <30 days from now>".to_string()
            }
            _ => l.to_string(),
        })
        .collect();
    (lines.join("\n"), expiry)
}

fn request_shape(call: &OAuthCall) -> (String, BTreeMap<String, String>) {
    (call.content_type.clone(), call.fields.clone())
}

#[test]
fn python_and_we_refresh_alike_and_read_each_others_refresh() {
    let (python_home, python_hub) = oauth_setup(now() + 3600);
    let (our_home, our_hub) = oauth_setup(now() + 3600);

    assert_eq!(py_token(&python_home), format!("{NEW}\n"));
    assert_eq!(our_token(&our_home), format!("{NEW}\n"));

    let (p_calls, o_calls) = (python_hub.oauth_calls(), our_hub.oauth_calls());
    assert_eq!((p_calls.len(), o_calls.len()), (1, 1));
    assert_eq!(request_shape(&p_calls[0]), request_shape(&o_calls[0]));
    for name in ["token", "stored_tokens"] {
        let (p, p_exp) = without_expiry(&hf_file(&python_home, name).unwrap());
        let (o, o_exp) = without_expiry(&hf_file(&our_home, name).unwrap());
        assert_eq!(p, o, "{name}");
        assert!((p_exp - o_exp).abs() < 60, "{name}: {p_exp} vs {o_exp}");
    }
    let lock_mode = |env: &TestEnv| {
        let p = env.path(".cache/huggingface/stored_tokens.lock");
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(lock_mode(&python_home), lock_mode(&our_home));

    // Each reads the other's refreshed files without refreshing again.
    assert_eq!(our_token(&python_home), format!("{NEW}\n"));
    assert_eq!(py_token(&our_home), format!("{NEW}\n"));
    assert_eq!(
        python_hub.oauth_calls().len() + our_hub.oauth_calls().len(),
        2
    );
}

#[test]
fn python_and_we_keep_the_old_token_on_invalid_grant() {
    for mode in [OAuthMode::InvalidGrant, OAuthMode::Status(500)] {
        let (python_home, python_hub) = oauth_setup(now() - 60);
        let (our_home, our_hub) = oauth_setup(now() - 60);
        python_hub.set_oauth_mode(mode.clone());
        our_hub.set_oauth_mode(mode.clone());
        let before = hf_file(&python_home, "stored_tokens");
        assert_eq!(py_token(&python_home), format!("{OLD}\n"));
        assert_eq!(our_token(&our_home), format!("{OLD}\n"));
        assert_eq!(hf_file(&python_home, "stored_tokens"), before);
        assert_eq!(hf_file(&our_home, "stored_tokens"), before);
        assert_eq!(hf_file(&python_home, "token").unwrap(), OLD);
        assert_eq!(hf_file(&our_home, "token").unwrap(), OLD);
    }
}

#[test]
fn python_and_we_share_the_refresh_lock() {
    let (env, hub) = oauth_setup(now() - 60);
    // Long enough for every process to arrive while the first refresh is in flight.
    hub.set_oauth_mode(OAuthMode::Slow(Duration::from_millis(2500)));
    let mut cmds = Vec::new();
    for _ in 0..4 {
        cmds.push(env.python(GET_TOKEN).allow_token_stdout());
        cmds.push(env.cmd(&["token"]).allow_token_stdout());
    }
    let outs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = cmds.into_iter().map(|c| s.spawn(move || c.run())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in outs {
        out.ok().stdout_is(&format!("{NEW}\n"));
    }
    assert_eq!(hub.oauth_calls().len(), 1);
    assert_eq!(hf_file(&env, "token").unwrap(), NEW);
}

#[test]
fn python_and_we_exchange_oidc_tokens_alike() {
    let id_token = "eyJhbGciOiJSUzI1NiJ9.ci-id-token.sig";
    let exchanged = "hf_jwt_ExchangedTokenEEEEEEEEEEEEEEEEEE";
    let request_token = "gh_actions_request_token_QQQQQQQQQQQQQQ";
    let mut shapes = Vec::new();
    for python in [true, false] {
        let (env, hub) = support::laptop_and_ci_read();
        for t in [id_token, exchanged, request_token] {
            env.secret(t);
        }
        hub.set_mint(request_token, id_token);
        hub.add_id_token(id_token, "alice/model", "alice", exchanged, 3600);
        env.set_env("HF_OIDC_RESOURCE", "alice/model");
        env.set_env("GITHUB_ACTIONS", "true");
        env.set_env("ACTIONS_ID_TOKEN_REQUEST_URL", &hub.mint_url());
        env.set_env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token);
        env.set_env("HF_TOKEN", LAPTOP);
        let got = if python {
            py_token(&env)
        } else {
            our_token(&env)
        };
        assert_eq!(got, format!("{exchanged}\n"));
        let mint = &hub.mint_calls()[0];
        let calls = hub.oauth_calls();
        assert_eq!(calls.len(), 1);
        // httpx replaces the URL's own query with `params`, so Python drops GitHub's
        // `api-version=2.0`; we keep it, as GitHub's actions/toolkit does.
        let expected_query = if python { "" } else { "api-version=2.0&" };
        assert_eq!(
            mint.query,
            format!(
                "{expected_query}audience={}",
                hub.url().replace(':', "%3A").replace('/', "%2F")
            )
        );
        shapes.push((mint.bearer.clone(), request_shape(&calls[0])));
    }
    assert_eq!(shapes[0], shapes[1]);
}
