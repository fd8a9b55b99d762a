//! `Output::to_json`, one writer per kind (src/output.rs): the text of each kind, pinned.

use serde_json::Map;
use supabase_wechat::client::{HttpRequest, Output};

#[test]
fn every_kind_writes_the_text_the_shim_reads() {
    let mut headers = Map::new();
    headers.insert("apikey".into(), "k".into());
    let cases = [
        (
            Output::Http(HttpRequest {
                id: 3,
                method: "POST",
                url: "https://x/auth/v1/token".into(),
                headers: headers.clone(),
                body: Some("{}".into()),
                timeout: 10_000,
            }),
            r#"{"type":"http","id":3,"method":"POST","url":"https://x/auth/v1/token","headers":{"apikey":"k"},"body":"{}","timeout":10000}"#,
        ),
        (
            Output::StorageSet { key: "sb-x".into(), value: "{\"a\":1}".into() },
            r#"{"type":"storage_set","key":"sb-x","value":"{\"a\":1}"}"#,
        ),
        (Output::StorageRemove { key: "sb-x".into() }, r#"{"type":"storage_remove","key":"sb-x"}"#),
        (
            Output::Log { level: "warn", message: "a \"b\"".into() },
            r#"{"type":"log","level":"warn","message":"a \"b\""}"#,
        ),
        (
            Output::SocketOpen { socket: 1, url: "wss://x".into(), headers, protocols: vec!["p".into()] },
            r#"{"type":"socket_open","socket":1,"url":"wss://x","headers":{"apikey":"k"},"protocols":["p"]}"#,
        ),
        (Output::SocketSend { socket: 2, text: "[]".into() }, r#"{"type":"socket_send","socket":2,"text":"[]"}"#),
        (
            Output::SocketClose { socket: 2, code: 1000, reason: String::new() },
            r#"{"type":"socket_close","socket":2,"code":1000,"reason":""}"#,
        ),
        (
            Output::ChannelStatus { channel: 4, status: "SUBSCRIBED", message: None },
            r#"{"type":"channel_status","channel":4,"status":"SUBSCRIBED","message":null}"#,
        ),
        (Output::Session { op: 5, generation: 6 }, r#"{"type":"session","op":5,"generation":6}"#),
    ];
    for (o, text) in cases {
        assert_eq!(o.to_json(), text);
    }
}
