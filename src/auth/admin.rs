//! `auth.admin.*` and `auth.admin.mfa.*`: auth-js' `GoTrueAdminApi` over GoTrue's admin API
//! (supabase/auth `internal/api/admin.go`, `invite.go`, `mail.go`). Every call carries the
//! client's own key as its bearer (supabase-js builds the admin API with the client's headers,
//! `Authorization: Bearer <key>`), so it works for a client made with the service-role key; any
//! other token gets GoTrue's 403 `not_admin` ("User not allowed"). The session is never touched.
//!
//! What each resolves with is auth-js 2.x's: `{ user }` (`_userResponse`: the reply's `user`, or
//! the reply itself), `{ properties, user }` for `generateLink` (`_generateLinkResponse`),
//! `{ users, aud, nextPage, lastPage, total }` for `listUsers` (the `Link` and `X-Total-Count`
//! headers), `{ factors }`, the deleted factor, `null`. `deleteUser` first reads the user, as
//! auth-js 2.119 does, and resolves with it once the `DELETE` succeeded.

use crate::encoding::json;
use crate::encoding::query::encode_query_value;
use crate::encoding::text::{self, cat, decimal};
use crate::prelude::*;
use serde_json::{Map, Value};

use super::calls::{Args, Cx, Plan};
use super::error::{AuthError, ErrorKind};
use super::requests::{self as req, Call, Identity, Params, Step};
use crate::output::Json;

/// What a 2xx reply of an admin call means.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    /// `{ user }`: the reply's `user` member, or the reply itself.
    User,
    /// `generateLink`: `{ properties, user }`.
    Link,
    /// `listUsers`: the reply's members and the pagination of its headers.
    Users,
    /// `mfa.listFactors`: `{ factors }`.
    Factors,
    /// The reply as it is (`mfa.deleteFactor`: the deleted factor).
    Body,
    /// `null` (`signOut`).
    Null,
    /// `deleteUser`'s first step: the user was read; now delete it.
    Fetched { path: String, soft: bool },
    /// `deleteUser`'s `DELETE` succeeded: `{ user }` with the user read before.
    Deleted(String),
}

/// What the machine does with a 2xx reply.
pub enum Next {
    Data(Json),
    Send(Call),
    Fail(AuthError),
}

const UUID: &str = "@supabase/auth-js: Expected parameter to be UUID but is not";

#[inline(never)]
fn call(method: &'static str, path: String, body: Option<Value>, read: Read) -> Call {
    Call { method, path, body, bearer: Identity::Anon, step: Step::Admin(read), retry: false }
}

/// auth-js' `validateUUID` (`/^[0-9a-f]{8}-…-[0-9a-f]{12}$/i`).
fn uuid(v: Option<&Value>) -> Result<String, AuthError> {
    let s = v.and_then(Value::as_str).unwrap_or("");
    let mut ok = s.len() == 36;
    for (i, b) in s.as_bytes().iter().enumerate() {
        ok &= if matches!(i, 8 | 13 | 18 | 23) { *b == b'-' } else { b.is_ascii_hexdigit() };
    }
    if ok {
        Ok(s.to_owned())
    } else {
        Err(AuthError::invalid_input(UUID))
    }
}

/// `/admin/users/{uuid v}{rest}`.
#[inline(never)]
fn user_path(v: Option<&Value>, rest: &str) -> Result<String, AuthError> {
    uuid(v).map(|id| cat(&["/admin/users/", &id, rest]))
}

fn plan(r: Result<Call, AuthError>) -> Plan {
    match r {
        Ok(c) => Plan::Call(c),
        Err(e) => Plan::Fail(e),
    }
}

fn object(a: &Args, i: usize, name: &str) -> Result<Params, AuthError> {
    req::params(a.get(i), name)
}

/// `createUser(attributes)`: `POST /admin/users` with the attributes as they are.
pub fn admin_create_user(a: &Args, _: &Cx) -> Plan {
    plan(object(a, 0, "createUser").map(|p| call("POST", "/admin/users".into(), Some(Value::Object(p)), Read::User)))
}

/// `getUserById(uid)`.
pub fn admin_get_user_by_id(a: &Args, _: &Cx) -> Plan {
    plan(user_path(a.get(0), "").map(|path| call("GET", path, None, Read::User)))
}

/// `updateUserById(uid, attributes)`: `PUT /admin/users/{uid}`.
pub fn admin_update_user_by_id(a: &Args, _: &Cx) -> Plan {
    plan(user_path(a.get(0), "").and_then(|path| {
        let p = object(a, 1, "updateUserById")?;
        Ok(call("PUT", path, Some(Value::Object(p)), Read::User))
    }))
}

/// `deleteUser(id, shouldSoftDelete = false)`: `GET` the user, then `DELETE` it.
pub fn admin_delete_user(a: &Args, _: &Cx) -> Plan {
    let soft = a.get(1).and_then(Value::as_bool).unwrap_or(false);
    plan(user_path(a.get(0), "").map(|path| call("GET", path.clone(), None, Read::Fetched { path, soft })))
}

/// `?redirect_to=` from `options.redirectTo`.
fn redirect(opts: Option<&Value>) -> String {
    match opts.and_then(|o| o.get("redirectTo")).and_then(Value::as_str).filter(|s| !s.is_empty()) {
        Some(r) => cat(&["?redirect_to=", &encode_query_value(r)]),
        None => String::new(),
    }
}

/// `inviteUserByEmail(email, { data, redirectTo })`: `POST /invite`.
pub fn admin_invite_user_by_email(a: &Args, _: &Cx) -> Plan {
    let opts = a.get(1).filter(|v| v.is_object());
    let body = req::object(vec![
        ("email", a.get(0).filter(|v| !v.is_null()).cloned()),
        ("data", opts.and_then(|o| o.get("data")).filter(|v| !v.is_null()).cloned()),
    ]);
    Plan::Call(call("POST", cat(&["/invite", &redirect(opts)]), Some(body), Read::User))
}

/// `generateLink({ type, email, password, newEmail, options: { data, redirectTo } })`: the
/// body is `{ ...params, ...options }` with `newEmail` sent as `new_email`, as auth-js sends it.
pub fn admin_generate_link(a: &Args, _: &Cx) -> Plan {
    let p = match object(a, 0, "generateLink") {
        Ok(p) => p,
        Err(e) => return Plan::Fail(e),
    };
    let opts = p.get("options").filter(|v| v.is_object());
    let mut body = Map::new();
    for (k, v) in &p {
        if k != "options" && k != "newEmail" {
            json::put(&mut body, k, v.clone());
        }
    }
    if let Some(o) = opts.and_then(Value::as_object) {
        for (k, v) in o {
            if k != "newEmail" {
                json::put(&mut body, k, v.clone());
            }
        }
    }
    if let Some(n) = p.get("newEmail") {
        json::put(&mut body, "new_email", n.clone());
    }
    let path = cat(&["/admin/generate_link", &redirect(opts)]);
    Plan::Call(call("POST", path, Some(Value::Object(body)), Read::Link))
}

/// `listUsers({ page, perPage })`: `GET /admin/users?page=&per_page=` (empty when not given).
pub fn admin_list_users(a: &Args, _: &Cx) -> Plan {
    let p = a.get(0).filter(|v| v.is_object());
    let q = |k: &str| match p.and_then(|p| p.get(k)) {
        Some(Value::String(s)) => encode_query_value(s),
        Some(v @ Value::Number(_)) => json::to_text(v),
        _ => String::new(),
    };
    let path = cat(&["/admin/users?page=", &q("page"), "&per_page=", &q("perPage")]);
    Plan::Call(call("GET", path, None, Read::Users))
}

/// `signOut(jwt, scope = 'global')`: `POST /logout?scope=` with the user's token; the client's own
/// session is not touched.
pub fn admin_sign_out(a: &Args, _: &Cx) -> Plan {
    let scope = match a.get(1) {
        None | Some(Value::Null) => "global",
        Some(Value::String(s)) if matches!(s.as_str(), "global" | "local" | "others") => s.as_str(),
        Some(_) => {
            return Plan::Fail(AuthError::invalid_input(
                "@supabase/auth-js: Parameter scope must be one of global, local, others",
            ))
        }
    };
    let c = call("POST", cat(&["/logout?scope=", scope]), None, Read::Null);
    match a.get(0).and_then(Value::as_str).filter(|t| !t.is_empty()) {
        Some(jwt) => Plan::CallAs(c, jwt.to_owned()),
        None => Plan::Call(c),
    }
}

/// `mfa.listFactors({ userId })`.
pub fn admin_list_factors(a: &Args, _: &Cx) -> Plan {
    let p = a.get(0);
    plan(
        uuid(p.and_then(|p| p.get("userId")))
            .map(|u| call("GET", cat(&["/admin/users/", &u, "/factors"]), None, Read::Factors)),
    )
}

/// `mfa.deleteFactor({ userId, id })`.
pub fn admin_delete_factor(a: &Args, _: &Cx) -> Plan {
    let p = a.get(0);
    plan(uuid(p.and_then(|p| p.get("id"))).and_then(|f| {
        let path = user_path(p.and_then(|p| p.get("userId")), &cat(&["/factors/", &f]))?;
        Ok(call("DELETE", path, None, Read::Body))
    }))
}

// ---- replies ------------------------------------------------------------------------------------

fn unreadable() -> AuthError {
    AuthError::new(
        ErrorKind::AuthUnknownError,
        "the Auth server's admin reply is not the JSON expected",
        Some(200),
        None,
    )
}

/// `data.user ?? data` (as text).
fn user_of(body: &str) -> Option<&str> {
    let members = json::members(body)?;
    let wrapped = json::last(&members, "user").filter(|v| *v != "null");
    Some(wrapped.unwrap_or_else(|| body.trim()))
}

const PROPS: &[&str] = &["action_link", "email_otp", "hashed_token", "redirect_to", "verification_type"];
const PAGES: &[&str] = &["nextPage", "lastPage", "total"];

/// `{"k":v,…}` of the members whose name is in `names` (`among`) or not in it (`!among`), written
/// back as they came, then `more` (members already written, or nothing).
#[inline(never)]
fn write(members: &[(String, &str)], names: &[&str], among: bool, more: &str) -> String {
    let mut out = String::from("{");
    for (k, v) in members {
        if names.contains(&k.as_str()) != among {
            continue;
        }
        out.push_str(&crate::encoding::text::json(k.as_str()));
        out.push(':');
        out.push_str(v);
        out.push(',');
    }
    out.push_str(more);
    if out.ends_with(',') {
        out.pop();
    }
    out.push('}');
    out
}

/// A header of the reply (`headers` is `res.header` as JSON), by name in any case.
fn header(headers: &str, name: &str) -> Option<String> {
    for (k, v) in &json::members(headers)? {
        if k.eq_ignore_ascii_case(name) {
            return json::string(v);
        }
    }
    None
}

/// The number `s` starts with.
fn digits(s: &str) -> Option<u64> {
    let mut n: Option<u64> = None;
    for &b in s.as_bytes() {
        if !b.is_ascii_digit() {
            break;
        }
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(u64::from(b - b'0')));
    }
    n
}

/// The `page` of the `rel="<rel>"` part of a `Link` header.
fn link_page(link: &str, rel: &str) -> Option<u64> {
    for part in link.split(',') {
        if !text::contains(part, rel) {
            continue;
        }
        for k in &["?page=", "&page="] {
            if let Some(n) = text::find(part, k).and_then(|i| part.get(i + 6..)).and_then(digits) {
                return Some(n);
            }
        }
        return None;
    }
    None
}

/// `listUsers`' data: the reply's members, then `nextPage`, `lastPage`, `total` as auth-js reads
/// them from `Link` and `X-Total-Count` (total only when there is a `Link`). auth-js reads only
/// the first digit of a page number (`substring(0, 1)`); this reads the whole number.
fn users(body: &str, headers: &str) -> Option<String> {
    let members = json::members(body)?;
    let link = header(headers, "link").unwrap_or_default();
    let page = |rel| link_page(&link, rel);
    let next = page("rel=\"next\"").map(decimal).unwrap_or_else(|| "null".into());
    let last = decimal(page("rel=\"last\"").unwrap_or(0));
    let total = match link.is_empty() {
        true => 0,
        false => header(headers, "x-total-count").and_then(|t| digits(t.trim())).unwrap_or(0),
    };
    let more = cat(&["\"nextPage\":", &next, ",\"lastPage\":", &last, ",\"total\":", &decimal(total)]);
    Some(write(&members, PAGES, false, &more))
}

/// `generateLink`'s data: the five link properties apart, the rest is the user.
fn link(body: &str) -> Option<String> {
    let members = json::members(body)?;
    let props = write(&members, PROPS, true, "");
    Some(cat(&["{\"properties\":", &props, ",\"user\":", &write(&members, PROPS, false, ""), "}"]))
}

/// What a 2xx reply to an admin call resolves with (`headers`: the reply's, as JSON).
pub fn read(r: &Read, body: &str, headers: &str) -> Next {
    let data = match r {
        Read::User => user_of(body).map(|u| cat(&["{\"user\":", u, "}"])),
        Read::Link => link(body),
        Read::Users => users(body, headers),
        Read::Factors => json::is_json(body).then(|| cat(&["{\"factors\":", body.trim(), "}"])),
        Read::Body => json::is_json(body).then(|| body.trim().to_owned()),
        Read::Null => Some("null".into()),
        Read::Fetched { path, soft } => {
            return match user_of(body) {
                Some(u) => {
                    let b = req::object(vec![("should_soft_delete", Some(Value::Bool(*soft)))]);
                    Next::Send(call("DELETE", path.clone(), Some(b), Read::Deleted(u.to_owned())))
                }
                None => Next::Fail(unreadable()),
            }
        }
        Read::Deleted(user) => Some(cat(&["{\"user\":", user, "}"])),
    };
    match data {
        Some(d) => Next::Data(Json::raw(d)),
        None => Next::Fail(unreadable()),
    }
}
