'use strict'
// Every flow of the demo mini-program, driven the way a user would: on the rendered pages (taps, typing,
// the tab bar, WeChat's own pickers), in the strict simulator, against a running backend. Each flow returns
// what the pages show; scripts/demo.js prints it, tests/node/demo.e2e.test.js asserts it.
const { createSimulator } = require('../../sim')
const { imageInfo } = require('../../sim/image')

const WAIT = { timeout: 10000 }

// The text of the QR code in a PNG (the local fake WeChat draws the scene as a plain QR code).
function decodeQr(buf) {
  const { PNG } = require('pngjs')
  const jsQR = require('jsqr')
  const png = PNG.sync.read(buf)
  const qr = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)
  return qr ? qr.data : null
} // the login page waits 1 s before its modal; the rest is network

class Demo {
  // be: a started backend; root: the demo project (lib/config.js pointing at be); log(line): progress output.
  constructor(be, root, { log = () => {} } = {}) {
    this.be = be
    this.root = root
    this.log = log
    this.sims = []
  }

  // A WeChat user on a phone: their own simulator (own storage), the demo launched, rendering on.
  async user(name, { openid, phone } = {}) {
    const sim = createSimulator({
      root: this.root,
      render: true,
      wechatUrl: this.be.url + '/wechat',
      appid: this.be.wechat.appid,
      user: { openid: openid || `o_demo_${name}`, phone },
    })
    this.sims.push(sim)
    const app = await sim.launch()
    await app.openPage('pages/index/index') // the entry page (app.json pages[0])
    return {
      name,
      sim,
      app,
      get view() {
        return this.app.view()
      },
    }
  }

  close() {
    for (const s of this.sims.splice(0)) s.close()
  }

  // Toasts shown (or attempted) since `from` (an index into app.ui): [{title, errMsg}].
  static toasts(u, from = 0) {
    return u.app.ui
      .slice(from)
      .filter((r) => r.api === 'showToast')
      .map((r) => ({ title: r.options && r.options.title, errMsg: r.errMsg }))
  }

  // Waits for the next toast after ui index `from` and returns its title.
  async toast(u, from) {
    await u.app.waitFor(() => Demo.toasts(u, from).length > 0, WAIT)
    const t = Demo.toasts(u, from)[0]
    if (t.errMsg !== 'showToast:ok') throw new Error(`wx.showToast failed: ${t.errMsg}`)
    return t.title
  }

  // The user taps a tab of the tab bar.
  async tab(u, route) {
    await u.app.switchTab(route)
    return u.view
  }

  // ① 微信快速登录 on the home page → the page's modal → 我的 (switchTab) shows the user id.
  async quickLogin(u) {
    const home = await this.tab(u, 'pages/index/index')
    const from = u.app.ui.length
    await home.tap('#login')
    await u.app.waitFor(() => u.app.ui.slice(from).some((r) => r.api === 'showModal'), WAIT)
    const modal = u.app.ui.slice(from).find((r) => r.api === 'showModal').options.content
    await u.app.waitFor(() => u.app.pages[0].route === 'pages/me/index', WAIT)
    const me = u.view
    const userId = (await me.waitForText('#user-id', /^用户 ID：.+/, WAIT)).replace('用户 ID：', '')
    return { modal, route: me.route, userId, toasts: Demo.toasts(u, from) }
  }

  // 我的: nickname typed, avatar chosen (uploaded to storage, shown by its public URL), phone shared
  // (wechatBindPhone), 保存 (updateUser).
  async editProfile(u, nickname) {
    const me = await this.tab(u, 'pages/me/index')
    await me.input('#nickname', nickname)
    await me.tap('#avatar')
    await me.waitFor(() => me.exists('#avatar-image') && /^https?:\/\//.test(me.attr('#avatar-image', 'src')), WAIT)
    const avatarUrl = me.attr('#avatar-image', 'src')
    await me.tap('#phone')
    const phone = await me.waitForText('#phone-number', /\d+/, WAIT)
    const from = u.app.ui.length
    await me.tap('#save')
    const saved = await this.toast(u, from)
    return { avatarUrl, phone, phoneButton: me.text('#phone'), saved }
  }

  // What 我的 shows after a cold start of the mini-program (new JS context, same storage).
  async reopenProfile(u) {
    const app = await u.sim.restart()
    u.app = app
    await app.openPage('pages/index/index')
    const me = await this.tab(u, 'pages/me/index')
    await me.waitFor(() => me.exists('#user-id') && me.exists('#phone-number') && me.exists('#avatar-image'), WAIT)
    return {
      userId: me.text('#user-id').replace('用户 ID：', ''),
      nickname: me.attr('#nickname', 'value'),
      avatarUrl: me.attr('#avatar-image', 'src'),
      phone: me.text('#phone-number'),
    }
  }

  // What the avatar URL serves (a plain GET, as an <image> would load it): {status, type, width, height}.
  async fetchImage(url) {
    const r = await fetch(url)
    const buf = Buffer.from(await r.arrayBuffer())
    const info = imageInfo(buf) || {}
    return { status: r.status, contentType: r.headers.get('content-type'), width: info.width, height: info.height }
  }

  // 待办 tab: the rows it lists.
  async todos(u) {
    const page = await this.tab(u, 'pages/todos/index')
    await page.waitFor(() => page.exists('#todo-input') || page.exists('#todos-signed-out'), WAIT)
    await page.rendered()
    return Demo.rows(page)
  }

  static rows(page) {
    return page.all('.todo-item').map((el) => ({
      task: el.query('.todo-task').text(),
      done: /\bdone\b/.test(el.attr('class') || ''),
    }))
  }

  // Adds a todo through the page (typing + 添加) and returns the rows then shown.
  async addTodo(u, task) {
    const page = await this.tab(u, 'pages/todos/index')
    const before = page.all('.todo-item').length
    await page.input('#todo-input', task)
    await page.tap('#todo-add')
    await page.waitFor(() => page.all('.todo-item').length === before + 1, WAIT)
    return Demo.rows(page)
  }

  // Ticks the todo whose text is `task`.
  async toggleTodo(u, task) {
    const page = u.view
    const row = page.all('.todo-item').find((el) => el.query('.todo-task').text() === task)
    if (!row) throw new Error(`no todo "${task}" on the page`)
    const wasDone = /\bdone\b/.test(row.attr('class') || '')
    await row.query('.todo-toggle').tap()
    await page.waitFor(() => {
      const r = Demo.rows(page).find((x) => x.task === task)
      return r && r.done !== wasDone
    }, WAIT)
    return Demo.rows(page)
  }

  async deleteTodo(u, task) {
    const page = u.view
    const row = page.all('.todo-item').find((el) => el.query('.todo-task').text() === task)
    if (!row) throw new Error(`no todo "${task}" on the page`)
    await row.query('.todo-delete').tap()
    await page.waitFor(() => !Demo.rows(page).some((x) => x.task === task), WAIT)
    return Demo.rows(page)
  }

  // ② 手机号授权登录: home → the 手机号授权登录 link → the getPhoneNumber button (signInWithWechat +
  // wechatBindPhone) → toast; 我的 then shows the phone.
  async phoneLogin(u) {
    await u.view.tap('#to-phone-login')
    const page = u.view
    if (page.route !== 'pages/phone_login/index') throw new Error(`the link opened ${page.route}`)
    const from = u.app.ui.length
    await page.tap('#phone-login')
    const toast = await this.toast(u, from)
    const me = await this.tab(u, 'pages/me/index')
    const phone = await me.waitForText('#phone-number', /\d+/, WAIT)
    const userId = (await me.waitForText('#user-id', /^用户 ID：.+/, WAIT)).replace('用户 ID：', '')
    return { toast, phone, userId }
  }

  // An account registered on the web with phone + password (not through WeChat).
  async webSignup(phone, password) {
    const r = await fetch(this.be.url + '/auth/v1/signup', {
      method: 'POST',
      headers: { apikey: this.be.anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ phone, password }),
    })
    const body = await r.json()
    if (r.status !== 200) throw new Error(`web signup failed: ${r.status} ${JSON.stringify(body)}`)
    return body.user ? body.user.id : body.id
  }

  // The last SMS code the backend "sent" to `phone` (digits, GoTrue's stored form).
  smsCode(phone) {
    const m = this.be.messages.filter((x) => x.channel === 'sms' && x.to === phone).pop()
    return m && m.token
  }

  // 手机号账号绑定微信: home → link → phone + 发送验证码 → the SMS code + 登录 → 绑定当前微信.
  async bindAccount(u, phone, storedPhone) {
    await u.view.tap('#to-bind-account')
    const page = u.view
    const shown = { before: page.text('.status') }
    await page.input('#bind-phone', phone)
    let from = u.app.ui.length
    await page.tap('#send-code')
    shown.sent = await this.toast(u, from)
    const code = this.smsCode(storedPhone)
    await page.input('#otp', code)
    from = u.app.ui.length
    await page.tap('#verify')
    shown.verified = await this.toast(u, from)
    shown.account = page.text('#bind-user')
    shown.bindDisabledBefore = page.$('#bind-wechat').disabled
    from = u.app.ui.length
    await page.tap('#bind-wechat')
    shown.bound = await this.toast(u, from)
    shown.wechatId = (await page.waitForText('#bind-wechat-id', /^已绑定微信：.+/, WAIT)).replace('已绑定微信：', '')
    shown.bindDisabledAfter = page.$('#bind-wechat').disabled
    return shown
  }

  // 生成小程序码: home → link → 生成 → the <image> shows a PNG (data: URL).
  async qrcode(u) {
    await u.view.tap('#to-qrcode')
    const page = u.view
    await page.input('#qr-scene', 'id=42')
    await page.tap('#qr-make')
    await page.waitFor('#qrcode', WAIT)
    const src = page.attr('#qrcode', 'src')
    const m = /^data:image\/png;base64,(.+)$/.exec(src)
    const png = m ? Buffer.from(m[1], 'base64') : Buffer.alloc(0)
    return { srcPrefix: src.slice(0, 22), bytes: png.length, info: imageInfo(png), scene: m ? decodeQr(png) : null }
  }

  // 我的 → 退出登录: the page and the 待办 tab then show signed-out states.
  async signOut(u) {
    const me = await this.tab(u, 'pages/me/index')
    const from = u.app.ui.length
    await me.tap('#signout')
    const toast = await this.toast(u, from)
    await me.waitFor('#signed-out', WAIT)
    const meShows = me.text('#signed-out')
    const todos = await this.tab(u, 'pages/todos/index')
    await todos.waitFor('#todos-signed-out', WAIT)
    return { toast, meShows, todosShows: todos.text('#todos-signed-out'), rows: todos.all('.todo-item').length }
  }
}

module.exports = { Demo, WAIT }
