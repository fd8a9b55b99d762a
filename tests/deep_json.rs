//! JSON nested deeper than serde_json's recursion limit (128) from every side: a user whose
//! `user_metadata` another client nested 200 or 10,000 levels deep (GoTrue stores and returns up
//! to 10,000: Go's `encoding/json` limit, supabase/auth decodes request bodies with it), in
//! sign-in, refresh, `getUser`, `updateUser` replies, the access token's claims and the stored
//! session; realtime payloads from other clients; an Edge Function's error body; and the caller's
//! own arguments. Each must come through whole, its deep part byte for byte, and on a stack as
//! small as the wasm build's (1 MiB, wasm-ld's default): a recursive parse, write, clone or drop
//! of 10,000 levels would overflow it.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{Outputs, World, T0};
use serde_json::json;
use supabase_wechat::{AuthEvent, Output, Session};

const DEPTHS: [usize; 2] = [200, 10_000];

/// Runs `f` on a thread with the wasm build's stack (1 MiB); debug frames are larger than the
/// release wasm's, so this is the stricter of the two.
fn on_wasm_stack(f: impl FnOnce() + Send) {
    std::thread::scope(|s| {
        let t = std::thread::Builder::new().stack_size(1 << 20).spawn_scoped(s, f).expect("spawn");
        if let Err(p) = t.join() {
            std::panic::resume_unwind(p)
        }
    });
}

/// `depth` levels of objects and arrays, alternating, around a string with JSON syntax in it.
fn deep(depth: usize) -> String {
    let mut s = String::with_capacity(depth * 8);
    for i in 0..depth {
        s.push_str(if i % 2 == 0 { "{\"k\":" } else { "[1," });
    }
    s.push_str("\"]}\\\"\\u00e9\"");
    for i in (0..depth).rev() {
        s.push(if i % 2 == 0 { '}' } else { ']' });
    }
    s
}

/// A GoTrue user whose `user_metadata` nests `depth` levels deep.
fn user(depth: usize) -> String {
    format!(
        r#"{{"id":"u-1","aud":"authenticated","phone":"","wechat_id":"o_1","user_metadata":{{"deep":{}}},"app_metadata":{{"provider":"wechat_mini"}}}}"#,
        deep(depth)
    )
}

/// An access token whose claims carry the same metadata, as GoTrue's do (`user_metadata`).
fn access_token(n: u32, depth: usize) -> String {
    token_expiring(n, depth, 1)
}

fn token_expiring(n: u32, depth: usize, exp: i64) -> String {
    let claims = format!(
        r#"{{"sub":"u-1","iss":"https://abcdefghij.baseapi.memfiredb.com/auth/v1","exp":{exp},"n":{n},"user_metadata":{{"deep":{}}}}}"#,
        deep(depth)
    );
    format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", URL_SAFE_NO_PAD.encode(claims))
}

/// A token response (sign-in, refresh) for session `n` with the deep user.
fn token_body(n: u32, depth: usize) -> String {
    format!(
        r#"{{"access_token":"{}","token_type":"bearer","expires_in":3600,"refresh_token":"rt-{n}","user":{},"weak_password":{{"reasons":[]}}}}"#,
        access_token(n, depth),
        user(depth)
    )
}

/// The text of `Done.data` of operation `op`.
fn done_text(outs: &[Output], op: u32) -> String {
    outs.iter()
        .find_map(|o| match o {
            Output::Done { op: got, data, error } if *got == op => {
                assert_eq!(error, &None, "op {op} failed");
                Some(data.text().to_owned())
            }
            _ => None,
        })
        .expect("the operation is done")
}

fn event_sessions(outs: &[Output]) -> Vec<(AuthEvent, String)> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Event { event, session, .. } => Some((*event, session.as_ref().map(|s| s.text().to_owned())?)),
            _ => None,
        })
        .collect()
}

#[test]
fn sign_in_with_a_deep_user() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let mut w = World::new();
            let op = w.c.sign_in_with_wechat(r#"{"code":"c"}"#, w.now);
            let req = w.drain().only_http().clone();
            w.reply(req.id, 200, &token_body(1, depth));
            let outs = w.drain();
            let data = done_text(&outs, op);
            assert!(data.contains(&deep(depth)), "the user comes back whole ({depth})");
            assert!(data.starts_with(r#"{"user":{"id":"u-1""#), "{}", &data[..40]);
            let events = event_sessions(&outs);
            assert_eq!(events.len(), 1);
            assert_eq!(events[0].0, AuthEvent::SignedIn);
            assert!(events[0].1.contains(&user(depth)));
            let stored = w.stored().expect("stored");
            assert!(stored.contains(&user(depth)) && stored.contains(r#""weak_password":{"reasons":[]}"#));
            assert_eq!(w.token(), access_token(1, depth));
        });
    }
}

#[test]
fn refresh_with_a_deep_user() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let mut w = World::signed_in(3600);
            let op = w.c.refresh_session("{}", w.now);
            let req = w.drain().only_http().clone();
            assert!(req.url.ends_with("grant_type=refresh_token"), "{}", req.url);
            w.reply(req.id, 200, &token_body(2, depth));
            let outs = w.drain();
            assert!(done_text(&outs, op).contains(&deep(depth)));
            assert_eq!(event_sessions(&outs)[0].0, AuthEvent::TokenRefreshed);
            assert_eq!(w.c.session().expect("a session").refresh_token, "rt-2");
            assert!(w.stored().expect("stored").contains(&user(depth)));
        });
    }
}

#[test]
fn get_user_and_update_user_with_a_deep_user() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let mut w = World::signed_in(3600);
            let op = w.c.invoke("getUser", "[]", None, &[], w.now);
            let req = w.drain().only_http().clone();
            w.reply(req.id, 200, &user(depth));
            assert_eq!(done_text(&w.drain(), op), format!(r#"{{"user":{}}}"#, user(depth)));

            // updateUser's reply replaces the session's user (USER_UPDATED) and storage.
            let op = w.c.invoke("updateUser", r#"[{"data":{"a":1}}]"#, None, &[], w.now);
            let req = w.drain().only_http().clone();
            w.reply(req.id, 200, &user(depth));
            let outs = w.drain();
            assert_eq!(done_text(&outs, op), format!(r#"{{"user":{}}}"#, user(depth)));
            assert_eq!(event_sessions(&outs)[0].0, AuthEvent::UserUpdated);
            assert!(w.stored().expect("stored").contains(&user(depth)));
        });
    }
}

#[test]
fn a_stored_session_with_a_deep_user_is_restored_and_stored_again_unchanged() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let body = token_body(1, depth);
            let stored = Session::from_token_response(&body, T0).expect("a session").to_stored();
            assert!(stored.contains(&user(depth)));
            let mut w = World::new();
            w.c.restore(Some(&stored), w.now);
            assert!(w.c.poll().is_none(), "kept as it is, not removed");
            let s = w.c.session().expect("restored").clone();
            assert_eq!(s.to_stored(), stored, "stored, restored and stored again: the same text");
            assert_eq!(w.c.session_json(), stored);
            // getSession hands it out whole.
            let op = w.c.get_session(Some(&stored), w.now);
            assert_eq!(done_text(&w.drain(), op), format!(r#"{{"session":{stored}}}"#));
            // The claims are read past the deep ones (`exp` for setSession, `iss` on restore).
            assert_eq!(supabase_wechat::auth::jwt::exp(&s.access_token), Some(1));
        });
    }
}

#[test]
fn a_session_set_from_tokens_whose_claims_are_deep() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let mut w = World::new();
            // Valid for an hour: setSession checks it with getUser (an expired one is refreshed).
            let exp = (T0 / 1000.0) as i64 + 3600;
            let access = token_expiring(1, depth, exp);
            let args = json!({"access_token": access, "refresh_token": "rt-1"}).to_string();
            let op = w.c.set_session(&args, w.now);
            let req = w.drain().only_http().clone();
            w.reply(req.id, 200, &user(depth));
            let outs = w.drain();
            assert!(done_text(&outs, op).contains(&deep(depth)));
            assert_eq!(w.token(), access);
            assert_eq!(w.c.session().and_then(|s| s.expires_at), Some(exp));
        });
    }
}

#[test]
fn realtime_payloads_nested_deep_reach_their_listeners() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let mut w = World::new();
            let ch = w.c.realtime_channel("room", "{}");
            w.c.realtime_on(ch, "broadcast", r#"{"event":"msg"}"#);
            w.c.realtime_on(ch, "postgres_changes", r#"{"event":"*","schema":"public","table":"t"}"#);
            w.c.realtime_subscribe(ch, None, w.now);
            w.drain();
            w.open();
            w.ack_joins();
            let socket = w.socket.expect("open");
            let payload = format!(r#"{{"type":"broadcast","event":"msg","payload":{}}}"#, deep(depth));
            let frame = format!(r#"{{"topic":"realtime:room","event":"broadcast","ref":null,"payload":{payload}}}"#);
            w.c.socket_message(socket, &frame, w.now);
            let row = format!(r#"{{"id":1,"doc":{}}}"#, deep(depth));
            let change = format!(
                r#"{{"topic":"realtime:room","event":"postgres_changes","ref":null,"payload":{{"ids":[100],"data":{{"type":"INSERT","schema":"public","table":"t","commit_timestamp":"2026-01-01T00:00:00Z","columns":[],"record":{row},"errors":null}}}}}}"#
            );
            w.c.socket_message(socket, &change, w.now);
            let delivered: Vec<(Vec<u32>, String)> = w
                .drain()
                .iter()
                .filter_map(|o| match o {
                    Output::Realtime { bindings, payload, .. } => Some((bindings.clone(), payload.text().to_owned())),
                    _ => None,
                })
                .collect();
            assert_eq!(delivered.len(), 2);
            assert_eq!(delivered[0], (vec![0], payload));
            assert_eq!(delivered[1].0, vec![1]);
            assert_eq!(
                delivered[1].1,
                format!(
                    r#"{{"commit_timestamp":"2026-01-01T00:00:00Z","errors":null,"eventType":"INSERT","new":{row},"old":{{}},"schema":"public","table":"t"}}"#
                )
            );
        });
    }
}

#[test]
fn deep_data_in_the_callers_arguments_goes_out_as_it_came() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let mut w = World::signed_in(3600);
            let data = format!(r#"{{"deep":{},"nickname":"卢卡饶"}}"#, deep(depth));
            let op = w.c.invoke("updateUser", &format!(r#"[{{"data":{data}}}]"#), None, &[], w.now);
            let req = w.drain().only_http().clone();
            assert_eq!((req.method, req.url.ends_with("/auth/v1/user")), ("PUT", true));
            assert_eq!(req.body.as_deref(), Some(format!(r#"{{"data":{data}}}"#).as_str()));
            w.reply(req.id, 200, &user(depth));
            assert!(done_text(&w.drain(), op).contains(&deep(depth)));

            // signUp's options.data, and signInWithOtp's.
            let mut w = World::new();
            let args = format!(r#"[{{"email":"a@b.c","password":"pw-123456","options":{{"data":{data}}}}}]"#);
            w.c.invoke("signUp", &args, None, &[], w.now);
            let req = w.drain().only_http().clone();
            assert!(req.url.ends_with("/auth/v1/signup"), "{}", req.url);
            let body = req.body.expect("a body");
            assert!(body.contains(&format!(r#""data":{data}"#)), "{}", &body[..80]);
            let args = format!(r#"[{{"phone":"13800000000","options":{{"data":{data}}}}}]"#);
            w.c.invoke("signInWithOtp", &args, None, &[], w.now);
            let body = w.drain().only_http().body.clone().expect("a body");
            assert!(body.contains(&format!(r#""data":{data}"#)), "{}", &body[..80]);
        });
    }
}

#[test]
fn a_functions_error_body_nested_deep_comes_back_as_the_object() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let mut w = World::new();
            let op = w.c.data("functions", "invoke", r#"["hello",{"body":"json"}]"#, w.now);
            let id = w.drain().only_fetch().id;
            // (Names in order: the shallow levels are read as a `Value`, whose map is sorted.)
            let body = format!(r#"{{"detail":{},"error":"bad input"}}"#, deep(depth));
            let facts = format!(r#"{{"len":{}}}"#, body.len());
            w.c.handle_data_response(id, 400, r#"{"Content-Type":"application/json"}"#, &facts, Some(&body), w.now);
            let out = w.drain();
            let data = out
                .iter()
                .find_map(|o| match o {
                    Output::Done { op: got, data, .. } if *got == op => Some(data.text().to_owned()),
                    _ => None,
                })
                .expect("done");
            // `error.body` (and `context.data`, `response.data`) is the parsed body, not its text.
            for at in [r#""body":"#, r#""data":"#] {
                assert!(data.contains(&format!("{at}{body}")), "{at} ({depth})");
            }
            assert!(data.contains(r#""FunctionsHttpError""#));
        });
    }
}

#[test]
fn a_broadcast_sent_nested_deep_goes_out_as_it_came() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let mut w = World::new();
            let ch = w.c.realtime_channel("room", "{}");
            let payload = format!(r#"{{"type":"broadcast","event":"msg","payload":{}}}"#, deep(depth));
            // Not joined: over HTTP.
            w.c.realtime_push(ch, &payload, None, w.now);
            let body = w.drain().only_http().body.clone().expect("a body");
            assert!(body.contains(&format!(r#""payload":{}"#, deep(depth))), "{}", &body[..60]);
            // Joined: on the socket.
            w.c.realtime_subscribe(ch, None, w.now);
            w.drain();
            w.open();
            w.ack_joins();
            w.c.realtime_push(ch, &payload, None, w.now);
            let sent: Vec<String> = w
                .drain()
                .iter()
                .filter_map(|o| match o {
                    Output::SocketSend { text, .. } => Some(text.clone()),
                    _ => None,
                })
                .collect();
            assert_eq!(sent.len(), 1);
            assert!(sent[0].contains(&format!(r#""payload":{}"#, deep(depth))));
        });
    }
}

#[test]
fn a_presence_meta_nested_deep_reaches_listeners_and_the_presence_state() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let mut w = World::new();
            let ch = w.c.realtime_channel("room", r#"{"config":{"presence":{"key":"me"}}}"#);
            w.c.realtime_on(ch, "presence", r#"{"event":"join"}"#);
            w.c.realtime_subscribe(ch, None, w.now);
            w.drain();
            w.open();
            w.ack_joins();
            let state = format!(
                r#"{{"topic":"realtime:room","event":"presence_state","ref":null,"payload":{{"a":{{"metas":[{{"phx_ref":"A1","doc":{}}}]}}}}}}"#,
                deep(depth)
            );
            w.c.socket_message(w.socket.expect("open"), &state, w.now);
            let joins: Vec<String> = w.drain().call_texts();
            assert_eq!(joins.len(), 1);
            assert!(joins[0].contains(&format!(r#""doc":{}"#, deep(depth))), "{depth}");
            assert_eq!(
                w.c.realtime_presence_state(ch),
                format!(r#"{{"a":[{{"doc":{},"presence_ref":"A1"}}]}}"#, deep(depth))
            );
        });
    }
}

#[test]
fn storage_metadata_nested_deep_goes_out_and_comes_back_as_it_came() {
    for depth in DEPTHS {
        on_wasm_stack(|| {
            let mut w = World::new();
            // Uploaded with the caller's metadata: the multipart field carries it whole.
            let meta = format!(r#"{{"deep":{}}}"#, deep(depth));
            let args = format!(r#"["b","x.png",{{"kind":"file","path":"wxfile://tmp_1"}},{{"metadata":{meta}}}]"#);
            w.c.data("storage", "upload", &args, w.now);
            let out = w.drain();
            let f = out.only_fetch();
            let supabase_wechat::data::Transport::Upload { form, .. } = &f.transport else { panic!("an upload") };
            assert!(form.iter().any(|(k, v)| k == "metadata" && *v == meta), "{depth}");
            // Another client's object, read back with info(): its metadata comes back whole.
            let op = w.c.data("storage", "info", r#"["b","x.png"]"#, w.now);
            let id = w.drain().only_fetch().id;
            let body = format!(r#"{{"id":"i","name":"x.png","metadata":{meta},"size":3}}"#);
            let facts = format!(r#"{{"len":{}}}"#, body.len());
            w.c.handle_data_response(id, 200, r#"{"content-type":"application/json"}"#, &facts, Some(&body), w.now);
            let data = done_text(&w.drain(), op);
            assert!(data.contains(&format!(r#""metadata":{meta}"#)), "{depth}: {}", &data[..data.len().min(120)]);
        });
    }
}
