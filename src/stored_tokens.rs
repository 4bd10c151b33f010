//! huggingface_hub's `stored_tokens` file: read exactly as Python's
//! `configparser.ConfigParser(interpolation=None)` reads it, written exactly as
//! `_save_stored_tokens_full` writes it.
//!
//! How to call it:
//! - `read(&settings.stored_tokens_path, sys)`:
//!   - `Ok(Parsed { tokens, problem: None })`: the sections in file order (a missing file is
//!     no sections).
//!   - `Ok(Parsed { tokens: [], problem: Some(why) })`: a file configparser refuses (duplicate
//!     section or option, no section header, a line that is not `key = value`, not UTF-8).
//!     Python logs it and sees no stored tokens at all; show `why` (it never holds a value) and
//!     do not overwrite the file.
//!   - `Err(e)`: the file exists but cannot be read (permissions, a folder). configparser skips
//!     such a file silently, so to decide as Python does treat it as no stored tokens.
//! - `read_to_update(path, sys)`: for commands that rewrite the file, where a file that cannot
//!   be read or parsed is an error (so its tokens are not lost).
//! - `write(path, &tokens)` rewrites the whole file (sorted by name; it refuses a section
//!   configparser would not read back) and is what login, logout, switch and refresh use;
//!   `write_secret` writes the token file the same way (0600, atomic, folder 0700).
//!
//! A section without `hf_token` has `token` "" (what `get_stored_tokens()` returns for it);
//! `field("hf_token")` tells it apart from an empty value (`hf auth list` shows `<not set>`).

use crate::env::System;
use crate::fsutil;
use crate::resolve::{is_python_space, pathlib_path};
use crate::secret::Token;
use std::io;
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub struct StoredToken {
    pub name: String,
    /// `hf_token` as written, not cleaned ("" when the section has none).
    pub token: Token,
    pub refresh_token: Option<Token>,
    /// `int(expires_at)`, `None` when missing or not an integer; saturates at the i64 range.
    pub expires_at: Option<i64>,
    /// The section as Python's `dict(config.items(name))` has it, DEFAULT keys included, in its
    /// order. Empty for a token made in code (give it a non-empty `token`). A section whose
    /// typed fields still say what these say is written back verbatim (so a rewrite keeps keys it does not know, as Python does);
    /// a changed one is written as `hf_token`, `refresh_token`, `expires_at` only, as
    /// `_save_token` replaces a section whole.
    pub fields: Vec<(String, String)>,
}

impl StoredToken {
    pub fn new(
        name: impl Into<String>,
        token: Token,
        refresh_token: Option<Token>,
        expires_at: Option<i64>,
    ) -> StoredToken {
        StoredToken {
            name: name.into(),
            token,
            refresh_token,
            expires_at,
            fields: Vec::new(),
        }
    }

    fn from_fields(name: String, fields: Vec<(String, String)>) -> StoredToken {
        let get = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        StoredToken {
            token: Token::new(get("hf_token").unwrap_or_default()),
            refresh_token: get("refresh_token").map(Token::new),
            expires_at: get("expires_at").and_then(parse_python_int),
            name,
            fields,
        }
    }

    /// A key of the section as read.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The key/value pairs to write.
    fn lines(&self) -> Vec<(String, String)> {
        let unchanged = StoredToken::from_fields(self.name.clone(), self.fields.clone());
        if unchanged == *self {
            return self.fields.clone();
        }
        let mut out = vec![("hf_token".to_string(), self.token.expose().to_string())];
        if let Some(r) = &self.refresh_token {
            out.push(("refresh_token".into(), r.expose().to_string()));
        }
        if let Some(at) = self.expires_at {
            out.push(("expires_at".into(), at.to_string()));
        }
        out
    }
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub tokens: Vec<StoredToken>,
    /// Why Python sees no stored tokens in a file that is there.
    pub problem: Option<String>,
}

#[cfg(test)]
impl Parsed {
    pub fn get(&self, name: &str) -> Option<&StoredToken> {
        self.tokens.iter().find(|t| t.name == name)
    }
}

pub fn read(path: &str, sys: &dyn System) -> io::Result<Parsed> {
    match sys.read(&pathlib_path(path)) {
        Ok(bytes) => Ok(parse(&bytes)),
        // `Path.exists()` is false for these.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(Parsed::default())
        }
        Err(e) => Err(e),
    }
}

/// For the commands that rewrite the file: a file that cannot be read or parsed is an error
/// that says what to do, where Python would see no tokens and overwrite them.
pub fn read_to_update(path: &str, sys: &dyn System) -> Result<Vec<StoredToken>, String> {
    let parsed = read(path, sys)
        .map_err(|e| format!("cannot read {path}: {e}: fix its permissions or move it away"))?;
    match parsed.problem {
        None => Ok(parsed.tokens),
        Some(problem) => Err(format!(
            "{path} cannot be parsed ({problem}): fix it or move it away, then try again"
        )),
    }
}

pub fn parse(bytes: &[u8]) -> Parsed {
    let parsed = std::str::from_utf8(bytes)
        .map_err(|e| {
            format!(
                "it is not valid UTF-8 (byte {})",
                e.valid_up_to().saturating_add(1)
            )
        })
        .and_then(parse_ini);
    match parsed {
        Ok(tokens) => Parsed {
            tokens,
            problem: None,
        },
        Err(problem) => Parsed {
            tokens: Vec::new(),
            problem: Some(problem),
        },
    }
}

/// The file as configparser writes it: `[name]`, `key = value` (newlines in a value become
/// newline + tab), a blank line; sections sorted by name.
pub fn render(tokens: &[StoredToken]) -> String {
    let mut sorted: Vec<&StoredToken> = tokens.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    for t in sorted {
        out.push('[');
        out.push_str(&t.name);
        out.push_str("]\n");
        for (key, value) in t.lines() {
            out.push_str(&key);
            out.push_str(" = ");
            out.push_str(&value.replace('\n', "\n\t"));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// Refuses (InvalidInput) a section configparser would not read back as written: the name
/// `DEFAULT` (Python's `add_section` raises), an empty name, line breaks, a value with
/// surrounding blanks.
pub fn write(path: &str, tokens: &[StoredToken]) -> io::Result<()> {
    if let Some(t) = tokens.iter().find(|t| !round_trips(t)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the token `{}` cannot be stored in stored_tokens: configparser would not read it back",
                t.name.escape_debug()
            ),
        ));
    }
    write_secret(path, render(tokens).as_bytes())
}

fn round_trips(t: &StoredToken) -> bool {
    let back = parse(render(std::slice::from_ref(t)).as_bytes()).tokens;
    match back.as_slice() {
        [b] => {
            b.name == t.name
                && b.token == t.token
                && b.refresh_token == t.refresh_token
                && b.expires_at == t.expires_at
        }
        _ => false,
    }
}

/// `_write_secret`: the file 0600 (atomically here), and its folder made 0700 as Python does,
/// except a shared folder with the sticky bit (such as /tmp), which is not the user's to lock.
pub fn write_secret(path: &str, content: &[u8]) -> io::Result<()> {
    let path = pathlib_path(path);
    fsutil::write_private(&path, content)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if let Ok(meta) = std::fs::metadata(dir)
            && meta.permissions().mode() & 0o1000 == 0
        {
            // Best effort, as in Python.
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    Ok(())
}

const DEFAULT_SECTION: &str = "DEFAULT";

fn py_strip(s: &str) -> &str {
    s.trim_matches(is_python_space)
}

#[derive(Clone, Copy, PartialEq)]
enum Cursor {
    None,
    Default,
    Section(usize),
}

type Options = Vec<(String, Vec<String>)>;

/// `RawConfigParser._read` with the default options (delimiters `=` `:`, comment prefixes `#`
/// `;` on whole lines only, strict, empty lines kept in values), then `items()` per section.
/// Errors name lines and sections, never a value.
fn parse_ini(text: &str) -> Result<Vec<StoredToken>, String> {
    // Python opens the file with universal newlines.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut defaults: Options = Vec::new();
    let mut sections: Vec<(String, Options)> = Vec::new();
    let mut added: Vec<(String, Option<String>)> = Vec::new();
    let mut cur = Cursor::None;
    let mut sectname = String::new();
    let mut optname: Option<String> = None;
    let mut indent_level = 0usize;
    let mut bad_line: Option<usize> = None;

    for (i, line) in text.split_inclusive('\n').enumerate() {
        let lineno = i + 1;
        let stripped = py_strip(line);
        let comment = stripped.starts_with('#') || stripped.starts_with(';');
        let value = if comment { "" } else { stripped };
        let opts = match cur {
            Cursor::None => None,
            Cursor::Default => Some(&mut defaults),
            Cursor::Section(i) => Some(&mut sections[i].1),
        };
        if value.is_empty() {
            if !comment && let (Some(opts), Some(name)) = (opts, &optname) {
                push_line(opts, name, String::new());
            }
            continue;
        }
        let indent = line.chars().take_while(|c| is_python_space(*c)).count();
        if let (Some(opts), Some(name)) = (opts, &optname)
            && indent > indent_level
        {
            push_line(opts, name, value.to_string());
            continue;
        }
        indent_level = indent;
        if let Some(header) = section_header(value) {
            sectname = header.to_string();
            if header == DEFAULT_SECTION {
                cur = Cursor::Default;
            } else {
                if added.iter().any(|(s, o)| *s == sectname && o.is_none()) {
                    return Err(format!(
                        "section [{sectname}] appears twice (line {lineno})"
                    ));
                }
                added.push((sectname.clone(), None));
                sections.push((sectname.clone(), Vec::new()));
                cur = Cursor::Section(sections.len() - 1);
            }
            optname = None;
            continue;
        }
        if cur == Cursor::None {
            return Err(format!("line {lineno} comes before any [section] header"));
        }
        let Some(delim) = value.find(['=', ':']) else {
            bad_line.get_or_insert(lineno);
            continue;
        };
        let key = value[..delim]
            .trim_end_matches(is_python_space)
            .to_lowercase();
        if key.is_empty() {
            bad_line.get_or_insert(lineno);
            optname = None;
            continue;
        }
        let slot = (sectname.clone(), Some(key.clone()));
        if added.contains(&slot) {
            return Err(format!(
                // The key is not shown: on a mangled line it could be part of a token.
                "a key appears twice in section [{sectname}] (line {lineno})"
            ));
        }
        added.push(slot);
        let opts = match cur {
            Cursor::Default => &mut defaults,
            Cursor::Section(i) => &mut sections[i].1,
            Cursor::None => unreachable!("checked above"),
        };
        opts.push((key.clone(), vec![py_strip(&value[delim + 1..]).to_string()]));
        optname = Some(key);
    }
    if let Some(lineno) = bad_line {
        return Err(format!("line {lineno} is not `key = value`"));
    }

    let join = |lines: &[String]| {
        lines
            .join("\n")
            .trim_end_matches(is_python_space)
            .to_string()
    };
    Ok(sections
        .into_iter()
        .map(|(name, opts)| {
            // `items()`: DEFAULT's keys first, overridden by the section's own values.
            let mut fields: Vec<(String, String)> =
                defaults.iter().map(|(k, v)| (k.clone(), join(v))).collect();
            for (k, v) in &opts {
                match fields.iter_mut().find(|(fk, _)| fk == k) {
                    Some(slot) => slot.1 = join(v),
                    None => fields.push((k.clone(), join(v))),
                }
            }
            StoredToken::from_fields(name, fields)
        })
        .collect())
}

fn push_line(opts: &mut Options, name: &str, line: String) {
    if let Some((_, lines)) = opts.iter_mut().find(|(k, _)| k == name) {
        lines.push(line);
    }
}

/// `SECTCRE.match`: `\[(?P<header>.+)\]` at the start, the header running to the last `]`.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}

/// Python's `int(s)` in base 10: surrounding whitespace, a sign, decimal digits of any script,
/// single underscores between digits. Out-of-range values saturate, which keeps their order.
pub fn parse_python_int(s: &str) -> Option<i64> {
    // int() strips str.isspace() characters except the ASCII information separators.
    let s = s.trim_matches(|c: char| is_python_space(c) && !('\x1c'..='\x1f').contains(&c));
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mut value: i128 = 0;
    let mut after_digit = false;
    let mut any = false;
    for c in digits.chars() {
        if c == '_' {
            if !after_digit {
                return None;
            }
            after_digit = false;
            continue;
        }
        let d = decimal_value(c)?;
        value = (value * 10 + i128::from(d)).min(i128::from(i64::MAX) + 1);
        after_digit = true;
        any = true;
    }
    if !any || !after_digit {
        return None;
    }
    let value = if negative { -value } else { value };
    Some(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// `unicodedata.decimal`: every Unicode decimal digit sits in a run of ten from a zero.
fn decimal_value(c: char) -> Option<u32> {
    /// The zeros of Unicode 14.0 (Python 3.11), generated from `unicodedata.decimal`.
    const ZEROS: &[u32] = &[
        0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
        0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
        0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0,
        0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0,
        0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0,
        0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
    ];
    let cp = c as u32;
    let i = ZEROS.partition_point(|&z| z <= cp).checked_sub(1)?;
    let d = cp - ZEROS[i];
    (d < 10).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::FakeSystem;

    type Sections = &'static [(&'static str, &'static [(&'static str, &'static str)])];

    /// (case, file text, what Python 3.11's `_read_stored_tokens_full` returns (None: it
    /// logs an error and returns {}), what `_save_stored_tokens_full` writes back), generated
    /// by running Python on each text.
    const PYTHON_CASES: &[(&str, &str, Option<Sections>, Option<&str>)] = &[
        (
            "oauth",
            "[oauth-alice]\nhf_token = hf_oauth\nrefresh_token = hf_refresh\nexpires_at = 1700000000\n\n",
            Some(&[(
                "oauth-alice",
                &[
                    ("hf_token", "hf_oauth"),
                    ("refresh_token", "hf_refresh"),
                    ("expires_at", "1700000000"),
                ],
            )]),
            Some(
                "[oauth-alice]\nhf_token = hf_oauth\nrefresh_token = hf_refresh\nexpires_at = 1700000000\n\n",
            ),
        ),
        (
            "colon_and_case",
            "[a]\nHF_Token: x = y\nRefresh_Token :  r  \n",
            Some(&[("a", &[("hf_token", "x = y"), ("refresh_token", "r")])]),
            Some("[a]\nhf_token = x = y\nrefresh_token = r\n\n"),
        ),
        (
            "continuation",
            "[a]\nhf_token = one\n  two\n\n  three\n\n[b]\n  hf_token = x\n  expires_at = 5\n    6\n",
            Some(&[
                ("a", &[("hf_token", "one\ntwo\n\nthree")]),
                ("b", &[("hf_token", "x"), ("expires_at", "5\n6")]),
            ]),
            Some(
                "[a]\nhf_token = one\n\ttwo\n\t\n\tthree\n\n[b]\nhf_token = x\nexpires_at = 5\n\t6\n\n",
            ),
        ),
        (
            "comments",
            "# c\n; c\n[a]\n# inside\nhf_token = t\n  # not a continuation comment\n  more\n",
            Some(&[("a", &[("hf_token", "t\nmore")])]),
            Some("[a]\nhf_token = t\n\tmore\n\n"),
        ),
        (
            "default",
            "[DEFAULT]\nhf_token = dflt\nextra = e\n[a]\n[b]\nhf_token = mine\n[DEFAULT]\nzz = 1\n",
            Some(&[
                ("a", &[("hf_token", "dflt"), ("extra", "e"), ("zz", "1")]),
                ("b", &[("hf_token", "mine"), ("extra", "e"), ("zz", "1")]),
            ]),
            Some(
                "[a]\nhf_token = dflt\nextra = e\nzz = 1\n\n[b]\nhf_token = mine\nextra = e\nzz = 1\n\n",
            ),
        ),
        (
            "only_default",
            "[DEFAULT]\nhf_token = x\n",
            Some(&[]),
            Some(""),
        ),
        (
            "header_junk",
            "[a] trailing\nhf_token = x\n[b]]\nhf_token = y\n  [c]\n",
            Some(&[
                ("a", &[("hf_token", "x")]),
                ("b]", &[("hf_token", "y\n[c]")]),
            ]),
            Some("[a]\nhf_token = x\n\n[b]]\nhf_token = y\n\t[c]\n\n"),
        ),
        (
            "crlf",
            "[a]\r\nhf_token = x\r\n[b]\rhf_token = y\r",
            Some(&[("a", &[("hf_token", "x")]), ("b", &[("hf_token", "y")])]),
            Some("[a]\nhf_token = x\n\n[b]\nhf_token = y\n\n"),
        ),
        (
            "empty_values",
            "[a]\nhf_token =\nrefresh_token=\n",
            Some(&[("a", &[("hf_token", ""), ("refresh_token", "")])]),
            Some("[a]\nhf_token = \nrefresh_token = \n\n"),
        ),
        (
            "no_hf_token",
            "[a]\nother = 1\n",
            Some(&[("a", &[("other", "1")])]),
            Some("[a]\nother = 1\n\n"),
        ),
        ("dup_section", "[a]\nhf_token = x\n[a]\n", None, None),
        (
            "dup_option",
            "[a]\nhf_token = x\nHF_TOKEN = y\n",
            None,
            None,
        ),
        ("no_header", "hf_token = x\n[a]\n", None, None),
        ("bad_line", "[a]\nhf_token = x\njunk\n", None, None),
        ("empty_key", "[a]\n= x\n", None, None),
        ("bom", "\u{feff}[a]\nhf_token = x\n", None, None),
        (
            "unicode",
            "[caf\u{e9} \u{130}]\n\u{130}KEY = v\u{e9}\n\u{3000} cont\n",
            Some(&[("caf\u{e9} \u{130}", &[("i\u{307}key", "v\u{e9}\ncont")])]),
            Some("[caf\u{e9} \u{130}]\ni\u{307}key = v\u{e9}\n\tcont\n\n"),
        ),
        (
            "dup_default_opt",
            "[DEFAULT]\nk = 1\n[DEFAULT]\nk = 2\n",
            None,
            None,
        ),
        (
            "indented_header_after_header",
            "[a]\n  [b]\nhf_token = x\n",
            Some(&[("a", &[]), ("b", &[("hf_token", "x")])]),
            Some("[a]\n\n[b]\nhf_token = x\n\n"),
        ),
        ("empty", "", Some(&[]), Some("")),
        ("blank_only", "\n\n  \n", Some(&[]), Some("")),
        (
            "tab_values",
            "[a]\nhf_token\t=\tx\ty\t\n",
            Some(&[("a", &[("hf_token", "x\ty")])]),
            Some("[a]\nhf_token = x\ty\n\n"),
        ),
        (
            "percent",
            "[a]\nhf_token = 100%x%(y)s\n",
            Some(&[("a", &[("hf_token", "100%x%(y)s")])]),
            Some("[a]\nhf_token = 100%x%(y)s\n\n"),
        ),
        (
            "spaces_name",
            "[ a b ]\nhf_token = x\n",
            Some(&[(" a b ", &[("hf_token", "x")])]),
            Some("[ a b ]\nhf_token = x\n\n"),
        ),
        (
            "expires_variants",
            "[a]\nexpires_at = 1_700\n[b]\nexpires_at = abc\n[c]\nexpires_at = -5\n[d]\nexpires_at = 99999999999999999999999\n[e]\nexpires_at = \u{661}\u{662}\n",
            Some(&[
                ("a", &[("expires_at", "1_700")]),
                ("b", &[("expires_at", "abc")]),
                ("c", &[("expires_at", "-5")]),
                ("d", &[("expires_at", "99999999999999999999999")]),
                ("e", &[("expires_at", "\u{661}\u{662}")]),
            ]),
            Some(
                "[a]\nexpires_at = 1_700\n\n[b]\nexpires_at = abc\n\n[c]\nexpires_at = -5\n\n[d]\nexpires_at = 99999999999999999999999\n\n[e]\nexpires_at = \u{661}\u{662}\n\n",
            ),
        ),
        (
            "empty_line_then_comment",
            "[a]\nhf_token = x\n\n# c\n  y\n",
            Some(&[("a", &[("hf_token", "x\n\ny")])]),
            Some("[a]\nhf_token = x\n\t\n\ty\n\n"),
        ),
        (
            "continuation_of_bad",
            "[a]\nhf_token = x\n\u{c}\n  \u{2028} y\n",
            Some(&[("a", &[("hf_token", "x\n\ny")])]),
            Some("[a]\nhf_token = x\n\t\n\ty\n\n"),
        ),
    ];

    fn as_pairs(tokens: &[StoredToken]) -> Vec<(String, Vec<(String, String)>)> {
        tokens
            .iter()
            .map(|t| (t.name.clone(), t.fields.clone()))
            .collect()
    }

    #[test]
    fn reads_and_writes_like_python_configparser() {
        for (case, text, expected, written) in PYTHON_CASES {
            let parsed = parse(text.as_bytes());
            match expected {
                None => {
                    assert!(parsed.tokens.is_empty(), "{case}");
                    assert!(parsed.problem.is_some(), "{case}: no problem reported");
                }
                Some(sections) => {
                    assert_eq!(parsed.problem, None, "{case}");
                    let want: Vec<(String, Vec<(String, String)>)> = sections
                        .iter()
                        .map(|(n, kv)| {
                            let kv = kv.iter().map(|(k, v)| (k.to_string(), v.to_string()));
                            (n.to_string(), kv.collect())
                        })
                        .collect();
                    assert_eq!(as_pairs(&parsed.tokens), want, "{case}");
                }
            }
            if let Some(written) = written {
                assert_eq!(render(&parsed.tokens), *written, "{case}");
            }
        }
    }

    #[test]
    fn typed_fields_follow_python() {
        let p = parse(b"[o]\nhf_token = a\nrefresh_token = r\nexpires_at = 17\n[n]\nx = 1\n");
        let o = p.get("o").unwrap();
        assert_eq!(o.token.expose(), "a");
        assert_eq!(o.refresh_token.as_ref().map(Token::expose), Some("r"));
        assert_eq!(o.expires_at, Some(17));
        let n = p.get("n").unwrap();
        assert_eq!((n.token.expose(), n.field("hf_token")), ("", None));
        assert_eq!((n.refresh_token.clone(), n.expires_at), (None, None));
        let inherited = parse(b"[DEFAULT]\nhf_token = d\n[s]\n");
        assert_eq!(inherited.get("s").unwrap().token.expose(), "d");
    }

    #[test]
    fn problems_name_lines_never_values() {
        let secret = "hf_SecretSecretSecretSecret";
        for text in [
            format!("{secret}\n[a]\n"),
            format!("[a]\nhf_token = {secret}\n{secret}\n"),
            format!("[a]\nhf_token = {secret}\nhf_token = {secret}\n"),
            format!("[{secret}]\n[{secret}]\n"),
        ] {
            let problem = parse(text.as_bytes()).problem.unwrap();
            assert!(problem.contains("line"), "{problem}");
            if !text.starts_with('[') || text.starts_with("[a]") {
                assert!(!problem.contains(secret), "{problem}");
            }
        }
        let bad = parse(b"[a]\nhf_token = \xff\n");
        assert!(bad.tokens.is_empty());
        assert!(bad.problem.unwrap().contains("UTF-8"));
    }

    #[test]
    fn the_fixture_written_by_huggingface_hub_round_trips() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/huggingface_hub-2.4/stored_tokens"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let parsed = read(path, &crate::env::RealSystem).unwrap();
        let names: Vec<&str> = parsed.tokens.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["ci-read", "laptop"]);
        // The fixture's active token is the `laptop` one.
        let active = std::fs::read_to_string(path.replace("stored_tokens", "token")).unwrap();
        assert_eq!(parsed.get("laptop").unwrap().token.expose(), active);
        assert_eq!(render(&parsed.tokens), text);
    }

    #[test]
    fn missing_is_empty_unreadable_is_an_error() {
        let p = read("/h/stored_tokens", &FakeSystem::default()).unwrap();
        assert!(p.tokens.is_empty() && p.problem.is_none());
        let dir = FakeSystem {
            dirs: vec!["/h/stored_tokens".into()],
            ..FakeSystem::default()
        };
        assert!(read("/h/stored_tokens", &dir).is_err());
    }

    #[test]
    fn a_changed_section_is_replaced_whole_an_unchanged_one_kept() {
        let mut p =
            parse(b"[b]\nexpires_at = soon\nhf_token = old\nnote = n\n[a]\nhf_token = x\nk = v\n");
        let b = p.tokens.iter_mut().find(|t| t.name == "b").unwrap();
        b.token = Token::new("new");
        b.refresh_token = Some(Token::new("r"));
        b.expires_at = Some(5);
        p.tokens
            .push(StoredToken::new("c", Token::new("t\nu"), None, None));
        assert_eq!(
            render(&p.tokens),
            "[a]\nhf_token = x\nk = v\n\n\
             [b]\nhf_token = new\nrefresh_token = r\nexpires_at = 5\n\n\
             [c]\nhf_token = t\n\tu\n\n"
        );
    }

    #[test]
    fn python_int() {
        let cases: &[(&str, Option<i64>)] = &[
            ("17", Some(17)),
            (" 12 ", Some(12)),
            ("+5", Some(5)),
            ("-5", Some(-5)),
            ("1_000", Some(1000)),
            ("007", Some(7)),
            ("\u{661}\u{662}", Some(12)),
            ("\u{ff11}\u{ff10}", Some(10)),
            ("\u{3000}7\u{85}", Some(7)),
            ("99999999999999999999999", Some(i64::MAX)),
            ("-99999999999999999999999", Some(i64::MIN)),
            ("_1", None),
            ("1_", None),
            ("1__0", None),
            ("+-5", None),
            ("", None),
            (" ", None),
            ("1.0", None),
            ("0x10", None),
            ("1 2", None),
            ("7\x1c", None),
            ("abc", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_python_int(text), *want, "{text:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn writes_0600_in_a_0700_folder_and_refuses_default() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("hf");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.join("stored_tokens");
        let path = path.to_str().unwrap();
        write(path, &[StoredToken::new("a", Token::new("x"), None, None)]).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(Path::new(path)), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            "[a]\nhf_token = x\n\n"
        );
        for (name, token) in [
            ("DEFAULT", "x"),
            ("", "x"),
            ("a\nb", "x"),
            ("a", " x"),
            ("a", "x\n"),
        ] {
            let t = StoredToken::new(name, Token::new(token), None, None);
            let err = write(path, &[t]).unwrap_err();
            assert_eq!(
                err.kind(),
                io::ErrorKind::InvalidInput,
                "{name:?} {token:?}"
            );
        }
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            "[a]\nhf_token = x\n\n"
        );
        // Odd but faithful names are fine.
        write(
            path,
            &[StoredToken::new("a]b [c", Token::new("x"), None, None)],
        )
        .unwrap();
    }
}
