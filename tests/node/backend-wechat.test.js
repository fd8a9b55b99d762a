'use strict'
// Tests for the fake WeChat platform (backend/wechat.js) and MemFire's wechat_mini endpoints
// (backend/memfire.js). Run: node --test tests/node/backend-wechat.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { PNG } = require('pngjs')
const jsQR = require('jsqr')

const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))
const testHttp = require('./lib/http')

let be

before(async () => {
  be = await startBackend({ port: 0 })
})

after(async () => {
  if (be) await be.stop()
})

// ---------- helpers ----------
// The reply's bytes as `buf` (QR code images).
async function request(method, urlPath, { headers = {}, body } = {}) {
  const r = await testHttp.request(be.url, method, urlPath, { headers, body })
  return { status: r.status, headers: r.headers, buf: r.raw, text: r.text, json: r.json }
}

const API = (extra = {}) => ({ apikey: be.anonKey, ...extra })
const bearer = (token) => API({ authorization: `Bearer ${token}` })
const V2024 = { 'x-supabase-api-version': '2024-01-01' }
const WEB = { appid: 'wx00000000000000w1', secret: 'web0123456789abcdef0123456789abcd' }

function decodeQr(buf) {
  const png = PNG.sync.read(buf)
  const qr = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)
  return { width: png.width, height: png.height, text: qr && qr.data }
}

function wxOk(r) {
  assert.equal(r.status, 200, r.text)
  assert.ok(!r.json.errcode, r.text)
  return r.json
}

function wxError(r, errcode) {
  assert.equal(r.status, 200, 'WeChat answers errors with HTTP 200')
  assert.match(String(r.headers['content-type']), /^application\/json/)
  assert.equal(r.json.errcode, errcode, r.text)
  assert.match(r.json.errmsg, /rid: /)
}

async function stableToken(extra = {}) {
  return request('POST', '/wechat/cgi-bin/stable_token', {
    body: { grant_type: 'client_credential', appid: be.wechat.appid, secret: be.wechat.secret, ...extra },
  })
}

async function token() {
  return wxOk(await stableToken()).access_token
}

async function mintPhone(phoneNumber, extra = {}) {
  const r = await request('POST', '/wechat/test/mint_phone_code', { body: { phoneNumber, ...extra } })
  assert.equal(r.status, 200, r.text)
  assert.match(r.json.code, /^[0-9a-f]{64}$/)
  return r.json.code
}

async function mint(openid, extra = {}) {
  const r = await request('POST', '/wechat/test/mint_code', { body: { appid: be.wechat.appid, openid, ...extra } })
  assert.equal(r.status, 200, r.text)
  return r.json.code
}

async function signIn(openid, extra) {
  const r = await request('GET', `/auth/v1/wechat_mini/login?code=${await mint(openid, extra)}`, { headers: API() })
  assert.equal(r.status, 200, r.text)
  return r.json
}

// A user registered some other way (phone + SMS): a row plus a session-less access token.
async function phoneUser(phone) {
  const id = (
    await be.db.query(
      `insert into auth.users (aud, role, phone, phone_confirmed_at, raw_app_meta_data)
     values ('authenticated', 'authenticated', $1, now(), '{"provider":"phone","providers":["phone"]}') returning id`,
      [phone],
    )
  ).rows[0].id
  await be.db.query(
    `insert into auth.identities (provider_id, user_id, identity_data, provider) values ($1::text, $1::uuid, $2, 'phone')`,
    [id, { sub: id, phone }],
  )
  const iat = Math.floor(be.now() / 1000)
  return { id, accessToken: be.signJwt({ sub: id, aud: 'authenticated', role: 'authenticated', iat, exp: iat + 3600 }) }
}

const getwxacode = (tok, body) => request('POST', `/wechat/wxa/getwxacodeunlimit?access_token=${tok}`, { body })
const phoneNumber = (tok, body) => request('POST', `/wechat/wxa/business/getuserphonenumber?access_token=${tok}`, { body })
const bindPhone = (accessToken, code, extra = {}) =>
  request('GET', `/auth/v1/wechat_mini/bind_phone?code=${code}`, { headers: { ...bearer(accessToken), ...extra } })
const bindAccount = (accessToken, code) =>
  request('GET', `/auth/v1/wechat_mini/bind_account?code=${code}`, { headers: bearer(accessToken) })
const qrcode = (body, headers = API()) => request('POST', '/auth/v1/wechat_mini/unlimited_qrcode', { headers, body })

// ---------- fake WeChat: access tokens ----------
test('stable_token: a token for 7200 s, reused in normal mode, replaced by force_refresh', async () => {
  const a = wxOk(await stableToken())
  assert.equal(a.expires_in, 7200)
  assert.ok(a.access_token.length >= 100)
  const again = wxOk(await stableToken())
  assert.equal(again.access_token, a.access_token, 'normal mode returns the current token')
  be.advanceTime(1000 * 1000)
  assert.equal(wxOk(await stableToken()).expires_in, 6200, 'expires_in counts down')

  const forced = wxOk(await stableToken({ force_refresh: true }))
  assert.notEqual(forced.access_token, a.access_token)
  assert.equal(forced.expires_in, 7200)
  wxError(await phoneNumber(a.access_token, { code: await mintPhone('13800000001') }), 40001)
  wxOk(await phoneNumber(forced.access_token, { code: await mintPhone('13800000001') }))

  // Within 5 minutes of expiry, normal mode hands out a new token; the old one lasts until it expires.
  be.advanceTime((7200 - 200) * 1000)
  const renewed = wxOk(await stableToken())
  assert.notEqual(renewed.access_token, forced.access_token)
  wxOk(await phoneNumber(forced.access_token, { code: await mintPhone('13800000001') }))
  be.advanceTime(201 * 1000)
  wxError(await phoneNumber(forced.access_token, { code: await mintPhone('13800000001') }), 42001)
  wxOk(await phoneNumber(renewed.access_token, { code: await mintPhone('13800000001') }))
})

test('stable_token and cgi-bin/token errors', async () => {
  wxError(await stableToken({ appid: 'wx_unknown' }), 40013)
  wxError(await stableToken({ secret: 'nope' }), 40125)
  wxError(await stableToken({ grant_type: 'password' }), 40002)
  wxError(await request('POST', '/wechat/cgi-bin/stable_token', { body: '{not json' }), 47001)
  wxError(await request('GET', '/wechat/cgi-bin/stable_token'), 43002)

  const q = (o) =>
    new URLSearchParams({ grant_type: 'client_credential', appid: be.wechat.appid, secret: be.wechat.secret, ...o })
  const c1 = wxOk(await request('GET', `/wechat/cgi-bin/token?${q()}`))
  assert.equal(c1.expires_in, 7200)
  const c2 = wxOk(await request('GET', `/wechat/cgi-bin/token?${q()}`))
  assert.notEqual(c2.access_token, c1.access_token, 'each call issues a new token')
  wxOk(await phoneNumber(c1.access_token, { code: await mintPhone('13800000002') }))
  wxError(await request('GET', `/wechat/cgi-bin/token?${q({ appid: 'wx_unknown' })}`), 40013)
  wxError(await request('GET', `/wechat/cgi-bin/token?${q({ secret: 'nope' })}`), 40125)
})

// ---------- fake WeChat: phone numbers ----------
test('getuserphonenumber: phone_info for a button code; 40029 / 40163 / 40001 / 41001 / 47001', async () => {
  const tok = await token()
  const code = await mintPhone('13912345678')
  const ok = wxOk(await phoneNumber(tok, { code }))
  assert.equal(ok.errcode, 0)
  assert.equal(ok.errmsg, 'ok')
  assert.deepEqual(ok.phone_info, {
    phoneNumber: '13912345678',
    purePhoneNumber: '13912345678',
    countryCode: '86',
    watermark: { timestamp: Math.floor(be.now() / 1000), appid: be.wechat.appid },
  })
  wxError(await phoneNumber(tok, { code }), 40163)
  wxError(await phoneNumber(tok, { code: 'f'.repeat(64) }), 40029)
  wxError(await phoneNumber('bogus', { code: await mintPhone('13912345678') }), 40001)
  wxError(await request('POST', '/wechat/wxa/business/getuserphonenumber', { body: { code: 'x' } }), 41001)
  wxError(await phoneNumber(tok, {}), 47001)
  wxError(await phoneNumber(tok, { code: await mintPhone('13912345678', { appid: 'wx_other_app' }) }), 40029)

  const foreign = wxOk(await phoneNumber(tok, { code: await mintPhone('2025550123', { countryCode: '1' }) }))
  assert.equal(foreign.phone_info.phoneNumber, '+12025550123')
  assert.equal(foreign.phone_info.purePhoneNumber, '2025550123')
  assert.equal(foreign.phone_info.countryCode, '1')

  const late = await mintPhone('13912345678')
  be.advanceTime(301 * 1000)
  wxError(await phoneNumber(await token(), { code: late }), 40029)

  const bad = await request('POST', '/wechat/test/mint_phone_code', { body: { phoneNumber: 'abc' } })
  assert.equal(bad.status, 400)
})

// ---------- fake WeChat: mini-program code ----------
test('getwxacodeunlimit: a PNG QR code of the scene, width clamped to 280..1280', async () => {
  const tok = await token()
  const r = await getwxacode(tok, { scene: 'id=42&from=share', page: 'pages/index/index' })
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'image/png')
  let qr = decodeQr(r.buf)
  assert.equal(qr.text, 'id=42&from=share')
  assert.equal(qr.width, 430, 'default width')

  qr = decodeQr((await getwxacode(tok, { scene: 'a', width: 100 })).buf)
  assert.deepEqual([qr.width, qr.text], [280, 'a'])
  qr = decodeQr((await getwxacode(tok, { scene: "!#$&'()*+,/:;=?@-._~Zz09", width: 5000 })).buf)
  assert.deepEqual([qr.width, qr.text], [1280, "!#$&'()*+,/:;=?@-._~Zz09"])
  qr = decodeQr(
    (await getwxacode(tok, { scene: 'x'.repeat(32), width: 300, line_color: { r: '7', g: 96, b: 60 }, is_hyaline: true })).buf,
  )
  assert.deepEqual([qr.width, qr.text], [300, 'x'.repeat(32)])
  qr = decodeQr(
    (
      await getwxacode(tok, {
        scene: 'dev',
        page: 'pages/not/published',
        check_path: false,
        env_version: 'develop',
        auto_color: true,
      })
    ).buf,
  )
  assert.equal(qr.text, 'dev')
})

test('getwxacodeunlimit errors are JSON {errcode, errmsg}', async () => {
  const tok = await token()
  wxError(await getwxacode(tok, { page: 'pages/index/index' }), 40169)
  wxError(await getwxacode(tok, { scene: '' }), 40169)
  wxError(await getwxacode(tok, { scene: 'x'.repeat(33) }), 40169)
  wxError(await getwxacode(tok, { scene: 'a%20b' }), 40129)
  wxError(await getwxacode(tok, { scene: '中文' }), 40129)
  wxError(await getwxacode(tok, { scene: 'a b' }), 40129)
  wxError(await getwxacode(tok, { scene: 'a', page: '/pages/index/index' }), 41030)
  wxError(await getwxacode(tok, { scene: 'a', page: 'pages/index/index?x=1', check_path: false }), 41030)
  wxError(await getwxacode(tok, { scene: 'a', page: 'pages/not/published' }), 41030)
  wxError(await getwxacode(tok, { scene: 'a', env_version: 'beta' }), 40097)
  wxError(await getwxacode(tok, { scene: 'a', width: 'wide' }), 47001)
  wxError(await getwxacode(tok, { scene: 'a', line_color: { r: 300, g: 0, b: 0 } }), 47001)
  wxError(await request('POST', `/wechat/wxa/getwxacodeunlimit?access_token=${tok}`, { body: 'scene=a' }), 47001)
  wxError(await getwxacode('bogus', { scene: 'a' }), 40001)
  wxError(await request('POST', '/wechat/wxa/getwxacodeunlimit', { body: { scene: 'a' } }), 41001)
})

// ---------- fake WeChat: website QR login ----------
test('qrconnect page -> simulated scan -> redirect with code -> sns/oauth2/access_token -> userinfo', async () => {
  const redirect = 'http://127.0.0.1:9/auth/v1/callback?x=1'
  const q = new URLSearchParams({
    appid: WEB.appid,
    redirect_uri: redirect,
    response_type: 'code',
    scope: 'snsapi_login',
    state: 'st-1',
  })
  const page = await request('GET', `/wechat/connect/qrconnect?${q}`)
  assert.equal(page.status, 200)
  assert.match(page.headers['content-type'], /^text\/html/)
  assert.match(page.text, /模拟扫码并确认 \/ simulate scan and confirm/)
  const href = /id="confirm" class="btn" href="([^"]+)"/.exec(page.text)[1].replace(/&amp;/g, '&')
  assert.match(href, /^\/wechat\/connect\/confirm\?ticket=[A-Za-z0-9]+$/)
  const dataUrl = /id="qrcode" src="data:image\/png;base64,([^"]+)"/.exec(page.text)[1]
  assert.equal(decodeQr(Buffer.from(dataUrl, 'base64')).text, be.url + href, 'the QR code is the confirm link')

  const confirmed = await request('GET', href)
  assert.equal(confirmed.status, 302)
  const loc = new URL(confirmed.headers.location)
  assert.equal(loc.origin + loc.pathname, 'http://127.0.0.1:9/auth/v1/callback')
  assert.equal(loc.searchParams.get('x'), '1')
  assert.equal(loc.searchParams.get('state'), 'st-1')
  const code = loc.searchParams.get('code')
  assert.ok(code)
  assert.equal((await request('GET', href)).status, 400, 'a ticket is used once')

  const ex = (o) =>
    request(
      'GET',
      `/wechat/sns/oauth2/access_token?${new URLSearchParams({ appid: WEB.appid, secret: WEB.secret, code, grant_type: 'authorization_code', ...o })}`,
    )
  wxError(await ex({ appid: 'wx_unknown' }), 40013)
  wxError(await ex({ secret: 'nope' }), 40125)
  wxError(await ex({ code: 'unknown' }), 40029)
  const tok = wxOk(await ex())
  assert.deepEqual(Object.keys(tok).sort(), ['access_token', 'expires_in', 'openid', 'refresh_token', 'scope'])
  assert.equal(tok.openid, 'o_web_user')
  assert.equal(tok.scope, 'snsapi_login')
  assert.equal(tok.expires_in, 7200)
  wxError(await ex(), 40163)

  const info = wxOk(await request('GET', `/wechat/sns/userinfo?access_token=${tok.access_token}&openid=o_web_user`))
  assert.equal(info.openid, 'o_web_user')
  assert.equal(typeof info.nickname, 'string')
  assert.match(info.headimgurl, /^http:\/\/127\.0\.0\.1:\d+\/wechat\/test\/avatar\//)
  assert.equal((await request('GET', new URL(info.headimgurl).pathname)).headers['content-type'], 'image/png')
  wxError(await request('GET', `/wechat/sns/userinfo?access_token=${tok.access_token}&openid=o_other`), 40003)
  wxError(await request('GET', '/wechat/sns/userinfo?access_token=bogus&openid=o_web_user'), 40001)
})

test('qrconnect: chosen openid/unionid, denial, bad parameters', async () => {
  const open = async (o = {}) => {
    const q = new URLSearchParams({
      appid: WEB.appid,
      redirect_uri: 'http://app.test/cb',
      response_type: 'code',
      scope: 'snsapi_login',
      state: 's',
      ...o,
    })
    return request('GET', `/wechat/connect/qrconnect?${q}`)
  }
  const ticketOf = (p) => /name="ticket" value="([^"]+)"/.exec(p.text)[1]

  const r = await request('GET', `/wechat/connect/confirm?ticket=${ticketOf(await open())}&openid=o_web_2&unionid=u_2`)
  const code = new URL(r.headers.location).searchParams.get('code')
  const tok = wxOk(
    await request(
      'GET',
      `/wechat/sns/oauth2/access_token?appid=${WEB.appid}&secret=${WEB.secret}&code=${code}&grant_type=authorization_code`,
    ),
  )
  assert.equal(tok.openid, 'o_web_2')
  assert.equal(tok.unionid, 'u_2')

  const denied = await request('GET', `/wechat/connect/confirm?ticket=${ticketOf(await open())}&deny=1`)
  assert.equal(denied.status, 302)
  assert.equal(denied.headers.location, 'http://app.test/cb?state=s')

  for (const bad of [
    { appid: 'wx_unknown' },
    { redirect_uri: 'not a url' },
    { scope: 'snsapi_base' },
    { response_type: 'token' },
  ]) {
    const p = await open(bad)
    assert.equal(p.status, 400, JSON.stringify(bad))
    assert.match(p.headers['content-type'], /^text\/html/)
  }
  assert.equal((await request('GET', '/wechat/connect/confirm?ticket=nope')).status, 400)
})

// ---------- MemFire: bind_phone ----------
test('bind_phone sets the phone from a button code and returns the user', async () => {
  const s = await signIn('o_phone_1')
  be.clearRequests()
  const r = await bindPhone(s.access_token, await mintPhone('13700000001'))
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.id, s.user.id)
  // stored in the one canonical form (GoTrue's: country code + number, no '+')
  assert.equal(r.json.phone, '8613700000001')
  assert.equal(r.json.wechat_id, 'o_phone_1')
  const row = (await be.db.query('select phone, phone_confirmed_at from auth.users where id = $1', [s.user.id])).rows[0]
  assert.equal(row.phone, '8613700000001')
  assert.ok(row.phone_confirmed_at)
  const me = await request('GET', '/auth/v1/user', { headers: bearer(s.access_token) })
  assert.equal(me.json.phone, '8613700000001')

  // The WeChat access token is cached between calls.
  const r2 = await bindPhone(s.access_token, await mintPhone('13700000001'))
  assert.equal(r2.status, 200, 'binding the same number again is fine')
  const tokenCalls = be.requests.filter((q) => q.path === '/wechat/cgi-bin/stable_token').length
  assert.ok(tokenCalls <= 1, `stable_token called ${tokenCalls} times`)
  assert.equal(be.requests.filter((q) => q.path === '/wechat/wxa/business/getuserphonenumber').length, 2)

  // Someone else force-refreshes the token: MemFire gets 40001 once, takes a new token and retries.
  wxOk(await stableToken({ force_refresh: true }))
  const r3 = await bindPhone(s.access_token, await mintPhone('13700000009'))
  assert.equal(r3.status, 200, r3.text)
  assert.equal(r3.json.phone, '8613700000009')
})

test('bind_phone errors: reused / invalid code, phone of another user, no token', async () => {
  const a = await signIn('o_phone_a')
  const b = await signIn('o_phone_b')
  const code = await mintPhone('13700000002')
  assert.equal((await bindPhone(a.access_token, code)).status, 200)

  let r = await bindPhone(a.access_token, code)
  assert.equal(r.status, 400)
  assert.equal(r.json.error_code, 'code_used')
  assert.equal(r.json.code, 400)
  assert.match(r.json.msg, /40163/)
  assert.equal(r.headers['x-sb-error-code'], 'code_used')

  r = await bindPhone(a.access_token, 'f'.repeat(64), V2024)
  assert.equal(r.status, 400)
  assert.deepEqual(Object.keys(r.json).sort(), ['code', 'message'])
  assert.equal(r.json.code, 'invalid_code')

  r = await bindPhone(b.access_token, await mintPhone('13700000002'))
  assert.equal(r.status, 422)
  assert.equal(r.json.error_code, 'phone_exists')
  assert.equal(r.json.msg, 'phone number already registered by another user')
  // A phone user (stored with the country code) holds the number too.
  await phoneUser('8613700000003')
  r = await bindPhone(b.access_token, await mintPhone('13700000003'))
  assert.equal(r.json.error_code, 'phone_exists')

  r = await request('GET', `/auth/v1/wechat_mini/bind_phone?code=${await mintPhone('13700000004')}`, { headers: API() })
  assert.equal(r.status, 401)
  assert.equal(r.json.error_code, 'no_authorization')
  r = await bindPhone(be.anonKey, await mintPhone('13700000004'))
  assert.equal(r.status, 403)
  assert.equal(r.json.error_code, 'bad_jwt')
  r = await request('GET', `/auth/v1/wechat_mini/bind_phone?code=x`, { headers: { authorization: `Bearer ${a.access_token}` } })
  assert.equal(r.status, 401)
  assert.equal(r.json.message, 'No API key found in request')
  r = await request('GET', '/auth/v1/wechat_mini/bind_phone', { headers: bearer(a.access_token) })
  assert.equal(r.status, 400)
  assert.equal(r.json.error_code, 'validation_failed')
})

test('one phone form: phone sign-up, bind_phone of the same number, password login and OTP are one user', async () => {
  // signs up with the bare mainland number: stored as 86 + number
  const su = await request('POST', '/auth/v1/signup', { headers: API(), body: { phone: '13500000001', password: 'secret123' } })
  assert.equal(su.status, 200, su.text)
  assert.equal(su.json.user.phone, '8613500000001')
  const id = su.json.user.id
  // the same person binds the same number from WeChat's getPhoneNumber button: nothing changes form
  let r = await bindPhone(su.json.access_token, await mintPhone('13500000001'))
  assert.equal(r.status, 200, r.text)
  assert.deepEqual([r.json.id, r.json.phone], [id, '8613500000001'])
  assert.deepEqual(
    (await be.db.query("select id from auth.users where phone like '%13500000001'")).rows.map((x) => x.id),
    [id],
  )
  // password login in every accepted form finds that user
  for (const phone of ['13500000001', '+8613500000001', '8613500000001', '+86 135 0000 0001']) {
    r = await request('POST', '/auth/v1/token?grant_type=password', { headers: API(), body: { phone, password: 'secret123' } })
    assert.equal(r.status, 200, `${phone}: ${r.text}`)
    assert.equal(r.json.user.id, id)
  }
  // a repeated sign-up in another form is the same account
  r = await request('POST', '/auth/v1/signup', { headers: API(), body: { phone: '+8613500000001', password: 'secret123' } })
  assert.deepEqual([r.status, r.json.error_code], [422, 'user_already_exists'])
  // OTP: no new user (create_user false works), the code verifies into the same user
  r = await request('POST', '/auth/v1/otp', { headers: API(), body: { phone: '13500000001', create_user: false } })
  assert.equal(r.status, 200, r.text)
  const sms = (await request('GET', '/_control/messages?to=13500000001')).json[0]
  assert.equal(sms.to, '8613500000001')
  r = await request('POST', '/auth/v1/verify', {
    headers: API(),
    body: { type: 'sms', phone: '+8613500000001', token: sms.token },
  })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.user.id, id)

  // a second user binding that number -> 422 phone_exists; PUT /user to it too
  const other = await signIn('o_phone_second')
  r = await bindPhone(other.access_token, await mintPhone('13500000001'))
  assert.equal(r.status, 422, r.text)
  assert.equal(r.json.error_code, 'phone_exists')
  r = await request('PUT', '/auth/v1/user', { headers: bearer(other.access_token), body: { phone: '13500000001' } })
  assert.deepEqual([r.status, r.json.error_code], [422, 'phone_exists'])
  // a WeChat user who bound a number first: a later phone sign-up of it (any form) is that account
  const w = await signIn('o_phone_first')
  assert.equal((await bindPhone(w.access_token, await mintPhone('13500000002'))).json.phone, '8613500000002')
  r = await request('POST', '/auth/v1/signup', { headers: API(), body: { phone: '13500000002', password: 'secret123' } })
  assert.deepEqual([r.status, r.json.error_code], [422, 'user_already_exists'])
})

// ---------- MemFire: bind_account ----------
test('bind_account attaches the WeChat openid to a phone-registered account', async () => {
  const u = await phoneUser('8613600000001')
  const r = await bindAccount(u.accessToken, await mint('o_bind_1', { unionid: 'u_bind_1' }))
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.id, u.id)
  assert.equal(r.json.wechat_id, 'o_bind_1')
  assert.equal(r.json.wechat_unionid, 'u_bind_1')
  assert.equal(r.json.phone, '8613600000001')
  assert.deepEqual(r.json.app_metadata.providers, ['phone', 'wechat_mini'])
  assert.equal(r.json.app_metadata.provider, 'phone')
  const wx = r.json.identities.find((i) => i.provider === 'wechat_mini')
  assert.equal(wx.id, 'o_bind_1')
  assert.equal(wx.identity_data.unionid, 'u_bind_1')

  // That WeChat user now signs in to the same account.
  const s = await signIn('o_bind_1')
  assert.equal(s.user.id, u.id)
  // Binding the account's own openid again is a no-op.
  const again = await bindAccount(s.access_token, await mint('o_bind_1'))
  assert.equal(again.status, 200, again.text)
  assert.equal(again.json.identities.filter((i) => i.provider === 'wechat_mini').length, 1)
})

test('bind_account errors: WeChat user exists, account already bound, bad code, no token', async () => {
  await signIn('o_bind_taken')
  const u = await phoneUser('8613600000002')
  let r = await bindAccount(u.accessToken, await mint('o_bind_taken'))
  assert.equal(r.status, 422)
  assert.equal(r.json.error_code, 'user_already_exists')
  assert.equal(r.json.msg, 'wechat user already exists')
  assert.equal((await be.db.query('select wechat_openid from auth.users where id = $1', [u.id])).rows[0].wechat_openid, null)

  const w = await signIn('o_bind_mine')
  r = await bindAccount(w.access_token, await mint('o_bind_new'))
  assert.equal(r.status, 422)
  assert.equal(r.json.error_code, 'identity_already_exists')

  const code = await mint('o_bind_2')
  assert.equal((await bindAccount(u.accessToken, code)).status, 200)
  r = await bindAccount(u.accessToken, code)
  assert.equal(r.status, 400)
  assert.equal(r.json.error_code, 'code_used')
  r = await bindAccount(u.accessToken, 'nope')
  assert.equal(r.status, 400)
  assert.equal(r.json.error_code, 'invalid_code')

  r = await request('GET', `/auth/v1/wechat_mini/bind_account?code=${await mint('o_bind_3')}`, { headers: API() })
  assert.equal(r.status, 401)
  assert.equal(r.json.error_code, 'no_authorization')
})

// ---------- MemFire: unlimited_qrcode ----------
test('unlimited_qrcode (anon key) answers the base64 PNG of a QR code of the scene', async () => {
  const r = await qrcode({
    scene: 'id=42',
    page: 'pages/index/index',
    check_path: true,
    env_version: 'release',
    width: 430,
    auto_color: false,
    line_color: { r: 0, g: 0, b: 0 },
    is_hyaline: false,
  })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(Object.keys(r.json).sort(), ['data', 'imgBase64'])
  assert.equal(r.json.data.imgBase64, r.json.imgBase64)
  assert.doesNotMatch(r.json.imgBase64, /^data:/, 'plain base64, no data: prefix')
  let qr = decodeQr(Buffer.from(r.json.data.imgBase64, 'base64'))
  assert.deepEqual([qr.width, qr.text], [430, 'id=42'])

  qr = decodeQr(Buffer.from((await qrcode({ scene: 'min', width: 10 })).json.imgBase64, 'base64'))
  assert.deepEqual([qr.width, qr.text], [280, 'min'])
  qr = decodeQr(Buffer.from((await qrcode({ scene: 'max', width: 4096 })).json.imgBase64, 'base64'))
  assert.deepEqual([qr.width, qr.text], [1280, 'max'])
  // check_path: false accepts an unpublished page.
  assert.equal((await qrcode({ scene: 'a', page: 'pages/draft/index', check_path: false })).status, 200)
})

test('unlimited_qrcode errors: bad scene, page, env_version, no API key', async () => {
  const expect400 = async (body, errcode) => {
    const r = await qrcode(body)
    assert.equal(r.status, 400, r.text)
    assert.equal(r.json.error_code, 'validation_failed')
    assert.match(r.json.msg, new RegExp(`\\b${errcode}\\b`))
  }
  await expect400({ scene: 'a%b' }, 40129)
  await expect400({ scene: '场景' }, 40129)
  await expect400({ scene: 'x'.repeat(33) }, 40169)
  await expect400({ page: 'pages/index/index' }, 40169)
  await expect400({ scene: 'a', page: '/pages/index/index' }, 41030)
  await expect400({ scene: 'a', page: 'pages/unknown/index' }, 41030) // refused by WeChat (check_path)
  await expect400({ scene: 'a', env_version: 'prod' }, 40097)
  await expect400({ scene: 'a', width: '430' }, 47001)

  let r = await qrcode('{oops')
  assert.equal(r.status, 400)
  assert.equal(r.json.error_code, 'bad_json')
  r = await qrcode({ scene: 'a' }, {})
  assert.equal(r.status, 401)
  assert.equal(r.json.message, 'No API key found in request')
})
