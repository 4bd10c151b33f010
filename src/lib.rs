//! git-credential-hf: a git credential helper that answers the Hugging Face Hub with exactly
//! the token huggingface_hub would use.
//!
//! Layers, each importing only those below it:
//! `commands` -> `diagnose`, `places`, `ui` -> `hf` -> `hub` -> `git` ->
//! `python`, `io`, `token`, `env`, `settings`, `redact`, `options`, `cli` (clap types).
//! This file is the composition root: it builds the live machine and runs one command.

pub mod cli;
pub mod env;

mod commands;
mod diagnose;
mod git;
mod hf;
mod hub;
mod io;
mod options;
mod places;
mod python;
mod redact;
mod settings;
mod time;
mod token;
mod ui;

pub use commands::UsageError;
pub use redact::redact;

use cli::{Cli, Command};
use commands::{Ctx, Streams};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let env = env::Env::from_process();
    let (fs, git, http) = (
        io::fs::LiveFs,
        io::git::LiveGit,
        io::http::LiveHttp::default(),
    );
    let machine = io::Io {
        fs: &fs,
        git: &git,
        http: &http,
        keychain: Arc::new(io::keychain::OsKeychain),
    };
    let (options, warnings) = options::Options::resolve(&cli.global, &env);
    let cwd = std::env::current_dir().unwrap_or_default();
    let ctx = Ctx::new(&env, machine, options, cwd)?;
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    // Settings that were not understood, before anything else is said.
    for warning in &warnings {
        ctx.warn(&mut stderr, warning);
    }
    let color = stdout.is_terminal() && env.get_os(env::NO_COLOR).is_none_or(|v| v.is_empty());
    let stdin_terminal = stdin.is_terminal();
    let mut streams = Streams {
        input: &mut stdin,
        out: &mut stdout,
        err: &mut stderr,
        color,
        stdin_terminal,
    };
    let io = &mut streams;
    let outcome = match &cli.command {
        Command::Get => commands::get::run(&ctx, &(), io),
        Command::Store => commands::store::run(&ctx, &(), io),
        Command::Erase => commands::erase::run(&ctx, &(), io),
        Command::Capability => commands::get::capability(&ctx, &(), io),
        Command::Setup(args) => commands::setup::run(&ctx, &(args, &cli.global), io),
        Command::Token => commands::token::run(&ctx, &(), io),
        Command::Status(args) => commands::status::run(&ctx, args, io),
        Command::Check(args) => commands::check::run(&ctx, args, io),
        Command::Login(args) => commands::login::run(&ctx, args, io),
        Command::Logout(args) => commands::logout::run(&ctx, args, io),
        Command::Switch(args) => commands::switch::run(&ctx, args, io),
        Command::List(args) => commands::list::run(&ctx, args, io),
        Command::Completions { shell } => commands::completions::run(&ctx, shell, io),
        Command::Other(args) => commands::unknown::run(&ctx, args, io),
    };
    // A cache folder that is not ours, or one that cannot be written: said once, whatever the
    // command.
    if let Some(refusal) = ctx.store.as_ref().and_then(|s| s.refusal()) {
        ctx.warn(io.err, refusal);
    }
    io.out.flush()?;
    outcome
}

/// What the man page documents beyond the command line (tests/it/man.rs generates it). Not an API.
#[doc(hidden)]
pub mod manual {
    /// `status`'s problem codes: (code, severity, what it means).
    pub fn problem_codes() -> Vec<(&'static str, &'static str, &'static str)> {
        use crate::diagnose::problems::ProblemCode;
        ProblemCode::ALL
            .iter()
            .map(|c| (c.as_str(), c.severity().name(), c.meaning()))
            .collect()
    }
}

/// What the fuzz targets (fuzz/) and the property tests drive directly. Not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::git::origin::Origin;
    pub use crate::git::protocol::{ProtocolError, Request, read_request, write_fields};
    pub use crate::token::Token;

    /// The origin `get` would answer `req` for with the environment `env`, through the same
    /// `Request::target` the commands use.
    pub fn answered_origin(env: &[(&str, &str)], req: &Request) -> Option<Origin> {
        let env = crate::env::Env::from_pairs(env.iter().copied());
        let settings = crate::settings::Settings::load(&env, &|_| None).ok()?;
        let allowed = crate::git::origin::Allowed::new(&settings);
        req.target(&allowed).map(|(origin, _)| origin)
    }

    /// huggingface_hub's token file and stored_tokens paths for `env`, with Windows' rules
    /// (`ntpath`, names without case) when `windows`, else POSIX's; `user_home` is `pwd`.
    pub fn token_paths(
        windows: bool,
        env: &[(&str, &str)],
        user_home: &dyn Fn(Option<&str>) -> Option<String>,
    ) -> (String, String) {
        use crate::python::path::Flavor;
        let mut env = crate::env::Env::from_pairs(env.iter().copied());
        let flavor = match windows {
            true => {
                env = env.case_insensitive();
                Flavor::Nt
            }
            false => Flavor::Posix,
        };
        let s = crate::settings::Settings::load_as(flavor, &env, user_home).expect("loads");
        (s.token_path.to_string(), s.stored_tokens_path.to_string())
    }

    /// The request's fields as `key=value` pairs, in the reader's vocabulary.
    pub fn fields(req: &Request) -> Vec<(&'static str, &str)> {
        let single = [
            ("protocol", req.protocol.as_deref()),
            ("host", req.host.as_deref()),
            ("url", req.url.as_deref()),
            ("username", req.username.as_deref()),
            ("password", req.password.as_ref().map(Token::expose)),
            ("authtype", req.authtype.as_deref()),
            ("credential", req.credential.as_ref().map(Token::expose)),
        ];
        let single = single.into_iter().filter_map(|(k, v)| Some((k, v?)));
        let caps = req
            .capabilities
            .iter()
            .map(|c| ("capability[]", c.as_str()));
        let states = req.states.iter().map(|s| ("state[]", s.as_str()));
        single.chain(caps).chain(states).collect()
    }
}

/// Every type that holds a secret prints none in its Debug.
#[cfg(test)]
mod secrets_in_debug {
    use crate::token::{Resolved, Secret, Source, Token};

    const PLANTED: &str = "hf_not-a-real-token-planted";

    fn assert_hidden(what: &str, shown: String) {
        assert!(!shown.contains(PLANTED), "{what}: {shown}");
        assert!(!shown.contains("real-token-planted"), "{what}: {shown}");
    }

    #[test]
    fn none_shows_the_planted_value() {
        let token = || Token::new(PLANTED);
        let request = crate::git::protocol::read_request(
            format!("protocol=https\nhost=hf.co\npassword={PLANTED}\nauthtype=Bearer\ncredential={PLANTED}\n")
                .as_bytes(),
        )
        .unwrap();
        assert_hidden("protocol::Request", format!("{request:?}"));
        let stored = crate::hf::stored_tokens::parse(
            format!("[a]\nhf_token = {PLANTED}\nrefresh_token = {PLANTED}\nx = {PLANTED}\n")
                .as_bytes(),
        );
        assert_hidden("StoredToken", format!("{:?}", stored.tokens));
        let sections = crate::python::configparser::parse(&format!("[a]\nk = {PLANTED}\n"));
        assert_hidden("configparser::Section", format!("{sections:?}"));
        let http = crate::io::http::Request::post(
            "probe",
            "https://hub.example/oauth/token",
            crate::io::http::Body::Form(Secret::new(vec![("t".into(), PLANTED.into())])),
        )
        .bearer(&token());
        assert_hidden("http::Request", format!("{http:?}"));
        let response = crate::io::http::Response {
            status: 200,
            headers: Vec::new(),
            body: PLANTED.as_bytes().to_vec(),
        };
        assert_hidden("http::Response", format!("{response:?}"));
        let resolved = Resolved {
            token: token(),
            source: Source::Env("HF_TOKEN"),
            expires_at: None,
        };
        assert_hidden("Resolved", format!("{resolved:?}"));
        let found = crate::io::keychain::Lookup::Found(vec![("s".into(), "u".into(), token())]);
        assert_hidden("keychain::Lookup", format!("{found:?}"));
        let answer = crate::git::helper::Answer {
            username: "git".into(),
            token: token(),
        };
        assert_hidden("helper::Answer", format!("{answer:?}"));
        assert_hidden("Secret", format!("{:?}", Secret::new(PLANTED.to_string())));
    }
}
