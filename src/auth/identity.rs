//! Identities and the other ways in (issue 14): `signInAnonymously`, `signInWithIdToken`,
//! `signInWithSSO`, `getUserIdentities`, `linkIdentity` (OAuth and id_token forms),
//! `unlinkIdentity` and `getClaims`, as auth-js 2.119 (`GoTrueClient.ts`) sends them. Each
//! handler here is a row of the table in [`super::calls`]; what their 2xx replies mean is
//! [`Reply`] (a [`Step::Ident`]).

use crate::encoding::json::{self, put};
use crate::encoding::query::encode_query_value;
use crate::encoding::text::cat;
use crate::prelude::*;
use serde_json::{Map, Value};

use super::calls::{Args, AuthMethod, Cx, Plan};
use super::error::{AuthError, ErrorKind};
use super::requests::{object, params, Call, Identity, Params, Step};
use super::steps::{invalid_token_response, Reading};
use crate::output::{AuthEvent, Json};

/// What a 2xx reply of one of these calls means.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `GET /user` → `{ identities: user.identities ?? [] }`.
    Identities,
    /// `GET /user/identities/authorize?skip_http_redirect=true` → `{ provider, url }`.
    Authorize(String),
    /// `getClaims`: `GET /user` with the token accepted it → this `{ claims, header, signature }`.
    Claims(Json),
    /// `linkIdentity` with an id_token: a token response, saved and announced `USER_UPDATED`.
    Linked,
    /// The reply's JSON object as it is (`signInWithSSO` → `{ url }`, `unlinkIdentity` → `{}`).
    Body,
}

impl Reply {
    pub fn read(self, body: &str, now_ms: f64) -> Reading {
        let v = json::read(body).unwrap_or(Value::Null);
        match self {
            Reply::Identities => {
                let user = if v.get("id").is_some() { Some(&v) } else { v.get("user") };
                match user {
                    Some(u) => {
                        let ids = u.get("identities").filter(|i| i.is_array()).cloned();
                        one("identities", ids.unwrap_or_else(|| Value::Array(Vec::new())))
                    }
                    None => Reading::Fail(unexpected("the Auth server's reply has no user")),
                }
            }
            Reply::Authorize(provider) => match v.get("url").and_then(Value::as_str) {
                Some(url) => Reading::Data(super::calls::oauth_data(&provider, url)),
                None => Reading::Fail(unexpected("the Auth server's reply has no url")),
            },
            Reply::Claims(data) => Reading::Data(data),
            Reply::Linked => match super::session::Session::from_token_response(body, now_ms) {
                Some(s) if s.user.is_some() => Reading::Session(s, AuthEvent::UserUpdated),
                _ => Reading::Fail(invalid_token_response()),
            },
            Reply::Body => match v {
                Value::Object(_) => Reading::Data(Json::of(&v)),
                _ => Reading::Data(Json::raw("{}".into())),
            },
        }
    }
}

fn one(key: &str, v: Value) -> Reading {
    let mut m = Map::new();
    m.insert(key.to_owned(), v);
    Reading::Data(Json::of(&Value::Object(m)))
}

fn unexpected(message: &str) -> AuthError {
    AuthError::new(ErrorKind::AuthUnknownError, message, Some(200), None)
}

fn arg(a: &Args, m: AuthMethod) -> Result<Params, AuthError> {
    a.params(0, m)
}

fn text<'a>(p: &'a Params, key: &str) -> Option<&'a str> {
    p.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

fn s(v: &str) -> Option<Value> {
    Some(Value::String(v.to_owned()))
}

fn options(p: &Params) -> Params {
    p.get("options").and_then(Value::as_object).cloned().unwrap_or_default()
}

fn need(p: &Params, key: &str, method: &str, hint: &str) -> Result<String, AuthError> {
    text(p, key)
        .map(str::to_owned)
        .ok_or_else(|| AuthError::invalid_input(cat(&[key, "是必填项: ", method, " needs ", hint])))
}

/// `gotrue_meta_security: { captcha_token }` (auth-js sends the object even without a token).
fn security(opts: &Params) -> Value {
    let mut m = Map::new();
    if let Some(t) = text(opts, "captchaToken") {
        put(&mut m, "captcha_token", t.into());
    }
    Value::Object(m)
}

fn plan(r: Result<Plan, AuthError>) -> Plan {
    r.unwrap_or_else(Plan::Fail)
}

/// The PKCE verifier and its S256 challenge when the client uses PKCE (the default).
fn pkce(cx: &Cx) -> Result<Option<(String, String)>, AuthError> {
    if !cx.pkce {
        return Ok(None);
    }
    let v = super::pkce::verifier(cx.random)
        .ok_or_else(|| AuthError::invalid_input("not enough randomness for a PKCE verifier"))?;
    let c = super::pkce::challenge_s256(&v);
    Ok(Some((v, c)))
}

/// `signInAnonymously({ options: { data, captchaToken } })`: `POST /signup` with neither email
/// nor phone (GoTrue `internal/api/anonymous.go`); a session for an `is_anonymous` user, `SIGNED_IN`.
pub fn sign_in_anonymously(a: &Args, _: &Cx) -> Plan {
    plan(arg(a, AuthMethod::SignInAnonymously).map(|p| {
        let opts = options(&p);
        let data = opts.get("data").filter(|d| d.is_object()).cloned().unwrap_or_else(|| Value::Object(Map::new()));
        let body = object(vec![("data", Some(data)), ("gotrue_meta_security", Some(security(&opts)))]);
        Plan::Call(Call::new("POST", "/signup".into(), Some(body), Identity::Anon, Step::SessionOrUser))
    }))
}

/// The id_token grant's body (`signInWithIdToken` and `linkIdentity({ token })`).
fn id_token_body(p: &Params, method: &str, link: bool) -> Result<Value, AuthError> {
    let provider = need(p, "provider", method, "{ provider, token }")?;
    let token = need(p, "token", method, "{ provider, token } (the provider's id_token)")?;
    let opts = options(p);
    Ok(object(vec![
        ("provider", s(&provider)),
        ("id_token", s(&token)),
        ("access_token", text(p, "access_token").and_then(s)),
        ("nonce", text(p, "nonce").and_then(s)),
        ("link_identity", link.then_some(Value::Bool(true))),
        ("gotrue_meta_security", Some(security(&opts))),
    ]))
}

const ID_TOKEN: &str = "/token?grant_type=id_token";

/// `signInWithIdToken({ provider, token, access_token, nonce, options: { captchaToken } })`:
/// `POST /token?grant_type=id_token` (GoTrue `internal/api/token_oidc.go`).
pub fn sign_in_with_id_token(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::SignInWithIdToken;
    plan(arg(a, m).and_then(|p| id_token_body(&p, m.name(), false)).map(|body| {
        Plan::Call(Call::new("POST", ID_TOKEN.into(), Some(body), Identity::Anon, Step::Session { recovery: false }))
    }))
}

/// `signInWithSSO({ providerId | domain, options: { redirectTo, captchaToken } })`: `POST /sso`
/// with `skip_http_redirect` (GoTrue `internal/api/sso.go`) → `{ url }`. No redirect here: a
/// mini-program opens the URL itself (a web-view); with PKCE the verifier is stored for
/// `exchangeCodeForSession`.
pub fn sign_in_with_sso(a: &Args, cx: &Cx) -> Plan {
    let m = AuthMethod::SignInWithSSO;
    plan(arg(a, m).and_then(|p| {
        let (provider_id, domain) = (text(&p, "providerId"), text(&p, "domain"));
        if provider_id.is_none() && domain.is_none() {
            return Err(AuthError::invalid_input("signInWithSSO needs { providerId } or { domain }"));
        }
        let opts = options(&p);
        let flow = pkce(cx)?;
        let body = object(vec![
            ("provider_id", provider_id.and_then(s)),
            ("domain", domain.and_then(s)),
            ("redirect_to", text(&opts, "redirectTo").and_then(s)),
            ("gotrue_meta_security", text(&opts, "captchaToken").map(|_| security(&opts))),
            ("skip_http_redirect", Some(Value::Bool(true))),
            ("code_challenge", flow.as_ref().and_then(|f| s(&f.1))),
            ("code_challenge_method", flow.as_ref().and_then(|_| s("s256"))),
        ]);
        let call = Call::new("POST", "/sso".into(), Some(body), Identity::Anon, Step::Ident(Reply::Body));
        Ok(Plan::Stash(flow.map(|f| f.0), call))
    }))
}

/// `getUserIdentities()`: the identities of `getUser()`'s user.
pub fn get_user_identities(_: &Args, _: &Cx) -> Plan {
    Plan::Call(Call::new("GET", "/user".into(), None, Identity::User, Step::Ident(Reply::Identities)))
}

/// `linkIdentity({ provider, options: { redirectTo, scopes, queryParams } })`: `GET
/// /user/identities/authorize?…&skip_http_redirect=true` with the user's token (GoTrue
/// `internal/api/identity.go` `LinkIdentity`) → `{ provider, url }`; the mini-program opens the
/// URL itself. (`linkIdentity({ provider, token, … })` is [`link_identity_id_token`].)
pub fn link_identity(a: &Args, cx: &Cx) -> Plan {
    let m = AuthMethod::LinkIdentity;
    plan(arg(a, m).and_then(|p| {
        let provider = need(&p, "provider", m.name(), "{ provider } or { provider, token }")?;
        let opts = options(&p);
        let flow = pkce(cx)?;
        let mut path = cat(&["/user/identities/authorize?provider=", &encode_query_value(&provider)]);
        super::requests::authorize_params(&mut path, &opts, flow.as_ref().map(|(_, c)| c.as_str()));
        path.push_str("&skip_http_redirect=true");
        let call = Call::new("GET", path, None, Identity::User, Step::Ident(Reply::Authorize(provider)));
        Ok(Plan::Stash(flow.map(|f| f.0), call))
    }))
}

/// `linkIdentity({ provider, token, access_token, nonce })` (the shim routes the id_token form
/// here): the id_token grant with `link_identity: true` and the user's token; the new session is
/// saved and announced `USER_UPDATED`, as auth-js' `linkIdentityIdToken`.
pub fn link_identity_id_token(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::LinkIdentityIdToken;
    plan(arg(a, m).and_then(|p| id_token_body(&p, "linkIdentity", true)).map(|body| {
        Plan::Call(Call::new("POST", ID_TOKEN.into(), Some(body), Identity::User, Step::Ident(Reply::Linked)))
    }))
}

/// `unlinkIdentity(identity)`: `DELETE /user/identities/<identity.identity_id>` → `{}`.
pub fn unlink_identity(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::UnlinkIdentity;
    plan(arg(a, m).and_then(|p| {
        let id = need(&p, "identity_id", m.name(), "an identity of getUserIdentities()")?;
        let path = cat(&["/user/identities/", &encode_query_value(&id)]);
        Ok(Plan::Call(Call::new("DELETE", path, None, Identity::User, Step::Ident(Reply::Body))))
    }))
}

/// `getClaims(jwt, { allowExpired })` (the shim passes the session's access token when no `jwt`
/// is given, after `getSession`): the token decoded as auth-js' `decodeJWT`, its `exp` checked,
/// then verified by the server with `GET /user` as auth-js does for symmetric keys and wherever
/// WebCrypto is missing (a mini-program has none) → `{ claims, header, signature }`.
pub fn get_claims(a: &Args, cx: &Cx) -> Plan {
    let token = a.get(0).and_then(Value::as_str).unwrap_or("");
    let allow_expired = params(a.get(1), "getClaims")
        .ok()
        .and_then(|o| o.get("allowExpired").and_then(Value::as_bool))
        .unwrap_or(false);
    plan(decode(token).and_then(|(header, claims, signature)| {
        if !allow_expired {
            match claims.get("exp").and_then(super::session::value_to_i64) {
                None | Some(0) => return Err(invalid_jwt("Missing exp claim")),
                Some(exp) if exp <= super::session::now_secs(cx.now_ms) => return Err(invalid_jwt("JWT has expired")),
                _ => {}
            }
        }
        let data = object(vec![
            ("claims", Some(Value::Object(claims))),
            ("header", Some(Value::Object(header))),
            ("signature", Some(Value::Array(bytes(signature)))),
        ]);
        let call = Call::new("GET", "/user".into(), None, Identity::User, Step::Ident(Reply::Claims(Json::of(&data))));
        Ok(Plan::CallAs(call, token.to_owned()))
    }))
}

/// The signature's bytes as JSON numbers.
fn bytes(signature: Vec<u8>) -> Vec<Value> {
    let mut out = Vec::with_capacity(signature.len());
    for b in signature {
        out.push(Value::from(b));
    }
    out
}

fn invalid_jwt(message: &str) -> AuthError {
    AuthError::new(ErrorKind::AuthInvalidJwtError, message, Some(400), Some("invalid_jwt"))
}

type Decoded = (Map<String, Value>, Map<String, Value>, Vec<u8>);

/// auth-js' `decodeJWT`: three base64url parts, the first two JSON objects.
fn decode(token: &str) -> Result<Decoded, AuthError> {
    // Exactly three parts (two dots).
    let parts = token.split_once('.').and_then(|(h, rest)| Some((h, rest.split_once('.')?)));
    let Some((h, (p, sig))) = parts.filter(|(_, (_, sig))| !sig.contains('.')) else {
        return Err(invalid_jwt("Invalid JWT structure"));
    };
    let url_safe = |x: &str| {
        let mut ok = true;
        for c in x.bytes() {
            ok &= c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'=';
        }
        ok
    };
    if !(url_safe(h) && url_safe(p) && url_safe(sig)) {
        return Err(invalid_jwt("JWT not in base64url format"));
    }
    let object = |part: &str| match crate::encoding::base64::decode_url(part)
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| json::read(&t))
    {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(invalid_jwt("JWT not in base64url format")),
    };
    let signature =
        crate::encoding::base64::decode_url(sig).ok_or_else(|| invalid_jwt("JWT not in base64url format"))?;
    Ok((object(h)?, object(p)?, signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_has_exactly_three_parts() {
        // `e30` is `{}` in base64url.
        for token in ["", "e30", "e30.e30", "e30.e30.", "e30.e30.x.y", "...", "e30.e30.x.", ".e30.e30", "e30.e30.e30"] {
            let structure = decode(token).err().is_some_and(|e| e.message == "Invalid JWT structure");
            assert_eq!(structure, token.split('.').count() != 3, "{token:?}");
        }
        assert!(decode("e30.e30.").is_ok());
    }
}
