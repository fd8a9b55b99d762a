//! Query-string encoding.
//!
//! The SDK we replace sends query values unencoded (`&`, `#`, `%`, CJK go out raw). Here every
//! query value is percent-encoded with RFC 3986's unreserved set left as is, so whatever the
//! caller passes arrives at the server unchanged.

use crate::prelude::*;

/// Everything but `A-Z a-z 0-9 - _ . ~` is encoded.
pub fn encode_query_value(v: &str) -> String {
    super::percent::encode(v, super::percent::not_unreserved)
}
