//! Default timeouts (issue 13 item 7, reasons in src/config.rs): JSON requests 10 s, Edge Functions
//! 30 s unless `requestTimeout` is set, uploads and downloads (wx.uploadFile / wx.downloadFile, or an
//! ArrayBuffer through wx.request) at least 120 s; a call's own `timeout` wins.

mod common;

use common::World;
use serde_json::{json, Value};
use supabase_wechat::Output;

/// The `timeout` of the request a data call sends, with client options `opts`.
fn timeout(opts: Value, api: &str, method: &str, args: Value) -> u32 {
    let mut w = World::with_options(opts);
    w.c.data(api, method, &args.to_string(), 1.0);
    let outs = w.drain();
    match outs.iter().find(|o| matches!(o, Output::Fetch(_))) {
        Some(Output::Fetch(f)) => f.timeout,
        _ => panic!("no request: {outs:?}"),
    }
}

#[test]
fn defaults_by_kind_of_request() {
    let select = json!([{ "start": ["from", "todos"], "ops": [["select", "*", false, null]] }]);
    let list = json!(["b"]);
    let upload = json!(["b", "a.png", { "kind": "file", "path": "wxfile://tmp_a.png" }]);
    // An ArrayBuffer up or down goes through wx.request, but it is a file's bytes: a file's time.
    let upload_bytes = json!(["b", "a.png", { "kind": "buffer", "bytes": 3 }]);
    let download = json!(["b", "a.png"]);
    let invoke = json!(["hello", { "body": "json" }]);
    let with_timeout = json!(["hello", { "body": "json", "timeout": 2500 }]);
    for (opts, rest, storage, file, functions) in [
        (json!({}), 10_000, 10_000, 120_000, 30_000),
        (json!({ "requestTimeout": 5000 }), 5000, 5000, 120_000, 5000),
        (json!({ "requestTimeout": 60000 }), 60_000, 60_000, 120_000, 60_000),
    ] {
        assert_eq!(timeout(opts.clone(), "rest", "request", select.clone()), rest, "{opts}");
        assert_eq!(timeout(opts.clone(), "storage", "list", list.clone()), storage, "{opts}");
        assert_eq!(timeout(opts.clone(), "storage", "upload", upload.clone()), file, "{opts}");
        assert_eq!(timeout(opts.clone(), "storage", "upload", upload_bytes.clone()), file, "{opts}");
        assert_eq!(timeout(opts.clone(), "storage", "download", download.clone()), file, "{opts}");
        assert_eq!(timeout(opts.clone(), "functions", "invoke", invoke.clone()), functions, "{opts}");
        assert_eq!(timeout(opts.clone(), "functions", "invoke", with_timeout.clone()), 2500, "{opts}");
    }
}
