//! Huge Database requests (issue 13 item 5): the input is a name, a filter value and a repeat
//! count, so a short input makes a long string or many filters. Building never panics, a request
//! is sent only within `rest::MAX_URL`, and the name is one path segment that decodes back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use supabase_wechat::data::rest;
use supabase_wechat::data::{Built, Endpoints};

fuzz_target!(|data: &[u8]| {
    // [reps lo, reps hi, how, name length, name…, value…]
    let (reps, how, rest_bytes) = match data {
        [a, b, c, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), *c, rest),
        _ => return,
    };
    let (name_len, tail) = rest_bytes.split_first().map_or((0, &[][..]), |(n, t)| (usize::from(*n), t));
    let (name, value) = tail.split_at(name_len.min(tail.len()));
    let name = String::from_utf8_lossy(name).into_owned();
    let value = String::from_utf8_lossy(value).repeat(reps);
    let ops = match how % 4 {
        0 => json!([["select", "id", false, null], ["eq", "c", value]]),
        1 => json!([["select", "id", false, null], ["in", "c", (0..reps).map(|i| json!([i.to_string(), true])).collect::<Vec<_>>()]]),
        2 => json!([["select", "id", false, null], ["match", (0..reps.min(5000)).map(|i| json!([i.to_string(), value.get(..value.len().min(64)).unwrap_or("")])).collect::<Vec<_>>()]]),
        _ => json!([["select", "id", false, null], ["setHeader", "x-h", value]]),
    };
    let chain = json!({ "start": ["from", name.repeat(if how & 4 != 0 { reps.max(1) } else { 1 })], "ops": ops });
    let ep = Endpoints {
        rest: "https://abcdefghij.baseapi.memfiredb.com/rest/v1".into(),
        storage: String::new(),
        functions: String::new(),
        schema: None,
        headers: Vec::new(),
    };
    match rest::build("request", std::slice::from_ref(&chain), &ep) {
        Built::Send(r) => {
            let headers: usize = r.headers.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
            assert!(r.url.len() + headers <= rest::MAX_URL);
            let path = r.url.split('?').next().unwrap_or_default();
            assert!(!path.contains('#') && path.matches('/').count() == 5, "{path}");
        }
        Built::Done(o) => {
            let e = o.error.expect("a refusal is an error");
            let message = e.get("message").and_then(Value::as_str).unwrap_or_default();
            assert!(!message.is_empty());
        }
    }
});
