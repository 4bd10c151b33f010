//! git's side: the credential protocol codec, the origins the helper answers, URLs as git
//! cuts them, credential helpers and git's configuration.

pub mod config;
pub mod helper;
pub mod origin;
pub mod protocol;
pub mod url;
