//! The types the data path's modules share: requests, replies as the core sees them, and
//! outcomes. A leaf: `rest`, `storage` and `functions` import it, never `data` itself (whose
//! [`crate::data::Reply`] names each module's context, so it sits above them).

use crate::encoding::json::put;
use crate::encoding::text::cat;
use crate::prelude::*;
use serde_json::{Map, Value};

use super::error::DataErrorKind;
pub use crate::output::{Read, Transport};

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
/// `R` is what reads the reply: a module's own context while it builds the request,
/// [`crate::data::Reply`] once the data machine holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct DataRequest<R> {
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
    pub reply: R,
}

impl<C> DataRequest<C> {
    /// The same request, its reply context lifted (`rest::Ctx` into `Reply`).
    pub fn lift<R: From<C>>(self) -> DataRequest<R> {
        let DataRequest { method, url, headers, body, transport, read, timeout, reply } = self;
        DataRequest { method, url, headers, body, transport, read, timeout, reply: R::from(reply) }
    }
}

/// What the shim measured about a 2xx body it kept: its length in UTF-16 units (or bytes for an
/// ArrayBuffer), whether `JSON.parse` succeeded (with [`Read::Json`], and for an ArrayBuffer the
/// core asked about with `Client::wants_json`), and the array length when it parsed to an array.
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
        for (k, v) in self.headers {
            if k.eq_ignore_ascii_case(name) {
                return match v {
                    Value::String(s) => Some(s.as_str()),
                    Value::Array(a) => a.first().and_then(Value::as_str),
                    _ => None,
                };
            }
        }
        None
    }
}

/// What an operation resolves with, for the shim to assemble:
/// - `result`: the result object's fields built by the core (`data`, `count`, `status`, …);
/// - `take`: where `result.data` comes from instead when the payload stayed in the shim:
///   `"body"` (the parsed JSON, text or ArrayBuffer as read), `"first"` (element 0 of the parsed
///   array), `"file"` (`{ tempFilePath }` of a download), `"utf8"` (an ArrayBuffer body
///   decoded as UTF-8 text), `"utf8_json"` (the JSON the shim parsed from it when the core asked,
///   `facts.json` true);
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
        // Written by `encoding::json`: a reply's JSON nested too deep for a `Value` goes out as it came.
        crate::encoding::json::to_text(&Value::Object(o))
    }
}

/// What a module's builder made of the caller's arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum Built<R> {
    /// A request to send.
    Send(DataRequest<R>),
    /// The call is already decided: bad input (nothing is sent), or no request is needed
    /// (`getPublicUrl`).
    Done(Outcome),
}

impl<C> Built<C> {
    pub fn lift<R: From<C>>(self) -> Built<R> {
        match self {
            Built::Send(req) => Built::Send(req.lift()),
            Built::Done(outcome) => Built::Done(outcome),
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
    let error = DataErrorKind::Error.error(&cat(&["supabase-wechat: unknown method ", api, ".", method]));
    let mut result = Map::new();
    put(&mut result, "data", Value::Null);
    Outcome { result, take: None, error: Some(error) }
}

/// Timeout of `wx.uploadFile` / `wx.downloadFile` unless the client's `requestTimeout` is longer.
pub const FILE_TIMEOUT_MS: u32 = 120_000;
