'use strict'
// Issue 13 item 3: a user whose `user_metadata` another client nested deeper than serde_json's
// recursion limit (128) must still sign in, refresh, `getUser`, `updateUser` and stay signed in
// across a restart. GoTrue stores such metadata (supabase/auth internal/api/helpers.go
// `retrieveRequestParams`: `json.Unmarshal`, whose scanner allows 10,000 levels, Go's
// encoding/json `maxNestingDepth`) and returns it in every user object and in the access token's
// `user_metadata` claim. Here it is written straight into `auth.users`, as another client (or an
// admin) would have left it. The built package runs in the strict simulator against the local backend.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { send } = require('./lib/http')
const { launchUser, wxLoginCode, closeAll } = require('./lib/e2e')

const STORAGE_KEY = 'sb-127-auth-token'
// Deep enough for any recursive parser with a small limit (serde_json: 128); shallow enough for
// the simulator's own `JSON.stringify`, which V8 runs recursively (it overflows near 5,000).
const DEPTH = 1500
let be
let project
const sims = []

// `depth` levels of objects and arrays, alternating, around a string with JSON syntax in it.
function deep(depth) {
  let v = 'leaf "}]\\ é'
  for (let i = depth - 1; i >= 0; i--) v = i % 2 === 0 ? { k: v } : [1, v]
  return v
}

// How deep `v` goes along the path `deep()` builds (without recursion), and the leaf.
function walk(v) {
  let n = 0
  while (v !== null && typeof v === 'object') {
    v = Array.isArray(v) ? v[1] : v.k
    n++
  }
  return { depth: n, leaf: v }
}

function assertDeepUser(user, what) {
  assert.ok(user, `${what}: a user`)
  assert.equal(user.user_metadata.nickname, 'deep', what)
  assert.deepEqual(walk(user.user_metadata.deep), { depth: DEPTH, leaf: 'leaf "}]\\ é' }, what)
}

// The claims of a JWT, parsed as the page would.
function claims(token) {
  const b64 = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')
  return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'))
}

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({ url: be.url, key: be.anonKey, as: 'supabase', clients: { supabase: { options: {} } } })
})

after(() => closeAll({ sims, project, be }))

test('a user with user_metadata nested 1,500 deep signs in, refreshes, reads and updates the user, and survives a restart', async () => {
  const { sim, app } = await launchUser(be, project, 'o_deep_json', sims)
  const { supabase } = app.require('lib/supabase')
  const first = await supabase.auth.signInWithWechat({ code: await wxLoginCode(app) })
  assert.equal(first.error, null)
  // Another client leaves the metadata nested deep.
  const meta = JSON.stringify({ nickname: 'deep', deep: deep(DEPTH) })
  const r = await be.db.query(
    'update auth.users set raw_user_meta_data = $1::jsonb where wechat_openid = $2 returning jsonb_typeof(raw_user_meta_data) t',
    [meta, 'o_deep_json'],
  )
  assert.equal(r.rows[0].t, 'object')

  const events = []
  supabase.auth.onAuthStateChange((event, session) => events.push([event, session && session.user]))

  // Sign-in: the reply's user and the access token's claims carry the deep metadata.
  const signIn = await supabase.auth.signInWithWechat({ code: await wxLoginCode(app) })
  assert.equal(signIn.error, null)
  assertDeepUser(signIn.data.user, 'signIn data.user')
  assertDeepUser(signIn.data.session.user, 'signIn data.session.user')
  assert.deepEqual(walk(claims(signIn.data.session.access_token).user_metadata.deep).depth, DEPTH)

  // Refresh.
  const refreshed = await supabase.auth.refreshSession()
  assert.equal(refreshed.error, null)
  assertDeepUser(refreshed.data.session.user, 'refreshSession')
  assert.notEqual(refreshed.data.session.refresh_token, signIn.data.session.refresh_token)

  // getUser, and an updateUser the server merges into the deep metadata.
  const got = await supabase.auth.getUser()
  assert.equal(got.error, null)
  assertDeepUser(got.data.user, 'getUser')
  const updated = await supabase.auth.updateUser({ data: { more: 1 } })
  assert.equal(updated.error, null)
  assertDeepUser(updated.data.user, 'updateUser')
  assert.equal(updated.data.user.user_metadata.more, 1)
  // The page's own data, as deep: it goes out as it came and comes back.
  const mine = await supabase.auth.updateUser({ data: { mine: deep(DEPTH) } })
  assert.equal(mine.error, null)
  assertDeepUser(mine.data.user, 'updateUser with deep data')
  assert.deepEqual(walk(mine.data.user.user_metadata.mine), { depth: DEPTH, leaf: 'leaf "}]\\ é' })

  assert.deepEqual(
    events.map(([e]) => e),
    ['INITIAL_SESSION', 'SIGNED_IN', 'TOKEN_REFRESHED', 'USER_UPDATED', 'USER_UPDATED'],
  )
  for (const [e, user] of events.slice(1)) assertDeepUser(user, e)

  // Stored as the SDK we replace stores it, deep metadata included.
  const stored = JSON.parse(sim.storage.get(STORAGE_KEY))
  assertDeepUser(stored.user, 'stored')
  assert.equal(stored.user.user_metadata.more, 1)
  assert.equal(walk(stored.user.user_metadata.mine).depth, DEPTH)

  // A cold restart keeps the user signed in, with the same session.
  const app2 = await sim.restart()
  const sb2 = app2.require('lib/supabase').supabase
  const restored = await sb2.auth.getSession()
  assert.equal(restored.error, null)
  assert.ok(restored.data.session, 'the stored session is restored, not dropped')
  assert.equal(restored.data.session.refresh_token, refreshed.data.session.refresh_token)
  assertDeepUser(restored.data.session.user, 'restored')
  assert.equal(sim.storage.get(STORAGE_KEY), JSON.stringify(stored), 'restoring does not rewrite it')
  const again = await sb2.auth.getUser()
  assert.equal(again.error, null)
  assertDeepUser(again.data.user, 'getUser after the restart')
  const refreshedAgain = await sb2.auth.refreshSession()
  assert.equal(refreshedAgain.error, null)
  assertDeepUser(refreshedAgain.data.session.user, 'refresh after the restart')
})

// As deep as GoTrue stores (10,000 levels): the wasm core (1 MiB stack) reads, stores and restores it
// without recursion. Its access token carries the metadata too (~80 KB), more than a server's header limit
// takes back (Node's 16 KB here), so only what needs no request with it is exercised.
test('a user with user_metadata nested 10,000 deep signs in and is restored by the wasm core', async () => {
  const { sim, app } = await launchUser(be, project, 'o_deep_json_10k', sims)
  const { supabase } = app.require('lib/supabase')
  assert.equal((await supabase.auth.signInWithWechat({ code: await wxLoginCode(app) })).error, null)
  const meta = JSON.stringify({ nickname: 'deep' }).replace(/}$/, `,"deep":${text(10000)}}`)
  await be.db.query('update auth.users set raw_user_meta_data = $1::jsonb where wechat_openid = $2', [meta, 'o_deep_json_10k'])
  const signIn = await supabase.auth.signInWithWechat({ code: await wxLoginCode(app) })
  assert.equal(signIn.error, null)
  assert.deepEqual(walk(signIn.data.user.user_metadata.deep), { depth: 10000, leaf: 'leaf' })
  assert.deepEqual(walk(JSON.parse(sim.storage.get(STORAGE_KEY)).user.user_metadata.deep).depth, 10000)
  const app2 = await sim.restart()
  const restored = await app2.require('lib/supabase').supabase.auth.getSession()
  assert.equal(restored.error, null)
  assert.equal(restored.data.session.access_token, signIn.data.session.access_token)
  assert.deepEqual(walk(restored.data.session.user.user_metadata.deep), { depth: 10000, leaf: 'leaf' })
})

// `n` levels of objects and arrays, alternating, as text (JSON.stringify cannot write it: see DEPTH).
function text(n) {
  let s = ''
  for (let i = 0; i < n; i++) s += i % 2 === 0 ? '{"k":' : '[1,'
  s += '"leaf"'
  for (let i = n - 1; i >= 0; i--) s += i % 2 === 0 ? '}' : ']'
  return s
}

// GoTrue decodes a request body with Go's encoding/json: 10,000 levels in all are taken (the body's own
// object is one of them), one more is 400 bad_json "Could not parse request body as JSON: invalid character
// '{' exceeded max depth" (src/encoding/json/scanner.go); json.Marshal writes any depth back.
test('the emulated GoTrue takes and returns metadata as deep as GoTrue does, and refuses a body deeper than Go decodes', async () => {
  const auth = (path, opts = {}) =>
    send(`${be.url}/auth/v1${path}`, {
      ...opts,
      sized: true,
      headers: { apikey: be.anonKey, 'content-type': 'application/json', ...(opts.headers || {}) },
    })
  const up = await auth('/signup', { method: 'POST', body: JSON.stringify({ email: 'deep@example.com', password: 'pw-123456' }) })
  assert.equal(up.status, 200, up.text)
  const bearer = { authorization: `Bearer ${up.json.access_token}` }
  // `{"data":{"deep":` is two levels, `deep(n)` n more: 10,000 in all.
  const body = (n) => `{"data":{"deep":${text(n)}}}`
  const ok = await auth('/user', { method: 'PUT', headers: bearer, body: body(9998) })
  assert.equal(ok.status, 200, ok.text.slice(0, 200))
  assert.equal(walk(ok.json.user_metadata.deep).depth, 9998)
  const got = await auth('/user', { headers: bearer })
  assert.equal(got.status, 200)
  assert.equal(walk(got.json.user_metadata.deep).depth, 9998)
  const tooDeep = await auth('/user', { method: 'PUT', headers: bearer, body: body(9999) })
  assert.equal(tooDeep.status, 400)
  assert.equal(tooDeep.json.error_code, 'bad_json')
  assert.equal(tooDeep.json.msg, "Could not parse request body as JSON: invalid character '{' exceeded max depth")
})
