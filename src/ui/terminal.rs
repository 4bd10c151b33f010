//! How wide the screen is: asked of the terminal stdout is (ioctl `TIOCGWINSZ`), else the
//! `COLUMNS` variable (a pipe, a redirect, `script`), else 80.

use crate::env::{COLUMNS, Env};

const DEFAULT: usize = 80;
/// Narrower than this, nothing fits anyway: lay out for this many.
const NARROWEST: usize = 40;

/// The screen's size: columns, and rows when stdout is a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub columns: usize,
    pub rows: Option<usize>,
}

/// The size of the screen stdout shows.
pub fn stdout_size(env: &Env) -> Size {
    match window(1) {
        Some((columns, rows)) => Size {
            columns: columns.max(NARROWEST),
            rows: (rows > 0).then_some(rows),
        },
        None => Size {
            columns: columns_variable(env).unwrap_or(DEFAULT).max(NARROWEST),
            rows: None,
        },
    }
}

fn columns_variable(env: &Env) -> Option<usize> {
    env.get(COLUMNS)
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
}

/// (columns, rows) of the terminal `fd` is, `None` when it is not one.
#[cfg(unix)]
fn window(fd: libc::c_int) -> Option<(usize, usize)> {
    // SAFETY: TIOCGWINSZ only writes a `winsize` into the struct it is given; on anything
    // that is not a terminal it fails with ENOTTY and writes nothing.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let done = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) };
    (done == 0 && size.ws_col > 0).then(|| (usize::from(size.ws_col), usize::from(size.ws_row)))
}

#[cfg(not(unix))]
fn window(_fd: i32) -> Option<(usize, usize)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_from_the_variable_else_80() {
        let env = |pairs: &[(&str, &str)]| Env::from_pairs(pairs.iter().copied());
        assert_eq!(columns_variable(&env(&[("COLUMNS", "120")])), Some(120));
        assert_eq!(columns_variable(&env(&[("COLUMNS", " 100 ")])), Some(100));
        for bad in ["", "0", "wide", "-3"] {
            assert_eq!(columns_variable(&env(&[("COLUMNS", bad)])), None, "{bad:?}");
        }
        assert_eq!(columns_variable(&env(&[])), None);
        // A file descriptor that is not a terminal has no size.
        let file = tempfile::tempfile().unwrap();
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            assert_eq!(window(file.as_raw_fd()), None);
        }
        drop(file);
    }
}
