//! Python's semantics, where matching huggingface_hub means matching Python to the letter:
//! text (`str.isspace`, `int()`), paths (`posixpath`, `pathlib`) and `configparser`. A leaf:
//! it knows nothing of tokens.

pub mod configparser;
pub mod path;
pub mod text;
