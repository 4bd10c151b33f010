//! huggingface_hub's token file (`HF_TOKEN_PATH`, by default `~/.cache/huggingface/token`):
//! the active token, as `hf auth login` and `hf auth switch` leave it.

use crate::io::fs::Fs;
use crate::python::text::{read_text, strip};
use crate::settings::Settings;
use crate::token::Token;
use std::fmt;
use std::io;

#[derive(Debug)]
pub enum ReadError {
    Unreadable {
        path: String,
        err: io::Error,
    },
    /// A folder where the file should be: `hf auth login` would fail too.
    Folder {
        path: String,
    },
    /// Not text as Python decodes it: UTF-8, or on Windows outside UTF-8 mode the ANSI code
    /// page (`ansi`).
    Undecodable {
        path: String,
        ansi: bool,
    },
}

impl std::error::Error for ReadError {}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Unreadable { path, err } => write!(
                f,
                "cannot read the token file {path}: {err}: fix its permissions or remove it and log in again"
            ),
            ReadError::Folder { path } => write!(
                f,
                "the token file {path} is a folder: remove the folder {path}, then log in again"
            ),
            ReadError::Undecodable { path, ansi } => write!(
                f,
                "the token file {path} is not valid {}: remove it and log in again",
                match ansi {
                    true => "text in the ANSI code page (as Python reads it on Windows)",
                    false => "UTF-8",
                }
            ),
        }
    }
}

/// The cleaned token file; a missing file means no token, any other read error is an error.
pub fn read(settings: &Settings, fs: &dyn Fs) -> Result<Option<Token>, ReadError> {
    let path = settings.token_path.to_string();
    let bytes = match fs.read(&settings.token_path.file()) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(_) if fs.is_dir(&settings.token_path.file()) => {
            return Err(ReadError::Folder { path });
        }
        Err(err) => {
            return Err(ReadError::Unreadable { path, err });
        }
    };
    let ansi = cfg!(windows) && !settings.utf8_mode;
    let text = read_text(bytes, settings.utf8_mode).ok_or(ReadError::Undecodable { path, ansi })?;
    Ok(clean(&text))
}

/// Makes `token` the active token.
pub fn write(settings: &Settings, fs: &dyn Fs, token: &Token) -> io::Result<()> {
    fs.write_secret(&settings.token_path.file(), token.expose().as_bytes())
}

pub fn remove(settings: &Settings, fs: &dyn Fs) -> io::Result<()> {
    fs.remove(&settings.token_path.file())
}

/// `_clean_token`: drop every CR and LF, strip surrounding whitespace, empty means none.
pub fn clean(raw: &str) -> Option<Token> {
    let joined: String = raw.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let stripped = strip(&joined);
    (!stripped.is_empty()).then(|| Token::new(stripped))
}
