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

/// The names of the stored tokens, asked of the installed helper when the shell completes
/// `switch` and `logout` (clap's static scripts know only options).
const NAMES: &str = "$(git-credential-hf list --names 2>/dev/null)";
const TAKE_NAMES: &[&str] = &["switch", "logout"];

fn script(shell: Shell) -> String {
    let name = if shell == Shell::Bash {
        BASH_NAME
    } else {
        NAME
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), name, &mut script);
    let script = String::from_utf8(script).expect("clap_complete writes UTF-8");
    match shell {
        Shell::Bash => bash(&script),
        Shell::Zsh => zsh(&script),
        Shell::Fish => {
            let mut script = script;
            for sub in TAKE_NAMES {
                script.push_str(&format!(
                    "complete -c {NAME} -n \"__fish_git_credential_hf_using_subcommand {sub}\" -f -a \"(git-credential-hf list --names 2>/dev/null)\"\n"
                ));
            }
            script
        }
        _ => script,
    }
}

fn bash(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let mut names_next = false;
    for line in script.lines() {
        let line = match line.strip_suffix(BASH_NAME) {
            Some(head) if line.trim_start().starts_with("complete ") => format!("{head}{NAME}"),
            _ if names_next && line.trim_start().starts_with("opts=\"") => {
                names_next = false;
                line.replacen("opts=\"", &format!("opts=\"{NAMES} "), 1)
            }
            _ => line.to_string(),
        };
        names_next |= TAKE_NAMES
            .iter()
            .any(|s| line.trim() == format!("{BASH_NAME}__subcmd__{s})"));
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn zsh(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let mut section = String::new();
    for line in script.lines() {
        if let Some(name) = line.strip_prefix('(').and_then(|l| l.strip_suffix(')')) {
            section = name.to_string();
        }
        let takes = TAKE_NAMES.contains(&section.as_str());
        match line.strip_suffix(":_default' \\") {
            Some(head) if takes && line.starts_with("'::name") => {
                out.push_str(&format!("{head}:{{compadd -- {NAMES}}}' \\\n"));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
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
    fn switch_and_logout_complete_the_stored_names() {
        let bash = script(Shell::Bash);
        assert_eq!(bash.matches(NAMES).count(), 2, "{bash}");
        let zsh = script(Shell::Zsh);
        assert_eq!(
            zsh.matches("compadd -- $(git-credential-hf list --names")
                .count(),
            2
        );
        let fish = script(Shell::Fish);
        assert_eq!(fish.matches("(git-credential-hf list --names").count(), 2);
    }

    #[test]
    fn other_shells_name_the_command() {
        for shell in [Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish] {
            assert!(script(shell).contains(NAME), "{shell}");
        }
    }
}
