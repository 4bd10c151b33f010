use git_credential_hf::cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse_args();
    match git_credential_hf::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("git-credential-hf: error: {err:#}");
            match err.downcast_ref::<git_credential_hf::UsageError>() {
                Some(_) => ExitCode::from(2),
                None => ExitCode::FAILURE,
            }
        }
    }
}
