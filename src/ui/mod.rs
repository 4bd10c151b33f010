//! What people read: the status screen, colours, tables, text that fits the terminal, the
//! progress line and the no-echo prompt.

pub mod progress;
pub mod prompt;
pub mod status;
pub mod style;
pub mod table;
pub mod terminal;
pub mod text;
