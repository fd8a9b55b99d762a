'use strict'
// Shared by the end-to-end tests (the built package in the strict simulator against the local backend):
// a simulated WeChat user (signed in or not), the wx.login code, polling, and the after() clean-up.
const assert = require('node:assert/strict')
const { createSimulator } = require('../../sim')

// A strict simulator of the mini-program in `project` whose WeChat user is `openid` (no unionid), logging in
// through the fake WeChat of backend `be`. It goes into `sims` for closeAll().
function userSim(be, project, openid, sims) {
  const sim = createSimulator({
    root: project.root,
    wechatUrl: be.url + '/wechat',
    appid: be.wechat.appid,
    user: { openid, unionid: '' },
  })
  sims.push(sim)
  return sim
}

// userSim(), launched: { sim, app }.
async function launchUser(be, project, openid, sims) {
  const sim = userSim(be, project, openid, sims)
  return { sim, app: await sim.launch() }
}

// launchUser(), then signed in with WeChat through the page's `lib/supabase` (the client itself, or its
// `supabase` export with `exportName: 'supabase'`, as clientProject's `as` wrote it); asserts the sign-in
// succeeded. { sim, app, sb, data } (data: what signInWithWechat resolved with).
async function signedInUser(be, project, openid, sims, exportName) {
  const { sim, app } = await launchUser(be, project, openid, sims)
  const mod = app.require('lib/supabase')
  const sb = exportName ? mod[exportName] : mod
  const { data, error } = await sb.auth.signInWithWechat({ code: await wxLoginCode(app) })
  assert.equal(error, null, 'signInWithWechat')
  return { sim, app, sb, data }
}

// The code of a wx.login() inside `app`.
function wxLoginCode(app) {
  return app.eval('new Promise((resolve, reject) => wx.login({ success: (r) => resolve(r.code), fail: reject }))')
}

// Polls `pred` every `every` ms until it is true; rejects after `ms` ms.
async function waitFor(pred, ms = 5000, every = 10) {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, every))
  }
}

// after(): closes the simulators, removes the project, stops the backend (each if there is one).
async function closeAll({ sims, project, be }) {
  for (const s of sims) s.close()
  if (project) project.cleanup()
  if (be) await be.stop()
}

module.exports = { userSim, launchUser, signedInUser, wxLoginCode, waitFor, closeAll }
