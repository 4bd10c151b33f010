//! `list` (being written).
