//! Where the helper once decided otherwise than huggingface_hub 2.4 (issue 16's list), each
//! case run with the real huggingface_hub and with the helper, and compared: OIDC offline and
//! after a rejection, symlinked files, bytes that are not UTF-8, `token/.`, a variable given
//! twice, `logout` and the git helpers' copy, the folders `login` makes. (The refresh's
//! time-out and its redirects are deliberate differences, in the README.)

use crate::support;
use crate::support::TestEnv;
use hub_imitation::{Hub, TokenInfo};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const FILE: &str = "hf_DivergenceFileTokenAAAAAAAAAAAAAAAAAAA";
const OTHER: &str = "hf_DivergenceOtherTokenBBBBBBBBBBBBBBBBBB";
const GET_TOKEN: &str = "from huggingface_hub import get_token; print(get_token())";

fn python_token(env: &TestEnv, extra: &[(&str, OsString)]) -> String {
    let mut cmd = env.python(GET_TOKEN).allow_token_stdout();
    for (k, v) in extra {
        cmd = cmd.env(k, v);
    }
    cmd.run().stdout
}

fn our_token(env: &TestEnv, extra: &[(&str, OsString)]) -> String {
    let mut cmd = env.cmd(&["token"]).allow_token_stdout();
    for (k, v) in extra {
        cmd = cmd.env(k, v);
    }
    let out = cmd.run();
    match out.code {
        0 => out.stdout,
        _ => "None\n".to_string(),
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn oidc_offline_fails_as_python_fails_and_a_rejected_token_is_exchanged_again() {
    const ID: &str = "eyJhbGciOiJSUzI1NiJ9.divergence-id.sig";
    const EXCHANGED: &str = "hf_jwt_DivergenceExchangedCCCCCCCCCCCCC";
    let env = TestEnv::new();
    let hub = Hub::start();
    for t in [ID, EXCHANGED] {
        env.secret(t);
    }
    env.set_env("HF_ENDPOINT", &hub.url());
    env.set_env("HF_OIDC_RESOURCE", "alice/model");
    env.set_env("HF_OIDC_ID_TOKEN", ID);
    hub.add_id_token(ID, "alice/model", "alice", EXCHANGED, 3600);
    assert_eq!(our_token(&env, &[]), format!("{EXCHANGED}\n"));
    // Offline, with the exchanged token in our cache: Python cannot exchange, nor can we.
    let offline = [("HF_HUB_OFFLINE", OsString::from("1"))];
    let py = env.python(GET_TOKEN).env("HF_HUB_OFFLINE", "1").run();
    assert_ne!(py.code, 0, "Python fails offline: {}", py.stdout);
    assert_eq!(our_token(&env, &offline), "None\n");
    let ours = env.cmd(&["token"]).env("HF_HUB_OFFLINE", "1").run();
    ours.code(1).stderr_has("HF_HUB_OFFLINE");
    // git rejects the exchanged token: the next request exchanges again.
    let before = hub.oauth_calls().len();
    let reject = format!(
        "protocol=http\nhost=127.0.0.1:{}\nusername=git\npassword={EXCHANGED}\n\n",
        hub.port()
    );
    env.cmd(&["erase"]).stdin(reject).run().ok();
    assert_eq!(our_token(&env, &[]), format!("{EXCHANGED}\n"));
    assert_eq!(hub.oauth_calls().len(), before + 1);
}

#[test]
fn a_symlinked_token_file_is_written_through_and_the_link_stays() {
    let env = TestEnv::new();
    let hub = Hub::start();
    for t in [FILE, OTHER] {
        env.secret(t);
        hub.add_token(
            t,
            TokenInfo::write("alice", if t == FILE { "laptop" } else { "ci" }),
        );
    }
    env.set_env("HF_ENDPOINT", &hub.url());
    // Each implementation on its own copy of the same layout: the token file and stored_tokens
    // are links into ~/secrets.
    for (who, home_rel) in [("python", "py"), ("ours", "rs")] {
        let hf = env.path(&format!("{home_rel}/hf"));
        let secrets = env.path(&format!("{home_rel}/secrets"));
        std::fs::create_dir_all(&hf).unwrap();
        std::fs::create_dir_all(&secrets).unwrap();
        std::fs::write(secrets.join("token"), FILE).unwrap();
        std::fs::write(
            secrets.join("stored_tokens"),
            format!("[ci]\nhf_token = {OTHER}\n\n[laptop]\nhf_token = {FILE}\n\n"),
        )
        .unwrap();
        for name in ["token", "stored_tokens"] {
            std::os::unix::fs::symlink(secrets.join(name), hf.join(name)).unwrap();
        }
        let out = match who {
            "python" => env
                .hf(&["auth", "switch", "--token-name", "ci"])
                .env("HF_HOME", &hf)
                .run(),
            _ => env.cmd(&["switch", "ci"]).env("HF_HOME", &hf).run(),
        };
        out.ok();
        for name in ["token", "stored_tokens"] {
            let link = hf.join(name);
            let kind = std::fs::symlink_metadata(&link).unwrap().file_type();
            assert!(kind.is_symlink(), "{who}: {name} is no longer a link");
        }
        assert_eq!(
            std::fs::read_to_string(secrets.join("token")).unwrap(),
            OTHER,
            "{who}"
        );
    }
}

#[test]
fn paths_that_are_not_utf8_work_as_in_python() {
    let env = TestEnv::new();
    env.secret(FILE);
    let odd = env
        .path("caf\u{e9}")
        .parent()
        .unwrap()
        .join(OsString::from_vec(b"h\xffome".to_vec()));
    std::fs::create_dir_all(odd.join(".cache/huggingface")).unwrap();
    std::fs::write(odd.join(".cache/huggingface/token"), FILE).unwrap();
    let want = format!("{FILE}\n");
    for extra in [
        vec![("HOME", odd.clone().into_os_string())],
        vec![("HF_HOME", odd.join(".cache/huggingface").into_os_string())],
        vec![(
            "HF_TOKEN_PATH",
            odd.join(".cache/huggingface/token").into_os_string(),
        )],
        vec![
            ("ODD", odd.clone().into_os_string()),
            ("HF_HOME", OsString::from("$ODD/.cache/huggingface")),
        ],
        vec![
            ("XDG_CACHE_HOME", odd.join(".cache").into_os_string()),
            (
                "HF_ENDPOINT",
                OsString::from_vec(b"https://h\xff.example".to_vec()),
            ),
        ],
    ] {
        assert_eq!(python_token(&env, &extra), want, "Python, {extra:?}");
        assert_eq!(our_token(&env, &extra), want, "ours, {extra:?}");
    }
}

#[test]
fn a_token_path_ending_in_a_dot_is_the_file_pathlib_opens() {
    let env = TestEnv::new();
    let file = env.write_token_file(FILE);
    for suffix in ["/.", "/./", "//", "/"] {
        let path = OsString::from(format!("{}{suffix}", file.display()));
        let extra = [("HF_TOKEN_PATH", path)];
        let py = python_token(&env, &extra);
        assert_eq!(py, format!("{FILE}\n"), "Python with {suffix:?}");
        assert_eq!(our_token(&env, &extra), py, "{suffix:?}");
    }
}

/// A variable given twice (possible with execve, not with a shell): CPython keeps the first.
#[test]
fn a_variable_given_twice_is_the_first_one_as_in_cpython() {
    let env = TestEnv::new();
    env.secret(FILE);
    env.secret(OTHER);
    let dir = env.scratch("dup");
    let source = dir.join("dupenv.c");
    std::fs::write(
        &source,
        "#include <unistd.h>\n\
         int main(int argc, char **argv) {\n\
           char *env[] = {argv[1], argv[2], \"PATH=/usr/bin:/bin\", 0};\n\
           execve(argv[3], argv + 3, env);\n\
           return 127;\n\
         }\n",
    )
    .unwrap();
    let dupenv = dir.join("dupenv");
    let cc = std::process::Command::new("cc")
        .arg(&source)
        .arg("-o")
        .arg(&dupenv)
        .status()
        .expect("a C compiler (cc) builds the tiny execve wrapper");
    assert!(cc.success());
    let first = format!("HF_TOKEN={FILE}");
    let second = format!("HF_TOKEN={OTHER}");
    let python = support::python::python().to_str().unwrap().to_string();
    let dup = dupenv.to_str().unwrap();
    let py = env
        .program(dup, &[&first, &second, &python, "-c", GET_TOKEN])
        .allow_token_stdout()
        .run();
    assert_eq!(py.stdout, format!("{FILE}\n"), "{}", py.stderr);
    let ours = env
        .program(dup, &[&first, &second, support::BIN, "token"])
        .allow_token_stdout()
        .run();
    assert_eq!(ours.stdout, py.stdout);
}

#[test]
fn logout_removes_the_copy_in_gits_helpers_as_hf_auth_logout_does() {
    let env = TestEnv::new();
    let hub = Hub::start();
    env.secret(FILE);
    env.set_env("HF_ENDPOINT", &hub.url());
    let store = env.path("store-file");
    let helper = format!("store --file={}", store.display());
    env.git(&["config", "--global", "credential.helper", &helper])
        .run()
        .ok();
    let line = format!("http://hf_user:{FILE}@127.0.0.1:{}\n", hub.port());
    for who in ["python", "ours"] {
        env.write_token_file(FILE);
        std::fs::write(&store, &line).unwrap();
        match who {
            "python" => env.hf(&["auth", "logout"]).run(),
            _ => env.cmd(&["logout"]).run(),
        }
        .ok();
        assert_eq!(std::fs::read_to_string(&store).unwrap(), "", "{who}");
    }
}

#[test]
fn login_makes_the_folders_on_the_way_as_python_does() {
    let env = TestEnv::new();
    let hub = Hub::start();
    env.secret(FILE);
    hub.add_token(FILE, TokenInfo::write("alice", "laptop"));
    env.set_env("HF_ENDPOINT", &hub.url());
    let modes = |root: &str| -> Vec<u32> {
        ["a", "a/b", "a/b/c"]
            .iter()
            .map(|d| mode(&env.path(&format!("{root}/{d}"))))
            .collect()
    };
    let py_path = env.path("py/a/b/c/token");
    env.hf(&["auth", "login", "--token", FILE])
        .env("HF_TOKEN_PATH", &py_path)
        .run()
        .ok();
    let rs_path = env.path("rs/a/b/c/token");
    env.cmd(&["login", "--token-stdin"])
        .env("HF_TOKEN_PATH", &rs_path)
        .stdin(FILE)
        .run()
        .ok();
    assert_eq!(modes("rs"), modes("py"));
    assert_eq!(modes("rs")[2], 0o700);
    assert_eq!(mode(&rs_path), mode(&py_path));
}
