//! Damaged files. The helper's own cache (`~/.cache/git-credential-hf/whoami.json`) is
//! rebuilt silently; the user's token file gets a one-line error that says what to do and
//! is never written, whatever the command. Files of ours are written by rename, mode 0600.

use crate::support;
use crate::support::{TestCmd, TestEnv};
use hub_imitation::Hub;
use serde_json::Value;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

const TOKEN: &str = "hf_FilesTokenFFFFFFFFFFFFFFFFFFFFFFFFFFFF";
const CACHE_DIR: &str = ".cache/git-credential-hf";
const CACHE: &str = ".cache/git-credential-hf/whoami.json";
const TOKEN_FILE: &str = ".cache/huggingface/token";

fn hub_env() -> (TestEnv, Hub) {
    support::env_with_hub_token(TOKEN)
}

/// Everything about a path that a rewrite would change.
#[derive(Debug, PartialEq)]
struct Snapshot {
    kind: String,
    ino: u64,
    mode: u32,
    mtime: Option<SystemTime>,
    bytes: Option<Vec<u8>>,
    link: Option<PathBuf>,
    listing: Vec<String>,
}

fn snapshot(path: &Path) -> Snapshot {
    let meta = fs::symlink_metadata(path).unwrap();
    let listing = match meta.is_dir() {
        true => {
            let mut names: Vec<String> = fs::read_dir(path)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }
        false => Vec::new(),
    };
    Snapshot {
        kind: format!("{:?}", meta.file_type()),
        ino: meta.ino(),
        mode: meta.mode(),
        mtime: meta.modified().ok(),
        bytes: meta.is_file().then(|| fs::read(path).ok()).flatten(),
        link: fs::read_link(path).ok(),
        listing,
    }
}

/// Our cache folder as the helper makes it (0700), for a test to damage what is inside.
fn our_dir(env: &TestEnv) {
    let dir = env.path(CACHE_DIR);
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
}

/// The files in our cache folder: each a regular file, 0600, no temp files; the folder 0700.
fn assert_private_files(env: &TestEnv) {
    let dir = env.path(CACHE_DIR);
    assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    for entry in fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "temp file left behind: {name}");
        let meta = entry.path().symlink_metadata().unwrap();
        assert!(meta.is_file(), "{name} is not a regular file");
        assert_eq!(meta.mode() & 0o777, 0o600, "{name} mode {:o}", meta.mode());
    }
}

/// The cache's verdicts, or a panic naming the corruption.
fn cache_verdicts(env: &TestEnv) -> Vec<bool> {
    let text = fs::read_to_string(env.path(CACHE)).unwrap();
    let json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("corrupt cache: {e}: {text}"));
    match json.get("entries") {
        Some(Value::Object(entries)) => entries
            .values()
            .map(|e| e.get("valid") == Some(&Value::Bool(true)))
            .collect(),
        _ => panic!("no entries: {text}"),
    }
}

/// `get` for the Hub imitation's origin answers with the token and says nothing: a damaged
/// cache of ours is not the user's problem.
fn quiet_answer(cmd: TestCmd, hub: &Hub, what: &str) {
    let out = cmd
        .allow_password_line()
        .stdin(hub.credential_request())
        .run()
        .ok();
    assert_eq!(out.field("password").as_deref(), Some(TOKEN), "{what}");
    assert_eq!(out.stderr, "", "{what}");
}

/// Each way our cache file can be damaged: `get` answers quietly, one whoami rebuilds the
/// cache, and the next `get` is served from it.
#[test]
fn a_damaged_cache_is_rebuilt_silently() {
    // A real cache file, to cut in half.
    let (env, hub) = hub_env();
    quiet_answer(env.cmd(&["get"]), &hub, "a cache to cut in half");
    let whole = fs::read(env.path(CACHE)).unwrap();
    let half = whole[..whole.len() / 2].to_vec();

    type Breakage = Box<dyn Fn(&TestEnv)>;
    let write = |bytes: Vec<u8>| -> Breakage {
        Box::new(move |env: &TestEnv| {
            our_dir(env);
            fs::write(env.path(CACHE), &bytes).unwrap();
        })
    };
    let cases: Vec<(&str, Breakage)> = vec![
        ("corrupt", write(b"{not json".to_vec())),
        ("truncated", write(half)),
        ("empty", write(Vec::new())),
        ("binary", write(vec![0, 0xff, 0xfe, b'{', 0])),
        (
            "wrong types",
            write(br#"{"version":1,"entries":{"k":{"valid":"yes"}}}"#.to_vec()),
        ),
        (
            "future version",
            write(br#"{"version":99,"entries":{}}"#.to_vec()),
        ),
        (
            "symlink loop",
            Box::new(|env: &TestEnv| {
                our_dir(env);
                std::os::unix::fs::symlink("whoami.json", env.path(CACHE)).unwrap();
            }),
        ),
    ];
    for (what, damage) in cases {
        let (env, hub) = hub_env();
        damage(&env);
        for _ in 0..2 {
            quiet_answer(env.cmd(&["get"]), &hub, what);
        }
        assert_eq!(hub.whoami_calls(), 1, "{what}: rebuilt once, then used");
        assert_eq!(cache_verdicts(&env), vec![true], "{what}");
        assert_private_files(&env);
    }
}

/// A cache file nobody can read (mode 000; as root, with the read override dropped): a miss,
/// then replaced by a fresh file of ours.
#[test]
fn an_unreadable_cache_is_replaced() {
    let (env, hub) = hub_env();
    our_dir(&env);
    fs::write(env.path(CACHE), b"{}").unwrap();
    fs::set_permissions(env.path(CACHE), fs::Permissions::from_mode(0o000)).unwrap();
    let Some(cmd) = env.cmd_without_dac_override(&["get"]) else {
        support::skip("running as root and setpriv cannot drop CAP_DAC_OVERRIDE here");
        return;
    };
    quiet_answer(cmd, &hub, "unreadable");
    assert_eq!(hub.whoami_calls(), 1);
    assert_eq!(cache_verdicts(&env), vec![true]);
    assert_private_files(&env);
}

/// A folder where the cache file belongs cannot be replaced by a rename: `get` still answers
/// (every time checked afresh, which it says once), leaves the folder alone and no temp file
/// behind.
#[test]
fn a_directory_in_place_of_the_cache_is_left_alone() {
    let (env, hub) = hub_env();
    fs::create_dir_all(env.path(CACHE).join("inside")).unwrap();
    let before = snapshot(&env.path(CACHE));
    for _ in 0..2 {
        let out = env
            .cmd(&["get"])
            .allow_password_line()
            .stdin(hub.credential_request())
            .run()
            .ok();
        assert_eq!(out.field("password").as_deref(), Some(TOKEN));
        let said = format!(
            "git-credential-hf: warning: cannot write the cache file {} (Is a directory",
            env.path(CACHE).display()
        );
        assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
        assert!(out.stderr.starts_with(&said), "{out:?}");
    }
    assert_eq!(snapshot(&env.path(CACHE)), before);
    let leftovers: Vec<_> = fs::read_dir(env.path(CACHE_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(hub.whoami_calls(), 2, "no cache, so each get checks afresh");
}

/// A symlink from our cache file to the user's token file: the cache is written by rename,
/// which replaces the link, never the file it points to.
#[test]
fn a_cache_symlinked_to_a_user_file_never_writes_through() {
    let (env, hub) = hub_env();
    let user_file = env.write(TOKEN_FILE, "hf_user's own file, not ours\n");
    let before = snapshot(&user_file);
    our_dir(&env);
    std::os::unix::fs::symlink(&user_file, env.path(CACHE)).unwrap();
    quiet_answer(env.cmd(&["get"]), &hub, "symlink");
    assert_eq!(snapshot(&user_file), before);
    assert_eq!(cache_verdicts(&env), vec![true]);
    assert_private_files(&env);
}

/// Our cache folder is a file: the helper checks the token as if it had no cache, answers,
/// and leaves that file alone.
#[test]
fn a_file_in_place_of_the_cache_folder_is_left_alone() {
    let (env, hub) = hub_env();
    let blocker = env.write(CACHE_DIR, "not a folder");
    let before = snapshot(&blocker);
    let out = env
        .cmd(&["--verbose", "get"])
        .allow_password_line()
        .stdin(hub.credential_request())
        .run()
        .ok();
    assert_eq!(out.field("password").as_deref(), Some(TOKEN));
    assert_eq!(snapshot(&blocker), before);
    // Checked as if there were no cache, not mistaken for a busy lock.
    assert_eq!(hub.whoami_calls(), 1);
    out.stderr_lacks("still asking")
        .stderr_has("sending the token from HF_TOKEN");
}

/// Files of ours are replaced by rename (a new inode each write), mode 0600, no temp files.
#[test]
fn our_files_are_written_atomically_and_private() {
    let (env, hub) = hub_env();
    quiet_answer(env.cmd(&["get"]), &hub, "a fresh cache");
    assert_private_files(&env);
    let first = fs::metadata(env.path(CACHE)).unwrap().ino();
    // erase re-checks with the Hub and records the fresh verdict.
    env.cmd(&["erase"])
        .stdin(format!(
            "protocol=http\nhost=127.0.0.1:{}\nusername=git\npassword={TOKEN}\n\n",
            hub.port()
        ))
        .run()
        .ok();
    assert_eq!(hub.whoami_calls(), 2);
    let second = fs::metadata(env.path(CACHE)).unwrap().ino();
    assert_ne!(first, second, "the cache was rewritten in place");
    assert_private_files(&env);
    assert!(!fs::read_to_string(env.path(CACHE)).unwrap().contains(TOKEN));
}

/// How the user's token file can be damaged, and what the one line of `get` must say.
type Damage = fn(&Path);
const DAMAGED_TOKEN_FILES: &[(&str, Damage, &str)] = &[
    (
        "not UTF-8",
        |p| fs::write(p, b"hf_\xff\xfe\n").unwrap(),
        "is not valid UTF-8: remove it and log in again",
    ),
    (
        "empty",
        |p| fs::write(p, b"").unwrap(),
        "no Hugging Face token found",
    ),
    (
        "blank",
        |p| fs::write(p, b" \r\n\t\n").unwrap(),
        "no Hugging Face token found",
    ),
    (
        "directory",
        |p| fs::create_dir_all(p.join("inside")).unwrap(),
        // (Issue 18: a folder gets the fix that works, not `log in again`, which fails too.)
        "is a folder: remove the folder",
    ),
    (
        "symlink loop",
        |p| std::os::unix::fs::symlink("token", p).unwrap(),
        "fix its permissions or remove it and log in again",
    ),
    (
        "dangling symlink",
        |p| std::os::unix::fs::symlink("nowhere", p).unwrap(),
        "no Hugging Face token found",
    ),
];

/// Runs get, token, store and erase against a damaged token file: never a panic, at most one
/// line on stderr (exactly one, with the fix, for `get`), and the file exactly as it was.
fn check_user_file(env: &TestEnv, what: &str, expected: &str, run: &dyn Fn(&[&str]) -> TestCmd) {
    let path = env.path(TOKEN_FILE);
    let before = snapshot(&path);
    let hf_dir = snapshot(path.parent().unwrap());
    let request = "protocol=https\nhost=huggingface.co\nusername=git\npassword=hf_x\n\n";
    for args in [&["get"][..], &["token"], &["store"], &["erase"]] {
        let out = run(args).stdin(request).run();
        assert!(
            !out.stderr.contains("panicked"),
            "{what}: {args:?} panicked"
        );
        assert!(
            out.stderr.lines().count() <= 1,
            "{what} {args:?}: {}",
            out.stderr
        );
        assert_eq!(out.stdout, "", "{what} {args:?}");
        if args == ["get"] || args == ["token"] {
            let out = out
                .stderr_has(expected)
                .stderr_has(".cache/huggingface/token");
            assert_eq!(out.stderr.lines().count(), 1, "{what}");
        }
        assert_eq!(snapshot(&path), before, "{what}: {args:?} touched the file");
        assert_eq!(
            snapshot(path.parent().unwrap()),
            hf_dir,
            "{what}: {args:?} touched the folder"
        );
    }
}

fn user_env() -> TestEnv {
    let env = TestEnv::new();
    env.set_env("HF_HUB_OFFLINE", "1");
    env
}

#[test]
fn a_damaged_token_file_gets_one_line_and_is_never_rewritten() {
    for (what, damage, expected) in DAMAGED_TOKEN_FILES {
        let env = user_env();
        let path = env.path(TOKEN_FILE);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        damage(&path);
        check_user_file(&env, what, expected, &|args| env.cmd(args));
    }
}

#[test]
fn an_unreadable_token_file_gets_one_line_and_is_never_rewritten() {
    let env = user_env();
    let path = env.write(TOKEN_FILE, "hf_unreadable\n");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if env.cmd_without_dac_override(&["token"]).is_none() {
        support::skip("running as root and setpriv cannot drop CAP_DAC_OVERRIDE here");
        return;
    }
    check_user_file(
        &env,
        "mode 000",
        "Permission denied (os error 13): fix its permissions or remove it and log in again",
        &|args| env.cmd_without_dac_override(args).unwrap(),
    );
}
