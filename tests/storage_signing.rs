//! `createSignedUrl` against a model of how storage-api signs and verifies (supabase/storage
//! 1.11.2, commit 4fa61fba): the single route `POST /object/sign/<bucket>/<name>` signs
//! `decodeURI` of the raw request path after `/object/sign/` (src/http/routes/object/getSignedURL.ts
//! passes `request.url.split('?').shift()`; src/storage/object.ts `signObjectUrl`), the batch
//! route signs `<bucket>/<path>` from the JSON body (`signObjectUrls`), and
//! `GET /object/sign/<bucket>/<name>?token=` checks the token's `url` against the route's
//! decoded parameters (src/http/routes/object/getSignedObject.ts, `verifyObjectSignature`).
//! For every name, the URL the SDK returns must open the object it was asked for.

mod common;

use common::{fuzz_cases as cases, fuzz_config};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{json, Map, Value};

use supabase_wechat::data::storage as storage_api;
use supabase_wechat::data::{Body, Built, DataRequest, Endpoints, Facts, Outcome, Response};

const S: &str = "https://p.test/storage/v1";

fn ep() -> Endpoints {
    common::endpoints("https://p.test")
}

fn build(args: Value) -> Built {
    let Value::Array(args) = args else { panic!("arguments are an array") };
    storage_api::build("createSignedUrl", &args, &ep())
}

/// JavaScript's `decodeURI`: escapes of `; / ? : @ & = + $ , #` stay as they are.
fn decode_uri(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) if !b";/?:@&=+$,#".contains(&v) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("decodeURI of valid UTF-8 escapes")
}

/// find-my-way's parameter decoding (`decodeURIComponent`).
fn decode_param(s: &str) -> String {
    percent_decode_str(s).decode_utf8().expect("UTF-8").into_owned()
}

fn body(r: &DataRequest) -> Value {
    match &r.body {
        Body::Text(t) => serde_json::from_str(t).expect("JSON body"),
        other => panic!("expected a JSON body, got {other:?}"),
    }
}

/// The token stands for the signed `url` claim (hex, so it needs no encoding).
fn token(url: &str) -> String {
    url.bytes().map(|b| format!("{b:02x}")).collect()
}

fn untoken(t: &str) -> String {
    let bytes: Vec<u8> = (0..t.len()).step_by(2).map(|i| u8::from_str_radix(&t[i..i + 2], 16).unwrap()).collect();
    String::from_utf8(bytes).unwrap()
}

/// What storage-api answers the request (HTTP 200 body), and the name it looked the object up
/// by. `objects` are the names that exist in the bucket.
fn server_signs(r: &DataRequest, objects: &[&str]) -> (String, String) {
    let raw = r.url.strip_prefix(S).expect("storage URL");
    let raw_path = raw.split('?').next().unwrap();
    let parts: Vec<&str> = raw_path.split('/').collect();
    assert_eq!(&parts[..3], &["", "object", "sign"], "{raw}");
    let bucket = decode_param(parts[3]);
    if parts.len() == 4 {
        // The batch route: the name is in the body.
        let b = body(r);
        let name = b["paths"][0].as_str().expect("one path").to_owned();
        assert_eq!(b["paths"].as_array().map(Vec::len), Some(1));
        let signed = format!("{bucket}/{name}");
        let reply = if objects.contains(&name.as_str()) {
            json!([{"error": null, "path": name, "signedURL": format!("/object/sign/{signed}?token={}", token(&signed))}])
        } else {
            json!([{"error": "Either the object does not exist or you do not have access to it", "path": name, "signedURL": null}])
        };
        return (reply.to_string(), name);
    }
    let name = decode_param(&parts[4..].join("/"));
    let signed = decode_uri(&parts[3..].join("/"));
    if !objects.contains(&name.as_str()) {
        return (
            r#"{"statusCode":"404","code":"NoSuchKey","error":"not_found","message":"Object not found"}"#.into(),
            name,
        );
    }
    (json!({"signedURL": format!("/object/sign/{signed}?token={}", token(&signed))}).to_string(), name)
}

fn finish(r: &DataRequest, status: u16, text: &str) -> Outcome {
    let headers = Map::new();
    r.reply.finish(&Response { status, headers: &headers, facts: Facts::default(), body: Some(text) })
}

/// `GET <signedUrl>`: the object it opens, or the error storage-api answers.
fn server_opens(signed_url: &str) -> Result<String, &'static str> {
    let rest = signed_url.strip_prefix(S).and_then(|r| r.strip_prefix("/object/sign/")).expect("a signed URL");
    let (path, query) = rest.split_once('?').expect("a query");
    let tok = query.split('&').find_map(|kv| kv.strip_prefix("token=")).expect("a token");
    let (bucket, name) = path.split_once('/').expect("bucket/name");
    let (bucket, name) = (decode_param(bucket), decode_param(name));
    if untoken(tok) != format!("{bucket}/{name}") {
        return Err("InvalidSignature");
    }
    Ok(name)
}

/// Signs `name` in bucket `bucket` (which holds it) and opens the URL.
fn sign_and_open(bucket: &str, name: &str) -> Result<String, String> {
    let r = match build(json!([bucket, name, 60])) {
        Built::Send(r) => r,
        Built::Done(o) => return Err(format!("decided at once: {o:?}")),
    };
    let (reply, looked_up) = server_signs(&r, &[name]);
    assert_eq!(looked_up, name, "the server looks up the object asked for ({})", r.url);
    let o = finish(&r, 200, &reply);
    assert_eq!(o.error, None, "{name}: {o:?}");
    let url = o.result["data"]["signedUrl"].as_str().expect("signedUrl").to_owned();
    server_opens(&url).map_err(|e| format!("{e}: {url} (asked {})", r.url))
}

/// The names of issue 16: allowed by storage-api's key rule (spaces, `+ ? & = ; , @ $ :`) and
/// refused by it (accepted by storage-api before 2021-03 and possibly by other deployments).
const NAMES: &[&str] = &[
    "a.png",
    "with space.png",
    "a+b.png",
    "what?.png",
    "q?x=1&y=2.png",
    "a&b.png",
    "k=v.png",
    "semi;colon.png",
    "com,ma.png",
    "at@sign.png",
    "dollar$.png",
    "co:lon.png",
    "dir/sub dir/+?&=;,@$:.png",
    "!*'()-_.png",
    "头像.png",
    "😀.png",
    "#1.png",
    "100%.png",
    "%2B.png",
    "til~de.png",
];

#[test]
fn every_name_is_signed_as_itself_and_its_url_opens_it() {
    for name in NAMES {
        assert_eq!(sign_and_open("avatars", name).as_deref(), Ok(*name), "{name}");
        assert_eq!(sign_and_open("my bucket+1", name).as_deref(), Ok(*name), "bucket with +, {name}");
    }
}

#[test]
fn names_decode_uri_keeps_go_by_the_batch_route_others_by_the_single_route() {
    let route = |name: &str| match build(json!(["b", name, 60])) {
        Built::Send(r) => (r.url.clone(), body(&r)),
        Built::Done(o) => panic!("{o:?}"),
    };
    assert_eq!(route("a b.png"), (format!("{S}/object/sign/b/a%20b.png"), json!({"expiresIn": 60})));
    assert_eq!(route("头.png"), (format!("{S}/object/sign/b/%E5%A4%B4.png"), json!({"expiresIn": 60})));
    for name in ["a+b.png", "a?b", "a;b", "a,b", "a:b", "a@b", "a&b", "a=b", "a$b", "a#b"] {
        assert_eq!(route(name), (format!("{S}/object/sign/b"), json!({"expiresIn": 60, "paths": [name]})), "{name}");
    }
}

#[test]
fn with_transform_reserved_characters_go_raw_and_question_marks_are_refused() {
    let args = |name: &str| json!(["b", name, 60, {"transform": {"width": 10}}]);
    match build(args("d/a+b;c,d:e@f&g=h$.png")) {
        Built::Send(r) => {
            assert_eq!(r.url, format!("{S}/object/sign/b/d/a+b;c,d:e@f&g=h$.png"));
            assert_eq!(body(&r), json!({"expiresIn": 60, "transform": {"width": 10}}));
            let raw = r.url.strip_prefix(S).unwrap();
            assert_eq!(decode_uri(raw.strip_prefix("/object/sign/").unwrap()), "b/d/a+b;c,d:e@f&g=h$.png");
        }
        Built::Done(o) => panic!("{o:?}"),
    }
    for name in ["a?.png", "#.png"] {
        let Built::Done(o) = build(args(name)) else { panic!("{name} sent") };
        let e = o.error.expect("an error");
        assert_eq!(e["name"], "StorageError");
        assert!(e["message"].as_str().unwrap().contains("? and # cannot appear"), "{e:?}");
    }
}

#[test]
fn a_missing_object_by_the_batch_route_is_the_single_routes_not_found() {
    for name in ["missing.png", "miss+ing.png"] {
        let Built::Send(r) = build(json!(["b", name, 60])) else { panic!() };
        let (reply, _) = server_signs(&r, &[]);
        let status = if r.url.ends_with("/b") { 200 } else { 400 };
        let o = finish(&r, status, &reply);
        let e = o.error.expect("an error");
        assert_eq!(
            (&e["name"], &e["message"], &e["status"], &e["statusCode"], &e["code"]),
            (&json!("StorageApiError"), &json!("Object not found"), &json!(400), &json!("404"), &json!("NoSuchKey")),
            "{name}"
        );
        assert_eq!(o.result["data"], Value::Null);
    }
}

#[test]
fn an_invalid_key_error_says_the_rule_and_what_to_do() {
    let Built::Send(r) =
        storage_api::build("upload", &[json!("b"), json!("头像.png"), json!({"kind": "buffer"})], &ep())
    else {
        panic!()
    };
    let server = r#"{"statusCode":"400","code":"InvalidKey","error":"InvalidKey","message":"Invalid key: 头像.png"}"#;
    let e = finish(&r, 400, server).error.expect("an error");
    let message = e["message"].as_str().unwrap();
    assert!(message.starts_with("Invalid key: 头像.png. Storage accepts object names made only of A-Z a-z 0-9"));
    assert!(message.contains("metadata"), "{message}");
    assert_eq!((&e["code"], &e["statusCode"], &e["status"]), (&json!("InvalidKey"), &json!("400"), &json!(400)));
    assert_eq!(e["body"]["message"], "Invalid key: 头像.png", "the body is the server's");
}

#[test]
fn fuzz_any_name_signed_opens_itself() {
    let chr = prop_oneof![
        4 => proptest::char::range(' ', '~'),
        3 => prop::sample::select(vec!['+', '?', '&', '=', ';', ',', '@', '$', ':', '#', '%', ' ']),
        1 => proptest::char::range('\u{4e00}', '\u{9fff}'),
    ];
    let names = prop::collection::vec(chr, 1..20).prop_map(String::from_iter);
    let mut runner = TestRunner::new(fuzz_config());
    let result = runner.run(&names, |name| {
        // As the SDK cleans it (no empty, `.` or `..` segments); others are refused unsent.
        let segs: Vec<&str> = name.split('/').filter(|s| !s.is_empty()).collect();
        if segs.is_empty() || segs.iter().any(|s| *s == "." || *s == "..") {
            return Ok(());
        }
        let clean = segs.join("/");
        prop_assert_eq!(sign_and_open("b", &clean), Ok(clean.clone()));
        Ok(())
    });
    eprintln!("fuzz-inputs storage_signing {}", cases());
    result.unwrap();
}
