//! An operation this helper does not know. git's rule is that a helper ignores the operations
//! it does not know (git may add some), and git always runs helpers with stdin not a terminal:
//! silence and exit 0 then. A person at a terminal who typed `stauts` gets told, with the
//! closest command, and exit 2.

use super::{Ctx, Streams, UsageError};
use crate::cli::Cli;
use clap::CommandFactory;
use std::ffi::OsString;
use std::process::ExitCode;

pub fn run(_: &Ctx, args: &[OsString], io: &mut Streams) -> anyhow::Result<ExitCode> {
    if !io.stdin_terminal {
        return Ok(ExitCode::SUCCESS);
    }
    let typed = args
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default();
    let commands: Vec<String> = Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect();
    let closest = commands
        .iter()
        .map(|c| (distance(&typed, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    Err(UsageError(format!(
        "unknown command '{typed}'{closest}: `git-credential-hf --help` lists the commands"
    ))
    .into())
}

/// Levenshtein distance, in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::fake::Machine;

    #[test]
    fn silent_for_git_told_at_a_terminal() {
        let m = Machine::new(&[]);
        let args = vec![OsString::from("stauts")];
        let (code, out, err) = m.run("", |ctx, io| run(ctx, &args, io));
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (ExitCode::SUCCESS, "", "")
        );
        let ctx = m.ctx();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut io = Streams {
            input: &mut &b""[..],
            out: &mut out,
            err: &mut err,
            color: false,
            stdin_terminal: true,
        };
        let e = run(&ctx, &args, &mut io).unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown command 'stauts' (did you mean `status`?): `git-credential-hf --help` lists the commands"
        );
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
