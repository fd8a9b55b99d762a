//! Helpers shared by the core's integration tests.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use supabase_wechat::{Client, Output};

/// Drain the core like the shim does with a working storage: every write is acknowledged.
#[allow(dead_code)] // not every test binary that includes this module uses it
pub fn drain_ack(c: &mut Client) -> Vec<Output> {
    let mut outs = Vec::new();
    while let Some(o) = c.poll() {
        if matches!(o, Output::StorageSet { .. }) {
            c.handle_storage_result(None);
        }
        outs.push(o);
    }
    outs
}

/// A GoTrue token response for session `n` of user `u-1` of project `abcdefghij`, whose access
/// token (an unsigned JWT) says which session it is.
#[allow(dead_code)] // not every test binary that includes this module uses it
pub fn token_body(n: u32, expires_in: i64) -> String {
    let claims = json!({"sub": "u-1", "iss": "https://abcdefghij.baseapi.memfiredb.com/auth/v1", "exp": 1, "n": n});
    json!({
        "access_token": format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string())),
        "token_type": "bearer", "expires_in": expires_in, "refresh_token": format!("rt-{n}"),
        "user": {"id": "u-1"}
    })
    .to_string()
}

/// Cases per property test: `FUZZ_CASES` (scripts/fuzz-long.sh raises it), else 2,000.
#[allow(dead_code)] // not every test binary that includes this module uses it
pub fn fuzz_cases() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(2_000)
}
