#!/usr/bin/env node
// The demo, headless: installs the built package into miniprogram-demo/ with 构建 npm (miniprogram-ci packNpm),
// starts the local backend on 127.0.0.1:54321 (where miniprogram-demo/lib/config.js points), and uses the demo's
// real pages in the strict mini-program simulator with their WXML rendered (official wcc + j-component): every
// flow is tapped and typed through, each step printed with what the page then shows, and a ✔/✖ summary ends it
// (exit code 1 if anything failed). With --serve the backend keeps running afterwards, so WeChat DevTools can
// use it (open miniprogram-demo/ in DevTools; 详情 → 本地设置 → 不校验合法域名).
'use strict'
const { startBackend } = require('../backend')
const { DEMO, installSdk } = require('../tests/node/lib/demo')
const { Demo } = require('../tests/node/lib/demo-flows')

const serve = process.argv.includes('--serve')
const results = []

function step(msg) {
  console.log('\n▶ ' + msg)
}
function show(label, value) {
  console.log(`  ${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
}
function check(label, ok, detail) {
  results.push({ label, ok: !!ok })
  console.log(
    `  ${ok ? '✔' : '✖'} ${label}${detail === undefined ? '' : ' — ' + (typeof detail === 'string' ? detail : JSON.stringify(detail))}`,
  )
}
// Runs one flow; an exception is a failed check, and the next flow still runs.
async function flow(title, fn) {
  step(title)
  try {
    await fn()
  } catch (e) {
    check(`${title}: ${e.message.split('\n')[0]}`, false)
  }
}

async function main() {
  step('构建 npm: dist/supabase-wechat → miniprogram-demo/miniprogram_npm (miniprogram-ci packNpm)')
  const stats = await installSdk(DEMO)
  show('packNpm', { miniprogram_pack_num: stats.miniprogram_pack_num, pack_time: stats.pack_time })

  step('local backend (PostgreSQL + PostgREST + Auth + Storage + fake WeChat) on 127.0.0.1:54321')
  // --serve: WeChat DevTools' wx.login / getPhoneNumber codes come from the real WeChat, which this
  // backend's fake WeChat never minted; accept them (as one WeChat user and one phone number).
  const be = await startBackend({ port: 54321, acceptForeignCodes: serve })
  show('backend', be.url)
  const demo = new Demo(be, DEMO)
  const users = {}
  try {
    await flow('alice opens the mini-program; 首页 → tap 微信快速登录 (wx.login → signInWithWechat)', async () => {
      const alice = await demo.user('alice', { phone: '13900000001' })
      users.alice = alice
      show('首页 shows', alice.view.lines().join(' | '))
      const r = await demo.quickLogin(alice)
      show('modal', r.modal)
      show(`${r.route} shows`, alice.view.text('#user-id'))
      check(
        'quick login: modal, then 我的 shows the user id',
        r.route === 'pages/me/index' && /^[0-9a-f-]{36}$/.test(r.userId),
        r.userId,
      )
      users.aliceId = r.userId
    })

    await flow(
      'alice edits 我的: types a nickname, picks an avatar (chooseAvatar → storage upload → getPublicUrl), shares her phone (getPhoneNumber → wechatBindPhone), taps 保存 (updateUser)',
      async () => {
        const r = await demo.editProfile(users.alice, 'Alice')
        show('<image id="avatar-image"> src', r.avatarUrl)
        show('phone row', r.phone + ' / ' + r.phoneButton)
        show('toast', r.saved)
        const img = await demo.fetchImage(r.avatarUrl)
        show('GET avatar URL', img)
        check(
          'avatar uploaded and shown by its public URL',
          /\/storage\/v1\/object\/public\/avatar\//.test(r.avatarUrl) && img.status === 200 && img.width === 132,
          r.avatarUrl,
        )
        check('phone bound and shown', r.phone === '8613900000001', r.phone)
        check('profile saved', r.saved === '修改成功！', r.saved)
      },
    )

    await flow('alice closes and reopens the mini-program (cold start, same storage) → 我的', async () => {
      const r = await demo.reopenProfile(users.alice)
      show('我的 shows', users.alice.view.lines().join(' | '))
      show('<input id="nickname"> value', r.nickname)
      check(
        'after login 我的 shows the nickname, avatar URL and phone',
        r.nickname === 'Alice' && /^http/.test(r.avatarUrl) && r.phone === '8613900000001' && r.userId === users.aliceId,
        r,
      )
    })

    await flow('alice uses 待办 (from("todos") with RLS): adds two, ticks one', async () => {
      const empty = await demo.todos(users.alice)
      show('待办 shows', users.alice.view.lines().join(' | '))
      await demo.addTodo(users.alice, 'buy milk')
      await demo.addTodo(users.alice, 'walk the dog')
      const rows = await demo.toggleTodo(users.alice, 'buy milk')
      show('rows', rows)
      check('todos added and ticked', empty.length === 0 && rows.length === 2 && rows[0].done && !rows[1].done, rows)
    })

    await flow('bob logs in on his own phone and opens 待办', async () => {
      const bob = await demo.user('bob')
      users.bob = bob
      await demo.quickLogin(bob)
      const before = await demo.todos(bob)
      show("bob's 待办 shows", bob.view.lines().join(' | '))
      const rows = await demo.addTodo(bob, 'fix the bike')
      show("bob's rows", rows)
      const aliceRows = await demo.todos(users.alice)
      show("alice's rows (reloaded)", aliceRows)
      check(
        'each user sees only their own rows',
        before.length === 0 && rows.length === 1 && aliceRows.map((r) => r.task).join() === 'buy milk,walk the dog',
        { bob: rows.map((r) => r.task), alice: aliceRows.map((r) => r.task) },
      )
      const left = await demo.deleteTodo(users.alice, 'walk the dog')
      check('alice deletes a todo', left.length === 1 && left[0].task === 'buy milk', left)
    })

    await flow('carol: 首页 → 手机号授权登录 → the getPhoneNumber button (signInWithWechat + wechatBindPhone)', async () => {
      const carol = await demo.user('carol', { phone: '13900000003' })
      const r = await demo.phoneLogin(carol)
      show('toast', r.toast)
      show('我的 shows', carol.view.text('#phone-number'))
      check('phone login: toast, 我的 shows the phone', r.toast === '登录成功！' && r.phone === '8613900000003', r)
    })

    await flow(
      'dave registered on the web with phone + password; in the mini-program: 手机号账号绑定微信 → SMS code → bind WeChat',
      async () => {
        const webId = await demo.webSignup('13900000004', 'web-password-1')
        show('web account', webId)
        const dave = await demo.user('dave')
        const r = await demo.bindAccount(dave, '13900000004', '8613900000004')
        show('page', r)
        check(
          'bind account: signed in by SMS, WeChat bound, button disabled',
          r.account === '当前账号：8613900000004' && r.wechatId === 'o_demo_dave' && !r.bindDisabledBefore && r.bindDisabledAfter,
          r.wechatId,
        )
        await demo.signOut(dave)
        const again = await demo.quickLogin(dave)
        check('微信快速登录 afterwards enters the web account', again.userId === webId, again.userId)
      },
    )

    await flow(
      'alice: 首页 → 生成小程序码: types scene id=42, taps 生成 (getUnlimitedQRCode) → the <image> shows the PNG',
      async () => {
        await users.alice.app.switchTab('pages/index/index')
        const r = await demo.qrcode(users.alice)
        show('<image id="qrcode">', r)
        check(
          'mini-program code shown as a PNG that scans to the scene typed',
          r.srcPrefix === 'data:image/png;base64,' && r.info && r.info.type === 'png' && r.scene === 'id=42',
          r.scene,
        )
      },
    )

    await flow('errors surface as toasts', async () => {
      const u = await demo.user('erin')
      await demo.quickLogin(u)
      await demo.todos(u)
      const todos = u.view
      let from = u.app.ui.length
      await todos.tap('#todo-add')
      const empty = await demo.toast(u, from)
      show('empty todo → toast', empty)
      const me = await demo.tab(u, 'pages/me/index')
      from = u.app.ui.length
      await me.tap('#save')
      const incomplete = await demo.toast(u, from)
      show('保存 without a nickname → toast', incomplete)
      be.faults.add({ path: '/auth/v1/wechat_mini/login', fault: 'rate_limit' })
      const f = await demo.user('frank')
      from = f.app.ui.length
      await f.view.tap('#login')
      const limited = await demo.toast(f, from)
      show('login while Auth rate-limits → toast', limited)
      check(
        'errors shown as toasts',
        empty === '请输入待办内容' && incomplete === '请输入完整个人资料' && limited === 'Request rate limit reached',
        { empty, incomplete, limited },
      )
    })

    await flow('alice signs out (我的 → 退出登录)', async () => {
      const r = await demo.signOut(users.alice)
      show('toast', r.toast)
      show('我的 shows', r.meShows)
      show('待办 shows', r.todosShows)
      check('signed out: 我的 and 待办 show it, no rows', r.toast === '已退出登录' && r.meShows === '未登录' && r.rows === 0, r)
    })
  } finally {
    demo.close()
    const failed = results.filter((r) => !r.ok)
    console.log(`\n${failed.length ? '✖' : '✔'} demo: ${results.length - failed.length}/${results.length} checks passed`)
    for (const r of results) console.log(`  ${r.ok ? '✔' : '✖'} ${r.label}`)
    process.exitCode = failed.length || !results.length ? 1 : 0
    if (serve) {
      console.log(`\nbackend running at ${be.url} (anon key in miniprogram-demo/lib/config.js); Ctrl-C to stop`)
      console.log('DevTools: wx.login codes sign in as openid o_devtools_user, getPhoneNumber codes bind 13800138000;')
      console.log(`SMS codes (signInWithOtp): ${be.url}/_control/messages?to=<phone>`)
      const stop = () => be.stop().then(() => process.exit(process.exitCode))
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
