//! Test utility: every integration test runs the built binary (and real git) through
//! `TestEnv`, which gives each test its own temporary HOME with the HF_* and GIT_*
//! variables cleared, and scans every output stream for leaked tokens.
#![allow(dead_code)]

pub mod oauth;
pub mod python;

use hub_imitation::{Hub, TokenInfo};
use std::cell::RefCell;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_git-credential-hf");

/// Puts the binary at `to` as a hard link where it can (no file of it is ever open for
/// writing), else as a copy; `execute` waits out the busy file a copy can leave (below).
pub fn copy_binary(to: &Path) {
    if std::fs::hard_link(BIN, to).is_err() {
        std::fs::copy(BIN, to).unwrap();
    }
}

/// The tokens of the huggingface_hub 2.4 fixtures: `laptop` (write) and `ci-read` (read).
pub const LAPTOP: &str = "hf_ExampleLaptopTokenXXXXXXXXXXXXXXXXXXXX";
pub const CI_READ: &str = "hf_ExampleCiReadTokenYYYYYYYYYYYYYYYYYYYY";

/// A HOME whose HF_ENDPOINT is a Hub imitation knowing alice's `laptop` and `ci-read` tokens.
pub fn laptop_and_ci_read() -> (TestEnv, Hub) {
    let env = TestEnv::new();
    let hub = Hub::start();
    for t in [LAPTOP, CI_READ] {
        env.secret(t);
    }
    env.set_env("HF_ENDPOINT", &hub.url());
    hub.add_token(LAPTOP, TokenInfo::write("alice", "laptop"));
    hub.add_token(CI_READ, TokenInfo::read("alice", "ci-read"));
    (env, hub)
}

/// A Hub imitation that knows `token` (alice's write token "laptop"), and a TestEnv pointed
/// at it (`HF_ENDPOINT`) with `HF_TOKEN=token`.
pub fn env_with_hub_token(token: &str) -> (TestEnv, Hub) {
    let hub = Hub::start();
    hub.add_token(token, TokenInfo::write("alice", "laptop"));
    let env = TestEnv::new();
    env.secret(token);
    env.set_env("HF_TOKEN", token);
    env.set_env("HF_ENDPOINT", &hub.url());
    (env, hub)
}

pub struct TestEnv {
    dir: tempfile::TempDir,
    home: PathBuf,
    secrets: RefCell<Vec<String>>,
    extra_env: RefCell<Vec<(String, String)>>,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::Builder::new()
            .prefix("gchf-test")
            .tempdir()
            .expect("temp dir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        TestEnv {
            dir,
            home,
            secrets: RefCell::new(Vec::new()),
            extra_env: RefCell::new(Vec::new()),
        }
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// A scratch folder outside HOME (for repos, bare remotes, ...).
    pub fn scratch(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    /// `~/<rel>` inside the temporary HOME.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.home.join(rel)
    }

    /// Writes `content` to `~/<rel>`, creating folders.
    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    /// Writes the huggingface_hub token file at its default place.
    pub fn write_token_file(&self, token: &str) -> PathBuf {
        self.secret(token);
        self.write(".cache/huggingface/token", token)
    }

    /// Registers a token that must never appear in any output, except where a command
    /// was told it may print it.
    pub fn secret(&self, token: &str) {
        self.secrets.borrow_mut().push(token.to_string());
    }

    /// An environment variable every command of this test gets.
    pub fn set_env(&self, key: &str, value: &str) {
        self.extra_env
            .borrow_mut()
            .push((key.to_string(), value.to_string()));
    }

    fn command(&self, program: &OsStr) -> TestCmd {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("LANG", "C.UTF-8")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("NO_COLOR", "1")
            .current_dir(&self.home);
        for (k, v) in self.extra_env.borrow().iter() {
            cmd.env(k, v);
        }
        TestCmd {
            cmd,
            stdin: Vec::new(),
            secrets: self.secrets.borrow().clone(),
            allowed: Allowed::Nothing,
            label: program.to_string_lossy().into_owned(),
        }
    }

    /// The built `git-credential-hf` with `args`.
    pub fn cmd(&self, args: &[&str]) -> TestCmd {
        let mut c = self.command(OsStr::new(BIN));
        c.label = format!("git-credential-hf {}", args.join(" "));
        c.cmd.args(args);
        c
    }

    /// The helper with `args`, bound by file permissions even as root: root's
    /// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH are dropped from the bounding set, so the
    /// helper meets the same EACCES a normal user would. `None` when that cannot be arranged.
    pub fn cmd_without_dac_override(&self, args: &[&str]) -> Option<TestCmd> {
        if !is_root() {
            return Some(self.cmd(args));
        }
        let probe = self.program(
            "setpriv",
            &["--bounding-set=-dac_override,-dac_read_search", "true"],
        );
        if probe.run().code != 0 {
            return None;
        }
        let mut argv = vec!["--bounding-set=-dac_override,-dac_read_search", BIN];
        argv.extend_from_slice(args);
        Some(self.program("setpriv", &argv))
    }

    /// Real `git` with `args`.
    pub fn git(&self, args: &[&str]) -> TestCmd {
        self.program("git", args)
    }

    /// Any other program on PATH (sh, man, bash, ...) with `args`, in the same clean environment.
    pub fn program(&self, program: &str, args: &[&str]) -> TestCmd {
        let mut c = self.command(OsStr::new(program));
        c.label = format!("{program} {}", args.join(" "));
        c.cmd.args(args);
        c
    }

    /// `git credential fill` through exactly one helper: the built binary.
    pub fn git_fill(&self, extra: &[&str]) -> TestCmd {
        let mut args = extra.to_vec();
        args.extend_from_slice(&["credential", "fill"]);
        self.git_with_helper("", &args)
    }

    /// `git credential <op>` through exactly one helper: the built binary with `helper_args`.
    pub fn git_credential(&self, op: &str, helper_args: &str) -> TestCmd {
        self.git_with_helper(helper_args, &["credential", op])
    }

    /// git with every configured helper turned off and the built binary (with `helper_args`)
    /// as the only one.
    pub fn git_with_helper(&self, helper_args: &str, args: &[&str]) -> TestCmd {
        let helper = format!("credential.helper={BIN} {helper_args}");
        let mut all = vec!["-c", "credential.helper=", "-c", helper.trim_end()];
        all.extend_from_slice(args);
        let mut c = self.git(&all);
        c.allowed = Allowed::PasswordLine;
        c
    }

    /// What man(1), else groff, warns about when rendering the man page `page` with every
    /// warning on; None (and a skip) when neither is installed.
    pub fn man_warnings(&self, page: &Path) -> Option<String> {
        let page = page.to_str().expect("a UTF-8 path");
        let cmd = if on_path("man") {
            self.program(
                "man",
                &["--warnings=w", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page],
            )
            .env("MANWIDTH", "80")
        } else if on_path("groff") {
            self.program("groff", &["-man", "-Tutf8", "-ww", "-z", page])
        } else {
            skip(
                "neither man nor groff is installed (apt-get install man-db): rendering not checked",
            );
            return None;
        };
        Some(cmd.run().ok().stderr)
    }

    /// The folder holding the built binary, for PATH lookups of `git-credential-hf`.
    pub fn bin_dir() -> PathBuf {
        Path::new(BIN).parent().unwrap().to_path_buf()
    }

    /// PATH with the built binary's folder first, so `credential.helper=hf` finds it.
    pub fn path_with_bin() -> String {
        let path = std::env::var("PATH").unwrap_or_default();
        format!("{}:{path}", Self::bin_dir().display())
    }
}

/// A script for `dbus-run-session -- sh SCRIPT`, with `KEYCHAIN_SECRET` in its environment:
/// gnome-keyring in a private runtime folder, `KEYCHAIN_SECRET` stored by `secret-tool` as the
/// Hub's `git:https://huggingface.co` entry (user hf_user), then `commands`. It waits for the
/// daemon that `--unlock` starts to own the Secret Service name: a `secret-tool` that comes
/// first has D-Bus start a second daemon, which can read the first one's half-written keyring
/// (as when another test keeps the machine busy).
pub fn keyring_session(env: &TestEnv, commands: &str) -> PathBuf {
    let runtime = env.scratch("runtime");
    env.write(
        "keyring-session.sh",
        &format!(
            "set -e\n\
             export XDG_RUNTIME_DIR='{runtime}'\n\
             chmod 700 \"$XDG_RUNTIME_DIR\"\n\
             printf 'pw' | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n\
             i=0\n\
             until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
               org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |\
               grep -q 'boolean true'; do\n\
               i=$((i + 1)); [ $i -lt 200 ] || break; sleep 0.05\n\
             done\n\
             printf '%s' \"$KEYCHAIN_SECRET\" | timeout 10 secret-tool store --label=hf service 'git:https://huggingface.co' username hf_user\n\
             unset KEYCHAIN_SECRET\n\
             {commands}",
            runtime = runtime.display()
        ),
    )
}

/// Set by `.ci/run`, which installs every tool the tests use: there a skip is a failure.
pub const NO_SKIPS: &str = "GIT_CREDENTIAL_HF_TEST_NO_SKIPS";

/// A test (or part of one) that cannot run on this machine says so where it shows: libtest
/// captures `print!`, not the stderr handle, so the line is seen without `--nocapture`.
#[track_caller]
pub fn skip(reason: &str) {
    let test = std::thread::current().name().unwrap_or("?").to_string();
    if std::env::var_os(NO_SKIPS).is_some() {
        panic!("{test} would be skipped ({reason}), but {NO_SKIPS} is set: install what it needs");
    }
    say(&format!("SKIPPED {test}: {reason}"));
}

/// A line on the test process's real stderr (what a test is waiting for, a skip).
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Whether `program` is installed (on the test's PATH).
pub fn on_path(program: &str) -> bool {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|dir| dir.join(program).is_file())
}

#[derive(Clone, Copy, PartialEq)]
enum Allowed {
    Nothing,
    PasswordLine,
    WholeStdout,
}

pub struct TestCmd {
    cmd: Command,
    stdin: Vec<u8>,
    secrets: Vec<String>,
    allowed: Allowed,
    label: String,
}

impl TestCmd {
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.cmd.env_remove(key);
        self
    }

    pub fn dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Self {
        self.stdin = input.as_ref().to_vec();
        self
    }

    /// The command may print a token on a `password=` / `credential=` line of stdout.
    pub fn allow_password_line(mut self) -> Self {
        self.allowed = Allowed::PasswordLine;
        self
    }

    /// The command (`token`) may print a token anywhere on stdout.
    pub fn allow_token_stdout(mut self) -> Self {
        self.allowed = Allowed::WholeStdout;
        self
    }

    pub fn run(self) -> Out {
        self.execute(None).0
    }

    /// Like `run`, and how long the command took; a command still running after `limit` is
    /// killed and the test fails, so a hang fails the test instead of stalling it.
    pub fn run_within(self, limit: Duration) -> (Out, Duration) {
        self.execute(Some(limit))
    }

    /// A program copied by this test process can be busy for a moment ("Text file busy"):
    /// another test's child, forked while the copy was open for writing, holds it until that
    /// child execs. Try again for a while.
    fn spawn(&mut self) -> std::process::Child {
        let mut tries = 0;
        loop {
            match self.cmd.spawn() {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 100 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                spawned => return spawned.unwrap_or_else(|e| panic!("{}: {e}", self.label)),
            }
        }
    }

    fn execute(mut self, limit: Option<Duration>) -> (Out, Duration) {
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = self.spawn();
        let mut stdin = child.stdin.take().unwrap();
        let input = std::mem::take(&mut self.stdin);
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out_reader = drain(child.stdout.take().unwrap());
        let err_reader = drain(child.stderr.take().unwrap());
        let status = loop {
            let Some(limit) = limit else {
                break child.wait().unwrap();
            };
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{}: still running after {:?}: killed",
                    self.label,
                    start.elapsed()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let took = start.elapsed();
        writer.join().unwrap();
        let out = Out {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned(),
            stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
            label: self.label,
        };
        out.scan_for_leaks(&self.secrets, self.allowed);
        (out, took)
    }
}

/// Reads a child's pipe to the end on a thread of its own, so neither pipe can fill up.
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    label: String,
}

impl Out {
    fn scan_for_leaks(&self, secrets: &[String], allowed: Allowed) {
        for secret in secrets.iter().filter(|s| s.len() >= 8) {
            assert!(
                !self.stderr.contains(secret.as_str()),
                "{}: a token leaked to stderr:\n{}",
                self.label,
                self.stderr
            );
            let stdout_ok = match allowed {
                Allowed::WholeStdout => true,
                Allowed::PasswordLine => self.stdout.lines().all(|l| {
                    !l.contains(secret.as_str())
                        || l.strip_prefix("password=")
                            .or(l.strip_prefix("credential="))
                            == Some(secret.as_str())
                }),
                Allowed::Nothing => !self.stdout.contains(secret.as_str()),
            };
            assert!(stdout_ok, "{}: a token leaked to stdout", self.label);
        }
    }

    #[track_caller]
    pub fn code(self, expected: i32) -> Self {
        assert_eq!(
            self.code, expected,
            "{}: exit code\nstdout:\n{}\nstderr:\n{}",
            self.label, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(self) -> Self {
        self.code(0)
    }

    #[track_caller]
    pub fn stdout_is(self, expected: &str) -> Self {
        assert_eq!(
            self.stdout, expected,
            "{}: stdout\nstderr:\n{}",
            self.label, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_is(self, expected: &str) -> Self {
        assert_eq!(self.stderr, expected, "{}: stderr", self.label);
        self
    }

    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(
            self.stdout.contains(needle),
            "{}: stdout lacks {needle:?}:\n{}\nstderr:\n{}",
            self.label,
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "{}: stderr lacks {needle:?}:\n{}",
            self.label,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_lacks(self, needle: &str) -> Self {
        assert!(
            !self.stderr.contains(needle),
            "{}: stderr has {needle:?}:\n{}",
            self.label,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_lacks(self, needle: &str) -> Self {
        assert!(
            !self.stdout.contains(needle),
            "{}: stdout has {needle:?}:\n{}",
            self.label,
            self.stdout
        );
        self
    }

    /// The value of `key=` in a credential answer.
    pub fn field(&self, key: &str) -> Option<String> {
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_string)
    }
}
