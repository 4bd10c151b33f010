//! `status`: every place a token can hide, which one huggingface_hub uses, which one git will
//! send, and the fix for each conflict. Human (one screen) or `--json`. Never a full token.
//! `--offline` asks nobody and writes nothing: a due refresh is said, not attempted.

use super::{Ctx, Streams, UsageError};
use crate::cli::StatusArgs;
use crate::diagnose::inventory;
use crate::diagnose::problems::{self, Severity};
use crate::git::origin::{Allowed, Origin};
use crate::hub::{access, repo};
use crate::places::Look;
use crate::settings::DEFAULT_ENDPOINT;
use crate::ui::style::Style;
use crate::ui::text::Home;
use crate::ui::{progress, status, terminal};
use std::io::IsTerminal;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, args: &StatusArgs, io: &mut Streams) -> anyhow::Result<ExitCode> {
    let online = !(args.offline || ctx.settings.offline);
    let resolution = ctx.resolution(online);
    let (python, notes) = match resolution {
        Ok(r) => (Ok(r.found), r.notes),
        Err(e) => (Err(e.to_string()), Vec::new()),
    };
    let checker = ctx.checker();
    let repo = match &args.repo {
        Some(arg) => {
            let repo =
                repo::parse(arg, None, &ctx.settings, ctx.io.git, &ctx.cwd).map_err(UsageError)?;
            let found = python.as_ref().ok().and_then(Option::as_ref);
            Some(access::evaluate(
                &checker,
                &ctx.settings.endpoint,
                found,
                &repo,
                false,
            ))
        }
        None => None,
    };
    let target = Origin::from_url(&ctx.settings.endpoint)
        .unwrap_or_else(|| Origin::from_url(DEFAULT_ENDPOINT).expect("default endpoint parses"));
    let allowed = Allowed::new(&ctx.settings);
    let python_token = python
        .as_ref()
        .ok()
        .and_then(|r| r.as_ref())
        .map(|r| r.token.clone());
    let look = Look {
        settings: &ctx.settings,
        env: ctx.env,
        fs: ctx.io.fs,
        git: ctx.io.git,
        keychain: ctx.io.keychain.clone(),
        cwd: &ctx.cwd,
        target: &target,
        allowed: &allowed,
        python: python_token.as_ref(),
    };
    // A terminal hears why it waits; a pipe and --json do not.
    let on_terminal = !args.json && std::io::stderr().is_terminal();
    let mut quiet = inventory::Quiet;
    let mut line = progress::Line::new(&mut *io.err);
    let progress: &mut dyn inventory::Progress = match on_terminal {
        true => &mut line,
        false => &mut quiet,
    };
    let inv = inventory::collect(&look, python, notes, online.then_some(&checker), progress);
    let problems = problems::diagnose(&inv);
    let failed = problems.iter().any(|p| p.severity == Severity::Error)
        || repo.as_ref().is_some_and(|a| !a.granted);
    if args.json {
        let json = status::json(&inv, &problems, repo);
        serde_json::to_writer_pretty(&mut *io.out, &json)?;
        writeln!(io.out)?;
    } else {
        let size = terminal::stdout_size(ctx.env);
        let home = ctx.env.home();
        let screen = status::Screen {
            style: Style { color: io.color },
            columns: size.columns,
            rows: size.rows,
            home: Home::new(home.as_deref().and_then(|h| h.to_str())),
        };
        status::render(&inv, &problems, repo.as_ref(), &screen, io.out)?;
    }
    Ok(match failed {
        true => ExitCode::FAILURE,
        false => ExitCode::SUCCESS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::fake::Machine;
    use crate::io::http::FakeHttp;

    const T: &str = "hf_not-a-real-token-status";
    const WHOAMI: &str = r#"{"name":"alice","auth":{"type":"access_token","accessToken":{"displayName":"laptop","role":"write"}}}"#;

    fn status(m: &Machine, offline: bool) -> serde_json::Value {
        let args = StatusArgs {
            json: true,
            offline,
            repo: None,
        };
        let (_, out, _) = m.run("", |ctx, io| run(ctx, &args, io));
        serde_json::from_str(&out).unwrap()
    }

    #[test]
    fn each_token_is_checked_at_its_origin_and_offline_asks_nobody() {
        let mut m = Machine::new(&[("HF_TOKEN", T)]);
        m.fs.put("/h/.cache/huggingface/token", T);
        m.http = FakeHttp::default().answer("/api/whoami-v2", Some(T), 200, WHOAMI);
        let json = status(&m, false);
        let python = &json["sources"][0];
        assert_eq!(
            (python["source"].as_str(), python["valid"].as_bool()),
            (Some("env:HF_TOKEN"), Some(true))
        );
        assert_eq!(python["user"], "alice");
        assert_eq!(
            m.http.bearers(),
            [T],
            "the env and the file hold one token: one check"
        );
        let json = status(&m, true);
        assert_eq!(json["sources"][0]["valid"], serde_json::Value::Null);
        assert_eq!(m.http.bearers().len(), 1, "--offline asks nobody");
    }

    #[test]
    fn a_due_refresh_is_said_not_attempted_offline() {
        let m = Machine::new(&[]);
        m.fs.put("/h/.cache/huggingface/token", T);
        m.fs.put(
            "/h/.cache/huggingface/stored_tokens",
            &format!("[oauth-al]\nhf_token = {T}\nrefresh_token = r\nexpires_at = 1\n"),
        );
        let before = m.fs.text("/h/.cache/huggingface/stored_tokens");
        let json = status(&m, true);
        assert!(m.http.requests.lock().unwrap().is_empty());
        assert_eq!(m.fs.text("/h/.cache/huggingface/stored_tokens"), before);
        let notes = json["notes"].to_string();
        assert!(
            notes.contains("due for a refresh, not attempted"),
            "{notes}"
        );
    }
}
