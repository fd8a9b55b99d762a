//! The client's configuration: the project URL (validated) and the storage key.

use crate::encoding::text::cat;
use crate::prelude::*;

/// A validated project URL: `http(s)://host[:port][/path]`, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    pub url: String,
    pub host: String,
}

impl BaseUrl {
    pub fn parse(raw: &str) -> Result<BaseUrl, String> {
        let trimmed = raw.trim();
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or_else(|| cat(&["supabaseUrl must start with https:// or http:// (got \"", trimmed, "\")"]))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        // userinfo is not allowed; the host is what follows the last '@' in a browser, but a
        // project URL never has one, so reject it rather than guess.
        if authority.is_empty() || authority.contains('@') {
            return Err(cat(&["supabaseUrl has no valid host (got \"", trimmed, "\")"]));
        }
        let host = if let Some(v6) = authority.strip_prefix('[') {
            // `[addr]` or `[addr]:port`, nothing else.
            match v6.split_once(']') {
                Some((addr, rest)) if rest.is_empty() || rest.starts_with(':') => cat(&["[", addr, "]"]),
                _ => return Err(cat(&["supabaseUrl has an unclosed IPv6 host (got \"", trimmed, "\")"])),
            }
        } else {
            authority.split(':').next().unwrap_or("").to_ascii_lowercase()
        };
        if host.is_empty() || host == "[]" {
            return Err(cat(&["supabaseUrl has no valid host (got \"", trimmed, "\")"]));
        }
        let url = trimmed.split(['?', '#']).next().unwrap_or("").trim_end_matches('/').to_owned();
        Ok(BaseUrl { url, host })
    }

    /// `sb-<first label of the host>-auth-token`, the key supabase-js and the SDK we replace use.
    pub fn default_storage_key(&self) -> String {
        let label = self.host.split('.').next().unwrap_or("");
        cat(&["sb-", label, "-auth-token"])
    }
}
