#![allow(dead_code)]
//! A Hugging Face Hub imitation for integration tests.
//!
//! An HTTP/1.1 server on `127.0.0.1` (random port) that serves:
//! - `GET /api/whoami-v2` (Bearer token looked up in a token table, with failure modes),
//! - `GET /api/{models|datasets|spaces}/<repo_id>/auth-check[/write]`,
//! - git smart HTTP through the real `git http-backend` (CGI),
//! - the Git LFS batch API plus unauthenticated "presigned" object URLs `/lfs-objects/<oid>`,
//! - OAuth: `POST /oauth/token` and a GitHub-Actions-style id-token minting endpoint (hub/oauth.rs).
//!
//! Self-contained: std + tempfile only. One thread per connection; keep-alive,
//! `Expect: 100-continue` and chunked request bodies are supported.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tempfile::TempDir;

#[path = "hub/oauth.rs"]
mod oauth;
#[allow(unused_imports)] // Used by the OAuth tests only.
pub use oauth::{MintCall, OAuthCall, OAuthMode};

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/// What the Hub knows about one token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenInfo {
    pub user: String,
    /// The token's display name (`auth.accessToken.displayName`).
    pub display_name: String,
    /// `"read"`, `"write"` or `"fineGrained"`.
    pub role: String,
    /// `"access_token"` or `"oauth"`.
    pub auth_type: String,
    /// Raw JSON of the `fineGrained` object, inserted verbatim into whoami answers.
    pub fine_grained: Option<String>,
    pub orgs: Vec<String>,
    /// Repo ids (e.g. `"org/model"`, `"datasets/org/data"`) this token may read although gated.
    pub granted_gated: Vec<String>,
}

impl TokenInfo {
    fn access_token(user: &str, name: &str, role: &str) -> Self {
        TokenInfo {
            user: user.to_string(),
            display_name: name.to_string(),
            role: role.to_string(),
            auth_type: "access_token".to_string(),
            fine_grained: None,
            orgs: Vec::new(),
            granted_gated: Vec::new(),
        }
    }

    /// A classic write token.
    pub fn write(user: &str, name: &str) -> Self {
        Self::access_token(user, name, "write")
    }

    /// A classic read token.
    pub fn read(user: &str, name: &str) -> Self {
        Self::access_token(user, name, "read")
    }

    /// A fine-grained token; `fine_grained_json` is the raw `fineGrained` object. Pushing is
    /// allowed when it mentions `repo.write`.
    pub fn fine_grained(user: &str, name: &str, fine_grained_json: &str) -> Self {
        let mut t = Self::access_token(user, name, "fineGrained");
        t.fine_grained = Some(fine_grained_json.to_string());
        t
    }

    /// An OAuth token (as `hf auth login` produces); may push.
    pub fn oauth(user: &str) -> Self {
        TokenInfo {
            user: user.to_string(),
            display_name: String::new(),
            role: "write".to_string(),
            auth_type: "oauth".to_string(),
            fine_grained: None,
            orgs: Vec::new(),
            granted_gated: Vec::new(),
        }
    }

    pub fn with_orgs(mut self, orgs: &[&str]) -> Self {
        self.orgs = orgs.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn with_granted_gated(mut self, repo_ids: &[&str]) -> Self {
        self.granted_gated = repo_ids.iter().map(|s| normalize_repo_id(s)).collect();
        self
    }

    pub fn with_role(mut self, role: &str) -> Self {
        self.role = role.to_string();
        self
    }

    pub fn with_display_name(mut self, name: &str) -> Self {
        self.display_name = name.to_string();
        self
    }

    /// May this token push?
    pub fn can_write(&self) -> bool {
        match self.role.as_str() {
            "write" | "admin" => true,
            "fineGrained" => self
                .fine_grained
                .as_deref()
                .is_some_and(|j| j.contains("\"repo.write\"")),
            _ => false,
        }
    }
}

/// How `GET /api/whoami-v2` behaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum WhoamiMode {
    /// Answer from the token table.
    #[default]
    Normal,
    /// Answer every request with this status (401 gets the Hub's invalid-credentials answer).
    Status(u16),
    /// 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// Answer normally after this delay.
    Slow(Duration),
    /// Never answer until the mode changes (then answer per the new mode) or the Hub is dropped
    /// (then close the connection).
    Hang,
    /// Read the request, then close the socket without answering.
    Reset,
    /// 200 with a non-JSON body.
    Garbage,
    /// 200 with a valid ~20 MiB JSON body.
    Huge,
    /// 302 with `Location: <url>`.
    RedirectTo(String),
    /// The normal answer's head at once, then its body one byte every `TRICKLE_EVERY`.
    Trickle,
}

/// How slowly a trickled body comes: each read succeeds well inside any time-out.
pub const TRICKLE_EVERY: Duration = Duration::from_millis(400);

/// The parsed `Authorization` header of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    None,
    Basic {
        user: String,
        password: String,
    },
    Bearer(String),
    /// Anything else (the whole header value, or an undecodable Basic value).
    Other(String),
}

impl Auth {
    /// The token carried (Basic password or Bearer token), if any.
    pub fn token(&self) -> Option<&str> {
        match self {
            Auth::Basic { password, .. } => Some(password),
            Auth::Bearer(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Auth::None)
    }
}

/// One request the Hub received.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Query string without `?` (empty when none).
    pub query: String,
    pub auth: Auth,
    /// Final status; 0 when the connection was closed without an answer.
    pub status: u16,
    /// All request headers (names as sent).
    pub headers: Vec<(String, String)>,
}

impl LoggedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

// ---------------------------------------------------------------------------
// Hub
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, Default)]
struct RepoState {
    public: bool,
    gated: bool,
    /// Visible only to its namespace (the user or an org member), as a private Hub repo.
    members_only: bool,
}

struct State {
    tokens: HashMap<String, TokenInfo>,
    whoami_mode: WhoamiMode,
    whoami_calls: usize,
    log: Vec<LoggedRequest>,
    repos: HashMap<String, RepoState>,
    lfs: HashMap<String, Vec<u8>>,
    oauth_requires_bearer: bool,
    auth_check_trickle: bool,
    oauth: oauth::OAuthState,
}

struct Shared {
    state: Mutex<State>,
    cond: Condvar,
    shutdown: AtomicBool,
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    /// GIT_PROJECT_ROOT: repos live at `<repos>/<repo_id>.git`.
    repos: PathBuf,
    /// HOME for the git processes the Hub runs.
    home: PathBuf,
    base_url: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }
}

/// The Hub imitation. Server threads stop when it is dropped.
pub struct Hub {
    shared: Arc<Shared>,
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

fn clean_git_env(cmd: &mut Command, home: &Path) {
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("GIT_") || k.starts_with("HF_") || k == "XDG_CONFIG_HOME" {
            cmd.env_remove(&k);
        }
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("LC_ALL", "C");
}

fn run_git(cmd: &mut Command) {
    let out = cmd.output().expect("run git (is git on PATH?)");
    assert!(
        out.status.success(),
        "{:?} failed: {}\n{}",
        cmd,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn lfs_pointer(oid: &str, size: usize) -> String {
    format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n")
}

/// `"models/org/x"` -> `"org/x"`; strips slashes and a trailing `.git`.
fn normalize_repo_id(id: &str) -> String {
    let id = id.trim_matches('/');
    let id = id.strip_suffix(".git").unwrap_or(id);
    let id = id.strip_prefix("models/").unwrap_or(id);
    id.to_string()
}

/// gitattributes-style: a pattern without `/` matches the basename; with `/` the whole path
/// (`*` does not cross `/`, `**` does).
fn lfs_pattern_matches(pattern: &str, path: &str) -> bool {
    if pattern.contains('/') {
        glob(
            pattern.trim_start_matches('/').as_bytes(),
            path.trim_start_matches('/').as_bytes(),
            true,
        )
    } else {
        let base = path.rsplit('/').next().unwrap_or(path);
        glob(pattern.as_bytes(), base.as_bytes(), false)
    }
}

fn glob(p: &[u8], s: &[u8], slash_special: bool) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => {
            if p.get(1) == Some(&b'*') {
                let rest = &p[2..];
                let rest = rest.strip_prefix(b"/").unwrap_or(rest);
                (0..=s.len()).any(|i| glob(rest, &s[i..], slash_special))
            } else {
                let rest = &p[1..];
                for i in 0..=s.len() {
                    if glob(rest, &s[i..], slash_special) {
                        return true;
                    }
                    if i < s.len() && slash_special && s[i] == b'/' {
                        return false;
                    }
                }
                false
            }
        }
        Some(b'?') => {
            !s.is_empty()
                && (!slash_special || s[0] != b'/')
                && glob(&p[1..], &s[1..], slash_special)
        }
        Some(c) => s.first() == Some(c) && glob(&p[1..], &s[1..], slash_special),
    }
}

// ---------------------------------------------------------------------------
// Server loop
// ---------------------------------------------------------------------------

fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    for stream in listener.incoming() {
        if shared.is_shutdown() {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        if let Ok(c) = stream.try_clone() {
            shared
                .conns
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, c);
        }
        let s = Arc::clone(&shared);
        let _ = thread::Builder::new()
            .name(format!("hub-conn-{id}"))
            .spawn(move || {
                let _ = serve_connection(&s, stream);
                s.conns
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
            });
    }
}

struct Request {
    method: String,
    path: String,
    query: String,
    version: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    auth: Auth,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    fn wants_close(&self) -> bool {
        let conn = self.header("connection").unwrap_or("").to_ascii_lowercase();
        if self.version == "HTTP/1.0" {
            !conn.contains("keep-alive")
        } else {
            conn.split(',').any(|t| t.trim() == "close")
        }
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Send the body one byte every `TRICKLE_EVERY`.
    trickle: bool,
}

impl Response {
    fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            trickle: false,
        }
    }

    fn trickled(mut self, on: bool) -> Self {
        self.trickle = on;
        self
    }

    fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }

    fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.headers
            .push(("Content-Type".to_string(), content_type.to_string()));
        self.body = body.into();
        self
    }

    fn text(status: u16, body: &str) -> Self {
        Response::new(status).body("text/plain; charset=utf-8", format!("{body}\n"))
    }

    fn json(status: u16, body: String) -> Self {
        Response::new(status).body("application/json; charset=utf-8", body)
    }

    fn lfs_json(status: u16, body: String) -> Self {
        Response::new(status).body("application/vnd.git-lfs+json", body)
    }
}

enum Outcome {
    Reply(Response),
    /// Close the connection without answering.
    Close,
}

fn serve_connection(shared: &Shared, stream: TcpStream) -> io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        if shared.is_shutdown() {
            return Ok(());
        }
        let req = match read_request(&mut reader, &mut writer) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(e) => {
                if e.kind() == io::ErrorKind::InvalidData {
                    let resp = Response::text(400, "Bad Request");
                    let _ = write_response(shared, &mut writer, &resp, true, false);
                }
                return Ok(());
            }
        };
        let close = req.wants_close();
        let outcome = handle(shared, &req);
        let status = match &outcome {
            Outcome::Reply(r) => r.status,
            Outcome::Close => 0,
        };
        shared.lock().log.push(LoggedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            auth: req.auth.clone(),
            status,
            headers: req.headers.clone(),
        });
        match outcome {
            Outcome::Reply(resp) => {
                write_response(shared, &mut writer, &resp, close, req.method == "HEAD")?;
                if close {
                    let _ = writer.shutdown(Shutdown::Write);
                    return Ok(());
                }
            }
            Outcome::Close => {
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
        }
    }
}

fn read_line(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = reader.take(64 * 1024).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> io::Result<Option<Request>> {
    // Skip stray empty lines between requests.
    let line = loop {
        match read_line(reader)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("bad request line"));
    };
    let mut headers = Vec::new();
    loop {
        let l = read_line(reader)?.ok_or_else(|| bad("eof in headers"))?;
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').ok_or_else(|| bad("bad header"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.to_string(), String::new()),
    };
    let mut req = Request {
        method: method.to_string(),
        path,
        query,
        version: version.to_string(),
        headers,
        body: Vec::new(),
        auth: Auth::None,
    };
    req.auth = parse_auth(req.header("authorization"));

    let chunked = req
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length: Option<usize> = match req.header("content-length") {
        Some(v) => Some(v.parse().map_err(|_| bad("bad content-length"))?),
        None => None,
    };
    let has_body = chunked || length.is_some_and(|n| n > 0);
    if has_body
        && req
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    if chunked {
        loop {
            let size_line = read_line(reader)?.ok_or_else(|| bad("eof in chunk size"))?;
            let size_hex = size_line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_hex, 16).map_err(|_| bad("bad chunk size"))?;
            if size == 0 {
                // Trailers until an empty line.
                loop {
                    match read_line(reader)? {
                        None => break,
                        Some(l) if l.is_empty() => break,
                        Some(_) => {}
                    }
                }
                break;
            }
            let start = req.body.len();
            req.body.resize(start + size, 0);
            reader.read_exact(&mut req.body[start..])?;
            let _ = read_line(reader)?; // CRLF after the chunk
        }
    } else if let Some(n) = length {
        req.body.resize(n, 0);
        reader.read_exact(&mut req.body)?;
    }
    Ok(Some(req))
}

fn write_response(
    shared: &Shared,
    w: &mut TcpStream,
    resp: &Response,
    close: bool,
    head_only: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    let _ = write!(
        head,
        "Server: hub-imitation\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
        resp.body.len(),
        if close { "close" } else { "keep-alive" }
    );
    w.write_all(head.as_bytes())?;
    if head_only {
        return w.flush();
    }
    if !resp.trickle {
        w.write_all(&resp.body)?;
        return w.flush();
    }
    // Ends when the client goes away (the write fails) or the Hub is dropped.
    for byte in &resp.body {
        w.flush()?;
        thread::sleep(TRICKLE_EVERY);
        if shared.is_shutdown() {
            return Ok(());
        }
        w.write_all(std::slice::from_ref(byte))?;
    }
    w.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn parse_auth(value: Option<&str>) -> Auth {
    let Some(v) = value else { return Auth::None };
    let v = v.trim();
    let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        Auth::Bearer(rest.to_string())
    } else if scheme.eq_ignore_ascii_case("basic") {
        match base64_decode(rest).map(|b| String::from_utf8_lossy(&b).into_owned()) {
            Some(s) => {
                let (u, p) = s.split_once(':').unwrap_or((&s, ""));
                Auth::Basic {
                    user: u.to_string(),
                    password: p.to_string(),
                }
            }
            None => Auth::Other(v.to_string()),
        }
    } else {
        Auth::Other(v.to_string())
    }
}

// ---------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------

fn handle(shared: &Shared, req: &Request) -> Outcome {
    if let Some(outcome) = oauth::route(shared, req) {
        return outcome;
    }
    let path = req.path.as_str();
    if path == "/api/whoami-v2" || path == "/api/whoami-v2/" {
        return whoami(shared, req);
    }
    if let Some(oid) = path.strip_prefix("/lfs-objects/") {
        return Outcome::Reply(lfs_object_endpoint(shared, req, oid));
    }
    if let Some(rest) = path.strip_prefix("/api/") {
        if let Some(r) = auth_check(shared, req, rest) {
            return Outcome::Reply(r);
        }
        return Outcome::Reply(api_error(
            404,
            None,
            "Sorry, we can't find the page you are looking for.",
        ));
    }
    if let Some((repo_id, suffix)) = split_repo_path(path) {
        return Outcome::Reply(repo_endpoint(shared, req, &repo_id, suffix));
    }
    Outcome::Reply(Response::text(404, "Not Found"))
}

const REPO_SUFFIXES: &[&str] = &[
    "/info/refs",
    "/git-upload-pack",
    "/git-receive-pack",
    "/info/lfs/objects/batch",
    "/info/lfs/locks/verify",
    "/info/lfs/locks",
    "/HEAD",
];

fn split_repo_path(path: &str) -> Option<(String, &str)> {
    for suffix in REPO_SUFFIXES {
        if let Some(repo) = path.strip_suffix(suffix) {
            let id = normalize_repo_id(repo);
            if !id.is_empty() {
                return Some((id, suffix));
            }
        }
    }
    None
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Git,
    Lfs,
    Api,
}

/// Resolve the request's credentials. `Ok(None)`: anonymous; `Err(())`: invalid credentials.
fn resolve_token(st: &State, auth: &Auth) -> Result<Option<TokenInfo>, ()> {
    match auth {
        Auth::None => Ok(None),
        Auth::Basic { password, .. } => match st.tokens.get(password.as_str()) {
            Some(t) if t.auth_type == "oauth" && st.oauth_requires_bearer => Err(()),
            Some(t) => Ok(Some(t.clone())),
            None => Err(()),
        },
        Auth::Bearer(tok) => st.tokens.get(tok.as_str()).cloned().map(Some).ok_or(()),
        Auth::Other(_) => Err(()),
    }
}

fn error_response(flavor: Flavor, status: u16, code: Option<&str>, msg: &str) -> Response {
    let mut r = match flavor {
        Flavor::Git => Response::text(status, msg),
        Flavor::Lfs => Response::lfs_json(
            status,
            format!(
                "{{\"message\":{},\"documentation_url\":\"https://huggingface.co/docs/hub\"}}",
                js(msg)
            ),
        ),
        Flavor::Api => return api_error(status, code, msg),
    };
    if status == 401 {
        r = r.header(
            "WWW-Authenticate",
            "Basic realm=\"Authentication required\"",
        );
    }
    if let Some(c) = code {
        r = r.header("X-Error-Code", c);
    }
    r.header("X-Error-Message", msg)
}

fn api_error(status: u16, code: Option<&str>, msg: &str) -> Response {
    let mut r = Response::json(status, format!("{{\"error\":{}}}", js(msg)));
    if let Some(c) = code {
        r = r.header("X-Error-Code", c);
    }
    r.header("X-Error-Message", msg)
}

/// The Hub's access rules. Returns the user on success.
fn authorize(
    shared: &Shared,
    auth: &Auth,
    repo_id: &str,
    access: Access,
    flavor: Flavor,
) -> Result<Option<String>, Response> {
    let st = shared.lock();
    let token = match resolve_token(&st, auth) {
        Ok(t) => t,
        Err(()) => {
            let msg = if flavor == Flavor::Api {
                "Invalid credentials in Authorization header"
            } else {
                "Invalid username or password."
            };
            return Err(error_response(flavor, 401, None, msg));
        }
    };
    let Some(repo) = st.repos.get(repo_id).cloned() else {
        return Err(if token.is_none() {
            error_response(
                flavor,
                401,
                Some("RepoNotFound"),
                "Invalid username or password.",
            )
        } else {
            error_response(flavor, 404, Some("RepoNotFound"), "Repository not found")
        });
    };
    let Some(token) = token else {
        if access == Access::Read && repo.public && !repo.gated {
            return Ok(None);
        }
        let (code, msg) = if repo.gated {
            (
                Some("GatedRepo"),
                format!(
                    "Access to repo {repo_id} is restricted. You must have access to it and be authenticated to access it. Please log in."
                ),
            )
        } else {
            (None, "Invalid username or password.".to_string())
        };
        return Err(error_response(flavor, 401, code, &msg));
    };
    let namespace = repo_namespace(repo_id);
    if repo.members_only && token.user != namespace && !token.orgs.iter().any(|o| o == namespace) {
        return Err(error_response(
            flavor,
            404,
            Some("RepoNotFound"),
            "Repository not found",
        ));
    }
    if let Some(fg) = token
        .fine_grained
        .as_deref()
        .filter(|_| token.role == "fineGrained")
    {
        let needed = match access {
            Access::Read => "repo.content.read",
            Access::Write => "repo.write",
        };
        if !fine_grained_allows(fg, namespace, needed) {
            return Err(error_response(
                flavor,
                403,
                None,
                &format!(
                    "This fine-grained token does not have the {needed} permission on {namespace}."
                ),
            ));
        }
    }
    match access {
        Access::Write => {
            if !token.can_write() {
                return Err(error_response(
                    flavor,
                    403,
                    None,
                    "You are not authorized to push to this repo.",
                ));
            }
        }
        Access::Read => {
            if repo.gated && !token.granted_gated.iter().any(|g| g == repo_id) {
                return Err(error_response(
                    flavor,
                    403,
                    Some("GatedRepo"),
                    &format!(
                        "Access to repo {repo_id} is restricted and you are not in the authorized list. Visit https://huggingface.co/{repo_id} to ask for access."
                    ),
                ));
            }
        }
    }
    Ok(Some(token.user))
}

/// `org` of `org/name`, `datasets/org/name`, `spaces/org/name`.
fn repo_namespace(repo_id: &str) -> &str {
    let id = repo_id
        .strip_prefix("datasets/")
        .or_else(|| repo_id.strip_prefix("spaces/"))
        .unwrap_or(repo_id);
    id.split('/').next().unwrap_or(id)
}

/// Does a fineGrained JSON grant `perm` globally or for the entity named `namespace`?
fn fine_grained_allows(fg: &str, namespace: &str, perm: &str) -> bool {
    let Ok(json) = Json::parse(fg) else {
        return false;
    };
    let has = |perms: Option<&Json>| match perms {
        Some(Json::Arr(items)) => items.iter().any(|p| p.as_str() == Some(perm)),
        _ => false,
    };
    if has(json.get("global")) {
        return true;
    }
    match json.get("scoped") {
        Some(Json::Arr(scopes)) => scopes.iter().any(|s| {
            s.get("entity")
                .and_then(|e| e.get("name"))
                .and_then(Json::as_str)
                == Some(namespace)
                && has(s.get("permissions"))
        }),
        _ => false,
    }
}

fn query_param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

fn repo_endpoint(shared: &Shared, req: &Request, repo_id: &str, suffix: &str) -> Response {
    match suffix {
        "/info/lfs/objects/batch" => lfs_batch(shared, req, repo_id),
        "/info/lfs/locks/verify" | "/info/lfs/locks" => {
            // The Hub has no locking API.
            Response::lfs_json(404, "{\"message\":\"Not Found\"}".to_string())
        }
        _ => {
            let access = match suffix {
                "/git-receive-pack" => Access::Write,
                "/info/refs" if query_param(&req.query, "service") == Some("git-receive-pack") => {
                    Access::Write
                }
                _ => Access::Read,
            };
            match authorize(shared, &req.auth, repo_id, access, Flavor::Git) {
                Ok(user) => {
                    if !shared
                        .repos
                        .join(format!("{repo_id}.git"))
                        .join("HEAD")
                        .exists()
                    {
                        return Response::text(404, "Repository not found");
                    }
                    http_backend(shared, req, repo_id, suffix, user.as_deref())
                }
                Err(r) => r,
            }
        }
    }
}

fn http_backend(
    shared: &Shared,
    req: &Request,
    repo_id: &str,
    suffix: &str,
    user: Option<&str>,
) -> Response {
    let mut cmd = Command::new("git");
    cmd.arg("http-backend");
    clean_git_env(&mut cmd, &shared.home);
    cmd.env("GIT_PROJECT_ROOT", &shared.repos)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", format!("/{repo_id}.git{suffix}"))
        .env("REQUEST_METHOD", &req.method)
        .env("QUERY_STRING", &req.query)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("CONTENT_LENGTH", req.body.len().to_string());
    if let Some(ct) = req.header("content-type") {
        cmd.env("CONTENT_TYPE", ct);
    }
    if let Some(u) = user {
        cmd.env("REMOTE_USER", u);
    }
    if let Some(p) = req.header("git-protocol") {
        cmd.env("GIT_PROTOCOL", p);
    }
    if let Some(enc) = req.header("content-encoding") {
        cmd.env("HTTP_CONTENT_ENCODING", enc);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Response::text(500, &format!("cannot run git http-backend: {e}")),
    };
    let mut stdin = child.stdin.take().expect("piped stdin");
    let body = req.body.clone();
    let feeder = thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => return Response::text(500, &format!("git http-backend failed: {e}")),
    };
    let _ = feeder.join();
    parse_cgi(&out.stdout).unwrap_or_else(|| {
        Response::text(
            500,
            &format!(
                "bad CGI output from git http-backend ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    })
}

fn parse_cgi(out: &[u8]) -> Option<Response> {
    let (head_end, sep_len) = find(out, b"\r\n\r\n")
        .map(|i| (i, 4))
        .into_iter()
        .chain(find(out, b"\n\n").map(|i| (i, 2)))
        .min_by_key(|(i, _)| *i)?;
    let head = String::from_utf8_lossy(&out[..head_end]);
    let mut resp = Response::new(200);
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("status") {
            resp.status = v.split_whitespace().next()?.parse().ok()?;
        } else if !k.eq_ignore_ascii_case("content-length") {
            resp.headers.push((k.to_string(), v.to_string()));
        }
    }
    resp.body = out[head_end + sep_len..].to_vec();
    Some(resp)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------
// whoami-v2 and auth-check
// ---------------------------------------------------------------------------

fn whoami(shared: &Shared, req: &Request) -> Outcome {
    let mut st = shared.lock();
    st.whoami_calls += 1;
    loop {
        if shared.is_shutdown() {
            return Outcome::Close;
        }
        match st.whoami_mode.clone() {
            WhoamiMode::Normal => return Outcome::Reply(whoami_normal(&st, req, false)),
            WhoamiMode::Trickle => {
                return Outcome::Reply(whoami_normal(&st, req, false).trickled(true));
            }
            WhoamiMode::Huge => return Outcome::Reply(whoami_normal(&st, req, true)),
            WhoamiMode::Status(401) => {
                return Outcome::Reply(api_error(
                    401,
                    None,
                    "Invalid credentials in Authorization header",
                ));
            }
            WhoamiMode::Status(code) => {
                let msg = match code {
                    500 => "Internal Error - We're working hard to fix this as soon as possible!",
                    _ => reason(code),
                };
                return Outcome::Reply(api_error(code, None, msg));
            }
            WhoamiMode::RateLimited { retry_after_secs } => {
                return Outcome::Reply(
                    api_error(
                        429,
                        None,
                        "You have exceeded our hourly quotas for action 'whoami-v2'. We invite you to retry later.",
                    )
                    .header("Retry-After", &retry_after_secs.to_string()),
                );
            }
            WhoamiMode::Garbage => {
                return Outcome::Reply(Response::json(
                    200,
                    "<html><body>502 Bad Gateway (not JSON)</body></html>".to_string(),
                ));
            }
            WhoamiMode::RedirectTo(url) => {
                return Outcome::Reply(Response::new(302).header("Location", &url));
            }
            WhoamiMode::Reset => return Outcome::Close,
            WhoamiMode::Slow(d) => {
                let deadline = Instant::now() + d;
                loop {
                    let now = Instant::now();
                    if now >= deadline || shared.is_shutdown() {
                        break;
                    }
                    st = shared
                        .cond
                        .wait_timeout(st, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                if shared.is_shutdown() {
                    return Outcome::Close;
                }
                // Answer normally even if the mode changed while sleeping.
                return Outcome::Reply(whoami_normal(&st, req, false));
            }
            WhoamiMode::Hang => {
                st = shared
                    .cond
                    .wait_timeout(st, Duration::from_millis(200))
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
    }
}

fn whoami_normal(st: &State, req: &Request, huge: bool) -> Response {
    let token = match &req.auth {
        Auth::Bearer(t) => st.tokens.get(t.as_str()),
        _ => None,
    };
    let Some(t) = token else {
        return api_error(401, None, "Invalid credentials in Authorization header");
    };
    let mut body = whoami_json(t);
    if huge {
        let pad = "a".repeat(20 * 1024 * 1024);
        body = format!("{{\"padding\":\"{pad}\",{}", &body[1..]);
    }
    Response::json(200, body)
}

fn fake_id(seed: &str) -> String {
    // 24 hex chars, deterministic (FNV-1a based).
    let mut h: u64 = 0xcbf29ce484222325;
    let mut out = String::new();
    for round in 0..2u8 {
        for b in seed.bytes().chain([round]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        let _ = write!(out, "{h:016x}");
    }
    out.truncate(24);
    out
}

/// The whoami-v2 JSON for a token, shaped like the Hub's.
pub fn whoami_json(t: &TokenInfo) -> String {
    let orgs: Vec<String> = t
        .orgs
        .iter()
        .map(|o| {
            format!(
                "{{\"type\":\"org\",\"id\":{},\"name\":{},\"fullname\":{},\"email\":null,\"canPay\":false,\"periodEnd\":null,\"avatarUrl\":\"/avatars/org.svg\",\"roleInOrg\":\"write\"}}",
                js(&fake_id(o)),
                js(o),
                js(o)
            )
        })
        .collect();
    let auth = if t.auth_type == "oauth" {
        "{\"type\":\"oauth\",\"expiresAt\":\"2026-12-20T12:00:00.000Z\"}".to_string()
    } else {
        let fg = t
            .fine_grained
            .as_deref()
            .map(|f| format!(",\"fineGrained\":{f}"))
            .unwrap_or_default();
        format!(
            "{{\"type\":{},\"accessToken\":{{\"displayName\":{},\"role\":{},\"createdAt\":\"2026-03-01T10:00:00.000Z\"{fg}}}}}",
            js(&t.auth_type),
            js(&t.display_name),
            js(&t.role)
        )
    };
    format!(
        "{{\"type\":\"user\",\"id\":{},\"name\":{},\"fullname\":{},\"email\":null,\"emailVerified\":false,\"canPay\":false,\"isPro\":false,\"periodEnd\":null,\"avatarUrl\":\"/avatars/user.svg\",\"orgs\":[{}],\"auth\":{}}}",
        js(&fake_id(&t.user)),
        js(&t.user),
        js(&t.user),
        orgs.join(","),
        auth
    )
}

/// `GET /api/{models|datasets|spaces}/<repo_id>/auth-check[/write]` (Bearer token).
fn auth_check(shared: &Shared, req: &Request, rest: &str) -> Option<Response> {
    let (rest, access) = if let Some(r) = rest.strip_suffix("/auth-check/write") {
        (r, Access::Write)
    } else if let Some(r) = rest.strip_suffix("/auth-check") {
        (r, Access::Read)
    } else {
        return None;
    };
    let (kind, id) = rest.split_once('/')?;
    let repo_id = match kind {
        "models" => normalize_repo_id(id),
        "datasets" | "spaces" => format!("{kind}/{}", normalize_repo_id(id)),
        _ => return None,
    };
    let answer = match authorize(shared, &req.auth, &repo_id, access, Flavor::Api) {
        Ok(_) => Response::json(200, "{}".to_string()),
        Err(r) => r,
    };
    Some(answer.trickled(shared.lock().auth_check_trickle))
}

// ---------------------------------------------------------------------------
// Git LFS
// ---------------------------------------------------------------------------

fn lfs_batch(shared: &Shared, req: &Request, repo_id: &str) -> Response {
    if req.method != "POST" {
        return Response::lfs_json(405, "{\"message\":\"Method Not Allowed\"}".to_string());
    }
    let parsed = std::str::from_utf8(&req.body)
        .ok()
        .and_then(|s| Json::parse(s).ok());
    let Some(Json::Obj(top)) = parsed else {
        return Response::lfs_json(422, "{\"message\":\"Invalid batch request\"}".to_string());
    };
    let get = |k: &str| top.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let operation = match get("operation") {
        Some(Json::Str(s)) => s.clone(),
        _ => String::new(),
    };
    let access = match operation.as_str() {
        "upload" => Access::Write,
        "download" => Access::Read,
        _ => {
            return Response::lfs_json(422, "{\"message\":\"Invalid operation\"}".to_string());
        }
    };
    if let Err(r) = authorize(shared, &req.auth, repo_id, access, Flavor::Lfs) {
        return r;
    }
    let objects = match get("objects") {
        Some(Json::Arr(a)) => a.clone(),
        _ => Vec::new(),
    };
    let st = shared.lock();
    let base = &shared.base_url;
    let mut out = Vec::new();
    for o in &objects {
        let Json::Obj(fields) = o else { continue };
        let f = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v);
        let oid = match f("oid") {
            Some(Json::Str(s)) => s.clone(),
            _ => String::new(),
        };
        let size: u64 = match f("size") {
            Some(Json::Num(n)) => n.parse().unwrap_or(0),
            _ => 0,
        };
        let head = format!("{{\"oid\":{},\"size\":{size}", js(&oid));
        let stored = st.lfs.get(&oid);
        let entry = match (access, stored) {
            (Access::Read, Some(data)) => format!(
                "{{\"oid\":{},\"size\":{},\"authenticated\":true,\"actions\":{{\"download\":{{\"href\":{},\"expires_in\":3600}}}}}}",
                js(&oid),
                data.len(),
                js(&format!("{base}/lfs-objects/{oid}"))
            ),
            (Access::Read, None) => {
                format!("{head},\"error\":{{\"code\":404,\"message\":\"Object does not exist\"}}}}")
            }
            (Access::Write, Some(_)) => format!("{head}}}"),
            (Access::Write, None) => format!(
                "{head},\"authenticated\":true,\"actions\":{{\"upload\":{{\"href\":{},\"expires_in\":3600}}}}}}",
                js(&format!("{base}/lfs-objects/{oid}"))
            ),
        };
        out.push(entry);
    }
    Response::lfs_json(
        200,
        format!(
            "{{\"transfer\":\"basic\",\"objects\":[{}],\"hash_algo\":\"sha256\"}}",
            out.join(",")
        ),
    )
}

/// Unauthenticated "presigned" object URLs.
fn lfs_object_endpoint(shared: &Shared, req: &Request, oid: &str) -> Response {
    match req.method.as_str() {
        "GET" | "HEAD" => match shared.lock().lfs.get(oid) {
            Some(data) => Response::new(200).body("application/octet-stream", data.clone()),
            None => Response::text(404, "Object not found"),
        },
        "PUT" => {
            let actual = sha256_hex(&req.body);
            if actual != oid {
                return Response::text(
                    400,
                    &format!("sha256 mismatch: expected {oid}, got {actual}"),
                );
            }
            shared.lock().lfs.insert(oid.to_string(), req.body.clone());
            Response::new(200)
        }
        _ => Response::text(405, "Method Not Allowed"),
    }
}

// ---------------------------------------------------------------------------
// Small utilities: JSON, base64, sha256
// ---------------------------------------------------------------------------

/// A JSON string literal.
pub fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A minimal JSON value (numbers kept as their source text).
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn parse(s: &str) -> Result<Json, String> {
        let b = s.as_bytes();
        let mut i = 0;
        let v = Self::value(b, &mut i)?;
        Self::ws(b, &mut i);
        if i != b.len() {
            return Err(format!("trailing data at {i}"));
        }
        Ok(v)
    }

    /// Member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    fn ws(b: &[u8], i: &mut usize) {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    }

    fn value(b: &[u8], i: &mut usize) -> Result<Json, String> {
        Self::ws(b, i);
        match b.get(*i) {
            None => Err("unexpected end".into()),
            Some(b'{') => {
                *i += 1;
                let mut m = Vec::new();
                Self::ws(b, i);
                if b.get(*i) == Some(&b'}') {
                    *i += 1;
                    return Ok(Json::Obj(m));
                }
                loop {
                    Self::ws(b, i);
                    let Json::Str(k) = Self::value(b, i)? else {
                        return Err(format!("expected key at {i}"));
                    };
                    Self::ws(b, i);
                    if b.get(*i) != Some(&b':') {
                        return Err(format!("expected ':' at {i}"));
                    }
                    *i += 1;
                    let v = Self::value(b, i)?;
                    m.push((k, v));
                    Self::ws(b, i);
                    match b.get(*i) {
                        Some(b',') => *i += 1,
                        Some(b'}') => {
                            *i += 1;
                            return Ok(Json::Obj(m));
                        }
                        _ => return Err(format!("expected ',' or '}}' at {i}")),
                    }
                }
            }
            Some(b'[') => {
                *i += 1;
                let mut a = Vec::new();
                Self::ws(b, i);
                if b.get(*i) == Some(&b']') {
                    *i += 1;
                    return Ok(Json::Arr(a));
                }
                loop {
                    a.push(Self::value(b, i)?);
                    Self::ws(b, i);
                    match b.get(*i) {
                        Some(b',') => *i += 1,
                        Some(b']') => {
                            *i += 1;
                            return Ok(Json::Arr(a));
                        }
                        _ => return Err(format!("expected ',' or ']' at {i}")),
                    }
                }
            }
            Some(b'"') => {
                *i += 1;
                let mut s = Vec::new();
                loop {
                    match b.get(*i) {
                        None => return Err("unterminated string".into()),
                        Some(b'"') => {
                            *i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            let e = *b.get(*i + 1).ok_or("bad escape")?;
                            *i += 2;
                            match e {
                                b'n' => s.push(b'\n'),
                                b't' => s.push(b'\t'),
                                b'r' => s.push(b'\r'),
                                b'b' => s.push(8),
                                b'f' => s.push(12),
                                b'u' => {
                                    let hex = b.get(*i..*i + 4).ok_or("bad \\u")?;
                                    let cp = u32::from_str_radix(
                                        std::str::from_utf8(hex).map_err(|e| e.to_string())?,
                                        16,
                                    )
                                    .map_err(|e| e.to_string())?;
                                    *i += 4;
                                    let c = char::from_u32(cp).unwrap_or('\u{fffd}');
                                    let mut buf = [0u8; 4];
                                    s.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                                }
                                other => s.push(other),
                            }
                        }
                        Some(&c) => {
                            s.push(c);
                            *i += 1;
                        }
                    }
                }
                Ok(Json::Str(String::from_utf8_lossy(&s).into_owned()))
            }
            Some(b't') if b[*i..].starts_with(b"true") => {
                *i += 4;
                Ok(Json::Bool(true))
            }
            Some(b'f') if b[*i..].starts_with(b"false") => {
                *i += 5;
                Ok(Json::Bool(false))
            }
            Some(b'n') if b[*i..].starts_with(b"null") => {
                *i += 4;
                Ok(Json::Null)
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = *i;
                while *i < b.len()
                    && matches!(b[*i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    *i += 1;
                }
                Ok(Json::Num(
                    String::from_utf8_lossy(&b[start..*i]).into_owned(),
                ))
            }
            Some(c) => Err(format!("unexpected '{}' at {i}", *c as char)),
        }
    }
}

pub fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= n {
                out.push(T[((v >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut tail = Vec::with_capacity(128);
    let full = data.len() / 64 * 64;
    tail.extend_from_slice(&data[full..]);
    tail.push(0x80);
    while tail.len() % 64 != 56 {
        tail.push(0);
    }
    tail.extend_from_slice(&bit_len.to_be_bytes());
    for block in data[..full].chunks_exact(64).chain(tail.chunks_exact(64)) {
        let mut w = [0u32; 64];
        for (t, word) in block.chunks_exact(4).enumerate() {
            w[t] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for t in 16..64 {
            let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
            let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16]
                .wrapping_add(s0)
                .wrapping_add(w[t - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for t in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[t])
                .wrapping_add(w[t]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().fold(String::with_capacity(64), |mut s, x| {
        let _ = write!(s, "{x:08x}");
        s
    })
}
