'use strict'
// Every auth method of the SDK we replace, through the built package in the strict simulator,
// against the local backend; plus the storage options and the 2.1.x-era page code of seed 002.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { send } = require('./lib/http')
const { launchUser, wxLoginCode: wxCode, waitFor, closeAll } = require('./lib/e2e')

const STORAGE_KEY = 'sb-127-auth-token'
let be
let project
const sims = []

// The profile page of seed 002 as the docs show it (only `import` written as `require`); the
// avatar upload (storage) is not exercised here.
const ME_PAGE = `
const { supabase } = require('../../lib/supabase')
Page({
  data: { avatarUrl: null, nikeName: null, phone: null },
  async onLoad(){
   const { data: { user } } = await supabase.auth.getUser()
    if(user){
      if(user.data.phone){
        this.setData({phone:user.data.phone})
      }
      if(user.data.user_metadata){
        this.setData({avatarUrl:user.data.user_metadata.arvatar,nikeName:user.data.user_metadata.nickname && user.data.user_metadata.nickname.value})
      }
    }
    this.setData({ loaded: true })
  },
  async submit() {
    if (!this.data.nikeName || !this.data.avatarUrl) {
      wx.showToast({ title: '请输入完整个人资料', icon: "none", duration: 2000 })
      return;
    }
    const { data, error } = await supabase.auth.updateUser({ "data": { "nickname": this.data.nikeName, "arvatar": this.data.avatarUrl } })
    if (error) {
      wx.showToast({ title: error?.error || error?.msg, icon: "none", duration: 2000 })
    } else if (data) {
      wx.showToast({ title: "修改成功！", icon: "none", duration: 2000 })
    }
  },
  async getPhoneNumber(e) {
    const { data: { user }, error } = await supabase.auth.wechatBindPhone({ code: e.detail.code })
    if (error) {
      wx.showToast({ title: JSON.stringify(error) || error?.msg, icon: "none", duration: 2000 })
    } else if (user) {
      this.setData({ phone: user.data.phone })
    }
  },
})
`

before(async () => {
  be = await startBackend({ port: 0, smsCooldown: 0, redirectAllowList: ['https://app.example.com/**'] })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    as: 'supabase',
    clients: {
      supabase: { options: {} },
      encrypted: { options: { auth: { encryptStorage: true } } },
      memory: { options: { auth: { persistSession: false } } },
      'async-storage': {
        setup: `const items = {}
const later = (v) => new Promise((r) => setTimeout(() => r(v), 5))
const storage = { items, getItem: (k) => later(items[k] === undefined ? null : items[k]), setItem: (k, v) => later((items[k] = v, undefined)), removeItem: (k) => later((delete items[k], undefined)) }`,
        options: '{ auth: { storage } }',
        exports: ['storage'],
      },
    },
    files: { 'pages/me/index.js': ME_PAGE },
  })
})

after(() => closeAll({ sims, project, be }))

const launch = (openid) => launchUser(be, project, openid, sims)

async function lastMessage(to) {
  const r = await get(`/_control/messages?to=${encodeURIComponent(to)}`)
  return JSON.parse(r.body)[0]
}

// A plain GET (Node's global agent); the reply text as `body`.
async function get(path) {
  const r = await send(be.url + path, { agent: http.globalAgent })
  return { status: r.status, headers: r.headers, body: r.text }
}

test('seed 002 profile page runs unmodified: user.data.phone, updateUser, error?.error || error?.msg', async () => {
  const { app } = await launch('o_seed_me')
  const { supabase } = app.require('lib/supabase')
  assert.equal((await supabase.auth.signInWithWechat({ code: await wxCode(app) })).error, null)
  const page = await app.openPage('pages/me/index')
  await waitFor(() => page.data.loaded)
  assert.equal(page.data.phone, null, 'no phone yet')
  // Bind the phone through the getPhoneNumber button handler.
  await page.getPhoneNumber({ detail: { code: be.mintPhoneCode({ phoneNumber: '13600000001' }) } })
  assert.match(page.data.phone, /13600000001$/)
  // Save the profile.
  page.setData({ nikeName: '卢卡饶', avatarUrl: 'https://example.com/a.png' })
  await page.submit()
  await waitFor(() => app.ui.some((u) => u.api === 'showToast'))
  assert.equal(app.ui.find((u) => u.api === 'showToast').options.title, '修改成功！')
  // A reload reads it all back through user.data.*.
  const again = await app.openPage('pages/me/index')
  await waitFor(() => again.data.loaded)
  assert.match(again.data.phone, /13600000001$/)
  assert.equal(again.data.avatarUrl, 'https://example.com/a.png')
  // A used phone code: the error toast shows a sentence (error?.error || error?.msg).
  const used = be.mintPhoneCode({ phoneNumber: '13600000002' })
  const { supabase: sb } = app.require('lib/supabase')
  await sb.auth.wechatBindPhone({ code: used })
  const { error } = await sb.auth.wechatBindPhone({ code: used })
  assert.equal(error.error, error.message)
  assert.equal(error.msg, error.message)
  assert.match(error.message, /40163|used/)
  assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(error))).sort(), ['code', 'message', 'name', 'status'])
})

test('phone sign-up, password sign-in, OTP and verify, resend, user updates and events', async () => {
  const { sim, app } = await launch('o_methods')
  const { supabase } = app.require('lib/supabase')
  const events = []
  supabase.auth.onAuthStateChange((e) => events.push(e))
  const up = await supabase.auth.signUp({ phone: '13500000001', password: 'secret-123', options: { data: { nickname: '小明' } } })
  assert.equal(up.error, null, up.error && up.error.message)
  assert.equal(up.data.user.user_metadata.nickname, '小明')
  const pw = await supabase.auth.signInWithPassword({ phone: '13500000001', password: 'secret-123' })
  assert.equal(pw.error, null)
  assert.equal(pw.data.user.id, up.data.user.id)
  const wrong = await supabase.auth.signInWithPassword({ phone: '13500000001', password: 'nope' })
  assert.equal(wrong.error.name, 'AuthApiError')
  assert.equal(wrong.error.code, 'invalid_credentials')
  assert.equal(
    JSON.parse(sim.storage.get(STORAGE_KEY)).access_token,
    pw.data.session.access_token,
    'a failed sign-in keeps the session',
  )

  const otp = await supabase.auth.signInWithOtp({ phone: '13500000001' })
  assert.equal(otp.error, null)
  assert.ok(otp.data.messageId, 'messageId is read from the reply')
  const sms = await lastMessage('13500000001')
  const verified = await supabase.auth.verifyOtp({ phone: '13500000001', token: sms.token, type: 'sms' })
  assert.equal(verified.error, null)
  assert.equal(verified.data.user.id, up.data.user.id)
  const bad = await supabase.auth.verifyOtp({ phone: '13500000001', token: '000000', type: 'sms' })
  assert.equal(bad.error.code, 'otp_expired')
  assert.equal(bad.error.status, 403)
  assert.equal((await supabase.auth.resend({ type: 'sms', phone: '13500000001' })).error, null)

  const upd = await supabase.auth.updateUser({ data: { city: '深圳' } })
  assert.equal(upd.error, null)
  assert.equal(upd.data.user.user_metadata.city, '深圳')
  assert.equal(upd.data.user.user_metadata.nickname, '小明', 'merged')
  assert.equal(JSON.parse(sim.storage.get(STORAGE_KEY)).user.user_metadata.city, '深圳', 'the session holds the new user')
  assert.equal((await supabase.auth.reauthenticate()).error, null)
  const reset = await supabase.auth.resetPasswordForEmail('nobody@example.com')
  assert.equal(reset.error, null)
  await waitFor(() => events.includes('USER_UPDATED'))
  assert.deepEqual(events.slice(0, 4), ['INITIAL_SESSION', 'SIGNED_IN', 'SIGNED_IN', 'SIGNED_IN'])
})

test('setSession adopts tokens from elsewhere; getUser(jwt) checks a given token', async () => {
  const { app } = await launch('o_setsession_src')
  const src = app.require('lib/supabase').supabase
  const { data } = await src.auth.signInWithWechat({ code: await wxCode(app) })
  const other = await launch('o_setsession_dst')
  const dst = other.app.require('lib/memory').supabase
  const set = await dst.auth.setSession({ access_token: data.session.access_token, refresh_token: data.session.refresh_token })
  assert.equal(set.error, null, set.error && set.error.message)
  assert.equal(set.data.user.id, data.user.id)
  assert.equal(other.sim.storage.has(STORAGE_KEY), false, 'persistSession: false')
  const byJwt = await dst.auth.getUser(data.session.access_token)
  assert.equal(byJwt.data.user.id, data.user.id)
  const badJwt = await dst.auth.getUser('not-a-jwt')
  assert.equal(badJwt.data.user, null)
  assert.equal(badJwt.error.status, 403)
})

test('signInWithOAuth(wechat_qr) with PKCE: scan, confirm, exchangeCodeForSession', async () => {
  const { sim, app } = await launch('o_qr_host')
  const { supabase } = app.require('lib/supabase')
  const { data, error } = await supabase.auth.signInWithOAuth({
    provider: 'wechat_qr',
    options: { redirectTo: 'https://app.example.com/callback' },
  })
  assert.equal(error, null)
  assert.equal(data.provider, 'wechat_qr')
  assert.match(
    data.url,
    /\/auth\/v1\/authorize\?provider=wechat_qr&redirect_to=https%3A%2F%2Fapp\.example\.com%2Fcallback&code_challenge=[A-Za-z0-9_-]{43}&code_challenge_method=s256$/,
  )
  assert.ok(sim.storage.get(STORAGE_KEY + '-code-verifier'), 'the verifier is stored')
  // What a browser would do: authorize → WeChat's QR page → scan and confirm → callback → redirect.
  let url = data.url
  for (let hops = 0; hops < 6 && !url.startsWith('https://app.example.com'); hops++) {
    if (url.includes('/wechat/connect/qrconnect')) {
      const page = await get(url.slice(be.url.length))
      url =
        be.url +
        page.body
          .match(/href="([^"]*\/wechat\/connect\/confirm[^"]*)"/)[1]
          .replace(/&amp;/g, '&')
          .replace(be.url, '')
      continue
    }
    const r = await get(url.slice(be.url.length))
    assert.equal(r.status, 302, url + ' ' + r.body)
    url = r.headers.location.startsWith('http') ? r.headers.location : be.url + r.headers.location
  }
  const authCode = new URL(url).searchParams.get('code')
  assert.ok(authCode, url)
  const ex = await supabase.auth.exchangeCodeForSession(authCode)
  assert.equal(ex.error, null, ex.error && ex.error.message)
  assert.equal(ex.data.user.app_metadata.provider, 'wechat_qr')
  assert.equal(sim.storage.has(STORAGE_KEY + '-code-verifier'), false, 'used once')
  const again = await supabase.auth.exchangeCodeForSession(authCode)
  assert.ok(again.error)
})

test('storage options: encrypted wx storage, an async adapter, persistSession false', async () => {
  const { sim, app } = await launch('o_storage_modes')
  const enc = app.require('lib/encrypted').supabase
  const signed = await enc.auth.signInWithWechat({ code: await wxCode(app) })
  assert.equal(signed.error, null)
  await waitFor(() => typeof sim.storage.get(STORAGE_KEY) === 'string')
  const raw = sim.storage.get(STORAGE_KEY)
  assert.ok(raw.startsWith('wxenc:') && !raw.includes(signed.data.session.access_token), 'ciphertext in storage')
  const restarted = await sim.restart()
  const back = await restarted.require('lib/encrypted').supabase.auth.getSession()
  assert.equal(back.data.session.access_token, signed.data.session.access_token, 'read back with encrypt: true')

  const { app: app2 } = await launch('o_storage_async')
  const { storage, supabase } = app2.require('lib/async-storage')
  const s2 = await supabase.auth.signInWithWechat({ code: await wxCode(app2) })
  await waitFor(() => typeof storage.items[STORAGE_KEY] === 'string')
  assert.equal(JSON.parse(storage.items[STORAGE_KEY]).access_token, s2.data.session.access_token)
  assert.equal((await supabase.auth.getSession()).data.session.access_token, s2.data.session.access_token)
  await supabase.auth.signOut()
  await waitFor(() => storage.items[STORAGE_KEY] === undefined)
})

test('tokens and codes never reach the console', async () => {
  const { app } = await launch('o_logs')
  const { supabase } = app.require('lib/supabase')
  const code = await wxCode(app)
  const { data } = await supabase.auth.signInWithWechat({ code })
  supabase.auth.onAuthStateChange(() => {
    throw new Error('listener bug')
  })
  be.faults.add({
    path: '/auth/v1/token',
    fault: 'status',
    status: 400,
    body: { code: 'refresh_token_not_found', message: 'gone' },
    count: 1,
  })
  await supabase.auth.refreshSession()
  await supabase.auth.signInWithWechat({ code }) // reused code
  await new Promise((r) => setTimeout(r, 50))
  const text = JSON.stringify(app.logs.map((l) => l.args.map(String)))
  assert.ok(app.logs.length > 0, 'something was logged')
  for (const secret of [data.session.access_token, data.session.refresh_token, code])
    assert.ok(!text.includes(secret), 'leaked: ' + secret.slice(0, 8))
})
