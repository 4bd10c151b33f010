//! Self-test of the Hub imitation: raw HTTP against it (one small client below, raw bytes on
//! the socket where a test needs them), and real git and git-lfs through it.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use hub_imitation::{Auth, Hub, TokenInfo, WhoamiMode, base64_decode, base64_encode, sha256_hex};
use serde_json::Value;

const WRITE: &str = "hf_writeWRITEwriteWRITEwriteWRITEwr";
const READ: &str = "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";
const OAUTH: &str = "hf_oauth_OAUTHoauthOAUTHoauthOAUTHoa";
const FINE: &str = "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";

const FINE_JSON: &str = r#"{"canReadGatedRepos":false,"global":["discussion.write"],"scoped":[{"entity":{"_id":"1","type":"user","name":"alice"},"permissions":["repo.content.read","repo.write"]}]}"#;

fn hub_with_tokens() -> Hub {
    let hub = Hub::start();
    hub.add_token(
        WRITE,
        TokenInfo::write("alice", "laptop").with_orgs(&["example-org"]),
    );
    hub.add_token(READ, TokenInfo::read("alice", "ci-read"));
    hub.add_token(OAUTH, TokenInfo::oauth("alice"));
    hub.add_token(
        FINE,
        TokenInfo::fine_grained("alice", "notebook", FINE_JSON),
    );
    hub
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.text())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Read one response (Content-Length framed; the imitation never sends chunked).
fn read_response(r: &mut impl BufRead) -> std::io::Result<Resp> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(ErrorKind::UnexpectedEof, "no response"));
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut l = String::new();
        r.read_line(&mut l)?;
        let l = l.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').expect("header");
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(Resp {
        status,
        headers,
        body,
    })
}

fn connect(hub: &Hub, timeout: Duration) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", hub.port())).unwrap();
    s.set_read_timeout(Some(timeout)).unwrap();
    s
}

/// One request on a fresh connection (`Connection: close`).
fn request(hub: &Hub, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut s = connect(hub, Duration::from_secs(10));
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut r = BufReader::new(s);
    let resp = read_response(&mut r).unwrap();
    // Connection: close is honoured.
    let mut rest = Vec::new();
    assert_eq!(r.read_to_end(&mut rest).unwrap(), 0);
    resp
}

fn get(hub: &Hub, path: &str, headers: &[(&str, &str)]) -> Resp {
    request(hub, "GET", path, headers, b"")
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64_encode(format!("{user}:{password}").as_bytes())
    )
}

fn whoami(hub: &Hub, token: &str) -> Resp {
    get(hub, "/api/whoami-v2", &[("Authorization", &bearer(token))])
}

// ---------------------------------------------------------------------------
// whoami-v2
// ---------------------------------------------------------------------------

#[test]
fn whoami_valid_tokens() {
    let hub = hub_with_tokens();

    let r = whoami(&hub, WRITE);
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let j = r.json();
    assert_eq!(j.get("type").unwrap().as_str(), Some("user"));
    assert_eq!(j.get("name").unwrap().as_str(), Some("alice"));
    assert_eq!(j.get("email"), Some(&Value::Null));
    let Some(Value::Array(orgs)) = j.get("orgs") else {
        panic!("orgs")
    };
    assert_eq!(orgs[0].get("name").unwrap().as_str(), Some("example-org"));
    let auth = j.get("auth").unwrap();
    assert_eq!(auth.get("type").unwrap().as_str(), Some("access_token"));
    let at = auth.get("accessToken").unwrap();
    assert_eq!(at.get("displayName").unwrap().as_str(), Some("laptop"));
    assert_eq!(at.get("role").unwrap().as_str(), Some("write"));
    assert!(at.get("createdAt").is_some());
    assert!(at.get("fineGrained").is_none());

    let j = whoami(&hub, READ).json();
    let at = j.get("auth").unwrap().get("accessToken").unwrap();
    assert_eq!(at.get("role").unwrap().as_str(), Some("read"));
    assert_eq!(j.get("orgs"), Some(&Value::Array(vec![])));

    let j = whoami(&hub, OAUTH).json();
    let auth = j.get("auth").unwrap();
    assert_eq!(auth.get("type").unwrap().as_str(), Some("oauth"));
    assert!(auth.get("expiresAt").is_some());
    assert!(auth.get("accessToken").is_none());

    let j = whoami(&hub, FINE).json();
    let at = j.get("auth").unwrap().get("accessToken").unwrap();
    assert_eq!(at.get("role").unwrap().as_str(), Some("fineGrained"));
    assert_eq!(
        at.get("fineGrained"),
        Some(&serde_json::from_str::<Value>(FINE_JSON).unwrap())
    );

    assert_eq!(hub.whoami_calls(), 4);
}

#[test]
fn whoami_invalid_missing_removed() {
    let hub = hub_with_tokens();
    let check_401 = |r: Resp| {
        assert_eq!(r.status, 401);
        assert_eq!(
            r.header("x-error-message"),
            Some("Invalid credentials in Authorization header")
        );
        assert_eq!(
            r.text(),
            r#"{"error":"Invalid credentials in Authorization header"}"#
        );
    };
    check_401(whoami(&hub, "hf_nope"));
    check_401(get(&hub, "/api/whoami-v2", &[]));
    hub.remove_token(READ);
    check_401(whoami(&hub, READ));
    assert_eq!(whoami(&hub, WRITE).status, 200);
    assert_eq!(hub.whoami_calls(), 4);
}

#[test]
fn whoami_modes() {
    let hub = hub_with_tokens();

    hub.set_whoami_mode(WhoamiMode::Status(500));
    assert_eq!(whoami(&hub, WRITE).status, 500);

    hub.set_whoami_mode(WhoamiMode::Status(401));
    let r = whoami(&hub, WRITE);
    assert_eq!(r.status, 401);
    assert!(r.header("x-error-message").is_some());

    hub.set_whoami_mode(WhoamiMode::RateLimited {
        retry_after_secs: 7,
    });
    let r = whoami(&hub, WRITE);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("7"));

    hub.set_whoami_mode(WhoamiMode::Garbage);
    let r = whoami(&hub, WRITE);
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.text()).is_err());

    hub.set_whoami_mode(WhoamiMode::RedirectTo("http://127.0.0.1:9/x".into()));
    let r = whoami(&hub, WRITE);
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("http://127.0.0.1:9/x"));

    hub.set_whoami_mode(WhoamiMode::Huge);
    let r = whoami(&hub, WRITE);
    assert_eq!(r.status, 200);
    assert!(r.body.len() > 20 * 1024 * 1024);
    assert_eq!(r.json().get("name").unwrap().as_str(), Some("alice"));

    hub.set_whoami_mode(WhoamiMode::Slow(Duration::from_millis(300)));
    let t = Instant::now();
    let r = whoami(&hub, WRITE);
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    // Reset: the connection closes without any answer.
    hub.set_whoami_mode(WhoamiMode::Reset);
    let mut s = connect(&hub, Duration::from_secs(5));
    s.write_all(
        format!("GET /api/whoami-v2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {WRITE}\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let mut buf = Vec::new();
    match s.read_to_end(&mut buf) {
        Ok(_) => assert!(buf.is_empty(), "got {:?}", String::from_utf8_lossy(&buf)),
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset),
    }

    // Modes only affect whoami.
    assert_eq!(get(&hub, "/lfs-objects/0000", &[]).status, 404);

    hub.set_whoami_mode(WhoamiMode::Normal);
    assert_eq!(whoami(&hub, WRITE).status, 200);
    assert_eq!(hub.whoami_calls(), 9);
    let statuses: Vec<u16> = hub
        .requests()
        .iter()
        .filter(|r| r.path == "/api/whoami-v2")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [500, 401, 429, 200, 302, 200, 200, 0, 200]);
}

fn wait_for(cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "condition not met in time");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn whoami_hang_does_not_block_others() {
    let hub = hub_with_tokens();
    hub.set_whoami_mode(WhoamiMode::Hang);
    let mut a = connect(&hub, Duration::from_millis(300));
    a.write_all(
        format!("GET /api/whoami-v2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {WRITE}\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let mut ra = BufReader::new(a.try_clone().unwrap());
    let mut byte = [0u8; 1];
    let e = ra.read(&mut byte).unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut
    ));

    // Another connection is served meanwhile (another endpoint, and a second hung whoami
    // does not stop that either).
    let mut b = connect(&hub, Duration::from_millis(300));
    b.write_all(b"GET /api/whoami-v2 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(get(&hub, "/lfs-objects/abc", &[]).status, 404);
    wait_for(|| hub.whoami_calls() == 2);

    // Changing the mode releases the hung requests.
    hub.set_whoami_mode(WhoamiMode::Normal);
    a.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(read_response(&mut ra).unwrap().status, 200);
    b.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(read_response(&mut BufReader::new(b)).unwrap().status, 401);

    // Dropping the Hub closes a hung connection.
    hub.set_whoami_mode(WhoamiMode::Hang);
    let mut c = connect(&hub, Duration::from_secs(5));
    c.write_all(b"GET /api/whoami-v2 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    wait_for(|| hub.whoami_calls() == 3);
    let t = Instant::now();
    drop(hub);
    let mut buf = Vec::new();
    let _ = c.read_to_end(&mut buf);
    assert!(buf.is_empty());
    assert!(t.elapsed() < Duration::from_secs(2));
}

// ---------------------------------------------------------------------------
// HTTP plumbing and the log
// ---------------------------------------------------------------------------

#[test]
fn keep_alive_expect_continue_chunked_and_log() {
    let hub = hub_with_tokens();
    hub.create_repo("org/model");
    let oid = hub.add_lfs_object(b"hello lfs");

    let s = connect(&hub, Duration::from_secs(5));
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);

    // 1. plain GET, keep-alive
    w.write_all(
        format!(
            "GET /api/whoami-v2?x=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {WRITE}\r\n\r\n"
        )
        .as_bytes(),
    )
    .unwrap();
    let resp = read_response(&mut r).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("connection"), Some("keep-alive"));

    // 2. chunked POST with Expect: 100-continue on the same connection
    let body = format!(
        r#"{{"operation":"download","transfers":["basic"],"objects":[{{"oid":"{oid}","size":9}}]}}"#
    );
    w.write_all(
        format!(
            "POST /org/model.git/info/lfs/objects/batch HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/vnd.git-lfs+json\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
            basic("git", READ)
        )
        .as_bytes(),
    )
    .unwrap();
    let cont = read_response(&mut r).unwrap();
    assert_eq!(cont.status, 100);
    let (a, b) = body.split_at(10);
    w.write_all(
        format!(
            "{:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\n\r\n",
            a.len(),
            b.len()
        )
        .as_bytes(),
    )
    .unwrap();
    let resp = read_response(&mut r).unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        resp.header("content-type"),
        Some("application/vnd.git-lfs+json")
    );
    let j = resp.json();
    assert_eq!(j.get("transfer").unwrap().as_str(), Some("basic"));
    let Some(Value::Array(objs)) = j.get("objects") else {
        panic!()
    };
    let href = objs[0]
        .get("actions")
        .and_then(|a| a.get("download"))
        .and_then(|d| d.get("href"))
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    assert_eq!(href, format!("{}/lfs-objects/{oid}", hub.url()));

    // 3. an error answer with a body the server must consume, then the connection still works
    w.write_all(
        b"POST /org/model.git/git-upload-pack HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    )
    .unwrap();
    let resp = read_response(&mut r).unwrap();
    assert_eq!(resp.status, 401);
    assert_eq!(
        resp.header("www-authenticate"),
        Some("Basic realm=\"Authentication required\"")
    );
    assert_eq!(resp.text().trim(), "Invalid username or password.");

    // 4. unauthenticated object download, then Connection: close
    w.write_all(
        format!("GET /lfs-objects/{oid} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let resp = read_response(&mut r).unwrap();
    assert_eq!(resp.body, b"hello lfs");
    assert_eq!(resp.header("connection"), Some("close"));
    let mut rest = Vec::new();
    assert_eq!(r.read_to_end(&mut rest).unwrap(), 0);

    let log = hub.requests();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/api/whoami-v2");
    assert_eq!(log[0].query, "x=1");
    assert_eq!(log[0].auth, Auth::Bearer(WRITE.into()));
    assert_eq!(log[0].status, 200);
    assert_eq!(log[1].method, "POST");
    assert_eq!(log[1].path, "/org/model.git/info/lfs/objects/batch");
    assert_eq!(
        log[1].auth,
        Auth::Basic {
            user: "git".into(),
            password: READ.into()
        }
    );
    assert_eq!(log[1].auth.token(), Some(READ));
    assert_eq!(log[1].header("transfer-encoding"), Some("chunked"));
    assert_eq!(log[2].auth, Auth::None);
    assert_eq!(log[2].status, 401);
    assert_eq!(log[3].path, format!("/lfs-objects/{oid}"));
    assert_eq!(log[3].status, 200);

    hub.clear_log();
    assert!(hub.requests().is_empty());
    assert_eq!(hub.whoami_calls(), 0);
    get(&hub, "/nowhere", &[("Authorization", "Token abc")]);
    let log = hub.requests();
    assert_eq!(log[0].auth, Auth::Other("Token abc".into()));
    assert_eq!(log[0].status, 404);
}

#[test]
fn utilities() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256_hex(&[b'a'; 1000]),
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
    );
    assert_eq!(base64_encode(b"git:hf_x"), "Z2l0OmhmX3g=");
    assert_eq!(base64_decode("Z2l0OmhmX3g=").unwrap(), b"git:hf_x");
}

// ---------------------------------------------------------------------------
// Access rules (raw requests)
// ---------------------------------------------------------------------------

fn info_refs(hub: &Hub, repo: &str, service: &str, auth: Option<&str>) -> Resp {
    let path = format!("/{repo}/info/refs?service={service}");
    match auth {
        Some(a) => get(hub, &path, &[("Authorization", a)]),
        None => get(hub, &path, &[]),
    }
}

#[test]
fn access_rules() {
    let hub = hub_with_tokens();
    hub.seed_repo("org/model", &[("README.md", b"hi\n")], &[]);
    hub.seed_repo("datasets/org/data", &[("a.csv", b"1,2\n")], &[]);
    hub.seed_repo("org/gated", &[("README.md", b"g\n")], &[]);
    hub.set_gated("org/gated", true);
    hub.set_public("org/gated", true);
    hub.add_token(
        "hf_granted",
        TokenInfo::read("bob", "b").with_granted_gated(&["org/gated"]),
    );
    let up = "git-upload-pack";
    let rp = "git-receive-pack";

    // private
    let r = info_refs(&hub, "org/model", up, None);
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").unwrap().starts_with("Basic"));
    let r = info_refs(&hub, "org/model.git", up, Some(&basic("x", READ)));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/x-git-upload-pack-advertisement")
    );
    assert_eq!(
        info_refs(&hub, "org/model", up, Some(&basic("x", "hf_bad"))).status,
        401
    );
    assert_eq!(
        info_refs(&hub, "org/model", up, Some(&bearer(READ))).status,
        200
    );
    // push rights
    let r = info_refs(&hub, "org/model", rp, Some(&basic("x", READ)));
    assert_eq!(r.status, 403);
    assert!(
        r.text()
            .contains("You are not authorized to push to this repo.")
    );
    assert_eq!(
        info_refs(&hub, "org/model", rp, Some(&basic("x", WRITE))).status,
        200
    );
    // FINE's scopes cover alice's own namespace only, not org.
    assert_eq!(
        info_refs(&hub, "org/model", rp, Some(&basic("x", FINE))).status,
        403
    );
    // public
    hub.set_public("org/model", true);
    assert_eq!(info_refs(&hub, "org/model", up, None).status, 200);
    assert_eq!(info_refs(&hub, "org/model", rp, None).status, 401);
    hub.set_public("org/model", false);
    assert_eq!(info_refs(&hub, "org/model", up, None).status, 401);
    // datasets prefix, unknown repo
    assert_eq!(
        info_refs(&hub, "datasets/org/data", up, Some(&basic("x", READ))).status,
        200
    );
    assert_eq!(
        info_refs(&hub, "org/data", up, Some(&basic("x", READ))).status,
        404
    );
    // gated
    assert_eq!(info_refs(&hub, "org/gated", up, None).status, 401);
    let r = info_refs(&hub, "org/gated", up, Some(&basic("x", READ)));
    assert_eq!(r.status, 403);
    assert!(
        r.text()
            .contains("restricted and you are not in the authorized list")
    );
    assert_eq!(
        info_refs(&hub, "org/gated", up, Some(&basic("x", "hf_granted"))).status,
        200
    );
    // oauth as Basic password vs Bearer
    assert_eq!(
        info_refs(&hub, "org/model", up, Some(&basic("x", OAUTH))).status,
        200
    );
    hub.set_oauth_requires_bearer(true);
    assert_eq!(
        info_refs(&hub, "org/model", up, Some(&basic("x", OAUTH))).status,
        401
    );
    assert_eq!(
        info_refs(&hub, "org/model", up, Some(&bearer(OAUTH))).status,
        200
    );
    assert_eq!(
        info_refs(&hub, "org/model", up, Some(&basic("x", READ))).status,
        200
    );
    // auth-check
    let ac = |path: &str, tok: Option<&str>| {
        let h = tok.map(bearer);
        match &h {
            Some(h) => get(&hub, path, &[("Authorization", h)]),
            None => get(&hub, path, &[]),
        }
    };
    assert_eq!(
        ac("/api/models/org/model/auth-check", Some(READ)).status,
        200
    );
    assert_eq!(
        ac("/api/models/org/model/auth-check/write", Some(READ)).status,
        403
    );
    assert_eq!(
        ac("/api/datasets/org/data/auth-check", Some(READ)).status,
        200
    );
    let r = ac("/api/models/org/gated/auth-check", Some(READ));
    assert_eq!(
        (r.status, r.header("x-error-code")),
        (403, Some("GatedRepo"))
    );
    let r = ac("/api/models/org/none/auth-check", Some(READ));
    assert_eq!(
        (r.status, r.header("x-error-code")),
        (404, Some("RepoNotFound"))
    );
}

#[test]
fn lfs_batch_and_objects() {
    let hub = hub_with_tokens();
    hub.seed_repo(
        "org/model",
        &[
            ("model.safetensors", b"weights!"),
            ("sub/x.bin", b"binary"),
            ("config.json", b"{}"),
        ],
        &["*.safetensors", "*.bin"],
    );
    let w_oid = sha256_hex(b"weights!");
    assert_eq!(hub.lfs_object(&w_oid).as_deref(), Some(&b"weights!"[..]));
    assert!(hub.lfs_object(&sha256_hex(b"binary")).is_some());
    assert!(hub.lfs_object(&sha256_hex(b"{}")).is_none());
    let pointer =
        String::from_utf8(hub.repo_file("org/model", "model.safetensors").unwrap()).unwrap();
    assert_eq!(
        pointer,
        format!("version https://git-lfs.github.com/spec/v1\noid sha256:{w_oid}\nsize 8\n")
    );
    assert!(
        String::from_utf8(hub.repo_file("org/model", ".gitattributes").unwrap())
            .unwrap()
            .contains("*.safetensors filter=lfs diff=lfs merge=lfs -text")
    );
    assert_eq!(hub.repo_file("org/model", "config.json").unwrap(), b"{}");
    assert_eq!(hub.head_commit("org/model").unwrap().len(), 40);

    let batch = |path: &str, op: &str, objs: &[(&str, usize)], auth: Option<&str>| {
        let objs: Vec<String> = objs
            .iter()
            .map(|(o, s)| format!(r#"{{"oid":"{o}","size":{s}}}"#))
            .collect();
        let body = format!(
            r#"{{"operation":"{op}","transfers":["basic"],"objects":[{}]}}"#,
            objs.join(",")
        );
        let mut h = vec![("Content-Type", "application/vnd.git-lfs+json")];
        if let Some(a) = auth {
            h.push(("Authorization", a));
        }
        request(&hub, "POST", path, &h, body.as_bytes())
    };
    let p = "/org/model/info/lfs/objects/batch";
    let missing = sha256_hex(b"missing");

    // download
    let r = batch(
        p,
        "download",
        &[(&w_oid, 8), (&missing, 7)],
        Some(&basic("u", READ)),
    );
    assert_eq!(r.status, 200);
    let j = r.json();
    let Some(Value::Array(objs)) = j.get("objects") else {
        panic!()
    };
    let href = objs[0]
        .get("actions")
        .unwrap()
        .get("download")
        .unwrap()
        .get("href");
    assert_eq!(
        href.and_then(Value::as_str).unwrap(),
        format!("{}/lfs-objects/{w_oid}", hub.url())
    );
    assert_eq!(
        objs[1].get("error").unwrap().get("code"),
        Some(&Value::from(404))
    );
    assert_eq!(
        get(&hub, &format!("/lfs-objects/{w_oid}"), &[]).body,
        b"weights!"
    );

    // auth
    let r = batch(p, "download", &[(&w_oid, 8)], None);
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").is_some());
    assert!(r.json().get("message").is_some());
    let r = batch(p, "upload", &[(&missing, 7)], Some(&basic("u", READ)));
    assert_eq!(r.status, 403);
    hub.set_public("org/model", true);
    assert_eq!(batch(p, "download", &[(&w_oid, 8)], None).status, 200);
    assert_eq!(batch(p, "upload", &[(&missing, 7)], None).status, 401);

    // upload
    let r = batch(
        "/org/model.git/info/lfs/objects/batch",
        "upload",
        &[(&w_oid, 8), (&missing, 7)],
        Some(&basic("u", WRITE)),
    );
    assert_eq!(r.status, 200);
    let j = r.json();
    let Some(Value::Array(objs)) = j.get("objects") else {
        panic!()
    };
    assert!(objs[0].get("actions").is_none());
    let href = objs[1]
        .get("actions")
        .unwrap()
        .get("upload")
        .unwrap()
        .get("href")
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    let path = href.strip_prefix(&hub.url()).unwrap();
    assert_eq!(request(&hub, "PUT", path, &[], b"wrong!!").status, 400);
    assert_eq!(request(&hub, "PUT", path, &[], b"missing").status, 200);
    assert_eq!(hub.lfs_object(&missing).as_deref(), Some(&b"missing"[..]));
}

// ---------------------------------------------------------------------------
// Real git / git-lfs
// ---------------------------------------------------------------------------

/// `git` with a clean environment rooted at `home`.
fn git(home: &Path, global_config: bool) -> Command {
    let mut cmd = Command::new("git");
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("GIT_") || k.starts_with("HF_") || k.starts_with("HUGGING") {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("SSH_ASKPASS", "")
        .env("LC_ALL", "C")
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .stdin(Stdio::null());
    if !global_config {
        cmd.env("GIT_CONFIG_GLOBAL", "/dev/null");
    }
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("spawn git")
}

fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn url_with(hub: &Hub, token: &str, repo: &str) -> String {
    format!("http://git:{token}@127.0.0.1:{}/{repo}", hub.port())
}

#[test]
fn git_clone_and_push() {
    let hub = hub_with_tokens();
    hub.seed_repo(
        "org/model",
        &[("README.md", b"# model\n"), ("config.json", b"{\"a\":1}\n")],
        &[],
    );
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();

    // Clone with the token in the URL.
    let dest = home.join("clone");
    ok(git(home, false)
        .arg("clone")
        .arg(url_with(&hub, READ, "org/model"))
        .arg(&dest));
    assert_eq!(
        std::fs::read(dest.join("config.json")).unwrap(),
        b"{\"a\":1}\n"
    );
    let log = hub.requests();
    assert!(log.iter().any(|r| r.path == "/org/model/info/refs"
        && r.query == "service=git-upload-pack"
        && r.status == 200
        && r.auth.token() == Some(READ)));
    assert!(
        log.iter().any(|r| r.method == "POST"
            && r.path == "/org/model/git-upload-pack"
            && r.status == 200)
    );

    // Wrong token: 401 and failure.
    hub.clear_log();
    let out = run(git(home, false)
        .arg("clone")
        .arg(url_with(&hub, "hf_wrong", "org/model"))
        .arg(home.join("fail")));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Authentication failed"), "{err}");
    assert!(hub.requests().iter().any(|r| r.status == 401));

    // Push with a read token: 403.
    std::fs::write(dest.join("new.txt"), "new\n").unwrap();
    ok(git(home, false).current_dir(&dest).args(["add", "new.txt"]));
    ok(git(home, false)
        .current_dir(&dest)
        .args(["commit", "-q", "-m", "add"]));
    let out = run(git(home, false)
        .current_dir(&dest)
        .args(["push", "origin", "main"]));
    assert!(!out.status.success());
    assert!(
        hub.requests()
            .iter()
            .any(|r| r.query == "service=git-receive-pack" && r.status == 403)
    );
    assert_eq!(hub.repo_file("org/model", "new.txt"), None);

    // Push with a write token; a small http.postBuffer makes git send a chunked body.
    let mut x: u32 = 7;
    let noise: Vec<u8> = (0..20_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    std::fs::write(dest.join("noise.bin"), &noise).unwrap();
    ok(git(home, false)
        .current_dir(&dest)
        .args(["add", "noise.bin"]));
    ok(git(home, false)
        .current_dir(&dest)
        .args(["commit", "-q", "-m", "noise"]));
    hub.clear_log();
    ok(git(home, false).current_dir(&dest).args([
        "-c",
        "http.postBuffer=1024",
        "push",
        &url_with(&hub, WRITE, "org/model.git"),
        "main",
    ]));
    assert_eq!(hub.repo_file("org/model", "new.txt").unwrap(), b"new\n");
    assert_eq!(hub.repo_file("org/model", "noise.bin").unwrap(), noise);
    assert!(
        hub.requests()
            .iter()
            .any(|r| r.path == "/org/model.git/git-receive-pack"
                && r.status == 200
                && r.header("transfer-encoding") == Some("chunked"))
    );

    // A gzip-compressed protocol-v2 request body (git gzips large fetch negotiations).
    let pkt = b"0014command=ls-refs\n00010009peel\n0000";
    let mut gz = Command::new("gzip")
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip");
    gz.stdin.take().unwrap().write_all(pkt).unwrap();
    let gz = gz.wait_with_output().unwrap().stdout;
    let r = request(
        &hub,
        "POST",
        "/org/model/git-upload-pack",
        &[
            ("Authorization", &basic("git", READ)),
            ("Content-Type", "application/x-git-upload-pack-request"),
            ("Content-Encoding", "gzip"),
            ("Git-Protocol", "version=2"),
        ],
        &gz,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("refs/heads/main"), "{}", r.text());

    hub.seed_repo("datasets/org/data", &[("a.csv", b"1\n")], &[]);
    hub.set_public("datasets/org/data", true);
    ok(git(home, false)
        .arg("clone")
        .arg(format!("{}/datasets/org/data", hub.url()))
        .arg(home.join("data")));
    assert_eq!(std::fs::read(home.join("data/a.csv")).unwrap(), b"1\n");
}

fn have_git_lfs() -> bool {
    Command::new("git")
        .args(["lfs", "version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn git_lfs_clone_and_push() {
    // Required, as by every git-lfs test (README): a missing git-lfs fails here, loudly.
    assert!(have_git_lfs(), "git-lfs is needed: apt-get install git-lfs");
    let hub = hub_with_tokens();
    let weights: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    hub.seed_repo(
        "org/model",
        &[("model.safetensors", &weights), ("README.md", b"r\n")],
        &["*.safetensors"],
    );
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    ok(git(home, true).args(["lfs", "install", "--skip-repo"]));

    let dest = home.join("clone");
    ok(git(home, true)
        .arg("clone")
        .arg(url_with(&hub, READ, "org/model"))
        .arg(&dest));
    assert_eq!(
        std::fs::read(dest.join("model.safetensors")).unwrap(),
        weights
    );
    let oid = sha256_hex(&weights);
    let log = hub.requests();
    assert!(
        log.iter()
            .any(|r| r.path == "/org/model.git/info/lfs/objects/batch"
                && r.status == 200
                && r.auth.token() == Some(READ))
    );
    assert!(
        log.iter().any(|r| r.path == format!("/lfs-objects/{oid}")
            && r.status == 200
            && r.auth.is_none())
    );

    // Push a new LFS object with a write token.
    let new: Vec<u8> = b"new weights ".repeat(1000);
    std::fs::write(dest.join("extra.safetensors"), &new).unwrap();
    ok(git(home, true)
        .current_dir(&dest)
        .args(["add", "extra.safetensors"]));
    ok(git(home, true)
        .current_dir(&dest)
        .args(["commit", "-q", "-m", "extra"]));
    ok(git(home, true).current_dir(&dest).args([
        "remote",
        "set-url",
        "origin",
        &url_with(&hub, WRITE, "org/model"),
    ]));
    hub.clear_log();
    ok(git(home, true)
        .current_dir(&dest)
        .args(["push", "origin", "main"]));
    assert_eq!(hub.lfs_object(&sha256_hex(&new)), Some(new));
    let pointer =
        String::from_utf8(hub.repo_file("org/model", "extra.safetensors").unwrap()).unwrap();
    assert!(pointer.starts_with("version https://git-lfs.github.com/spec/v1\n"));
}
