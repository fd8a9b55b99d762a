//! Error replies that say nothing themselves (issue 13 item 6): a proxy's 431 or 414 with no body,
//! `{}`, `{"message":""}`, `""`. Every reader gives the error a message a developer can act on:
//! postgrest-js would resolve these with `message: ''`; here the status says it (a 404 with no
//! body stays postgrest-js' empty success). storage-js' own fallback is `HTTP <status> error`;
//! auth-js' a parse error's message.

mod common;

use serde_json::{json, Map, Value};

use supabase_wechat::auth::error::from_http;
use supabase_wechat::data::{rest, storage, Built, Endpoints, Facts, Outcome, Response};

fn ep() -> Endpoints {
    common::endpoints("https://p.test")
}

fn answer(built: Built, status: u16, body: &str) -> Outcome {
    let Built::Send(req) = built else { panic!("nothing sent") };
    let headers = Map::new();
    let facts = Facts { len: body.len(), json_ok: None, array_len: None };
    req.reply.finish(&Response { status, headers: &headers, facts, body: Some(body) })
}

fn message(o: &Outcome) -> String {
    let e = o.error.as_ref().unwrap_or_else(|| panic!("expected an error, got {o:?}"));
    e.get("message").and_then(Value::as_str).unwrap_or_else(|| panic!("no message in {e:?}")).to_owned()
}

fn select() -> Built {
    rest::build("request", &[json!({ "start": ["from", "todos"], "ops": [["select", "*", false, null]] })], &ep())
}

#[test]
fn rest_error_replies_without_a_message_say_the_status() {
    let cases = [
        (431, "", "HTTP 431 Request Header Fields Too Large: the request's URL or headers are too long"),
        (414, "  ", "HTTP 414 URI Too Long: the request's URL or headers are too long"),
        (413, "", "HTTP 413 Payload Too Large: the request body is too large"),
        (400, "{}", "HTTP 400 Bad Request"),
        (400, r#"{"message":""}"#, "HTTP 400 Bad Request"),
        (400, r#""""#, "HTTP 400 Bad Request"),
        (499, "", "HTTP 499"),
        // A message under another name stays on the error as that field.
        (403, r#"{"msg":"blocked by the WAF"}"#, "HTTP 403 Forbidden"),
    ];
    for (status, body, want) in cases {
        let o = answer(select(), status, body);
        let m = message(&o);
        assert!(m.starts_with(want), "{status} {body:?}: {m:?}");
        let e = o.error.as_ref().map(|e| Value::Object(e.clone())).unwrap_or(Value::Null);
        assert_eq!(e["name"], "PostgrestError");
        assert_eq!(o.result.get("status"), Some(&json!(status)));
    }
    // postgrest-js' workaround (supabase/postgrest-js#295): a bodiless 404 is an empty success.
    let o = answer(select(), 404, "");
    assert_eq!(o.error, None);
    assert_eq!(o.result.get("status"), Some(&json!(204)));
    // A message the server gave is kept as it is.
    assert_eq!(message(&answer(select(), 400, r#"{"message":"bad","code":"22P02"}"#)), "bad");
    assert_eq!(message(&answer(select(), 500, "upstream failed")), "upstream failed");
}

#[test]
fn storage_error_replies_without_a_message_say_the_status() {
    let list = || storage::build("list", &[json!("b")], &ep());
    for (status, body, want) in [
        (431, "", "HTTP 431 error"),
        (404, "", "HTTP 404 error"),
        (400, r#"{"message":""}"#, "HTTP 400 error"),
        (400, r#"{"statusCode":"404","message":" "}"#, "HTTP 400 error"),
        (400, r#""""#, "HTTP 400 error"),
        (400, r#"{"statusCode":"404","error":"not_found","message":"Object not found"}"#, "Object not found"),
    ] {
        assert_eq!(message(&answer(list(), status, body)), want, "{status} {body:?}");
    }
}

#[test]
fn auth_error_replies_without_a_message_say_the_status() {
    for (status, body, want) in [
        (404, "", "unexpected reply from the Auth server (HTTP 404, no body)"),
        (431, " \n", "unexpected reply from the Auth server (HTTP 431, no body)"),
        (400, r#""""#, "HTTP 400 from the Auth server"),
        (400, "{}", "{}"),
        (404, "<html>not found</html>", "unexpected reply from the Auth server (HTTP 404): <html>not found</html>"),
    ] {
        assert_eq!(from_http(status, body).message, want, "{status} {body:?}");
    }
}
