//! What people read: the status screen, colours, tables, dates and the no-echo prompt.

pub mod prompt;
pub mod status;
pub mod style;
pub mod table;
pub mod time;
