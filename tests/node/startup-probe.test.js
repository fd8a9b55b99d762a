'use strict'
// examples/startup-probe: the phone-side measurement of issue 17 (each launch times one SDK's start,
// alternating ours and supabase-wechat-stable-v2 2.2.0), run in the strict simulator with both SDKs
// installed by packNpm. What it must do on a phone: time each start with wx.getPerformance (µs on
// devices), send no request, keep its records across launches and show them per SDK.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { installPackages, OURS, ANCHOR, REPO } = require('./lib/project')
const { createSimulator } = require('../sim')
const { summarize, median } = require('../../examples/startup-probe/probe/stats.js')
const { stored, base64url } = require('../../examples/startup-probe/probe/session.js')

const SRC = path.join(REPO, 'examples', 'startup-probe')

async function probeProject() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-probe-'))
  fs.cpSync(SRC, root, { recursive: true, filter: (f) => !/node_modules|miniprogram_npm/.test(f) })
  await installPackages(root, [OURS, ANCHOR])
  return root
}

test('each launch times one SDK, alternating, for a returning user, with no request; the page shows both', async () => {
  const root = await probeProject()
  const sim = createSimulator({ root, render: true })
  try {
    for (let i = 1; i <= 6; i++) {
      const app = await sim.launch()
      await app.waitFor(() => (sim.storage.get('probe:records') || []).length === i, { timeout: 15000 })
    }
    const records = sim.storage.get('probe:records')
    assert.deepEqual(
      JSON.parse(JSON.stringify(records.map((r) => [r.launch, r.sdk, r.ok]))),
      [1, 2, 3, 4, 5, 6].map((n) => [n, n % 2 ? 'ours' : 'old', true]),
      JSON.stringify(records.filter((r) => !r.ok)),
    )
    for (const r of records) {
      assert.equal(r.clock, 'µs', 'wx.getPerformance is used, and its unit found')
      for (const k of ['require', 'getSession', 'total']) assert.ok(r.ms[k] >= 0 && r.ms[k] < 5000, `${r.sdk} ${k}: ${r.ms[k]}`)
      assert.ok(r.ms.total >= r.ms.require, 'total includes require')
      if (r.sdk === 'ours') assert.ok(r.ms.wasm > 0 && r.ms.wasm < r.ms.total, `ours' wasm: ${r.ms.wasm}`)
      else assert.equal(r.ms.wasm, null, 'the old SDK loads no wasm')
    }
    assert.equal(sim.requests.length, 0, 'a start from a stored session sends nothing')

    const app = await sim.launch() // launch 7 (ours); the page reads the records
    await app.waitFor(() => sim.storage.get('probe:records').length === 7, { timeout: 15000 })
    const page = await app.openPage('pages/index/index')
    assert.deepEqual(JSON.parse(JSON.stringify(page.data.rows.map((r) => [r.sdk, r.launches]))), [
      ['supabase-wechat', 3],
      ['stable-v2 2.2.0', 2],
    ])
    assert.equal(page.data.pairs, 2)
    assert.match(page.data.ratio, /^\d+\.\d\d×$/)
    assert.equal(page.data.count, 7)
    const view = app.view(page)
    await view.rendered()
    assert.deepEqual(
      view.all('.sdk-row').map((row) => row.query('.sdk').text()),
      ['supabase-wechat', 'stable-v2 2.2.0'],
    )
    assert.match(view.text('#ratio'), /\d+\.\d\d×（2 对）/)
    assert.match(view.text('#count'), /记录 7 条，失败 0，时钟 µs/)
    await view.tap('#clear')
    assert.equal(sim.storage.get('probe:records'), undefined)
    assert.match(view.text('#count'), /记录 0 条/)
  } finally {
    sim.close()
    fs.rmSync(root, { recursive: true, force: true })
  }
})

test('summarize: medians of later launches, the first two apart, ours/old over neighbouring launches', () => {
  const rec = (launch, sdk, total, ok = true) => ({
    launch,
    sdk,
    at: launch,
    ok,
    clock: 'µs',
    ms: ok ? { require: total / 4, wasm: sdk === 'ours' ? total / 2 : null, getSession: total / 4, total } : undefined,
  })
  const s = summarize([
    rec(1, 'ours', 40),
    rec(2, 'old', 30),
    rec(3, 'ours', 10),
    rec(4, 'old', 5),
    rec(5, 'ours', 12),
    rec(6, 'old', 8),
    rec(7, 'ours', 0, false),
    rec(8, 'old', 6),
  ])
  assert.equal(s.ours.launches, 2)
  assert.equal(s.ours.total, 11)
  assert.equal(s.ours.wasm, 5.5)
  assert.equal(s.old.launches, 3, 'launches 4, 6 and 8')
  assert.equal(s.old.total, 6)
  assert.equal(s.old.wasm, null)
  assert.deepEqual(s.ours.first, [{ launch: 1, total: 40 }])
  assert.deepEqual(s.old.first, [{ launch: 2, total: 30 }])
  assert.equal(s.pairs, 2, 'pairs (3,4) and (5,6); 7 failed')
  assert.equal(s.pairedRatio, (10 / 5 + 12 / 8) / 2)
  assert.equal(s.failed, 1)
  assert.equal(median([]), null)
})

test("the probe's session decodes as the SDKs read it", () => {
  assert.equal(base64url('{"a":1}'), Buffer.from('{"a":1}').toString('base64url'))
  for (const s of ['', 'a', 'ab', 'abc', 'abcd']) assert.equal(base64url(s), Buffer.from(s).toString('base64url'))
  const { text, refreshToken } = stored('https://abcdefghij.baseapi.memfiredb.com', 1700000000)
  const session = JSON.parse(text)
  assert.equal(session.refresh_token, refreshToken)
  const claims = JSON.parse(Buffer.from(session.access_token.split('.')[1], 'base64url').toString())
  assert.equal(claims.exp, session.expires_at)
  assert.equal(claims.iss, 'https://abcdefghij.baseapi.memfiredb.com/auth/v1')
})
