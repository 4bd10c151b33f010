//! The helper through real git: `git credential fill|approve|reject` against the loopback
//! Hub imitation, and the binary fed directly on stdin.

use crate::support;
use crate::support::{BIN, TestEnv};
use hub_imitation::{Hub, TokenInfo};

const GOOD: &str = "hf_GoodTokenAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const OTHER: &str = "hf_OtherTokenBBBBBBBBBBBBBBBBBBBBBBBBBBB";
const BAD: &str = "hf_RevokedTokenCCCCCCCCCCCCCCCCCCCCCCCCC";

/// A test HOME whose HF_ENDPOINT is a fresh Hub imitation that knows GOOD and OTHER.
fn setup() -> (TestEnv, Hub) {
    let hub = Hub::start();
    hub.add_token(GOOD, TokenInfo::write("alice", "laptop"));
    hub.add_token(OTHER, TokenInfo::read("alice", "ci-read"));
    let env = TestEnv::new();
    for t in [GOOD, OTHER, BAD] {
        env.secret(t);
    }
    env.set_env("HF_ENDPOINT", &hub.url());
    (env, hub)
}

fn fill(env: &TestEnv, hub: &Hub) -> support::Out {
    env.git_fill(&[]).stdin(hub.credential_request()).run()
}

#[test]
fn fill_answers_the_env_token_and_ten_fills_cost_one_whoami() {
    let (env, hub) = setup();
    env.set_env("HF_TOKEN", GOOD);
    for _ in 0..10 {
        let out = fill(&env, &hub).ok();
        assert_eq!(out.field("username").as_deref(), Some("git"));
        assert_eq!(out.field("password").as_deref(), Some(GOOD));
    }
    assert_eq!(hub.whoami_calls(), 1);
}

#[test]
fn the_token_file_is_read_at_every_call() {
    let (env, hub) = setup();
    let file = env.write_token_file(GOOD);
    assert_eq!(
        fill(&env, &hub).ok().field("password").as_deref(),
        Some(GOOD)
    );
    std::fs::write(&file, format!("{OTHER}\n")).unwrap();
    assert_eq!(
        fill(&env, &hub).ok().field("password").as_deref(),
        Some(OTHER)
    );
    assert_eq!(hub.whoami_calls(), 2);
}

#[test]
fn invalid_env_token_is_never_answered_and_names_its_source() {
    let (env, hub) = setup();
    env.write_token_file(GOOD);
    env.set_env("HF_TOKEN", BAD);
    for _ in 0..3 {
        let out = fill(&env, &hub);
        assert_ne!(out.code, 0, "git must not get a credential");
        assert_eq!(out.field("password"), None);
        out.stderr_has("the token from HF_TOKEN (hf_****CCCC) was rejected by 127.0.0.1:")
            .stderr_has("HF_TOKEN overrides `hf auth login`: update or unset it");
    }
    assert_eq!(hub.whoami_calls(), 1, "an invalid verdict is cached");
}

#[test]
fn invalid_legacy_env_and_file_tokens_name_their_sources() {
    let (env, hub) = setup();
    let out = env
        .git_fill(&[])
        .env("HUGGING_FACE_HUB_TOKEN", BAD)
        .stdin(hub.credential_request())
        .run();
    out.stderr_has("the token from HUGGING_FACE_HUB_TOKEN (hf_****CCCC)");
    let path = env.write_token_file(BAD);
    fill(&env, &hub)
        .stderr_has(&format!("the token from the token file {}", path.display()))
        .stderr_has("hf auth login");
}

#[test]
fn no_token_says_where_it_looked() {
    let (env, hub) = setup();
    let out = fill(&env, &hub);
    assert_ne!(out.code, 0);
    out.stderr_has("no Hugging Face token found")
        .stderr_has(".cache/huggingface/token");
    assert_eq!(hub.whoami_calls(), 0);
}

#[test]
fn offline_mode_makes_no_request() {
    let (env, hub) = setup();
    env.set_env("HF_TOKEN", BAD);
    env.set_env("HF_HUB_OFFLINE", "1");
    assert_eq!(
        fill(&env, &hub).ok().field("password").as_deref(),
        Some(BAD)
    );
    assert_eq!(hub.whoami_calls(), 0);
}

#[test]
fn approve_records_the_token_as_valid_without_asking_the_hub() {
    let (env, hub) = setup();
    env.set_env("HF_TOKEN", GOOD);
    let approve = format!(
        "protocol=http\nhost=127.0.0.1:{}\nusername=git\npassword={GOOD}\n\n",
        hub.port()
    );
    env.git_credential("approve", "")
        .stdin(&approve)
        .run()
        .ok()
        .stderr_is("");
    assert_eq!(
        fill(&env, &hub).ok().field("password").as_deref(),
        Some(GOOD)
    );
    assert_eq!(hub.whoami_calls(), 0);
    // Nothing of ours holds the token.
    let cache = std::fs::read_to_string(env.path(".cache/git-credential-hf/whoami.json")).unwrap();
    assert!(!cache.contains(GOOD));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(env.path(".cache/git-credential-hf/whoami.json")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn reject_rechecks_and_explains() {
    let (env, hub) = setup();
    env.set_env("HF_TOKEN", GOOD);
    let reject = format!(
        "protocol=http\nhost=127.0.0.1:{}\nusername=git\npassword={GOOD}\n\n",
        hub.port()
    );
    let run_reject = || env.git_credential("reject", "").stdin(&reject).run().ok();
    // Valid token: the 401 has another cause.
    run_reject()
        .stderr_has("but the Hub says it is valid (user alice, token laptop, role write)")
        .stderr_has("check the remote URL");
    assert_eq!(hub.whoami_calls(), 1);
    // Revoked since: reported, remembered, and no longer answered.
    hub.remove_token(GOOD);
    run_reject().stderr_has("the token from HF_TOKEN (hf_****AAAA) was rejected");
    assert_eq!(hub.whoami_calls(), 2);
    assert_eq!(fill(&env, &hub).field("password"), None);
    assert_eq!(hub.whoami_calls(), 2);
    // A credential that is not ours is none of our business.
    let foreign = reject.replace(GOOD, "someone-elses-password");
    env.git_credential("reject", "")
        .stdin(foreign)
        .run()
        .ok()
        .stderr_is("");
    assert_eq!(hub.whoami_calls(), 2);
}

#[test]
fn lookalike_hosts_get_nothing_through_git() {
    let (env, hub) = setup();
    env.set_env("HF_TOKEN", GOOD);
    env.set_env("HF_HUB_OFFLINE", "1");
    let port = hub.port();
    let refused = [
        "https://huggingface.co.evil.example/x".to_string(),
        "https://evilhuggingface.co/x".into(),
        "http://huggingface.co/x".into(),
        "https://huggingface.co:8443/x".into(),
        "https://hf.co.evil.example/".into(),
        format!("https://127.0.0.1:{port}/x"),
        format!("http://127.0.0.1:{}/x", port + 1),
        format!("http://localhost:{port}/x"),
        "https://huggingface.co./x".into(),
        "https://xn--huggingface-0ta.co/".into(),
    ];
    for url in refused {
        let out = env.git_fill(&[]).stdin(format!("url={url}\n\n")).run();
        assert_eq!(out.field("password"), None, "{url}: {}", out.stdout);
    }
    for url in [
        "https://huggingface.co/org/m",
        "https://HF.co/x",
        &format!("http://127.0.0.1:{port}/x"),
    ] {
        let out = env.git_fill(&[]).stdin(format!("url={url}\n\n")).run().ok();
        assert_eq!(out.field("password").as_deref(), Some(GOOD), "{url}");
    }
}

#[test]
fn malformed_input_gets_one_line_and_no_answer() {
    let env = TestEnv::new();
    env.set_env("HF_TOKEN", GOOD);
    env.secret(GOOD);
    // (A CR ending a line is CRLF input, which git's own reader accepts: issue 14.)
    for input in [
        &b"protocol=https\nhost=huggingface.co\rx\n"[..],
        b"protocol=https\nhost=huggingface.co\0\n",
        b"protocol=https\nhost\n",
    ] {
        let out = env.cmd(&["get"]).stdin(input).run().code(1).stdout_is("");
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        out.stderr_has("git-credential-hf: error: credential line");
    }
}

#[test]
fn unknown_operations_are_ignored_silently() {
    let env = TestEnv::new();
    env.cmd(&["frobnicate", "--x"])
        .stdin("protocol=https\n")
        .run()
        .ok()
        .stdout_is("")
        .stderr_is("");
}

#[test]
fn token_prints_the_resolved_token_or_explains() {
    let env = TestEnv::new();
    env.cmd(&["token"])
        .run()
        .code(1)
        .stdout_is("")
        .stderr_has("no Hugging Face token found");
    env.secret(GOOD);
    env.write_token_file(&format!("  {GOOD}\r\n"));
    env.cmd(&["token"])
        .allow_token_stdout()
        .run()
        .ok()
        .stdout_is(&format!("{GOOD}\n"));
}

#[test]
fn setup_is_idempotent_shadows_earlier_helpers_and_removes_cleanly() {
    let env = TestEnv::new();
    let config = env.path("test.gitconfig");
    std::fs::write(&config, "[credential]\n\thelper = store\n").unwrap();
    let file = config.to_str().unwrap();
    env.cmd(&["setup", "--file", file])
        .run()
        .ok()
        .stdout_has("credential.https://huggingface.co.helper (file ");
    let values = |url: &str| {
        env.git(&[
            "config",
            "--file",
            file,
            "--get-all",
            &format!("credential.{url}.helper"),
        ])
        .run()
        .stdout
    };
    let ours = format!("\n{BIN}\n");
    assert!(values("https://huggingface.co").ends_with(&ours));
    assert!(values("https://hf.co").ends_with(&ours));
    env.cmd(&["setup", "--file", file])
        .run()
        .ok()
        .stdout_has("already set");
    assert_eq!(values("https://huggingface.co"), ours);
    // What git will run for the Hub: only us.
    let chain = env
        .git(&[
            "config",
            "--file",
            file,
            "--get-urlmatch",
            "credential.helper",
            "https://huggingface.co/org/model",
        ])
        .run()
        .stdout;
    assert_eq!(chain.trim_end(), BIN);
    env.cmd(&["setup", "--file", file, "--remove"])
        .run()
        .ok()
        .stdout_has("removed");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "[credential]\n\thelper = store\n"
    );
    env.cmd(&["setup", "--file", file, "--remove"])
        .run()
        .ok()
        .stdout_has("nothing to remove");
}

#[test]
fn setup_writes_the_program_name_when_the_binary_is_on_path_and_includes_hf_endpoint() {
    let (env, hub) = setup();
    env.cmd(&["setup"])
        .env("PATH", TestEnv::path_with_bin())
        .run()
        .ok();
    let gitconfig = std::fs::read_to_string(env.path(".gitconfig")).unwrap();
    assert!(
        gitconfig.contains(&format!("[credential \"{}\"]", hub.url())),
        "{gitconfig}"
    );
    assert!(
        gitconfig.contains("helper = !git-credential-hf\n"),
        "{gitconfig}"
    );
    assert!(!gitconfig.contains(GOOD));
}
