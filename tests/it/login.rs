//! `login`, `logout`, `switch`, `list` on huggingface_hub's own files, against the Hub
//! imitation's whoami. The files must be exactly what huggingface_hub 2.4 writes
//! (tests/fixtures/huggingface_hub-2.4).

use crate::support;
use crate::support::{BIN, CI_READ, LAPTOP, TestEnv};
use hub_imitation::{Hub, TokenInfo};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const OAUTH: &str = "hf_oauth_AliceBrowserLoginZZZZZZZZZZZZZZZ";
const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/huggingface_hub-2.4"
);

fn setup() -> (TestEnv, Hub) {
    let env = TestEnv::new();
    let hub = Hub::start();
    for t in [LAPTOP, CI_READ, OAUTH] {
        env.secret(t);
    }
    env.set_env("HF_ENDPOINT", &hub.url());
    hub.add_token(LAPTOP, TokenInfo::write("alice", "laptop"));
    hub.add_token(CI_READ, TokenInfo::read("alice", "ci-read"));
    hub.add_token(OAUTH, TokenInfo::oauth("alice"));
    (env, hub)
}

fn login(env: &TestEnv, token: &str, args: &[&str]) -> support::Out {
    let mut all = vec!["login", "--token-stdin"];
    all.extend_from_slice(args);
    env.cmd(&all).stdin(format!("{token}\n")).run()
}

fn hf_file(env: &TestEnv, name: &str) -> Option<String> {
    std::fs::read_to_string(env.path(&format!(".cache/huggingface/{name}"))).ok()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_readme_procedure_gives_huggingface_hubs_files_byte_for_byte() {
    let (env, hub) = setup();
    login(&env, LAPTOP, &[])
        .ok()
        .stdout_is("")
        .stderr_has("Token is valid (permission: write).")
        .stderr_has("The current active token is: `laptop`");
    login(&env, CI_READ, &[]).ok();
    env.cmd(&["switch", "laptop"])
        .run()
        .ok()
        .stderr_is("The current active token is: laptop\n");

    assert_eq!(
        hf_file(&env, "stored_tokens").unwrap(),
        fixture("stored_tokens")
    );
    assert_eq!(hf_file(&env, "token").unwrap(), fixture("token"));
    let dir = env.path(".cache/huggingface");
    let modes = format!(
        "{:o} ~/.cache/huggingface\n{:o} ~/.cache/huggingface/token\n{:o} ~/.cache/huggingface/stored_tokens\n",
        mode(&dir),
        mode(&dir.join("token")),
        mode(&dir.join("stored_tokens"))
    );
    assert_eq!(modes, fixture("modes.txt"));
    env.cmd(&["list"])
        .run()
        .ok()
        .stdout_is(&fixture("hf-auth-list.txt"))
        .stderr_is("");
    // Each login asked whoami once, and `token` now needs no network.
    assert_eq!(hub.whoami_calls(), 2);
    env.cmd(&["token"])
        .allow_token_stdout()
        .run()
        .ok()
        .stdout_is(&format!("{LAPTOP}\n"));
}

#[test]
fn names_no_activate_and_oauth_tokens() {
    let (env, _hub) = setup();
    login(&env, LAPTOP, &[]).ok();
    login(&env, CI_READ, &["--name", "my ci", "--no-activate"])
        .ok()
        .stderr_lacks("active token is");
    assert_eq!(hf_file(&env, "token").unwrap(), LAPTOP);
    // An OAuth token has no display name: `oauth-<user>`, as `_validate_and_save_token`.
    login(&env, OAUTH, &[]).ok().stderr_has("Token is valid.\n");
    assert_eq!(
        hf_file(&env, "stored_tokens").unwrap(),
        format!(
            "[laptop]\nhf_token = {LAPTOP}\n\n[my ci]\nhf_token = {CI_READ}\n\n[oauth-alice]\nhf_token = {OAUTH}\n\n"
        )
    );
    assert_eq!(hf_file(&env, "token").unwrap(), OAUTH);
    // Logging in again under a name replaces the whole section (refresh metadata included).
    env.write(
        ".cache/huggingface/stored_tokens",
        "[oauth-alice]\nhf_token = old\nrefresh_token = r\nexpires_at = 1\n",
    );
    login(&env, OAUTH, &[]).ok();
    assert_eq!(
        hf_file(&env, "stored_tokens").unwrap(),
        format!("[oauth-alice]\nhf_token = {OAUTH}\n\n")
    );
}

#[test]
fn bad_tokens_and_bad_files_change_nothing() {
    let (env, hub) = setup();
    let org = "api_org_ExampleOrgTokenOOOOOOOOOOOOOOOOO";
    env.secret(org);
    login(&env, org, &[])
        .code(1)
        .stderr_has("organization token");
    let unknown = "hf_NotKnownToTheHubNNNNNNNNNNNNNNNNNNNN";
    env.secret(unknown);
    login(&env, unknown, &[])
        .code(1)
        .stderr_has("the Hub rejected this token (401)");
    login(&env, "", &[]).code(1).stderr_has("no token given");
    login(&env, &format!("{LAPTOP}\n{CI_READ}"), &[])
        .code(1)
        .stderr_has("more than one line");
    env.cmd(&["login", "--token-stdin"])
        .env("HF_HUB_OFFLINE", "1")
        .stdin(LAPTOP)
        .run()
        .code(1)
        .stderr_has("HF_HUB_OFFLINE");
    assert!(!env.path(".cache/huggingface").exists());
    // A name configparser cannot keep (Python itself crashes on `DEFAULT`).
    login(&env, LAPTOP, &["--name", "DEFAULT"])
        .code(1)
        .stderr_has("choose another name with --name");
    // A stored_tokens Python cannot parse is not overwritten (Python would drop its tokens).
    let broken = "[a]\nhf_token = x\n[a]\n";
    env.write(".cache/huggingface/stored_tokens", broken);
    login(&env, LAPTOP, &[])
        .code(1)
        .stderr_has("cannot be parsed (section [a] appears twice (line 3))")
        .stderr_has("move it away");
    assert_eq!(hf_file(&env, "stored_tokens").unwrap(), broken);
    assert_eq!(hf_file(&env, "token"), None);
    let _ = hub;
}

#[test]
fn the_token_is_asked_on_the_terminal_without_echo() {
    let (env, _hub) = setup();
    // No terminal at all (setsid detaches it): say how to pipe the token in.
    env.program("setsid", &["-w", BIN, "login"])
        .run()
        .code(1)
        .stderr_has("there is no terminal to ask for the token on: pipe it in with --token-stdin");
    // A pseudo-terminal (script(1)), typed into once the prompt shows: the prompt is seen,
    // the token is not (the leak scan of the terminal's output fails if it is echoed).
    let transcript = env.scratch("tty").join("transcript");
    let typist = r#"( until grep -q 'will not be visible' "$T" 2>/dev/null; do sleep 0.02; done;
                     printf '%s\n' "$TOKEN" ) | script -qfec "$BIN login" "$T""#;
    let out = env
        .program("sh", &["-c", typist])
        .env("T", &transcript)
        .env("TOKEN", LAPTOP)
        .env("BIN", BIN)
        .run()
        .ok();
    assert!(
        out.stdout
            .contains("Enter your token (input will not be visible): "),
        "{out:?}"
    );
    assert!(
        !std::fs::read_to_string(&transcript)
            .unwrap()
            .contains(LAPTOP)
    );
    assert_eq!(hf_file(&env, "token").unwrap(), LAPTOP);
}

#[test]
fn an_environment_token_is_pointed_out() {
    let (env, _hub) = setup();
    env.set_env("HF_TOKEN", CI_READ);
    login(&env, LAPTOP, &[])
        .ok()
        .stderr_has("Note: HF_TOKEN is set and is the token in use");
    login(&env, CI_READ, &[]).ok();
    env.cmd(&["switch", "laptop"])
        .run()
        .ok()
        .stderr_has("HF_TOKEN is set and overrides the token you just switched to");
    env.cmd(&["switch", "ci-read"])
        .run()
        .ok()
        .stderr_lacks("overrides");
    env.cmd(&["list"])
        .run()
        .ok()
        .stdout_has("* ci-read")
        .stderr_has("Note: HF_TOKEN is set and is the current active token independently");
}

#[test]
fn switch_and_logout() {
    let (env, _hub) = setup();
    login(&env, LAPTOP, &[]).ok();
    login(&env, CI_READ, &[]).ok();
    assert_eq!(hf_file(&env, "token").unwrap(), CI_READ);
    env.cmd(&["switch", "nope"])
        .run()
        .code(1)
        .stderr_has("no token named `nope`");
    env.cmd(&["switch", "laptop"]).run().ok();
    assert_eq!(hf_file(&env, "token").unwrap(), LAPTOP);

    // Not the active one: only its section goes.
    env.cmd(&["logout", "ci-read"])
        .run()
        .ok()
        .stderr_lacks("Active token");
    assert_eq!(
        hf_file(&env, "stored_tokens").unwrap(),
        format!("[laptop]\nhf_token = {LAPTOP}\n\n")
    );
    assert_eq!(hf_file(&env, "token").unwrap(), LAPTOP);
    env.cmd(&["logout", "ci-read"])
        .run()
        .code(1)
        .stderr_has("no token named `ci-read`");
    // The active one: the token file goes too.
    env.cmd(&["logout", "laptop"])
        .run()
        .ok()
        .stderr_has("Active token 'laptop' has been deleted.");
    assert_eq!(hf_file(&env, "stored_tokens").unwrap(), "");
    assert_eq!(hf_file(&env, "token"), None);
    env.cmd(&["list"])
        .run()
        .ok()
        .stdout_is("")
        .stderr_is("No access tokens found.\n");
    env.cmd(&["logout"])
        .run()
        .ok()
        .stderr_is("Not logged in!\n");

    // Without a name: both files.
    login(&env, LAPTOP, &[]).ok();
    login(&env, CI_READ, &[]).ok();
    env.cmd(&["logout"])
        .run()
        .ok()
        .stderr_is("Successfully logged out from all access tokens.\n");
    assert_eq!(hf_file(&env, "stored_tokens"), None);
    assert_eq!(hf_file(&env, "token"), None);

    // HF_TOKEN still logs in: the files are cleared and the user told, as Python raises.
    login(&env, LAPTOP, &[]).ok();
    env.cmd(&["logout"])
        .env("HF_TOKEN", CI_READ)
        .run()
        .code(1)
        .stderr_has("HF_TOKEN is still set");
    assert_eq!(hf_file(&env, "token"), None);
}

#[test]
fn list_shows_expiry_and_unset_tokens_like_hf_auth_list() {
    let (env, _hub) = setup();
    env.write(
        ".cache/huggingface/stored_tokens",
        &format!(
            "[ci-read]\nhf_token = {CI_READ}\n\n[laptop]\nhf_token = {LAPTOP}\n\n\
             [oauth-bob]\nhf_token = hf_oauthBobTokenZZZZ\nrefresh_token = r\nexpires_at = 1700000000\n\n\
             [zz]\nother = 1\n\n"
        ),
    );
    env.secret("hf_oauthBobTokenZZZZ");
    env.write_token_file(LAPTOP);
    // Output of `hf auth list` for this home, in UTC (huggingface_hub 2.4).
    let expected = "  name      token       expires             \n\
                    - --------- ----------- --------------------\n  \
                    ci-read   hf_****YYYY                     \n\
                    * laptop    hf_****XXXX                     \n  \
                    oauth-bob hf_****ZZZZ 2023-11-14 (expired)\n  \
                    zz        <not set>                       \n";
    env.cmd(&["list"])
        .env("TZ", "UTC")
        .env("HF_HUB_OFFLINE", "1")
        .run()
        .ok()
        .stdout_is(expected)
        .stderr_is("");
    // Nothing active: the note.
    std::fs::remove_file(env.path(".cache/huggingface/token")).unwrap();
    env.cmd(&["list"])
        .run()
        .ok()
        .stderr_has("Note: No active token is set");
}
