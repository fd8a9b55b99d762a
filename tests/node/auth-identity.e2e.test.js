'use strict'
// Issue 14, identities and the other ways in, through the built package in the strict simulator against the
// local backend (backend/auth-identity.js, answering as supabase/auth does: internal/api/anonymous.go,
// identity.go, token_oidc.go, sso.go): signInAnonymously, signInWithIdToken (a fake OIDC provider whose RS256
// id_token the backend verifies), linkIdentity (OAuth: the URL to open; id_token: linked at once), the fake
// WeChat linked as a second identity and unlinked, unlinkIdentity of the last identity refused, signInWithSSO,
// getUserIdentities and getClaims.
// Run: bash scripts/build.sh && node --test tests/node/auth-identity.e2e.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { send } = require('./lib/http')
const { launchUser, wxLoginCode: wxCode, waitFor, closeAll } = require('./lib/e2e')

// Values from the simulator's realm, compared by their JSON.
const same = (actual, expected, msg) => assert.deepEqual(JSON.parse(JSON.stringify(actual)), expected, msg)

const STORAGE_KEY = 'sb-127-auth-token'
const SSO_ID = '11111111-2222-4333-8444-555555555555'
let be
let project
const sims = []

before(async () => {
  be = await startBackend({
    port: 0,
    smsCooldown: 0,
    anonymousUsers: true,
    manualLinking: true,
    ssoProviders: [{ id: SSO_ID, domains: ['corp.example.com'], idp: 'https://idp.corp.example.com/saml/sso' }],
    redirectAllowList: ['https://app.example.com/**'],
  })
  project = await clientProject({ url: be.url, key: be.anonKey, as: 'supabase', clients: { supabase: { options: {} } } })
})

after(() => closeAll({ sims, project, be }))

const launch = (openid) => launchUser(be, project, openid, sims)

async function call(method, path, body) {
  const r = await send(be.url + path, {
    method,
    agent: http.globalAgent,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: r.status, headers: r.headers, body: r.text }
}

// An id_token of the fake OIDC provider (`keycloak`, backend/auth-identity.js).
async function idToken(claims) {
  return JSON.parse((await call('POST', '/_control/oidc/id_token', claims)).body).id_token
}

test('signInAnonymously: an is_anonymous user with a session, SIGNED_IN, data and captcha sent as auth-js', async () => {
  const { sim, app } = await launch('o_anon')
  const { supabase } = app.require('lib/supabase')
  const events = []
  supabase.auth.onAuthStateChange((e) => events.push(e))
  const { data, error } = await supabase.auth.signInAnonymously({ options: { data: { nickname: '游客' } } })
  assert.equal(error, null, error && error.message)
  assert.equal(data.user.is_anonymous, true)
  assert.equal(data.user.user_metadata.nickname, '游客')
  same(data.user.identities, [], 'anonymous users have no identity (anonymous.go)')
  assert.equal(JSON.parse(sim.storage.get(STORAGE_KEY)).access_token, data.session.access_token)
  await waitFor(() => events.includes('SIGNED_IN'))
  const claims = await supabase.auth.getClaims()
  assert.equal(claims.error, null)
  assert.equal(claims.data.claims.is_anonymous, true)
  // With no argument at all, as `supabase.auth.signInAnonymously()`.
  const bare = await supabase.auth.signInAnonymously()
  assert.equal(bare.error, null)
  assert.notEqual(bare.data.user.id, data.user.id)
})

test('signInAnonymously when the project disables it: GoTrue 422 anonymous_provider_disabled, session kept', async () => {
  const off = await startBackend({ port: 0 })
  try {
    const p = await clientProject({ url: off.url, key: off.anonKey, as: 'supabase', clients: { supabase: { options: {} } } })
    const { app } = await launchUser(off, p, 'o_anon_off', sims)
    const { data, error } = await app.require('lib/supabase').supabase.auth.signInAnonymously()
    same(data, { user: null, session: null })
    assert.equal(error.name, 'AuthApiError')
    assert.equal(error.status, 422)
    assert.equal(error.code, 'anonymous_provider_disabled')
    p.cleanup()
  } finally {
    await off.stop()
  }
})

test('signInWithIdToken: the fake OIDC provider id_token, nonce checked as token_oidc.go; refusals', async () => {
  const { app } = await launch('o_oidc')
  const { supabase } = app.require('lib/supabase')
  const token = await idToken({ sub: 'oidc-1', email: 'oidc1@example.com', nonce: 'n-123' })
  const ok = await supabase.auth.signInWithIdToken({ provider: 'keycloak', token, nonce: 'n-123' })
  assert.equal(ok.error, null, ok.error && ok.error.message)
  assert.equal(ok.data.user.email, 'oidc1@example.com')
  assert.equal(ok.data.user.identities[0].provider, 'keycloak')
  assert.ok(ok.data.session.access_token)
  // The same identity signs in as the same user.
  const again = await supabase.auth.signInWithIdToken({
    provider: 'keycloak',
    token: await idToken({ sub: 'oidc-1', email: 'oidc1@example.com' }),
  })
  assert.equal(again.data.user.id, ok.data.user.id)
  // Nonce missing on one side: GoTrue's OAuth error body { error, error_description }, status 400.
  const noNonce = await supabase.auth.signInWithIdToken({ provider: 'keycloak', token })
  same(noNonce.data, { user: null, session: null })
  assert.equal(noNonce.error.status, 400)
  assert.match(noNonce.error.message, /nonce/)
  const wrong = await supabase.auth.signInWithIdToken({ provider: 'keycloak', token, nonce: 'other' })
  assert.equal(wrong.error.message, 'Nonces mismatch')
  const forged = token.slice(0, token.lastIndexOf('.') + 1) + 'AAAA'
  assert.equal(
    (await supabase.auth.signInWithIdToken({ provider: 'keycloak', token: forged, nonce: 'n-123' })).error.message,
    'Bad ID token',
  )
  const google = await supabase.auth.signInWithIdToken({ provider: 'google', token })
  assert.equal(google.error.code, 'provider_disabled')
  // The session of the last good sign-in is kept through the failures.
  assert.equal((await supabase.auth.getSession()).data.session.user.id, ok.data.user.id)
  // Bad input: nothing sent.
  const missing = await supabase.auth.signInWithIdToken({ provider: 'keycloak' })
  assert.equal(missing.error.code, 'validation_failed')
})

test('identities: link the fake WeChat as a second identity, list, unlink; the last one is refused', async () => {
  const { app } = await launch('o_link_wechat')
  const { supabase } = app.require('lib/supabase')
  const up = await supabase.auth.signUp({ email: 'link@example.com', password: 'secret-123' })
  assert.equal(up.error, null, up.error && up.error.message)
  let ids = await supabase.auth.getUserIdentities()
  assert.equal(ids.error, null)
  same(
    ids.data.identities.map((i) => i.provider),
    ['email'],
  )
  // MemFire's way of linking WeChat: wechatBindAccount with a wx.login code.
  const bound = await supabase.auth.wechatBindAccount({ code: await wxCode(app) })
  assert.equal(bound.error, null, bound.error && bound.error.message)
  ids = await supabase.auth.getUserIdentities()
  same(ids.data.identities.map((i) => i.provider).sort(), ['email', 'wechat_mini'])
  const wechat = ids.data.identities.find((i) => i.provider === 'wechat_mini')
  assert.equal(wechat.id, 'o_link_wechat')
  const un = await supabase.auth.unlinkIdentity(wechat)
  assert.equal(un.error, null, un.error && un.error.message)
  same(un.data, {})
  ids = await supabase.auth.getUserIdentities()
  same(
    ids.data.identities.map((i) => i.provider),
    ['email'],
  )
  // identity.go DeleteIdentity: "User must have at least 1 identity after unlinking".
  const last = await supabase.auth.unlinkIdentity(ids.data.identities[0])
  assert.equal(last.data, null)
  assert.equal(last.error.name, 'AuthApiError')
  assert.equal(last.error.status, 422)
  assert.equal(last.error.code, 'single_identity_not_deletable')
  // The unlinked WeChat account is free again: it signs in as a user of its own.
  const other = await launch('o_link_wechat')
  const own = await other.app.require('lib/supabase').supabase.auth.signInWithWechat({ code: await wxCode(other.app) })
  assert.equal(own.error, null)
  assert.notEqual(own.data.user.id, up.data.user.id)
  // Signed out: no session to ask with.
  await supabase.auth.signOut()
  const none = await supabase.auth.getUserIdentities()
  assert.equal(none.data, null)
  assert.equal(none.error.name, 'AuthSessionMissingError')
})

test('linkIdentity: OAuth returns the URL to open (PKCE), which links wechat_qr; the id_token form links at once', async () => {
  const { sim, app } = await launch('o_link_oauth')
  const { supabase } = app.require('lib/supabase')
  const events = []
  supabase.auth.onAuthStateChange((e) => events.push(e))
  const anon = await supabase.auth.signInAnonymously()
  assert.equal(anon.error, null)
  const { data, error } = await supabase.auth.linkIdentity({
    provider: 'wechat_qr',
    options: { redirectTo: 'https://app.example.com/linked' },
  })
  assert.equal(error, null, error && error.message)
  assert.equal(data.provider, 'wechat_qr')
  assert.match(data.url, /\/wechat\/connect\/qrconnect\?appid=/)
  assert.ok(sim.storage.get(STORAGE_KEY + '-code-verifier'), 'the PKCE verifier is stored')
  // The user opens it (a web-view): QR page → confirm → callback → the app's redirect with ?code=.
  let url = data.url
  for (let hops = 0; hops < 6 && !url.startsWith('https://app.example.com'); hops++) {
    if (url.includes('/wechat/connect/qrconnect')) {
      const page = await call('GET', url.slice(be.url.length))
      const confirm = page.body.match(/href="([^"]*\/wechat\/connect\/confirm[^"]*)"/)[1].replace(/&amp;/g, '&')
      url = be.url + confirm.replace(be.url, '') + '&openid=o_web_linked'
      continue
    }
    const r = await call('GET', url.slice(be.url.length))
    assert.equal(r.status, 302, url + ' ' + r.body)
    url = r.headers.location.startsWith('http') ? r.headers.location : be.url + r.headers.location
  }
  const ex = await supabase.auth.exchangeCodeForSession(new URL(url).searchParams.get('code'))
  assert.equal(ex.error, null, ex.error && ex.error.message)
  assert.equal(ex.data.user.id, anon.data.user.id, 'linked to the signed-in user, not a new one')
  assert.equal(ex.data.user.is_anonymous, false, 'linking made the anonymous user permanent')
  same(
    ex.data.user.identities.map((i) => i.provider),
    ['wechat_qr'],
  )
  // The id_token form: POST /token?grant_type=id_token with link_identity, the new session saved, USER_UPDATED.
  const linked = await supabase.auth.linkIdentity({ provider: 'keycloak', token: await idToken({ sub: 'oidc-link' }) })
  assert.equal(linked.error, null, linked.error && linked.error.message)
  assert.equal(linked.data.user.id, anon.data.user.id)
  same(linked.data.user.identities.map((i) => i.provider).sort(), ['keycloak', 'wechat_qr'])
  assert.equal(JSON.parse(sim.storage.get(STORAGE_KEY)).access_token, linked.data.session.access_token)
  await waitFor(() => events.includes('USER_UPDATED'))
  // Linked already: identity.go linkIdentityToUser's 422.
  const twice = await supabase.auth.linkIdentity({ provider: 'keycloak', token: await idToken({ sub: 'oidc-link' }) })
  same(twice.data, { user: null, session: null })
  assert.equal(twice.error.code, 'identity_already_exists')
  const unknown = await supabase.auth.linkIdentity({ provider: 'github' })
  same(unknown.data, { provider: null, url: null })
  assert.equal(unknown.error.code, 'validation_failed')
})

test('manual linking disabled (GoTrue default): linkIdentity and unlinkIdentity answer 404 manual_linking_disabled', async () => {
  const off = await startBackend({ port: 0 })
  try {
    const p = await clientProject({ url: off.url, key: off.anonKey, as: 'supabase', clients: { supabase: { options: {} } } })
    const { app } = await launchUser(off, p, 'o_link_off', sims)
    const { supabase } = app.require('lib/supabase')
    assert.equal((await supabase.auth.signInWithWechat({ code: await wxCode(app) })).error, null)
    const link = await supabase.auth.linkIdentity({ provider: 'wechat_qr' })
    assert.equal(link.error.status, 404)
    assert.equal(link.error.code, 'manual_linking_disabled')
    const ids = (await supabase.auth.getUserIdentities()).data.identities
    const un = await supabase.auth.unlinkIdentity(ids[0])
    assert.equal(un.error.code, 'manual_linking_disabled')
    p.cleanup()
  } finally {
    await off.stop()
  }
})

test('signInWithSSO: { url } of the identity provider by domain or providerId (sso.go), not found, bad input', async () => {
  const { sim, app } = await launch('o_sso')
  const { supabase } = app.require('lib/supabase')
  const byDomain = await supabase.auth.signInWithSSO({
    domain: 'corp.example.com',
    options: { redirectTo: 'https://app.example.com/sso' },
  })
  assert.equal(byDomain.error, null, byDomain.error && byDomain.error.message)
  assert.match(byDomain.data.url, /^https:\/\/idp\.corp\.example\.com\/saml\/sso\?SAMLRequest=.+&RelayState=[0-9a-f-]{36}$/)
  assert.ok(sim.storage.get(STORAGE_KEY + '-code-verifier'), 'PKCE: the verifier is stored')
  const byId = await supabase.auth.signInWithSSO({ providerId: SSO_ID })
  assert.equal(byId.error, null)
  const none = await supabase.auth.signInWithSSO({ domain: 'nowhere.example.com' })
  assert.equal(none.data, null)
  assert.equal(none.error.status, 404)
  assert.equal(none.error.code, 'sso_provider_not_found')
  const bad = await supabase.auth.signInWithSSO({})
  assert.equal(bad.error.code, 'validation_failed')
})

test('getClaims: decoded, checked by the server (GET /user, no WebCrypto); expired, garbage, signed out', async () => {
  const { app } = await launch('o_claims')
  const { supabase } = app.require('lib/supabase')
  const none = await supabase.auth.getClaims()
  same(none, { data: null, error: null }, 'signed out: { data: null, error: null } as auth-js')
  const { data } = await supabase.auth.signInWithWechat({ code: await wxCode(app) })
  const c = await supabase.auth.getClaims()
  assert.equal(c.error, null, c.error && c.error.message)
  assert.equal(c.data.claims.sub, data.user.id)
  assert.equal(c.data.claims.role, 'authenticated')
  same(c.data.header, { alg: 'HS256', typ: 'JWT' })
  assert.equal(Object.prototype.toString.call(c.data.signature), '[object Uint8Array]')
  assert.equal(c.data.signature.length, 32, 'HMAC-SHA256')
  // An explicit token: the same; a forged one is refused by the server.
  const token = data.session.access_token
  assert.equal((await supabase.auth.getClaims(token)).data.claims.sub, data.user.id)
  const forged = token.slice(0, token.lastIndexOf('.') + 1) + 'x'.repeat(43)
  const f = await supabase.auth.getClaims(forged)
  assert.equal(f.data, null)
  assert.equal(f.error.status, 403)
  const garbage = await supabase.auth.getClaims('not.a-jwt')
  assert.equal(garbage.error.name, 'AuthInvalidJwtError')
  assert.equal(garbage.error.message, 'Invalid JWT structure')
  // Expired (exp in the past): refused before any request, unless allowExpired.
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const old = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'x', exp: 1000 })}.c2ln`
  const exp = await supabase.auth.getClaims(old)
  assert.equal(exp.error.name, 'AuthInvalidJwtError')
  assert.equal(exp.error.message, 'JWT has expired')
  const allowed = await supabase.auth.getClaims(old, { allowExpired: true })
  assert.notEqual(allowed.error.name, 'AuthInvalidJwtError', 'allowExpired: on to the server, which refuses it')
  // The JWKS endpoint GoTrue serves (HS256 projects have no public keys).
  same(JSON.parse((await call('GET', `/auth/v1/.well-known/jwks.json?apikey=${be.anonKey}`)).body), { keys: [] })
})
