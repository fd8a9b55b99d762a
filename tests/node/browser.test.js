'use strict'
// The browser entry (dist/supabase-wechat/browser/supabase-wechat.js): the same core and driver
// with the browser adapters, in Node with a jsdom window (location, history, localStorage,
// document) and Node's own fetch / WebAssembly / crypto, against the local backend's wechat_qr
// OAuth (authorize → fake WeChat QR page → confirm → /auth/v1/callback → redirect_to).
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const { JSDOM } = require('jsdom')
const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))

const DIST = path.join(__dirname, '..', '..', 'dist', 'supabase-wechat', 'browser')
const APP = 'https://app.example/page'

let be, files, wasmUrl, dom, sw
const clients = []

before(async () => {
  // The app's origin must be on GoTrue's redirect allow list (backend/redirect.js).
  be = await startBackend({ port: 0, redirectAllowList: ['https://app.example/**'] })
  // The bundle's directory over HTTP, as a web server would serve it.
  files = http.createServer((req, res) => {
    const f = path.join(DIST, path.basename(req.url))
    if (!fs.existsSync(f)) return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' })
    res.end(fs.readFileSync(f))
  })
  await new Promise((r) => files.listen(0, '127.0.0.1', r))
  wasmUrl = `http://127.0.0.1:${files.address().port}/supabase_wechat_bg.wasm`
  dom = new JSDOM('<!doctype html><p>app</p>', { url: APP })
  globalThis.window = dom.window
  globalThis.document = dom.window.document
  sw = require(path.join(DIST, 'supabase-wechat.js'))
})

after(async () => {
  // Each client keeps its 30 s auto-refresh tick armed, as in a page.
  await Promise.all(clients.map((c) => c.auth.stopAutoRefresh()))
  if (files) {
    files.closeAllConnections()
    files.close()
  }
  if (be) await be.stop()
  delete globalThis.window
  delete globalThis.document
  dom.window.close()
})

// A page load at `url`: a new client, as a page's script would create it.
function page(url, options) {
  dom.reconfigure({ url })
  const events = []
  const supabase = sw.createClient(be.url, be.anonKey, Object.assign({ wasmPath: wasmUrl }, options))
  clients.push(supabase)
  supabase.auth.onAuthStateChange((event, session) => events.push([event, session && session.user.id]))
  return { supabase, events }
}

// What the browser does after `location.assign(authorizeUrl)`: authorize → QR page → the user
// scans and confirms (or denies) → /auth/v1/callback → back to redirect_to.
async function scan(authorizeUrl, { deny, openid } = {}) {
  const get = async (u) => {
    const r = await fetch(u, { redirect: 'manual' })
    return { status: r.status, location: r.headers.get('location'), text: await r.text() }
  }
  const a = await get(authorizeUrl)
  assert.equal(a.status, 302, a.text)
  const qr = await get(a.location)
  const ticket = /\/wechat\/connect\/confirm\?ticket=([A-Za-z0-9]+)/.exec(qr.text)[1]
  const q = new URLSearchParams({ ticket, openid: openid || 'web-' + Math.random().toString(36).slice(2) })
  if (deny) q.set('deny', '1')
  const c = await get(`${be.url}/wechat/connect/confirm?${q}`)
  assert.equal(c.status, 302, c.text)
  const cb = await get(new URL(c.location, be.url).toString())
  assert.equal(cb.status, 302, cb.text)
  return cb.location
}

const storedKeys = () => Object.keys(dom.window.localStorage)
const sessionKey = () => storedKeys().find((k) => k.endsWith('-auth-token'))

function clearAll() {
  dom.window.localStorage.clear()
}

const until = async (cond) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(cond())
}

test('PKCE: signInWithOAuth redirects; on return ?code= is exchanged once, stored, cleaned; SIGNED_IN', async () => {
  clearAll()
  const redirects = []
  const redirect = sw.platform.redirect
  sw.platform.redirect = (u) => redirects.push(u)
  try {
    const p1 = page(APP)
    const { data, error } = await p1.supabase.auth.signInWithOAuth({
      provider: 'wechat_qr',
      options: { redirectTo: APP + '?tab=2' },
    })
    assert.equal(error, null)
    assert.deepEqual(redirects, [data.url])
    assert.match(data.url, /code_challenge_method=s256$/)
    assert.ok(
      storedKeys().some((k) => k.endsWith('-code-verifier')),
      'verifier in localStorage',
    )

    const back = await scan(data.url)
    assert.match(back, /^https:\/\/app\.example\/page\?tab=2&code=/)
    const p2 = page(back + '#keep')
    assert.equal((await p2.supabase.auth.initialize()).error, null)
    assert.equal(dom.window.location.href, APP + '?tab=2#keep', 'code removed from the address bar')
    const s = await p2.supabase.auth.getSession()
    assert.ok(s.data.session.access_token)
    assert.equal(s.data.session.user.app_metadata.provider, 'wechat_qr')
    await until(() => p2.events.some((e) => e[0] === 'SIGNED_IN'))
    assert.equal(p2.events.filter((e) => e[0] === 'SIGNED_IN').length, 1)
    assert.ok(JSON.parse(dom.window.localStorage.getItem(sessionKey())).refresh_token)
    assert.ok(!storedKeys().some((k) => k.endsWith('-code-verifier')), 'verifier used once')

    // Reload: the session comes back from localStorage; nothing in the URL to exchange again.
    const p3 = page(dom.window.location.href)
    assert.equal((await p3.supabase.auth.initialize()).error, null)
    await until(() => p3.events.length > 0)
    assert.deepEqual(p3.events[0], ['INITIAL_SESSION', s.data.session.user.id])
    assert.equal((await p3.supabase.auth.getUser()).data.user.id, s.data.session.user.id)
    // The data path goes over fetch with the user's token.
    const fn = await p3.supabase.from('nonexistent_table_for_browser_test').select()
    assert.ok(fn.error, 'a PostgREST error comes back as data, not a transport failure')
    assert.notEqual(fn.status, 0)
    // Rows and file bytes work as in the mini-program: RLS sees the user, binaries come back exact.
    const ins = await p3.supabase.from('todos').insert({ task: 'from the browser' }).select('task')
    assert.equal(ins.error, null)
    assert.deepEqual(ins.data, [{ task: 'from the browser' }])
    const mine = await p3.supabase.from('todos').select('task')
    assert.deepEqual(mine.data, [{ task: 'from the browser' }])
    const bytes = Uint8Array.from({ length: 3000 }, (_, i) => (i * 37 + (i >> 8)) & 255)
    const name = `browser/${s.data.session.user.id}.png`
    const up = await p3.supabase.storage.from('avatar').upload(name, bytes.buffer, { contentType: 'image/png' })
    assert.equal(up.error, null)
    const down = await p3.supabase.storage.from('avatar').download(up.data.path)
    assert.equal(down.error, null)
    assert.deepEqual(Array.from(new Uint8Array(down.data)), Array.from(bytes))

    // A refresh rotates the stored session and announces it, over fetch.
    const before = JSON.parse(dom.window.localStorage.getItem(sessionKey())).refresh_token
    const r = await p3.supabase.auth.refreshSession()
    assert.equal(r.error, null)
    await until(() => p3.events.some((e) => e[0] === 'TOKEN_REFRESHED'))
    assert.notEqual(JSON.parse(dom.window.localStorage.getItem(sessionKey())).refresh_token, before)

    // signOut clears storage and emits SIGNED_OUT.
    assert.equal((await p3.supabase.auth.signOut()).error, null)
    assert.equal(sessionKey(), undefined)
    await until(() => p3.events.some((e) => e[0] === 'SIGNED_OUT'))
    assert.equal((await p3.supabase.auth.getSession()).data.session, null)
  } finally {
    sw.platform.redirect = redirect
  }
})

test('implicit flow: #access_token… is adopted, stored and removed from the address bar', async () => {
  clearAll()
  const p1 = page(APP, { auth: { flowType: 'implicit' } })
  const { data } = await p1.supabase.auth.signInWithOAuth({
    provider: 'wechat_qr',
    options: { redirectTo: APP, skipBrowserRedirect: true },
  })
  assert.doesNotMatch(data.url, /code_challenge/)
  const back = await scan(data.url)
  assert.match(back, /#access_token=/)
  const p2 = page(back, { auth: { flowType: 'implicit' } })
  assert.equal((await p2.supabase.auth.initialize()).error, null)
  assert.equal(dom.window.location.href, APP)
  const s = await p2.supabase.auth.getSession()
  assert.ok(s.data.session.refresh_token)
  await until(() => p2.events.some((e) => e[0] === 'SIGNED_IN'))
  assert.ok(sessionKey())
})

test('?error= (the user denied): an AuthError from initialize(), no session, URL cleaned', async () => {
  clearAll()
  const p1 = page(APP)
  const { data } = await p1.supabase.auth.signInWithOAuth({
    provider: 'wechat_qr',
    options: { redirectTo: APP, skipBrowserRedirect: true },
  })
  const back = await scan(data.url, { deny: true })
  assert.match(back, /[?&]error=/)
  const p2 = page(back)
  const { error } = await p2.supabase.auth.initialize()
  assert.ok(sw.isAuthError(error), String(error))
  assert.equal(error.name, 'AuthPKCEGrantCodeExchangeError')
  assert.equal(dom.window.location.href, APP)
  assert.equal((await p2.supabase.auth.getSession()).data.session, null)
  assert.equal(sessionKey(), undefined)
  assert.ok(!storedKeys().some((k) => k.endsWith('-code-verifier')))
})

test('an app URL with its own ?code= but no stored verifier is left alone; detectSessionInUrl: false', async () => {
  clearAll()
  const p = page(APP + '?code=app-own')
  assert.equal((await p.supabase.auth.initialize()).error, null)
  assert.equal(dom.window.location.href, APP + '?code=app-own')
  const q = page(APP + '#access_token=x&refresh_token=y', { auth: { detectSessionInUrl: false } })
  assert.equal((await q.supabase.auth.initialize()).error, null)
  assert.equal(dom.window.location.href, APP + '#access_token=x&refresh_token=y')
})
