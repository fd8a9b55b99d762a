//! Database (src/rest): the URL encoding table, the result table (each branch of postgrest-js'
//! `processResponse`), and a no-panic property over random chains and replies. The byte-exact
//! comparison with postgrest-js itself is tests/node/postgrest-differential.test.js.

mod common;

use common::{fuzz_cases as cases, fuzz_config};
use common::{Outputs, World};

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{json, Map, Value};

use supabase_wechat::data::rest::{self, url::Url, Ctx};
use supabase_wechat::data::{Body, Built, DataRequest, Endpoints, Facts, Outcome, Read, Reply, Response};

fn ep() -> Endpoints {
    Endpoints {
        rest: "http://127.0.0.1:54321/rest/v1".into(),
        storage: String::new(),
        functions: String::new(),
        schema: None,
        headers: Vec::new(),
    }
}

fn send(chain: Value) -> DataRequest {
    match rest::build("request", &[chain], &ep()) {
        Built::Send(r) => r,
        Built::Done(o) => panic!("nothing sent: {o:?}"),
    }
}

fn done(chain: Value) -> Outcome {
    match rest::build("request", &[chain], &ep()) {
        Built::Send(r) => panic!("sent {r:?}"),
        Built::Done(o) => o,
    }
}

fn header<'a>(r: &'a DataRequest, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn select(extra: Value) -> Value {
    let mut ops = vec![json!(["select", "*", false, null])];
    if let Value::Array(more) = extra {
        ops.extend(more);
    }
    json!({ "start": ["from", "todos"], "ops": ops })
}

// ---------------------------------------------------------------------------------------------
// URLs

#[test]
fn url_path_like_whatwg() {
    let base = "http://h/rest/v1";
    let table = [
        ("todos", "http://h/rest/v1/todos"),
        ("my table", "http://h/rest/v1/my%20table"),
        ("待办", "http://h/rest/v1/%E5%BE%85%E5%8A%9E"),
        ("a^b|c'd[e]", "http://h/rest/v1/a^b|c'd[e]"),
        ("a`b{c}\"<>", "http://h/rest/v1/a%60b%7Bc%7D%22%3C%3E"),
        ("a%zz%41", "http://h/rest/v1/a%zz%41"),
        ("a\\b", "http://h/rest/v1/a/b"),
        ("./a", "http://h/rest/v1/a"),
        ("../a", "http://h/rest/a"),
        ("a/../../../../b", "http://h/b"),
        ("%2e%2E/x", "http://h/rest/x"),
        ("x/..", "http://h/rest/v1/"),
        ("x/.", "http://h/rest/v1/x/"),
        ("a\tb\nc\rd", "http://h/rest/v1/abcd"),
        ("a\u{0}\u{1} ", "http://h/rest/v1/a"),
        ("\u{0}a\u{7f}\u{85}", "http://h/rest/v1/%00a%7F%C2%85"),
        ("a?x=1 2&y", "http://h/rest/v1/a?x=1%202&y"),
        ("a?'q'", "http://h/rest/v1/a?%27q%27"),
        ("a#frag ment`", "http://h/rest/v1/a#frag%20ment%60"),
        ("a?q#f?g", "http://h/rest/v1/a?q#f?g"),
    ];
    for (tail, want) in table {
        assert_eq!(Url::join(base, tail).href(), want, "{tail:?}");
    }
}

#[test]
fn url_search_params_like_urlsearchparams() {
    let mut u = Url::join("http://h/rest/v1", "a?x=1 2&y&&z=%zz+%41");
    assert_eq!(u.get("x"), Some("1 2"));
    assert_eq!(u.get("z"), Some("%zz A"));
    u.set("select", "*");
    assert_eq!(u.href(), "http://h/rest/v1/a?x=1+2&y=&z=%25zz+A&select=*");
    // set: the first pair of the name takes the value in place, the others go.
    let mut u = Url::join("http://h", "t");
    u.append("limit", "1");
    u.append("offset", "0");
    u.append("limit", "2");
    u.set("limit", "3");
    assert_eq!(u.href(), "http://h/t?limit=3&offset=0");
    // Emptied: no `?` is left; a fragment stays last.
    let mut u = Url::join("http://h", "t?a=1#f");
    u.set("a", "x");
    assert_eq!(u.href(), "http://h/t?a=x#f");
    let mut u = Url::join("http://h", "t?");
    assert_eq!(u.href(), "http://h/t?");
    u.append("k", "v");
    assert_eq!(u.href(), "http://h/t?k=v");
}

#[test]
fn form_encoding_table() {
    let table = [
        ("azAZ09*-._", "azAZ09*-._"),
        (" two  spaces ", "+two++spaces+"),
        ("a&b=c", "a%26b%3Dc"),
        ("1+1", "1%2B1"),
        ("100%", "100%25"),
        ("%26%3D", "%2526%253D"),
        ("~'!()", "%7E%27%21%28%29"),
        ("\"q\",#", "%22q%22%2C%23"),
        ("你好", "%E4%BD%A0%E5%A5%BD"),
        ("👍🏽", "%F0%9F%91%8D%F0%9F%8F%BD"),
        ("\u{fffd}", "%EF%BF%BD"),
        ("a\u{0}b\n", "a%00b%0A"),
        ("\u{2028}", "%E2%80%A8"),
    ];
    for (raw, want) in table {
        let mut out = String::new();
        rest::url::form_encode(raw, &mut out);
        assert_eq!(out, want, "{raw:?}");
    }
}

#[test]
fn filter_urls() {
    let url = |ops: Value| send(select(ops)).url;
    let q = |ops: Value| url(ops).split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default();
    assert_eq!(q(json!([["eq", "title", "x&id=neq.0"]])), "select=*&title=eq.x%26id%3Dneq.0");
    assert_eq!(
        q(json!([["in", "t", [["a,b", true], ["(c)", true], ["1", false], ["plain", true]]]])),
        "select=*&t=in.%28%22a%2Cb%22%2C%22%28c%29%22%2C1%2Cplain%29"
    );
    // Only strings are quoted: a non-string whose text has a comma is not.
    assert_eq!(q(json!([["notIn", "t", [["1,2", false]]]])), "select=*&t=not.in.%281%2C2%29");
    assert_eq!(q(json!([["likeAllOf", "t", ["%a%", "b*"]]])), "select=*&t=like%28all%29.%7B%25a%25%2Cb*%7D");
    assert_eq!(q(json!([["ilikeAnyOf", "t", []]])), "select=*&t=ilike%28any%29.%7B%7D");
    assert_eq!(
        q(json!([["contains", "tags", ["a", "b"]], ["containedBy", "m", "{\"k\":1}"]])),
        "select=*&tags=cs.%7Ba%2Cb%7D&m=cd.%7B%22k%22%3A1%7D"
    );
    assert_eq!(
        q(json!([["textSearch", "b", "fat rat", "websearch", "english"]])),
        "select=*&b=wfts%28english%29.fat+rat"
    );
    assert_eq!(q(json!([["textSearch", "b", "x", "PLAIN", null]])), "select=*&b=fts.x");
    assert_eq!(q(json!([["match", [["a", "1"], ["b", "x y"]]]])), "select=*&a=eq.1&b=eq.x+y");
    assert_eq!(q(json!([["or", "a.eq.1,b.eq.2", "users"]])), "select=*&users.or=%28a.eq.1%2Cb.eq.2%29");
    assert_eq!(
        q(json!([["regexIMatch", "t", "^a"], ["isDistinct", "d", "null"], ["rangeAdjacent", "p", "[1,2)"]])),
        "select=*&t=imatch.%5Ea&d=isdistinct.null&p=adj.%5B1%2C2%29"
    );
    assert_eq!(
        q(json!([
            ["order", "a", true, null, null],
            ["order", "b", false, true, null],
            ["order", "n", true, false, "u"]
        ])),
        "select=*&order=a.asc%2Cb.desc.nullsfirst&u.order=n.asc.nullslast"
    );
    assert_eq!(q(json!([["range", "20", "10", null], ["limit", "3", null]])), "select=*&offset=20&limit=3");
    assert_eq!(q(json!([["limit", "2", "users"]])), "select=*&users.limit=2");
    // select(): whitespace outside double quotes goes (JavaScript's \s, not Rust's).
    let r = send(
        json!({ "start": ["from", "t"], "ops": [["select", " a ,\u{3000}\u{feff}b, \"c d\",\u{85}e", false, null]] }),
    );
    assert_eq!(r.url, "http://127.0.0.1:54321/rest/v1/t?select=a%2Cb%2C%22c+d%22%2C%C2%85e");
}

// ---------------------------------------------------------------------------------------------
// Names and size (issue 13): from(table) and rpc(fn) are one path segment; NUL, "." and ".."
// are refused; a request past rest::MAX_URL is refused before anything is sent.

fn code(o: &Outcome) -> Option<&str> {
    o.error.as_ref().and_then(|e| e.get("code")).and_then(Value::as_str)
}

fn error_text(o: &Outcome, field: &str) -> String {
    o.error.as_ref().and_then(|e| e.get(field)).and_then(Value::as_str).unwrap_or_default().to_owned()
}

#[test]
fn names_are_one_path_segment() {
    const REST: &str = "http://127.0.0.1:54321/rest/v1/";
    let from = |name: &str| send(json!({ "start": ["from", name], "ops": [["select", "id", false, null]] })).url;
    let rpc = |name: &str| send(json!({ "start": ["rpc", name, false, false, null, false, null] })).url;
    for (name, segment) in [
        ("todos", "todos"),
        ("x?q=1", "x%3Fq%3D1"),
        ("x#frag", "x%23frag"),
        ("../../rest/v1/todos", "..%2F..%2Frest%2Fv1%2Ftodos"),
        ("a\\b", "a%5Cb"),
        ("a/b", "a%2Fb"),
        ("%2E%2E", "%252E%252E"),
        ("%zz", "%25zz"),
        ("my table", "my%20table"),
        ("待办", "%E5%BE%85%E5%8A%9E"),
        ("a\tb\nc", "a%09b%0Ac"),
        (" a ", "%20a%20"),
        ("a^b|c'd[e]!*()", "a%5Eb%7Cc%27d%5Be%5D%21%2A%28%29"),
        ("a.b-c_d~e", "a.b-c_d~e"),
        ("...", "..."),
        (".x", ".x"),
        ("\u{fffd}", "%EF%BF%BD"),
    ] {
        assert_eq!(from(name), [REST, segment, "?select=id"].concat(), "from({name:?})");
        assert_eq!(rpc(name), [REST, "rpc/", segment].concat(), "rpc({name:?})");
    }
    // Query parameters of rpc GET still follow the name.
    let r = send(json!({ "start": ["rpc", "f?x", false, true, null, false, [["a", "1"]]] }));
    assert_eq!(r.url, [REST, "rpc/f%3Fx?a=1"].concat());
}

#[test]
fn nul_dot_and_dotdot_names_are_refused() {
    for start in [
        json!(["from", "todos\u{0}x"]),
        json!(["rpc", "\u{0}", false, false, null, false, null]),
        json!(["from", "."]),
        json!(["from", ".."]),
        json!(["rpc", "..", false, true, null, false, null]),
    ] {
        let o = done(json!({ "start": start.clone(), "ops": [["select", "*", false, null]] }));
        assert_eq!(code(&o), Some("invalid_name"), "{start}");
        assert_eq!(error_text(&o, "name"), "PostgrestError");
        let message = error_text(&o, "message");
        let what = if start[0] == "from" { "Invalid relation name: " } else { "Invalid function name: " };
        assert!(message.starts_with(what), "{message}");
        assert!(!message.contains('\0'), "the NUL is shown escaped: {message:?}");
        assert!(
            message.contains(if start[1].as_str().unwrap_or("").contains('\0') { "NUL" } else { "URL" }),
            "{message}"
        );
        assert!(!error_text(&o, "hint").is_empty());
        assert_eq!((o.result.get("status"), o.result.get("data")), (Some(&json!(0)), Some(&Value::Null)));
    }
}

#[test]
fn requests_past_the_bound_are_refused() {
    assert_eq!(rest::MAX_URL, 48 * 1024);
    // The shim measured the chain and kept it: only its size came.
    let o = done(json!({ "tooLarge": 1_048_618 }));
    assert_eq!(code(&o), Some("request_too_large"));
    let message = error_text(&o, "message");
    assert!(message.contains("1048618 characters") && message.contains("49152 bytes"), "{message}");
    assert!(error_text(&o, "hint").contains("rpc()"));
    assert_eq!(o.result.get("status"), Some(&json!(0)));
    // Under the shim's count but not once encoded: 20,000 'é' are 120,000 bytes of URL.
    let o = done(select(json!([["eq", "task", "é".repeat(20_000)]])));
    assert_eq!(code(&o), Some("request_too_large"), "{o:?}");
    assert!(error_text(&o, "message").contains("URL and headers would take"));
    // Headers count too.
    let o = done(select(json!([["setHeader", "x-big", "a".repeat(rest::MAX_URL)]])));
    assert_eq!(code(&o), Some("request_too_large"));
    // 1,000 UUIDs (about 39 KB of URL) go out, as do requests right up to the bound.
    let uuids: Vec<Value> = (0..1000).map(|i| json!([format!("2411981d-0000-4000-8000-{i:012x}"), true])).collect();
    let r = send(select(json!([["in", "id", uuids]])));
    assert!(r.url.len() > 38_000 && r.url.len() < rest::MAX_URL, "{}", r.url.len());
    let base = send(select(json!([["eq", "t", ""]])));
    let headers: usize = base.headers.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
    let room = rest::MAX_URL - base.url.len() - headers;
    let r = send(select(json!([["eq", "t", "a".repeat(room)]])));
    assert_eq!(r.url.len() + headers, rest::MAX_URL);
    assert_eq!(code(&done(select(json!([["eq", "t", "a".repeat(room + 1)]])))), Some("request_too_large"));
}

#[test]
fn repeated_order_extends_one_parameter() {
    let mut ops = Vec::new();
    for c in ["a", "b", "c"] {
        ops.push(json!(["order", c, c != "b", null, null]));
    }
    ops.push(json!(["filter", "order", "x", "y"]));
    ops.push(json!(["order", "d", true, null, null]));
    let r = send(select(Value::Array(ops)));
    // set() semantics: the first `order` takes the value, a later one of that name goes.
    assert_eq!(r.url, "http://127.0.0.1:54321/rest/v1/todos?select=*&order=a.asc%2Cb.desc%2Cc.asc%2Cd.asc");
}

// ---------------------------------------------------------------------------------------------
// Requests: method, headers, body

#[test]
fn verbs_and_headers() {
    let r = send(
        json!({ "start": ["from", "t"], "ops": [["insert", "exact", false, ["a", "b c"]], ["select", "*"], ["rollback"]], "body": true }),
    );
    assert_eq!(r.method, "POST");
    assert_eq!(r.url, "http://127.0.0.1:54321/rest/v1/t?columns=%22a%22%2C%22b+c%22&select=*");
    assert_eq!(header(&r, "prefer"), Some("count=exact, missing=default, return=representation, tx=rollback"));
    assert_eq!(header(&r, "content-type"), Some("application/json"));
    assert_eq!(r.body, Body::Payload);
    assert_eq!(r.read, Read::Json);

    let r = send(json!({ "start": ["from", "t"], "ops": [["upsert", null, true, null, "id", true]], "body": true }));
    assert_eq!(header(&r, "prefer"), Some("resolution=ignore-duplicates"));
    assert_eq!(r.url, "http://127.0.0.1:54321/rest/v1/t?on_conflict=id");

    let r = send(json!({ "start": ["from", "t"], "ops": [["delete", null], ["eq", "id", "1"]] }));
    assert_eq!(
        (r.method, r.body.clone(), header(&r, "content-type")),
        ("DELETE", Body::None, Some("application/json"))
    );
    assert_eq!(send(json!({ "start": ["from", "t"], "ops": [["update", null]], "body": true })).method, "PATCH");

    let r = send(json!({ "start": ["from", "t"], "ops": [["select", "*", true, "planned"]] }));
    assert_eq!((r.method, r.read, header(&r, "prefer")), ("HEAD", Read::None, Some("count=planned")));
    assert_eq!(header(&r, "content-type"), None);

    // A body on a GET is never sent.
    assert_eq!(
        send(json!({ "start": ["from", "t"], "ops": [["select", "*", false, null]], "body": true })).body,
        Body::None
    );

    let r = send(select(json!([["csv"]])));
    assert_eq!((header(&r, "accept"), r.read), (Some("text/csv"), Read::Text));
    let r = send(select(json!([["single"], ["explain", true, false, false, true, false, "text"]])));
    assert_eq!(
        header(&r, "accept"),
        Some("application/vnd.pgrst.plan+text; for=\"application/vnd.pgrst.object+json\"; options=analyze|buffers;")
    );
    assert_eq!(r.read, Read::Text);
    let r = send(select(json!([["single"], ["stripNulls"]])));
    assert_eq!(header(&r, "accept"), Some("application/vnd.pgrst.object+json;nulls=stripped"));
    let r = send(select(json!([["maxAffected", "5"], ["setHeader", "X-Trace", "  v  "]])));
    assert_eq!(header(&r, "prefer"), Some("handling=strict, max-affected=5"));
    assert_eq!(header(&r, "x-trace"), Some("v"));
}

#[test]
fn rpc_requests() {
    let rpc = |head: bool, get: bool, count: Value, object: bool, params: Value| {
        send(json!({ "start": ["rpc", "f n", head, get, count, object, params], "body": true }))
    };
    let r = rpc(false, false, Value::Null, false, Value::Null);
    assert_eq!(
        (r.method, r.url.as_str(), r.body.clone()),
        ("POST", "http://127.0.0.1:54321/rest/v1/rpc/f%20n", Body::Payload)
    );
    let r = rpc(false, true, json!("exact"), false, json!([["q", "a b"], ["ids", ["1", "2"]]]));
    assert_eq!((r.method, r.url.as_str()), ("GET", "http://127.0.0.1:54321/rest/v1/rpc/f%20n?q=a+b&ids=%7B1%2C2%7D"));
    assert_eq!((header(&r, "prefer"), r.body.clone()), (Some("count=exact"), Body::None));
    let r = rpc(true, false, json!("exact"), true, Value::Null);
    assert_eq!((r.method, header(&r, "prefer")), ("POST", Some("count=exact,return=minimal")));
    let r = rpc(true, false, Value::Null, false, json!([]));
    assert_eq!((r.method, r.read), ("HEAD", Read::None));
}

#[test]
fn schema_and_global_headers() {
    let mut e = ep();
    e.schema = Some("app".into());
    e.headers =
        vec![("Prefer".into(), "timezone=UTC".into()), ("X-A".into(), " 1 ".into()), ("x-a".into(), "2".into())];
    let build = |chain: Value| match rest::build("request", &[chain], &e) {
        Built::Send(r) => r,
        Built::Done(o) => panic!("{o:?}"),
    };
    let r = build(json!({ "start": ["from", "t"], "ops": [["select", "*", false, "exact"]] }));
    assert_eq!(header(&r, "accept-profile"), Some("app"));
    assert_eq!(header(&r, "prefer"), Some("timezone=UTC, count=exact"));
    assert_eq!(header(&r, "x-a"), Some("1, 2"));
    // schema(name) replaces db.schema; schema(undefined) removes it.
    let r = build(json!({ "start": ["from", "t"], "schema": "other", "ops": [["insert", null, true, null]] }));
    assert_eq!((header(&r, "content-profile"), header(&r, "accept-profile")), (Some("other"), None));
    let r = build(json!({ "start": ["from", "t"], "schema": null, "ops": [["select", "*", false, null]] }));
    assert_eq!(header(&r, "accept-profile"), None);
    // rpc sets Prefer: the global one is replaced.
    let r = build(json!({ "start": ["rpc", "f", false, false, "exact", false, null] }));
    assert_eq!(header(&r, "prefer"), Some("count=exact"));
}

#[test]
fn calls_that_send_nothing() {
    let message =
        |o: &Outcome| o.error.as_ref().and_then(|e| e.get("message")).and_then(Value::as_str).map(str::to_owned);
    let status = |o: &Outcome| o.result.get("status").cloned();

    let o = done(json!({ "start": ["from", "t"], "ops": [["select", "*", false, null]], "aborted": true }));
    assert_eq!(message(&o).as_deref(), Some("AbortError: This operation was aborted"));
    assert_eq!(
        o.error.as_ref().and_then(|e| e.get("hint")),
        Some(&json!("Request was aborted (timeout or manual cancellation)"))
    );
    assert_eq!((status(&o), o.result.get("success")), (Some(json!(0)), Some(&json!(false))));

    let o = done(
        json!({ "start": ["from", "t"], "ops": [["insert", null, true, null]], "bodyError": "TypeError: cyclic" }),
    );
    assert_eq!(message(&o).as_deref(), Some("TypeError: cyclic"));
    let o = done(select(json!([["csv"], ["stripNulls"]])));
    assert_eq!(message(&o).as_deref(), Some("Error: stripNulls() cannot be used with csv()"));
    for bad in [json!(["setHeader", "a b", "v"]), json!(["setHeader", "x", "你"]), json!(["setHeader", "x", "a\nb"])] {
        assert!(
            message(&done(select(json!([bad.clone()])))).unwrap_or_default().starts_with("TypeError: Headers.set"),
            "{bad}"
        );
    }
    let o = done(json!({ "start": ["rpc", "f", false, false, null, false, null], "schema": "模式" }));
    assert!(message(&o).unwrap_or_default().contains("invalid header value"));
    for bad in [
        json!(null),
        json!({}),
        json!({ "start": ["from", "t"] }),
        json!({ "start": ["from", "t"], "ops": [["eq", "a", "b"]] }),
        json!({ "start": ["from", "t"], "ops": [["select", "*"], ["nope"]] }),
        json!({ "start": ["from"] }),
    ] {
        let o = done(bad.clone());
        assert!(message(&o).unwrap_or_default().starts_with("supabase-wechat:"), "{bad}: {o:?}");
        assert_eq!(o.result.get("data"), Some(&Value::Null));
    }
    match rest::build("select", &[], &ep()) {
        Built::Done(o) => assert!(message(&o).unwrap_or_default().contains("unknown method rest.select")),
        Built::Send(_) => panic!("sent"),
    }
}

// ---------------------------------------------------------------------------------------------
// Results: postgrest-js processResponse, one row per branch.

fn ctx(chain: Value) -> Ctx {
    match send(chain).reply {
        Reply::Rest(c) => c,
        other => panic!("{other:?}"),
    }
}

struct Answer {
    status: u16,
    headers: Value,
    facts: Facts,
    body: Option<&'static str>,
}

fn reply(status: u16, len: usize, json_ok: Option<bool>, array: Option<usize>, body: Option<&'static str>) -> Answer {
    Answer { status, headers: json!({}), facts: Facts { len, json_ok, array_len: array }, body }
}

fn finish(c: &Ctx, r: &Answer) -> Outcome {
    let headers: Map<String, Value> = r.headers.as_object().cloned().unwrap_or_default();
    rest::finish(c, &Response { status: r.status, headers: &headers, facts: r.facts, body: r.body })
}

/// (data built by the core, take, status, statusText, count, error fields) of an outcome.
type Summary = (Value, Option<&'static str>, Value, Value, Value, Option<Value>);

fn summary(o: &Outcome) -> Summary {
    let g = |k: &str| o.result.get(k).cloned().unwrap_or(Value::Null);
    assert_eq!(g("success"), Value::Bool(o.error.is_none()));
    (g("data"), o.take, g("status"), g("statusText"), g("count"), o.error.clone().map(Value::Object))
}

#[test]
fn result_table() {
    let plain = ctx(select(json!([])));
    let counted = ctx(json!({ "start": ["from", "t"], "ops": [["select", "*", false, "exact"]] }));
    let head = ctx(json!({ "start": ["from", "t"], "ops": [["select", "*", true, "exact"]] }));
    let maybe = ctx(select(json!([["maybeSingle"]])));
    let csv = ctx(select(json!([["csv"]])));
    let pg_error = r#"{"code":"22P02","details":null,"hint":null,"message":"bad"}"#;
    let with_range = |mut r: Answer, range: &str| {
        r.headers = json!({ "Content-Range": range });
        r
    };
    let null = Value::Null;
    let rows: Vec<(&str, &Ctx, Answer, Summary)> = vec![
        (
            "200 JSON",
            &plain,
            reply(200, 2, Some(true), Some(0), None),
            (null.clone(), Some("body"), json!(200), json!("OK"), null.clone(), None),
        ),
        (
            "201 empty",
            &plain,
            reply(201, 0, Some(false), None, Some("")),
            (null.clone(), None, json!(201), json!("Created"), null.clone(), None),
        ),
        (
            "200 not JSON",
            &plain,
            reply(200, 3, Some(false), None, Some("abc")),
            (
                null.clone(),
                None,
                json!(200),
                json!("OK"),
                null.clone(),
                Some(json!({ "name": "PostgrestError", "message": "abc", "body": "abc" })),
            ),
        ),
        (
            "csv",
            &csv,
            reply(200, 5, None, None, None),
            (null.clone(), Some("body"), json!(200), json!("OK"), null.clone(), None),
        ),
        (
            "csv empty",
            &csv,
            reply(200, 0, None, None, None),
            (null.clone(), None, json!(200), json!("OK"), null.clone(), None),
        ),
        (
            "count",
            &counted,
            with_range(reply(200, 2, Some(true), Some(0), None), "0-9/42"),
            (null.clone(), Some("body"), json!(200), json!("OK"), json!(42), None),
        ),
        (
            "count *",
            &counted,
            with_range(reply(200, 2, Some(true), Some(0), None), "0-9/*"),
            (null.clone(), Some("body"), json!(200), json!("OK"), null.clone(), None),
        ),
        (
            "count junk",
            &counted,
            with_range(reply(200, 2, Some(true), Some(0), None), "0-9/ 17abc/3"),
            (null.clone(), Some("body"), json!(200), json!("OK"), json!(17), None),
        ),
        (
            "count hex",
            &counted,
            with_range(reply(200, 2, Some(true), Some(0), None), "x/0x1F"),
            (null.clone(), Some("body"), json!(200), json!("OK"), json!(31), None),
        ),
        (
            "count without Prefer",
            &plain,
            with_range(reply(200, 2, Some(true), Some(0), None), "0-9/42"),
            (null.clone(), Some("body"), json!(200), json!("OK"), null.clone(), None),
        ),
        (
            "HEAD",
            &head,
            with_range(reply(200, 0, None, None, None), "*/7"),
            (null.clone(), None, json!(200), json!("OK"), json!(7), None),
        ),
        (
            "maybeSingle 1",
            &maybe,
            reply(200, 9, Some(true), Some(1), None),
            (null.clone(), Some("first"), json!(200), json!("OK"), null.clone(), None),
        ),
        (
            "maybeSingle 0",
            &maybe,
            reply(200, 2, Some(true), Some(0), None),
            (null.clone(), None, json!(200), json!("OK"), null.clone(), None),
        ),
        (
            "maybeSingle object",
            &maybe,
            reply(200, 9, Some(true), None, None),
            (null.clone(), Some("body"), json!(200), json!("OK"), null.clone(), None),
        ),
        (
            "maybeSingle 3",
            &maybe,
            reply(200, 9, Some(true), Some(3), None),
            (
                null.clone(),
                None,
                json!(406),
                json!("Not Acceptable"),
                null.clone(),
                Some(
                    json!({ "name": "PostgrestError", "code": "PGRST116", "hint": null, "message": "JSON object requested, multiple (or no) rows returned",
                "details": "Results contain 3 rows, application/vnd.pgrst.object+json requires 1 row",
                "body": { "code": "PGRST116", "hint": null, "message": "JSON object requested, multiple (or no) rows returned",
                    "details": "Results contain 3 rows, application/vnd.pgrst.object+json requires 1 row" } }),
                ),
            ),
        ),
        (
            "400 PostgREST",
            &plain,
            reply(400, 60, None, None, Some(pg_error)),
            (
                null.clone(),
                None,
                json!(400),
                json!("Bad Request"),
                null.clone(),
                Some(
                    json!({ "name": "PostgrestError", "code": "22P02", "details": null, "hint": null, "message": "bad",
                "body": { "code": "22P02", "details": null, "hint": null, "message": "bad" } }),
                ),
            ),
        ),
        (
            "404 array",
            &plain,
            reply(404, 2, None, None, Some("[]")),
            (json!([]), None, json!(200), json!("OK"), null.clone(), None),
        ),
        (
            "404 empty",
            &plain,
            reply(404, 0, None, None, Some("")),
            (null.clone(), None, json!(204), json!("No Content"), null.clone(), None),
        ),
        (
            "404 text",
            &plain,
            reply(404, 4, None, None, Some("gone")),
            (
                null.clone(),
                None,
                json!(404),
                json!("Not Found"),
                null.clone(),
                Some(json!({ "name": "PostgrestError", "message": "gone", "body": "gone" })),
            ),
        ),
        (
            "500 null",
            &plain,
            reply(500, 4, None, None, Some("null")),
            (null.clone(), None, json!(500), json!("Internal Server Error"), null.clone(), None),
        ),
        (
            "500 string",
            &plain,
            reply(500, 6, None, None, Some("\"oops\"")),
            (
                null.clone(),
                None,
                json!(500),
                json!("Internal Server Error"),
                null.clone(),
                Some(json!({ "name": "PostgrestError", "message": "oops", "body": "oops" })),
            ),
        ),
        (
            "500 number",
            &plain,
            reply(500, 2, None, None, Some("42")),
            (
                null.clone(),
                None,
                json!(500),
                json!("Internal Server Error"),
                null.clone(),
                Some(json!({ "name": "PostgrestError", "message": "42", "body": 42 })),
            ),
        ),
        (
            "502 gateway fields",
            &plain,
            reply(502, 9, None, None, Some(r#"{"msg":"x","name":"n","body":1}"#)),
            (
                null.clone(),
                None,
                json!(502),
                json!("Bad Gateway"),
                null.clone(),
                // No `message` of its own: the status says it (issue 13: no empty messages).
                Some(json!({
                    "name": "PostgrestError",
                    "msg": "x",
                    "message": "HTTP 502 Bad Gateway",
                    "body": { "msg": "x", "name": "n", "body": 1 }
                })),
            ),
        ),
        (
            "lone surrogate escape",
            &plain,
            reply(400, 9, None, None, Some(r#"{"message":"a\ud800b\udc00\\ud800\ud83d\udc4d"}"#)),
            (
                null.clone(),
                None,
                json!(400),
                json!("Bad Request"),
                null.clone(),
                Some(
                    json!({ "name": "PostgrestError", "message": "a\u{fffd}b\u{fffd}\\ud800👍", "body": { "message": "a\u{fffd}b\u{fffd}\\ud800👍" } }),
                ),
            ),
        ),
        (
            "599 unknown status",
            &plain,
            reply(599, 0, None, None, Some("")),
            (
                null.clone(),
                None,
                json!(599),
                json!(""),
                null.clone(),
                // postgrest-js says `''`; the status says more (issue 13: no empty messages).
                Some(json!({
                    "name": "PostgrestError",
                    "message": "HTTP 599",
                    "details": "",
                    "hint": "",
                    "code": "",
                    "body": ""
                })),
            ),
        ),
    ];
    for (name, c, r, want) in rows {
        assert_eq!(summary(&finish(c, &r)), want, "{name}");
    }
}

#[test]
fn network_failure_result() {
    let c = ctx(select(json!([])));
    let o =
        rest::failed(&c, "The network request failed; check the network and try again (request:fail)", "network_error");
    assert_eq!(o.take, None);
    assert_eq!(
        Value::Object(o.result),
        json!({ "data": null, "count": null, "status": 0, "statusText": "", "success": false })
    );
    assert_eq!(
        o.error.map(Value::Object),
        Some(
            json!({ "name": "PostgrestError", "message": "FetchError: The network request failed; check the network and try again (request:fail)",
            "details": "network_error", "hint": "", "code": "" })
        )
    );
}

/// `status_text` as it was, a `match` (now one string searched, for size): the same for every status.
fn reference_status_text(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        509 => "Bandwidth Limit Exceeded",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "",
    }
}

#[test]
fn status_text_is_the_table_for_every_status() {
    for status in 0..=u16::MAX {
        assert_eq!(rest::status_text(status), reference_status_text(status), "{status}");
    }
}

#[test]
fn status_texts_and_lenient_json() {
    assert_eq!(rest::status_text(200), "OK");
    assert_eq!(rest::status_text(406), "Not Acceptable");
    assert_eq!(rest::status_text(0), "");
    assert_eq!(rest::lenient_json(r#""\udc00""#), Some(json!("\u{fffd}")));
    assert_eq!(rest::lenient_json(r#""\ud83d\ude00""#), Some(json!("😀")));
    assert_eq!(rest::lenient_json("nope"), None);
    assert_eq!(rest::lenient_json(r#""\u""#), None);
}

// ---------------------------------------------------------------------------------------------
// No panic on any chain or reply.

fn text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        4 => proptest::char::range(' ', '~'),
        2 => prop::sample::select(vec!['"', '\\', '/', '%', '+', '&', '=', '#', '?', '.', ',', '(', ')', '\0', '\n', '\t', '\u{85}', '\u{3000}', '\u{feff}']),
        1 => proptest::char::range('\u{4e00}', '\u{4e20}'),
        1 => any::<char>(),
    ];
    prop::collection::vec(c, 0..12).prop_map(String::from_iter)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..3).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

const OPS: &[&str] = &[
    "select",
    "insert",
    "upsert",
    "update",
    "delete",
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "like",
    "ilike",
    "is",
    "isDistinct",
    "regexMatch",
    "regexIMatch",
    "rangeGt",
    "rangeGte",
    "rangeLt",
    "rangeLte",
    "rangeAdjacent",
    "likeAllOf",
    "likeAnyOf",
    "ilikeAllOf",
    "ilikeAnyOf",
    "in",
    "notIn",
    "contains",
    "containedBy",
    "overlaps",
    "textSearch",
    "match",
    "not",
    "or",
    "filter",
    "order",
    "limit",
    "range",
    "single",
    "maybeSingle",
    "csv",
    "geojson",
    "explain",
    "rollback",
    "maxAffected",
    "stripNulls",
    "setHeader",
    "nope",
];

/// Mostly the argument types the shim sends (strings, booleans, lists of strings), some anything.
fn arg() -> impl Strategy<Value = Value> {
    prop_oneof![
        24 => text().prop_map(Value::from),
        2 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => prop::collection::vec(text().prop_map(Value::from), 0..3).prop_map(Value::Array),
        1 => prop::collection::vec((text(), any::<bool>()).prop_map(|(t, b)| json!([t, b])), 0..3).prop_map(Value::Array),
        1 => value(),
    ]
}

fn op() -> impl Strategy<Value = Value> {
    (prop::sample::select(OPS), prop::collection::vec(arg(), 2..8)).prop_map(|(name, mut args)| {
        args.insert(0, Value::from(name));
        Value::Array(args)
    })
}

fn chain() -> impl Strategy<Value = Value> {
    let verb = (
        prop::sample::select(vec!["select", "insert", "upsert", "update", "delete"]),
        prop::collection::vec(arg(), 0..6),
    )
        .prop_map(|(name, mut args)| {
            args.insert(0, Value::from(name));
            Value::Array(args)
        });
    let start = prop_oneof![
        4 => (text(), verb).prop_map(|(t, v)| json!(["from", t, v])),
        2 => (text(), any::<bool>(), any::<bool>(), prop::option::of(text()), any::<bool>(), value())
            .prop_map(|(f, h, g, c, o, p)| json!(["rpc", f, h, g, c, o, p])),
        1 => value(),
    ];
    let rare = || prop::option::weighted(0.05, leaf()).prop_map(|v| v.unwrap_or(Value::Null));
    let schema = prop_oneof![2 => Just(Value::Null), 2 => text().prop_map(Value::from), 1 => leaf()];
    (start, prop::collection::vec(op(), 0..6), schema, leaf(), rare(), rare()).prop_map(
        |(start, mut ops, schema, body, aborted, be)| {
            let mut m = Map::new();
            // A `from` start carries its verb (generated with it) as the first op.
            let start = match start {
                Value::Array(mut s) if s.len() == 3 => {
                    ops.insert(0, s.pop().unwrap_or(Value::Null));
                    Value::Array(s)
                }
                s => s,
            };
            m.insert("start".into(), start);
            m.insert("ops".into(), Value::Array(ops));
            for (k, v) in [("schema", schema), ("body", body), ("aborted", aborted), ("bodyError", be)] {
                if !v.is_null() {
                    m.insert(k.into(), v);
                }
            }
            Value::Object(m)
        },
    )
}

#[test]
fn no_panic_on_random_chains_and_replies() {
    let strategy = (
        chain(),
        any::<u16>(),
        any::<usize>(),
        any::<Option<bool>>(),
        any::<Option<usize>>(),
        prop::option::of(text()),
        text(),
    );
    let sent = std::cell::Cell::new(0u32);
    let result = TestRunner::new(fuzz_config()).run(&strategy, |(chain, status, len, json_ok, array, body, range)| {
        let mut e = ep();
        e.headers = vec![("Prefer".into(), "count=exact".into())];
        match rest::build("request", &[chain], &e) {
            Built::Done(o) => {
                prop_assert!(o.error.is_some());
                prop_assert_eq!(o.result.get("status"), Some(&json!(0)));
            }
            Built::Send(r) => {
                sent.set(sent.get() + 1);
                prop_assert!(r.url.starts_with("http://127.0.0.1:54321/"), "{}", r.url);
                prop_assert!(r.headers.iter().all(|(k, v)| *k == k.to_ascii_lowercase() && !v.contains('\n')));
                let Reply::Rest(c) = &r.reply else { return Err(TestCaseError::fail("not a rest reply")) };
                let headers: Map<String, Value> =
                    [("content-range".to_owned(), Value::from(range))].into_iter().collect();
                let o = rest::finish(
                    c,
                    &Response {
                        status,
                        headers: &headers,
                        facts: Facts { len, json_ok, array_len: array },
                        body: body.as_deref(),
                    },
                );
                prop_assert_eq!(o.result.get("success"), Some(&Value::Bool(o.error.is_none())));
                let _ = rest::failed(c, "x", "network_error").to_json();
                let _ = o.to_json();
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!("fuzz-inputs rest_chains {} ({} sent)", cases(), sent.get());
    assert!(sent.get() > cases() / 20, "too few random chains were sent: {}", sent.get());
}

// ---------------------------------------------------------------------------------------------
// Through the client: the chain as the shim sends it, the reply as the shim reports it.

#[test]
fn client_round_trip() {
    let opts = r#"{"global":{"headers":{"X-Client-Info":"t"}},"db":{"schema":"app"}}"#;
    let mut w = World::with(supabase_wechat::Client::new("http://127.0.0.1:54321", "anon", opts)).at(0.0);
    let op = w.c.data(
        "rest",
        "request",
        r#"[{"start":["from","todos"],"ops":[["select","*",false,"exact"],["eq","id","1"]]}]"#,
        0.0,
    );
    let out = w.drain().json();
    let fetch = out.iter().find(|o| o["type"] == "fetch").cloned().unwrap_or(Value::Null);
    assert_eq!(fetch["op"], json!(op));
    assert_eq!(fetch["url"], "http://127.0.0.1:54321/rest/v1/todos?select=*&id=eq.1");
    assert_eq!(fetch["read"], "json");
    assert_eq!(fetch["payload"], false);
    assert_eq!(
        fetch["headers"],
        json!({ "x-client-info": "t", "prefer": "count=exact", "accept-profile": "app", "apikey": "anon", "Authorization": "Bearer anon" })
    );
    let id = u32::try_from(fetch["id"].as_u64().unwrap_or(0)).unwrap_or(0);
    w.c.handle_data_response(id, 200, r#"{"Content-Range":"0-1/2"}"#, r#"{"len":20,"json":true,"array":2}"#, None, 0.0);
    let done = w.drain().json().into_iter().find(|o| o["type"] == "done").unwrap_or(Value::Null);
    assert_eq!(
        done["data"],
        json!({ "result": { "data": null, "count": 2, "status": 200, "statusText": "OK", "success": true }, "take": "body", "error": null })
    );

    // A transport failure resolves with status 0.
    w.c.data("rest", "request", r#"[{"start":["rpc","f",false,false,null,false,null],"body":true}]"#, 0.0);
    let fetch = w.drain().json().into_iter().find(|o| o["type"] == "fetch").unwrap_or(Value::Null);
    assert_eq!((fetch["method"].as_str(), fetch["payload"].as_bool()), (Some("POST"), Some(true)));
    let id = u32::try_from(fetch["id"].as_u64().unwrap_or(0)).unwrap_or(0);
    w.fail(id, "request:fail timeout");
    let done = w.drain().json().into_iter().find(|o| o["type"] == "done").unwrap_or(Value::Null);
    assert_eq!(done["data"]["result"]["status"], 0);
    assert!(done["data"]["error"]["message"]
        .as_str()
        .unwrap_or("")
        .starts_with("FetchError: The server did not answer in time"));

    // Lone-surrogate escapes make the arguments unreadable to serde_json (the shim replaces lone
    // surrogates first): the call still resolves, with an error, and sends nothing.
    w.c.data("rest", "request", r#"[{"start":["from","t\ud800"],"ops":[["select","*",false,null]]}]"#, 0.0);
    let out = w.drain().json();
    assert!(out.iter().all(|o| o["type"] != "fetch"));
    assert!(out.iter().any(|o| o["type"] == "done" && o["data"]["error"]["message"].is_string()));
}
