//! `auth.mfa.*`, as auth-js 2.x (`GoTrueClient.ts` `_enroll`, `_challenge`, `_verify`,
//! `_challengeAndVerify`, `_unenroll`, `_listFactors`, `_getAuthenticatorAssuranceLevel`) does it
//! against GoTrue's `internal/api/mfa.go`: `POST /factors`, `POST /factors/{id}/challenge`,
//! `POST /factors/{id}/verify`, `DELETE /factors/{id}`, each with the session's token.
//!
//! `verify` answers with a token response: the new (aal2) session replaces the current one as a
//! continuation of its line (a refresh-like [`super::store::Basis::Continues`]), is saved and
//! announced with `MFA_CHALLENGE_VERIFIED`, and the call resolves with the response itself
//! (auth-js returns the body, not `{ user, session }`). `listFactors` reads the user of
//! `GET /user`; `getAuthenticatorAssuranceLevel()` is local (the session's access token's `aal`
//! and `amr` claims and its user's verified factors), or, given a JWT, reads that token's user.

use crate::encoding::json;
use crate::encoding::percent::{encode, uri_component};
use crate::encoding::text::cat;
use crate::prelude::*;
use serde_json::{Map, Value};

use super::calls::{Args, AuthMethod, Cx, Plan};
use super::error::AuthError;
use super::requests::{object, Call, Identity, Params, Step};
use super::session::{Session, User};
use super::steps::{invalid_token_response, Reading};
use crate::output::{AuthEvent, Json};

/// What a 2xx reply of an MFA request means.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    /// `enroll`: the factor; a TOTP factor's `qr_code` SVG becomes a data URL when it was asked
    /// for as TOTP (auth-js: `data:image/svg+xml;utf-8,` + the SVG).
    Enroll { totp: bool },
    /// `challenge`, `unenroll`: the body as it is.
    Body,
    /// `challengeAndVerify`'s challenge: then verify it with this code.
    ThenVerify { factor: String, code: Option<Value> },
    /// `verify`: a token response, the new session.
    Verified,
    /// `listFactors`: the user's factors by type.
    Factors,
    /// `getAuthenticatorAssuranceLevel(jwt)`: the levels of this token and its user's factors.
    Aal { jwt: String },
}

fn factor_path(id: &str, tail: &str) -> String {
    cat(&["/factors/", &encode(id, uri_component), tail])
}

fn call(method: &'static str, path: String, body: Option<Value>, read: Read) -> Call {
    Call::new(method, path, body, Identity::User, Step::Mfa(read))
}

/// `factorId`, a non-empty string (auth-js would send `/factors/undefined`).
fn factor_id(p: &Params, m: AuthMethod) -> Result<String, AuthError> {
    match p.get("factorId") {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(AuthError::invalid_input(cat(&["factorId是必填项: ", m.name(), " needs { factorId }"]))),
    }
}

fn with(a: &Args, m: AuthMethod, build: impl FnOnce(&Params) -> Result<Call, AuthError>) -> Plan {
    match a.params(0, m).and_then(|p| build(&p)) {
        Ok(c) => Plan::Call(c),
        Err(e) => Plan::Fail(e),
    }
}

/// `enroll({ factorType, friendlyName, issuer | phone })`: `POST /factors` with `factor_type`,
/// `friendly_name` and `issuer` (TOTP) or `phone` (phone), each only when given.
pub fn enroll(a: &Args, _: &Cx) -> Plan {
    with(a, AuthMethod::MfaEnroll, |p| {
        let kind = p.get("factorType").cloned();
        let totp = kind.as_ref().and_then(Value::as_str) == Some("totp");
        let extra = match kind.as_ref().and_then(Value::as_str) {
            Some("phone") => ("phone", p.get("phone").cloned()),
            Some("totp") => ("issuer", p.get("issuer").cloned()),
            _ => ("", None),
        };
        let body = object(vec![("friendly_name", p.get("friendlyName").cloned()), ("factor_type", kind), extra]);
        Ok(call("POST", "/factors".into(), Some(body), Read::Enroll { totp }))
    })
}

/// `challenge({ factorId, channel })`: the params are the body, as auth-js sends them.
pub fn challenge(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::MfaChallenge;
    with(a, m, |p| {
        Ok(call("POST", factor_path(&factor_id(p, m)?, "/challenge"), Some(Value::Object(p.clone())), Read::Body))
    })
}

fn verify_call(factor: &str, challenge_id: Option<Value>, code: Option<Value>) -> Call {
    let body = object(vec![("challenge_id", challenge_id), ("code", code)]);
    call("POST", factor_path(factor, "/verify"), Some(body), Read::Verified)
}

/// `verify({ factorId, challengeId, code })`.
pub fn verify(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::MfaVerify;
    with(a, m, |p| Ok(verify_call(&factor_id(p, m)?, p.get("challengeId").cloned(), p.get("code").cloned())))
}

/// `challengeAndVerify({ factorId, code })`: `challenge({ factorId })`, then `verify` with its id.
pub fn challenge_and_verify(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::MfaChallengeAndVerify;
    with(a, m, |p| {
        let factor = factor_id(p, m)?;
        let mut body = Map::new();
        body.insert("factorId".to_owned(), Value::String(factor.clone()));
        let code = p.get("code").cloned();
        let path = factor_path(&factor, "/challenge");
        Ok(call("POST", path, Some(Value::Object(body)), Read::ThenVerify { factor, code }))
    })
}

/// `unenroll({ factorId })`: `DELETE /factors/{id}` → `{ id }`.
pub fn unenroll(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::MfaUnenroll;
    with(a, m, |p| Ok(call("DELETE", factor_path(&factor_id(p, m)?, ""), None, Read::Body)))
}

/// `listFactors()`: `GET /user`, its factors by type.
pub fn list_factors(_: &Args, _: &Cx) -> Plan {
    Plan::Call(call("GET", "/user".into(), None, Read::Factors))
}

/// `getAuthenticatorAssuranceLevel(jwt?)`: the session's, locally; a given JWT's with its user.
pub fn get_aal(a: &Args, _: &Cx) -> Plan {
    match a.get(0).and_then(Value::as_str).filter(|t| !t.is_empty()) {
        Some(jwt) => Plan::CallAs(call("GET", "/user".into(), None, Read::Aal { jwt: jwt.to_owned() }), jwt.to_owned()),
        None => Plan::Aal,
    }
}

/// What a 2xx reply means.
pub fn read(r: Read, body: &str, now_ms: f64) -> Reading {
    match r {
        Read::Verified => match Session::from_token_response(body, now_ms).filter(|s| s.user.is_some()) {
            Some(s) => Reading::Session(s, AuthEvent::MfaChallengeVerified),
            None => Reading::Fail(invalid_token_response()),
        },
        Read::ThenVerify { factor, code } => {
            let id = json::read(body).and_then(|v| v.get("id").cloned());
            Reading::Then(verify_call(&factor, id, code))
        }
        Read::Enroll { totp } => {
            let mut v = json::read(body).unwrap_or(Value::Null);
            if totp && v.get("type").and_then(Value::as_str) == Some("totp") {
                if let Some(Value::String(qr)) = v.get_mut("totp").and_then(|t| t.get_mut("qr_code")) {
                    if !qr.is_empty() {
                        *qr = cat(&["data:image/svg+xml;utf-8,", qr.as_str()]);
                    }
                }
            }
            Reading::Data(Json::of(&v))
        }
        Read::Body => Reading::Data(Json::of(&json::read(body).unwrap_or(Value::Null))),
        Read::Factors => Reading::Data(factors(User::from_json(body).as_ref())),
        Read::Aal { jwt } => Reading::Data(levels(Some(&jwt), User::from_json(body).as_ref())),
    }
}

fn verified(user: Option<&User>) -> Vec<Value> {
    let mut all = match user.and_then(|u| u.field("factors")) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    // A loop (no `retain` of its own): the verified ones moved out, in order.
    let mut out = Vec::new();
    for f in &mut all {
        if f.get("status").and_then(Value::as_str) == Some("verified") {
            out.push(core::mem::take(f));
        }
    }
    out
}

/// `{ all, phone, totp, webauthn, recovery_code }`: every factor in `all`, the verified ones also
/// under their type.
fn factors(user: Option<&User>) -> Json {
    let all = match user.and_then(|u| u.field("factors")) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    const TYPES: [&str; 4] = ["phone", "totp", "webauthn", "recovery_code"];
    let mut by: [Vec<Value>; 4] = Default::default();
    for f in &verified(user) {
        let kind = f.get("factor_type").and_then(Value::as_str);
        for (t, list) in TYPES.iter().zip(by.iter_mut()) {
            if kind == Some(*t) {
                list.push(f.clone());
                break;
            }
        }
    }
    let mut m = Map::new();
    m.insert("all".to_owned(), Value::Array(all));
    for (t, list) in TYPES.iter().zip(by.iter_mut()) {
        m.insert((*t).to_owned(), Value::Array(core::mem::take(list)));
    }
    Json::of(&Value::Object(m))
}

/// `{ currentLevel, nextLevel, currentAuthenticationMethods }` of an access token and its user
/// (no session: nulls and `[]`).
fn levels(token: Option<&str>, user: Option<&User>) -> Json {
    let claims = token.and_then(super::jwt::decode_claims);
    let claim = |k: &str| claims.as_ref().and_then(|c| c.get(k)).cloned();
    let current = claim("aal").filter(|v| !v.is_null() && v.as_str() != Some("")).unwrap_or(Value::Null);
    let next = if verified(user).is_empty() { current.clone() } else { Value::String("aal2".into()) };
    let amr = claim("amr").filter(|v| !v.is_null()).unwrap_or(Value::Array(Vec::new()));
    let mut m = Map::new();
    m.insert("currentLevel".to_owned(), current);
    m.insert("nextLevel".to_owned(), next);
    m.insert("currentAuthenticationMethods".to_owned(), amr);
    Json::of(&Value::Object(m))
}

/// `getAuthenticatorAssuranceLevel()` of the current session.
pub fn session_levels(s: Option<&Session>) -> Json {
    levels(s.map(|s| s.access_token.as_str()), s.and_then(|s| s.user.as_ref()))
}
