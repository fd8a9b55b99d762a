'use strict'
// `supabase.auth.mfa.*` (issue 14), through the built package in the strict simulator, against the
// local backend's GoTrue MFA API (backend/auth-mfa.js, after supabase/auth internal/api/mfa.go).
// TOTP codes are computed here from the enrolled secret with this file's own RFC 6238 code, checked
// against the RFC's test vectors first; phone codes are read from the backend's captured SMS.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const http = require('node:http')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { send } = require('./lib/http')
const { launchUser, waitFor, closeAll } = require('./lib/e2e')

const STORAGE_KEY = 'sb-127-auth-token'

// ---- RFC 6238 (TOTP over RFC 4226 HOTP), SHA1 ----
function base32(s) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let v = 0
  const out = []
  for (const c of s.replace(/=+$/, '')) {
    v = (v << 5) | A.indexOf(c)
    bits += 5
    if (bits >= 8) {
      out.push((v >>> (bits - 8)) & 255)
      bits -= 8
    }
  }
  return Buffer.from(out)
}
function totpAt(key, unixSeconds, digits = 6) {
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)))
  const h = crypto.createHmac('sha1', key).update(msg).digest()
  const o = h[19] & 15
  const bin = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]
  return String(bin % 10 ** digits).padStart(digits, '0')
}

// The MemFire/supabase-js documentation's TOTP example (supabase.com/docs/reference/javascript/auth-mfa-enroll,
// auth-mfa-challenge, auth-mfa-verify), as page code: only `import` written as `require`.
const MFA_PAGE = `
const { supabase } = require('../../lib/supabase')
Page({
  data: {},
  async enroll() {
    const { data, error } = await supabase.auth.mfa.enroll({
      factorType: 'totp',
      friendlyName: 'your_friendly_name'
    })
    if (error) { this.setData({ error: error.message }); return }
    // Use the id to create a challenge.
    // The challenge can be verified by entering the code generated from the authenticator app.
    // The code will be generated upon scanning the qr_code or entering the secret into the authenticator app.
    const { id, type, totp: { qr_code, secret, uri }, friendly_name } = data
    this.setData({ id, type, qr_code, secret, uri, friendly_name })
  },
  async verify() {
    const challenge = await supabase.auth.mfa.challenge({ factorId: this.data.id })
    if (challenge.error) { this.setData({ error: challenge.error.message }); return }
    const { data, error } = await supabase.auth.mfa.verify({
      factorId: this.data.id,
      challengeId: challenge.data.id,
      code: this.data.code
    })
    if (error) { this.setData({ error: error.message }); return }
    this.setData({ verified: true, access_token: data.access_token })
  },
})
`

let be
let project
const sims = []
let nextUser = 0

before(async () => {
  be = await startBackend({ port: 0, smsCooldown: 0 })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    as: 'supabase',
    clients: { supabase: { options: {} } },
    files: { 'pages/mfa/index.js': MFA_PAGE },
  })
})

after(() => closeAll({ sims, project, be }))

const plain = (x) => JSON.parse(JSON.stringify(x))
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())

// The backend's clock moved, if need be, to 5 s into a 30 s step: codes of the steps around it stay valid
// while a test runs.
function midStep() {
  const into = be.now() % 30000
  if (into < 5000 || into > 20000) be.advanceTime((35000 - into) % 30000)
}
const code = (secret, stepOffset = 0) => totpAt(base32(secret), be.now() / 1000 + stepOffset * 30)

// A simulator signed up (and so signed in) with an email and password; events recorded.
async function signedIn() {
  const { sim, app } = await launchUser(be, project, `o_mfa_${++nextUser}`, sims)
  const { supabase } = app.require('lib/supabase')
  const events = []
  supabase.auth.onAuthStateChange((e, s) => events.push([e, s && s.access_token]))
  const email = `mfa${nextUser}@example.com`
  const r = await supabase.auth.signUp({ email, password: 'secret-123' })
  assert.equal(r.error, null)
  return { sim, app, supabase, events, email }
}

async function lastSms(to) {
  const r = await send(`${be.url}/_control/messages?to=${encodeURIComponent(to)}`, { agent: http.globalAgent })
  return JSON.parse(r.text)[0]
}

test('this file computes TOTP as RFC 6238 Appendix B does (SHA1, the 8-digit vectors; 6 digits their tail)', () => {
  const key = Buffer.from('12345678901234567890')
  const vectors = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ]
  for (const [t, want] of vectors) {
    assert.equal(totpAt(key, t, 8), want, `T=${t}`)
    assert.equal(totpAt(key, t), want.slice(2), `T=${t}, 6 digits`)
  }
  assert.deepEqual([...base32('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')], [...key], 'RFC 4648 base32')
})

test('the documentation TOTP example runs as written: enroll -> challenge -> verify, a new aal2 session saved, MFA_CHALLENGE_VERIFIED', async () => {
  const { sim, app, supabase, events } = await signedIn()
  await waitFor(() => events.some(([e]) => e === 'SIGNED_IN'))
  const before = JSON.parse(sim.storage.get(STORAGE_KEY))
  const page = await app.openPage('pages/mfa/index')
  await page.enroll()
  assert.equal(page.data.error, undefined)
  assert.equal(page.data.type, 'totp')
  assert.equal(page.data.friendly_name, 'your_friendly_name')
  assert.match(page.data.qr_code, /^data:image\/svg\+xml;utf-8,<\?xml /, 'auth-js makes the SVG a data URL')
  assert.match(page.data.secret, /^[A-Z2-7]{32}$/, '20 random bytes in base32 (pquerna/otp)')
  assert.ok(page.data.uri.startsWith('otpauth://totp/'), page.data.uri)
  assert.ok(page.data.uri.includes(`secret=${page.data.secret}`))

  midStep()
  page.setData({ code: code(page.data.secret) })
  await page.verify()
  assert.equal(page.data.error, undefined)
  assert.equal(page.data.verified, true)
  const after = JSON.parse(sim.storage.get(STORAGE_KEY))
  assert.equal(after.access_token, page.data.access_token, 'the new session is saved')
  assert.notEqual(after.refresh_token, before.refresh_token, 'GoTrue issues a new refresh token on verify')
  const c = claims(after.access_token)
  assert.equal(c.aal, 'aal2')
  assert.deepEqual(
    c.amr.map((a) => a.method),
    ['totp', 'password'],
    'the new method first, then the sign-in (CalculateAALAndAMR: most recent first)',
  )
  assert.equal(typeof c.amr[0].timestamp, 'number')
  assert.equal(after.user.factors.length, 1)
  assert.equal(after.user.factors[0].status, 'verified')
  // Events, in order; MFA_CHALLENGE_VERIFIED carries the new session, and is delivered before verify resolves.
  assert.deepEqual(
    events.map(([e]) => e),
    ['INITIAL_SESSION', 'SIGNED_IN', 'MFA_CHALLENGE_VERIFIED'],
  )
  assert.equal(events[2][1], after.access_token)
  assert.equal((await supabase.auth.getSession()).data.session.access_token, after.access_token)
  // The old aal1 refresh token no longer makes an aal1 session (its session is now aal2).
  const refreshed = await supabase.auth.refreshSession()
  assert.equal(refreshed.error, null)
  assert.equal(claims(refreshed.data.session.access_token).aal, 'aal2', 'a refresh keeps the session aal2')
})

test('verify resolves with the token response itself (auth-js returns the body, not { user, session })', async () => {
  const { supabase } = await signedIn()
  const { data: f } = await supabase.auth.mfa.enroll({ factorType: 'totp' })
  const { data: ch, error: chErr } = await supabase.auth.mfa.challenge({ factorId: f.id })
  assert.equal(chErr, null)
  assert.deepEqual(Object.keys(plain(ch)).sort(), ['expires_at', 'id', 'type'])
  assert.equal(ch.type, 'totp')
  midStep()
  const r = await supabase.auth.mfa.verify({ factorId: f.id, challengeId: ch.id, code: code(f.totp.secret) })
  assert.equal(r.error, null)
  assert.deepEqual(Object.keys(plain(r.data)).sort(), [
    'access_token',
    'expires_at',
    'expires_in',
    'refresh_token',
    'token_type',
    'user',
  ])
  assert.equal(r.data.token_type, 'bearer')
  assert.equal(r.data.user.factors[0].id, f.id)
})

test('a wrong code: 422 mfa_verification_failed, data null, the session and events untouched; one step of skew is accepted', async () => {
  const { sim, supabase, events } = await signedIn()
  const { data: f } = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'phone app', issuer: 'example.com' })
  assert.ok(f.totp.uri.startsWith('otpauth://totp/example.com:'), f.totp.uri)
  const stored = sim.storage.get(STORAGE_KEY)
  midStep()
  const { data: ch } = await supabase.auth.mfa.challenge({ factorId: f.id })
  for (const wrong of [code(f.totp.secret, -2), code(f.totp.secret, 2), '12345', 'abcdef']) {
    const r = await supabase.auth.mfa.verify({ factorId: f.id, challengeId: ch.id, code: wrong })
    assert.equal(r.data, null)
    assert.equal(r.error.name, 'AuthApiError')
    assert.equal(r.error.status, 422)
    assert.equal(r.error.code, 'mfa_verification_failed')
    assert.equal(r.error.message, 'Invalid TOTP code entered')
  }
  assert.equal(sim.storage.get(STORAGE_KEY), stored, 'the session is not replaced')
  assert.ok(!events.some(([e]) => e === 'MFA_CHALLENGE_VERIFIED'))
  // pquerna/otp's Skew 1: the previous step's code is still good.
  const ok = await supabase.auth.mfa.verify({ factorId: f.id, challengeId: ch.id, code: code(f.totp.secret, -1) })
  assert.equal(ok.error, null)
  // A challenge is good once (GoTrue: "verified_at" set, then the IP-mismatch answer).
  const again = await supabase.auth.mfa.verify({ factorId: f.id, challengeId: ch.id, code: code(f.totp.secret) })
  assert.equal(again.error.code, 'mfa_ip_address_mismatch')
  const unknown = await supabase.auth.mfa.challenge({ factorId: crypto.randomUUID() })
  assert.equal(unknown.data, null)
  assert.equal(unknown.error.status, 404)
  assert.equal(unknown.error.code, 'mfa_factor_not_found')
  assert.equal(unknown.error.message, 'Factor not found')
})

test('listFactors and getAuthenticatorAssuranceLevel before and after verify; challengeAndVerify', async () => {
  const { supabase } = await signedIn()
  const aal = async (jwt) => plain(await supabase.auth.mfa.getAuthenticatorAssuranceLevel(jwt))
  let r = await aal()
  assert.equal(r.error, null)
  assert.equal(r.data.currentLevel, 'aal1')
  assert.equal(r.data.nextLevel, 'aal1')
  assert.deepEqual(
    r.data.currentAuthenticationMethods.map((m) => m.method),
    ['password'],
  )
  const { data: f } = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'app' })
  let list = plain(await supabase.auth.mfa.listFactors())
  assert.equal(list.error, null)
  assert.deepEqual(Object.keys(list.data).sort(), ['all', 'phone', 'recovery_code', 'totp', 'webauthn'])
  assert.deepEqual(
    list.data.all.map((x) => [x.id, x.status, x.factor_type, x.friendly_name]),
    [[f.id, 'unverified', 'totp', 'app']],
  )
  assert.deepEqual(list.data.totp, [], 'only verified factors are listed by type')
  assert.equal((await aal()).data.nextLevel, 'aal1', 'an unverified factor does not raise the next level')

  midStep()
  const v = await supabase.auth.mfa.challengeAndVerify({ factorId: f.id, code: code(f.totp.secret) })
  assert.equal(v.error, null)
  assert.equal(claims(v.data.access_token).aal, 'aal2')
  r = await aal()
  assert.deepEqual(
    [r.data.currentLevel, r.data.nextLevel, r.data.currentAuthenticationMethods.map((m) => m.method)],
    ['aal2', 'aal2', ['totp', 'password']],
  )
  list = plain(await supabase.auth.mfa.listFactors())
  assert.deepEqual(
    list.data.totp.map((x) => [x.id, x.status]),
    [[f.id, 'verified']],
  )
  // A new sign-in is aal1 with a verified factor: the next level is aal2.
  const email = (await supabase.auth.getUser()).data.user.email
  await supabase.auth.signInWithPassword({ email, password: 'secret-123' })
  r = await aal()
  assert.deepEqual([r.data.currentLevel, r.data.nextLevel], ['aal1', 'aal2'])
  // Given a JWT, its claims and its user (GET /user with that token).
  r = await aal(v.data.access_token)
  assert.deepEqual([r.data.currentLevel, r.data.nextLevel], ['aal2', 'aal2'], 'the given token, not the session')
  const bad = await supabase.auth.mfa.challengeAndVerify({ factorId: f.id, code: '000000' })
  assert.equal(bad.data, null)
  assert.equal(bad.error.code, 'mfa_verification_failed')
})

test('a phone factor: the code goes out by SMS and verifies; mfa/phone in amr', async () => {
  const { supabase, events } = await signedIn()
  const phone = '+8613912345678'
  const { data: f, error } = await supabase.auth.mfa.enroll({ factorType: 'phone', phone, friendlyName: 'my phone' })
  assert.equal(error, null)
  assert.deepEqual(plain(f), { id: f.id, type: 'phone', friendly_name: 'my phone', phone })
  const { data: ch } = await supabase.auth.mfa.challenge({ factorId: f.id, channel: 'sms' })
  assert.equal(ch.type, 'phone')
  const sms = await lastSms('8613912345678')
  assert.equal(sms.kind, 'mfa')
  assert.equal(sms.channel, 'sms')
  const wrong = await supabase.auth.mfa.verify({
    factorId: f.id,
    challengeId: ch.id,
    code: sms.token === '000000' ? '111111' : '000000',
  })
  assert.equal(wrong.error.code, 'mfa_verification_failed')
  assert.equal(wrong.error.message, 'Invalid MFA Phone code entered')
  const ok = await supabase.auth.mfa.verify({ factorId: f.id, challengeId: ch.id, code: sms.token })
  assert.equal(ok.error, null)
  const c = claims(ok.data.access_token)
  assert.equal(c.aal, 'aal2')
  assert.deepEqual(
    c.amr.map((a) => a.method),
    ['mfa/phone', 'password'],
  )
  assert.equal(events.at(-1)[0], 'MFA_CHALLENGE_VERIFIED')
  const list = plain(await supabase.auth.mfa.listFactors())
  assert.deepEqual(
    list.data.phone.map((x) => [x.id, x.phone]),
    [[f.id, '8613912345678']],
  )
  const bad = await supabase.auth.mfa.enroll({ factorType: 'phone', phone: 'call me' })
  assert.equal(bad.error.code, 'validation_failed')
  assert.equal(bad.error.message, 'Invalid phone number format (E.164 required)')
})

test('unenroll: a verified factor needs aal2 (422 insufficient_aal); then { id }, listFactors empty, aal1 after a refresh', async () => {
  const { supabase } = await signedIn()
  const { data: f } = await supabase.auth.mfa.enroll({ factorType: 'totp' })
  midStep()
  await supabase.auth.mfa.challengeAndVerify({ factorId: f.id, code: code(f.totp.secret) })
  // An aal1 session of the same user (a new sign-in) may not remove it.
  const email = (await supabase.auth.getUser()).data.user.email
  await supabase.auth.signInWithPassword({ email, password: 'secret-123' })
  const refused = await supabase.auth.mfa.unenroll({ factorId: f.id })
  assert.equal(refused.data, null)
  assert.equal(refused.error.status, 422)
  assert.equal(refused.error.code, 'insufficient_aal')
  midStep()
  await supabase.auth.mfa.challengeAndVerify({ factorId: f.id, code: code(f.totp.secret, 1) })
  const r = await supabase.auth.mfa.unenroll({ factorId: f.id })
  assert.equal(r.error, null)
  assert.deepEqual(plain(r.data), { id: f.id })
  const list = plain(await supabase.auth.mfa.listFactors())
  assert.deepEqual(list.data.all, [])
  await supabase.auth.refreshSession()
  const aal = plain(await supabase.auth.mfa.getAuthenticatorAssuranceLevel())
  assert.deepEqual([aal.data.currentLevel, aal.data.nextLevel], ['aal1', 'aal1'], 'DowngradeSessionsToAAL1')
  assert.deepEqual(
    aal.data.currentAuthenticationMethods.map((m) => m.method),
    ['password'],
  )
})

test('signed out: every MFA call fails with AuthSessionMissingError and data null; the level is null', async () => {
  const { app } = await launchUser(be, project, 'o_mfa_out', sims)
  const { supabase } = app.require('lib/supabase')
  for (const [name, arg] of [
    ['enroll', { factorType: 'totp' }],
    ['challenge', { factorId: crypto.randomUUID() }],
    ['verify', { factorId: crypto.randomUUID(), challengeId: crypto.randomUUID(), code: '123456' }],
    ['unenroll', { factorId: crypto.randomUUID() }],
    ['listFactors', undefined],
  ]) {
    const r = await supabase.auth.mfa[name](arg)
    assert.equal(r.data, null, name)
    assert.equal(r.error.name, 'AuthSessionMissingError', name)
  }
  assert.deepEqual(plain(await supabase.auth.mfa.getAuthenticatorAssuranceLevel()), {
    data: { currentLevel: null, nextLevel: null, currentAuthenticationMethods: [] },
    error: null,
  })
  const noId = await supabase.auth.mfa.verify({ code: '123456' })
  assert.equal(noId.data, null)
  assert.match(noId.error.message, /factorId/)
})

test("GoTrue's factor rules: name conflict, a second factor needs aal2, a challenge expires after 300 s", async () => {
  const { supabase } = await signedIn()
  const { data: f } = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'one' })
  const twin = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'one' })
  assert.equal(twin.error.status, 422)
  assert.equal(twin.error.code, 'mfa_factor_name_conflict')
  midStep()
  await supabase.auth.mfa.challengeAndVerify({ factorId: f.id, code: code(f.totp.secret) })
  const email = (await supabase.auth.getUser()).data.user.email
  await supabase.auth.signInWithPassword({ email, password: 'secret-123' })
  const second = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'two' })
  assert.equal(second.error.status, 403)
  assert.equal(second.error.code, 'insufficient_aal')
  const { data: ch } = await supabase.auth.mfa.challenge({ factorId: f.id })
  be.advanceTime(301 * 1000) // MFA_CHALLENGE_EXPIRY_DURATION: 300 s
  midStep()
  const late = await supabase.auth.mfa.verify({ factorId: f.id, challengeId: ch.id, code: code(f.totp.secret) })
  assert.equal(late.error.status, 422)
  assert.equal(late.error.code, 'mfa_challenge_expired')
  const gone = await supabase.auth.mfa.verify({ factorId: f.id, challengeId: ch.id, code: code(f.totp.secret) })
  assert.equal(gone.error.code, 'mfa_factor_not_found', 'the expired challenge was deleted')
})
