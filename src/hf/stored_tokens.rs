//! huggingface_hub's `stored_tokens` file: read exactly as Python's
//! `configparser.ConfigParser(interpolation=None)` reads it, written exactly as
//! `_save_stored_tokens_full` writes it.
//!
//! How to call it:
//! - `read(&settings.stored_tokens_path, fs)`:
//!   - `Ok(Parsed { tokens, problem: None })`: the sections in file order (a missing file is
//!     no sections).
//!   - `Ok(Parsed { tokens: [], problem: Some(why) })`: a file configparser refuses (duplicate
//!     section or option, no section header, a line that is not `key = value`, not UTF-8).
//!     Python logs it and sees no stored tokens at all; show `why` (it never holds a value) and
//!     do not overwrite the file.
//!   - `Err(e)`: the file exists but cannot be read (permissions, a folder). configparser skips
//!     such a file silently, so to decide as Python does treat it as no stored tokens.
//! - `read_to_update(path, fs)`: for commands that rewrite the file, where a file that cannot
//!   be read or parsed is an error (so its tokens are not lost).
//! - `write(path, &tokens, fs)` rewrites the whole file (sorted by name; it refuses a section
//!   configparser would not read back) and is what login, logout, switch and refresh use
//!   (0600, atomic, folder 0700, as `Fs::write_secret` writes).
//!
//! A section without `hf_token` has `token` "" (what `get_stored_tokens()` returns for it);
//! `field("hf_token")` tells it apart from an empty value (`hf auth list` shows `<not set>`).

use crate::io::fs::Fs;
use crate::python::configparser::{self, Section};
use crate::python::path::PyPath;
use crate::python::text::parse_int;
use crate::token::{Secret, Token};
use std::io;

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
    /// typed fields still say what these say is written back verbatim (so a rewrite keeps keys
    /// it does not know, as Python does); a changed one is written as `hf_token`,
    /// `refresh_token`, `expires_at` only, as `_save_token` replaces a section whole.
    fields: Secret<Vec<(String, String)>>,
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
            fields: Secret::default(),
        }
    }

    fn from_section(section: Section) -> StoredToken {
        StoredToken {
            token: Token::new(section.get("hf_token").unwrap_or_default()),
            refresh_token: section.get("refresh_token").map(Token::new),
            expires_at: section.get("expires_at").and_then(parse_int),
            name: section.name,
            fields: Secret::new(section.options),
        }
    }

    /// A key of the section as read.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .expose()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The key/value pairs to write.
    fn lines(&self) -> Vec<(String, String)> {
        let unchanged = StoredToken::from_section(Section {
            name: self.name.clone(),
            options: self.fields.expose().clone(),
        });
        if unchanged == *self {
            return self.fields.expose().clone();
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

pub fn read(path: &PyPath, fs: &dyn Fs) -> io::Result<Parsed> {
    match fs.read(&path.file()) {
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
pub fn read_to_update(path: &PyPath, fs: &dyn Fs) -> Result<Vec<StoredToken>, String> {
    let parsed = read(path, fs)
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
        .and_then(configparser::parse);
    match parsed {
        Ok(sections) => Parsed {
            tokens: sections
                .into_iter()
                .map(StoredToken::from_section)
                .collect(),
            problem: None,
        },
        Err(problem) => Parsed {
            tokens: Vec::new(),
            problem: Some(problem),
        },
    }
}

/// The file as `_save_stored_tokens_full` writes it: sections sorted by name.
pub fn render(tokens: &[StoredToken]) -> String {
    let mut sorted: Vec<(&str, Vec<(String, String)>)> = tokens
        .iter()
        .map(|t| (t.name.as_str(), t.lines()))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    configparser::render(sorted.iter().map(|(n, lines)| (*n, lines.as_slice())))
}

/// Refuses (InvalidInput) a section configparser would not read back as written: the name
/// `DEFAULT` (Python's `add_section` raises), an empty name, line breaks, a value with
/// surrounding blanks.
pub fn write(path: &PyPath, tokens: &[StoredToken], fs: &dyn Fs) -> io::Result<()> {
    if let Some(t) = tokens.iter().find(|t| !round_trips(t)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the token `{}` cannot be stored in stored_tokens: configparser would not read it back",
                t.name.escape_debug()
            ),
        ));
    }
    fs.write_secret(&path.file(), render(tokens).as_bytes())
}

/// Whether a section of this name reads back as written (not `DEFAULT`, no line break...).
pub fn name_is_storable(name: &str) -> bool {
    round_trips(&StoredToken::new(name, Token::new("x"), None, None))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::fs::{FakeFs, LiveFs};
    use crate::python::path::Flavor;

    fn py(path: &str) -> PyPath {
        PyPath::new(path.as_bytes().to_vec(), Flavor::NATIVE)
    }

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
            .map(|t| (t.name.clone(), t.fields.expose().clone()))
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
        let parsed = read(&py(path), &LiveFs).unwrap();
        let names: Vec<&str> = parsed.tokens.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["ci-read", "laptop"]);
        // The fixture's active token is the `laptop` one.
        let active = std::fs::read_to_string(path.replace("stored_tokens", "token")).unwrap();
        assert_eq!(parsed.get("laptop").unwrap().token.expose(), active);
        assert_eq!(render(&parsed.tokens), text);
    }

    #[test]
    fn missing_is_empty_unreadable_is_an_error() {
        let p = read(&py("/h/stored_tokens"), &FakeFs::default()).unwrap();
        assert!(p.tokens.is_empty() && p.problem.is_none());
        let dir = FakeFs {
            dirs: vec!["/h/stored_tokens".into()],
            ..FakeFs::default()
        };
        assert!(read(&py("/h/stored_tokens"), &dir).is_err());
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
        write(
            &py(path),
            &[StoredToken::new("a", Token::new("x"), None, None)],
            &LiveFs,
        )
        .unwrap();
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(std::path::Path::new(path)), 0o600);
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
            let err = write(&py(path), &[t], &LiveFs).unwrap_err();
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
            &py(path),
            &[StoredToken::new("a]b [c", Token::new("x"), None, None)],
            &LiveFs,
        )
        .unwrap();
    }
}
