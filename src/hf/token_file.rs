//! huggingface_hub's token file (`HF_TOKEN_PATH`, by default `~/.cache/huggingface/token`):
//! the active token, as `hf auth login` and `hf auth switch` leave it.

use crate::io::fs::Fs;
use crate::python::path::pathlib_path;
use crate::python::text::strip;
use crate::settings::Settings;
use crate::token::Token;
use std::fmt;
use std::io;

#[derive(Debug)]
pub enum ReadError {
    Unreadable { path: String, err: io::Error },
    NotUtf8 { path: String },
}

impl std::error::Error for ReadError {}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Unreadable { path, err } => write!(
                f,
                "cannot read the token file {path}: {err}: fix its permissions or remove it and log in again"
            ),
            ReadError::NotUtf8 { path } => write!(
                f,
                "the token file {path} is not valid UTF-8: remove it and log in again"
            ),
        }
    }
}

/// The cleaned token file; a missing file means no token, any other read error is an error.
pub fn read(settings: &Settings, fs: &dyn Fs) -> Result<Option<Token>, ReadError> {
    let path = &settings.token_path;
    let bytes = match fs.read(&pathlib_path(path)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(ReadError::Unreadable {
                path: path.clone(),
                err,
            });
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8 { path: path.clone() })?;
    Ok(clean(&text))
}

/// Makes `token` the active token.
pub fn write(settings: &Settings, fs: &dyn Fs, token: &Token) -> io::Result<()> {
    fs.write_secret(
        &pathlib_path(&settings.token_path),
        token.expose().as_bytes(),
    )
}

pub fn remove(settings: &Settings, fs: &dyn Fs) -> io::Result<()> {
    fs.remove(&pathlib_path(&settings.token_path))
}

/// `_clean_token`: drop every CR and LF, strip surrounding whitespace, empty means none.
pub fn clean(raw: &str) -> Option<Token> {
    let joined: String = raw.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let stripped = strip(&joined);
    (!stripped.is_empty()).then(|| Token::new(stripped))
}
