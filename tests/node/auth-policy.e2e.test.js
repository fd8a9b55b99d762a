'use strict'
// The session and refresh policy end to end: the built package in the strict simulator against
// the local backend, with injected faults. The page's clock (Date.now inside the simulator) is
// moved forward to make tokens expire; the backend keeps real time.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { callJson } = require('./lib/http')
const e2e = require('./lib/e2e')

const STORAGE_KEY = 'sb-127-auth-token'
let be
let project
const sims = []

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    clients: { supabase: { options: {} }, fast: { options: { requestTimeout: 1500 } } },
  })
})

after(() => e2e.closeAll({ sims, project, be }))

async function signedIn(openid, libName = 'lib/supabase') {
  const { sim, app } = await e2e.launchUser(be, project, openid, sims)
  const sb = app.require(libName)
  const code = await e2e.wxLoginCode(app)
  const { data, error } = await sb.auth.signInWithWechat({ code })
  assert.equal(error, null)
  return { sim, app, sb, session: data.session }
}

// Moves the page's clock: Date.now() inside the simulated app returns real time + ms.
function shiftClock(app, ms) {
  return app.eval(`(() => { const real = Date.now.bind(Date); Date.now = () => real() + ${ms}; })()`)
}

function refreshRequests() {
  return be.requests.filter((r) => r.path === '/auth/v1/token' && r.params.grant_type === 'refresh_token')
}

const waitFor = (pred, ms = 10000) => e2e.waitFor(pred, ms)

function refreshOutOfBand(refreshToken) {
  return fetchJson('POST', '/auth/v1/token?grant_type=refresh_token', { refresh_token: refreshToken })
}

const fetchJson = (method, path, body) => callJson(be, method, path, body)

test('100 concurrent getUser() on an expired token send exactly one refresh request', async () => {
  const { app, sb, session } = await signedIn('o_concurrent')
  await shiftClock(app, 3700 * 1000) // the access token has expired
  const before = refreshRequests().length
  const results = await Promise.all(Array.from({ length: 100 }, () => sb.auth.getUser()))
  assert.equal(refreshRequests().length - before, 1, 'one refresh for all of them')
  for (const r of results) {
    assert.equal(r.error, null)
    assert.equal(r.data.user.id, session.user.id)
  }
  const { data } = await sb.auth.getSession()
  assert.notEqual(data.session.refresh_token, session.refresh_token, 'rotated once')
})

test('a refresh during a network drop keeps the session and recovers', async () => {
  const { sim, app, sb, session } = await signedIn('o_drop')
  const events = []
  sb.auth.onAuthStateChange((e) => events.push(e))
  await shiftClock(app, 3550 * 1000) // 50 s left: within the refresh margin
  be.faults.add({ path: '/auth/v1/token', fault: 'reset', count: 2 })
  be.faults.add({ path: '/auth/v1/token', fault: 'status', status: 503, count: 1 })
  const before = refreshRequests().length
  const { data, error } = await sb.auth.getSession()
  assert.equal(error, null)
  assert.notEqual(data.session.refresh_token, session.refresh_token, 'refreshed on the 4th attempt')
  assert.ok(refreshRequests().length - before >= 2, 'retried')
  assert.ok(events.includes('TOKEN_REFRESHED'))
  assert.ok(!events.includes('SIGNED_OUT'))
  assert.equal(JSON.parse(sim.storage.get(STORAGE_KEY)).refresh_token, data.session.refresh_token)
  be.faults.clear()
})

test('while the server is unreachable the still-valid session is kept and handed out', async () => {
  const { sim, app, sb, session } = await signedIn('o_offline', 'lib/fast')
  await shiftClock(app, 3550 * 1000)
  be.faults.add({ path: '/auth/v1/token', fault: 'reset', count: 1000, ttlMs: 60000 })
  const { data, error } = await sb.auth.getSession()
  be.faults.clear()
  assert.equal(error, null)
  assert.equal(data.session.refresh_token, session.refresh_token)
  assert.equal(JSON.parse(sim.storage.get(STORAGE_KEY)).refresh_token, session.refresh_token, 'never removed')
})

test('refresh-token reuse after the interval signs out with SIGNED_OUT', async () => {
  const { sim, app, sb, session } = await signedIn('o_reuse')
  // Another device rotates the token twice, so ours is no longer the parent of the active one.
  const r1 = await refreshOutOfBand(session.refresh_token)
  assert.equal(r1.status, 200)
  assert.equal((await refreshOutOfBand(r1.body.refresh_token)).status, 200)
  be.advanceTime(11 * 1000) // past the 10 s reuse interval
  const events = []
  sb.auth.onAuthStateChange((e) => events.push(e))
  await shiftClock(app, 3700 * 1000)
  const { data, error } = await sb.auth.getSession()
  assert.equal(data.session, null)
  assert.equal(error.code, 'refresh_token_already_used')
  await waitFor(() => events.includes('SIGNED_OUT'))
  assert.equal(sim.storage.has(STORAGE_KEY), false)
  be.advanceTime(-11 * 1000)
})

test('app hide stops the refresh tick and app show resumes it with an immediate check', async () => {
  const { sim, app } = await signedIn('o_lifecycle')
  assert.ok(app._timers.size >= 1, 'the tick is armed while shown')
  sim.fireAppHide()
  await waitFor(() => app._timers.size === 0)
  await shiftClock(app, 3550 * 1000) // would need a refresh, but the app is in the background
  await new Promise((r) => setTimeout(r, 100))
  const before = refreshRequests().length
  assert.equal(app._timers.size, 0)
  sim.fireAppShow()
  await waitFor(() => refreshRequests().length === before + 1)
  await waitFor(() => app._timers.size >= 1)
})

test('1,000 calls under mixed injected faults all resolve', async () => {
  const { sb, app } = await signedIn('o_chaos', 'lib/fast')
  const kinds = [
    { fault: 'latency', ms: 50 },
    { fault: 'status', status: 503 },
    { fault: 'status', status: 500 },
    { fault: 'reset' },
    { fault: 'drop' },
    { fault: 'hang', ms: 3000 },
    { fault: 'malformed' },
    { fault: 'rate_limit' },
  ]
  for (const k of kinds) be.faults.add({ path: '/auth/v1/*', count: 40, ttlMs: 60000, ...k })
  const code = () => app.eval('new Promise((resolve) => wx.login({ success: (r) => resolve(r.code), fail: () => resolve("x") }))')
  const calls = []
  for (let i = 0; i < 1000; i++) {
    const pick = i % 5
    if (pick === 0) calls.push(sb.auth.getSession())
    else if (pick === 1) calls.push(sb.auth.getUser())
    else if (pick === 2) calls.push(sb.auth.signInWithWechat({ code: 'bad-' + i }))
    else if (pick === 3) calls.push(code().then((c) => sb.auth.signInWithWechat({ code: c })))
    else calls.push(sb.auth.refreshSession())
  }
  const settled = await Promise.race([
    Promise.allSettled(calls),
    new Promise((_, reject) => setTimeout(() => reject(new Error('calls still pending after 120 s')), 120000)),
  ])
  be.faults.clear()
  assert.equal(settled.length, 1000)
  const rejected = settled.filter((s) => s.status === 'rejected')
  assert.equal(rejected.length, 0, 'nothing rejects: every call resolves with { data, error }')
  for (const s of settled) assert.ok('data' in s.value && 'error' in s.value)
  const failed = settled.filter((s) => s.value.error)
  assert.ok(failed.length > 0 && failed.length < 1000, `some failed under faults (${failed.length}), some succeeded`)
  for (const s of failed) assert.ok(s.value.error.name && s.value.error.message, 'every error has a name and a message')
  // The client still works after the storm.
  const after = await sb.auth.getUser()
  assert.equal(after.error, null)
})
