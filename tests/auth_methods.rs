//! The auth methods are declared once, in the core (`AuthMethod`); the shim lists the ones it
//! forwards as they are in `PASS_THROUGH` (js-shim/auth.js). This checks that the two agree:
//! every name the shim hands the core (`PASS_THROUGH`, and the methods it calls by name) is a
//! method of the core, and the `data` the shim falls back on when the core cannot be reached
//! (its `EMPTY` table) is the method's own empty `data`.

use serde_json::Value;
use supabase_wechat::auth::calls::AuthMethod;

fn auth_js() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js-shim/auth.js");
    std::fs::read_to_string(path).expect("js-shim/auth.js")
}

/// The lines between `start` and the first line that is exactly `end`.
fn block<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(start));
    assert!(lines.next().is_some(), "no `{start}` in js-shim/auth.js");
    lines.take_while(|l| l.trim() != end).collect()
}

/// The first single-quoted string of `line`.
fn quoted(line: &str) -> Option<&str> {
    let rest = &line[line.find('\'')? + 1..];
    Some(&rest[..rest.find('\'')?])
}

#[test]
fn every_pass_through_name_is_a_core_method() {
    let js = auth_js();
    let names: Vec<&str> = block(&js, "const PASS_THROUGH = [", "]").into_iter().filter_map(quoted).collect();
    assert!(names.len() >= 10, "PASS_THROUGH: {names:?}");
    for name in &names {
        let m = AuthMethod::parse(name).unwrap_or_else(|| panic!("PASS_THROUGH has {name}, which the core lacks"));
        assert_eq!(m.name(), *name);
    }
}

#[test]
fn every_name_the_shim_invokes_is_a_core_method() {
    let js = auth_js();
    let mut n = 0;
    for pattern in ["_invoke('", "invoke('"] {
        for (i, _) in js.match_indices(pattern) {
            let name = quoted(&js[i + pattern.len() - 1..]).expect("a quoted name");
            assert!(AuthMethod::parse(name).is_some(), "js-shim/auth.js invokes {name}, which the core lacks");
            n += 1;
        }
    }
    assert!(n >= 4, "found {n} calls");
}

/// `{ user: null, session: null }` (the shim's literals: `null` values only) as JSON.
fn js_literal(v: &str) -> Value {
    let v = v.trim().trim_end_matches(',');
    if v == "null" {
        return Value::Null;
    }
    let inner = v.trim_start_matches('{').trim_end_matches('}');
    let mut m = serde_json::Map::new();
    for pair in inner.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = pair.split_once(':').expect("key: value");
        assert_eq!(v.trim(), "null", "{pair}");
        m.insert(k.trim().to_owned(), Value::Null);
    }
    Value::Object(m)
}

#[test]
fn the_shims_fallback_data_is_the_methods_empty_data() {
    let js = auth_js();
    let entries = block(&js, "const EMPTY = {", "}");
    assert!(entries.len() >= 5, "EMPTY: {entries:?}");
    for line in entries {
        let (name, value) = line.split_once(':').expect("name: value");
        let m = AuthMethod::parse(name.trim()).unwrap_or_else(|| panic!("EMPTY has {name}, which the core lacks"));
        let core: Value = serde_json::from_str(m.empty_data()).unwrap();
        assert_eq!(js_literal(value), core, "{}", m.name());
    }
}

/// A method missing from `EMPTY` falls back on `EMPTY_SESSION` in the shim: that must be its
/// empty `data` too, for every method the shim hands the core.
#[test]
fn every_method_the_shim_calls_falls_back_on_its_own_empty_data() {
    let js = auth_js();
    let listed: Vec<String> = block(&js, "const EMPTY = {", "}")
        .iter()
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_owned()))
        .collect();
    let default_line = js.lines().find(|l| l.starts_with("const EMPTY_SESSION = ")).expect("EMPTY_SESSION");
    let default = js_literal(&default_line["const EMPTY_SESSION = ".len()..]);
    let mut names: Vec<&str> = block(&js, "const PASS_THROUGH = [", "]").into_iter().filter_map(quoted).collect();
    for pattern in ["_invoke('", "_start('"] {
        for (i, _) in js.match_indices(pattern) {
            names.extend(quoted(&js[i + pattern.len() - 1..]));
        }
    }
    assert!(names.len() >= 18, "{names:?}");
    for name in names {
        let m = AuthMethod::parse(name).unwrap_or_else(|| panic!("the shim calls {name}, which the core lacks"));
        let core: Value = serde_json::from_str(m.empty_data()).unwrap();
        if !listed.iter().any(|l| l == name) {
            assert_eq!(
                default, core,
                "{name} falls back on EMPTY_SESSION, but its empty data is {core}: add it to EMPTY"
            );
        }
    }
}
