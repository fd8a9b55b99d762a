//! The whole client driven by a script of calls and replies decoded from the input: no panic,
//! every output is JSON, no operation finishes twice.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;
use supabase_wechat::encoding::json::read;
use supabase_wechat::{Client, Output};

#[derive(Debug, Arbitrary)]
enum Step {
    Restore(Option<String>, f64),
    GetSession(Option<String>, f64),
    SignIn(String, f64),
    /// Reply to the n-th request sent so far.
    Respond(u8, u16, String, f64),
    /// Reply to the n-th request with a session whose user's metadata nests this deep (mixed
    /// objects and arrays; unbalanced when the flag says).
    RespondDeep(u8, u16, bool, f64),
    TransportError(u8, String, f64),
    StorageResult(Option<String>),
}

#[derive(Debug, Arbitrary)]
struct Script {
    url_ok: bool,
    options: String,
    steps: Vec<Step>,
}

fuzz_target!(|script: Script| {
    let url = if script.url_ok { "https://abcdefghij.baseapi.memfiredb.com" } else { "ftp://x" };
    let mut c = Client::new(url, "anon-key", &script.options);
    let mut sent: Vec<u32> = Vec::new();
    let mut done: BTreeMap<u32, u32> = BTreeMap::new();
    let mut drain = |c: &mut Client, sent: &mut Vec<u32>| {
        while let Some(o) = c.poll() {
            // JSON at any depth (a deep user comes back whole); its own fields are shallow.
            let text = o.to_json();
            serde_json::from_str::<IgnoredAny>(&text).expect("output is JSON");
            assert!(read(&text).is_some_and(|v| v["type"].is_string()));
            match o {
                Output::Http(r) => sent.push(r.id),
                Output::Done { op, .. } => {
                    let n = done.entry(op).or_default();
                    *n += 1;
                    assert_eq!(*n, 1, "op {op} finished twice");
                }
                _ => {}
            }
        }
    };
    for step in script.steps {
        match step {
            Step::Restore(s, t) => c.restore(s.as_deref(), t),
            Step::GetSession(s, t) => {
                c.get_session(s.as_deref(), t);
            }
            Step::SignIn(p, t) => {
                c.sign_in_with_wechat(&p, t);
            }
            Step::Respond(i, status, body, t) => {
                let id = sent.get(usize::from(i) % sent.len().max(1)).copied().unwrap_or(0);
                c.handle_response(id, status, &body, t);
            }
            Step::RespondDeep(i, depth, unbalanced, t) => {
                let id = sent.get(usize::from(i) % sent.len().max(1)).copied().unwrap_or(0);
                let depth = usize::from(depth);
                let mut deep: String = (0..depth).map(|d| if d % 3 == 0 { "[1," } else { "{\"k\":" }).collect();
                deep.push_str("\"leaf\"");
                deep.extend((0..depth).rev().map(|d| if d % 3 == 0 { ']' } else { '}' }).skip(usize::from(unbalanced)));
                let body = format!(
                    r#"{{"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r","user":{{"id":"u","user_metadata":{{"d":{deep}}}}}}}"#
                );
                c.handle_response(id, 200, &body, t);
            }
            Step::TransportError(i, msg, t) => {
                let id = sent.get(usize::from(i) % sent.len().max(1)).copied().unwrap_or(0);
                c.handle_transport_error(id, &msg, t);
            }
            Step::StorageResult(e) => c.handle_storage_result(e.as_deref()),
        }
        drain(&mut c, &mut sent);
    }
});
