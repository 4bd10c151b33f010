//! The Hub: its state, shared with the server threads, and what a test sets up through it
//! (tokens, repos seeded with real git, LFS objects, modes).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use tempfile::TempDir;

use crate::git::{clean_git_env, run_git};
use crate::http::accept_loop;
use crate::lfs::{lfs_pattern_matches, lfs_pointer};
use crate::oauth;
use crate::sha256_hex;
use crate::types::{LoggedRequest, TokenInfo, WhoamiMode};

#[derive(Clone, Debug, Default)]
pub(crate) struct RepoState {
    pub(crate) public: bool,
    pub(crate) gated: bool,
    /// Visible only to its namespace (the user or an org member), as a private Hub repo.
    pub(crate) members_only: bool,
}

pub(crate) struct State {
    pub(crate) tokens: HashMap<String, TokenInfo>,
    pub(crate) whoami_mode: WhoamiMode,
    pub(crate) whoami_calls: usize,
    pub(crate) log: Vec<LoggedRequest>,
    pub(crate) repos: HashMap<String, RepoState>,
    pub(crate) lfs: HashMap<String, Vec<u8>>,
    pub(crate) oauth_requires_bearer: bool,
    pub(crate) auth_check_trickle: bool,
    pub(crate) oauth: oauth::OAuthState,
}

pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) cond: Condvar,
    pub(crate) shutdown: AtomicBool,
    pub(crate) conns: Mutex<HashMap<u64, TcpStream>>,
    pub(crate) next_conn: AtomicU64,
    /// GIT_PROJECT_ROOT: repos live at `<repos>/<repo_id>.git`.
    pub(crate) repos: PathBuf,
    /// HOME for the git processes the Hub runs.
    pub(crate) home: PathBuf,
    pub(crate) base_url: String,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }
}

/// The Hub imitation. Server threads stop when it is dropped.
pub struct Hub {
    pub(crate) shared: Arc<Shared>,
    addr: SocketAddr,
    accept_thread: Option<JoinHandle<()>>,
    dir: TempDir,
}

impl Hub {
    /// Start a Hub on 127.0.0.1 with a random port.
    pub fn start() -> Hub {
        let dir = tempfile::Builder::new()
            .prefix("hub-imitation")
            .tempdir()
            .expect("create hub temp dir");
        let repos = dir.path().join("repos");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&repos).expect("create repos dir");
        std::fs::create_dir_all(&home).expect("create home dir");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                tokens: HashMap::new(),
                whoami_mode: WhoamiMode::Normal,
                whoami_calls: 0,
                log: Vec::new(),
                repos: HashMap::new(),
                lfs: HashMap::new(),
                oauth_requires_bearer: false,
                auth_check_trickle: false,
                oauth: oauth::OAuthState::default(),
            }),
            cond: Condvar::new(),
            shutdown: AtomicBool::new(false),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
            repos,
            home,
            base_url: format!("http://127.0.0.1:{}", addr.port()),
        });
        let s = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name("hub-accept".into())
            .spawn(move || accept_loop(s, listener))
            .expect("spawn accept thread");
        Hub {
            shared,
            addr,
            accept_thread: Some(accept_thread),
            dir,
        }
    }

    /// The credential request git sends for this Hub's origin.
    pub fn credential_request(&self) -> String {
        format!("protocol=http\nhost=127.0.0.1:{}\n\n", self.port())
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The Hub's temp directory (repos are under `<root>/repos`).
    pub fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn add_token(&self, token: &str, info: TokenInfo) {
        self.shared.lock().tokens.insert(token.to_string(), info);
    }

    /// The token is invalid (401) from now on.
    pub fn remove_token(&self, token: &str) {
        self.shared.lock().tokens.remove(token);
    }

    pub fn set_whoami_mode(&self, mode: WhoamiMode) {
        self.shared.lock().whoami_mode = mode;
        self.shared.cond.notify_all();
    }

    /// Number of `/api/whoami-v2` requests received (counted on arrival).
    pub fn whoami_calls(&self) -> usize {
        self.shared.lock().whoami_calls
    }

    /// Requests answered so far (logged when the answer is sent).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.clone()
    }

    pub fn clear_log(&self) {
        let mut st = self.shared.lock();
        st.log.clear();
        st.whoami_calls = 0;
    }

    /// When on, tokens with auth_type "oauth" are refused (401) as Basic passwords and accepted
    /// only as `Authorization: Bearer`.
    pub fn set_oauth_requires_bearer(&self, on: bool) {
        self.shared.lock().oauth_requires_bearer = on;
    }

    /// When on, auth-check answers are trickled (see `WhoamiMode::Trickle`).
    pub fn set_auth_check_trickle(&self, on: bool) {
        self.shared.lock().auth_check_trickle = on;
    }

    /// Where the bare repo for `repo_id` lives (whether or not it exists).
    pub fn repo_path(&self, repo_id: &str) -> PathBuf {
        self.shared
            .repos
            .join(format!("{}.git", normalize_repo_id(repo_id)))
    }

    /// Create an empty bare repo (HEAD -> main, http.receivepack=true); private by default.
    /// Idempotent.
    pub fn create_repo(&self, repo_id: &str) -> PathBuf {
        let id = normalize_repo_id(repo_id);
        let path = self.repo_path(&id);
        if !path.join("HEAD").exists() {
            std::fs::create_dir_all(&path).expect("create repo dir");
            run_git(
                self.git_cmd(None)
                    .args(["init", "-q", "--bare", "-b", "main"])
                    .arg(&path),
            );
            run_git(
                self.git_cmd(Some(&path))
                    .args(["config", "http.receivepack", "true"]),
            );
        }
        self.shared.lock().repos.entry(id).or_default();
        path
    }

    /// Create (if needed) the repo and force-push one commit on `main` with `files`. Files
    /// matching one of `lfs_patterns` (gitattributes-style globs) are committed as LFS pointers
    /// (with a `.gitattributes`) and their content goes into the Hub's LFS store.
    pub fn seed_repo(&self, repo_id: &str, files: &[(&str, &[u8])], lfs_patterns: &[&str]) {
        let bare = self.create_repo(repo_id);
        let work = tempfile::Builder::new()
            .prefix("hub-seed")
            .tempdir()
            .expect("seed temp dir");
        let wt = work.path();
        run_git(
            self.git_cmd(None)
                .args(["init", "-q", "-b", "main"])
                .arg(wt),
        );
        let mut lfs_objects = Vec::new();
        if !lfs_patterns.is_empty() {
            let mut attrs = String::new();
            for p in lfs_patterns {
                let _ = writeln!(attrs, "{p} filter=lfs diff=lfs merge=lfs -text");
            }
            std::fs::write(wt.join(".gitattributes"), attrs).expect("write .gitattributes");
        }
        for (name, content) in files {
            let dest = wt.join(name);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).expect("create parent dir");
            }
            if lfs_patterns.iter().any(|p| lfs_pattern_matches(p, name)) {
                let oid = sha256_hex(content);
                std::fs::write(&dest, lfs_pointer(&oid, content.len())).expect("write pointer");
                lfs_objects.push((oid, content.to_vec()));
            } else {
                std::fs::write(&dest, content).expect("write file");
            }
        }
        run_git(self.git_cmd(Some(wt)).args(["add", "-A"]));
        run_git(self.git_cmd(Some(wt)).args([
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "Initial commit",
        ]));
        let url = format!("file://{}", bare.display());
        run_git(
            self.git_cmd(Some(wt))
                .args(["push", "-q", "--force"])
                .arg(&url)
                .arg("main:main"),
        );
        let mut st = self.shared.lock();
        for (oid, data) in lfs_objects {
            st.lfs.insert(oid, data);
        }
    }

    /// Public repos allow anonymous read (default: private).
    pub fn set_public(&self, repo_id: &str, public: bool) {
        self.shared
            .lock()
            .repos
            .entry(normalize_repo_id(repo_id))
            .or_default()
            .public = public;
    }

    /// Gated: anonymous -> 401, valid token not granted -> 403, granted -> ok (for reads).
    /// Members only: tokens of other users get 404 `RepoNotFound`, as for a private repo.
    pub fn set_members_only(&self, repo_id: &str, on: bool) {
        self.shared
            .lock()
            .repos
            .entry(normalize_repo_id(repo_id))
            .or_default()
            .members_only = on;
    }

    pub fn set_gated(&self, repo_id: &str, gated: bool) {
        self.shared
            .lock()
            .repos
            .entry(normalize_repo_id(repo_id))
            .or_default()
            .gated = gated;
    }

    pub fn lfs_object(&self, oid: &str) -> Option<Vec<u8>> {
        self.shared.lock().lfs.get(oid).cloned()
    }

    /// Put an object into the LFS store directly; returns its oid.
    pub fn add_lfs_object(&self, data: &[u8]) -> String {
        let oid = sha256_hex(data);
        self.shared.lock().lfs.insert(oid.clone(), data.to_vec());
        oid
    }

    /// The commit `main` points to in the Hub's repo, if any.
    pub fn head_commit(&self, repo_id: &str) -> Option<String> {
        let out = self
            .git_cmd(Some(&self.repo_path(repo_id)))
            .args(["rev-parse", "--verify", "-q", "refs/heads/main"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The content of `path` at `main` in the Hub's repo (LFS files give their pointer text).
    pub fn repo_file(&self, repo_id: &str, path: &str) -> Option<Vec<u8>> {
        let out = self
            .git_cmd(Some(&self.repo_path(repo_id)))
            .arg("show")
            .arg(format!("refs/heads/main:{path}"))
            .output()
            .ok()?;
        out.status.success().then_some(out.stdout)
    }

    /// A `git` command with a clean environment (no inherited GIT_*/HF_* vars, no system or
    /// global config, HOME inside the Hub's temp dir, fixed author/committer).
    fn git_cmd(&self, dir: Option<&Path>) -> Command {
        let mut cmd = Command::new("git");
        clean_git_env(&mut cmd, &self.shared.home);
        cmd.env("GIT_AUTHOR_NAME", "Hub Seeder")
            .env("GIT_AUTHOR_EMAIL", "seeder@hub.invalid")
            .env("GIT_COMMITTER_NAME", "Hub Seeder")
            .env("GIT_COMMITTER_EMAIL", "seeder@hub.invalid")
            .stdin(Stdio::null());
        if let Some(d) = dir {
            cmd.current_dir(d);
        }
        cmd
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        {
            // Take the lock so waiters re-check the flag after the notification.
            let _st = self.shared.lock();
            self.shared.cond.notify_all();
        }
        for (_, c) in self
            .shared
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
        {
            let _ = c.shutdown(Shutdown::Both);
        }
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
    }
}

/// `"models/org/x"` -> `"org/x"`; strips slashes and a trailing `.git`.
pub(crate) fn normalize_repo_id(id: &str) -> String {
    let id = id.trim_matches('/');
    let id = id.strip_suffix(".git").unwrap_or(id);
    let id = id.strip_prefix("models/").unwrap_or(id);
    id.to_string()
}
