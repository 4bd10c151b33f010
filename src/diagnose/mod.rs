//! What is wrong, and how to say it: the inventory of every place, the problems found in it,
//! and every sentence the helper writes on stderr.

pub mod inventory;
pub mod problems;
pub mod report;
