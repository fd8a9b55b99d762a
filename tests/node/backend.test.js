'use strict'
// Tests for the local backend (backend/): Kong gate, MemFire wechat_mini login, fake WeChat,
// GoTrue v1 refresh-token rotation (reuse past the interval ends the session), /user, /logout. Run: node --test tests/node/backend.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const path = require('node:path')

const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))
const testHttp = require('./lib/http')

let be

before(async () => {
  be = await startBackend({ port: 0, jwtExpiry: 3600, refreshTokenReuseInterval: 10 })
})

after(async () => {
  if (be) await be.stop()
})

// ---------- helpers ----------
// Against `base` (default: be.url).
const request = (method, urlPath, { headers = {}, body, base } = {}) =>
  testHttp.request(base || be.url, method, urlPath, { headers, body })

const API = (extra = {}) => ({ apikey: be.anonKey, ...extra })
const V2024 = { 'x-supabase-api-version': '2024-01-01' }

async function mint(openid, extra = {}) {
  const r = await request('POST', '/wechat/test/mint_code', { body: { appid: be.wechat.appid, openid, ...extra } })
  assert.equal(r.status, 200)
  assert.match(r.json.code, /^[A-Za-z0-9]{32}$/)
  return r.json.code
}

function login(code, headers = {}) {
  return request('GET', `/auth/v1/wechat_mini/login?code=${encodeURIComponent(code)}`, { headers: API(headers) })
}

async function loginOk(openid, extra) {
  const r = await login(await mint(openid, extra))
  assert.equal(r.status, 200, r.text)
  return r.json
}

function refresh(token, headers = {}, base) {
  return request('POST', '/auth/v1/token?grant_type=refresh_token', {
    headers: API(headers),
    body: { refresh_token: token },
    base,
  })
}

function getUser(accessToken, headers = {}) {
  const h = API(headers)
  if (accessToken !== undefined) h.authorization = `Bearer ${accessToken}`
  return request('GET', '/auth/v1/user', { headers: h })
}

function verifyJwt(token, secret) {
  const [h, p, s] = token.split('.')
  const expected = crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')
  assert.equal(s, expected, 'JWT signature')
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { alg: 'HS256', typ: 'JWT' })
  return JSON.parse(Buffer.from(p, 'base64url'))
}

function assertShapeA(r, status, errorCode, msg) {
  assert.equal(r.status, status, r.text)
  assert.equal(r.json.code, status)
  assert.equal(r.json.error_code, errorCode)
  if (msg !== undefined) assert.equal(r.json.msg, msg)
  else assert.equal(typeof r.json.msg, 'string')
  assert.equal(r.headers['x-sb-error-code'], errorCode)
  assert.equal(r.headers['x-supabase-api-version'], undefined)
}

function assertShapeB(r, status, errorCode, message) {
  assert.equal(r.status, status, r.text)
  assert.deepEqual(Object.keys(r.json).sort(), ['code', 'message'])
  assert.equal(r.json.code, errorCode)
  if (message !== undefined) assert.equal(r.json.message, message)
  assert.equal(r.headers['x-supabase-api-version'], '2024-01-01')
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

async function tokensOfSession(sessionId) {
  return (
    await be.db.query('select token, parent, revoked from auth.refresh_tokens where session_id = $1 order by id', [sessionId])
  ).rows
}

// ---------- tests ----------
test('backend basics: keys, unknown routes', async () => {
  assert.match(be.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const anon = verifyJwt(be.anonKey, be.jwtSecret)
  assert.equal(anon.role, 'anon')
  assert.equal(anon.iss, 'supabase-demo')
  assert.ok(anon.exp > Date.now() / 1000 + 5 * 365 * 86400)
  assert.equal(verifyJwt(be.serviceRoleKey, be.jwtSecret).role, 'service_role')
  const r = await request('GET', '/nope')
  assert.equal(r.status, 404)
  assert.equal(typeof r.json.message, 'string')
  const r2 = await request('GET', '/auth/v1/nope', { headers: API() })
  assert.equal(r2.status, 404)
  assert.equal(r2.json.error_code, 'not_found')
})

test('apikey gate on /auth/v1', async () => {
  let r = await request('GET', '/auth/v1/user')
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { message: 'No API key found in request' })
  r = await request('GET', '/auth/v1/wechat_mini/login?code=x', { headers: { apikey: 'not-a-jwt' } })
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { message: 'Invalid API key' })
  const forged =
    be.anonKey.split('.').slice(0, 2).join('.') +
    '.' +
    crypto.createHmac('sha256', 'another-secret-another-secret-another').update('x').digest('base64url')
  r = await request('GET', '/auth/v1/user', { headers: { apikey: forged } })
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { message: 'Invalid API key' })
  // the gate runs before GoTrue: service role key passes the gate
  r = await request('GET', '/auth/v1/user', { headers: { apikey: be.serviceRoleKey } })
  assert.equal(r.status, 401)
  assert.equal(r.json.error_code, 'no_authorization')
  // only the configured keys, exactly: a user's access token (a valid JWT signed with the secret) is no API key,
  // nor is another anon-role JWT signed with the secret
  const s = await loginOk('openid-apikey')
  for (const key of [s.access_token, be.signJwt({ iss: 'supabase-demo', role: 'anon', iat: 1, exp: 2000000000 })]) {
    r = await request('GET', '/auth/v1/user', { headers: { apikey: key, authorization: `Bearer ${s.access_token}` } })
    assert.equal(r.status, 401)
    assert.deepEqual(r.json, { message: 'Invalid API key' })
    r = await request('GET', `/auth/v1/settings?apikey=${key}`)
    assert.deepEqual([r.status, r.json], [401, { message: 'Invalid API key' }])
  }
  r = await request('GET', '/auth/v1/user', { headers: { apikey: be.anonKey, authorization: `Bearer ${s.access_token}` } })
  assert.equal(r.status, 200)
})

test('mint -> login returns a seed-000 shaped session with a valid JWT', async () => {
  be.clearRequests()
  const code = await mint('openid-alice', { unionid: 'union-alice' })
  const r = await login(code)
  assert.equal(r.status, 200, r.text)
  const s = r.json
  assert.deepEqual(Object.keys(s), ['access_token', 'token_type', 'expires_in', 'expires_at', 'refresh_token', 'user'])
  assert.equal(s.token_type, 'bearer')
  assert.equal(s.expires_in, 3600)
  assert.ok(Math.abs(s.expires_at - (Math.floor(be.now() / 1000) + 3600)) <= 2)
  assert.match(s.refresh_token, /^[a-z0-9]{12}$/)

  const u = s.user
  assert.deepEqual(Object.keys(u), [
    'id',
    'aud',
    'role',
    'email',
    'phone',
    'wechat_id',
    'wechat_unionid',
    'last_sign_in_at',
    'app_metadata',
    'user_metadata',
    'identities',
    'created_at',
    'updated_at',
    'is_anonymous',
  ])
  assert.equal(u.aud, 'authenticated')
  assert.equal(u.role, 'authenticated')
  assert.equal(u.email, '')
  assert.equal(u.phone, '')
  assert.equal(u.wechat_id, 'openid-alice')
  assert.equal(u.wechat_unionid, 'union-alice')
  assert.deepEqual(u.app_metadata, { provider: 'wechat_mini', providers: ['wechat_mini'] })
  assert.deepEqual(u.user_metadata, {})
  assert.equal(u.is_anonymous, false)
  for (const k of ['last_sign_in_at', 'created_at', 'updated_at']) assert.match(u[k], ISO)
  assert.equal(u.identities.length, 1)
  assert.equal(u.identities[0].provider, 'wechat_mini')
  assert.equal(u.identities[0].id, 'openid-alice')
  assert.equal(u.identities[0].user_id, u.id)

  const c = verifyJwt(s.access_token, be.jwtSecret)
  assert.equal(c.iss, `${be.url}/auth/v1`)
  assert.equal(c.sub, u.id)
  assert.equal(c.aud, 'authenticated')
  assert.equal(c.role, 'authenticated')
  assert.equal(c.aal, 'aal1')
  assert.equal(c.exp, s.expires_at)
  assert.equal(c.exp - c.iat, 3600)
  assert.equal(c.email, '')
  assert.equal(c.phone, '')
  assert.equal(c.is_anonymous, false)
  assert.deepEqual(c.app_metadata, u.app_metadata)
  assert.deepEqual(c.user_metadata, {})
  assert.equal(c.amr.length, 1)
  assert.equal(c.amr[0].method, 'wechat_mini')
  assert.equal(typeof c.amr[0].timestamp, 'number')
  const sess = await be.db.query('select user_id, aal from auth.sessions where id = $1', [c.session_id])
  assert.equal(sess.rows.length, 1)
  assert.equal(sess.rows[0].user_id, u.id)
  const row = await be.db.query('select wechat_openid, wechat_unionid from auth.users where id = $1', [u.id])
  assert.deepEqual(row.rows[0], { wechat_openid: 'openid-alice', wechat_unionid: 'union-alice' })

  // the backend called the fake WeChat over HTTP with the configured app credentials
  const wx = be.requests.find((x) => x.path === '/wechat/sns/jscode2session')
  assert.ok(wx)
  assert.equal(wx.params.appid, be.wechat.appid)
  assert.equal(wx.params.secret, be.wechat.secret)
  assert.equal(wx.params.js_code, code)
  assert.equal(wx.params.grant_type, 'authorization_code')
  const lg = be.requests.find((x) => x.path === '/auth/v1/wechat_mini/login')
  assert.equal(lg.method, 'GET')
  assert.equal(lg.query, `code=${code}`)
  assert.equal(lg.headers.apikey, be.anonKey)

  // same openid again -> same user, new session, still one identity
  const s2 = await loginOk('openid-alice')
  assert.equal(s2.user.id, u.id)
  assert.notEqual(verifyJwt(s2.access_token, be.jwtSecret).session_id, c.session_id)
  assert.notEqual(s2.refresh_token, s.refresh_token)
  assert.equal(s2.user.identities.length, 1)
  assert.equal(s2.user.wechat_unionid, 'union-alice')
  const n = await be.db.query("select count(*)::int as n from auth.users where wechat_openid = 'openid-alice'")
  assert.equal(n.rows[0].n, 1)

  // a different openid -> a different user
  const s3 = await loginOk('openid-bob')
  assert.notEqual(s3.user.id, u.id)
  assert.equal(s3.user.wechat_unionid, '')
})

test('login errors: missing, reused, bogus and expired codes (shapes A and B)', async () => {
  let r = await request('GET', '/auth/v1/wechat_mini/login', { headers: API() })
  assertShapeA(r, 400, 'validation_failed')
  r = await request('GET', '/auth/v1/wechat_mini/login?code=', { headers: API(V2024) })
  assertShapeB(r, 400, 'validation_failed')

  const code = await mint('openid-carol')
  assert.equal((await login(code)).status, 200)
  r = await login(code)
  assertShapeA(r, 400, 'code_used', 'invalid wechat code: 40163 code been used')
  r = await login(code, V2024)
  assertShapeB(r, 400, 'code_used', 'invalid wechat code: 40163 code been used')

  r = await login('bogusbogusbogusbogusbogusbogus12')
  assertShapeA(r, 400, 'invalid_code', 'invalid wechat code: 40029 invalid code')
  r = await login('bogus', V2024)
  assertShapeB(r, 400, 'invalid_code', 'invalid wechat code: 40029 invalid code')

  // older API version date -> shape A
  r = await login('bogus', { 'x-supabase-api-version': '2023-12-31' })
  assertShapeA(r, 400, 'invalid_code')

  const old = await mint('openid-dave')
  be.advanceTime(5 * 60 * 1000 + 1000)
  r = await login(old)
  assertShapeA(r, 400, 'invalid_code', 'invalid wechat code: 40029 invalid code')
  // a fresh code still works after the clock moved
  await loginOk('openid-dave')
})

test('fake WeChat jscode2session semantics', async () => {
  const q = (o) => request('GET', '/wechat/sns/jscode2session?' + new URLSearchParams({ grant_type: 'authorization_code', ...o }))
  const good = { appid: be.wechat.appid, secret: be.wechat.secret }
  const code = be.mintCode({ openid: 'openid-erin', unionid: 'union-erin' })
  assert.match(code, /^[A-Za-z0-9]{32}$/)

  let r = await q({ appid: 'wx_wrong', secret: be.wechat.secret, js_code: code })
  assert.equal(r.status, 200)
  assert.equal(r.json.errcode, 40013)
  r = await q({ appid: be.wechat.appid, secret: 'wrong', js_code: code })
  assert.equal(r.status, 200)
  assert.equal(r.json.errcode, 40125)
  r = await q({ ...good, js_code: code })
  assert.equal(r.status, 200)
  assert.equal('errcode' in r.json, false)
  assert.equal(r.json.openid, 'openid-erin')
  assert.equal(r.json.unionid, 'union-erin')
  assert.equal(typeof r.json.session_key, 'string')
  r = await q({ ...good, js_code: code })
  assert.equal(r.json.errcode, 40163)
  assert.match(r.json.errmsg, /^code been used, rid: /)
  r = await q({ ...good, js_code: 'nope' })
  assert.equal(r.json.errcode, 40029)
  assert.match(r.json.errmsg, /^invalid code, rid: /)

  const other = be.mintCode({ appid: 'wx_other_app', openid: 'openid-erin' })
  r = await q({ ...good, js_code: other })
  assert.equal(r.json.errcode, 40029)
  const noUnion = be.mintCode({ openid: 'openid-frank' })
  r = await q({ ...good, js_code: noUnion })
  assert.deepEqual(Object.keys(r.json).sort(), ['openid', 'session_key'])
})

test('refresh-token rotation (GoTrue v1 semantics)', async () => {
  const s0 = await loginOk('openid-rot')
  const sid = verifyJwt(s0.access_token, be.jwtSecret).session_id
  const rt0 = s0.refresh_token

  // normal rotation: child issued, parent revoked
  let r = await refresh(rt0)
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(Object.keys(r.json), ['access_token', 'token_type', 'expires_in', 'expires_at', 'refresh_token', 'user'])
  const rt1 = r.json.refresh_token
  assert.match(rt1, /^[a-z0-9]{12}$/)
  assert.notEqual(rt1, rt0)
  assert.equal(r.json.user.id, s0.user.id)
  assert.equal(r.json.user.wechat_id, 'openid-rot')
  assert.equal(verifyJwt(r.json.access_token, be.jwtSecret).session_id, sid)
  let toks = await tokensOfSession(sid)
  assert.deepEqual(toks, [
    { token: rt0, parent: null, revoked: true },
    { token: rt1, parent: rt0, revoked: false },
  ])

  // replaying the parent of the active token returns the active token, no new token
  r = await refresh(rt0)
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.refresh_token, rt1)
  assert.equal((await tokensOfSession(sid)).length, 2)

  // concurrent refreshes of the same token converge on one child
  const par = await Promise.all([1, 2, 3, 4].map(() => refresh(rt1)))
  for (const p of par) assert.equal(p.status, 200, p.text)
  const rt2 = par[0].json.refresh_token
  for (const p of par) assert.equal(p.json.refresh_token, rt2)
  assert.equal((await tokensOfSession(sid)).length, 3)

  // an older revoked token (not the parent of the active one) inside the reuse interval -> another child
  r = await refresh(rt0)
  assert.equal(r.status, 200, r.text)
  const rt3 = r.json.refresh_token
  assert.notEqual(rt3, rt2)
  toks = await tokensOfSession(sid)
  assert.deepEqual(toks.at(-1), { token: rt3, parent: rt0, revoked: false })

  // after the interval: reuse of a revoked token ends the session (GoTrue v2's LogoutSession; pinned):
  // the session row and every token of it are deleted
  be.advanceTime(11 * 1000)
  r = await refresh(rt1)
  assertShapeA(r, 400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used')
  assert.deepEqual(await tokensOfSession(sid), [])
  // descendants are dead too: unknown now (shape B on request)
  r = await refresh(rt3, V2024)
  assertShapeB(r, 400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
  r = await refresh(rt2)
  assertShapeA(r, 400, 'refresh_token_not_found')
  // ... and the session's access token is refused
  assertShapeA(await getUser(s0.access_token), 403, 'session_not_found')

  // other failures
  r = await refresh('zzzzzzzzzzzz')
  assertShapeA(r, 400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
  r = await refresh('zzzzzzzzzzzz', V2024)
  assertShapeB(r, 400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
  r = await refresh('')
  assert.equal(r.status, 400)
  assert.deepEqual(r.json, { error: 'invalid_request', error_description: 'refresh_token required' })
  r = await request('POST', '/auth/v1/token?grant_type=nope', { headers: API(), body: {} })
  assertShapeA(r, 400, 'invalid_credentials', 'unsupported_grant_type')
})

test('GET /auth/v1/user', async () => {
  const s = await loginOk('openid-user')
  let r = await getUser(s.access_token)
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json, s.user)

  r = await getUser(undefined)
  assertShapeA(r, 401, 'no_authorization')
  r = await getUser('garbage')
  assertShapeA(r, 403, 'bad_jwt')
  r = await getUser('garbage', V2024)
  assertShapeB(r, 403, 'bad_jwt')
  const claims = verifyJwt(s.access_token, be.jwtSecret)
  const expired = be.signJwt({ ...claims, iat: claims.iat - 7200, exp: claims.iat - 3600 })
  r = await getUser(expired)
  assertShapeA(r, 403, 'bad_jwt')
  assert.match(r.json.msg, /expired/)
  // a JWT signed with another secret
  const [h, p] = s.access_token.split('.')
  const bad = `${h}.${p}.${crypto.createHmac('sha256', 'x'.repeat(40)).update(`${h}.${p}`).digest('base64url')}`
  assertShapeA(await getUser(bad), 403, 'bad_jwt')
  // expiry through the virtual clock
  be.advanceTime(3601 * 1000)
  assertShapeA(await getUser(s.access_token), 403, 'bad_jwt')
  be.advanceTime(-3601 * 1000)
  assert.equal((await getUser(s.access_token)).status, 200)
})

test('logout scopes', async () => {
  const a = await loginOk('openid-out')
  const b = await loginOk('openid-out')
  const c = await loginOk('openid-out')

  let r = await request('POST', '/auth/v1/logout?scope=bogus', { headers: API({ authorization: `Bearer ${a.access_token}` }) })
  assertShapeA(r, 400, 'validation_failed')

  // others: b and c die, a survives
  r = await request('POST', '/auth/v1/logout?scope=others', { headers: API({ authorization: `Bearer ${a.access_token}` }) })
  assert.equal(r.status, 204)
  assert.equal(r.text, '')
  assert.equal((await getUser(a.access_token)).status, 200)
  assertShapeA(await getUser(b.access_token), 403, 'session_not_found')
  assertShapeA(await refresh(c.refresh_token), 400, 'refresh_token_not_found')

  // local: a dies
  r = await request('POST', '/auth/v1/logout?scope=local', { headers: API({ authorization: `Bearer ${a.access_token}` }) })
  assert.equal(r.status, 204)
  assertShapeA(await getUser(a.access_token), 403, 'session_not_found', 'Session from session_id claim in JWT does not exist')
  assertShapeB(await getUser(a.access_token, V2024), 403, 'session_not_found')
  assertShapeA(await refresh(a.refresh_token), 400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
  // logging out again with the dead session
  r = await request('POST', '/auth/v1/logout', { headers: API({ authorization: `Bearer ${a.access_token}` }) })
  assertShapeA(r, 403, 'session_not_found')

  // global (default scope)
  const d = await loginOk('openid-out')
  const e = await loginOk('openid-out')
  r = await request('POST', '/auth/v1/logout', { headers: API({ authorization: `Bearer ${d.access_token}` }) })
  assert.equal(r.status, 204)
  assertShapeA(await getUser(e.access_token), 403, 'session_not_found')
  assertShapeA(await refresh(d.refresh_token), 400, 'refresh_token_not_found')
  const n = await be.db.query('select count(*)::int as n from auth.sessions where user_id = $1', [a.user.id])
  assert.equal(n.rows[0].n, 0)
  r = await request('POST', '/auth/v1/logout', { headers: API() })
  assertShapeA(r, 401, 'no_authorization')
})

test('query parameters arrive decoded exactly', async () => {
  const weird = 'a&b#c%d e+f=g?h/微信登录 😀'
  be.clearRequests()
  const r = await login(weird)
  assertShapeA(r, 400, 'invalid_code')
  const lg = be.requests.find((x) => x.path === '/auth/v1/wechat_mini/login')
  assert.equal(lg.params.code, weird)
  assert.equal(lg.query, `code=${encodeURIComponent(weird)}`)
  const wx = be.requests.find((x) => x.path === '/wechat/sns/jscode2session')
  assert.equal(wx.params.js_code, weird)
  be.clearRequests()
  assert.equal(be.requests.length, 0)
})

test('database: Supabase-style roles and auth.uid()', async () => {
  const roles = (
    await be.db.query(
      "select rolname, rolcanlogin, rolinherit from pg_roles where rolname in ('anon','authenticated','service_role','authenticator') order by rolname",
    )
  ).rows
  assert.deepEqual(
    roles.map((x) => x.rolname),
    ['anon', 'authenticated', 'authenticator', 'service_role'],
  )
  assert.equal(roles.find((x) => x.rolname === 'authenticator').rolcanlogin, true)
  assert.equal(roles.find((x) => x.rolname === 'authenticator').rolinherit, false)
  const client = await be.db.connect()
  try {
    await client.query('begin')
    const sub = crypto.randomUUID()
    await client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify({ sub, role: 'authenticated' })])
    await client.query('set local role authenticated')
    const r = await client.query('select auth.uid() as uid, auth.role() as role, auth.jwt() ->> $1 as s', ['sub'])
    assert.deepEqual(r.rows[0], { uid: sub, role: 'authenticated', s: sub })
    await client.query('rollback')
  } finally {
    client.release()
  }
})

test('legacyRefreshErrors uses the OAuth shape for refresh failures', async () => {
  const be2 = await startBackend({ legacyRefreshErrors: true, refreshTokenReuseInterval: 0 })
  try {
    const mk = await request('POST', '/wechat/test/mint_code', { base: be2.url, body: { openid: 'o-legacy' } })
    const lg = await request('GET', `/auth/v1/wechat_mini/login?code=${mk.json.code}`, {
      base: be2.url,
      headers: { apikey: be2.anonKey },
    })
    assert.equal(lg.status, 200, lg.text)
    const h = { apikey: be2.anonKey }
    const body = (t) => ({ refresh_token: t })
    let r = await request('POST', '/auth/v1/token?grant_type=refresh_token', {
      base: be2.url,
      headers: h,
      body: body('unknown00000'),
    })
    assert.equal(r.status, 400)
    assert.deepEqual(r.json, { error: 'invalid_grant', error_description: 'Invalid Refresh Token: Refresh Token Not Found' })
    r = await request('POST', '/auth/v1/token?grant_type=refresh_token', {
      base: be2.url,
      headers: h,
      body: body(lg.json.refresh_token),
    })
    assert.equal(r.status, 200)
    r = await request('POST', '/auth/v1/token?grant_type=refresh_token', {
      base: be2.url,
      headers: h,
      body: body(r.json.refresh_token),
    })
    assert.equal(r.status, 200)
    // grandparent, reuse interval 0 -> family revoked
    r = await request('POST', '/auth/v1/token?grant_type=refresh_token', {
      base: be2.url,
      headers: { ...h, ...V2024 },
      body: body(lg.json.refresh_token),
    })
    assert.equal(r.status, 400)
    assert.deepEqual(r.json, { error: 'invalid_grant', error_description: 'Invalid Refresh Token: Already Used' })
  } finally {
    await be2.stop()
  }
})

// ---------- request bodies, logs ----------
test('JSON bodies that are not objects (null, [], "x", 1) -> 400 bad_json on every JSON route, not 500', async () => {
  const s = await loginOk('openid-json')
  const auth = { authorization: `Bearer ${s.access_token}` }
  const routes = [
    ['POST', '/auth/v1/signup'],
    ['POST', '/auth/v1/token?grant_type=password'],
    ['POST', '/auth/v1/token?grant_type=refresh_token'],
    ['POST', '/auth/v1/token?grant_type=pkce'],
    ['POST', '/auth/v1/otp'],
    ['POST', '/auth/v1/verify'],
    ['POST', '/auth/v1/recover'],
    ['POST', '/auth/v1/resend'],
    ['PUT', '/auth/v1/user'],
    ['POST', '/auth/v1/wechat_mini/unlimited_qrcode'],
  ]
  for (const [method, p] of routes) {
    for (const body of ['null', '[]', '"x"', '1', '[{"email":"a@example.com"}]']) {
      const r = await request(method, p, { headers: API(auth), body })
      assert.equal(r.status, 400, `${method} ${p} ${body}: ${r.text}`)
      assertShapeA(r, 400, 'bad_json')
    }
    assertShapeB(await request(method, p, { headers: API({ ...auth, ...V2024 }), body: 'null' }), 400, 'bad_json')
  }
  // storage's JSON routes answer in storage-api's shape
  for (const [method, p] of [
    ['POST', '/storage/v1/bucket'],
    ['POST', '/storage/v1/object/list/none'],
  ]) {
    for (const body of ['null', '[]', '"x"']) {
      const r = await request(method, p, { headers: API(auth), body })
      assert.equal(r.status, 400, `${method} ${p} ${body}: ${r.text}`)
      assert.deepEqual([r.json.statusCode, r.json.error], ['400', 'bad_json'])
    }
  }
  // the fake WeChat answers WeChat's 47001
  let r = await request('POST', '/wechat/test/mint_code', { body: 'null' })
  assert.deepEqual([r.status, r.json.errcode], [400, 47001])
  r = await request('POST', '/wechat/cgi-bin/stable_token', { body: '[]' })
  assert.deepEqual([r.status, r.json.errcode], [200, 47001])
})

test('an oversized body -> 413 {"message":"Request size limit exceeded"} once it is read, not a reset', async () => {
  const big = JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(2 << 20) })
  let r = await request('POST', '/auth/v1/signup', { headers: API({ 'content-length': Buffer.byteLength(big) }), body: big })
  assert.equal(r.status, 413, r.text)
  assert.deepEqual(r.json, { message: 'Request size limit exceeded' })
  // chunked (no content-length) too, and on a Bearer route
  const s = await loginOk('openid-big')
  r = await request('PUT', '/auth/v1/user', { headers: API({ authorization: `Bearer ${s.access_token}` }), body: big })
  assert.equal(r.status, 413, r.text)
  assert.deepEqual(r.json, { message: 'Request size limit exceeded' })
  r = await request('POST', '/_control/faults', { body: big })
  assert.equal(r.status, 413, r.text)
  assert.equal((await request('GET', '/auth/v1/health', { headers: API() })).status, 200)
  assert.equal((await be.db.query("select count(*)::int as n from auth.users where email = 'big@example.com'")).rows[0].n, 0)
})

test('be.requests keeps the newest 5,000 entries with bodies cut at 64 KiB; be.messages the newest 1,000', async () => {
  be.clearRequests()
  for (let i = 0; i < 5000; i++) be.requests.push({ method: 'GET', path: `/filler/${i}` })
  const body = JSON.stringify({ email: 'not-an-email', password: 'y'.repeat(100 * 1024) })
  assertShapeA(await request('POST', '/auth/v1/signup', { headers: API(), body }), 400, 'validation_failed')
  assert.equal(be.requests.length, 5000)
  assert.equal(be.requests[0].path, '/filler/1')
  const e = be.requests.at(-1)
  assert.equal(e.path, '/auth/v1/signup')
  assert.equal(e.body, body.slice(0, 64 * 1024))
  assert.equal(e.bodyTruncated, true)
  assert.equal(e.bodyLength, Buffer.byteLength(body))
  // small bodies are logged whole
  await request('POST', '/auth/v1/signup', { headers: API(), body: { email: 'x' } })
  assert.equal(be.requests.length, 5000)
  assert.deepEqual([be.requests.at(-1).body, be.requests.at(-1).bodyTruncated], ['{"email":"x"}', undefined])
  be.clearRequests()

  be.messages.length = 0
  for (let i = 0; i < 1000; i++)
    be.messages.push({ to: `filler${i}@example.com`, channel: 'email', kind: 'signup', token: '000000' })
  const email = `cap-${crypto.randomBytes(3).toString('hex')}@example.com`
  assert.equal((await request('POST', '/auth/v1/otp', { headers: API(), body: { email } })).status, 200)
  assert.equal(be.messages.length, 1000)
  assert.equal(be.messages[0].to, 'filler1@example.com')
  assert.equal(be.messages.at(-1).to, email)
  const r = await request('GET', `/_control/messages?to=${encodeURIComponent(email)}`)
  assert.equal(r.json.length, 1)
  be.messages.length = 0
})
