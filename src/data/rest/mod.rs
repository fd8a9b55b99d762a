//! Database: `supabase.from(...)`, `rpc(...)`, `schema(...)` through PostgREST.
//!
//! The method, URL and headers of every builder chain are byte-identical to what
//! `@supabase/postgrest-js` 2.119.0 sends, and the result is what its `processResponse` makes of
//! the reply (tests/node/postgrest-differential.test.js checks 317 chains against it), with two
//! exceptions on purpose ([`limits`]): the table or function name is one percent-encoded path
//! segment (postgrest-js lets `?`, `#`, `/`, `\` and `..` in it rewrite the URL), and a request
//! past [`MAX_URL`] or a name with NUL, or named `.`/`..`, is refused without being sent.
//!
//! The shim's builders record the caller's calls as a **chain** (one JSON value, the only
//! argument of the method `request`); the values in it are already converted to text the way
//! JavaScript does it (`${value}`, `Array.prototype.join`'s items, `JSON.stringify`), because that
//! is formatting of the caller's input. Everything PostgREST-specific happens here: operators,
//! `in()` quoting, select-list cleaning, the `Prefer`/`Accept`/profile headers, URL encoding.
//! Rows never come here: the shim keeps the JSON body and the parsed reply; the core gets the
//! status, the headers and a few facts about the body (see [`reply`]).
//!
//! ```text
//! chain = { start, ops, schema?, body?, aborted?, bodyError? }
//!   start  ["from", relation]                 ops[0] is then one of the verbs below
//!          ["rpc", fn, head, get, count|null, objectArg, params|null]
//!                                             params: [[name, text | [item, …]], …] (head/get)
//!   schema string (schema(name)), null (schema(undefined): no profile), absent (db.schema)
//!   body   true when the shim holds a JSON body (JSON.stringify gave a string)
//!   aborted    true: the abortSignal was already aborted; nothing is sent
//!   tooLarge   n: the shim measured the chain's strings at n units, more than [`MAX_URL`]; the
//!              chain is then sent without its start and ops (nothing of it is copied in) and
//!              the call fails with `request_too_large`
//!   bodyError  "TypeError: …": JSON.stringify of the body threw; nothing is sent
//! verbs  ["select", columns, head, count|null]       ["update", count|null]
//!        ["insert", count|null, defaultToNull, keys|null]   ["delete", count|null]
//!        ["upsert", count|null, defaultToNull, keys|null, onConflict|null, ignoreDuplicates]
//! filters [op, column, text] for eq neq gt gte lt lte like ilike is isDistinct regexMatch
//!          regexIMatch rangeGt rangeGte rangeLt rangeLte rangeAdjacent
//!        [op, column, [item, …]] for likeAllOf likeAnyOf ilikeAllOf ilikeAnyOf
//!        ["in" | "notIn", column, [[text, isString], …]]    (already de-duplicated)
//!        ["contains" | "containedBy" | "overlaps", column, text | [item, …]]
//!        ["textSearch", column, query, type|null, config|null]
//!        ["match", [[column, text], …]]   ["not", column, operator, text]
//!        ["or", filters, table|null]      ["filter", column, operator, text]
//! modifiers ["select", columns]  ["order", column, ascending, nullsFirst|null, table|null]
//!        ["limit", rows, table|null]  ["range", offset, count, table|null]  ["single"]
//!        ["maybeSingle"]  ["csv"]  ["geojson"]  ["rollback"]  ["stripNulls"]
//!        ["explain", analyze, verbose, settings, buffers, wal, format]
//!        ["maxAffected", rows]  ["setHeader", name, value]
//! ```

use crate::encoding::text::is_js_space;
use crate::encoding::text::{cat, find_by, join, trim_by};
use crate::prelude::*;

mod limits;
mod reply;
pub mod url;

use serde_json::Value;

use crate::data::types::{self, Body, Endpoints, Read, Transport};
pub use limits::MAX_URL;
use limits::{name_segment, too_large};
pub use reply::{failed, finish, lenient_json, status_text, Ctx};

type Built = types::Built<Ctx>;
use url::Url;

const GET: &str = "GET";
const HEAD: &str = "HEAD";

/// The shim's builder chain -> the request, or an outcome when nothing is to be sent.
pub fn build<R: From<Ctx>>(method: &str, args: &[Value], ep: &Endpoints) -> types::Built<R> {
    build_ctx(method, args, ep).lift()
}

fn build_ctx(method: &str, args: &[Value], ep: &Endpoints) -> Built {
    if method != "request" {
        return Built::Done(types::unknown("rest", method));
    }
    let chain = args.first().unwrap_or(&Value::Null);
    match compile(chain, ep) {
        Ok(built) => built,
        Err(message) => Built::Done(reply::local_failure(message, "", "")),
    }
}

/// A request being built: postgrest-js' builder state.
struct Req {
    method: &'static str,
    url: Url,
    headers: Headers,
    maybe_single: bool,
    strip_nulls: bool,
}

fn compile(chain: &Value, ep: &Endpoints) -> Result<Built, String> {
    if let Some(n) = chain.get("tooLarge").and_then(Value::as_u64) {
        return Ok(too_large("its names, filters and arguments hold at least", n, " characters"));
    }
    let start = arr(chain.get("start")).ok_or("supabase-wechat: a Database call without from() or rpc()")?;
    let ops = match chain.get("ops") {
        None | Some(Value::Null) => &[][..],
        Some(v) => arr(Some(v)).ok_or("supabase-wechat: malformed Database call")?,
    };
    let schema = match chain.get("schema") {
        None => ep.schema.clone(),
        Some(Value::Null) => None,
        Some(v) => Some(text(Some(v))?.to_owned()),
    };
    let mut headers = Headers::default();
    for (k, v) in &ep.headers {
        headers.append(k, v);
    }
    let (mut req, rest) = match start.first().and_then(Value::as_str) {
        Some("from") => {
            let segment = match name_segment("relation", at(start, 1)?) {
                Ok(s) => s,
                Err(refused) => return Ok(Built::Done(refused)),
            };
            let url = Url::join(&ep.rest, &segment);
            let (verb, rest) =
                ops.split_first().ok_or("supabase-wechat: from() needs select, insert, upsert, update or delete")?;
            let mut req = Req { method: GET, url, headers, maybe_single: false, strip_nulls: false };
            apply_verb(&mut req, arr(Some(verb)).unwrap_or(&[]))?;
            (req, rest)
        }
        Some("rpc") => match rpc(start, ep, headers)? {
            Ok(req) => (req, ops),
            Err(refused) => return Ok(Built::Done(refused)),
        },
        _ => return Err("supabase-wechat: a Database call without from() or rpc()".into()),
    };
    for op in rest {
        apply(&mut req, arr(Some(op)).unwrap_or(&[]))?;
    }
    finalize(req, chain, schema)
}

/// `rpc(fn, args, { head, get, count })`: the request, or the refusal of a name no URL can carry.
fn rpc(start: &[Value], ep: &Endpoints, mut headers: Headers) -> Result<Result<Req, types::Outcome>, String> {
    let name = match name_segment("function", at(start, 1)?) {
        Ok(s) => s,
        Err(refused) => return Ok(Err(refused)),
    };
    let (head, get) = (flag_at(start, 2), flag_at(start, 3));
    let count = opt_at(start, 4)?;
    // Some argument is an object (or an array holding one): it cannot go in a query string, so
    // a `head` call is POSTed with `return=minimal`.
    let object_arg = flag_at(start, 5);
    let mut url = Url::join(&ep.rest, &cat(&["rpc/", &name]));
    let method = match (object_arg, head, get) {
        (true, _, _) | (false, false, false) => "POST",
        (false, true, _) => HEAD,
        (false, false, true) => GET,
    };
    if !object_arg && (head || get) {
        for p in arr_at(start, 6).unwrap_or(&[]) {
            let p = arr(Some(p)).ok_or("supabase-wechat: malformed rpc arguments")?;
            let value = match p.get(1) {
                Some(Value::Array(items)) => braces(items)?,
                v => text(v)?.to_owned(),
            };
            url.add(at(p, 0)?, &[&value]);
        }
    }
    if object_arg {
        headers
            .set("Prefer", &count.map_or_else(|| "return=minimal".into(), |c| cat(&["count=", c, ",return=minimal"])));
    } else if let Some(c) = count {
        headers.set("Prefer", &cat(&["count=", c]));
    }
    Ok(Ok(Req { method, url, headers, maybe_single: false, strip_nulls: false }))
}

/// The query builder's verb (postgrest-js `PostgrestQueryBuilder`).
fn apply_verb(req: &mut Req, op: &[Value]) -> Result<(), String> {
    let name = op.first().and_then(Value::as_str).unwrap_or("");
    let count = |i: usize| opt_at(op, i);
    let counted = |req: &mut Req, c: Option<&str>| {
        if let Some(c) = c {
            req.headers.append("Prefer", &cat(&["count=", c]));
        }
    };
    match name {
        "select" => {
            req.method = if flag_at(op, 2) { HEAD } else { GET };
            req.url.set("select", &clean_columns(at(op, 1)?));
            counted(req, count(3)?);
        }
        "insert" | "upsert" => {
            req.method = "POST";
            if name == "upsert" {
                let how = if flag_at(op, 5) { "ignore" } else { "merge" };
                req.headers.append("Prefer", &cat(&["resolution=", how, "-duplicates"]));
                if let Some(on) = opt_at(op, 4)? {
                    req.url.set("on_conflict", on);
                }
            }
            counted(req, count(1)?);
            if !flag_at(op, 2) {
                req.headers.append("Prefer", "missing=default");
            }
            if let Some(keys) = arr_at(op, 3) {
                if !keys.is_empty() {
                    // Plain loops, not `collect::<Result<Vec<_>, _>>()` (its adapters are
                    // monomorphised per closure).
                    let mut quoted = Vec::with_capacity(keys.len());
                    for k in keys {
                        quoted.push(cat(&["\"", text(Some(k))?, "\""]));
                    }
                    req.url.set("columns", &join(&quoted, ","));
                }
            }
        }
        "update" => {
            req.method = "PATCH";
            counted(req, count(1)?);
        }
        "delete" => {
            req.method = "DELETE";
            counted(req, count(1)?);
        }
        _ => {
            return Err(cat(&[
                "supabase-wechat: from() needs select, insert, upsert, update or delete, not \"",
                name,
                "\"",
            ]))
        }
    }
    Ok(())
}

/// A filter or modifier (postgrest-js `PostgrestFilterBuilder`, `PostgrestTransformBuilder`).
fn apply(req: &mut Req, op: &[Value]) -> Result<(), String> {
    let name = op.first().and_then(Value::as_str).unwrap_or("");
    if let Some(operator) = simple_operator(name) {
        let value = at(op, 2)?;
        req.url.add(at(op, 1)?, &[operator, ".", value]);
        return Ok(());
    }
    match name {
        "likeAllOf" | "likeAnyOf" | "ilikeAllOf" | "ilikeAnyOf" => {
            let like = if name.starts_with('i') { "ilike" } else { "like" };
            let quantifier = if name.ends_with("AllOf") { "all" } else { "any" };
            let list = braces(arr_at(op, 2).unwrap_or(&[]))?;
            req.url.add(at(op, 1)?, &[like, "(", quantifier, ").", &list]);
        }
        "in" | "notIn" => {
            let mut items = Vec::new();
            for item in arr_at(op, 2).unwrap_or(&[]) {
                let pair = arr(Some(item)).ok_or("supabase-wechat: malformed in() values")?;
                let v = at(pair, 0)?.to_owned();
                // PostgREST's reserved characters in a list: such strings are double-quoted.
                let reserved = flag_at(pair, 1) && find_by(&v, &|b| matches!(b, b',' | b'(' | b')')).is_some();
                items.push(if reserved { cat(&["\"", &v, "\""]) } else { v });
            }
            let not = if name == "notIn" { "not." } else { "" };
            req.url.add(at(op, 1)?, &[not, "in.(", &join(&items, ","), ")"]);
        }
        "contains" | "containedBy" | "overlaps" => {
            let operator = match name {
                "contains" => "cs",
                "containedBy" => "cd",
                _ => "ov",
            };
            let value = match op.get(2) {
                Some(Value::Array(items)) => braces(items)?,
                v => text(v)?.to_owned(),
            };
            req.url.add(at(op, 1)?, &[operator, ".", &value]);
        }
        "textSearch" => {
            let kind = match op.get(3).and_then(Value::as_str) {
                Some("plain") => "pl",
                Some("phrase") => "ph",
                Some("websearch") => "w",
                _ => "",
            };
            let config = opt_at(op, 4)?.map(|c| cat(&["(", c, ")"])).unwrap_or_default();
            let query = at(op, 2)?;
            req.url.add(at(op, 1)?, &[kind, "fts", &config, ".", query]);
        }
        "match" => {
            for pair in arr_at(op, 1).unwrap_or(&[]) {
                let pair = arr(Some(pair)).ok_or("supabase-wechat: malformed match() query")?;
                let value = at(pair, 1)?;
                req.url.add(at(pair, 0)?, &["eq.", value]);
            }
        }
        "not" => {
            let (operator, value) = (at(op, 2)?, at(op, 3)?);
            req.url.add(at(op, 1)?, &["not.", operator, ".", value]);
        }
        "filter" => {
            let (operator, value) = (at(op, 2)?, at(op, 3)?);
            req.url.add(at(op, 1)?, &[operator, ".", value]);
        }
        "or" => {
            let key = opt_at(op, 2)?.map_or_else(|| "or".into(), |table| cat(&[table, ".or"]));
            req.url.add(&key, &["(", at(op, 1)?, ")"]);
        }
        "select" => {
            req.url.set("select", &clean_columns(at(op, 1)?));
            req.headers.append("Prefer", "return=representation");
        }
        "order" => {
            let key = opt_at(op, 4)?.map_or_else(|| "order".into(), |table| cat(&[table, ".order"]));
            let direction = if flag_at(op, 2) { "asc" } else { "desc" };
            let nulls = match op.get(3) {
                Some(Value::Bool(true)) => ".nullsfirst",
                Some(Value::Bool(false)) => ".nullslast",
                _ => "",
            };
            let column = at(op, 1)?;
            // `set(key, existing + "," + term)`, without copying what is already there.
            req.url.extend(&key, ",", &cat(&[column, ".", direction, nulls]));
        }
        "limit" => {
            let key = opt_at(op, 2)?.map_or_else(|| "limit".into(), |table| cat(&[table, ".limit"]));
            req.url.set(&key, at(op, 1)?);
        }
        "range" => {
            let table = opt_at(op, 3)?;
            let key = |k: &str| table.as_ref().map_or_else(|| k.to_owned(), |t| cat(&[t, ".", k]));
            req.url.set(&key("offset"), at(op, 1)?);
            req.url.set(&key("limit"), at(op, 2)?);
        }
        "single" => req.headers.set("Accept", "application/vnd.pgrst.object+json"),
        "maybeSingle" => req.maybe_single = true,
        "csv" => req.headers.set("Accept", "text/csv"),
        "geojson" => req.headers.set("Accept", "application/geo+json"),
        "explain" => {
            let mut options = Vec::new();
            for &(name, i) in &[("analyze", 1), ("verbose", 2), ("settings", 3), ("buffers", 4), ("wal", 5)] {
                if flag_at(op, i) {
                    options.push(name);
                }
            }
            let format = at(op, 6)?;
            let accept = req.headers.get("Accept").unwrap_or("application/json").to_owned();
            let options = join(&options, "|");
            req.headers.set(
                "Accept",
                &cat(&["application/vnd.pgrst.plan+", format, "; for=\"", &accept, "\"; options=", &options, ";"]),
            );
        }
        "rollback" => req.headers.append("Prefer", "tx=rollback"),
        "maxAffected" => {
            req.headers.append("Prefer", "handling=strict");
            req.headers.append("Prefer", &cat(&["max-affected=", at(op, 1)?]));
        }
        "stripNulls" => {
            if req.headers.get("Accept") == Some("text/csv") {
                return Err("Error: stripNulls() cannot be used with csv()".into());
            }
            req.strip_nulls = true;
        }
        "setHeader" => req.headers.set(at(op, 1)?, at(op, 2)?),
        _ => return Err(cat(&["supabase-wechat: unknown Database method \"", name, "\""])),
    }
    Ok(())
}

/// The operator of the filters written `column=<operator>.<value>`.
fn simple_operator(name: &str) -> Option<&'static str> {
    Some(match name {
        "eq" => "eq",
        "neq" => "neq",
        "gt" => "gt",
        "gte" => "gte",
        "lt" => "lt",
        "lte" => "lte",
        "like" => "like",
        "ilike" => "ilike",
        "is" => "is",
        "isDistinct" => "isdistinct",
        "regexMatch" => "match",
        "regexIMatch" => "imatch",
        "rangeGt" => "sr",
        "rangeGte" => "nxl",
        "rangeLt" => "sl",
        "rangeLte" => "nxr",
        "rangeAdjacent" => "adj",
        _ => return None,
    })
}

/// What postgrest-js' `then()` adds before sending, and the reply's context.
fn finalize(mut req: Req, chain: &Value, schema: Option<String>) -> Result<Built, String> {
    let read_only = req.method == GET || req.method == HEAD;
    if let Some(s) = schema {
        req.headers.set(if read_only { "Accept-Profile" } else { "Content-Profile" }, &s);
    }
    if !read_only {
        req.headers.set("Content-Type", "application/json");
    }
    if req.strip_nulls {
        match req.headers.get("Accept") {
            Some("application/vnd.pgrst.object+json") => {
                req.headers.set("Accept", "application/vnd.pgrst.object+json;nulls=stripped")
            }
            None | Some("") | Some("application/json") => {
                req.headers.set("Accept", "application/vnd.pgrst.array+json;nulls=stripped")
            }
            Some(_) => {}
        }
    }
    if let Some(e) = req.headers.error.take() {
        return Err(e);
    }
    if let Some(message) = chain.get("bodyError").and_then(Value::as_str) {
        return Ok(Built::Done(reply::local_failure(message.to_owned(), "", "")));
    }
    if chain.get("aborted").and_then(Value::as_bool) == Some(true) {
        return Ok(Built::Done(reply::aborted()));
    }
    let accept = req.headers.get("Accept").unwrap_or("");
    let head = req.method == HEAD;
    let read = if head {
        Read::None
    } else if accept == "text/csv" || crate::encoding::text::contains(accept, "application/vnd.pgrst.plan+text") {
        Read::Text
    } else {
        Read::Json
    };
    let prefer = req.headers.get("Prefer").unwrap_or("");
    let mut counted = false;
    for c in &["count=exact", "count=planned", "count=estimated"] {
        counted |= crate::encoding::text::contains(prefer, c);
    }
    let body =
        if !read_only && chain.get("body").and_then(Value::as_bool) == Some(true) { Body::Payload } else { Body::None };
    let ctx = Ctx { head, read, maybe_single: req.maybe_single, counted };
    let mut size = req.url.encoded_len();
    for (k, v) in &req.headers.list {
        size = size.saturating_add(k.len().saturating_add(v.len()).saturating_add(4));
    }
    if size > MAX_URL {
        return Ok(too_large("its URL and headers would take", size as u64, " bytes"));
    }
    Ok(Built::Send(types::DataRequest {
        method: req.method,
        url: req.url.href(),
        headers: req.headers.list,
        body,
        transport: Transport::Request,
        read,
        timeout: None,
        reply: ctx,
    }))
}

/// `select()`'s column list without the whitespace outside double quotes (JavaScript's `\s`).
fn clean_columns(columns: &str) -> String {
    let mut quoted = false;
    let mut out = String::with_capacity(columns.len());
    for c in columns.chars() {
        if is_js_space(c) && !quoted {
            continue;
        }
        if c == '"' {
            quoted = !quoted;
        }
        out.push(c);
    }
    out
}

/// A PostgREST list/array literal: `{a,b}` from items already converted to text.
fn braces(items: &[Value]) -> Result<String, String> {
    let mut texts = Vec::with_capacity(items.len());
    for i in items {
        texts.push(text(Some(i))?);
    }
    Ok(cat(&["{", &join(&texts, ","), "}"]))
}

/// The Fetch `Headers` a postgrest-js builder keeps: names compared case-insensitively (sent
/// lower-cased), values with leading and trailing HTTP whitespace removed, `append` joining with
/// `, `. An invalid name or value is remembered: `Headers` would throw a TypeError.
#[derive(Default)]
struct Headers {
    list: Vec<(String, String)>,
    error: Option<String>,
}

/// A character `Headers.set` refuses in a value.
fn bad_value(value: &str) -> bool {
    for c in value.chars() {
        if matches!(c, '\0' | '\n' | '\r') || u32::from(c) > 0xFF {
            return true;
        }
    }
    false
}

impl Headers {
    fn check(&mut self, name: &str, value: &str) -> bool {
        let problem = if !crate::encoding::text::is_token(name) {
            Some(cat(&["TypeError: Headers.set: \"", name, "\" is an invalid header name."]))
        } else if bad_value(value) {
            Some(cat(&["TypeError: Headers.set: \"", value, "\" is an invalid header value."]))
        } else {
            None
        };
        match problem {
            Some(p) => {
                self.error.get_or_insert(p);
                false
            }
            None => true,
        }
    }

    fn append(&mut self, name: &str, value: &str) {
        let value = trim_by(value, &http_space);
        if !self.check(name, value) {
            return;
        }
        let name = name.to_ascii_lowercase();
        for (k, v) in &mut self.list {
            if *k == name {
                v.push_str(", ");
                v.push_str(value);
                return;
            }
        }
        self.list.push((name, value.to_owned()));
    }

    fn set(&mut self, name: &str, value: &str) {
        let value = trim_by(value, &http_space);
        if !self.check(name, value) {
            return;
        }
        let name = name.to_ascii_lowercase();
        // The names kept are lower-cased, as `name` is: without case is the same test.
        crate::encoding::headers::remove(&mut self.list, &name);
        self.list.push((name, value.to_owned()));
    }

    fn get(&self, name: &str) -> Option<&str> {
        crate::encoding::headers::named(&self.list, name)
    }
}

/// HTTP's whitespace, which `Headers` trims from values.
fn http_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b' ')
}

fn arr(v: Option<&Value>) -> Option<&[Value]> {
    v.and_then(Value::as_array).map(Vec::as_slice)
}

fn flag(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool).unwrap_or(false)
}

const MALFORMED: &str = "supabase-wechat: malformed Database call (a value is missing)";

/// A string of the chain.
fn text(v: Option<&Value>) -> Result<&str, &'static str> {
    v.and_then(Value::as_str).ok_or(MALFORMED)
}

fn opt_text(v: Option<&Value>) -> Result<Option<&str>, &'static str> {
    match v {
        None | Some(Value::Null) => Ok(None),
        v => text(v).map(Some),
    }
}

// The chain's accessors by (slice, index), out of line: one copy instead of the bounds check,
// `as_str` and error at each of the builder's ~50 uses.
#[inline(never)]
fn at(s: &[Value], i: usize) -> Result<&str, &'static str> {
    text(s.get(i))
}

#[inline(never)]
fn opt_at(s: &[Value], i: usize) -> Result<Option<&str>, &'static str> {
    opt_text(s.get(i))
}

#[inline(never)]
fn flag_at(s: &[Value], i: usize) -> bool {
    flag(s.get(i))
}

#[inline(never)]
fn arr_at(s: &[Value], i: usize) -> Option<&[Value]> {
    arr(s.get(i))
}
