'use strict'
// Tests for /rest/v1 of the local backend: the real PostgREST 12 behind the Kong-like proxy, with the
// demo schema (backend/sql/20-demo.sql) and users logged in through the wechat_mini flow.
// Run: node --test tests/node/backend-rest.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))
const testHttp = require('./lib/http')

let be
let startMs
let A // { token, id }
let B

// ---------- helpers ----------
// urlPath goes on the request line exactly as given (no URL normalisation).
function request(method, urlPath, { headers = {}, body, chunked = false } = {}) {
  const data =
    body === undefined
      ? undefined
      : Buffer.isBuffer(body)
        ? body
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
  const h = { ...(data !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }
  if (data !== undefined && !chunked) h['content-length'] = data.length
  let pieces = data
  if (data !== undefined && chunked) {
    // several writes without content-length -> Transfer-Encoding: chunked
    const step = Math.max(1, Math.ceil(data.length / 4))
    pieces = []
    for (let i = 0; i < data.length; i += step) pieces.push(data.subarray(i, i + step))
  }
  return testHttp.send({ host: '127.0.0.1', port: be.port, path: urlPath }, { method, headers: h, body: pieces })
}

const anon = (extra = {}) => ({ apikey: be.anonKey, ...extra })
const as = (user, extra = {}) => ({ apikey: be.anonKey, authorization: `Bearer ${user.token}`, ...extra })
const REP = { prefer: 'return=representation' }

async function loginAs(openid) {
  const code = be.mintCode({ openid })
  const r = await request('GET', `/auth/v1/wechat_mini/login?code=${encodeURIComponent(code)}`, { headers: anon() })
  assert.equal(r.status, 200, r.text)
  assert.ok(r.json.access_token)
  return { token: r.json.access_token, id: r.json.user.id }
}

function assertPgrstError(r, status, code) {
  assert.equal(r.status, status, r.text)
  assert.deepEqual(Object.keys(r.json).sort(), ['code', 'details', 'hint', 'message'])
  assert.equal(r.json.code, code)
}

before(async () => {
  const t0 = Date.now()
  be = await startBackend({ port: 0 })
  startMs = Date.now() - t0
  A = await loginAs('rest-openid-a')
  B = await loginAs('rest-openid-b')
})

after(async () => {
  if (be) await be.stop()
})

// ---------- tests ----------
test('PostgREST answers through the proxy; api fields', async (t) => {
  t.diagnostic(`backend start ${startMs} ms, PostgREST ready in ${be.rest.startMs} ms (port ${be.rest.pgrstPort})`)
  assert.equal(be.rest.url, `${be.url}/rest/v1`)
  assert.ok(Number.isInteger(be.rest.pgrstPort) && be.rest.pgrstPort > 0)
  assert.ok(be.rest.startMs < 5000)
  const r = await request('GET', '/rest/v1/todos', { headers: anon() })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.text, '[]')
  assert.equal(r.headers.server, 'postgrest/12.0.2')
  assert.match(r.headers['content-type'], /^application\/json; charset=utf-8$/)
  assert.equal(r.headers['content-range'], '*/*')
  assert.equal(r.headers['access-control-allow-origin'], '*')
  // OpenAPI root
  const root = await request('GET', '/rest/v1/', { headers: anon() })
  assert.equal(root.status, 200)
  assert.ok(root.json.paths['/todos'])
})

test('Kong key-auth: missing / invalid apikey -> 401 Kong messages; ?apikey= works and is not forwarded', async () => {
  let r = await request('GET', '/rest/v1/todos')
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { message: 'No API key found in request' })
  r = await request('GET', '/rest/v1/todos', { headers: { apikey: 'nope' } })
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { message: 'Invalid API key' })
  r = await request('GET', '/rest/v1/todos', { headers: { apikey: be.signJwt({ role: 'anon' }).slice(0, -2) + 'xx' } })
  assert.deepEqual(r.json, { message: 'Invalid API key' })
  // only the configured anon / service_role keys, exactly: a user's access token is a valid JWT but no API key
  r = await request('GET', '/rest/v1/todos', { headers: { apikey: A.token } })
  assert.deepEqual([r.status, r.json], [401, { message: 'Invalid API key' }])
  r = await request('GET', '/rest/v1/todos', { headers: { apikey: A.token, authorization: `Bearer ${A.token}` } })
  assert.deepEqual([r.status, r.json], [401, { message: 'Invalid API key' }])
  r = await request('GET', '/rest/v1/todos', { headers: { apikey: be.signJwt({ role: 'anon' }) } })
  assert.deepEqual([r.status, r.json], [401, { message: 'Invalid API key' }])
  // apikey in the query (hidden from PostgREST like Kong's hide_credentials; else it would be a filter)
  r = await request('GET', `/rest/v1/todos?apikey=${be.anonKey}&select=id`)
  assert.equal(r.status, 200, r.text)
  assert.equal(r.text, '[]')
  r = await request('GET', `/rest/v1/rpc/whoami?apikey=${be.anonKey}`)
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.role, 'anon')
})

test('no Authorization header -> the apikey is forwarded as the bearer token', async () => {
  let r = await request('GET', '/rest/v1/rpc/whoami', { headers: anon() })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.role, 'anon')
  assert.equal(r.json.current_role, 'anon')
  assert.equal(r.json.uid, null)
  r = await request('GET', '/rest/v1/rpc/whoami', { headers: { apikey: be.serviceRoleKey } })
  assert.equal(r.json.current_role, 'service_role')
  // an explicit Authorization wins over the apikey
  r = await request('GET', '/rest/v1/rpc/whoami', { headers: as(A) })
  assert.equal(r.json.current_role, 'authenticated')
  assert.equal(r.json.uid, A.id) // auth.uid() works with PostgREST 12's request.jwt.claims
  assert.equal(r.json.claims.sub, A.id)
})

test('insert / select / PATCH / delete own rows; return=representation; count=exact with Content-Range', async () => {
  let r = await request('POST', '/rest/v1/todos', { headers: as(A, REP), body: { task: 'a1' } })
  assert.equal(r.status, 201, r.text)
  assert.equal(r.json.length, 1)
  const row = r.json[0]
  assert.equal(row.user_id, A.id) // default auth.uid()
  assert.equal(row.task, 'a1')
  assert.equal(row.is_complete, false)
  assert.ok(row.inserted_at)

  // return=minimal (default): 201, empty body
  r = await request('POST', '/rest/v1/todos', { headers: as(A), body: [{ task: 'a2' }, { task: 'a3' }] })
  assert.equal(r.status, 201, r.text)
  assert.equal(r.text, '')
  // postgrest-js sends `Prefer: ''` and ?columns= for arrays
  r = await request('POST', '/rest/v1/todos?columns=%22task%22', {
    headers: as(A, { prefer: '' }),
    body: [{ task: 'a4', bogus: 1 }],
  })
  assert.equal(r.status, 201, r.text)

  r = await request('GET', '/rest/v1/todos?select=id,task&order=id.asc', { headers: as(A, { prefer: 'count=exact' }) })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(
    r.json.map((t) => t.task),
    ['a1', 'a2', 'a3', 'a4'],
  )
  assert.equal(r.headers['content-range'], '0-3/4')
  assert.equal(r.headers['preference-applied'], 'count=exact')

  // Range header + count -> 206
  r = await request('GET', '/rest/v1/todos?select=task&order=id.asc', { headers: as(A, { prefer: 'count=exact', range: '1-2' }) })
  assert.equal(r.status, 206, r.text)
  assert.deepEqual(
    r.json.map((t) => t.task),
    ['a2', 'a3'],
  )
  assert.equal(r.headers['content-range'], '1-2/4')

  // HEAD with count
  r = await request('HEAD', '/rest/v1/todos?select=*', { headers: as(A, { prefer: 'count=exact' }) })
  assert.equal(r.status, 200)
  assert.equal(r.text, '')
  assert.equal(r.headers['content-range'], '0-3/4')

  // PATCH
  r = await request('PATCH', `/rest/v1/todos?id=eq.${row.id}`, {
    headers: as(A, REP),
    body: { is_complete: true, task: 'a1 done' },
  })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json[0].is_complete, true)
  assert.equal(r.json[0].task, 'a1 done')
  r = await request('PATCH', `/rest/v1/todos?id=eq.${row.id}`, {
    headers: as(A, { prefer: 'count=exact' }),
    body: { is_complete: false },
  })
  assert.equal(r.status, 204, r.text)
  assert.equal(r.headers['content-range'], '0-0/1')

  // check constraint -> 400 23514
  r = await request('POST', '/rest/v1/todos', { headers: as(A), body: { task: '' } })
  assertPgrstError(r, 400, '23514')

  // DELETE with representation
  r = await request('DELETE', '/rest/v1/todos?task=eq.a4', { headers: as(A, REP) })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.length, 1)
  r = await request('DELETE', '/rest/v1/todos?task=eq.a3', { headers: as(A) })
  assert.equal(r.status, 204, r.text)
  r = await request('GET', '/rest/v1/todos?select=task&order=id', { headers: as(A) })
  assert.deepEqual(
    r.json.map((t) => t.task),
    ['a1 done', 'a2'],
  )

  // the small request body was logged
  const logged = be.requests.filter((e) => e.method === 'PATCH' && e.path === '/rest/v1/todos')
  assert.ok(logged.some((e) => e.body === JSON.stringify({ is_complete: true, task: 'a1 done' })))
})

test("RLS isolation: B cannot see / update / delete A's rows; forged user_id -> 403 42501; anon cannot write", async () => {
  let r = await request('POST', '/rest/v1/todos', { headers: as(A, REP), body: { task: 'secret of A' } })
  assert.equal(r.status, 201, r.text)
  const aRow = r.json[0]
  r = await request('POST', '/rest/v1/todos', { headers: as(B, REP), body: { task: 'b1' } })
  assert.equal(r.status, 201, r.text)
  assert.equal(r.json[0].user_id, B.id)

  r = await request('GET', '/rest/v1/todos?select=task,user_id', { headers: as(B) })
  assert.deepEqual(r.json, [{ task: 'b1', user_id: B.id }])
  r = await request('GET', `/rest/v1/todos?id=eq.${aRow.id}`, { headers: as(B) })
  assert.equal(r.text, '[]')

  r = await request('PATCH', `/rest/v1/todos?id=eq.${aRow.id}`, { headers: as(B, REP), body: { task: 'hacked' } })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json, [])
  r = await request('DELETE', `/rest/v1/todos?id=eq.${aRow.id}`, { headers: as(B, REP) })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json, [])
  r = await request('GET', `/rest/v1/todos?id=eq.${aRow.id}&select=task`, { headers: as(A) })
  assert.deepEqual(r.json, [{ task: 'secret of A' }])

  // B moving their own row to A
  r = await request('PATCH', '/rest/v1/todos?task=eq.b1', { headers: as(B), body: { user_id: A.id } })
  assertPgrstError(r, 403, '42501')
  // forged owner on insert
  r = await request('POST', '/rest/v1/todos', { headers: as(B, REP), body: { task: 'forged', user_id: A.id } })
  assertPgrstError(r, 403, '42501')
  assert.match(r.json.message, /row-level security/)
  // anon: no rows visible, no writes (401 for the anon role)
  r = await request('GET', '/rest/v1/todos', { headers: anon() })
  assert.equal(r.text, '[]')
  r = await request('POST', '/rest/v1/todos', { headers: anon(), body: { task: 'anon' } })
  assertPgrstError(r, 401, '42501')
  // service_role sees everything
  r = await request('GET', '/rest/v1/todos?select=user_id', { headers: { apikey: be.serviceRoleKey } })
  const owners = new Set(r.json.map((t) => t.user_id))
  assert.ok(owners.has(A.id) && owners.has(B.id))

  // profiles: everyone reads, only the owner writes
  r = await request('POST', '/rest/v1/profiles', { headers: as(A, REP), body: { id: A.id, username: 'alice' } })
  assert.equal(r.status, 201, r.text)
  r = await request('POST', '/rest/v1/profiles', { headers: as(B), body: { id: A.id, username: 'mallory' } })
  assertPgrstError(r, 403, '42501') // RLS WITH CHECK comes before the primary-key clash
  r = await request('POST', '/rest/v1/profiles', {
    headers: as(B),
    body: { id: '00000000-0000-0000-0000-000000000000', username: 'x' },
  })
  assertPgrstError(r, 403, '42501')
  r = await request('PATCH', `/rest/v1/profiles?id=eq.${A.id}`, { headers: as(B, REP), body: { username: 'mallory' } })
  assert.deepEqual(r.json, [])
  r = await request('GET', '/rest/v1/profiles?select=username', { headers: anon() })
  assert.deepEqual(r.json, [{ username: 'alice' }])
})

test('filters with percent-encoded reserved characters and CJK round-trip exactly (no re-encoding)', async () => {
  const tasks = ['x&y', 'a+b', 'a b', 'k=v,w', '中文 任务', 'p%q', 'semi;colon', '(paren)', 'quote"d', "it's"]
  let r = await request('POST', '/rest/v1/todos', { headers: as(A), body: tasks.map((task) => ({ task })) })
  assert.equal(r.status, 201, r.text)
  for (const t of tasks) {
    r = await request('GET', `/rest/v1/todos?select=task&task=eq.${encodeURIComponent(t)}`, { headers: as(A) })
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(r.json, [{ task: t }], t)
  }
  // '+' unencoded is a space to PostgREST, %2B is a plus: the proxy must not touch either
  r = await request('GET', '/rest/v1/todos?select=task&task=eq.a+b', { headers: as(A) })
  assert.deepEqual(r.json, [{ task: 'a b' }])
  r = await request('GET', '/rest/v1/todos?select=task&task=eq.a%2Bb', { headers: as(A) })
  assert.deepEqual(r.json, [{ task: 'a+b' }])
  // in.() with a quoted value containing a comma, and like with *
  r = await request(
    'GET',
    `/rest/v1/todos?select=task&task=in.(${encodeURIComponent('"k=v,w"')},${encodeURIComponent('x&y')})&order=task`,
    { headers: as(A) },
  )
  assert.deepEqual(r.json.map((t) => t.task).sort(), ['k=v,w', 'x&y'])
  r = await request('GET', `/rest/v1/todos?select=task&task=like.${encodeURIComponent('中文*')}`, { headers: as(A) })
  assert.deepEqual(r.json, [{ task: '中文 任务' }])
  // the request log holds the raw query string
  const e = be.requests.filter((x) => x.path === '/rest/v1/todos').pop()
  assert.ok(e.query.includes('%E4%B8%AD%E6%96%87'))
  // a CJK body round-trips too
  r = await request('POST', '/rest/v1/todos?select=task', { headers: as(A, REP), body: { task: '你好，世界 🌏' } })
  assert.deepEqual(r.json, [{ task: '你好，世界 🌏' }])
})

test('single(): vnd.pgrst.object+json -> object; 0 rows -> 406 PGRST116', async () => {
  await request('POST', '/rest/v1/todos', { headers: as(B), body: { task: 'only-one' } })
  let r = await request('GET', '/rest/v1/todos?select=task&task=eq.only-one', {
    headers: as(B, { accept: 'application/vnd.pgrst.object+json' }),
  })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json, { task: 'only-one' })
  assert.match(r.headers['content-type'], /^application\/vnd\.pgrst\.object\+json/)
  r = await request('GET', '/rest/v1/todos?select=task&task=eq.nothing', {
    headers: as(B, { accept: 'application/vnd.pgrst.object+json' }),
  })
  assertPgrstError(r, 406, 'PGRST116')
  // A cannot see B's row, so single() fails for A as well
  r = await request('GET', '/rest/v1/todos?select=task&task=eq.only-one', {
    headers: as(A, { accept: 'application/vnd.pgrst.object+json' }),
  })
  assertPgrstError(r, 406, 'PGRST116')
})

test('RPC: add_todo (security invoker, RLS), echo, unknown function', async () => {
  let r = await request('POST', '/rest/v1/rpc/add_todo', { headers: as(B), body: { task: 'via rpc' } })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.task, 'via rpc')
  assert.equal(r.json.user_id, B.id)
  r = await request('POST', '/rest/v1/rpc/add_todo', { headers: anon(), body: { task: 'anon rpc' } })
  assertPgrstError(r, 401, '42501')
  const payload = { a: [1, 'two', null], 中: '文', nested: { ok: true } }
  r = await request('POST', '/rest/v1/rpc/echo', { headers: anon(), body: { x: payload } })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json, payload)
  r = await request('GET', `/rest/v1/rpc/echo?x=${encodeURIComponent('{"k":"a&b"}')}`, { headers: anon() })
  assert.equal(r.json, '{"k":"a&b"}') // GET arguments reach the function as text
  r = await request('POST', '/rest/v1/rpc/nope', { headers: anon(), body: {} })
  assertPgrstError(r, 404, 'PGRST202')
})

test('bad JWT -> 401 PGRST301 passed through unchanged', async () => {
  let r = await request('GET', '/rest/v1/todos', { headers: anon({ authorization: 'Bearer not-a-jwt' }) })
  assertPgrstError(r, 401, 'PGRST301')
  assert.match(r.headers['www-authenticate'], /^Bearer error="invalid_token"/)
  const forged = be.signJwt({ sub: A.id, role: 'authenticated', exp: 2000000000 }).slice(0, -3) + 'abc'
  r = await request('GET', '/rest/v1/todos', { headers: anon({ authorization: `Bearer ${forged}` }) })
  assertPgrstError(r, 401, 'PGRST301')
  const expired = be.signJwt({ sub: A.id, role: 'authenticated', exp: Math.floor(Date.now() / 1000) - 120 })
  r = await request('GET', '/rest/v1/todos', { headers: anon({ authorization: `Bearer ${expired}` }) })
  assertPgrstError(r, 401, 'PGRST301')
  assert.equal(r.json.message, 'JWT expired')
})

test('Accept-Profile / Content-Profile select the schema (app)', async () => {
  let r = await request('GET', '/rest/v1/notices?select=title', { headers: anon({ 'accept-profile': 'app' }) })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json, [{ title: '欢迎' }])
  assert.equal(r.headers['content-profile'], 'app')
  r = await request('GET', '/rest/v1/todos', { headers: anon({ 'accept-profile': 'public' }) })
  assert.equal(r.status, 200)
  r = await request('POST', '/rest/v1/notices', { headers: as(A, { 'content-profile': 'app' }), body: { title: 'x' } })
  assertPgrstError(r, 403, '42501')
  r = await request('GET', '/rest/v1/todos', { headers: anon({ 'accept-profile': 'nope' }) })
  assertPgrstError(r, 406, 'PGRST106')
})

test('large (> 1 MiB) and chunked request bodies are streamed to PostgREST', async () => {
  const rows = Array.from({ length: 3000 }, (_, i) => ({ task: `bulk-${i}-${'x'.repeat(400)}` }))
  const body = Buffer.from(JSON.stringify(rows))
  assert.ok(body.length > 1 << 20)
  let r = await request('POST', '/rest/v1/todos', { headers: as(B, { prefer: 'count=exact' }), body })
  assert.equal(r.status, 201, r.text)
  assert.equal(r.headers['content-range'], '*/3000')
  r = await request('POST', '/rest/v1/todos?select=task', {
    headers: as(B, REP),
    body: [{ task: 'chunked-1' }, { task: 'chunked-2' }],
    chunked: true,
  })
  assert.equal(r.status, 201, r.text)
  assert.deepEqual(r.json, [{ task: 'chunked-1' }, { task: 'chunked-2' }])
  r = await request('DELETE', '/rest/v1/todos?task=like.bulk-*', { headers: as(B, { prefer: 'count=exact' }) })
  assert.equal(r.status, 204)
  assert.equal(r.headers['content-range'], '*/3000')
})

test('virtual clock: tokens follow be.advanceTime (expired -> PGRST301, new tokens accepted)', async () => {
  const offset = 2 * 3600 * 1000
  be.advanceTime(offset)
  try {
    let r = await request('GET', '/rest/v1/todos?select=id&limit=1', { headers: as(A) })
    assertPgrstError(r, 401, 'PGRST301')
    assert.equal(r.json.message, 'JWT expired')
    const A2 = await loginAs('rest-openid-a') // iat/exp two hours in the future, real-clock wise
    assert.equal(A2.id, A.id)
    r = await request('GET', '/rest/v1/rpc/whoami', { headers: as(A2) })
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.uid, A.id)
    // the anon key (fixed iat/exp) still works
    r = await request('GET', '/rest/v1/todos', { headers: anon() })
    assert.equal(r.status, 200, r.text)
  } finally {
    be.advanceTime(-offset)
  }
})

test('restart() brings PostgREST back; schema reload sees new tables', async () => {
  await be.db.query('create table public.late_table (id int primary key); grant select on public.late_table to anon')
  await be.rest.reloadSchema()
  let r = await request('GET', '/rest/v1/late_table', { headers: anon() })
  assert.equal(r.status, 200, r.text)
  const pid = be.rest.pid
  await be.rest.restart()
  assert.notEqual(be.rest.pid, pid)
  r = await request('GET', '/rest/v1/todos?select=task&task=eq.secret%20of%20A', { headers: as(A) })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json, [{ task: 'secret of A' }])
})
