//! Helpers for the JSON objects the core builds.

use crate::prelude::*;
use serde_json::{Map, Value};

/// `m.insert(key.to_owned(), value)`, out of line: the core builds many small objects, and
/// inlined at each of its ~100 call sites the key's allocation and the drop of a replaced value
/// cost several KB of wasm.
#[inline(never)]
pub fn put(m: &mut Map<String, Value>, key: &str, value: Value) {
    m.insert(key.to_owned(), value);
}
