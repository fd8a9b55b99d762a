'use strict'
// /storage/v1: a local emulation of Supabase's storage-api, following supabase/storage 1.11.2 (commit
// 4fa61fba, 2026-08-21): what storage-js 2.x and the old SDK supabase-wechat-stable-v2 talk to. The source
// file each behaviour comes from is named where it is emulated and in tests/node/backend-storage.test.js.
// Metadata in PostgreSQL (storage.buckets / storage.objects, backend/sql/30-storage.sql), contents on disk: one
// file per object id under a temp dir made in create() and removed in stop() (api.dir). The dir lives inside
// the cluster's temp dir (ctx.cluster.dir), so the cluster's stop() and its detached watchdog (which covers
// SIGKILL) remove it too.
//
// Who may do what. storage-api leaves this to the project's RLS policies; the emulation's "policies" are:
// decided from `Authorization: Bearer <jwt>` (verified with the backend's JWT secret on its virtual clock,
// failures worded as jose words them); `service_role` bypasses every rule, like BYPASSRLS:
//   - "user" = a token with role `authenticated` and a uuid `sub`; "anon" = anything else (anon key).
//   - Buckets: any valid token may list / get them. Any user may create one (its `owner` = sub); only its
//     owner may update or delete it (others: "Bucket not found", as RLS hides the row from the UPDATE/DELETE);
//     emptying is for the service role only (src/http/routes/bucket/index.ts enforceJwtRoles).
//   - Reading objects (download, list, sign, copy source): objects of public buckets by anyone (the public URL
//     needs no token and no apikey at all); objects of private buckets by any user. What a caller may not
//     read is reported as not there ("Object not found"; list returns []), like RLS.
//   - Writing: anon may not upload (403 "new row violates row-level security policy"). An object's `owner`
//     is its uploader's sub; only the owner may overwrite it (x-upsert / PUT: the RLS error), move it (RLS
//     hides it: "Object not found") or delete it (batch delete skips it; single delete "Access denied").
//   - Signed URLs (GET /object/sign/...?token=) and signed upload URLs (PUT /object/upload/sign/...?token=)
//     carry their own authorization (an HS256 JWT with the backend's secret, `scope` download/upload); a
//     signed upload URL uploads as its creator, as the superuser, for as long as it lives (2 h): a second
//     upload to it is 409 Duplicate unless it was made with x-upsert.
// apikey (Kong key-auth): required on every route except the public / signed object GETs and HEADs, the
// public info route and the signed upload PUT, same check and bodies as the dispatcher's (401 {"message":
// ...}): only the configured anon and service_role keys (ctx.apiKeys), compared exactly.
//
// Errors: storage-api's body {"statusCode":"<code>","error":"<name>","message":"...","code":"<ErrorCode>"},
// HTTP 400 unless the code is 500 (./storage-errors.js).
// Object names are the percent-decoded URL path after the bucket, checked with storage-api's key rule
// (src/storage/limits.ts isValidKey: A-Z a-z 0-9 and _/!.*'() &$=@;:+,?-) where storage-api checks it.
// Legacy option (cfg.storageLegacyKeys, env STORAGE_LEGACY_KEYS=1): any non-empty UTF-8 name, as storage-api
// before key validation (2022); see backend/README.md.
const fs = require('node:fs')
const fsp = require('node:fs/promises')
const os = require('node:os')
const path = require('node:path')
const crypto = require('node:crypto')
const { pipeline } = require('node:stream/promises')
const { CORS_HEADERS, send } = require('./http-util')
const { withTx } = require('./db')
const { StorageError, E, isValidKey, isValidBucketName, isLegacyKey, verifyJose } = require('./storage-errors')
const { drain, makeReceiver } = require('./storage-upload')

const PREFIX = '/storage/v1'
const GLOBAL_FILE_SIZE_LIMIT = 50 * 1024 * 1024 // storage-api's FILE_SIZE_LIMIT default (50 MB)
const SIGNED_UPLOAD_EXPIRES_S = 2 * 60 * 60 // storage-api: signed upload URLs live 2 h
const JSON_LIMIT = 1 << 20
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// src/storage/storage.ts validateMimeType
const MIME_RE = /^([a-zA-Z0-9\-+.]+)\/([a-zA-Z0-9\-+.]+)(;\s*charset=[a-zA-Z0-9-]+)?$|\*$/
const STORAGE_EXPOSE = `${CORS_HEADERS['access-control-expose-headers']},content-disposition,content-length,etag,last-modified,accept-ranges`

function sendError(res, e) {
  return send(res, e.httpStatus, e.render())
}

// ---------- small helpers ----------
const iso = (d) => (d == null ? null : new Date(d).toISOString())

// fast-json-stringify (the routes' response schemas) writes null for a `type: 'string'` property as "".
const str = (v) => (v == null ? '' : String(v))

// A bucket row as the routes' response schema (src/storage/schemas/bucket.ts, property order) shows it:
// GET /bucket selects `type` too (getAllBuckets.ts), GET /bucket/:id does not (getBucket.ts).
function bucketJson(b, withType) {
  const out = { id: b.id, name: b.name, owner: str(b.owner), public: b.public }
  if (withType) out.type = 'STANDARD'
  out.file_size_limit = b.file_size_limit == null ? null : Number(b.file_size_limit)
  out.allowed_mime_types = b.allowed_mime_types || null
  out.created_at = iso(b.created_at)
  out.updated_at = iso(b.updated_at)
  return out
}

// A whole storage.objects row (RETURNING *) through src/storage/schemas/object.ts objectSchema.
function objectJson(o) {
  return {
    name: o.name,
    bucket_id: o.bucket_id,
    owner: str(o.owner),
    owner_id: str(o.owner_id),
    version: str(o.version),
    id: o.id,
    updated_at: iso(o.updated_at),
    created_at: iso(o.created_at),
    last_accessed_at: iso(o.last_accessed_at),
    metadata: o.metadata == null ? null : o.metadata,
    user_metadata: o.user_metadata == null ? null : o.user_metadata,
  }
}

// A route's wildcard / bucket parameter, decoded as fastify (find-my-way) decodes it.
function decodeSegment(s) {
  try {
    return decodeURIComponent(s)
  } catch (_) {
    throw E.validation('URI malformed')
  }
}

// "20MB" / "30KB" / "3B" / 1024 -> bytes; null/undefined stay.
function parseFileSizeLimit(v) {
  if (v === undefined || v === null) return v
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v)
  const m = typeof v === 'string' && /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(v)
  if (!m) throw E.invalidRequest('Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B')
  const mult = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 }[(m[2] || 'b').toLowerCase()]
  return Math.floor(Number(m[1]) * mult)
}

// src/http/routes/bucket/createBucket.ts (empty entries dropped) + src/storage/storage.ts validateMimeType.
function parseMimeTypes(v) {
  if (v === undefined || v === null) return v
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw E.validation('body/allowed_mime_types must be array')
  }
  const list = v.filter((x) => x)
  for (const x of list) if (x.length > 1000 || !MIME_RE.test(x)) throw E.mime(x)
  return list
}

// Storage dirs of running backends, removed at process exit if stop() never ran.
const liveDirs = new Set()
let exitHooked = false
function removeDir(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true })
  } catch (_) {
    /* ignore */
  }
  liveDirs.delete(dir)
}

// ---------- the module ----------
function create(ctx) {
  const parent = ctx.cluster && ctx.cluster.dir && fs.existsSync(ctx.cluster.dir) ? ctx.cluster.dir : os.tmpdir()
  const dir = fs.mkdtempSync(path.join(parent, 'sbwx-storage-'))
  const objectsDir = path.join(dir, 'objects')
  const tmpDir = path.join(dir, 'tmp')
  fs.mkdirSync(objectsDir)
  fs.mkdirSync(tmpDir)
  liveDirs.add(dir)
  if (!exitHooked) {
    exitHooked = true
    process.on('exit', () => {
      for (const d of [...liveDirs]) removeDir(d)
    })
  }

  const pool = ctx.pool
  const secret = ctx.cfg.jwtSecret
  const nowSec = () => Math.floor(ctx.now() / 1000)
  const nowDate = () => new Date(ctx.now())
  const globalLimit = () => Number(ctx.cfg.storageFileSizeLimit) || GLOBAL_FILE_SIZE_LIMIT
  const api = { dir, url: '' }

  const filePath = (id) => path.join(objectsDir, id)
  const tmpPath = () => path.join(tmpDir, crypto.randomUUID())
  const unlinkQuiet = async (p) => {
    try {
      await fsp.unlink(p)
    } catch (_) {
      /* gone */
    }
  }
  const receiveBody = makeReceiver({ globalLimit, tmpPath, unlinkQuiet })

  // ---- auth ----
  const apiKeys = ctx.apiKeys || [ctx.anonKey, ctx.serviceRoleKey].filter(Boolean)
  function checkApiKey(req, params) {
    const key = req.headers.apikey !== undefined ? req.headers.apikey : params.apikey
    if (key === undefined || key === '') return { message: 'No API key found in request' }
    if (!apiKeys.includes(String(key))) return { message: 'Invalid API key' }
    return null
  }

  // src/http/plugins/jwt.ts: the Authorization header is required by the routes' schema (authSchema, a
  // fastify validation error without it); `Bearer ` is stripped and the rest verified (jose's words, as
  // AccessDenied: HTTP 400, statusCode "403"). `role` and `sub` decide what the emulated policies allow.
  function authenticate(req) {
    if (req.headers.authorization === undefined) {
      throw E.validation("headers must have required property 'authorization'")
    }
    const token = String(req.headers.authorization).replace(/^Bearer\s+/i, '')
    let claims
    try {
      claims = verifyJose(token, secret, nowSec())
    } catch (e) {
      throw E.accessDenied(e.message)
    }
    const role = typeof claims.role === 'string' ? claims.role : 'anon'
    const sub = typeof claims.sub === 'string' && UUID_RE.test(claims.sub) ? claims.sub.toLowerCase() : null
    return { role, sub, service: role === 'service_role', user: role === 'authenticated' && !!sub }
  }

  // src/storage/limits.ts mustBeValidKey (or, with the legacy option, any non-empty name).
  const legacyKeys = !!ctx.cfg.storageLegacyKeys
  function checkKey(name) {
    if (!(legacyKeys ? isLegacyKey(name) : isValidKey(name))) throw E.invalidKey(name || '')
    return name
  }

  const canRead = (auth, bucket) => auth.service || auth.user || bucket.public
  const canInsert = (auth) => auth.service || auth.user
  const owns = (auth, row) => auth.service || (auth.user && row.owner === auth.sub)
  const ownsBucket = (auth, bucket) => auth.service || (auth.user && bucket.owner === auth.sub)

  // ---- db ----
  async function getBucket(db, id) {
    const b = (await db.query('select * from storage.buckets where id = $1', [id])).rows[0]
    if (!b) throw E.noSuchBucket()
    return b
  }

  // The bucket `id` when `auth` may change it (service role, or the bucket's owner). storage-api's
  // UPDATE / DELETE of a bucket RLS hides from the caller changes no row: "Bucket not found"
  // (src/storage/database/pg.ts updateBucket, src/storage/storage.ts deleteBucket).
  async function ownedBucket(auth, id) {
    const b = await getBucket(pool, id)
    if (!ownsBucket(auth, b)) throw E.noSuchBucket()
    return b
  }

  async function findObject(db, bucketId, name, lock) {
    return (
      (
        await db.query(`select * from storage.objects where bucket_id = $1 and name = $2${lock ? ' for update' : ''}`, [
          bucketId,
          name,
        ])
      ).rows[0] || null
    )
  }

  async function readJson(r) {
    const text = await r.text(JSON_LIMIT)
    if (!text || !text.trim()) return {}
    let v
    try {
      v = JSON.parse(text)
    } catch (_) {
      throw E.bad('Body is not valid JSON', 'bad_json')
    }
    // null, [], "x", 1: fastify's schema check refuses them ("body must be object").
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw E.bad('body must be object', 'bad_json')
    return v
  }

  function metadataFor(f, t) {
    return {
      eTag: `"${f.md5}"`,
      size: f.size,
      mimetype: f.mimetype,
      cacheControl: f.cacheControl,
      lastModified: t.toISOString(),
      contentLength: f.size,
      httpStatusCode: 200,
    }
  }

  // Writes the received file as bucket/name (src/storage/uploader.ts completeUpload: upsertObject, as the
  // superuser after canUpload; user_metadata the caller's, else {}). Without upsert an existing name is KeyAlreadyExists; with
  // it, overwriting someone else's object is the RLS error. Returns the row.
  const userMetadataOf = (file) => JSON.stringify(file.userMetadata === undefined ? {} : file.userMetadata)

  async function storeObject({ bucket, name, auth, upsert, file }) {
    let renamed = false
    try {
      return await withTx(pool, async (db) => {
        const t = nowDate()
        const meta = metadataFor(file, t)
        const ex = await findObject(db, bucket.id, name, true)
        let row
        if (ex) {
          if (!upsert) throw E.keyAlreadyExists()
          if (!owns(auth, ex)) throw E.rls()
          row = (
            await db.query(
              `update storage.objects set metadata = $2, updated_at = $3, last_accessed_at = $3, owner = coalesce($4, owner),
               owner_id = coalesce($6, owner_id), version = $5, user_metadata = $7 where id = $1 returning *`,
              [ex.id, meta, t, auth.sub, crypto.randomUUID(), auth.sub, userMetadataOf(file)],
            )
          ).rows[0]
        } else {
          row = (
            await db.query(
              `insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, created_at, updated_at,
               last_accessed_at, version) values ($1, $2, $3, $7, $4, $8, $5, $5, $5, $6) returning *`,
              [bucket.id, name, auth.sub, meta, t, crypto.randomUUID(), auth.sub, userMetadataOf(file)],
            )
          ).rows[0]
        }
        await fsp.rename(file.tmp, filePath(row.id))
        renamed = true
        return row
      })
    } catch (e) {
      if (e && e.code === '23505') throw E.keyAlreadyExists()
      throw e
    } finally {
      if (!renamed) await unlinkQuiet(file.tmp)
    }
  }

  // storage-api's order before the body is stored (src/storage/object.ts uploadFromRequest → uploadNewObject
  // → src/storage/uploader.ts canUpload): the bucket (NoSuchBucket), the key (InvalidKey), then the RLS
  // test of the INSERT (or, with upsert, INSERT ... ON CONFLICT UPDATE): anon → RLS error; an existing name
  // without upsert → KeyAlreadyExists; with upsert, someone else's object → RLS error.
  async function precheckUpload(auth, bucketId, name, upsert) {
    const bucket = await getBucket(pool, bucketId)
    checkKey(name)
    if (!canInsert(auth)) throw E.rls()
    const ex = await findObject(pool, bucket.id, name, false)
    if (ex && !upsert) throw E.keyAlreadyExists()
    if (ex && !owns(auth, ex)) throw E.rls()
    return bucket
  }

  // POST /object/:bucket/* (createObject.ts: upsert when `x-upsert: true`) and PUT (updateObject.ts: always
  // upsert, so a PUT of a missing object creates it).
  async function upload(req, res, bucketId, name, mode) {
    let auth
    let bucket
    const upsert = mode === 'update' || req.headers['x-upsert'] === 'true'
    try {
      auth = authenticate(req)
      bucket = await precheckUpload(auth, bucketId, name, upsert)
    } catch (e) {
      await drain(req)
      throw e
    }
    const file = await receiveBody(req, bucket)
    const row = await storeObject({ bucket, name, auth, upsert, file })
    return send(res, 200, { Id: row.id, Key: `${bucket.id}/${name}` })
  }

  // ---- downloads ----
  async function serveObject(req, res, r, bucketId, name, { expires } = {}) {
    const row = await findObject(pool, bucketId, name, false)
    if (!row) throw E.noSuchKey()
    const file = filePath(row.id)
    let st
    try {
      st = await fsp.stat(file)
    } catch (_) {
      throw E.noSuchKey()
    }
    const meta = row.metadata || {}
    const headers = {
      ...CORS_HEADERS,
      'access-control-expose-headers': STORAGE_EXPOSE,
      'content-type': meta.mimetype || 'application/octet-stream',
      'cache-control': meta.cacheControl || 'no-cache',
      etag: meta.eTag,
      'last-modified': new Date(meta.lastModified || row.updated_at).toUTCString(),
      'accept-ranges': 'bytes',
    }
    if (expires) headers.expires = expires
    // src/storage/renderer/renderer.ts handleDownload: `?download` alone → "attachment;", a name → both forms.
    if (Object.hasOwn(r.params, 'download')) {
      const enc = encodeURIComponent(r.params.download)
      headers['content-disposition'] = enc ? `attachment; filename=${enc}; filename*=UTF-8''${enc}` : 'attachment;'
    }
    const inm = req.headers['if-none-match']
    if (
      inm &&
      meta.eTag &&
      inm
        .split(',')
        .map((s) => s.trim())
        .includes(meta.eTag)
    ) {
      res.writeHead(304, headers)
      return res.end()
    }
    let start = 0
    let end = st.size - 1
    let status = 200
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range || '').trim())
    if (range && (range[1] !== '' || range[2] !== '')) {
      if (range[1] === '') {
        start = Math.max(0, st.size - Number(range[2]))
      } else {
        start = Number(range[1])
        if (range[2] !== '') end = Math.min(end, Number(range[2]))
      }
      if (start >= st.size || start > end) {
        return send(
          res,
          416,
          { statusCode: '416', error: 'invalid_range', message: 'invalid range provided' },
          { 'content-range': `bytes */${st.size}` },
        )
      }
      status = 206
      headers['content-range'] = `bytes ${start}-${end}/${st.size}`
    }
    headers['content-length'] = st.size === 0 ? 0 : end - start + 1
    res.writeHead(status, headers)
    if (req.method === 'HEAD' || st.size === 0) return res.end()
    try {
      await pipeline(fs.createReadStream(file, { start, end }), res)
    } catch (_) {
      res.destroy()
    }
    return undefined
  }

  // The bucket as the superuser (NoSuchBucket), the key (InvalidKey), then the object under the caller's
  // policies (NoSuchKey): src/http/routes/object/getObject.ts, getObjectInfo.ts.
  async function readableObject(auth, bucketId, name) {
    const bucket = await getBucket(pool, bucketId)
    checkKey(name)
    const row = await findObject(pool, bucketId, name, false)
    if (!row || !canRead(auth, bucket)) throw E.noSuchKey()
    return { bucket, row }
  }

  async function getAuthenticated(req, res, r, bucketId, name) {
    const auth = authenticate(req)
    await readableObject(auth, bucketId, name)
    return serveObject(req, res, r, bucketId, name)
  }

  // GET /object/info/[authenticated/|public/]<bucket>/<name>: src/storage/renderer/info.ts InfoRenderer body
  // (`metadata` is the object's user_metadata: the upload's, else {}, uploader.ts completeUpload).
  async function objectInfo(req, bucketId, name, publicRoute) {
    let row
    if (publicRoute) {
      const b = (await pool.query('select * from storage.buckets where id = $1', [bucketId])).rows[0]
      if (!b || !b.public) throw E.noSuchBucket()
      row = await findObject(pool, bucketId, checkKey(name), false)
      if (!row) throw E.noSuchKey()
    } else {
      row = (await readableObject(authenticate(req), bucketId, name)).row
    }
    const meta = row.metadata || {}
    return {
      id: row.id,
      name: row.name,
      version: row.version,
      bucket_id: row.bucket_id,
      size: meta.size ?? null,
      content_type: meta.mimetype ?? null,
      cache_control: meta.cacheControl ?? null,
      etag: meta.eTag ?? null,
      metadata: row.user_metadata,
      last_modified: iso(row.updated_at),
      created_at: iso(row.created_at),
    }
  }

  // getPublicObject.ts: the public bucket and the object are looked up together; the key check fails first.
  async function getPublic(req, res, r, bucketId, name) {
    checkKey(name)
    const b = (await pool.query('select * from storage.buckets where id = $1', [bucketId])).rows[0]
    if (!b || !b.public) throw E.noSuchBucket()
    return serveObject(req, res, r, bucketId, name)
  }

  // src/storage/object.ts verifyObjectSignature: jose's verdict (InvalidJWT, e.g. '"exp" claim timestamp check
  // failed'), the token's scope, then its `url` against `<bucket>/<decoded route path>` ("Invalid signature").
  function verifySigned(token, url, scope) {
    if (!token) throw E.validation("querystring must have required property 'token'")
    let claims
    try {
      claims = verifyJose(String(token), secret, nowSec())
    } catch (e) {
      throw E.invalidJwt(e.message)
    }
    const legacy = claims.scope === undefined && (scope === 'upload') === 'upsert' in claims
    if (claims.scope !== scope && !legacy) throw E.invalidSignature(`Token is not scoped for ${scope}`)
    if (claims.url !== url) throw E.invalidSignature()
    return claims
  }

  // getSignedObject.ts: verified, then the object the token names is found as the superuser.
  async function getSigned(req, res, r, bucketId, name) {
    const claims = verifySigned(r.params.token, `${bucketId}/${name}`, 'download')
    const [b, ...rest] = claims.url.split('/')
    const key = checkKey(rest.join('/'))
    return serveObject(req, res, r, b, key, {
      expires: new Date(claims.exp * 1000).toUTCString(),
    })
  }

  // ---- signing ----
  // src/internal/auth/jwt.ts assertValidNumericJWTExpiration / the routes' body schema.
  function expiresInOf(body) {
    const v = body.expiresIn
    if (v === undefined) throw E.validation("body must have required property 'expiresIn'")
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v
    if (typeof n !== 'number' || !Number.isInteger(n)) throw E.validation('body/expiresIn must be integer')
    if (n < 1) throw E.validation('body/expiresIn must be >= 1')
    return n
  }

  // signJWT (jwt.ts): the claims, then iat and exp.
  function signToken(claims, expiresIn) {
    const iat = nowSec()
    return ctx.jwt.sign({ ...claims, iat, exp: iat + expiresIn }, secret)
  }

  // POST /object/sign/<bucket>/<path> (getSignedURL.ts → object.ts signObjectUrl): signs
  // decodeURI(<raw request path after /object/sign/>), so %2B %3F %26 %3D %23 %24 %2C %2F %3A %3B %40 stay
  // encoded in the token's `url` (and in the signedURL) while the download checks the decoded path: a
  // name with + ? & = ; , @ $ : sent percent-encoded gets a URL that answers InvalidSignature.
  async function createSignedUrl(req, r, rawBucket, rawName) {
    const auth = authenticate(req)
    const body = await readJson(r)
    const expiresIn = expiresInOf(body)
    const bucketId = decodeSegment(rawBucket)
    const name = checkKey(decodeSegment(rawName))
    const row = await findObject(pool, bucketId, name, false)
    const bucket = row && (await getBucket(pool, bucketId))
    if (!row || !canRead(auth, bucket)) throw E.noSuchKey()
    let urlToSign
    try {
      urlToSign = decodeURI(`${rawBucket}/${rawName}`)
    } catch (_) {
      throw E.validation('URI malformed')
    }
    const token = signToken({ url: urlToSign, scope: 'download' }, expiresIn)
    return { signedURL: `/object/sign/${urlToSign}?token=${token}` }
  }

  // POST /object/sign/<bucket> { paths } (getSignedURLs.ts → object.ts signObjectUrls): `${bucket}/${path}`.
  async function createSignedUrls(req, r, bucketId) {
    const auth = authenticate(req)
    const body = await readJson(r)
    const expiresIn = expiresInOf(body)
    if (!Array.isArray(body.paths)) throw E.validation("body must have required property 'paths'")
    if (!body.paths.length) throw E.validation('body/paths must NOT have fewer than 1 items')
    if (body.paths.some((p) => typeof p !== 'string')) throw E.validation('body/paths/0 must be string')
    const bucket = (await pool.query('select * from storage.buckets where id = $1', [bucketId])).rows[0]
    const { rows } = await pool.query('select name from storage.objects where bucket_id = $1 and name = any($2)', [
      bucketId,
      body.paths,
    ])
    const have = new Set(bucket && canRead(auth, bucket) ? rows.map((x) => x.name) : [])
    return body.paths.map((p) => {
      if (!have.has(p)) {
        return { error: 'Either the object does not exist or you do not have access to it', path: p, signedURL: null }
      }
      const url = `${bucketId}/${p}`
      return { error: null, path: p, signedURL: `/object/sign/${url}?token=${signToken({ url, scope: 'download' }, expiresIn)}` }
    })
  }

  // POST /object/upload/sign/<bucket>/<path> (getSignedUploadURL.ts → object.ts signUploadObjectUrl): canUpload
  // (no key check here), then a token { owner, url: `${bucket}/${decoded path}`, upsert, scope: 'upload' }.
  async function createSignedUploadUrl(req, r, bucketId, name) {
    const auth = authenticate(req)
    await readJson(r)
    const upsert = req.headers['x-upsert'] === 'true'
    await getBucket(pool, bucketId)
    if (!canInsert(auth)) throw E.rls()
    const ex = await findObject(pool, bucketId, name, false)
    if (ex && !upsert) throw E.keyAlreadyExists()
    if (ex && !owns(auth, ex)) throw E.rls()
    const url = `${bucketId}/${name}`
    const claims = auth.sub ? { owner: auth.sub, url, upsert, scope: 'upload' } : { url, upsert, scope: 'upload' }
    const token = signToken(claims, SIGNED_UPLOAD_EXPIRES_S)
    return { url: `/object/upload/sign/${url}?token=${token}`, token }
  }

  // PUT /object/upload/sign/<bucket>/<path>?token= (uploadSignedObject.ts): verified, then uploaded as the
  // superuser with the token's owner and upsert; the answer is { Key } alone.
  async function uploadSigned(req, res, r, bucketId, name) {
    let claims
    let bucket
    let auth
    try {
      claims = verifySigned(r.params.token, `${bucketId}/${name}`, 'upload')
      const owner = typeof claims.owner === 'string' && UUID_RE.test(claims.owner) ? claims.owner.toLowerCase() : null
      auth = { role: 'service_role', sub: owner, service: true, user: false }
      bucket = await precheckUpload(auth, bucketId, name, claims.upsert === true)
    } catch (e) {
      await drain(req)
      throw e
    }
    const file = await receiveBody(req, bucket)
    await storeObject({ bucket, name, auth, upsert: claims.upsert === true, file })
    return send(res, 200, { Key: `${bucket.id}/${name}` })
  }

  // ---- object management ----
  // DELETE /object/<bucket> { prefixes } (deleteObjects.ts → pg.ts deleteObjects: DELETE ... RETURNING *
  // under RLS): what the caller may not delete is skipped, not refused; a missing bucket deletes nothing.
  // The rows as objectSchema shows them.
  async function deleteObjects(req, r, bucketId) {
    const auth = authenticate(req)
    const body = await readJson(r)
    const prefixes = body.prefixes
    if (!Array.isArray(prefixes)) throw E.validation("body must have required property 'prefixes'")
    if (!prefixes.length) throw E.validation('body/prefixes must NOT have fewer than 1 items')
    if (prefixes.some((p) => typeof p !== 'string')) throw E.validation('body/prefixes/0 must be string')
    const bucket = (await pool.query('select * from storage.buckets where id = $1', [bucketId])).rows[0]
    if (!bucket) return []
    const rows = await withTx(pool, async (db) => {
      const found = (
        await db.query('select * from storage.objects where bucket_id = $1 and name = any($2) for update', [bucketId, prefixes])
      ).rows
      const mine = found.filter((o) => canRead(auth, bucket) && owns(auth, o))
      if (!mine.length) return []
      return (await db.query('delete from storage.objects where id = any($1) returning *', [mine.map((o) => o.id)])).rows
    })
    await Promise.all(rows.map((o) => unlinkQuiet(filePath(o.id))))
    return rows.map(objectJson)
  }

  // DELETE /object/<bucket>/<path> (object.ts deleteObject): found as the superuser (NoSuchKey), then deleted
  // under RLS: no row deleted → AccessDenied "Access denied". No key check.
  async function deleteObject(req, bucketId, name) {
    const auth = authenticate(req)
    const row = await withTx(pool, async (db) => {
      const o = await findObject(db, bucketId, name, true)
      if (!o) throw E.noSuchKey()
      const bucket = await getBucket(db, bucketId)
      if (!canRead(auth, bucket) || !owns(auth, o)) throw E.accessDenied('Access denied')
      await db.query('delete from storage.objects where id = $1', [o.id])
      return o
    })
    await unlinkQuiet(filePath(row.id))
    return { message: 'Successfully deleted' }
  }

  function moveArgs(body) {
    const { bucketId, sourceKey, destinationKey } = body
    for (const [k, v] of Object.entries({ bucketId, sourceKey, destinationKey })) {
      if (v === undefined) throw E.validation(`body must have required property '${k}'`)
      if (typeof v !== 'string') throw E.validation(`body/${k} must be string`)
    }
    const destBucket = typeof body.destinationBucket === 'string' && body.destinationBucket ? body.destinationBucket : bucketId
    return { bucketId, sourceKey, destinationKey, destBucket }
  }

  // The destination bucket of a copy / move: a missing one is the foreign key's error
  // (src/storage/database/errors.ts 23503 → RelatedResourceNotFound).
  async function destinationBucket(id) {
    const b = (await pool.query('select * from storage.buckets where id = $1', [id])).rows[0]
    if (!b) throw E.relatedNotFound()
    return b
  }

  // POST /object/move (object.ts moveObject): the destination key (InvalidKey), then, as the caller, the
  // source row and its UPDATE: what RLS hides or may not change is NoSuchKey (pg.ts updateObject finds no
  // row); an existing destination is the unique violation (ResourceAlreadyExists).
  async function moveObject(req, r) {
    const auth = authenticate(req)
    const a = moveArgs(await readJson(r))
    checkKey(a.destinationKey)
    await withTx(pool, async (db) => {
      const src = await findObject(db, a.bucketId, a.sourceKey, true)
      const bucket = src && (await getBucket(db, a.bucketId))
      if (!src || !canRead(auth, bucket) || !owns(auth, src) || !canInsert(auth)) throw E.noSuchKey()
      await destinationBucket(a.destBucket)
      if (a.destBucket === a.bucketId && a.destinationKey === a.sourceKey) return
      if (await findObject(db, a.destBucket, a.destinationKey, true)) throw E.resourceAlreadyExists()
      await db.query(
        `update storage.objects set bucket_id = $2, name = $3, updated_at = $4, version = $5,
         owner = coalesce($6, owner), owner_id = coalesce($7, owner_id) where id = $1`,
        [src.id, a.destBucket, a.destinationKey, nowDate(), crypto.randomUUID(), auth.sub, auth.sub],
      )
    }).catch((e) => {
      throw e && e.code === '23505' ? E.resourceAlreadyExists() : e
    })
    return { message: 'Successfully moved' }
  }

  // POST /object/copy (copyObject.ts → object.ts copyObject): the destination key, the source as the caller
  // (NoSuchKey), canUpload on the destination (KeyAlreadyExists without x-upsert; the RLS error), then the
  // new row { Id, Key, ...objectSchema } owned by the caller, with the source's user_metadata.
  async function copyObject(req, r) {
    const auth = authenticate(req)
    const a = moveArgs(await readJson(r))
    const upsert = req.headers['x-upsert'] === 'true'
    checkKey(a.destinationKey)
    const src = await findObject(pool, a.bucketId, a.sourceKey, false)
    const bucket = src && (await getBucket(pool, a.bucketId))
    if (!src || !canRead(auth, bucket)) throw E.noSuchKey()
    await destinationBucket(a.destBucket)
    if (!canInsert(auth)) throw E.rls()
    const tmp = tmpPath()
    let renamed = false
    try {
      await fsp.copyFile(filePath(src.id), tmp)
      const row = await withTx(pool, async (db) => {
        const t = nowDate()
        const meta = { ...(src.metadata || {}), lastModified: t.toISOString() }
        const ex = await findObject(db, a.destBucket, a.destinationKey, true)
        let out
        if (ex) {
          if (!upsert) throw E.keyAlreadyExists()
          if (!owns(auth, ex)) throw E.rls()
          out = (
            await db.query(
              `update storage.objects set metadata = $2, updated_at = $3, last_accessed_at = $3, owner = coalesce($4, owner),
               owner_id = coalesce($7, owner_id), user_metadata = $5, version = $6 where id = $1 returning *`,
              [ex.id, meta, t, auth.sub, src.user_metadata, crypto.randomUUID(), auth.sub],
            )
          ).rows[0]
        } else {
          out = (
            await db.query(
              `insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, created_at, updated_at,
               last_accessed_at, version) values ($1, $2, $3, $8, $4, $5, $6, $6, $6, $7) returning *`,
              [a.destBucket, a.destinationKey, auth.sub, meta, src.user_metadata, t, crypto.randomUUID(), auth.sub],
            )
          ).rows[0]
        }
        await fsp.rename(tmp, filePath(out.id))
        renamed = true
        return out
      })
      return { Id: row.id, Key: `${a.destBucket}/${a.destinationKey}`, ...objectJson(row) }
    } catch (e) {
      if (e && e.code === '23505') throw E.keyAlreadyExists()
      throw e
    } finally {
      if (!renamed) await unlinkQuiet(tmp)
    }
  }

  // ---- buckets ----
  // GET /bucket (getAllBuckets.ts, pg.ts listBuckets): every bucket, with `type`; ?search (name ILIKE
  // %search%), ?sortColumn / ?sortOrder, ?limit / ?offset.
  async function listBuckets(req, r) {
    authenticate(req)
    const q = r.params
    const cols = ['id', 'name', 'created_at', 'updated_at']
    if (q.sortColumn !== undefined && !cols.includes(q.sortColumn)) {
      throw E.validation('querystring/sortColumn must be equal to one of the allowed values')
    }
    if (q.sortOrder !== undefined && q.sortOrder !== 'asc' && q.sortOrder !== 'desc') {
      throw E.validation('querystring/sortOrder must be equal to one of the allowed values')
    }
    const num = (k, min) => {
      if (q[k] === undefined) return null
      if (!/^\d+$/.test(q[k])) throw E.validation(`querystring/${k} must be integer`)
      if (Number(q[k]) < min) throw E.validation(`querystring/${k} must be >= ${min}`)
      return Number(q[k])
    }
    const limit = num('limit', 1)
    const offset = num('offset', 0)
    const like = q.search ? `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : '%'
    const order = q.sortColumn ? `${q.sortColumn} ${q.sortOrder === 'desc' ? 'desc' : 'asc'}` : 'created_at, id'
    const { rows } = await pool.query(`select * from storage.buckets where name ilike $1 order by ${order} limit $2 offset $3`, [
      like,
      limit,
      offset || 0,
    ])
    return rows.map((b) => bucketJson(b, true))
  }

  // GET /bucket/:id (getBucket.ts): no `type` column selected.
  async function getBucketRoute(req, id) {
    authenticate(req)
    return bucketJson(await getBucket(pool, id), false)
  }

  // POST /bucket (createBucket.ts → storage.ts createBucket): `name` required, checked with isValidBucketName
  // (no surrounding spaces); `id` defaults to it.
  async function createBucket(req, r) {
    const auth = authenticate(req)
    const body = await readJson(r)
    if (body.name === undefined) throw E.validation("body must have required property 'name'")
    if (typeof body.name !== 'string') throw E.validation('body/name must be string')
    if (body.id !== undefined && typeof body.id !== 'string') throw E.validation('body/id must be string')
    const name = body.name
    const id = body.id || name
    if (name.trim() !== name || !isValidBucketName(name) || !isValidBucketName(id)) throw E.invalidBucketName()
    const sizeLimit = parseFileSizeLimit(body.file_size_limit)
    const mimes = parseMimeTypes(body.allowed_mime_types)
    if (!canInsert(auth)) throw E.rls()
    const t = nowDate()
    try {
      await pool.query(
        `insert into storage.buckets (id, name, owner, public, file_size_limit, allowed_mime_types, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7)`,
        [id, name, auth.sub, body.public === true, sizeLimit == null ? null : sizeLimit, mimes || null, t],
      )
    } catch (e) {
      if (e && e.code === '23505') throw E.bucketAlreadyExists()
      throw e
    }
    return { name }
  }

  // PUT /bucket/:id (updateBucket.ts → storage.ts updateBucket): one of public / file_size_limit /
  // allowed_mime_types required; a bucket the caller may not change is "Bucket not found".
  async function updateBucket(req, r, id) {
    const auth = authenticate(req)
    const body = await readJson(r)
    if (!['public', 'file_size_limit', 'allowed_mime_types'].some((k) => k in body)) {
      throw E.validation("body must have required property 'public'")
    }
    if (!isValidBucketName(id)) throw E.invalidBucketName()
    const sizeLimit = parseFileSizeLimit(body.file_size_limit)
    const mimes = parseMimeTypes(body.allowed_mime_types)
    await ownedBucket(auth, id)
    const sets = ['updated_at = $2']
    const vals = [id, nowDate()]
    if (typeof body.public === 'boolean') {
      vals.push(body.public)
      sets.push(`public = $${vals.length}`)
    }
    if (sizeLimit !== undefined) {
      vals.push(sizeLimit)
      sets.push(`file_size_limit = $${vals.length}`)
    }
    if (mimes !== undefined) {
      vals.push(mimes)
      sets.push(`allowed_mime_types = $${vals.length}`)
    }
    await pool.query(`update storage.buckets set ${sets.join(', ')} where id = $1`, vals)
    return { message: 'Successfully updated' }
  }

  // POST /bucket/:id/empty (emptyBucket.ts, registered with enforceJwtRoles [service_role]; storage.ts
  // emptyBucket): other roles get HTTP 403 "Access denied: Invalid role". storage-api queues the deletion
  // (ObjectAdminDeleteAllBefore: the objects that exist now); here it is done before the answer.
  async function emptyBucket(req, r, id) {
    const auth = authenticate(req)
    if (!auth.service) throw E.accessDenied('Access denied: Invalid role', 403)
    await readJson(r)
    await getBucket(pool, id)
    const { rows } = await pool.query('delete from storage.objects where bucket_id = $1 returning id', [id])
    await Promise.all(rows.map((o) => unlinkQuiet(filePath(o.id))))
    return { message: 'Empty bucket has been queued. Completion may take up to an hour.' }
  }

  // DELETE /bucket/:id (storage.ts deleteBucket): found as the superuser (NoSuchBucket), "not empty" checked
  // next (for anyone), then deleted under RLS: someone else's bucket is "Bucket not found".
  async function deleteBucket(req, r, id) {
    const auth = authenticate(req)
    await readJson(r)
    await withTx(pool, async (db) => {
      const b = (await db.query('select * from storage.buckets where id = $1 for update', [id])).rows[0]
      if (!b) throw E.noSuchBucket()
      const n = (await db.query('select count(*)::int as n from storage.objects where bucket_id = $1', [id])).rows[0].n
      if (n > 0) throw E.notEmpty()
      if (!ownsBucket(auth, b)) throw E.noSuchBucket()
      await db.query('delete from storage.buckets where id = $1', [id])
    })
    return { message: 'Successfully deleted' }
  }

  // ---- routing ----
  // [method(s), regex on the raw path after /storage/v1, needs apikey, handler(req, res, r, m) -> body | undefined]
  const json = (fn) => async (req, res, r, m) => send(res, 200, await fn(req, r, m))
  const dec = decodeSegment
  // storage-js' list and listV2 (src/http/routes/object/listObjects.ts, listObjectsV2.ts).
  const listObjects = require('./storage-list').make({ pool, authenticate, readJson, canRead, E, iso })
  const listObjectsV2 = require('./storage-list-v2').make({ pool, authenticate, readJson, canRead, E, iso })
  const routes = [
    [['GET'], /^\/bucket\/?$/, true, json((req, r) => listBuckets(req, r))],
    [['POST'], /^\/bucket\/?$/, true, json((req, r) => createBucket(req, r))],
    [['POST'], /^\/bucket\/([^/]+)\/empty\/?$/, true, json((req, r, m) => emptyBucket(req, r, dec(m[1])))],
    [['GET'], /^\/bucket\/([^/]+)\/?$/, true, json((req, _r, m) => getBucketRoute(req, dec(m[1])))],
    [['PUT'], /^\/bucket\/([^/]+)\/?$/, true, json((req, r, m) => updateBucket(req, r, dec(m[1])))],
    [['DELETE'], /^\/bucket\/([^/]+)\/?$/, true, json((req, r, m) => deleteBucket(req, r, dec(m[1])))],

    [['POST'], /^\/object\/list\/([^/]+)\/?$/, true, json((req, r, m) => listObjects(req, r, dec(m[1])))],
    [['POST'], /^\/object\/list-v2\/([^/]+)\/?$/, true, json((req, r, m) => listObjectsV2(req, r, dec(m[1])))],
    [['POST'], /^\/object\/move\/?$/, true, json((req, r) => moveObject(req, r))],
    [['POST'], /^\/object\/copy\/?$/, true, json((req, r) => copyObject(req, r))],

    [['POST'], /^\/object\/sign\/([^/]+)\/?$/, true, json((req, r, m) => createSignedUrls(req, r, dec(m[1])))],
    [['POST'], /^\/object\/sign\/([^/]+)\/(.+)$/, true, json((req, r, m) => createSignedUrl(req, r, m[1], m[2]))],
    [
      ['GET', 'HEAD'],
      /^\/(?:object|render\/image)\/sign\/([^/]+)\/(.+)$/,
      false,
      (req, res, r, m) => getSigned(req, res, r, dec(m[1]), dec(m[2])),
    ],

    [
      ['POST'],
      /^\/object\/upload\/sign\/([^/]+)\/(.+)$/,
      true,
      json((req, r, m) => createSignedUploadUrl(req, r, dec(m[1]), dec(m[2]))),
    ],
    [
      ['PUT'],
      /^\/object\/upload\/sign\/([^/]+)\/(.+)$/,
      false,
      (req, res, r, m) => uploadSigned(req, res, r, dec(m[1]), dec(m[2])),
    ],

    [
      ['GET'],
      /^\/object\/info\/public\/([^/]+)\/(.+)$/,
      false,
      json((req, _r, m) => objectInfo(req, dec(m[1]), dec(m[2]), true)),
    ],
    [
      ['GET'],
      /^\/object\/info\/(?:authenticated\/)?([^/]+)\/(.+)$/,
      true,
      json((req, _r, m) => objectInfo(req, dec(m[1]), dec(m[2]), false)),
    ],

    [
      ['GET', 'HEAD'],
      /^\/(?:object|render\/image)\/public\/([^/]+)\/(.+)$/,
      false,
      (req, res, r, m) => getPublic(req, res, r, dec(m[1]), dec(m[2])),
    ],
    [
      ['GET', 'HEAD'],
      /^\/(?:object|render\/image)\/authenticated\/([^/]+)\/(.+)$/,
      true,
      (req, res, r, m) => getAuthenticated(req, res, r, dec(m[1]), dec(m[2])),
    ],

    [['DELETE'], /^\/object\/([^/]+)\/?$/, true, json((req, r, m) => deleteObjects(req, r, dec(m[1])))],
    [['POST'], /^\/object\/([^/]+)\/(.+)$/, true, (req, res, _r, m) => upload(req, res, dec(m[1]), dec(m[2]), 'create')],
    [['PUT'], /^\/object\/([^/]+)\/(.+)$/, true, (req, res, _r, m) => upload(req, res, dec(m[1]), dec(m[2]), 'update')],
    [['GET', 'HEAD'], /^\/object\/([^/]+)\/(.+)$/, true, (req, res, r, m) => getAuthenticated(req, res, r, dec(m[1]), dec(m[2]))],
    [['DELETE'], /^\/object\/([^/]+)\/(.+)$/, true, json((req, _r, m) => deleteObject(req, dec(m[1]), dec(m[2])))],
  ]

  async function handle(req, res, r) {
    // The raw path (r.path comes from WHATWG URL parsing, which resolves "." / ".." segments).
    const rawUrl = req.url.startsWith(PREFIX) ? req.url.slice(PREFIX.length) : r.path
    const rawPath = rawUrl.split('?')[0] || '/'
    for (const [methods, re, needKey, fn] of routes) {
      const m = re.exec(rawPath)
      if (!m) continue
      if (!methods.includes(req.method)) continue
      if (needKey) {
        const denied = checkApiKey(req, r.params)
        if (denied) {
          await drain(req)
          return send(res, 401, denied)
        }
      }
      try {
        return await fn(req, res, r, m)
      } catch (e) {
        if (e instanceof StorageError) {
          if (res.headersSent) return res.destroy()
          return sendError(res, e)
        }
        if (e && e.tooLarge) {
          return sendError(res, new StorageError(413, 'EntityTooLarge', 'Payload too large', 'Request body is too large'))
        }
        throw e
      }
    }
    await drain(req)
    // src/http/not-found-handler.ts (a path with another method is not found either); behind Kong the server
    // sees the URL without /storage/v1.
    return send(res, 404, {
      statusCode: '404',
      error: 'Not Found',
      message: `Route ${req.method}:${rawUrl} not found`,
      code: 'InvalidRequest',
    })
  }

  return {
    services: [{ prefix: PREFIX, apikey: false, handle }],
    api,
    start() {
      api.url = `${ctx.baseUrl()}${PREFIX}`
    },
    stop() {
      removeDir(dir)
    },
  }
}

module.exports = { create }
