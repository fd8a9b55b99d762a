'use strict'
// Conformance tests of the local backend's standard GoTrue Auth API (backend/auth.js): signup, password and
// PKCE grants, OTP (captured messages via GET /_control/messages), verify, recover, resend, reauthenticate,
// PUT /user, settings, refresh reuse, and MemFire's web QR login (wechat_qr) through the fake WeChat.
// Run: node --test tests/node/backend-auth.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const path = require('node:path')

const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))
const testHttp = require('./lib/http')

let be // autoconfirm on (default)
let be2 // autoconfirm off, 30 s send cooldown

before(async () => {
  ;[be, be2] = await Promise.all([
    startBackend({
      port: 0,
      refreshTokenReuseInterval: 10,
      redirectAllowList: ['https://app.example/**', 'http://localhost:3000/**'],
    }),
    startBackend({ port: 0, autoconfirm: false, smsCooldown: 30 }),
  ])
})

after(async () => {
  await Promise.all([be && be.stop(), be2 && be2.stop()])
})

// ---------- helpers ----------
// Against backend `b` (default: be).
const request = (method, urlPath, { headers = {}, body, b = be } = {}) =>
  testHttp.request(b.url, method, urlPath, { headers, body })

const V2024 = { 'x-supabase-api-version': '2024-01-01' }
const api = (b, extra = {}) => ({ apikey: b.anonKey, ...extra })
const bearer = (b, token, extra = {}) => api(b, { authorization: `Bearer ${token}`, ...extra })
const post = (p, body, { b = be, headers = {} } = {}) => request('POST', `/auth/v1${p}`, { b, headers: api(b, headers), body })

function assertShapeA(r, status, errorCode, msg) {
  assert.equal(r.status, status, r.text)
  assert.equal(r.json.code, status, r.text)
  assert.equal(r.json.error_code, errorCode, r.text)
  if (msg !== undefined) assert.equal(r.json.msg, msg)
  else assert.equal(typeof r.json.msg, 'string')
  assert.equal(r.headers['x-sb-error-code'], errorCode)
}

function assertShapeB(r, status, errorCode, message) {
  assert.equal(r.status, status, r.text)
  assert.equal(r.json.code, errorCode, r.text)
  if (message !== undefined) assert.equal(r.json.message, message)
  else assert.equal(typeof r.json.message, 'string')
  assert.equal(r.headers['x-supabase-api-version'], '2024-01-01')
}

function claimsOf(token) {
  const [h, p, s] = token.split('.')
  assert.equal(s, crypto.createHmac('sha256', be.jwtSecret).update(`${h}.${p}`).digest('base64url'), 'JWT signature')
  return JSON.parse(Buffer.from(p, 'base64url'))
}

const SESSION_KEYS = ['access_token', 'token_type', 'expires_in', 'expires_at', 'refresh_token', 'user']
function assertSession(r, amr) {
  assert.equal(r.status, 200, r.text)
  for (const k of SESSION_KEYS) assert.ok(k in r.json, `session has ${k}`)
  assert.equal(r.json.token_type, 'bearer')
  assert.match(r.json.refresh_token, /^[a-z0-9]{12}$/)
  const c = claimsOf(r.json.access_token)
  assert.equal(c.sub, r.json.user.id)
  assert.deepEqual(
    c.amr.map((x) => x.method),
    [amr],
  )
  return r.json
}

async function messages(to, b = be) {
  const r = await request('GET', `/_control/messages?to=${encodeURIComponent(to)}`, { b })
  assert.equal(r.status, 200, r.text)
  return r.json
}
async function lastCode(to, b = be) {
  const m = await messages(to, b)
  assert.ok(m.length > 0, `a message was sent to ${to}`)
  assert.match(m[0].token, /^\d{6}$/)
  return m[0]
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
let seq = 0
const uniq = (p) => `${p}${++seq}${crypto.randomBytes(3).toString('hex')}`
const newEmail = () => `${uniq('u')}@example.com`
const newPhone = () => `+86139${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`

async function signupOk(body, b = be) {
  const r = await post('/signup', body, { b })
  return assertSession(r, 'password')
}

// ---------- settings ----------
test('GET /settings reflects the configuration', async () => {
  const r = await request('GET', '/auth/v1/settings', { headers: api(be) })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json.external, { anonymous_users: false, email: true, phone: true, wechat_mini: true, wechat_qr: true })
  assert.equal(r.json.disable_signup, false)
  assert.equal(r.json.mailer_autoconfirm, true)
  assert.equal(r.json.phone_autoconfirm, true)
  const r2 = await request('GET', '/auth/v1/settings', { b: be2, headers: api(be2) })
  assert.equal(r2.json.mailer_autoconfirm, false, 'startBackend({autoconfirm:false}) must reach cfg.autoconfirm (index.js)')
  assert.equal(r2.json.phone_autoconfirm, false)
})

// ---------- signup ----------
test('POST /signup with autoconfirm: session, bcrypt hash, identity, metadata; errors', async () => {
  const email = newEmail()
  const s = await signupOk({ email: email.toUpperCase(), password: 'secret123', data: { nick: 'Ann', age: 3 } })
  const u = s.user
  assert.equal(u.email, email, 'lower-cased')
  assert.match(u.email_confirmed_at, ISO)
  assert.match(u.confirmed_at, ISO)
  assert.equal(u.phone, '')
  assert.deepEqual(u.app_metadata, { provider: 'email', providers: ['email'] })
  assert.deepEqual(u.user_metadata, { nick: 'Ann', age: 3 })
  assert.equal(u.identities.length, 1)
  assert.equal(u.identities[0].provider, 'email')
  assert.equal(u.identities[0].id, u.id)
  assert.equal(u.identities[0].identity_data.email, email)
  assert.equal(u.is_anonymous, false)
  const c = claimsOf(s.access_token)
  assert.deepEqual(Object.keys(c), [
    'iss',
    'sub',
    'aud',
    'exp',
    'iat',
    'email',
    'phone',
    'app_metadata',
    'user_metadata',
    'role',
    'aal',
    'amr',
    'session_id',
    'is_anonymous',
  ])
  assert.equal(c.iss, `${be.url}/auth/v1`)
  assert.equal(c.aal, 'aal1')
  assert.equal(c.email, email)
  assert.equal(c.role, 'authenticated')
  assert.deepEqual(c.user_metadata, { nick: 'Ann', age: 3 })
  const row = (
    await be.db.query(
      "select encrypted_password, encrypted_password = extensions.crypt('secret123', encrypted_password) as ok from auth.users where id = $1",
      [u.id],
    )
  ).rows[0]
  assert.match(row.encrypted_password, /^\$2a\$/)
  assert.equal(row.ok, true)

  assertShapeA(await post('/signup', { email, password: 'another1' }), 422, 'user_already_exists', 'User already registered')
  assertShapeB(
    await post('/signup', { email, password: 'another1' }, { headers: V2024 }),
    422,
    'user_already_exists',
    'User already registered',
  )
  assertShapeA(await post('/signup', { email: newEmail() }), 400, 'validation_failed', 'Signup requires a valid password')
  assertShapeB(
    await post('/signup', { email: newEmail(), password: '' }, { headers: V2024 }),
    400,
    'validation_failed',
    'Signup requires a valid password',
  )
  assertShapeA(
    await post('/signup', { email: 'not-an-email', password: 'secret123' }),
    400,
    'validation_failed',
    'Unable to validate email address: invalid format',
  )
  assertShapeA(await post('/signup', { email: newEmail(), phone: newPhone(), password: 'secret123' }), 400, 'validation_failed')
  assertShapeA(
    await post('/signup', { phone: '12ab', password: 'secret123' }),
    400,
    'validation_failed',
    'Invalid phone number format (E.164 required)',
  )
  assertShapeA(await post('/signup', { password: 'secret123' }), 422, 'anonymous_provider_disabled')
  assertShapeA(await post('/signup', '{nope'), 400, 'bad_json')

  // weak password: shape A / B plus weak_password.reasons (shape D)
  let r = await post('/signup', { email: newEmail(), password: '12345' })
  assertShapeA(r, 422, 'weak_password', 'Password should be at least 6 characters.')
  assert.deepEqual(r.json.weak_password, { reasons: ['length'] })
  r = await post('/signup', { email: newEmail(), password: 'abc' }, { headers: V2024 })
  assertShapeB(r, 422, 'weak_password', 'Password should be at least 6 characters.')
  assert.deepEqual(Object.keys(r.json).sort(), ['code', 'message', 'weak_password'])
  assert.deepEqual(r.json.weak_password, { reasons: ['length'] })

  // phone: stored without '+', confirmed, phone identity
  const phone = newPhone()
  const p = await signupOk({ phone, password: 'secret123', channel: 'sms' })
  assert.equal(p.user.phone, phone.slice(1))
  assert.match(p.user.phone_confirmed_at, ISO)
  assert.equal(p.user.email, '')
  assert.deepEqual(p.user.app_metadata, { provider: 'phone', providers: ['phone'] })
  assert.equal(claimsOf(p.access_token).phone, phone.slice(1))
  assertShapeA(await post('/signup', { phone, password: 'secret123' }), 422, 'user_already_exists')
})

test('POST /signup without autoconfirm: bare user, captured code, verify, obfuscated repeat', async () => {
  const email = newEmail()
  let r = await post('/signup', { email, password: 'secret123', data: { a: 1 } }, { b: be2 })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.access_token, undefined)
  const u = r.json
  assert.equal(u.email, email)
  assert.equal(u.email_confirmed_at, undefined)
  assert.match(u.confirmation_sent_at, ISO)
  assert.deepEqual(u.user_metadata, { a: 1 })
  assert.equal(u.identities.length, 1)
  const m = await lastCode(email, be2)
  assert.deepEqual(Object.keys(m), ['to', 'channel', 'kind', 'token', 'sent_at'])
  assert.equal(m.to, email)
  assert.equal(m.channel, 'email')
  assert.equal(m.kind, 'signup')
  assert.match(m.sent_at, ISO)

  // not confirmed yet
  const login = () => post('/token?grant_type=password', { email, password: 'secret123' }, { b: be2 })
  assertShapeA(await login(), 400, 'email_not_confirmed', 'Email not confirmed')
  assertShapeB(
    await post('/token?grant_type=password', { email, password: 'secret123' }, { b: be2, headers: V2024 }),
    400,
    'email_not_confirmed',
  )
  // wrong code, then the right one
  const wrong = m.token === '000000' ? '000001' : '000000'
  assertShapeA(
    await post('/verify', { type: 'signup', email, token: wrong }, { b: be2 }),
    403,
    'otp_expired',
    'Token has expired or is invalid',
  )
  r = await post('/verify', { type: 'signup', email, token: m.token }, { b: be2 })
  const s = assertSession(r, 'otp')
  assert.match(s.user.email_confirmed_at, ISO)
  assertSession(await login(), 'password')

  // a repeated signup of a confirmed address: 200 with an obfuscated user (no tokens, no identities)
  r = await post('/signup', { email, password: 'whatever1' }, { b: be2 })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.access_token, undefined)
  assert.notEqual(r.json.id, u.id)
  assert.deepEqual(r.json.identities, [])

  // phone without autoconfirm: SMS code, verify type sms
  const phone = newPhone()
  r = await post('/signup', { phone, password: 'secret123', channel: 'sms' }, { b: be2 })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.phone, phone.slice(1))
  assert.equal(r.json.phone_confirmed_at, undefined)
  assertShapeA(
    await post('/token?grant_type=password', { phone, password: 'secret123' }, { b: be2 }),
    400,
    'phone_not_confirmed',
    'Phone not confirmed',
  )
  const sms = await lastCode(phone, be2) // '+' form finds the stored digits
  assert.equal(sms.to, phone.slice(1))
  assert.equal(sms.channel, 'sms')
  // resend inside the send cooldown (smsCooldown: 30 on be2): 429, GoTrue's message; after it a new code replaces the old one
  r = await post('/resend', { type: 'sms', phone }, { b: be2 })
  assertShapeA(r, 429, 'over_sms_send_rate_limit')
  assert.match(r.json.msg, /^For security purposes, you can only request this after (29|30) seconds\.$/)
  be2.advanceTime(30 * 1000)
  r = await post('/resend', { type: 'sms', phone }, { b: be2 })
  assert.equal(r.status, 200, r.text)
  assert.equal(typeof r.json.message_id, 'string')
  const sms2 = await lastCode(phone, be2)
  if (sms2.token !== sms.token)
    assertShapeA(await post('/verify', { type: 'sms', phone, token: sms.token }, { b: be2 }), 403, 'otp_expired')
  const ps = assertSession(await post('/verify', { type: 'sms', phone, token: sms2.token }, { b: be2 }), 'otp')
  assert.match(ps.user.phone_confirmed_at, ISO)

  // email change is pending until verified
  r = await request('PUT', '/auth/v1/user', { b: be2, headers: bearer(be2, s.access_token), body: { email: `New.${email}` } })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.email, email)
  assert.equal(r.json.new_email, `new.${email}`)
  assert.match(r.json.email_change_sent_at, ISO)
  const ec = await lastCode(`new.${email}`, be2)
  assert.equal(ec.kind, 'email_change')
  const es = assertSession(
    await post('/verify', { type: 'email_change', email: `new.${email}`, token: ec.token }, { b: be2 }),
    'otp',
  )
  assert.equal(es.user.email, `new.${email}`)
  assert.equal(es.user.new_email, undefined)

  // resend signup for a confirmed address sends nothing; bad resend type
  const before = (await messages(`new.${email}`, be2)).length
  r = await post('/resend', { type: 'signup', email: `new.${email}` }, { b: be2 })
  assert.deepEqual([r.status, r.json], [200, {}])
  assert.equal((await messages(`new.${email}`, be2)).length, before)
  assertShapeA(await post('/resend', { type: 'bogus', email }, { b: be2 }), 400, 'validation_failed')
  assertShapeA(
    await post('/resend', { type: 'sms', email }, { b: be2 }),
    400,
    'validation_failed',
    'Type provided requires a phone number',
  )
})

// ---------- password grant ----------
test('POST /token?grant_type=password', async () => {
  const email = newEmail()
  const s = await signupOk({ email, password: 'secret123' })
  const r = await post('/token?grant_type=password', { email: email.toUpperCase(), password: 'secret123' })
  const t = assertSession(r, 'password')
  assert.equal(t.user.id, s.user.id)
  assert.match(t.user.last_sign_in_at, ISO)
  assert.notEqual(claimsOf(t.access_token).session_id, claimsOf(s.access_token).session_id)

  const bad = (body, h) => post('/token?grant_type=password', body, { headers: h || {} })
  assertShapeA(await bad({ email, password: 'wrong-password' }), 400, 'invalid_credentials', 'Invalid login credentials')
  assertShapeB(await bad({ email, password: 'wrong-password' }, V2024), 400, 'invalid_credentials', 'Invalid login credentials')
  assertShapeA(await bad({ email: newEmail(), password: 'secret123' }), 400, 'invalid_credentials', 'Invalid login credentials')
  assertShapeA(await bad({ email }), 400, 'invalid_credentials')
  assertShapeA(await bad({ password: 'secret123' }), 400, 'validation_failed')

  const phone = newPhone()
  await signupOk({ phone, password: 'secret123' })
  assertSession(await bad({ phone, password: 'secret123' }), 'password')
  assertSession(await bad({ phone: phone.slice(1), password: 'secret123' }), 'password')
})

// ---------- OTP ----------
test('POST /otp + POST /verify: SMS and email codes through the control endpoint; expiry, single use', async () => {
  const phone = newPhone()
  let r = await post('/otp', { phone, create_user: true, data: { from: 'otp' }, channel: 'sms' })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(Object.keys(r.json), ['message_id'])
  const m1 = await lastCode(phone)
  assert.deepEqual([m1.to, m1.channel, m1.kind], [phone.slice(1), 'sms', 'otp'])

  const wrong = m1.token === '123456' ? '654321' : '123456'
  assertShapeA(await post('/verify', { type: 'sms', phone, token: wrong }), 403, 'otp_expired', 'Token has expired or is invalid')
  assertShapeB(
    await post('/verify', { type: 'sms', phone, token: wrong }, { headers: V2024 }),
    403,
    'otp_expired',
    'Token has expired or is invalid',
  )
  const s = assertSession(await post('/verify', { type: 'sms', phone, token: m1.token }), 'otp')
  assert.equal(s.user.phone, phone.slice(1))
  assert.match(s.user.phone_confirmed_at, ISO)
  assert.deepEqual(s.user.user_metadata, { from: 'otp' })
  // single use
  assertShapeA(await post('/verify', { type: 'sms', phone, token: m1.token }), 403, 'otp_expired')

  // newest first; the second sign-in (after the 60 s send cooldown) reuses the user
  be.advanceTime(60 * 1000)
  assert.equal((await post('/otp', { phone })).status, 200)
  const list = await messages(phone)
  assert.equal(list.length, 2)
  assert.ok(list[0].sent_at >= list[1].sent_at)
  const again = assertSession(await post('/verify', { type: 'sms', phone, token: list[0].token }), 'otp')
  assert.equal(again.user.id, s.user.id)

  // expiry after 5 minutes (virtual clock)
  be.advanceTime(60 * 1000)
  assert.equal((await post('/otp', { phone })).status, 200)
  const m3 = await lastCode(phone)
  be.advanceTime(5 * 60 * 1000 + 1000)
  assertShapeA(await post('/verify', { type: 'sms', phone, token: m3.token }), 403, 'otp_expired')

  // create_user false for an unknown address
  assertShapeA(await post('/otp', { phone: newPhone(), create_user: false }), 422, 'otp_disabled', 'Signups not allowed for otp')
  assertShapeB(await post('/otp', { email: newEmail(), create_user: false }, { headers: V2024 }), 422, 'otp_disabled')
  assertShapeA(await post('/otp', {}), 400, 'validation_failed')

  // email: {} ; a new user gets a confirmation code (type email), a confirmed one a magic-link code
  const email = newEmail()
  r = await post('/otp', { email, create_user: true, data: {} })
  assert.deepEqual([r.status, r.json], [200, {}])
  const e1 = await lastCode(email)
  assert.deepEqual([e1.channel, e1.kind], ['email', 'signup'])
  const es = assertSession(await post('/verify', { type: 'email', email, token: e1.token }), 'otp')
  assert.match(es.user.email_confirmed_at, ISO)
  assert.equal((await post('/otp', { email })).status, 200)
  const e2 = await lastCode(email)
  assert.equal(e2.kind, 'magiclink')
  assertShapeA(await post('/verify', { type: 'signup', email, token: e2.token }), 403, 'otp_expired')
  assert.equal(assertSession(await post('/verify', { type: 'magiclink', email, token: e2.token }), 'otp').user.id, es.user.id)

  // verify validation
  assertShapeA(await post('/verify', { email, token: '123456' }), 400, 'validation_failed', 'Verify requires a verification type')
  assertShapeA(await post('/verify', { type: 'email', email }), 400, 'validation_failed')
  assertShapeA(await post('/verify', { type: 'nope', email, token: '123456' }), 400, 'validation_failed')
  assertShapeA(await post('/verify', { type: 'email', email: newEmail(), token: '123456' }), 403, 'otp_expired')

  // the control endpoint needs no apikey and filters by address
  const all = await request('GET', '/_control/messages')
  assert.equal(all.status, 200)
  assert.ok(all.json.length >= 5)
  assert.deepEqual(await messages('nobody@example.com'), [])
})

// ---------- send cooldown ----------
test('send cooldown (GoTrue max frequency, default 60 s, virtual clock): 429 over_sms/over_email_send_rate_limit', async () => {
  assert.equal(be.smsCooldown, 60)
  assert.equal(be2.smsCooldown, 30)
  const phone = newPhone()
  assert.equal((await post('/otp', { phone })).status, 200)
  be.advanceTime(20 * 1000)
  // the same address in another form (bare mainland number) is the same address
  let r = await post('/otp', { phone: phone.slice(3) })
  assertShapeA(r, 429, 'over_sms_send_rate_limit')
  assert.match(r.json.msg, /^For security purposes, you can only request this after (39|40) seconds\.$/)
  assertShapeB(await post('/otp', { phone }, { headers: V2024 }), 429, 'over_sms_send_rate_limit')
  assertShapeA(await post('/resend', { type: 'sms', phone }), 429, 'over_sms_send_rate_limit')
  assert.equal((await messages(phone)).length, 1, 'nothing is sent while cooling down')
  // another address is not affected
  assert.equal((await post('/otp', { phone: newPhone() })).status, 200)
  be.advanceTime(40 * 1000)
  assert.equal((await post('/otp', { phone })).status, 200)
  assert.equal((await messages(phone)).length, 2)
  assertShapeA(await post('/otp', { phone }), 429, 'over_sms_send_rate_limit')

  // email: recovery and the magic link of a confirmed user
  const email = newEmail()
  const s = await signupOk({ email, password: 'secret123' })
  r = await post('/recover', { email })
  assert.deepEqual([r.status, r.json], [200, {}])
  r = await post('/recover', { email: email.toUpperCase() })
  assertShapeA(r, 429, 'over_email_send_rate_limit')
  assert.match(r.json.msg, /^For security purposes, you can only request this after (59|60) seconds\.$/)
  assertShapeA(await post('/otp', { email }), 429, 'over_email_send_rate_limit')
  assert.equal((await messages(email)).length, 1)
  // reauthenticate has its own timestamp
  assert.equal((await request('GET', '/auth/v1/reauthenticate', { headers: bearer(be, s.access_token) })).status, 200)
  assertShapeA(
    await request('GET', '/auth/v1/reauthenticate', { headers: bearer(be, s.access_token) }),
    429,
    'over_email_send_rate_limit',
  )
  be.advanceTime(60 * 1000)
  assert.equal((await post('/otp', { email })).status, 200)
  assert.equal((await lastCode(email)).kind, 'magiclink')
  assert.equal((await request('GET', '/auth/v1/reauthenticate', { headers: bearer(be, s.access_token) })).status, 200)
})

// ---------- recover, password change, reauthenticate ----------
test('POST /recover, verify recovery, PUT /user password (same_password, other sessions logged out), reauthenticate', async () => {
  const email = newEmail()
  const first = await signupOk({ email, password: 'secret123' })
  let r = await post('/recover', { email: 'nobody-here@example.com' })
  assert.deepEqual([r.status, r.json], [200, {}])
  assert.deepEqual(await messages('nobody-here@example.com'), [])
  assertShapeA(await post('/recover', {}), 400, 'validation_failed')
  r = await post('/recover', { email })
  assert.deepEqual([r.status, r.json], [200, {}])
  const m = await lastCode(email)
  assert.equal(m.kind, 'recovery')
  const s = assertSession(await post('/verify', { type: 'recovery', email, token: m.token }), 'otp')
  assert.match(s.user.recovery_sent_at, ISO)

  const put = (token, body, h) => request('PUT', '/auth/v1/user', { headers: bearer(be, token, h || {}), body })
  assertShapeA(
    await put(s.access_token, { password: 'secret123' }),
    422,
    'same_password',
    'New password should be different from the old password.',
  )
  assertShapeB(await put(s.access_token, { password: 'secret123' }, V2024), 422, 'same_password')
  r = await put(s.access_token, { password: 'abc' })
  assertShapeA(r, 422, 'weak_password')
  assert.deepEqual(r.json.weak_password, { reasons: ['length'] })
  r = await put(s.access_token, { password: 'brand-new-1', code_challenge: null, code_challenge_method: null })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.id, s.user.id)
  // the new password works, the old one does not; the other session is gone, this one stays
  assertShapeA(await post('/token?grant_type=password', { email, password: 'secret123' }), 400, 'invalid_credentials')
  const n = assertSession(await post('/token?grant_type=password', { email, password: 'brand-new-1' }), 'password')
  assertShapeA(await request('GET', '/auth/v1/user', { headers: bearer(be, first.access_token) }), 403, 'session_not_found')
  assert.equal((await request('GET', '/auth/v1/user', { headers: bearer(be, s.access_token) })).status, 200)

  // reauthenticate: a nonce by email; a wrong nonce is refused
  r = await request('GET', '/auth/v1/reauthenticate', { headers: bearer(be, n.access_token) })
  assert.deepEqual([r.status, r.json], [200, {}])
  const nonce = await lastCode(email)
  assert.equal(nonce.kind, 'reauthentication')
  const wrong = nonce.token === '111111' ? '222222' : '111111'
  assertShapeA(await put(n.access_token, { password: 'third-pass-1', nonce: wrong }), 422, 'reauthentication_not_valid')
  assert.equal((await put(n.access_token, { password: 'third-pass-1', nonce: nonce.token })).status, 200)
  assertShapeA(await request('GET', '/auth/v1/reauthenticate', { headers: api(be) }), 401, 'no_authorization')
})

// ---------- PUT /user ----------
test('PUT /user: shallow metadata merge, email/phone change with autoconfirm, errors', async () => {
  const s = await signupOk({ email: newEmail(), password: 'secret123', data: { a: 1, nested: { x: 1, y: 2 }, gone: true } })
  const put = (body, h = {}) => request('PUT', '/auth/v1/user', { headers: bearer(be, s.access_token, h), body })
  let r = await put({ data: { b: 2, nested: { z: 3 }, gone: null } })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json.user_metadata, { a: 1, b: 2, nested: { z: 3 } })
  assert.equal(r.json.id, s.user.id)
  // a refreshed token carries the new metadata
  r = await post('/token?grant_type=refresh_token', { refresh_token: s.refresh_token })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(claimsOf(r.json.access_token).user_metadata, { a: 1, b: 2, nested: { z: 3 } })

  const other = newEmail()
  await signupOk({ email: other, password: 'secret123' })
  assertShapeA(await put({ email: other }), 422, 'email_exists')
  assertShapeB(await put({ email: other }, V2024), 422, 'email_exists')
  const mine = newEmail()
  r = await put({ email: mine })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.email, mine, 'autoconfirm applies the change at once')
  assert.equal(r.json.new_email, undefined)
  assert.equal(r.json.identities.find((i) => i.provider === 'email').identity_data.email, mine)
  const phone = newPhone()
  r = await put({ phone })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.phone, phone.slice(1))
  assert.match(r.json.phone_confirmed_at, ISO)
  assert.deepEqual(r.json.app_metadata.providers, ['email', 'phone'])
  assertSession(await post('/token?grant_type=password', { phone, password: 'secret123' }), 'password')

  assertShapeA(await put({ email: 'broken' }), 400, 'validation_failed')
  assertShapeA(await put({ app_metadata: { role: 'admin' } }), 403, 'not_admin')
  assertShapeA(await request('PUT', '/auth/v1/user', { headers: api(be), body: { data: {} } }), 401, 'no_authorization')
  assertShapeB(
    await request('PUT', '/auth/v1/user', { headers: api(be, { authorization: 'Bearer x', ...V2024 }), body: {} }),
    403,
    'bad_jwt',
  )
})

// ---------- refresh reuse ----------
test('refresh token reuse inside and after the reuse interval (virtual clock)', async () => {
  const s = await signupOk({ email: newEmail(), password: 'secret123' })
  const sid = claimsOf(s.access_token).session_id
  const refresh = (t) => post('/token?grant_type=refresh_token', { refresh_token: t })
  const rt0 = s.refresh_token
  const rt1 = assertSession(await refresh(rt0), 'password').refresh_token
  // the parent of the active token returns the active token
  assert.equal((await refresh(rt0)).json.refresh_token, rt1)
  const rt2 = (await refresh(rt1)).json.refresh_token
  // an older revoked token inside the interval: another child
  be.advanceTime(5000)
  const r = await refresh(rt0)
  assert.equal(r.status, 200, r.text)
  assert.notEqual(r.json.refresh_token, rt2)
  // another session of the same user, untouched by what follows
  const other = assertSession(
    await post('/token?grant_type=password', { email: s.user.email, password: 'secret123' }),
    'password',
  )
  // past the interval: reuse ends the session (GoTrue v2's LogoutSession): the row and its refresh tokens are deleted
  be.advanceTime(10 * 1000)
  assertShapeA(await refresh(rt1), 400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used')
  assert.equal((await be.db.query('select count(*)::int as n from auth.sessions where id = $1', [sid])).rows[0].n, 0)
  assert.equal(
    (await be.db.query('select count(*)::int as n from auth.refresh_tokens where session_id = $1', [sid])).rows[0].n,
    0,
  )
  // its other refresh tokens (the active one, the one issued inside the interval) are gone
  assertShapeA(
    await refresh(r.json.refresh_token),
    400,
    'refresh_token_not_found',
    'Invalid Refresh Token: Refresh Token Not Found',
  )
  assertShapeB(
    await post('/token?grant_type=refresh_token', { refresh_token: rt2 }, { headers: V2024 }),
    400,
    'refresh_token_not_found',
  )
  // ... and so are its access tokens, old and new: 403 session_not_found on /user
  for (const at of [s.access_token, r.json.access_token]) {
    assertShapeA(
      await request('GET', '/auth/v1/user', { headers: bearer(be, at) }),
      403,
      'session_not_found',
      'Session from session_id claim in JWT does not exist',
    )
  }
  // a reuse of the first token again: the session is gone, so the token is unknown now
  assertShapeA(await refresh(rt0), 400, 'refresh_token_not_found')
  // the user's other session lives on
  assert.equal((await request('GET', '/auth/v1/user', { headers: bearer(be, other.access_token) })).status, 200)
  assertSession(await refresh(other.refresh_token), 'password')
})

// ---------- PKCE + wechat_qr ----------
const verifier = () => crypto.randomBytes(32).toString('base64url')
const s256 = (v) => crypto.createHash('sha256').update(v).digest('base64url')

// authorize -> fake WeChat QR page -> simulated scan/confirm -> /auth/v1/callback -> final redirect.
async function wechatQr({ redirectTo, challenge, method, openid, unionid, deny, b = be } = {}) {
  const q = new URLSearchParams({ provider: 'wechat_qr' })
  if (redirectTo !== undefined) q.set('redirect_to', redirectTo)
  if (challenge) {
    q.set('code_challenge', challenge)
    q.set('code_challenge_method', method || 's256')
  }
  const a = await request('GET', `/auth/v1/authorize?${q}`, { b }) // browsers send no apikey
  assert.equal(a.status, 302, a.text)
  const qr = new URL(a.headers.location)
  const page = await request('GET', qr.pathname + qr.search, { b })
  assert.equal(page.status, 200, page.text)
  const ticket = /\/wechat\/connect\/confirm\?ticket=([A-Za-z0-9]+)/.exec(page.text)[1]
  const cq = new URLSearchParams({ ticket })
  if (openid) cq.set('openid', openid)
  if (unionid) cq.set('unionid', unionid)
  if (deny) cq.set('deny', '1')
  const c = await request('GET', `/wechat/connect/confirm?${cq}`, { b })
  assert.equal(c.status, 302, c.text)
  const cb = new URL(c.headers.location)
  const r = await request('GET', cb.pathname + cb.search, { b })
  assert.equal(r.status, 302, r.text)
  return { qr, callback: cb, location: new URL(r.headers.location) }
}

test('GET /authorize?provider=wechat_qr redirects to the WeChat QR connect page', async () => {
  const r = await request(
    'GET',
    '/auth/v1/authorize?provider=wechat_qr&redirect_to=' + encodeURIComponent('https://app.example/cb'),
  )
  assert.equal(r.status, 302, r.text)
  const u = new URL(r.headers.location)
  assert.equal(`${u.origin}${u.pathname}`, `${be.url}/wechat/connect/qrconnect`)
  assert.deepEqual([...u.searchParams.keys()], ['appid', 'redirect_uri', 'response_type', 'scope', 'state'])
  assert.equal(u.searchParams.get('appid'), 'wx00000000000000w1')
  assert.equal(u.searchParams.get('redirect_uri'), `${be.url}/auth/v1/callback`)
  assert.ok(r.headers.location.includes(`redirect_uri=${encodeURIComponent(`${be.url}/auth/v1/callback`)}`))
  assert.equal(u.searchParams.get('response_type'), 'code')
  assert.equal(u.searchParams.get('scope'), 'snsapi_login')
  assert.ok(u.searchParams.get('state').length > 0 && u.searchParams.get('state').length <= 128)

  const j = await request('GET', '/auth/v1/authorize?provider=wechat_qr&skip_http_redirect=true')
  assert.equal(j.status, 200)
  assert.match(j.json.url, /\/wechat\/connect\/qrconnect\?appid=/)

  let e = await request('GET', '/auth/v1/authorize?provider=github')
  assertShapeA(e, 400, 'validation_failed')
  assert.match(e.json.msg, /^Unsupported provider/)
  e = await request('GET', '/auth/v1/authorize', { headers: V2024 })
  assertShapeB(e, 400, 'validation_failed')
  assert.match(e.json.message, /^Unsupported provider/)
  assertShapeA(
    await request('GET', '/auth/v1/authorize?provider=wechat_qr&code_challenge=' + 'a'.repeat(43)),
    400,
    'validation_failed',
  )
  assertShapeA(await request('GET', '/auth/v1/callback?code=x&state=unknown'), 400, 'bad_oauth_state')
  assertShapeB(await request('GET', '/auth/v1/callback?code=x', { headers: V2024 }), 400, 'bad_oauth_state')
})

test('wechat_qr + PKCE: ?code=auth_code, grant_type=pkce (bad verifier, single use), unionid links the mini-program user', async () => {
  // a mini-program user with the same unionid exists already
  const mk = await request('POST', '/wechat/test/mint_code', {
    body: { appid: be.wechat.appid, openid: 'mini-openid-1', unionid: 'union-qr-1' },
  })
  const mini = await request('GET', `/auth/v1/wechat_mini/login?code=${mk.json.code}`, { headers: api(be) })
  assert.equal(mini.status, 200, mini.text)

  const v = verifier()
  const f = await wechatQr({
    redirectTo: 'https://app.example/done?x=1',
    challenge: s256(v),
    openid: 'web-openid-1',
    unionid: 'union-qr-1',
  })
  assert.equal(f.callback.searchParams.get('state').length > 0, true)
  assert.equal(`${f.location.origin}${f.location.pathname}`, 'https://app.example/done')
  assert.equal(f.location.searchParams.get('x'), '1')
  const code = f.location.searchParams.get('code')
  assert.match(code, /^[0-9a-f-]{36}$/)
  assert.equal(f.location.hash, '')

  const pkce = (body, h) => post('/token?grant_type=pkce', body, { headers: h || {} })
  assertShapeA(await pkce({ auth_code: code, code_verifier: verifier() }), 400, 'bad_code_verifier')
  assertShapeB(await pkce({ auth_code: code, code_verifier: verifier() }, V2024), 400, 'bad_code_verifier')
  assertShapeA(await pkce({ auth_code: code }), 400, 'validation_failed')
  const s = assertSession(await pkce({ auth_code: code, code_verifier: v }), 'oauth')
  assert.equal(typeof s.provider_token, 'string')
  assert.equal(typeof s.provider_refresh_token, 'string')
  assert.equal(s.user.id, mini.json.user.id, 'linked by unionid')
  assert.deepEqual(s.user.app_metadata.providers, ['wechat_mini', 'wechat_qr'])
  assert.deepEqual(
    s.user.identities.map((i) => i.provider),
    ['wechat_mini', 'wechat_qr'],
  )
  const ident = s.user.identities.find((i) => i.provider === 'wechat_qr')
  assert.equal(ident.id, 'web-openid-1')
  assert.equal(ident.identity_data.unionid, 'union-qr-1')
  assert.equal(typeof s.user.user_metadata.nickname, 'string')
  // single use
  assertShapeA(await pkce({ auth_code: code, code_verifier: v }), 404, 'flow_state_not_found')
  assertShapeB(await pkce({ auth_code: crypto.randomUUID(), code_verifier: v }, V2024), 404, 'flow_state_not_found')

  // plain method, a new web user (no unionid)
  const pv = verifier()
  const f2 = await wechatQr({ redirectTo: 'http://localhost:3000/', challenge: pv, method: 'plain', openid: 'web-openid-2' })
  const s2 = assertSession(await pkce({ auth_code: f2.location.searchParams.get('code'), code_verifier: pv }), 'oauth')
  assert.notEqual(s2.user.id, s.user.id)
  assert.deepEqual(s2.user.app_metadata, { provider: 'wechat_qr', providers: ['wechat_qr'] })
  assert.equal(s2.user.wechat_id, '')

  // expired flow state (5 minutes)
  const ev = verifier()
  const f3 = await wechatQr({ redirectTo: 'https://app.example/', challenge: s256(ev), openid: 'web-openid-2' })
  be.advanceTime(5 * 60 * 1000 + 1000)
  assertShapeA(await pkce({ auth_code: f3.location.searchParams.get('code'), code_verifier: ev }), 422, 'flow_state_expired')
  assertShapeB(
    await pkce({ auth_code: f3.location.searchParams.get('code'), code_verifier: ev }, V2024),
    422,
    'flow_state_expired',
  )
})

test('wechat_qr implicit flow: tokens in the fragment; errors redirect with ?error=', async () => {
  const f = await wechatQr({ redirectTo: 'https://app.example/cb', openid: 'web-openid-imp', unionid: 'union-imp' })
  assert.equal(f.location.search, '')
  const h = new URLSearchParams(f.location.hash.slice(1))
  assert.deepEqual(
    [...h.keys()],
    ['access_token', 'expires_at', 'expires_in', 'provider_refresh_token', 'provider_token', 'refresh_token', 'token_type'],
  )
  assert.equal(h.get('token_type'), 'bearer')
  assert.equal(h.get('expires_in'), '3600')
  const c = claimsOf(h.get('access_token'))
  assert.equal(String(c.exp), h.get('expires_at'))
  assert.deepEqual(
    c.amr.map((x) => x.method),
    ['oauth'],
  )
  const u = await request('GET', '/auth/v1/user', { headers: bearer(be, h.get('access_token')) })
  assert.equal(u.status, 200, u.text)
  assert.equal(u.json.wechat_unionid, 'union-imp')
  assert.equal(u.json.identities[0].provider, 'wechat_qr')
  const r = await post('/token?grant_type=refresh_token', { refresh_token: h.get('refresh_token') })
  assert.equal(r.status, 200, r.text)
  // same WeChat user again -> same account
  const again = await wechatQr({ redirectTo: 'https://app.example/cb', openid: 'web-openid-imp', unionid: 'union-imp' })
  assert.equal(claimsOf(new URLSearchParams(again.location.hash.slice(1)).get('access_token')).sub, c.sub)

  // redirect_to that is not http(s) -> the site URL
  const d = await wechatQr({ redirectTo: 'javascript:alert(1)', openid: 'web-openid-imp' })
  assert.equal(d.location.origin, be.url)

  // the user refuses on the WeChat page: WeChat redirects without code -> access_denied (as GoTrue's oauthError)
  const denied = await wechatQr({ redirectTo: 'https://app.example/cb', deny: true })
  assert.equal(denied.location.searchParams.get('error'), 'access_denied')
  assert.equal(denied.location.searchParams.get('error_code'), null)
  assert.equal(denied.location.searchParams.get('error_description'), 'The user denied the WeChat authorization')

  // a WeChat code that cannot be exchanged (already used): server_error
  const used = f.callback.searchParams.get('code')
  const a = await request(
    'GET',
    '/auth/v1/authorize?provider=wechat_qr&redirect_to=' + encodeURIComponent('https://app.example/cb'),
  )
  const state = new URL(a.headers.location).searchParams.get('state')
  const cb = await request('GET', `/auth/v1/callback?code=${used}&state=${state}`)
  assert.equal(cb.status, 302)
  const loc = new URL(cb.headers.location)
  assert.equal(`${loc.origin}${loc.pathname}`, 'https://app.example/cb')
  assert.equal(loc.searchParams.get('error'), 'server_error')
  assert.equal(loc.searchParams.get('error_code'), 'unexpected_failure')
  assert.match(loc.searchParams.get('error_description'), /^Unable to exchange external code/)
  // the state is single use
  assertShapeA(await request('GET', `/auth/v1/callback?code=x&state=${state}`), 400, 'bad_oauth_state')
})
