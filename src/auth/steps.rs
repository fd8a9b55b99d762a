//! What a 2xx reply of the Auth API means, by [`Step`]: read, not acted on (the machine commits
//! sessions and resolves operations).

use crate::encoding::json;
use crate::encoding::text::cat;
use crate::prelude::*;
use serde_json::{Map, Value};

use super::error::{AuthError, ErrorKind};
use super::requests::{Scope, Step};
use super::session::{Session, User};
use crate::output::{AuthEvent, Json};

/// What a 2xx reply says.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// A new session, announced with this event; the call resolves with `{ user, session }`.
    Session(Session, AuthEvent),
    /// A user: the call resolves with `{ user }`; with `true` it replaces the session's user
    /// (`USER_UPDATED`).
    User(User, bool),
    /// The call resolves with this `data`; nothing else changes.
    Data(Json),
    /// `signOut`: the session is removed (unless `others`), the call resolves with `null`.
    LoggedOut(Scope),
    /// Not what the step needs: the call fails with the method's empty `data`.
    Fail(AuthError),
    /// The same operation continues with this call (`mfa.challengeAndVerify`).
    Then(super::requests::Call),
}

pub fn read(step: Step, body: &str, now_ms: f64) -> Reading {
    let session = || Session::from_token_response(body, now_ms).filter(|s| s.user.is_some());
    match step {
        Step::Session { recovery } => match session() {
            Some(s) => Reading::Session(s, if recovery { AuthEvent::PasswordRecovery } else { AuthEvent::SignedIn }),
            None => Reading::Fail(invalid_token_response()),
        },
        Step::PkceExchange => read(Step::Session { recovery: false }, body, now_ms),
        Step::SessionOrUser => match session() {
            Some(s) => Reading::Session(s, AuthEvent::SignedIn),
            None => match parse_user(body) {
                Some(user) => Reading::Data(Json::raw(cat(&["{\"user\":", &user_text(&user), ",\"session\":null}"]))),
                None => Reading::Fail(invalid_token_response()),
            },
        },
        Step::User { save } => match parse_user(body) {
            Some(user) => Reading::User(user, save),
            None => Reading::Fail(invalid_user_response()),
        },
        Step::AdoptTokens { access_token, refresh_token } => match parse_user(body) {
            Some(user) => {
                let exp = super::jwt::exp(&access_token).unwrap_or(0);
                let now_s = super::session::now_secs(now_ms);
                let session = Session {
                    access_token,
                    token_type: "bearer".into(),
                    expires_in: Some(exp.saturating_sub(now_s).max(0)),
                    refresh_token,
                    user: Some(user),
                    // The token's own expiry, corrected by nothing: it came from the caller.
                    expires_at: Some(exp),
                    extra: Vec::new(),
                };
                Reading::Session(session, AuthEvent::SignedIn)
            }
            None => Reading::Fail(invalid_user_response()),
        },
        Step::QrCode => {
            let v = json::read(body).unwrap_or(Value::Null);
            // MemFire's body is `{ data: { imgBase64 } }`; the old SDK read the top level.
            let img =
                v.get("imgBase64").or_else(|| v.get("data").and_then(|d| d.get("imgBase64"))).and_then(Value::as_str);
            match img {
                Some(img) => {
                    let mut m = Map::new();
                    m.insert("imgBase64".to_owned(), Value::String(img.to_owned()));
                    Reading::Data(Json::of(&Value::Object(m)))
                }
                None => Reading::Fail(AuthError::new(
                    ErrorKind::AuthUnknownError,
                    "the QR code reply has no imgBase64",
                    Some(200),
                    None,
                )),
            }
        }
        Step::Message => {
            let v = json::read(body).unwrap_or(Value::Null);
            let mut m = Map::new();
            m.insert("user".to_owned(), Value::Null);
            m.insert("session".to_owned(), Value::Null);
            m.insert("messageId".to_owned(), v.get("message_id").cloned().unwrap_or(Value::Null));
            Reading::Data(Json::of(&Value::Object(m)))
        }
        Step::Empty => Reading::Data(Json::raw("{}".into())),
        Step::Logout { scope } => Reading::LoggedOut(scope),
        Step::Mfa(r) => super::mfa::read(r, body, now_ms),
        // Read by `admin::read` before this is reached.
        Step::Admin(_) => Reading::Fail(invalid_user_response()),
        Step::Ident(reply) => reply.read(body, now_ms),
    }
}

/// The user a reply carries: the body itself, or its `user` member when it has no `id` (some
/// replies wrap it: `{ user: {...} }`). Read as text, at any depth (`encoding::json`).
fn parse_user(body: &str) -> Option<User> {
    let members = json::members(body)?;
    if json::last(&members, "id").is_some() {
        return User::from_json(body);
    }
    json::last(&members, "user").and_then(User::from_member)
}

pub fn user_text(u: &User) -> String {
    u.text().to_owned()
}

pub fn session_missing() -> AuthError {
    AuthError::new(ErrorKind::AuthSessionMissingError, "Auth session missing!", Some(400), Some("session_missing"))
}

/// A reply (or a wait) for a session that has since been replaced: dropped (auth-js'
/// `AuthRefreshDiscardedError`, status 409).
pub fn discarded() -> AuthError {
    AuthError::new(
        ErrorKind::AuthRefreshDiscardedError,
        "Result discarded: the session changed while this call was in flight (a later sign-in, a sign-out or a storage change came first)",
        Some(409),
        None,
    )
}

pub fn invalid_token_response() -> AuthError {
    AuthError::new(ErrorKind::AuthInvalidTokenResponseError, "Auth session or user missing", Some(500), None)
}

fn invalid_user_response() -> AuthError {
    AuthError::new(ErrorKind::AuthUnknownError, "the Auth server's reply has no user", Some(200), None)
}
