//! GoTrue's token response, as the scripted Auth server sends it.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

/// An unsigned JWT with these claims (the core reads a JWT's claims, it never checks a signature).
pub fn jwt(claims: Value) -> String {
    format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

/// A token response for session `n` of user `u-1` of project `abcdefghij`: its access token is a
/// JWT that says which session it is, its refresh token `rt-{n}`, and it expires in an hour.
/// Change any of that with the builder's methods; the JSON text is its `to_string()`.
pub fn token_body(n: u32) -> TokenBody {
    TokenBody {
        n,
        expires_in: 3600,
        iss_host: "abcdefghij.baseapi.memfiredb.com".to_owned(),
        tokens: None,
        expires_at: None,
        user: json!({"id": "u-1", "phone": "", "wechat_id": "o_1"}),
    }
}

#[derive(Debug, Clone)]
pub struct TokenBody {
    n: u32,
    expires_in: i64,
    iss_host: String,
    tokens: Option<(String, String)>,
    expires_at: Option<i64>,
    user: Value,
}

impl TokenBody {
    /// Seconds the access token lives (`expires_in`).
    pub fn expires_in(mut self, seconds: i64) -> TokenBody {
        self.expires_in = seconds;
        self
    }

    /// The host in the access token's `iss` claim: another project's token names another host.
    pub fn iss_host(mut self, host: &str) -> TokenBody {
        self.iss_host = host.to_owned();
        self
    }

    /// These access and refresh tokens instead of the JWT and `rt-{n}`.
    pub fn tokens(mut self, access: &str, refresh: &str) -> TokenBody {
        self.tokens = Some((access.to_owned(), refresh.to_owned()));
        self
    }

    /// A server-side `expires_at` (by the server's clock; none by default).
    pub fn expires_at(mut self, at: i64) -> TokenBody {
        self.expires_at = Some(at);
        self
    }

    /// This `user` object instead of `{"id": "u-1", "phone": "", "wechat_id": "o_1"}`.
    pub fn user(mut self, user: Value) -> TokenBody {
        self.user = user;
        self
    }
}

impl fmt::Display for TokenBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.n;
        let (access, refresh) = match &self.tokens {
            Some((access, refresh)) => (access.clone(), refresh.clone()),
            None => {
                let iss = format!("https://{}/auth/v1", self.iss_host);
                (jwt(json!({"sub": "u-1", "iss": iss, "exp": 1, "n": n})), format!("rt-{n}"))
            }
        };
        let mut body = json!({
            "access_token": access, "token_type": "bearer", "expires_in": self.expires_in,
            "refresh_token": refresh, "user": self.user,
        });
        if let Some(at) = self.expires_at {
            body["expires_at"] = json!(at);
        }
        write!(f, "{body}")
    }
}
