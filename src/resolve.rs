//! Which token huggingface_hub's `get_token()` returns, and from where. Each source is one
//! small function; the resolver takes the first that yields a token.

use crate::env::{Env, NotUnicode, System};
use crate::secret::Token;
use crate::settings::Settings;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Where a token came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Env(&'static str),
    File(String),
}

impl Source {
    /// Stable identifier used in `status --json`.
    pub fn id(&self) -> String {
        match self {
            Source::Env(var) => format!("env:{var}"),
            Source::File(path) => format!("file:{path}"),
        }
    }

    /// The fix for a rejected token from this source.
    pub fn fix(&self) -> String {
        match self {
            Source::Env(var) => {
                format!("{var} overrides `hf auth login`: update or unset it")
            }
            Source::File(_) => {
                "log in again with `hf auth login` (or `git-credential-hf login`)".to_string()
            }
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env(var) => f.write_str(var),
            Source::File(path) => write!(f, "the token file {path}"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Resolved {
    pub token: Token,
    pub source: Source,
}

#[derive(Debug)]
pub enum ResolveError {
    Env(NotUnicode),
    Unreadable { path: String, err: io::Error },
    NotUtf8 { path: String },
}

impl std::error::Error for ResolveError {}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Env(e) => e.fmt(f),
            ResolveError::Unreadable { path, err } => write!(
                f,
                "cannot read the token file {path}: {err}: fix its permissions or remove it and log in again"
            ),
            ResolveError::NotUtf8 { path } => write!(
                f,
                "the token file {path} is not valid UTF-8: remove it and log in again"
            ),
        }
    }
}

impl From<NotUnicode> for ResolveError {
    fn from(e: NotUnicode) -> Self {
        ResolveError::Env(e)
    }
}

/// What a source sees.
pub struct Inputs<'a> {
    pub settings: &'a Settings,
    pub env: &'a Env,
    pub sys: &'a dyn System,
}

type SourceFn = fn(&Inputs) -> Result<Option<Resolved>, ResolveError>;

/// huggingface_hub's order (OIDC and the Colab vault do not apply here yet).
const SOURCES: &[SourceFn] = &[from_environment, from_token_file];

pub fn resolve(inputs: &Inputs) -> Result<Option<Resolved>, ResolveError> {
    for source in SOURCES {
        if let Some(found) = source(inputs)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// `clean(env.get("HF_TOKEN") or env.get("HUGGING_FACE_HUB_TOKEN"))`: an empty HF_TOKEN falls
/// through to the legacy variable, a whitespace-only one yields nothing at all.
fn from_environment(inputs: &Inputs) -> Result<Option<Resolved>, ResolveError> {
    let env = inputs.env;
    let (var, value) = match env.non_empty("HF_TOKEN")? {
        Some(v) => ("HF_TOKEN", v),
        None => match env.non_empty("HUGGING_FACE_HUB_TOKEN")? {
            Some(v) => ("HUGGING_FACE_HUB_TOKEN", v),
            None => return Ok(None),
        },
    };
    Ok(clean(value).map(|token| Resolved {
        token,
        source: Source::Env(var),
    }))
}

/// The token file; a missing file means no token, any other read error is an error.
fn from_token_file(inputs: &Inputs) -> Result<Option<Resolved>, ResolveError> {
    let path = &inputs.settings.token_path;
    let bytes = match inputs.sys.read(&pathlib_path(path)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(ResolveError::Unreadable {
                path: path.clone(),
                err,
            });
        }
    };
    let text =
        String::from_utf8(bytes).map_err(|_| ResolveError::NotUtf8 { path: path.clone() })?;
    Ok(clean(&text).map(|token| Resolved {
        token,
        source: Source::File(path.clone()),
    }))
}

/// The file Python's `Path(p)` opens: `""` is `.`, trailing slashes are dropped.
pub fn pathlib_path(p: &str) -> PathBuf {
    let trimmed = p.trim_end_matches('/');
    PathBuf::from(match (p.is_empty(), trimmed.is_empty()) {
        (true, _) => ".",
        (false, true) => "/",
        (false, false) => trimmed,
    })
}

/// `_clean_token`: drop every CR and LF, strip surrounding whitespace, empty means none.
pub fn clean(raw: &str) -> Option<Token> {
    let joined: String = raw.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let stripped = joined.trim_matches(is_python_space);
    (!stripped.is_empty()).then(|| Token::new(stripped))
}

/// Python's `str.isspace`: Unicode White_Space plus the four ASCII information separators.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::FakeSystem;

    const FILE: &str = "/h/.cache/huggingface/token";

    fn run(pairs: &[(&str, &str)], sys: &FakeSystem) -> Result<Option<Resolved>, ResolveError> {
        let mut all = vec![("HOME", "/h")];
        all.extend_from_slice(pairs);
        let env = Env::from_pairs(all);
        let settings = Settings::load(&env, sys).unwrap();
        resolve(&Inputs {
            settings: &settings,
            env: &env,
            sys,
        })
    }

    fn answer(pairs: &[(&str, &str)], sys: &FakeSystem) -> Option<(String, String)> {
        run(pairs, sys)
            .unwrap()
            .map(|r| (r.token.expose().to_string(), r.source.id()))
    }

    fn pair(token: &str, source: &str) -> Option<(String, String)> {
        Some((token.to_string(), source.to_string()))
    }

    #[test]
    fn env_order_and_its_subtleties() {
        let file = FakeSystem::default().with_file(FILE, "hf_file\n");
        let legacy = ("HUGGING_FACE_HUB_TOKEN", "hf_legacy");
        assert_eq!(
            answer(&[("HF_TOKEN", "hf_a"), legacy], &file),
            pair("hf_a", "env:HF_TOKEN")
        );
        assert_eq!(
            answer(&[("HF_TOKEN", ""), legacy], &file),
            pair("hf_legacy", "env:HUGGING_FACE_HUB_TOKEN")
        );
        // Whitespace-only HF_TOKEN wins the `or` but cleans to nothing: the file is used.
        let file_answer = pair("hf_file", &format!("file:{FILE}"));
        assert_eq!(answer(&[("HF_TOKEN", " \t "), legacy], &file), file_answer);
        assert_eq!(answer(&[], &file), file_answer);
        assert_eq!(
            answer(&[("HF_TOKEN", "\r\n hf_a b\r\n")], &file),
            pair("hf_a b", "env:HF_TOKEN")
        );
    }

    #[test]
    fn file_cleaning_and_absence() {
        let sys = |c: &str| FakeSystem::default().with_file(FILE, c);
        assert_eq!(answer(&[], &FakeSystem::default()), None);
        assert_eq!(answer(&[], &sys("")), None);
        assert_eq!(answer(&[], &sys(" \r\n\t")), None);
        assert_eq!(answer(&[], &sys("\u{a0}hf_x\x1c\r\n")).unwrap().0, "hf_x");
        assert_eq!(answer(&[], &sys("hf_\r\nx")).unwrap().0, "hf_x");
    }

    #[test]
    fn unreadable_file_is_an_error_naming_it() {
        let sys = FakeSystem {
            dirs: vec![PathBuf::from(FILE)],
            ..FakeSystem::default()
        };
        let err = run(&[], &sys).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("cannot read the token file {FILE}")),
            "{err}"
        );
        let bad = FakeSystem {
            files: [(PathBuf::from(FILE), vec![0xff, 0xfe])].into(),
            ..FakeSystem::default()
        };
        assert!(
            run(&[], &bad)
                .unwrap_err()
                .to_string()
                .contains("not valid UTF-8")
        );
    }

    #[test]
    fn pathlib_normalisation() {
        assert_eq!(pathlib_path(""), PathBuf::from("."));
        assert_eq!(pathlib_path("a/token/"), PathBuf::from("a/token"));
        assert_eq!(pathlib_path("//"), PathBuf::from("/"));
    }
}
