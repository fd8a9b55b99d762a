//! Text and number encodings the core needs, written without `core::fmt` (see `text`).

pub mod base64;
pub mod float;
pub mod headers;
pub mod json;
pub mod percent;
pub mod query;
pub mod text;
