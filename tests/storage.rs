//! Storage (src/data/storage): the request every method builds and what every reply resolves with,
//! as tables; the client end to end (headers, Fetch, Done); and no-panic properties over random
//! arguments and replies (`FUZZ_CASES`, as in tests/fuzz.rs).

mod common;

use common::World;
use common::{fuzz_cases as cases, fuzz_config};

use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{json, Map, Value};

use supabase_wechat::data::storage::{self as storage_api, paths};
use supabase_wechat::data::{Body, Built, DataRequest, Endpoints, Facts, Outcome, Read, Response, Transport};
use supabase_wechat::{Client, Output};

const S: &str = "https://p.test/storage/v1";

fn ep() -> Endpoints {
    common::endpoints("https://p.test")
}

fn build(method: &str, args: Value) -> Built {
    let args = match args {
        Value::Array(a) => a,
        other => vec![other],
    };
    storage_api::build(method, &args, &ep())
}

/// The request a call sends (the test fails if it is decided at once).
fn req(method: &str, args: Value) -> DataRequest {
    match build(method, args) {
        Built::Send(r) => r,
        Built::Done(o) => panic!("{method}: expected a request, got {o:?}"),
    }
}

/// The outcome of a call decided at once.
fn done(method: &str, args: Value) -> Outcome {
    match build(method, args) {
        Built::Done(o) => o,
        Built::Send(r) => panic!("{method}: expected no request, got {r:?}"),
    }
}

fn header<'a>(r: &'a DataRequest, name: &str) -> Option<&'a str> {
    r.headers.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn body(r: &DataRequest) -> Value {
    match &r.body {
        Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        other => panic!("expected a JSON body, got {other:?}"),
    }
}

/// The reply `status` with `text` (read by the core) -> outcome.
fn reply(r: &DataRequest, status: u16, text: &str) -> Outcome {
    let headers = Map::new();
    r.reply.finish(&Response { status, headers: &headers, facts: Facts::default(), body: Some(text) })
}

fn data(o: &Outcome) -> Value {
    assert_eq!(o.error, None, "unexpected error");
    o.result.get("data").cloned().unwrap_or(Value::Null)
}

fn err(o: &Outcome) -> Value {
    Value::Object(o.error.clone().unwrap_or_else(|| panic!("expected an error, got {o:?}")))
}

// ---------------------------------------------------------------------------------------------
// Paths

#[test]
fn paths_are_cleaned_encoded_per_segment_and_dot_segments_refused() {
    let ok = [
        ("a.png", "a.png", "a.png"),
        ("/a//b/", "a/b", "a/b"),
        ("folder/猫 #1.png", "folder/猫 #1.png", "folder/%E7%8C%AB%20%231.png"),
        ("100%.txt", "100%.txt", "100%25.txt"),
        ("q?x=1&y=2", "q?x=1&y=2", "q%3Fx%3D1%26y%3D2"),
        ("it's (1)!*~-_.txt", "it's (1)!*~-_.txt", "it's%20(1)!*~-_.txt"),
        ("a+b,c;d:e@f$g", "a+b,c;d:e@f$g", "a%2Bb%2Cc%3Bd%3Ae%40f%24g"),
        ("...", "...", "..."),
        ("a/.hidden/..x", "a/.hidden/..x", "a/.hidden/..x"),
        ("\\..\\", "\\..\\", "%5C..%5C"),
    ];
    for (given, clean, encoded) in ok {
        assert_eq!(paths::object_path(Some(&json!(given))).as_deref(), Ok(clean), "{given}");
        assert_eq!(paths::encode_path(clean), encoded, "{given}");
    }
    for bad in ["", "/", "///"] {
        assert_eq!(paths::object_path(Some(&json!(bad))), Err(format!("Invalid path \"{bad}\": it names no object")));
    }
    for bad in [".", "..", "a/..", "../b", "a/./b", "/./", "x/../../y"] {
        assert_eq!(
            paths::object_path(Some(&json!(bad))),
            Err(format!("Invalid path \"{bad}\": \".\" and \"..\" segments are not allowed"))
        );
    }
    for bad in [json!(null), json!(1), json!(["a"]), json!({"path": "a"})] {
        assert_eq!(paths::object_path(Some(&bad)), Err("Invalid path: expected a string".into()));
    }
    assert_eq!(paths::object_path(None), Err("Invalid path: expected a string".into()));
    assert_eq!(paths::bucket_id(Some(&json!("my bucket"))), Ok("my bucket".into()));
    for bad in ["", ".", "..", "a/b"] {
        assert_eq!(paths::bucket_id(Some(&json!(bad))), Err(format!("Invalid bucket id \"{bad}\"")));
    }
    assert_eq!(paths::bucket_id(Some(&json!(7))), Err("Invalid bucket id: expected a string".into()));
}

#[test]
fn content_types_are_guessed_from_extensions() {
    for (name, t) in [
        ("a.JPG", Some("image/jpeg")),
        ("dir.v2/x.jpeg", Some("image/jpeg")),
        ("wxfile://tmp_abc.png", Some("image/png")),
        ("voice.m4a", Some("audio/mp4")),
        ("report.docx", Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
        ("a.tar.gz", None),
        ("noext", None),
        ("dir.png/noext", None),
        (".", None),
        ("", None),
    ] {
        assert_eq!(paths::guess_content_type(name), t, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Buckets

#[test]
fn bucket_requests() {
    let r = req("listBuckets", json!([]));
    assert_eq!(
        (r.method, r.url.as_str(), &r.body, r.read),
        ("GET", "https://p.test/storage/v1/bucket", &Body::None, Read::Core)
    );
    assert_eq!(r.transport, Transport::Request);
    assert_eq!(r.timeout, None);
    assert!(header(&r, "X-Client-Info").is_some_and(|v| v.starts_with("supabase-wechat/")));
    let r = req(
        "listBuckets",
        json!([{"limit": 10, "offset": 0, "search": "a b", "sortColumn": "name", "sortOrder": "desc"}]),
    );
    assert_eq!(r.url, format!("{S}/bucket?limit=10&offset=0&search=a%20b&sortColumn=name&sortOrder=desc"));

    let r = req("getBucket", json!(["a b#"]));
    assert_eq!((r.method, r.url.as_str()), ("GET", "https://p.test/storage/v1/bucket/a%20b%23"));

    let r = req("createBucket", json!(["av"]));
    assert_eq!((r.method, r.url.as_str()), ("POST", "https://p.test/storage/v1/bucket"));
    assert_eq!(header(&r, "content-type"), Some("application/json"));
    assert_eq!(body(&r), json!({"id": "av", "name": "av", "public": false}));
    let r =
        req("createBucket", json!(["av", {"public": true, "fileSizeLimit": "20MB", "allowedMimeTypes": ["image/*"]}]));
    assert_eq!(
        body(&r),
        json!({"id": "av", "name": "av", "public": true, "file_size_limit": "20MB", "allowed_mime_types": ["image/*"]})
    );
    let r = req("createBucket", json!(["av", {"fileSizeLimit": null}]));
    assert_eq!(
        body(&r),
        json!({"id": "av", "name": "av", "file_size_limit": null}),
        "as storage-js: given options replace the default"
    );

    let r = req("updateBucket", json!(["av", {"public": false, "allowedMimeTypes": null}]));
    assert_eq!((r.method, r.url.as_str()), ("PUT", "https://p.test/storage/v1/bucket/av"));
    assert_eq!(body(&r), json!({"id": "av", "name": "av", "public": false, "allowed_mime_types": null}));

    let r = req("emptyBucket", json!(["av"]));
    assert_eq!((r.method, r.url.as_str(), body(&r)), ("POST", "https://p.test/storage/v1/bucket/av/empty", json!({})));
    let r = req("deleteBucket", json!(["av"]));
    assert_eq!((r.method, r.url.as_str(), body(&r)), ("DELETE", "https://p.test/storage/v1/bucket/av", json!({})));

    for m in ["getBucket", "createBucket", "updateBucket", "emptyBucket", "deleteBucket"] {
        let o = done(m, json!([".."]));
        assert_eq!(err(&o)["name"], "StorageError");
        assert_eq!(err(&o)["message"], "Invalid bucket id \"..\"");
        assert_eq!(err(&o)["body"], json!({"message": "Invalid bucket id \"..\""}));
        assert_eq!(o.result.get("data"), Some(&Value::Null));
    }
}

#[test]
fn bucket_replies_are_the_json_as_it_is() {
    let r = req("listBuckets", json!([]));
    let list = json!([{"id": "a", "name": "a", "public": false}]);
    assert_eq!(data(&reply(&r, 200, &list.to_string())), list);
    let r = req("createBucket", json!(["a"]));
    assert_eq!(data(&reply(&r, 200, r#"{"name":"a"}"#)), json!({"name": "a"}));
    let r = req("deleteBucket", json!(["a"]));
    assert_eq!(
        data(&reply(&r, 200, r#"{"message":"Successfully deleted"}"#)),
        json!({"message": "Successfully deleted"})
    );
}

// ---------------------------------------------------------------------------------------------
// Uploads

#[test]
fn a_temp_file_is_uploaded_by_wx_upload_file_with_storage_js_form_fields() {
    let r = req("upload", json!(["b", "/photos//猫.JPG", {"kind": "file", "path": "wxfile://tmp_1.jpg"}]));
    assert_eq!((r.method, r.url.as_str()), ("POST", "https://p.test/storage/v1/object/b/photos/%E7%8C%AB.JPG"));
    assert_eq!(r.body, Body::Payload);
    assert_eq!(r.read, Read::Core);
    assert_eq!(
        r.transport,
        Transport::Upload {
            name: "file".into(),
            form: vec![("cacheControl".into(), "3600".into()), ("contentType".into(), "image/jpeg".into())]
        }
    );
    assert_eq!(header(&r, "x-upsert"), Some("false"));
    assert_eq!(header(&r, "cache-control"), None, "cacheControl is a form field, not a header");
    assert_eq!(header(&r, "content-type"), None, "WeChat writes the multipart Content-Type");

    let opts =
        json!({"upsert": true, "cacheControl": 60, "contentType": "image/webp", "metadata": {"a": 1}, "timeout": 5000});
    let r = req("upload", json!(["b", "x", {"kind": "file", "path": "wxfile://tmp_1"}, opts]));
    assert_eq!(header(&r, "x-upsert"), Some("true"));
    assert_eq!(r.timeout, Some(5000));
    assert_eq!(
        r.transport,
        Transport::Upload {
            name: "file".into(),
            form: vec![
                ("cacheControl".into(), "60".into()),
                ("contentType".into(), "image/webp".into()),
                ("metadata".into(), r#"{"a":1}"#.into())
            ]
        }
    );
    let r = req("upload", json!(["b", "x", {"kind": "file", "path": "wxfile://tmp_1"}]));
    assert_eq!(
        r.transport,
        Transport::Upload { name: "file".into(), form: vec![("cacheControl".into(), "3600".into())] }
    );

    let o = reply(&r, 200, r#"{"Key":"b/x","Id":"0b1c"}"#);
    assert_eq!(data(&o), json!({"path": "x", "id": "0b1c", "fullPath": "b/x"}));
}

#[test]
fn an_array_buffer_is_the_raw_body_with_content_type_and_cache_control_headers() {
    let file = json!({"kind": "buffer", "bytes": 3});
    let r = req("upload", json!(["b", "a b/c.PDF", file]));
    assert_eq!((r.method, r.url.as_str()), ("POST", "https://p.test/storage/v1/object/b/a%20b/c.PDF"));
    assert_eq!((r.transport.clone(), &r.body), (Transport::Request, &Body::Payload));
    assert_eq!(header(&r, "content-type"), Some("application/pdf"));
    assert_eq!(header(&r, "cache-control"), Some("max-age=3600"));
    assert_eq!(header(&r, "x-upsert"), Some("false"));
    let r = req("upload", json!(["b", "c", file]));
    assert_eq!(header(&r, "content-type"), Some("application/octet-stream"));
    let r = req("upload", json!(["b", "c", {"kind": "buffer", "bytes": 3, "name": "wxfile://tmp_9.mp4"}]));
    assert_eq!(header(&r, "content-type"), Some("video/mp4"), "from the temp file it was read from");
    let opts = json!({"contentType": "text/csv", "cacheControl": "10", "metadata": {"k": "v"}, "headers": {"X-Upsert": "true", "x-extra": 1}});
    let r = req("upload", json!(["b", "c", file, opts]));
    assert_eq!(header(&r, "content-type"), Some("text/csv"));
    assert_eq!(header(&r, "cache-control"), Some("max-age=10"));
    assert_eq!(header(&r, "x-metadata"), Some("eyJrIjoidiJ9"), "base64 of {{\"k\":\"v\"}}");
    assert_eq!(header(&r, "x-upsert"), Some("true"), "fileOptions.headers win");
    assert_eq!(header(&r, "x-extra"), Some("1"));
    assert_eq!(r.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("x-upsert")).count(), 1);
}

#[test]
fn update_and_upload_to_signed_url_are_puts_of_bytes() {
    let file = json!({"kind": "buffer", "bytes": 1});
    let r = req("update", json!(["b", "x.png", file]));
    assert_eq!((r.method, r.url.as_str()), ("PUT", "https://p.test/storage/v1/object/b/x.png"));
    assert_eq!(header(&r, "x-upsert"), None, "storage-js sends no x-upsert with PUT");
    assert_eq!(
        data(&reply(&r, 200, r#"{"Key":"b/x.png","Id":"i"}"#)),
        json!({"path": "x.png", "id": "i", "fullPath": "b/x.png"})
    );
    let o = done("update", json!(["b", "x", {"kind": "file", "path": "wxfile://t"}]));
    assert_eq!(
        err(&o)["message"],
        "Invalid file: a PUT upload needs the file's bytes (got the temp file \"wxfile://t\")"
    );

    let r = req("uploadToSignedUrl", json!(["b", "d/x #.png", "tok.en-_", file, {"upsert": true}]));
    assert_eq!(
        (r.method, r.url.as_str()),
        ("PUT", "https://p.test/storage/v1/object/upload/sign/b/d/x%20%23.png?token=tok.en-_")
    );
    assert_eq!(header(&r, "x-upsert"), Some("true"));
    assert_eq!(
        data(&reply(&r, 200, r#"{"Key":"b/d/x #.png"}"#)),
        json!({"path": "d/x #.png", "fullPath": "b/d/x #.png"})
    );
    for token in [json!(null), json!(""), json!(5)] {
        let o = done("uploadToSignedUrl", json!(["b", "x", token, file]));
        assert_eq!(err(&o)["message"], "Invalid token: expected the token of createSignedUploadUrl");
    }
}

#[test]
fn bad_files_are_refused_without_a_request() {
    for (file, message) in [
        (json!({"kind": "invalid", "type": "number"}), "got number)"),
        (json!(null), "got nothing)"),
        (json!({"kind": "file", "path": ""}), "Invalid file: the temp file path is empty"),
        (
            json!({"kind": "unreadable", "path": "wxfile://x", "reason": "no such file"}),
            "Could not read the file \"wxfile://x\" (no such file)",
        ),
    ] {
        let o = done("upload", json!(["b", "x", file]));
        let e = err(&o);
        assert_eq!(e["name"], "StorageError");
        assert!(e["message"].as_str().is_some_and(|m| m.ends_with(message)), "{e}");
    }
}

#[test]
fn signed_upload_urls() {
    let r = req("createSignedUploadUrl", json!(["b", "/a b.png"]));
    assert_eq!(
        (r.method, r.url.as_str(), body(&r)),
        ("POST", "https://p.test/storage/v1/object/upload/sign/b/a%20b.png", json!({}))
    );
    assert_eq!(header(&r, "x-upsert"), None);
    assert_eq!(header(&req("createSignedUploadUrl", json!(["b", "x", {"upsert": true}])), "x-upsert"), Some("true"));
    let o = reply(&r, 200, r#"{"url":"/object/upload/sign/b/a b.png?token=T.k-1","token":"T.k-1"}"#);
    assert_eq!(
        data(&o),
        json!({"signedUrl": format!("{S}/object/upload/sign/b/a%20b.png?token=T.k-1"), "path": "a b.png", "token": "T.k-1"})
    );
    // A name with `?` and `&` in the server's (unencoded) URL: the token is the last parameter.
    let o = reply(&r, 200, r#"{"url":"/object/upload/sign/b/q?x=1&token=no?token=T%2E1"}"#);
    assert_eq!(data(&o)["token"], "T.1");
    let o = reply(&r, 200, r#"{"url":"/object/upload/sign/b/a b.png"}"#);
    assert_eq!(err(&o)["name"], "StorageError");
    assert_eq!(err(&o)["message"], "No token returned by API");
}

// ---------------------------------------------------------------------------------------------
// Downloads, info, exists

#[test]
fn downloads_keep_the_bytes_in_the_shim() {
    let r = req("download", json!(["b", "dir/a #1.bin"]));
    assert_eq!((r.method, r.url.as_str()), ("GET", "https://p.test/storage/v1/object/b/dir/a%20%231.bin"));
    assert_eq!((r.transport.clone(), r.read, &r.body), (Transport::Request, Read::ArrayBuffer, &Body::None));
    let headers = Map::new();
    let ok = r.reply.finish(&Response {
        status: 200,
        headers: &headers,
        facts: Facts { len: 5, ..Facts::default() },
        body: None,
    });
    assert_eq!((ok.take, ok.error), (Some("body"), None));

    let r = req("download", json!(["b", "a.bin", {"toTempFile": true, "timeout": 1000}]));
    assert_eq!((r.transport.clone(), r.read, r.timeout), (Transport::Download, Read::None, Some(1000)));
    let ok = r.reply.finish(&Response { status: 200, headers: &headers, facts: Facts::default(), body: None });
    assert_eq!(ok.take, Some("file"));

    let r = req(
        "download",
        json!(["b", "a.png", {"transform": {"width": 100, "height": 0, "resize": "contain", "quality": 80}, "cacheNonce": 3}]),
    );
    assert_eq!(
        r.url,
        format!("{S}/render/image/authenticated/b/a.png?width=100&resize=contain&quality=80&cacheNonce=3")
    );
    let r = req("download", json!(["b", "a.png", {"transform": {}}]));
    assert_eq!(r.url, format!("{S}/object/b/a.png"), "an empty transform is no transform");

    let o = reply(&r, 400, r#"{"statusCode":"404","error":"not_found","message":"Object not found"}"#);
    assert_eq!(o.take, None);
    assert_eq!(
        err(&o),
        json!({"name": "StorageApiError", "message": "Object not found", "status": 400, "statusCode": "404",
               "body": {"statusCode": "404", "error": "not_found", "message": "Object not found"}})
    );
}

#[test]
fn info_is_camel_cased_and_exists_is_a_boolean() {
    let r = req("info", json!(["b", "a.txt"]));
    assert_eq!(
        (r.method, r.url.as_str(), r.read),
        ("GET", "https://p.test/storage/v1/object/info/b/a.txt", Read::Core)
    );
    let body = json!({"id": "i", "bucket_id": "b", "content_type": "text/plain", "last_modified": "t",
                      "metadata": {"user_key": [{"nested-key": 1}]}, "a__b": 1, "x_1": 2});
    assert_eq!(
        data(&reply(&r, 200, &body.to_string())),
        json!({"id": "i", "bucketId": "b", "contentType": "text/plain", "lastModified": "t",
               "metadata": {"userKey": [{"nestedKey": 1}]}, "a_B": 1, "x_1": 2})
    );

    let r = req("exists", json!(["b", "a.txt"]));
    assert_eq!(r.url, format!("{S}/object/info/b/a.txt"));
    assert_eq!(data(&reply(&r, 200, r#"{"id":"i"}"#)), json!(true));
    let missing = reply(&r, 400, r#"{"statusCode":"404","error":"not_found","message":"Object not found"}"#);
    assert_eq!(missing.result.get("data"), Some(&json!(false)));
    assert_eq!(err(&missing)["statusCode"], "404");
    assert_eq!(reply(&r, 200, "{trunc").result.get("data"), Some(&json!(false)));
    assert_eq!(r.reply.failed("offline", "network_error").result.get("data"), Some(&json!(false)));
    assert_eq!(done("exists", json!(["b", ".."])).result.get("data"), Some(&json!(false)));
}

// ---------------------------------------------------------------------------------------------
// Signed URLs

#[test]
fn signed_urls_are_rebuilt_from_the_signed_path_and_the_token() {
    let r = req("createSignedUrl", json!(["b", "/q x/~ %.txt", 60]));
    assert_eq!((r.method, r.url.as_str()), ("POST", "https://p.test/storage/v1/object/sign/b/q%20x/~%20%25.txt"));
    assert_eq!(body(&r), json!({"expiresIn": 60}));
    // storage-api answers with the name unencoded.
    let o = reply(&r, 200, r#"{"signedURL":"/object/sign/b/q x/~ %.txt?token=eyJ.a-b_c"}"#);
    assert_eq!(data(&o), json!({"signedUrl": format!("{S}/object/sign/b/q%20x/~%20%25.txt?token=eyJ.a-b_c")}));
    // A name with `?`, `&`, `=` or `#` is signed by the batch route (tests/storage_signing.rs).
    let r = req("createSignedUrl", json!(["b", "/q?x=1&y=#2 %.txt", 60]));
    assert_eq!((r.method, r.url.as_str()), ("POST", "https://p.test/storage/v1/object/sign/b"));
    assert_eq!(body(&r), json!({"expiresIn": 60, "paths": ["q?x=1&y=#2 %.txt"]}));
    let o = reply(
        &r,
        200,
        r#"[{"error":null,"path":"q?x=1&y=#2 %.txt","signedURL":"/object/sign/b/q?x=1&y=#2 %.txt?token=eyJ.a-b_c"}]"#,
    );
    assert_eq!(
        data(&o),
        json!({"signedUrl": format!("{S}/object/sign/b/q%3Fx%3D1%26y%3D%232%20%25.txt?token=eyJ.a-b_c")})
    );

    let r = req("createSignedUrl", json!(["b", "a.png", 60, {"download": "报告 1.png", "transform": {"width": 10}}]));
    assert_eq!(body(&r), json!({"expiresIn": 60, "transform": {"width": 10}}));
    let o = reply(&r, 200, r#"{"signedURL":"/render/image/sign/b/a.png?token=T"}"#);
    assert_eq!(
        data(&o)["signedUrl"],
        format!("{S}/render/image/sign/b/a.png?token=T&download=%E6%8A%A5%E5%91%8A%201.png")
    );
    let r = req("createSignedUrl", json!(["b", "a.png", 60, {"download": true}]));
    assert_eq!(
        data(&reply(&r, 200, r#"{"signedURL":"/object/sign/b/a.png?token=T"}"#))["signedUrl"],
        format!("{S}/object/sign/b/a.png?token=T&download=")
    );
    // A reply of another shape is encodeURI'd, as storage-js does.
    let o = reply(&r, 200, r#"{"signedURL":"/elsewhere/a b?x=1"}"#);
    assert_eq!(data(&o)["signedUrl"], format!("{S}/elsewhere/a%20b?x=1&download="));
    let o = reply(&r, 200, r#"{"signedUrl":"/object/sign/b/a.png?token=T"}"#);
    assert_eq!(err(&o)["name"], "StorageUnknownError");
    assert_eq!(err(&o)["message"], "The storage server's reply has no signedURL");
    let r = req("createSignedUrl", json!(["b", "a.png"]));
    assert_eq!(body(&r), json!({"expiresIn": null}), "the server checks expiresIn");
}

#[test]
fn signed_url_lists() {
    let r = req("createSignedUrls", json!(["b", ["/a b.png", "c#.png"], 60, {"download": "x"}]));
    assert_eq!((r.method, r.url.as_str()), ("POST", "https://p.test/storage/v1/object/sign/b"));
    assert_eq!(body(&r), json!({"expiresIn": 60, "paths": ["a b.png", "c#.png"]}));
    let reply_body = json!([
        {"error": null, "path": "a b.png", "signedURL": "/object/sign/b/a b.png?token=T1"},
        {"error": "Either the object does not exist or you do not have access to it", "path": "c#.png", "signedURL": null},
        "odd"
    ]);
    assert_eq!(
        data(&reply(&r, 200, &reply_body.to_string())),
        json!([
            {"error": null, "path": "a b.png", "signedURL": "/object/sign/b/a b.png?token=T1",
             "signedUrl": format!("{S}/object/sign/b/a%20b.png?token=T1&download=x")},
            {"error": "Either the object does not exist or you do not have access to it", "path": "c#.png", "signedURL": null, "signedUrl": null},
            "odd"
        ])
    );
    assert_eq!(err(&reply(&r, 200, "{}"))["name"], "StorageUnknownError");
    for bad in [json!("a.png"), json!(["a", ".."]), json!([1])] {
        assert_eq!(err(&done("createSignedUrls", json!(["b", bad, 60])))["name"], "StorageError");
    }
}

// ---------------------------------------------------------------------------------------------
// list, remove, move, copy

#[test]
fn object_management_bodies_are_storage_js_bodies() {
    let r = req("list", json!(["b"]));
    assert_eq!((r.method, r.url.as_str()), ("POST", "https://p.test/storage/v1/object/list/b"));
    assert_eq!(
        body(&r),
        json!({"limit": 100, "offset": 0, "sortBy": {"column": "name", "order": "asc"}, "prefix": ""})
    );
    let r = req(
        "list",
        json!(["b", "dir/x", {"limit": 5, "search": "cat", "sortBy": {"order": "desc"}, "prefix": "ignored"}]),
    );
    assert_eq!(
        body(&r),
        json!({"limit": 5, "offset": 0, "search": "cat", "sortBy": {"column": "name", "order": "desc"}, "prefix": "dir/x"})
    );
    let listed = json!([{"name": "a", "id": null}]);
    assert_eq!(data(&reply(&r, 200, &listed.to_string())), listed);

    let r = req("remove", json!(["b", ["/a.png", "d/e f.png"]]));
    assert_eq!((r.method, r.url.as_str()), ("DELETE", "https://p.test/storage/v1/object/b"));
    assert_eq!(body(&r), json!({"prefixes": ["a.png", "d/e f.png"]}));
    // listV2: storage-js 2.119 posts its options as they are (supabase/storage listObjectsV2.ts).
    let r = req(
        "listV2",
        json!(["b", {"prefix": "dir/", "limit": 2, "cursor": "bDph", "with_delimiter": true, "sortBy": {"column": "name", "order": "desc"}}]),
    );
    assert_eq!((r.method, r.url.as_str()), ("POST", "https://p.test/storage/v1/object/list-v2/b"));
    assert_eq!(
        body(&r),
        json!({"prefix": "dir/", "limit": 2, "cursor": "bDph", "with_delimiter": true, "sortBy": {"column": "name", "order": "desc"}})
    );
    let page = json!({"hasNext": false, "folders": [{"id": null, "name": "dir/a/"}], "objects": []});
    assert_eq!(data(&reply(&r, 200, &page.to_string())), page);
    assert_eq!(body(&req("listV2", json!(["b"]))), json!({}));
    assert_eq!(body(&req("listV2", json!(["b", null]))), json!({}));
    assert_eq!(err(&done("listV2", json!(["a/b", {}])))["message"], "Invalid bucket id \"a/b\"");

    // One path as a string (the SDK we replace took it; issue 14).
    let r = req("remove", json!(["b", "/one/path.png"]));
    assert_eq!(body(&r), json!({"prefixes": ["one/path.png"]}));
    assert_eq!(err(&done("remove", json!(["b", 5])))["message"], "Invalid paths: expected an array of paths");
    assert!(err(&done("remove", json!(["b", "a/../b"])))["message"].as_str().unwrap().contains("\"..\""));

    let r = req("move", json!(["b", "/a", "c/d", {"destinationBucket": "other"}]));
    assert_eq!((r.method, r.url.as_str()), ("POST", "https://p.test/storage/v1/object/move"));
    assert_eq!(
        body(&r),
        json!({"bucketId": "b", "sourceKey": "a", "destinationKey": "c/d", "destinationBucket": "other"})
    );
    assert_eq!(data(&reply(&r, 200, r#"{"message":"Successfully moved"}"#)), json!({"message": "Successfully moved"}));
    let r = req("copy", json!(["b", "a", "c", {"destinationBucket": null}]));
    assert_eq!(r.url, format!("{S}/object/copy"));
    assert_eq!(body(&r), json!({"bucketId": "b", "sourceKey": "a", "destinationKey": "c"}));
    assert_eq!(data(&reply(&r, 200, r#"{"Key":"b/c","Id":"x"}"#)), json!({"path": "b/c"}));
    assert_eq!(
        err(&done("move", json!(["b", "a", "c", {"destinationBucket": "x/y"}])))["message"],
        "Invalid bucket id \"x/y\""
    );
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn error_replies_follow_storage_js_handle_error() {
    let r = req("list", json!(["b"]));
    let cases = [
        (
            400,
            r#"{"statusCode":"403","error":"Unauthorized","message":"new row violates row-level security policy"}"#,
            json!({"message": "new row violates row-level security policy", "status": 400, "statusCode": "403"}),
        ),
        (
            404,
            r#"{"statusCode":"404","code":"NoSuchKey","error":"not_found","message":"Object not found"}"#,
            json!({"message": "Object not found", "status": 404, "statusCode": "404", "code": "NoSuchKey"}),
        ),
        (
            401,
            r#"{"message":"Invalid API key"}"#,
            json!({"message": "Invalid API key", "status": 401, "statusCode": "401"}),
        ),
        (
            400,
            r#"{"code":"InvalidBucketName","msg":"m"}"#,
            json!({"message": "m", "status": 400, "statusCode": "InvalidBucketName", "code": "InvalidBucketName"}),
        ),
        (
            400,
            r#"{"error_description":"d","statusCode":413}"#,
            json!({"message": "d", "status": 400, "statusCode": "413"}),
        ),
        (400, r#"{"error":{"message":"nested"}}"#, json!({"message": "nested", "status": 400, "statusCode": "400"})),
        (400, r#"{"other":1}"#, json!({"message": "{\"other\":1}", "status": 400, "statusCode": "400"})),
        (500, r#""plain""#, json!({"message": "plain", "status": 500, "statusCode": "500"})),
        (503, "<html>nginx</html>", json!({"message": "HTTP 503 error", "status": 503, "statusCode": "503"})),
        (502, "", json!({"message": "HTTP 502 error", "status": 502, "statusCode": "502"})),
    ];
    for (status, text, want) in cases {
        let o = reply(&r, status, text);
        let mut e = err(&o);
        assert_eq!(e["name"], "StorageApiError", "{text}");
        let body = e.as_object_mut().and_then(|m| m.remove("body")).unwrap_or(Value::Null);
        assert!(body["message"].is_string(), "error.data.message for {text}");
        if let Some(m) = e.as_object_mut() {
            m.remove("name");
        }
        assert_eq!(e, want, "{text}");
        assert_eq!(o.result.get("data"), Some(&Value::Null));
    }
    assert_eq!(
        err(&reply(&r, 503, "<html>")).get("body"),
        Some(&json!({"statusCode": "503", "error": "HTTP error", "message": "HTTP 503 error"}))
    );
    let malformed = reply(&r, 200, r#"{"message":"ok","data":[{"id":1,"name":"trunc"#);
    assert_eq!(err(&malformed)["name"], "StorageUnknownError");
    assert_eq!(err(&malformed)["message"], "The storage server's reply is not valid JSON");
    let failed = r.reply.failed("The network request failed (request:fail)", "network_error");
    assert_eq!(
        err(&failed),
        json!({"name": "StorageUnknownError", "message": "The network request failed (request:fail)",
               "originalError": {"error": "network_error", "message": "The network request failed (request:fail)"},
               "body": {"error": "network_error", "message": "The network request failed (request:fail)"}})
    );
    let o = done("nope", json!([]));
    assert_eq!(err(&o)["message"], "supabase-wechat: unknown method storage.nope");
}

// ---------------------------------------------------------------------------------------------
// Through the client

#[test]
fn through_the_client_storage_requests_carry_apikey_and_bearer_and_resolve_once() {
    let mut w = World::with(Client::new("https://p.test/", "anon-key", r#"{"global":{"headers":{"x-app":"1"}}}"#));
    let op = w.c.data(
        "storage",
        "upload",
        &json!(["b", "x y.png", {"kind": "file", "path": "wxfile://t.png"}]).to_string(),
        0.0,
    );
    let outs = w.drain();
    let Some(Output::Fetch(f)) = outs.first() else { panic!("{outs:?}") };
    assert_eq!(f.op, op);
    assert_eq!(f.url, "https://p.test/storage/v1/object/b/x%20y.png");
    assert!(f.payload);
    assert_eq!(f.timeout, 120_000, "wx.uploadFile gets at least two minutes");
    assert_eq!(f.headers.get("apikey"), Some(&json!("anon-key")));
    assert_eq!(f.headers.get("Authorization"), Some(&json!("Bearer anon-key")));
    assert_eq!(f.headers.get("x-app"), Some(&json!("1")));
    assert_eq!(f.headers.get("x-upsert"), Some(&json!("false")));
    let json_out: Value = serde_json::from_str(&outs[0].to_json()).unwrap_or(Value::Null);
    assert_eq!(
        json_out["transport"],
        json!({"api": "upload", "name": "file", "form": [["cacheControl", "3600"], ["contentType", "image/png"]]})
    );
    w.c.handle_data_response(f.id, 200, "{}", r#"{"len":20}"#, Some(r#"{"Key":"b/x y.png","Id":"i"}"#), 1.0);
    let outs = w.drain();
    let [Output::Done { op: done_op, data, .. }] = outs.as_slice() else { panic!("{outs:?}") };
    assert_eq!(*done_op, op);
    let outcome: Value = serde_json::from_str(data.text()).unwrap_or(Value::Null);
    assert_eq!(
        outcome,
        json!({"result": {"data": {"path": "x y.png", "id": "i", "fullPath": "b/x y.png"}}, "take": null, "error": null})
    );

    // A bad path resolves at once, with nothing sent.
    w.c.data("storage", "download", r#"["b", "../x"]"#, 2.0);
    let outs = w.drain();
    assert!(matches!(outs.as_slice(), [Output::Done { .. }]), "{outs:?}");

    // A transport failure resolves too.
    w.c.data("storage", "list", r#"["b"]"#, 3.0);
    let outs = w.drain();
    let Some(Output::Fetch(f)) = outs.first() else { panic!("{outs:?}") };
    assert_eq!(f.timeout, 10_000);
    w.c.handle_transport_error(f.id, "request:fail timeout", 4.0);
    let outs = w.drain();
    let [Output::Done { data, .. }] = outs.as_slice() else { panic!("{outs:?}") };
    let outcome: Value = serde_json::from_str(data.text()).unwrap_or(Value::Null);
    assert_eq!(outcome["error"]["name"], "StorageUnknownError");
    assert!(outcome["error"]["message"].as_str().is_some_and(|m| m.contains("request:fail timeout")));
}

// ---------------------------------------------------------------------------------------------
// Properties

fn run<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(fuzz_config());
    let result = runner.run(&strategy, test);
    eprintln!("fuzz-inputs {name} {}", cases());
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

fn chr() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        3 => prop::sample::select(vec!['/', '.', '%', '#', '?', '&', '=', '+', ' ', '\\', '"', '\0', '\n', '\u{ffff}']),
        2 => proptest::char::range('\u{4e00}', '\u{9fff}'),
        1 => any::<char>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(chr(), 0..16).prop_map(String::from_iter)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        4 => text().prop_map(Value::from),
        1 => prop::sample::select(vec!["file", "buffer", "unreadable", "invalid"]).prop_map(|k| json!({"kind": k, "path": "wxfile://t", "type": "x"})),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "kind",
        "path",
        "upsert",
        "cacheControl",
        "contentType",
        "metadata",
        "headers",
        "timeout",
        "toTempFile",
        "transform",
        "width",
        "download",
        "cacheNonce",
        "sortBy",
        "limit",
        "search",
        "destinationBucket",
        "public",
        "fileSizeLimit",
        "x",
    ]);
    leaf().prop_recursive(3, 16, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

const METHODS: [&str; 22] = [
    "listBuckets",
    "getBucket",
    "createBucket",
    "updateBucket",
    "emptyBucket",
    "deleteBucket",
    "upload",
    "update",
    "uploadToSignedUrl",
    "createSignedUploadUrl",
    "download",
    "info",
    "exists",
    "createSignedUrl",
    "createSignedUrls",
    "list",
    "remove",
    "move",
    "copy",
    "nope",
    "",
    "getPublicUrl",
];

fn reply_text() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        value().prop_map(|v| v.to_string()),
        (text(), text()).prop_map(|(a, b)| json!({"signedURL": format!("/object/sign/{a}?token={b}"), "url": format!("/x?{a}&token={b}"), "Key": a, "Id": b}).to_string()),
        (text(), text()).prop_map(|(a, b)| json!([{"path": a, "signedURL": b, "error": null}, null, 1]).to_string()),
    ]
}

#[test]
fn fuzz_no_panic_on_any_arguments_or_reply_and_urls_stay_encoded() {
    let strategy =
        (prop::sample::select(METHODS.to_vec()), prop::collection::vec(value(), 0..6), any::<u16>(), reply_text());
    run("storage_build_finish", strategy, |(method, args, status, text)| {
        match storage_api::build(method, &args, &ep()) {
            Built::Done(o) => {
                prop_assert!(o.error.is_some(), "a call decided at once is an error: {o:?}");
                let _ = o.to_json();
            }
            Built::Send(r) => {
                let tail = r.url.strip_prefix(S).unwrap_or_default();
                prop_assert!(r.url.starts_with(S), "{}", r.url);
                prop_assert!(
                    tail.bytes().all(|b| b.is_ascii_graphic() && b != b'#' && b != b'"' && b != b'\\'),
                    "unencoded byte in {}",
                    r.url
                );
                prop_assert!(!tail.split(['/', '?']).any(|seg| seg == "." || seg == ".."), "dot segment in {}", r.url);
                let headers = Map::new();
                for body in [Some(text.as_str()), None] {
                    let o = r.reply.finish(&Response { status, headers: &headers, facts: Facts::default(), body });
                    let _ = o.to_json();
                    if !(200..300).contains(&status) {
                        prop_assert!(o.error.is_some());
                    }
                }
                let _ = r.reply.failed(&text, "network_error").to_json();
            }
        }
        Ok(())
    });
}

#[test]
fn fuzz_paths_round_trip_through_their_encoding() {
    run("storage_paths", prop::collection::vec(chr(), 0..24).prop_map(String::from_iter), |s| {
        if let Ok(clean) = paths::object_path(Some(&Value::String(s.clone()))) {
            prop_assert!(
                !clean.is_empty() && !clean.starts_with('/') && !clean.ends_with('/') && !clean.contains("//")
            );
            let encoded = paths::encode_path(&clean);
            prop_assert!(
                encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()%/".contains(&b)),
                "{encoded}"
            );
            let decoded: Vec<String> =
                encoded.split('/').map(|seg| percent_decode_str(seg).decode_utf8_lossy().into_owned()).collect();
            prop_assert_eq!(decoded.join("/"), clean);
        }
        Ok(())
    });
}
