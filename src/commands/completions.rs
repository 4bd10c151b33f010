//! `completions SHELL`: the shell completion script, generated from the clap definition so it
//! follows every subcommand and option as they are added.

use super::{Ctx, Streams};
use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;
use std::process::ExitCode;

const NAME: &str = "git-credential-hf";
/// clap_complete's bash script spells a hyphenated name two ways and then completes nothing
/// after a subcommand (clap-rs/clap#6421): it is generated under this name, and only the
/// `complete` lines name the command.
const BASH_NAME: &str = "git_credential_hf";

pub fn run(_: &Ctx, shell: &Shell, io: &mut Streams) -> anyhow::Result<ExitCode> {
    io.out.write_all(script(*shell).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn script(shell: Shell) -> String {
    let name = if shell == Shell::Bash {
        BASH_NAME
    } else {
        NAME
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), name, &mut script);
    let script = String::from_utf8(script).expect("clap_complete writes UTF-8");
    if shell != Shell::Bash {
        return script;
    }
    script
        .lines()
        .map(|line| match line.strip_suffix(BASH_NAME) {
            Some(head) if line.trim_start().starts_with("complete ") => format!("{head}{NAME}\n"),
            _ => format!("{line}\n"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_completes_the_command_by_its_real_name() {
        let script = script(Shell::Bash);
        let completes: Vec<&str> = script
            .lines()
            .filter(|l| l.trim_start().starts_with("complete "))
            .collect();
        assert!(!completes.is_empty());
        for line in completes {
            assert!(
                line.starts_with("    complete -F _git_credential_hf "),
                "{line}"
            );
            assert!(line.ends_with(" git-credential-hf"), "{line}");
        }
        assert!(script.contains("git_credential_hf__subcmd__setup)"));
    }

    #[test]
    fn other_shells_name_the_command() {
        for shell in [Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish] {
            assert!(script(shell).contains(NAME), "{shell}");
        }
    }
}
