//! Functions: `supabase.functions.invoke(name, { body, headers, method, region, timeout })` as
//! functions-js 2.x does it (`FunctionsClient.invoke`), through the data path.
//!
//! - URL `<url>/functions/v1/<name>`; `name` may carry sub-paths and a `?query`. A full
//!   `http(s)://` URL is used as it is: the SDK we replace took the first argument verbatim as
//!   the URL, and MemFire's guide calls `invoke('<access URL>', { method })`.
//! - The body stays in the shim, which tells the core its kind (`json`, `text`, `binary`,
//!   `none`); the core picks functions-js' `Content-Type` for it unless the caller set one.
//!   `GET`/`HEAD` send no body (`wx.request` would turn it into a query string).
//! - Replies: `x-relay-error: true` is a `FunctionsRelayError`, any other non-2xx a
//!   `FunctionsHttpError` whose `context` describes the response; no reply at all is a
//!   `FunctionsFetchError`. A 2xx body is read as an ArrayBuffer (wx.request must choose before
//!   the reply) and the `Content-Type` decides what `data` is: `application/json` parsed
//!   (strictly: a body that is not JSON is a `FunctionsError`, as `response.json()` rejects;
//!   the shim asks [`wants_json`] once the headers are in, and reports the parse in
//!   `Facts::json_ok`, with the text when it failed), `application/octet-stream` and
//!   `application/pdf` the ArrayBuffer, anything else text.

use crate::encoding::json::{self, put};
use crate::encoding::text::cat;
use crate::prelude::*;
use serde_json::{Map, Value};

use crate::data::error::DataErrorKind;
use crate::data::types::{self, Body, Endpoints, Outcome, Read, Response, Transport};

type DataRequest = types::DataRequest<Ctx>;
use crate::encoding::percent;
use crate::encoding::query::encode_query_value;
use crate::encoding::text;

/// What `finish` needs to know about the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Ctx {
    url: String,
    method: &'static str,
}

const HTTP_ERROR: &str = "Edge Function returned a non-2xx status code";
const RELAY_ERROR: &str = "Relay Error invoking the Edge Function";
const FETCH_ERROR: &str = "Failed to send a request to the Edge Function";
const BAD_JSON: &str = "Edge Function returned a body that is not valid JSON (Content-Type: application/json)";

/// WHATWG URL's path percent-encode set, plus `\` (which `new URL` would turn into `/`).
fn path_set(b: u8) -> bool {
    percent::whatwg_path(b) || b == b'\\'
}
const PATH: percent::Set = path_set;
/// WHATWG URL's special-query percent-encode set.
const QUERY: percent::Set = percent::whatwg_query;

/// Methods `wx.request` can send (PATCH works on devices though undocumented).
const METHODS: [&str; 7] = ["POST", "GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The shortest and longest per-call `timeout` (ms) passed on to `wx.request`.
const TIMEOUT_MIN_MS: f64 = 100.0;
const TIMEOUT_MAX_MS: f64 = 600_000.0;

/// `method` is the SDK method (only `invoke`); `args` are `[name, { method, headers, region,
/// timeout, body }]` from the shim, `body` being the payload's kind.
pub fn build<R: From<Ctx>>(method: &str, args: &[Value], ep: &Endpoints) -> types::Built<R> {
    if method != "invoke" {
        return types::Built::Done(types::unknown("functions", method));
    }
    match invoke(args, ep) {
        Ok(req) => types::Built::Send(req.lift()),
        Err(message) => types::Built::Done(input_error(&message)),
    }
}

fn invoke(args: &[Value], ep: &Endpoints) -> Result<DataRequest, String> {
    let name = match args.first() {
        Some(Value::String(s)) if !s.trim().is_empty() => s.as_str(),
        _ => {
            return Err(
                "functions.invoke: the first argument must be the function's name or its full http(s):// URL".into()
            )
        }
    };
    let empty = Map::new();
    let opts = args.get(1).and_then(Value::as_object).unwrap_or(&empty);
    let method = method_of(opts.get("method"))?;
    let kind = body_kind(opts.get("body"))?;
    let mut caller = headers_of(opts.get("headers"))?;
    let region = match opts.get("region") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) if r.is_empty() || r == "any" => None,
        Some(Value::String(r)) => Some(r.as_str()),
        Some(_) => return Err("functions.invoke: options.region must be a string such as \"us-east-1\"".into()),
    };

    let mut url = target(name, ep)?;
    let mut headers: Vec<(String, String)> = Vec::new();
    let sends_body = kind.is_some() && method != "GET" && method != "HEAD";
    if let Some(kind) = kind.filter(|_| sends_body) {
        if crate::encoding::headers::named(&caller, "content-type").is_none() {
            headers.push(("Content-Type".into(), kind.into()));
        }
    }
    if let Some(r) = region {
        headers.push(("x-region".into(), r.to_owned()));
        let sep = match url.find('?') {
            None => "?",
            Some(_) if url.ends_with('?') || url.ends_with('&') => "",
            Some(_) => "&",
        };
        url = cat(&[&url, sep, "forceFunctionRegion=", &encode_query_value(r)]);
    }
    headers.append(&mut caller);

    Ok(DataRequest {
        method,
        url: url.clone(),
        headers,
        body: if sends_body { Body::Payload } else { Body::None },
        transport: Transport::Request,
        read: Read::ArrayBuffer,
        timeout: timeout_of(opts.get("timeout")),
        reply: Ctx { url, method },
    })
}

/// `options.method`, upper-cased; POST when absent (functions-js: `method || 'POST'`).
fn method_of(v: Option<&Value>) -> Result<&'static str, String> {
    match v {
        None | Some(Value::Null) => Ok("POST"),
        Some(Value::String(s)) if s.is_empty() => Ok("POST"),
        Some(Value::String(s)) => {
            for m in &METHODS {
                if m.eq_ignore_ascii_case(s) {
                    return Ok(m);
                }
            }
            Err(cat(&[
                "functions.invoke: unsupported method \"",
                s,
                "\" (use one of ",
                &text::join(&METHODS, ", "),
                ")",
            ]))
        }
        Some(_) => Err("functions.invoke: options.method must be a string such as \"POST\"".into()),
    }
}

/// The `Content-Type` for the payload's kind, or `None` for no body.
fn body_kind(v: Option<&Value>) -> Result<Option<&'static str>, String> {
    match v.and_then(Value::as_str) {
        None | Some("none") => Ok(None),
        Some("json") => Ok(Some("application/json")),
        Some("text") => Ok(Some("text/plain")),
        Some("binary") => Ok(Some("application/octet-stream")),
        Some(other) => Err(cat(&["functions.invoke: unknown body kind \"", other, "\""])),
    }
}

/// The caller's headers in their order: string, number and boolean values as text; `null`
/// skipped. Names must be HTTP tokens and values free of CR, LF and NUL (no header injection).
fn headers_of(v: Option<&Value>) -> Result<Vec<(String, String)>, String> {
    let map = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("functions.invoke: options.headers must be an object of header names to values".into()),
    };
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        let value = match v {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Number(n) => text::json(n),
            Value::Bool(b) => text::boolean(*b),
            _ => return Err(cat(&["functions.invoke: the value of header \"", k, "\" must be a string"])),
        };
        if !text::is_token(k) {
            return Err(cat(&["functions.invoke: \"", k, "\" is not a valid header name"]));
        }
        if text::find_by(&value, &|b| matches!(b, b'\r' | b'\n' | b'\0')).is_some() {
            return Err(cat(&["functions.invoke: the value of header \"", k, "\" contains a line break"]));
        }
        out.push((k.clone(), value));
    }
    Ok(out)
}

/// `options.timeout` (ms, functions-js 2.x): a positive number, bounded; else the client's.
fn timeout_of(v: Option<&Value>) -> Option<u32> {
    let t = v.and_then(Value::as_f64).filter(|t| t.is_finite() && *t > 0.0)?;
    // In range by the clamp, so the cast is exact after `ceil`.
    Some(crate::encoding::float::ceil(t).clamp(TIMEOUT_MIN_MS, TIMEOUT_MAX_MS) as u32)
}

/// The request URL for `name`: a full `http(s)://` URL as it is, otherwise
/// `<functions>/<name>`. Either way the fragment is dropped (fetch never sends it) and
/// characters a URL cannot hold are percent-encoded, as `new URL` would (`%XX` kept).
fn target(name: &str, ep: &Endpoints) -> Result<String, String> {
    let trimmed = text::trim_by(name, &|b| b <= b' ');
    let mut is_url = false;
    for p in &["http://", "https://"] {
        is_url |= trimmed.get(..p.len()).is_some_and(|head| head.eq_ignore_ascii_case(p));
    }
    if is_url {
        return Ok(encode_url(trimmed.split('#').next().unwrap_or("")));
    }
    let without_fragment = name.split('#').next().unwrap_or("");
    let (path, query) = match without_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (without_fragment, None),
    };
    let path = path.trim_start_matches('/');
    if path.is_empty() {
        return Err(cat(&["functions.invoke: \"", name, "\" names no function"]));
    }
    // `.` and `..` segments would be resolved by the URL parser (and proxies) to paths outside
    // /functions/v1, e.g. `../rest/v1/...`.
    let mut dot = false;
    for seg in path.split('/') {
        dot |= is_dot_segment(seg);
    }
    if dot {
        return Err(cat(&[
            "functions.invoke: \"",
            name,
            "\" is not a function name (\".\" and \"..\" segments are not allowed)",
        ]));
    }
    let mut url = cat(&[&ep.functions, "/", &encode(path, PATH)]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(&encode(q, QUERY));
    }
    Ok(url)
}

fn encode_url(url: &str) -> String {
    match url.split_once('?') {
        Some((p, q)) => cat(&[&encode(p, PATH), "?", &encode(q, QUERY)]),
        None => encode(url, PATH),
    }
}

fn is_dot_segment(seg: &str) -> bool {
    matches!(seg.to_ascii_lowercase().as_str(), "." | "%2e" | ".." | ".%2e" | "%2e." | "%2e%2e")
}

/// Percent-encodes `s` with `set`, and a `%` that does not start an escape as `%25`.
fn encode(s: &str, set: percent::Set) -> String {
    let mut out = String::with_capacity(s.len());
    let mut from = 0;
    for (i, _) in s.match_indices('%') {
        percent::encode_into(&mut out, s.get(from..i).unwrap_or(""), set);
        let escape =
            matches!(s.as_bytes().get(i + 1..i + 3), Some(&[a, b]) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit());
        out.push_str(if escape { "%" } else { "%25" });
        from = i + 1;
    }
    percent::encode_into(&mut out, s.get(from..).unwrap_or(""), set);
    out
}

/// The server answered (any status).
pub fn finish(c: &Ctx, r: &Response) -> Outcome {
    let response = describe(c, r);
    let relay = is_relay(r);
    if relay || !r.ok() {
        let (kind, message) = if relay {
            (DataErrorKind::FunctionsRelayError, RELAY_ERROR)
        } else {
            (DataErrorKind::FunctionsHttpError, HTTP_ERROR)
        };
        let mut error = kind.error(message);
        if let Some(body) = response.get("data") {
            put(&mut error, "body", body.clone());
        }
        put(&mut error, "context", Value::Object(response.clone()));
        let mut result = Map::new();
        put(&mut result, "data", Value::Null);
        put(&mut result, "response", Value::Object(response));
        return Outcome { result, take: None, error: Some(error) };
    }

    let mut result = Map::new();
    put(&mut result, "data", Value::Null);
    let take = match media(c, r) {
        Media::None => "utf8",
        // Strictly JSON, as `response.json()`: decided from the parse the shim reported (it was
        // asked to by `wants_json`); a parse not reported is no JSON either.
        Media::Json => {
            if r.facts.json_ok != Some(true) {
                let mut error = DataErrorKind::FunctionsError.error(BAD_JSON);
                put(&mut error, "context", Value::Object(response.clone()));
                put(&mut result, "response", Value::Object(response));
                return Outcome { result, take: None, error: Some(error) };
            }
            "utf8_json"
        }
        Media::Binary => "body",
        Media::Text => "utf8",
    };
    put(&mut result, "response", Value::Object(response));
    Outcome { result, take: Some(take), error: None }
}

/// Whether the shim must parse this reply's body (read as an ArrayBuffer) as JSON and report it
/// in `Facts::json_ok`, handing over the text when it does not parse: a 2xx `application/json`
/// reply that has a body. Asked with the status and headers before the body is measured, so the
/// shim has no rule of its own about what a reply means.
pub fn wants_json(c: &Ctx, r: &Response) -> bool {
    r.ok() && !is_relay(r) && media(c, r) == Media::Json
}

fn is_relay(r: &Response) -> bool {
    r.header("x-relay-error").is_some_and(|v| v.trim() == "true")
}

/// What a 2xx reply's body is, by its `Content-Type` (`text/plain` when absent).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Media {
    /// HEAD, 204 or 205: there is none (an empty string).
    None,
    Json,
    Binary,
    Text,
}

fn media(c: &Ctx, r: &Response) -> Media {
    if c.method == "HEAD" || r.status == 204 || r.status == 205 {
        return Media::None;
    }
    let t =
        r.header("content-type").unwrap_or("text/plain").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match t.as_str() {
        "application/json" => Media::Json,
        "application/octet-stream" | "application/pdf" => Media::Binary,
        _ => Media::Text,
    }
}

/// The response as the shim shows it (`error.context`, `response`): `url`, `status`, `ok`,
/// `headers` (lower-case names), and for a body that crossed (non-2xx) its text as `body` and,
/// like the SDK we replace (`context.data`), the parsed JSON or the text as `data`.
fn describe(c: &Ctx, r: &Response) -> Map<String, Value> {
    let mut headers = Map::new();
    for (k, v) in r.headers {
        let value = match v {
            Value::String(s) => s.clone(),
            Value::Array(a) => {
                // The strings joined with ", " (a loop: no `Vec<&str>` collected for `join`).
                let mut joined: Option<String> = None;
                for s in a {
                    let Some(s) = s.as_str() else { continue };
                    match joined.as_mut() {
                        Some(j) => {
                            j.push_str(", ");
                            j.push_str(s);
                        }
                        None => joined = Some(s.to_owned()),
                    }
                }
                joined.unwrap_or_default()
            }
            Value::Null => continue,
            other => text::json(other),
        };
        headers.insert(k.to_ascii_lowercase(), Value::String(value));
    }
    let mut m = Map::new();
    put(&mut m, "url", c.url.clone().into());
    put(&mut m, "status", r.status.into());
    put(&mut m, "ok", r.ok().into());
    put(&mut m, "headers", Value::Object(headers));
    if let Some(text) = r.body {
        put(&mut m, "body", text.into());
        // JSON at any depth: what nests too deep for a `Value` is carried as text (encoding::json).
        let data = json::read(text).unwrap_or_else(|| Value::String(text.to_owned()));
        put(&mut m, "data", data);
    }
    m
}

/// No HTTP status came back (`code` `network_error`: `message` ends with wx's `errMsg` in
/// parentheses), or the request was not sent (`session_refresh_failed`, `invalid_config`).
pub fn failed(_c: &Ctx, message: &str, code: &str) -> Outcome {
    let detail = text::find(message, " (").and_then(|i| message.get(i + 2..));
    let err_msg = match (code, detail) {
        ("network_error", Some(detail)) => detail.strip_suffix(')').unwrap_or(detail),
        _ => message,
    };
    let mut context = Map::new();
    put(&mut context, "errMsg", err_msg.into());
    put(&mut context, "code", code.into());
    put(&mut context, "message", message.into());
    let mut error = DataErrorKind::FunctionsFetchError.error(FETCH_ERROR);
    put(&mut error, "context", Value::Object(context));
    let mut result = Map::new();
    put(&mut result, "data", Value::Null);
    Outcome { result, take: None, error: Some(error) }
}

/// Bad arguments: nothing is sent.
fn input_error(message: &str) -> Outcome {
    let error = DataErrorKind::FunctionsError.error(message);
    let mut result = Map::new();
    put(&mut result, "data", Value::Null);
    Outcome { result, take: None, error: Some(error) }
}
