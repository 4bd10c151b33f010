//! End to end: real `git` and real `git-lfs` clone, pull and push through the helper, as
//! configured by `git-credential-hf setup`, against the loopback Hub imitation.
//!
//! Each scenario counts whoami calls (from the Hub's log) and helper invocations (a wrapper
//! script that logs the operation git asked for, then runs the real binary).

use crate::support::{BIN, Out, TestEnv};
use hub_imitation::{Auth, Hub, TokenInfo};
use std::path::{Path, PathBuf};

const WRITE: &str = "hf_WriteTokenAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const READ: &str = "hf_ReadTokenBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
const ROTATED: &str = "hf_RotatedTokenCCCCCCCCCCCCCCCCCCCCCCCCC";
const REVOKED: &str = "hf_RevokedTokenDDDDDDDDDDDDDDDDDDDDDDDDD";
const REPO: &str = "org/model";

struct World {
    env: TestEnv,
    hub: Hub,
    config: PathBuf,
    calls: PathBuf,
}

impl World {
    /// A Hub with a private repo of a README and 20 LFS weights, a HOME with git-lfs
    /// installed, and the helper set up by `setup --file` in the global config.
    fn new() -> World {
        let hub = Hub::start();
        hub.add_token(WRITE, TokenInfo::write("alice", "laptop"));
        hub.add_token(READ, TokenInfo::read("alice", "ci-read"));
        hub.add_token(ROTATED, TokenInfo::write("alice", "rotated"));
        let weights: Vec<(String, Vec<u8>)> = (0..20)
            .map(|i| (format!("model-{i:02}.safetensors"), weight(i)))
            .collect();
        let mut files: Vec<(&str, &[u8])> = vec![("README.md", b"# model\n")];
        files.extend(weights.iter().map(|(n, c)| (n.as_str(), c.as_slice())));
        hub.seed_repo(REPO, &files, &["*.safetensors"]);

        let env = TestEnv::new();
        for t in [WRITE, READ, ROTATED, REVOKED] {
            env.secret(t);
        }
        let config = env.path("gitconfig");
        env.set_env("GIT_CONFIG_GLOBAL", config.to_str().unwrap());
        env.set_env("HF_ENDPOINT", &hub.url());
        env.set_env("GIT_AUTHOR_NAME", "Alice");
        env.set_env("GIT_AUTHOR_EMAIL", "alice@example.org");
        env.set_env("GIT_COMMITTER_NAME", "Alice");
        env.set_env("GIT_COMMITTER_EMAIL", "alice@example.org");
        env.git(&["lfs", "install", "--skip-repo"]).run().ok();
        let calls = env.path("helper-calls.log");
        World {
            env,
            hub,
            config,
            calls,
        }
    }

    /// Runs `setup`, checks it wrote the binary, then puts the logging wrapper in its place.
    fn setup_helper(&self) {
        let file = self.config.to_str().unwrap();
        self.env.cmd(&["setup", "--file", file]).run().ok();
        let text = std::fs::read_to_string(&self.config).unwrap();
        assert!(text.contains(&format!("helper = {BIN}")), "{text}");
        let wrapper = self.env.path("bin/helper-wrapper");
        std::fs::create_dir_all(wrapper.parent().unwrap()).unwrap();
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\necho \"$1\" >> '{}'\nexec '{BIN}' \"$@\"\n",
                self.calls.display()
            ),
        )
        .unwrap();
        make_executable(&wrapper);
        std::fs::write(&self.config, text.replace(BIN, wrapper.to_str().unwrap())).unwrap();
    }

    fn url(&self) -> String {
        format!("{}/{REPO}", self.hub.url())
    }

    fn clone(&self, dest: &str) -> Out {
        let dir = self.env.scratch("work");
        self.env
            .git(&["clone", "-q", &self.url(), dest])
            .dir(&dir)
            .run()
    }

    fn checkout(&self, dest: &str) -> PathBuf {
        self.env.scratch("work").join(dest)
    }

    /// Operations git asked the helper for, in order.
    fn helper_calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.calls)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Tokens carried by requests to the git and LFS endpoints (not whoami, not object URLs).
    fn tokens_sent_to_git(&self) -> Vec<String> {
        self.hub
            .requests()
            .iter()
            .filter(|r| r.path != "/api/whoami-v2" && !r.path.starts_with("/lfs-objects/"))
            .filter_map(|r| r.auth.token().map(str::to_string))
            .collect()
    }

    fn report(&self, scenario: &str) {
        println!(
            "scenario {scenario}: whoami calls {}, helper invocations {:?}",
            self.hub.whoami_calls(),
            self.helper_calls()
        );
    }
}

fn weight(i: u8) -> Vec<u8> {
    (0..4096u32)
        .map(|j| (j as u8).wrapping_mul(31).wrapping_add(i))
        .collect()
}

fn make_executable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn assert_weights(checkout: &Path) {
    for i in 0..20u8 {
        let path = checkout.join(format!("model-{i:02}.safetensors"));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            weight(i),
            "{}",
            path.display()
        );
    }
    assert_eq!(
        std::fs::read(checkout.join("README.md")).unwrap(),
        b"# model\n"
    );
}

/// Every file under `dir` (but the user's own token file) is free of `tokens`.
fn assert_no_copy(dir: &Path, tokens: &[&str], except: &Path) {
    for entry in walk(dir) {
        if entry == except {
            continue;
        }
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for t in tokens {
            assert!(!text.contains(t), "{} holds a token copy", entry.display());
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn clone_with_20_lfs_files_costs_one_whoami() {
    let w = World::new();
    w.setup_helper();
    w.env.write_token_file(READ);
    w.clone("model").ok();
    assert_weights(&w.checkout("model"));
    assert!(
        w.hub.whoami_calls() <= 1,
        "whoami calls: {}",
        w.hub.whoami_calls()
    );
    assert!(w.tokens_sent_to_git().iter().all(|t| t == READ));
    assert!(!w.tokens_sent_to_git().is_empty());
    w.report("1 clone");
}

#[test]
fn lfs_pull_and_push_with_a_write_token() {
    let w = World::new();
    w.setup_helper();
    w.env.write_token_file(WRITE);
    let dir = w.env.scratch("work");
    w.env
        .git(&["clone", "-q", &w.url(), "model"])
        .env("GIT_LFS_SKIP_SMUDGE", "1")
        .dir(&dir)
        .run()
        .ok();
    let repo = w.checkout("model");
    w.env.git(&["lfs", "pull"]).dir(&repo).run().ok();
    assert_weights(&repo);

    let new = b"new weights ".repeat(500);
    std::fs::write(repo.join("extra.safetensors"), &new).unwrap();
    w.env
        .git(&["add", "extra.safetensors"])
        .dir(&repo)
        .run()
        .ok();
    w.env
        .git(&["commit", "-q", "-m", "Add extra weights"])
        .dir(&repo)
        .run()
        .ok();
    w.env
        .git(&["push", "-q", "origin", "main"])
        .dir(&repo)
        .run()
        .ok();

    let pointer = String::from_utf8(w.hub.repo_file(REPO, "extra.safetensors").unwrap()).unwrap();
    let oid = pointer
        .lines()
        .find_map(|l| l.strip_prefix("oid sha256:"))
        .expect("an LFS pointer landed");
    assert_eq!(w.hub.lfs_object(oid).as_deref(), Some(new.as_slice()));
    assert!(w.hub.whoami_calls() <= 1);
    w.report("2 pull+push");
}

#[test]
fn invalid_hf_token_is_never_sent_to_git_endpoints() {
    let w = World::new();
    w.setup_helper();
    w.env.write_token_file(WRITE);
    w.env.set_env("HF_TOKEN", REVOKED);
    let out = w.clone("model");
    assert_ne!(out.code, 0);
    out.stderr_has("the token from HF_TOKEN (hf_****DDDD) was rejected")
        .stderr_has("HF_TOKEN overrides `hf auth login`: update or unset it");
    assert!(!w.tokens_sent_to_git().iter().any(|t| t == REVOKED));
    assert_eq!(w.hub.whoami_calls(), 1);
    w.report("3 invalid HF_TOKEN");
}

#[test]
fn a_rotated_token_is_used_at_once_and_copied_nowhere() {
    let w = World::new();
    w.setup_helper();
    let token_file = w.env.write_token_file(WRITE);
    w.clone("model").ok();
    std::fs::write(&token_file, ROTATED).unwrap();
    w.hub.remove_token(WRITE);
    w.hub.clear_log();
    let repo = w.checkout("model");
    w.env.git(&["fetch", "-q", "origin"]).dir(&repo).run().ok();
    w.env.git(&["lfs", "fetch", "--all"]).dir(&repo).run().ok();
    let sent = w.tokens_sent_to_git();
    assert!(
        !sent.is_empty() && sent.iter().all(|t| t == ROTATED),
        "{sent:?}"
    );
    assert_no_copy(w.env.home(), &[WRITE, ROTATED], &token_file);
    assert_no_copy(&repo.join(".git"), &[WRITE, ROTATED], &token_file);
    w.report("4 rotation (second operation)");
}

#[test]
fn an_earlier_store_helper_with_an_old_token_no_longer_shadows_us() {
    let w = World::new();
    let creds = w.env.path("old-credentials");
    std::fs::write(
        &creds,
        format!("http://git:{REVOKED}@127.0.0.1:{}\n", w.hub.port()),
    )
    .unwrap();
    std::fs::write(
        &w.config,
        format!(
            "[credential]\n\thelper = store --file={}\n",
            creds.display()
        ),
    )
    .unwrap();
    w.env.git(&["lfs", "install", "--skip-repo"]).run().ok();
    w.env.write_token_file(WRITE);
    // Before setup the stale copy wins and the clone fails.
    assert_ne!(w.clone("before").code, 0);
    assert!(w.tokens_sent_to_git().iter().any(|t| t == REVOKED));
    w.hub.clear_log();

    w.setup_helper();
    w.clone("after").ok();
    assert_weights(&w.checkout("after"));
    let sent = w.tokens_sent_to_git();
    assert!(
        !sent.is_empty() && sent.iter().all(|t| t == WRITE),
        "{sent:?}"
    );
    w.report("5 store helper shadowing fixed by setup");
}

#[test]
fn gated_repo_fails_with_403_and_no_erase() {
    let w = World::new();
    w.setup_helper();
    w.env.write_token_file(READ);
    w.hub.set_gated(REPO, true);
    let out = w.clone("model");
    assert_ne!(out.code, 0);
    out.stderr_has("403");
    let calls = w.helper_calls();
    assert!(!calls.iter().any(|c| c == "erase"), "{calls:?}");
    assert!(calls.iter().any(|c| c == "get"), "{calls:?}");
    assert!(w.hub.whoami_calls() <= 1);
    w.report("6 gated");
}

#[test]
fn anonymous_public_clone_never_asks_the_hub_who_we_are() {
    let w = World::new();
    w.setup_helper();
    w.env.write_token_file(READ);
    w.hub.set_public(REPO, true);
    w.clone("model").ok();
    assert_weights(&w.checkout("model"));
    assert_eq!(w.hub.whoami_calls(), 0);
    assert!(w.helper_calls().is_empty(), "{:?}", w.helper_calls());
    assert!(w.hub.requests().iter().all(|r| r.auth == Auth::None));
    w.report("7 public anonymous");
}
