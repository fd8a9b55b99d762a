//! `auth.admin.*` in the core (src/auth/admin.rs): what each sends (the client's key as bearer,
//! auth-js 2.119's paths and bodies), what a reply resolves with (auth-js' `_userResponse`,
//! `_generateLinkResponse`, `listUsers`' reading of `Link` / `X-Total-Count`), `deleteUser`'s
//! read-then-delete, and that the session is never touched.

mod common;

use common::{Outputs, World, KEY};
use serde_json::{json, Value};

const ID: &str = "715ed5db-f090-4b8c-a067-640ecee36aa0";

fn call(w: &mut World, name: &str, args: Value) -> (u32, Vec<supabase_wechat::Output>) {
    let op = w.c.invoke(name, &args.to_string(), None, &[], w.now);
    (op, w.drain())
}

fn bearer(r: &supabase_wechat::HttpRequest) -> String {
    r.headers.get("Authorization").and_then(Value::as_str).unwrap_or("").to_owned()
}

#[test]
fn calls_carry_the_clients_key_even_when_signed_in_and_leave_the_session_alone() {
    let mut w = World::signed_in(3600);
    let session = w.c.session_json().to_owned();
    let (op, out) = call(&mut w, "admin.createUser", json!([{ "email": "a@example.com", "email_confirm": true }]));
    let r = out.only_http().clone();
    assert_eq!((r.method, r.url.as_str()), ("POST", "https://abcdefghij.baseapi.memfiredb.com/auth/v1/admin/users"));
    assert_eq!(bearer(&r), format!("Bearer {KEY}"));
    assert_eq!(
        serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap(),
        json!({ "email": "a@example.com", "email_confirm": true })
    );
    // GoTrue answers with the user itself; auth-js wraps it: { user }.
    w.reply(r.id, 200, r#"{"id":"u1","email":"a@example.com"}"#);
    let out = w.drain();
    assert_eq!(out.done(op), Some(json!({ "user": { "id": "u1", "email": "a@example.com" } })));
    assert!(out.events().is_empty());
    assert_eq!(w.c.session_json(), session);
    // A refusal is the caller's: 403 not_admin, `{ user: null }`, and the session stays.
    let (op, out) = call(&mut w, "admin.getUserById", json!([ID]));
    let r = out.only_http().clone();
    assert!(r.url.ends_with(&format!("/admin/users/{ID}")));
    w.reply(r.id, 403, r#"{"code":"not_admin","message":"User not allowed"}"#);
    let out = w.drain();
    let (_, data, err) = out.dones().into_iter().find(|d| d.0 == op).unwrap();
    assert_eq!(data, json!({ "user": null }));
    let err = err.unwrap();
    assert_eq!(
        (err.status, err.code.as_deref(), err.message.as_str()),
        (Some(403), Some("not_admin"), "User not allowed")
    );
    assert_eq!(w.c.session_json(), session);
    assert!(out.http().is_empty(), "no refresh and no retry for the client's own key");
}

#[test]
fn list_users_reads_link_and_total_count() {
    let mut w = World::new();
    let (op, out) = call(&mut w, "admin.listUsers", json!([{ "page": 2, "perPage": 20 }]));
    let r = out.only_http().clone();
    assert!(r.url.ends_with("/admin/users?page=2&per_page=20"), "{}", r.url);
    let headers = json!({
        "Link": "</admin/users?page=3&per_page=20>; rel=\"next\", </admin/users?page=12&per_page=20>; rel=\"last\"",
        "X-Total-Count": "231"
    });
    let body = r#"{"users":[{"id":"u1"}],"aud":"authenticated"}"#;
    w.c.handle_response_with_headers(r.id, 200, body, &headers.to_string(), w.now);
    let data = w.drain().done(op).unwrap();
    // auth-js reads only the first digit of a page (`substring(0, 1)`: 12 → 1); the whole number here.
    assert_eq!(
        data,
        json!({ "users": [{ "id": "u1" }], "aud": "authenticated", "nextPage": 3, "lastPage": 12, "total": 231 })
    );
    let keys: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, Value>>(&data.to_string()).unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 5);

    // No arguments: empty page and per_page (auth-js' URLSearchParams); no Link: total 0, as auth-js.
    let (op, out) = call(&mut w, "admin.listUsers", json!([]));
    let r = out.only_http().clone();
    assert!(r.url.ends_with("/admin/users?page=&per_page="), "{}", r.url);
    w.reply(r.id, 200, r#"{"users":[],"aud":"authenticated"}"#);
    assert_eq!(
        w.drain().done(op),
        Some(json!({ "users": [], "aud": "authenticated", "nextPage": null, "lastPage": 0, "total": 0 }))
    );
    // A failure: `{ users: [] }`.
    let (op, out) = call(&mut w, "admin.listUsers", json!([]));
    w.reply(out.only_http().id, 403, r#"{"code":"not_admin","message":"User not allowed"}"#);
    assert_eq!(w.drain().done(op), Some(json!({ "users": [] })));
}

#[test]
fn delete_user_reads_the_user_then_deletes_it() {
    let mut w = World::new();
    let (op, out) = call(&mut w, "admin.deleteUser", json!([ID, true]));
    let get = out.only_http().clone();
    assert_eq!(get.method, "GET");
    w.reply(get.id, 200, &json!({ "id": ID, "email": "gone@example.com" }).to_string());
    let out = w.drain();
    let del = out.only_http().clone();
    assert_eq!(del.method, "DELETE");
    assert!(del.url.ends_with(&format!("/admin/users/{ID}")));
    assert_eq!(del.body.as_deref(), Some(r#"{"should_soft_delete":true}"#));
    assert_eq!(bearer(&del), format!("Bearer {KEY}"));
    w.reply(del.id, 200, "{}");
    assert_eq!(w.drain().done(op), Some(json!({ "user": { "id": ID, "email": "gone@example.com" } })));

    // The read fails: nothing is deleted.
    let (op, out) = call(&mut w, "admin.deleteUser", json!([ID]));
    w.reply(out.only_http().id, 404, r#"{"code":"user_not_found","message":"User not found"}"#);
    let out = w.drain();
    assert!(out.http().is_empty());
    assert_eq!(out.done(op), Some(json!({ "user": null })));
}

#[test]
fn generate_link_splits_properties_from_the_user() {
    let mut w = World::new();
    let args = json!([{ "type": "email_change_new", "email": "a@example.com", "newEmail": "b@example.com",
                        "options": { "redirectTo": "https://app.example.com/x", "data": { "k": 1 } } }]);
    let (op, out) = call(&mut w, "admin.generateLink", args);
    let r = out.only_http().clone();
    assert!(r.url.ends_with("/admin/generate_link?redirect_to=https%3A%2F%2Fapp.example.com%2Fx"), "{}", r.url);
    assert_eq!(
        serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap(),
        json!({ "type": "email_change_new", "email": "a@example.com", "new_email": "b@example.com",
                "redirectTo": "https://app.example.com/x", "data": { "k": 1 } })
    );
    let reply = json!({ "id": "u1", "email": "a@example.com", "action_link": "https://x/verify?token=t",
        "email_otp": "123456", "hashed_token": "t", "redirect_to": "https://app.example.com/x",
        "verification_type": "email_change_new" });
    w.reply(r.id, 200, &reply.to_string());
    assert_eq!(
        w.drain().done(op),
        Some(json!({
            "properties": { "action_link": "https://x/verify?token=t", "email_otp": "123456", "hashed_token": "t",
                            "redirect_to": "https://app.example.com/x", "verification_type": "email_change_new" },
            "user": { "id": "u1", "email": "a@example.com" }
        }))
    );
}

#[test]
fn bad_arguments_fail_without_a_request() {
    let mut w = World::new();
    for (name, args, data) in [
        ("admin.getUserById", json!(["nope"]), json!({ "user": null })),
        ("admin.updateUserById", json!([ID.to_uppercase().replace('A', "G"), {}]), json!({ "user": null })),
        ("admin.deleteUser", json!([null]), json!({ "user": null })),
        ("admin.mfa.listFactors", json!([{ "userId": 1 }]), Value::Null),
        ("admin.mfa.deleteFactor", json!([{ "userId": ID, "id": "x" }]), Value::Null),
        ("admin.signOut", json!(["jwt", "all"]), Value::Null),
        ("admin.generateLink", json!(["magiclink"]), json!({ "properties": null, "user": null })),
    ] {
        let (op, out) = call(&mut w, name, args);
        assert!(out.http().is_empty(), "{name}");
        let (_, got, err) = out.dones().into_iter().find(|d| d.0 == op).unwrap();
        assert_eq!(got, data, "{name}");
        assert_eq!(err.unwrap().status, Some(400), "{name}");
    }
    // Upper-case UUIDs pass (auth-js' regex is case-insensitive).
    let (_, out) = call(&mut w, "admin.getUserById", json!([ID.to_uppercase()]));
    assert_eq!(out.http().len(), 1);
}

#[test]
fn sign_out_sends_the_given_jwt_and_factors_wrap() {
    let mut w = World::signed_in(3600);
    let session = w.c.session_json().to_owned();
    let (op, out) = call(&mut w, "admin.signOut", json!(["other-users-jwt", "others"]));
    let r = out.only_http().clone();
    assert!(r.url.ends_with("/logout?scope=others"));
    assert_eq!(bearer(&r), "Bearer other-users-jwt");
    w.reply(r.id, 204, "");
    let out = w.drain();
    assert_eq!(out.done(op), Some(Value::Null));
    assert!(out.events().is_empty(), "the client's own session is not signed out");
    assert_eq!(w.c.session_json(), session);

    let (op, out) = call(&mut w, "admin.mfa.listFactors", json!([{ "userId": ID }]));
    let r = out.only_http().clone();
    assert!(r.url.ends_with(&format!("/admin/users/{ID}/factors")));
    w.reply(r.id, 200, r#"[{"id":"f1","factor_type":"totp","status":"verified"}]"#);
    assert_eq!(
        w.drain().done(op),
        Some(json!({ "factors": [{ "id": "f1", "factor_type": "totp", "status": "verified" }] }))
    );
}

/// js-shim/auth-admin.js invokes every `admin.*` method of the core's table, and only those.
#[test]
fn the_shim_invokes_every_admin_method_by_its_table_name() {
    use supabase_wechat::auth::calls::AuthMethod;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js-shim/auth-admin.js");
    let js = std::fs::read_to_string(path).expect("js-shim/auth-admin.js");
    let mut invoked: Vec<&str> = js.split('\'').filter(|s| s.starts_with("admin.")).collect();
    invoked.sort_unstable();
    invoked.dedup();
    let mut table: Vec<&str> = AuthMethod::ALL.iter().map(|m| m.name()).filter(|n| n.starts_with("admin.")).collect();
    table.sort_unstable();
    assert_eq!(invoked, table);
    assert_eq!(table.len(), 10);
}
