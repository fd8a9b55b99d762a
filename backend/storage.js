'use strict'
// /storage/v1: a local emulation of Supabase's storage-api (what storage-js 2.5.4 and the old SDK
// supabase-wechat-stable-v2 talk to). Metadata in PostgreSQL (storage.buckets / storage.objects,
// backend/sql/30-storage.sql), contents on disk: one file per object id under a temp dir made in
// create() and removed in stop() (api.dir). The dir lives inside the cluster's temp dir (ctx.cluster.dir), so the
// cluster's stop() and its detached watchdog (which covers SIGKILL) remove it too.
//
// Who may do what (decided from the request's `Authorization: Bearer <jwt>`, verified with the backend's
// JWT secret on its virtual clock; `service_role` bypasses every rule, like BYPASSRLS):
//   - "user" = a token with role `authenticated` and a uuid `sub`; "anon" = anything else (anon key).
//   - Buckets: any valid token may list / get them. Any user may create one (its `owner` = sub);
//     only its owner may update, empty or delete it (service_role-created buckets: service_role only).
//   - Reading objects (download, list, sign, copy source): objects of public buckets by anyone (the
//     public URL needs no token and no apikey at all); objects of private buckets by any user. What a
//     caller may not read is reported as not there ("Object not found"; list returns []), like RLS.
//   - Writing: anon may not upload (403 "new row violates row-level security policy"). An object's
//     `owner` is its uploader's sub; only the owner may overwrite it (x-upsert / PUT), move it or
//     delete it (403). A batch delete that would touch an object of someone else deletes nothing
//     and fails with 403 (storage-api would silently skip it; pinned here so mistakes are visible).
//   - Signed URLs (GET /object/sign/...?token=) and signed upload URLs (PUT /object/upload/sign/...
//     ?token=) carry their own authorization (an HS256 JWT with the backend's secret); a signed upload
//     URL works once and uploads as the user who created it.
// apikey (Kong key-auth): required on every route except the public / signed object GETs and HEADs
// and the signed upload PUT, same check and bodies as the dispatcher's (401 {"message": ...}): only the
// configured anon and service_role keys (ctx.apiKeys), compared exactly; any other JWT is "Invalid API key".
//
// Errors use storage-api's body {"statusCode":"<code>","error":"<name>","message":"..."} and, like
// storage-api (its error handler maps every non-500 StorageBackendError to 400), HTTP 400 unless the
// code is 500: e.g. 400 {"statusCode":"404","error":"not_found","message":"Object not found"},
// 400 {"statusCode":"409","error":"Duplicate","message":"The resource already exists"},
// 400 {"statusCode":"403","error":"Unauthorized","message":"jwt expired"}.
// Object names are the percent-decoded URL path after the bucket; any UTF-8 is kept.
const fs = require('node:fs')
const fsp = require('node:fs/promises')
const os = require('node:os')
const path = require('node:path')
const crypto = require('node:crypto')
const { Transform } = require('node:stream')
const { pipeline } = require('node:stream/promises')
const busboy = require('busboy')
const { CORS_HEADERS, send } = require('./http-util')
const { withTx } = require('./db')

const PREFIX = '/storage/v1'
const GLOBAL_FILE_SIZE_LIMIT = 50 * 1024 * 1024 // storage-api's FILE_SIZE_LIMIT default (50 MB)
const SIGNED_UPLOAD_EXPIRES_S = 2 * 60 * 60 // storage-api: signed upload URLs live 2 h
const JSON_LIMIT = 1 << 20
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const BUCKET_NAME_RE = /^(\w|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)+$/
const MIME_RE = /^[a-z0-9!#$&^_.+-]+\/([a-z0-9!#$&^_.+-]+|\*)$/i
const SORT_COLUMNS = ['name', 'updated_at', 'created_at', 'last_accessed_at']
const STORAGE_EXPOSE = `${CORS_HEADERS['access-control-expose-headers']},content-disposition,content-length,etag,last-modified,accept-ranges`

// ---------- errors ----------
class StorageError extends Error {
  constructor(statusCode, error, message) {
    super(message)
    this.statusCode = String(statusCode)
    this.error = error
  }
}
const E = {
  noSuchBucket: () => new StorageError(404, 'Bucket not found', 'Bucket not found'),
  noSuchKey: () => new StorageError(404, 'not_found', 'Object not found'),
  duplicate: () => new StorageError(409, 'Duplicate', 'The resource already exists'),
  rls: () => new StorageError(403, 'Unauthorized', 'new row violates row-level security policy'),
  accessDenied: (msg) => new StorageError(403, 'Unauthorized', msg || 'Access denied'),
  invalidJwt: (msg) => new StorageError(400, 'InvalidJWT', msg || 'Invalid JWT'),
  invalidSignature: (msg) => new StorageError(400, 'InvalidSignature', msg || 'Invalid signature'),
  tooLarge: () => new StorageError(413, 'Payload too large', 'The object exceeded the maximum allowed size'),
  mime: (m) => new StorageError(415, 'invalid_mime_type', `mime type ${m} is not supported`),
  notEmpty: () => new StorageError(409, 'Bucket not empty', 'The bucket you tried to delete is not empty'),
  bad: (msg, name) => new StorageError(400, name || 'Bad Request', msg),
  invalidKey: (key) => new StorageError(400, 'InvalidKey', `Invalid key: ${key}`),
  invalidBucketName: () => new StorageError(400, 'Invalid Input', 'Bucket name invalid'),
}

function sendError(res, e) {
  const status = e.statusCode === '500' ? 500 : 400
  return send(res, status, { statusCode: e.statusCode, error: e.error, message: e.message })
}

// jsonwebtoken's messages (what storage-api puts in its errors) for our jwt module's failures.
function jwtMessage(e) {
  if (e && e.reason === 'expired') return 'jwt expired'
  if (e && e.reason === 'signature') return 'invalid signature'
  return 'jwt malformed'
}

// ---------- small helpers ----------
const iso = (d) => (d == null ? null : new Date(d).toISOString())

function bucketJson(b) {
  return {
    id: b.id,
    name: b.name,
    owner: b.owner || null,
    public: b.public,
    file_size_limit: b.file_size_limit == null ? null : Number(b.file_size_limit),
    allowed_mime_types: b.allowed_mime_types || null,
    created_at: iso(b.created_at),
    updated_at: iso(b.updated_at),
  }
}

function objectJson(o) {
  return {
    bucket_id: o.bucket_id,
    name: o.name,
    owner: o.owner || null,
    id: o.id,
    updated_at: iso(o.updated_at),
    created_at: iso(o.created_at),
    last_accessed_at: iso(o.last_accessed_at),
    metadata: o.metadata,
  }
}

function decodeSegment(s) {
  try {
    return decodeURIComponent(s)
  } catch (_) {
    throw E.invalidKey(s)
  }
}

function objectName(raw) {
  const name = decodeSegment(raw)
  if (!name || name.length > 1024 || name.includes('\0')) throw E.invalidKey(name)
  return name
}

// "20MB" / "30KB" / "3B" / 1024 -> bytes; null/undefined stay.
function parseFileSizeLimit(v) {
  if (v === undefined || v === null) return v
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v)
  const m = typeof v === 'string' && /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(v)
  if (!m) throw new StorageError(400, 'InvalidRequest', 'Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B')
  const mult = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 }[(m[2] || 'b').toLowerCase()]
  return Math.floor(Number(m[1]) * mult)
}

function parseMimeTypes(v) {
  if (v === undefined || v === null) return v
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !MIME_RE.test(x.trim()))) {
    throw new StorageError(400, 'InvalidRequest', 'Invalid mime type format')
  }
  return v.length ? v.map((x) => x.trim()) : null
}

function mimeAllowed(allowed, mime) {
  if (!allowed || !allowed.length) return true
  const full = String(mime || '')
    .toLowerCase()
    .trim()
  const base = full.split(';')[0].trim()
  return allowed.some((a) => {
    a = a.toLowerCase()
    if (a === '*' || a === '*/*') return true
    if (a.endsWith('/*')) return base.startsWith(a.slice(0, -1))
    return a === base || a === full
  })
}

// cacheControl form field "3600" or header "max-age=3600" -> "max-age=3600".
function normalizeCacheControl(v) {
  if (v === undefined || v === null) return null
  const s = String(v).trim()
  if (!s) return null
  return /^\d+$/.test(s) ? `max-age=${s}` : s
}

function drain(req) {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve()
    req.on('end', resolve)
    req.on('close', resolve)
    req.on('error', resolve)
    req.resume()
  })
}

// Counts and hashes what passes; past `limit` bytes it swallows the rest (so the client can finish).
function meter(limit) {
  const hash = crypto.createHash('md5')
  let size = 0
  let over = false
  const t = new Transform({
    transform(chunk, _enc, cb) {
      size += chunk.length
      if (size > limit) over = true
      if (over) return cb()
      hash.update(chunk)
      return cb(null, chunk)
    },
  })
  t.result = () => ({ size, over, md5: hash.digest('hex') })
  return t
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
  const usedUploadTokens = new Set()
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

  // ---- auth ----
  const apiKeys = ctx.apiKeys || [ctx.anonKey, ctx.serviceRoleKey].filter(Boolean)
  function checkApiKey(req, params) {
    const key = req.headers.apikey !== undefined ? req.headers.apikey : params.apikey
    if (key === undefined || key === '') return { message: 'No API key found in request' }
    if (!apiKeys.includes(String(key))) return { message: 'Invalid API key' }
    return null
  }

  function authenticate(req) {
    const h = String(req.headers.authorization || '')
    const token = h.replace(/^Bearer\s+/i, '').trim()
    if (!token) throw E.accessDenied('jwt must be provided')
    let claims
    try {
      claims = ctx.jwt.verify(token, secret, nowSec())
    } catch (e) {
      throw E.accessDenied(jwtMessage(e))
    }
    const role = typeof claims.role === 'string' ? claims.role : 'anon'
    const sub = typeof claims.sub === 'string' && UUID_RE.test(claims.sub) ? claims.sub.toLowerCase() : null
    return { role, sub, service: role === 'service_role', user: role === 'authenticated' && !!sub }
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

  // The bucket `id` when `auth` may change it (service role, or the bucket's owner); else the RLS error.
  async function ownedBucket(auth, id) {
    const b = await getBucket(pool, id)
    if (!ownsBucket(auth, b)) throw E.rls()
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

  // ---- upload bodies ----
  // Streams the request body (raw, or the first file part of a multipart form) into a temp file.
  // Returns { tmp, size, md5, mimetype, cacheControl }; throws StorageError (body fully consumed).
  async function receiveBody(req, bucket) {
    const own = bucket.file_size_limit == null || Number(bucket.file_size_limit) <= 0 ? Infinity : Number(bucket.file_size_limit)
    const limit = Math.min(globalLimit(), own)
    const ctype = String(req.headers['content-type'] || '')
    const headerCache = normalizeCacheControl(req.headers['cache-control'])
    const tmp = tmpPath()
    try {
      if (/^multipart\/form-data/i.test(ctype)) return await receiveMultipart(req, bucket, limit, tmp, headerCache)
      const mimetype = ctype.trim() || 'application/octet-stream'
      if (!mimeAllowed(bucket.allowed_mime_types, mimetype)) {
        await drain(req)
        throw E.mime(mimetype)
      }
      const m = meter(limit)
      await pipeline(req, m, fs.createWriteStream(tmp))
      const { size, over, md5 } = m.result()
      if (over) throw E.tooLarge()
      return { tmp, size, md5, mimetype, cacheControl: headerCache || 'no-cache' }
    } catch (e) {
      await unlinkQuiet(tmp)
      throw e
    }
  }

  function receiveMultipart(req, bucket, limit, tmp, headerCache) {
    return new Promise((resolve, reject) => {
      let bb
      try {
        bb = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fields: 50, fieldSize: 1 << 16 } })
      } catch (e) {
        drain(req).then(() => reject(E.bad(`Invalid multipart body: ${e.message}`)))
        return
      }
      const fields = {}
      let fileDone = null // Promise of the file part's result
      let failure = null
      bb.on('field', (name, value) => {
        fields[name] = value
      })
      bb.on('file', (_name, stream, info) => {
        if (fileDone || failure) {
          stream.resume()
          return
        }
        // storage-api: a `contentType` field (sent before the file) beats the part's own type.
        const mimetype = fields.contentType || info.mimeType || 'application/octet-stream'
        if (!mimeAllowed(bucket.allowed_mime_types, mimetype)) {
          failure = E.mime(mimetype)
          stream.resume()
          return
        }
        const m = meter(limit)
        fileDone = pipeline(stream, m, fs.createWriteStream(tmp)).then(() => ({ mimetype, ...m.result() }))
        fileDone.catch(() => {})
      })
      let finished = false
      const finish = async (err) => {
        if (finished) return
        finished = true
        try {
          if (err) throw E.bad(`Invalid multipart body: ${err.message}`)
          if (failure) throw failure
          if (!fileDone) throw E.bad('No content provided', 'InvalidRequest')
          const f = await fileDone
          if (f.over) throw E.tooLarge()
          const cacheControl = normalizeCacheControl(fields.cacheControl) || headerCache || 'no-cache'
          resolve({ tmp, size: f.size, md5: f.md5, mimetype: f.mimetype, cacheControl })
        } catch (e) {
          await drain(req)
          reject(e)
        }
      }
      bb.on('close', () => finish(null))
      bb.on('error', (e) => {
        req.unpipe(bb)
        finish(e)
      })
      req.on('error', (e) => finish(e))
      req.pipe(bb)
    })
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

  // Writes the received file as bucket/name. mode 'create' (POST; overwrite only with upsert) or
  // 'update' (PUT; the object must exist). Returns the row.
  async function storeObject({ bucket, name, auth, upsert, mode, file }) {
    let renamed = false
    try {
      return await withTx(pool, async (db) => {
        const t = nowDate()
        const meta = metadataFor(file, t)
        const ex = await findObject(db, bucket.id, name, true)
        let row
        if (mode === 'update') {
          if (!ex || !canRead(auth, bucket)) throw E.noSuchKey()
          if (!owns(auth, ex)) throw E.rls()
        } else if (ex) {
          if (!upsert) throw E.duplicate()
          if (!owns(auth, ex)) throw E.rls()
        }
        if (ex) {
          row = (
            await db.query(
              `update storage.objects set metadata = $2, updated_at = $3, last_accessed_at = $3,
               owner = coalesce($4, owner), version = $5 where id = $1 returning *`,
              [ex.id, meta, t, auth.sub, crypto.randomUUID()],
            )
          ).rows[0]
        } else {
          row = (
            await db.query(
              `insert into storage.objects (bucket_id, name, owner, metadata, created_at, updated_at, last_accessed_at, version)
             values ($1, $2, $3, $4, $5, $5, $5, $6) returning *`,
              [bucket.id, name, auth.sub, meta, t, crypto.randomUUID()],
            )
          ).rows[0]
        }
        await fsp.rename(file.tmp, filePath(row.id))
        renamed = true
        return row
      })
    } catch (e) {
      if (e && e.code === '23505') throw E.duplicate()
      throw e
    } finally {
      if (!renamed) await unlinkQuiet(file.tmp)
    }
  }

  // Checks done before reading an upload body (fail fast; storage-api's canUpload).
  async function precheckUpload(auth, bucket, name, upsert, mode) {
    if (!canInsert(auth)) throw E.rls()
    const ex = await findObject(pool, bucket.id, name, false)
    if (mode === 'update') {
      if (!ex) throw E.noSuchKey()
      if (!owns(auth, ex)) throw E.rls()
    } else if (ex) {
      if (!upsert) throw E.duplicate()
      if (!owns(auth, ex)) throw E.rls()
    }
  }

  async function upload(req, res, bucketId, name, mode) {
    let auth
    let bucket
    const upsert = mode === 'create' && String(req.headers['x-upsert'] || '').toLowerCase() === 'true'
    try {
      auth = authenticate(req)
      bucket = await getBucket(pool, bucketId)
      await precheckUpload(auth, bucket, name, upsert, mode)
    } catch (e) {
      await drain(req)
      throw e
    }
    const file = await receiveBody(req, bucket)
    const row = await storeObject({ bucket, name, auth, upsert, mode, file })
    return send(res, 200, { Key: `${bucket.id}/${name}`, Id: row.id })
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
    if (Object.hasOwn(r.params, 'download')) {
      const fname = r.params.download || name.split('/').pop()
      const enc = encodeURIComponent(fname)
      headers['content-disposition'] = `attachment; filename=${enc}; filename*=UTF-8''${enc};`
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

  async function readableObject(auth, bucketId, name) {
    const bucket = await getBucket(pool, bucketId)
    const row = await findObject(pool, bucketId, name, false)
    if (!row || !canRead(auth, bucket)) throw E.noSuchKey()
    return { bucket, row }
  }

  async function getAuthenticated(req, res, r, bucketId, name) {
    const auth = authenticate(req)
    await readableObject(auth, bucketId, name)
    return serveObject(req, res, r, bucketId, name)
  }

  // GET /object/info/[authenticated/|public/]<bucket>/<name>: storage-api's InfoRenderer body.
  async function objectInfo(req, bucketId, name, publicRoute) {
    let row
    if (publicRoute) {
      const b = (await pool.query('select * from storage.buckets where id = $1', [bucketId])).rows[0]
      if (!b || !b.public) throw E.noSuchBucket()
      row = await findObject(pool, bucketId, name, false)
      if (!row) throw E.noSuchKey()
    } else {
      row = (await readableObject(authenticate(req), bucketId, name)).row
    }
    const meta = row.metadata || {}
    return {
      id: row.id,
      name: row.name,
      version: row.version || null,
      bucket_id: row.bucket_id,
      size: meta.size ?? null,
      content_type: meta.mimetype ?? null,
      cache_control: meta.cacheControl ?? null,
      etag: meta.eTag ?? null,
      metadata: row.user_metadata ?? null,
      last_modified: iso(row.updated_at),
      created_at: iso(row.created_at),
    }
  }

  async function getPublic(req, res, r, bucketId, name) {
    const b = (await pool.query('select * from storage.buckets where id = $1', [bucketId])).rows[0]
    if (!b || !b.public) throw E.noSuchBucket()
    return serveObject(req, res, r, bucketId, name)
  }

  function verifySigned(token, url) {
    if (!token) throw E.bad("querystring must have required property 'token'")
    let claims
    try {
      claims = ctx.jwt.verify(String(token), secret, nowSec())
    } catch (e) {
      throw E.invalidJwt(jwtMessage(e))
    }
    if (claims.url !== url) throw E.invalidSignature('The url do not match the signature')
    return claims
  }

  async function getSigned(req, res, r, bucketId, name) {
    const claims = verifySigned(r.params.token, `${bucketId}/${name}`)
    return serveObject(req, res, r, bucketId, name, {
      expires: claims.exp ? new Date(claims.exp * 1000).toUTCString() : undefined,
    })
  }

  // ---- signing ----
  function expiresInOf(body) {
    const v = body.expiresIn
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 1) throw E.bad('body/expiresIn must be >= 1')
    return Math.floor(n)
  }

  function signUrl(bucketId, name, expiresIn) {
    const iat = nowSec()
    const token = ctx.jwt.sign({ url: `${bucketId}/${name}`, iat, exp: iat + expiresIn }, secret)
    return `/object/sign/${bucketId}/${name}?token=${token}`
  }

  async function createSignedUrl(req, r, bucketId, name) {
    const auth = authenticate(req)
    const body = await readJson(r)
    const expiresIn = expiresInOf(body)
    await readableObject(auth, bucketId, name)
    return { signedURL: signUrl(bucketId, name, expiresIn) }
  }

  async function createSignedUrls(req, r, bucketId) {
    const auth = authenticate(req)
    const body = await readJson(r)
    const expiresIn = expiresInOf(body)
    if (!Array.isArray(body.paths) || !body.paths.length || body.paths.some((p) => typeof p !== 'string')) {
      throw E.bad('body/paths must be a non-empty array of strings')
    }
    const bucket = await getBucket(pool, bucketId)
    const { rows } = await pool.query('select name from storage.objects where bucket_id = $1 and name = any($2)', [
      bucketId,
      body.paths,
    ])
    const have = new Set(canRead(auth, bucket) ? rows.map((x) => x.name) : [])
    return body.paths.map((p) =>
      have.has(p)
        ? { error: null, path: p, signedURL: signUrl(bucketId, p, expiresIn) }
        : { error: 'Either the object does not exist or you do not have access to it', path: p, signedURL: null },
    )
  }

  async function createSignedUploadUrl(req, r, bucketId, name) {
    const auth = authenticate(req)
    await readJson(r)
    const upsert = String(req.headers['x-upsert'] || '').toLowerCase() === 'true'
    const bucket = await getBucket(pool, bucketId)
    await precheckUpload(auth, bucket, name, upsert, 'create')
    const iat = nowSec()
    const claims = { url: `${bucketId}/${name}`, upsert, iat, exp: iat + SIGNED_UPLOAD_EXPIRES_S, jti: crypto.randomUUID() }
    if (auth.sub) claims.owner = auth.sub
    if (auth.service) claims.role = 'service_role'
    const token = ctx.jwt.sign(claims, secret)
    return { url: `/object/upload/sign/${bucketId}/${name}?token=${token}`, token }
  }

  async function uploadSigned(req, res, r, bucketId, name) {
    let claims
    let bucket
    let auth
    try {
      claims = verifySigned(r.params.token, `${bucketId}/${name}`)
      if (!claims.jti || usedUploadTokens.has(claims.jti)) throw E.invalidJwt('The signed upload URL has already been used')
      auth =
        claims.role === 'service_role'
          ? { role: 'service_role', sub: claims.owner || null, service: true, user: false }
          : { role: 'authenticated', sub: claims.owner || null, service: false, user: !!claims.owner }
      bucket = await getBucket(pool, bucketId)
      await precheckUpload(auth, bucket, name, !!claims.upsert, 'create')
    } catch (e) {
      await drain(req)
      throw e
    }
    usedUploadTokens.add(claims.jti) // reserved now, released if the upload fails
    try {
      const file = await receiveBody(req, bucket)
      const row = await storeObject({ bucket, name, auth, upsert: !!claims.upsert, mode: 'create', file })
      return send(res, 200, { Key: `${bucket.id}/${name}`, Id: row.id })
    } catch (e) {
      usedUploadTokens.delete(claims.jti)
      throw e
    }
  }

  // ---- object management ----
  async function listObjects(req, r, bucketId) {
    const auth = authenticate(req)
    const body = await readJson(r)
    let prefix = body.prefix == null ? '' : String(body.prefix)
    prefix = prefix.replace(/^\/+/, '')
    if (prefix && !prefix.endsWith('/')) prefix += '/'
    const limit = body.limit == null ? 100 : Number(body.limit)
    const offset = body.offset == null ? 0 : Number(body.offset)
    if (!Number.isInteger(limit) || limit < 1) throw E.bad('body/limit must be >= 1')
    if (!Number.isInteger(offset) || offset < 0) throw E.bad('body/offset must be >= 0')
    const sortBy = body.sortBy && typeof body.sortBy === 'object' ? body.sortBy : {}
    const column = sortBy.column == null ? 'name' : String(sortBy.column)
    const order = sortBy.order == null ? 'asc' : String(sortBy.order).toLowerCase()
    if (!SORT_COLUMNS.includes(column)) throw E.bad(`body/sortBy/column must be equal to one of the allowed values`)
    if (order !== 'asc' && order !== 'desc') throw E.bad(`body/sortBy/order must be equal to one of the allowed values`)
    const search = body.search == null ? '' : String(body.search)
    const bucket = await getBucket(pool, bucketId)
    if (!canRead(auth, bucket)) return []
    const levels = prefix ? prefix.split('/').length : 1
    const { rows } = await pool.query('select * from storage.search($1, $2, $3, $4, $5, $6, $7, $8)', [
      prefix,
      bucketId,
      limit,
      levels,
      offset,
      search,
      column,
      order,
    ])
    return rows.map((x) => ({
      name: x.name,
      id: x.id,
      updated_at: iso(x.updated_at),
      created_at: iso(x.created_at),
      last_accessed_at: iso(x.last_accessed_at),
      metadata: x.metadata,
    }))
  }

  async function deleteObjects(req, r, bucketId) {
    const auth = authenticate(req)
    const body = await readJson(r)
    const prefixes = body.prefixes
    if (!Array.isArray(prefixes) || !prefixes.length || prefixes.some((p) => typeof p !== 'string')) {
      throw E.bad('body/prefixes must NOT have fewer than 1 items')
    }
    const bucket = await getBucket(pool, bucketId)
    const rows = await withTx(pool, async (db) => {
      const found = (
        await db.query('select * from storage.objects where bucket_id = $1 and name = any($2) order by name for update', [
          bucketId,
          prefixes,
        ])
      ).rows
      const visible = canRead(auth, bucket) ? found : []
      if (visible.some((o) => !owns(auth, o))) throw E.rls()
      if (!visible.length) return []
      await db.query('delete from storage.objects where id = any($1)', [visible.map((o) => o.id)])
      return visible
    })
    await Promise.all(rows.map((o) => unlinkQuiet(filePath(o.id))))
    return rows.map(objectJson)
  }

  async function deleteObject(req, bucketId, name) {
    const auth = authenticate(req)
    const bucket = await getBucket(pool, bucketId)
    const row = await withTx(pool, async (db) => {
      const o = await findObject(db, bucketId, name, true)
      if (!o || !canRead(auth, bucket)) throw E.noSuchKey()
      if (!owns(auth, o)) throw E.rls()
      await db.query('delete from storage.objects where id = $1', [o.id])
      return o
    })
    await unlinkQuiet(filePath(row.id))
    return { message: 'Successfully deleted' }
  }

  function moveArgs(body) {
    const { bucketId, sourceKey, destinationKey } = body
    for (const [k, v] of Object.entries({ bucketId, sourceKey, destinationKey })) {
      if (typeof v !== 'string' || !v) throw E.bad(`body must have required property '${k}'`)
    }
    const destBucket = typeof body.destinationBucket === 'string' && body.destinationBucket ? body.destinationBucket : bucketId
    return { bucketId, sourceKey, destinationKey, destBucket }
  }

  async function moveObject(req, r) {
    const auth = authenticate(req)
    const a = moveArgs(await readJson(r))
    const bucket = await getBucket(pool, a.bucketId)
    const dest = a.destBucket === a.bucketId ? bucket : await getBucket(pool, a.destBucket)
    await withTx(pool, async (db) => {
      const src = await findObject(db, a.bucketId, a.sourceKey, true)
      if (!src || !canRead(auth, bucket)) throw E.noSuchKey()
      if (!owns(auth, src) || !canInsert(auth)) throw E.rls()
      if (a.destBucket === a.bucketId && a.destinationKey === a.sourceKey) return
      if (await findObject(db, dest.id, a.destinationKey, true)) throw E.duplicate()
      await db.query('update storage.objects set bucket_id = $2, name = $3, updated_at = $4 where id = $1', [
        src.id,
        dest.id,
        a.destinationKey,
        nowDate(),
      ])
    }).catch((e) => {
      throw e && e.code === '23505' ? E.duplicate() : e
    })
    return { message: 'Successfully moved' }
  }

  async function copyObject(req, r) {
    const auth = authenticate(req)
    const a = moveArgs(await readJson(r))
    const upsert = String(req.headers['x-upsert'] || '').toLowerCase() === 'true'
    const bucket = await getBucket(pool, a.bucketId)
    const dest = a.destBucket === a.bucketId ? bucket : await getBucket(pool, a.destBucket)
    const src = await findObject(pool, a.bucketId, a.sourceKey, false)
    if (!src || !canRead(auth, bucket)) throw E.noSuchKey()
    if (!canInsert(auth)) throw E.rls()
    const tmp = tmpPath()
    let renamed = false
    try {
      await fsp.copyFile(filePath(src.id), tmp)
      const row = await withTx(pool, async (db) => {
        const t = nowDate()
        const meta = { ...(src.metadata || {}), lastModified: t.toISOString() }
        const ex = await findObject(db, dest.id, a.destinationKey, true)
        let out
        if (ex) {
          if (!upsert) throw E.duplicate()
          if (!owns(auth, ex)) throw E.rls()
          out = (
            await db.query(
              `update storage.objects set metadata = $2, updated_at = $3, last_accessed_at = $3, owner = coalesce($4, owner)
             where id = $1 returning *`,
              [ex.id, meta, t, auth.sub],
            )
          ).rows[0]
        } else {
          out = (
            await db.query(
              `insert into storage.objects (bucket_id, name, owner, metadata, created_at, updated_at, last_accessed_at, version)
             values ($1, $2, $3, $4, $5, $5, $5, $6) returning *`,
              [dest.id, a.destinationKey, auth.sub, meta, t, crypto.randomUUID()],
            )
          ).rows[0]
        }
        await fsp.rename(tmp, filePath(out.id))
        renamed = true
        return out
      })
      return { Key: `${dest.id}/${a.destinationKey}`, Id: row.id }
    } catch (e) {
      if (e && e.code === '23505') throw E.duplicate()
      throw e
    } finally {
      if (!renamed) await unlinkQuiet(tmp)
    }
  }

  // ---- buckets ----
  async function listBuckets(req) {
    authenticate(req)
    const { rows } = await pool.query('select * from storage.buckets order by name collate "C"')
    return rows.map(bucketJson)
  }

  async function getBucketRoute(req, id) {
    authenticate(req)
    return bucketJson(await getBucket(pool, id))
  }

  async function createBucket(req, r) {
    const auth = authenticate(req)
    const body = await readJson(r)
    if (typeof body.name !== 'string' && typeof body.id !== 'string') throw E.bad("body must have required property 'name'")
    const name = typeof body.name === 'string' ? body.name : body.id
    const id = typeof body.id === 'string' && body.id ? body.id : name
    if (!name || name.length > 100 || !BUCKET_NAME_RE.test(name) || !BUCKET_NAME_RE.test(id) || id.length > 100) {
      throw E.invalidBucketName()
    }
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
      if (e && e.code === '23505') throw E.duplicate()
      throw e
    }
    return { name }
  }

  async function updateBucket(req, r, id) {
    const auth = authenticate(req)
    const body = await readJson(r)
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

  async function emptyBucket(req, r, id) {
    const auth = authenticate(req)
    await readJson(r)
    await ownedBucket(auth, id)
    const { rows } = await pool.query('delete from storage.objects where bucket_id = $1 returning id', [id])
    await Promise.all(rows.map((o) => unlinkQuiet(filePath(o.id))))
    return { message: 'Successfully emptied' }
  }

  async function deleteBucket(req, r, id) {
    const auth = authenticate(req)
    await readJson(r)
    await ownedBucket(auth, id)
    await withTx(pool, async (db) => {
      await db.query('select 1 from storage.buckets where id = $1 for update', [id])
      const n = (await db.query('select count(*)::int as n from storage.objects where bucket_id = $1', [id])).rows[0].n
      if (n > 0) throw E.notEmpty()
      await db.query('delete from storage.buckets where id = $1', [id])
    })
    return { message: 'Successfully deleted' }
  }

  // ---- routing ----
  // [method(s), regex on the raw path after /storage/v1, needs apikey, handler(req, res, r, m) -> body | undefined]
  const json = (fn) => async (req, res, r, m) => send(res, 200, await fn(req, r, m))
  const dec = decodeSegment
  // storage-js' listV2 (supabase/storage src/http/routes/object/listObjectsV2.ts): ./storage-list-v2.js.
  const listObjectsV2 = require('./storage-list-v2').make({ pool, authenticate, readJson, getBucket, canRead, E, iso })
  const routes = [
    [['GET'], /^\/bucket\/?$/, true, json((req) => listBuckets(req))],
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
    [
      ['POST'],
      /^\/object\/sign\/([^/]+)\/(.+)$/,
      true,
      json((req, r, m) => createSignedUrl(req, r, dec(m[1]), objectName(m[2]))),
    ],
    [
      ['GET', 'HEAD'],
      /^\/(?:object|render\/image)\/sign\/([^/]+)\/(.+)$/,
      false,
      (req, res, r, m) => getSigned(req, res, r, dec(m[1]), objectName(m[2])),
    ],

    [
      ['POST'],
      /^\/object\/upload\/sign\/([^/]+)\/(.+)$/,
      true,
      json((req, r, m) => createSignedUploadUrl(req, r, dec(m[1]), objectName(m[2]))),
    ],
    [
      ['PUT'],
      /^\/object\/upload\/sign\/([^/]+)\/(.+)$/,
      false,
      (req, res, r, m) => uploadSigned(req, res, r, dec(m[1]), objectName(m[2])),
    ],

    [
      ['GET'],
      /^\/object\/info\/public\/([^/]+)\/(.+)$/,
      false,
      json((req, _r, m) => objectInfo(req, dec(m[1]), objectName(m[2]), true)),
    ],
    [
      ['GET'],
      /^\/object\/info\/(?:authenticated\/)?([^/]+)\/(.+)$/,
      true,
      json((req, _r, m) => objectInfo(req, dec(m[1]), objectName(m[2]), false)),
    ],

    [
      ['GET', 'HEAD'],
      /^\/(?:object|render\/image)\/public\/([^/]+)\/(.+)$/,
      false,
      (req, res, r, m) => getPublic(req, res, r, dec(m[1]), objectName(m[2])),
    ],
    [
      ['GET', 'HEAD'],
      /^\/(?:object|render\/image)\/authenticated\/([^/]+)\/(.+)$/,
      true,
      (req, res, r, m) => getAuthenticated(req, res, r, dec(m[1]), objectName(m[2])),
    ],

    [['DELETE'], /^\/object\/([^/]+)\/?$/, true, json((req, r, m) => deleteObjects(req, r, dec(m[1])))],
    [['POST'], /^\/object\/([^/]+)\/(.+)$/, true, (req, res, _r, m) => upload(req, res, dec(m[1]), objectName(m[2]), 'create')],
    [['PUT'], /^\/object\/([^/]+)\/(.+)$/, true, (req, res, _r, m) => upload(req, res, dec(m[1]), objectName(m[2]), 'update')],
    [
      ['GET', 'HEAD'],
      /^\/object\/([^/]+)\/(.+)$/,
      true,
      (req, res, r, m) => getAuthenticated(req, res, r, dec(m[1]), objectName(m[2])),
    ],
    [['DELETE'], /^\/object\/([^/]+)\/(.+)$/, true, json((req, _r, m) => deleteObject(req, dec(m[1]), objectName(m[2])))],
  ]

  async function handle(req, res, r) {
    // The raw path (r.path comes from WHATWG URL parsing, which resolves "." / ".." segments).
    const rawUrl = req.url.startsWith(PREFIX) ? req.url.slice(PREFIX.length) : r.path
    const rawPath = rawUrl.split('?')[0] || '/'
    let pathMatched = false
    for (const [methods, re, needKey, fn] of routes) {
      const m = re.exec(rawPath)
      if (!m) continue
      pathMatched = true
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
        if (e && e.tooLarge) return sendError(res, E.bad('Request body is too large', 'Payload too large'))
        throw e
      }
    }
    await drain(req)
    if (pathMatched)
      return sendError(res, new StorageError(405, 'Method Not Allowed', `Route ${req.method}:${PREFIX}${rawPath} not found`))
    return send(res, 404, { statusCode: '404', error: 'Not Found', message: `Route ${req.method}:${PREFIX}${rawPath} not found` })
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
