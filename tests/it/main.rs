//! The integration tests, one binary: each module is one area, run with real git, the built
//! binary and the Hub imitation (crates/hub-imitation); `support` is what they share.
//! One area alone: `cargo test --test it man::`.

mod support;

mod bearer;
mod check;
mod concurrency;
#[cfg(unix)]
mod divergences;
mod faults;
mod files;
mod helper;
mod host_safety;
mod install;
mod keychain;
mod layers;
mod lfs_e2e;
#[cfg(target_os = "linux")]
mod linking;
#[cfg(unix)]
mod login;
mod man;
#[cfg(unix)]
mod net_hardening;
#[cfg(unix)]
mod newcomer;
#[cfg(unix)]
mod oauth;
#[cfg(unix)]
mod oidc;
#[cfg(unix)]
mod parity;
mod properties;
#[cfg(unix)]
mod protocol;
mod python_paths;
#[cfg(unix)]
mod python_roundtrip;
mod screen;
mod secret_scope;
#[cfg(unix)]
mod setup;
mod status;
