//! The core names every error's class (`ErrorKind`, `DataErrorKind`); js-shim/errors.js builds
//! the Error of that name from one table. A class the core can name but the shim cannot build
//! would silently become a plain `Error`: this holds the two lists together.

use supabase_wechat::data::error::DataErrorKind;
use supabase_wechat::ErrorKind;

fn errors_js() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js-shim/errors.js");
    std::fs::read_to_string(path).expect("js-shim/errors.js")
}

/// The lines of the object literal that starts with the line `start`.
fn object<'a>(js: &'a str, start: &str) -> Vec<&'a str> {
    let mut lines = js.lines().skip_while(|l| *l != start);
    assert!(lines.next().is_some(), "no `{start}` in js-shim/errors.js");
    lines.take_while(|l| *l != "}").collect()
}

fn has_key(lines: &[&str], name: &str) -> bool {
    lines.iter().any(|l| l.trim_start().starts_with(&format!("{name}:")) || l.trim() == format!("{name},"))
}

#[test]
fn every_auth_error_kind_is_a_class_of_the_shim() {
    let js = errors_js();
    let auth = object(&js, "const AUTH = {");
    for kind in ErrorKind::ALL {
        assert!(has_key(&auth, kind.name()), "{} is not in errors.js' AUTH table", kind.name());
    }
}

#[test]
fn every_data_error_kind_is_built_by_the_shim() {
    let js = errors_js();
    let build = object(&js, "const BUILD = {");
    for kind in DataErrorKind::ALL {
        if kind == DataErrorKind::Error {
            continue; // a plain Error: toDataError's default
        }
        assert!(has_key(&build, kind.name()), "{} is not in errors.js' BUILD table", kind.name());
    }
}
