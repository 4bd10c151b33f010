//! Which token huggingface_hub's `get_token()` returns, and from where. Each source is one
//! small function; the resolver takes the first that yields a token. What it does on the way
//! (an OAuth refresh, an OIDC exchange) goes through `Exchanges`, and what came of it is in
//! the `Resolution`'s notes, for the command to say: resolving never prints anything.

use crate::env::{Env, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, NotUnicode};
use crate::hf::oauth::{self, Due, Failure, Plan, Refreshed};
use crate::hf::oidc::{self, Exchanged, OidcRequest};
use crate::hf::stored_tokens::StoredToken;
use crate::hf::token_file::{self, clean};
use crate::hf::{Net, stored_tokens};
use crate::io::fs::Fs;
use crate::settings::Settings;
use crate::token::{Resolved, Source, Token};
use std::fmt;

#[derive(Debug)]
pub enum ResolveError {
    Env(NotUnicode),
    /// HF_OIDC_RESOURCE is set and no token could be had: an error, never a fall-through.
    Oidc(String),
    TokenFile(token_file::ReadError),
}

impl std::error::Error for ResolveError {}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Env(e) => e.fmt(f),
            ResolveError::Oidc(message) => f.write_str(message),
            ResolveError::TokenFile(e) => e.fmt(f),
        }
    }
}

impl From<NotUnicode> for ResolveError {
    fn from(e: NotUnicode) -> Self {
        ResolveError::Env(e)
    }
}

impl From<token_file::ReadError> for ResolveError {
    fn from(e: token_file::ReadError) -> Self {
        ResolveError::TokenFile(e)
    }
}

/// What happened on the way to the token, for the command to say.
#[derive(Debug, PartialEq)]
pub enum Note {
    /// The OAuth token `name` was refreshed (a warning when its files could not all follow).
    Refreshed {
        name: String,
        warning: Option<String>,
    },
    /// Its refresh failed or was skipped (a recent failure): the old token is used.
    RefreshFailed { name: String, failure: Failure },
    /// Its refresh is due, and not attempted: this run does not use the network.
    RefreshNotAttempted { name: String },
}

pub struct Resolution {
    pub found: Option<Resolved>,
    pub notes: Vec<Note>,
}

/// What resolving needs beyond reading files: the network. `Net` is the real one.
pub trait Exchanges {
    fn refresh(&self, due: &Due, now: i64) -> Result<Refreshed, Failure>;
    /// The token for an OIDC request, or an error message that says what to do.
    fn oidc(&self, request: &OidcRequest) -> Result<Exchanged, String>;
}

impl Exchanges for Net<'_> {
    fn refresh(&self, due: &Due, now: i64) -> Result<Refreshed, Failure> {
        oauth::run_due(self, due, now)
    }

    fn oidc(&self, request: &OidcRequest) -> Result<Exchanged, String> {
        oidc::token(self, request)
    }
}

/// What a source sees.
pub struct Inputs<'a> {
    pub settings: &'a Settings,
    pub env: &'a Env,
    pub fs: &'a dyn Fs,
    /// Unix seconds.
    pub now: i64,
    /// `None`: nothing that needs the network is done (`status --offline`).
    pub net: Option<&'a dyn Exchanges>,
}

type SourceFn = fn(&Inputs, &mut Vec<Note>) -> Result<Option<Resolved>, ResolveError>;

/// huggingface_hub's order (the Colab vault does not apply to a git helper).
const SOURCES: &[SourceFn] = &[from_oidc, from_environment, from_token_file];

pub fn resolve(inputs: &Inputs) -> Result<Resolution, ResolveError> {
    let mut notes = Vec::new();
    for source in SOURCES {
        if let Some(found) = source(inputs, &mut notes)? {
            return Ok(Resolution {
                found: Some(found),
                notes,
            });
        }
    }
    Ok(Resolution { found: None, notes })
}

/// HF_OIDC_RESOURCE set: the exchanged token, or an error.
fn from_oidc(inputs: &Inputs, _: &mut Vec<Note>) -> Result<Option<Resolved>, ResolveError> {
    let Some(request) = oidc::request(inputs.settings, inputs.env)
        .map_err(|e| ResolveError::Oidc(e.to_string()))?
    else {
        return Ok(None);
    };
    let Some(net) = inputs.net else {
        return Err(ResolveError::Oidc(format!(
            "HF_OIDC_RESOURCE={} needs a token exchange with the Hub, which is not asked here",
            request.resource
        )));
    };
    let exchanged = net.oidc(&request).map_err(ResolveError::Oidc)?;
    Ok(Some(Resolved {
        token: exchanged.token,
        source: Source::Oidc(request.resource),
        expires_at: Some(exchanged.expires_at),
    }))
}

/// `clean(env.get("HF_TOKEN") or env.get("HUGGING_FACE_HUB_TOKEN"))`: an empty HF_TOKEN falls
/// through to the legacy variable, a whitespace-only one yields nothing at all.
fn from_environment(inputs: &Inputs, _: &mut Vec<Note>) -> Result<Option<Resolved>, ResolveError> {
    environment_token(inputs.env)
}

/// `_get_token_from_environment()`, which `hf auth login/switch/logout/list` also consult.
pub fn environment_token(env: &Env) -> Result<Option<Resolved>, ResolveError> {
    let (var, value) = match env.non_empty(HF_TOKEN)? {
        Some(v) => (HF_TOKEN, v),
        None => match env.non_empty(HUGGING_FACE_HUB_TOKEN)? {
            Some(v) => (HUGGING_FACE_HUB_TOKEN, v),
            None => return Ok(None),
        },
    };
    Ok(clean(value).map(|token| Resolved {
        token,
        source: Source::Env(var.name),
        expires_at: None,
    }))
}

/// The token file, refreshed first when it is an expiring OAuth token.
fn from_token_file(
    inputs: &Inputs,
    notes: &mut Vec<Note>,
) -> Result<Option<Resolved>, ResolveError> {
    let Some(token) = token_file::read(inputs.settings, inputs.fs)? else {
        return Ok(None);
    };
    let (token, expires_at) = refreshed(inputs, token, notes)?;
    Ok(Some(Resolved {
        token,
        source: Source::File(inputs.settings.token_path.to_string()),
        expires_at,
    }))
}

/// `_refresh_oauth_token_if_needed`, and when the token to use expires. The stored tokens are
/// read as Python reads them (a file configparser skips or refuses is no stored tokens).
fn refreshed(
    inputs: &Inputs,
    token: Token,
    notes: &mut Vec<Note>,
) -> Result<(Token, Option<i64>), ResolveError> {
    let stored = stored_tokens::read(&inputs.settings.stored_tokens_path, inputs.fs)
        .map(|p| p.tokens)
        .unwrap_or_default();
    let expiry = |t: &Token, stored: &[StoredToken]| {
        stored
            .iter()
            .find(|s| s.token == *t)
            .and_then(|s| s.expires_at)
    };
    match oauth::plan(&token, &stored, inputs.now) {
        Plan::NotDue => {
            let at = expiry(&token, &stored);
            Ok((token, at))
        }
        // Without stored tokens there is nothing to refresh: no second read on the warm path.
        Plan::NotOAuth if stored.is_empty() => Ok((token, None)),
        // `token` may have just been replaced by a concurrent refresh (it is then no longer in
        // the stored tokens): serve the fresh file token.
        Plan::NotOAuth => {
            let current = token_file::read(inputs.settings, inputs.fs)?
                .filter(|current| *current != token)
                .unwrap_or(token);
            let at = expiry(&current, &stored);
            Ok((current, at))
        }
        Plan::Due(due) => {
            let name = due.name.clone();
            let old_expiry = expiry(&token, &stored);
            let Some(net) = inputs.net else {
                notes.push(Note::RefreshNotAttempted { name });
                return Ok((token, old_expiry));
            };
            Ok(match net.refresh(&due, inputs.now) {
                Ok(done) => {
                    let warning = done.warning;
                    notes.push(Note::Refreshed { name, warning });
                    (done.token, done.expires_at)
                }
                Err(failure) => {
                    notes.push(Note::RefreshFailed { name, failure });
                    (token, old_expiry)
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::fs::FakeFs;
    use std::path::PathBuf;

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

    impl Exchanges for FakeEffects {
        fn refresh(&self, due: &Due, now: i64) -> Result<Refreshed, Failure> {
            assert_eq!(now, NOW);
            self.refresh_calls.borrow_mut().push(due.clone());
            match self.refreshed {
                Some(t) => Ok(Refreshed {
                    token: Token::new(t),
                    expires_at: Some(NOW + 30 * 86_400),
                    warning: None,
                }),
                None => Err(Failure::Other("the fake refuses".into())),
            }
        }
        fn oidc(&self, request: &OidcRequest) -> Result<Exchanged, String> {
            self.oidc_calls.borrow_mut().push(request.clone());
            match self.oidc.expect("no OIDC exchange expected") {
                Ok(t) => Ok(Exchanged {
                    token: Token::new(t),
                    expires_at: NOW + 3600,
                }),
                Err(e) => Err(e.to_string()),
            }
        }
    }

    fn resolution(
        pairs: &[(&str, &str)],
        sys: &FakeFs,
        net: Option<&dyn Exchanges>,
    ) -> Result<Resolution, ResolveError> {
        let mut all = pairs.to_vec();
        all.push(("HOME", "/h"));
        let env = Env::from_pairs(all);
        // POSIX paths on every system: the Windows rules have tests of their own.
        let settings =
            Settings::load_as(crate::python::path::Flavor::Posix, &env, &|_| None).unwrap();
        resolve(&Inputs {
            settings: &settings,
            env: &env,
            fs: sys,
            now: NOW,
            net,
        })
    }

    fn run_with(
        pairs: &[(&str, &str)],
        sys: &FakeFs,
        effects: &FakeEffects,
    ) -> Result<Option<Resolved>, ResolveError> {
        resolution(pairs, sys, Some(effects)).map(|r| r.found)
    }

    fn run(pairs: &[(&str, &str)], sys: &FakeFs) -> Result<Option<Resolved>, ResolveError> {
        run_with(pairs, sys, &FakeEffects::default())
    }

    fn oauth_files(expires_at: i64) -> FakeFs {
        FakeFs::default().with_file(FILE, "hf_old\n").with_file(
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
    fn a_failed_refresh_keeps_the_old_token_and_says_so() {
        let fx = FakeEffects::default();
        let got = resolution(&[], &oauth_files(NOW - 10), Some(&fx)).unwrap();
        assert_eq!(got.found.unwrap().token.expose(), "hf_old");
        assert_eq!(fx.refresh_calls.borrow().len(), 1);
        assert!(matches!(
            got.notes.as_slice(),
            [Note::RefreshFailed { name, .. }] if name == "oauth-al"
        ));
    }

    #[test]
    fn without_the_network_a_due_refresh_is_noted_not_attempted() {
        let got = resolution(&[], &oauth_files(NOW - 10), None).unwrap();
        assert_eq!(got.found.unwrap().token.expose(), "hf_old");
        assert_eq!(
            got.notes,
            [Note::RefreshNotAttempted {
                name: "oauth-al".into()
            }]
        );
        let oidc = [("HF_OIDC_RESOURCE", "org/m"), ("HF_OIDC_ID_TOKEN", "jwt")];
        let err = resolution(&oidc, &FakeFs::default(), None).err().unwrap();
        assert!(err.to_string().contains("not asked"), "{err}");
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
        let sys = FakeFs::default().with_file(FILE, "hf_file");
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
        sys: &FakeFs,
        fx: &FakeEffects,
    ) -> Option<(String, String)> {
        run_with(pairs, sys, fx)
            .unwrap()
            .map(|r| (r.token.expose().to_string(), r.source.id()))
    }

    fn answer(pairs: &[(&str, &str)], sys: &FakeFs) -> Option<(String, String)> {
        run(pairs, sys)
            .unwrap()
            .map(|r| (r.token.expose().to_string(), r.source.id()))
    }

    fn pair(token: &str, source: &str) -> Option<(String, String)> {
        Some((token.to_string(), source.to_string()))
    }

    #[test]
    fn env_order_and_its_subtleties() {
        let file = FakeFs::default().with_file(FILE, "hf_file\n");
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
        let sys = |c: &str| FakeFs::default().with_file(FILE, c);
        assert_eq!(answer(&[], &FakeFs::default()), None);
        assert_eq!(answer(&[], &sys("")), None);
        assert_eq!(answer(&[], &sys(" \r\n\t")), None);
        // UTF-8 as Python reads it on every system in its UTF-8 mode (on Windows without it,
        // the ANSI code page: python::text).
        let utf8 = [("PYTHONUTF8", "1")];
        assert_eq!(answer(&utf8, &sys("\u{a0}hf_x\x1c\r\n")).unwrap().0, "hf_x");
        assert_eq!(answer(&[], &sys("hf_\r\nx")).unwrap().0, "hf_x");
    }

    #[test]
    fn unreadable_file_is_an_error_naming_it() {
        let sys = FakeFs {
            dirs: vec![PathBuf::from(FILE)],
            ..FakeFs::default()
        };
        let err = run(&[], &sys).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "the token file {FILE} is a folder: remove the folder {FILE}"
            )),
            "{err}"
        );
        let bad = FakeFs {
            files: std::sync::Mutex::new([(PathBuf::from(FILE), vec![0xff, 0xfe])].into()),
            ..FakeFs::default()
        };
        assert!(
            run(&[("PYTHONUTF8", "1")], &bad)
                .unwrap_err()
                .to_string()
                .contains("not valid UTF-8")
        );
    }
}
