//! `logout` (being written).
