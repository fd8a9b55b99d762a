'use strict'
// Every storage call of the SDK for object names with spaces and `+ ? & = ; , @ $ :` (names storage-api
// accepts) and for names it refuses (CJK, emoji, `#`, `%`, `~`), end to end: the packed package in the
// strict simulator against the local Storage API, which signs, verifies and validates keys as
// supabase/storage 1.11.2 does (backend/storage.js). The real server's rules these results come from:
// - src/storage/limits.ts isValidKey: keys match [A-Za-z0-9_/!.*'() &$=@;:+,?-] (the same set since 2021-03).
// - src/storage/object.ts: uploadNewObject, findObject, copyObject and moveObject call mustBeValidKey
//   (upload, update, uploadToSignedUrl, info, download, the single signing route, the public route, copy and
//   move destinations answer 400 InvalidKey); signObjectUrls (batch) and deleteObjects look names up without
//   it (not found / nothing removed); signObjectUrl signs decodeURI(raw request path).
// - src/storage/uploader.ts canUpload: createSignedUploadUrl checks permissions only, so a refused name gets
//   a token and fails at uploadToSignedUrl.
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
let A
let bucket
let pub

// Accepted by storage-api: spaces and every character of its rule that URLs treat specially.
const ALLOWED = [
  'with space.txt',
  'a+b.txt',
  'what?.txt',
  'q?x=1&y=2.txt',
  'k=v;w,x.txt',
  'at@sign$.txt',
  'co:lon.txt',
  "it's (1)!*.txt",
  'dir/sub dir/+?&=;,@$: all.txt',
]
// Refused by storage-api with 400 InvalidKey.
const REFUSED = ['头像.png', '😀.png', '#1.png', '100%.png', 'til~de.png', '中文/a.png']

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({ url: be.url, key: be.anonKey, as: 'supabase', clients: { supabase: {} } })
  A = await e2e.signedInUser(be, project, 'o_storage_names', sims, 'supabase')
  const sb = A.sb
  bucket = 'names-' + crypto.randomBytes(3).toString('hex')
  pub = 'names-pub-' + crypto.randomBytes(3).toString('hex')
  assert.equal((await sb.storage.createBucket(bucket)).error, null)
  assert.equal((await sb.storage.createBucket(pub, { public: true })).error, null)
})

after(() => e2e.closeAll({ sims, project, be }))

const plain = (x) => JSON.parse(JSON.stringify(x))
const bytesOf = (ab) => Buffer.from(new Uint8Array(ab))

function tempFile(text) {
  const name = 'tmp_' + crypto.randomBytes(6).toString('hex') + '.txt'
  fs.writeFileSync(path.join(A.sim.tmpDir, name), text)
  return 'wxfile://' + name
}

function readTemp(wxPath) {
  return fs.readFileSync(path.join(A.sim.tmpDir, wxPath.slice('wxfile://'.length))).toString()
}

const arrayBuffer = (text) => A.app.eval(`wx.getFileSystemManager().readFileSync(${JSON.stringify(tempFile(text))})`)

test('names storage-api accepts: every storage call addresses the object named, and every URL opens it', async () => {
  const S = A.sb.storage.from(bucket)
  const P = A.sb.storage.from(pub)
  for (const name of ALLOWED) {
    const first = `first ${name}`
    const up = await S.upload(name, tempFile(first))
    assert.deepEqual([up.error, up.data && up.data.path, up.data && up.data.fullPath], [null, name, `${bucket}/${name}`], name)
    assert.equal((await P.upload(name, await arrayBuffer(first))).error, null, 'ArrayBuffer upload ' + name)
    assert.equal((await S.download(name)).data && bytesOf((await S.download(name)).data).toString(), first, name)

    const second = `second ${name}`
    assert.equal((await S.update(name, await arrayBuffer(second))).error, null, 'update ' + name)
    assert.equal(bytesOf((await S.download(name)).data).toString(), second, 'download ' + name)
    assert.equal(readTemp((await S.download(name, { toTempFile: true })).data.tempFilePath), second, 'downloadFile ' + name)
    const info = await S.info(name)
    assert.deepEqual([info.error, info.data.name, info.data.size], [null, name, Buffer.byteLength(second)], 'info ' + name)
    assert.deepEqual(plain(await S.exists(name)), { data: true, error: null }, 'exists ' + name)

    const signed = await S.createSignedUrl(name, 60, { download: 'saved.txt' })
    assert.equal(signed.error, null, name)
    const opened = await send(signed.data.signedUrl)
    assert.deepEqual([opened.status, opened.text], [200, second], 'signed URL of ' + name + ': ' + signed.data.signedUrl)
    assert.match(opened.headers['content-disposition'], /filename="?saved\.txt/)
    const pubUrl = P.getPublicUrl(name).data.publicUrl
    assert.deepEqual([(await send(pubUrl)).status, (await send(pubUrl)).text], [200, first], 'public URL ' + name)

    const made = await S.createSignedUploadUrl('up/' + name)
    assert.equal(made.error, null, name)
    const third = `third ${name}`
    const put = await S.uploadToSignedUrl(made.data.path, made.data.token, await arrayBuffer(third))
    assert.deepEqual(plain(put), { data: { path: 'up/' + name, fullPath: `${bucket}/up/${name}` }, error: null })
    assert.equal(bytesOf((await S.download('up/' + name)).data).toString(), third)

    assert.equal((await S.copy(name, 'copies/' + name)).error, null, 'copy ' + name)
    assert.equal((await S.move('copies/' + name, 'moved/' + name)).error, null, 'move ' + name)
    assert.equal(bytesOf((await S.download('moved/' + name)).data).toString(), second, 'moved ' + name)
    assert.equal((await S.exists('copies/' + name)).data, false)
  }
  const all = await S.createSignedUrls(ALLOWED, 60)
  assert.equal(all.error, null)
  for (const [i, item] of plain(all.data).entries()) {
    assert.equal(item.path, ALLOWED[i])
    assert.equal((await send(item.signedUrl)).text, `second ${ALLOWED[i]}`, 'createSignedUrls ' + ALLOWED[i])
  }
  const top = plain((await S.list('', { limit: 100 })).data).map((o) => o.name)
  for (const name of ALLOWED.filter((n) => !n.includes('/'))) assert.ok(top.includes(name), `list shows ${name}`)
  const deep = plain((await S.list('dir/sub dir')).data).map((o) => o.name)
  assert.deepEqual(deep, ['+?&=;,@$: all.txt'])
  const removed = await S.remove([...ALLOWED, ...ALLOWED.map((n) => 'up/' + n), ...ALLOWED.map((n) => 'moved/' + n)])
  assert.equal(removed.error, null)
  assert.equal(removed.data.length, ALLOWED.length * 3)
})

// The error storage-api gives a refused name, as the SDK passes it on: its message says the rule and what to do.
function assertInvalidKey(r, name, what) {
  assert.ok(r.error, `${what} ${name}: expected an error`)
  assert.deepEqual(
    [r.error.name, r.error.status, r.error.statusCode, r.error.code],
    ['StorageApiError', 400, '400', 'InvalidKey'],
    `${what} ${name}: ${r.error.message}`,
  )
  assert.ok(r.error.message.startsWith(`Invalid key: ${name}. Storage accepts object names made only of`), r.error.message)
  assert.match(r.error.message, /metadata/)
  assert.equal(r.error.data.message, `Invalid key: ${name}`, 'error.data is the server body')
}

test('names storage-api refuses: a clear InvalidKey error from every call that names them, nothing stored', async () => {
  const S = A.sb.storage.from(bucket)
  const P = A.sb.storage.from(pub)
  // The recommended practice (README "object names"): an ASCII key, the original name in metadata.
  assert.equal((await S.upload('ok.txt', tempFile('ok'), { metadata: { name: '头像 #1.png' } })).error, null)
  assert.deepEqual(plain((await S.info('ok.txt')).data.metadata), { name: '头像 #1.png' })
  for (const name of REFUSED) {
    assertInvalidKey(await S.upload(name, tempFile('x')), name, 'upload (temp file)')
    assertInvalidKey(await S.upload(name, await arrayBuffer('x')), name, 'upload (ArrayBuffer)')
    assertInvalidKey(await S.update(name, await arrayBuffer('x')), name, 'update')
    assertInvalidKey(await S.info(name), name, 'info')
    const ex = await S.exists(name)
    assert.equal(ex.data, false)
    assertInvalidKey(ex, name, 'exists')
    assertInvalidKey(await S.download(name), name, 'download')
    assertInvalidKey(await S.download(name, { toTempFile: true }), name, 'download (temp file)')
    assertInvalidKey(await S.copy('ok.txt', name), name, 'copy to')
    assertInvalidKey(await S.move('ok.txt', name), name, 'move to')

    const signed = await S.createSignedUrl(name, 60)
    if (name.includes('#')) {
      // Signed by the batch route, which looks names up without the key rule: not found.
      assert.deepEqual(
        [signed.error.message, signed.error.status, signed.error.statusCode, signed.error.code],
        ['Object not found', 400, '404', 'NoSuchKey'],
      )
    } else {
      assertInvalidKey(signed, name, 'createSignedUrl')
    }
    const many = await S.createSignedUrls([name, 'ok.txt'], 60)
    assert.equal(many.error, null)
    assert.deepEqual(plain(many.data[0]), {
      error: 'Either the object does not exist or you do not have access to it',
      path: name,
      signedURL: null,
      signedUrl: null,
    })
    assert.equal((await send(many.data[1].signedUrl)).text, 'ok')

    const made = await S.createSignedUploadUrl(name)
    assert.equal(made.error, null, 'createSignedUploadUrl checks permissions only: ' + name)
    assertInvalidKey(await S.uploadToSignedUrl(name, made.data.token, await arrayBuffer('x')), name, 'uploadToSignedUrl')

    const publicUrl = P.getPublicUrl(name).data.publicUrl
    const opened = await send(publicUrl)
    assert.deepEqual([opened.status, opened.json.error, opened.json.message], [400, 'InvalidKey', `Invalid key: ${name}`])
    assert.deepEqual(plain(await S.remove([name])), { data: [], error: null }, 'remove skips what is not there')
  }
  assert.deepEqual(
    plain((await S.list('', { limit: 100 })).data).map((o) => o.name),
    ['ok.txt'],
    'nothing else stored',
  )
  assert.equal(bytesOf((await S.download('ok.txt')).data).toString(), 'ok', 'the source of a refused move is kept')
})

test("on a deployment that accepts any name (storage-api before 2021-03; the backend's storageLegacyKeys), the same SDK reads and writes the refused names", async () => {
  const legacy = await startBackend({ port: 0, storageLegacyKeys: true })
  const legacyProject = await clientProject({ url: legacy.url, key: legacy.anonKey, as: 'supabase', clients: { supabase: {} } })
  const own = []
  try {
    const { sim, app, sb } = await e2e.signedInUser(legacy, legacyProject, 'o_storage_legacy', own, 'supabase')
    const b = 'legacy-' + crypto.randomBytes(3).toString('hex')
    assert.equal((await sb.storage.createBucket(b)).error, null)
    const S = sb.storage.from(b)
    const buffer = (text) => {
      const name = 'tmp_' + crypto.randomBytes(6).toString('hex')
      fs.writeFileSync(path.join(sim.tmpDir, name), text)
      return app.eval(`wx.getFileSystemManager().readFileSync('wxfile://${name}')`)
    }
    for (const name of REFUSED) {
      assert.equal((await S.upload(name, await buffer('legacy ' + name))).error, null, name)
      assert.equal(bytesOf((await S.download(name)).data).toString(), 'legacy ' + name, name)
      const signed = await S.createSignedUrl(name, 60)
      assert.equal(signed.error, null, name)
      assert.equal((await send(signed.data.signedUrl)).text, 'legacy ' + name, 'signed URL of ' + name)
    }
    assert.equal((await S.remove(REFUSED)).data.length, REFUSED.length)
  } finally {
    await e2e.closeAll({ sims: own, project: legacyProject, be: legacy })
  }
})
