//! Functions (`functions.invoke`): request building, reply classification, and the whole path
//! through the client, as tables; plus a property test that no input panics.

mod common;

use common::{Outputs, World, KEY, URL};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{json, Map, Value};
use supabase_wechat::data::functions;
use supabase_wechat::data::{Body, Built, DataRequest, Endpoints, Facts, Outcome, Read, Response, Transport};
use supabase_wechat::{Client, Output};

const FN: &str = "https://abcdefghij.baseapi.memfiredb.com/functions/v1";
const T0: f64 = 1_700_000_000_400.0;

fn ep() -> Endpoints {
    common::endpoints(URL)
}

fn build(args: Value) -> Built {
    let args = match args {
        Value::Array(a) => a,
        other => vec![other],
    };
    functions::build("invoke", &args, &ep())
}

fn req(args: Value) -> DataRequest {
    match build(args.clone()) {
        Built::Send(r) => r,
        Built::Done(o) => panic!("expected a request for {args}, got {o:?}"),
    }
}

fn rejected(args: Value) -> Map<String, Value> {
    match build(args.clone()) {
        Built::Done(o) => {
            let e = o.error.clone().unwrap_or_else(|| panic!("expected an error for {args}"));
            assert_eq!(o.result.get("data"), Some(&Value::Null));
            e
        }
        Built::Send(r) => panic!("expected {args} to be rejected, got {r:?}"),
    }
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

// ---------------------------------------------------------------------------------------------
// Request building

#[test]
fn url_from_a_name_follows_functions_js_and_new_url() {
    let cases = [
        ("hello", format!("{FN}/hello")),
        ("hello-world_2", format!("{FN}/hello-world_2")),
        ("echo/a/b", format!("{FN}/echo/a/b")),
        ("/hello", format!("{FN}/hello")),
        ("echo?x=1&y=2", format!("{FN}/echo?x=1&y=2")),
        ("echo#frag", format!("{FN}/echo")),
        ("echo?x=1#frag", format!("{FN}/echo?x=1")),
        ("a b/你", format!("{FN}/a%20b/%E4%BD%A0")),
        ("echo?q=a b&c=二'\"", format!("{FN}/echo?q=a%20b&c=%E4%BA%8C%27%22")),
        ("pre%20encoded", format!("{FN}/pre%20encoded")),
        ("100%", format!("{FN}/100%25")),
        ("100%zz", format!("{FN}/100%25zz")),
        ("a\\b", format!("{FN}/a%5Cb")),
        ("a<b>{c}`", format!("{FN}/a%3Cb%3E%7Bc%7D%60")),
        ("ctl\u{1}", format!("{FN}/ctl%01")),
        ("a//b", format!("{FN}/a//b")),
        ("...", format!("{FN}/...")),
    ];
    for (name, url) in cases {
        assert_eq!(req(json!([name])).url, url, "{name}");
    }
}

#[test]
fn a_full_url_is_used_as_it_is() {
    let cases = [
        ("https://fn.example.com/api/hello", "https://fn.example.com/api/hello"),
        ("http://127.0.0.1:9000/x?a=1", "http://127.0.0.1:9000/x?a=1"),
        ("HTTPS://Fn.Example.com/A", "HTTPS://Fn.Example.com/A"),
        ("  https://fn.example.com/x  ", "https://fn.example.com/x"),
        ("https://fn.example.com/x#top", "https://fn.example.com/x"),
        ("https://fn.example.com/a b?q=你", "https://fn.example.com/a%20b?q=%E4%BD%A0"),
        ("https://fn.example.com/../x", "https://fn.example.com/../x"),
        ("https://u@fn.example.com:8443/%41", "https://u@fn.example.com:8443/%41"),
    ];
    for (name, url) in cases {
        assert_eq!(req(json!([name, { "method": "GET" }])).url, url, "{name}");
    }
    // Not a URL: a name (the scheme must be http or https).
    assert_eq!(req(json!(["ftp://x"])).url, format!("{FN}/ftp://x"));
}

#[test]
fn bad_names_and_options_are_rejected_without_a_request() {
    for args in [
        json!([]),
        json!([null]),
        json!([""]),
        json!(["   "]),
        json!([42]),
        json!([{ "name": "x" }]),
        json!(["/"]),
        json!(["?x=1"]),
        json!([".."]),
        json!(["../rest/v1/todos"]),
        json!(["a/./b"]),
        json!(["a/%2e%2E/b"]),
        json!(["a/.%2e"]),
        json!(["x", { "method": "BREW" }]),
        json!(["x", { "method": 1 }]),
        json!(["x", { "headers": "a: b" }]),
        json!(["x", { "headers": { "bad name": "v" } }]),
        json!(["x", { "headers": { "": "v" } }]),
        json!(["x", { "headers": { "x-a": "v\r\nInjected: 1" } }]),
        json!(["x", { "headers": { "x-a": { "nested": 1 } } }]),
        json!(["x", { "region": 5 }]),
        json!(["x", { "body": "xml" }]),
    ] {
        let e = rejected(args.clone());
        assert_eq!(e["name"], "FunctionsError", "{args}");
        assert!(e["message"].as_str().unwrap().starts_with("functions.invoke: "), "{args}: {e:?}");
    }
    // Another method of the API does not exist.
    match functions::build("call", &[json!("x")], &ep()) {
        Built::Done(o) => assert!(o.error.unwrap()["message"].as_str().unwrap().contains("functions.call")),
        Built::Send(_) => panic!("functions.call must not send"),
    }
}

#[test]
fn method_body_and_content_type_follow_functions_js() {
    // (method, body kind, caller headers) -> (method, body, Content-Type)
    let cases = [
        (json!(null), json!(null), json!(null), "POST", Body::None, None),
        (json!(""), json!("none"), json!({}), "POST", Body::None, None),
        (json!("post"), json!("json"), json!({}), "POST", Body::Payload, Some("application/json")),
        (json!("PUT"), json!("text"), json!({}), "PUT", Body::Payload, Some("text/plain")),
        (json!("patch"), json!("binary"), json!({}), "PATCH", Body::Payload, Some("application/octet-stream")),
        (json!("delete"), json!("json"), json!({}), "DELETE", Body::Payload, Some("application/json")),
        // GET and HEAD never send a body (wx.request would put it in the query string).
        (json!("GET"), json!("json"), json!({}), "GET", Body::None, None),
        (json!("head"), json!("text"), json!({}), "HEAD", Body::None, None),
        (json!("options"), json!(null), json!({}), "OPTIONS", Body::None, None),
        // The caller's Content-Type wins, in any case.
        (
            json!(null),
            json!("json"),
            json!({"content-type": "application/x-www-form-urlencoded"}),
            "POST",
            Body::Payload,
            Some("application/x-www-form-urlencoded"),
        ),
        (json!(null), json!("binary"), json!({"Content-Type": "image/png"}), "POST", Body::Payload, Some("image/png")),
        (json!("GET"), json!(null), json!({"Content-Type": "text/csv"}), "GET", Body::None, Some("text/csv")),
    ];
    for (method, body, headers, m, b, ct) in cases {
        let r = req(json!(["fn", { "method": method, "body": body, "headers": headers }]));
        assert_eq!((r.method, &r.body, header(&r.headers, "content-type")), (m, &b, ct), "{method} {body} {headers}");
        assert_eq!(
            r.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("content-type")).count(),
            usize::from(ct.is_some())
        );
        assert_eq!((r.transport.clone(), r.read), (Transport::Request, Read::ArrayBuffer));
    }
}

#[test]
fn caller_headers_region_and_timeout() {
    let r = req(json!(["fn", {
        "headers": { "x-one": "1", "X-Num": 2, "x-bool": true, "x-null": null, "Authorization": "Bearer mine" },
        "region": "us-east-1",
        "timeout": 2500.2,
    }]));
    assert_eq!(r.url, format!("{FN}/fn?forceFunctionRegion=us-east-1"));
    // The module's headers first; the caller's after them (so they win when the client merges).
    let mut names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names.remove(0), "x-region");
    names.sort_unstable();
    assert_eq!(names, ["Authorization", "X-Num", "x-bool", "x-one"]);
    assert_eq!(header(&r.headers, "x-num"), Some("2"));
    assert_eq!(header(&r.headers, "x-bool"), Some("true"));
    assert_eq!(r.timeout, Some(2501));

    assert_eq!(
        req(json!(["fn?a=1", { "region": "eu west" }])).url,
        format!("{FN}/fn?a=1&forceFunctionRegion=eu%20west")
    );
    assert_eq!(req(json!(["fn?", { "region": "x" }])).url, format!("{FN}/fn?forceFunctionRegion=x"));
    for region in [json!("any"), json!(""), json!(null)] {
        let r = req(json!(["fn", { "region": region }]));
        assert_eq!((r.url.as_str(), header(&r.headers, "x-region")), (format!("{FN}/fn").as_str(), None));
    }
    let timeout = |t: Value| req(json!(["fn", { "timeout": t }])).timeout;
    assert_eq!(timeout(json!(null)), None);
    assert_eq!(timeout(json!(0)), None);
    assert_eq!(timeout(json!(-5)), None);
    assert_eq!(timeout(json!("300")), None);
    assert_eq!(timeout(json!(1)), Some(100));
    assert_eq!(timeout(json!(1e12)), Some(600_000));
}

// ---------------------------------------------------------------------------------------------
// Through the client: bearer, apikey, global headers

fn invoke(w: &mut World, args: Value) -> (u32, Vec<Output>) {
    let op = w.c.data("functions", "invoke", &args.to_string(), T0);
    (op, w.drain())
}

#[test]
fn the_client_adds_apikey_and_bearer_and_keeps_the_caller_authorization() {
    let mut w = World::with_options(json!({ "global": { "headers": { "x-app": "demo" } } }));
    let (op, outs) = invoke(&mut w, json!(["hello", { "body": "json" }]));
    let f = outs.only_fetch();
    assert_eq!(f.op, op);
    assert_eq!(
        (f.method, f.url.as_str(), f.payload, f.body.as_deref()),
        ("POST", "https://abcdefghij.baseapi.memfiredb.com/functions/v1/hello", true, None)
    );
    assert_eq!(f.headers["Content-Type"], "application/json");
    assert_eq!(f.headers["apikey"], KEY);
    assert_eq!(f.headers["Authorization"], "Bearer anon-key");
    assert_eq!(f.headers["x-app"], "demo");
    assert_eq!(f.timeout, 30_000);
    let v = serde_json::to_value(f).unwrap();
    assert_eq!((v["read"].clone(), v["transport"].clone()), (json!("array_buffer"), json!({ "api": "request" })));

    let (_, outs) =
        invoke(&mut w, json!(["hello", { "headers": { "authorization": "Bearer user-set" }, "timeout": 1000 }]));
    let f = outs.only_fetch();
    assert_eq!(f.headers["authorization"], "Bearer user-set");
    assert!(!f.headers.contains_key("Authorization"));
    assert_eq!(f.timeout, 1000);

    // Bad input resolves at once, nothing is sent.
    let (_, outs) = invoke(&mut w, json!(["../auth/v1/admin"]));
    assert!(!outs.iter().any(|o| matches!(o, Output::Fetch(_))));
    assert_eq!(outs.first_done().1["error"]["name"], "FunctionsError");
}

#[test]
fn replies_through_the_client() {
    let mut w = World::new();
    let (_, outs) = invoke(&mut w, json!(["hello"]));
    let id = outs.only_fetch().id;
    let headers = r#"{"Content-Type":"application/json; charset=utf-8"}"#;
    // The shim asks before measuring the body: a JSON reply is parsed, others are not.
    assert!(w.c.wants_json(id, 200, headers));
    assert!(!w.c.wants_json(id, 200, r#"{"Content-Type":"text/plain"}"#));
    assert!(!w.c.wants_json(id, 500, headers));
    assert!(!w.c.wants_json(id + 1000, 200, headers), "not a request in flight");
    assert!(!w.c.wants_json(id, 200, "not json"));
    w.c.handle_data_response(id, 200, headers, r#"{"len":20,"json":true}"#, None, T0);
    let o = w.drain().first_done().1;
    assert_eq!(o["take"], "utf8_json");
    assert_eq!(o["error"], Value::Null);
    assert!(o["result"].get("json_error").is_none());
    assert_eq!(o["result"]["response"]["headers"]["content-type"], "application/json; charset=utf-8");
    assert!(!w.c.wants_json(id, 200, headers), "answered: no longer in flight");

    let (_, outs) = invoke(&mut w, json!(["hello"]));
    let id = outs.only_fetch().id;
    w.c.handle_transport_error(
        id,
        "request:fail errcode:-101 cronet_error_code:-101 error_msg:net::ERR_CONNECTION_RESET",
        T0,
    );
    let o = w.drain().first_done().1;
    assert_eq!(o["error"]["name"], "FunctionsFetchError");
    assert_eq!(o["error"]["message"], "Failed to send a request to the Edge Function");
    assert_eq!(
        o["error"]["context"]["errMsg"],
        "request:fail errcode:-101 cronet_error_code:-101 error_msg:net::ERR_CONNECTION_RESET"
    );
    assert_eq!(o["error"]["context"]["code"], "network_error");

    // Aborted (an AbortSignal fired): a FunctionsFetchError, as fetch's AbortError in functions-js.
    let (op, outs) = invoke(&mut w, json!(["hello"]));
    let id = outs.only_fetch().id;
    w.c.cancel(op);
    w.c.handle_data_response(id, 200, "{}", "{}", None, T0);
    let outs = w.drain();
    assert_eq!(outs.iter().filter(|o| matches!(o, Output::Done { .. })).count(), 1, "a late reply is ignored");
    let o = outs.first_done().1;
    assert_eq!(o["error"]["name"], "FunctionsFetchError");
    assert_eq!(o["error"]["context"]["code"], "aborted");

    // A bad project URL: every call fails clearly, nothing is sent.
    let mut bad = World::with(Client::new("not a url", KEY, "{}"));
    let (_, outs) = invoke(&mut bad, json!(["hello"]));
    assert!(!outs.iter().any(|o| matches!(o, Output::Fetch(_))));
    let o = outs.first_done().1;
    assert_eq!(o["error"]["name"], "FunctionsFetchError");
    assert_eq!(o["error"]["context"]["code"], "invalid_config");
}

// ---------------------------------------------------------------------------------------------
// Reply classification

/// The reply classified as the shim reports it: the JSON parse measured (here: successful)
/// exactly when the core asked for it.
fn finish(method: &str, status: u16, headers: Value, body: Option<&str>) -> Outcome {
    let (o, _) = finish_asked(method, status, headers, body);
    o
}

/// [`finish`] and whether the core asked for the parse (`wants_json`).
fn finish_asked(method: &str, status: u16, headers: Value, body: Option<&str>) -> (Outcome, bool) {
    let r = req(json!(["echo", { "method": method }]));
    let headers = headers.as_object().cloned().unwrap_or_default();
    let asked = r.reply.wants_json(&Response { status, headers: &headers, facts: Facts::default(), body: None });
    let facts = Facts { len: 2, json_ok: asked.then_some(true), array_len: None };
    (r.reply.finish(&Response { status, headers: &headers, facts, body }), asked)
}

#[test]
fn reply_table() {
    // (method, status, headers, non-2xx body) -> (error name, take, parse asked for?)
    let ct = |t: &str| json!({ "Content-Type": t });
    let cases = [
        ("POST", 200, ct("application/json"), None, None, Some("utf8_json"), true),
        ("POST", 200, ct("Application/JSON ; charset=utf-8"), None, None, Some("utf8_json"), true),
        (
            "POST",
            201,
            json!({ "content-type": ["application/json", "text/plain"] }),
            None,
            None,
            Some("utf8_json"),
            true,
        ),
        ("POST", 200, ct("application/octet-stream"), None, None, Some("body"), false),
        ("POST", 200, ct("application/pdf"), None, None, Some("body"), false),
        ("POST", 200, ct("text/plain; charset=utf-8"), None, None, Some("utf8"), false),
        ("POST", 200, ct("text/html"), None, None, Some("utf8"), false),
        ("POST", 200, ct("image/png"), None, None, Some("utf8"), false),
        ("POST", 200, ct("application/problem+json"), None, None, Some("utf8"), false),
        ("POST", 200, json!({}), None, None, Some("utf8"), false),
        ("POST", 204, ct("application/json"), None, None, Some("utf8"), false),
        ("HEAD", 200, ct("application/json"), None, None, Some("utf8"), false),
        ("POST", 400, ct("application/json"), Some(r#"{"error":"bad"}"#), Some("FunctionsHttpError"), None, false),
        (
            "POST",
            401,
            ct("application/json"),
            Some(r#"{"msg":"Invalid JWT"}"#),
            Some("FunctionsHttpError"),
            None,
            false,
        ),
        ("POST", 404, json!({}), Some(""), Some("FunctionsHttpError"), None, false),
        ("POST", 500, json!({}), Some("<html>"), Some("FunctionsHttpError"), None, false),
        ("POST", 302, json!({ "Location": "/x" }), Some(""), Some("FunctionsHttpError"), None, false),
        ("POST", 0, json!({}), Some(""), Some("FunctionsHttpError"), None, false),
        ("POST", 502, json!({ "X-Relay-Error": "true" }), Some("{}"), Some("FunctionsRelayError"), None, false),
        (
            "POST",
            200,
            json!({ "x-relay-error": "true", "content-type": "application/json" }),
            None,
            Some("FunctionsRelayError"),
            None,
            false,
        ),
        ("POST", 200, json!({ "x-relay-error": "false" }), None, None, Some("utf8"), false),
    ];
    for (method, status, headers, body, error, take, asks) in cases {
        let (o, asked) = finish_asked(method, status, headers.clone(), body);
        let name = o.error.as_ref().map(|e| e["name"].as_str().unwrap_or(""));
        assert_eq!((name, o.take), (error, take), "{method} {status} {headers}");
        assert_eq!(asked, asks, "{method} {status} {headers}");
        assert_eq!(o.result.get("data"), Some(&Value::Null));
        assert_eq!(o.result["response"]["status"], status);
    }
}

#[test]
fn an_http_error_describes_the_response() {
    let o = finish(
        "POST",
        418,
        json!({ "Content-Type": "application/json", "X-Trace": ["a", "b"] }),
        Some(r#"{"teapot":true}"#),
    );
    let e = o.error.unwrap();
    assert_eq!(e["message"], "Edge Function returned a non-2xx status code");
    assert_eq!(e["body"], json!({ "teapot": true }));
    let ctx = &e["context"];
    assert_eq!(ctx["url"], format!("{FN}/echo"));
    assert_eq!((ctx["status"].clone(), ctx["ok"].clone()), (json!(418), json!(false)));
    assert_eq!(ctx["headers"], json!({ "content-type": "application/json", "x-trace": "a, b" }));
    assert_eq!(ctx["body"], r#"{"teapot":true}"#);
    assert_eq!(ctx["data"], json!({ "teapot": true }));
    assert_eq!(&o.result["response"], ctx);

    let e = finish("POST", 503, json!({}), Some("Service Unavailable")).error.unwrap();
    assert_eq!(e["context"]["data"], "Service Unavailable");
    assert_eq!(e["body"], "Service Unavailable");

    let e = finish("GET", 502, json!({ "x-relay-error": "true" }), Some("")).error.unwrap();
    assert_eq!(e["message"], "Relay Error invoking the Edge Function");
}

#[test]
fn failures_carry_wx_err_msg() {
    let r = req(json!(["echo"]));
    let cases = [
        (
            "The network request failed; check the network and try again (request:fail x (y))",
            "network_error",
            "request:fail x (y)",
        ),
        (
            "The server did not answer in time; check the network and try again (request:fail timeout)",
            "network_error",
            "request:fail timeout",
        ),
        (
            "the session could not be refreshed (no token)",
            "session_refresh_failed",
            "the session could not be refreshed (no token)",
        ),
        ("", "network_error", ""),
    ];
    for (message, code, err_msg) in cases {
        let o = r.reply.failed(message, code);
        let e = o.error.unwrap();
        assert_eq!(e["name"], "FunctionsFetchError");
        assert_eq!(e["message"], "Failed to send a request to the Edge Function");
        assert_eq!(e["context"], json!({ "errMsg": err_msg, "code": code, "message": message }));
        assert_eq!(o.result.get("data"), Some(&Value::Null));
    }
}

// ---------------------------------------------------------------------------------------------
// No input panics

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(|f| json!(f)),
        any::<i64>().prop_map(|i| json!(i)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "hello",
            "../x",
            "%2e%2E",
            "https://a/b?c#d",
            "http://",
            "GET",
            "head",
            "json",
            "binary",
            "text",
            "none",
            "?",
            "#",
            "%",
            "%zz",
            "/",
            "\\",
            "any",
            "content-type",
            "x-relay-error",
            "true",
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec!["method", "headers", "body", "region", "timeout", "x", "Content-Type"]),
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

#[test]
fn no_input_makes_functions_panic() {
    let strategy = (
        prop::collection::vec(json_value(), 0..3),
        any::<u16>(),
        json_value(),
        prop::option::of(".{0,40}"),
        ".{0,40}",
        ".{0,30}",
    );
    TestRunner::new(common::fuzz_config())
        .run(&strategy, |(args, status, headers, body, facts, err_msg)| {
            // The module directly.
            if let Built::Send(r) = functions::build("invoke", &args, &ep()) {
                let h = headers.as_object().cloned().unwrap_or_default();
                r.reply.wants_json(&Response { status, headers: &h, facts: Facts::default(), body: None });
                let o = r.reply.finish(&Response {
                    status,
                    headers: &h,
                    facts: Facts::from_json(&facts),
                    body: body.as_deref(),
                });
                prop_assert!(o.error.is_some() || o.take.is_some());
                let o = r.reply.failed(&err_msg, "network_error");
                prop_assert!(o.error.is_some());
                prop_assert!(!r.url.contains(' ') && !r.url.contains('#'));
            }
            // And through the client, with the reply's parts as arbitrary text.
            let mut w = World::new();
            let (_, outs) = invoke(&mut w, Value::Array(args));
            for o in &outs {
                if let Output::Fetch(f) = o {
                    w.c.wants_json(f.id, status, &headers.to_string());
                    w.c.wants_json(f.id, status, &err_msg);
                    w.c.handle_data_response(f.id, status, &headers.to_string(), &facts, body.as_deref(), T0);
                    w.c.handle_data_response(f.id, status, &err_msg, &err_msg, None, T0);
                    w.c.handle_transport_error(f.id, &err_msg, T0);
                }
            }
            let rest = w.drain();
            let dones = outs.iter().chain(&rest).filter(|o| matches!(o, Output::Done { .. })).count();
            prop_assert_eq!(dones, 1, "every call ends in exactly one Done");
            for o in outs.iter().chain(&rest) {
                prop_assert!(serde_json::from_str::<Value>(&o.to_json()).is_ok());
            }
            Ok(())
        })
        .unwrap();
}

/// A JSON-typed 2xx reply: the shim parses it because the core asked (`wants_json`) and reports
/// the parse (`facts.json`); the core decides: `take: "utf8_json"`, or a `FunctionsError` with
/// the text (handed over because it did not parse) in `context`. A parse not reported is no JSON.
#[test]
fn json_replies_are_decided_by_the_core_from_the_reported_parse() {
    let r = req(json!(["echo", {}]));
    let headers = json!({ "content-type": "application/json" }).as_object().cloned().unwrap();
    let reply = |json_ok: Option<bool>, body: Option<&str>| {
        let facts = Facts { len: 4, json_ok, array_len: None };
        r.reply.finish(&Response { status: 200, headers: &headers, facts, body })
    };

    let ok = reply(Some(true), None);
    assert_eq!(ok.take, Some("utf8_json"));
    assert!(ok.error.is_none() && !ok.result.contains_key("json_error"), "{ok:?}");
    assert_eq!(ok.result["response"]["status"], 200);

    let bad = reply(Some(false), Some("nope"));
    assert_eq!(bad.take, None);
    let e = bad.error.expect("an error");
    assert_eq!(e["name"], "FunctionsError");
    assert_eq!(e["message"], "Edge Function returned a body that is not valid JSON (Content-Type: application/json)");
    assert_eq!(e["context"]["body"], "nope");
    assert_eq!(e["context"]["data"], "nope");
    assert_eq!(bad.result["data"], Value::Null);
    assert_eq!(bad.result["response"]["status"], 200);

    let unreported = reply(None, None);
    assert_eq!(unreported.take, None);
    assert_eq!(unreported.error.expect("an error")["name"], "FunctionsError");
    assert!(!unreported.result.contains_key("json_error"));
}
