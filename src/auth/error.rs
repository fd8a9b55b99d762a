//! The error taxonomy: what every failed call resolves with.
//!
//! The names, statuses and codes follow auth-js (`lib/errors.ts`) so pages written against
//! supabase-js / `supabase-wechat-stable-v2` keep working. The classification of a failed HTTP
//! exchange is auth-js' `handleError` table (`lib/fetch.ts`), ported and tested as a table.

use crate::encoding::text::{cat, decimal};
use crate::prelude::*;
use serde_json::Value;

pub use crate::output::{AuthError, ErrorKind};

impl AuthError {
    /// `wx.request` failed (network down, timeout, abort): status 0, retryable.
    /// The message is a sentence; WeChat's errMsg follows in brackets for the developer.
    pub fn transport(err_msg: &str) -> Self {
        let detail = if err_msg.is_empty() { "request:fail" } else { err_msg };
        let sentence = if crate::encoding::text::contains(detail, "timeout") {
            "The server did not answer in time; check the network and try again"
        } else {
            "The network request failed; check the network and try again"
        };
        Self::new(
            ErrorKind::AuthRetryableFetchError,
            cat(&[sentence, " (", detail, ")"]),
            Some(0),
            Some("network_error"),
        )
    }
}

/// Statuses auth-js treats as retryable (`NETWORK_ERROR_CODES`, 2.108.2+): gateways, CDN 52x and
/// generic 500/501. A refresh failing with one of these must never sign the user out.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 500..=504 | 520..=530)
}

/// Classify a non-2xx HTTP reply from the Auth server. Accepts the three GoTrue error body shapes:
/// A `{code:<int>, error_code, msg}`, B `{code:<string>, message}`, C `{error, error_description}`,
/// plus gateway bodies such as Kong's `{message}`.
pub fn from_http(status: u16, body: &str) -> AuthError {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let obj = parsed.as_ref().and_then(Value::as_object);

    // Empty strings are skipped, like auth-js' `msg || message || error_description || error`.
    let str_field = |key: &str| {
        obj.and_then(|o| o.get(key)).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_owned)
    };
    let message = str_field("msg")
        .or_else(|| str_field("message"))
        .or_else(|| str_field("error_description"))
        .or_else(|| str_field("error"));
    // Shape B carries the code as a string in `code`; shape A has the HTTP status there and the
    // code in `error_code`; shape C only has `error` (e.g. `invalid_grant`).
    let code = str_field("code").or_else(|| str_field("error_code")).or_else(|| {
        if str_field("error_description").is_some() {
            str_field("error")
        } else {
            None
        }
    });

    if is_retryable_status(status) {
        let msg = message.unwrap_or_else(|| cat(&["HTTP ", &decimal(status), " from the Auth server"]));
        return AuthError::new(ErrorKind::AuthRetryableFetchError, msg, Some(status), code.as_deref());
    }
    // Not JSON at all (an HTML error page, garbage): auth-js' AuthUnknownError. JSON without a
    // message field: AuthApiError whose message is the body, as auth-js' `_getErrorMessage`.
    if parsed.is_none() {
        let trimmed = body.trim();
        // The first 120 characters.
        let mut end = 0;
        for (n, c) in trimmed.chars().enumerate() {
            if n == 120 {
                break;
            }
            end += c.len_utf8();
        }
        let snippet = trimmed.get(..end).unwrap_or(trimmed);
        let what = if snippet.is_empty() { ", no body)" } else { "): " };
        return AuthError::new(
            ErrorKind::AuthUnknownError,
            cat(&["unexpected reply from the Auth server (HTTP ", &decimal(status), what, snippet]),
            Some(status),
            None,
        );
    }
    // JSON that says nothing (`""`, `"  "`): the status says it.
    let message = message.or_else(|| match &parsed {
        Some(Value::String(s)) if s.trim().is_empty() => None,
        _ => Some(body.trim().to_owned()),
    });
    let message = message.unwrap_or_else(|| cat(&["HTTP ", &decimal(status), " from the Auth server"]));
    // auth-js' handleError: a `weak_password` body with string `reasons`, or the code alone.
    let reasons = obj
        .and_then(|o| o.get("weak_password"))
        .and_then(|w| w.get("reasons"))
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty() && r.iter().all(Value::is_string))
        .map(|r| {
            let mut texts = Vec::with_capacity(r.len());
            for s in r {
                if let Some(s) = s.as_str() {
                    texts.push(s.to_owned());
                }
            }
            texts
        });
    if reasons.is_some() || code.as_deref() == Some("weak_password") {
        let mut e = AuthError::new(ErrorKind::AuthWeakPasswordError, message, Some(status), Some("weak_password"));
        e.reasons = Some(reasons.unwrap_or_default());
        return e;
    }
    let kind = if code.as_deref() == Some("session_not_found") {
        ErrorKind::AuthSessionMissingError
    } else {
        ErrorKind::AuthApiError
    };
    AuthError::new(kind, message, Some(status), code.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_that_is_not_json_is_quoted_to_120_characters() {
        let body = cat(&["  ", &"中".repeat(119), "é!", &"x".repeat(30), " "]);
        let e = from_http(404, &body);
        let snippet = cat(&[&"中".repeat(119), "é"]);
        assert_eq!(e.message, cat(&["unexpected reply from the Auth server (HTTP 404): ", &snippet]));
        let short = from_http(502, "<html>");
        assert_eq!(short.message, "HTTP 502 from the Auth server");
        assert_eq!(from_http(418, "<p>").message, "unexpected reply from the Auth server (HTTP 418): <p>");
    }
}
