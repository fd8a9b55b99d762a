'use strict'
// Tests for the strict WeChat mini-program simulator (tests/sim).
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const vm = require('node:vm')
const zlib = require('node:zlib')
const { createSimulator } = require('../sim')

// ---------- fixtures ----------

// (module (memory (export "mem") 1) (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
const ADD_WASM = Buffer.from([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x07,
  0x01,
  0x60,
  0x02,
  0x7f,
  0x7f,
  0x01,
  0x7f, // type: (i32,i32)->i32
  0x03,
  0x02,
  0x01,
  0x00, // function 0 has type 0
  0x05,
  0x03,
  0x01,
  0x00,
  0x01, // memory: min 1 page
  0x07,
  0x0d,
  0x02,
  0x03,
  0x61,
  0x64,
  0x64,
  0x00,
  0x00,
  0x03,
  0x6d,
  0x65,
  0x6d,
  0x02,
  0x00, // exports add, mem
  0x0a,
  0x09,
  0x01,
  0x07,
  0x00,
  0x20,
  0x00,
  0x20,
  0x01,
  0x6a,
  0x0b, // code
])

const FILES = {
  'app.json': JSON.stringify({ pages: ['pages/index/index', 'pages/comp/comp'] }),
  'app.js': `
    App({
      globalData: { launched: 0, shows: [], hides: 0 },
      onLaunch (o) { this.globalData.launched++; console.log('onLaunch', o.scene) },
      onShow (o) { this.globalData.shows.push(o.scene) },
      onHide () { this.globalData.hides++ }
    })`,
  'lib/util.js': `
    exports.add = function (a, b) { return a + b }
    exports.data = require('./data.json')
    exports.sdk = require('fake-sdk')
    exports.sdkSub = require('fake-sdk/sub')
    exports.same = require('./data.json') === require('./data.json')`,
  'lib/data.json': '{"k":"v","arr":[1,2]}',
  'lib/notes.txt': 'not wasm',
  'lib/tries.js': `
    module.exports = ['/lib/util', 'fs', 'path', 'node:fs', '../outside', './nope', 'no-such-pkg'].map(function (p) {
      try { require(p); return p + ' ok' } catch (e) { return (e instanceof Error) + ' ' + e.message }
    })`,
  'lib/nested/deep.js': `module.exports = require('fake-sdk').name + '/' + require('../util').add(1, 1)`,
  'miniprogram_npm/fake-sdk/index.js': `
    global.fetch = function fakeFetch () { return 'from global' }
    module.exports = { name: 'fake-sdk', sub: require('./sub'), thisIsExports: this === exports }`,
  'miniprogram_npm/fake-sdk/sub.js': `module.exports = 'sub!'`,
  // A package with a tree (as supabase-wechat's platform/wechat/): relative paths up and down.
  'miniprogram_npm/fake-sdk/platform/common.js': `module.exports = 'common'`,
  'miniprogram_npm/fake-sdk/platform/wechat/index.js': `
    module.exports = [require('../../sub.js'), require('../common.js'), require('./leaf.js')].join('|')`,
  'miniprogram_npm/fake-sdk/platform/wechat/leaf.js': `module.exports = 'leaf'`,
  'miniprogram_npm/fake-sdk/wasm/add.wasm': ADD_WASM,
  'miniprogram_npm/fake-sdk/wasm/add.wasm.br': zlib.brotliCompressSync(ADD_WASM),
  'pages/index/index.js': `
    var order = global.order = []
    Page({
      data: { n: 1, list: [{ a: 1 }], nested: { x: 1 } },
      onLoad (q) { order.push('onLoad:' + q.q); this.setData({ q: q.q }) },
      onShow () { order.push('onShow') },
      onReady () { order.push('onReady') },
      onHide () { order.push('onHide') },
      inc () { this.setData({ n: this.data.n + 1 }) }
    })`,
  'pages/comp/comp.js': `
    Component({
      properties: { id: { type: String, value: 'none' } },
      data: { x: 1 },
      lifetimes: { attached () { global.order.push('attached'); this.triggerEvent('__l', {}); global.order.push('props:' + this.properties.id + ':' + (this.properties === this.data)) } },
      methods: { onLoad (q) { global.order.push('comp onLoad:' + q.id) }, bump () { this.setData({ x: this.data.x + 1 }) } }
    })`,
}

function makeFixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxsim-test-'))
  const root = path.join(dir, 'mp')
  for (const [rel, content] of Object.entries(FILES)) {
    const f = path.join(root, rel)
    fs.mkdirSync(path.dirname(f), { recursive: true })
    fs.writeFileSync(f, content)
  }
  fs.writeFileSync(path.join(dir, 'outside.js'), 'module.exports = 1')
  fs.writeFileSync(path.join(dir, 'outside.wasm'), ADD_WASM)
  return { dir, root }
}

// ---------- local HTTP server (also the fake WeChat /test/mint_code) ----------

function startServer() {
  const state = { inFlight: 0, maxInFlight: 0, minted: 0 }
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x')
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      const json = (status, obj) => {
        res.writeHead(status, { 'Content-Type': 'application/json', 'X-Custom': 'yes' })
        res.end(JSON.stringify(obj))
      }
      switch (u.pathname) {
        case '/json':
          return json(200, { a: 1, s: 'é' })
        case '/text':
          res.writeHead(200, { 'Content-Type': 'text/plain' })
          return res.end('{"not":"parsed"}')
        case '/notjson':
          res.writeHead(200, { 'Content-Type': 'application/json' })
          return res.end('plain <html>')
        case '/bin':
          res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
          return res.end(Buffer.from([1, 2, 3, 250]))
        case '/500':
          return json(500, { error: 'boom' })
        case '/echo':
          return json(200, {
            method: req.method,
            path: u.pathname,
            query: Object.fromEntries(u.searchParams),
            headers: req.headers,
            rawHeaders: req.rawHeaders,
            body,
          })
        case '/slow': {
          state.inFlight++
          state.maxInFlight = Math.max(state.maxInFlight, state.inFlight)
          return setTimeout(
            () => {
              state.inFlight--
              json(200, { ok: true, i: u.searchParams.get('i') })
            },
            Number(u.searchParams.get('ms') || 100),
          )
        }
        case '/hang':
          return // never answers
        case '/test/mint_code': {
          if (req.method !== 'POST') return json(405, {})
          const p = JSON.parse(body)
          state.minted++
          state.lastMint = p
          return json(200, { code: `code-${p.appid}-${p.openid}-${state.minted}` })
        }
        default:
          return json(404, { error: 'not found' })
      }
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, state, base: `http://127.0.0.1:${server.address().port}` })
    }),
  )
}

function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer()
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
}

// context-realm values → host-realm plain values (deepEqual checks prototypes)
const plain = (v) => JSON.parse(JSON.stringify(v))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// ---------- tests ----------

let fx, srv
const sims = []
function newSim(opts = {}) {
  const sim = createSimulator(
    Object.assign(
      { root: fx.root, wechatUrl: srv.base + '/', appid: 'wx0000000000000001', user: { openid: 'o_alice', unionid: '' } },
      opts,
    ),
  )
  sims.push(sim)
  return sim
}

before(async () => {
  fx = makeFixture()
  srv = await startServer()
})

after(() => {
  for (const s of sims) s.close()
  srv.server.closeAllConnections()
  srv.server.close()
  fs.rmSync(fx.dir, { recursive: true, force: true })
})

describe('globals', () => {
  const ES = new Set(vm.runInNewContext('Object.getOwnPropertyNames(globalThis)'))
  ES.delete('WebAssembly')
  ES.delete('console')
  const PRESENT = [
    'wx',
    'WXWebAssembly',
    'App',
    'Page',
    'Component',
    'Behavior',
    'getApp',
    'getCurrentPages',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'console',
    'global',
  ]
  const ABSENT = [
    'WebAssembly',
    'fetch',
    'Response',
    'Request',
    'Headers',
    'URL',
    'URLSearchParams',
    'window',
    'document',
    'self',
    'process',
    'Buffer',
    'setImmediate',
    'queueMicrotask',
    'structuredClone',
    'AbortController',
    'navigator',
    'localStorage',
    'crypto',
    '__dirname',
    '__filename',
    'require',
    'module',
    'exports',
  ]

  for (const hostTextCodec of [false, true]) {
    test(`exact global set (hostTextCodec=${hostTextCodec})`, async () => {
      const sim = newSim({ hostTextCodec })
      const app = await sim.launch()
      const names = [...(await app.eval('Object.getOwnPropertyNames(globalThis)'))].filter((n) => !ES.has(n)).sort()
      const expected = PRESENT.concat(hostTextCodec ? ['TextEncoder', 'TextDecoder'] : []).sort()
      assert.deepEqual(names, expected)
      for (const n of ABSENT.concat(hostTextCodec ? [] : ['TextEncoder', 'TextDecoder'])) {
        assert.equal(await app.eval(`typeof ${n}`), 'undefined', n)
      }
      for (const n of PRESENT) assert.notEqual(await app.eval(`typeof ${n}`), 'undefined', n)
      assert.equal(await app.eval('typeof Promise === "function" && Promise.resolve(1) instanceof Promise'), true)
      assert.equal(await app.eval('global !== globalThis && Object.getPrototypeOf(global) === Object.prototype'), true)
      assert.deepEqual(plain(await app.eval('Object.keys(WXWebAssembly).sort()')), ['Global', 'Memory', 'Table', 'instantiate'])
      assert.equal(await app.eval('wx.request instanceof Function && typeof wx.connectSocket'), 'function') // tests/node/sim-socket.test.js
      // eval / new Function are unavailable, except Function('return this')
      assert.match(await app.eval('try { eval("1"); "ran" } catch (e) { e.name }'), /EvalError/)
      assert.match(await app.eval('try { new Function("a", "return a")(1); "ran" } catch (e) { e.name }'), /EvalError/)
      assert.equal(await app.eval('Function("return this")() === globalThis'), true)
      if (hostTextCodec) {
        assert.equal(
          await app.eval(
            'var u = new TextEncoder().encode("hé"); (u instanceof Uint8Array) + ":" + u.length + ":" + new TextDecoder().decode(u)',
          ),
          'true:3:hé',
        )
      }
      sim.close()
    })
  }

  test('global.fetch assignment works and does not create a bare fetch', async () => {
    const sim = newSim()
    const app = await sim.launch()
    app.require('fake-sdk')
    assert.equal(await app.eval('global.fetch()'), 'from global')
    assert.equal(await app.eval('typeof fetch'), 'undefined')
    sim.close()
  })
})

describe('modules', () => {
  test('relative, json, miniprogram_npm, caching', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const util = app.require('lib/util')
    assert.equal(util.add(2, 3), 5)
    assert.equal(util.data.k, 'v')
    assert.equal(util.sdk.name, 'fake-sdk')
    assert.equal(util.sdk.sub, 'sub!')
    assert.equal(util.sdk.thisIsExports, true)
    assert.equal(util.sdkSub, 'sub!')
    assert.equal(util.same, true)
    assert.equal(app.require('./lib/util'), util)
    assert.equal(app.require('lib/nested/deep'), 'fake-sdk/2')
    assert.equal(app.require('fake-sdk'), util.sdk)
    assert.equal(app.require('fake-sdk/platform/wechat/index.js'), 'sub!|common|leaf')
    assert.equal(
      app.require('miniprogram_npm/fake-sdk/platform/wechat/index.js'),
      'sub!|common|leaf',
      'by its root-relative path',
    )
    assert.equal(await app.eval('getApp().globalData.launched'), 1)
    sim.close()
  })

  test('absolute paths, node built-ins, escaping root and missing modules throw', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const r = app.require('lib/tries')
    assert.equal(r.length, 7)
    for (const line of r) assert.match(line, /^true module '.*' is not defined/, line)
    assert.throws(() => app.require('fs'), /module 'fs' is not defined/)
    assert.throws(() => app.require('/lib/util'), /is not defined/)
    sim.close()
  })

  // WeChat has the package's JS in memory before App() runs (app-service.js): a require reads no file, and
  // the package does not change while the app runs. The next launch reads it again.
  test('require reads the code package as it was at launch', async () => {
    const sim = newSim()
    const late = path.join(fx.root, 'lib', 'late.js')
    const util = path.join(fx.root, 'lib', 'nested', 'edited.js')
    fs.writeFileSync(util, 'module.exports = "at launch"')
    try {
      const app = await sim.launch()
      fs.writeFileSync(late, 'module.exports = "late"')
      fs.writeFileSync(util, 'module.exports = "edited"')
      assert.throws(() => app.require('lib/late'), /module 'lib\/late' is not defined/)
      assert.equal(app.require('lib/nested/edited'), 'at launch')
      const next = await sim.restart()
      assert.equal(next.require('lib/late'), 'late')
      assert.equal(next.require('lib/nested/edited'), 'edited')
    } finally {
      fs.rmSync(late, { force: true })
      fs.rmSync(util, { force: true })
      sim.close()
    }
  })
})

describe('code cache', () => {
  // WeChat on Android starts later launches from V8's compile results of the package's JS (Code Caching);
  // the simulator takes them as createSimulator({ codeCache }), and V8 refuses one made for another source.
  test("a later launch starts from the first one's code cache; an edited file's is refused", async () => {
    const first = newSim()
    const app = await first.launch()
    const util = app.require('lib/util')
    const cache = app.codeCache()
    first.close()
    assert.ok(cache.size >= 3, `cached ${cache.size} files`)
    cache.forEach((data) => {
      assert.ok(Buffer.isBuffer(data) && data.length > 0)
    })
    assert.deepEqual(app.codeCacheUse, { accepted: 0, rejected: 0 }, 'a launch without a cache compiles from scratch')

    const later = newSim({ codeCache: cache })
    const again = await later.launch()
    const util2 = again.require('lib/util')
    assert.equal(util2.sdk.name, util.sdk.name)
    assert.equal(util2.sdkSub, 'sub!')
    assert.deepEqual(again.codeCacheUse, { accepted: cache.size, rejected: 0 })
    later.close()

    const edited = path.join(fx.root, 'miniprogram_npm', 'fake-sdk', 'sub.js')
    const before = fs.readFileSync(edited, 'utf8')
    fs.writeFileSync(edited, before + '\n// edited\n')
    try {
      const third = newSim({ codeCache: cache })
      const app3 = await third.launch()
      app3.require('lib/util')
      assert.deepEqual(app3.codeCacheUse, { accepted: cache.size - 1, rejected: 1 })
      third.close()
    } finally {
      fs.writeFileSync(edited, before)
    }
  })
})

describe('WXWebAssembly', () => {
  test('instantiates .wasm and .wasm.br by package path', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const r = await app.eval(`(async () => {
      const a = await WXWebAssembly.instantiate('/miniprogram_npm/fake-sdk/wasm/add.wasm', {})
      const b = await WXWebAssembly.instantiate('/miniprogram_npm/fake-sdk/wasm/add.wasm.br')
      const mem = new WXWebAssembly.Memory({ initial: 1 })
      return [a.instance.exports.add(2, 3), b.instance.exports.add(40, 2), typeof a.module,
        a.instance.exports.mem.buffer instanceof ArrayBuffer, mem.buffer.byteLength]
    })()`)
    assert.deepEqual([...r], [5, 42, 'object', true, 65536])
    assert.equal(sim.wasmLoads.length, 2)
    assert.equal(sim.wasmLoads[0].bytes, ADD_WASM.length)
    assert.equal(sim.wasmLoads[1].path, '/miniprogram_npm/fake-sdk/wasm/add.wasm.br')
    assert.ok(sim.wasmLoads[1].bytes < ADD_WASM.length + 20)
    sim.close()
  })

  test('rejects ArrayBuffer, TypedArray, wxfile:/http: paths, missing files, other extensions, escaping root', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const r = await app.eval(`(async () => {
      const bytes = wx.getFileSystemManager().readFileSync('/miniprogram_npm/fake-sdk/wasm/add.wasm')
      const cases = [bytes, new Uint8Array(bytes), 'wxfile://usr/add.wasm', 'http://127.0.0.1/add.wasm',
        '/nope/missing.wasm', '/lib/notes.txt', '../outside.wasm', '/../outside.wasm',
        'miniprogram_npm/fake-sdk/wasm/add.wasm']
      const out = [bytes instanceof ArrayBuffer]
      for (const c of cases) {
        try { await WXWebAssembly.instantiate(c, {}); out.push('resolved') } catch (e) { out.push((e instanceof Error) + ' ' + e.message) }
      }
      return out
    })()`)
    assert.equal(r[0], true)
    assert.equal(r.length, 10)
    for (const line of r.slice(1)) assert.match(line, /^true /, line)
    assert.match(r[1], /ArrayBuffer/)
    assert.match(r[3], /not support wxfile: or http: path/)
    assert.match(r[4], /not support wxfile: or http: path/)
    assert.match(r[5], /not found/)
    assert.match(r[6], /\.wasm or \.wasm\.br/)
    assert.match(r[7], /outside/)
    assert.match(r[8], /outside/)
    assert.equal(sim.wasmLoads.length, 0)
    sim.close()
  })
})

// Run wx.request inside the context; resolves with [kind, res, taskIsPromise].
function req(app, opts) {
  return app.eval(`new Promise((resolve) => {
    const o = ${opts}
    const t = wx.request(Object.assign(o, {
      success: (res) => resolve(['success', res, t instanceof Promise]),
      fail: (err) => resolve(['fail', err, t instanceof Promise])
    }))
  })`)
}

describe('wx.request', () => {
  let sim, app
  before(async () => {
    sim = newSim()
    app = await sim.launch()
  })
  after(() => sim.close())

  test('JSON parse by default, headers, cookies, errMsg, task is not a Promise', async () => {
    const [kind, res, isPromise] = await req(app, `{ url: '${srv.base}/json' }`)
    assert.equal(kind, 'success')
    assert.equal(isPromise, false)
    assert.equal(res.statusCode, 200)
    assert.equal(res.errMsg, 'request:ok')
    assert.equal(res.data.a, 1)
    assert.equal(res.data.s, 'é')
    assert.equal(res.header['X-Custom'], 'yes')
    assert.ok(Array.isArray(res.cookies))
    assert.equal(await app.eval('(x) => x instanceof Object').then((f) => f(res.data)), true)
    assert.equal(typeof (await app.eval(`wx.request({ url: '${srv.base}/json' })`)), 'object')
  })

  test('dataType text keeps the string; invalid JSON stays a string', async () => {
    const [, r1] = await req(app, `{ url: '${srv.base}/text', dataType: 'text' }`)
    assert.equal(r1.data, '{"not":"parsed"}')
    const [, r2] = await req(app, `{ url: '${srv.base}/notjson' }`)
    assert.equal(r2.data, 'plain <html>')
    const [, r3] = await req(app, `{ url: '${srv.base}/text', dataType: 'other' }`)
    assert.equal(r3.data, '{"not":"parsed"}')
  })

  test('responseType arraybuffer gives a context-realm ArrayBuffer', async () => {
    const r = await app.eval(`new Promise((resolve) => wx.request({ url: '${srv.base}/bin', responseType: 'arraybuffer',
      success: (res) => resolve([res.data instanceof ArrayBuffer, Array.from(new Uint8Array(res.data))]) }))`)
    assert.deepEqual([...r[1]], [1, 2, 3, 250])
    assert.equal(r[0], true)
  })

  test('HTTP 500 is success', async () => {
    const [kind, res] = await req(app, `{ url: '${srv.base}/500' }`)
    assert.equal(kind, 'success')
    assert.equal(res.statusCode, 500)
    assert.equal(res.data.error, 'boom')
  })

  test('POST JSON body, default content-type, header names as given, PATCH, form encoding', async () => {
    const [, r1] = await req(
      app,
      `{ url: '${srv.base}/echo', method: 'POST', data: { a: 1, b: [1, 2] }, header: { 'X-Token': 'abc', Prefer: 'return=representation' } }`,
    )
    assert.equal(r1.data.method, 'POST')
    assert.deepEqual(JSON.parse(r1.data.body), { a: 1, b: [1, 2] })
    assert.equal(r1.data.headers['content-type'], 'application/json')
    assert.ok(r1.data.rawHeaders.includes('X-Token'))
    assert.ok(r1.data.rawHeaders.includes('Prefer'))
    assert.match(r1.data.headers.referer, /^https:\/\/servicewechat\.com\/wx0000000000000001\//)
    const [, r2] = await req(
      app,
      `{ url: '${srv.base}/echo', method: 'PATCH', data: 'raw', header: { 'Content-Type': 'text/plain' } }`,
    )
    assert.equal(r2.data.method, 'PATCH')
    assert.equal(r2.data.body, 'raw')
    const [, r3] = await req(
      app,
      `{ url: '${srv.base}/echo', method: 'POST', data: { x: 'a b', y: 2 }, header: { 'content-type': 'application/x-www-form-urlencoded' } }`,
    )
    assert.equal(r3.data.body, 'x=a%20b&y=2')
    const [, r4] = await req(app, `{ url: '${srv.base}/echo', method: 'PUT', data: new Uint8Array([104, 105]).buffer }`)
    assert.equal(r4.data.body, 'hi')
    // A DELETE body is framed (Content-Length) and the kept-alive connection stays usable.
    const [, r6] = await req(app, `{ url: '${srv.base}/echo', method: 'DELETE', data: { prefixes: ['a.png'] } }`)
    assert.equal(r6.data.body, '{"prefixes":["a.png"]}')
    assert.equal(r6.data.headers['content-length'], '22')
    const [, r7] = await req(app, `{ url: '${srv.base}/echo', method: 'GET' }`)
    assert.equal(r7.data.method, 'GET')
    assert.equal(r7.data.body, '')
    const [k5, r5] = await req(app, `{ url: '${srv.base}/echo', method: 'FOO' }`)
    assert.equal(k5, 'fail')
    assert.equal(r5.errMsg, 'request:fail invalid method')
    const last = sim.requests.filter((r) => r.api === 'request' && r.method === 'POST').pop()
    assert.equal(last.header['content-type'], 'application/x-www-form-urlencoded')
  })

  test('GET data goes to the query string', async () => {
    const [, res] = await req(app, `{ url: '${srv.base}/echo?z=0', data: { select: '*', 'id': 'eq.1', e: 'a&b' } }`)
    assert.equal(res.data.method, 'GET')
    assert.deepEqual(plain(res.data.query), { z: '0', select: '*', id: 'eq.1', e: 'a&b' })
    assert.equal(res.data.body, '')
  })

  test('connection refused, timeout, abort fail with request:fail …', async () => {
    const port = await freePort()
    const [k1, r1] = await req(app, `{ url: 'http://127.0.0.1:${port}/x' }`)
    assert.equal(k1, 'fail')
    assert.match(r1.errMsg, /^request:fail .*ERR_CONNECTION_REFUSED/)
    assert.equal(typeof r1.errno, 'number')
    const t0 = Date.now()
    const [k2, r2] = await req(app, `{ url: '${srv.base}/hang', timeout: 150 }`)
    assert.equal(k2, 'fail')
    assert.equal(r2.errMsg, 'request:fail timeout')
    assert.ok(Date.now() - t0 < 2000)
    const r3 = await app.eval(`new Promise((resolve) => { const seq = []
      const t = wx.request({ url: '${srv.base}/hang', fail: (e) => seq.push(e.errMsg), complete: (e) => { seq.push('complete'); resolve(seq) } })
      setTimeout(() => t.abort(), 20) })`)
    assert.deepEqual([...r3], ['request:fail abort', 'complete'])
    const [k4, r4] = await req(app, "{ url: 'wxfile://usr/x' }")
    assert.equal(k4, 'fail')
    assert.match(r4.errMsg, /^request:fail invalid url/)
  })

  test('callback errors are logged, not thrown', async () => {
    await app.eval(`new Promise((resolve) => wx.request({ url: '${srv.base}/json',
      success: () => { throw new Error('oops in success') }, complete: () => resolve() }))`)
    const e = app.logs.find((l) => l.level === 'error' && String(l.args[1] && l.args[1].message) === 'oops in success')
    assert.ok(e)
  })

  test('25 parallel requests: at most 10 in flight, all complete', async () => {
    sim.maxConcurrentSeen = 0
    srv.state.maxInFlight = 0
    const res = await app.eval(`Promise.all(Array.from({ length: 25 }, (_, i) => new Promise((resolve) =>
      wx.request({ url: '${srv.base}/slow?ms=120&i=' + i, success: (r) => resolve(r.data.i) }))))`)
    assert.equal(res.length, 25)
    assert.deepEqual(
      [...res].map(Number),
      Array.from({ length: 25 }, (_, i) => i),
    )
    assert.equal(sim.maxConcurrentSeen, 10)
    assert.equal(srv.state.maxInFlight, 10)
  })
})

describe('storage', () => {
  test('sync round trip, missing key, deep copy, Date, info', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const r = await app.eval(`(() => {
      const o = { a: 1, nested: { b: [1, 2] }, d: new Date(5), f: function () {}, u: undefined }
      wx.setStorageSync('k', o)
      o.nested.b.push(3)
      const got = wx.getStorageSync('k')
      got.nested.b.push(99)
      const again = wx.getStorageSync('k')
      return { missing: wx.getStorageSync('nope'), b: again.nested.b, date: again.d instanceof Date && again.d.getTime(),
        hasF: 'f' in again, hasU: 'u' in again, isObj: again instanceof Object, info: wx.getStorageInfoSync(), str: (wx.setStorageSync('s', 'x'), wx.getStorageSync('s')) }
    })()`)
    assert.equal(r.missing, '')
    assert.deepEqual([...r.b], [1, 2])
    assert.equal(r.date, 5)
    assert.equal(r.hasF, false)
    assert.equal(r.hasU, false)
    assert.equal(r.isObj, true)
    assert.deepEqual([...r.info.keys], ['k'])
    assert.equal(r.info.limitSize, 10240)
    assert.equal(r.str, 'x')
    assert.deepEqual(sim.storage.get('k').nested.b, [1, 2]) // host-realm copy
    assert.equal(sim.storageWrites, 2)
    await app.eval("wx.removeStorageSync('s')")
    assert.equal(sim.storage.has('s'), false)
    assert.throws(() => app.context.wx.setStorageSync(1, 'x'), /setStorageSync:fail parameter error/)
    sim.close()
  })

  test('1 MB per key and 10 MB total: throw and write nothing', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const r = await app.eval(`(() => {
      const out = []
      const big = 'x'.repeat(1024 * 1024)
      try { wx.setStorageSync('big', big); out.push('stored') } catch (e) { out.push((e instanceof Error) + ' ' + e.message) }
      out.push(wx.getStorageSync('big'))
      const chunk = 'y'.repeat(1024 * 1024 - 100)
      for (let i = 0; i < 10; i++) {
        try { wx.setStorageSync('c' + i, chunk); out.push('ok' + i) } catch (e) { out.push(e.message) }
      }
      out.push(wx.getStorageInfoSync().keys.length)
      return out
    })()`)
    assert.equal(r[0], 'true setStorageSync:fail exceed storage item max length')
    assert.equal(r[1], '')
    assert.deepEqual([...r].slice(2, 12), ['ok0', 'ok1', 'ok2', 'ok3', 'ok4', 'ok5', 'ok6', 'ok7', 'ok8', 'ok9'])
    // 10 * (1MB - 100 + overhead) fits; one more does not
    const more = await app.eval(
      `(() => { try { wx.setStorageSync('c10', 'z'.repeat(2000)); return 'stored' } catch (e) { return e.message } })()`,
    )
    assert.equal(more, 'setStorageSync:fail exceed storage max size 10MB')
    assert.equal(sim.storage.has('c10'), false)
    assert.equal(sim.storage.has('big'), false)
    const asyncFail = await app.eval("wx.setStorage({ key: 'c11', data: 'z'.repeat(2000) }).then(() => 'ok', (e) => e.errMsg)")
    assert.equal(asyncFail, 'setStorage:fail exceed storage max size 10MB')
    sim.close()
  })

  test('async forms: Promise and callbacks', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const r = await app.eval(`(async () => {
      const p = wx.setStorage({ key: 'a', data: { v: 1 } })
      const isP = p instanceof Promise
      const set = await p
      const got = await wx.getStorage({ key: 'a' })
      const missing = await wx.getStorage({ key: 'zz' }).then(() => 'found', (e) => e.errMsg)
      const info = await wx.getStorageInfo()
      const cb = await new Promise((resolve) => { const ret = wx.getStorage({ key: 'a', success: (res) => resolve([ret, res.data.v]) }) })
      await wx.removeStorage({ key: 'a' })
      const afterRemove = wx.getStorageSync('a')
      await wx.clearStorage()
      return { isP, setMsg: set.errMsg, got: got.data.v, gotMsg: got.errMsg, missing, keys: info.keys, cb, afterRemove }
    })()`)
    assert.equal(r.isP, true)
    assert.equal(r.setMsg, 'setStorage:ok')
    assert.equal(r.got, 1)
    assert.equal(r.gotMsg, 'getStorage:ok')
    assert.equal(r.missing, 'getStorage:fail data not found')
    assert.deepEqual([...r.keys], ['a'])
    assert.deepEqual([...r.cb], [undefined, 1])
    assert.equal(r.afterRemove, '')
    sim.close()
  })
})

describe('restart', () => {
  test('keeps storage, clears timers, drops late responses', async () => {
    const sim = newSim()
    const app1 = await sim.launch()
    await app1.eval(`
      wx.setStorageSync('session', { token: 't1' })
      global.ticks = 0
      setInterval(() => { global.ticks++ }, 5)
      wx.request({ url: '${srv.base}/slow?ms=150', success: () => { global.late = 'delivered' }, complete: () => { global.completed = true } })
      wx.setStorage({ key: 'pending', data: 1 })`)
    await sleep(40)
    assert.ok(app1.context.global.ticks > 0)
    assert.equal(app1.inFlight, 1)
    const app2 = await sim.restart()
    assert.equal(app1.alive, false)
    assert.notEqual(app1.context, app2.context)
    const t = app1.context.global.ticks
    await sleep(250)
    assert.equal(app1.context.global.ticks, t)
    assert.equal(app1.context.global.late, undefined)
    assert.equal(app1.context.global.completed, undefined)
    assert.equal(app1.logs.filter((l) => l.level === 'error').length, 0)
    assert.equal(await app2.eval("wx.getStorageSync('session').token"), 't1')
    assert.equal(await app2.eval('typeof global.ticks'), 'undefined')
    assert.equal(await app2.eval('getApp().globalData.launched'), 1)
    await assert.rejects(app1.eval('1'), /killed/)
    sim.close()
    sim.close() // idempotent
  })
})

describe('app events and pages', () => {
  test('onAppShow / onAppHide and App onShow/onHide', async () => {
    const sim = newSim()
    const app = await sim.launch()
    await app.eval(`
      global.ev = []
      const show = (o) => global.ev.push('show:' + o.scene)
      wx.onAppShow(show)
      wx.onAppHide(() => global.ev.push('hide'))`)
    sim.fireAppHide()
    sim.fireAppShow({ scene: 1038 })
    await app.eval('wx.offAppShow()')
    sim.fireAppShow()
    assert.deepEqual([...app.context.global.ev], ['hide', 'show:1038'])
    const gd = await app.eval('getApp().globalData')
    assert.deepEqual([...gd.shows], [1001, 1038, 1001])
    assert.equal(gd.hides, 1)
    assert.equal(app.logs[0].args[0], 'onLaunch')
    sim.close()
    assert.throws(() => sim.fireAppShow(), /no running app/)
  })

  test('Page lifecycle, setData paths and callback, getCurrentPages, Component page', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const page = await app.openPage('pages/index/index', { q: 1 })
    assert.deepEqual([...app.context.global.order], ['onLoad:1', 'onShow', 'onReady'])
    assert.equal(page.data.q, '1')
    assert.equal(page.route, 'pages/index/index')
    assert.equal(page.options.q, '1')
    page.inc()
    assert.equal(page.data.n, 2)
    const done = await app.eval(`new Promise((resolve) => {
      const p = getCurrentPages()[0]
      let cbRan = false
      p.setData({ 'list[0].a': 5, 'nested.y.z': 'deep', 'arr[1]': 'b' }, () => { cbRan = true; resolve(cbRan) })
      if (cbRan) resolve('sync!')
    })`)
    assert.equal(done, true)
    assert.equal(page.data.list[0].a, 5)
    assert.equal(page.data.nested.x, 1)
    assert.equal(page.data.nested.y.z, 'deep')
    assert.equal(page.data.arr[1], 'b')
    assert.equal(await app.eval('Array.isArray(getCurrentPages()[0].data.arr)'), true)
    // a second instance gets a fresh deep copy of data
    const page2 = await app.openPage('/pages/index/index')
    assert.equal(page2.data.n, 1)
    assert.equal(page2.data.list[0].a, 1)
    const comp = await app.openPage('pages/comp/comp', { id: 'c7' })
    assert.equal(comp.data.x, 1)
    assert.equal(comp.data.id, 'c7')
    comp.bump()
    assert.equal(comp.data.x, 2)
    assert.equal(await app.eval('getCurrentPages().length'), 3)
    assert.ok(app.context.global.order.includes('onHide')) // previous page hidden on open
    assert.ok(app.context.global.order.includes('attached'))
    // this.properties is this.data; triggerEvent exists (uni-app's pages use both while attaching).
    assert.ok(app.context.global.order.includes('props:c7:true'))
    assert.ok(app.context.global.order.includes('comp onLoad:c7'))
    await assert.rejects(app.openPage('pages/missing/missing'), /not listed in app\.json/)
    sim.close()
  })

  test('UI calls are recorded and answer asynchronously; getImageInfo reads the file', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const r = await app.eval(`(async () => {
      const m = await wx.showModal({ title: 't', content: 'c' })
      const img = await new Promise((resolve) => wx.getImageInfo({ src: '/a.png', fail: resolve }))
      wx.showToast({ title: 'hi' })
      return [m.confirm, m.cancel, m.errMsg, img.errMsg]
    })()`)
    assert.deepEqual([...r], [true, false, 'showModal:ok', 'getImageInfo:fail file not found'])
    assert.deepEqual(
      app.ui.map((u) => u.api),
      ['showModal', 'showToast'],
    )
    assert.equal(app.ui[1].options.title, 'hi')
    assert.equal(await app.eval('wx.getSystemInfoSync().SDKVersion'), '3.6.0')
    assert.equal(await app.eval('wx.getAccountInfoSync().miniProgram.appId'), 'wx0000000000000001')
    assert.equal(await app.eval('wx.env.USER_DATA_PATH'), 'wxfile://usr')
    assert.equal(await app.eval("wx.getFileSystemManager().readFileSync('lib/data.json', 'utf8')"), FILES['lib/data.json'])
    assert.match(
      await app.eval("try { wx.getFileSystemManager().readFileSync('../outside.js', 'utf8') } catch (e) { e.message }"),
      /readFileSync:fail/,
    )
    sim.close()
  })
})

describe('files and lifetime', () => {
  test('downloadFile to a temp path, readFileSync it, uploadFile it back', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const r = await app.eval(`(async () => {
      const d = await new Promise((resolve) => wx.downloadFile({ url: '${srv.base}/bin', success: resolve, fail: resolve }))
      const bytes = Array.from(new Uint8Array(wx.getFileSystemManager().readFileSync(d.tempFilePath)))
      const u = await new Promise((resolve) => wx.uploadFile({ url: '${srv.base}/echo', filePath: d.tempFilePath, name: 'file',
        formData: { k: 'v' }, success: resolve, fail: resolve }))
      return { dMsg: d.errMsg, path: d.tempFilePath, bytes, uMsg: u.errMsg, uType: typeof u.data, body: JSON.parse(u.data) }
    })()`)
    assert.equal(r.dMsg, 'downloadFile:ok')
    assert.match(r.path, /^wxfile:\/\/tmp_/)
    assert.deepEqual([...r.bytes], [1, 2, 3, 250])
    assert.equal(r.uMsg, 'uploadFile:ok')
    assert.equal(r.uType, 'string')
    assert.match(r.body.headers['content-type'], /^multipart\/form-data; boundary=/)
    assert.match(r.body.body, /name="k"\r\n\r\nv\r\n/)
    assert.match(r.body.body, /name="file"; filename="tmp_/)
    assert.deepEqual(
      sim.requests.map((x) => x.api),
      ['downloadFile', 'uploadFile'],
    )
    const tmp = sim.tmpDir
    sim.close()
    assert.equal(fs.existsSync(tmp), false)
  })

  test('close() leaves no timers or sockets behind', async () => {
    await sleep(20)
    const before = process
      .getActiveResourcesInfo()
      .filter((x) => x !== 'TTYWrap')
      .sort()
    const sim = newSim()
    const app = await sim.launch()
    await app.eval(`setInterval(() => {}, 10); setTimeout(() => {}, 100000)
      wx.request({ url: '${srv.base}/hang' }); wx.request({ url: '${srv.base}/json' })`)
    await sleep(30)
    sim.close()
    await sleep(30)
    const afterClose = process
      .getActiveResourcesInfo()
      .filter((x) => x !== 'TTYWrap')
      .sort()
    assert.deepEqual(afterClose, before)
  })
})

describe('wx.login', () => {
  test('callbacks mint a code for the current user; no Promise form (as documented)', async () => {
    const sim = newSim()
    const app = await sim.launch()
    const r1 = await app.eval('new Promise((resolve) => wx.login({ success: resolve, fail: resolve }))')
    assert.equal(r1.errMsg, 'login:ok')
    assert.match(r1.code, /^code-wx0000000000000001-o_alice-\d+$/)
    sim.setUser({ openid: 'o_bob', unionid: 'u_bob' })
    const r2 = await app.eval('new Promise((resolve) => wx.login({ complete: resolve }))')
    assert.match(r2.code, /-o_bob-/)
    assert.equal(await app.eval('typeof wx.login({})'), 'undefined')
    assert.deepEqual(srv.state.lastMint, { appid: 'wx0000000000000001', openid: 'o_bob', unionid: 'u_bob' })
    const logins = sim.requests.filter((x) => x.api === 'login')
    assert.equal(logins.length, 3, 'the call without callbacks still ran, its result went nowhere')
    assert.equal(logins[0].url, srv.base + '/test/mint_code')
    sim.close()
  })

  test('unreachable backend → login:fail', async () => {
    const port = await freePort()
    const sim = newSim({ wechatUrl: `http://127.0.0.1:${port}/wechat` })
    const app = await sim.launch()
    const r = await app.eval(
      'new Promise((resolve) => wx.login({ success: () => resolve("ok"), fail: (e) => resolve(e.errMsg) }))',
    )
    assert.match(r, /^login:fail /)
    sim.close()
  })
})
