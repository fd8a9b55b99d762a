//! Every public auth method, declared once: [`AuthMethod`] is the list (its supabase-js name,
//! what it resolves with as `data` when it fails, and its handler), and each handler reads the
//! method's arguments once and says what to do as a [`Plan`], which the machine
//! ([`super::Auth`]) carries out. A handler is a plain function of the arguments and a
//! read-only view of the client ([`Cx`]): nothing here touches state or sends anything.
//!
//! Adding a method: a line in the `methods!` table below, its handler here (usually a request
//! builder in [`super::requests`]), and its name in `PASS_THROUGH` in `js-shim/auth.js`
//! (`tests/auth_methods.rs` checks that every name there is in this table).

use crate::encoding::text::cat;
use crate::prelude::*;
use serde_json::{Map, Value};

use super::error::{AuthError, ErrorKind};
use super::mfa::{
    challenge as mfa_challenge, challenge_and_verify as mfa_challenge_and_verify, enroll as mfa_enroll,
    get_aal as mfa_get_aal, list_factors as mfa_list_factors, unenroll as mfa_unenroll, verify as mfa_verify,
};
#[rustfmt::skip]
use super::admin::{admin_create_user, admin_delete_factor, admin_delete_user, admin_generate_link, admin_get_user_by_id,
    admin_invite_user_by_email, admin_list_factors, admin_list_users, admin_sign_out, admin_update_user_by_id};
use super::identity::{
    get_claims, get_user_identities, link_identity, link_identity_id_token, sign_in_anonymously, sign_in_with_id_token,
    sign_in_with_sso, unlink_identity,
};
use super::requests::{self as req, Call, Identity, Params, Scope, Step};
use crate::output::Json;

/// `data` of a failed call, by shape.
const SESSION: &str = r#"{"user":null,"session":null}"#;
const USER: &str = r#"{"user":null}"#;
const MESSAGE: &str = r#"{"user":null,"session":null,"messageId":null}"#;
const NULL: &str = "null";

macro_rules! methods {
    ($($variant:ident = $name:literal, $empty:expr, $handler:ident;)*) => {
        /// A public auth method, by its supabase-js name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum AuthMethod {
            $($variant,)*
        }

        impl AuthMethod {
            /// Every method, in the table's order.
            pub const ALL: &'static [AuthMethod] = &[$(AuthMethod::$variant,)*];

            /// The supabase-js name (`signInWithWechat`).
            pub fn name(self) -> &'static str {
                match self {
                    $(AuthMethod::$variant => $name,)*
                }
            }

            /// What the method resolves with as `data` when it fails (JSON text).
            pub fn empty_data(self) -> &'static str {
                match self {
                    $(AuthMethod::$variant => $empty,)*
                }
            }

            /// What to do for this call of the method. The handlers are called through a
            /// table, not a `match`: each stays its own function, so the first `getSession()`
            /// compiles (lazily, in the engine) its handler and not every method's.
            pub fn plan(self, args: &Args, cx: &Cx) -> Plan {
                const HANDLERS: &[fn(&Args, &Cx) -> Plan] = &[$($handler,)*];
                match HANDLERS.get(self as usize) {
                    Some(handler) => handler(args, cx),
                    None => Plan::Done(Json::raw(NULL.into())),
                }
            }
        }
    };
}

methods! {
    GetSession = "getSession", r#"{"session":null}"#, get_session;
    SignInWithWechat = "signInWithWechat", SESSION, sign_in_with_wechat;
    WechatBindPhone = "wechatBindPhone", USER, wechat_bind_phone;
    WechatBindAccount = "wechatBindAccount", USER, wechat_bind_account;
    GetUnlimitedQRCode = "getUnlimitedQRCode", r#"{"imgBase64":null}"#, get_unlimited_qrcode;
    SignUp = "signUp", SESSION, sign_up;
    SignInWithPassword = "signInWithPassword", SESSION, sign_in_with_password;
    SignInWithOtp = "signInWithOtp", MESSAGE, sign_in_with_otp;
    VerifyOtp = "verifyOtp", SESSION, verify_otp;
    Resend = "resend", MESSAGE, resend;
    ResetPasswordForEmail = "resetPasswordForEmail", NULL, reset_password_for_email;
    UpdateUser = "updateUser", USER, update_user;
    GetUser = "getUser", USER, get_user;
    Reauthenticate = "reauthenticate", MESSAGE, reauthenticate;
    RefreshSession = "refreshSession", SESSION, refresh_session;
    SetSession = "setSession", SESSION, set_session;
    SignOut = "signOut", NULL, sign_out;
    SignInWithOAuth = "signInWithOAuth", r#"{"provider":null,"url":null}"#, sign_in_with_oauth;
    ExchangeCodeForSession = "exchangeCodeForSession", SESSION, exchange_code_for_session;
    SessionFromUrl = "sessionFromUrl", SESSION, session_from_url;
    // ---- auth.mfa (src/auth/mfa.rs): `data` is null on failure, as in auth-js ----
    MfaEnroll = "mfa.enroll", NULL, mfa_enroll;
    MfaChallenge = "mfa.challenge", NULL, mfa_challenge;
    MfaVerify = "mfa.verify", NULL, mfa_verify;
    MfaChallengeAndVerify = "mfa.challengeAndVerify", NULL, mfa_challenge_and_verify;
    MfaUnenroll = "mfa.unenroll", NULL, mfa_unenroll;
    MfaListFactors = "mfa.listFactors", NULL, mfa_list_factors;
    MfaGetAuthenticatorAssuranceLevel = "mfa.getAuthenticatorAssuranceLevel", NULL, mfa_get_aal;
    // ---- auth.admin, auth.admin.mfa (src/auth/admin.rs; js-shim/auth-admin.js) ----
    AdminCreateUser = "admin.createUser", USER, admin_create_user;
    AdminDeleteUser = "admin.deleteUser", USER, admin_delete_user;
    AdminGenerateLink = "admin.generateLink", r#"{"properties":null,"user":null}"#, admin_generate_link;
    AdminGetUserById = "admin.getUserById", USER, admin_get_user_by_id;
    AdminInviteUserByEmail = "admin.inviteUserByEmail", USER, admin_invite_user_by_email;
    AdminListUsers = "admin.listUsers", r#"{"users":[]}"#, admin_list_users;
    AdminUpdateUserById = "admin.updateUserById", USER, admin_update_user_by_id;
    AdminSignOut = "admin.signOut", NULL, admin_sign_out;
    AdminListFactors = "admin.mfa.listFactors", NULL, admin_list_factors;
    AdminDeleteFactor = "admin.mfa.deleteFactor", NULL, admin_delete_factor;
    // ---- identities and other ways in (issue 14, src/auth/identity.rs) ----
    SignInAnonymously = "signInAnonymously", SESSION, sign_in_anonymously;
    SignInWithIdToken = "signInWithIdToken", SESSION, sign_in_with_id_token;
    SignInWithSSO = "signInWithSSO", NULL, sign_in_with_sso;
    GetUserIdentities = "getUserIdentities", NULL, get_user_identities;
    LinkIdentity = "linkIdentity", r#"{"provider":null,"url":null}"#, link_identity;
    LinkIdentityIdToken = "linkIdentityIdToken", SESSION, link_identity_id_token;
    UnlinkIdentity = "unlinkIdentity", NULL, unlink_identity;
    GetClaims = "getClaims", NULL, get_claims;
}

impl AuthMethod {
    /// The method called `name`, if there is one.
    pub fn parse(name: &str) -> Option<AuthMethod> {
        for m in AuthMethod::ALL {
            if m.name() == name {
                return Some(*m);
            }
        }
        None
    }
}

/// A method's arguments, parsed once: the JS arguments as a JSON array.
#[derive(Debug, Clone, Default)]
pub struct Args {
    values: Vec<Value>,
    /// A single argument given as JSON text that did not parse.
    unreadable: bool,
}

impl Args {
    /// `invoke`'s arguments: a JSON array (anything else is no arguments). At any depth:
    /// `user_metadata` nested deep is carried as text (`encoding::json::parse_args`).
    pub fn parse(json: &str) -> Args {
        match crate::encoding::json::parse_args(json) {
            Some(Value::Array(values)) => Args { values, unreadable: false },
            _ => Args::default(),
        }
    }

    /// One argument as JSON text (the `Client` methods that take a params object).
    pub fn one(json: &str) -> Args {
        match crate::encoding::json::parse_args(json) {
            Some(v) => Args { values: vec![v], unreadable: false },
            None => Args { values: Vec::new(), unreadable: true },
        }
    }

    /// Argument `i`. Out of line, as `text`: one copy for the handlers' many uses (issue 17).
    #[inline(never)]
    pub(crate) fn get(&self, i: usize) -> Option<&Value> {
        self.values.get(i)
    }

    /// Argument `i` as a params object (`{}` for none or `null`).
    pub(super) fn params(&self, i: usize, m: AuthMethod) -> Result<Params, AuthError> {
        if self.unreadable {
            return Err(req::unreadable(m.name()));
        }
        req::params(self.get(i), m.name())
    }

    /// Argument `i` as text (`""` unless a string).
    #[inline(never)]
    fn text(&self, i: usize) -> &str {
        self.get(i).and_then(Value::as_str).unwrap_or("")
    }
}

/// What a handler may know of the client and the call.
pub struct Cx<'a> {
    pub now_ms: f64,
    /// What storage holds under the key the method reads (the session for `getSession`, the
    /// PKCE verifier for `exchangeCodeForSession` and `sessionFromUrl`).
    pub stored: Option<&'a str>,
    /// Random bytes for a PKCE verifier.
    pub random: &'a [u8],
    pub pkce: bool,
    pub auth_url: &'a str,
    pub config_error: Option<&'a AuthError>,
}

/// What a call of a method does; the machine carries it out.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Resolve at once with the method's empty `data` and this error (nothing sent).
    Fail(AuthError),
    /// Resolve at once with this `data`.
    Done(Json),
    /// Send this request: anon at once, or with the user's access token (after a refresh when
    /// it is about to expire).
    Call(Call),
    /// Send this request with this bearer as it is (`getUser(jwt)`): the session is not touched.
    CallAs(Call, String),
    /// The session, refreshed first when it is about to expire (`getSession`).
    Session,
    /// Refresh now, with this refresh token or else the session's (`refreshSession`).
    Refresh(Option<String>),
    /// Check and adopt these tokens (`setSession`, an implicit redirect).
    Adopt { access: String, refresh: String },
    /// Sign out with this scope.
    SignOut(Scope),
    /// `mfa.getAuthenticatorAssuranceLevel()`: the current session's levels (storage read first).
    Aal,
    /// `signInWithOAuth`: store the PKCE verifier (if any), resolve with `{ provider, url }`.
    OAuth { provider: String, url: String, verifier: Option<String> },
    /// Store this PKCE verifier (if any) for `exchangeCodeForSession`, then send the call
    /// (`linkIdentity`, `signInWithSSO`).
    Stash(Option<String>, Call),
    /// A redirect that carried an error: remove the stored verifier (when `remove`), then fail.
    Denied { error: AuthError, remove: bool },
}

fn built(r: Result<Call, AuthError>) -> Plan {
    match r {
        Ok(call) => Plan::Call(call),
        Err(e) => Plan::Fail(e),
    }
}

/// A method whose only argument is a params object turned into one request.
fn with_params(m: AuthMethod, a: &Args, build: impl FnOnce(&Params) -> Result<Call, AuthError>) -> Plan {
    built(a.params(0, m).and_then(|p| build(&p)))
}

// ---- the handlers, one per method -------------------------------------------------------------
// Not `#[inline(never)]`: each is reached only through `AuthMethod::plan`, and measured, letting
// the compiler inline them there makes the module ~100 B (brotli) smaller.

fn get_session(_: &Args, _: &Cx) -> Plan {
    Plan::Session
}

/// `signInWithWechat({ code })`: `GET /auth/v1/wechat_mini/login?code=<code from wx.login>`.
fn sign_in_with_wechat(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::SignInWithWechat;
    let step = Step::Session { recovery: false };
    with_params(m, a, |p| req::wechat_code(p, "login", m.name(), Identity::Anon, step))
}

fn wechat_bind_phone(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::WechatBindPhone;
    with_params(m, a, |p| req::wechat_code(p, "bind_phone", m.name(), Identity::User, Step::User { save: true }))
}

fn wechat_bind_account(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::WechatBindAccount;
    with_params(m, a, |p| req::wechat_code(p, "bind_account", m.name(), Identity::User, Step::User { save: true }))
}

fn get_unlimited_qrcode(a: &Args, _: &Cx) -> Plan {
    with_params(AuthMethod::GetUnlimitedQRCode, a, req::unlimited_qrcode)
}

fn sign_up(a: &Args, _: &Cx) -> Plan {
    with_params(AuthMethod::SignUp, a, req::sign_up)
}

fn sign_in_with_password(a: &Args, _: &Cx) -> Plan {
    with_params(AuthMethod::SignInWithPassword, a, req::sign_in_with_password)
}

fn sign_in_with_otp(a: &Args, _: &Cx) -> Plan {
    with_params(AuthMethod::SignInWithOtp, a, req::sign_in_with_otp)
}

fn verify_otp(a: &Args, _: &Cx) -> Plan {
    with_params(AuthMethod::VerifyOtp, a, req::verify_otp)
}

fn resend(a: &Args, _: &Cx) -> Plan {
    with_params(AuthMethod::Resend, a, req::resend)
}

/// `resetPasswordForEmail(email, { redirectTo, captchaToken })`.
fn reset_password_for_email(a: &Args, _: &Cx) -> Plan {
    let opts = a.params(1, AuthMethod::ResetPasswordForEmail).unwrap_or_default();
    built(req::reset_password(a.text(0), &opts))
}

/// `updateUser(attributes, { emailRedirectTo })`.
fn update_user(a: &Args, _: &Cx) -> Plan {
    let m = AuthMethod::UpdateUser;
    let opts = a.params(1, m).unwrap_or_default();
    with_params(m, a, |p| req::update_user(p, &opts))
}

/// `getUser(jwt?)`: an explicit JWT is checked as it is, without touching the session.
fn get_user(a: &Args, _: &Cx) -> Plan {
    match a.get(0).and_then(Value::as_str).filter(|t| !t.is_empty()) {
        Some(jwt) => Plan::CallAs(req::get_user(), jwt.to_owned()),
        None => Plan::Call(req::get_user()),
    }
}

fn reauthenticate(_: &Args, _: &Cx) -> Plan {
    Plan::Call(req::reauthenticate())
}

/// `refreshSession({ refresh_token }?)`: with the given token or the session's.
fn refresh_session(a: &Args, _: &Cx) -> Plan {
    let given = a
        .params(0, AuthMethod::RefreshSession)
        .ok()
        .and_then(|p| p.get("refresh_token").and_then(Value::as_str).map(str::to_owned))
        .filter(|t| !t.is_empty());
    Plan::Refresh(given)
}

/// `setSession({ access_token, refresh_token })`.
fn set_session(a: &Args, _: &Cx) -> Plan {
    let p = match a.params(0, AuthMethod::SetSession) {
        Ok(p) => p,
        Err(e) => return Plan::Fail(e),
    };
    let token = |k: &str| p.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    match (token("access_token"), token("refresh_token")) {
        (Some(access), Some(refresh)) => Plan::Adopt { access, refresh },
        _ => Plan::Fail(AuthError::invalid_input("setSession needs { access_token, refresh_token }")),
    }
}

/// `signOut({ scope })`.
fn sign_out(a: &Args, _: &Cx) -> Plan {
    match a.params(0, AuthMethod::SignOut).and_then(|p| req::sign_out(&p)) {
        Ok(scope) => Plan::SignOut(scope),
        Err(e) => Plan::Fail(e),
    }
}

/// `signInWithOAuth({ provider, options })`: no request; `{ provider, url }`. With PKCE (the
/// default) the verifier, made from the random bytes, is stored for `exchangeCodeForSession`.
/// The current session is not touched.
fn sign_in_with_oauth(a: &Args, cx: &Cx) -> Plan {
    if let Some(e) = cx.config_error {
        return Plan::Fail(e.clone());
    }
    let p = match a.params(0, AuthMethod::SignInWithOAuth) {
        Ok(p) => p,
        Err(e) => return Plan::Fail(e),
    };
    let verifier = match cx.pkce.then(|| super::pkce::verifier(cx.random)) {
        Some(None) => {
            return Plan::Fail(AuthError::invalid_input("signInWithOAuth: not enough randomness for a PKCE verifier"))
        }
        v => v.flatten(),
    };
    let challenge = verifier.as_deref().map(super::pkce::challenge_s256);
    match req::oauth_url(cx.auth_url, &p, challenge.as_deref()) {
        Ok((provider, url)) => Plan::OAuth { provider, url, verifier },
        Err(e) => Plan::Fail(e),
    }
}

/// `exchangeCodeForSession(authCode)` with the stored PKCE verifier (a JSON string, as
/// auth-js stores it).
fn exchange_code_for_session(a: &Args, cx: &Cx) -> Plan {
    exchange(a.text(0), cx.stored)
}

fn exchange(auth_code: &str, stored: Option<&str>) -> Plan {
    let verifier = stored
        .and_then(|v| serde_json::from_str::<Value>(v).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .map(|mut v| {
            // `trim_end_matches("/recovery")`
            while let Some(rest) = v.strip_suffix("/recovery") {
                v = rest.to_owned();
            }
            v
        });
    built(match verifier {
        Some(v) => req::exchange_code(auth_code, &v),
        None => Err(AuthError::new(
            ErrorKind::AuthPKCEGrantCodeExchangeError,
            "exchangeCodeForSession: no PKCE code verifier is stored: call signInWithOAuth on this device first",
            Some(400),
            Some("pkce_verifier_missing"),
        )),
    })
}

/// The browser's address on load (`detectSessionInUrl`); `cx.stored` is the PKCE verifier.
/// Resolves with `null` data and no error when the URL is not an auth redirect (a `?code=`
/// counts only while a verifier is stored, as in auth-js, so an app's own `code` parameter is
/// left alone); otherwise as `exchangeCodeForSession` (`?code=`), `setSession` (implicit
/// `#access_token=…&refresh_token=…`), or with the redirect's error (`?error=`: the user denied
/// or the provider failed), the verifier then removed. The shim cleans the address bar
/// ([`super::redirect::cleaned_url`]) whenever the data is not `null` or there is an error.
fn session_from_url(a: &Args, cx: &Cx) -> Plan {
    let params = super::redirect::parse(a.text(0));
    if params.is_error() {
        let kind =
            if cx.pkce { ErrorKind::AuthPKCEGrantCodeExchangeError } else { ErrorKind::AuthImplicitGrantRedirectError };
        let message = params.error_description.as_deref().unwrap_or("Error in URL with unspecified error_description");
        let code = params.error_code.as_deref().or(params.error.as_deref()).unwrap_or("unspecified_code");
        return Plan::Denied { error: AuthError::new(kind, message, None, Some(code)), remove: cx.stored.is_some() };
    }
    if let (Some(code), Some(_)) = (params.code.as_deref(), cx.stored) {
        return exchange(code, cx.stored);
    }
    match (params.access_token, params.refresh_token) {
        (Some(access), Some(refresh)) => Plan::Adopt { access, refresh },
        (Some(_), None) => {
            Plan::Fail(AuthError::invalid_input("the redirect URL has an access_token but no refresh_token"))
        }
        (None, _) => Plan::Done(Json::raw(NULL.to_owned())),
    }
}

/// `{ provider, url }`.
pub fn oauth_data(provider: &str, url: &str) -> Json {
    let mut m = Map::new();
    m.insert("provider".to_owned(), Value::String(provider.to_owned()));
    m.insert("url".to_owned(), Value::String(url.to_owned()));
    Json::of(&Value::Object(m))
}

/// The error of a method name that is not in the table.
pub fn unknown(name: &str) -> AuthError {
    AuthError::invalid_input(cat(&["unknown auth method ", name]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_list_of_names() {
        for m in AuthMethod::ALL {
            assert_eq!(AuthMethod::parse(m.name()), Some(*m));
            assert!(serde_json::from_str::<Value>(m.empty_data()).is_ok(), "{}", m.name());
        }
        for (i, m) in AuthMethod::ALL.iter().enumerate() {
            assert!(AuthMethod::ALL[..i].iter().all(|o| o.name() != m.name()), "{} twice", m.name());
        }
        assert_eq!(AuthMethod::parse("nope"), None);
    }
}
