'use strict'
// Upload and download progress (issue 16): `onUploadProgress` on upload / update / uploadToSignedUrl and
// `onDownloadProgress` on download, through the built package in the strict simulator against the local
// backend, with multi-MB bodies; and the simulator's UploadTask / DownloadTask.onProgressUpdate themselves
// (WeChat's shape: progress, totalBytesSent / totalBytesExpectedToSend, totalBytesWritten /
// totalBytesExpectedToWrite; several events as the bytes move, monotonic, ending at the total, before success).
// What each transport can report is in docs/storage-progress.md.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const e2e = require('./lib/e2e')

const MB = 1024 * 1024
let be
let project
const sims = []
let A // { sim, app, sb }
let bucket

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({ url: be.url, key: be.anonKey, as: 'supabase', clients: { supabase: {} } })
  A = await e2e.signedInUser(be, project, 'o_progress_a', sims, 'supabase')
  const sb = A.sb
  bucket = 'progress-' + crypto.randomBytes(3).toString('hex')
  assert.equal((await sb.storage.createBucket(bucket)).error, null)
})

after(() => e2e.closeAll({ sims, project, be }))

const plain = (x) => JSON.parse(JSON.stringify(x))
const bytesOf = (ab) => Buffer.from(new Uint8Array(ab))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// A temp file in the simulator with these bytes: its wxfile:// path.
function tempFile(bytes, ext = '.bin') {
  const name = 'tmp_' + crypto.randomBytes(6).toString('hex') + ext
  fs.writeFileSync(path.join(A.sim.tmpDir, name), bytes)
  return 'wxfile://' + name
}

// An ArrayBuffer in the page's realm (read from a temp file, as a page would).
const arrayBuffer = (bytes) => A.app.eval(`wx.getFileSystemManager().readFileSync(${JSON.stringify(tempFile(bytes))})`)

// Runs `call(onProgress)` and records every event, marking those that came after the promise resolved.
async function recorded(call) {
  const events = []
  let resolved = false
  const res = await call((e) =>
    events.push({ keys: Object.keys(e), loaded: e.loaded, total: e.total, progress: e.progress, late: resolved }),
  )
  resolved = true
  await sleep(100) // anything still coming would be recorded as late
  return { res, events }
}

// The events of a successful transfer of `total` bytes: at least `min` of them, integers, progress the
// integer percent, monotonic, the last one loaded === total, none after the promise resolved.
function assertEvents(events, total, min) {
  assert.ok(events.length >= min, `at least ${min} events, got ${events.length}: ${JSON.stringify(events)}`)
  assert.ok(events.length <= 101, `at most one event per integer percent, got ${events.length}`)
  let prev = -1
  for (const e of events) {
    assert.deepEqual(e.keys, ['loaded', 'total', 'progress'])
    assert.ok(Number.isInteger(e.loaded) && Number.isInteger(e.total) && Number.isInteger(e.progress), JSON.stringify(e))
    assert.ok(e.loaded > prev, `monotonic: ${JSON.stringify(events.map((x) => x.loaded))}`)
    prev = e.loaded
    assert.ok(e.loaded <= e.total, JSON.stringify(e))
    assert.equal(e.progress, e.total > 0 ? Math.floor((e.loaded * 100) / e.total) : 0)
    assert.equal(e.late, false, 'no event after the promise resolved')
  }
  const last = events.at(-1)
  assert.equal(last.total, total)
  assert.equal(last.loaded, total)
  assert.equal(last.progress, 100)
}

test('simulator: UploadTask / DownloadTask.onProgressUpdate report a multi-MB transfer as the bytes move', async () => {
  const bytes = crypto.randomBytes(4 * MB + 5)
  const token = (await A.sb.auth.getSession()).data.session.access_token
  const url = `${be.url}/storage/v1/object/${bucket}/sim/raw.bin`
  const run = (api, options) =>
    A.app.eval(`new Promise((resolve) => {
      const events = []
      const task = wx.${api}(Object.assign(${JSON.stringify(options)}, {
        success: (res) => resolve({ ok: true, statusCode: res.statusCode, tempFilePath: res.tempFilePath, events }),
        fail: (err) => resolve({ ok: false, errMsg: err.errMsg, events }),
      }))
      task.onProgressUpdate((e) => events.push(Object.assign({ keys: Object.keys(e) }, e)))
    })`)
  const header = { Authorization: 'Bearer ' + token, apikey: be.anonKey }
  const up = plain(await run('uploadFile', { url, filePath: tempFile(bytes), name: 'file', header }))
  assert.equal(up.ok, true, up.errMsg)
  assert.equal(up.statusCode, 200)
  const sent = up.events
  assert.ok(sent.length >= 10, `several events, got ${sent.length}`)
  const body = sent.at(-1).totalBytesExpectedToSend // the multipart body: the file plus its part headers
  assert.ok(body > bytes.length && body < bytes.length + 1024, String(body))
  let prev = -1
  for (const e of sent) {
    assert.deepEqual(e.keys, ['progress', 'totalBytesSent', 'totalBytesExpectedToSend'])
    assert.equal(e.totalBytesExpectedToSend, body)
    assert.ok(e.totalBytesSent > prev)
    prev = e.totalBytesSent
    assert.equal(e.progress, Math.floor((e.totalBytesSent * 100) / body))
  }
  assert.equal(sent.at(-1).totalBytesSent, body)

  const down = plain(await run('downloadFile', { url, header }))
  assert.equal(down.ok, true, down.errMsg)
  assert.ok(fs.readFileSync(path.join(A.sim.tmpDir, down.tempFilePath.slice('wxfile://'.length))).equals(bytes))
  const got = down.events
  assert.ok(got.length >= 10, `several events, got ${got.length}`)
  prev = -1
  for (const e of got) {
    assert.deepEqual(e.keys, ['progress', 'totalBytesWritten', 'totalBytesExpectedToWrite'])
    assert.equal(e.totalBytesExpectedToWrite, bytes.length)
    assert.ok(e.totalBytesWritten > prev)
    prev = e.totalBytesWritten
    assert.equal(e.progress, Math.floor((e.totalBytesWritten * 100) / bytes.length))
  }
  assert.equal(got.at(-1).totalBytesWritten, bytes.length)
  assert.equal(got.at(-1).progress, 100)
})

test('upload of a temp file (wx.uploadFile): onUploadProgress as WeChat reports it, ending at the total', async () => {
  const bytes = crypto.randomBytes(5 * MB + 7)
  const S = A.sb.storage.from(bucket)
  const before = A.sim.requests.length
  const { res, events } = await recorded((onUploadProgress) =>
    S.upload(
      'big/file.bin',
      { tempFilePath: tempFile(bytes) },
      { contentType: 'application/x-big', upsert: true, onUploadProgress },
    ),
  )
  assert.equal(res.error, null)
  const sent = A.sim.requests.slice(before)
  assert.equal(sent.length, 1)
  assert.equal(sent[0].api, 'uploadFile')
  // The other options still reach the core, unchanged (the function never does: it is not JSON).
  assert.deepEqual(plain(sent[0].data.formData), { cacheControl: '3600', contentType: 'application/x-big' })
  assert.equal(sent[0].header['x-upsert'], 'true')
  // wx.uploadFile counts the multipart body it sends: the file and a few hundred bytes of part headers.
  const total = events.at(-1).total
  assert.ok(total > bytes.length && total < bytes.length + 1024, String(total))
  assertEvents(events, total, 10)
  const info = await S.info('big/file.bin')
  assert.equal(info.data.size, bytes.length)
  assert.equal(info.data.contentType, 'application/x-big')
})

test('download to a temp file (wx.downloadFile): onDownloadProgress as the bytes arrive, ending at the size', async () => {
  const bytes = crypto.randomBytes(5 * MB + 11)
  const S = A.sb.storage.from(bucket)
  assert.equal((await S.upload('big/down.bin', { tempFilePath: tempFile(bytes) })).error, null)
  const { res, events } = await recorded((onDownloadProgress) =>
    S.download('big/down.bin', { toTempFile: true, onDownloadProgress }),
  )
  assert.equal(res.error, null)
  assert.equal(A.sim.requests.at(-1).api, 'downloadFile')
  assert.ok(fs.readFileSync(path.join(A.sim.tmpDir, res.data.tempFilePath.slice('wxfile://'.length))).equals(bytes))
  assertEvents(events, bytes.length, 10)
})

test('download to an ArrayBuffer (wx.request, no progress events in WeChat): 0 of its Content-Length, then the size', async () => {
  const bytes = crypto.randomBytes(3 * MB + 1)
  const S = A.sb.storage.from(bucket)
  assert.equal((await S.upload('big/ab.bin', { tempFilePath: tempFile(bytes) })).error, null)
  const { res, events } = await recorded((onDownloadProgress) => S.download('big/ab.bin', { onDownloadProgress }))
  assert.equal(res.error, null)
  assert.equal(A.sim.requests.at(-1).api, 'request')
  assert.ok(bytesOf(res.data).equals(bytes))
  assertEvents(events, bytes.length, 2)
  assert.deepEqual(
    events.map((e) => [e.loaded, e.total, e.progress]),
    [
      [0, bytes.length, 0],
      [bytes.length, bytes.length, 100],
    ],
  )
})

test('ArrayBuffer uploads, update and uploadToSignedUrl (wx.request): 0 when sent, the size on success', async () => {
  const S = A.sb.storage.from(bucket)
  const twoEvents = (events, n) => {
    assertEvents(events, n, 2)
    assert.deepEqual(
      events.map((e) => [e.loaded, e.total, e.progress]),
      [
        [0, n, 0],
        [n, n, 100],
      ],
    )
  }
  const a = crypto.randomBytes(2 * MB + 3)
  const up = await recorded(async (onUploadProgress) =>
    S.upload('ab/up.bin', await arrayBuffer(a), { cacheControl: '60', onUploadProgress }),
  )
  assert.equal(up.res.error, null)
  assert.equal(A.sim.requests.at(-1).api, 'request')
  assert.equal(A.sim.requests.at(-1).header['cache-control'], 'max-age=60')
  twoEvents(up.events, a.length)

  // update (PUT): a temp file is read into an ArrayBuffer first (wx.uploadFile cannot PUT).
  const b = crypto.randomBytes(MB + 5)
  const upd = await recorded((onUploadProgress) => S.update('ab/up.bin', tempFile(b), { onUploadProgress }))
  assert.equal(upd.res.error, null)
  assert.equal(A.sim.requests.at(-1).method, 'PUT')
  twoEvents(upd.events, b.length)
  assert.ok(bytesOf((await S.download('ab/up.bin')).data).equals(b))

  const c = crypto.randomBytes(MB + 9)
  const signed = await S.createSignedUploadUrl('ab/signed.bin')
  assert.equal(signed.error, null)
  const sig = await recorded(async (onUploadProgress) =>
    S.uploadToSignedUrl('ab/signed.bin', signed.data.token, await arrayBuffer(c), { onUploadProgress }),
  )
  assert.equal(sig.res.error, null)
  twoEvents(sig.events, c.length)
  assert.ok(bytesOf((await S.download('ab/signed.bin')).data).equals(c))

  // An empty body: nothing to count, but the call still ends at 100.
  const empty = await recorded(async (onUploadProgress) =>
    S.upload('ab/empty.bin', await arrayBuffer(Buffer.alloc(0)), { onUploadProgress }),
  )
  assert.equal(empty.res.error, null)
  assert.deepEqual(
    empty.events.map((e) => [e.loaded, e.total, e.progress, e.late]),
    [
      [0, 0, 0, false],
      [0, 0, 100, false],
    ],
  )
})

test('a callback that throws is reported on the console and the transfer goes on; failures end without a final event', async () => {
  const S = A.sb.storage.from(bucket)
  const bytes = crypto.randomBytes(2 * MB)
  let calls = 0
  const logs = A.app.logs.length
  const res = await S.upload('throws/file.bin', tempFile(bytes), {
    onUploadProgress: () => {
      calls++
      throw new Error('page bug')
    },
  })
  assert.equal(res.error, null)
  assert.ok(calls >= 10, `every event still delivered: ${calls}`)
  const errors = A.app.logs.slice(logs).filter((l) => l.level === 'error')
  assert.ok(errors.length >= 1)
  assert.match(String(errors[0].args[0]), /^supabase-wechat: onUploadProgress threw: page bug$/)
  assert.equal((await S.info('throws/file.bin')).data.size, bytes.length)

  // A refused upload (the object exists, no upsert) resolves with its error: no event says it arrived.
  const again = await recorded(async (onUploadProgress) =>
    S.upload('throws/file.bin', await arrayBuffer(bytes), { onUploadProgress }),
  )
  assert.equal(again.res.error.name, 'StorageApiError')
  assert.deepEqual(
    again.events.map((e) => [e.loaded, e.total]),
    [[0, bytes.length]],
  )
  // A download of a missing object: nothing past the start.
  const missing = await recorded((onDownloadProgress) =>
    S.download('throws/missing.bin', { toTempFile: true, onDownloadProgress }),
  )
  assert.ok(missing.res.error)
  assert.ok(missing.events.every((e) => e.loaded < e.total || e.total === 0) && missing.events.every((e) => !e.late))
})

test('an aborted upload stops its events when its promise resolves', async () => {
  const S = A.sb.storage.from(bucket)
  const bytes = crypto.randomBytes(8 * MB)
  const ctl = await A.app.eval(`(() => { let h = null; const s = { aborted: false, addEventListener: (_t, f) => { h = f } }
    return { signal: s, abort: () => { s.aborted = true; h && h() } } })()`)
  let aborted = false
  const { res, events } = await recorded((onUploadProgress) =>
    S.upload('abort/file.bin', tempFile(bytes), {
      signal: ctl.signal,
      onUploadProgress: (e) => {
        onUploadProgress(e)
        if (!aborted && e.progress >= 10) {
          aborted = true
          ctl.abort()
        }
      },
    }),
  )
  assert.ok(res.error, 'aborted')
  assert.ok(events.length >= 1)
  assert.ok(events.every((e) => !e.late))
  assert.ok(events.at(-1).loaded < events.at(-1).total, 'no final event for an aborted upload')
})
