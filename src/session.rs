//! Session and user models, and the stored format.
//!
//! The stored value is what `supabase-wechat-stable-v2` 2.2.0 writes with `wx.setStorageSync`:
//! a JSON string of `{access_token, token_type, expires_in, refresh_token, user, expires_at}`
//! (that key order), so users signed in with the old SDK stay signed in after the upgrade.
//! Unknown fields are kept (a session or user read and written back loses nothing); missing
//! optional fields are tolerated; wrong types in optional fields never reject a session.

use serde::{Deserialize, Deserializer, Serialize};
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    #[serde(default = "bearer", deserialize_with = "lenient_string")]
    pub token_type: String,
    #[serde(
        default,
        deserialize_with = "lenient_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_in: Option<i64>,
    pub refresh_token: String,
    #[serde(default, deserialize_with = "lenient_user")]
    pub user: Option<User>,
    #[serde(
        default,
        deserialize_with = "lenient_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<i64>,
    /// `provider_token`, `weak_password`, and whatever a newer server adds.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn bearer() -> String {
    "bearer".to_owned()
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        _ => bearer(),
    })
}

/// Numbers may arrive as integers, floats or numeric strings; anything else is "absent".
fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(value_to_i64(&Value::deserialize(d)?))
}

fn lenient_user<'de, D: Deserializer<'de>>(d: D) -> Result<Option<User>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => Some(User(m)),
        _ => None,
    })
}

pub fn value_to_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(round_f64)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(round_f64),
        _ => None,
    }
}

/// Saturating, never-panicking rounding (an `as` cast saturates; MVP lowering keeps it trap-free).
fn round_f64(f: f64) -> i64 {
    f.round() as i64
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
    /// Read a session from storage. `None` for anything that is not a usable session
    /// (garbage, a non-object, missing tokens, no expiry): the caller then clears the key.
    pub fn from_stored(raw: &str) -> Option<Session> {
        let s: Session = serde_json::from_str(raw).ok()?;
        (!s.access_token.is_empty() && !s.refresh_token.is_empty() && s.expires_at.is_some())
            .then_some(s)
    }

    /// Build a session from a token response body (sign-in, refresh). Requires
    /// `access_token`, `refresh_token` and `expires_in` like auth-js' `hasSession`. `expires_at`
    /// is computed from the local receive time (as the SDK we replace does), so a device clock
    /// that is off does not make a fresh session look expired.
    pub fn from_token_response(body: &str, now_ms: f64) -> Option<Session> {
        let mut s: Session = serde_json::from_str(body).ok()?;
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
