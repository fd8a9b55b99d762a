//! The Auth API requests: what each call sends, read from the caller's arguments, and what its
//! 2xx reply means ([`Step`]). Which method builds which is in [`super::calls`].
//!
//! Argument checks live here so every method fails the same way on bad input: a clear
//! `AuthInvalidCredentialsError` (status 400, code `validation_failed`) and no request sent.

use crate::encoding::json::put;
use crate::encoding::text::cat;
use crate::prelude::*;
use serde_json::{Map, Value};

use crate::auth::error::AuthError;
use crate::encoding::query::encode_query_value;

/// Which bearer a call carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// The project's anon key.
    Anon,
    /// The current session's access token (refreshed first when it is about to expire).
    User,
}

/// What a 2xx reply means, and so what the operation resolves with.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A token response: save the session, emit `SIGNED_IN` (or `PASSWORD_RECOVERY`).
    Session { recovery: bool },
    /// `signUp`: a session (autoconfirm) or a bare user (confirmation pending).
    SessionOrUser,
    /// A user object; with `save`, it replaces the session's user (emits `USER_UPDATED`).
    User { save: bool },
    /// `getUnlimitedQRCode`: `{ imgBase64 }`.
    QrCode,
    /// `signInWithOtp` / `resend`: `{ user: null, session: null, messageId }`.
    Message,
    /// `resetPasswordForEmail` and friends: `{}`.
    Empty,
    /// `signOut({ scope })`.
    Logout { scope: Scope },
    /// `setSession`: the user of the given tokens, then they become the session.
    AdoptTokens { access_token: String, refresh_token: String },
    /// `exchangeCodeForSession`: a token response; the stored PKCE verifier is removed.
    PkceExchange,
    /// `auth.mfa.*` (`super::mfa`); `verify`'s session continues the current line.
    Mfa(super::mfa::Read),
    /// `auth.admin.*`: read by [`super::admin::read`]; the session is not touched.
    Admin(super::admin::Read),
    /// Identities and claims (`src/auth/identity.rs`).
    Ident(super::identity::Reply),
}

impl Step {
    /// Whether the reply starts a new session line (a sign-in, `setSession`, a sign-out) rather
    /// than continuing the current session (see [`super::store::Basis`]).
    pub fn replaces(&self) -> bool {
        matches!(
            self,
            Step::Session { .. }
                | Step::SessionOrUser
                | Step::AdoptTokens { .. }
                | Step::PkceExchange
                | Step::Logout { .. }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Local,
    Others,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Local => "local",
            Scope::Others => "others",
        }
    }
}

/// One request to the Auth API, before headers and the bearer are added.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: &'static str,
    /// Path and query under `/auth/v1`, already encoded.
    pub path: String,
    pub body: Option<Value>,
    pub bearer: Identity,
    pub step: Step,
    /// Whether a refusal of the session's token (`bad_jwt`) makes one refresh and one retry: a
    /// call with the user's bearer, but not a sign-out (done locally whatever the server says),
    /// a call with a token the caller gave, or the retry itself.
    pub retry: bool,
}

impl Call {
    pub(crate) fn new(method: &'static str, path: String, body: Option<Value>, bearer: Identity, step: Step) -> Call {
        let retry = bearer == Identity::User && !matches!(step, Step::Logout { .. } | Step::AdoptTokens { .. });
        Call { method, path, body, bearer, step, retry }
    }
}

pub type Params = Map<String, Value>;

/// The caller's argument object (`{}` for `undefined`/`null`).
pub fn params(v: Option<&Value>, method: &str) -> Result<Params, AuthError> {
    match v {
        Some(Value::Object(m)) => Ok(m.clone()),
        None | Some(Value::Null) => Ok(Map::new()),
        Some(_) => Err(AuthError::invalid_input(cat(&[method, ": expected an object argument"]))),
    }
}

/// An argument that was not JSON (a JS string with an unpaired surrogate).
pub fn unreadable(method: &str) -> AuthError {
    AuthError::invalid_input(cat(&[method, ": the argument could not be read (unpaired surrogate?)"]))
}

fn opt_str<'a>(p: &'a Params, key: &str) -> Option<&'a str> {
    p.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

fn options(p: &Params) -> Params {
    p.get("options").and_then(Value::as_object).cloned().unwrap_or_default()
}

/// A required non-empty string argument.
fn required(p: &Params, key: &str, method: &str, hint: &str) -> Result<String, AuthError> {
    match p.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(AuthError::invalid_input(cat(&[key, "是必填项: ", method, " needs ", hint])))
        }
        Some(_) => Err(AuthError::invalid_input(cat(&[method, ": ", key, " must be a string (", hint, ")"]))),
    }
}

fn redirect_query(opts: &Params, key: &str) -> String {
    opt_str(opts, key).map(|r| cat(&["?redirect_to=", &encode_query_value(r)])).unwrap_or_default()
}

fn security(opts: &Params) -> Option<Value> {
    opt_str(opts, "captchaToken").map(|t| {
        let mut m = Map::new();
        put(&mut m, "captcha_token", t.into());
        Value::Object(m)
    })
}

/// A JSON object of the pairs whose value is present (not `json!`, which links a panic path).
pub(crate) fn object(mut pairs: Vec<(&str, Option<Value>)>) -> Value {
    let mut m = Map::new();
    // Taken out by `&mut`, not moved out by `into_iter` (no `IntoIter` of the pair type).
    for (k, v) in &mut pairs {
        if let Some(v) = v.take() {
            m.insert((*k).to_owned(), v);
        }
    }
    Value::Object(m)
}

/// `keys` with their values in `p` (`None` when absent or `null`), for [`object`]. A loop, not
/// an iterator chain (whose adapters are monomorphised per closure).
fn present<'a>(p: &Params, keys: &[&'a str]) -> Vec<(&'a str, Option<Value>)> {
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        out.push((*k, p.get(*k).filter(|v| !v.is_null()).cloned()));
    }
    out
}

fn s(v: &str) -> Option<Value> {
    Some(Value::String(v.to_owned()))
}

/// `email` or `phone`: exactly one of them, as a (key, value) pair.
fn identifier(p: &Params, method: &str) -> Result<(&'static str, String), AuthError> {
    match (opt_str(p, "email"), opt_str(p, "phone")) {
        (Some(e), None) => Ok(("email", e.to_owned())),
        (None, Some(ph)) => Ok(("phone", ph.to_owned())),
        (Some(_), Some(_)) => Err(AuthError::invalid_input(cat(&[method, ": pass email or phone, not both"]))),
        (None, None) => Err(AuthError::invalid_input(cat(&[method, ": an email or a phone number is required"]))),
    }
}

/// The WeChat code calls: `wechat_mini/login|bind_phone|bind_account?code=`.
pub fn wechat_code(p: &Params, endpoint: &str, method: &str, bearer: Identity, step: Step) -> Result<Call, AuthError> {
    let hint = if endpoint == "bind_phone" {
        "{ code } from the getPhoneNumber button (e.detail.code)"
    } else {
        "{ code } from wx.login"
    };
    let code = required(p, "code", method, hint)?;
    Ok(Call::new("GET", cat(&["/wechat_mini/", endpoint, "?code=", &encode_query_value(&code)]), None, bearer, step))
}

/// `getUnlimitedQRCode({ scene, page, check_path, env_version, width, auto_color, line_color, is_hyaline })`.
pub fn unlimited_qrcode(p: &Params) -> Result<Call, AuthError> {
    required(p, "scene", "getUnlimitedQRCode", "{ scene } (at most 32 visible characters)")?;
    let keys = ["page", "scene", "check_path", "env_version", "width", "auto_color", "line_color", "is_hyaline"];
    let body = object(present(p, &keys));
    Ok(Call::new("POST", "/wechat_mini/unlimited_qrcode".into(), Some(body), Identity::Anon, Step::QrCode))
}

/// `signUp({ email | phone, password, options: { data, emailRedirectTo, captchaToken, channel } })`.
pub fn sign_up(p: &Params) -> Result<Call, AuthError> {
    let (kind, id) = identifier(p, "signUp")?;
    let password = required(p, "password", "signUp", "{ email or phone, password }")?;
    let opts = options(p);
    let mut body = vec![
        (kind, s(&id)),
        ("password", s(&password)),
        ("data", Some(opts.get("data").cloned().filter(Value::is_object).unwrap_or_else(|| Value::Object(Map::new())))),
        ("gotrue_meta_security", security(&opts)),
    ];
    if kind == "phone" {
        body.push(("channel", s(opt_str(&opts, "channel").unwrap_or("sms"))));
    }
    let path = cat(&["/signup", &redirect_query(&opts, "emailRedirectTo")]);
    Ok(Call::new("POST", path, Some(object(body)), Identity::Anon, Step::SessionOrUser))
}

/// `signInWithPassword({ email | phone, password })`.
pub fn sign_in_with_password(p: &Params) -> Result<Call, AuthError> {
    let (kind, id) = identifier(p, "signInWithPassword")?;
    let password = required(p, "password", "signInWithPassword", "{ email or phone, password }")?;
    let opts = options(p);
    let body = object(vec![(kind, s(&id)), ("password", s(&password)), ("gotrue_meta_security", security(&opts))]);
    Ok(Call::new(
        "POST",
        "/token?grant_type=password".into(),
        Some(body),
        Identity::Anon,
        Step::Session { recovery: false },
    ))
}

/// `signInWithOtp({ phone | email, options: { shouldCreateUser, data, channel, emailRedirectTo } })`.
pub fn sign_in_with_otp(p: &Params) -> Result<Call, AuthError> {
    let (kind, id) = identifier(p, "signInWithOtp")?;
    let opts = options(p);
    let create = opts.get("shouldCreateUser").and_then(Value::as_bool).unwrap_or(true);
    let mut body = vec![
        (kind, s(&id)),
        ("create_user", Some(Value::Bool(create))),
        ("data", opts.get("data").cloned().filter(Value::is_object)),
        ("gotrue_meta_security", security(&opts)),
    ];
    if kind == "phone" {
        body.push(("channel", s(opt_str(&opts, "channel").unwrap_or("sms"))));
    }
    let path = cat(&["/otp", &redirect_query(&opts, "emailRedirectTo")]);
    Ok(Call::new("POST", path, Some(object(body)), Identity::Anon, Step::Message))
}

/// `verifyOtp({ phone | email, token, type })` or `verifyOtp({ token_hash, type })`.
pub fn verify_otp(p: &Params) -> Result<Call, AuthError> {
    let kind = required(p, "type", "verifyOtp", "{ phone or email, token, type: 'sms' | 'email' | … }")?;
    let opts = options(p);
    let mut body = vec![("type", s(&kind)), ("gotrue_meta_security", security(&opts))];
    if let Some(hash) = opt_str(p, "token_hash") {
        body.push(("token_hash", s(hash)));
    } else {
        let (id_kind, id) = identifier(p, "verifyOtp")?;
        let token = required(p, "token", "verifyOtp", "{ phone or email, token, type }")?;
        body.push((id_kind, s(&id)));
        body.push(("token", s(&token)));
    }
    let path = cat(&["/verify", &redirect_query(&opts, "redirectTo")]);
    let recovery = kind == "recovery";
    Ok(Call::new("POST", path, Some(object(body)), Identity::Anon, Step::Session { recovery }))
}

/// `exchangeCodeForSession(authCode)` with the stored PKCE verifier.
pub fn exchange_code(auth_code: &str, verifier: &str) -> Result<Call, AuthError> {
    if auth_code.trim().is_empty() {
        return Err(AuthError::invalid_input("exchangeCodeForSession needs the auth code from the redirect URL"));
    }
    let body = object(vec![("auth_code", s(auth_code)), ("code_verifier", s(verifier))]);
    Ok(Call::new("POST", "/token?grant_type=pkce".into(), Some(body), Identity::Anon, Step::PkceExchange))
}

/// `updateUser({ email, phone, password, nonce, data }, { emailRedirectTo })`.
pub fn update_user(p: &Params, opts: &Params) -> Result<Call, AuthError> {
    let keys = ["email", "phone", "password", "nonce", "data", "current_password"];
    let body = present(p, &keys);
    let mut given = false;
    for (_, v) in &body {
        given |= v.is_some();
    }
    if !given {
        return Err(AuthError::invalid_input("updateUser: pass at least one of email, phone, password, data"));
    }
    let path = cat(&["/user", &redirect_query(opts, "emailRedirectTo")]);
    Ok(Call::new("PUT", path, Some(object(body)), Identity::User, Step::User { save: true }))
}

/// `resetPasswordForEmail(email, { redirectTo, captchaToken })`.
pub fn reset_password(email: &str, opts: &Params) -> Result<Call, AuthError> {
    if email.trim().is_empty() {
        return Err(AuthError::invalid_input("email是必填项: resetPasswordForEmail needs the account's email"));
    }
    let body = object(vec![("email", s(email)), ("gotrue_meta_security", security(opts))]);
    let path = cat(&["/recover", &redirect_query(opts, "redirectTo")]);
    Ok(Call::new("POST", path, Some(body), Identity::Anon, Step::Empty))
}

/// `resend({ type, email | phone, options })`.
pub fn resend(p: &Params) -> Result<Call, AuthError> {
    let kind = required(p, "type", "resend", "{ type: 'signup' | 'sms' | …, email or phone }")?;
    let (id_kind, id) = identifier(p, "resend")?;
    let opts = options(p);
    let body = object(vec![("type", s(&kind)), (id_kind, s(&id)), ("gotrue_meta_security", security(&opts))]);
    let path = cat(&["/resend", &redirect_query(&opts, "emailRedirectTo")]);
    Ok(Call::new("POST", path, Some(body), Identity::Anon, Step::Message))
}

/// `signOut({ scope })`: `global` (default), `local` or `others`.
pub fn sign_out(p: &Params) -> Result<Scope, AuthError> {
    match opt_str(p, "scope").unwrap_or("global") {
        "global" => Ok(Scope::Global),
        "local" => Ok(Scope::Local),
        "others" => Ok(Scope::Others),
        other => Err(AuthError::invalid_input(cat(&[
            "signOut: scope must be global, local or others (got \"",
            other,
            "\")",
        ]))),
    }
}

/// `getUser()`: the user of the bearer.
pub fn get_user() -> Call {
    Call::new("GET", "/user".into(), None, Identity::User, Step::User { save: false })
}

/// `reauthenticate()`: a nonce sent to the user.
pub fn reauthenticate() -> Call {
    Call::new("GET", "/reauthenticate".into(), None, Identity::User, Step::Message)
}

/// `setSession`'s check of a valid access token: its user (sent with that token).
pub fn adopt(access_token: String, refresh_token: String) -> Call {
    Call::new("GET", "/user".into(), None, Identity::User, Step::AdoptTokens { access_token, refresh_token })
}

pub fn logout(scope: Scope) -> Call {
    Call::new("POST", cat(&["/logout?scope=", scope.as_str()]), None, Identity::User, Step::Logout { scope })
}

/// `signInWithOAuth({ provider, options: { redirectTo, scopes, queryParams } })`: the authorize URL.
pub fn oauth_url(auth_url: &str, p: &Params, challenge: Option<&str>) -> Result<(String, String), AuthError> {
    let provider = required(p, "provider", "signInWithOAuth", "{ provider: 'wechat_qr' }")?;
    let opts = options(p);
    let mut url = cat(&[auth_url, "/authorize?provider=", &encode_query_value(&provider)]);
    authorize_params(&mut url, &opts, challenge);
    Ok((provider, url))
}

/// What follows `?provider=…` in an authorize URL (`signInWithOAuth`, `linkIdentity`), in
/// auth-js' order: `redirect_to`, `scopes`, the PKCE challenge, then `options.queryParams`.
pub fn authorize_params(url: &mut String, opts: &Params, challenge: Option<&str>) {
    if let Some(r) = opt_str(opts, "redirectTo") {
        url.push_str(&cat(&["&redirect_to=", &encode_query_value(r)]));
    }
    if let Some(sc) = opt_str(opts, "scopes") {
        url.push_str(&cat(&["&scopes=", &encode_query_value(sc)]));
    }
    if let Some(c) = challenge {
        url.push_str(&cat(&["&code_challenge=", &encode_query_value(c), "&code_challenge_method=s256"]));
    }
    if let Some(q) = opts.get("queryParams").and_then(Value::as_object) {
        for (k, v) in q {
            if let Some(v) = v.as_str() {
                url.push_str(&cat(&["&", &encode_query_value(k), "=", &encode_query_value(v)]));
            }
        }
    }
}
