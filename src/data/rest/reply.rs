//! What a PostgREST reply resolves with: postgrest-js 2.119's `processResponse`, branch by branch.
//!
//! The shim keeps a 2xx body (parsed with `JSON.parse`, or as text for CSV and text plans) and
//! tells the core whether it parsed and, for an array, its length; a body the core must see (an
//! error, a 2xx body that is not JSON) crosses as text. WeChat gives no status text, so it is the
//! standard reason phrase of the status.

use crate::encoding::json::put;
use crate::prelude::*;
use serde_json::{Map, Number, Value};

use crate::data::error::DataErrorKind;
use crate::data::types::{Outcome, Read, Response};
use crate::encoding::text::{cat, is_js_space};

/// What the reply needs to know about the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Ctx {
    /// HEAD: the body is not read.
    pub(super) head: bool,
    /// JSON, or text (`text/csv`, a text plan).
    pub(super) read: Read,
    pub(super) maybe_single: bool,
    /// `Prefer` asked for a count: `count` comes from `Content-Range`.
    pub(super) counted: bool,
}

/// The error of a call that could not be sent (bad input): `{ name, message, details, hint, code }`.
pub(super) fn error_map(message: String, details: &str, hint: &str) -> Map<String, Value> {
    let mut e = DataErrorKind::PostgrestError.error(&message);
    put(&mut e, "details", details.into());
    put(&mut e, "hint", hint.into());
    put(&mut e, "code", "".into());
    e
}

/// The server answered (any status).
pub fn finish(c: &Ctx, r: &Response) -> Outcome {
    let mut status = r.status;
    let mut status_text = status_text(status);
    let mut data = Value::Null;
    let mut take = None;
    let mut error = None;
    let mut count = Value::Null;
    if r.ok() {
        if !c.head {
            match c.read {
                // An empty body is `null` data, whatever the type.
                _ if r.facts.len == 0 => {}
                Read::Json if r.facts.json_ok == Some(true) => take = Some("body"),
                // A 2xx body that is not JSON: an error with the body as its message.
                Read::Json => error = Some(message_error(r.body.unwrap_or(""))),
                _ => take = Some("body"),
            }
        }
        if c.counted {
            count = r.header("content-range").and_then(|h| h.split('/').nth(1)).map_or(Value::Null, js_parse_int);
        }
        // maybeSingle(): the rows came as an array; one row is the data, none is null, more is an error.
        if let (true, Some("body"), Some(n)) = (c.maybe_single, take, r.facts.array_len) {
            match n {
                0 => take = None,
                1 => take = Some("first"),
                _ => {
                    take = None;
                    let mut e = Map::new();
                    put(&mut e, "code", "PGRST116".into());
                    e.insert(
                        "details".into(),
                        cat(&[
                            "Results contain ",
                            &crate::encoding::text::decimal(n),
                            " rows, application/vnd.pgrst.object+json requires 1 row",
                        ])
                        .into(),
                    );
                    put(&mut e, "hint", Value::Null);
                    put(&mut e, "message", "JSON object requested, multiple (or no) rows returned".into());
                    let mut desc = e.clone();
                    DataErrorKind::PostgrestError.tag(&mut desc);
                    put(&mut desc, "body", Value::Object(e));
                    error = Some(desc);
                    count = Value::Null;
                    status = 406;
                    status_text = "Not Acceptable";
                }
            }
        }
    } else {
        let body = r.body.unwrap_or("");
        match lenient_json(body) {
            // A 404 with an array body is an empty result.
            Some(Value::Array(_)) if status == 404 => {
                data = Value::Array(Vec::new());
                status = 200;
                status_text = "OK";
            }
            // `JSON.parse('null')`: no error object at all.
            Some(Value::Null) => {}
            Some(v) => error = Some(body_error(v, body, status)),
            None if status == 404 && body.is_empty() => {
                status = 204;
                status_text = "No Content";
            }
            // No body at all (a proxy's 431 or 414): postgrest-js would say `''`; say the status.
            // (the shape of postgrest-js' own PostgrestError for a body that is not JSON).
            None if crate::encoding::text::is_blank(body) => {
                let mut e = error_map(empty_reply(status), "", "");
                put(&mut e, "body", "".into());
                error = Some(e);
            }
            None => error = Some(message_error(body)),
        }
    }
    let mut result = Map::new();
    put(&mut result, "data", data);
    put(&mut result, "count", count);
    put(&mut result, "status", status.into());
    put(&mut result, "statusText", status_text.into());
    put(&mut result, "success", error.is_none().into());
    Outcome { result, take, error }
}

/// No HTTP status came back, or the request could not be sent: postgrest-js' `FetchError`
/// result. `code` (`network_error`, `session_refresh_failed`, `invalid_config`) goes in `details`.
pub fn failed(_c: &Ctx, message: &str, code: &str) -> Outcome {
    if code == "aborted" {
        return aborted();
    }
    local_failure(cat(&["FetchError: ", message]), code, "")
}

/// The abortSignal fired (before the request, or while it was in flight): what postgrest-js
/// resolves with for an `AbortError`.
pub(crate) fn aborted() -> Outcome {
    local_failure(
        "AbortError: This operation was aborted".into(),
        "",
        "Request was aborted (timeout or manual cancellation)",
    )
}

/// A call that ends without a reply: status 0, as postgrest-js resolves a rejected fetch.
pub(crate) fn local_failure(message: String, details: &str, hint: &str) -> Outcome {
    let mut result = Map::new();
    put(&mut result, "data", Value::Null);
    put(&mut result, "count", Value::Null);
    put(&mut result, "status", 0.into());
    put(&mut result, "statusText", "".into());
    put(&mut result, "success", false.into());
    Outcome { result, take: None, error: Some(error_map(message, details, hint)) }
}

/// `{ message: body }`, for a body that is not JSON.
fn message_error(body: &str) -> Map<String, Value> {
    let mut e = DataErrorKind::PostgrestError.error(body);
    put(&mut e, "body", body.into());
    e
}

/// The parsed error body: its fields (PostgREST's `code`, `details`, `hint`, `message`, or
/// whatever a gateway sent) on the error, and the whole body as its hidden `data`. A body with no
/// message (`{}`, `""`, a gateway's `{ msg }`) gets one from the status.
fn body_error(v: Value, text: &str, status: u16) -> Map<String, Value> {
    let mut e = Map::new();
    match &v {
        Value::Object(m) => {
            for (k, x) in m {
                if k != "name" && k != "body" {
                    e.insert(k.clone(), x.clone());
                }
            }
        }
        Value::String(s) => {
            put(&mut e, "message", s.clone().into());
        }
        _ => {
            put(&mut e, "message", text.into());
        }
    }
    if !matches!(e.get("message"), Some(Value::String(m)) if !m.is_empty()) {
        put(&mut e, "message", empty_reply(status).into());
    }
    DataErrorKind::PostgrestError.tag(&mut e);
    put(&mut e, "body", v);
    e
}

/// `JSON.parse` as JavaScript does it where serde_json is stricter: a `\uXXXX` escape of a lone
/// surrogate is accepted (read as U+FFFD). `None` when the text is not JSON.
pub fn lenient_json(text: &str) -> Option<Value> {
    match serde_json::from_str(text) {
        Ok(v) => Some(v),
        Err(_) if crate::encoding::text::contains(text, "\\u") => {
            serde_json::from_str(&replace_lone_surrogate_escapes(text)).ok()
        }
        Err(_) => None,
    }
}

fn replace_lone_surrogate_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let unit = |s: &str| -> Option<u16> {
        let hex = s.strip_prefix("\\u")?.get(..4)?;
        u16::from_str_radix(hex, 16).ok().filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    while let Some(i) = rest.find('\\') {
        let (before, from) = rest.split_at_checked(i).unwrap_or((rest, ""));
        out.push_str(before);
        match unit(from) {
            Some(0xD800..=0xDBFF) => {
                let next = from.get(6..).unwrap_or("");
                if matches!(unit(next), Some(0xDC00..=0xDFFF)) {
                    out.push_str(from.get(..12).unwrap_or(""));
                    rest = from.get(12..).unwrap_or("");
                } else {
                    out.push_str("\\ufffd");
                    rest = next;
                }
            }
            Some(0xDC00..=0xDFFF) => {
                out.push_str("\\ufffd");
                rest = from.get(6..).unwrap_or("");
            }
            _ => {
                // Any other escape: copy the backslash and the escaped character.
                // The backslash (1 byte) and the character after it.
                let len = from.get(1..).and_then(|r| r.chars().next()).map_or(1, |c| 1 + c.len_utf8());
                out.push_str(from.get(..len).unwrap_or(from));
                rest = from.get(len..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// The message of an error reply that says nothing itself: the status and its reason phrase, and
/// for the statuses a request too big causes, what to change.
pub fn empty_reply(status: u16) -> String {
    let advice = match status {
        413 => ": the request body is too large",
        414 | 431 => ": the request's URL or headers are too long",
        _ => "",
    };
    cat(&["HTTP ", &crate::encoding::text::decimal(status), " ", status_text(status), advice]).trim_end().into()
}

/// JavaScript's `parseInt(s)` as a JSON number (`NaN` cannot cross as JSON: `null`).
fn js_parse_int(s: &str) -> Value {
    let mut s = s;
    // JavaScript's leading white space skipped (a loop: no `trim_start_matches` searcher).
    while let Some(c) = s.chars().next().filter(|c| is_js_space(*c)) {
        s = s.get(c.len_utf8()..).unwrap_or("");
    }
    let (negative, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, s) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(r) => (16, r),
        None => (10, s),
    };
    // The leading digits, in one loop (no `find` with a closure: its searcher is its own code).
    // Exact up to 2^53 (no row count comes near); `str::parse::<f64>` would add ~17 KB of wasm.
    let mut magnitude = 0.0;
    let mut any = false;
    for c in s.chars() {
        let Some(d) = c.to_digit(radix) else { break };
        magnitude = magnitude * f64::from(radix) + f64::from(d);
        any = true;
    }
    if !any {
        return Value::Null;
    }
    let value = if negative { -magnitude } else { magnitude };
    match value {
        v if crate::encoding::float::fract(v) == 0.0
            && v.abs() < 9_007_199_254_740_992.0
            && !(v == 0.0 && negative) =>
        {
            Value::from(v as i64)
        }
        v => Number::from_f64(v).map_or(Value::Null, Value::Number),
    }
}

/// The standard reason phrases, `<status><phrase>|` each: one string searched, where a `match` of
/// 61 arms was ~1.2 KB of wasm code.
const PHRASES: &str = concat!(
    "100Continue|101Switching Protocols|102Processing|103Early Hints|200OK|201Created|",
    "202Accepted|203Non-Authoritative Information|204No Content|205Reset Content|",
    "206Partial Content|207Multi-Status|208Already Reported|226IM Used|300Multiple Choices|",
    "301Moved Permanently|302Found|303See Other|304Not Modified|305Use Proxy|",
    "307Temporary Redirect|308Permanent Redirect|400Bad Request|401Unauthorized|",
    "402Payment Required|403Forbidden|404Not Found|405Method Not Allowed|406Not Acceptable|",
    "407Proxy Authentication Required|408Request Timeout|409Conflict|410Gone|",
    "411Length Required|412Precondition Failed|413Payload Too Large|414URI Too Long|",
    "415Unsupported Media Type|416Range Not Satisfiable|417Expectation Failed|",
    "418I'm a Teapot|421Misdirected Request|422Unprocessable Entity|423Locked|",
    "424Failed Dependency|425Too Early|426Upgrade Required|428Precondition Required|",
    "429Too Many Requests|431Request Header Fields Too Large|",
    "451Unavailable For Legal Reasons|500Internal Server Error|501Not Implemented|",
    "502Bad Gateway|503Service Unavailable|504Gateway Timeout|505HTTP Version Not Supported|",
    "506Variant Also Negotiates|507Insufficient Storage|508Loop Detected|",
    "509Bandwidth Limit Exceeded|510Not Extended|511Network Authentication Required|",
);

/// The standard reason phrase of an HTTP status (what `fetch` shows as `statusText`).
pub fn status_text(status: u16) -> &'static str {
    let code = crate::encoding::text::decimal(status);
    for entry in PHRASES.split('|') {
        if let (Some(digits), Some(phrase)) = (entry.get(..3), entry.get(3..)) {
            if digits == code {
                return phrase;
            }
        }
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `js_parse_int` as it was written before (the digits found by a closure, then summed).
    fn reference(s: &str) -> Value {
        let s = s.trim_start_matches(is_js_space);
        let (negative, s) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (radix, s) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            Some(r) => (16, r),
            None => (10, s),
        };
        let digits: &str = s.get(..s.find(|c: char| !c.is_digit(radix)).unwrap_or(s.len())).unwrap_or("");
        if digits.is_empty() {
            return Value::Null;
        }
        let mut magnitude = 0.0;
        for c in digits.chars() {
            if let Some(d) = c.to_digit(radix) {
                magnitude = magnitude * f64::from(radix) + f64::from(d);
            }
        }
        let value = if negative { -magnitude } else { magnitude };
        match value {
            v if crate::encoding::float::fract(v) == 0.0
                && v.abs() < 9_007_199_254_740_992.0
                && !(v == 0.0 && negative) =>
            {
                Value::from(v as i64)
            }
            v => Number::from_f64(v).map_or(Value::Null, Value::Number),
        }
    }

    #[test]
    fn js_parse_int_reads_the_leading_digits() {
        let cases: &[(&str, Value)] = &[
            ("3573", Value::from(3573)),
            (" \u{a0}42abc", Value::from(42)),
            ("0x1Fz", Value::from(31)),
            ("-7", Value::from(-7)),
            ("+", Value::Null),
            ("*", Value::Null),
            ("", Value::Null),
            ("0xg", Value::Null),
        ];
        for (text, want) in cases {
            assert_eq!(&js_parse_int(text), want, "{text:?}");
        }
        assert_eq!(js_parse_int("-0").as_f64(), Some(-0.0));
    }

    proptest! {
        #[test]
        fn js_parse_int_as_before(s in "[ \t\u{a0}\u{feff}+*xX0-9a-fA-Fgé-]{0,24}") {
            prop_assert_eq!(js_parse_int(&s), reference(&s));
        }
    }
}
