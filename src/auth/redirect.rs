//! Reading an OAuth / PKCE / email-link redirect URL: what GoTrue sends the browser back to
//! after `GET /authorize` (web QR login with `wechat_qr`) or `GET /verify`.
//!
//! GoTrue writes (gotrue.md §1.4):
//! - PKCE: `redirect_to?code=<auth code>` (exchanged with `grant_type=pkce`);
//! - implicit: `redirect_to#access_token=…&expires_at=…&expires_in=…&provider_refresh_token=…&
//!   provider_token=…&refresh_token=…&token_type=bearer&type=…&sb`;
//! - errors: `?error=&error_code=&error_description=` in the query and again in the fragment.
//!
//! Both the query and the fragment are read. A named field present in both takes the fragment's
//! value: the fragment is where GoTrue puts tokens, while the query belongs to `redirect_to`, an
//! app URL that may carry its own parameters. (auth-js' `parseParametersFromURL` lets the query
//! win; the two only differ when both carry the same name, which GoTrue never writes with
//! different values.) Within one part, the first occurrence of a name wins.
//!
//! Decoding is `application/x-www-form-urlencoded`, as written by Go's `url.Values.Encode` (which
//! GoTrue uses) and read by `URLSearchParams` (which auth-js uses): `+` is a space, a literal
//! plus arrives as `%2B`. `%XX` escapes are decoded with the `percent-encoding` crate; a
//! malformed escape (`%`, `%4`, `%zz`) is kept as it is, and bytes that are not UTF-8 become
//! U+FFFD. Nothing here panics.

use crate::prelude::*;
use serde::Serialize;

/// The parameters of a redirect URL. Named fields are `None` when absent or empty; every other
/// parameter (unknown names, such as GoTrue's `sb` marker or the app's own; empty or non-integer
/// values of named fields; and repeated names that lost to an earlier or a fragment value) is in
/// `other`: the query's, then the fragment's, then query values the fragment replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CallbackParams {
    /// PKCE auth code, exchanged with `POST /token?grant_type=pkce`.
    pub code: Option<String>,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// Seconds; `None` unless an integer (the raw pair is then in `other`).
    pub expires_in: Option<i64>,
    /// Seconds since the epoch; `None` unless an integer (the raw pair is then in `other`).
    pub expires_at: Option<i64>,
    pub token_type: Option<String>,
    pub provider_token: Option<String>,
    pub provider_refresh_token: Option<String>,
    /// `type`: `signup`, `recovery`, `magiclink`, `invite`, `email_change`, …
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub error: Option<String>,
    pub error_code: Option<String>,
    pub error_description: Option<String>,
    pub other: Vec<(String, String)>,
}

impl CallbackParams {
    /// Whether GoTrue reported an error (`error`, `error_code` or `error_description`).
    pub fn is_error(&self) -> bool {
        self.error.is_some() || self.error_code.is_some() || self.error_description.is_some()
    }

    /// The slot of a named field, or `None` for an unknown name.
    fn slot(&mut self, name: &str) -> Option<Slot<'_>> {
        Some(match name {
            "code" => Slot::Text(&mut self.code),
            "access_token" => Slot::Text(&mut self.access_token),
            "refresh_token" => Slot::Text(&mut self.refresh_token),
            "expires_in" => Slot::Int(&mut self.expires_in),
            "expires_at" => Slot::Int(&mut self.expires_at),
            "token_type" => Slot::Text(&mut self.token_type),
            "provider_token" => Slot::Text(&mut self.provider_token),
            "provider_refresh_token" => Slot::Text(&mut self.provider_refresh_token),
            "type" => Slot::Text(&mut self.kind),
            "error" => Slot::Text(&mut self.error),
            "error_code" => Slot::Text(&mut self.error_code),
            "error_description" => Slot::Text(&mut self.error_description),
            _ => return None,
        })
    }

    /// Store one pair unless the field already has a value (the first occurrence wins). Returns
    /// the pair back when it was not used.
    fn set(&mut self, key: String, value: String) -> Option<(String, String)> {
        let Some(slot) = self.slot(&key) else {
            return Some((key, value));
        };
        match slot {
            Slot::Text(field @ None) if !value.is_empty() => *field = Some(value),
            Slot::Int(field @ None) => match value.trim().parse::<i64>() {
                Ok(n) => *field = Some(n),
                Err(_) => return Some((key, value)),
            },
            _ => return Some((key, value)),
        }
        None
    }

    /// `self` (from the query) overlaid with `fragment`: each named field the fragment has
    /// replaces the query's, whose value then goes to `other`.
    fn overlay(mut self, fragment: CallbackParams) -> CallbackParams {
        let mut displaced = Vec::new();
        let mut text = |name: &str, q: &mut Option<String>, f: Option<String>| {
            if let Some(f) = f {
                if let Some(old) = q.replace(f) {
                    displaced.push((name.to_owned(), old));
                }
            }
        };
        text("code", &mut self.code, fragment.code);
        text("access_token", &mut self.access_token, fragment.access_token);
        text("refresh_token", &mut self.refresh_token, fragment.refresh_token);
        text("token_type", &mut self.token_type, fragment.token_type);
        text("provider_token", &mut self.provider_token, fragment.provider_token);
        text("provider_refresh_token", &mut self.provider_refresh_token, fragment.provider_refresh_token);
        text("type", &mut self.kind, fragment.kind);
        text("error", &mut self.error, fragment.error);
        text("error_code", &mut self.error_code, fragment.error_code);
        text("error_description", &mut self.error_description, fragment.error_description);
        let mut int = |name: &str, q: &mut Option<i64>, f: Option<i64>| {
            if let Some(f) = f {
                if let Some(old) = q.replace(f) {
                    displaced.push((name.to_owned(), crate::encoding::text::decimal(old)));
                }
            }
        };
        int("expires_in", &mut self.expires_in, fragment.expires_in);
        int("expires_at", &mut self.expires_at, fragment.expires_at);
        let mut other = fragment.other;
        self.other.append(&mut other);
        self.other.append(&mut displaced);
        self
    }
}

enum Slot<'a> {
    Text(&'a mut Option<String>),
    Int(&'a mut Option<i64>),
}

/// Parse a redirect URL (absolute or not). Input with neither `?` nor `#` is read as a bare
/// query string if it has a `=` and is not a URL (`code=…`); otherwise it has no parameters.
/// A fragment holding a route before its parameters (`#/callback?code=…`, hash routing) is read
/// from after that `?`.
pub fn parse(url: &str) -> CallbackParams {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let query = match before_fragment.split_once('?') {
        Some((_, q)) => Some(q),
        None if fragment.is_none() && url.contains('=') && !crate::encoding::text::contains(url, "://") => Some(url),
        None => None,
    };
    let fragment = fragment.map(|f| match f.split_once('?') {
        Some((route, params)) if crate::encoding::text::find_by(route, &|b| b == b'=' || b == b'&').is_none() => params,
        _ => f,
    });

    read_part(query).overlay(read_part(fragment))
}

/// One part's parameters, first occurrence winning.
fn read_part(part: Option<&str>) -> CallbackParams {
    let mut out = CallbackParams::default();
    // `k=v&k2=v2` → decoded pairs; empty segments are skipped, a segment without `=` has value "".
    for (k, v) in part.map(crate::encoding::query::parse_form).unwrap_or_default() {
        if let Some(unused) = out.set(k, v) {
            out.other.push(unused);
        }
    }
    out
}

/// The query parameters of an OAuth redirect (`code`, `error*`), removed by [`cleaned_url`].
const CALLBACK_PARAMS: [&str; 4] = ["code", "error", "error_code", "error_description"];
/// The fragment names that make a fragment an implicit-flow redirect's (then it is dropped).
const FRAGMENT_PARAMS: [&str; 5] = ["access_token", "refresh_token", "error", "error_description", "code"];

/// `url` (the page's `location.href`) without an OAuth redirect's parameters, for
/// `history.replaceState` after the core recognised one, so a reload does not replay it. Ported
/// from the browser shim's `cleanUrl`: `code`, `error`, `error_code` and `error_description` are
/// removed from the query, which is then written back as `URLSearchParams` writes it
/// (`application/x-www-form-urlencoded`; no `?` when nothing is left), and the fragment is
/// dropped when it holds `access_token=`, `refresh_token=`, `error=`, `error_description=` or
/// `code=` at its start or after `#`, `&` or `?`. `None` when `url` is not an absolute URL.
/// The rest is kept as it is: `url` is expected to be serialized already, as `location.href` is.
pub fn cleaned_url(url: &str) -> Option<String> {
    let colon = url.find(':')?;
    let scheme = url.get(..colon)?;
    // A scheme: a letter, then letters, digits, `+`, `-` and `.` (a loop, not `Chars::all`).
    if !scheme.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    for &c in scheme.as_bytes() {
        if !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')) {
            return None;
        }
    }
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    let mut out = String::with_capacity(url.len());
    out.push_str(base);
    // An http(s) URL with an empty path is serialized with `/` (`https://host` -> `https://host/`).
    let special = scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http");
    if let Some(authority) = base.get(colon + 1..).unwrap_or("").strip_prefix("//") {
        if special && !authority.contains('/') {
            out.push('/');
        }
    }
    if let Some(q) = query {
        // A loop, not `retain` with its own closure (a copy of `retain`'s loop).
        let mut kept = Vec::new();
        for (k, v) in &mut crate::encoding::query::parse_form(q) {
            if !CALLBACK_PARAMS.contains(&k.as_str()) {
                kept.push((core::mem::take(k), core::mem::take(v)));
            }
        }
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&crate::encoding::query::serialize_form(&kept));
        }
    }
    if let Some(f) = fragment.filter(|f| !is_redirect_fragment(f)) {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

/// `/(^|[#&?])(access_token|refresh_token|error|error_description|code)=/` on `#<fragment>`.
fn is_redirect_fragment(fragment: &str) -> bool {
    if fragment.is_empty() {
        return false; // `url.hash` is "" then: nothing matches
    }
    let hash = crate::encoding::text::cat(&["#", fragment]);
    for (i, c) in hash.as_bytes().iter().enumerate() {
        if !matches!(c, b'#' | b'&' | b'?') {
            continue;
        }
        for p in &FRAGMENT_PARAMS {
            if hash.get(i + 1..).and_then(|r| r.strip_prefix(p)).is_some_and(|rest| rest.starts_with('=')) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn other(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    /// `(location.href, what the browser shim's cleanUrl leaves)`, as `new URL` / `URLSearchParams`
    /// in node compute them.
    #[test]
    fn cleaned_url_is_the_shims_clean_url() {
        let cases = [
            ("https://app.example.com/cb?code=abc", "https://app.example.com/cb"),
            ("https://app.example.com/cb?code=abc&state=1", "https://app.example.com/cb?state=1"),
            ("https://app.example.com/cb?a=1&code=abc&b=2#frag", "https://app.example.com/cb?a=1&b=2#frag"),
            (
                "https://app.example.com/cb?error=access_denied&error_code=403&error_description=no+way&x=y",
                "https://app.example.com/cb?x=y",
            ),
            (
                "https://app.example.com/cb#access_token=at&refresh_token=rt&expires_in=3600&token_type=bearer",
                "https://app.example.com/cb",
            ),
            ("https://app.example.com/cb?keep=1#error=denied&error_description=x", "https://app.example.com/cb?keep=1"),
            ("https://app.example.com/cb#/route?code=abc", "https://app.example.com/cb"),
            ("https://app.example.com/cb#section", "https://app.example.com/cb#section"),
            ("https://app.example.com/cb#xcode=1", "https://app.example.com/cb#xcode=1"),
            ("https://app.example.com/cb#a=1&code=2", "https://app.example.com/cb"),
            ("https://app.example.com/cb?", "https://app.example.com/cb"),
            ("https://app.example.com/cb?#", "https://app.example.com/cb#"),
            (
                "https://app.example.com/cb?a=b%20c&d=%2B&e=%E4%B8%AD&f=1+2",
                "https://app.example.com/cb?a=b+c&d=%2B&e=%E4%B8%AD&f=1+2",
            ),
            ("https://app.example.com/cb?flag&code", "https://app.example.com/cb?flag="),
            ("https://app.example.com/cb?a=1&&b=2", "https://app.example.com/cb?a=1&b=2"),
            ("https://app.example.com/cb?CODE=1&Code=2", "https://app.example.com/cb?CODE=1&Code=2"),
            ("https://app.example.com/cb?a=%zz&b=%", "https://app.example.com/cb?a=%25zz&b=%25"),
            ("https://app.example.com/cb?a=~!*()%27&b=%7E", "https://app.example.com/cb?a=%7E%21*%28%29%27&b=%7E"),
            ("http://localhost:3000/?code=x#", "http://localhost:3000/#"),
            ("https://app.example.com/cb?a=%E4%B8&code=1", "https://app.example.com/cb?a=%EF%BF%BD"),
            ("https://app.example.com/p/a%20b/?q=1&error=x#access_token=1", "https://app.example.com/p/a%20b/?q=1"),
            ("https://app.example.com", "https://app.example.com/"),
            ("https://app.example.com/?code=1&code=2&x=%26", "https://app.example.com/?x=%26"),
            ("https://app.example.com/cb?x=a=b=c", "https://app.example.com/cb?x=a%3Db%3Dc"),
            ("https://app.example.com/cb?=v&code=1", "https://app.example.com/cb?=v"),
        ];
        for (href, cleaned) in cases {
            assert_eq!(cleaned_url(href).as_deref(), Some(cleaned), "{href}");
        }
        for bad in ["", "no-scheme", "/relative?code=1", "1http://x/"] {
            assert_eq!(cleaned_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn implicit_flow_fragment_as_gotrue_writes_it() {
        let p = parse(
            "https://app.example.com/auth/cb#access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln\
             &expires_at=1700003600&expires_in=3600&provider_refresh_token=prt&provider_token=pt\
             &refresh_token=r-123_x&token_type=bearer&type=signup&sb",
        );
        assert_eq!(p.access_token.as_deref(), Some("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln"));
        assert_eq!(p.refresh_token.as_deref(), Some("r-123_x"));
        assert_eq!(p.expires_at, Some(1_700_003_600));
        assert_eq!(p.expires_in, Some(3600));
        assert_eq!(p.provider_token.as_deref(), Some("pt"));
        assert_eq!(p.provider_refresh_token.as_deref(), Some("prt"));
        assert_eq!(p.token_type.as_deref(), Some("bearer"));
        assert_eq!(p.kind.as_deref(), Some("signup"));
        assert_eq!(p.code, None);
        assert!(!p.is_error());
        assert_eq!(p.other, other(&[("sb", "")]));
    }

    #[test]
    fn pkce_code_in_the_query_with_the_apps_own_parameters() {
        let p = parse("https://app.example.com/cb?next=%2Fhome&code=5f2b9c1e-aa&lang=zh-CN");
        assert_eq!(p.code.as_deref(), Some("5f2b9c1e-aa"));
        assert_eq!(p.access_token, None);
        assert_eq!(p.other, other(&[("next", "/home"), ("lang", "zh-CN")]));
    }

    #[test]
    fn errors_in_query_and_fragment_with_form_encoded_spaces() {
        let p = parse(
            "https://app.example.com/cb?error=access_denied&error_code=otp_expired\
             &error_description=Email+link+is+invalid+or+has+expired\
             #error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired",
        );
        assert!(p.is_error());
        assert_eq!(p.error.as_deref(), Some("access_denied"));
        assert_eq!(p.error_code.as_deref(), Some("otp_expired"));
        assert_eq!(p.error_description.as_deref(), Some("Email link is invalid or has expired"));
        // The query's copies lost to the fragment's and are kept.
        assert_eq!(p.other.len(), 3);
    }

    #[test]
    fn fragment_wins_and_first_occurrence_wins_within_a_part() {
        let p = parse("https://a/cb?access_token=from-query&code=c1&code=c2#access_token=from-fragment");
        assert_eq!(p.access_token.as_deref(), Some("from-fragment"));
        assert_eq!(p.code.as_deref(), Some("c1"));
        assert_eq!(p.other, other(&[("code", "c2"), ("access_token", "from-query")]));
    }

    #[test]
    fn percent_escapes_cjk_plus_and_reserved_characters() {
        let p = parse("x://h/?error_description=%E5%BE%AE%E4%BF%A1%20%E7%99%BB%E5%BD%95+ok%2B1%26%3D%23&a%20b=c+d");
        assert_eq!(p.error_description.as_deref(), Some("微信 登录 ok+1&=#"));
        assert_eq!(p.other, other(&[("a b", "c d")]));
        // Raw (unencoded) CJK is passed through.
        assert_eq!(parse("?code=微信").code.as_deref(), Some("微信"));
    }

    #[test]
    fn malformed_escapes_and_invalid_utf8_never_fail() {
        let p = parse("?code=%&error=%4&error_code=%zz%E5%BE&error_description=%ff%fe%00&%=%%");
        assert_eq!(p.code.as_deref(), Some("%"));
        assert_eq!(p.error.as_deref(), Some("%4"));
        assert_eq!(p.error_code.as_deref(), Some("%zz\u{fffd}"));
        assert_eq!(p.error_description.as_deref(), Some("\u{fffd}\u{fffd}\0"));
        assert_eq!(p.other, other(&[("%", "%%")]));
    }

    #[test]
    fn numbers_must_be_integers_else_they_are_kept_in_other() {
        let p = parse("#expires_in=3600.5&expires_at=%201700000000%20&expires_in=60");
        assert_eq!(p.expires_in, Some(60));
        assert_eq!(p.expires_at, Some(1_700_000_000));
        assert_eq!(p.other, other(&[("expires_in", "3600.5")]));
        assert_eq!(parse("#expires_at=-1").expires_at, Some(-1));
        assert_eq!(parse("#expires_at=99999999999999999999").expires_at, None);
    }

    #[test]
    fn empty_values_are_absent() {
        let p = parse("https://a/cb?code=&error=#access_token=&&=&x");
        assert_eq!(
            p,
            CallbackParams {
                other: other(&[("code", ""), ("error", ""), ("access_token", ""), ("", ""), ("x", "")]),
                ..Default::default()
            }
        );
    }

    #[test]
    fn shapes_of_input() {
        assert_eq!(parse("code=abc").code.as_deref(), Some("abc"), "bare query string");
        assert_eq!(parse("?code=abc").code.as_deref(), Some("abc"));
        assert_eq!(parse("#access_token=t").access_token.as_deref(), Some("t"));
        assert_eq!(parse("https://a/cb"), CallbackParams::default(), "a URL without parameters");
        assert_eq!(parse("/pages/login/cb"), CallbackParams::default(), "a path without parameters");
        assert_eq!(parse("https://a/cb=1"), CallbackParams::default());
        assert_eq!(parse("https://a/cb?code=c=d").code.as_deref(), Some("c=d"), "split at the first =");
        assert_eq!(parse("https://a/cb#?code=x").code.as_deref(), Some("x"));
        // Hash routing: the route before the fragment's parameters.
        let p = parse("https://a/index.html#/pages/login/cb?access_token=t&refresh_token=r");
        assert_eq!((p.access_token.as_deref(), p.refresh_token.as_deref()), (Some("t"), Some("r")));
        // A `?` inside a fragment value is data, not a route separator.
        assert_eq!(parse("#error_description=why?+because").error_description.as_deref(), Some("why? because"));
        // `#` inside the fragment belongs to it.
        assert_eq!(parse("#code=a#b").code.as_deref(), Some("a#b"));
        for s in ["", "?", "#", "?#", "&&&", "=", "%", "#?", "://?#"] {
            let _ = parse(s);
        }
    }
}
