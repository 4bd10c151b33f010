//! One file per subcommand, each thin: `run(ctx, args, streams) -> ExitCode`. `Ctx` is what a
//! command works with; the layers below take what they need explicitly and never see it.

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
pub mod unknown;

use crate::diagnose::report;
use crate::env::Env;
use crate::git::origin::{Allowed, Origin};
use crate::git::protocol::Request;
use crate::hf::Net;
use crate::hf::resolve::{self, Exchanges, Inputs, Resolution, ResolveError};
use crate::hub::store::{Store, now};
use crate::hub::verdict::Checker;
use crate::io::{Deadline, Io};
use crate::options::Options;
use crate::settings::Settings;
use crate::token::Resolved;
use std::fmt::Display;
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// A command's streams: every command reads and writes only these.
pub struct Streams<'a> {
    pub input: &'a mut dyn BufRead,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// Colour on stdout: a terminal, and no NO_COLOR.
    pub color: bool,
    /// A person typing, not git (git never runs a helper with stdin on a terminal).
    pub stdin_terminal: bool,
}

/// A mistake in what the user typed: exit code 2, like clap's own usage errors.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// What a command works with: the environment snapshot, huggingface_hub's settings, the
/// global options, the machine, our cache, and the command's one network deadline.
pub struct Ctx<'a> {
    pub env: &'a Env,
    pub settings: Settings,
    pub options: Options,
    pub io: Io<'a>,
    pub store: Option<Store<'a>>,
    pub deadline: Deadline,
    pub cwd: PathBuf,
}

/// A request the helper answers: the origin and the API base its token is checked against.
pub struct Target {
    pub origin: Origin,
    pub api_base: String,
}

impl<'a> Ctx<'a> {
    pub fn new(
        env: &'a Env,
        io: Io<'a>,
        options: Options,
        cwd: PathBuf,
    ) -> anyhow::Result<Ctx<'a>> {
        let fs = io.fs;
        Ok(Ctx {
            env,
            settings: Settings::load(env, &|user| fs.user_home(user))?,
            deadline: Deadline::after(options.timeout),
            store: Store::locate(env, fs),
            options,
            io,
            cwd,
        })
    }

    pub fn checker(&self) -> Checker<'_> {
        Checker {
            http: self.io.http,
            store: self.store.as_ref(),
            deadline: &self.deadline,
            offline: self.settings.offline,
        }
    }

    pub fn net(&self) -> Net<'_> {
        Net {
            settings: &self.settings,
            env: self.env,
            fs: self.io.fs,
            http: self.io.http,
            store: self.store.as_ref(),
            deadline: &self.deadline,
        }
    }

    /// huggingface_hub's token and what resolving it did; `online: false` does nothing that
    /// needs the network (a due refresh is noted, not attempted).
    pub fn resolution(&self, online: bool) -> Result<Resolution, ResolveError> {
        let net = self.net();
        resolve::resolve(&Inputs {
            settings: &self.settings,
            env: self.env,
            fs: self.io.fs,
            now: now() as i64,
            net: online.then_some(&net as &dyn Exchanges),
        })
    }

    /// huggingface_hub's token; what resolving it did is said on `err` (warnings always, the
    /// rest with --verbose).
    pub fn resolve(&self, err: &mut dyn Write) -> Result<Option<Resolved>, ResolveError> {
        let resolution = self.resolution(true)?;
        for note in &resolution.notes {
            let line = report::note(note);
            match report::is_warning(note) {
                true => self.warn(err, line),
                false => self.note(err, line),
            }
        }
        Ok(resolution.found)
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
        match req.target(&Allowed::new(&self.settings)) {
            Some((origin, api_base)) => Some(Target { origin, api_base }),
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
        if self.options.verbose {
            let _ = writeln!(err, "git-credential-hf: {message}");
        }
    }

    /// A warning on stderr.
    pub fn warn(&self, err: &mut dyn Write, message: impl Display) {
        let _ = writeln!(err, "git-credential-hf: warning: {message}");
    }
}

/// What unit tests of the commands run on: a fake machine (files, git, the Hub, keychain).
#[cfg(test)]
pub mod fake {
    use super::*;
    use crate::io::fs::FakeFs;
    use crate::io::git::FakeGit;
    use crate::io::http::FakeHttp;
    use crate::io::keychain::FakeKeychain;
    use crate::python::path::Flavor;
    use std::process::ExitCode;
    use std::sync::Arc;

    pub struct Machine {
        pub env: Env,
        pub fs: FakeFs,
        pub git: FakeGit,
        pub http: FakeHttp,
        pub options: Options,
    }

    impl Machine {
        /// `HOME=/h`, a cache under it, nothing else.
        pub fn new(pairs: &[(&str, &str)]) -> Machine {
            // The first of a name wins: the test's own values, then the default HOME.
            let mut all = pairs.to_vec();
            all.push(("HOME", "/h"));
            Machine {
                env: Env::from_pairs(all),
                fs: FakeFs::default(),
                git: FakeGit::default(),
                http: FakeHttp::default(),
                options: Options::default(),
            }
        }

        pub fn ctx(&self) -> Ctx<'_> {
            let io = Io {
                fs: &self.fs,
                git: &self.git,
                http: &self.http,
                keychain: Arc::new(FakeKeychain::default()),
            };
            let mut ctx = Ctx::new(&self.env, io, self.options, "/w".into()).unwrap();
            // The fakes hold POSIX paths, on every system.
            let home = |user: Option<&str>| crate::io::fs::Fs::user_home(&self.fs, user);
            ctx.settings = Settings::load_as(Flavor::Posix, &self.env, &home).unwrap();
            ctx
        }

        /// Runs `command` with `input`; (exit code, stdout, stderr).
        pub fn run(
            &self,
            input: &str,
            command: impl FnOnce(&Ctx, &mut Streams) -> anyhow::Result<ExitCode>,
        ) -> (ExitCode, String, String) {
            let ctx = self.ctx();
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let mut streams = Streams {
                input: &mut input.as_bytes(),
                out: &mut out,
                err: &mut err,
                color: false,
                stdin_terminal: false,
            };
            let code = command(&ctx, &mut streams).unwrap();
            let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
            (code, text(out), text(err))
        }
    }
}
