//! The git credential protocol codec (`man git-credential`): `key=value` lines on bytes,
//! ending at a blank line or EOF, split on the first `=`, unknown keys ignored. One function
//! validates values both when reading and when writing.

use crate::origin::Origin;
use std::fmt;
use std::io::{self, BufRead, Write};

/// Longest line accepted (git itself never sends anything close to it).
pub const MAX_LINE: usize = 64 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub protocol: Option<String>,
    pub host: Option<String>,
    pub path: Option<String>,
    pub url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub authtype: Option<String>,
    pub credential: Option<String>,
    pub capabilities: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ProtocolError {
    TooLong { line: usize },
    Forbidden { line: usize, what: &'static str },
    NoEquals { line: usize },
    NotUtf8 { line: usize },
    Io(String),
}

impl std::error::Error for ProtocolError {}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fix = "git sends one key=value per line; check what is piped into git-credential-hf";
        match self {
            ProtocolError::TooLong { line } => {
                write!(
                    f,
                    "credential line {line} is longer than {MAX_LINE} bytes: {fix}"
                )
            }
            ProtocolError::Forbidden { line, what } => {
                write!(f, "credential line {line} contains {what}: {fix}")
            }
            ProtocolError::NoEquals { line } => {
                write!(f, "credential line {line} has no `=`: {fix}")
            }
            ProtocolError::NotUtf8 { line } => {
                write!(f, "credential line {line} is not UTF-8: {fix}")
            }
            ProtocolError::Io(e) => write!(f, "cannot read the credential request: {e}"),
        }
    }
}

/// Refuses what no credential value may hold. Used by the reader and the writer alike.
pub fn validate(line_no: usize, bytes: &[u8]) -> Result<(), ProtocolError> {
    let forbidden = |what| ProtocolError::Forbidden {
        line: line_no,
        what,
    };
    if bytes.len() > MAX_LINE {
        return Err(ProtocolError::TooLong { line: line_no });
    }
    if bytes.contains(&0) {
        return Err(forbidden("a NUL byte"));
    }
    if bytes.contains(&b'\n') {
        return Err(forbidden("a line feed"));
    }
    if bytes.contains(&b'\r') {
        return Err(forbidden("a carriage return"));
    }
    Ok(())
}

/// Reads one request: up to the first blank line or EOF.
pub fn read_request(mut input: impl BufRead) -> Result<Request, ProtocolError> {
    let mut req = Request::default();
    let mut line = Vec::new();
    for line_no in 1.. {
        line.clear();
        let n = io::Read::take(&mut input, MAX_LINE as u64 + 2)
            .read_until(b'\n', &mut line)
            .map_err(|e| ProtocolError::Io(e.to_string()))?;
        if n == 0 {
            break;
        }
        let body = line.strip_suffix(b"\n").unwrap_or(&line);
        if body.is_empty() {
            break;
        }
        validate(line_no, body)?;
        let text =
            std::str::from_utf8(body).map_err(|_| ProtocolError::NotUtf8 { line: line_no })?;
        let (key, value) = text
            .split_once('=')
            .ok_or(ProtocolError::NoEquals { line: line_no })?;
        let value = value.to_string();
        match key {
            "protocol" => req.protocol = Some(value),
            "host" => req.host = Some(value),
            "path" => req.path = Some(value),
            "url" => req.url = Some(value),
            "username" => req.username = Some(value),
            "password" => req.password = Some(value),
            "authtype" => req.authtype = Some(value),
            "credential" => req.credential = Some(value),
            "capability[]" => req.capabilities.push(value),
            _ => {}
        }
    }
    Ok(req)
}

impl Request {
    /// The origin the request is for. `url=` and `protocol=`/`host=` must agree when both
    /// are given; a request that is ambiguous about where the token would go gets nothing.
    pub fn has_capability(&self, name: &str) -> bool {
        self.capabilities.iter().any(|c| c == name)
    }

    /// The secret git presents: a password, or a Bearer credential (git >= 2.46).
    pub fn secret(&self) -> Option<&str> {
        match &self.authtype {
            Some(t) if t.eq_ignore_ascii_case("bearer") => self.credential.as_deref(),
            _ => self.password.as_deref(),
        }
    }

    pub fn origin(&self) -> Option<Origin> {
        let from_fields = match (&self.protocol, &self.host) {
            (None, None) => None,
            (Some(p), Some(h)) => Some(Origin::from_parts(p, h)?),
            _ => return None,
        };
        match (&self.url, from_fields) {
            (Some(url), None) => Origin::from_url(url),
            (Some(url), Some(fields)) => (Origin::from_url(url)? == fields).then_some(fields),
            (None, fields) => fields,
        }
    }
}

/// Writes `key=value` lines, refusing any value that would break the protocol.
pub fn write_fields(out: &mut dyn Write, fields: &[(&str, &str)]) -> io::Result<()> {
    let mut buf = Vec::new();
    for (i, (key, value)) in fields.iter().enumerate() {
        validate(i + 1, key.as_bytes())
            .and_then(|_| validate(i + 1, value.as_bytes()))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        buf.extend_from_slice(format!("{key}={value}\n").as_bytes());
    }
    out.write_all(&buf)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8]) -> Result<Request, ProtocolError> {
        read_request(input)
    }

    #[test]
    fn reads_until_blank_line_or_eof() {
        let r = read(b"protocol=https\nhost=hf.co\n\nhost=evil.example\n").unwrap();
        assert_eq!(r.host.as_deref(), Some("hf.co"));
        let r = read(b"protocol=https\nhost=hf.co").unwrap();
        assert_eq!(r.host.as_deref(), Some("hf.co"));
        assert_eq!(read(b"").unwrap(), Request::default());
    }

    #[test]
    fn splits_on_first_equals_and_ignores_unknown_keys() {
        let r = read(b"password=a=b==\nwwwauth[]=Basic realm=x\nfuture=1\ncapability[]=authtype\n")
            .unwrap();
        assert_eq!(r.password.as_deref(), Some("a=b=="));
        assert_eq!(r.capabilities, vec!["authtype"]);
        let r = read(b"host=\n").unwrap();
        assert_eq!(r.host.as_deref(), Some(""));
    }

    #[test]
    fn refuses_malformed_lines() {
        assert_eq!(
            read(b"host=a\0b\n"),
            Err(ProtocolError::Forbidden {
                line: 1,
                what: "a NUL byte"
            })
        );
        assert_eq!(
            read(b"protocol=https\r\nhost=hf.co\n"),
            Err(ProtocolError::Forbidden {
                line: 1,
                what: "a carriage return"
            })
        );
        assert_eq!(
            read(b"protocol=https\nhostonly\n"),
            Err(ProtocolError::NoEquals { line: 2 })
        );
        assert_eq!(
            read(b"host=\xff\n"),
            Err(ProtocolError::NotUtf8 { line: 1 })
        );
        let mut long = b"host=".to_vec();
        long.resize(MAX_LINE + 10, b'a');
        assert_eq!(read(&long), Err(ProtocolError::TooLong { line: 1 }));
        let mut exact = b"path=".to_vec();
        exact.resize(MAX_LINE, b'a');
        assert!(read(&exact).is_ok());
    }

    #[test]
    fn writer_validates_with_the_same_rule() {
        let mut out = Vec::new();
        write_fields(&mut out, &[("username", "git"), ("password", "hf_x")]).unwrap();
        assert_eq!(out, b"username=git\npassword=hf_x\n");
        let mut out = Vec::new();
        assert!(write_fields(&mut out, &[("password", "a\nhost=evil")]).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn origin_from_fields_and_url() {
        let o = |input: &[u8]| read(input).unwrap().origin().map(|o| o.to_string());
        assert_eq!(
            o(b"protocol=https\nhost=hf.co\n"),
            Some("https://hf.co".into())
        );
        assert_eq!(o(b"url=https://hf.co/x\n"), Some("https://hf.co".into()));
        assert_eq!(
            o(b"url=https://hf.co/x\nprotocol=https\nhost=hf.co\n"),
            Some("https://hf.co".into())
        );
        assert_eq!(
            o(b"url=https://evil.example/\nprotocol=https\nhost=hf.co\n"),
            None
        );
        assert_eq!(o(b"url=nonsense\nprotocol=https\nhost=hf.co\n"), None);
        assert_eq!(o(b"host=hf.co\n"), None);
        assert_eq!(o(b"protocol=https\n"), None);
        assert_eq!(o(b"username=git\n"), None);
    }
}
