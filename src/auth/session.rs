//! Session and user models, and the stored format.
//!
//! The stored value is what `supabase-wechat-stable-v2` 2.2.0 writes with `wx.setStorageSync`:
//! a JSON string of `{access_token, token_type, expires_in, refresh_token, user, expires_at}`
//! (that key order), so users signed in with the old SDK stay signed in after the upgrade.
//! Unknown fields are kept (a session or user read and written back loses nothing); missing
//! optional fields are tolerated; wrong types in optional fields never reject a session.

use crate::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A user object exactly as the server sent it. The core reads a few fields through accessors
/// that tolerate any shape; everything else is carried through untouched.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct User(pub Map<String, Value>);

impl User {
    fn str_field(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }
    pub fn id(&self) -> Option<&str> {
        self.str_field("id").filter(|s| !s.is_empty())
    }
    pub fn email(&self) -> Option<&str> {
        self.str_field("email")
    }
    pub fn phone(&self) -> Option<&str> {
        self.str_field("phone")
    }
    /// MemFire's field for the WeChat openid.
    pub fn wechat_id(&self) -> Option<&str> {
        self.str_field("wechat_id")
    }
}

/// A signed-in session. Field order is the stored order of the SDK we replace.
/// Read with [`Session::from_json`], not a serde derive: see there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub access_token: String,
    pub token_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    pub refresh_token: String,
    pub user: Option<User>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// `provider_token`, `weak_password`, and whatever a newer server adds.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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
    /// numbers may be integers, floats or integer strings. Parsed as a `Value` and picked apart
    /// by hand: a serde derive (with `flatten`) links serde's typed-error formatting, float
    /// `Display` included, which is ~20 KB of wasm.
    fn from_json(raw: &str) -> Option<Session> {
        let Ok(Value::Object(m)) = serde_json::from_str(raw) else {
            return None;
        };
        // The known fields are taken out and the rest kept, in one pass over the map (rather
        // than `Map::remove`, which links the B-tree's rebalancing, ~3 KB of wasm).
        const KNOWN: [&str; 6] = ["access_token", "refresh_token", "token_type", "expires_in", "expires_at", "user"];
        let mut known: [Option<Value>; 6] = Default::default();
        let mut extra = Map::new();
        for (k, v) in m {
            match KNOWN.iter().position(|n| *n == k) {
                Some(i) => known[i] = Some(v),
                None => {
                    extra.insert(k, v);
                }
            }
        }
        let [access_token, refresh_token, token_type, expires_in, expires_at, user] = known;
        let string = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let access_token = string(access_token)?;
        let refresh_token = string(refresh_token)?;
        let token_type = string(token_type).unwrap_or_else(|| "bearer".to_owned());
        let expires_in = expires_in.as_ref().and_then(value_to_i64);
        let expires_at = expires_at.as_ref().and_then(value_to_i64);
        let user = match user {
            Some(Value::Object(u)) => Some(User(u)),
            _ => None,
        };
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

    /// The stored JSON string.
    pub fn to_stored(&self) -> String {
        // Serializing a struct of Strings, integers and JSON values cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
