use git_credential_hf::cli::Cli;
use git_credential_hf::redact;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::parse_args() {
        Ok(cli) => cli,
        // --help and --version go to stdout; usage errors may echo what was typed, which can
        // be a token pasted in the wrong place.
        Err(usage) if !usage.use_stderr() => return ExitCode::from(usage.print().map_or(1, |_| 0)),
        Err(usage) => {
            eprint!("{}", redact(&usage.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match git_credential_hf::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("git-credential-hf: error: {}", redact(&format!("{err:#}")));
            match err.downcast_ref::<git_credential_hf::UsageError>() {
                Some(_) => ExitCode::from(2),
                None => ExitCode::FAILURE,
            }
        }
    }
}
