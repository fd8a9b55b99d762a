'use strict'
// Tests for the local backend's fault injection (backend/faults.js): control API under /_control/faults and
// be.faults, each fault kind observed with plain http requests against real routes.
// Run: node --test tests/node/backend-faults.test.js
const { test, before, after, afterEach } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))
const testHttp = require('./lib/http')

let be

before(async () => {
  be = await startBackend({ port: 0 })
})

after(async () => {
  if (be) await be.stop()
})

afterEach(() => {
  be.faults.clear()
})

// Resolves {status, headers, text, json, ms} or {error, ms}; `timeout` aborts on the client side.
async function request(method, urlPath, { headers = {}, body, timeout } = {}) {
  const t0 = Date.now()
  try {
    const r = await testHttp.request(be.url, method, urlPath, { headers, body, timeout })
    return { status: r.status, headers: r.headers, text: r.text, json: r.json, ms: Date.now() - t0 }
  } catch (error) {
    return { error, ms: Date.now() - t0 }
  }
}

const health = (extra = {}) => request('GET', '/auth/v1/health', { headers: { apikey: be.anonKey, ...extra } })
const control = (method, sub = '', body) => request(method, `/_control/faults${sub}`, { body })
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function loginToken() {
  const mint = await request('POST', '/wechat/test/mint_code', {
    body: { appid: be.wechat.appid, openid: `o_fault_${Date.now()}` },
  })
  const r = await request('GET', `/auth/v1/wechat_mini/login?code=${mint.json.code}`, { headers: { apikey: be.anonKey } })
  assert.equal(r.status, 200, r.text)
  return r.json.access_token
}

test('no faults: routes untouched; a fault elsewhere does not match', async () => {
  assert.deepEqual(be.faults.list(), [])
  let r = await health()
  assert.equal(r.status, 200)
  assert.equal(r.json.name, 'GoTrue')
  be.faults.add({ path: '/auth/v1/settings', fault: 'status' })
  be.faults.add({ path: '/auth/v1/health', method: 'POST', fault: 'status' })
  be.faults.add({ path: '/auth/v1/health/', fault: 'status' })
  be.faults.add({ path: '/auth/v2/*', fault: 'status' })
  r = await health()
  assert.equal(r.status, 200)
  assert.equal(be.faults.list().length, 4)
  assert.equal(
    be.faults.list().every((f) => f.applied === 0 && f.count === 1),
    true,
  )
})

test('latency delays by ms, then the real route answers', async () => {
  be.faults.add({ path: '/auth/v1/health', fault: 'latency', ms: 400 })
  let r = await health()
  assert.equal(r.status, 200)
  assert.equal(r.json.name, 'GoTrue')
  assert.ok(r.ms >= 395, `took ${r.ms} ms`)
  r = await health()
  assert.equal(r.status, 200)
  assert.ok(r.ms < 400, `second request not delayed (${r.ms} ms)`)
})

test('status: gateway defaults per status, custom body and headers', async () => {
  be.faults.add({ path: '/auth/v1/health', fault: 'status' })
  let r = await health()
  assert.equal(r.status, 503)
  assert.match(r.headers['content-type'], /^text\/html/)
  assert.match(r.text, /<title>503 Service Temporarily Unavailable<\/title>/)
  assert.match(r.text, /<center>nginx<\/center>/)

  be.faults.add({ path: '/auth/v1/health', fault: 'status', status: 502 })
  r = await health()
  assert.equal(r.status, 502)
  assert.deepEqual(r.json, { message: 'An invalid response was received from the upstream server' })

  be.faults.add({ path: '/auth/v1/health', fault: 'status', status: 504 })
  r = await health()
  assert.equal(r.status, 504)
  assert.match(r.text, /504 Gateway Time-out/)

  be.faults.add({ path: '/auth/v1/health', fault: 'status', status: 500 })
  r = await health()
  assert.deepEqual(r.json, { message: 'An unexpected error occurred' })

  be.faults.add({ path: '/auth/v1/user', fault: 'status', status: 418, body: { custom: true }, headers: { 'X-Test': 'yes' } })
  r = await request('GET', '/auth/v1/user') // no apikey: the fault sits in front of the gateway check
  assert.equal(r.status, 418)
  assert.deepEqual(r.json, { custom: true })
  assert.equal(r.headers['x-test'], 'yes')

  be.faults.add({ path: '/auth/v1/health', fault: 'status', status: 500, body: 'plain failure' })
  r = await health()
  assert.equal(r.status, 500)
  assert.equal(r.text, 'plain failure')
  assert.match(r.headers['content-type'], /^text\/plain/)

  r = await health()
  assert.equal(r.status, 200)
})

test('rate_limit: GoTrue shapes under /auth, Kong shape elsewhere, Retry-After', async () => {
  be.faults.add({ path: '/auth/v1/user', fault: 'rate_limit', count: 2 })
  let r = await request('GET', '/auth/v1/user', { headers: { apikey: be.anonKey } })
  assert.equal(r.status, 429)
  assert.deepEqual(r.json, { code: 429, error_code: 'over_request_rate_limit', msg: 'Request rate limit reached' })
  assert.equal(r.headers['x-sb-error-code'], 'over_request_rate_limit')
  assert.equal(r.headers['retry-after'], '1')
  r = await request('GET', '/auth/v1/user', { headers: { apikey: be.anonKey, 'x-supabase-api-version': '2024-01-01' } })
  assert.equal(r.status, 429)
  assert.deepEqual(r.json, { code: 'over_request_rate_limit', message: 'Request rate limit reached' })

  be.faults.add({ path: '/functions/v1/*', fault: 'rate_limit', retryAfter: 7 })
  r = await request('POST', '/functions/v1/hello', { headers: { authorization: `Bearer ${be.anonKey}` }, body: {} })
  assert.equal(r.status, 429)
  assert.deepEqual(r.json, { message: 'API rate limit exceeded' })
  assert.equal(r.headers['retry-after'], '7')
  r = await request('POST', '/functions/v1/hello', { headers: { authorization: `Bearer ${be.anonKey}` }, body: {} })
  assert.equal(r.status, 200)
})

test('reset: the client sees ECONNRESET at once', async () => {
  be.faults.add({ path: '/auth/v1/health', fault: 'reset' })
  const r = await health()
  assert.ok(r.error, 'an error, not a response')
  assert.equal(r.error.code, 'ECONNRESET')
  assert.match(r.error.message, /read ECONNRESET/)
  assert.equal((await health()).status, 200)
})

test('drop: the request is read, then EOF without a response (socket hang up)', async () => {
  be.faults.add({ path: '/auth/v1/token', method: 'POST', fault: 'drop' })
  const r = await request('POST', '/auth/v1/token?grant_type=refresh_token', {
    headers: { apikey: be.anonKey },
    body: { refresh_token: 'x'.repeat(200000) },
  })
  assert.ok(r.error, 'an error, not a response')
  assert.equal(r.error.message, 'socket hang up')
  const log = be.faults.log.filter((e) => e.fault === 'drop')
  assert.equal(log.at(-1).path, '/auth/v1/token')
  assert.equal(log.at(-1).method, 'POST')
})

test('hang: no answer; the client times out; the fault ttl (or ms) destroys held sockets', async () => {
  const id = be.faults.add({ path: '/auth/v1/user', fault: 'hang', count: 2, ttlMs: 1500 })
  const t0 = Date.now()
  const r1 = await request('GET', '/auth/v1/user', { headers: { apikey: be.anonKey }, timeout: 300 })
  assert.equal(r1.error && r1.error.code, 'CLIENT_TIMEOUT')
  assert.ok(r1.ms >= 290)
  const r2 = await request('GET', '/auth/v1/user', { headers: { apikey: be.anonKey } })
  assert.ok(r2.error, 'no response')
  assert.equal(r2.error.message, 'socket hang up')
  assert.ok(Date.now() - t0 >= 1400, `held until the ttl (${Date.now() - t0} ms)`)
  assert.ok(Date.now() - t0 < 5000)
  assert.equal(be.faults.hanging, 0)
  assert.equal(
    be.faults.list().some((f) => f.id === id),
    false,
  )
  assert.equal((await request('GET', '/auth/v1/user', { headers: { apikey: be.anonKey } })).status, 401)

  be.faults.add({ path: '/auth/v1/health', fault: 'hang', ms: 200 })
  const r3 = await health()
  assert.equal(r3.error && r3.error.message, 'socket hang up')
  assert.ok(r3.ms >= 190 && r3.ms < 1500, `${r3.ms} ms`)

  // removing the fault releases its held sockets at once
  const id2 = be.faults.add({ path: '/auth/v1/health', fault: 'hang' })
  const pending = health()
  const t1 = Date.now()
  while (be.faults.hanging === 0 && Date.now() - t1 < 3000) await sleep(10)
  assert.equal(be.faults.hanging, 1)
  const d = await control('DELETE', `/${id2}`)
  assert.equal(d.status, 200)
  assert.deepEqual(d.json, { cleared: 1 })
  const r4 = await pending
  assert.equal(r4.error && r4.error.message, 'socket hang up')
  assert.equal(be.faults.hanging, 0)
})

test('malformed: 200 application/json that does not parse', async () => {
  const token = await loginToken()
  be.faults.add({ path: '/auth/v1/user', fault: 'malformed' })
  const r = await request('GET', '/auth/v1/user', { headers: { apikey: be.anonKey, authorization: `Bearer ${token}` } })
  assert.equal(r.status, 200)
  assert.match(r.headers['content-type'], /^application\/json/)
  assert.ok(r.text.length > 0)
  assert.throws(() => JSON.parse(r.text), SyntaxError)
  const ok = await request('GET', '/auth/v1/user', { headers: { apikey: be.anonKey, authorization: `Bearer ${token}` } })
  assert.equal(ok.status, 200)
  assert.equal(typeof ok.json.id, 'string')
})

test('count and ttl bound every fault', async () => {
  be.faults.add({ path: '/auth/v1/health', fault: 'status', count: 3 })
  const statuses = []
  for (let i = 0; i < 5; i++) statuses.push((await health()).status)
  assert.deepEqual(statuses, [503, 503, 503, 200, 200])

  be.faults.add({ path: '/auth/v1/*', fault: 'status', status: 502, count: 1000, ttlMs: 300 })
  assert.equal((await health()).status, 502)
  assert.equal((await request('GET', '/auth/v1/settings', { headers: { apikey: be.anonKey } })).status, 502)
  await sleep(400)
  assert.equal((await health()).status, 200)
  assert.deepEqual(be.faults.list(), [])
})

test('control API: add, list, get, delete one, clear, log, validation; /_control is never faulted', async () => {
  be.faults.clearLog()
  let r = await control('POST', '', { path: '*', fault: 'status', count: 10 })
  assert.equal(r.status, 200)
  const everything = r.json.id
  assert.match(everything, /^fault-\d+$/)
  // the control API itself still works under a '*' fault
  r = await control('POST', '', { method: 'get', path: '/auth/v1/health', fault: 'latency', ms: 10, count: 2, ttlMs: 5000 })
  assert.equal(r.status, 200)
  const lat = r.json.id
  r = await control('GET')
  assert.equal(r.status, 200)
  assert.deepEqual(
    r.json.map((f) => f.id),
    [everything, lat],
  )
  const l = r.json[1]
  assert.equal(l.method, 'GET')
  assert.equal(l.path, '/auth/v1/health')
  assert.equal(l.fault, 'latency')
  assert.equal(l.ms, 10)
  assert.equal(l.count, 2)
  assert.equal(l.ttlMs, 5000)
  assert.ok(Date.parse(l.expiresAt) > Date.now())
  r = await control('GET', `/${lat}`)
  assert.equal(r.json.id, lat)

  // the oldest matching fault applies
  assert.equal((await health()).status, 503)
  r = await control('DELETE', `/${everything}`)
  assert.deepEqual(r.json, { cleared: 1 })
  r = await control('DELETE', `/${everything}`)
  assert.equal(r.status, 404)
  assert.deepEqual(r.json, { message: 'fault not found' })
  assert.equal((await health()).status, 200) // through the latency fault

  r = await control('GET', '/log')
  assert.deepEqual(
    r.json.map((e) => [e.id, e.fault, e.method, e.path]),
    [
      [everything, 'status', 'GET', '/auth/v1/health'],
      [lat, 'latency', 'GET', '/auth/v1/health'],
    ],
  )
  assert.equal(be.faults.log.length, 2)

  r = await control('DELETE')
  assert.deepEqual(r.json, { cleared: 1 })
  assert.deepEqual((await control('GET')).json, [])
  r = await control('DELETE', '/log')
  assert.deepEqual(r.json, { cleared: 2 })
  assert.equal(be.faults.log.length, 0)

  for (const bad of [
    {},
    { path: '/x', fault: 'explode' },
    { path: 'x', fault: 'status' },
    { path: '/a*b', fault: 'status' },
    { path: '/x', fault: 'status', status: 99 },
    { path: '/x', fault: 'status', count: 0 },
    { path: '/x', fault: 'status', count: 1.5 },
    { path: '/x', fault: 'latency', ms: -1 },
    { path: '/x', fault: 'status', ttlMs: 'soon' },
    { path: '/x', fault: 'status', method: 'BREW' },
  ]) {
    r = await control('POST', '', bad)
    assert.equal(r.status, 400, JSON.stringify(bad))
    assert.equal(typeof r.json.message, 'string')
    assert.throws(() => be.faults.add(bad))
  }
  r = await request('POST', '/_control/faults', { body: '{nope' })
  assert.equal(r.status, 400)
  for (const body of ['null', '[]', '"x"', '7']) {
    r = await request('POST', '/_control/faults', { body })
    assert.equal(r.status, 400, body)
    assert.equal(typeof r.json.message, 'string')
  }
  // a malformed %-escape is a 404, never a 500 (here and in the fake WeChat's avatar hook)
  r = await request('GET', '/wechat/test/avatar/%E0%A4%A.png')
  assert.equal(r.status, 404, r.text)
  for (const m of ['GET', 'DELETE']) {
    r = await request(m, '/_control/faults/%E0%A4%A')
    assert.equal(r.status, 404, r.text)
    assert.deepEqual(r.json, { message: 'fault not found' })
  }
  r = await control('PUT')
  assert.equal(r.status, 405)
  assert.deepEqual(be.faults.list(), [])
})

test('be.faults.clear() removes everything; requests are untouched afterwards', async () => {
  be.faults.add({ path: '/auth/v1/health', fault: 'reset', count: 5 })
  be.faults.add({ path: '/auth/v1/*', fault: 'status', count: 5 })
  assert.equal(be.faults.clear(), 2)
  assert.deepEqual(be.faults.list(), [])
  assert.equal((await health()).status, 200)
})

test("the backend's own calls to the fake WeChat are internal: only /wechat faults hit them", async () => {
  be.faults.clearLog()
  // A general fault: the client's login request takes one application, the internal jscode2session call none.
  const mint = await request('POST', '/wechat/test/mint_code', { body: { appid: be.wechat.appid, openid: 'o_fault_internal' } })
  const general = be.faults.add({ path: '*', fault: 'latency', ms: 1, count: 2 })
  be.clearRequests()
  let r = await request('GET', `/auth/v1/wechat_mini/login?code=${mint.json.code}`, { headers: { apikey: be.anonKey } })
  assert.equal(r.status, 200, r.text)
  assert.equal(be.faults.list().find((f) => f.id === general).count, 1, 'the internal call consumed nothing')
  assert.deepEqual(
    be.faults.log.map((e) => e.path),
    ['/auth/v1/wechat_mini/login'],
  )
  // logged as internal, the marker header stripped; the client's request is not internal
  const inner = be.requests.find((q) => q.path === '/wechat/sns/jscode2session')
  assert.equal(inner.internal, true)
  assert.equal(inner.headers['x-sbwx-internal'], undefined)
  assert.equal(be.requests.find((q) => q.path === '/auth/v1/wechat_mini/login').internal, undefined)
  // a prefix that merely covers /wechat ('/w*') does not target it either
  be.faults.clear()
  be.faults.add({ path: '/w*', fault: 'status', status: 500 })
  const mint2 = await request('POST', '/wechat/test/mint_code', { body: { appid: be.wechat.appid, openid: 'o_fault_internal' } })
  assert.equal(mint2.status, 500, 'external /wechat requests are faulted as before')
  be.faults.clear()

  // A fault that targets /wechat/... explicitly hits the internal call: WeChat answers 500, MemFire 502.
  const m3 = await request('POST', '/wechat/test/mint_code', { body: { appid: be.wechat.appid, openid: 'o_fault_internal' } })
  be.faults.add({ path: '/wechat/sns/jscode2session', fault: 'status', status: 500 })
  r = await request('GET', `/auth/v1/wechat_mini/login?code=${m3.json.code}`, { headers: { apikey: be.anonKey } })
  assert.equal(r.status, 502, r.text)
  assert.equal(r.json.error_code, 'wechat_error')
  const applied = be.faults.log.at(-1)
  assert.deepEqual([applied.path, applied.internal], ['/wechat/sns/jscode2session', true])
  // memfire.js's calls (unlimited_qrcode) are internal too
  be.faults.add({ path: '*', method: 'POST', fault: 'latency', ms: 1, count: 5 })
  be.clearRequests()
  r = await request('POST', '/auth/v1/wechat_mini/unlimited_qrcode', {
    headers: { apikey: be.anonKey },
    body: { scene: 'a=1', check_path: false },
  })
  assert.equal(r.status, 200, r.text)
  assert.equal(be.faults.list()[0].count, 4)
  const qr = be.requests.find((q) => q.path === '/wechat/wxa/getwxacodeunlimit')
  assert.equal(qr.internal, true)
})
