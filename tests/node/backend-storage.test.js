'use strict'
// Tests for the local Storage API (backend/storage.js, /storage/v1): buckets, uploads (multipart as the
// old SDK builds it, and raw), byte-exact downloads, access rules, list, move/copy, signed URLs.
// The emulation follows supabase/storage 1.11.2 (commit 4fa61fba); source files named below are that
// commit's (git -C /work/.mirror/supabase+storage/repo show HEAD:<file>). The table test ('storage-api's
// answers, row by row') holds one row per behaviour with the file it comes from, to re-check when
// supabase/storage changes.
// Run: node --test tests/node/backend-storage.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))
const testHttp = require('./lib/http')

let be
let A // user A's session
let B // user B's session
let storageDir

before(async () => {
  be = await startBackend({ port: 0 })
  storageDir = be.storage.dir
  // inside the cluster's temp dir, so the cluster's stop and its watchdog (SIGKILL) remove it too
  assert.equal(path.dirname(storageDir), be.pg.tempDir)
  A = await loginAs('storage-user-a')
  B = await loginAs('storage-user-b')
})

after(async () => {
  if (be) await be.stop()
  assert.equal(fs.existsSync(storageDir), false, 'storage dir removed on stop')
})

// ---------- helpers ----------
// body: Buffer (sent as is), string, or a JSON value. token: bearer token (null = no Authorization).
async function request(method, urlPath, { headers = {}, body, token, apikey = true } = {}) {
  const u = new URL(urlPath, be.url)
  const h = {}
  if (apikey) h.apikey = be.anonKey
  if (token) h.authorization = `Bearer ${token}`
  let data
  if (Buffer.isBuffer(body)) data = body
  else if (typeof body === 'string') data = Buffer.from(body)
  else if (body !== undefined) {
    data = Buffer.from(JSON.stringify(body))
    h['content-type'] = 'application/json'
  }
  if (data !== undefined) h['content-length'] = data.length
  Object.assign(h, headers)
  const r = await testHttp.send(u, { method, headers: h, body: data })
  return { status: r.status, headers: r.headers, body: r.raw, json: r.json }
}

async function loginAs(openid) {
  const code = be.mintCode({ openid })
  const r = await request('GET', `/auth/v1/wechat_mini/login?code=${code}`)
  assert.equal(r.status, 200, r.body.toString())
  return { token: r.json.access_token, id: r.json.user.id }
}

const S = (p) => `/storage/v1${p}`
// Object path as it goes into a URL: every segment percent-encoded (spaces, CJK, #, ?).
const enc = (name) => name.split('/').map(encodeURIComponent).join('/')

function randomBytes(n) {
  const b = crypto.randomBytes(n)
  b[0] = 0x00
  b[1] = 0xff
  b[n - 1] = 0x00
  b[n - 2] = 0xff
  b.fill(0x00, 100, 200)
  b.fill(0xff, 200, 300)
  b[300] = 0x0d
  b[301] = 0x0a // CR LF inside the file, as a multipart parser trap
  return b
}

const md5 = (b) => crypto.createHash('md5').update(b).digest('hex')

// The old SDK's multipart body (supabase-wechat-stable-v2 storage-js/src/lib/formData.js): boundary
// wxmpFormBoundary + 17 alphanumerics, a junk name=value part, the file part (filename = the path),
// and the closing boundary without a trailing CRLF.
function oldSdkMultipart(fileName, bytes, mime) {
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let key = 'wxmpFormBoundary'
  for (let i = 0; i < 17; i++) key += alnum[crypto.randomInt(alnum.length)]
  const boundary = `--${key}`
  const body = Buffer.concat([
    Buffer.from(`${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nvalue\r\n`),
    Buffer.from(
      `${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${mime}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n${boundary}--`),
  ])
  return { body, contentType: `multipart/form-data; boundary=${key}` }
}

// Upload as the old SDK does: POST (or PUT) + multipart + x-upsert + cache-control header.
function oldSdkUpload(bucket, name, bytes, { token, mime = 'application/octet-stream', upsert = false, method = 'POST' } = {}) {
  const mp = oldSdkMultipart(name, bytes, mime)
  const headers = { 'content-type': mp.contentType, 'cache-control': 'max-age=3600' }
  if (method === 'POST') headers['x-upsert'] = String(upsert)
  return request(method, S(`/object/${bucket}/${enc(name)}`), { token, headers, body: mp.body })
}

function rawUpload(bucket, name, bytes, { token, mime = 'application/octet-stream', upsert, method = 'POST', cache } = {}) {
  const headers = { 'content-type': mime }
  if (upsert !== undefined) headers['x-upsert'] = String(upsert)
  if (cache) headers['cache-control'] = cache
  return request(method, S(`/object/${bucket}/${enc(name)}`), { token, headers, body: bytes })
}

// storage-api's error `code` for the backwards compatible `error` names that have one code only
// (src/internal/errors/codes.ts); 'Duplicate' has three (KeyAlreadyExists, BucketAlreadyExists,
// ResourceAlreadyExists): pass it.
const CODE_OF = {
  'Bucket not found': 'NoSuchBucket',
  not_found: 'NoSuchKey',
  Unauthorized: 'AccessDenied',
  'Invalid Input': 'InvalidBucketName',
  'Payload too large': 'EntityTooLarge',
  invalid_mime_type: 'InvalidMimeType',
}

// The body src/internal/errors/storage-error.ts render() + src/http/error-handler.ts send, HTTP 400 unless
// the code is 500 (or `status` says otherwise: enforceJwtRole's 403).
function assertStorageError(r, statusCode, error, message, code, status) {
  assert.equal(r.status, status || (statusCode === '500' ? 500 : 400), r.body.toString())
  assert.deepEqual(r.json, {
    statusCode,
    error,
    message: message !== undefined ? message : r.json.message,
    code: code || CODE_OF[error] || error,
  })
}

async function createBucket(token, id, opts = {}) {
  const r = await request('POST', S('/bucket'), {
    token,
    body: {
      id,
      name: id,
      public: !!opts.public,
      file_size_limit: opts.file_size_limit,
      allowed_mime_types: opts.allowed_mime_types,
    },
  })
  assert.equal(r.status, 200, r.body.toString())
  assert.deepEqual(r.json, { name: id })
}

// ---------- tests ----------
test('apikey gate, JWT errors', async () => {
  let r = await request('GET', S('/bucket'), { token: A.token, apikey: false })
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { message: 'No API key found in request' })
  r = await request('GET', S('/bucket'), { token: A.token, apikey: false, headers: { apikey: 'nope' } })
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { message: 'Invalid API key' })
  // only the configured anon / service_role keys: a user's access token (signed with the secret) is no API key
  r = await request('GET', S('/bucket'), { token: A.token, apikey: false, headers: { apikey: A.token } })
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { message: 'Invalid API key' })
  r = await request('GET', S(`/bucket?apikey=${A.token}`), { token: A.token, apikey: false })
  assert.deepEqual([r.status, r.json], [401, { message: 'Invalid API key' }])
  r = await request('GET', S('/bucket'), { token: A.token, apikey: false, headers: { apikey: be.serviceRoleKey } })
  assert.equal(r.status, 200)
  // src/http/schemas/auth.ts requires the header: fastify's validation error
  r = await request('GET', S('/bucket'))
  assertStorageError(r, '400', 'Error', "headers must have required property 'authorization'", 'InvalidRequest')
  // src/http/plugins/jwt.ts: jose's message as AccessDenied
  r = await request('GET', S('/bucket'), { token: 'a.b.c' })
  assertStorageError(r, '403', 'Unauthorized', 'JWS Protected Header is invalid')
  r = await request('GET', S('/bucket'), {
    token: be.signJwt({ role: 'authenticated', sub: A.id, exp: Math.floor(be.now() / 1000) - 5 }),
  })
  assertStorageError(r, '403', 'Unauthorized', '"exp" claim timestamp check failed')
  // src/http/not-found-handler.ts (the server behind Kong sees the path without /storage/v1)
  r = await request('GET', S('/nowhere'), { token: A.token })
  assert.equal(r.status, 404)
  assert.deepEqual(r.json, {
    statusCode: '404',
    error: 'Not Found',
    message: 'Route GET:/nowhere not found',
    code: 'InvalidRequest',
  })
})

test('bucket CRUD and rules', async () => {
  await createBucket(A.token, 'a-pub', { public: true })
  await createBucket(be.serviceRoleKey, 'svc-priv')
  let r = await request('POST', S('/bucket'), { token: A.token, body: { id: 'a-pub', name: 'a-pub', public: false } })
  assertStorageError(r, '409', 'Duplicate', 'The resource already exists', 'BucketAlreadyExists')
  r = await request('POST', S('/bucket'), { token: be.anonKey, body: { id: 'anon-b', name: 'anon-b' } })
  assertStorageError(r, '403', 'Unauthorized', 'new row violates row-level security policy')
  r = await request('POST', S('/bucket'), { token: A.token, body: { id: 'bad/name', name: 'bad/name' } })
  assertStorageError(r, '400', 'Invalid Input', 'Bucket name invalid')

  r = await request('GET', S('/bucket/a-pub'), { token: be.anonKey })
  assert.equal(r.status, 200)
  assert.deepEqual(Object.keys(r.json).sort(), [
    'allowed_mime_types',
    'created_at',
    'file_size_limit',
    'id',
    'name',
    'owner',
    'public',
    'updated_at',
  ])
  assert.equal(r.json.id, 'a-pub')
  assert.equal(r.json.owner, A.id)
  assert.equal(r.json.public, true)
  assert.equal(r.json.file_size_limit, null)
  r = await request('GET', S('/bucket/none'), { token: A.token })
  assertStorageError(r, '404', 'Bucket not found', 'Bucket not found')

  r = await request('GET', S('/bucket'), { token: B.token })
  assert.equal(r.status, 200)
  const ids = r.json.map((b) => b.id)
  assert.ok(ids.includes('a-pub') && ids.includes('svc-priv'))

  // update: owner yes, others no (RLS hides the row from the UPDATE: src/storage/database/pg.ts updateBucket
  // finds none, "Bucket not found"), service_role yes
  r = await request('PUT', S('/bucket/a-pub'), { token: B.token, body: { id: 'a-pub', name: 'a-pub', public: false } })
  assertStorageError(r, '404', 'Bucket not found', 'Bucket not found')
  r = await request('PUT', S('/bucket/svc-priv'), { token: A.token, body: { public: true } })
  assertStorageError(r, '404', 'Bucket not found', 'Bucket not found')
  r = await request('PUT', S('/bucket/a-pub'), {
    token: A.token,
    body: { id: 'a-pub', name: 'a-pub', public: true, file_size_limit: '2MB', allowed_mime_types: ['image/*', 'text/plain'] },
  })
  assert.equal(r.status, 200)
  assert.deepEqual(r.json, { message: 'Successfully updated' })
  r = await request('GET', S('/bucket/a-pub'), { token: A.token })
  assert.equal(r.json.file_size_limit, 2000000)
  assert.deepEqual(r.json.allowed_mime_types, ['image/*', 'text/plain'])
  r = await request('PUT', S('/bucket/a-pub'), {
    token: be.serviceRoleKey,
    body: { public: true, file_size_limit: null, allowed_mime_types: null },
  })
  assert.equal(r.status, 200)
  r = await request('GET', S('/bucket/a-pub'), { token: A.token })
  assert.equal(r.json.file_size_limit, null)
  assert.equal(r.json.allowed_mime_types, null)

  // empty / delete
  await createBucket(A.token, 'a-tmp')
  r = await rawUpload('a-tmp', 'x/one.bin', Buffer.from('one'), { token: A.token })
  assert.equal(r.status, 200, r.body.toString())
  // src/storage/storage.ts deleteBucket: "not empty" is checked first, for anyone (B too)
  for (const t of [A.token, B.token]) {
    r = await request('DELETE', S('/bucket/a-tmp'), { token: t, body: {} })
    assertStorageError(r, '409', 'ResourceNotEmpty', 'The bucket you tried to delete is not empty')
  }
  // src/http/routes/bucket/index.ts: emptyBucket is registered for the service role only (HTTP 403)
  for (const t of [A.token, B.token, be.anonKey]) {
    r = await request('POST', S('/bucket/a-tmp/empty'), { token: t, body: {} })
    assertStorageError(r, '403', 'Unauthorized', 'Access denied: Invalid role', 'AccessDenied', 403)
  }
  r = await request('POST', S('/bucket/a-tmp/empty'), { token: be.serviceRoleKey, body: {} })
  assert.equal(r.status, 200)
  // src/http/routes/bucket/emptyBucket.ts (the deletion is queued there; done at once here)
  assert.deepEqual(r.json, { message: 'Empty bucket has been queued. Completion may take up to an hour.' })
  // someone else's empty bucket: RLS hides it from the DELETE (storage.ts deleteBucket → NoSuchBucket)
  r = await request('DELETE', S('/bucket/a-tmp'), { token: B.token, body: {} })
  assertStorageError(r, '404', 'Bucket not found', 'Bucket not found')
  r = await request('DELETE', S('/bucket/a-tmp'), { token: A.token, body: {} })
  assert.equal(r.status, 200)
  assert.deepEqual(r.json, { message: 'Successfully deleted' })
  r = await request('GET', S('/bucket/a-tmp'), { token: A.token })
  assertStorageError(r, '404', 'Bucket not found', 'Bucket not found')
})

test('byte-exact binary round trips: old-SDK multipart and raw, public and private buckets', async () => {
  await createBucket(A.token, 'rt-pub', { public: true })
  await createBucket(A.token, 'rt-priv')
  const cases = [
    { bucket: 'rt-pub', name: 'photos/big.png', size: 3 * 1024 * 1024 - 7, mode: 'multipart', mime: 'image/png' },
    { bucket: 'rt-priv', name: 'docs/blob.bin', size: 1024 * 1024 + 3, mode: 'multipart', mime: 'application/octet-stream' },
    { bucket: 'rt-pub', name: 'raw/data.bin', size: 2 * 1024 * 1024 + 1, mode: 'raw', mime: 'application/x-custom' },
    { bucket: 'rt-priv', name: 'raw/pic.jpg', size: 1024 * 1024, mode: 'raw', mime: 'image/jpeg' },
  ]
  for (const c of cases) {
    const bytes = randomBytes(c.size)
    const r =
      c.mode === 'multipart'
        ? await oldSdkUpload(c.bucket, c.name, bytes, { token: A.token, mime: c.mime })
        : await rawUpload(c.bucket, c.name, bytes, { token: A.token, mime: c.mime, cache: 'max-age=60' })
    assert.equal(r.status, 200, r.body.toString())
    assert.equal(r.json.Key, `${c.bucket}/${c.name}`)
    assert.match(r.json.Id, /^[0-9a-f-]{36}$/)

    const urls = [S(`/object/${c.bucket}/${enc(c.name)}`), S(`/object/authenticated/${c.bucket}/${enc(c.name)}`)]
    for (const u of urls) {
      const d = await request('GET', u, { token: B.token })
      assert.equal(d.status, 200, d.body.toString())
      assert.equal(d.body.length, bytes.length)
      assert.ok(d.body.equals(bytes), `${c.name} byte-exact via ${u}`)
      assert.equal(d.headers['content-type'], c.mime)
      assert.equal(d.headers['content-length'], String(bytes.length))
      assert.equal(d.headers.etag, `"${md5(bytes)}"`)
      assert.equal(d.headers['cache-control'], c.mode === 'multipart' ? 'max-age=3600' : 'max-age=60')
    }
    const pub = await request('GET', S(`/object/public/${c.bucket}/${enc(c.name)}`), { apikey: false })
    if (c.bucket === 'rt-pub') {
      assert.equal(pub.status, 200)
      assert.ok(pub.body.equals(bytes))
    } else {
      // the public URL of a private bucket fails
      assertStorageError(pub, '404', 'Bucket not found', 'Bucket not found')
      // and anon cannot read the private object at all
      const anon = await request('GET', S(`/object/${c.bucket}/${enc(c.name)}`), { token: be.anonKey })
      assertStorageError(anon, '404', 'not_found', 'Object not found')
    }
    const head = await request('HEAD', urls[0], { token: A.token })
    assert.equal(head.status, 200)
    assert.equal(head.headers['content-length'], String(bytes.length))
    assert.equal(head.body.length, 0)
  }

  // metadata stored like Supabase's
  const { rows } = await be.db.query("select * from storage.objects where bucket_id = 'rt-pub' and name = 'photos/big.png'")
  assert.equal(rows[0].owner, A.id)
  assert.deepEqual(rows[0].path_tokens, ['photos', 'big.png'])
  const m = rows[0].metadata
  assert.equal(m.size, 3 * 1024 * 1024 - 7)
  assert.equal(m.contentLength, m.size)
  assert.equal(m.mimetype, 'image/png')
  assert.equal(m.cacheControl, 'max-age=3600')
  assert.equal(m.httpStatusCode, 200)
  assert.match(m.eTag, /^"[0-9a-f]{32}"$/)
  assert.ok(!Number.isNaN(Date.parse(m.lastModified)))

  // ?download and ranges
  // src/storage/renderer/renderer.ts handleDownload
  let d = await request('GET', S('/object/public/rt-pub/raw/data.bin?download'), { apikey: false })
  assert.equal(d.headers['content-disposition'], 'attachment;')
  d = await request('GET', S(`/object/public/rt-pub/raw/data.bin?download=${encodeURIComponent('报告 1.bin')}`), {
    apikey: false,
  })
  const e = encodeURIComponent('报告 1.bin')
  assert.equal(d.headers['content-disposition'], `attachment; filename=${e}; filename*=UTF-8''${e}`)
  d = await request('GET', S('/object/public/rt-pub/raw/data.bin'), { apikey: false, headers: { range: 'bytes=10-19' } })
  assert.equal(d.status, 206)
  assert.equal(d.body.length, 10)
  const full = await request('GET', S('/object/public/rt-pub/raw/data.bin'), { apikey: false })
  assert.ok(d.body.equals(full.body.subarray(10, 20)))
  const etag = full.headers.etag
  d = await request('GET', S('/object/public/rt-pub/raw/data.bin'), { apikey: false, headers: { 'if-none-match': etag } })
  assert.equal(d.status, 304)
  d = await request('GET', S('/object/public/rt-pub/raw/missing.bin'), { apikey: false })
  assertStorageError(d, '404', 'not_found', 'Object not found')
})

test('upsert and owner rules', async () => {
  await createBucket(A.token, 'own')
  const v1 = Buffer.from('version 1')
  const v2 = Buffer.from('version 2 \x00\xff')
  let r = await oldSdkUpload('own', 'f/a.txt', v1, { token: A.token, mime: 'text/plain' })
  assert.equal(r.status, 200)
  // POST again without upsert: storage-api's exact Duplicate reply (pg.ts createObject → KeyAlreadyExists,
  // serialized by src/http/schemas/error.ts: statusCode, error, message, code)
  r = await oldSdkUpload('own', 'f/a.txt', v2, { token: A.token, mime: 'text/plain' })
  assert.equal(r.status, 400)
  assert.equal(
    r.body.toString(),
    '{"statusCode":"409","error":"Duplicate","message":"The resource already exists","code":"KeyAlreadyExists"}',
  )
  r = await rawUpload('own', 'f/a.txt', v2, { token: A.token, upsert: false })
  assertStorageError(r, '409', 'Duplicate', 'The resource already exists', 'KeyAlreadyExists')
  // B may not overwrite / update / delete / move A's object
  r = await oldSdkUpload('own', 'f/a.txt', v2, { token: B.token, upsert: true })
  assertStorageError(r, '403', 'Unauthorized', 'new row violates row-level security policy')
  r = await oldSdkUpload('own', 'f/a.txt', v2, { token: B.token, method: 'PUT' })
  assertStorageError(r, '403', 'Unauthorized', 'new row violates row-level security policy')
  // pg.ts deleteObjects (DELETE ... RETURNING * under RLS): skipped, not refused
  r = await request('DELETE', S('/object/own'), { token: B.token, body: { prefixes: ['f/a.txt'] } })
  assert.equal(r.status, 200)
  assert.deepEqual(r.json, [])
  // object.ts deleteObject: found as the superuser, then no row deleted under RLS
  r = await request('DELETE', S('/object/own/f/a.txt'), { token: B.token })
  assertStorageError(r, '403', 'Unauthorized', 'Access denied')
  // object.ts moveObject → pg.ts updateObject finds no row it may change
  r = await request('POST', S('/object/move'), {
    token: B.token,
    body: { bucketId: 'own', sourceKey: 'f/a.txt', destinationKey: 'f/b.txt' },
  })
  assertStorageError(r, '404', 'not_found', 'Object not found')
  r = await request('GET', S('/object/own/f/a.txt'), { token: B.token })
  assert.ok(r.body.equals(v1), 'still version 1')
  // anon may not upload
  r = await rawUpload('own', 'f/anon.txt', v1, { token: be.anonKey })
  assertStorageError(r, '403', 'Unauthorized', 'new row violates row-level security policy')
  // the owner may upsert (POST + x-upsert) and update (PUT); the id stays
  const id1 = (await be.db.query("select id from storage.objects where bucket_id = 'own' and name = 'f/a.txt'")).rows[0].id
  r = await oldSdkUpload('own', 'f/a.txt', v2, { token: A.token, upsert: true, mime: 'text/plain' })
  assert.equal(r.status, 200)
  assert.equal(r.json.Id, id1)
  r = await request('GET', S('/object/own/f/a.txt'), { token: B.token })
  assert.ok(r.body.equals(v2))
  r = await rawUpload('own', 'f/a.txt', v1, { token: A.token, method: 'PUT', mime: 'text/markdown' })
  assert.equal(r.status, 200)
  r = await request('GET', S('/object/own/f/a.txt'), { token: B.token })
  assert.ok(r.body.equals(v1))
  assert.equal(r.headers['content-type'], 'text/markdown')
  assert.equal(r.headers['cache-control'], 'no-cache')
  // PUT on a missing object creates it (updateObject.ts uploads with isUpsert: true)
  r = await rawUpload('own', 'f/none.txt', v1, { token: A.token, method: 'PUT' })
  assert.equal(r.status, 200, r.body.toString())
  assert.equal(r.json.Key, 'own/f/none.txt')
  r = await request('GET', S('/object/own/f/none.txt'), { token: A.token })
  assert.ok(r.body.equals(v1))
  // upload into a missing bucket
  r = await rawUpload('nobucket', 'x.txt', v1, { token: A.token })
  assertStorageError(r, '404', 'Bucket not found', 'Bucket not found')
  // service_role may overwrite anything; the owner stays A
  r = await rawUpload('own', 'f/a.txt', v2, { token: be.serviceRoleKey, upsert: true })
  assert.equal(r.status, 200)
  // the owner deletes: batch delete returns the deleted rows, missing names are ignored
  r = await rawUpload('own', 'f/b.txt', v1, { token: A.token })
  assert.equal(r.status, 200)
  r = await request('DELETE', S('/object/own'), {
    token: A.token,
    body: { prefixes: ['f/a.txt', 'f/b.txt', 'f/none.txt', 'f/missing.txt'] },
  })
  assert.equal(r.status, 200)
  assert.deepEqual(r.json.map((o) => o.name).sort(), ['f/a.txt', 'f/b.txt', 'f/none.txt'])
  // the deleted rows through objectSchema (src/storage/schemas/object.ts, its property order)
  const b = r.json.find((o) => o.name === 'f/b.txt')
  assert.deepEqual(Object.keys(b), [
    'name',
    'bucket_id',
    'owner',
    'owner_id',
    'version',
    'id',
    'updated_at',
    'created_at',
    'last_accessed_at',
    'metadata',
    'user_metadata',
  ])
  assert.equal(b.bucket_id, 'own')
  assert.equal(b.owner, A.id)
  assert.equal(b.owner_id, A.id)
  assert.match(b.version, /^[0-9a-f-]{36}$/)
  assert.deepEqual(b.user_metadata, {})
  assert.ok(b.metadata.size > 0)
  r = await request('GET', S('/object/own/f/a.txt'), { token: A.token })
  assertStorageError(r, '404', 'not_found', 'Object not found')
  r = await request('DELETE', S('/object/own'), { token: A.token, body: { prefixes: [] } })
  assertStorageError(r, '400', 'Error', 'body/prefixes must NOT have fewer than 1 items', 'InvalidRequest')
  // single-object delete
  r = await rawUpload('own', 'single.txt', v1, { token: A.token })
  r = await request('DELETE', S('/object/own/single.txt'), { token: A.token })
  assert.deepEqual(r.json, { message: 'Successfully deleted' })
  r = await request('DELETE', S('/object/own/single.txt'), { token: A.token })
  assertStorageError(r, '404', 'not_found', 'Object not found')
})

test('size limit and allowed mime types', async () => {
  await createBucket(A.token, 'limited', { file_size_limit: 1000, allowed_mime_types: ['image/*', 'text/plain'] })
  let r = await rawUpload('limited', 'big.png', randomBytes(1001), { token: A.token, mime: 'image/png' })
  assertStorageError(r, '413', 'Payload too large', 'The object exceeded the maximum allowed size')
  r = await oldSdkUpload('limited', 'big.png', randomBytes(5000), { token: A.token, mime: 'image/png' })
  assertStorageError(r, '413', 'Payload too large', 'The object exceeded the maximum allowed size')
  r = await rawUpload('limited', 'x.json', Buffer.from('{}'), { token: A.token, mime: 'application/json' })
  assertStorageError(r, '415', 'invalid_mime_type', 'mime type application/json is not supported')
  r = await oldSdkUpload('limited', 'x.mp4', Buffer.from('xx'), { token: A.token, mime: 'video/mpeg4' })
  assertStorageError(r, '415', 'invalid_mime_type', 'mime type video/mpeg4 is not supported')
  r = await rawUpload('limited', 'ok.png', randomBytes(1000), { token: A.token, mime: 'image/png' })
  assert.equal(r.status, 200)
  r = await rawUpload('limited', 'ok.txt', Buffer.from('hi'), { token: A.token, mime: 'text/plain; charset=utf-8' })
  assert.equal(r.status, 200)
  const n = (await be.db.query("select count(*)::int n from storage.objects where bucket_id = 'limited'")).rows[0].n
  assert.equal(n, 2)
  assert.deepEqual(fs.readdirSync(path.join(be.storage.dir, 'tmp')), [], 'no temp files left behind')
})

test('list: folders, prefix, limit/offset, sortBy, search', async () => {
  await createBucket(A.token, 'lst', { public: true })
  const names = ['folder/b.txt', 'folder/a.txt', 'folder/Apple.txt', 'folder/sub/c.txt', 'folder/sub2/d.txt', 'root.txt']
  for (const n of names) {
    be.advanceTime(1000) // distinct created_at
    const r = await rawUpload('lst', n, Buffer.from(n), { token: A.token, mime: 'text/plain' })
    assert.equal(r.status, 200)
  }
  const list = (body, token = B.token) => request('POST', S('/object/list/lst'), { token, body })
  let r = await list({ prefix: '', limit: 100, offset: 0, sortBy: { column: 'name', order: 'asc' } })
  assert.equal(r.status, 200)
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['folder', 'root.txt'],
  )
  assert.deepEqual(r.json[0], {
    name: 'folder',
    id: null,
    updated_at: null,
    created_at: null,
    last_accessed_at: null,
    metadata: null,
  })
  const f = r.json[1]
  assert.deepEqual(Object.keys(f).sort(), ['created_at', 'id', 'last_accessed_at', 'metadata', 'name', 'updated_at'])
  assert.match(f.id, /^[0-9a-f-]{36}$/)
  assert.equal(f.metadata.size, 'root.txt'.length)
  assert.equal(f.metadata.mimetype, 'text/plain')

  // storage.search (migrations/tenant/0063-fix-search-name-relative-to-prefix.sql): by name, folders and
  // files are one sequence ordered by lower(name) COLLATE "C"; limit / offset count in it
  r = await list({ prefix: 'folder', limit: 100, offset: 0, sortBy: { column: 'name', order: 'asc' } })
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['a.txt', 'Apple.txt', 'b.txt', 'sub', 'sub2'],
  )
  r = await list({ prefix: 'folder/', limit: 100, offset: 0, sortBy: { column: 'name', order: 'desc' } })
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['sub2', 'sub', 'b.txt', 'Apple.txt', 'a.txt'],
  )
  r = await list({ prefix: 'folder', limit: 2, offset: 1, sortBy: { column: 'name', order: 'asc' } })
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['Apple.txt', 'b.txt'],
  )
  r = await list({ prefix: 'folder', limit: 100, offset: 0, sortBy: { column: 'created_at', order: 'desc' } })
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['sub2', 'sub', 'Apple.txt', 'a.txt', 'b.txt'],
  )
  r = await list({ prefix: 'folder', limit: 100, offset: 0, sortBy: { column: 'created_at', order: 'asc' } })
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['sub', 'sub2', 'b.txt', 'a.txt', 'Apple.txt'],
  )
  r = await list({ prefix: 'folder', limit: 100, offset: 0, sortBy: { column: 'name', order: 'asc' }, search: 'a' })
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['a.txt', 'Apple.txt'],
  )
  r = await list({ prefix: 'folder', search: 'su' })
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['sub', 'sub2'],
  )
  r = await list({ prefix: 'folder/sub' })
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['c.txt'],
  )
  r = await list({ prefix: 'nothing' })
  assert.deepEqual(r.json, [])
  r = await list({ prefix: '', sortBy: { column: 'size', order: 'asc' } })
  assertStorageError(r, '400', 'Error', 'body/sortBy/column must be equal to one of the allowed values', 'InvalidRequest')
  // listObjects.ts: `prefix` is required
  r = await list({ limit: 10 })
  assertStorageError(r, '400', 'Error', "body must have required property 'prefix'", 'InvalidRequest')
  // object.ts searchObjects does not look the bucket up
  r = await request('POST', S('/object/list/none'), { token: A.token, body: { prefix: '' } })
  assert.equal(r.status, 200)
  assert.deepEqual(r.json, [])
  // anon lists a public bucket, but sees nothing in a private one
  r = await list({ prefix: '' }, be.anonKey)
  assert.equal(r.json.length, 2)
  await createBucket(A.token, 'lst-priv')
  await rawUpload('lst-priv', 'secret.txt', Buffer.from('s'), { token: A.token })
  r = await request('POST', S('/object/list/lst-priv'), { token: be.anonKey, body: { prefix: '' } })
  assert.deepEqual(r.json, [])
  r = await request('POST', S('/object/list/lst-priv'), { token: B.token, body: { prefix: '' } })
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['secret.txt'],
  )
})

test('move and copy', async () => {
  await createBucket(A.token, 'mv')
  await createBucket(A.token, 'mv2')
  const bytes = randomBytes(4096)
  await rawUpload('mv', 'src/one.bin', bytes, { token: A.token })
  await rawUpload('mv', 'src/other.bin', Buffer.from('other'), { token: A.token })
  let r = await request('POST', S('/object/move'), {
    token: A.token,
    body: { bucketId: 'mv', sourceKey: 'src/one.bin', destinationKey: 'dst/one.bin' },
  })
  assert.equal(r.status, 200)
  assert.deepEqual(r.json, { message: 'Successfully moved' })
  r = await request('GET', S('/object/mv/src/one.bin'), { token: A.token })
  assertStorageError(r, '404', 'not_found', 'Object not found')
  r = await request('GET', S('/object/mv/dst/one.bin'), { token: A.token })
  assert.ok(r.body.equals(bytes))
  r = await request('POST', S('/object/move'), {
    token: A.token,
    body: { bucketId: 'mv', sourceKey: 'src/other.bin', destinationKey: 'dst/one.bin' },
  })
  // pg.ts updateObject's unique violation (src/storage/database/errors.ts 23505)
  assertStorageError(r, '409', 'Duplicate', 'The resource already exists', 'ResourceAlreadyExists')
  r = await request('POST', S('/object/move'), {
    token: A.token,
    body: { bucketId: 'mv', sourceKey: 'nope', destinationKey: 'x' },
  })
  assertStorageError(r, '404', 'not_found', 'Object not found')

  // copy: B may copy A's (readable) object; the copy belongs to B
  r = await request('POST', S('/object/copy'), {
    token: B.token,
    body: { bucketId: 'mv', sourceKey: 'dst/one.bin', destinationKey: 'copies/one.bin' },
  })
  assert.equal(r.status, 200, r.body.toString())
  // copyObject.ts: { Id, Key, ...the new row through objectSchema }
  assert.equal(r.json.Key, 'mv/copies/one.bin')
  assert.equal(r.json.Id, r.json.id)
  assert.equal(r.json.name, 'copies/one.bin')
  assert.equal(r.json.owner, B.id)
  r = await request('GET', S('/object/mv/copies/one.bin'), { token: A.token })
  assert.ok(r.body.equals(bytes))
  const owner = (await be.db.query("select owner from storage.objects where bucket_id = 'mv' and name = 'copies/one.bin'"))
    .rows[0].owner
  assert.equal(owner, B.id)
  r = await request('POST', S('/object/copy'), {
    token: B.token,
    body: { bucketId: 'mv', sourceKey: 'dst/one.bin', destinationKey: 'copies/one.bin' },
  })
  assertStorageError(r, '409', 'Duplicate', 'The resource already exists', 'KeyAlreadyExists')
  r = await request('POST', S('/object/copy'), {
    token: A.token,
    body: { bucketId: 'mv', sourceKey: 'dst/one.bin', destinationKey: 'x.bin', destinationBucket: 'mv2' },
  })
  assert.equal(r.json.Key, 'mv2/x.bin')
  r = await request('POST', S('/object/copy'), {
    token: be.anonKey,
    body: { bucketId: 'mv', sourceKey: 'dst/one.bin', destinationKey: 'anon.bin' },
  })
  assertStorageError(r, '404', 'not_found', 'Object not found')
  // deleting the source keeps the copy
  await request('DELETE', S('/object/mv'), { token: A.token, body: { prefixes: ['dst/one.bin'] } })
  r = await request('GET', S('/object/mv/copies/one.bin'), { token: A.token })
  assert.ok(r.body.equals(bytes))
})

test('signed URLs work, then expire', async () => {
  await createBucket(A.token, 'sig')
  const bytes = randomBytes(100000)
  await rawUpload('sig', 'dir/file.bin', bytes, { token: A.token, mime: 'application/pdf' })
  let r = await request('POST', S('/object/sign/sig/dir/file.bin'), { token: B.token, body: { expiresIn: 60 } })
  assert.equal(r.status, 200)
  const signed = r.json.signedURL
  assert.match(signed, /^\/object\/sign\/sig\/dir\/file\.bin\?token=[\w-]+\.[\w-]+\.[\w-]+$/)
  const payload = JSON.parse(Buffer.from(signed.split('token=')[1].split('.')[1], 'base64url'))
  // object.ts signObjectUrl / jwt.ts signJWT
  assert.deepEqual(Object.keys(payload), ['url', 'scope', 'iat', 'exp'])
  assert.equal(payload.url, 'sig/dir/file.bin')
  assert.equal(payload.scope, 'download')
  assert.equal(payload.exp - payload.iat, 60)
  // no apikey, no Authorization: the token is enough (wx.downloadFile)
  r = await request('GET', S(signed), { apikey: false })
  assert.equal(r.status, 200)
  assert.ok(r.body.equals(bytes))
  assert.equal(r.headers['content-type'], 'application/pdf')
  r = await request('GET', S(`${signed}&download=`), { apikey: false })
  assert.equal(r.headers['content-disposition'], 'attachment;')
  r = await request('GET', S(`${signed}&download=a%20b.pdf`), { apikey: false })
  assert.equal(r.headers['content-disposition'], "attachment; filename=a%20b.pdf; filename*=UTF-8''a%20b.pdf")
  // a token for another path (object.ts verifyObjectSignature)
  r = await request('GET', S(`/object/sign/sig/dir/other.bin?token=${signed.split('token=')[1]}`), { apikey: false })
  assertStorageError(r, '400', 'InvalidSignature', 'Invalid signature')
  r = await request('GET', S('/object/sign/sig/dir/file.bin'), { apikey: false })
  assertStorageError(r, '400', 'Error', "querystring must have required property 'token'", 'InvalidRequest')
  // anon cannot sign a private object; missing objects
  r = await request('POST', S('/object/sign/sig/dir/file.bin'), { token: be.anonKey, body: { expiresIn: 60 } })
  assertStorageError(r, '404', 'not_found', 'Object not found')
  r = await request('POST', S('/object/sign/sig/dir/none.bin'), { token: A.token, body: { expiresIn: 60 } })
  assertStorageError(r, '404', 'not_found', 'Object not found')
  r = await request('POST', S('/object/sign/sig/dir/file.bin'), { token: A.token, body: { expiresIn: 0 } })
  assertStorageError(r, '400', 'Error', 'body/expiresIn must be >= 1', 'InvalidRequest')
  // batch
  r = await request('POST', S('/object/sign/sig'), {
    token: A.token,
    body: { expiresIn: 60, paths: ['dir/file.bin', 'dir/none.bin'] },
  })
  assert.equal(r.status, 200)
  assert.equal(r.json.length, 2)
  assert.equal(r.json[0].error, null)
  assert.equal(r.json[0].path, 'dir/file.bin')
  assert.match(r.json[0].signedURL, /^\/object\/sign\/sig\/dir\/file\.bin\?token=/)
  assert.deepEqual(r.json[1], {
    error: 'Either the object does not exist or you do not have access to it',
    path: 'dir/none.bin',
    signedURL: null,
  })
  const batchUrl = r.json[0].signedURL
  // expiry on the virtual clock
  be.advanceTime(61 * 1000)
  r = await request('GET', S(signed), { apikey: false })
  assertStorageError(r, '400', 'InvalidJWT', '"exp" claim timestamp check failed')
  r = await request('GET', S(batchUrl), { apikey: false })
  assertStorageError(r, '400', 'InvalidJWT', '"exp" claim timestamp check failed')
})

test('signed upload URL: uploads as its creator; a second upload is 409 Duplicate unless made with x-upsert', async () => {
  await createBucket(A.token, 'sup')
  let r = await request('POST', S('/object/upload/sign/sup/up/one.bin'), { token: A.token, body: {} })
  assert.equal(r.status, 200)
  assert.match(r.json.url, /^\/object\/upload\/sign\/sup\/up\/one\.bin\?token=/)
  assert.equal(r.json.url.split('token=')[1], r.json.token)
  const url = r.json.url
  const bytes = randomBytes(200000)
  const mp = oldSdkMultipart('up/one.bin', bytes, 'application/octet-stream')
  const claims = JSON.parse(Buffer.from(r.json.token.split('.')[1], 'base64url'))
  // object.ts signUploadObjectUrl
  assert.deepEqual(Object.keys(claims), ['owner', 'url', 'upsert', 'scope', 'iat', 'exp'])
  assert.deepEqual([claims.owner, claims.url, claims.upsert, claims.scope], [A.id, 'sup/up/one.bin', false, 'upload'])
  assert.equal(claims.exp - claims.iat, 7200)
  r = await request('PUT', S(url), { apikey: false, headers: { 'content-type': mp.contentType }, body: mp.body })
  assert.equal(r.status, 200, r.body.toString())
  // uploadSignedObject.ts answers { Key } alone
  assert.deepEqual(r.json, { Key: 'sup/up/one.bin' })
  // no single-use bookkeeping in storage-api: the object now exists and the token has no upsert
  r = await request('PUT', S(url), { apikey: false, headers: { 'content-type': 'text/plain' }, body: 'again' })
  assertStorageError(r, '409', 'Duplicate', 'The resource already exists', 'KeyAlreadyExists')
  r = await request('GET', S('/object/sup/up/one.bin'), { token: B.token })
  assert.ok(r.body.equals(bytes))
  const owner = (await be.db.query("select owner from storage.objects where bucket_id = 'sup' and name = 'up/one.bin'")).rows[0]
  assert.equal(owner.owner, A.id)
  r = await request('DELETE', S('/object/sup'), { token: B.token, body: { prefixes: ['up/one.bin'] } })
  assert.deepEqual([r.status, r.json], [200, []])
  // the token is bound to its path
  r = await request('POST', S('/object/upload/sign/sup/up/two.bin'), { token: A.token, body: {} })
  const tok = r.json.token
  r = await request('PUT', S(`/object/upload/sign/sup/up/three.bin?token=${tok}`), { apikey: false, body: 'x' })
  assertStorageError(r, '400', 'InvalidSignature', 'Invalid signature')
  // and to its scope: a download token does not upload, an upload token does not download
  r = await request('POST', S('/object/sign/sup/up/one.bin'), { token: A.token, body: { expiresIn: 60 } })
  const dl = r.json.signedURL.split('token=')[1]
  r = await request('PUT', S(`/object/upload/sign/sup/up/one.bin?token=${dl}`), { apikey: false, body: 'x' })
  assertStorageError(r, '400', 'InvalidSignature', 'Token is not scoped for upload')
  r = await request('GET', S(`/object/sign/sup/up/two.bin?token=${tok}`), { apikey: false })
  assertStorageError(r, '400', 'InvalidSignature', 'Token is not scoped for download')
  // anon may not create one; an existing object needs x-upsert
  r = await request('POST', S('/object/upload/sign/sup/up/anon.bin'), { token: be.anonKey, body: {} })
  assertStorageError(r, '403', 'Unauthorized', 'new row violates row-level security policy')
  r = await request('POST', S('/object/upload/sign/sup/up/one.bin'), { token: A.token, body: {} })
  assertStorageError(r, '409', 'Duplicate', 'The resource already exists', 'KeyAlreadyExists')
  r = await request('POST', S('/object/upload/sign/sup/up/one.bin'), {
    token: A.token,
    body: {},
    headers: { 'x-upsert': 'true' },
  })
  assert.equal(r.status, 200)
  const up2 = r.json.url
  r = await request('PUT', S(up2), { apikey: false, headers: { 'content-type': 'text/plain' }, body: 'replaced' })
  assert.equal(r.status, 200)
  r = await request('GET', S('/object/sup/up/one.bin'), { token: A.token })
  assert.equal(r.body.toString(), 'replaced')
  // an upsert token works as long as it lives
  r = await request('PUT', S(up2), { apikey: false, headers: { 'content-type': 'text/plain' }, body: 'again' })
  assert.equal(r.status, 200)
  r = await request('GET', S('/object/sup/up/one.bin'), { token: A.token })
  assert.equal(r.body.toString(), 'again')
  // expired (2 h)
  r = await request('POST', S('/object/upload/sign/sup/up/late.bin'), { token: A.token, body: {} })
  const late = r.json.url
  be.advanceTime(2 * 3600 * 1000 + 1000)
  r = await request('PUT', S(late), { apikey: false, body: 'late' })
  assertStorageError(r, '400', 'InvalidJWT', '"exp" claim timestamp check failed')
})

// src/storage/limits.ts isValidKey: A-Z a-z 0-9 and _/!.*'() &$=@;:+,?- only.
const VALID_NAMES = ['dir with space/a b.txt', "it's (1)!*.txt", 'q?x=1&y=2.txt', 'a+b@c$d;e,f:g.bin', 'x/y/z_-.txt']
const REFUSED_NAMES = ['相册/我的照片.png', 'a#b.txt', '100%.txt', 'tilde~.txt', '表情😀.bin', 'back\\slash.txt', 'caret^.txt']

test('names: the key rule on every route that checks it; signed URLs sign decodeURI(raw path)', async () => {
  A = await loginAs('storage-user-a') // the clock moved; fresh tokens
  B = await loginAs('storage-user-b')
  await createBucket(A.token, 'names', { public: true })
  for (const [i, name] of VALID_NAMES.entries()) {
    const bytes = randomBytes(1000 + i)
    const r =
      i === 0
        ? await oldSdkUpload('names', name, bytes, { token: A.token, mime: 'image/png' })
        : await rawUpload('names', name, bytes, { token: A.token })
    assert.equal(r.status, 200, r.body.toString())
    assert.equal(r.json.Key, `names/${name}`)
    let d = await request('GET', S(`/object/names/${enc(name)}`), { token: B.token })
    assert.ok(d.body.equals(bytes), name)
    d = await request('GET', S(`/object/public/names/${enc(name)}`), { apikey: false })
    assert.ok(d.body.equals(bytes), name)
    // storage-js' way: encodeURI-like, `?` must still be escaped to stay in the path
    const jsPath = encodeURI(name).replace(/\?/g, '%3F')
    d = await request('GET', S(`/object/public/names/${jsPath}`), { apikey: false })
    assert.ok(d.body.equals(bytes), name)
    // object.ts signObjectUrl signs decodeURI(<raw path>): the signed URL of a path sent as storage-js
    // sends it (reserved characters raw, `?` escaped) works...
    let s = await request('POST', S(`/object/sign/names/${jsPath}`), { token: A.token, body: { expiresIn: 60 } })
    const signedUrl = s.json.signedURL
    const token = signedUrl.split('?token=')[1]
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'))
    assert.equal(claims.url, decodeURI(`names/${jsPath}`))
    d = await request('GET', S(`/object/sign/names/${enc(name)}?token=${token}`), { apikey: false })
    assert.equal(d.status, /\?/.test(name) ? 400 : 200, `${name}: ${d.body}`)
    if (d.status === 200) assert.ok(d.body.equals(bytes), name)
    // ...while every segment encodeURIComponent'ed leaves %2B %3F %26 %3D %3B %2C %40 %24 %3A in the token's
    // url, which the download (decoded route param) does not match: 400 InvalidSignature
    s = await request('POST', S(`/object/sign/names/${enc(name)}`), { token: A.token, body: { expiresIn: 60 } })
    assert.equal(s.status, 200)
    const t2 = s.json.signedURL.split('?token=')[1]
    d = await request('GET', S(`/object/sign/names/${enc(name)}?token=${t2}`), { apikey: false })
    if (/[+?&=;,@$:]/.test(name)) assertStorageError(d, '400', 'InvalidSignature', 'Invalid signature')
    else assert.ok(d.body.equals(bytes), name)
    // the batch signs `${bucket}/${path}` from the body: always right
    s = await request('POST', S('/object/sign/names'), { token: A.token, body: { expiresIn: 60, paths: [name] } })
    d = await request('GET', S(`/object/sign/names/${enc(name)}?token=${s.json[0].signedURL.split('?token=')[1]}`), {
      apikey: false,
    })
    assert.ok(d.body.equals(bytes), name)
  }
  const r = await request('POST', S('/object/list/names'), { token: A.token, body: { prefix: 'dir with space' } })
  assert.deepEqual(
    r.json.map((x) => x.name),
    ['a b.txt'],
  )
  for (const name of REFUSED_NAMES) {
    const bad = (x) => assertStorageError(x, '400', 'InvalidKey', `Invalid key: ${name}`)
    bad(await rawUpload('names', name, Buffer.from('x'), { token: A.token }))
    bad(await oldSdkUpload('names', name, Buffer.from('x'), { token: A.token }))
    bad(await rawUpload('names', name, Buffer.from('x'), { token: A.token, method: 'PUT' }))
    bad(await request('GET', S(`/object/names/${enc(name)}`), { token: A.token }))
    bad(await request('GET', S(`/object/authenticated/names/${enc(name)}`), { token: A.token }))
    bad(await request('GET', S(`/object/public/names/${enc(name)}`), { apikey: false }))
    bad(await request('GET', S(`/object/info/names/${enc(name)}`), { token: A.token }))
    bad(await request('POST', S(`/object/sign/names/${enc(name)}`), { token: A.token, body: { expiresIn: 60 } }))
    const mv = { bucketId: 'names', sourceKey: VALID_NAMES[1], destinationKey: name }
    bad(await request('POST', S('/object/move'), { token: A.token, body: mv }))
    bad(await request('POST', S('/object/copy'), { token: A.token, body: mv }))
    // no key check in signUploadObjectUrl: the URL is made, its upload (uploadNewObject) is refused
    const up = await request('POST', S(`/object/upload/sign/names/${enc(name)}`), { token: A.token, body: {} })
    assert.equal(up.status, 200, up.body.toString())
    assert.equal(up.json.url.split('?')[0], `/object/upload/sign/names/${name}`)
    bad(await request('PUT', S(`/object/upload/sign/names/${enc(name)}?token=${up.json.token}`), { apikey: false, body: 'x' }))
    // deleting and listing check no key
    const del = await request('DELETE', S(`/object/names/${enc(name)}`), { token: A.token })
    assertStorageError(del, '404', 'not_found', 'Object not found')
    const rm = await request('DELETE', S('/object/names'), { token: A.token, body: { prefixes: [name] } })
    assert.deepEqual([rm.status, rm.json], [200, []])
  }
  const rm = await request('DELETE', S('/object/names'), { token: A.token, body: { prefixes: VALID_NAMES } })
  assert.equal(rm.json.length, VALID_NAMES.length)
})

test('the legacy option (storageLegacyKeys) takes any name, as storage-api before key validation', async () => {
  const old = await startBackend({ port: 0, storageLegacyKeys: true })
  try {
    const svc = old.serviceRoleKey
    const call = (method, p, { token = svc, headers = {}, body } = {}) =>
      testHttp.send(new URL(S(p), old.url), {
        method,
        headers: { apikey: old.anonKey, authorization: `Bearer ${token}`, ...headers },
        body: body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      })
    let r = await call('POST', '/bucket', { headers: { 'content-type': 'application/json' }, body: { name: 'legacy' } })
    assert.equal(r.status, 200)
    for (const name of REFUSED_NAMES) {
      r = await call('POST', `/object/legacy/${enc(name)}`, { headers: { 'content-type': 'text/plain' }, body: name })
      assert.equal(r.status, 200, name)
      assert.equal(r.json.Key, `legacy/${name}`)
      r = await call('GET', `/object/legacy/${enc(name)}`)
      assert.equal(r.text, name)
    }
  } finally {
    await old.stop()
  }
})

// ---------- storage-api's answers, row by row ----------
// Each row: what, source (the supabase/storage 1.11.2 file it comes from), request ({ method, path, as: 'A' |
// 'B' | 'svc' | 'anon' | null (no Authorization) | a raw token, headers, body }, or a function of the previous
// row's reply), expect ({ status, json } compared whole, or { status, has } compared key by key, `headers`,
// `check(reply)`). Rows run in order against the set-up of the test (bucket `tbl`, private, owned by A).
const jwtWithOtherSecret = () => {
  const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const head = `${b({ alg: 'HS256', typ: 'JWT' })}.${b({ role: 'authenticated', sub: A.id })}`
  return `${head}.${crypto.createHmac('sha256', 'not-the-secret-not-the-secret-0000').update(head).digest('base64url')}`
}
const err = (statusCode, code, message, error) => ({ statusCode, error: error || code, message, code })
const ROWS = [
  // keys and bucket names
  {
    what: 'upload of a CJK name: InvalidKey',
    source: 'src/storage/limits.ts isValidKey; object.ts uploadNewObject mustBeValidKey; codes.ts InvalidKey',
    request: {
      method: 'POST',
      path: `/object/tbl/${enc('照片.png')}`,
      as: 'A',
      headers: { 'content-type': 'image/png' },
      body: 'x',
    },
    expect: { status: 400, json: err('400', 'InvalidKey', 'Invalid key: 照片.png') },
  },
  {
    what: 'download of a name with ~: InvalidKey',
    source: 'src/storage/limits.ts isValidKey; object.ts findObject mustBeValidKey',
    request: { method: 'GET', path: `/object/tbl/${enc('a~b.txt')}`, as: 'A' },
    expect: { status: 400, json: err('400', 'InvalidKey', 'Invalid key: a~b.txt') },
  },
  {
    what: "every character of the rule is a valid key (A-Z a-z 0-9 _/!.*'() &$=@;:+,?-)",
    source: 'src/storage/limits.ts VALID_OBJECT_KEY',
    request: { method: 'POST', path: `/object/tbl/${enc("k/Az09_!.*'() &$=@;:+,?-.txt")}`, as: 'A', body: 'k' },
    expect: { status: 200, has: { Key: "tbl/k/Az09_!.*'() &$=@;:+,?-.txt" } },
  },
  {
    what: 'bucket name with a slash: InvalidBucketName',
    source: 'src/storage/limits.ts isValidBucketName; codes.ts InvalidBucketName',
    request: { method: 'POST', path: '/bucket', as: 'A', body: { name: 'a/b' } },
    expect: { status: 400, json: err('400', 'InvalidBucketName', 'Bucket name invalid', 'Invalid Input') },
  },
  {
    what: 'bucket name with a surrounding space: InvalidBucketName',
    source: 'src/storage/storage.ts createBucket (trim check)',
    request: { method: 'POST', path: '/bucket', as: 'A', body: { name: ' tbl2' } },
    expect: { status: 400, json: err('400', 'InvalidBucketName', 'Bucket name invalid', 'Invalid Input') },
  },
  {
    what: 'bucket name of 101 characters: InvalidBucketName',
    source: 'src/storage/limits.ts isValidBucketName (length < 101)',
    request: { method: 'POST', path: '/bucket', as: 'A', body: { name: 'b'.repeat(101) } },
    expect: { status: 400, json: err('400', 'InvalidBucketName', 'Bucket name invalid', 'Invalid Input') },
  },
  // emptyBucket
  {
    what: 'emptyBucket by a user: HTTP 403 Access denied: Invalid role',
    source: 'src/http/routes/bucket/index.ts (enforceJwtRoles); src/http/plugins/jwt.ts enforceJwtRole',
    request: { method: 'POST', path: '/bucket/tbl/empty', as: 'A' },
    expect: { status: 403, json: err('403', 'AccessDenied', 'Access denied: Invalid role', 'Unauthorized') },
  },
  {
    what: 'emptyBucket by the service role: queued',
    source: 'src/http/routes/bucket/emptyBucket.ts; src/storage/storage.ts emptyBucket',
    request: { method: 'POST', path: '/bucket/tbl-empty/empty', as: 'svc' },
    expect: { status: 200, json: { message: 'Empty bucket has been queued. Completion may take up to an hour.' } },
  },
  {
    what: 'emptyBucket of a missing bucket: NoSuchBucket',
    source: 'src/storage/storage.ts emptyBucket (findBucket)',
    request: { method: 'POST', path: '/bucket/nope/empty', as: 'svc' },
    expect: { status: 400, json: err('404', 'NoSuchBucket', 'Bucket not found', 'Bucket not found') },
  },
  // update / upload
  {
    what: 'PUT of a missing object creates it',
    source: 'src/http/routes/object/updateObject.ts (isUpsert: true)',
    request: { method: 'PUT', path: '/object/tbl/put/new.txt', as: 'A', headers: { 'content-type': 'text/plain' }, body: 'n' },
    expect: { status: 200, has: { Key: 'tbl/put/new.txt' }, check: (r) => assert.match(r.json.Id, /^[0-9a-f-]{36}$/) },
  },
  {
    what: 'POST of an existing name: KeyAlreadyExists',
    source: 'src/storage/uploader.ts canUpload; src/storage/database/pg.ts createObject; codes.ts KeyAlreadyExists',
    request: { method: 'POST', path: '/object/tbl/put/new.txt', as: 'A', body: 'n' },
    expect: { status: 400, json: err('409', 'KeyAlreadyExists', 'The resource already exists', 'Duplicate') },
  },
  {
    what: 'download of a missing object: NoSuchKey',
    source: 'src/storage/database/pg.ts findObject; codes.ts NoSuchKey',
    request: { method: 'GET', path: '/object/tbl/none.txt', as: 'A' },
    expect: { status: 400, json: err('404', 'NoSuchKey', 'Object not found', 'not_found') },
  },
  // list
  {
    what: 'list of a missing bucket: []',
    source: 'src/storage/object.ts searchObjects (no bucket lookup)',
    request: { method: 'POST', path: '/object/list/nope', as: 'A', body: { prefix: '' } },
    expect: { status: 200, json: [] },
  },
  {
    what: 'list: folders and files together by lower-cased name',
    source: 'migrations/tenant/0063-fix-search-name-relative-to-prefix.sql storage.search',
    request: { method: 'POST', path: '/object/list/tbl', as: 'A', body: { prefix: 'lo' } },
    expect: {
      status: 200,
      check: (r) =>
        assert.deepEqual(
          r.json.map((x) => x.name),
          ['a.txt', 'B', 'c.txt', 'D.txt'],
        ),
    },
  },
  {
    what: 'list: limit / offset paginate that order',
    source: 'migrations/tenant/0063-fix-search-name-relative-to-prefix.sql storage.search (offsets, limits)',
    request: { method: 'POST', path: '/object/list/tbl', as: 'A', body: { prefix: 'lo/', limit: 2, offset: 1 } },
    expect: {
      status: 200,
      check: (r) =>
        assert.deepEqual(
          r.json.map((x) => x.name),
          ['B', 'c.txt'],
        ),
    },
  },
  {
    what: 'list: a folder entry',
    source: 'migrations/tenant/0063-fix-search-name-relative-to-prefix.sql; src/storage/schemas/object.ts',
    request: { method: 'POST', path: '/object/list/tbl', as: 'A', body: { prefix: 'lo', limit: 1, offset: 1 } },
    expect: {
      status: 200,
      json: [{ name: 'B', id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null }],
    },
  },
  // ownership
  {
    what: 'remove by a non-owner: skipped, 200 []',
    source: 'src/storage/database/pg.ts deleteObjects (DELETE ... RETURNING * under RLS)',
    request: { method: 'DELETE', path: '/object/tbl', as: 'B', body: { prefixes: ['lo/a.txt'] } },
    expect: { status: 200, json: [] },
  },
  {
    what: "move of someone else's object: NoSuchKey",
    source: 'src/storage/object.ts moveObject; src/storage/database/pg.ts updateObject',
    request: {
      method: 'POST',
      path: '/object/move',
      as: 'B',
      body: { bucketId: 'tbl', sourceKey: 'lo/a.txt', destinationKey: 'x.txt' },
    },
    expect: { status: 400, json: err('404', 'NoSuchKey', 'Object not found', 'not_found') },
  },
  {
    what: "delete of someone else's non-empty bucket: not empty first",
    source: 'src/storage/storage.ts deleteBucket; codes.ts BucketNotEmpty',
    request: { method: 'DELETE', path: '/bucket/tbl', as: 'B' },
    expect: { status: 400, json: err('409', 'ResourceNotEmpty', 'The bucket you tried to delete is not empty') },
  },
  {
    what: "delete of someone else's empty bucket: NoSuchBucket",
    source: 'src/storage/storage.ts deleteBucket (db.deleteBucket under RLS deletes nothing)',
    request: { method: 'DELETE', path: '/bucket/tbl-empty', as: 'B' },
    expect: { status: 400, json: err('404', 'NoSuchBucket', 'Bucket not found', 'Bucket not found') },
  },
  {
    what: "update of someone else's bucket: NoSuchBucket",
    source: 'src/storage/database/pg.ts updateBucket (rowCount 0)',
    request: { method: 'PUT', path: '/bucket/tbl', as: 'B', body: { public: true } },
    expect: { status: 400, json: err('404', 'NoSuchBucket', 'Bucket not found', 'Bucket not found') },
  },
  {
    what: 'copy into a missing bucket: the foreign key',
    source: 'src/storage/database/errors.ts (23503 → RelatedResourceNotFound)',
    request: {
      method: 'POST',
      path: '/object/copy',
      as: 'A',
      body: { bucketId: 'tbl', sourceKey: 'lo/a.txt', destinationKey: 'x.txt', destinationBucket: 'nope' },
    },
    expect: { status: 400, json: err('404', 'InvalidRequest', 'The related resource does not exist') },
  },
  // JWT and request errors
  {
    what: 'no Authorization: the schema refuses the request',
    source: 'src/http/schemas/auth.ts; src/http/error-handler.ts (FST_ERR_VALIDATION → InvalidRequest)',
    request: { method: 'GET', path: '/bucket', as: null },
    expect: { status: 400, json: err('400', 'InvalidRequest', "headers must have required property 'authorization'", 'Error') },
  },
  {
    what: 'a token that is no JWS: Invalid Compact JWS',
    source: 'src/http/plugins/jwt.ts (jose jwtVerify)',
    request: { method: 'GET', path: '/bucket', as: 'abc' },
    expect: { status: 400, json: err('403', 'AccessDenied', 'Invalid Compact JWS', 'Unauthorized') },
  },
  {
    what: 'a token with a broken header: JWS Protected Header is invalid',
    source: 'src/http/plugins/jwt.ts (jose jwtVerify)',
    request: { method: 'GET', path: '/bucket', as: 'a.b.c' },
    expect: { status: 400, json: err('403', 'AccessDenied', 'JWS Protected Header is invalid', 'Unauthorized') },
  },
  {
    what: 'a token signed with another secret: signature verification failed',
    source: 'src/http/plugins/jwt.ts (jose jwtVerify)',
    request: () => ({ method: 'GET', path: '/bucket', as: jwtWithOtherSecret() }),
    expect: { status: 400, json: err('403', 'AccessDenied', 'signature verification failed', 'Unauthorized') },
  },
  {
    what: 'a signed URL with a token that is no JWS: InvalidJWT',
    source: 'src/storage/object.ts verifyObjectSignature',
    request: { method: 'GET', path: '/object/sign/tbl/lo/a.txt?token=abc', as: null },
    expect: { status: 400, json: err('400', 'InvalidJWT', 'Invalid Compact JWS') },
  },
  // shapes
  {
    what: 'bucket rows of GET /bucket carry type STANDARD; a null owner is ""',
    source: 'src/http/routes/bucket/getAllBuckets.ts; src/storage/schemas/bucket.ts',
    request: { method: 'GET', path: '/bucket', as: 'A' },
    expect: {
      status: 200,
      check: (r) => {
        const t = r.json.find((b) => b.id === 'tbl-svc')
        assert.deepEqual(Object.keys(t), [
          'id',
          'name',
          'owner',
          'public',
          'type',
          'file_size_limit',
          'allowed_mime_types',
          'created_at',
          'updated_at',
        ])
        assert.deepEqual([t.type, t.owner], ['STANDARD', ''])
      },
    },
  },
  {
    what: 'GET /bucket/:id selects no type',
    source: 'src/http/routes/bucket/getBucket.ts',
    request: { method: 'GET', path: '/bucket/tbl', as: 'A' },
    expect: { status: 200, check: (r) => assert.equal('type' in r.json, false) },
  },
  {
    what: "object info: metadata is the object's user_metadata, {} for an upload",
    source: 'src/storage/renderer/info.ts; src/storage/uploader.ts completeUpload',
    request: { method: 'GET', path: '/object/info/tbl/lo/a.txt', as: 'A' },
    expect: { status: 200, has: { name: 'lo/a.txt', bucket_id: 'tbl', metadata: {}, size: 1, content_type: 'text/plain' } },
  },
  {
    what: "upload with an x-metadata header (base64 JSON): kept as the object's user_metadata",
    source: 'src/storage/uploader.ts fileUploadFromRequest, parseUserMetadata; completeUpload user_metadata',
    request: {
      method: 'POST',
      path: '/object/tbl/lo/meta.txt',
      as: 'A',
      headers: {
        'content-type': 'text/plain',
        'x-metadata': Buffer.from(JSON.stringify({ name: '报告 #1.txt' })).toString('base64'),
      },
      body: 'm',
    },
    expect: { status: 200, has: { Key: 'tbl/lo/meta.txt' } },
  },
  {
    what: "object info: metadata is the upload's user metadata",
    source: 'src/storage/renderer/info.ts (metadata: obj.user_metadata)',
    request: { method: 'GET', path: '/object/info/tbl/lo/meta.txt', as: 'A' },
    expect: { status: 200, has: { metadata: { name: '报告 #1.txt' } } },
  },
  {
    what: 'remove results: the rows with owner_id, user_metadata, version',
    source: 'src/storage/database/pg.ts deleteObjects (RETURNING *); src/storage/schemas/object.ts',
    request: { method: 'DELETE', path: '/object/tbl', as: 'A', body: { prefixes: ['lo/D.txt'] } },
    expect: {
      status: 200,
      check: (r) => {
        assert.equal(r.json.length, 1)
        const o = r.json[0]
        assert.deepEqual([o.name, o.bucket_id, o.owner, o.owner_id, o.user_metadata], ['lo/D.txt', 'tbl', A.id, A.id, {}])
        assert.match(o.version, /^[0-9a-f-]{36}$/)
      },
    },
  },
  {
    what: 'Content-Disposition of ?download=name: no trailing ;',
    source: 'src/storage/renderer/renderer.ts handleDownload',
    request: { method: 'GET', path: '/object/tbl/lo/a.txt?download=r%C3%A9sum%C3%A9.txt', as: 'A' },
    expect: {
      status: 200,
      headers: { 'content-disposition': "attachment; filename=r%C3%A9sum%C3%A9.txt; filename*=UTF-8''r%C3%A9sum%C3%A9.txt" },
    },
  },
  // signed URLs
  {
    what: 'createSignedUrl signs decodeURI(raw path): %2B stays in the url',
    source: 'src/storage/object.ts signObjectUrl; src/http/routes/object/getSignedURL.ts',
    request: { method: 'POST', path: '/object/sign/tbl/sg/a%2Bb%20c.txt', as: 'A', body: { expiresIn: 60 } },
    expect: {
      status: 200,
      check: (r) => {
        assert.equal(r.json.signedURL.split('?token=')[0], '/object/sign/tbl/sg/a%2Bb c.txt')
        const claims = JSON.parse(Buffer.from(r.json.signedURL.split('?token=')[1].split('.')[1], 'base64url'))
        assert.equal(claims.url, 'tbl/sg/a%2Bb c.txt')
      },
    },
  },
  {
    what: 'its download checks the decoded path: InvalidSignature',
    source: 'src/storage/object.ts verifyObjectSignature; src/http/routes/object/getSignedObject.ts',
    request: (prev) => ({
      method: 'GET',
      path: `/object/sign/tbl/sg/a%2Bb%20c.txt?token=${prev.json.signedURL.split('?token=')[1]}`,
      as: null,
    }),
    expect: { status: 400, json: err('400', 'InvalidSignature', 'Invalid signature') },
  },
  {
    what: 'createSignedUrls signs <bucket>/<path> from the body',
    source: 'src/storage/object.ts signObjectUrls',
    request: { method: 'POST', path: '/object/sign/tbl', as: 'A', body: { expiresIn: 60, paths: ['sg/a+b c.txt'] } },
    expect: { status: 200, check: (r) => assert.equal(r.json[0].signedURL.split('?token=')[0], '/object/sign/tbl/sg/a+b c.txt') },
  },
  {
    what: 'and its URL downloads the object',
    source: 'src/storage/object.ts verifyObjectSignature',
    request: (prev) => ({
      method: 'GET',
      path: `/object/sign/tbl/sg/a%2Bb%20c.txt?token=${prev.json[0].signedURL.split('?token=')[1]}`,
      as: null,
    }),
    expect: { status: 200, check: (r) => assert.equal(r.body.toString(), '+') },
  },
  {
    what: 'createSignedUploadUrl: the token names the decoded path',
    source: 'src/http/routes/object/getSignedUploadURL.ts; src/storage/object.ts signUploadObjectUrl',
    request: { method: 'POST', path: '/object/upload/sign/tbl/up/a%2Bb.txt', as: 'A' },
    expect: { status: 200, check: (r) => assert.equal(r.json.url.split('?token=')[0], '/object/upload/sign/tbl/up/a+b.txt') },
  },
  {
    what: 'the first upload to it',
    source: 'src/http/routes/object/uploadSignedObject.ts',
    request: (prev) => ({
      method: 'PUT',
      path: `/object/upload/sign/tbl/up/a%2Bb.txt?token=${prev.json.token}`,
      as: null,
      body: '1',
    }),
    expect: { status: 200, json: { Key: 'tbl/up/a+b.txt' } },
  },
  {
    what: 'a second upload to the same signed upload URL: 409 Duplicate',
    source: 'src/http/routes/object/uploadSignedObject.ts; src/storage/uploader.ts canUpload',
    request: (_prev, rows) => ({ method: 'PUT', path: rows[rows.length - 1].request.path, as: null, body: '2' }),
    expect: { status: 400, json: err('409', 'KeyAlreadyExists', 'The resource already exists', 'Duplicate') },
  },
]

test("storage-api's answers, row by row", async () => {
  A = await loginAs('storage-user-a')
  B = await loginAs('storage-user-b')
  const svc = be.serviceRoleKey
  await createBucket(A.token, 'tbl')
  await createBucket(A.token, 'tbl-empty')
  await createBucket(svc, 'tbl-svc')
  for (const n of ['lo/c.txt', 'lo/a.txt', 'lo/B/x.txt', 'lo/D.txt']) {
    assert.equal((await rawUpload('tbl', n, Buffer.from('a'), { token: A.token, mime: 'text/plain' })).status, 200)
  }
  assert.equal((await rawUpload('tbl', 'sg/a+b c.txt', Buffer.from('+'), { token: A.token })).status, 200)
  const tokens = { A: A.token, B: B.token, svc, anon: be.anonKey }
  let prev
  const done = []
  const failed = [] // every row runs; the failures are listed together
  for (const row of ROWS) {
    try {
      const q = typeof row.request === 'function' ? row.request(prev, done) : row.request
      row.request = q
      const token = q.as === null ? null : tokens[q.as] || q.as
      const r = await request(q.method, S(q.path), { token, headers: q.headers, body: q.body })
      prev = r
      const label = `${row.what} (${row.source}): ${r.body.toString().slice(0, 300)}`
      assert.equal(r.status, row.expect.status, label)
      if (row.expect.json !== undefined) assert.deepEqual(r.json, row.expect.json, label)
      for (const [k, v] of Object.entries(row.expect.has || {})) assert.deepEqual(r.json[k], v, `${label} .${k}`)
      for (const [k, v] of Object.entries(row.expect.headers || {})) assert.equal(r.headers[k], v, `${label} ${k}`)
      if (row.expect.check) row.expect.check(r)
    } catch (e) {
      failed.push(`${row.what}: ${e.message.split('\n')[0]}`)
    }
    done.push(row)
  }
  assert.deepEqual(failed, [], `${failed.length} of ${ROWS.length} rows differ`)
})
