'use strict'
// examples/startup-probe: the phone-side measurement of issue 17 (each launch times one SDK's start,
// in turn ours, supabase-wechat-stable-v2 2.2.0, and ours with synchronous JS after createClient), run
// in the strict simulator with both SDKs installed by packNpm. What it must do on a phone: time each start with wx.getPerformance (µs on
// devices), send no request, keep its records across launches and show them per SDK.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { installPackages, OURS, ANCHOR, REPO } = require('./lib/project')
const { createSimulator } = require('../sim')
const { summarize, median } = require('../../examples/startup-probe/probe/stats.js')
const TURNS = ['ours', 'old', 'ours-busy']
const BUSY_MS = 30
const { stored, base64url } = require('../../examples/startup-probe/probe/session.js')

const SRC = path.join(REPO, 'examples', 'startup-probe')

async function probeProject() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-probe-'))
  fs.cpSync(SRC, root, { recursive: true, filter: (f) => !/node_modules|miniprogram_npm/.test(f) })
  await installPackages(root, [OURS, ANCHOR])
  return root
}

test('each launch times one SDK in turn, for a returning user, with no request; the page shows them', async () => {
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
      [1, 2, 3, 4, 5, 6].map((n) => [n, TURNS[(n - 1) % 3], true]),
      JSON.stringify(records.filter((r) => !r.ok)),
    )
    for (const r of records) {
      assert.equal(r.clock, 'µs', 'wx.getPerformance is used, and its unit found')
      for (const k of ['require', 'getSession', 'total']) assert.ok(r.ms[k] >= 0 && r.ms[k] < 5000, `${r.sdk} ${k}: ${r.ms[k]}`)
      assert.ok(r.ms.total >= r.ms.require, 'total includes require')
      if (r.sdk === 'old') assert.equal(r.ms.wasm, null, 'the old SDK loads no wasm')
      else assert.ok(r.ms.wasm > 0 && r.ms.wasm < r.ms.total, `${r.sdk}'s wasm: ${r.ms.wasm}`)
      if (r.sdk === 'ours-busy') assert.ok(r.ms.getSession >= BUSY_MS, `its JS is in its getSession: ${r.ms.getSession}`)
    }
    assert.equal(sim.requests.length, 0, 'a start from a stored session sends nothing')

    const app = await sim.launch() // launch 7 (ours); the page reads the records
    await app.waitFor(() => sim.storage.get('probe:records').length === 7, { timeout: 15000 })
    const page = await app.openPage('pages/index/index')
    assert.deepEqual(
      JSON.parse(JSON.stringify(page.data.rows.map((r) => [r.name, r.launches]))),
      [
        ['supabase-wechat', 2],
        ['stable-v2 2.2.0', 1],
        ['supabase-wechat + 30 ms JS', 2],
      ],
      'launches 3 and later: ours 4 and 7, old 5, busy 3 and 6',
    )
    assert.equal(page.data.pairs, 1, 'ours 4 with old 5')
    assert.match(page.data.ratio, /^\d+\.\d\d×$/)
    assert.equal(page.data.count, 7)
    const view = app.view(page)
    await view.rendered()
    assert.deepEqual(
      view.all('.sdk-row').map((row) => row.query('.sdk').text()),
      ['supabase-wechat', 'stable-v2 2.2.0', 'supabase-wechat + 30 ms JS'],
    )
    assert.match(view.text('#ratio'), /\d+\.\d\d×（1 对）/)
    assert.match(view.text('#hidden'), /-?\d+%：/)
    assert.match(view.text('#count'), /记录 7 条，失败 0，时钟 µs/)
    await view.tap('#clear')
    assert.equal(sim.storage.get('probe:records'), undefined)
    assert.match(view.text('#count'), /记录 0 条/)
  } finally {
    sim.close()
    fs.rmSync(root, { recursive: true, force: true })
  }
})

test('summarize: medians of later launches, the first two apart, ours/old by neighbours, the wasm load hidden', () => {
  const rec = (launch, sdk, total, ok = true, wasm = sdk === 'old' ? null : total / 2) => ({
    launch,
    sdk,
    at: launch,
    ok,
    clock: 'µs',
    ms: ok ? { require: total / 4, wasm, getSession: total - total / 4, total } : undefined,
  })
  const records = [
    rec(1, 'ours', 40),
    rec(2, 'old', 30),
    rec(3, 'ours-busy', 45, true, 8),
    rec(4, 'ours', 10),
    rec(5, 'old', 5),
    rec(6, 'ours-busy', 41, true, 8),
    rec(7, 'ours', 12),
    rec(8, 'old', 8),
    rec(9, 'ours-busy', 0, false),
    rec(10, 'ours', 11),
  ]
  const s = summarize(records, BUSY_MS)
  assert.equal(s.ours.launches, 3, 'launches 4, 7 and 10')
  assert.equal(s.ours.total, 11)
  assert.equal(s.ours.wasm, 5.5)
  assert.equal(s.old.launches, 2)
  assert.equal(s.old.total, 6.5)
  assert.equal(s.old.wasm, null)
  assert.deepEqual(s.ours.first, [{ launch: 1, total: 40, wasm: 20 }])
  assert.deepEqual(s.old.first, [{ launch: 2, total: 30, wasm: null }])
  assert.equal(s.pairs, 2, '4 with 5 and 7 with 8; 10 has no old after it')
  assert.equal(s.pairedRatio, (10 / 5 + 12 / 8) / 2)
  assert.equal(s.failed, 1)
  // The busy launches took 43 ms against ours' 11 + 30: 2 of ours' 5.5 ms of wasm load did not add to them.
  assert.equal(s['ours-busy'].total, 43)
  assert.equal(s.hidden, (11 + BUSY_MS - 43) / 5.5)
  assert.equal(summarize(records).hidden, null, 'without the busy time')
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
