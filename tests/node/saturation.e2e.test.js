'use strict'
// Saturation (issue 13 item 7): WeChat runs at most 10 wx.request / uploadFile / downloadFile at once
// and queues the rest (tests/sim/net.js, MAX_CONCURRENT); a request that hangs at the server holds its
// slot until it times out. The built package in the strict simulator against the local backend, whose
// `hang` fault reads a request and never answers (backend/faults.js).
//
// No wall-clock assertions: what is asserted is the order of events. The backend cuts its hung
// sockets itself after HANG_MS (29 s, just under the old 30 s default), so "every hung call ended
// with the client's timeout error, not with the server's cut" says the client gave up first; and
// "these calls resolved before those" is read from the order in which the promises settled.
const { test, before, after, afterEach } = require('node:test')
const assert = require('node:assert/strict')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const e2e = require('./lib/e2e')

const HANG_MS = 29000

let be
let project
const sims = []

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    clients: { supabase: { options: {} }, dbTimeout: { options: { db: { timeout: 1500 } } } },
  })
})

afterEach(() => be.faults.clear())
after(() => e2e.closeAll({ sims, project, be }))

let nextUser = 0
async function launch() {
  const { sim, app } = await e2e.launchUser(be, project, `o_saturation_${++nextUser}`, sims)
  return { sim, app, sb: app.require('lib/supabase') }
}

const hang = (path, count) => be.faults.add({ path, fault: 'hang', count, ms: HANG_MS, ttlMs: 120000 })

// Runs `calls` ([label, () => promise]) at once; resolves with their results in settling order.
function settleOrder(calls) {
  const order = []
  return Promise.all(
    calls.map(([label, call]) =>
      Promise.resolve(call()).then((r) => {
        order.push({ label, r })
      }),
    ),
  ).then(() => order)
}
const isTimeout = (e) => !!e && /timeout|did not answer in time/i.test(`${e.message} ${e.context && e.context.errMsg}`)

test('15 of 60 database calls hang: the 45 healthy ones resolve, every hung one ends with the client timeout (10 s), before the server cuts it', async () => {
  const { sim, sb } = await launch()
  hang('/rest/v1/hang_here', 15)
  // The worst order: the hung calls first, so they take every one of WeChat's 10 slots.
  const calls = []
  for (let i = 0; i < 15; i++) calls.push([`hung ${i}`, () => sb.from('hang_here').select('id')])
  for (let i = 0; i < 45; i++) calls.push([`healthy ${i}`, () => sb.from('todos').select('id')])
  const order = await settleOrder(calls)

  const hung = order.filter((o) => o.label.startsWith('hung'))
  const healthy = order.filter((o) => o.label.startsWith('healthy'))
  assert.equal(hung.length, 15)
  for (const { label, r } of healthy) assert.equal(r.error, null, label)
  for (const { label, r } of hung) {
    assert.equal(r.error.name, 'PostgrestError', label)
    assert.ok(isTimeout(r.error), `${label}: ${r.error.message} (a cut by the server would be a network error)`)
    assert.equal(r.status, 0)
  }
  // The first 10 hung calls time out together; the healthy calls run in the slots they free, and
  // all of them are done before the last 5 hung calls (sent after them) time out.
  const lastHealthy = order.findLastIndex((o) => o.label.startsWith('healthy'))
  assert.ok(order.slice(lastHealthy + 1).every((o) => o.label.startsWith('hung')))
  assert.equal(order.slice(lastHealthy + 1).length, 5)
  assert.ok(sim.maxConcurrentSeen <= 10)
  assert.equal(be.faults.log.filter((l) => l.fault === 'hang').length, 15)
})

test("a call's own timeout counts WeChat's queue: behind 10 hung requests, each API's short-timeout call ends first", async () => {
  const { app, sb } = await launch()
  const withDbTimeout = app.require('lib/dbTimeout') // another client of the same app: db.timeout 1500
  hang('/rest/v1/hang_here', 10)
  hang('/rest/v1/hang_short', 2)
  hang('/storage/v1/object/list/hang-bucket', 1)
  hang('/functions/v1/hang', 1)
  const hung = []
  for (let i = 0; i < 10; i++) hung.push([`hung ${i}`, () => sb.from('hang_here').select('id')])
  const short = [
    ['rest .timeout()', () => sb.from('hang_short').select('id').timeout(1500)],
    ['rest db.timeout', () => withDbTimeout.from('hang_short').select('id')],
    ['storage list { timeout }', () => sb.storage.from('hang-bucket').list('', {}, { timeout: 1500 })],
    ['functions { timeout }', () => sb.functions.invoke('hang', { timeout: 1500 })],
  ]
  // The hung ones first: every slot is taken when the short ones are called.
  const order = await settleOrder(hung.concat(short))
  const firstHung = order.findIndex((o) => o.label.startsWith('hung'))
  assert.equal(firstHung, short.length, order.map((o) => o.label).join(', '))
  for (const { label, r } of order) assert.ok(isTimeout(r.error), `${label}: ${r.error && r.error.message}`)
  const by = Object.fromEntries(order.map((o) => [o.label, o.r.error]))
  assert.equal(by['rest .timeout()'].name, 'PostgrestError')
  assert.equal(by['rest db.timeout'].name, 'PostgrestError')
  assert.equal(by['storage list { timeout }'].name, 'StorageUnknownError')
  assert.equal(by['functions { timeout }'].name, 'FunctionsFetchError')
  assert.equal(by['functions { timeout }'].context.errMsg, 'request:fail timeout')
})

test('hung uploads, downloads and function calls hold at most 5 slots: database calls still go through', async () => {
  const { sb } = await launch()
  hang('/functions/v1/hang', 6)
  hang('/storage/v1/object/*', 4)
  const slow = []
  for (let i = 0; i < 6; i++) slow.push([`function ${i}`, () => sb.functions.invoke('hang', { timeout: 4000 })])
  for (let i = 0; i < 4; i++)
    slow.push([`download ${i}`, () => sb.storage.from('hang-bucket').download(`f${i}.png`, {}, { timeout: 4000 })])
  const quick = []
  for (let i = 0; i < 3; i++) quick.push([`select ${i}`, () => sb.from('todos').select('id')])
  const order = await settleOrder(slow.concat(quick))
  assert.deepEqual(
    order
      .slice(0, 3)
      .map((o) => o.label)
      .sort(),
    ['select 0', 'select 1', 'select 2'],
  )
  for (const { label, r } of order.slice(0, 3)) assert.equal(r.error, null, label)
  // Every long call ends at its own deadline, held back in the driver's lane or not.
  for (const { label, r } of order.slice(3)) {
    if (label.startsWith('function')) {
      assert.equal(r.error.name, 'FunctionsFetchError', label)
      assert.equal(r.error.context.errMsg, 'request:fail timeout', label)
    } else {
      assert.equal(r.error.name, 'StorageUnknownError', label)
      assert.match(r.error.message, /request:fail timeout/, label) // an ArrayBuffer download: wx.request
    }
  }
})
