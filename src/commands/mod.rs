//! One file per subcommand. Each takes its input and output as parameters.

pub mod check;
pub mod completions;
pub mod erase;
pub mod get;
pub mod list;
pub mod login;
pub mod logout;
pub mod setup;
pub mod status;
pub mod store;
pub mod switch;
pub mod token;

use crate::cache::Cache;
use crate::cli::{AuthType, GlobalArgs};
use crate::env::{Env, System};
use crate::hub::HubClient;
use crate::oidc::OidcRequest;
use crate::options::Options;
use crate::origin::{Allowed, Origin};
use crate::protocol::Request;
use crate::resolve::{self, Effects, Inputs, ResolveError, Resolved};
use crate::secret::Token;
use crate::settings::Settings;
use crate::{oauth, oidc};
use std::cell::{OnceCell, RefCell};
use std::fmt::Display;
use std::io::Write;
use std::time::{Duration, Instant};

/// A mistake in what the user typed: exit code 2, like clap's own usage errors.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// What every command works with: the environment snapshot, the machine seam, the
/// huggingface_hub settings derived from them, and the global options.
pub struct Ctx<'a> {
    pub env: &'a Env,
    pub sys: &'a dyn System,
    pub settings: Settings,
    /// `--timeout`: how long all the network calls and lock waits of the command may take.
    timeout: Duration,
    deadline: OnceCell<Instant>,
    hub: OnceCell<HubClient>,
    pub verbose: bool,
    pub auth_type: AuthType,
    pub cache: Option<Cache>,
    /// What resolving had to say (a failed OAuth refresh); commands print it on stderr.
    pub warnings: RefCell<Vec<String>>,
}

/// A request the helper answers: the origin and the API base its token is checked against.
pub struct Target {
    pub origin: Origin,
    pub api_base: String,
}

impl<'a> Ctx<'a> {
    pub fn new(env: &'a Env, sys: &'a dyn System, global: &GlobalArgs) -> anyhow::Result<Ctx<'a>> {
        let (options, warnings) = Options::resolve(global, env);
        Ok(Ctx {
            env,
            sys,
            settings: Settings::load(env, sys)?,
            timeout: options.timeout,
            deadline: OnceCell::new(),
            hub: OnceCell::new(),
            verbose: options.verbose,
            auth_type: options.auth_type,
            cache: Cache::locate(env),
            warnings: RefCell::new(warnings),
        })
    }

    pub fn resolve(&self) -> Result<Option<Resolved>, ResolveError> {
        resolve::resolve(&Inputs {
            settings: &self.settings,
            env: self.env,
            sys: self.sys,
            effects: self,
        })
    }

    /// When every network call and lock wait of this command gives up: one deadline for all
    /// of them (a `get` that refreshes, then asks whoami, ends within `--timeout`), starting
    /// at the first one, so the time a user takes to type a token at `login`'s prompt is
    /// not counted.
    pub fn deadline(&self) -> Instant {
        *self.deadline.get_or_init(|| Instant::now() + self.timeout)
    }

    /// The Hub client, built at the first request: a warm `get` never needs one.
    pub fn hub(&self) -> anyhow::Result<&HubClient> {
        if let Some(client) = self.hub.get() {
            return Ok(client);
        }
        let client = HubClient::new()?;
        Ok(self.hub.get_or_init(|| client))
    }

    /// Prints (and forgets) the warnings collected so far.
    pub fn print_warnings(&self, err: &mut dyn Write) -> std::io::Result<()> {
        for warning in self.warnings.take() {
            writeln!(err, "git-credential-hf: warning: {warning}")?;
        }
        Ok(())
    }

    /// The target of a request, when it is exactly one of the Hub's origins.
    pub fn target(&self, req: &Request, err: &mut dyn Write) -> Option<Target> {
        let Some(origin) = req.origin() else {
            self.note(
                err,
                "the request names no usable protocol and host: not answering",
            );
            return None;
        };
        match Allowed::new(&self.settings).api_base(&origin) {
            Some(api) => Some(Target {
                api_base: api.to_string(),
                origin,
            }),
            None => {
                self.note(
                    err,
                    format_args!("{origin} is not a Hugging Face Hub origin: not answering"),
                );
                None
            }
        }
    }

    /// A line on stderr, only with --verbose.
    pub fn note(&self, err: &mut dyn Write, message: impl Display) {
        if self.verbose {
            let _ = writeln!(err, "git-credential-hf: {message}");
        }
    }
}

/// The real effects: the system clock, the Hub.
impl Effects for Ctx<'_> {
    fn now(&self) -> i64 {
        crate::cache::now() as i64
    }

    fn refresh(&self, due: &oauth::Due, now: i64) -> Option<Token> {
        match oauth::run_due(self, due, now) {
            Ok(refreshed) => {
                self.warnings.borrow_mut().extend(refreshed.warning);
                Some(refreshed.token)
            }
            // The run that made the attempt warned; the ones that skip it say so with -v.
            Err(oauth::Failure::Remembered { .. }) if !self.verbose => None,
            Err(failure) => {
                self.warnings.borrow_mut().push(failure.warning(&due.name));
                None
            }
        }
    }

    fn oidc(&self, request: &OidcRequest) -> Result<Token, String> {
        oidc::token(self, request)
    }
}
