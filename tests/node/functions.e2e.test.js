'use strict'
// supabase.functions.invoke end to end: the built package in the strict simulator against the local
// backend's /functions/v1 (backend/functions/: echo, hello, relay, bytes), with injected faults.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const e2e = require('./lib/e2e')

let be
let project
const sims = []

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    clients: {
      supabase: { options: {} },
      fast: { options: { requestTimeout: 1500 } },
      global: { options: { global: { headers: { 'x-app': 'demo' } } } },
    },
  })
})

after(() => e2e.closeAll({ sims, project, be }))

let nextUser = 0
async function launch(libName = 'lib/supabase') {
  const { sim, app } = await e2e.launchUser(be, project, `o_fn_${++nextUser}`, sims)
  return { sim, app, sb: app.require(libName), sdk: app.require('supabase-wechat') }
}

// The function requests the app sent (wx.request log of the simulator).
const fnRequests = (sim) => sim.requests.filter((r) => r.url.includes('/functions/v1'))
const header = (h, name) => h[Object.keys(h).find((k) => k.toLowerCase() === name.toLowerCase())]
const plain = (v) => JSON.parse(JSON.stringify(v))
// An ArrayBuffer made inside the app (as page code would), from `bytes` (an array of numbers).
const contextBuffer = (app, bytes) => app.eval(`new Uint8Array(${JSON.stringify(bytes)}).buffer`)
const bytesOf = (ab) => [...new Uint8Array(ab)]
const pattern = (n) => Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255)

test('invoke by name: POST <url>/functions/v1/<name>, JSON both ways, apikey + anon bearer, hidden data alias', async () => {
  const { sim, sb } = await launch()
  const r = await sb.functions.invoke('hello', { body: { name: '微信' } })
  assert.equal(r.error, null)
  assert.deepEqual(plain(r.data), { message: 'Hello 微信!' })
  // Pages written for the SDK we replace read the body at data.data; it is not enumerable.
  assert.equal(r.data.data, r.data)
  assert.deepEqual(Object.keys(r.data), ['message'])
  assert.equal(JSON.stringify(r.data), '{"message":"Hello 微信!"}')
  assert.equal(r.response.status, 200)
  assert.equal(r.response.ok, true)
  assert.match(r.response.headers.get('Content-Type'), /^application\/json/)
  assert.deepEqual(plain(await r.response.json()), { message: 'Hello 微信!' })

  const [req] = fnRequests(sim)
  assert.equal(req.url, `${be.url}/functions/v1/hello`)
  assert.equal(req.method, 'POST')
  assert.equal(header(req.header, 'content-type'), 'application/json')
  assert.equal(header(req.header, 'apikey'), be.anonKey)
  assert.equal(header(req.header, 'authorization'), `Bearer ${be.anonKey}`)
  assert.equal(req.data, '{"name":"微信"}')
})

test('invoke by full URL (MemFire: invoke(<access URL>, { method })), with a query string', async () => {
  const { sim, sb } = await launch()
  let r = await sb.functions.invoke(`${be.url}/functions/v1/hello?name=URL`, { method: 'GET' })
  assert.equal(r.error, null)
  assert.deepEqual(plain(r.data), { message: 'Hello URL!' })
  r = await sb.functions.invoke(`${be.url}/functions/v1/hello`, { method: 'POST', body: { name: 'full' } })
  assert.deepEqual(plain(r.data), { message: 'Hello full!' })
  const reqs = fnRequests(sim)
  assert.equal(reqs[0].url, `${be.url}/functions/v1/hello?name=URL`)
  assert.equal(reqs[1].url, `${be.url}/functions/v1/hello`)
  assert.equal(header(reqs[1].header, 'authorization'), `Bearer ${be.anonKey}`)
})

test('request bodies: string -> text/plain, ArrayBuffer -> octet-stream, object -> JSON; caller Content-Type wins; GET sends none', async () => {
  const { sim, app, sb } = await launch()
  let r = await sb.functions.invoke('echo', { body: 'plain 文本' })
  assert.equal(r.data.headers['content-type'], 'text/plain')
  assert.equal(r.data.body, 'plain 文本')

  r = await sb.functions.invoke('echo', { body: await contextBuffer(app, [104, 105]) })
  assert.equal(r.data.headers['content-type'], 'application/octet-stream')
  assert.equal(r.data.body, 'hi')

  r = await sb.functions.invoke('echo', { body: [1, { a: '二' }] })
  assert.equal(r.data.headers['content-type'], 'application/json')
  assert.deepEqual(JSON.parse(r.data.body), [1, { a: '二' }])

  r = await sb.functions.invoke('echo', { body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  assert.equal(r.data.headers['content-type'], 'application/x-www-form-urlencoded')
  assert.equal(r.data.body, 'a=1&b=2')

  r = await sb.functions.invoke('echo', { method: 'GET', body: { a: 1 } })
  assert.equal(r.error, null)
  assert.equal(r.data.method, 'GET')
  assert.equal(r.data.body, '')
  assert.deepEqual(plain(r.data.query), {}, 'wx.request would have turned a GET body into a query string')

  r = await sb.functions.invoke('echo', { method: 'put' })
  assert.equal(r.data.method, 'PUT')
  assert.equal(r.data.body, '')
  assert.equal(fnRequests(sim).at(-1).data, undefined)
})

test('reply bodies by Content-Type: JSON parsed, text as a string, octet-stream and pdf as exact ArrayBuffers', async () => {
  const { app, sb } = await launch()
  // JSON, echoed raw.
  let r = await sb.functions.invoke('echo?raw=1', { body: { list: [1, 2, '三'], ok: true } })
  assert.equal(r.error, null)
  assert.deepEqual(plain(r.data), { list: [1, 2, '三'], ok: true })
  assert.equal(r.data.data, r.data)
  // Arrays get the alias too.
  r = await sb.functions.invoke('echo?raw=1', { body: [1, 2] })
  assert.deepEqual([...r.data], [1, 2])
  assert.equal(r.data.data, r.data)
  // A JSON object with its own `data` keeps it.
  r = await sb.functions.invoke('echo?raw=1', { body: { data: 'mine' } })
  assert.equal(r.data.data, 'mine')

  // Text.
  r = await sb.functions.invoke('echo?raw=1', { body: '你好, text ✓' })
  assert.equal(r.data, '你好, text ✓')
  assert.equal(await r.response.text(), '你好, text ✓')
  // An unknown type is text too.
  r = await sb.functions.invoke('echo?raw=1', { body: '<p>x</p>', headers: { 'Content-Type': 'text/html; charset=utf-8' } })
  assert.equal(r.data, '<p>x</p>')

  // Binary both ways, exact: every byte value, invalid UTF-8 included.
  const all = [...Array.from({ length: 256 }, (_, i) => i), 0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0]
  r = await sb.functions.invoke('echo?raw=1', { body: await contextBuffer(app, all) })
  assert.equal(r.error, null)
  assert.equal(Object.prototype.toString.call(r.data), '[object ArrayBuffer]')
  assert.deepEqual(bytesOf(r.data), all)
  // A typed array sends its own bytes (not the whole underlying buffer).
  r = await sb.functions.invoke('echo?raw=1', { body: await app.eval('new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 4)') })
  assert.deepEqual(bytesOf(r.data), [8, 7, 6])
  // A larger binary reply to a GET.
  r = await sb.functions.invoke('bytes?n=300000', { method: 'GET' })
  assert.equal(r.data.byteLength, 300000)
  assert.deepEqual(bytesOf(r.data), pattern(300000))
  // application/pdf is binary as well.
  r = await sb.functions.invoke('bytes?n=5&type=application/pdf')
  assert.deepEqual(bytesOf(r.data), pattern(5))
  assert.deepEqual(bytesOf(await r.response.arrayBuffer()), pattern(5))
  // 204: an empty string.
  r = await sb.functions.invoke('echo?status=204', { method: 'DELETE' })
  assert.equal(r.error, null)
  assert.equal(r.data, '')
})

test('names: sub-paths, CJK and spaces percent-encoded, query kept, region header and parameter', async () => {
  const { sim, sb } = await launch()
  const r = await sb.functions.invoke('echo/a b/你?x=1&y=二', { method: 'GET', region: 'ap-northeast-1' })
  assert.equal(r.error, null)
  assert.equal(decodeURIComponent(r.data.path), '/a b/你')
  assert.deepEqual(plain(r.data.query), { x: '1', y: '二', forceFunctionRegion: 'ap-northeast-1' })
  assert.equal(r.data.headers['x-region'], 'ap-northeast-1')
  assert.equal(
    fnRequests(sim)[0].url,
    `${be.url}/functions/v1/echo/a%20b/%E4%BD%A0?x=1&y=%E4%BA%8C&forceFunctionRegion=ap-northeast-1`,
  )
})

test('bearer: anon key signed out, the user token signed in, a caller Authorization or setAuth() wins; global headers sent', async () => {
  const { app, sb } = await launch()
  let r = await sb.functions.invoke('echo')
  assert.deepEqual([r.data.role, r.data.sub], ['anon', null])

  const { data, error } = await sb.auth.signInWithWechat({ code: await e2e.wxLoginCode(app) })
  assert.equal(error, null)
  r = await sb.functions.invoke('echo')
  assert.equal(r.data.role, 'authenticated')
  assert.equal(r.data.sub, data.user.id)
  assert.equal(r.data.headers.authorization, `Bearer ${data.session.access_token}`)
  assert.equal(r.data.headers.apikey, be.anonKey)

  r = await sb.functions.invoke('echo', { headers: { authorization: `Bearer ${be.serviceRoleKey}` } })
  assert.equal(r.data.role, 'service_role')

  sb.functions.setAuth(be.serviceRoleKey)
  r = await sb.functions.invoke('echo')
  assert.equal(r.data.role, 'service_role')
  // An invoke-level header beats setAuth's, whatever its case.
  r = await sb.functions.invoke('echo', { headers: { AUTHORIZATION: `Bearer ${be.anonKey}` } })
  assert.equal(r.data.role, 'anon')
  sb.functions.setAuth(data.session.access_token)

  const g = (await launch('lib/global')).sb
  r = await g.functions.invoke('echo', { body: { a: 1 } })
  assert.equal(r.data.headers['x-app'], 'demo')
})

test('non-2xx -> FunctionsHttpError with the response as context; relay error header -> FunctionsRelayError', async () => {
  const { sb, sdk } = await launch()
  let r = await sb.functions.invoke('echo?status=418', { body: { a: 1 } })
  assert.equal(r.data, null)
  assert.ok(r.error instanceof sdk.FunctionsHttpError)
  assert.ok(r.error instanceof sdk.FunctionsError)
  assert.ok(r.error instanceof Error || Object.prototype.toString.call(r.error) === '[object Error]')
  assert.equal(r.error.name, 'FunctionsHttpError')
  assert.equal(r.error.message, 'Edge Function returned a non-2xx status code')
  const ctx = r.error.context
  assert.equal(ctx.status, 418)
  assert.equal(ctx.ok, false)
  assert.equal(ctx.url, `${be.url}/functions/v1/echo?status=418`)
  assert.match(ctx.headers.get('Content-Type'), /^application\/json/)
  const body = await ctx.json()
  assert.equal(body.method, 'POST')
  assert.equal(body.body, '{"a":1}')
  assert.equal(JSON.parse(await ctx.text()).method, 'POST')
  assert.equal(ctx.data.method, 'POST', 'context.data: the body, as the SDK we replace had it')
  assert.equal(r.response, ctx)

  r = await sb.functions.invoke('nope')
  assert.ok(r.error instanceof sdk.FunctionsHttpError)
  assert.equal(r.error.context.status, 404)
  assert.deepEqual(plain(await r.error.context.json()), { message: 'Function not found' })

  sb.functions.setAuth('not-a-jwt')
  r = await sb.functions.invoke('echo')
  assert.equal(r.error.context.status, 401)
  assert.deepEqual(plain(r.error.context.data), { msg: 'Invalid JWT' })
  sb.functions.setAuth(be.anonKey)

  for (const path of ['relay', 'relay?status=200']) {
    r = await sb.functions.invoke(path)
    assert.equal(r.data, null, path)
    assert.ok(r.error instanceof sdk.FunctionsRelayError, path)
    assert.equal(r.error.name, 'FunctionsRelayError')
    assert.equal(r.error.message, 'Relay Error invoking the Edge Function')
    assert.equal(r.error.context.headers.get('x-relay-error'), 'true')
  }
  assert.equal(r.error.context.status, 200)
})

test('bad input resolves with a FunctionsError and sends nothing', async () => {
  const { sim, app, sb, sdk } = await launch()
  const cyclic = await app.eval('(() => { const o = {}; o.self = o; return o })()')
  const cases = [
    ['', {}],
    [undefined, {}],
    ['/', {}],
    ['../rest/v1/todos', {}],
    ['a/%2E%2e/b', {}],
    ['echo', { method: 'BREW' }],
    ['echo', { headers: { 'bad name': 'x' } }],
    ['echo', { headers: { 'x-a': 'line\r\nInjected: 1' } }],
    ['echo', { body: cyclic }],
  ]
  for (const [name, opts] of cases) {
    const r = await sb.functions.invoke(name, opts)
    assert.equal(r.data, null, String(name))
    assert.ok(r.error instanceof sdk.FunctionsError, String(name))
    assert.equal(r.error.name, 'FunctionsError')
    assert.match(r.error.message, /functions\.invoke/)
  }
  assert.equal(fnRequests(sim).length, 0)
})

test('a per-call timeout and the client requestTimeout end a slow call with FunctionsFetchError', async () => {
  const { sb, sdk } = await launch()
  let r = await sb.functions.invoke('echo?delay=3000', { timeout: 300 })
  assert.ok(r.error instanceof sdk.FunctionsFetchError)
  assert.equal(r.error.message, 'Failed to send a request to the Edge Function')
  assert.match(r.error.context.errMsg, /timeout/)
  const fast = await launch('lib/fast')
  r = await fast.sb.functions.invoke('echo?delay=3000')
  assert.ok(r.error instanceof fast.sdk.FunctionsFetchError)
  assert.match(r.error.context.errMsg, /timeout/)
})

test('an AbortSignal-like signal aborts the call: FunctionsFetchError with context.code aborted', async () => {
  const { app, sb, sdk } = await launch()
  const signal = await app.eval(`({
    aborted: false, listeners: [],
    addEventListener(type, f) { if (type === 'abort') this.listeners.push(f) },
    abort() { this.aborted = true; this.listeners.forEach((f) => f()) },
  })`)
  const started = Date.now()
  const pending = sb.functions.invoke('echo?delay=3000', { signal })
  setTimeout(() => signal.abort(), 100)
  const r = await pending
  assert.ok(Date.now() - started < 2000, 'resolved at the abort, not at the reply')
  assert.equal(r.data, null)
  assert.ok(r.error instanceof sdk.FunctionsFetchError)
  assert.equal(r.error.context.code, 'aborted')
  // Already aborted: resolves at once the same way.
  const again = await sb.functions.invoke('hello', { signal })
  assert.equal(again.error.context.code, 'aborted')
})

test('injected faults: every call resolves with an error of the right class', { timeout: 60000 }, async () => {
  const { sb, sdk } = await launch('lib/fast')
  const path = '/functions/v1/hello'
  const expect = [
    [{ fault: 'status', status: 500 }, sdk.FunctionsHttpError, (e) => assert.equal(e.context.status, 500)],
    [
      { fault: 'status', status: 502 },
      sdk.FunctionsHttpError,
      (e) => assert.deepEqual(plain(e.context.data), { message: 'An invalid response was received from the upstream server' }),
    ],
    [
      { fault: 'status', status: 503 },
      sdk.FunctionsHttpError,
      (e) => assert.match(e.context.data, /Service Temporarily Unavailable/),
    ],
    [{ fault: 'reset' }, sdk.FunctionsFetchError, (e) => assert.match(e.context.errMsg, /^request:fail/)],
    [{ fault: 'drop' }, sdk.FunctionsFetchError, (e) => assert.match(e.context.errMsg, /^request:fail/)],
    [{ fault: 'hang', ms: 10000 }, sdk.FunctionsFetchError, (e) => assert.match(e.context.errMsg, /timeout/)],
    [
      { fault: 'malformed' },
      sdk.FunctionsError,
      (e) => {
        assert.equal(e.name, 'FunctionsError')
        assert.match(e.message, /not valid JSON/)
        assert.equal(e.context.status, 200)
      },
    ],
  ]
  for (const [spec, Class, check] of expect) {
    be.faults.add({ path, count: 1, ...spec })
    const r = await sb.functions.invoke('hello', { body: { name: 'x' } })
    assert.equal(r.data, null, spec.fault)
    assert.ok(r.error instanceof Class, `${spec.fault}: ${r.error && r.error.name}`)
    check(r.error)
  }
  be.faults.clear()
  // And it works again.
  assert.deepEqual(plain((await sb.functions.invoke('hello', { body: { name: 'ok' } })).data), { message: 'Hello ok!' })
})

test('200 concurrent calls under mixed faults all resolve; failures are Functions errors', { timeout: 120000 }, async () => {
  const { sb, sdk } = await launch('lib/fast')
  const kinds = [
    { fault: 'status', status: 500 },
    { fault: 'status', status: 502 },
    { fault: 'reset' },
    { fault: 'drop' },
    { fault: 'hang', ms: 5000 },
    { fault: 'malformed' },
  ]
  for (const k of kinds) be.faults.add({ path: '/functions/v1/*', count: 15, ttlMs: 60000, ...k })
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => sb.functions.invoke(i % 2 ? 'hello' : 'echo?raw=1', { body: { name: String(i) } })),
  )
  be.faults.clear()
  const failed = results.filter((r) => r.error)
  assert.ok(failed.length > 0 && failed.length < 200, `some failed (${failed.length}), some succeeded`)
  for (const r of failed) {
    assert.equal(r.data, null)
    assert.ok(r.error instanceof sdk.FunctionsError, r.error.name)
  }
  for (const r of results.filter((x) => !x.error)) assert.equal(typeof r.data, 'object')
})

test('exports: the error classes with functions-js names and messages', async () => {
  const { sdk } = await launch()
  const e = new sdk.FunctionsHttpError({ status: 500 })
  assert.equal(e.name, 'FunctionsHttpError')
  assert.equal(e.context.status, 500)
  assert.equal(new sdk.FunctionsRelayError().message, 'Relay Error invoking the Edge Function')
  assert.equal(new sdk.FunctionsFetchError({}).message, 'Failed to send a request to the Edge Function')
  const base = new sdk.FunctionsError('m')
  assert.deepEqual([base.name, base.message, base.context], ['FunctionsError', 'm', undefined])
})
