//! Storage (`supabase.storage`): storage-js 2.x requests built from the caller's arguments.
//!
//! The shim sends each method's arguments as JSON, with the file described, never included:
//! `{kind:"file", path}` (a temp file WeChat uploads itself with `wx.uploadFile`),
//! `{kind:"buffer", bytes, name?}` (an ArrayBuffer the shim holds, sent with `wx.request`),
//! `{kind:"unreadable", path, reason}` (a temp file the shim could not read) or
//! `{kind:"invalid", type}`. File methods take the bucket id first: `upload(bucket, path, file,
//! options)`. Metadata replies (bucket and object lists, signed URLs) are small and are read by
//! the core (`Read::Core`); file bytes stay in the shim (`Read::ArrayBuffer` or a temp file).
//!
//! Differences from storage-js, on purpose: object paths are percent-encoded per segment (see
//! [`paths`]; `createSignedUrl` sends what storage-api signs correctly, the batch route for names
//! with `; , ? : @ & = + $ #`) and refused when empty or with `.`/`..` segments; a name
//! storage-api refuses (`InvalidKey`) is sent all the same (the server's rule decides; it
//! differs between deployments) and its error says the rule and what to do; a temp file is uploaded with
//! `wx.uploadFile` as the multipart part `file` with form fields `cacheControl` and `contentType`
//! (storage-api reads both); a missing content type is guessed from the object's or the temp
//! file's extension (storage-js would send `text/plain;charset=UTF-8` for raw bodies); signed
//! URLs are rebuilt from the path asked for and the server's token, so a name with `#`, `?` or
//! `%` still addresses its object; `download(path, { toTempFile: true })` saves to a temp file
//! with `wx.downloadFile`; `timeout` (ms) on uploads and downloads sets the wx call's timeout.

use crate::encoding::json::put;
use crate::encoding::text;
use crate::encoding::text::cat;
use crate::prelude::*;

pub mod paths;
mod reply;

use serde_json::{Map, Value};

use crate::data::types::{self, Body, Endpoints, Read, Transport};
pub use reply::Ctx;
use reply::Kind;

type DataRequest = types::DataRequest<Ctx>;
use paths::{bucket_id, download_param, object_path, plain_text, query, transform_params, url, wants_transform};

pub use reply::{failed, finish};

const CLIENT_INFO: &str = concat!("supabase-wechat/", env!("CARGO_PKG_VERSION"));

/// The methods' positional arguments.
struct Args<'a>(&'a [Value]);

/// An options argument: an object, or nothing (absent, `null`, not an object).
#[derive(Clone, Copy)]
struct Opts<'a>(Option<&'a Map<String, Value>>);

impl<'a> Opts<'a> {
    #[inline(never)]
    fn get(&self, k: &str) -> Option<&'a Value> {
        self.0.and_then(|m| m.get(k))
    }
}

impl<'a> Args<'a> {
    #[inline(never)]
    fn get(&self, i: usize) -> Option<&'a Value> {
        self.0.get(i)
    }

    #[inline(never)]
    fn opts(&self, i: usize) -> Opts<'a> {
        Opts(self.0.get(i).and_then(Value::as_object))
    }
}

/// Turn a storage method call into a request, or decide it at once (bad arguments).
pub fn build<R: From<Ctx>>(method: &str, args: &[Value], ep: &Endpoints) -> types::Built<R> {
    use types::Built;
    let a = Args(args);
    let s = ep.storage.as_str();
    let built = match method {
        "listBuckets" => Ok(list_buckets(s, a.opts(0))),
        "getBucket" => bucket_id(a.get(0)).map(|id| get(url(s, "bucket", Some(&id), None), Kind::Json)),
        "createBucket" => create_bucket(s, &a),
        "updateBucket" => update_bucket(s, &a),
        "emptyBucket" => bucket_id(a.get(0)).map(|id| {
            with_json(post(url(s, "bucket", Some(&id), Some("empty")), Kind::Json), Value::Object(Map::new()))
        }),
        "deleteBucket" => bucket_id(a.get(0)).map(|id| {
            let r = request("DELETE", url(s, "bucket", Some(&id), None), Kind::Json);
            with_json(r, Value::Object(Map::new()))
        }),
        "upload" => upload(s, &a, "POST", false),
        "update" => upload(s, &a, "PUT", false),
        "uploadToSignedUrl" => upload(s, &a, "PUT", true),
        "createSignedUploadUrl" => create_signed_upload_url(s, &a),
        "download" => download(s, &a),
        "info" => object_url(s, &a, "object/info").map(|url| get(url, Kind::Info)),
        "exists" => object_url(s, &a, "object/info").map(|url| get(url, Kind::Exists)),
        "createSignedUrl" => create_signed_url(s, &a),
        "createSignedUrls" => create_signed_urls(s, &a),
        "list" => list(s, &a),
        "listV2" => list_v2(s, &a),
        "remove" => remove(s, &a),
        "move" => move_or_copy(s, &a, "object/move", Kind::Json),
        "copy" => move_or_copy(s, &a, "object/copy", Kind::Copy),
        _ => return Built::Done(types::unknown("storage", method)),
    };
    match built {
        Ok(req) => Built::Send(req.lift()),
        Err(message) => Built::Done(reply::input_error(&message, method == "exists")),
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

#[inline(never)]
fn request(method: &'static str, url: String, kind: Kind) -> DataRequest {
    DataRequest {
        method,
        url,
        headers: vec![("X-Client-Info".into(), CLIENT_INFO.into())],
        body: Body::None,
        transport: Transport::Request,
        read: Read::Core,
        timeout: None,
        reply: Ctx { kind },
    }
}

#[inline(never)]
fn get(url: String, kind: Kind) -> DataRequest {
    request("GET", url, kind)
}

#[inline(never)]
fn post(url: String, kind: Kind) -> DataRequest {
    request("POST", url, kind)
}

/// A JSON body (storage-js' helpers send every non-GET body as `application/json`).
#[inline(never)]
fn with_json(mut r: DataRequest, body: Value) -> DataRequest {
    r.headers.push(("Content-Type".into(), "application/json".into()));
    r.body = Body::Text(text::json(&body));
    r
}

/// `<storage>/<route>/<bucket>/<path>` from arguments 0 and 1.
#[inline(never)]
fn object_url(s: &str, a: &Args, route: &str) -> Result<String, String> {
    let bucket = bucket_id(a.get(0))?;
    let path = object_path(a.get(1))?;
    Ok(url(s, route, Some(&bucket), Some(&path)))
}

fn list_buckets(s: &str, opts: Opts) -> DataRequest {
    let mut q: Vec<(&str, String)> = Vec::new();
    for &key in &["limit", "offset"] {
        if let Some(v) = plain_text(opts.get(key)) {
            q.push((key, v));
        }
    }
    for &key in &["search", "sortColumn", "sortOrder"] {
        if let Some(v) = paths::truthy_text(opts.get(key)) {
            q.push((key, v));
        }
    }
    let mut u = url(s, "bucket", None, None);
    if !q.is_empty() {
        u.push('?');
        u.push_str(&query(&q));
    }
    get(u, Kind::Json)
}

/// `{ id, name: id, public, file_size_limit, allowed_mime_types }` from storage-js' options.
fn bucket_body(id: &str, opts: Opts) -> Value {
    let mut b = Map::new();
    put(&mut b, "id", id.into());
    put(&mut b, "name", id.into());
    for &(from, to) in &[
        ("public", "public"),
        ("fileSizeLimit", "file_size_limit"),
        ("allowedMimeTypes", "allowed_mime_types"),
        ("type", "type"),
    ] {
        if let Some(v) = opts.get(from) {
            b.insert(to.into(), v.clone());
        }
    }
    Value::Object(b)
}

fn create_bucket(s: &str, a: &Args) -> Result<DataRequest, String> {
    let id = bucket_id(a.get(0))?;
    let mut body = bucket_body(&id, a.opts(1));
    // storage-js' default options are `{ public: false }`.
    if !matches!(a.get(1), Some(Value::Object(_))) {
        if let Some(m) = body.as_object_mut() {
            put(m, "public", false.into());
        }
    }
    Ok(with_json(post(url(s, "bucket", None, None), Kind::Json), body))
}

fn update_bucket(s: &str, a: &Args) -> Result<DataRequest, String> {
    let id = bucket_id(a.get(0))?;
    let r = request("PUT", url(s, "bucket", Some(&id), None), Kind::Json);
    Ok(with_json(r, bucket_body(&id, a.opts(1))))
}

/// The file argument of an upload.
enum Source {
    /// A temp file path for `wx.uploadFile`.
    File(String),
    /// The ArrayBuffer the shim holds; `name` is the temp file it was read from, if any.
    Buffer(Option<String>),
}

fn source(v: Option<&Value>) -> Result<Source, String> {
    let o = v.and_then(Value::as_object);
    let field = |k: &str| o.and_then(|o| o.get(k)).and_then(Value::as_str);
    match field("kind") {
        Some("file") => match field("path") {
            Some(p) if !p.is_empty() => Ok(Source::File(p.to_owned())),
            _ => Err("Invalid file: the temp file path is empty".into()),
        },
        Some("buffer") => Ok(Source::Buffer(field("name").map(str::to_owned))),
        Some("unreadable") => Err(cat(&[
            "Could not read the file \"",
            field("path").unwrap_or(""),
            "\" (",
            field("reason").unwrap_or("unknown reason"),
            ")",
        ])),
        _ => Err(cat(&[
            "Invalid file: expected { tempFilePath } (wx.chooseMedia), { path } (wx.chooseMessageFile), a temp file \
             path or an ArrayBuffer (got ",
            field("type").unwrap_or("nothing"),
            ")",
        ])),
    }
}

/// A positive whole number of milliseconds, for the wx call's `timeout`.
fn timeout_of(opts: Opts) -> Option<u32> {
    opts.get("timeout").and_then(Value::as_u64).filter(|t| *t > 0).map(|t| u32::try_from(t).unwrap_or(u32::MAX))
}

/// `upload` (POST), `update` (PUT) and `uploadToSignedUrl` (PUT with the token).
fn upload(s: &str, a: &Args, method: &'static str, signed: bool) -> Result<DataRequest, String> {
    let bucket = bucket_id(a.get(0))?;
    let path = object_path(a.get(1))?;
    let (token, file_at) = if signed {
        match a.get(2).and_then(Value::as_str) {
            Some(t) if !t.is_empty() => (Some(t), 3),
            _ => return Err("Invalid token: expected the token of createSignedUploadUrl".into()),
        }
    } else {
        (None, 2)
    };
    let src = source(a.get(file_at))?;
    let opts = a.opts(file_at + 1);
    let (u, kind) = match token {
        Some(t) => {
            let mut u = url(s, "object/upload/sign", Some(&bucket), Some(&path));
            u.push('?');
            u.push_str(&query(&[("token", t.to_owned())]));
            (u, Kind::SignedUpload { path: path.clone() })
        }
        None => (url(s, "object", Some(&bucket), Some(&path)), Kind::Upload { path: path.clone() }),
    };
    let mut r = request(method, u, kind);
    r.timeout = timeout_of(opts);
    if method == "POST" || signed {
        let upsert = matches!(opts.get("upsert"), Some(Value::Bool(true)));
        r.headers.push(("x-upsert".into(), text::boolean(upsert)));
    }
    let cache = plain_text(opts.get("cacheControl")).filter(|c| !c.is_empty()).unwrap_or_else(|| "3600".into());
    let given_type = opts.get("contentType").and_then(Value::as_str).filter(|t| !t.is_empty());
    let metadata = opts.get("metadata").filter(|m| m.is_object()).map(crate::encoding::json::to_text);
    r.body = Body::Payload;
    match src {
        Source::File(temp) => {
            if method != "POST" || signed {
                // wx.uploadFile can only POST; the shim reads the file for PUT requests.
                return Err(cat(&[
                    "Invalid file: a ",
                    method,
                    " upload needs the file's bytes (got the temp file \"",
                    &temp,
                    "\")",
                ]));
            }
            let mut form = vec![("cacheControl".to_owned(), cache)];
            // WeChat chooses the file part's own Content-Type; storage-api prefers this field.
            let guessed =
                given_type.or_else(|| paths::guess_content_type(&path)).or_else(|| paths::guess_content_type(&temp));
            if let Some(t) = guessed {
                form.push(("contentType".into(), t.into()));
            }
            if let Some(m) = metadata {
                form.push(("metadata".into(), m));
            }
            r.transport = Transport::Upload { name: "file".into(), form };
        }
        Source::Buffer(name) => {
            let guessed = given_type
                .or_else(|| paths::guess_content_type(&path))
                .or_else(|| name.as_deref().and_then(paths::guess_content_type))
                .unwrap_or("application/octet-stream");
            r.headers.push(("cache-control".into(), cat(&["max-age=", &cache])));
            r.headers.push(("content-type".into(), guessed.into()));
            if let Some(m) = metadata {
                r.headers.push(("x-metadata".into(), crate::encoding::base64::encode_standard(m.as_bytes())));
            }
        }
    }
    // fileOptions.headers come last and win (storage-js' setHeader).
    if let Some(h) = opts.get("headers").and_then(Value::as_object) {
        for (k, v) in h {
            if let Some(v) = plain_text(Some(v)) {
                crate::encoding::headers::remove(&mut r.headers, k);
                r.headers.push((k.clone(), v));
            }
        }
    }
    Ok(r)
}

fn create_signed_upload_url(s: &str, a: &Args) -> Result<DataRequest, String> {
    let bucket = bucket_id(a.get(0))?;
    let path = object_path(a.get(1))?;
    let u = url(s, "object/upload/sign", Some(&bucket), Some(&path));
    let mut r = with_json(post(u.clone(), Kind::SignedUploadUrl { url: u, path }), Value::Object(Map::new()));
    if matches!(a.opts(2).get("upsert"), Some(Value::Bool(true))) {
        r.headers.push(("x-upsert".into(), "true".into()));
    }
    Ok(r)
}

fn download(s: &str, a: &Args) -> Result<DataRequest, String> {
    let opts = a.opts(2);
    let transform = wants_transform(opts.get("transform"));
    let route = if transform { "render/image/authenticated" } else { "object" };
    let mut u = object_url(s, a, route)?;
    let mut q = Vec::new();
    if transform {
        transform_params(opts.get("transform"), &mut q);
    }
    if let Some(n) = plain_text(opts.get("cacheNonce")) {
        q.push(("cacheNonce", n));
    }
    if !q.is_empty() {
        u.push('?');
        u.push_str(&query(&q));
    }
    let file = matches!(opts.get("toTempFile"), Some(Value::Bool(true)));
    let mut r = get(u, Kind::Download { file });
    r.timeout = timeout_of(opts);
    if file {
        r.transport = Transport::Download;
        r.read = Read::None;
    } else {
        r.read = Read::ArrayBuffer;
    }
    Ok(r)
}

/// `getPublicUrl(path, { download, transform, cacheNonce })` of bucket `args[0]` (`args[1]` the
/// path, `args[2]` the options): synchronous in storage-js, so no request and no operation, but
/// the JSON text of what it returns: `{"data":{"publicUrl":…}}`, or for a bad bucket id or path
/// `{"data":null,"error":…}` with the `StorageError` description of any bad argument. Ported
/// 1:1 from what `js-shim/storage-api.js` computed in JS (the same rules as `download`; cases:
/// tests/public_url.rs). Numbers in the query are written as serde_json writes them, which is
/// JavaScript's `String(n)` except from 2^64 up and in [1e-6, 1e-5) (`1.5e+20`, `1e-6`).
pub fn public_url(storage: &str, args: &[Value]) -> String {
    let a = Args(args);
    let opts = a.opts(2);
    let transform = opts.get("transform");
    // `Object.keys(transform).length > 0`: arrays count by their elements.
    let wants = wants_transform(transform) || transform.and_then(Value::as_array).is_some_and(|t| !t.is_empty());
    let route = if wants { "render/image/public" } else { "object/public" };
    let outcome = match public_object_url(storage, route, &a) {
        Ok(mut u) => {
            let mut q = Vec::new();
            download_param(opts.get("download"), &mut q);
            transform_params(transform, &mut q);
            if let Some(v) = opts.get("cacheNonce").filter(|v| !v.is_null()) {
                q.push(("cacheNonce", js_string(v)));
            }
            if !q.is_empty() {
                u.push('?');
                u.push_str(&query(&q));
            }
            let mut data = Map::new();
            put(&mut data, "publicUrl", u.into());
            reply::ok(Value::Object(data))
        }
        Err(message) => reply::input_error(&message, false),
    };
    let mut out = outcome.result;
    if let Some(e) = outcome.error {
        put(&mut out, "error", Value::Object(e));
    }
    text::json(&out)
}

/// `<storage>/<route>/<bucket>/<path>` of `getPublicUrl`'s arguments 0 and 1.
fn public_object_url(storage: &str, route: &str, a: &Args) -> Result<String, String> {
    let bucket = bucket_id(a.get(0))?;
    let path = public_path(a.get(1))?;
    Ok(url(storage, route, Some(&bucket), Some(&path)))
}

/// `getPublicUrl`'s path: as [`object_path`], except that `''`, `undefined`, `null` and a path of
/// only `/` name the bucket itself: storage-js 2.119 builds `…/object/public/<bucket>/` for `''`
/// (`_getFinalPath`), and pages written for the SDK we replace read `data.publicUrl` unguarded
/// for a user without an avatar (it built `…/<bucket>/undefined`; storage-js 2.119 throws a
/// TypeError for `undefined` and `null`). `.` and `..` segments stay refused.
fn public_path(v: Option<&Value>) -> Result<String, String> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) if text::trim_by(s, &|b| b == b'/').is_empty() => Ok(String::new()),
        _ => object_path(v),
    }
}

/// JavaScript's `String(v)` of a JSON value (arrays joined with `,`, `null` elements empty).
fn js_string(v: &Value) -> String {
    match v {
        Value::Object(_) => "[object Object]".to_owned(),
        Value::Array(a) => {
            let mut s = String::new();
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                if !x.is_null() {
                    s.push_str(&js_string(x));
                }
            }
            s
        }
        v => plain_text(Some(v)).unwrap_or_default(),
    }
}

/// `&download=…&cacheNonce=…` for a signed URL (its query already has the token).
fn signed_extra(opts: Opts) -> String {
    let mut q = Vec::new();
    download_param(opts.get("download"), &mut q);
    if let Some(n) = plain_text(opts.get("cacheNonce")) {
        q.push(("cacheNonce", n));
    }
    if q.is_empty() {
        String::new()
    } else {
        cat(&["&", &query(&q)])
    }
}

/// `createSignedUrl(path, expiresIn, { download, transform, cacheNonce })`. A name (or bucket)
/// with a character `decodeURI` keeps encoded ([`paths::kept_by_decode_uri`]) is signed by the
/// batch route, which signs the name from the JSON body (supabase/storage
/// src/storage/object.ts `signObjectUrls`) and exists in every storage-api: raw `;` would end
/// the path on storage-api releases built on Fastify 4, and `?` and `#` cannot be raw at all.
/// Other names take the single route as storage-js sends it. The batch route takes no
/// `transform`: with one, `; , : @ & = + $` go raw and `?` or `#` cannot be signed.
fn create_signed_url(s: &str, a: &Args) -> Result<DataRequest, String> {
    let bucket = bucket_id(a.get(0))?;
    let path = object_path(a.get(1))?;
    let opts = a.opts(3);
    let transform = wants_transform(opts.get("transform"));
    let mut body = Map::new();
    put(&mut body, "expiresIn", a.get(2).cloned().unwrap_or(Value::Null));
    let kept = |t: &str| text::find_by(t, &paths::kept_by_decode_uri).is_some();
    let batch = !transform && (kept(&bucket) || kept(&path));
    let u = if batch {
        put(&mut body, "paths", Value::Array(vec![path.as_str().into()]));
        url(s, "object/sign", Some(&bucket), None)
    } else {
        if transform {
            let query_or_fragment = |t: &str| text::find_by(t, &|b| b == b'?' || b == b'#').is_some();
            if query_or_fragment(&path) || query_or_fragment(&bucket) {
                return Err(cat(&[
                    "Invalid path \"",
                    &path,
                    "\": storage-api signs a transformed image's URL path, where ? and # cannot appear; \
                     sign it without transform, or store the object under a name without them",
                ]));
            }
            put(&mut body, "transform", opts.get("transform").cloned().unwrap_or(Value::Null));
        }
        paths::sign_url(s, "object/sign", &bucket, &path)
    };
    let kind = Kind::SignedUrl { storage: s.to_owned(), bucket, path, extra: signed_extra(opts), batch };
    Ok(with_json(post(u, kind), Value::Object(body)))
}

/// Every element of argument `i` as a cleaned object path.
fn path_list(v: Option<&Value>) -> Result<Vec<Value>, String> {
    let Some(items) = v.and_then(Value::as_array) else {
        return Err("Invalid paths: expected an array of paths".into());
    };
    let mut out = Vec::with_capacity(items.len());
    for p in items {
        out.push(Value::String(object_path(Some(p))?));
    }
    Ok(out)
}

fn create_signed_urls(s: &str, a: &Args) -> Result<DataRequest, String> {
    let bucket = bucket_id(a.get(0))?;
    let list = path_list(a.get(1))?;
    let mut body = Map::new();
    put(&mut body, "expiresIn", a.get(2).cloned().unwrap_or(Value::Null));
    put(&mut body, "paths", Value::Array(list));
    let u = url(s, "object/sign", Some(&bucket), None);
    let kind = Kind::SignedUrls { storage: s.to_owned(), bucket, extra: signed_extra(a.opts(3)) };
    Ok(with_json(post(u, kind), Value::Object(body)))
}

/// `{ limit: 100, offset: 0, sortBy: { column: 'name', order: 'asc' }, ...options, prefix }`.
fn list(s: &str, a: &Args) -> Result<DataRequest, String> {
    let bucket = bucket_id(a.get(0))?;
    let opts = a.opts(2);
    let mut sort = Map::new();
    put(&mut sort, "column", "name".into());
    put(&mut sort, "order", "asc".into());
    if let Some(given) = opts.get("sortBy").and_then(Value::as_object) {
        for (k, v) in given {
            sort.insert(k.clone(), v.clone());
        }
    }
    let mut body = Map::new();
    put(&mut body, "limit", 100.into());
    put(&mut body, "offset", 0.into());
    for (k, v) in opts.0.unwrap_or(&Map::new()) {
        body.insert(k.clone(), v.clone());
    }
    put(&mut body, "sortBy", Value::Object(sort));
    let prefix = a.get(1).and_then(Value::as_str).unwrap_or("");
    put(&mut body, "prefix", prefix.into());
    Ok(with_json(post(url(s, "object/list", Some(&bucket), None), Kind::Json), Value::Object(body)))
}

/// `listV2({ prefix, limit, cursor, with_delimiter, sortBy })`: storage-js 2.119 posts the
/// options as they are to `/object/list-v2/<bucket>` (supabase/storage's
/// src/http/routes/object/listObjectsV2.ts), which answers `{ hasNext, nextCursor?, folders, objects }`.
fn list_v2(s: &str, a: &Args) -> Result<DataRequest, String> {
    let bucket = bucket_id(a.get(0))?;
    let body = a.get(1).filter(|v| v.is_object()).cloned().unwrap_or_else(|| Value::Object(Map::new()));
    Ok(with_json(post(url(s, "object/list-v2", Some(&bucket), None), Kind::Json), body))
}

fn remove(s: &str, a: &Args) -> Result<DataRequest, String> {
    let bucket = bucket_id(a.get(0))?;
    let mut body = Map::new();
    // One path as a string too, as the SDK we replace sent it (`{ prefixes: 'a.png' }`).
    let paths = match a.get(1) {
        Some(one @ Value::String(_)) => vec![Value::String(object_path(Some(one))?)],
        v => path_list(v)?,
    };
    put(&mut body, "prefixes", Value::Array(paths));
    let r = request("DELETE", url(s, "object", Some(&bucket), None), Kind::Json);
    Ok(with_json(r, Value::Object(body)))
}

fn move_or_copy(s: &str, a: &Args, route: &str, kind: Kind) -> Result<DataRequest, String> {
    let bucket = bucket_id(a.get(0))?;
    let from = object_path(a.get(1))?;
    let to = object_path(a.get(2))?;
    let mut body = Map::new();
    put(&mut body, "bucketId", bucket.into());
    put(&mut body, "sourceKey", from.into());
    put(&mut body, "destinationKey", to.into());
    if let Some(v) = a.opts(3).get("destinationBucket") {
        if !v.is_null() {
            put(&mut body, "destinationBucket", bucket_id(Some(v))?.into());
        }
    }
    Ok(with_json(post(url(s, route, None, None), kind), Value::Object(body)))
}
