//! What a storage call resolves with: storage-js 2.x `{ data, error }` from the reply.
//!
//! Errors follow storage-js' `handleError`: a non-2xx reply is a `StorageApiError` whose
//! `status` is the HTTP status and `statusCode` the body's `statusCode` (storage-api answers
//! most errors with HTTP 400 and the real code there), else its `code`, else the HTTP status; no
//! reply, or a 2xx body that is not the JSON it should be, is a `StorageUnknownError`; bad
//! arguments are a plain `StorageError` and send nothing. Every error carries the server's error
//! body (or `{ message }`) as `body`, which the shim hides under `error.data` for pages written
//! against the SDK we replace (`error.data.message`).

use crate::encoding::json::put;
use crate::encoding::text;
use crate::encoding::text::cat;
use crate::prelude::*;
use serde_json::{Map, Value};

use super::paths::{encode_path, encode_segment, encode_uri, query};
use crate::data::error::DataErrorKind;
use crate::data::types::{Outcome, Response};

/// What the reply of a request means; kept until it arrives.
#[derive(Debug, Clone, PartialEq)]
pub struct Ctx {
    pub(super) kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    /// `data` is the reply's JSON as it is (buckets, `list`, `remove`, `move`, …).
    Json,
    /// `{ path, id, fullPath }`
    Upload { path: String },
    /// `{ path, fullPath }`
    SignedUpload { path: String },
    /// `{ signedUrl, path, token }`; `url` is the upload URL without its query.
    SignedUploadUrl { url: String, path: String },
    /// `{ signedUrl }`; `extra` is `&download=…` or empty; `batch`: asked of the batch route
    /// (a list of one).
    SignedUrl { storage: String, bucket: String, path: String, extra: String, batch: bool },
    /// `[{ error, path, signedURL, signedUrl }]`
    SignedUrls { storage: String, bucket: String, extra: String },
    /// `{ path }` from the reply's `Key`.
    Copy,
    /// The object's info with camelCase keys.
    Info,
    /// `true`, or `false` with the error.
    Exists,
    /// The bytes the shim kept: an ArrayBuffer, or `{ tempFilePath }` when `file`.
    Download { file: bool },
}

/// The server answered (any status).
pub fn finish(c: &Ctx, r: &Response) -> Outcome {
    let exists = matches!(c.kind, Kind::Exists);
    if !r.ok() {
        return api_error(r, exists);
    }
    match &c.kind {
        Kind::Download { file } => {
            Outcome { result: result(Value::Null), take: Some(if *file { "file" } else { "body" }), error: None }
        }
        // At any depth: an object's metadata may nest deep (encoding::json::read).
        kind => match crate::encoding::json::read(r.body.unwrap_or("")) {
            Some(v) => shape(kind, v),
            None => unknown("The storage server's reply is not valid JSON", None, exists),
        },
    }
}

/// No reply (network failure, timeout), or the request could not be sent.
pub fn failed(c: &Ctx, message: &str, code: &str) -> Outcome {
    unknown(message, Some(code), matches!(c.kind, Kind::Exists))
}

/// Bad arguments: a `StorageError`, nothing sent.
pub fn input_error(message: &str, exists: bool) -> Outcome {
    let mut e = DataErrorKind::StorageError.error(message);
    put(&mut e, "body", message_body(message, None));
    failure(e, exists)
}

fn result(data: Value) -> Map<String, Value> {
    let mut m = Map::new();
    put(&mut m, "data", data);
    m
}

pub(super) fn ok(data: Value) -> Outcome {
    Outcome { result: result(data), take: None, error: None }
}

fn failure(error: Map<String, Value>, exists: bool) -> Outcome {
    let data = if exists { Value::Bool(false) } else { Value::Null };
    Outcome { result: result(data), take: None, error: Some(error) }
}

fn message_body(message: &str, code: Option<&str>) -> Value {
    let mut b = Map::new();
    if let Some(c) = code {
        put(&mut b, "error", c.into());
    }
    put(&mut b, "message", message.into());
    Value::Object(b)
}

fn unknown(message: &str, code: Option<&str>, exists: bool) -> Outcome {
    let mut e = DataErrorKind::StorageUnknownError.error(message);
    put(&mut e, "originalError", message_body(message, code));
    put(&mut e, "body", message_body(message, code));
    failure(e, exists)
}

/// Text of a string or number field (`statusCode` is a string in storage-api's bodies).
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(text::json(n)),
        _ => None,
    }
}

/// storage-js' `_getErrorMessage`: `msg`, `message`, `error_description`, `error` (or its
/// `message`), else the body as JSON.
fn error_message(m: &Map<String, Value>) -> String {
    for &k in &["msg", "message", "error_description", "error"] {
        if let Some(Value::String(s)) = m.get(k) {
            return s.clone();
        }
    }
    if let Some(Value::String(s)) = m.get("error").and_then(|e| e.get("message")) {
        return s.clone();
    }
    text::json(m)
}

/// Said after storage-api's `Invalid key: <name>`: its rule (supabase/storage
/// src/storage/limits.ts `isValidKey`, the same character set since 2021) and what to do.
/// The body keeps the server's own message.
const INVALID_KEY_HINT: &str = ". Storage accepts object names made only of A-Z a-z 0-9, spaces, / and \
     ! - _ . * ' ( ) & $ @ = ; : + , ? (no Chinese characters, emoji, or other symbols such as # % ~): upload under such a name \
     (for example `${Date.now()}.jpg`) and keep the original name in the upload's metadata option";

fn api_error(r: &Response, exists: bool) -> Outcome {
    let status = r.status;
    let mut e = Map::new();
    DataErrorKind::StorageApiError.tag(&mut e);
    let body = r.body.and_then(crate::encoding::json::read);
    let (message, status_code, body) = match body {
        Some(Value::Object(m)) => {
            let status_code =
                text(m.get("statusCode")).or_else(|| text(m.get("code"))).unwrap_or_else(|| text::decimal(status));
            if let Some(Value::String(code)) = m.get("code") {
                put(&mut e, "code", code.as_str().into());
            }
            // storage-js would say `''` for `{ message: '' }`: say the status instead.
            let mut message =
                Some(error_message(&m)).filter(|s| !text::is_blank(s)).unwrap_or_else(|| empty_reply(status));
            for k in &["code", "error"] {
                if m.get(*k).and_then(Value::as_str) == Some("InvalidKey") {
                    message.push_str(INVALID_KEY_HINT);
                    break;
                }
            }
            let mut m = m;
            // `error.data.message` is what pages written for the SDK we replace read.
            if !m.get("message").is_some_and(Value::is_string) {
                put(&mut m, "message", message.as_str().into());
            }
            (message, status_code, Value::Object(m))
        }
        Some(Value::String(s)) if !text::is_blank(&s) => (s, text::decimal(status), Value::Null),
        // storage-js: the status text, else `HTTP <status> error`.
        _ => (empty_reply(status), text::decimal(status), Value::Null),
    };
    // A body that is not a JSON object (a gateway's HTML page): what storage-api would have said.
    let body = if body.is_null() {
        let mut b = Map::new();
        put(&mut b, "statusCode", status_code.as_str().into());
        put(&mut b, "error", "HTTP error".into());
        put(&mut b, "message", message.as_str().into());
        Value::Object(b)
    } else {
        body
    };
    put(&mut e, "message", message.into());
    put(&mut e, "status", status.into());
    put(&mut e, "statusCode", status_code.into());
    put(&mut e, "body", body);
    failure(e, exists)
}

/// The single signing route's answer for an object the caller cannot see: HTTP 400 with
/// `NoSuchKey` (supabase/storage src/internal/errors/codes.ts, rendered by
/// src/http/error-handler.ts).
fn not_found() -> Outcome {
    let body = r#"{"statusCode":"404","code":"NoSuchKey","error":"not_found","message":"Object not found"}"#;
    let headers = Map::new();
    api_error(&Response { status: 400, headers: &headers, facts: Default::default(), body: Some(body) }, false)
}

/// What storage-js says of a reply without a usable body when fetch has no status text (HTTP/2,
/// and WeChat never gives one): `HTTP <status> error`.
fn empty_reply(status: u16) -> String {
    cat(&["HTTP ", &text::decimal(status), " error"])
}

fn field(v: &Value, k: &str) -> Value {
    v.get(k).cloned().unwrap_or(Value::Null)
}

fn object(mut pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in &mut pairs {
        m.insert((*k).to_owned(), core::mem::take(v));
    }
    Value::Object(m)
}

/// A 2xx JSON reply -> `data`.
fn shape(kind: &Kind, v: Value) -> Outcome {
    match kind {
        Kind::Json => ok(v),
        Kind::Upload { path } => {
            ok(object(vec![("path", path.as_str().into()), ("id", field(&v, "Id")), ("fullPath", field(&v, "Key"))]))
        }
        Kind::SignedUpload { path } => ok(object(vec![("path", path.as_str().into()), ("fullPath", field(&v, "Key"))])),
        Kind::Copy => ok(object(vec![("path", field(&v, "Key"))])),
        Kind::Info => {
            let mut v = v;
            camelize(&mut v);
            ok(v)
        }
        Kind::SignedUploadUrl { url, path } => match v.get("url").and_then(Value::as_str).and_then(token_of) {
            Some(token) => {
                let signed = cat(&[url, "?", &query(&[("token", token.clone())])]);
                ok(object(vec![("signedUrl", signed.into()), ("path", path.as_str().into()), ("token", token.into())]))
            }
            None => {
                let mut e = DataErrorKind::StorageError.error("No token returned by API");
                put(&mut e, "body", v);
                failure(e, false)
            }
        },
        Kind::SignedUrl { storage, bucket, path, extra, batch } => {
            let item = if *batch { v.get(0) } else { Some(&v) };
            match item.and_then(|i| i.get("signedURL")).and_then(Value::as_str) {
                Some(s) => ok(object(vec![("signedUrl", signed_url(storage, s, bucket, Some(path), extra).into())])),
                // The batch route's `{ error, signedURL: null }`: what the single route answers.
                None if item.is_some_and(|i| i.get("error").is_some_and(Value::is_string)) => not_found(),
                None => unknown("The storage server's reply has no signedURL", None, false),
            }
        }
        Kind::SignedUrls { storage, bucket, extra } => match v {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let url = item
                        .get("signedURL")
                        .and_then(Value::as_str)
                        .map(|s| signed_url(storage, s, bucket, item.get("path").and_then(Value::as_str), extra));
                    out.push(match item {
                        Value::Object(mut m) => {
                            put(&mut m, "signedUrl", url.map_or(Value::Null, Value::String));
                            Value::Object(m)
                        }
                        other => other,
                    });
                }
                ok(Value::Array(out))
            }
            _ => unknown("The storage server's reply is not a list of signed URLs", None, false),
        },
        // The info reply parsed: the object is there.
        Kind::Exists => ok(Value::Bool(true)),
        Kind::Download { .. } => ok(v),
    }
}

/// The `token` query parameter of a server-made URL, percent-decoded. Searched from the end:
/// storage-api puts the object's name into the URL unencoded, so it may hold `?` and `&`.
fn token_of(url: &str) -> Option<String> {
    let b = url.as_bytes();
    let mut at = b.len();
    loop {
        at = at.checked_sub(1).filter(|i| *i > 0)?;
        if b.get(at..at + 6) == Some(b"token=") && matches!(b.get(at - 1), Some(b'?' | b'&')) {
            break;
        }
    }
    let raw = url.get(at + 6..)?.split('&').next()?;
    let token = String::from_utf8(crate::encoding::percent::decode(raw, false)).ok()?;
    (!token.is_empty()).then_some(token)
}

/// A signed download URL. storage-api returns `/object/sign/<bucket>/<name as stored>?token=`
/// with the name unencoded, and storage-js passes it through `encodeURI`, which leaves `#`, `?`
/// and `&` alone; here the URL is rebuilt from the route the server chose, the path that was
/// signed, encoded per segment, and the token. A reply of another shape is `encodeURI`d as
/// storage-js does.
fn signed_url(storage: &str, server: &str, bucket: &str, path: Option<&str>, extra: &str) -> String {
    let before = server.split('?').next().unwrap_or("");
    let route = text::find(before, "/sign/").and_then(|i| before.get(..i + 6));
    match (route, token_of(server), path) {
        (Some(route), Some(token), Some(path)) => cat(&[
            storage,
            &encode_uri(route),
            &encode_segment(bucket),
            "/",
            &encode_path(path),
            "?",
            &query(&[("token", token)]),
            extra,
        ]),
        _ => cat(&[storage, &encode_uri(server), extra]),
    }
}

/// storage-js' `recursiveToCamel`: `bucket_id` -> `bucketId`, at every depth.
/// In place: arrays by `&mut` (no `vec::IntoIter<Value>`), objects rebuilt under the new keys.
fn camelize(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, mut x) in core::mem::take(m) {
                camelize(&mut x);
                m.insert(camel(&k), x);
            }
        }
        Value::Array(a) => {
            for x in a {
                camelize(x);
            }
        }
        _ => {}
    }
}

fn camel(k: &str) -> String {
    let mut out = String::with_capacity(k.len());
    let mut chars = k.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(n) if (c == '_' || c == '-') && n.is_ascii_alphabetic() => {
                out.push(n.to_ascii_uppercase());
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}
