//! The only modules that touch the machine: files and locks, the `git` program, HTTP, the OS
//! keychain. Each is a trait with a live implementation and a fake for unit tests.

pub mod fs;
pub mod git;
pub mod http;
pub mod keychain;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The machine, as a command sees it.
#[derive(Clone)]
pub struct Io<'a> {
    pub fs: &'a dyn fs::Fs,
    pub git: &'a dyn git::Git,
    pub http: &'a dyn http::Http,
    pub keychain: Arc<dyn keychain::Keychain>,
}

/// When every network call and lock wait of a command gives up: one deadline for all of them
/// (a `get` that refreshes, then asks whoami, ends within `--timeout`), starting at the first
/// one, so the time a user takes at `login`'s prompt, or `status` looking through files, is not
/// counted.
#[derive(Debug)]
pub struct Deadline {
    timeout: Duration,
    at: OnceLock<Instant>,
}

impl Deadline {
    pub fn after(timeout: Duration) -> Deadline {
        Deadline {
            timeout,
            at: OnceLock::new(),
        }
    }

    pub fn get(&self) -> Instant {
        *self.at.get_or_init(|| Instant::now() + self.timeout)
    }
}
