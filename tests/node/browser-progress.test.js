'use strict'
// Upload and download progress in the browser entry (issue 16), in Debian's Chromium (playwright-core) against
// the local backend: the bundle and its wasm served on 127.0.0.1, a multi-MB upload (XMLHttpRequest's
// upload.onprogress: the one browser API that reports a request body) and download (fetch's body stream,
// counted against Content-Length), with the network throttled through the DevTools protocol (2 MB/s up, 8 MB/s
// down) so the bytes take long enough to be seen moving (Chromium fires upload progress at most every 50 ms; at
// 8 MB/s up it sometimes fired once). A refused and an aborted upload end without a full bar.
// Run: bash scripts/build.sh && node --test tests/node/browser-progress.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')

const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))
const { browserMissing, launchBrowser } = require('./lib/browser')

const DIST = path.join(__dirname, '..', '..', 'dist', 'supabase-wechat', 'browser')
const missing =
  browserMissing() ||
  (!fs.existsSync(path.join(DIST, 'supabase-wechat.js')) && 'no browser bundle (bash scripts/build.sh)') ||
  null
const MB = 1024 * 1024

let be, site, browser

before(async () => {
  if (missing) throw new Error(missing)
  const files = {
    '/supabase-wechat.js': ['text/javascript; charset=utf-8', path.join(DIST, 'supabase-wechat.js')],
    '/supabase_wechat_bg.wasm': ['application/wasm', path.join(DIST, 'supabase_wechat_bg.wasm')],
  }
  site = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname
    if (p === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      return res.end(
        '<!doctype html><meta charset="utf-8"><script src="/supabase-wechat.js"></script><progress id="bar" max="100"></progress>',
      )
    }
    const f = files[p]
    if (!f) return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': f[0] })
    res.end(fs.readFileSync(f[1]))
  })
  await new Promise((r) => site.listen(0, '127.0.0.1', r))
  ;[be, browser] = await Promise.all([startBackend({ port: 0 }), launchBrowser()])
})

after(async () => {
  await Promise.all([browser && browser.close(), be && be.stop(), site && new Promise((r) => site.close(r))])
})

// The events of a successful transfer of `total` bytes: at least `min`, monotonic, progress the integer
// percent, the last loaded === total, none after the promise resolved.
function assertEvents(events, total, min) {
  assert.ok(events.length >= min, `at least ${min} events, got ${events.length}: ${JSON.stringify(events)}`)
  assert.ok(events.length <= 101, `at most one event per integer percent, got ${events.length}`)
  let prev = -1
  for (const e of events) {
    assert.ok(e.loaded > prev, `monotonic: ${JSON.stringify(events.map((x) => x.loaded))}`)
    prev = e.loaded
    assert.ok(e.loaded <= e.total)
    assert.equal(e.progress, e.total > 0 ? Math.floor((e.loaded * 100) / e.total) : 0)
    assert.equal(e.late, false)
  }
  assert.deepEqual(events.at(-1), { loaded: total, total, progress: 100, late: false })
}

test('Chromium: onUploadProgress (XMLHttpRequest) and onDownloadProgress (fetch stream) for a multi-MB object', async () => {
  const page = await browser.newPage()
  try {
    await page.goto(`http://127.0.0.1:${site.address().port}/`)
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 5,
      downloadThroughput: 8 * MB,
      uploadThroughput: 2 * MB,
    })
    const size = 6 * MB + 3
    const r = await page.evaluate(
      async ({ url, key, size }) => {
        const sb = window.supabaseWechat.createClient(url, key, { auth: { persistSession: false } })
        const bucket = 'progress-' + Math.random().toString(16).slice(2, 8)
        const made = await sb.storage.createBucket(bucket)
        if (made.error) return { error: made.error.message }
        const bytes = new Uint8Array(size)
        for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 9)) & 255
        const record = async (call) => {
          const events = []
          let resolved = false
          const res = await call((e) => {
            events.push({ loaded: e.loaded, total: e.total, progress: e.progress, late: resolved })
            document.getElementById('bar').value = e.progress
          })
          resolved = true
          await new Promise((r) => setTimeout(r, 100))
          return { error: res.error && res.error.message, data: res.data, events }
        }
        const S = sb.storage.from(bucket)
        const up = await record((onUploadProgress) =>
          S.upload('big.bin', bytes.buffer, { contentType: 'application/x-big', onUploadProgress }),
        )
        const down = await record((onDownloadProgress) => S.download('big.bin', { onDownloadProgress }))
        const bar = document.getElementById('bar').value
        let same = down.data instanceof ArrayBuffer && down.data.byteLength === size
        if (same) {
          const got = new Uint8Array(down.data)
          for (let i = 0; i < size && same; i++) same = got[i] === bytes[i]
        }
        // Refused (the object exists, no upsert) and aborted uploads: errors, and no full bar.
        const again = await record((onUploadProgress) => S.upload('big.bin', bytes.buffer, { onUploadProgress }))
        const ctl = new AbortController()
        const aborted = await record((onUploadProgress) =>
          S.upload('aborted.bin', bytes.buffer, {
            signal: ctl.signal,
            onUploadProgress: (e) => {
              onUploadProgress(e)
              if (e.progress >= 10) ctl.abort()
            },
          }),
        )
        const info = await S.info('big.bin')
        return {
          again: { error: again.error, events: again.events },
          aborted: { error: aborted.error, events: aborted.events, exists: (await S.exists('aborted.bin')).data },
          up: { error: up.error, events: up.events },
          down: { error: down.error, events: down.events, same },
          info: { size: info.data && info.data.size, contentType: info.data && info.data.contentType },
          bar,
        }
      },
      { url: be.url, key: be.serviceRoleKey, size },
    )
    assert.equal(r.error, undefined, r.error)
    assert.equal(r.up.error, null)
    assertEvents(r.up.events, size, 10)
    assert.deepEqual(r.info, { size, contentType: 'application/x-big' })
    assert.equal(r.down.error, null)
    assert.equal(r.down.same, true, 'the download is byte-exact')
    assertEvents(r.down.events, size, 10)
    assert.equal(r.bar, 100)
    assert.match(r.again.error, /exists/)
    assert.ok(
      r.again.events.every((e) => e.loaded < e.total && !e.late),
      JSON.stringify(r.again.events),
    )
    assert.ok(r.aborted.error, 'aborted')
    assert.ok(r.aborted.events.length >= 1)
    assert.ok(
      r.aborted.events.every((e) => e.loaded < e.total && !e.late),
      JSON.stringify(r.aborted.events),
    )
    assert.equal(r.aborted.exists, false)
  } finally {
    await page.close()
  }
})
