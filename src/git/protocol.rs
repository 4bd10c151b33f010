//! The git credential protocol codec (`man git-credential`): `key=value` lines on bytes,
//! ending at a blank line or EOF, split on the first `=`, unknown keys ignored. One function
//! validates values both when reading and when writing.

use crate::git::origin::{Allowed, Origin};
use crate::token::Token;
use std::fmt;
use std::io::{self, BufRead, Write};

/// Longest line accepted (git itself never sends anything close to it).
pub const MAX_LINE: usize = 64 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub protocol: Option<String>,
    pub host: Option<String>,
    pub url: Option<String>,
    pub username: Option<String>,
    pub password: Option<Token>,
    pub authtype: Option<String>,
    pub credential: Option<Token>,
    pub capabilities: Vec<String>,
    /// `state[]` (git >= 2.46): what helpers said with their answer, given back on store and
    /// erase.
    pub states: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ProtocolError {
    Bad { line: usize, why: ValueError },
    NoEquals { line: usize },
    NotUtf8 { line: usize },
    Io(String),
}

/// Why a value cannot travel in the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueError {
    TooLong,
    Nul,
    LineFeed,
    CarriageReturn,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueError::TooLong => "is longer than 64 KiB",
            ValueError::Nul => "contains a NUL byte",
            ValueError::LineFeed => "contains a line feed",
            ValueError::CarriageReturn => "contains a carriage return",
        })
    }
}

impl std::error::Error for ProtocolError {}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fix = "git sends one key=value per line; check what is piped into git-credential-hf";
        match self {
            ProtocolError::Bad { line, why } => write!(f, "credential line {line} {why}: {fix}"),
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
pub fn validate(bytes: &[u8]) -> Result<(), ValueError> {
    if bytes.len() > MAX_LINE {
        return Err(ValueError::TooLong);
    }
    if bytes.contains(&0) {
        return Err(ValueError::Nul);
    }
    if bytes.contains(&b'\n') {
        return Err(ValueError::LineFeed);
    }
    if bytes.contains(&b'\r') {
        return Err(ValueError::CarriageReturn);
    }
    Ok(())
}

/// Reads one request: up to the first blank line or EOF. Only the keys the helper uses must
/// be valid; any other line is skipped whatever it holds (git forwards server text in
/// `wwwauth[]` and raw path bytes in `path=`), so odd bytes there never cost the user the
/// token. A CR ending a line (CRLF input) is dropped, as git's own reader does.
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
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if body.is_empty() {
            break;
        }
        let bad = |why| ProtocolError::Bad { line: line_no, why };
        if body.len() > MAX_LINE {
            return Err(bad(ValueError::TooLong));
        }
        if body.contains(&0) {
            return Err(bad(ValueError::Nul));
        }
        let eq = body
            .iter()
            .position(|b| *b == b'=')
            .ok_or(ProtocolError::NoEquals { line: line_no })?;
        let (key, value) = (&body[..eq], &body[eq + 1..]);
        if !Request::KEYS.contains(&key) {
            continue;
        }
        validate(value).map_err(bad)?;
        let value =
            std::str::from_utf8(value).map_err(|_| ProtocolError::NotUtf8 { line: line_no })?;
        req.set(key, value.to_string());
    }
    Ok(req)
}

impl Request {
    /// The keys the helper reads; every other line is skipped unread.
    const KEYS: &[&[u8]] = &[
        b"protocol",
        b"host",
        b"url",
        b"username",
        b"password",
        b"authtype",
        b"credential",
        b"capability[]",
        b"state[]",
    ];

    fn set(&mut self, key: &[u8], value: String) {
        let field = match key {
            b"protocol" => &mut self.protocol,
            b"host" => &mut self.host,
            b"url" => &mut self.url,
            b"username" => &mut self.username,
            b"authtype" => &mut self.authtype,
            b"password" => return self.password = Some(Token::new(value)),
            b"credential" => return self.credential = Some(Token::new(value)),
            b"state[]" => return self.states.push(value),
            _ => return self.capabilities.push(value),
        };
        *field = Some(value);
    }

    pub fn has_capability(&self, name: &str) -> bool {
        self.capabilities.iter().any(|c| c == name)
    }

    /// The secret git presents: a password, or a Bearer credential (git >= 2.46).
    pub fn secret(&self) -> Option<&Token> {
        match &self.authtype {
            Some(t) if t.eq_ignore_ascii_case("bearer") => self.credential.as_ref(),
            _ => self.password.as_ref(),
        }
    }

    /// The origin the request is for and the API base its token is checked against, when it
    /// is exactly one of the origins the helper answers.
    pub fn target(&self, allowed: &Allowed) -> Option<(Origin, String)> {
        let origin = self.origin()?;
        let api = allowed.api_base(&origin)?.to_string();
        Some((origin, api))
    }

    /// The origin the request is for. `url=` and `protocol=`/`host=` must agree when both
    /// are given; a request that is ambiguous about where the token would go gets nothing.
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

/// A value `write_fields` refused.
#[derive(Debug)]
pub enum WriteError {
    Value { key: String, why: ValueError },
    Io(io::Error),
}

impl std::error::Error for WriteError {}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Value { key, why } => write!(f, "the `{key}` value {why}"),
            WriteError::Io(e) => write!(f, "cannot answer git: {e}"),
        }
    }
}

/// Writes `key=value` lines, refusing any value that would break the protocol.
pub fn write_fields(out: &mut dyn Write, fields: &[(&str, &str)]) -> Result<(), WriteError> {
    let mut buf = Vec::new();
    for (key, value) in fields {
        validate(key.as_bytes())
            .and_then(|_| validate(value.as_bytes()))
            .map_err(|why| WriteError::Value {
                key: key.to_string(),
                why,
            })?;
        buf.extend_from_slice(format!("{key}={value}\n").as_bytes());
    }
    out.write_all(&buf)
        .and_then(|_| out.flush())
        .map_err(WriteError::Io)
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
        assert_eq!(r.password.as_ref().map(Token::expose), Some("a=b=="));
        assert_eq!(r.capabilities, vec!["authtype"]);
        let r = read(b"host=\n").unwrap();
        assert_eq!(r.host.as_deref(), Some(""));
    }

    #[test]
    fn refuses_malformed_lines() {
        let bad = |line, why| Err(ProtocolError::Bad { line, why });
        assert_eq!(read(b"host=a\0b\n"), bad(1, ValueError::Nul));
        assert_eq!(read(b"future=a\0b\n"), bad(1, ValueError::Nul));
        assert_eq!(
            read(b"protocol=https\nhost=hf.co\rx\n"),
            bad(2, ValueError::CarriageReturn)
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
        assert_eq!(read(&long), bad(1, ValueError::TooLong));
        let mut exact = b"host=".to_vec();
        exact.resize(MAX_LINE, b'a');
        assert!(read(&exact).is_ok());
    }

    #[test]
    fn odd_bytes_in_keys_it_does_not_read_are_skipped() {
        let r = read(b"protocol=https\r\nwwwauth[]=realm=\"caf\xe9\"\nx\xff=\x01\r\nhost=hf.co\r\n\r\nhost=evil\n")
            .unwrap();
        assert_eq!(r.protocol.as_deref(), Some("https"));
        assert_eq!(r.host.as_deref(), Some("hf.co"));
        assert_eq!(read(b"path=caf\xe9\n").unwrap(), Request::default());
        assert!(matches!(
            read(b"host=caf\xe9\n"),
            Err(ProtocolError::NotUtf8 { line: 1 })
        ));
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
