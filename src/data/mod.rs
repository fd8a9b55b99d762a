//! The data path (Database, Storage, Functions): the types shared by the three API modules and
//! the client.
//!
//! One rule shapes it: **payloads never enter wasm**. Rows, file bytes and function bodies stay
//! in the shim; the core decides the request (URL, headers, method, which wx API performs it, how
//! the reply body is read) and, from the reply's status, headers and a few facts the shim
//! measured about the body, what the call resolves with. Error bodies are small and do cross.
//!
//! A module (`rest`, `storage`, `functions`) turns the caller's arguments into a
//! [`DataRequest`] (or an immediate [`Outcome`] for bad input); the client adds `apikey`, the
//! bearer (the user's token through the single-flight refresh, else the anon key) and the
//! user's `global.headers`, sends it, and hands the reply back to the module through [`Reply`].

pub mod functions;
pub mod rest;
pub mod storage;

pub use crate::output::{Read, Transport};

use crate::encoding::json::put;
use crate::encoding::text::cat;
use crate::prelude::*;
use serde_json::{Map, Value};

/// What the request body is.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    /// Built by the core (small JSON such as a storage `{ expiresIn }`).
    Text(String),
    /// The payload the shim holds for this operation (rows as JSON text, an ArrayBuffer, a
    /// function body), sent as it is.
    Payload,
}

/// One request of the data path, before `apikey`, `Authorization` and `global.headers`.
#[derive(Debug, Clone, PartialEq)]
pub struct DataRequest {
    pub method: &'static str,
    pub url: String,
    /// In the order they are set; a later header replaces an earlier one of the same name
    /// (case-insensitive) when the client merges them.
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub transport: Transport,
    pub read: Read,
    /// Per-request timeout override (ms), e.g. longer for uploads; `None` uses the client's.
    pub timeout: Option<u32>,
    pub reply: Reply,
}

/// What the shim measured about a 2xx body it kept: its length in UTF-16 units (or bytes for an
/// ArrayBuffer), whether `JSON.parse` succeeded (only with [`Read::Json`]), and the array length
/// when it parsed to an array.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    pub len: usize,
    pub json_ok: Option<bool>,
    pub array_len: Option<usize>,
}

impl Facts {
    /// From the shim's `{ len, json, array }` JSON (missing or malformed fields are absent).
    pub fn from_json(text: &str) -> Facts {
        let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let n = |k: &str| v.get(k).and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok());
        Facts { len: n("len").unwrap_or(0), json_ok: v.get("json").and_then(Value::as_bool), array_len: n("array") }
    }
}

/// A reply as the core sees it.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    pub status: u16,
    /// Response headers as WeChat gave them (`res.header`; names in any case).
    pub headers: &'a Map<String, Value>,
    pub facts: Facts,
    /// The body as text when it crosses: with [`Read::Core`], and for every non-2xx status.
    pub body: Option<&'a str>,
}

impl Response<'_> {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A response header by name, case-insensitively (the first one if WeChat gave a list).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| match v {
            Value::String(s) => Some(s.as_str()),
            Value::Array(a) => a.first().and_then(Value::as_str),
            _ => None,
        })
    }
}

/// What an operation resolves with, for the shim to assemble:
/// - `result`: the result object's fields built by the core (`data`, `count`, `status`, …);
/// - `take`: where `result.data` comes from instead when the payload stayed in the shim:
///   `"body"` (the parsed JSON, text or ArrayBuffer as read), `"first"` (element 0 of the parsed
///   array), `"file"` (`{ tempFilePath }` of a download), `"utf8"` (an ArrayBuffer body
///   decoded as UTF-8 text), `"utf8_json"` (the same, then `JSON.parse`d; the text if it is not
///   JSON);
/// - `error`: `{ name, message, … }`, made into an Error of that class by the shim, with the
///   other fields copied onto it; `error.body` (not enumerable in JS) is the server's error
///   body, for code written against the SDK we replace, which read `error.data`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    pub result: Map<String, Value>,
    pub take: Option<&'static str>,
    pub error: Option<Map<String, Value>>,
}

impl Outcome {
    pub fn to_json(&self) -> String {
        let mut o = Map::new();
        put(&mut o, "result", Value::Object(self.result.clone()));
        put(&mut o, "take", self.take.map_or(Value::Null, |t| Value::String(t.into())));
        put(&mut o, "error", self.error.clone().map_or(Value::Null, Value::Object));
        serde_json::to_string(&Value::Object(o)).unwrap_or_else(|_| "null".into())
    }
}

/// What a module's builder made of the caller's arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum Built {
    /// A request to send.
    Send(DataRequest),
    /// The call is already decided: bad input (nothing is sent), or no request is needed
    /// (`getPublicUrl`).
    Done(Outcome),
}

/// Which module reads the reply, with what it needs to remember about the request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Rest(crate::data::rest::Ctx),
    Storage(crate::data::storage::Ctx),
    Functions(crate::data::functions::Ctx),
}

impl Reply {
    /// The server answered (any status).
    pub fn finish(&self, r: &Response) -> Outcome {
        match self {
            Reply::Rest(c) => crate::data::rest::finish(c, r),
            Reply::Storage(c) => crate::data::storage::finish(c, r),
            Reply::Functions(c) => crate::data::functions::finish(c, r),
        }
    }

    /// No HTTP status came back (network down, timeout) or the request could not be sent
    /// (no usable access token): `message` is a sentence for the developer, `code` a short
    /// machine-readable reason.
    pub fn failed(&self, message: &str, code: &str) -> Outcome {
        match self {
            Reply::Rest(c) => crate::data::rest::failed(c, message, code),
            Reply::Storage(c) => crate::data::storage::failed(c, message, code),
            Reply::Functions(c) => crate::data::functions::failed(c, message, code),
        }
    }
}

/// Where the client's APIs live and what every data request shares; given to the builders.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoints {
    /// `<url>/rest/v1`
    pub rest: String,
    /// `<url>/storage/v1`
    pub storage: String,
    /// `<url>/functions/v1`
    pub functions: String,
    /// `db.schema` of `createClient`'s options, if given.
    pub schema: Option<String>,
    /// `global.headers`: the client sends them anyway; a module sees them because some of its
    /// headers combine with them (postgrest-js appends its `Prefer` entries to the caller's).
    pub headers: Vec<(String, String)>,
}

/// The outcome of a call to an API or method that does not exist.
pub fn unknown(api: &str, method: &str) -> Outcome {
    let mut error = Map::new();
    put(&mut error, "name", "Error".into());
    put(&mut error, "message", cat(&["supabase-wechat: unknown method ", api, ".", method]).into());
    let mut result = Map::new();
    put(&mut result, "data", Value::Null);
    Outcome { result, take: None, error: Some(error) }
}

/// Timeout of `wx.uploadFile` / `wx.downloadFile` unless the client's `requestTimeout` is longer.
pub const FILE_TIMEOUT_MS: u32 = 120_000;
