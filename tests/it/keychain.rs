//! `status` reading a real Secret Service keychain: a private D-Bus session with
//! gnome-keyring, an entry stored by `secret-tool` (secret on stdin), and `status --json` run
//! inside it. Skipped, saying so, where those programs are missing (.ci/run installs them).

use crate::support;
use crate::support::{BIN, TestEnv, keyring_session, on_path};
use serde_json::Value;

const FILE: &str = "hf_FileTokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const KEYCHAIN: &str = "hf_KeychainTokenBBBBBBBBBBBBBBBBBBBBBBBB";

#[test]
fn a_real_secret_service_entry_is_found_and_compared() {
    if !["dbus-run-session", "gnome-keyring-daemon", "secret-tool"]
        .iter()
        .all(|p| on_path(p))
    {
        support::skip(
            "dbus-run-session, gnome-keyring-daemon and secret-tool are needed (apt-get install dbus-daemon gnome-keyring libsecret-tools)",
        );
        return;
    }
    let env = TestEnv::new();
    env.secret(KEYCHAIN);
    env.write_token_file(FILE);
    env.set_env("HF_HUB_OFFLINE", "1");
    let script = keyring_session(&env, &format!("timeout 20 '{BIN}' status --json || true\n"));
    let out = env
        .program("dbus-run-session", &["--", "sh", script.to_str().unwrap()])
        .env("KEYCHAIN_SECRET", KEYCHAIN)
        .run()
        .ok();
    let json: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    let entry = json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "keyring:git:https://huggingface.co")
        .unwrap_or_else(|| panic!("no keyring entry in {json:#}"));
    assert_eq!(entry["masked"], "hf_****BBBB");
    assert_eq!(entry["detail"], "user hf_user");
    let codes: Vec<&str> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert!(codes.contains(&"keychain-entry-differs"), "{codes:?}");
}
