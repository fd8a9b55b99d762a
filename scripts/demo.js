#!/usr/bin/env node
// The demo, headless: installs the built package into miniprogram-demo/ with 构建 npm
// (miniprogram-ci packNpm), starts the local backend on 127.0.0.1:54321, and runs the demo's pages
// in the strict mini-program simulator: tap 微信快速登录, see the session stored, restart the app,
// see it restored. With --serve the backend keeps running so WeChat DevTools can use it
// (open miniprogram-demo/ in DevTools; lib/config.js already points at the local backend).
'use strict'
const fs = require('fs')
const os = require('os')
const path = require('path')
const ts = require('typescript')
const { startBackend } = require('../backend')
const { createSimulator } = require('../tests/sim')
const { packNpm, PKG } = require('../tests/node/lib/project')

const DEMO = path.resolve(__dirname, '..', 'miniprogram-demo')
const serve = process.argv.includes('--serve')

// The pages are ES modules (`import { supabase } from '../../lib/supabase'`, as in MemFire's guide),
// which DevTools compiles to CommonJS (setting.es6); the simulator runs CommonJS only. Same step here:
// a copy of the project with every page/lib .js compiled to CommonJS.
function compileForSimulator(root) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-demo-'))
  fs.cpSync(root, out, { recursive: true, filter: (src) => path.basename(src) !== 'node_modules' })
  for (const dir of ['pages', 'lib']) {
    for (const rel of fs.readdirSync(path.join(out, dir), { recursive: true })) {
      const file = path.join(out, dir, rel)
      if (!file.endsWith('.js')) continue
      const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
        fileName: file,
      })
      fs.writeFileSync(file, outputText)
    }
  }
  return out
}

function step(msg) {
  console.log('\n▶ ' + msg)
}

async function waitFor(pred, ms = 10000) {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function main() {
  step('构建 npm: installing dist/supabase-wechat into miniprogram-demo/miniprogram_npm')
  fs.rmSync(path.join(DEMO, 'node_modules'), { recursive: true, force: true })
  fs.cpSync(PKG, path.join(DEMO, 'node_modules', 'supabase-wechat'), { recursive: true })
  const { stats } = await packNpm(DEMO)
  console.log('  packNpm:', JSON.stringify({ miniprogram_pack_num: stats.miniprogram_pack_num, pack_time: stats.pack_time }))

  step('starting the local backend (PostgreSQL + Auth + fake WeChat) on 127.0.0.1:54321')
  const be = await startBackend({ port: 54321 })
  console.log('  backend:', be.url)
  const compiled = compileForSimulator(DEMO)
  const sim = createSimulator({ root: compiled, wechatUrl: be.url + '/wechat', appid: be.wechat.appid, user: { openid: 'o_demo_user', unionid: '' } })
  try {
    const app = await sim.launch()
    step('pages/index/index: tapping 微信快速登录 (wx.login → supabase.auth.signInWithWechat)')
    const index = await app.openPage('pages/index/index')
    index.login()
    await waitFor(() => app.ui.some((u) => u.api === 'showModal' || u.api === 'showToast'))
    for (const u of app.ui) console.log(`  ${u.api}:`, u.options.content || u.options.title || u.options.url)
    const key = 'sb-127-auth-token'
    const stored = JSON.parse(sim.storage.get(key))
    console.log(`  wx storage "${key}": keys ${Object.keys(stored).join(', ')}`)
    console.log(`  user ${stored.user.id}, openid ${stored.user.wechat_id}, provider ${stored.user.app_metadata.provider}`)

    step('cold restart (new JS context, same storage) → pages/me/index reads getUser() and getSession()')
    const app2 = await sim.restart()
    const me = await app2.openPage('pages/me/index')
    await waitFor(() => me.data.userId)
    console.log('  page data:', JSON.stringify(me.data))
    if (me.data.userId !== stored.user.id) throw new Error('the restored session is not the stored one')
    console.log('\n✔ demo ok: signed in with WeChat, session stored and restored')
  } finally {
    sim.close()
    fs.rmSync(compiled, { recursive: true, force: true })
    if (serve) {
      console.log(`\nbackend running at ${be.url} (anon key in miniprogram-demo/lib/config.js); Ctrl-C to stop`)
      const stop = () => be.stop().then(() => process.exit(0))
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    } else {
      await be.stop()
    }
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
