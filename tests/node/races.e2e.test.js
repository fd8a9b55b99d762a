'use strict'
// Issue 13, items 1 and 2, end to end: the built package in the strict simulator against the local
// backend (real PostgREST 12, GoTrue semantics, storage-api and functions emulations).
// - A slow refresh reply (an injected 800 ms latency) that lands after a sign-in as another user (or
//   setSession with that user's tokens) changes nothing: SIGNED_IN (B) is the only event, and
//   getSession, storage and later requests are B's.
// - A phone clock corrected backwards after the sign-in: the token's own lifetime shows it, and the
//   session is refreshed before the token is used, across a restart too.
// - A token the servers refuse as expired (be.advanceTime moves the backend's clock, as real time
//   passing; the page's clock stays) makes one refresh and one retry of that call, uploads with
//   their bodies.
// The page's clock is Date.now inside the simulated app (shiftClock); the backend keeps its own.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { callJson } = require('./lib/http')
const e2e = require('./lib/e2e')

const STORAGE_KEY = 'sb-127-auth-token'
const HOUR = 3600 * 1000
const DAY = 24 * HOUR
let be
let project
const sims = []

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({ url: be.url, key: be.anonKey, clients: { supabase: { options: {} } } })
})

after(() => e2e.closeAll({ sims, project, be }))

const waitFor = (pred, ms = 10000) => e2e.waitFor(pred, ms)

// Moves the page's clock: Date.now() inside the simulated app returns real time + ms (from now on).
function setClock(app, ms) {
  return app.eval(
    `(() => { const real = globalThis.__realNow || (globalThis.__realNow = Date.now.bind(Date)); Date.now = () => real() + ${ms}; })()`,
  )
}

// A user's session as the backend issues it (the fake WeChat mints the code), without the page.
async function loginOutOfBand(sim, app, openid) {
  sim.setUser({ openid, unionid: '' })
  const code = await e2e.wxLoginCode(app)
  const r = await callJson(be, 'GET', `/auth/v1/wechat_mini/login?code=${encodeURIComponent(code)}`)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body
}

async function signedIn(openid) {
  const { sim, app, sb, data } = await e2e.signedInUser(be, project, openid, sims)
  return { sim, app, sb, session: data.session }
}

const subOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sub
const bearerSub = (req) => subOf(String(req.headers.authorization).replace(/^Bearer /, ''))
const refreshes = () => be.requests.filter((r) => r.path === '/auth/v1/token' && r.params.grant_type === 'refresh_token')
const stored = (sim) => JSON.parse(sim.storage.get(STORAGE_KEY))

// Signed in as A with 50 s left; a data call starts a refresh whose reply the backend delays by 800 ms.
async function slowRefreshInFlight(openid) {
  const A = await signedIn(openid)
  const events = []
  A.sb.auth.onAuthStateChange((event, session) => events.push([event, session && session.user.id]))
  await waitFor(() => events.length === 1) // INITIAL_SESSION
  events.length = 0
  await setClock(A.app, 3550 * 1000)
  be.faults.add({ path: '/auth/v1/token', fault: 'latency', ms: 800 })
  const refreshesBefore = refreshes().length
  const restBefore = be.requests.length
  const pending = A.sb
    .from('todos')
    .select('id')
    .then((r) => r) // a builder runs when awaited
  await waitFor(() => refreshes().length === refreshesBefore + 1)
  return { ...A, events, pending, restBefore }
}

// Everything in flight has answered (the delayed refresh reply included) and been handled.
async function settled(app) {
  await waitFor(() => be.faults.log.some((l) => l.fault === 'latency') && app.inFlight === 0)
  await new Promise((r) => setImmediate(r))
}

// `ownRefresh`: B's session may itself be refreshed (TOKEN_REFRESHED for B), nothing of A's may land.
async function assertItIsB(X, B, restBefore, ownRefresh = false) {
  const expected = [['SIGNED_IN', B.user.id]]
  if (ownRefresh && X.events.length === 2) expected.push(['TOKEN_REFRESHED', B.user.id])
  assert.deepEqual(X.events, expected, 'SIGNED_IN (B), no TOKEN_REFRESHED (A)')
  const { data } = await X.sb.auth.getSession()
  assert.equal(data.session.user.id, B.user.id)
  assert.equal(stored(X.sim).user.id, B.user.id)
  assert.equal(stored(X.sim).refresh_token, data.session.refresh_token)
  const later = await X.sb.from('todos').select('id')
  assert.equal(later.error, null)
  const rest = be.requests.slice(restBefore).filter((r) => r.path === '/rest/v1/todos')
  assert.equal(rest.length, 2, 'the waiting call and the later one')
  for (const r of rest) assert.equal(bearerSub(r), B.user.id, 'B is who the requests are made as')
}

test('a slow refresh reply does not overwrite a sign-in as another user that landed meanwhile', async () => {
  const X = await slowRefreshInFlight('o_race_a1')
  X.sim.setUser({ openid: 'o_race_b1', unionid: '' })
  const b = await X.sb.auth.signInWithWechat({ code: await e2e.wxLoginCode(X.app) })
  assert.equal(b.error, null)
  assert.notEqual(b.data.user.id, X.session.user.id)
  assert.equal((await X.pending).error, null)
  await settled(X.app)
  await assertItIsB(X, b.data, X.restBefore)
  be.faults.clear()
})

test('a slow refresh reply does not overwrite setSession with another user’s tokens', async () => {
  const X = await slowRefreshInFlight('o_race_a2')
  const B = await loginOutOfBand(X.sim, X.app, 'o_race_b2')
  const r = await X.sb.auth.setSession({ access_token: B.access_token, refresh_token: B.refresh_token })
  assert.equal(r.error, null)
  assert.equal((await X.pending).error, null)
  await settled(X.app)
  // setSession keeps the token's own expiry (the server's clock), 50 s away on the page's shifted
  // clock: the waiting call refreshes B's own session first (TOKEN_REFRESHED for B).
  await setClock(X.app, 0)
  await assertItIsB(X, B, X.restBefore, true)
  be.faults.clear()
})

test('a clock corrected backwards after the sign-in is noticed: refreshed before use, across a restart', async () => {
  const { sim, app } = await e2e.launchUser(be, project, 'o_clock', sims)
  const sb = app.require('lib/supabase')
  await setClock(app, 2 * DAY) // the phone runs 2 days ahead
  const { error } = await sb.auth.signInWithWechat({ code: await e2e.wxLoginCode(app) })
  assert.equal(error, null)
  const signedInToken = stored(sim).access_token
  be.advanceTime(2 * HOUR) // two hours pass: the token the server issued has expired
  try {
    // The clock is corrected. The stored expires_at is still 2 days out.
    await setClock(app, 2 * HOUR)
    const before = be.requests.length
    const r = await sb.from('todos').select('id')
    assert.equal(r.error, null)
    const seen = be.requests.slice(before).map((q) => q.path)
    assert.deepEqual(seen, ['/auth/v1/token', '/rest/v1/todos'], 'refreshed first, then one request')
    assert.notEqual(stored(sim).access_token, signedInToken)

    // The same after a restart: the stored session is restored as it was written.
    sim.storage.set(STORAGE_KEY, JSON.stringify({ ...stored(sim), expires_at: Math.round(Date.now() / 1000) + 2 * 86400 }))
    be.advanceTime(2 * HOUR)
    const app2 = await sim.restart()
    await setClock(app2, 4 * HOUR)
    const sb2 = app2.require('lib/supabase')
    const before2 = be.requests.length
    const r2 = await sb2.from('todos').select('id')
    assert.equal(r2.error, null)
    const seen2 = be.requests.slice(before2).map((q) => q.path)
    assert.equal(seen2.filter((p) => p === '/rest/v1/todos').length, 1, 'no refused request')
    assert.ok(seen2.indexOf('/auth/v1/token') >= 0 && seen2.indexOf('/auth/v1/token') < seen2.indexOf('/rest/v1/todos'))
  } finally {
    be.advanceTime(-4 * HOUR)
  }
})

test('a phone whose clock is wrong the whole time keeps working without extra refreshes', async () => {
  const { sim, app } = await e2e.launchUser(be, project, 'o_clock_wrong', sims)
  const sb = app.require('lib/supabase')
  await setClock(app, -2 * DAY)
  assert.equal((await sb.auth.signInWithWechat({ code: await e2e.wxLoginCode(app) })).error, null)
  const before = refreshes().length
  for (let i = 0; i < 3; i++) {
    assert.equal((await sb.from('todos').select('id')).error, null)
    assert.equal((await sb.auth.getUser()).error, null)
  }
  assert.equal(refreshes().length, before)
  assert.ok(sim.storage.has(STORAGE_KEY))
})

test('a token the servers refuse as expired: one refresh, one retry of that call (uploads with their bytes)', async () => {
  const { sim, app, sb, session } = await signedIn('o_refused')
  const bucket = `races-${crypto.randomBytes(4).toString('hex')}`
  assert.equal((await sb.storage.createBucket(bucket)).error, null)
  const bytes = crypto.randomBytes(4096)
  const ab = await app.eval(`new Uint8Array(${JSON.stringify([...bytes])}).buffer`)
  fs.writeFileSync(path.join(sim.tmpDir, 'tmp_races.bin'), bytes)
  const tempFile = 'wxfile://tmp_races.bin' // what a chooser hands the page
  const calls = [
    ['/rest/v1/todos', () => sb.from('todos').select('id')],
    ['/auth/v1/user', () => sb.auth.getUser()],
    [`/storage/v1/object/${bucket}/ab.bin`, () => sb.storage.from(bucket).upload('ab.bin', ab)],
    [`/storage/v1/object/${bucket}/file.bin`, () => sb.storage.from(bucket).upload('file.bin', { tempFilePath: tempFile })],
    ['/functions/v1/echo', () => sb.functions.invoke('echo', { body: { hello: '世界' } })],
  ]
  let moved = 0
  try {
    for (const [path, call] of calls) {
      be.advanceTime(2 * HOUR) // the server's clock: the session's token has expired; the page's has not
      moved += 2 * HOUR
      const refreshesBefore = refreshes().length
      const before = be.requests.length
      const r = await call()
      assert.equal(r.error, null, `${path}: ${r.error && r.error.message}`)
      const sent = be.requests.slice(before).filter((q) => q.path === path)
      assert.equal(sent.length, 2, `${path}: refused once, then retried`)
      assert.equal(refreshes().length - refreshesBefore, 1, `${path}: one refresh`)
      assert.notEqual(sent[0].headers.authorization, sent[1].headers.authorization)
      assert.equal(bearerSub(sent[1]), session.user.id)
      if (path === '/functions/v1/echo') assert.deepEqual(JSON.parse(r.data.body), { hello: '世界' }, 'the same body')
    }
    for (const name of ['ab.bin', 'file.bin']) {
      const dl = await sb.storage.from(bucket).download(name)
      assert.equal(dl.error, null)
      assert.ok(Buffer.from(new Uint8Array(dl.data)).equals(bytes), `${name}: the retry sent the same bytes`)
    }
  } finally {
    be.advanceTime(-moved)
  }
})
