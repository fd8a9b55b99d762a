//! `encoding::json::is_json` (written out, src/encoding/json.rs) accepts exactly what serde_json's
//! `from_str::<IgnoredAny>` accepts: the check it replaced.

use proptest::prelude::*;
use serde::de::IgnoredAny;
use supabase_wechat::encoding::json::is_json;

fn serde_accepts(text: &str) -> bool {
    serde_json::from_str::<IgnoredAny>(text).is_ok()
}

/// Pieces of JSON and of near-JSON: every byte class the grammar tells apart.
const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\\"",
    "\\\\",
    "\\/",
    "\\b",
    "\\n",
    "\\u",
    "\\u00e9",
    "\\uD800",
    "\\u12",
    "\\uZZZZ",
    "\\x",
    "a",
    "é",
    "\u{1}",
    "\u{1f}",
    "\u{7f}",
    " ",
    "\t",
    "\n",
    "\r",
    "\u{a0}",
    "0",
    "1",
    "9",
    "00",
    "-",
    "+",
    ".",
    "e",
    "E",
    "1.5",
    "-0",
    "1e5",
    "1E+2",
    "2e-",
    "null",
    "nul",
    "true",
    "tru",
    "false",
    "fals",
    "x",
    "\"k\":",
    "{\"a\":1}",
    "[1,2]",
    "[]",
    "{}",
    ",]",
    ",}",
];

fn near_json() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..24).prop_map(|p| p.concat())
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[ -~é\u{1}\"\\\\]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\"]{0,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn near_json_is_judged_as_serde_json_judges_it(text in near_json()) {
        prop_assert_eq!(is_json(&text), serde_accepts(&text), "{:?}", text);
    }

    /// Valid JSON, then one byte cut, doubled or replaced: every prefix and every small damage.
    #[test]
    fn json_and_its_damaged_copies_are_judged_as_serde_json_judges_them(
        v in json_value(), pretty in any::<bool>(), at in any::<prop::sample::Index>(), with in prop::sample::select(PIECES),
    ) {
        let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
        prop_assert!(is_json(&text), "{}", text);
        let cut = at.index(text.len() + 1);
        for t in [
            text.get(..cut).map(str::to_owned),
            text.get(..cut).zip(text.get(cut..)).map(|(a, b)| [a, with, b].concat()),
            text.get(..cut).zip(text.get(cut..)).map(|(a, b)| [a, b.get(1..).unwrap_or("")].concat()),
        ].into_iter().flatten() {
            prop_assert_eq!(is_json(&t), serde_accepts(&t), "{:?}", t);
        }
    }
}

#[test]
fn the_cases_the_grammar_turns_on() {
    for text in [
        "",
        " ",
        "0",
        "-0",
        "01",
        "-01",
        "0.",
        "0.5",
        ".5",
        "1e",
        "1e+",
        "1e+5",
        "1E5",
        "-",
        "--1",
        "1.5e-3",
        "nul",
        "null ",
        " null",
        "nullx",
        "[",
        "[]",
        "[,]",
        "[1,]",
        "[1 2]",
        "{}",
        "{,}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{1:2}",
        "{\"a\":1 \"b\":2}",
        "[1]]",
        "[1}",
        "{\"a\":1]",
        "\"\\u00e9\"",
        "\"\\uD800\"",
        "\"\\u12\"",
        "\"\\u12G4\"",
        "\"\\q\"",
        "\"\u{1f}\"",
        "\"\u{7f}\"",
        "\"a",
        "\"\\",
        "\"\\u",
        "1 2",
        "[[[[]]]]",
        "{\"a\":{\"b\":[true,false,null]}}",
        "\t\n\r1\r\n",
        "\u{a0}1",
    ] {
        assert_eq!(is_json(text), serde_accepts(text), "{text:?}");
    }
}

/// `json::string` and `json::plain_int` read the common cases (a string without escapes, a plain
/// integer) without serde_json's parser (a start then does not compile it): each gives what serde_json
/// gives, for near-JSON texts and damaged copies alike.
fn serde_string(text: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(text).ok()? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn strings_are_read_as_serde_json_reads_them(text in near_json(), s in "[ -~é\u{1}\"\\\\]{0,12}", pad in "[ \t\n]{0,2}") {
        use supabase_wechat::encoding::json::string;
        prop_assert_eq!(string(&text), serde_string(&text), "{:?}", text);
        let quoted = [pad.as_str(), &serde_json::to_string(&s).unwrap(), &pad].concat();
        prop_assert_eq!(string(&quoted), Some(s.clone()));
        let raw = ["\"", s.as_str(), "\"", &pad].concat();
        prop_assert_eq!(string(&raw), serde_string(&raw), "{:?}", raw);
    }

    #[test]
    fn plain_integers_are_read_as_serde_json_reads_them(n in any::<i64>(), text in "-?[0-9.eE+-]{0,22}") {
        use supabase_wechat::auth::session::value_to_i64;
        use supabase_wechat::encoding::json::plain_int;
        prop_assert_eq!(plain_int(&n.to_string()), Some(n));
        if let Some(v) = plain_int(&text) {
            let serde = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| value_to_i64(&v));
            prop_assert_eq!(Some(v), serde, "{:?}", text);
        }
    }
}

#[test]
fn plain_int_leaves_the_other_numbers_to_serde_json() {
    use supabase_wechat::encoding::json::plain_int;
    for text in ["", "-", "01", "-01", "1.0", "1e3", "+1", " 1", "1 ", "99999999999999999999", "\"1\""] {
        assert_eq!(plain_int(text), None, "{text:?}");
    }
    assert_eq!(plain_int("-0"), Some(0));
}
