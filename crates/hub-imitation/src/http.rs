//! The server loop: one thread per connection, HTTP/1.1 requests read (keep-alive,
//! `Expect: 100-continue`, chunked bodies) and answers written (at once or trickled).

use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;

use crate::base64_decode;
use crate::hub::Shared;
use crate::route::handle;
use crate::types::{Auth, LoggedRequest, TRICKLE_EVERY};

pub(crate) fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
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

pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) version: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) auth: Auth,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    pub(crate) fn wants_close(&self) -> bool {
        let conn = self.header("connection").unwrap_or("").to_ascii_lowercase();
        if self.version == "HTTP/1.0" {
            !conn.contains("keep-alive")
        } else {
            conn.split(',').any(|t| t.trim() == "close")
        }
    }
}

pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// Send the body one byte every `TRICKLE_EVERY`.
    pub(crate) trickle: bool,
}

impl Response {
    pub(crate) fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            trickle: false,
        }
    }

    pub(crate) fn trickled(mut self, on: bool) -> Self {
        self.trickle = on;
        self
    }

    pub(crate) fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }

    pub(crate) fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.headers
            .push(("Content-Type".to_string(), content_type.to_string()));
        self.body = body.into();
        self
    }

    pub(crate) fn text(status: u16, body: &str) -> Self {
        Response::new(status).body("text/plain; charset=utf-8", format!("{body}\n"))
    }

    pub(crate) fn json(status: u16, body: String) -> Self {
        Response::new(status).body("application/json; charset=utf-8", body)
    }

    pub(crate) fn lfs_json(status: u16, body: String) -> Self {
        Response::new(status).body("application/vnd.git-lfs+json", body)
    }
}

pub(crate) enum Outcome {
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

pub(crate) fn reason(status: u16) -> &'static str {
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
