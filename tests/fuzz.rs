//! Property tests ("fuzzing" on stable Rust) over every parser of outside data in the public API:
//! stored sessions, token responses, error bodies, URLs, JWTs, redirect URLs, and the whole
//! client driven by arbitrary calls and server replies.
//!
//! Every property runs `FUZZ_CASES` inputs (default 2,000: `cargo test` stays quick in debug);
//! `scripts/fuzz-long.sh` runs them in release with enough cases for >= 10^7 inputs in all. Each
//! property prints `fuzz-inputs <name> <n>` on stderr (visible with `--nocapture`). Failures are
//! shrunk and reported by proptest; nothing is written to disk (tests/fuzz_corpus/ holds the
//! hand-picked inputs, replayed by `corpus_inputs`).

mod common;

use common::fuzz_config;
use common::{Outputs, World, Writes};

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use serde::de::IgnoredAny;
use serde_json::{json, Map, Value};

use supabase_wechat::auth::error::{from_http, is_retryable_status};
use supabase_wechat::auth::redirect::{self as callback, CallbackParams};
use supabase_wechat::auth::session::{now_secs, value_to_i64};
use supabase_wechat::config::BaseUrl;
use supabase_wechat::encoding::json::{is_json, members, parse_args, read, to_text};
use supabase_wechat::encoding::query::encode_query_value;
use supabase_wechat::{auth::jwt, Client, ErrorKind, Output, Session, User};

// ---------------------------------------------------------------------------------------------
// Runner

/// Run `test` on `fuzz_cases()` inputs from `strategy()`; panics (with proptest's shrunk input) on
/// the first failure or panic. Runs on a thread with a large stack: proptest's deeply nested
/// strategy types have huge stack frames in debug builds (the code under test does not need it).
fn check<S>(
    name: &str,
    strategy: impl FnOnce() -> S + Send,
    test: impl Fn(S::Value) -> Result<(), TestCaseError> + Send,
) where
    S: Strategy,
    S::Value: Debug,
{
    let run = move || {
        let mut runner = TestRunner::new(fuzz_config());
        let inputs = Cell::new(0u64);
        let start = std::time::Instant::now();
        let result = runner.run(&strategy(), |v| {
            inputs.set(inputs.get() + 1);
            test(v)
        });
        eprintln!("fuzz-inputs {name} {} ({:.1} s)", inputs.get(), start.elapsed().as_secs_f64());
        result.map_err(|e| format!("{name}: {e}"))
    };
    let result = std::thread::scope(|s| {
        std::thread::Builder::new().stack_size(256 << 20).spawn_scoped(s, run).expect("spawn").join()
    });
    match result {
        Ok(Ok(())) => {}
        Ok(Err(msg)) => panic!("{msg}"),
        Err(p) => std::panic::resume_unwind(p),
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Characters that break naive parsers: JSON and URL syntax, escapes, controls, CJK, emoji,
/// noncharacters, and anything else.
fn chr() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        2 => prop::sample::select(vec![
            '"', '\\', '/', '%', '+', '&', '=', '#', '?', '.', '-', '_', ':', '@', '[', ']', '{', '}', ',', ' ',
            '\0', '\n', '\r', '\t', '\u{7f}', '\u{85}', '\u{a0}', '\u{2028}', '\u{feff}', '\u{fffd}', '\u{ffff}',
        ]),
        2 => proptest::char::range('\u{4e00}', '\u{9fff}'),
        1 => proptest::char::range('\u{1f300}', '\u{1faff}'),
        1 => any::<char>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(chr(), 0..24).prop_map(String::from_iter)
}

fn nonempty_text() -> impl Strategy<Value = String> {
    prop::collection::vec(chr(), 1..40).prop_map(String::from_iter)
}

/// Floats whose JSON text parses back to the same `f64` (serde_json without `float_roundtrip`
/// is exact only for short decimals); arbitrary floats are in `json_number_text`.
fn nice_float() -> impl Strategy<Value = f64> {
    (-1_000_000_000i64..1_000_000_000, 0u32..4).prop_map(|(m, e)| m as f64 / 10f64.powi(e as i32))
}

fn interesting_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => any::<i64>(),
        3 => 1_600_000_000i64..1_900_000_000,
        1 => prop::sample::select(vec![0, -1, 1, i64::MIN, i64::MAX, i64::MAX - 1, 9_007_199_254_740_993]),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        interesting_i64().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        nice_float().prop_map(Value::from),
        text().prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(text(), json_value(), 0..6).prop_map(|m| m.into_iter().collect())
}

const SESSION_KEYS: [&str; 6] = ["access_token", "token_type", "expires_in", "refresh_token", "user", "expires_at"];

/// Extra top-level fields that do not collide with the session's own.
fn extra_fields() -> impl Strategy<Value = Map<String, Value>> {
    json_object().prop_map(|mut m| {
        m.retain(|k, _| !SESSION_KEYS.contains(&k.as_str()));
        m
    })
}

/// A value for a numeric field: right, tolerable, or wrong.
fn number_field() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => interesting_i64().prop_map(Value::from),
        1 => nice_float().prop_map(Value::from),
        1 => prop::sample::select(vec![1e300, -1e300, 1.5e19, -0.0, 0.4999, 1e-300]).prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => interesting_i64().prop_map(|n| Value::from(format!(" {n} "))),
        1 => json_leaf(),
        1 => json_value(),
    ]
}

/// A value for a string field: usually a string, sometimes anything.
fn string_field() -> impl Strategy<Value = Value> {
    prop_oneof![6 => text().prop_map(Value::from), 1 => Just(Value::from("")), 1 => json_value()]
}

fn user_object() -> impl Strategy<Value = Map<String, Value>> {
    (text(), text(), text(), json_object()).prop_map(|(id, email, wechat_id, mut extra)| {
        extra.insert("id".into(), id.into());
        extra.insert("email".into(), email.into());
        extra.insert("wechat_id".into(), wechat_id.into());
        extra.insert("user_metadata".into(), json!({"nickname": "微信用户🐼", "city": "深圳"}));
        extra
    })
}

/// A JSON object shaped like a session or token response, every field possibly missing or of
/// the wrong type, plus random extra fields.
fn session_like() -> impl Strategy<Value = Map<String, Value>> {
    (
        prop::option::weighted(0.9, string_field()),
        prop::option::weighted(0.9, string_field()),
        prop::option::weighted(0.8, string_field()),
        prop::option::weighted(0.8, number_field()),
        prop::option::weighted(0.8, number_field()),
        prop::option::weighted(0.8, prop_oneof![4 => user_object().prop_map(Value::Object), 1 => json_value()]),
        extra_fields(),
    )
        .prop_map(|(access, refresh, token_type, expires_in, expires_at, user, mut m)| {
            for (k, v) in [
                ("access_token", access),
                ("refresh_token", refresh),
                ("token_type", token_type),
                ("expires_in", expires_in),
                ("expires_at", expires_at),
                ("user", user),
            ] {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            }
            m
        })
}

/// A well-formed session as the core builds it.
fn valid_session() -> impl Strategy<Value = Session> {
    (
        nonempty_text(),
        text(),
        prop::option::of(interesting_i64()),
        nonempty_text(),
        prop::option::of(user_object().prop_map(user)),
        interesting_i64(),
        extra_fields(),
    )
        .prop_map(|(access_token, token_type, expires_in, refresh_token, user, expires_at, extra)| Session {
            access_token,
            token_type,
            expires_in,
            refresh_token,
            user,
            expires_at: Some(expires_at),
            extra: extra.into_iter().map(|(k, v)| (k, v.to_string())).collect(),
        })
}

/// The user whose JSON object is `m`.
fn user(m: Map<String, Value>) -> User {
    User::from_json(&Value::Object(m).to_string()).expect("an object")
}

/// The value of JSON text the core carries.
fn parsed(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON text")
}

/// Edit JSON text: truncate, insert, delete or replace a character.
fn mutate(s: String, op: u8, at: prop::sample::Index, c: char) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let i = if chars.is_empty() { 0 } else { at.index(chars.len()) };
    match op % 4 {
        0 => chars.truncate(i),
        1 => chars.insert(i, c),
        2 if !chars.is_empty() => {
            chars.remove(i);
        }
        _ if !chars.is_empty() => chars[i] = c,
        _ => chars.push(c),
    }
    chars.into_iter().collect()
}

/// Raw text from outside: valid JSON of the given shape, edited JSON, garbage, lossy bytes.
fn raw_around(valid: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => valid.clone(),
        3 => (valid, any::<u8>(), any::<prop::sample::Index>(), chr()).prop_map(|(s, op, at, c)| mutate(s, op, at, c)),
        1 => json_value().prop_map(|v| v.to_string()),
        1 => any::<String>(),
        1 => text(),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => (1usize..400).prop_map(|n| "[".repeat(n)),
        1 => (1usize..200).prop_map(|n| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n))),
        1 => json_number_text(),
    ]
}

/// Number literals at and beyond the edges of i64/f64.
fn json_number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|f| if f.is_finite() { format!("{f:e}") } else { "1e999".into() }),
        prop::sample::select(vec![
            "-0",
            "1e309",
            "-1e309",
            "18446744073709551616",
            "-9223372036854775809",
            "9223372036854775807",
            "0.1e-400",
            "123456789012345678901234567890",
        ])
        .prop_map(str::to_owned),
    ]
}

/// JSON text nested `depth` levels around `leaf`: each level an object (`{"k":…}`) or an array
/// (`[0,…]`) as `shape`'s bits say (all objects, all arrays, or mixed). `unbalance` 0 keeps it
/// valid; 1 drops the last closer, 2 adds one, 3 closes a level with the wrong bracket, 4 drops
/// a value (`{"k":}`).
fn nested(depth: usize, shape: u64, leaf: &str, unbalance: u8) -> String {
    let object = |i: usize| match shape % 3 {
        0 => true,
        1 => false,
        _ => (shape >> (i % 61)) & 1 == 1,
    };
    let mut s = String::with_capacity(depth * 6 + leaf.len());
    for i in 0..depth {
        s.push_str(if object(i) { "{\"k\":" } else { "[0," });
    }
    if unbalance != 4 || depth == 0 {
        s.push_str(leaf);
    }
    for i in (0..depth).rev() {
        let close = if object(i) { '}' } else { ']' };
        let wrong = if object(i) { ']' } else { '}' };
        s.push(if unbalance == 3 && i == depth / 2 { wrong } else { close });
    }
    match unbalance {
        1 if depth > 0 => {
            s.pop();
        }
        2 => s.push(']'),
        _ => {}
    }
    s
}

/// Nesting depths: around serde_json's limit (128), Go's (10,000), and beyond.
fn depth() -> impl Strategy<Value = usize> {
    prop_oneof![30 => 0usize..300, 10 => 120usize..140, 1 => 9_990usize..10_010, 1 => 10_010usize..20_000]
}

/// Deep JSON, valid (mostly) or unbalanced: `(text, valid)`.
fn deep_json() -> impl Strategy<Value = (String, bool)> {
    (depth(), any::<u64>(), json_leaf(), prop_oneof![6 => Just(0u8), 1 => 1u8..=4]).prop_map(
        |(depth, shape, leaf, unbalance)| {
            let valid = unbalance == 0 || depth == 0 && unbalance != 2;
            (nested(depth, shape, &leaf.to_string(), unbalance), valid)
        },
    )
}

/// How many brackets open before the first thing that is not `{"k":` or `[0,` (what `nested`
/// wraps around its leaf).
fn depth_of(text: &str) -> usize {
    let mut rest = text;
    let mut n = 0;
    while let Some(r) = rest.strip_prefix("{\"k\":").or_else(|| rest.strip_prefix("[0,")) {
        rest = r;
        n += 1;
    }
    n
}

/// A user object as GoTrue sends it with `user_metadata` (and the rest) around deep JSON.
fn deep_user(deep: &str) -> String {
    format!(r#"{{"id":"u-1","user_metadata":{{"deep":{deep}}},"app_metadata":{{"provider":"wechat_mini"}}}}"#)
}

/// Runs `f` on a thread with the wasm build's stack (1 MiB), where recursion over 10,000
/// levels overflows.
fn on_wasm_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        let t = std::thread::Builder::new().stack_size(1 << 20).spawn_scoped(s, f).expect("spawn");
        t.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

fn session_text() -> BoxedStrategy<String> {
    prop_oneof![session_like().prop_map(|m| Value::Object(m).to_string()), valid_session().prop_map(|s| s.to_stored()),]
        .boxed()
}

fn error_body() -> BoxedStrategy<String> {
    let codes = prop::sample::select(vec![
        "session_not_found",
        "refresh_token_not_found",
        "invalid_credentials",
        "validation_failed",
        "",
        "unexpected_failure",
    ]);
    let msg = prop_oneof![text(), Just(String::new()), Just("   ".to_owned()), Just("微信登录失败".to_owned())];
    prop_oneof![
        // A: {code:int, error_code, msg}
        (any::<u16>(), codes.clone(), msg.clone())
            .prop_map(|(c, ec, m)| json!({"code": c, "error_code": ec, "msg": m}).to_string()),
        // B: {code:string, message}
        (codes.clone(), msg.clone()).prop_map(|(c, m)| json!({"code": c, "message": m}).to_string()),
        // C: {error, error_description}
        (codes, msg.clone()).prop_map(|(e, d)| json!({"error": e, "error_description": d}).to_string()),
        msg.clone().prop_map(|m| json!({ "message": m }).to_string()),
        json_object().prop_map(|m| Value::Object(m).to_string()),
        Just(String::new()),
        Just("<html><body>502 Bad Gateway</body></html>".to_owned()),
    ]
    .boxed()
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => any::<u16>(),
        3 => prop::sample::select(vec![0u16, 200, 204, 301, 400, 401, 403, 404, 422, 429, 499, 500, 501, 502, 503, 504, 505, 519, 520, 525, 530, 531, 599, 600, 999]),
        2 => 100u16..600,
    ]
}

fn now_ms() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => 1.6e12f64..1.9e12,
        1 => any::<f64>(),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, f64::MAX, f64::MIN, 1e300, -1.0]),
    ]
}

// ---------------------------------------------------------------------------------------------
// Sessions

#[test]
fn stored_session_roundtrip_is_exact_for_valid_sessions() {
    check("session_valid_roundtrip", valid_session, |s| {
        let stored = s.to_stored();
        prop_assert!(stored.starts_with(r#"{"access_token":"#), "stored key order: {stored}");
        let parsed = Session::from_stored(&stored);
        prop_assert_eq!(parsed.as_ref(), Some(&s));
        prop_assert_eq!(parsed.map(|p| p.to_stored()), Some(stored));
        Ok(())
    });
}

#[test]
fn stored_session_structured_matches_the_model() {
    check("session_structured", session_like, |m| {
        let raw = Value::Object(m.clone()).to_string();
        let got = Session::from_stored(&raw);
        let str_of = |k: &str| m.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let expires_at = m.get("expires_at").and_then(value_to_i64);
        let usable = str_of("access_token").is_some() && str_of("refresh_token").is_some() && expires_at.is_some();
        prop_assert_eq!(got.is_some(), usable, "raw: {}", raw);
        let Some(s) = got else { return Ok(()) };
        prop_assert_eq!(Some(s.access_token.as_str()), str_of("access_token"));
        prop_assert_eq!(Some(s.refresh_token.as_str()), str_of("refresh_token"));
        prop_assert_eq!(s.expires_at, expires_at);
        prop_assert_eq!(s.expires_in, m.get("expires_in").and_then(value_to_i64));
        let want_type = match m.get("token_type") {
            Some(Value::String(t)) => t.clone(),
            _ => "bearer".to_owned(),
        };
        prop_assert_eq!(&s.token_type, &want_type);
        prop_assert_eq!(s.user.as_ref().map(|u| parsed(u.text())), m.get("user").filter(|u| u.is_object()).cloned());
        // Nothing unknown is lost.
        let mut extra = m.clone();
        extra.retain(|k, _| !SESSION_KEYS.contains(&k.as_str()));
        let got: Map<String, Value> = s.extra.iter().map(|(k, v)| (k.clone(), parsed(v))).collect();
        prop_assert_eq!(&got, &extra);
        // stored -> parsed -> stored is stable.
        let stored = s.to_stored();
        let again = Session::from_stored(&stored);
        prop_assert_eq!(again.as_ref(), Some(&s));
        prop_assert_eq!(again.map(|a| a.to_stored()), Some(stored));
        Ok(())
    });
}

#[test]
fn stored_session_raw_text_never_panics() {
    check(
        "session_raw",
        || raw_around(session_text()),
        |raw| {
            if let Some(s) = Session::from_stored(&raw) {
                prop_assert!(!s.access_token.is_empty() && !s.refresh_token.is_empty() && s.expires_at.is_some());
                let again = Session::from_stored(&s.to_stored());
                prop_assert!(again.is_some(), "a parsed session must survive being stored: {:?}", raw);
            }
            Ok(())
        },
    );
}

#[test]
fn token_response_matches_the_model() {
    check(
        "token_response",
        || (raw_around(session_text()), now_ms()),
        |(body, now)| {
            let got = Session::from_token_response(&body, now);
            // A number past f64 (`1E309`) is JSON that serde_json refuses and `JSON.parse` reads
            // as Infinity; the core copies such members as text (`encoding::json`), so the model
            // below, which parses the whole body, cannot say: no comparison for those bodies.
            if serde_json::from_str::<Value>(&body).is_err() && is_json(&body) {
                return Ok(());
            }
            let model = serde_json::from_str::<Value>(&body).ok().and_then(|v| {
                let m = v.as_object()?;
                let nonempty = |k: &str| m.get(k).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
                let expires_in = m.get("expires_in").and_then(value_to_i64).filter(|e| *e > 0)?;
                (nonempty("access_token") && nonempty("refresh_token")).then_some(expires_in)
            });
            prop_assert_eq!(got.as_ref().and_then(|s| s.expires_in), model, "body: {:?}", body);
            if let Some(s) = got {
                prop_assert_eq!(s.expires_at, Some(now_secs(now).saturating_add(model.unwrap_or(0))));
                prop_assert!(Session::from_stored(&s.to_stored()).is_some());
            }
            Ok(())
        },
    );
}

#[test]
fn deep_json_is_read_and_carried_at_any_depth_without_recursion() {
    check("deep_json", deep_json, |(deep, valid)| {
        on_wasm_stack(|| {
            // Checked without recursion, exactly as serde_json checks where it can.
            prop_assert_eq!(is_json(&deep), valid, "{}", &deep[..deep.len().min(80)]);
            if deep.len() < 600 {
                prop_assert_eq!(serde_json::from_str::<IgnoredAny>(&deep).is_ok(), valid);
            }
            // An object splits into members that put it back together.
            let m = members(&deep);
            prop_assert_eq!(m.is_some(), valid && deep.starts_with('{'));
            if let Some(m) = m {
                let parts: Vec<String> = m.iter().map(|(k, v)| format!("{}:{v}", Value::from(k.as_str()))).collect();
                prop_assert_eq!(format!("{{{}}}", parts.join(",")), deep.clone());
            }
            // As a Value (127 levels, the rest as marked text) and written back: whole. Above the
            // leaf every level is canonical (`{"k":` or `[0,`), so a leaf past 127 levels, carried
            // as text, comes back byte for byte.
            let v = read(&deep);
            prop_assert_eq!(v.is_some(), valid);
            prop_assert_eq!(parse_args(&deep).is_some(), valid);
            if let Some(v) = v {
                let back = to_text(&v);
                prop_assert!(is_json(&back));
                // (Floats aside: serde_json reads its own shortest float text back within an ulp.)
                if deep.len() < 600 && !deep.contains(['.', 'e', 'E']) {
                    prop_assert_eq!(
                        serde_json::from_str::<Value>(&back).ok(),
                        serde_json::from_str::<Value>(&deep).ok()
                    );
                }
                if depth_of(&deep) > 127 {
                    prop_assert_eq!(&back, &deep);
                }
            }
            // A session whose user and an unknown member hold it: read iff valid, and stored,
            // read and stored again with the deep text unchanged.
            let user = deep_user(&deep);
            let text = format!(
                r#"{{"access_token":"a","token_type":"bearer","refresh_token":"r","user":{user},"expires_at":5,"z":{deep}}}"#
            );
            let s = Session::from_stored(&text);
            prop_assert_eq!(s.is_some(), valid);
            if let Some(s) = s {
                prop_assert_eq!(s.user.as_ref().map(User::text), Some(user.as_str()));
                let stored = s.to_stored();
                prop_assert_eq!(&stored, &text);
                prop_assert_eq!(Session::from_stored(&stored), Some(s));
            }
            // A JWT whose claims hold it: the other claims are read iff the payload is JSON.
            let claims = format!(r#"{{"exp":5,"sub":"u","user_metadata":{{"deep":{deep}}}}}"#);
            let token = format!("h.{}.s", URL_SAFE_NO_PAD.encode(&claims));
            prop_assert_eq!(jwt::exp(&token), valid.then_some(5));
            prop_assert_eq!(jwt::sub(&token), valid.then(|| "u".to_owned()));
            Ok(())
        })
    });
}

#[test]
fn deep_realtime_payloads_reach_listeners_whole() {
    check("deep_realtime", deep_json, |(deep, valid)| {
        on_wasm_stack(|| {
            let mut w = World::new();
            let ch = w.c.realtime_channel("room", "{}");
            w.c.realtime_on(ch, "broadcast", r#"{"event":"*"}"#);
            w.c.realtime_subscribe(ch, None, w.now);
            w.drain();
            w.open();
            w.ack_joins();
            let payload = format!(r#"{{"type":"broadcast","event":"e","payload":{deep}}}"#);
            let frame = format!(r#"{{"topic":"realtime:room","event":"broadcast","ref":null,"payload":{payload}}}"#);
            w.c.socket_message(w.socket.expect("open"), &frame, w.now);
            let got: Vec<String> = w.drain().call_texts();
            prop_assert_eq!(got, if valid { vec![payload] } else { Vec::new() });
            Ok(())
        })
    });
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn http_errors_are_classified_consistently() {
    check(
        "from_http",
        || (status(), raw_around(error_body())),
        |(status, body)| {
            let e = from_http(status, &body);
            prop_assert_eq!(e.status, Some(status));
            let is_json = serde_json::from_str::<Value>(&body).is_ok();
            if is_retryable_status(status) {
                prop_assert_eq!(e.kind(), ErrorKind::AuthRetryableFetchError);
            } else {
                prop_assert_ne!(e.kind(), ErrorKind::AuthRetryableFetchError);
                prop_assert_eq!(e.kind() == ErrorKind::AuthUnknownError, !is_json);
            }
            prop_assert!(matches!(
                e.kind(),
                ErrorKind::AuthApiError
                    | ErrorKind::AuthRetryableFetchError
                    | ErrorKind::AuthUnknownError
                    | ErrorKind::AuthSessionMissingError
            ));
            if e.kind() == ErrorKind::AuthSessionMissingError {
                prop_assert_eq!(e.code.as_deref(), Some("session_not_found"));
            }
            if e.kind() == ErrorKind::AuthUnknownError {
                prop_assert!(e.message.chars().count() < 200, "the body is quoted, not copied whole");
            }
            prop_assert!(!e.message.is_empty(), "empty message for HTTP {} {:?}", status, body);
            // What crosses to JS is JSON.
            let js: Value = serde_json::from_str(&serde_json::to_string(&e).unwrap_or_default()).unwrap_or(Value::Null);
            prop_assert_eq!(js["name"].as_str(), Some(e.kind().name()));
            Ok(())
        },
    );
}

/// auth-js' `_getErrorMessage` uses `||`, which skips empty strings: so does `from_http`.
#[test]
fn from_http_never_gives_an_empty_message() {
    for status in [0, 400, 403, 500, 503] {
        for body in [
            r#"{"code":0,"error_code":"session_not_found","msg":""}"#,
            r#"{"code":"x","message":""}"#,
            r#"{"error":"","error_description":""}"#,
        ] {
            assert!(!from_http(status, body).message.is_empty(), "HTTP {status} {body}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// URLs

fn url_like() -> impl Strategy<Value = String> {
    let scheme =
        prop::sample::select(vec!["https://", "http://", "HTTPS://", "ftp://", "https:/", "", "https://user@"]);
    let host = prop_oneof![
        prop::collection::vec("[a-zA-Z0-9-]{1,12}", 1..4).prop_map(|l| l.join(".")),
        Just("[::1]".to_owned()),
        Just("[".to_owned()),
        Just("[]".to_owned()),
        Just("项目.memfiredb.com".to_owned()),
        text(),
    ];
    let port = prop::option::of(prop_oneof!["[0-9]{1,6}", text()]);
    let path = prop_oneof![Just(String::new()), Just("/".to_owned()), "(/[a-z0-9]{0,6}){1,3}/?", text()];
    let tail = prop::sample::select(vec!["", "?a=1", "#frag", "?", "#", "//", "?x#y"]);
    (scheme, host, port, path, tail)
        .prop_map(|(s, h, p, path, t)| format!("{s}{h}{}{path}{t}", p.map(|p| format!(":{p}")).unwrap_or_default()))
}

/// An IPv6 host without its `]` (`https://[::1`) is rejected, not read as a host not in the URL.
#[test]
fn unclosed_ipv6_hosts_are_rejected() {
    for raw in ["https://[::1", "https://[:0", "https://[::1:54321/x", "https://[::1/x]"] {
        assert!(BaseUrl::parse(raw).is_err(), "{raw}: {:?}", BaseUrl::parse(raw));
    }
}

#[test]
fn base_url_parse_is_total_and_its_result_is_clean() {
    let strategy =
        || prop_oneof![4 => url_like(), 1 => any::<String>(), 1 => text().prop_map(|t| format!(" https://{t} "))];
    check("base_url", strategy, |raw| {
        let Ok(b) = BaseUrl::parse(&raw) else { return Ok(()) };
        prop_assert!(b.url.starts_with("https://") || b.url.starts_with("http://"), "{:?}", b);
        prop_assert!(!b.url.ends_with('/') && !b.url.contains(['?', '#']), "{:?}", b);
        prop_assert!(!b.host.is_empty() && b.host != "[]" && !b.host.contains(['/', '?', '#', '@']), "{:?}", b);
        prop_assert!(b.url.to_ascii_lowercase().contains(&b.host.to_ascii_lowercase()), "{:?}", b);
        let key = b.default_storage_key();
        prop_assert!(key.starts_with("sb-") && key.ends_with("-auth-token"));
        if !raw.contains(char::is_whitespace) {
            prop_assert_eq!(BaseUrl::parse(&b.url), Ok(b.clone()), "parsing is idempotent");
        }
        Ok(())
    });
}

#[test]
fn query_values_roundtrip_through_percent_decoding_and_callback_parsing() {
    check(
        "encode_query_value",
        || prop_oneof![text(), any::<String>()],
        |v| {
            let enc = encode_query_value(&v);
            prop_assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)), "{}", enc);
            let decoded = percent_decode_str(&enc).decode_utf8().ok().map(|d| d.into_owned());
            prop_assert_eq!(decoded.as_deref(), Some(v.as_str()));
            let p = callback::parse(&format!("https://app/cb?zz={enc}#error_description={enc}"));
            let mut other = vec![("zz".to_owned(), v.clone())];
            if v.is_empty() {
                other.push(("error_description".to_owned(), String::new()));
            }
            prop_assert_eq!(p.other, other);
            prop_assert_eq!(p.error_description, Some(v).filter(|v| !v.is_empty()));
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// JWT

fn b64url_segment() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{0,40}"
}

#[test]
fn jwt_claims_roundtrip() {
    let claims = || {
        (json_object(), prop::option::of(number_field()), prop::option::of(string_field())).prop_map(
            |(mut m, exp, sub)| {
                m.insert("user_metadata".into(), json!({"full_name": "张三", "emoji": "🐼", "s": "ÿÿ>>??"}));
                if let Some(e) = exp {
                    m.insert("exp".into(), e);
                }
                if let Some(s) = sub {
                    m.insert("sub".into(), s);
                }
                m
            },
        )
    };
    check(
        "jwt_roundtrip",
        || (claims(), b64url_segment(), b64url_segment(), any::<bool>()),
        |(m, h, sig, pad)| {
            let json = Value::Object(m.clone()).to_string();
            let payload = if pad { URL_SAFE.encode(&json) } else { URL_SAFE_NO_PAD.encode(&json) };
            let token = format!("{h}.{payload}.{sig}");
            prop_assert_eq!(jwt::decode_claims(&token), Some(m.clone()));
            prop_assert_eq!(jwt::exp(&token), m.get("exp").and_then(value_to_i64));
            let sub = m.get("sub").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
            prop_assert_eq!(jwt::sub(&token), sub);
            Ok(())
        },
    );
}

#[test]
fn jwt_garbage_never_panics() {
    let strategy = || {
        prop_oneof![
            any::<String>(),
            text(),
            (b64url_segment(), prop_oneof![b64url_segment(), "[A-Za-z0-9_+/=-]{0,60}", text()], b64url_segment())
                .prop_map(|(h, p, s)| format!("{h}.{p}.{s}")),
            (prop::collection::vec(any::<u8>(), 0..80), 0usize..5)
                .prop_map(|(b, dots)| { format!("h.{}{}", URL_SAFE_NO_PAD.encode(&b), ".s".repeat(dots)) }),
            raw_around(json_value().prop_map(|v| v.to_string()).boxed())
                .prop_map(|j| format!("h.{}.s", URL_SAFE_NO_PAD.encode(j))),
        ]
    };
    check("jwt_raw", strategy, |token| {
        // Where serde_json reads the claims, the core's own claims agree with them; elsewhere they
        // are read as JSON.parse reads the payload (src/auth/jwt.rs), or not at all: never a panic.
        match jwt::decode_claims(&token) {
            Some(m) => {
                prop_assert_eq!(jwt::exp(&token), m.get("exp").and_then(value_to_i64));
                let sub = m.get("sub").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
                prop_assert_eq!(jwt::sub(&token), sub);
                let iss = m.get("iss").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
                prop_assert_eq!(jwt::iss(&token), iss);
            }
            None => {
                let _ = (jwt::exp(&token), jwt::sub(&token), jwt::iss(&token), jwt::lifetime(&token));
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Redirect URLs

const CALLBACK_NAMES: [&str; 12] = [
    "code",
    "access_token",
    "refresh_token",
    "expires_in",
    "expires_at",
    "token_type",
    "provider_token",
    "provider_refresh_token",
    "type",
    "error",
    "error_code",
    "error_description",
];

fn callback_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let key = prop_oneof![
        4 => prop::sample::select(CALLBACK_NAMES.to_vec()).prop_map(str::to_owned),
        1 => text(),
        1 => Just("sb".to_owned()),
    ];
    let value = prop_oneof![
        3 => text(),
        1 => interesting_i64().prop_map(|n| n.to_string()),
        1 => Just(String::new()),
        1 => "[A-Za-z0-9._-]{10,60}",
    ];
    prop::collection::vec((key, value), 0..10)
}

/// Form encoding as Go's `url.Values.Encode` / `URLSearchParams` write it (space as `+`).
fn form_encode(s: &str) -> String {
    encode_query_value(s).replace("%20", "+")
}

/// The documented rules: fragment over query for named fields, first occurrence within a part,
/// empty and non-integer values unused; returns the named fields as text.
fn callback_model(query: &[(String, String)], fragment: &[(String, String)]) -> BTreeMap<String, String> {
    let mut named = BTreeMap::new();
    for (part, overwrite) in [(query, false), (fragment, true)] {
        let mut seen = BTreeSet::new();
        for (k, v) in part {
            if !CALLBACK_NAMES.contains(&k.as_str()) {
                continue;
            }
            let value = if k == "expires_in" || k == "expires_at" {
                v.trim().parse::<i64>().ok().map(|n| n.to_string())
            } else {
                Some(v.clone()).filter(|v| !v.is_empty())
            };
            let Some(value) = value else { continue };
            if seen.contains(k) || (!overwrite && named.contains_key(k)) {
                continue;
            }
            seen.insert(k.clone());
            named.insert(k.clone(), value);
        }
    }
    named
}

fn named_fields(p: &CallbackParams) -> BTreeMap<String, String> {
    let fields = [
        ("code", p.code.clone()),
        ("access_token", p.access_token.clone()),
        ("refresh_token", p.refresh_token.clone()),
        ("expires_in", p.expires_in.map(|n| n.to_string())),
        ("expires_at", p.expires_at.map(|n| n.to_string())),
        ("token_type", p.token_type.clone()),
        ("provider_token", p.provider_token.clone()),
        ("provider_refresh_token", p.provider_refresh_token.clone()),
        ("type", p.kind.clone()),
        ("error", p.error.clone()),
        ("error_code", p.error_code.clone()),
        ("error_description", p.error_description.clone()),
    ];
    fields.into_iter().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v))).collect()
}

#[test]
fn callback_urls_roundtrip_and_lose_nothing() {
    let strategy = || {
        (
            callback_pairs(),
            callback_pairs(),
            any::<bool>(),
            prop::sample::select(vec!["https://app.example.com/cb", "", "weixin://x/y", "/pages/cb"]),
        )
    };
    check("callback_roundtrip", strategy, |(query, fragment, plus, base)| {
        let enc = |pairs: &[(String, String)]| {
            let e = |s: &str| if plus { form_encode(s) } else { encode_query_value(s) };
            pairs.iter().map(|(k, v)| format!("{}={}", e(k), e(v))).collect::<Vec<_>>().join("&")
        };
        let url = format!("{base}?{}#{}", enc(&query), enc(&fragment));
        let p = callback::parse(&url);
        prop_assert_eq!(named_fields(&p), callback_model(&query, &fragment), "url: {}", url);
        // Every pair is either in a named field or in `other`.
        prop_assert_eq!(named_fields(&p).len() + p.other.len(), query.len() + fragment.len(), "url: {}", url);
        for (k, _) in &p.other {
            prop_assert!(query.iter().chain(&fragment).any(|(qk, _)| qk == k));
        }
        Ok(())
    });
}

#[test]
fn callback_garbage_never_panics() {
    let junk = || {
        prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(vec!["%", "%2", "%zz", "%E5", "%E5%BE", "%FF", "%C0%80", "%ED%A0%80", "+", "&", "=", "#", "?", "://", "code", "access_token", "expires_at", "error_description", "%25", "%%", "&&"]).prop_map(str::to_owned),
            2 => text(),
            1 => interesting_i64().prop_map(|n| n.to_string()),
        ],
        0..20,
    )
    .prop_map(|parts| parts.concat())
    };
    check(
        "callback_raw",
        || prop_oneof![3 => junk(), 1 => any::<String>()],
        |url| {
            let p = callback::parse(&url);
            for (k, v) in named_fields(&p) {
                prop_assert!(!v.is_empty(), "{} is empty", k);
            }
            prop_assert!(p.other.len() <= url.len() + 1);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// The client, driven by arbitrary calls and replies

#[derive(Debug, Clone)]
enum Stored {
    None,
    /// The value of the last `StorageSet` the client asked for (what a working wx storage holds).
    LastWritten,
    Text(String),
}

#[derive(Debug, Clone)]
enum Action {
    Restore(Stored, f64),
    GetSession(Stored, f64),
    SignIn(String, f64),
    /// Reply to an HTTP request: one of those sent (by index) or a made-up id.
    Respond(prop::sample::Index, Option<u32>, u16, String, f64),
    TransportError(prop::sample::Index, Option<u32>, String, f64),
    StorageResult(Option<String>),
    Drain,
}

fn stored() -> impl Strategy<Value = Stored> {
    prop_oneof![
        1 => Just(Stored::None),
        2 => Just(Stored::LastWritten),
        2 => valid_session().prop_map(|s| Stored::Text(s.to_stored())),
        1 => good_token_body().prop_map(Stored::Text),
        1 => raw_around(session_text()).prop_map(Stored::Text),
        1 => Just(Stored::Text(String::new())),
    ]
}

fn sign_in_params() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text().prop_map(|code| json!({ "code": code }).to_string()),
        1 => json_value().prop_map(|code| json!({ "code": code }).to_string()),
        1 => raw_around(json_value().prop_map(|v| v.to_string()).boxed()),
        1 => Just(String::new()),
    ]
}

/// A 2xx sign-in reply as GoTrue sends it (the session with a user), with random extras.
fn good_token_body() -> impl Strategy<Value = String> {
    let user = prop_oneof![
        3 => user_object().prop_map(self::user),
        1 => deep_json().prop_filter_map("valid", |(d, valid)| valid.then(|| deep_user(&d))).prop_map(|u| {
            User::from_json(&u).expect("an object")
        }),
    ];
    (valid_session(), 1i64..100_000_000, user).prop_map(|(mut s, expires_in, user)| {
        s.expires_in = Some(expires_in);
        s.user = Some(user);
        s.to_stored()
    })
}

fn reply() -> impl Strategy<Value = (u16, String)> {
    prop_oneof![
        3 => (prop::sample::select(vec![200u16, 201, 299]), good_token_body()),
        3 => (status(), reply_body()),
    ]
}

fn reply_body() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => deep_json().prop_map(|(d, _)| deep_user(&d)),
        1 => (deep_json(), good_token_body()).prop_map(|((d, _), body)| body.replacen("\"user\":", &format!("\"x\":{d},\"user\":"), 1)),
        3 => session_text(),
        2 => error_body(),
        1 => raw_around(session_text()),
        1 => Just(String::new()),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        2 => (stored(), now_ms()).prop_map(|(s, t)| Action::Restore(s, t)),
        3 => (stored(), now_ms()).prop_map(|(s, t)| Action::GetSession(s, t)),
        4 => (sign_in_params(), now_ms()).prop_map(|(p, t)| Action::SignIn(p, t)),
        5 => (any::<prop::sample::Index>(), prop::option::weighted(0.1, any::<u32>()), reply(), now_ms())
            .prop_map(|(i, id, (s, b), t)| Action::Respond(i, id, s, b, t)),
        1 => (any::<prop::sample::Index>(), prop::option::weighted(0.1, any::<u32>()), text(), now_ms())
            .prop_map(|(i, id, m, t)| Action::TransportError(i, id, m, t)),
        3 => prop::option::weighted(0.2, text()).prop_map(Action::StorageResult),
        2 => Just(Action::Drain),
    ]
}

fn client_options() -> impl Strategy<Value = String> {
    let opts = (
        prop::option::of(prop_oneof![text().prop_map(Value::from), json_leaf()]),
        prop::option::of(prop_oneof![any::<bool>().prop_map(Value::from), json_leaf()]),
        prop::option::of(json_object()),
        prop::option::of(prop_oneof![any::<f64>().prop_map(|f| json!(f)), number_field()]),
    )
        .prop_map(|(key, persist, headers, timeout)| {
            let mut auth = Map::new();
            if let Some(k) = key {
                auth.insert("storageKey".into(), k);
            }
            if let Some(p) = persist {
                auth.insert("persistSession".into(), p);
            }
            let mut o = Map::new();
            o.insert("auth".into(), Value::Object(auth));
            if let Some(h) = headers {
                o.insert("global".into(), json!({ "headers": h }));
            }
            if let Some(t) = timeout {
                o.insert("requestTimeout".into(), t);
            }
            Value::Object(o).to_string()
        });
    prop_oneof![4 => opts, 1 => Just("{}".to_owned()), 1 => raw_around(json_value().prop_map(|v| v.to_string()).boxed())]
}

/// What the test saw of the client: the op ids it handed out and the outputs it produced.
#[derive(Default)]
struct Seen {
    ops: BTreeSet<u32>,
    done: BTreeMap<u32, u32>,
    http_open: Vec<u32>,
    http_seen: Vec<u32>,
    unacked_sets: usize,
    /// A request failed in a retryable way (transport error, 5xx): the client may now wait for
    /// a back-off timer, which this test does not drive.
    retry_possible: bool,
    last_written: Option<String>,
}

impl Seen {
    /// Drains the client (whose storage writes the actions answer) and checks every output.
    fn drain(&mut self, w: &mut World) -> Result<usize, TestCaseError> {
        let outs = w.drain();
        for o in &outs {
            let text = o.to_json();
            // JSON at any depth (a deep user comes back whole); its own fields are shallow.
            if let Err(e) = serde_json::from_str::<IgnoredAny>(&text) {
                return Err(TestCaseError::fail(format!("to_json is not JSON ({e}): {text}")));
            }
            // Its own (top-level) fields, each read alone: a member the core carries as text may
            // hold a number past f64's range (`-7E64962623848296`, valid JSON that `read` rejects).
            let v: Value = members(&text)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, t)| read(t).map(|v| (k, v)))
                .collect::<serde_json::Map<_, _>>()
                .into();
            prop_assert!(v["type"].is_string(), "no type: {}", text);
            match o {
                Output::Http(r) => {
                    prop_assert_eq!(v["id"].as_u64(), Some(u64::from(r.id)));
                    self.http_open.push(r.id);
                    self.http_seen.push(r.id);
                }
                Output::StorageSet { key, value } => {
                    if key == w.c.storage_key() {
                        prop_assert!(
                            Session::from_stored(value).is_some(),
                            "the client stores what it reads: {}",
                            value
                        );
                    }
                    self.unacked_sets += 1;
                    self.last_written = Some(value.clone());
                }
                Output::Done { op, data, .. } => {
                    prop_assert!(serde_json::from_str::<IgnoredAny>(data.text()).is_ok(), "data: {}", data.text());
                    prop_assert_eq!(v["op"].as_u64(), Some(u64::from(*op)));
                    *self.done.entry(*op).or_default() += 1;
                    prop_assert!(self.ops.contains(op), "Done for an op never started: {}", op);
                    prop_assert_eq!(self.done.get(op).copied(), Some(1), "two Done for op {}", op);
                }
                _ => {}
            }
        }
        Ok(outs.len())
    }

    fn stored<'a>(&'a self, s: &'a Stored) -> Option<&'a str> {
        match s {
            Stored::None => None,
            Stored::LastWritten => self.last_written.as_deref(),
            Stored::Text(t) => Some(t),
        }
    }

    fn pick(&mut self, i: &prop::sample::Index, made_up: Option<u32>) -> u32 {
        if let Some(id) = made_up {
            return id;
        }
        // Mostly an open request; sometimes one already answered (a late duplicate reply).
        if !self.http_open.is_empty() && i.index(4) != 0 {
            return self.http_open.remove(i.index(self.http_open.len()));
        }
        if self.http_seen.is_empty() {
            0
        } else {
            self.http_seen[i.index(self.http_seen.len())]
        }
    }
}

#[test]
fn client_survives_arbitrary_calls_and_replies_and_finishes_every_op() {
    let strategy = || {
        (
            prop_oneof![3 => Just("https://abcdefghij.baseapi.memfiredb.com".to_owned()), 1 => url_like(), 1 => text()],
            prop_oneof![3 => Just("anon-key".to_owned()), 1 => text()],
            client_options(),
            // Each call mostly followed by draining `poll()`, as the shim does.
            prop::collection::vec((action(), prop::bool::weighted(0.85)), 0..24),
        )
    };
    check("client", strategy, |(url, key, options, actions)| {
        let mut w = World::with(Client::new(&url, &key, &options)).writes(Writes::Leave);
        let mut seen = Seen::default();
        seen.drain(&mut w)?;
        for (a, drain_after) in &actions {
            match a {
                Action::Restore(s, t) => w.c.restore(seen.stored(s), *t),
                Action::GetSession(s, t) => {
                    let op = w.c.get_session(seen.stored(s), *t);
                    prop_assert!(seen.ops.insert(op), "op id {} reused", op);
                }
                Action::SignIn(p, t) => {
                    let op = w.c.sign_in_with_wechat(p, *t);
                    prop_assert!(seen.ops.insert(op), "op id {} reused", op);
                }
                Action::Respond(i, made_up, status, body, t) => {
                    let id = seen.pick(i, *made_up);
                    seen.retry_possible |= is_retryable_status(*status);
                    w.c.handle_response(id, *status, body, *t);
                }
                Action::TransportError(i, made_up, msg, t) => {
                    let id = seen.pick(i, *made_up);
                    seen.retry_possible = true;
                    w.c.handle_transport_error(id, msg, *t);
                }
                Action::StorageResult(err) => {
                    w.c.handle_storage_result(err.as_deref());
                    seen.unacked_sets = seen.unacked_sets.saturating_sub(1);
                }
                Action::Drain => {
                    seen.drain(&mut w)?;
                }
            }
            if *drain_after {
                seen.drain(&mut w)?;
            }
        }
        // Settle like a shim whose server now answers every request with a plain 400 and whose
        // storage accepts every write: then every operation must have finished.
        let mut rounds = 0;
        loop {
            rounds += 1;
            prop_assert!(rounds < 1_000, "the client never settles");
            let produced = seen.drain(&mut w)?;
            if let Some(id) = seen.http_open.pop() {
                w.c.handle_response(id, 400, r#"{"code":"validation_failed","message":"no"}"#, 1.8e12);
            } else if seen.unacked_sets > 0 {
                seen.unacked_sets -= 1;
                w.c.handle_storage_result(None);
            } else if produced == 0 {
                break;
            }
        }
        // (Two Done for one op fail in `drain`; an op still open here may be waiting for a retry
        // back-off timer after a retryable failure: timers are driven by methods not used here.)
        for op in &seen.ops {
            if !seen.retry_possible {
                prop_assert_eq!(seen.done.get(op).copied(), Some(1), "op {} did not finish", op);
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Hand-picked inputs, replayed through every parser

#[test]
fn corpus_inputs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/fuzz_corpus") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        let text = text.as_ref();
        let _ = Session::from_stored(text);
        let _ = Session::from_token_response(text, 1.7e12);
        for status in [0, 200, 400, 403, 500, 520, 999] {
            let e = from_http(status, text);
            assert_eq!(is_retryable_status(status), e.kind() == ErrorKind::AuthRetryableFetchError);
            assert!(!e.message.is_empty(), "{path:?}");
        }
        let _ = BaseUrl::parse(text);
        let enc = encode_query_value(text);
        assert_eq!(percent_decode_str(&enc).decode_utf8().ok().as_deref(), Some(text));
        let _ = jwt::decode_claims(text);
        let _ = jwt::decode_claims(&format!("h.{}.s", URL_SAFE_NO_PAD.encode(&bytes)));
        let _ = callback::parse(text);
        let mut c = Client::new("https://abcdefghij.baseapi.memfiredb.com", "anon-key", text);
        c.restore(Some(text), 1.7e12);
        c.get_session(Some(text), 1.7e12);
        c.sign_in_with_wechat(text, 1.7e12);
        c.sign_in_with_wechat(&json!({ "code": text }).to_string(), 1.7e12);
        while let Some(o) = c.poll() {
            assert!(serde_json::from_str::<Value>(&o.to_json()).is_ok());
            if let Output::Http(r) = o {
                c.handle_response(r.id, 200, text, 1.7e12);
            }
        }
        n += 1;
    }
    assert!(n >= 10, "the corpus has {n} files");
}

// ---------------------------------------------------------------------------------------------
// Huge inputs (issue 13 item 5): Database chains with long strings and many filters. Building a
// request never panics; a request is sent iff its URL and headers fit in rest::MAX_URL, and what
// is sent carries the table name as one path segment that decodes back to it.

use supabase_wechat::data::rest as rest_api;
use supabase_wechat::data::{Built as RestBuilt, Endpoints};

/// A long string made cheaply: a short piece (reserved URL characters, multi-byte, NUL, spaces
/// among them) repeated up to 80,000 times.
fn huge_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("a".to_owned()),
        Just("é".to_owned()),
        Just("表".to_owned()),
        Just("👍".to_owned()),
        Just("%,()&=#?/\\. \"".to_owned()),
        Just("\u{0}".to_owned()),
        "[a-z0-9 ,.]{1,8}",
        text(),
    ];
    (piece, prop_oneof![0usize..64, 1_000usize..80_000]).prop_map(|(p, n)| p.repeat(n))
}

fn huge_filter() -> impl Strategy<Value = Value> {
    prop_oneof![
        huge_text().prop_map(|v| json!(["eq", "task", v])),
        (huge_text(), huge_text()).prop_map(|(k, v)| json!(["match", [[k, v]]])),
        (0usize..20_000).prop_map(|n| json!([
            "in",
            "id",
            (0..n).map(|i| json!([i.to_string(), false])).collect::<Vec<_>>()
        ])),
        (0usize..3_000).prop_map(|n| json!(["match", (0..n).map(|i| json!([i.to_string(), "x"])).collect::<Vec<_>>()])),
        huge_text().prop_map(|v| json!(["setHeader", "x-h", v])),
    ]
}

/// [start, ops]: a table or function name (possibly huge or odd) and up to 3,000 filters.
fn huge_chain() -> impl Strategy<Value = Value> {
    let name = prop_oneof![Just("todos".to_owned()), Just(".".to_owned()), Just("..".to_owned()), huge_text(), text()];
    let many_small = (1usize..3_000)
        .prop_map(|n| (0..n).map(|i| json!(["order", i.to_string(), i % 2 == 0, null, null])).collect::<Vec<_>>());
    let few_big = prop::collection::vec(huge_filter(), 0..4);
    (name, any::<bool>(), prop_oneof![many_small, few_big]).prop_map(|(name, rpc, mut ops)| {
        if rpc {
            json!({ "start": ["rpc", name, false, true, null, false, [["q", "1"]]], "ops": ops })
        } else {
            ops.insert(0, json!(["select", "id", false, null]));
            json!({ "start": ["from", name], "ops": ops })
        }
    })
}

/// The length of `s` as a path segment: RFC 3986's unreserved bytes as they are, others `%XX`.
fn name_len(s: &str) -> usize {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { 1 } else { 3 }).sum()
}

#[test]
fn huge_database_chains_are_sent_iff_they_fit() {
    let ep = Endpoints {
        rest: "https://abcdefghij.baseapi.memfiredb.com/rest/v1".into(),
        storage: String::new(),
        functions: String::new(),
        schema: None,
        headers: vec![("apikey".into(), "anon-key".into())],
    };
    let mut config = fuzz_config();
    config.cases = (config.cases / 20).max(50);
    let mut runner = TestRunner::new(config);
    let result = runner.run(&huge_chain(), |chain| {
        let name = chain["start"][1].as_str().unwrap_or_default().to_owned();
        let rpc = chain["start"][0] == "rpc";
        match rest_api::build("request", std::slice::from_ref(&chain), &ep) {
            RestBuilt::Send(r) => {
                let headers: usize = r.headers.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
                prop_assert!(r.url.len() + headers <= rest_api::MAX_URL, "{} + {headers}", r.url.len());
                let path = r.url.split('?').next().unwrap_or_default();
                let segment = path.rsplit('/').next().unwrap_or_default();
                prop_assert!(!name.contains('\0') && name != "." && name != "..");
                let decoded = percent_decode_str(segment).decode_utf8().map(|d| d.into_owned()).ok();
                prop_assert_eq!(decoded.as_deref(), Some(name.as_str()));
                let prefix = if rpc {
                    "https://abcdefghij.baseapi.memfiredb.com/rest/v1/rpc/"
                } else {
                    "https://abcdefghij.baseapi.memfiredb.com/rest/v1/"
                };
                prop_assert_eq!(path.len(), prefix.len() + segment.len());
                prop_assert!(!r.url.contains('#'));
            }
            RestBuilt::Done(o) => {
                let e = o.error.expect("a refusal is an error");
                let code = e.get("code").and_then(Value::as_str).unwrap_or_default().to_owned();
                let message = e.get("message").and_then(Value::as_str).unwrap_or_default().to_owned();
                prop_assert!(!message.is_empty());
                if name.contains('\0') || name == "." || name == ".." {
                    prop_assert_eq!(code, "invalid_name");
                } else {
                    // Refused only for its size (or a header value fetch's Headers would refuse); the
                    // name alone may be too long: its segment is at least as long as its bytes.
                    prop_assert!(
                        code == "request_too_large" || message.starts_with("TypeError: Headers.set"),
                        "{code}: {message}"
                    );
                    if code == "request_too_large" && chain["ops"].as_array().is_some_and(|o| o.len() == 1) && !rpc {
                        // from(name).select('id') alone: refused iff its URL is past the bound.
                        let url = "https://abcdefghij.baseapi.memfiredb.com/rest/v1/?select=id".len() + name_len(&name);
                        prop_assert!(url + "apikey".len() + "anon-key".len() + 4 > rest_api::MAX_URL);
                    }
                }
            }
        }
        Ok(())
    });
    eprintln!("fuzz-inputs huge_database_chains_are_sent_iff_they_fit {}", runner.config().cases);
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn huge_chains_through_the_client_keep_memory_proportional() {
    // Through Client::data as the shim calls it: every output is JSON, one Done per refused call,
    // and a refused chain of any size leaves the same outputs as a small one (nothing of it kept).
    let mut c = Client::new("https://abcdefghij.baseapi.memfiredb.com", "anon-key", "{}");
    for (n, expect_sent) in [(10usize, true), (5_000, true), (100_000, false)] {
        let ids: Vec<Value> = (0..n).map(|i| json!([i.to_string(), false])).collect();
        let chain = json!({ "start": ["from", "todos"], "ops": [["select", "id", false, null], ["in", "id", ids]] });
        let op = c.data("rest", "request", &json!([chain]).to_string(), 1.7e12);
        let mut sent = false;
        let mut done = 0;
        while let Some(o) = c.poll() {
            let v: Value = serde_json::from_str(&o.to_json()).expect("output is JSON");
            if v["type"] == "fetch" {
                sent = true;
                assert!(v["url"].as_str().unwrap_or_default().len() <= rest_api::MAX_URL);
            }
            if matches!(o, Output::Done { op: d, .. } if d == op) {
                done += 1;
                assert_eq!(v["data"]["error"]["code"], "request_too_large", "{n}");
            }
        }
        assert_eq!((sent, done), (expect_sent, usize::from(!expect_sent)), "{n} ids");
    }
    let op = c.data("rest", "request", &json!([{ "tooLarge": 123_456_789 }]).to_string(), 1.7e12);
    let outs: Vec<Output> = std::iter::from_fn(|| c.poll()).collect();
    assert!(outs.iter().any(|o| matches!(o, Output::Done { op: d, .. } if *d == op)));
}

/// The body `token_response_matches_the_model` once drew (a member's number past f64): JSON by
/// the grammar, refused by serde_json, read by the core, which copies that member as text.
#[test]
fn a_token_response_with_a_number_past_f64() {
    let body = "{\"access_token\":\"0\",\"token_type\":\"\",\"expires_in\":1600000000,\"refresh_token\":\"r\",\
                \"user\":null,\"expires_at\":1000000000,\"x\":[0.0,1E00000309]}";
    assert!(is_json(body) && serde_json::from_str::<Value>(body).is_err());
    let s = Session::from_token_response(body, 1_600_000_000_000.0);
    assert_eq!(s.and_then(|s| s.expires_in), Some(1_600_000_000));
}
