//! `setup` and the helper strings it writes (#18, #20): `!git-credential-hf` when the binary
//! is on PATH (no second git per fill), its escaped path otherwise, the options it is given,
//! every form it ever wrote recognised (upgraded by a re-run, removed by `--remove` whatever
//! the URL), and a warning when the binary sits where it will not stay.

use crate::support;
use crate::support::{BIN, TestEnv};
use hub_imitation::{Hub, TokenInfo};

const TOKEN: &str = "hf_SetupFormsTokenSSSSSSSSSSSSSSSSSSSSSSS";

fn world() -> (TestEnv, Hub) {
    let hub = Hub::start();
    hub.add_token(TOKEN, TokenInfo::write("alice", "laptop"));
    let env = TestEnv::new();
    env.secret(TOKEN);
    env.set_env("HF_ENDPOINT", &hub.url());
    env.set_env("PATH", &TestEnv::path_with_bin());
    env.write_token_file(TOKEN);
    (env, hub)
}

fn helpers(env: &TestEnv, url: &str) -> Vec<String> {
    let key = format!("credential.{url}.helper");
    let out = env.git(&["config", "--global", "--get-all", &key]).run();
    out.stdout.lines().map(str::to_string).collect()
}

#[test]
fn setup_writes_the_options_it_is_given_and_keeps_them_on_a_rerun() {
    let (env, hub) = world();
    env.cmd(&["setup"]).run().ok().stdout_has(": set");
    assert_eq!(helpers(&env, &hub.url()), ["", "!git-credential-hf"]);
    env.cmd(&["--timeout", "2", "setup", "--auth-type", "bearer"])
        .run()
        .ok()
        .stdout_has("updated (was `!git-credential-hf`)")
        .stdout_has("git now asks `!git-credential-hf --timeout 2 --auth-type bearer`");
    assert_eq!(
        helpers(&env, "https://huggingface.co"),
        ["", "!git-credential-hf --timeout 2 --auth-type bearer"]
    );
    // Run again without options: nothing changes; with one: only it changes.
    env.cmd(&["setup"]).run().ok().stdout_has("already set");
    env.cmd(&["setup", "--timeout", "0.5"]).run().ok();
    assert_eq!(
        helpers(&env, "https://hf.co"),
        ["", "!git-credential-hf --timeout 0.5 --auth-type bearer"]
    );
    // What it wrote works through real git, and git runs the binary itself (no `git
    // credential-hf` in between).
    let out = env
        .git(&["credential", "fill"])
        .env("GIT_TRACE", "1")
        .stdin(hub.credential_request())
        .allow_password_line()
        .run()
        .ok();
    assert_eq!(out.field("password").as_deref(), Some(TOKEN));
    assert!(
        out.stderr
            .contains("git-credential-hf --timeout 0.5 --auth-type bearer get"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("credential-hf get'"), "{out:?}");
}

/// Every helper string setup has written over time, and the ones users write by hand.
#[test]
fn every_form_is_ours_upgraded_by_a_rerun_and_removed_whatever_its_url() {
    let (env, hub) = world();
    let escaped = BIN.replace(' ', r"\ ");
    let forms = [
        "hf".to_string(),
        "hf --timeout 3".to_string(),
        escaped.clone(),
        format!("{escaped} -v"),
        "!git-credential-hf".to_string(),
        format!("!'{BIN}' --auth-type basic"),
    ];
    for form in &forms {
        for url in [hub.url(), "https://huggingface.co".to_string()] {
            let key = format!("credential.{url}.helper");
            env.git(&["config", "--global", "--unset-all", &key]).run();
            env.git(&["config", "--global", "--add", &key, ""])
                .run()
                .ok();
            env.git(&["config", "--global", "--add", &key, form])
                .run()
                .ok();
        }
        // status sees it as this helper: git asks us, nothing to fix.
        let status = env.cmd(&["status", "--json"]).run();
        assert!(
            !status.stdout.contains("helper-not-configured"),
            "{form}: {status:?}"
        );
        let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
        assert_eq!(json["git"]["helper"], "hf", "{form}: {json:#}");
        // A re-run upgrades it in place, keeping its options.
        let out = env.cmd(&["setup"]).run().ok();
        let values = helpers(&env, &hub.url());
        assert_eq!(values.len(), 2, "{form}: {values:?} {out:?}");
        assert!(
            values[1].starts_with("!git-credential-hf"),
            "{form}: {values:?}"
        );
        for option in ["--timeout 3", "-v", "--auth-type basic"] {
            assert_eq!(
                form.contains(option),
                values[1].contains(option),
                "{form}: {values:?}"
            );
        }
    }
    // An entry for an endpoint no longer set, and one for every URL: --remove takes them all,
    // and names each.
    let old = "credential.https://mirror.example.org.helper";
    env.git(&["config", "--global", "--add", old, ""])
        .run()
        .ok();
    env.git(&["config", "--global", "--add", old, "hf -v"])
        .run()
        .ok();
    env.git(&["config", "--global", "--add", "credential.helper", "store"])
        .run()
        .ok();
    env.git(&[
        "config",
        "--global",
        "--add",
        "credential.helper",
        "!git-credential-hf",
    ])
    .run()
    .ok();
    env.cmd(&["setup", "--remove"])
        .env_remove("HF_ENDPOINT")
        .run()
        .ok()
        .stdout_has(&format!("{old} (global): removed `hf -v`"))
        .stdout_has("credential.helper (global): removed `!git-credential-hf`")
        .stdout_has(&format!(
            "credential.{}.helper (global): removed",
            hub.url()
        ));
    let left = std::fs::read_to_string(env.path(".gitconfig")).unwrap();
    assert_eq!(left, "[credential]\n\thelper = store\n");
    env.cmd(&["setup", "--remove"])
        .run()
        .ok()
        .stdout_has("nothing to remove");
}

#[test]
fn a_binary_where_it_will_not_stay_is_warned_about() {
    let (env, _hub) = world();
    let warning = "which can go away: git would then fail to run it. Install it for good";
    // The test binary is in cargo's target folder (CACHEDIR.TAG).
    env.cmd(&["setup", "--file", "a"])
        .env("PATH", "/usr/bin:/bin")
        .run()
        .ok()
        .stderr_has(warning);
    // A copy in a temporary folder outside HOME, even on PATH.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("git-credential-hf");
    support::copy_binary(&copy);
    let path = format!("{}:/usr/bin:/bin", tmp.path().display());
    env.program(copy.to_str().unwrap(), &["setup", "--file", "b"])
        .env("PATH", &path)
        .run()
        .ok()
        .stdout_has("`!git-credential-hf`")
        .stderr_has(&format!(
            "is in {}, a temporary folder, {warning}",
            tmp.path().canonicalize().unwrap().display()
        ));
    // Installed under HOME: no warning.
    let bin = env.path(".local/bin");
    std::fs::create_dir_all(&bin).unwrap();
    support::copy_binary(&bin.join("git-credential-hf"));
    env.program(
        bin.join("git-credential-hf").to_str().unwrap(),
        &["setup", "--file", "c"],
    )
    .run()
    .ok()
    .stderr_is("");
}
