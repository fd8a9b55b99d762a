//! `createClient`'s options as the core reads them (src/config.rs): no options, `{}` and a
//! non-object keep every default; each option sets its field.

use serde_json::{json, Value};
use supabase_wechat::config::Config;

const URL: &str = "https://abcdefghij.baseapi.memfiredb.com/";

fn fields(c: &Config) -> Value {
    json!([
        c.root,
        c.host,
        c.storage_key,
        c.persist,
        c.auto_refresh,
        c.pkce,
        c.headers,
        c.request_timeout,
        c.functions_timeout,
        c.schema,
        c.error.is_some()
    ])
}

#[test]
fn without_options_every_default_holds() {
    let defaults = json!([
        "https://abcdefghij.baseapi.memfiredb.com",
        "abcdefghij.baseapi.memfiredb.com",
        "sb-abcdefghij-auth-token",
        true,
        true,
        true,
        [],
        10_000,
        30_000,
        "public",
        false
    ]);
    for options in [Value::Null, json!({}), json!([1]), json!("x"), json!({"auth": null, "global": 1})] {
        assert_eq!(fields(&Config::new(URL, "anon", &options)), defaults, "{options}");
    }
}

#[test]
fn each_option_sets_its_field() {
    let options = json!({
        "auth": {"storageKey": "mine", "persistSession": false, "autoRefreshToken": false, "flowType": "implicit"},
        "global": {"headers": {"x-b": "2", "x-a": "1", "x-n": 3}},
        "requestTimeout": 50,
        "db": {"schema": "app"},
    });
    assert_eq!(
        fields(&Config::new(URL, "anon", &options)),
        json!([
            "https://abcdefghij.baseapi.memfiredb.com",
            "abcdefghij.baseapi.memfiredb.com",
            "mine",
            false,
            false,
            false,
            [["x-a", "1"], ["x-b", "2"]],
            100,
            100,
            "app",
            false
        ])
    );
    // Empty texts keep the defaults; a bad URL keeps its error with options too.
    let c = Config::new("ftp://x", "anon", &json!({"auth": {"storageKey": ""}, "db": {"schema": ""}}));
    assert_eq!((c.storage_key.as_str(), c.schema.as_str(), c.error.is_some()), ("sb-auth-token", "public", true));
}
