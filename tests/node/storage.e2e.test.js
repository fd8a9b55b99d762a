'use strict'
// End to end: supabase.storage of the built package, in the strict mini-program simulator, against the
// local backend's Storage API. Files travel the way they would on a phone: temp files through
// wx.uploadFile / wx.downloadFile (the bytes never enter JS), ArrayBuffers through wx.request.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { send } = require('./lib/http')
const e2e = require('./lib/e2e')

let be
let project
const sims = []
let A // { sim, app, sb, user } signed in as user A
let B // user B
let bucket // private, owned by A
let pub // public, owned by A

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    as: 'supabase',
    clients: { supabase: {}, short: { options: { requestTimeout: 400 } } },
    files: {
      // getPublicUrl right after createClient, while the wasm core is still loading.
      'lib/sync.js': `
const { createClient } = require('supabase-wechat')
const sb = createClient(${JSON.stringify(be.url + '/')}, 'anon')
let loaded = false
sb.auth.initialize().then((r) => { loaded = !r.error }) // resolves once the client's core has loaded
const out = sb.storage.from('avatars').getPublicUrl('folder/猫 #1.png', { download: 'my cat.png', transform: { width: 100, height: 0, resize: 'cover' } })
module.exports = { loadedBefore: loaded, isPromise: typeof out.then === 'function', out, plain: sb.storage.from('avatars').getPublicUrl('a.png', { download: true }) }
`,
      // getPublicUrl of a spread of inputs before the core has loaded (./public-url.js, the shim's
      // fallback) and after (the core's Core.publicUrl): results described as plain JSON.
      'lib/public-urls.js': `
const sdk = require('supabase-wechat')
const sb = sdk.createClient(${JSON.stringify(be.url + '/')}, 'anon')
const cases = ${JSON.stringify(PUBLIC_URL_CASES)}.map(([b, p, o]) => [b === '<undefined>' ? undefined : b, p === '<undefined>' ? undefined : p, o === '<undefined>' ? undefined : o])
const describe = (r) => ({
  keys: Object.keys(r),
  data: r.data,
  alias: r.data !== null && r.data.data === r.data,
  error: r.error && { name: r.error.name, message: r.error.message, keys: Object.keys(r.error), data: r.error.data,
    storageError: r.error instanceof sdk.StorageError, isStorageError: sdk.isStorageError(r.error), error: r.error instanceof Error },
})
const run = () => cases.map(([b, p, o]) => describe(sb.storage.from(b).getPublicUrl(p, o)))
// auth.initialize() resolves once the client's core has loaded.
let loaded = false
const ready = sb.auth.initialize().then((r) => { loaded = !r.error })
const before = { loaded, results: run() }
module.exports = { before, after: () => ready.then(() => ({ loaded, results: run() })) }
`,
      // MemFire's template page (pages/filestorage), CommonJS: list, then upload a chosen message file.
      'pages/files/files.js': `
const { supabase } = require('../../lib/supabase')
Page({
  data: { files: [], msg: '' },
  async load(bucket) {
    const { data: { data } } = await supabase.storage.from(bucket).list()
    this.setData({ files: data.map((f) => f.name) })
  },
  async send(bucket, item) {
    item.tempFilePath = item.path // the template copies path to tempFilePath itself
    const { data, error } = await supabase.storage.from(bucket).upload(item.name, item)
    if (error) this.setData({ msg: error.data.message || error.data.error_description })
    else this.setData({ msg: 'ok ' + data.path })
  },
})
`,
    },
  })
  A = await signedIn('o_storage_a')
  B = await signedIn('o_storage_b')
  bucket = 'files-' + crypto.randomBytes(3).toString('hex')
  pub = 'public-' + crypto.randomBytes(3).toString('hex')
  assert.deepEqual(plain(await A.sb.storage.createBucket(bucket)), { error: null, data: { name: bucket } })
  assert.equal((await A.sb.storage.createBucket(pub, { public: true })).error, null)
})

after(() => e2e.closeAll({ sims, project, be }))

async function signedIn(openid) {
  const { sim, app, sb, data } = await e2e.signedInUser(be, project, openid, sims, 'supabase')
  return { sim, app, sb, user: data.user }
}

// Context-realm values as plain JSON.
const plain = (x) => JSON.parse(JSON.stringify(x))

// Random bytes with 0x00 and 0xFF at both ends and in the middle.
function randomBytes(n) {
  const b = crypto.randomBytes(n)
  b[0] = 0
  b[1] = 0xff
  b[n >> 1] = 0
  b[n - 1] = 0xff
  return b
}

// A file in the simulator's temp dir: its wxfile:// path.
function tempFile(sim, bytes, ext = '.bin') {
  const name = 'tmp_' + crypto.randomBytes(6).toString('hex') + ext
  fs.writeFileSync(path.join(sim.tmpDir, name), bytes)
  return 'wxfile://' + name
}

function readTemp(sim, wxPath) {
  assert.match(wxPath, /^wxfile:\/\//)
  return fs.readFileSync(path.join(sim.tmpDir, wxPath.slice('wxfile://'.length)))
}

// An ArrayBuffer in the page's realm with these bytes (read from a temp file, as a page would).
function arrayBuffer(X, bytes) {
  const p = tempFile(X.sim, bytes)
  return X.app.eval(`wx.getFileSystemManager().readFileSync(${JSON.stringify(p)})`)
}

const bytesOf = (ab) => Buffer.from(new Uint8Array(ab))

const storageRequests = () => be.requests.filter((r) => r.path.startsWith('/storage/v1')).length

test('binary round trip: a temp file through wx.uploadFile, downloaded to an ArrayBuffer and to a temp file', async () => {
  const bytes = randomBytes(300 * 1024)
  const file = { tempFilePath: tempFile(A.sim, bytes), size: bytes.length, fileType: 'image' } // res.tempFiles[0]
  const before = A.sim.requests.length
  const up = await A.sb.storage.from(bucket).upload('round/trip.bin', file)
  assert.equal(up.error, null)
  assert.equal(up.data.path, 'round/trip.bin')
  assert.equal(up.data.fullPath, `${bucket}/round/trip.bin`)
  assert.match(up.data.id, /^[0-9a-f-]{36}$/)
  const sent = A.sim.requests.slice(before).filter((r) => r.url.includes('/storage/v1/'))
  assert.equal(sent.length, 1)
  assert.equal(sent[0].api, 'uploadFile', 'the file goes through wx.uploadFile, not JS memory')
  assert.equal(sent[0].data.name, 'file')
  assert.deepEqual(plain(sent[0].data.formData), { cacheControl: '3600' }, 'no junk name=value field; no guessable type')
  assert.equal(sent[0].header['x-upsert'], 'false')

  const dl = await A.sb.storage.from(bucket).download('round/trip.bin')
  assert.equal(dl.error, null)
  assert.equal(Object.prototype.toString.call(dl.data), '[object ArrayBuffer]')
  assert.ok(bytesOf(dl.data).equals(bytes), 'ArrayBuffer download is byte-exact')
  assert.equal(dl.data.data, dl.data, '2.2.0 compat: data.data')

  const tf = await A.sb.storage.from(bucket).download('round/trip.bin', { toTempFile: true })
  assert.equal(tf.error, null)
  assert.deepEqual(Object.keys(tf.data), ['tempFilePath'])
  assert.ok(readTemp(A.sim, tf.data.tempFilePath).equals(bytes), 'wx.downloadFile download is byte-exact')
  assert.equal(A.sim.requests.at(-1).api, 'downloadFile')
})

test('binary round trip: an ArrayBuffer (and a typed array) through wx.request, with its contentType', async () => {
  const bytes = randomBytes(200 * 1024 + 3)
  const ab = await arrayBuffer(A, bytes)
  const up = await A.sb.storage.from(bucket).upload('ab/blob.dat', ab, { contentType: 'application/x-test', cacheControl: '60' })
  assert.equal(up.error, null)
  assert.equal(A.sim.requests.at(-1).api, 'request')
  assert.equal(A.sim.requests.at(-1).header['content-type'], 'application/x-test')
  assert.equal(A.sim.requests.at(-1).header['cache-control'], 'max-age=60')
  const dl = await A.sb.storage.from(bucket).download('ab/blob.dat')
  assert.ok(bytesOf(dl.data).equals(bytes))
  const info = await A.sb.storage.from(bucket).info('ab/blob.dat')
  assert.equal(info.error, null)
  assert.equal(info.data.contentType, 'application/x-test')
  assert.equal(info.data.cacheControl, 'max-age=60')
  assert.equal(info.data.size, bytes.length)
  assert.equal(info.data.bucketId, bucket)

  const view = await A.app.eval('new Uint8Array([9, 8, 7, 0, 255, 6]).subarray(1, 5)')
  assert.equal((await A.sb.storage.from(bucket).upload('ab/view.bin', view)).error, null)
  assert.deepEqual([...new Uint8Array((await A.sb.storage.from(bucket).download('ab/view.bin')).data)], [8, 7, 0, 255])
})

test('content types: contentType for temp files travels as the form field storage-api reads; else guessed from the name', async () => {
  const S = A.sb.storage.from(bucket)
  const type = async (p) => (await S.info(p)).data.contentType
  assert.equal((await S.upload('types/photo.JPG', { tempFilePath: tempFile(A.sim, randomBytes(64)) })).error, null)
  assert.equal(await type('types/photo.JPG'), 'image/jpeg', 'from the object name')
  assert.equal((await S.upload('types/noext', { tempFilePath: tempFile(A.sim, randomBytes(64), '.png') })).error, null)
  assert.equal(await type('types/noext'), 'image/png', 'from the temp file name')
  assert.equal((await S.upload('types/given.bin', tempFile(A.sim, randomBytes(64)), { contentType: 'text/csv' })).error, null)
  assert.deepEqual(plain(A.sim.requests.at(-1).data.formData), { cacheControl: '3600', contentType: 'text/csv' })
  assert.equal(await type('types/given.bin'), 'text/csv', "the given type beats WeChat's part type")
  assert.equal((await S.upload('types/plain', { tempFilePath: tempFile(A.sim, randomBytes(64), '') })).error, null)
  assert.equal(await type('types/plain'), 'application/octet-stream', 'nothing to guess from: the part type WeChat chose')
  assert.equal((await S.upload('types/raw', await arrayBuffer(A, randomBytes(8)))).error, null)
  assert.equal(await type('types/raw'), 'application/octet-stream')
})

// Object names: storage-api 1.11.2 accepts keys of A-Z a-z 0-9 and _/!.*'() &$=@;:+,?- only
// (src/storage/limits.ts isValidKey); `#`, `%`, `~` and CJK are 400 InvalidKey on every route that checks keys
// (uploads, downloads, info, the single signing route, copy / move destinations).
test('object names with ? & + spaces address the right object; # % ~ and CJK are InvalidKey, as storage-api answers', async () => {
  const names = ['q?x=1&y=2.txt', 'with space.txt', "dir/it's (1)!*.txt", 'plus+sign.txt']
  const S = A.sb.storage.from(bucket)
  const P = A.sb.storage.from(pub)
  for (const [i, name] of names.entries()) {
    const body = Buffer.from(`content ${i} of ${name}`)
    assert.equal((await S.upload('names/' + name, tempFile(A.sim, body))).error, null, name)
    assert.equal((await P.upload(name, await arrayBuffer(A, body))).error, null, name)
  }
  const { data: listed } = await S.list('names', { limit: 100 })
  assert.deepEqual(
    plain(listed)
      .map((o) => o.name)
      .sort(),
    ['dir', 'plus+sign.txt', 'q?x=1&y=2.txt', 'with space.txt'].sort(),
  )
  for (const [i, name] of names.entries()) {
    const want = `content ${i} of ${name}`
    const dl = await S.download('names/' + name)
    assert.equal(bytesOf(dl.data).toString(), want, 'download ' + name)
    const tf = await S.download('names/' + name, { toTempFile: true })
    assert.equal(readTemp(A.sim, tf.data.tempFilePath).toString(), want, 'downloadFile ' + name)
    assert.equal((await S.exists('names/' + name)).data, true, 'exists ' + name)
    const signed = await S.createSignedUrl('names/' + name, 60)
    assert.equal((await send(signed.data.signedUrl)).text, want, 'signed URL ' + name)
    const { data: publicUrl } = P.getPublicUrl(name)
    assert.equal((await send(publicUrl.publicUrl)).text, want, 'public URL ' + name)
  }
  // object.ts signObjectUrls signs `${bucket}/${path}` from the body: right for every valid name
  const many = await S.createSignedUrls(
    names.map((n) => 'names/' + n),
    60,
  )
  assert.equal(many.error, null)
  for (const [i, item] of plain(many.data).entries()) {
    assert.equal(item.path, 'names/' + names[i])
    assert.equal((await send(item.signedUrl)).text, `content ${i} of ${names[i]}`)
  }
  assert.equal((await S.exists('names/q')).data, false, '"q?x=1&y=2.txt" is not "q"')
  assert.equal((await S.remove(names.map((n) => 'names/' + n))).data.length, names.length)
  // Refused names: 400 { statusCode: "400", error: "InvalidKey", message: "Invalid key: <name>", code: "InvalidKey" }
  // (codes.ts InvalidKey); the SDK's message adds the rule after the server's.
  for (const name of ['a#b.txt', '100%.txt', '%41.txt', '中文/文件 名.txt', 'tilde~.txt']) {
    for (const r of [
      await S.upload('names/' + name, tempFile(A.sim, Buffer.from('x'))),
      await S.upload('names/' + name, await arrayBuffer(A, Buffer.from('x'))),
      await S.download('names/' + name),
    ]) {
      assert.equal(r.error.name, 'StorageApiError', name)
      assert.equal(r.error.statusCode, '400', name)
      assert.deepEqual(plain(r.error.data), {
        statusCode: '400',
        error: 'InvalidKey',
        message: `Invalid key: names/${name}`,
        code: 'InvalidKey',
      })
      assert.ok(r.error.message.startsWith(`Invalid key: names/${name}. `), r.error.message)
      assert.equal(r.data, null)
    }
  }
})

test('empty paths and . / .. segments are refused with a StorageError before any request; getPublicUrl agrees (but names the bucket for an empty path)', async () => {
  const S = A.sb.storage.from(bucket)
  const bad = ['', '/', '//', '..', '.', 'a/../b', './x', 'a/.', '../' + bucket + '/x']
  const n = storageRequests()
  for (const p of bad) {
    const calls = [
      S.upload(p, tempFile(A.sim, Buffer.from('x'))),
      S.upload(p, await arrayBuffer(A, Buffer.from('x'))),
      S.update(p, await arrayBuffer(A, Buffer.from('x'))),
      S.download(p),
      S.download(p, { toTempFile: true }),
      S.createSignedUrl(p, 60),
      S.createSignedUrls([p], 60),
      S.createSignedUploadUrl(p),
      S.remove([p]),
      S.move(p, 'ok'),
      S.copy('ok', p),
      S.info(p),
      S.exists(p),
    ]
    for (const r of await Promise.all(calls)) {
      assert.equal(r.error.name, 'StorageError', p)
      assert.equal(r.error.status, undefined)
      assert.match(r.error.message, /^Invalid path ".*": (it names no object|"\." and "\.\." segments are not allowed)$/)
      assert.equal(r.error.data.message, r.error.message)
    }
    const direct = A.sb.storage.from(bucket).getPublicUrl(p)
    if (/^\/*$/.test(p)) {
      // getPublicUrl never fails for a path naming no object: storage-js' URL of '' (issue 14; tests/public_url.rs).
      assert.deepEqual(plain(direct), { data: { publicUrl: `${be.url}/storage/v1/object/public/${bucket}/` } })
      continue
    }
    assert.equal(direct.data, null)
    assert.equal(direct.error.message, (await S.download(p)).error.message, 'the shim and the core agree on ' + JSON.stringify(p))
  }
  for (const id of ['', '.', '..', 'a/b']) {
    const r = await A.sb.storage.from(id).download('x')
    assert.equal(r.error.message, `Invalid bucket id "${id}"`)
    assert.equal(A.sb.storage.from(id).getPublicUrl('x').error.message, r.error.message)
    assert.equal((await A.sb.storage.getBucket(id)).error.message, r.error.message)
  }
  const wrongFile = await S.upload('x.bin', 42)
  assert.equal(wrongFile.error.name, 'StorageError')
  assert.match(wrongFile.error.message, /got number\)$/)
  assert.equal(storageRequests(), n, 'nothing was sent')
})

test('getPublicUrl is synchronous (even before the core has loaded) and builds storage-js URLs', async () => {
  const { app } = await e2e.launchUser(be, project, 'o_storage_sync', sims)
  const r = app.require('lib/sync')
  assert.equal(r.loadedBefore, false, 'the wasm core had not loaded yet')
  assert.equal(r.isPromise, false)
  assert.equal(
    r.out.data.publicUrl,
    `${be.url}/storage/v1/render/image/public/avatars/folder/%E7%8C%AB%20%231.png?download=my%20cat.png&width=100&resize=cover`,
  )
  assert.equal(r.plain.data.publicUrl, `${be.url}/storage/v1/object/public/avatars/a.png?download=`)
})

// getPublicUrl's inputs for the before/after-load comparison (`'<undefined>'` is undefined).
const PUBLIC_URL_CASES = [
  ['avatars', 'a.png', '<undefined>'],
  ['avatars', '/dir//sub/a b#?&.png/', null],
  ['avatars', '中文/图片 #1.jpg', {}],
  ['头像', '猫/🐱.png', { download: '我的 猫.png' }],
  ['avatars', 'a.png', { download: true }],
  ['avatars', 'a.png', { download: '' }],
  ['avatars', 'a.png', { download: false }],
  ['avatars', 'a.png', { download: 'x', transform: { width: 100, height: 0, resize: 'cover', format: 'origin', quality: 80 } }],
  ['avatars', 'a.png', { transform: { width: '50', quality: 1.5, other: 1 } }],
  ['avatars', 'a.png', { transform: {} }],
  ['avatars', 'a.png', { transform: [1] }],
  ['avatars', 'a.png', { transform: { other: 1 } }],
  ['avatars', 'a.png', { cacheNonce: 1700000000000 }],
  ['avatars', 'a.png', { cacheNonce: 'n 1', download: true }],
  ['avatars', 'a.png', { cacheNonce: [1, null, 'x'] }],
  ['avatars', 'a.png', { cacheNonce: null }],
  ['avatars', 'a.png', 'not an object'],
  ['my bucket', "it's (1)!*~.png", '<undefined>'],
  ['avatars', '', '<undefined>'],
  ['avatars', '<undefined>', '<undefined>'],
  ['avatars', '<undefined>', { download: true }],
  ['avatars', null, '<undefined>'],
  ['avatars', 42, '<undefined>'],
  ['avatars', '///', '<undefined>'],
  ['avatars', 'a/../b', '<undefined>'],
  ['avatars', './a', { transform: { width: 1 } }],
  ['', 'a.png', '<undefined>'],
  ['.', 'a.png', '<undefined>'],
  ['..', 'a.png', '<undefined>'],
  ['a/b', 'a.png', '<undefined>'],
  [5, 'a.png', '<undefined>'],
  [null, 'a.png', '<undefined>'],
  ['<undefined>', 'a.png', '<undefined>'],
  ['<undefined>', '<undefined>', '<undefined>'],
]

test('getPublicUrl gives the same results before the core has loaded (the JS fallback) and after (the core)', async () => {
  const { app } = await e2e.launchUser(be, project, 'o_storage_public_urls', sims)
  const m = app.require('lib/public-urls')
  assert.equal(m.before.loaded, false, 'the first results came before the wasm core had loaded')
  const after = await m.after()
  assert.equal(after.loaded, true)
  const before = plain(m.before.results)
  const results = plain(after.results)
  assert.equal(results.length, PUBLIC_URL_CASES.length)
  for (let i = 0; i < PUBLIC_URL_CASES.length; i++) {
    assert.deepEqual(results[i], before[i], JSON.stringify(PUBLIC_URL_CASES[i]))
  }
  // The spread covers both outcomes, with the class and the hidden alias of each.
  assert.equal(results[0].data.publicUrl, `${be.url}/storage/v1/object/public/avatars/a.png`)
  assert.deepEqual(results[0].keys, ['data'])
  assert.equal(results[0].alias, true)
  const bad = results[PUBLIC_URL_CASES.findIndex((c) => c[0] === 'a/b')]
  assert.deepEqual(bad.keys, ['data', 'error'])
  assert.equal(bad.data, null)
  assert.deepEqual(bad.error, {
    name: 'StorageError',
    message: 'Invalid bucket id "a/b"',
    keys: bad.error.keys,
    data: { message: 'Invalid bucket id "a/b"' },
    storageError: true,
    isStorageError: true,
    error: true,
  })
  assert.ok(results.filter((r) => r.error).length >= 10 && results.filter((r) => !r.error).length >= 15)
})

test('the fallback computes what tests/fixtures/public-url.json (which tests/public_url.rs holds the core to) says', () => {
  const { publicUrl } = require('../../js-shim/public-url.js')
  const rows = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'public-url.json'), 'utf8'))
  assert.ok(rows.length >= 30)
  for (const [url, args, expected] of rows) {
    const r = publicUrl(url, ...JSON.parse(args))
    const out = { data: r.data }
    if (r.error) out.error = { body: r.error.body, message: r.error.message, name: r.error.name }
    assert.equal(JSON.stringify(out), expected, `${url} ${args}`)
  }
})

test('signed URLs work, carry the download name, and expire', async () => {
  const S = A.sb.storage.from(bucket)
  const bytes = randomBytes(4096)
  await S.upload('signed/report.pdf', await arrayBuffer(A, bytes))
  const { data, error } = await S.createSignedUrl('signed/report.pdf', 60, { download: '报告.pdf' })
  assert.equal(error, null)
  assert.match(
    data.signedUrl,
    new RegExp(
      `^${be.url}/storage/v1/object/sign/${bucket}/signed/report\\.pdf\\?token=[\\w.-]+&download=%E6%8A%A5%E5%91%8A\\.pdf$`,
    ),
  )
  const ok = await send(data.signedUrl)
  assert.equal(ok.status, 200)
  assert.ok(ok.raw.equals(bytes))
  assert.match(ok.headers['content-disposition'], /filename\*=UTF-8''%E6%8A%A5%E5%91%8A\.pdf/)
  const both = await S.createSignedUrls(['signed/report.pdf', 'signed/missing.pdf'], 60)
  assert.equal(both.data[1].signedUrl, null)
  assert.equal(both.data[1].error, 'Either the object does not exist or you do not have access to it')
  assert.equal(both.data.data, both.data, '2.2.0 compat: data.data')
  be.advanceTime(61 * 1000)
  const expired = await send(data.signedUrl)
  assert.equal(expired.status, 400)
  // object.ts verifyObjectSignature: jose's message as InvalidJWT
  assert.equal(expired.json.message, '"exp" claim timestamp check failed')
  assert.equal((await send(both.data[0].signedUrl)).status, 400, 'createSignedUrls URLs expire too')
  const fresh = await S.createSignedUrl('signed/report.pdf', 3600)
  assert.equal((await send(fresh.data.signedUrl)).status, 200)
})

test('createSignedUploadUrl + uploadToSignedUrl: upload once, from an ArrayBuffer or a temp file', async () => {
  const S = A.sb.storage.from(bucket)
  // 'a b(1).bin': `#` is no valid key (src/storage/limits.ts isValidKey; uploadNewObject would refuse it)
  const made = await S.createSignedUploadUrl('/signed-up/a b(1).bin')
  assert.equal(made.error, null)
  assert.equal(made.data.path, 'signed-up/a b(1).bin')
  assert.equal(
    made.data.signedUrl,
    `${be.url}/storage/v1/object/upload/sign/${bucket}/signed-up/a%20b(1).bin?token=${made.data.token}`,
  )
  const bytes = randomBytes(50 * 1024)
  // B uploads with A's token (anyone holding the URL may, once); the object belongs to A.
  const up = await B.sb.storage.from(bucket).uploadToSignedUrl(made.data.path, made.data.token, await arrayBuffer(B, bytes))
  assert.deepEqual(plain(up), { error: null, data: { path: 'signed-up/a b(1).bin', fullPath: `${bucket}/signed-up/a b(1).bin` } })
  assert.ok(bytesOf((await S.download('signed-up/a b(1).bin')).data).equals(bytes))
  // a second upload: the object exists and the token has no upsert (uploadSignedObject.ts → uploader.ts
  // canUpload: KeyAlreadyExists, 409 Duplicate; storage-api keeps no single-use record of tokens)
  const again = await B.sb.storage.from(bucket).uploadToSignedUrl(made.data.path, made.data.token, await arrayBuffer(B, bytes))
  assert.equal(again.error.name, 'StorageApiError')
  assert.equal(again.error.statusCode, '409')
  assert.equal(again.error.message, 'The resource already exists')

  const made2 = await S.createSignedUploadUrl('signed-up/from-file.jpg', { upsert: true })
  const fileBytes = randomBytes(20 * 1024)
  const up2 = await S.uploadToSignedUrl('signed-up/from-file.jpg', made2.data.token, { tempFilePath: tempFile(A.sim, fileBytes) })
  assert.equal(up2.error, null)
  assert.equal(A.sim.requests.at(-1).method, 'PUT', 'a PUT: WeChat cannot uploadFile with PUT, so the temp file was read')
  assert.equal(A.sim.requests.at(-1).header['content-type'], 'image/jpeg')
  assert.ok(bytesOf((await S.download('signed-up/from-file.jpg')).data).equals(fileBytes))
  const noFile = await S.uploadToSignedUrl('signed-up/x.bin', made2.data.token, { tempFilePath: 'wxfile://tmp_missing.bin' })
  assert.equal(noFile.error.name, 'StorageError')
  assert.match(noFile.error.message, /^Could not read the file "wxfile:\/\/tmp_missing\.bin"/)
})

test("owners only: B cannot overwrite, update, move or delete A's object; A can upsert its own", async () => {
  const SA = A.sb.storage.from(bucket)
  const SB = B.sb.storage.from(bucket)
  const original = randomBytes(1000)
  assert.equal((await SA.upload('owned/a.bin', tempFile(A.sim, original))).error, null)
  const other = randomBytes(1000)
  const dup = await SB.upload('owned/a.bin', tempFile(B.sim, other))
  assert.equal(dup.error.name, 'StorageApiError')
  assert.equal(dup.error.status, 400)
  assert.equal(dup.error.statusCode, '409')
  assert.equal(dup.error.message, 'The resource already exists')
  // the body as src/internal/errors/codes.ts KeyAlreadyExists renders it (with its `code`)
  assert.deepEqual(plain(dup.error.data), {
    statusCode: '409',
    error: 'Duplicate',
    message: 'The resource already exists',
    code: 'KeyAlreadyExists',
  })
  for (const r of [
    await SB.upload('owned/a.bin', tempFile(B.sim, other), { upsert: true }),
    await SB.upload('owned/a.bin', await arrayBuffer(B, other), { upsert: true }),
    await SB.update('owned/a.bin', tempFile(B.sim, other)),
  ]) {
    assert.equal(r.error.name, 'StorageApiError')
    assert.equal(r.error.statusCode, '403')
    assert.equal(r.error.message, 'new row violates row-level security policy')
    assert.equal(r.data, null)
  }
  // remove skips what RLS does not let B delete (pg.ts deleteObjects: DELETE ... RETURNING *)
  assert.deepEqual(plain(await SB.remove(['owned/a.bin'])), { data: [], error: null })
  // move finds no row B may update (object.ts moveObject → pg.ts updateObject: NoSuchKey)
  const mv = await SB.move('owned/a.bin', 'owned/b.bin')
  assert.equal(mv.error.name, 'StorageApiError')
  assert.equal(mv.error.statusCode, '404')
  assert.equal(mv.error.message, 'Object not found')
  assert.equal(mv.data, null)
  assert.ok(bytesOf((await SA.download('owned/a.bin')).data).equals(original), 'unchanged')
  const newer = randomBytes(2000)
  assert.equal((await SA.upload('owned/a.bin', tempFile(A.sim, newer), { upsert: true })).error, null)
  assert.equal(A.sim.requests.at(-1).header['x-upsert'], 'true')
  assert.ok(bytesOf((await SA.download('owned/a.bin')).data).equals(newer))
  const newest = randomBytes(3000)
  const upd = await SA.update('owned/a.bin', tempFile(A.sim, newest))
  assert.equal(upd.error, null)
  assert.deepEqual(Object.keys(plain(upd.data)), ['fullPath', 'id', 'path'])
  assert.ok(bytesOf((await SA.download('owned/a.bin')).data).equals(newest))
  // updateObject.ts uploads with isUpsert: true: update() of a missing object creates it
  assert.equal((await SA.update('owned/none.bin', await arrayBuffer(A, newest))).error, null, 'update creates')
  assert.ok(bytesOf((await SA.download('owned/none.bin')).data).equals(newest))
})

test('list, move, copy, remove, exists, info', async () => {
  const S = A.sb.storage.from(bucket)
  for (const n of ['c.txt', 'a.txt', 'b.txt', 'sub/d.txt']) {
    assert.equal((await S.upload('lst/' + n, await arrayBuffer(A, Buffer.from(n)))).error, null)
  }
  const all = await S.list('lst')
  assert.equal(all.error, null)
  assert.deepEqual(
    plain(all.data).map((o) => o.name),
    ['a.txt', 'b.txt', 'c.txt', 'sub'],
    'folders and files together by lower-cased name (migrations/tenant/0063-fix-search-name-relative-to-prefix.sql)',
  )
  assert.equal(all.data.data, all.data, '2.2.0 compat: data.data')
  assert.equal(Object.keys(all.data).includes('data'), false, 'the alias is hidden')
  const page = await S.list('lst/', { limit: 2, offset: 1, sortBy: { order: 'desc' } })
  assert.deepEqual(
    plain(page.data).map((o) => o.name),
    ['c.txt', 'b.txt'],
  )
  const search = await S.list('lst', { search: 'b' })
  assert.deepEqual(
    plain(search.data).map((o) => o.name),
    ['b.txt'],
  )
  assert.deepEqual(
    plain((await S.list()).data)
      .map((o) => o.name)
      .includes('lst'),
    true,
    'the root',
  )

  assert.deepEqual(plain(await S.move('lst/a.txt', 'lst/moved/a.txt')), { error: null, data: { message: 'Successfully moved' } })
  assert.equal((await S.exists('lst/a.txt')).data, false)
  const gone = await S.exists('lst/a.txt')
  assert.equal(gone.error.name, 'StorageApiError')
  assert.equal(gone.error.statusCode, '404')
  assert.equal((await S.exists('lst/moved/a.txt')).data, true)
  assert.deepEqual(plain(await S.copy('lst/b.txt', 'lst/copied.txt')), {
    error: null,
    data: { path: `${bucket}/lst/copied.txt` },
  })
  assert.equal(bytesOf((await S.download('lst/copied.txt')).data).toString(), 'b.txt')
  const moved = await S.move('lst/c.txt', 'c.txt', { destinationBucket: pub })
  assert.equal(moved.error, null)
  assert.equal(bytesOf((await A.sb.storage.from(pub).download('c.txt')).data).toString(), 'c.txt')

  const removed = await S.remove(['lst/b.txt', 'lst/copied.txt', 'lst/none.txt'])
  assert.equal(removed.error, null)
  assert.deepEqual(
    plain(removed.data)
      .map((o) => o.name)
      .sort(),
    ['lst/b.txt', 'lst/copied.txt'],
  )
  assert.equal(removed.data.data, removed.data)
  const info = await S.info('lst/moved/a.txt')
  assert.deepEqual(Object.keys(plain(info.data)).sort(), [
    'bucketId',
    'cacheControl',
    'contentType',
    'createdAt',
    'etag',
    'id',
    'lastModified',
    'metadata',
    'name',
    'size',
    'version',
  ])
  assert.equal(info.data.name, 'lst/moved/a.txt')
  assert.equal((await S.info('lst/none.txt')).error.statusCode, '404')
})

test('bucket CRUD with storage-js shapes and the 2.2.0 data aliases', async () => {
  const st = A.sb.storage
  const id = 'crud-' + crypto.randomBytes(3).toString('hex')
  const made = await st.createBucket(id, { public: false, fileSizeLimit: 1000, allowedMimeTypes: ['image/*'] })
  assert.deepEqual(plain(made), { error: null, data: { name: id } })
  assert.equal(made.data.data, made.data)
  const got = await st.getBucket(id)
  assert.equal(got.error, null)
  assert.equal(got.data.id, id)
  assert.equal(got.data.public, false)
  assert.equal(got.data.file_size_limit, 1000)
  assert.deepEqual(plain(got.data.allowed_mime_types), ['image/*'])
  const list = await st.listBuckets()
  assert.ok(plain(list.data).some((b) => b.id === id))
  assert.equal(list.data.data, list.data)
  assert.equal((await st.createBucket(id)).error.statusCode, '409')
  assert.deepEqual(plain(await st.updateBucket(id, { public: true, allowedMimeTypes: null })), {
    error: null,
    data: { message: 'Successfully updated' },
  })
  assert.equal((await st.getBucket(id)).data.public, true)
  const tooBig = await st.from(id).upload('big.png', await arrayBuffer(A, randomBytes(1001)))
  assert.equal(tooBig.error.statusCode, '413')
  assert.equal((await st.from(id).upload('ok.png', await arrayBuffer(A, randomBytes(10)))).error, null)
  // src/storage/storage.ts deleteBucket checks "not empty" first, for the owner and for anyone else
  assert.equal((await B.sb.storage.deleteBucket(id)).error.statusCode, '409', 'not the owner: not empty first')
  const notEmpty = await st.deleteBucket(id)
  assert.equal(notEmpty.error.statusCode, '409')
  assert.equal(notEmpty.error.data.error, 'ResourceNotEmpty')
  assert.equal(notEmpty.error.message, 'The bucket you tried to delete is not empty')
  // emptyBucket is for the service role only (src/http/routes/bucket/index.ts enforceJwtRoles): HTTP 403
  const empty = await st.emptyBucket(id)
  assert.equal(empty.error.name, 'StorageApiError')
  assert.equal(empty.error.status, 403)
  assert.equal(empty.error.statusCode, '403')
  assert.equal(empty.error.message, 'Access denied: Invalid role')
  assert.equal(empty.data, null)
  assert.equal((await st.from(id).remove(['ok.png'])).error, null)
  // someone else's empty bucket: RLS hides it from the DELETE (storage.ts deleteBucket → NoSuchBucket)
  assert.equal((await B.sb.storage.deleteBucket(id)).error.message, 'Bucket not found', 'not the owner')
  assert.deepEqual(plain(await st.deleteBucket(id)), { error: null, data: { message: 'Successfully deleted' } })
  const missing = await st.getBucket(id)
  // storage-api's body carries `code` (src/internal/errors/codes.ts NoSuchBucket); the error keeps it
  assert.deepEqual(plain(missing), {
    error: { name: 'StorageApiError', message: 'Bucket not found', status: 400, statusCode: '404', code: 'NoSuchBucket' },
    data: null,
  })
  const { StorageApiError, StorageError, isStorageError } = A.app.require('supabase-wechat')
  assert.ok(missing.error instanceof StorageApiError && missing.error instanceof StorageError)
  assert.ok(isStorageError(missing.error))
})

test("MemFire's template: const { data: { data } } = await list(), error.data.message, { path } items of wx.chooseMessageFile", async () => {
  const page = await A.app.openPage('pages/files/files')
  await page.load(bucket)
  await e2e.waitFor(() => page.data.files.length > 0)
  assert.ok(page.data.files.includes('round'))
  const item = { name: 'chat/doc.pdf', path: tempFile(A.sim, randomBytes(100), '.pdf'), size: 100, type: 'file', time: 1 }
  await page.send(bucket, item)
  await e2e.waitFor(() => page.data.msg)
  assert.equal(page.data.msg, 'ok chat/doc.pdf')
  page.setData({ msg: '' })
  await page.send(bucket, item)
  await e2e.waitFor(() => page.data.msg)
  assert.equal(page.data.msg, 'The resource already exists')
  const { path: only } = item
  assert.equal((await A.sb.storage.from(bucket).upload('chat/doc2.pdf', { path: only })).error, null, 'a bare { path } works too')
  assert.equal((await A.sb.storage.from(bucket).info('chat/doc2.pdf')).data.contentType, 'application/pdf')
})

test('every storage call resolves with a StorageError under injected faults: HTTP 500, connection reset, a hang past the timeout, a malformed body', async () => {
  const sb = A.app.require('lib/short').supabase // requestTimeout: 400 ms for wx.request
  const t = { timeout: 400 } // uploads and downloads (a file's bytes) wait at least 120 s unless told
  const S = sb.storage.from(bucket)
  const spare = 'faults-' + crypto.randomBytes(3).toString('hex')
  assert.equal((await A.sb.storage.createBucket(spare)).error, null)
  const ab = () => arrayBuffer(A, randomBytes(1000))
  const file = () => tempFile(A.sim, randomBytes(1000))
  const CALLS = {
    listBuckets: () => sb.storage.listBuckets(),
    getBucket: () => sb.storage.getBucket(bucket),
    createBucket: () => sb.storage.createBucket('never-' + crypto.randomBytes(3).toString('hex')),
    updateBucket: () => sb.storage.updateBucket(spare, { public: false }),
    emptyBucket: () => sb.storage.emptyBucket(spare),
    deleteBucket: () => sb.storage.deleteBucket(spare),
    'upload (temp file)': async () => S.upload('faults/x.bin', file(), t),
    'upload (ArrayBuffer)': async () => S.upload('faults/x.bin', await ab(), t),
    update: async () => S.update('faults/none.bin', await ab(), t),
    'download (ArrayBuffer)': () => S.download('round/trip.bin', t),
    'download (temp file)': () => S.download('round/trip.bin', { toTempFile: true, ...t }),
    info: () => S.info('round/trip.bin'),
    exists: () => S.exists('round/trip.bin'),
    createSignedUrl: () => S.createSignedUrl('round/trip.bin', 60),
    createSignedUrls: () => S.createSignedUrls(['round/trip.bin'], 60),
    createSignedUploadUrl: () => S.createSignedUploadUrl('faults/y.bin'),
    uploadToSignedUrl: async () => S.uploadToSignedUrl('faults/y.bin', 'token', await ab(), t),
    list: () => S.list('round'),
    remove: () => S.remove(['faults/none.bin']),
    move: () => S.move('faults/none.bin', 'faults/none2.bin'),
    copy: () => S.copy('faults/none.bin', 'faults/none2.bin'),
  }
  const { isStorageError } = A.app.require('supabase-wechat')
  const FAULTS = [
    [
      'status 500',
      { fault: 'status', status: 500 },
      (e) =>
        e.name === 'StorageApiError' &&
        e.status === 500 &&
        e.statusCode === '500' &&
        e.message === 'An unexpected error occurred',
    ],
    [
      'status 503 (HTML)',
      { fault: 'status', status: 503 },
      (e) => e.name === 'StorageApiError' && e.status === 503 && e.message === 'HTTP 503 error' && e.data.message === e.message,
    ],
    ['reset', { fault: 'reset' }, (e) => e.name === 'StorageUnknownError' && /network request failed/.test(e.message)],
    ['hang', { fault: 'hang' }, (e) => e.name === 'StorageUnknownError' && /did not answer in time/.test(e.message)],
    [
      'malformed',
      { fault: 'malformed' },
      (e) => e.name === 'StorageUnknownError' && e.message === "The storage server's reply is not valid JSON",
    ],
  ]
  const malformedBody = '{"message":"ok","data":[{"id":1,"name":"trunc'
  let calls = 0
  for (const [label, spec, expected] of FAULTS) {
    for (const [name, run] of Object.entries(CALLS)) {
      be.faults.clear()
      const applied = be.faults.log.length
      be.faults.add({ path: '/storage/v1/*', count: 1, ...spec })
      const started = Date.now()
      const r = await run()
      calls++
      assert.equal(be.faults.log.length, applied + 1, `${label} applied to ${name}`)
      assert.ok(Date.now() - started < 6000, `${label} ${name} resolved in time`)
      if (label === 'malformed' && name.startsWith('download')) {
        // A download's 200 body is the file: a truncated JSON file is a valid file.
        const bytes = name.endsWith('(ArrayBuffer)') ? bytesOf(r.data) : readTemp(A.sim, r.data.tempFilePath)
        assert.equal(bytes.toString(), malformedBody)
        continue
      }
      assert.ok(r.error, `${label} ${name}: an error`)
      assert.ok(isStorageError(r.error), `${label} ${name}: a StorageError (${r.error.name})`)
      assert.ok(expected(r.error), `${label} ${name}: ${JSON.stringify(r.error)} ${r.error.message}`)
      assert.equal(typeof r.error.data.message, 'string', 'error.data.message')
      assert.equal(r.data, name === 'exists' ? false : null, `${label} ${name}: data`)
    }
  }
  be.faults.clear()
  assert.equal(calls, FAULTS.length * Object.keys(CALLS).length)
  assert.equal((await S.exists('round/trip.bin')).data, true, 'works again')
})

test('download and list take storage-js parameters.signal: aborting resolves the call at once', async () => {
  const S = A.sb.storage.from(bucket)
  for (const run of [(signal) => S.download('round/trip.bin', {}, { signal }), (signal) => S.list('round', {}, { signal })]) {
    const applied = be.faults.log.length
    be.faults.add({ path: '/storage/v1/*', fault: 'hang', count: 1 })
    const listeners = []
    const signal = { aborted: false, addEventListener: (type, fn) => type === 'abort' && listeners.push(fn) }
    const pending = run(signal)
    await e2e.waitFor(() => be.faults.log.length > applied) // the request is in flight, hanging
    signal.aborted = true
    for (const fn of listeners) fn()
    const r = await pending
    assert.equal(r.error.name, 'StorageUnknownError')
    assert.equal(r.error.message, 'The request was aborted')
    be.faults.clear()
  }
})
