//! Asking for a secret on the terminal with echo off, as Python's `getpass` does (rpassword
//! reads the controlling terminal on Unix and the console on Windows, never stdin).

use anyhow::bail;
use std::io::IsTerminal;

pub fn ask(prompt: &str) -> anyhow::Result<String> {
    // Without a terminal there is nobody to ask: say so rather than wait on stdin.
    if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
        bail!("there is no terminal to ask for the token on: pipe it in with --token-stdin");
    }
    rpassword::prompt_password(prompt).map_err(|e| {
        anyhow::anyhow!(
            "there is no terminal to ask for the token on ({e}): pipe it in with --token-stdin"
        )
    })
}
