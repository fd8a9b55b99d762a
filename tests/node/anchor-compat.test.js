'use strict'
// Wire compatibility: the SDK we replace (supabase-wechat-stable-v2 2.2.0, the client MemFire's
// server was written for) runs its WeChat sign-in, bind and refresh calls against the local
// backend, in the strict simulator; and a user it signed in stays signed in after the upgrade to
// supabase-wechat.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { callJson } = require('./lib/http')
const { userSim, wxLoginCode: wxLogin, closeAll } = require('./lib/e2e')

const STORAGE_KEY = 'sb-127-auth-token'
let be
let project
const sims = []

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    clients: {
      // detectSessionInUrl: false — with the default options its initialisation crashes on `window`.
      anchor: { pkg: 'supabase-wechat-stable-v2', options: { auth: { detectSessionInUrl: false, autoRefreshToken: false } } },
      ours: {},
    },
  })
})

after(() => closeAll({ sims, project, be }))

const newSim = (openid) => userSim(be, project, openid, sims)

const call = (method, path, body, headers = {}) => callJson(be, method, path, body, headers)

test('the old SDK signs in with WeChat, binds a phone, refreshes, and gets a QR code', async () => {
  const sim = newSim('o_anchor_1')
  const app = await sim.launch()
  const sb = app.require('lib/anchor')

  const { data, error } = await sb.auth.signInWithWechat({ code: await wxLogin(app) })
  assert.equal(error, null)
  assert.equal(data.user.wechat_id, 'o_anchor_1')
  const stored = JSON.parse(sim.storage.get(STORAGE_KEY))
  assert.equal(stored.access_token, data.session.access_token)

  const phoneCode = (await call('POST', '/wechat/test/mint_phone_code', { phoneNumber: '13800138000' })).body.code
  const bound = await sb.auth.wechatBindPhone({ code: phoneCode })
  assert.equal(bound.error, null, bound.error && bound.error.message)
  assert.match(bound.data.user.phone, /13800138000$/)
  assert.match(JSON.parse(sim.storage.get(STORAGE_KEY)).user.phone, /13800138000$/, 'it saves the new user into the session')

  const refreshed = await sb.auth.refreshSession()
  assert.equal(refreshed.error, null, refreshed.error && refreshed.error.message)
  assert.notEqual(refreshed.data.session.refresh_token, data.session.refresh_token, 'rotated')
  assert.equal(JSON.parse(sim.storage.get(STORAGE_KEY)).refresh_token, refreshed.data.session.refresh_token)

  const user = await sb.auth.getUser()
  assert.equal(user.error, null)
  assert.equal(user.data.user.id, data.user.id)

  const qr = await sb.auth.getUnlimitedQRCode({ scene: 'id=42', page: 'pages/index/index', check_path: false, width: 430 })
  assert.equal(qr.error, null, qr.error && qr.error.message)
  assert.ok(typeof qr.data.imgBase64 === 'string' && qr.data.imgBase64.length > 100)
})

test('the old SDK binds WeChat to an account that signed up with a phone', async () => {
  const signup = await call('POST', '/auth/v1/signup', { phone: '13900139000', password: 'secret-123' })
  assert.equal(signup.status, 200, JSON.stringify(signup.body))
  const sim = newSim('o_anchor_bind')
  const app = await sim.launch()
  const sb = app.require('lib/anchor')
  const login = await sb.auth.signInWithPassword({ phone: '13900139000', password: 'secret-123' })
  assert.equal(login.error, null, login.error && login.error.message)
  const bound = await sb.auth.wechatBindAccount({ code: await wxLogin(app) })
  assert.equal(bound.error, null, bound.error && bound.error.message)
  assert.equal(bound.data.user.wechat_id, 'o_anchor_bind')
  // That WeChat user now signs in to the same account.
  const again = await sb.auth.signInWithWechat({ code: await wxLogin(app) })
  assert.equal(again.data.user.id, login.data.user.id)
})

test('a user signed in by the old SDK is still signed in after upgrading to supabase-wechat', async () => {
  const sim = newSim('o_upgrade')
  const app = await sim.launch()
  const old = await app.require('lib/anchor').auth.signInWithWechat({ code: await wxLogin(app) })
  assert.equal(old.error, null)

  const upgraded = await sim.restart()
  const ours = upgraded.require('lib/ours')
  const { data, error } = await ours.auth.getSession()
  assert.equal(error, null)
  assert.equal(data.session.access_token, old.data.session.access_token)
  assert.equal(data.session.refresh_token, old.data.session.refresh_token)
  assert.equal(data.session.user.id, old.data.user.id)
  const me = await call('GET', '/auth/v1/user', undefined, { Authorization: 'Bearer ' + data.session.access_token })
  assert.equal(me.status, 200)
  assert.equal(me.body.id, old.data.user.id)
})
