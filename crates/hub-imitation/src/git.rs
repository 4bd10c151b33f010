//! Git smart HTTP through the real `git http-backend` (CGI), and the clean environment every
//! git the Hub runs gets.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;

use crate::http::{Request, Response};
use crate::hub::Shared;

pub(crate) fn clean_git_env(cmd: &mut Command, home: &Path) {
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

pub(crate) fn run_git(cmd: &mut Command) {
    let out = cmd.output().expect("run git (is git on PATH?)");
    assert!(
        out.status.success(),
        "{:?} failed: {}\n{}",
        cmd,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn http_backend(
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
