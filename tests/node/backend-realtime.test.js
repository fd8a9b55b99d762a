'use strict'
// Tests for the local backend's Realtime (/realtime/v1, backend/realtime.js + backend/sql/50-realtime.sql), driven
// by the official @supabase/realtime-js RealtimeClient over `ws`, plus raw sockets for the protocol's edges.
// Users sign up through the backend's Auth API; rows are written through PostgREST with their JWTs.
// No timing assertions: "X did not receive" is decided after be.realtime.flush() (every committed change delivered)
// and a heartbeat round trip on X's socket (everything sent to X before it has arrived).
// Run: node --test tests/node/backend-realtime.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const ROOT = path.join(__dirname, '..', '..')
const { startBackend } = require(path.join(ROOT, 'backend'))
const { RealtimeClient } = require('@supabase/realtime-js')
const WebSocket = require('ws')
const testHttp = require('./lib/http')

let be
let A // { token, id }
let B
const clients = []

// ---------- helpers ----------
const request = (method, urlPath, { headers = {}, body } = {}) => testHttp.request(be.url, method, urlPath, { headers, body })

async function signUp(email) {
  const r = await request('POST', '/auth/v1/signup', {
    headers: { apikey: be.anonKey },
    body: { email, password: 'realtime-pass-1' },
  })
  assert.equal(r.status, 200, r.text)
  return { token: r.json.access_token, id: r.json.user.id }
}

// PostgREST as `user` (null: anon); returns the JSON rows.
async function rest(user, method, urlPath, body) {
  const headers = { apikey: be.anonKey, prefer: 'return=representation' }
  if (user) headers.authorization = `Bearer ${user.token}`
  const r = await request(method, `/rest/v1${urlPath}`, { headers, body })
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${urlPath}: ${r.status} ${r.text}`)
  return r.json
}

function client({ token, vsn = '1.0.0', apikey, ...opts } = {}) {
  const c = new RealtimeClient(be.realtime.url, {
    params: { apikey: apikey || be.anonKey },
    transport: WebSocket,
    vsn,
    reconnectAfterMs: () => 20,
    ...opts,
  })
  if (token) c.setAuth(token)
  clients.push(c)
  return c
}

// An event log with promises for "the next event that matches".
function recorder() {
  const events = []
  const waiters = []
  return {
    events,
    add(e) {
      events.push(e)
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(e)
        }
      }
    },
    next(pred = () => true) {
      const seen = events.find(pred)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve) => waiters.push({ pred, resolve }))
    },
  }
}

// Subscribes; resolves on SUBSCRIBED, rejects on the first other status. Every status also lands in ch.statuses.
function subscribe(ch) {
  ch.statuses = recorder()
  return new Promise((resolve, reject) => {
    ch.subscribe((status, err) => {
      ch.statuses.add({ status, err })
      if (status === 'SUBSCRIBED') resolve(ch)
      else reject(Object.assign(new Error(`${status}: ${err && err.message}`), { status, err }))
    })
  })
}

// A heartbeat round trip on c's socket.
const roundTrip = (c) => new Promise((resolve) => assert.ok(c.socketAdapter.getSocket().ping(resolve)))
async function settle(...cs) {
  await be.realtime.flush()
  await Promise.all(cs.map(roundTrip))
}

// A channel with one postgres_changes binding on `table`, recording payloads.
async function watch(c, name, binding, config = {}) {
  const log = recorder()
  const sys = recorder()
  const ch = c.channel(name, { config })
  ch.on('postgres_changes', { event: '*', schema: 'public', ...binding }, (p) => log.add(p))
  ch.on('system', {}, (p) => sys.add(p))
  await subscribe(ch)
  ch.log = log
  ch.sys = sys
  return ch
}

// A raw socket; resolves { ws, frames (recorder of decoded frames), send(obj) }.
function rawSocket(query = `apikey=${be.anonKey}&vsn=1.0.0`) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${be.realtime.url}/websocket?${query}`)
    const frames = recorder()
    ws.on('message', (d, binary) => frames.add(binary ? d : JSON.parse(d.toString())))
    ws.on('open', () => resolve({ ws, frames, send: (o) => ws.send(JSON.stringify(o)) }))
    ws.on('error', reject)
  })
}

// The HTTP answer to an upgrade request that is refused: { status, json }.
function refusedUpgrade(query, headers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${be.realtime.url}/websocket${query}`, { headers })
    ws.on('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () =>
        resolve({ status: res.statusCode, text, json: /json/.test(res.headers['content-type']) ? JSON.parse(text) : undefined }),
      )
    })
    ws.on('open', () => reject(new Error('upgrade accepted')))
    ws.on('error', () => {})
  })
}

before(async () => {
  be = await startBackend({ port: 0 })
  A = await signUp('rt-a@example.com')
  B = await signUp('rt-b@example.com')
})

after(async () => {
  for (const c of clients) {
    try {
      await c.removeAllChannels()
    } catch (_) {
      /* already gone */
    }
  }
  if (be) await be.stop()
})

// ---------- the endpoint ----------
test('upgrade: apikey checked like Kong, vsn 1.0.0 / 2.0.0 only, faults apply', async () => {
  let r = await refusedUpgrade('?vsn=1.0.0')
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { message: 'No API key found in request' })
  r = await refusedUpgrade(`?apikey=${A.token}&vsn=1.0.0`)
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { message: 'Invalid API key' })
  r = await refusedUpgrade(`?apikey=${be.anonKey}&vsn=3.0.0`)
  assert.equal(r.status, 400)
  // the apikey header works too (Kong key-auth)
  const ok = await new Promise((resolve, reject) => {
    const ws = new WebSocket(`${be.realtime.url}/websocket?vsn=1.0.0`, { headers: { apikey: be.serviceRoleKey } })
    ws.on('open', () => resolve(ws))
    ws.on('error', reject)
  })
  ok.close()
  // a plain GET is no upgrade
  const g = await request('GET', `/realtime/v1/websocket?apikey=${be.anonKey}`)
  assert.equal(g.status, 400)
  // logged in be.requests
  assert.ok(be.requests.some((e) => e.upgrade && e.path === '/realtime/v1/websocket' && e.params.vsn === '3.0.0'))
  // an injected fault answers the upgrade
  be.faults.add({ path: '/realtime/v1/websocket', fault: 'status', status: 503 })
  r = await refusedUpgrade(`?apikey=${be.anonKey}&vsn=1.0.0`)
  assert.equal(r.status, 503)
  assert.match(r.text, /Service Temporarily Unavailable/)
})

test('a RealtimeClient with a bad apikey cannot subscribe', async () => {
  const c = client({ apikey: 'not-the-key' })
  await assert.rejects(subscribe(c.channel('nope')), (e) => e.status === 'CHANNEL_ERROR')
  await c.disconnect()
})

test('raw protocol (vsn 1.0.0): heartbeat, unmatched topic, join/leave replies and phx_close', async () => {
  const s = await rawSocket()
  s.send({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '1' })
  assert.deepEqual(await s.frames.next((f) => f.ref === '1'), {
    topic: 'phoenix',
    event: 'phx_reply',
    payload: { status: 'ok', response: {} },
    ref: '1',
  })
  s.send({ topic: 'realtime:x', event: 'broadcast', payload: {}, ref: '2', join_ref: null })
  assert.deepEqual((await s.frames.next((f) => f.ref === '2')).payload, {
    status: 'error',
    response: { reason: 'unmatched topic' },
  })
  s.send({ topic: 'other', event: 'phx_join', payload: {}, ref: '3', join_ref: '3' })
  assert.deepEqual((await s.frames.next((f) => f.ref === '3')).payload, {
    status: 'error',
    response: { reason: 'unmatched topic' },
  })
  s.send({
    topic: 'realtime:x',
    event: 'phx_join',
    payload: { config: { presence: { enabled: false } } },
    ref: '4',
    join_ref: '4',
  })
  assert.deepEqual((await s.frames.next((f) => f.ref === '4')).payload, { status: 'ok', response: { postgres_changes: [] } })
  assert.equal(be.realtime.stats().topics['realtime:x'], 1)
  // joining the same topic again closes the first join
  s.send({
    topic: 'realtime:x',
    event: 'phx_join',
    payload: { config: { presence: { enabled: false } } },
    ref: '5',
    join_ref: '5',
  })
  assert.deepEqual(await s.frames.next((f) => f.event === 'phx_close'), {
    topic: 'realtime:x',
    event: 'phx_close',
    payload: {},
    ref: '4',
  })
  await s.frames.next((f) => f.ref === '5')
  s.send({ topic: 'realtime:x', event: 'phx_leave', payload: {}, ref: '6', join_ref: '5' })
  assert.deepEqual((await s.frames.next((f) => f.ref === '6')).payload, { status: 'ok', response: {} })
  assert.deepEqual(await s.frames.next((f) => f.event === 'phx_close' && f.ref === '5'), {
    topic: 'realtime:x',
    event: 'phx_close',
    payload: {},
    ref: '5',
  })
  assert.equal(be.realtime.stats().topics['realtime:x'], undefined)
  s.ws.close()
})

test('raw protocol (vsn 2.0.0): array frames with join_ref', async () => {
  const s = await rawSocket(`apikey=${be.anonKey}&vsn=2.0.0`)
  s.send([null, '1', 'phoenix', 'heartbeat', {}])
  assert.deepEqual(await s.frames.next((f) => f[1] === '1'), [null, '1', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
  s.send(['7', '7', 'realtime:v2', 'phx_join', { config: { broadcast: { self: true }, presence: { enabled: false } } }])
  assert.deepEqual(await s.frames.next((f) => f[1] === '7'), [
    '7',
    '7',
    'realtime:v2',
    'phx_reply',
    { status: 'ok', response: { postgres_changes: [] } },
  ])
  s.send(['7', '8', 'realtime:v2', 'broadcast', { type: 'broadcast', event: 'e', payload: { n: 1 } }])
  assert.deepEqual(await s.frames.next((f) => f[3] === 'broadcast'), [
    '7',
    null,
    'realtime:v2',
    'broadcast',
    { type: 'broadcast', event: 'e', payload: { n: 1 } },
  ])
  s.ws.close()
})

test('heartbeats of the client are answered', async () => {
  const statuses = []
  const c = client({ heartbeatCallback: (s) => statuses.push(s) })
  await subscribe(c.channel('hb'))
  const ok = new Promise((resolve) => c.onHeartbeat((s) => s === 'ok' && resolve(s)))
  await c.sendHeartbeat()
  assert.equal(await ok, 'ok')
})

// ---------- postgres_changes ----------
test('postgres_changes under RLS: A sees its own todo, B and anon do not', async () => {
  const ca = client({ token: A.token })
  const cb = client({ token: B.token })
  const cn = client()
  const wa = await watch(ca, 'todos-a', { table: 'todos' })
  const wb = await watch(cb, 'todos-b', { table: 'todos' })
  const wn = await watch(cn, 'todos-anon', { table: 'todos' })
  assert.deepEqual(await wa.sys.next(), {
    message: 'Subscribed to PostgreSQL',
    status: 'ok',
    extension: 'postgres_changes',
    channel: 'todos-a',
  })
  // the join reply carried the binding with its server id
  assert.equal(typeof wa.bindings.postgres_changes[0].id, 'number')

  const [row] = await rest(A, 'POST', '/todos', { task: 'A private task' })
  const got = await wa.log.next()
  assert.equal(got.eventType, 'INSERT')
  assert.equal(got.schema, 'public')
  assert.equal(got.table, 'todos')
  assert.equal(got.errors, null)
  assert.match(got.commit_timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  assert.deepEqual(got.new, row) // same values and types as PostgREST's JSON
  assert.deepEqual(got.old, {})

  const [rowB] = await rest(B, 'POST', '/todos', { task: 'B private task' })
  assert.equal((await wb.log.next()).new.id, rowB.id)
  await settle(ca, cb, cn)
  assert.deepEqual(
    wa.log.events.map((e) => e.new.id),
    [row.id],
  )
  assert.deepEqual(
    wb.log.events.map((e) => e.new.id),
    [rowB.id],
  )
  assert.deepEqual(wn.log.events, [])
  // processed changes do not pile up
  assert.equal((await be.db.query('select count(*)::int as n from realtime.changes')).rows[0].n, 0)
})

test('postgres_changes: public rows (profiles) reach anon; the service role sees every row', async () => {
  const cn = client()
  const cs = client({ token: be.serviceRoleKey })
  const wn = await watch(cn, 'profiles-anon', { table: 'profiles', event: 'INSERT' })
  const ws = await watch(cs, 'todos-service', { table: 'todos', event: 'INSERT' })
  const [p] = await rest(A, 'POST', '/profiles', { id: A.id, username: 'alice' })
  assert.deepEqual((await wn.log.next()).new, p)
  const [t] = await rest(B, 'POST', '/todos', { task: 'seen by service_role' })
  assert.equal((await ws.log.next()).new.id, t.id)
})

test('postgres_changes: UPDATE and DELETE shapes; DELETE reaches only who could see the row (be.realtime.deletes)', async () => {
  const ca = client({ token: A.token })
  const cb = client({ token: B.token })
  const wa = await watch(ca, 'shapes-a', { table: 'todos' })
  const wb = await watch(cb, 'shapes-b', { table: 'todos' })
  const [row] = await rest(A, 'POST', '/todos', { task: 'to update' })
  await wa.log.next((e) => e.eventType === 'INSERT' && e.new.id === row.id)

  const [upd] = await rest(A, 'PATCH', `/todos?id=eq.${row.id}`, { is_complete: true })
  const u = await wa.log.next((e) => e.eventType === 'UPDATE')
  assert.deepEqual(u.new, upd)
  assert.equal(u.new.is_complete, true)
  assert.deepEqual(u.old, { id: row.id }) // replica identity default: the primary key

  await rest(A, 'DELETE', `/todos?id=eq.${row.id}`)
  const d = await wa.log.next((e) => e.eventType === 'DELETE')
  assert.deepEqual(d.old, { id: row.id }) // RLS on: the primary key only
  assert.deepEqual(d.new, {})
  await settle(ca, cb)
  assert.deepEqual(wb.log.events, [])

  // Supabase's way: every subscriber of the table gets the primary key of a delete
  be.realtime.deletes = 'all'
  try {
    const [r2] = await rest(A, 'POST', '/todos', { task: 'deleted for everyone' })
    await rest(A, 'DELETE', `/todos?id=eq.${r2.id}`)
    assert.deepEqual((await wb.log.next((e) => e.eventType === 'DELETE')).old, { id: r2.id })
  } finally {
    be.realtime.deletes = 'rls'
  }

  // replica identity full: the whole old row on UPDATE
  await be.db.query('alter table public.todos replica identity full')
  try {
    const [r3] = await rest(A, 'POST', '/todos', { task: 'full identity' })
    await rest(A, 'PATCH', `/todos?id=eq.${r3.id}`, { task: 'renamed' })
    const u3 = await wa.log.next((e) => e.eventType === 'UPDATE' && e.new.id === r3.id)
    assert.deepEqual(u3.old, r3)
    assert.equal(u3.new.task, 'renamed')
    await rest(A, 'DELETE', `/todos?id=eq.${r3.id}`)
    assert.deepEqual((await wa.log.next((e) => e.eventType === 'DELETE' && e.old.id === r3.id)).old, { id: r3.id }) // RLS on
  } finally {
    await be.db.query('alter table public.todos replica identity default')
  }
})

test('postgres_changes: event kinds, rolled-back transactions, rows far over the NOTIFY limit', async () => {
  const ca = client({ token: A.token })
  const wi = await watch(ca, 'only-inserts', { table: 'todos', event: 'INSERT' })
  const wu = await watch(ca, 'only-updates', { table: 'todos', event: 'UPDATE' })
  const [row] = await rest(A, 'POST', '/todos', { task: 'x'.repeat(100000) })
  assert.equal((await wi.log.next()).new.task.length, 100000)
  await rest(A, 'PATCH', `/todos?id=eq.${row.id}`, { task: 'short' })
  assert.equal((await wu.log.next()).new.task, 'short')
  // a rolled-back insert is never delivered
  const client0 = await be.db.connect()
  try {
    await client0.query('begin')
    await client0.query('insert into public.todos (user_id, task) values ($1, $2)', [A.id, 'rolled back'])
    await client0.query('rollback')
  } finally {
    client0.release()
  }
  await settle(ca)
  assert.deepEqual(
    wi.log.events.map((e) => e.new.id),
    [row.id],
  )
  assert.deepEqual(
    wu.log.events.map((e) => e.new.id),
    [row.id],
  )
})

test('postgres_changes filters: eq, neq, lt, lte, gt, gte, in (and not., like, is)', async () => {
  const cs = client({ token: be.serviceRoleKey })
  const [first] = await rest(A, 'POST', '/todos', { task: 'f0' })
  const n = first.id
  // f0's change is delivered (to no one) before the watchers below subscribe; otherwise a slow
  // feed can hand it to them (1 run in ~9 under load).
  await be.realtime.flush()
  const filters = {
    eq: `task=eq.f2`,
    neq: `task=neq.f2`,
    lt: `id=lt.${n + 2}`,
    lte: `id=lte.${n + 2}`,
    gt: `id=gt.${n + 2}`,
    gte: `id=gte.${n + 2}`,
    in: `task=in.(f1,"f,3")`,
    notin: `task=not.in.(f1,f2)`,
    like: `task=like.f%`,
    is: `is_complete=is.true`,
    and: `id=gt.${n + 1},task=neq.f2`,
    user: `user_id=eq.${A.id}`,
  }
  const ws = {}
  for (const [k, filter] of Object.entries(filters))
    ws[k] = await watch(cs, `filter-${k}`, { table: 'todos', event: 'INSERT', filter })
  // `select`: only these columns
  const narrow = await watch(cs, 'select-columns', {
    table: 'todos',
    event: 'INSERT',
    filter: 'task=eq.f1',
    select: ['id', 'task'],
  })
  const rows = [
    await rest(A, 'POST', '/todos', { task: 'f1' }),
    await rest(A, 'POST', '/todos', { task: 'f2', is_complete: true }),
    await rest(A, 'POST', '/todos', { task: 'f,3' }),
  ].map((r) => r[0])
  await settle(cs)
  const got = (k) => ws[k].log.events.map((e) => e.new.task)
  assert.deepEqual(
    rows.map((r) => r.id),
    [n + 1, n + 2, n + 3],
  )
  assert.deepEqual(got('eq'), ['f2'])
  assert.deepEqual(got('neq'), ['f1', 'f,3'])
  assert.deepEqual(got('lt'), ['f1'])
  assert.deepEqual(got('lte'), ['f1', 'f2'])
  assert.deepEqual(got('gt'), ['f,3'])
  assert.deepEqual(got('gte'), ['f2', 'f,3'])
  assert.deepEqual(got('in'), ['f1', 'f,3'])
  assert.deepEqual(got('notin'), ['f,3'])
  assert.deepEqual(got('like'), ['f1', 'f2', 'f,3'])
  assert.deepEqual(got('is'), ['f2'])
  assert.deepEqual(got('and'), ['f,3'])
  assert.deepEqual(got('user'), ['f1', 'f2', 'f,3'])
  assert.deepEqual(
    narrow.log.events.map((e) => e.new),
    [{ id: n + 1, task: 'f1' }],
  )
})

test('postgres_changes subscription errors: bad filter, unknown column, table not enabled, wait', async () => {
  const c = client({ token: A.token })
  let w = await watch(c, 'bad-filter', { table: 'todos', filter: 'wrong' })
  assert.deepEqual(await w.sys.next(), {
    message: 'Error parsing `filter` params: ["wrong"]',
    status: 'error',
    extension: 'postgres_changes',
    channel: 'bad-filter',
  })
  w = await watch(c, 'bad-column', { table: 'todos', filter: 'nope=eq.1' })
  const m = await w.sys.next()
  assert.equal(m.status, 'error')
  assert.match(
    m.message,
    /^Unable to subscribe to changes with given parameters\. An exception happened .*invalid column for filter nope$/,
  )
  w = await watch(c, 'bad-value', { table: 'todos', filter: 'id=eq.abc' })
  assert.match((await w.sys.next()).message, /invalid input syntax for type bigint/)
  w = await watch(c, 'not-enabled', { schema: 'app', table: 'notices' })
  assert.equal(
    (await w.sys.next()).message,
    'Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: *, schema: app, table: notices, filters: [], select: nil]',
  )
  // with postgres_changes_options.wait the join itself fails
  const ch = c.channel('waited', { config: { postgres_changes_options: { wait: true } } })
  ch.on('postgres_changes', { event: '*', schema: 'app', table: 'notices' }, () => {})
  await assert.rejects(
    subscribe(ch),
    (e) => e.status === 'CHANNEL_ERROR' && /^RealtimeDisabledForConfiguration: Unable to subscribe/.test(e.err.message),
  )
  await c.removeChannel(ch)
  // a table enabled at run time
  await be.realtime.subscribeTable('app.notices')
  try {
    const cs = client({ token: be.serviceRoleKey })
    const wn = await watch(cs, 'notices', { schema: 'app', table: 'notices', event: 'INSERT' })
    await be.db.query("insert into app.notices (title) values ('hello')")
    assert.equal((await wn.log.next()).new.title, 'hello')
  } finally {
    await be.realtime.unsubscribeTable('app.notices')
  }
})

test('access_token pushes switch the identity; bad and expired tokens close the channel', async () => {
  const c = client() // joins with the anon key
  const w = await watch(c, 'switch', { table: 'todos', event: 'INSERT' })
  await rest(A, 'POST', '/todos', { task: 'before switch' })
  await settle(c)
  assert.deepEqual(w.log.events, [])

  await c.setAuth(A.token) // pushes access_token to the joined channel
  await roundTrip(c) // the push has been handled
  const [row] = await rest(A, 'POST', '/todos', { task: 'after switch' })
  assert.equal((await w.log.next()).new.id, row.id)
  assert.ok(be.realtime.frames.some((f) => f.event === 'access_token' && f.payload.access_token === A.token))

  // an invalid token: system error, then the channel is closed
  await c.setAuth('not-a-jwt')
  assert.deepEqual(await w.sys.next((p) => p.status === 'error'), {
    message: 'The token provided is not a valid JWT',
    status: 'error',
    extension: 'system',
    channel: 'switch',
  })
  await w.statuses.next((s) => s.status === 'CLOSED')

  // a token that expires (virtual clock) is noticed on the next heartbeat
  const iat = Math.floor(be.now() / 1000)
  const short = be.signJwt({ sub: B.id, role: 'authenticated', aud: 'authenticated', iat, exp: iat + 60 })
  const c2 = client({ token: short })
  const w2 = await watch(c2, 'expiring', { table: 'todos' })
  be.advanceTime(61 * 1000)
  await roundTrip(c2)
  assert.match((await w2.sys.next((p) => p.extension === 'system')).message, /^Token has expired \d+ seconds ago$/)
  await w2.statuses.next((s) => s.status === 'CLOSED')
  // and refused at join
  await assert.rejects(
    subscribe(client({ token: short }).channel('late')),
    (e) => e.status === 'CHANNEL_ERROR' && /^InvalidJWTToken: Token has expired/.test(e.err.message),
  )
})

test('private channels need service_role', async () => {
  const c = client({ token: A.token })
  await assert.rejects(
    subscribe(c.channel('secret', { config: { private: true } })),
    (e) =>
      e.status === 'CHANNEL_ERROR' &&
      e.err.message === 'Unauthorized: You do not have permissions to read from this Channel topic: secret',
  )
  await subscribe(client({ token: be.serviceRoleKey }).channel('secret', { config: { private: true } }))
})

// ---------- broadcast ----------
test('broadcast between two clients: self false/true, ack, vsn 1.0.0 <-> 2.0.0', async () => {
  const c1 = client()
  const c2 = client({ vsn: '2.0.0' })
  const c3 = client()
  const r1 = recorder()
  const r2 = recorder()
  const r3 = recorder()
  const ch1 = c1
    .channel('room', { config: { broadcast: { self: false, ack: true } } })
    .on('broadcast', { event: '*' }, (p) => r1.add(p))
  const ch2 = c2.channel('room', { config: { broadcast: { self: true } } }).on('broadcast', { event: 'chat' }, (p) => r2.add(p))
  const ch3 = c3.channel('room').on('broadcast', { event: 'chat' }, (p) => r3.add(p))
  await Promise.all([subscribe(ch1), subscribe(ch2), subscribe(ch3)])

  assert.equal(await ch1.send({ type: 'broadcast', event: 'chat', payload: { text: 'hi from 1' } }), 'ok') // ack: after the server's reply
  assert.deepEqual(await r2.next(), { type: 'broadcast', event: 'chat', payload: { text: 'hi from 1' } })
  assert.deepEqual(await r3.next(), { type: 'broadcast', event: 'chat', payload: { text: 'hi from 1' } })

  // vsn 2.0.0 sends a binary frame; the 1.0.0 client gets JSON, the sender (self: true) its own message back
  await ch2.send({ type: 'broadcast', event: 'chat', payload: { text: '你好 from 2' } })
  assert.deepEqual(await r1.next(), { type: 'broadcast', event: 'chat', payload: { text: '你好 from 2' } })
  assert.deepEqual(await r2.next((p) => p.payload.text === '你好 from 2'), {
    type: 'broadcast',
    event: 'chat',
    payload: { text: '你好 from 2' },
  })

  await settle(c1, c2, c3)
  assert.equal(r1.events.length, 1) // self: false
  assert.equal(r3.events.length, 2)
})

test('broadcast over the REST API and from the backend', async () => {
  const c = client()
  const r = recorder()
  const ch = c.channel('rest-room').on('broadcast', { event: '*' }, (p) => r.add(p))
  await subscribe(ch)
  const res = await request('POST', '/realtime/v1/api/broadcast', {
    headers: { apikey: be.anonKey },
    body: { messages: [{ topic: 'rest-room', event: 'from-rest', payload: { a: 1 } }] },
  })
  assert.equal(res.status, 202)
  assert.deepEqual(await r.next(), { type: 'broadcast', event: 'from-rest', payload: { a: 1 } })
  const res2 = await request('POST', '/realtime/v1/api/broadcast', { body: { messages: [] } })
  assert.equal(res2.status, 401)
  assert.deepEqual(await ch.httpSend('http-send', { b: 2 }), { success: true })
  assert.deepEqual(await r.next((p) => p.event === 'http-send'), { type: 'broadcast', event: 'http-send', payload: { b: 2 } })
  be.realtime.broadcast('rest-room', 'from-backend', { c: 3 })
  assert.deepEqual(await r.next((p) => p.event === 'from-backend'), {
    type: 'broadcast',
    event: 'from-backend',
    payload: { c: 3 },
  })
})

// ---------- presence ----------
test('presence: state on join, join/leave diffs, track/untrack, leaving and dropped sockets untrack', async () => {
  const c1 = client({ token: A.token })
  const c2 = client({ token: B.token, vsn: '2.0.0' })
  const ch1 = c1.channel('lobby', { config: { presence: { key: 'alice' } } })
  const p1 = recorder()
  ch1.on('presence', { event: '*' }, (p) => p1.add(p))
  await subscribe(ch1)
  await p1.next((p) => p.event === 'sync')
  assert.equal(await ch1.track({ name: 'Alice', status: 'online' }), 'ok')
  await p1.next((p) => p.event === 'join' && p.key === 'alice')

  // a later joiner gets the state
  const ch2 = c2.channel('lobby', { config: { presence: { key: 'bob' } } })
  const p2 = recorder()
  ch2.on('presence', { event: '*' }, (p) => p2.add(p))
  await subscribe(ch2)
  const j = await p2.next((p) => p.event === 'join' && p.key === 'alice')
  assert.equal(j.newPresences[0].name, 'Alice')
  assert.equal(typeof j.newPresences[0].presence_ref, 'string')
  await p2.next((p) => p.event === 'sync')
  assert.deepEqual(Object.keys(ch2.presenceState()), ['alice'])

  await ch2.track({ name: 'Bob' })
  await p1.next((p) => p.event === 'join' && p.key === 'bob')
  assert.deepEqual(Object.keys(ch1.presenceState()).sort(), ['alice', 'bob'])
  assert.equal(be.realtime.stats().presences, 2)

  // re-track with new state: one join (new meta) and one leave (old meta)
  await ch1.track({ name: 'Alice', status: 'away' })
  await p2.next((p) => p.event === 'join' && p.key === 'alice' && p.newPresences[0].status === 'away')
  await p2.next((p) => p.event === 'leave' && p.key === 'alice' && p.leftPresences[0].status === 'online')
  assert.equal(ch2.presenceState().alice.length, 1)
  assert.equal(ch2.presenceState().alice[0].status, 'away')

  await ch2.untrack()
  await p1.next((p) => p.event === 'leave' && p.key === 'bob')
  assert.deepEqual(Object.keys(ch1.presenceState()), ['alice'])

  // the tracked client's socket drops: the others see it leave
  await ch2.track({ name: 'Bob again' })
  await p1.next((p) => p.event === 'join' && p.key === 'bob')
  c2.socketAdapter.getSocket().conn.terminate()
  await p1.next((p) => p.event === 'leave' && p.key === 'bob' && p.leftPresences[0].name === 'Bob again')
  // unsubscribing untracks too (the client resolves its leave at once: a round trip makes sure the server has it)
  await c1.removeChannel(ch1)
  await roundTrip(c1)
  assert.equal(be.realtime.stats().presences, 0)
})

// ---------- the SDK we replace ----------
test('supabase-wechat-stable-v2 (realtime-js 2.9.3 on wx.connectSocket) subscribes, broadcasts, tracks, gets changes', async () => {
  // wx.connectSocket's SocketTask over `ws`. close() drops the close callback: that client reconnects by itself
  // after any close (its disconnect() cannot unhook the handler, anchor-api §5.1-A6), which would outlive the test.
  global.wx = {
    connectSocket({ url, header }) {
      const ws = new WebSocket(url, { headers: header })
      return {
        get readyState() {
          return ws.readyState
        },
        binaryType: 'arraybuffer',
        onOpen: (cb) => ws.on('open', () => cb({})),
        onClose: (cb) => ws.on('close', (code, reason) => cb({ code, reason: String(reason) })),
        onError: (cb) => ws.on('error', (e) => cb({ errMsg: e.message })),
        onMessage: (cb) => ws.on('message', (d, binary) => cb({ data: binary ? d : d.toString() })),
        send: ({ data }) => ws.send(data),
        close: () => {
          ws.removeAllListeners('close')
          ws.close()
        },
      }
    },
  }
  const OldClient = require('supabase-wechat-stable-v2/dist/main/realtime-js/src/RealtimeClient.js').default
  const c = new OldClient(be.realtime.url, { params: { apikey: be.anonKey } })
  try {
    c.setAuth(A.token)
    const log = recorder()
    const ch = c.channel('anchor', { config: { broadcast: { self: true } } }) // presence: {key: ''}, no `enabled`
    ch.on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, (p) => log.add(p))
    ch.on('broadcast', { event: 'ping' }, (p) => log.add(p))
    ch.on('presence', { event: 'sync' }, () => log.add({ sync: ch.presenceState() }))
    await new Promise((resolve, reject) =>
      ch.subscribe((s, e) => (s === 'SUBSCRIBED' ? resolve() : reject(new Error(`${s} ${e}`)))),
    )
    const join = be.realtime.frames.findLast((f) => f.event === 'phx_join' && f.topic === 'realtime:anchor')
    assert.deepEqual(join.payload.config.presence, { key: '' })
    assert.equal(join.payload.access_token, A.token)

    await ch.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } })
    assert.deepEqual(await log.next((p) => p.type === 'broadcast'), { type: 'broadcast', event: 'ping', payload: { n: 1 } })
    await ch.track({ online: true })
    const sync = await log.next((p) => p.sync && Object.keys(p.sync).length === 1)
    assert.equal(Object.values(sync.sync)[0][0].online, true)
    const [row] = await rest(A, 'POST', '/todos', { task: 'for the old SDK' })
    const change = await log.next((p) => p.eventType === 'INSERT')
    assert.deepEqual(change.new, row)
  } finally {
    c.disconnect()
    delete global.wx
  }
})

// ---------- faults, shutdown ----------
test('be.realtime.dropAll(): clients see the drop, reconnect, rejoin and get changes again', async () => {
  const c = client({ token: A.token })
  const w = await watch(c, 'survivor', { table: 'todos', event: 'INSERT' })
  const closes = []
  c.socketAdapter.getSocket().onClose((e) => closes.push(e.code))
  assert.ok(be.realtime.stats().sockets >= 1)
  const before = be.realtime.stats().sockets
  assert.equal(be.realtime.dropAll(), before)
  assert.equal(be.realtime.stats().sockets, 0)
  assert.equal(be.realtime.stats().channels, 0)
  await w.statuses.next((s) => s.status === 'CHANNEL_ERROR')
  // the same subscribe callback reports the rejoin
  await w.statuses.next((st) => st.status === 'SUBSCRIBED' && w.statuses.events.indexOf(st) > 0)
  assert.deepEqual(closes, [1006])
  const [row] = await rest(A, 'POST', '/todos', { task: 'after reconnect' })
  assert.equal((await w.log.next()).new.id, row.id)
})

test('be.stop() closes the sockets (1001) and stops listening', async () => {
  const s = await rawSocket()
  const closed = new Promise((resolve) => s.ws.on('close', (code) => resolve(code)))
  await be.stop()
  assert.equal(await closed, 1001)
  assert.equal(be.realtime.stats().sockets, 0)
})
