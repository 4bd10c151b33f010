//! What people read: the status screen, colours, tables and the no-echo prompt.

pub mod prompt;
pub mod status;
pub mod style;
pub mod table;
