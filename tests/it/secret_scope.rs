//! Every secret stays in its scope (issue 14): `status` checks a credential only against the
//! Hub origin it was found for, prints none in full, and the command line, the environment and
//! odd protocol input never make the helper leak a token or refuse to answer.
//!
//! The Hub imitation is HF_ENDPOINT (a "mirror"); credentials found for https://huggingface.co
//! are legitimately checked there, so every test that plants one routes HTTPS through a
//! loopback recording proxy that answers nothing: nothing leaves the machine, and the test sees
//! which hosts the helper tried.

use crate::support;
use crate::support::{BIN, Out, TestEnv, keyring_session, on_path};
use hub_imitation::{Hub, TokenInfo};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// The token huggingface_hub uses (the token file), valid at the mirror.
const ACTIVE: &str = "hf_ActiveMirrorTokenAAAAAAAAAAAAAAAAAAAAA";
/// Credentials that belong to other origins than the mirror.
const NETRC_HUB: &str = "hf_NetrcHuggingfaceCoBBBBBBBBBBBBBBBBBBBB";
const NETRC_DEFAULT: &str = "hf_NetrcDefaultEntryCCCCCCCCCCCCCCCCCCCCC";
const STORE_HUB: &str = "hf_StoreLineHuggingfaceDDDDDDDDDDDDDDDDDD";
const STORE_PORT: &str = "hf_StoreLineOtherPortEEEEEEEEEEEEEEEEEEEE";
const STORED_OTHER: &str = "hf_StoredNotActiveFFFFFFFFFFFFFFFFFFFFFFF";
const GITHUB: &str = "ghp_GitHubActionsSecret0123456789abcdefGH";
const GITLAB: &str = "glcbt-64_GitLabJobToken0123456789abcdefZZ";
const SHELL: &str = "hf_ShellHelperCommandLineGGGGGGGGGGGGGGGG";
const USERNAME: &str = "hf_TokenAsAUserNameHHHHHHHHHHHHHHHHHHHHHH";
const KEYCHAIN: &str = "hf_KeychainEntryForTheHubIIIIIIIIIIIIIIII";
const ARGV: &str = "hf_TypedOnTheCommandLineJJJJJJJJJJJJJJJJJ";
/// Typed into `login --token-stdin`: the user gives it to the mirror.
const LOGIN: &str = "hf_PipedIntoLoginAtTheMirrorKKKKKKKKKKKKKK";

/// A loopback HTTP proxy that records the first line of each request (`CONNECT host:port ...`)
/// and closes the connection.
struct Proxy {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut line = String::new();
                let _ = BufReader::new(&stream).read_line(&mut line);
                log.lock().unwrap().push(line.trim_end().to_string());
            }
        });
        Proxy { port, seen }
    }

    fn hosts(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
            .collect()
    }
}

struct World {
    env: TestEnv,
    hub: Hub,
    proxy: Proxy,
}

impl World {
    fn new() -> World {
        let hub = Hub::start();
        hub.add_token(ACTIVE, TokenInfo::write("alice", "laptop"));
        let env = TestEnv::new();
        for t in [
            ACTIVE,
            NETRC_HUB,
            NETRC_DEFAULT,
            STORE_HUB,
            STORE_PORT,
            STORED_OTHER,
            GITHUB,
            GITLAB,
            SHELL,
            USERNAME,
            KEYCHAIN,
            ARGV,
            LOGIN,
        ] {
            env.secret(t);
        }
        env.set_env("HF_ENDPOINT", &hub.url());
        let proxy = Proxy::start();
        let proxy_url = format!("http://127.0.0.1:{}", proxy.port);
        for var in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] {
            env.set_env(var, &proxy_url);
        }
        for var in ["NO_PROXY", "no_proxy"] {
            env.set_env(var, "127.0.0.1");
        }
        env.write_token_file(ACTIVE);
        World { env, hub, proxy }
    }

    fn setup(&self) {
        self.env.cmd(&["setup"]).run().ok();
    }

    /// Every token the mirror received, in any header.
    fn tokens_at_mirror(&self) -> Vec<String> {
        let mut seen: Vec<String> = self
            .hub
            .requests()
            .iter()
            .filter_map(|r| r.auth.token().map(str::to_string))
            .collect();
        seen.sort();
        seen.dedup();
        seen
    }

    fn status(&self, args: &[&str], dir: Option<&std::path::Path>) -> Out {
        let cmd = self.env.cmd(args);
        match dir {
            Some(d) => cmd.dir(d).run(),
            None => cmd.run(),
        }
    }

    fn status_json(&self, dir: Option<&std::path::Path>) -> Value {
        let out = self.status(&["status", "--json"], dir);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
    }

    /// A repository whose remotes are `remotes` (name, url).
    fn repo(&self, remotes: &[(&str, &str)]) -> std::path::PathBuf {
        let repo = self.env.scratch("repo");
        self.env.git(&["init", "-q"]).dir(&repo).run().ok();
        for (name, url) in remotes {
            self.env
                .git(&["remote", "add", name, url])
                .dir(&repo)
                .run()
                .ok();
        }
        repo
    }
}

fn codes(json: &Value) -> Vec<String> {
    json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

fn sources(json: &Value) -> &Vec<Value> {
    json["sources"].as_array().unwrap()
}

fn source<'a>(json: &'a Value, id: &str) -> &'a Value {
    sources(json)
        .iter()
        .find(|s| s["source"] == id)
        .unwrap_or_else(|| panic!("no source {id} in {json:#}"))
}

// 1. Credentials for other hosts in remote URLs are never checked with the Hub.
#[test]
fn remote_url_credentials_for_other_hosts_never_reach_the_hub() {
    let w = World::new();
    w.setup();
    let github = format!("https://x-access-token:{GITHUB}@github.com/o/r");
    let gitlab = format!("https://gitlab-ci-token:{GITLAB}@gitlab.example/o/r.git");
    let repo = w.repo(&[("origin", &github), ("mirror", &gitlab)]);
    let human = w.status(&["status"], Some(&repo));
    let json = w.status_json(Some(&repo));
    human.ok();
    assert_eq!(w.tokens_at_mirror(), [ACTIVE], "only the active token");
    assert!(w.proxy.hosts().is_empty(), "{:?}", w.proxy.hosts());
    assert!(
        !codes(&json).contains(&"token-in-remote-url".to_string()),
        "{:#}",
        json["problems"]
    );
    // A Hub remote with a token is still reported, and checked where it points.
    let hub_remote = format!("http://git:{STORE_PORT}@127.0.0.1:{}/org/m", w.hub.port());
    w.env
        .git(&["remote", "add", "hub", &hub_remote])
        .dir(&repo)
        .run()
        .ok();
    let json = w.status_json(Some(&repo));
    assert!(codes(&json).contains(&"token-in-remote-url".to_string()));
    assert_eq!(source(&json, "remote-url:hub")["masked"], "hf_****EEEE");
}

// 2. With HF_ENDPOINT set to a mirror, the mirror gets only what is scoped to it.
#[test]
fn a_mirror_endpoint_receives_only_its_own_credentials() {
    let w = World::new();
    w.setup();
    w.env.write(
        ".netrc",
        &format!("machine huggingface.co login git password {NETRC_HUB}\n"),
    );
    let other_port = w.hub.port().wrapping_add(1).max(1024);
    w.env.write(
        ".git-credentials",
        &format!(
            "https://hf_user:{STORE_HUB}@huggingface.co\nhttp://hf_user:{STORE_PORT}@127.0.0.1:{other_port}\n"
        ),
    );
    w.env.write(
        ".cache/huggingface/stored_tokens",
        &format!("[laptop]\nhf_token = {ACTIVE}\n\n[old]\nhf_token = {STORED_OTHER}\n\n"),
    );
    let json = w.status_json(None);
    w.status(&["status"], None);
    assert_eq!(w.tokens_at_mirror(), [ACTIVE]);
    // The huggingface.co credentials are shown (masked) and checked against huggingface.co
    // alone (through the proxy here, which answers nothing: "unchecked").
    let netrc = sources(&json)
        .iter()
        .find(|s| s["source"] == "netrc" && s["present"] == true)
        .unwrap_or_else(|| panic!("netrc entry not listed: {json:#}"));
    assert_eq!(netrc["masked"], "hf_****BBBB");
    assert_eq!(netrc["valid"], Value::Null);
    assert!(
        w.proxy.hosts().iter().all(|h| h == "huggingface.co:443"),
        "{:?}",
        w.proxy.hosts()
    );
    // The stored token that is not active belongs to an unknown endpoint: shown, not checked.
    let old = source(&json, "stored_tokens:old");
    assert_eq!(old["masked"], "hf_****FFFF");
    assert_eq!(old["valid"], Value::Null);
    // The other port is not the mirror's origin: git would never send that line there.
    assert!(
        !json.to_string().contains("hf_****EEEE"),
        "another port's credential listed as the mirror's: {json:#}"
    );
}

// 3. Helper command lines and token-shaped user names are redacted everywhere we print.
#[test]
fn helper_command_lines_and_token_user_names_are_redacted() {
    let w = World::new();
    let url = w.hub.url();
    let shell = format!("!f() {{ echo username=git; echo password={SHELL}; }}; f");
    w.env
        .git(&[
            "config",
            "--global",
            "--add",
            &format!("credential.{url}.helper"),
            &shell,
        ])
        .run()
        .ok();
    w.env
        .git(&[
            "config",
            "--global",
            "--add",
            &format!("credential.{url}.helper"),
            "store",
        ])
        .run()
        .ok();
    w.env.write(
        ".git-credentials",
        &format!("http://{USERNAME}:x@127.0.0.1:{}\n", w.hub.port()),
    );
    let human = w.status(&["status"], None);
    let json = w.status(&["status", "--json"], None);
    for out in [&human, &json] {
        assert!(
            !out.stdout.contains(&USERNAME[3..]),
            "token-shaped user name printed:\n{}",
            out.stdout
        );
        assert!(!out.stdout.contains(&SHELL[3..]), "{}", out.stdout);
    }
    human.stdout_has("hf_****");
}

// 6. A GIT_CREDENTIAL_HF_* value never stops `get` from answering.
#[test]
fn environment_settings_are_read_leniently() {
    let env = TestEnv::new();
    env.secret(ARGV);
    env.set_env("HF_TOKEN", ARGV);
    env.set_env("HF_HUB_OFFLINE", "1");
    let get = |var: &str, value: &str| {
        env.cmd(&["get"])
            .env(var, value)
            .allow_password_line()
            .stdin("protocol=https\nhost=huggingface.co\n\n")
            .run()
            .ok()
    };
    for value in ["1", "0", "true", "FALSE", "yes", "no", "on", "Off", ""] {
        let out = get("GIT_CREDENTIAL_HF_VERBOSE", value);
        assert_eq!(out.field("password").as_deref(), Some(ARGV), "{value:?}");
    }
    // `1` turns verbose on, as the man page says.
    get("GIT_CREDENTIAL_HF_VERBOSE", "1").stderr_has("HF_HUB_OFFLINE");
    get("GIT_CREDENTIAL_HF_VERBOSE", "0").stderr_is("");
    for (var, bad) in [
        ("GIT_CREDENTIAL_HF_VERBOSE", "maybe"),
        ("GIT_CREDENTIAL_HF_TIMEOUT", "soon"),
        ("GIT_CREDENTIAL_HF_TIMEOUT", "0"),
        ("GIT_CREDENTIAL_HF_AUTH_TYPE", "kerberos"),
    ] {
        let out = get(var, bad);
        assert_eq!(out.field("password").as_deref(), Some(ARGV), "{var}={bad}");
        assert_eq!(out.stderr.lines().count(), 1, "{var}={bad}: {}", out.stderr);
        out.stderr_has(var).stderr_has("warning");
    }
}

// 9. Bytes in keys we do not use never cost the user their token.
#[test]
fn odd_bytes_in_ignored_keys_and_crlf_input_are_tolerated() {
    let env = TestEnv::new();
    env.secret(ARGV);
    env.set_env("HF_TOKEN", ARGV);
    env.set_env("HF_HUB_OFFLINE", "1");
    let inputs: [&[u8]; 4] = [
        b"protocol=https\nhost=huggingface.co\nwwwauth[]=Basic realm=\"caf\xe9\"\n\n",
        b"protocol=https\nhost=huggingface.co\npath=org/caf\xe9\n\n",
        b"protocol=https\r\nhost=huggingface.co\r\n\r\n",
        b"capability[]=authtype\nprotocol=https\nhost=huggingface.co\nfuture\xff=\x01\xfe\n\n",
    ];
    for input in inputs {
        let out = env
            .cmd(&["get"])
            .allow_password_line()
            .stdin(input)
            .run()
            .ok();
        assert_eq!(
            out.field("password").as_deref(),
            Some(ARGV),
            "{}",
            String::from_utf8_lossy(input)
        );
    }
    // Through real git: useHttpPath and a URL holding %E9 make git send a Latin-1 path.
    let out = env
        .git_fill(&["-c", "credential.useHttpPath=true"])
        .stdin("url=https://huggingface.co/org/caf%E9\n\n")
        .run()
        .ok();
    assert_eq!(out.field("password").as_deref(), Some(ARGV));
    // What we do read is still validated.
    env.cmd(&["get"])
        .stdin(b"protocol=https\nhost=huggingface.co\rx\n\n")
        .run()
        .code(1)
        .stderr_has("carriage return");
}

// 12. A token typed on the command line is never echoed back.
#[test]
fn tokens_typed_as_arguments_are_masked_in_errors() {
    let w = World::new();
    let cases: &[&[&str]] = &[
        &["login", ARGV],
        &["login", "--name", "x", ARGV],
        &["logout", ARGV],
        &["switch", ARGV],
        &["--timeout", ARGV, "status"],
        &["status", &format!("--repo={ARGV}")],
        &["check", &format!("https://git:{ARGV}@huggingface.co/a/b/c")],
        &["check", &format!("https://git:{ARGV}@evil.example/a/b")],
        &["check", ARGV],
        &["setup", ARGV],
        &["completions", ARGV],
        &["token", ARGV],
    ];
    for args in cases {
        let out = w.env.cmd(args).run();
        // The test utility fails the run if the token appears; not even most of it may.
        assert_ne!(out.code, 0, "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
        out.stderr_lacks(&ARGV[3..20]);
    }
}

// 14. `.netrc`'s `default` entry is sent by curl to any host: shown, and git sends it.
#[test]
fn netrc_default_entry_is_shown_and_sent_first() {
    let w = World::new();
    w.setup();
    w.env.write(
        ".netrc",
        &format!(
            "machine github.com login x password y\ndefault login git password {NETRC_DEFAULT}\n"
        ),
    );
    let json = w.status_json(None);
    let human = w.status(&["status"], None);
    human.code(1).stdout_has("default");
    assert_eq!(json["git"]["source"], "netrc", "{json:#}");
    assert!(codes(&json).contains(&"netrc-entry".to_string()));
    let problem = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "netrc-entry")
        .unwrap();
    let text = problem.to_string();
    assert!(text.contains("default"), "{text}");
    assert!(text.contains("before any credential helper"), "{text}");
}

// 15. Messages name what really happened.
#[test]
fn a_shell_helper_gets_a_fix_that_exists_and_a_huge_token_is_named() {
    let w = World::new();
    let url = w.hub.url();
    w.env
        .git(&[
            "config",
            "--global",
            &format!("credential.{url}.helper"),
            &format!("!f() {{ echo username=git; echo password={SHELL}; }}; f"),
        ])
        .run()
        .ok();
    let json = w.status_json(None);
    let text = json["problems"].to_string();
    assert!(text.contains("shadowed-by-helper") || text.contains("helper-not-configured"));
    assert!(!text.contains("git credential-shell"), "{text}");
    assert!(text.contains(".gitconfig"), "{text}");

    let env = TestEnv::new();
    let huge = format!("hf_{}", "x".repeat(70 * 1024));
    env.secret(&huge);
    let out = env
        .cmd(&["get"])
        .env("HF_TOKEN", &huge)
        .env("HF_HUB_OFFLINE", "1")
        .stdin("protocol=https\nhost=huggingface.co\n\n")
        .run();
    assert_eq!(out.stdout, "");
    out.stderr_lacks("piped into")
        .stderr_has("HF_TOKEN")
        .stderr_has("64 KiB");
}

// 16. Staging answers and checks against hub-ci.huggingface.co only.
#[test]
fn staging_answers_only_the_staging_hub() {
    let env = TestEnv::new();
    env.secret(ARGV);
    env.set_env("HUGGINGFACE_CO_STAGING", "1");
    env.set_env("HF_TOKEN", ARGV);
    env.set_env("HF_HUB_OFFLINE", "1");
    for (host, answered) in [
        ("hub-ci.huggingface.co", true),
        ("huggingface.co", false),
        ("hf.co", false),
    ] {
        let out = env
            .cmd(&["get"])
            .allow_password_line()
            .stdin(format!("protocol=https\nhost={host}\n\n"))
            .run()
            .ok();
        assert_eq!(out.field("password").is_some(), answered, "{host}");
    }
}

/// The whole fixture at once: tokens planted in every kind of place, every reading command
/// and every usage error run against it. The test utility fails any output holding a full
/// token; the mirror must receive only its own.
#[test]
fn nothing_leaks_anywhere() {
    let w = World::new();
    w.setup();
    let url = w.hub.url();
    w.env
        .git(&[
            "config",
            "--global",
            "--add",
            &format!("credential.{url}.helper"),
            &format!("!f() {{ echo username=git; echo password={SHELL}; }}; f"),
        ])
        .run()
        .ok();
    let other_port = w.hub.port().wrapping_add(1).max(1024);
    w.env.write(
        ".git-credentials",
        &format!(
            "http://{USERNAME}:x@127.0.0.1:{}\nhttp://hf_user:{STORE_PORT}@127.0.0.1:{other_port}\nhttps://hf_user:{STORE_HUB}@huggingface.co\n",
            w.hub.port()
        ),
    );
    w.env.write(
        ".netrc",
        &format!(
            "machine huggingface.co login git password {NETRC_HUB}\ndefault login git password {NETRC_DEFAULT}\n"
        ),
    );
    w.env.write(
        ".cache/huggingface/stored_tokens",
        &format!("[laptop]\nhf_token = {ACTIVE}\n\n[old]\nhf_token = {STORED_OTHER}\n\n"),
    );
    let repo = w.repo(&[(
        "origin",
        &format!("https://x-access-token:{GITHUB}@github.com/o/r"),
    )]);
    let runs: &[&[&str]] = &[
        &["status"],
        &["status", "--json"],
        &["status", "--offline"],
        &["status", "--repo", "org/model"],
        &["check", "org/model"],
        &["check", "--json", "--write", "org/model"],
        &["check", "."],
        &["list"],
        &["login", "--token-stdin"],
        &["login", ARGV],
        &["switch", ARGV],
        &["logout", ARGV],
        &["status", ARGV],
        &["check", &format!("https://u:{ARGV}@hf.co/a/b/c")],
        &["--timeout", ARGV, "get"],
        &["--auth-type", ARGV, "get"],
    ];
    for args in runs {
        w.env.cmd(args).dir(&repo).stdin(format!("{LOGIN}\n")).run();
    }
    // The mirror saw what is meant for it: the token huggingface_hub uses, the one the user
    // logged in with there, the `.netrc` default entry (curl sends it to every host without a
    // machine entry), the answer of the shell helper configured for the mirror's URL, and the
    // password of the `.git-credentials` line for the mirror's origin.
    let mut expected = [ACTIVE, NETRC_DEFAULT, LOGIN, SHELL, "x"];
    expected.sort();
    assert_eq!(w.tokens_at_mirror(), expected);
    // Where a Secret Service runs, an entry for the Hub is read and held to the same rules.
    if ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"]
        .iter()
        .all(|p| on_path(p))
    {
        let script = keyring_session(
            &w.env,
            &format!(
                "timeout 20 '{BIN}' status || true\n\
                 timeout 20 '{BIN}' status --json || true\n"
            ),
        );
        let out = w
            .env
            .program("dbus-run-session", &["--", "sh", script.to_str().unwrap()])
            .env("KEYCHAIN_SECRET", KEYCHAIN)
            .dir(&repo)
            .run()
            .ok();
        out.stdout_has("hf_****IIII");
        assert_eq!(w.tokens_at_mirror(), expected);
    } else {
        support::skip(
            "the keychain part: dbus-run-session, gnome-keyring-daemon and secret-tool are needed",
        );
    }
}
