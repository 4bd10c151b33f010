//! Which token huggingface_hub's `get_token()` returns, and from where. Each source is one
//! small function; the resolver takes the first that yields a token.

use crate::env::{Env, NotUnicode, System};
use crate::oauth::{self, Due, Plan};
use crate::oidc::{self, OidcRequest};
use crate::secret::Token;
use crate::settings::Settings;
use crate::stored_tokens;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Where a token came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// HF_OIDC_RESOURCE: a token exchanged for this resource.
    Oidc(String),
    Env(&'static str),
    File(String),
}

impl Source {
    /// Stable identifier used in `status --json`.
    pub fn id(&self) -> String {
        match self {
            Source::Oidc(resource) => format!("oidc:{resource}"),
            Source::Env(var) => format!("env:{var}"),
            Source::File(path) => format!("file:{path}"),
        }
    }

    /// The fix for a rejected token from this source.
    pub fn fix(&self) -> String {
        match self {
            Source::Oidc(resource) => format!(
                "check the Trusted Publisher set up for {resource} on the Hub, or unset HF_OIDC_RESOURCE"
            ),
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
            Source::Oidc(resource) => write!(f, "the OIDC token exchange for {resource}"),
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
    /// HF_OIDC_RESOURCE is set and no token could be had: an error, never a fall-through.
    Oidc(String),
    Unreadable {
        path: String,
        err: io::Error,
    },
    NotUtf8 {
        path: String,
    },
}

impl std::error::Error for ResolveError {}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Env(e) => e.fmt(f),
            ResolveError::Oidc(message) => f.write_str(message),
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
    pub effects: &'a dyn Effects,
}

/// What resolving may need beyond reading: the clock, an OAuth refresh, an OIDC exchange.
/// `Ctx` is the real one; the decisions around them stay here, pure.
pub trait Effects {
    /// Unix seconds.
    fn now(&self) -> i64;
    /// Runs a refresh `oauth::plan` found due; `None` when it failed (the old token is used).
    fn refresh(&self, due: &Due, now: i64) -> Option<Token>;
    /// The token for an OIDC request, or an error message that says what to do.
    fn oidc(&self, request: &OidcRequest) -> Result<Token, String>;
}

type SourceFn = fn(&Inputs) -> Result<Option<Resolved>, ResolveError>;

/// huggingface_hub's order (the Colab vault does not apply to a git helper).
const SOURCES: &[SourceFn] = &[from_oidc, from_environment, from_token_file];

pub fn resolve(inputs: &Inputs) -> Result<Option<Resolved>, ResolveError> {
    for source in SOURCES {
        if let Some(found) = source(inputs)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// HF_OIDC_RESOURCE set: the exchanged token, or an error.
fn from_oidc(inputs: &Inputs) -> Result<Option<Resolved>, ResolveError> {
    let Some(request) = oidc::request(inputs.settings, inputs.env)
        .map_err(|e| ResolveError::Oidc(e.to_string()))?
    else {
        return Ok(None);
    };
    let token = inputs.effects.oidc(&request).map_err(ResolveError::Oidc)?;
    Ok(Some(Resolved {
        token,
        source: Source::Oidc(request.resource),
    }))
}

/// `clean(env.get("HF_TOKEN") or env.get("HUGGING_FACE_HUB_TOKEN"))`: an empty HF_TOKEN falls
/// through to the legacy variable, a whitespace-only one yields nothing at all.
fn from_environment(inputs: &Inputs) -> Result<Option<Resolved>, ResolveError> {
    environment_token(inputs.env)
}

/// `_get_token_from_environment()`, which `hf auth login/switch/logout/list` also consult.
pub fn environment_token(env: &Env) -> Result<Option<Resolved>, ResolveError> {
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

/// The token file, refreshed first when it is an expiring OAuth token.
fn from_token_file(inputs: &Inputs) -> Result<Option<Resolved>, ResolveError> {
    let Some(token) = read_token_file(inputs.settings, inputs.sys)? else {
        return Ok(None);
    };
    Ok(Some(Resolved {
        token: refreshed(inputs, token)?,
        source: Source::File(inputs.settings.token_path.clone()),
    }))
}

/// `_refresh_oauth_token_if_needed`. The stored tokens are read as Python reads them (a file
/// configparser skips or refuses is no stored tokens).
fn refreshed(inputs: &Inputs, token: Token) -> Result<Token, ResolveError> {
    let stored = stored_tokens::read(&inputs.settings.stored_tokens_path, inputs.sys)
        .map(|p| p.tokens)
        .unwrap_or_default();
    let now = inputs.effects.now();
    match oauth::plan(&token, &stored, now) {
        Plan::NotDue => Ok(token),
        // Without stored tokens there is nothing to refresh: no second read on the warm path.
        Plan::NotOAuth if stored.is_empty() => Ok(token),
        // `token` may have just been replaced by a concurrent refresh (it is then no longer in
        // the stored tokens): serve the fresh file token.
        Plan::NotOAuth => Ok(read_token_file(inputs.settings, inputs.sys)?
            .filter(|current| *current != token)
            .unwrap_or(token)),
        Plan::Due(due) => Ok(inputs.effects.refresh(&due, now).unwrap_or(token)),
    }
}

/// The cleaned token file; a missing file means no token, any other read error is an error.
pub fn read_token_file(
    settings: &Settings,
    sys: &dyn System,
) -> Result<Option<Token>, ResolveError> {
    let path = &settings.token_path;
    let bytes = match sys.read(&pathlib_path(path)) {
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
    Ok(clean(&text))
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
    const STORED: &str = "/h/.cache/huggingface/stored_tokens";
    const NOW: i64 = 1_800_000_000;

    /// Records what the resolver asked for and answers as told.
    #[derive(Default)]
    struct FakeEffects {
        refreshed: Option<&'static str>,
        oidc: Option<Result<&'static str, &'static str>>,
        refresh_calls: std::cell::RefCell<Vec<Due>>,
        oidc_calls: std::cell::RefCell<Vec<OidcRequest>>,
    }

    impl Effects for FakeEffects {
        fn now(&self) -> i64 {
            NOW
        }
        fn refresh(&self, due: &Due, now: i64) -> Option<Token> {
            assert_eq!(now, NOW);
            self.refresh_calls.borrow_mut().push(due.clone());
            self.refreshed.map(Token::new)
        }
        fn oidc(&self, request: &OidcRequest) -> Result<Token, String> {
            self.oidc_calls.borrow_mut().push(request.clone());
            match self.oidc.expect("no OIDC exchange expected") {
                Ok(t) => Ok(Token::new(t)),
                Err(e) => Err(e.to_string()),
            }
        }
    }

    fn run_with(
        pairs: &[(&str, &str)],
        sys: &FakeSystem,
        effects: &FakeEffects,
    ) -> Result<Option<Resolved>, ResolveError> {
        let mut all = vec![("HOME", "/h")];
        all.extend_from_slice(pairs);
        let env = Env::from_pairs(all);
        let settings = Settings::load(&env, sys).unwrap();
        resolve(&Inputs {
            settings: &settings,
            env: &env,
            sys,
            effects,
        })
    }

    fn run(pairs: &[(&str, &str)], sys: &FakeSystem) -> Result<Option<Resolved>, ResolveError> {
        run_with(pairs, sys, &FakeEffects::default())
    }

    fn oauth_files(expires_at: i64) -> FakeSystem {
        FakeSystem::default().with_file(FILE, "hf_old\n").with_file(
            STORED,
            &format!(
                "[oauth-al]\nhf_token = hf_old\nrefresh_token = r1\nexpires_at = {expires_at}\n"
            ),
        )
    }

    #[test]
    fn a_due_oauth_token_is_refreshed_a_fresh_one_is_not() {
        let fx = FakeEffects {
            refreshed: Some("hf_new"),
            ..FakeEffects::default()
        };
        let got = run_with(&[], &oauth_files(NOW + 3600), &fx)
            .unwrap()
            .unwrap();
        assert_eq!(got.token.expose(), "hf_new");
        assert_eq!(got.source, Source::File(FILE.into()));
        assert_eq!(
            fx.refresh_calls.borrow().as_slice(),
            [Due {
                name: "oauth-al".into(),
                token: Token::new("hf_old"),
                refresh_token: Token::new("r1"),
            }]
        );
        let fx = FakeEffects::default();
        let got = run_with(&[], &oauth_files(NOW + 2 * 86_400), &fx)
            .unwrap()
            .unwrap();
        assert_eq!(got.token.expose(), "hf_old");
        assert!(fx.refresh_calls.borrow().is_empty());
        // The environment wins before any refresh is considered.
        run_with(&[("HF_TOKEN", "hf_env")], &oauth_files(NOW), &fx).unwrap();
        assert!(fx.refresh_calls.borrow().is_empty());
    }

    #[test]
    fn a_failed_refresh_keeps_the_old_token() {
        let fx = FakeEffects::default();
        let got = run_with(&[], &oauth_files(NOW - 10), &fx).unwrap().unwrap();
        assert_eq!(got.token.expose(), "hf_old");
        assert_eq!(fx.refresh_calls.borrow().len(), 1);
    }

    #[test]
    fn an_unparseable_stored_tokens_means_no_refresh() {
        let sys = oauth_files(NOW).with_file(STORED, "[a]\n[a]\n");
        let fx = FakeEffects::default();
        assert_eq!(answer_with(&[], &sys, &fx).unwrap().0, "hf_old");
        assert!(fx.refresh_calls.borrow().is_empty());
    }

    #[test]
    fn oidc_comes_first_and_its_failure_is_an_error() {
        let sys = FakeSystem::default().with_file(FILE, "hf_file");
        let fx = FakeEffects {
            oidc: Some(Ok("hf_oidc")),
            ..FakeEffects::default()
        };
        let env = [
            ("HF_OIDC_RESOURCE", "org/model"),
            ("HF_OIDC_ID_TOKEN", "jwt"),
            ("HF_TOKEN", "hf_env"),
        ];
        assert_eq!(
            answer_with(&env, &sys, &fx),
            pair("hf_oidc", "oidc:org/model")
        );
        assert_eq!(fx.oidc_calls.borrow()[0].resource, "org/model");
        let fx = FakeEffects {
            oidc: Some(Err("exchange refused: fix it")),
            ..FakeEffects::default()
        };
        let err = run_with(&env, &sys, &fx).unwrap_err().to_string();
        assert_eq!(err, "exchange refused: fix it");
        // No id token and not in GitHub Actions: an error before any network.
        let fx = FakeEffects::default();
        let err = run_with(&env[..1], &sys, &fx).unwrap_err().to_string();
        assert!(err.contains("HF_OIDC_ID_TOKEN"), "{err}");
        assert!(fx.oidc_calls.borrow().is_empty());
    }

    fn answer_with(
        pairs: &[(&str, &str)],
        sys: &FakeSystem,
        fx: &FakeEffects,
    ) -> Option<(String, String)> {
        run_with(pairs, sys, fx)
            .unwrap()
            .map(|r| (r.token.expose().to_string(), r.source.id()))
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
