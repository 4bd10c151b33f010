//! `switch` (being written).
