//! What a Database request may hold: the names `from(table)` and `rpc(fn)` put in the URL path,
//! and the size of the whole request. Both are refused before anything is sent, with a
//! `PostgrestError` whose `code` says which rule it broke (docs/request-limits.md).
//!
//! **Names.** postgrest-js pastes the name into `new URL(`${rest}/${name}`)`, so `x?q=1`
//! becomes a query, `#` starts a fragment, `\` and `/` start new segments and `..` climbs out of
//! `/rest/v1` (`rpc('../../rest/v1/todos')` reached `/rest/rest/v1/todos`). Here the name is ONE
//! path segment: every byte outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`) is
//! percent-encoded, `/`, `\`, `?`, `#` and `%` included. PostgREST decodes the segment back
//! into the name (its WAI `pathInfo`): a real table named `x?q=1` is reached as `/x%3Fq%3D1`
//! (tests/node/rest.e2e.test.js). Refused: a name holding NUL (no Postgres identifier can; and
//! PostgREST would cut the name there, so `todos\0x` reached `todos`), and the names `.` and
//! `..`: `%2E%2E` is a dot segment to WHATWG URL parsers and RFC 3986 normalisation (browsers'
//! `fetch` and gateways resolve it), so no URL reliably names such a table.
//!
//! **Size.** A request is a URL (GET filters and `rpc` GET/HEAD arguments are in the query); the
//! shim refuses a chain whose strings are longer than [`MAX_URL`] units before copying it in
//! (`tooLarge`), and the core refuses a built request whose URL and headers exceed it. The bound
//! is what the server side can take at most: PostgREST 12 serves HTTP with Warp, whose
//! `settingsMaxTotalHeaderLength` is `50 * 1024` bytes for the request line and all headers
//! (warp `Network/Wai/Handler/Warp/Settings.hs`; measured on the local backend's PostgREST 12.0.2:
//! a 49 KiB URL is answered, a 50 KiB one gets 400). Gateways in front usually take less (nginx
//! and Kong: one `large_client_header_buffers` buffer, 8 KiB by default, else 414; Node's HTTP
//! server: 16 KiB, else 431), and those requests go out and fail there. 1,000 UUIDs in `in()`
//! (about 39 KB) stay under the bound.

use crate::encoding::percent;
use crate::encoding::text::{cat, decimal, find_by};
use crate::prelude::*;

use super::reply;
use super::Built;
use crate::data::types::Outcome;

/// The most bytes of URL and headers a Database request may take (see the module doc): Warp's
/// 50 KiB less 2 KiB for the method, the HTTP version and the other headers' framing.
pub const MAX_URL: usize = 48 * 1024;

/// `name` as one percent-encoded path segment, or the refusal of a name no URL can carry.
/// `what`: "relation" (from) or "function" (rpc).
pub(super) fn name_segment(what: &str, name: &str) -> Result<String, Outcome> {
    let (problem, hint) = if find_by(name, &|b| b == 0).is_some() {
        (
            " contains a NUL character (\\0), which no Postgres name can contain.",
            "Remove the NUL character from the name.",
        )
    } else if name == "." || name == ".." {
        (
            " cannot be addressed in a URL (a path segment \".\" or \"..\" means this or the parent folder).",
            "Rename it in the database, or reach it through a view.",
        )
    } else {
        return Ok(percent::encode(name, percent::not_unreserved));
    };
    // The name quoted, NUL written `\0` (a loop: `str::replace` linked its own searcher).
    let mut quoted = String::with_capacity(name.len().saturating_add(2));
    quoted.push('"');
    for c in name.chars() {
        if c == '\0' {
            quoted.push_str("\\0");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('"');
    let message = cat(&["Invalid ", what, " name: ", &quoted, problem]);
    Err(refused(message, "invalid_name", hint))
}

/// The refusal of a request larger than [`MAX_URL`]: `what`, `n` and `unit` say what was measured.
pub(super) fn too_large(what: &str, n: u64, unit: &str) -> Built {
    let message = cat(&[
        "Request too large: ",
        what,
        " ",
        &decimal(n),
        unit,
        "; a Database request can carry at most ",
        &decimal(MAX_URL),
        " bytes of URL and headers.",
    ]);
    let hint = "Split the values into several calls of at most a few thousand each, or pass them to a \
                Postgres function with rpc(), whose arguments travel in the request body.";
    Built::Done(refused(message, "request_too_large", hint))
}

/// A call refused before anything is sent: postgrest-js' shape for a call that got no reply
/// (status 0), with `code` naming the rule.
fn refused(message: String, code: &str, hint: &str) -> Outcome {
    let mut outcome = reply::local_failure(message, "", hint);
    if let Some(e) = outcome.error.as_mut() {
        crate::encoding::json::put(e, "code", code.into());
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(name: &str) -> Option<(String, String)> {
        let e = name_segment("function", name).err()?.error?;
        let text = |k: &str| e.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_owned();
        Some((text("message"), text("hint")))
    }

    #[test]
    fn refused_names_say_why() {
        let nul =
            "Invalid function name: \"a\\0b\\0\" contains a NUL character (\\0), which no Postgres name can contain.";
        assert_eq!(refusal("a\0b\0"), Some((nul.into(), "Remove the NUL character from the name.".into())));
        let dots = "Invalid function name: \"..\" cannot be addressed in a URL (a path segment \".\" or \"..\" means \
                    this or the parent folder).";
        assert_eq!(refusal(".."), Some((dots.into(), "Rename it in the database, or reach it through a view.".into())));
        assert!(refusal(".").is_some_and(|(m, _)| m.starts_with("Invalid function name: \".\" cannot")));
        assert_eq!(name_segment("relation", "x?q=1/é").ok().as_deref(), Some("x%3Fq%3D1%2F%C3%A9"));
    }
}
