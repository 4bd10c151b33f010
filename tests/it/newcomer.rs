//! What a new user meets first (#18): unknown commands, malformed `login` input, a folder
//! where a file belongs, a damaged stored_tokens, option values out of range, `check`'s
//! conflicts and fixes, `switch` without a name and its completion, and `--help`.

use crate::support;
use crate::support::{BIN, CI_READ, LAPTOP, TestEnv};

fn login(env: &TestEnv, token: &str, args: &[&str]) -> support::Out {
    let mut all = vec!["login", "--token-stdin"];
    all.extend_from_slice(args);
    env.cmd(&all).stdin(format!("{token}\n")).run()
}

/// An endpoint nothing listens on.
fn closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// `command` run in a pseudo-terminal (script(1)), so stdin is a terminal as for a person.
fn at_a_terminal(env: &TestEnv, command: &str) -> support::Out {
    env.program("script", &["-qec", command, "/dev/null"]).run()
}

#[test]
fn an_unknown_command_is_silent_for_git_and_named_at_a_terminal() {
    let env = TestEnv::new();
    // git runs helpers with stdin not a terminal, and they ignore operations they don't know.
    env.cmd(&["stauts"])
        .stdin("protocol=https\nhost=huggingface.co\n\n")
        .run()
        .ok()
        .stdout_is("")
        .stderr_is("");
    let out = at_a_terminal(&env, &format!("{BIN} stauts"));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout.contains(
            "git-credential-hf: error: unknown command 'stauts' (did you mean `status`?)"
        ),
        "{out:?}"
    );
    let out = at_a_terminal(&env, &format!("{BIN} frobnicate"));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout
            .contains("unknown command 'frobnicate': `git-credential-hf --help` lists"),
        "{out:?}"
    );
}

#[test]
fn login_refuses_malformed_input_before_asking_the_hub() {
    let (env, hub) = support::laptop_and_ci_read();
    login(&env, &format!("export HF_TOKEN={LAPTOP}"), &[])
        .code(1)
        .stderr_has(
            "this is a shell line setting HF_TOKEN, not a token: paste only what follows `=`",
        );
    login(&env, &format!("HF_TOKEN={LAPTOP}"), &[])
        .code(1)
        .stderr_has("shell line setting HF_TOKEN");
    login(&env, "hf_Example LaptopToken", &[])
        .code(1)
        .stderr_has("the token holds a space: copy exactly the token");
    login(&env, LAPTOP, &["--name", ""])
        .code(1)
        .stderr_has("--name is empty: give the token a name, or leave --name out");
    login(&env, LAPTOP, &["--name", "  "])
        .code(1)
        .stderr_has("--name is empty");
    login(&env, LAPTOP, &["--name", "a]b\nc"])
        .code(1)
        .stderr_has("cannot be a name in stored_tokens");
    assert_eq!(hub.whoami_calls(), 0, "{:?}", hub.requests());
    assert!(!env.path(".cache/huggingface").exists());
}

#[test]
fn login_checks_every_file_it_will_write_before_writing_any() {
    let (env, hub) = support::laptop_and_ci_read();
    std::fs::create_dir_all(env.path(".cache/huggingface/token")).unwrap();
    let token_dir = env.path(".cache/huggingface/token");
    login(&env, LAPTOP, &[]).code(1).stderr_has(&format!(
        "{} is a folder, where huggingface_hub keeps a file: remove the folder {}, then log in again",
        token_dir.display(),
        token_dir.display()
    ));
    assert!(!env.path(".cache/huggingface/stored_tokens").exists());
    assert_eq!(hub.whoami_calls(), 0);
    // `status` gives the same fix: `hf auth login` would fail on the folder too.
    env.cmd(&["status"])
        .run()
        .stdout_has("remove the folder")
        .stdout_lacks("fix: hf auth login");
    // With --no-activate the token file is not written, so the folder is no obstacle.
    login(&env, LAPTOP, &["--no-activate"]).ok();
    assert!(env.path(".cache/huggingface/stored_tokens").is_file());
}

#[test]
fn a_damaged_stored_tokens_is_reported_by_list() {
    let env = TestEnv::new();
    let path = env.write(
        ".cache/huggingface/stored_tokens",
        "[a]\nhf_token = x\n[a]\n",
    );
    env.cmd(&["list"])
        .run()
        .code(1)
        .stdout_is("")
        .stderr_has(&format!("{} cannot be parsed", path.display()))
        .stderr_lacks("No access tokens found");
    // An empty or missing file is not damage.
    std::fs::remove_file(&path).unwrap();
    env.cmd(&["list"])
        .run()
        .ok()
        .stderr_has("No access tokens found.");
}

#[test]
fn an_out_of_range_time_out_says_what_is_accepted() {
    let env = TestEnv::new();
    for value in ["0", "301", "-1", "five"] {
        env.cmd(&[&format!("--timeout={value}"), "status"])
            .run()
            .code(2)
            .stderr_has("give a number of seconds above 0 and at most 300, such as 5 or 0.5");
    }
    // From the environment (which git's helpers may inherit) it is a warning, not a stop.
    env.cmd(&["token"])
        .env("GIT_CREDENTIAL_HF_TIMEOUT", "0")
        .run()
        .code(1)
        .stderr_has(
            "GIT_CREDENTIAL_HF_TIMEOUT=`0` is ignored: 0 seconds is out of range: give a number",
        )
        .stderr_has("no Hugging Face token found");
}

#[test]
fn check_names_the_real_conflict_and_the_write_tokens_you_have() {
    let (env, hub) = support::laptop_and_ci_read();
    env.cmd(&["check", "--type", "space", "datasets/org/data"])
        .run()
        .code(2)
        .stderr_has("`datasets/org/data` names a dataset but --type says space: drop --type, or the `datasets/` prefix");
    hub.create_repo("alice/model");
    // Both tokens logged in (so checked once); the read one is active.
    login(&env, LAPTOP, &[]).ok();
    login(&env, CI_READ, &[]).ok();
    env.cmd(&["check", "--write", "alice/model"])
        .run()
        .code(1)
        .stdout_has("`hf auth switch laptop` (a write token you have: laptop)")
        .stdout_lacks("ci-read (a write");
}

#[test]
fn without_a_network_login_and_check_say_what_is_wrong() {
    let env = TestEnv::new();
    env.secret(LAPTOP);
    env.set_env("HF_ENDPOINT", &closed_endpoint());
    login(&env, LAPTOP, &[])
        .code(1)
        .stderr_has("did not answer")
        .stderr_has("check the network (or HF_ENDPOINT), then try again");
    env.cmd(&["check", "org/model"])
        .run()
        .code(1)
        .stdout_has("there is no Hugging Face token here")
        .stdout_lacks("did not answer");
}

#[test]
fn switch_without_a_name_lists_the_names_and_completion_offers_them() {
    let (env, _hub) = support::laptop_and_ci_read();
    env.cmd(&["switch"])
        .run()
        .code(2)
        .stderr_has("give the name of the token to switch to: there is none: log in");
    login(&env, LAPTOP, &[]).ok();
    login(&env, CI_READ, &[]).ok();
    env.cmd(&["switch"])
        .run()
        .code(2)
        .stderr_has("give the name of the token to switch to: one of ci-read, laptop");
    env.cmd(&["switch", "lapto"])
        .run()
        .code(1)
        .stderr_has("the names are ci-read, laptop");
    env.cmd(&["list", "--names"])
        .run()
        .ok()
        .stdout_is("ci-read\nlaptop\n");

    let script = env.write(
        "completion.bash",
        &env.cmd(&["completions", "bash"]).run().ok().stdout,
    );
    for (sub, typed, want) in [
        ("switch", "", "ci-read laptop"),
        ("logout", "ci", "ci-read"),
    ] {
        let program = format!(
            r#"source "$1"
f=$(complete -p git-credential-hf | sed 's/.* -F \([^ ]*\) .*/\1/')
COMP_WORDS=(git-credential-hf {sub} "{typed}")
COMP_CWORD=2
"$f" git-credential-hf "{typed}" {sub}
echo "${{COMPREPLY[*]}}""#
        );
        let out = env
            .program("bash", &["-c", &program, "bash", script.to_str().unwrap()])
            .env("PATH", TestEnv::path_with_bin())
            .run()
            .ok();
        assert!(out.stdout.starts_with(want), "{sub} {typed}: {out:?}");
    }
}

#[test]
fn help_lists_the_commands_own_options_first_wrapped_to_the_terminal() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["setup", "--help"])
        .env("COLUMNS", "60")
        .run()
        .ok();
    let help = &out.stdout;
    let own = help.find("Options:").expect("own options");
    let global = help
        .find("Global options:")
        .expect("a heading for the global ones");
    assert!(own < global, "{help}");
    assert!(help[own..global].contains("--remove"), "{help}");
    assert!(help[global..].contains("--timeout <SECS>"), "{help}");
    assert!(!help[own..global].contains("--timeout"), "{help}");
    let longest = help.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(
        longest <= 60,
        "a line of {longest} characters at 60 columns:\n{help}"
    );
}

/// Skips only when asked to, for the test below.
#[test]
fn skip_probe() {
    if std::env::var_os("GIT_CREDENTIAL_HF_SKIP_PROBE").is_some() {
        support::skip("asked to");
    }
}

#[test]
fn a_skip_shows_in_the_test_output_and_fails_where_none_may_happen() {
    let run = |no_skips: bool| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["newcomer::skip_probe", "--exact"])
            .env("GIT_CREDENTIAL_HF_SKIP_PROBE", "1")
            .env_remove(support::NO_SKIPS);
        if no_skips {
            cmd.env(support::NO_SKIPS, "1");
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Without --nocapture, as `cargo test` runs it.
    let (code, stderr) = run(false);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("SKIPPED newcomer::skip_probe: asked to"),
        "{stderr}"
    );
    let (code, _) = run(true);
    assert_eq!(code, Some(101));
}

#[test]
fn verbose_says_whether_the_hub_was_asked_and_when_the_cache_cannot_be_written() {
    let (env, hub) = support::env_with_hub_token(LAPTOP);
    let ask = hub.credential_request();
    let get = |env: &TestEnv| {
        env.cmd(&["-v", "get"])
            .stdin(&ask)
            .allow_password_line()
            .run()
            .ok()
    };
    let cold = get(&env);
    assert!(
        cold.stderr
            .contains("sending the token from HF_TOKEN: checked with the Hub (")
            && cold.stderr.contains(" ms)"),
        "{cold:?}"
    );
    let warm = get(&env);
    assert!(
        warm.stderr
            .contains("sending the token from HF_TOKEN: cached verdict from "),
        "{warm:?}"
    );
    assert_eq!(hub.whoami_calls(), 1);

    // A HOME that cannot be written: every get asks again, and each says why, once.
    let env = TestEnv::new();
    env.secret(LAPTOP);
    env.set_env("HF_TOKEN", LAPTOP);
    env.set_env("HF_ENDPOINT", &hub.url());
    let cache = env.path(".cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::set_permissions(&cache, std::os::unix::fs::PermissionsExt::from_mode(0o500)).unwrap();
    let before = hub.whoami_calls();
    for _ in 0..2 {
        let Some(cmd) = env.cmd_without_dac_override(&["get"]) else {
            support::skip("running as root and setpriv cannot drop CAP_DAC_OVERRIDE here");
            return;
        };
        let out = cmd.stdin(&ask).allow_password_line().run().ok();
        assert_eq!(out.field("password").as_deref(), Some(LAPTOP));
        assert_eq!(
            out.stderr
                .matches("warning: cannot write the cache file")
                .count(),
            1,
            "{out:?}"
        );
        assert!(
            out.stderr
                .contains("point XDG_CACHE_HOME at a folder that is"),
            "{out:?}"
        );
    }
    assert_eq!(hub.whoami_calls(), before + 2);
}
