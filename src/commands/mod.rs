//! One file per subcommand. Each takes its input and output as parameters.

pub mod completions;
pub mod erase;
pub mod get;
pub mod setup;
pub mod status;
pub mod store;
pub mod token;

use crate::cache::Cache;
use crate::cli::GlobalArgs;
use crate::env::{Env, System};
use crate::origin::{Allowed, Origin};
use crate::protocol::Request;
use crate::resolve::{self, Inputs, ResolveError, Resolved};
use crate::settings::Settings;
use std::fmt::Display;
use std::io::Write;
use std::time::Duration;

/// What every command works with: the environment snapshot, the machine seam, the
/// huggingface_hub settings derived from them, and the global options.
pub struct Ctx<'a> {
    pub env: &'a Env,
    pub sys: &'a dyn System,
    pub settings: Settings,
    pub timeout: Duration,
    pub verbose: bool,
    pub cache: Option<Cache>,
}

/// A request the helper answers: the origin and the API base its token is checked against.
pub struct Target {
    pub origin: Origin,
    pub api_base: String,
}

impl<'a> Ctx<'a> {
    pub fn new(env: &'a Env, sys: &'a dyn System, global: &GlobalArgs) -> anyhow::Result<Ctx<'a>> {
        Ok(Ctx {
            env,
            sys,
            settings: Settings::load(env, sys)?,
            timeout: global.timeout,
            verbose: global.verbose,
            cache: Cache::locate(env),
        })
    }

    pub fn resolve(&self) -> Result<Option<Resolved>, ResolveError> {
        resolve::resolve(&Inputs {
            settings: &self.settings,
            env: self.env,
            sys: self.sys,
        })
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
