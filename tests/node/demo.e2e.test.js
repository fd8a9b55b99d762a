'use strict'
// The demo mini-program end to end, through its rendered pages: a copy of miniprogram-demo/ with the built
// package (构建 npm), its pages compiled by DevTools' own compiler (they use `import`), run in the strict
// simulator with their WXML rendered by the official wcc + j-component, against the local backend. The
// assertions read what the pages show (text, <image src>, <input value>, toasts), not the pages' data.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { startBackend } = require('../../backend')
const { demoProject } = require('./lib/demo')
const { Demo } = require('./lib/demo-flows')

describe('demo mini-program, rendered', () => {
  let be, project, demo, alice, bob
  const ids = {}

  before(async () => {
    be = await startBackend({ port: 0 })
    project = await demoProject(be)
    demo = new Demo(be, project.root)
  })

  after(async () => {
    if (demo) demo.close()
    if (project) project.cleanup()
    if (be) await be.stop()
  })

  test('首页 → 微信快速登录: the modal, then 我的 shows the new user', async () => {
    alice = await demo.user('alice', { phone: '13900000001' })
    assert.deepEqual(alice.view.lines(), ['微信快速登录', '手机号授权登录', '手机号账号绑定微信', '生成小程序码'])
    const r = await demo.quickLogin(alice)
    assert.equal(r.modal, '登录成功！去填充个人资料吧！')
    assert.equal(r.route, 'pages/me/index')
    assert.deepEqual(r.toasts, [])
    const { rows } = await be.db.query('select id::text from auth.users where id = $1', [r.userId])
    assert.equal(rows.length, 1, 'the id shown is a user in auth.users')
    assert.equal(alice.view.text('#phone').includes('未授权'), true)
    ids.alice = r.userId
  })

  test('我的: nickname, avatar (chooseAvatar → storage → public URL), phone (getPhoneNumber), 保存; after a cold start the page shows all three', async () => {
    const r = await demo.editProfile(alice, 'Alice')
    assert.match(r.avatarUrl, new RegExp(`^${be.url}/storage/v1/object/public/avatar/[^/]+\\.png$`))
    assert.equal(r.phone, '8613900000001')
    assert.equal(r.phoneButton, '已授权')
    assert.equal(r.saved, '修改成功！')

    const shown = await demo.reopenProfile(alice)
    assert.deepEqual(shown, { userId: ids.alice, nickname: 'Alice', avatarUrl: r.avatarUrl, phone: '8613900000001' })
    const img = await demo.fetchImage(shown.avatarUrl)
    assert.deepEqual(img, { status: 200, contentType: 'image/png', width: 132, height: 132 })
  })

  test('待办: two users each see only their own rows (RLS), add / tick / delete through the page', async () => {
    assert.deepEqual(await demo.todos(alice), [])
    assert.equal(alice.view.text('#todos-empty'), '还没有待办')
    await demo.addTodo(alice, 'buy milk')
    await demo.addTodo(alice, 'walk the dog')
    assert.deepEqual(await demo.toggleTodo(alice, 'buy milk'), [
      { task: 'buy milk', done: true },
      { task: 'walk the dog', done: false },
    ])

    bob = await demo.user('bob')
    ids.bob = (await demo.quickLogin(bob)).userId
    assert.notEqual(ids.bob, ids.alice)
    assert.deepEqual(await demo.todos(bob), [])
    assert.deepEqual(await demo.addTodo(bob, 'fix the bike'), [{ task: 'fix the bike', done: false }])

    // alice's page, shown again (onShow reloads): her rows only, though the table holds bob's too
    assert.deepEqual(await demo.todos(alice), [
      { task: 'buy milk', done: true },
      { task: 'walk the dog', done: false },
    ])
    const { rows } = await be.db.query('select task, user_id::text from todos order by id')
    assert.deepEqual(rows, [
      { task: 'buy milk', user_id: ids.alice },
      { task: 'walk the dog', user_id: ids.alice },
      { task: 'fix the bike', user_id: ids.bob },
    ])
    assert.deepEqual(await demo.deleteTodo(alice, 'walk the dog'), [{ task: 'buy milk', done: true }])
    assert.deepEqual(await demo.todos(bob), [{ task: 'fix the bike', done: false }])
  })

  test('手机号授权登录: the getPhoneNumber button signs in and binds the phone', async () => {
    const carol = await demo.user('carol', { phone: '13900000003' })
    const r = await demo.phoneLogin(carol)
    assert.equal(r.toast, '登录成功！')
    assert.equal(r.phone, '8613900000003')
    assert.ok(![ids.alice, ids.bob].includes(r.userId))
  })

  test('手机号账号绑定微信: a web account (phone + password) signs in by SMS and binds WeChat; quick login then enters it', async () => {
    const webId = await demo.webSignup('13900000004', 'web-password-1')
    const dave = await demo.user('dave')
    const r = await demo.bindAccount(dave, '13900000004', '8613900000004')
    assert.deepEqual(r, {
      before: '未登录',
      sent: '验证码已发送',
      verified: '登录成功',
      account: '当前账号：8613900000004',
      bindDisabledBefore: false,
      bound: '绑定成功，可用微信登录',
      wechatId: 'o_demo_dave',
      bindDisabledAfter: true,
    })
    await assert.rejects(dave.view.tap('#bind-wechat'), /is disabled/)
    await demo.signOut(dave)
    assert.equal((await demo.quickLogin(dave)).userId, webId)
  })

  test('生成小程序码: the page shows the mini-program code as a PNG', async () => {
    await alice.app.switchTab('pages/index/index')
    const r = await demo.qrcode(alice)
    assert.equal(r.srcPrefix, 'data:image/png;base64,')
    assert.deepEqual(r.info, { width: 430, height: 430, type: 'png' })
    assert.equal(r.scene, 'id=42') // typed into the page's scene input
  })

  test('errors surface as toasts', async () => {
    const erin = await demo.user('erin')
    await demo.quickLogin(erin)
    await demo.todos(erin)
    let from = erin.app.ui.length
    await erin.view.tap('#todo-add')
    assert.equal(await demo.toast(erin, from), '请输入待办内容')

    const me = await demo.tab(erin, 'pages/me/index')
    from = erin.app.ui.length
    await me.tap('#save')
    assert.equal(await demo.toast(erin, from), '请输入完整个人资料')

    // a wrong SMS code
    await demo.tab(erin, 'pages/index/index')
    await erin.view.tap('#to-bind-account')
    const bind = erin.view
    await bind.input('#bind-phone', '13900000009')
    from = erin.app.ui.length
    await bind.tap('#send-code')
    assert.equal(await demo.toast(erin, from), '验证码已发送')
    await bind.input('#otp', '000000')
    from = erin.app.ui.length
    await bind.tap('#verify')
    assert.match(await demo.toast(erin, from), /^验证码登录失败：.+/)

    // Auth rate-limits the WeChat login: the guide's `error?.error || error?.msg` toast shows GoTrue's msg
    be.faults.add({ path: '/auth/v1/wechat_mini/login', fault: 'rate_limit' })
    const frank = await demo.user('frank')
    from = frank.app.ui.length
    await frank.view.tap('#login')
    assert.equal(await demo.toast(frank, from), 'Request rate limit reached')
    assert.equal(
      frank.app.ui.some((r) => r.api === 'showModal'),
      false,
    )

    // the user declines to share the phone: the page shows wechatBindPhone's error
    await demo.quickLogin(frank)
    const frankMe = frank.view
    from = frank.app.ui.length
    await frankMe.tap('#phone', { deny: true })
    const denied = JSON.parse(await demo.toast(frank, from)) // the guide's toast: JSON.stringify(error)
    assert.equal(denied.name, 'AuthInvalidCredentialsError')
    assert.match(denied.message, /e\.detail\.code/)
    assert.equal(frankMe.exists('#phone-number'), false)
  })

  test('退出登录: 我的 and 待办 show the signed-out state', async () => {
    const r = await demo.signOut(alice)
    assert.deepEqual(r, { toast: '已退出登录', meShows: '未登录', todosShows: '登录后才能看到自己的待办。去登录', rows: 0 })
  })
})
