//! `getPublicUrl(path, { download, transform, cacheNonce })`: synchronous in storage-js, so no
//! request and no operation: the URL (or why there is none) as JSON text, ported 1:1 from what
//! `js-shim/storage-api.js` computed in JS. The bucket and path rules are the core's (`paths`).

use crate::encoding::json::put;
use crate::encoding::text::{cat, js_number, json};
use crate::prelude::*;
use serde_json::{Map, Value};

use super::paths::{bucket_id_text, encode_path, encode_segment, object_path_text};
use crate::data::error::DataErrorKind;
use crate::encoding::query::encode_query_value;

/// What `getPublicUrl` returns, as JSON text: `{"data":{"publicUrl":…}}`, or for a bad bucket
/// id or path `{"data":null,"error":{name:"StorageError",message,body:{message}}}` (the error
/// description `toDataError` turns into a `StorageError` whose hidden `data` is `body`).
///
/// `storage` is `<supabaseUrl>/storage/v1`; `bucket` and `path` are `None` when the caller's
/// value is not a string; `options` is the options argument as JSON (anything but an object
/// counts as none, like `options || {}` then reading its fields).
pub fn public_url(storage: &str, bucket: Option<&str>, path: Option<&str>, options: &Value) -> String {
    let checked = bucket_id_text(bucket).and_then(|b| object_path_text(path).map(|p| (b, p)));
    let (bucket, path) = match checked {
        Ok(bp) => bp,
        Err(message) => {
            let mut error = DataErrorKind::StorageError.error(&message);
            let mut body = Map::new();
            put(&mut body, "message", Value::String(message));
            put(&mut error, "body", Value::Object(body));
            let mut out = Map::new();
            put(&mut out, "data", Value::Null);
            put(&mut out, "error", Value::Object(error));
            return json(&out);
        }
    };
    let field = |k: &str| options.as_object().and_then(|o| o.get(k));
    let transform = field("transform");
    // `Object.keys(transform).length > 0`: arrays count by their elements.
    let wants = match transform {
        Some(Value::Object(m)) => !m.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        _ => false,
    };
    let mut q: Vec<String> = Vec::new();
    match field("download") {
        Some(Value::Bool(true)) => q.push("download=".to_owned()),
        Some(Value::String(s)) if !s.is_empty() => q.push(cat(&["download=", &encode_query_value(s)])),
        _ => {}
    }
    if let Some(Value::Object(t)) = transform {
        for k in ["width", "height", "resize", "format", "quality"] {
            let text = match t.get(k) {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                Some(Value::Number(n)) if n.as_f64().is_some_and(|f| f != 0.0) => js_number(n),
                _ => continue,
            };
            q.push(cat(&[k, "=", &encode_query_value(&text)]));
        }
    }
    match field("cacheNonce") {
        None | Some(Value::Null) => {}
        Some(v) => q.push(cat(&["cacheNonce=", &encode_query_value(&js_string(v))])),
    }
    let query = if q.is_empty() { String::new() } else { cat(&["?", &q.join("&")]) };
    let route = if wants { "/render/image" } else { "/object" };
    let url = cat(&[storage, route, "/public/", &encode_segment(&bucket), "/", &encode_path(&path), &query]);
    let mut data = Map::new();
    put(&mut data, "publicUrl", Value::String(url));
    let mut out = Map::new();
    put(&mut out, "data", Value::Object(data));
    json(&out)
}

/// JavaScript's `String(v)` of a JSON value.
fn js_string(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => crate::encoding::text::boolean(*b),
        Value::Number(n) => js_number(n),
        Value::String(s) => s.clone(),
        Value::Object(_) => "[object Object]".to_owned(),
        // `Array.prototype.join(',')`: null elements are empty.
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(|x| if x.is_null() { String::new() } else { js_string(x) }).collect();
            parts.join(",")
        }
    }
}
