//! Session and user models, and the stored format.
//!
//! The stored value is what `supabase-wechat-stable-v2` 2.2.0 writes with `wx.setStorageSync`:
//! a JSON string of `{access_token, token_type, expires_in, refresh_token, user, expires_at}`
//! (that key order), so users signed in with the old SDK stay signed in after the upgrade.
//! Unknown fields are kept (a session or user read and written back loses nothing); missing
//! optional fields are tolerated; wrong types in optional fields never reject a session.

use crate::prelude::*;
use serde_json::Value;

use crate::encoding::json::{self, members};
use crate::encoding::text::{decimal, json as json_text};

/// A user object exactly as the server sent it, kept as its JSON text: its `user_metadata` may
/// nest deeper than a `serde_json::Value` can (see `encoding::json`). The core reads a few
/// fields through accessors that tolerate any shape; everything else is carried through as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User(String);

impl User {
    /// `text` if it is a JSON object (at any depth).
    pub fn from_json(text: &str) -> Option<User> {
        json::object(text).map(|o| User(o.to_owned()))
    }

    /// A member's text from [`json::members`] (valid JSON already): the user if it is an object.
    pub(crate) fn from_member(text: &str) -> Option<User> {
        text.starts_with('{').then(|| User(text.to_owned()))
    }

    /// The object's JSON text.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// A member's value (`None` if absent or nested too deep to read).
    pub fn field(&self, key: &str) -> Option<Value> {
        json::last(&members(&self.0)?, key).and_then(json::value)
    }

    fn str_field(&self, key: &str) -> Option<String> {
        match self.field(key)? {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn id(&self) -> Option<String> {
        self.str_field("id").filter(|s| !s.is_empty())
    }
    pub fn email(&self) -> Option<String> {
        self.str_field("email")
    }
    pub fn phone(&self) -> Option<String> {
        self.str_field("phone")
    }
    /// MemFire's field for the WeChat openid.
    pub fn wechat_id(&self) -> Option<String> {
        self.str_field("wechat_id")
    }
}

/// A signed-in session. Field order is the stored order of the SDK we replace.
/// Read with [`Session::from_json`] and written with [`Session::to_stored`]: see there.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: Option<i64>,
    pub refresh_token: String,
    pub user: Option<User>,
    pub expires_at: Option<i64>,
    /// `provider_token`, `weak_password`, and whatever a newer server adds: each member's name
    /// and JSON text, in their order (a repeated name once, its last value).
    pub extra: Vec<(String, String)>,
}

/// Numbers may arrive as integers, floats or integer strings; anything else is "absent".
pub fn value_to_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(round_f64)),
        // Integers only: core's float parser would cost ~13 KB of wasm.br for strings nobody sends.
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// A member's JSON text as an integer ([`value_to_i64`]): a plain integer without serde_json's
/// parser (`json::plain_int`), anything else through it.
pub fn number(text: &str) -> Option<i64> {
    json::plain_int(text).or_else(|| value_to_i64(&json::value(text)?))
}

/// Saturating, never-panicking rounding (an `as` cast saturates; MVP lowering keeps it trap-free).
fn round_f64(f: f64) -> i64 {
    crate::encoding::float::round(f) as i64
}

/// Seconds since the epoch, rounded like `Math.round(Date.now() / 1000)`.
pub fn now_secs(now_ms: f64) -> i64 {
    if now_ms.is_finite() {
        round_f64(now_ms / 1000.0)
    } else {
        0
    }
}

impl Session {
    /// A JSON object with string `access_token` and `refresh_token`; the other fields are
    /// lenient: `token_type` defaults to `"bearer"`, `user` is `None` unless it is an object,
    /// numbers may be integers, floats or integer strings. Split into its members' texts
    /// (`encoding::json::members`: any depth, no recursion) and only the scalars read as
    /// values; `user` and unknown members are kept as their text. Not a serde derive: that
    /// links serde's typed-error formatting, float `Display` included (~20 KB of wasm).
    fn from_json(raw: &str) -> Option<Session> {
        const KNOWN: [&str; 6] = ["access_token", "refresh_token", "token_type", "expires_in", "expires_at", "user"];
        let mut known: [Option<&str>; 6] = Default::default();
        let mut extra: Vec<(String, String)> = Vec::new();
        'members: for (k, v) in &members(raw)? {
            for (n, slot) in KNOWN.iter().zip(known.iter_mut()) {
                if n == k {
                    *slot = Some(*v);
                    continue 'members;
                }
            }
            for e in extra.iter_mut() {
                if e.0 == *k {
                    e.1 = (*v).to_owned();
                    continue 'members;
                }
            }
            extra.push((k.clone(), (*v).to_owned()));
        }
        let [access_token, refresh_token, token_type, expires_in, expires_at, user] = known;
        let access_token = json::string(access_token?)?;
        let refresh_token = json::string(refresh_token?)?;
        let token_type = token_type.and_then(json::string).unwrap_or_else(|| "bearer".to_owned());
        let expires_in = expires_in.and_then(number);
        let expires_at = expires_at.and_then(number);
        let user = user.and_then(User::from_member);
        Some(Session { access_token, token_type, expires_in, refresh_token, user, expires_at, extra })
    }

    /// Read a session from storage. `None` for anything that is not a usable session
    /// (garbage, a non-object, missing tokens, no expiry): the caller then clears the key.
    pub fn from_stored(raw: &str) -> Option<Session> {
        let s = Session::from_json(raw)?;
        (!s.access_token.is_empty() && !s.refresh_token.is_empty() && s.expires_at.is_some()).then_some(s)
    }

    /// Build a session from a token response body (sign-in, refresh). Requires
    /// `access_token`, `refresh_token` and `expires_in` like auth-js' `hasSession`. `expires_at`
    /// is computed from the local receive time (as the SDK we replace does), so a device clock
    /// that is off does not make a fresh session look expired.
    pub fn from_token_response(body: &str, now_ms: f64) -> Option<Session> {
        let mut s = Session::from_json(body)?;
        let expires_in = s.expires_in.filter(|e| *e > 0)?;
        if s.access_token.is_empty() || s.refresh_token.is_empty() {
            return None;
        }
        s.expires_at = Some(now_secs(now_ms).saturating_add(expires_in));
        Some(s)
    }

    /// An unknown member's value (`None` if absent or nested too deep to read).
    pub fn extra_value(&self, key: &str) -> Option<Value> {
        for (k, v) in &self.extra {
            if k == key {
                return json::value(v);
            }
        }
        None
    }

    /// The stored JSON string: the known fields in the stored order, then the others as they
    /// came (their text copied, whatever its depth).
    pub fn to_stored(&self) -> String {
        let mut out = String::with_capacity(
            self.access_token.len() + self.refresh_token.len() + self.user.as_ref().map_or(0, |u| u.0.len()) + 160,
        );
        let mut raw = |key: &str, value: &str| {
            out.push_str(if out.is_empty() { "{" } else { "," });
            out.push_str(key);
            out.push(':');
            out.push_str(value);
        };
        raw("\"access_token\"", &json_text(&self.access_token));
        raw("\"token_type\"", &json_text(&self.token_type));
        if let Some(n) = self.expires_in {
            raw("\"expires_in\"", &decimal(n));
        }
        raw("\"refresh_token\"", &json_text(&self.refresh_token));
        raw("\"user\"", self.user.as_ref().map_or("null", User::text));
        if let Some(n) = self.expires_at {
            raw("\"expires_at\"", &decimal(n));
        }
        for (k, v) in &self.extra {
            raw(&json_text(k), v);
        }
        out.push('}');
        out
    }
}
