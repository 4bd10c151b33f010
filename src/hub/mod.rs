//! The Hub's side: whether a token is valid (one `Verdict`, cached in our own store), what a
//! token may do with a repository, and how users name repositories.

pub mod access;
pub mod repo;
pub mod store;
pub mod verdict;
