//! `login` (being written).
