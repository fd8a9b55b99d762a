'use strict'
// End to end: the built package, installed by packNpm, runs inside the strict mini-program
// simulator against the local backend (real PostgreSQL, Auth with MemFire's wechat_mini
// endpoints, fake WeChat).
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const net = require('node:net')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { send } = require('./lib/http')
const e2e = require('./lib/e2e')

const STORAGE_KEY = 'sb-127-auth-token' // first label of 127.0.0.1, as supabase-js derives it
const SESSION_KEYS = ['access_token', 'token_type', 'expires_in', 'refresh_token', 'user', 'expires_at']

// The login page of seed 002 (CommonJS instead of `import`; the code inside is the docs').
const LOGIN_PAGE = `
const { supabase } = require('../../lib/supabase')
Page({
  data: {},
  login() {
    wx.login({
      success: async res => {
        const { data, error } = await supabase.auth.signInWithWechat({ code: res.code })
        if (error) {
          wx.showToast({ title: error?.error || error?.msg, icon: 'none', duration: 2000 })
        } else if (data) {
          setTimeout(() => {
            wx.showModal({ title: '提示', content: '登录成功！去填充个人资料吧！' })
          }, 10)
        }
      },
      fail(err) {
        wx.showToast({ title: err.errMsg, icon: 'none', duration: 2000 })
      },
    })
  },
})
`

let be
let project
let hanging = null

// A server that accepts connections and never answers.
function startHanging() {
  const sockets = []
  const srv = net.createServer((sock) => sockets.push(sock))
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      resolve({
        port: srv.address().port,
        close: () => {
          for (const sock of sockets) sock.destroy()
          srv.close()
        },
      })
    })
  })
}
const sims = []

before(async () => {
  be = await startBackend({ port: 0 })
  hanging = await startHanging()
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    as: 'supabase',
    clients: {
      supabase: {},
      offline: { url: `http://127.0.0.1:${await closedPort()}`, key: 'anon' },
      hanging: { url: `http://127.0.0.1:${hanging.port}`, key: 'anon', options: { requestTimeout: 300 } },
      'odd-options': {
        setup: `const items = {}
const storage = { items, getItem(k) { return items[k] }, setItem(k, v) { items[k] = v }, removeItem(k) { delete items[k] } }
storage.self = storage // a cycle, and functions: neither may wipe the configuration`,
        options: "{ auth: { storage, storageKey: 'odd-key' }, big: BigInt(1) }",
        exports: ['storage'],
      },
    },
    files: { 'pages/login/login.js': LOGIN_PAGE },
  })
})

after(async () => {
  for (const s of sims) s.close()
  if (hanging) hanging.close()
  if (project) project.cleanup()
  if (be) await be.stop()
})

function newSim(opts = {}) {
  const sim = project.simulator({
    wechatUrl: be.url + '/wechat',
    appid: be.wechat.appid,
    user: { openid: opts.openid || 'o_' + Math.random().toString(36).slice(2), unionid: '' },
    hostTextCodec: !!opts.hostTextCodec,
    legacyIOS: !!opts.legacyIOS,
  })
  sims.push(sim)
  return sim
}

const waitFor = (pred, ms = 5000) => e2e.waitFor(pred, ms, 5)

function closedPort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

async function wxLoginCode(app) {
  return (await app.eval('new Promise((resolve, reject) => wx.login({ success: resolve, fail: reject }))')).code
}

// Objects made in the page realm have its prototypes; compare their JSON content.
function plain(x) {
  return JSON.parse(JSON.stringify(x))
}

function loginRequests() {
  return be.requests.filter((r) => r.path === '/auth/v1/wechat_mini/login')
}

const ENVIRONMENTS = [
  { name: 'device: no TextEncoder', hostTextCodec: false },
  { name: 'DevTools: host TextEncoder', hostTextCodec: true },
  { name: 'old iOS: no TextEncoder, FinalizationRegistry, WeakRef', hostTextCodec: false, legacyIOS: true },
]
for (const env of ENVIRONMENTS) {
  const hostTextCodec = env.name // a distinct openid per environment
  test(`the docs' login page signs in and stores the session in the old SDK's key and format (${env.name})`, async () => {
    const sim = newSim({ hostTextCodec: env.hostTextCodec, legacyIOS: env.legacyIOS, openid: 'o_page_' + hostTextCodec })
    const app = await sim.launch()
    const page = await app.openPage('pages/login/login')
    page.login()
    await waitFor(() => app.ui.some((u) => u.api === 'showModal' || u.api === 'showToast'))
    const modal = app.ui.find((u) => u.api === 'showModal')
    assert.ok(modal, 'login succeeded: ' + JSON.stringify(app.ui))
    assert.equal(modal.options.content, '登录成功！去填充个人资料吧！')

    const raw = sim.storage.get(STORAGE_KEY)
    assert.equal(typeof raw, 'string', 'stored as a JSON string, like wx.setStorageSync(key, JSON.stringify(session))')
    const stored = JSON.parse(raw)
    assert.deepEqual(Object.keys(stored), SESSION_KEYS)
    assert.equal(stored.token_type, 'bearer')
    assert.equal(stored.user.wechat_id, 'o_page_' + hostTextCodec)
    assert.equal(stored.user.app_metadata.provider, 'wechat_mini')
    const nowS = Math.round(Date.now() / 1000)
    assert.ok(Math.abs(stored.expires_at - (nowS + stored.expires_in)) <= 5, 'expires_at from the local clock')
    const { rows } = await be.db.query('select id from auth.users where wechat_openid = $1', ['o_page_' + hostTextCodec])
    assert.equal(rows[0].id, stored.user.id)
  })
}

test('a cold restart restores the session: getSession returns it and INITIAL_SESSION carries it', async () => {
  const sim = newSim()
  const app = await sim.launch()
  const { supabase } = app.require('lib/supabase')
  const events = []
  supabase.auth.onAuthStateChange((event, session) => events.push([event, session && session.access_token]))
  const { data, error } = await supabase.auth.signInWithWechat({ code: await wxLoginCode(app) })
  assert.equal(error, null)
  assert.deepEqual(events, [
    ['INITIAL_SESSION', null],
    ['SIGNED_IN', data.session.access_token],
  ])
  const storedBefore = sim.storage.get(STORAGE_KEY)

  const app2 = await sim.restart()
  const sb2 = app2.require('lib/supabase').supabase
  const events2 = []
  sb2.auth.onAuthStateChange((event, session) => events2.push([event, session]))
  const got = await sb2.auth.getSession()
  assert.equal(got.error, null)
  assert.equal(got.data.session.access_token, data.session.access_token)
  assert.equal(got.data.session.refresh_token, data.session.refresh_token)
  assert.equal(got.data.session.user.id, data.user.id)
  await waitFor(() => events2.length === 1)
  assert.equal(events2[0][0], 'INITIAL_SESSION')
  assert.equal(events2[0][1].access_token, data.session.access_token)
  assert.equal(sim.storage.get(STORAGE_KEY), storedBefore, 'restoring does not rewrite the stored session')

  // The restored token is accepted by the server.
  const user = await fetchUser(got.data.session.access_token)
  assert.equal(user.id, data.user.id)
})

test('createClient is synchronous and calls made before the wasm has loaded wait for it', async () => {
  const sim = newSim()
  const app = await sim.launch()
  const loads = () => sim.wasmLoads.filter((l) => l.app === app.id).length
  const { supabase } = app.require('lib/supabase') // createClient ran during require
  const pending = [supabase.auth.getSession(), supabase.auth.signInWithWechat({}), supabase.auth.getSession()]
  assert.equal(loads(), 0, 'the wasm is still loading when the calls are made')
  const [a, b, c] = await Promise.all(pending)
  assert.equal(loads(), 1, 'one instantiate for the app, from the package path')
  assert.equal(sim.wasmLoads.find((l) => l.app === app.id).path, '/miniprogram_npm/supabase-wechat/supabase_wechat_bg.wasm.br')
  assert.deepEqual(plain(a), { data: { session: null }, error: null })
  assert.equal(b.error.name, 'AuthInvalidCredentialsError')
  assert.deepEqual(plain(c), { data: { session: null }, error: null })
})

test('a used code is an AuthApiError with status and code, and the stored session is untouched', async () => {
  const sim = newSim()
  const app = await sim.launch()
  const { supabase } = app.require('lib/supabase')
  const code = await wxLoginCode(app)
  const first = await supabase.auth.signInWithWechat({ code })
  assert.equal(first.error, null)
  const stored = sim.storage.get(STORAGE_KEY)

  const again = await supabase.auth.signInWithWechat({ code })
  assert.deepEqual(plain(again.data), { user: null, session: null })
  const err = again.error
  assert.ok(err instanceof app.require('miniprogram_npm/supabase-wechat/index.js').AuthApiError)
  assert.ok(err instanceof (await app.eval('Error')), 'a real Error of the page realm')
  assert.equal(err.name, 'AuthApiError')
  assert.equal(err.status, 400)
  assert.equal(err.code, 'code_used')
  assert.match(err.message, /40163/)
  assert.equal(err.msg, err.message, 'the 2.1.x docs read error.msg')
  assert.equal(sim.storage.get(STORAGE_KEY), stored)
  const { data } = await supabase.auth.getSession()
  assert.equal(data.session.access_token, first.data.session.access_token)
})

test('{} or an empty code is a clear error and no request is sent', async () => {
  const sim = newSim()
  const app = await sim.launch()
  const { supabase } = app.require('lib/supabase')
  await supabase.auth.getSession() // wasm loaded
  const before = sim.requests.length
  for (const params of [{}, { code: '' }, undefined, { code: 42 }]) {
    const { data, error } = await supabase.auth.signInWithWechat(params)
    assert.deepEqual(plain(data), { user: null, session: null })
    assert.equal(error.name, 'AuthInvalidCredentialsError')
    assert.equal(error.status, 400)
    assert.equal(error.code, 'validation_failed')
    assert.match(error.message, /code/)
  }
  assert.equal(sim.requests.length, before, 'nothing went out')
  assert.equal(sim.storage.has(STORAGE_KEY), false)
})

test('a code with &, #, %, spaces and CJK arrives at the server unchanged', async () => {
  const sim = newSim()
  const app = await sim.launch()
  const { supabase } = app.require('lib/supabase')
  const code = 'a&b=c#frag%41 +微信登录🐼'
  const { error } = await supabase.auth.signInWithWechat({ code })
  assert.equal(error.code, 'invalid_code', 'the fake WeChat rejects it, so it was looked up whole')
  const reqs = loginRequests()
  assert.equal(reqs[reqs.length - 1].params.code, code)
})

test('a network failure resolves with AuthRetryableFetchError (status 0)', async () => {
  const sim = newSim()
  const app = await sim.launch()
  const { supabase } = app.require('lib/offline')
  const { data, error } = await supabase.auth.signInWithWechat({ code: 'abc' })
  assert.deepEqual(plain(data), { user: null, session: null })
  assert.equal(error.name, 'AuthRetryableFetchError')
  assert.equal(error.status, 0)
  assert.match(error.message, /^The network request failed; .* \(request:fail .*\)$/)
})

test('WXWebAssembly.instantiate rejects an ArrayBuffer, as on devices', async () => {
  const sim = newSim()
  const app = await sim.launch()
  await assert.rejects(app.eval('WXWebAssembly.instantiate(new ArrayBuffer(8), {})'))
  await assert.rejects(app.eval('WXWebAssembly.instantiate(new Uint8Array([0,97,115,109,1,0,0,0]), {})'))
  assert.equal(await app.eval('typeof WebAssembly'), 'undefined')
})

test('the wasm memory never grows during sign-in, restore and errors', async () => {
  const sim = newSim()
  const app = await sim.launch()
  const { supabase } = app.require('lib/supabase')
  await supabase.auth.getSession()
  // The instance's memory (the package is one file: no glue module to ask).
  const memory = sim.wasmLoads.find((l) => l.app === app.id).memory
  const initial = memory.buffer.byteLength
  for (let i = 0; i < 20; i++) {
    await supabase.auth.signInWithWechat({ code: await wxLoginCode(app) })
    await supabase.auth.signInWithWechat({ code: 'bad' + i })
    await supabase.auth.getSession()
  }
  assert.equal(memory.buffer.byteLength, initial)
  assert.equal(initial, 4 * 1024 * 1024)
})

// GET /auth/v1/user (Node's global agent): the user JSON, or an error with the status and body.
async function fetchUser(token) {
  const r = await send(be.url + '/auth/v1/user', {
    headers: { apikey: be.anonKey, Authorization: 'Bearer ' + token },
    agent: http.globalAgent,
  })
  if (r.status !== 200) throw new Error(r.status + r.text)
  return JSON.parse(r.text)
}

test('getSession follows wx storage: a page that logs out with wx.clearStorageSync() sees no session', async () => {
  const sim = newSim()
  const app = await sim.launch()
  const { supabase } = app.require('lib/supabase')
  const { data } = await supabase.auth.signInWithWechat({ code: await wxLoginCode(app) })
  assert.ok(data.session)
  app.context.wx.clearStorageSync()
  assert.deepEqual(plain(await supabase.auth.getSession()), { data: { session: null }, error: null })
  // Garbage under the key is cleaned up, never a crash.
  app.context.wx.setStorageSync(STORAGE_KEY, '{not json')
  assert.deepEqual(plain(await supabase.auth.getSession()), { data: { session: null }, error: null })
  assert.equal(sim.storage.has(STORAGE_KEY), false)
})

test('when wx storage is full the sign-in succeeds, the failure is reported, and the session lives in memory', async () => {
  const sim = newSim()
  // A returning user of the old SDK: a small session already stored.
  const previous = JSON.stringify({
    access_token: 'old-at',
    token_type: 'bearer',
    expires_in: 3600,
    refresh_token: 'oldrefresh12',
    user: { id: 'u-old' },
    expires_at: Math.round(Date.now() / 1000) + 3600,
  })
  sim.storage.set(STORAGE_KEY, previous)
  const app = await sim.launch()
  // Fill the 10 MB quota with other keys, down to a few bytes.
  let n = 0
  for (const size of [1000 * 1000, 100 * 1000, 10 * 1000, 1000, 100, 10]) {
    for (;;) {
      try {
        app.context.wx.setStorageSync('f' + n++, 'x'.repeat(size))
      } catch {
        break
      }
    }
  }
  const { supabase } = app.require('lib/supabase')
  const events = []
  supabase.auth.onAuthStateChange((e) => events.push(e))
  const { data, error } = await supabase.auth.signInWithWechat({ code: await wxLoginCode(app) })
  assert.equal(error, null)
  assert.ok(data.session.access_token)
  await waitFor(() => events.length === 2)
  assert.deepEqual(events, ['INITIAL_SESSION', 'SIGNED_IN'])
  const warning = app.logs.find((l) => l.level === 'warn' && String(l.args[0]).includes('could not be saved'))
  assert.ok(warning, 'the failed write is reported: ' + JSON.stringify(app.logs.map((l) => l.args.map(String))))
  assert.ok(!String(warning.args[0]).includes(data.session.access_token), 'no token in the log')
  assert.equal(sim.storage.get(STORAGE_KEY), previous, 'storage unchanged')
  const now = await supabase.auth.getSession()
  assert.equal(now.data.session.access_token, data.session.access_token, 'the new session is kept in memory')
  // After a restart only what storage holds remains.
  const app2 = await sim.restart()
  const got = await app2.require('lib/supabase').supabase.auth.getSession()
  assert.equal(got.data.session.access_token, 'old-at')
})

test('a server that never answers: the call resolves after requestTimeout with a retryable error', async () => {
  const sim = newSim()
  const app = await sim.launch()
  const { supabase } = app.require('lib/hanging')
  const t0 = Date.now()
  const { data, error } = await supabase.auth.signInWithWechat({ code: 'abc' })
  assert.deepEqual(plain(data), { user: null, session: null })
  assert.equal(error.name, 'AuthRetryableFetchError')
  assert.equal(error.status, 0)
  assert.match(error.message, /timeout/)
  assert.ok(Date.now() - t0 < 5000)
})

test('unserialisable options (functions, a cycle, a BigInt) do not wipe url, key or other options', async () => {
  const sim = newSim()
  const app = await sim.launch()
  const { supabase, storage } = app.require('lib/odd-options')
  const { error } = await supabase.auth.signInWithWechat({ code: await wxLoginCode(app) })
  assert.equal(error, null)
  assert.equal(typeof storage.items['odd-key'], 'string', 'auth.storage and auth.storageKey were used')
  assert.equal(sim.storage.has('odd-key'), false, 'not wx storage')
})
