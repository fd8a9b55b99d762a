//! Object paths and bucket ids in URLs, query strings, and content types guessed from names.
//!
//! The SDK we replace put object paths into URLs raw, and storage-js runs `encodeURI` over its
//! URLs, which leaves `#`, `?` and `&` alone: a name with one of them addressed another object or
//! none. Here every segment is percent-encoded like `encodeURIComponent` (the `/` separators
//! stay), so any name reaches the server as it was given; `getPublicUrl` ([`super::public_url`])
//! applies the same rules.

use crate::encoding::text::{self, cat};
use crate::prelude::*;
use serde_json::Value;

use crate::encoding::percent::{self, uri, uri_component};
use crate::encoding::query::encode_query_value;

/// `encodeURIComponent`.
pub fn encode_segment(s: &str) -> String {
    percent::encode(s, uri_component)
}

/// `encodeURI`: only for a signed URL whose shape the core does not recognise, which
/// storage-js would pass through `encodeURI` too.
pub fn encode_uri(s: &str) -> String {
    percent::encode(s, uri)
}

/// `a/b c/#1` -> `a/b%20c/%231`.
pub fn encode_path(path: &str) -> String {
    encode_path_with(path, uri_component)
}

/// Each `/`-separated segment of `path` percent-encoded with `set`.
fn encode_path_with(path: &str, set: percent::Set) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        percent::encode_into(&mut out, seg, set);
    }
    out
}

/// The characters `decodeURI` leaves encoded (`; , ? : @ & = + $ #`; `/` separates segments).
/// storage-api's `POST /object/sign/<bucket>/<name>` signs `decodeURI` of the raw request path
/// (supabase/storage src/storage/object.ts `signObjectUrl`) and checks the token against the
/// fully decoded name later (`verifyObjectSignature`): a name with one of these characters,
/// percent-encoded, is signed under another name and its URL answers `InvalidSignature`.
pub fn kept_by_decode_uri(b: u8) -> bool {
    matches!(b, b';' | b',' | b'?' | b':' | b'@' | b'&' | b'=' | b'+' | b'$' | b'#')
}

/// [`uri_component`] less the characters that may stand raw in a path and that `decodeURI`
/// would not decode (`; , : @ & = + $`), as storage-js sends them: `?` and `#` cannot be
/// raw in a path, so they stay encoded (a name with them is signed by the batch route).
fn sign_segment(b: u8) -> bool {
    uri_component(b) && !(kept_by_decode_uri(b) && b != b'?' && b != b'#')
}

/// `<storage>/<route>/<bucket>/<path>` for the single signing route: what storage-api signs is
/// the object's name (see [`kept_by_decode_uri`]).
pub fn sign_url(s: &str, route: &str, bucket: &str, path: &str) -> String {
    cat(&[s, "/", route, "/", &encode_path_with(bucket, sign_segment), "/", &encode_path_with(path, sign_segment)])
}

/// An object path as the caller gave it, cleaned the way storage-js cleans upload paths (no
/// leading, trailing or repeated `/`), or why it names no object. `.` and `..` segments are
/// refused: URL normalisation (WeChat's, a CDN's, the server's) would resolve them, even
/// percent-encoded, and address another object.
pub fn object_path(v: Option<&Value>) -> Result<String, String> {
    let Some(s) = v.and_then(Value::as_str) else {
        return Err("Invalid path: expected a string".into());
    };
    let mut clean = String::with_capacity(s.len());
    for seg in s.split('/') {
        if seg == "." || seg == ".." {
            return Err(cat(&["Invalid path \"", s, "\": \".\" and \"..\" segments are not allowed"]));
        }
        if !seg.is_empty() {
            if !clean.is_empty() {
                clean.push('/');
            }
            clean.push_str(seg);
        }
    }
    if clean.is_empty() {
        return Err(cat(&["Invalid path \"", s, "\": it names no object"]));
    }
    Ok(clean)
}

/// A bucket id: one non-empty URL segment.
pub fn bucket_id(v: Option<&Value>) -> Result<String, String> {
    match v.and_then(Value::as_str) {
        Some(s) if !s.is_empty() && s != "." && s != ".." && !s.contains('/') => Ok(s.to_owned()),
        Some(s) => Err(cat(&["Invalid bucket id \"", s, "\""])),
        None => Err("Invalid bucket id: expected a string".into()),
    }
}

/// `k=v&k2=v2`, values percent-encoded (`encode_query_value`), in the order given.
pub fn query(pairs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&encode_query_value(v));
    }
    out
}

/// A query value from an option the way `URLSearchParams.set(k, String(v))` after storage-js'
/// truthiness check sees it: non-empty strings and non-zero numbers; anything else is absent.
pub fn truthy_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) if n.as_f64().is_some_and(|f| f != 0.0) => Some(crate::encoding::text::json(n)),
        _ => None,
    }
}

/// The `download` option: `true` -> `download=` (the object's name), a string -> that file name.
pub fn download_param(v: Option<&Value>, out: &mut Vec<(&'static str, String)>) {
    match v {
        Some(Value::Bool(true)) => out.push(("download", String::new())),
        Some(Value::String(s)) if !s.is_empty() => out.push(("download", s.clone())),
        _ => {}
    }
}

/// Image transformation options as query parameters (storage-js' `applyTransformOptsToQuery`).
pub fn transform_params(v: Option<&Value>, out: &mut Vec<(&'static str, String)>) {
    let Some(t) = v.and_then(Value::as_object) else { return };
    for &key in &["width", "height", "resize", "format", "quality"] {
        if let Some(text) = truthy_text(t.get(key)) {
            out.push((key, text));
        }
    }
}

/// Whether `transform` is an object with at least one key (storage-js' `wantsTransformation`).
pub fn wants_transform(v: Option<&Value>) -> bool {
    v.and_then(Value::as_object).is_some_and(|m| !m.is_empty())
}

/// `<storage>/<route>[/<bucket>[/<path>]]`, the bucket and the path percent-encoded.
#[inline(never)]
pub fn url(s: &str, route: &str, bucket: Option<&str>, path: Option<&str>) -> String {
    let mut u = String::with_capacity(s.len() + route.len() + 64);
    u.push_str(s);
    u.push('/');
    u.push_str(route);
    if let Some(b) = bucket {
        u.push('/');
        u.push_str(&encode_segment(b));
    }
    if let Some(p) = path {
        u.push('/');
        u.push_str(&encode_path(p));
    }
    u
}

/// A value as text the way `String(v)` writes strings, numbers and booleans.
pub fn plain_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(text::json(n)),
        Value::Bool(b) => Some(text::boolean(*b)),
        _ => None,
    }
}

/// Content types by extension, for the files a mini-program uploads (photos, videos, voice,
/// documents from a chat).
const TYPES: &[(&str, &str)] = &[
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("bmp", "image/bmp"),
    ("svg", "image/svg+xml"),
    ("heic", "image/heic"),
    ("mp4", "video/mp4"),
    ("mov", "video/quicktime"),
    ("mp3", "audio/mpeg"),
    ("m4a", "audio/mp4"),
    ("aac", "audio/aac"),
    ("wav", "audio/wav"),
    ("pdf", "application/pdf"),
    ("json", "application/json"),
    ("txt", "text/plain"),
    ("csv", "text/csv"),
    ("zip", "application/zip"),
    ("doc", "application/msword"),
    ("xls", "application/vnd.ms-excel"),
    ("ppt", "application/vnd.ms-powerpoint"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
];

/// A content type from a file name's extension; `None` when unknown.
pub fn guess_content_type(name: &str) -> Option<&'static str> {
    let dot = name.bytes().rposition(|c| c == b'.')?;
    let ext = name.get(dot + 1..)?;
    if crate::encoding::text::find_by(ext, &|c| c == b'/').is_some() {
        return None;
    }
    for (e, t) in TYPES {
        if e.eq_ignore_ascii_case(ext) {
            return Some(t);
        }
    }
    None
}
