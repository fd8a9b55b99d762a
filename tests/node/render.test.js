'use strict'
// The simulator's view layer (tests/sim/view.js) and DevTools' JS compile (tests/sim/compile.js), on the
// fixture mini-program tests/fixtures/mp-render (ES modules, wx:if / wx:for, bindtap, bindinput, open-type
// buttons, a form, a tab bar) and on a project that imports the built package.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const http = require('node:http')
const path = require('node:path')
const { createSimulator } = require('../sim')
const { makePng, imageInfo } = require('../sim/image')
const { clientProject } = require('./lib/project')

const ROOT = path.join(__dirname, '..', 'fixtures', 'mp-render')

// The fake WeChat's phone-code endpoint and a PNG download, as a tiny local server.
let srv
const minted = []
before(async () => {
  srv = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      if (req.url === '/wechat/test/mint_phone_code') {
        minted.push(JSON.parse(body))
        res.setHeader('content-type', 'application/json')
        return res.end(JSON.stringify({ code: 'phone-code-' + minted.length }))
      }
      if (req.url === '/img.png') return res.end(makePng(40, 30))
      res.statusCode = 404
      res.end('not found')
    })
  })
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve))
  srv.base = `http://127.0.0.1:${srv.address().port}`
})
after(() => new Promise((resolve) => srv.close(resolve)))

const sims = []
const temps = []
after(() => {
  for (const s of sims) s.close()
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true })
})
// A throwaway project from { 'relative/path': 'content' }, removed after the tests.
function tempProject(files) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-render-'))
  temps.push(root)
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), content)
  }
  return root
}
function newSim(opts = {}) {
  const sim = createSimulator(
    Object.assign(
      { root: ROOT, render: true, wechatUrl: srv.base + '/wechat', user: { openid: 'o_r', phone: '13900000001' } },
      opts,
    ),
  )
  sims.push(sim)
  return sim
}
async function open(opts) {
  const sim = newSim(opts)
  const app = await sim.launch()
  const page = await app.openPage('pages/index/index')
  return { sim, app, page, view: app.view(page) }
}

describe('ES modules, compiled as DevTools does', () => {
  test('pages and libs with import/export run unmodified (setting.enhance: babel 7 + the vendored runtime helpers)', async () => {
    const { sim, app, view } = await open()
    assert.equal(sim.compiler.mode, 'enhance')
    assert.equal(view.text('#greeting'), 'hello 1.0') // app.js and the page both import lib/util.js
    assert.deepEqual(sim.compiler.compiled, ['app.js', 'lib/util.js', 'pages/index/index.js'])
    // async functions, spread and class private fields became @babel/runtime helpers, served from the package root
    for (const h of ['asyncToGenerator', 'regeneratorRuntime', 'classPrivateFieldLooseBase', 'toConsumableArray']) {
      assert.ok(sim.compiler.helpers.has('@babel/runtime/helpers/' + h), h)
    }
    assert.equal(typeof app.require('@babel/runtime/helpers/asyncToGenerator'), 'function')
    // only the helpers the compile emitted exist, as in the compiled package
    assert.throws(() => app.require('@babel/runtime/helpers/jsx'), /module '@babel\/runtime\/helpers\/jsx' is not defined/)
  })

  test('without the compile (es6 and enhance off) an import is a syntax error, as on a device', async () => {
    const sim = newSim({ compile: false })
    await assert.rejects(sim.launch(), /Cannot use import statement outside a module/)
  })

  // miniprogram-ci 2.1.42 compiles a mini-program with its summer compiler, whose script plugin
  // (summer/plugins/filetask/script.js) runs the babel 7 enhance pipeline for `es6 || enhance`; the babel 6
  // es6Transform.js is only the legacy original compiler's. uni-app writes es6: true, no enhance, into its output.
  test('setting.es6 without enhance: the same babel 7 compile as enhance (class private fields, runtime helpers)', async () => {
    const { sim, view } = await open({ compile: 'es6' })
    assert.equal(sim.compiler.mode, 'es6')
    assert.equal(view.text('#greeting'), 'hello 1.0')
    assert.ok(sim.compiler.helpers.has('@babel/runtime/helpers/classPrivateFieldLooseBase'))
    // a root file: its helpers are required bare ('@babel/runtime/helpers/x', as babel_helper.replaceBabelHelpers
    // writes them for the root), which WeChat resolves from the file's own directory; async functions use the
    // regeneratorRuntime helper, not a global regeneratorRuntime (the context has none)
    const root = tempProject({
      'project.config.json': JSON.stringify({ setting: { es6: true, enhance: false } }),
      'app.json': JSON.stringify({ pages: ['pages/a/a', 'pages/b/b'] }),
      'app.js':
        'const [a, b] = new Map([[1, 2]]).entries().next().value\n' +
        'App({ globalData: { pair: [a, b], ...{ s: 1 } }, async later() { await null; return "later" } })\n',
      'lib/m.js': 'export const twice = (x) => x * 2\nexport default { name: "m" }\n',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the page's own template literal.
      'pages/a/a.js': "import m, { twice } from '../../lib/m'\nPage({ data: { v: `${m.name} ${twice(21)}` } })\n",
      'pages/a/a.wxml': '<view id="v">{{v}}</view>',
      // code naming the global regeneratorRuntime (regenerator output compiled elsewhere): transform-runtime
      // {regenerator: true} turns it into require("@babel/runtime/regenerator"), which replaceBabelHelpers leaves
      // alone (not in its DepMap) and helper_util.appendHelpers never writes, so it fails to load on DevTools too
      'pages/b/b.js': 'Page({ data: { t: typeof regeneratorRuntime } })\n',
      'pages/b/b.wxml': '<view/>',
    })
    const sim2 = newSim({ root })
    assert.equal(sim2.compiler.mode, 'es6')
    const app = await sim2.launch()
    await app.openPage('pages/a/a')
    assert.equal(app.view().text('#v'), 'm 42')
    assert.equal(await app.eval('JSON.stringify(getApp().globalData)'), '{"pair":[1,2],"s":1}')
    assert.equal(await app.eval('getApp().later()'), 'later')
    assert.equal(await app.eval('typeof regeneratorRuntime'), 'undefined')
    await assert.rejects(app.openPage('pages/b/b'), /module '@babel\/runtime\/regenerator' is not defined/)
    for (const h of ['regeneratorRuntime', 'asyncToGenerator', 'slicedToArray', 'objectSpread2'])
      assert.ok(sim2.compiler.helpers.has('@babel/runtime/helpers/' + h), h)
  })

  test("a syntax error fails the load with the compiler's message", async () => {
    const root = tempProject({
      'project.config.json': JSON.stringify({ setting: { es6: true, enhance: true } }),
      'app.json': JSON.stringify({ pages: ['pages/a/a'] }),
      'pages/a/a.js': "import x from './x'\nPage({ data: { a: 1 }, f() { return 1 + } })\n",
      'pages/a/a.wxml': '<view/>',
    })
    const sim = newSim({ root })
    const app = await sim.launch()
    await assert.rejects(app.openPage('pages/a/a'), /file: pages\/a\/a\.js\n.*Unexpected token/)
  })

  test("two projects in one process keep their own WXML (wcc's globals are per project); inline WXS works", async () => {
    const files = (text) => ({
      'app.json': JSON.stringify({ pages: ['pages/index/index'] }),
      'pages/index/index.js': 'Page({ data: {} })',
      'pages/index/index.wxml': `<wxs module="m">module.exports = { len: function (s) { return s.length } }</wxs><view id="x">${text} {{m.len('abc')}}</view>`,
    })
    for (const text of ['first', 'second']) {
      const sim = newSim({ root: tempProject(files(text)) })
      const app = await sim.launch()
      await app.openPage('pages/index/index')
      assert.equal(app.view().text('#x'), `${text} 3`)
    }
  })
})

describe('rendering and events', () => {
  test('first render: data, wx:if / wx:else, wx:for; the context still has no view-layer globals', async () => {
    const { app, view } = await open()
    assert.equal(view.text('#count'), 'taps: 0')
    assert.equal(view.exists('#empty'), true)
    assert.equal(view.exists('#list'), false)
    assert.deepEqual(view.all('.item'), [])
    assert.equal(view.attr('#add', 'data-kind'), 'fruit')
    assert.deepEqual(view.lines().slice(0, 3), ['hello 1.0', 'taps: 0', 'no items'])
    assert.throws(() => view.text('#nope'), /nothing matches "#nope"/)
    assert.equal(
      await app.eval('[typeof window, typeof document, typeof process, typeof Buffer, typeof jComponent].join()'),
      'undefined,undefined,undefined,undefined,undefined',
    )
  })

  test('bindinput and bindtap reach the page; setData re-renders wx:if and wx:for; data-* in currentTarget.dataset', async () => {
    const { app, view, page } = await open()
    await view.input('#name', 'kiwi')
    assert.equal(page.data.name, 'kiwi')
    assert.equal(view.attr('#name', 'value'), 'kiwi') // re-rendered from the page's data
    await view.tap('#add') // awaits the async handler and the render after it
    await view.tap('#add')
    assert.equal(view.text('#count'), 'taps: 2')
    assert.equal(view.exists('#empty'), false)
    assert.deepEqual(
      view.all('.item').map((i) => [i.text(), i.dataset.id]),
      [
        ['fruit kiwi', 1],
        ['fruit kiwi', 2],
      ],
    )
    // the event the page got: WeChat's shape, an object of the context's realm
    const e = await app.eval(
      'JSON.stringify({ t: global.lastEvent.type, ds: global.lastEvent.currentTarget.dataset, id: global.lastEvent.target.id, d: global.lastEvent.detail, touches: Array.isArray(global.lastEvent.touches), realm: Object.getPrototypeOf(global.lastEvent) === Object.prototype })',
    )
    assert.deepEqual(JSON.parse(e), { t: 'tap', ds: { kind: 'fruit' }, id: 'add', d: { x: 0, y: 0 }, touches: true, realm: true })
    await view.all('.item')[0].tap() // bindtap="remove" on the row, data-id="{{item.id}}"
    assert.deepEqual(
      view.all('.item').map((i) => i.text()),
      ['fruit kiwi'],
    )
    assert.equal(view.all('.item')[0].dataset.id, 2)
  })

  test('a handler that rejects or throws makes tap() reject; a throw also reaches App.onError, as on WeChat', async () => {
    const { app, view } = await open()
    await assert.rejects(view.tap('#fail'), /handler failed/)
    await assert.rejects(view.tap('#fail-sync'), /handler failed at once/)
    assert.match(await app.eval('getApp().globalData.lastError'), /handler failed at once/)
  })

  test('form-type="submit" sends the form\'s named inputs to bindsubmit', async () => {
    const { view } = await open()
    await view.input('#zip', '75001')
    await view.tap('#submit')
    assert.deepEqual(JSON.parse(view.text('#submitted')), { city: 'Paris', zip: '75001' })
  })
})

describe('open-type buttons', () => {
  test('chooseAvatar: a 132×132 PNG as a temp file; getImageInfo reads it; cancel fires nothing', async () => {
    const { sim, view } = await open()
    await view.tap('#avatar-btn', { cancel: true })
    assert.equal(view.exists('#avatar'), false)
    await view.tap('#avatar-btn')
    await view.waitFor('#avatar')
    const src = view.attr('#avatar', 'src')
    assert.match(src, /^wxfile:\/\/tmp_[0-9a-f]{16}\.png$/)
    assert.equal(view.text('#avatar-size'), '132x132 png')
    assert.deepEqual(imageInfo(fs.readFileSync(path.join(sim.tmpDir, src.slice('wxfile://'.length)))), {
      width: 132,
      height: 132,
      type: 'png',
    })
  })

  test("chooseAvatar with a picture of the test's choosing", async () => {
    const { view } = await open({ avatar: makePng(64, 48) })
    await view.tap('#avatar-btn')
    await view.waitFor('#avatar-size')
    assert.equal(view.text('#avatar-size'), '64x48 png')
  })

  test("getPhoneNumber: a code minted by the fake WeChat for the user's phone; deny → fail user deny; no phone → tap rejects", async () => {
    const { view } = await open()
    const n = minted.length
    await view.tap('#phone-btn')
    assert.equal(view.text('#phone'), `code phone-code-${n + 1}`)
    assert.deepEqual(minted[n], { appid: 'wx0000000000000001', openid: 'o_r', phoneNumber: '13900000001', countryCode: '86' })
    await view.tap('#phone-btn', { deny: true })
    assert.equal(view.text('#phone'), 'getPhoneNumber:fail user deny')
    const other = await open({ user: { openid: 'o_nophone' } })
    await assert.rejects(other.view.tap('#phone-btn'), /no phone/)
  })
})

describe('navigation', () => {
  test('navigateTo with a query renders the new page; navigateBack shows the previous one again', async () => {
    const { app, view, page } = await open()
    await view.tap('#go')
    await app.waitFor(() => app.pages.length === 2)
    const detail = app.view()
    assert.equal(detail.route, 'pages/detail/detail')
    await detail.waitForText('#query', 'id=42 from=index') // onLoad's setData, rendered
    assert.deepEqual(
      app.ui.map((u) => [u.api, u.errMsg]),
      [['navigateTo', 'navigateTo:ok']],
    )
    await detail.tap('#back')
    await app.waitFor(() => app.pages.length === 1)
    assert.equal(app.pages[0], page)
    assert.equal(app.view(), view)
    assert.equal(detail.closed, true)
    await assert.rejects(detail.tap('#back'), /has been unloaded/)
  })

  test('navigateTo a tab page fails as on WeChat; switchTab closes the other pages; tab pages stay alive', async () => {
    const { app, view } = await open()
    await view.tap('#go')
    await app.waitFor(() => app.pages.length === 2)
    await app.view().waitFor('#bad')
    await app.view().tap('#bad')
    await app.waitFor(() => app.ui.some((u) => u.api === 'showToast'))
    assert.equal(app.ui.find((u) => u.api === 'showToast').options.title, 'navigateTo:fail can not navigateTo a tabbar page')
    await app.view().tap('#tab')
    await app.waitFor(() => app.pages.length === 1 && app.pages[0].route === 'pages/other/other')
    await app.view().waitForText('#other', 'other tab, shown 1 times')
    await app.switchTab('pages/index/index') // the tab bar: the index page was kept
    assert.equal(app.view(), view)
    await app.switchTab('pages/other/other')
    await app.view().waitForText('#other', 'other tab, shown 2 times') // kept alive: onShow again, no onLoad
    await assert.rejects(app.switchTab('pages/detail/detail'), /switchTab:fail can not switch to no-tabBar page/)
  })

  test('the page stack holds 10 pages; reLaunch, redirectTo, missing pages', async () => {
    const { app } = await open()
    const nav = (api, o) =>
      app.eval(`new Promise((resolve) => wx.${api}(Object.assign(${JSON.stringify(o)}, { complete: (r) => resolve(r.errMsg) })))`)
    for (let i = 0; i < 9; i++) assert.equal(await nav('navigateTo', { url: '../detail/detail?n=' + i }), 'navigateTo:ok')
    assert.equal(app.pages.length, 10)
    assert.equal(await nav('navigateTo', { url: '/pages/detail/detail' }), 'navigateTo:fail webview count limit exceed')
    assert.equal(await nav('redirectTo', { url: '/pages/detail/detail?id=r' }), 'redirectTo:ok')
    assert.equal(app.pages.length, 10)
    assert.equal(app.view().text('#query'), 'id=r from=')
    assert.equal(await nav('navigateBack', { delta: 20 }), 'navigateBack:ok')
    assert.equal(app.pages.length, 1)
    assert.equal(await nav('navigateBack', {}), 'navigateBack:fail cannot navigate back at first page.')
    assert.equal(await nav('navigateTo', { url: '/pages/nope/nope' }), 'navigateTo:fail page "pages/nope/nope" is not found')
    assert.equal(await nav('reLaunch', { url: '/pages/detail/detail?id=7' }), 'reLaunch:ok')
    assert.deepEqual(
      app.pages.map((p) => p.route),
      ['pages/detail/detail'],
    )
  })
})

describe('wx APIs the pages use', () => {
  test('getImageInfo: local file, download, missing file; chooseMedia / chooseImage; a toast without title fails', async () => {
    const { app } = await open({ choose: (api) => (api === 'chooseImage' ? null : [makePng(20, 10)]) })
    const r = JSON.parse(
      await app.eval(`(async () => {
      const media = await wx.chooseMedia({ count: 1, mediaType: ['image'] })
      const local = await wx.getImageInfo({ src: media.tempFiles[0].tempFilePath })
      const remote = await wx.getImageInfo({ src: '${srv.base}/img.png' })
      const missing = await wx.getImageInfo({ src: 'wxfile://tmp_missing.png' }).catch((e) => e)
      const cancelled = await wx.chooseImage({}).catch((e) => e)
      const toast = await wx.showToast({ title: undefined }).catch((e) => e)
      return JSON.stringify({ media, local, remote, missing, cancelled, toast })
    })()`),
    )
    assert.equal(r.media.errMsg, 'chooseMedia:ok')
    assert.equal(r.media.type, 'image')
    assert.deepEqual(Object.keys(r.media.tempFiles[0]).sort(), ['fileType', 'height', 'size', 'tempFilePath', 'width'])
    assert.equal(r.local.width, 20)
    assert.equal(r.local.height, 10)
    assert.equal(r.local.type, 'png')
    assert.equal(r.remote.width, 40)
    assert.match(r.remote.path, /^wxfile:\/\/tmp_/)
    assert.equal(r.missing.errMsg, 'getImageInfo:fail file not found')
    assert.equal(r.cancelled.errMsg, 'chooseImage:fail cancel')
    assert.equal(r.toast.errMsg, 'showToast:fail parameter error: parameter.title should be String instead of Undefined;')
    assert.equal(app.ui.find((u) => u.api === 'showToast').errMsg, r.toast.errMsg)
  })

  test('showModal answers with the sim option modal()', async () => {
    const { app } = await open({ modal: (o) => (o.title === 'no' ? 'cancel' : 'confirm') })
    const r = await app.eval(
      "Promise.all([wx.showModal({ title: 'no' }), wx.showModal({ title: 'yes', editable: true, content: 'c' })]).then((a) => JSON.stringify(a))",
    )
    assert.deepEqual(JSON.parse(r), [
      { confirm: false, cancel: true, errMsg: 'showModal:ok' },
      { confirm: true, cancel: false, content: 'c', errMsg: 'showModal:ok' },
    ])
  })
})

describe('the built package, imported by an ES-module page', () => {
  let project
  after(() => project && project.cleanup())

  test("`import { supabase } from '../../lib/supabase'` runs unmodified; the SDK goes through the same compile", async () => {
    project = await clientProject({
      url: 'http://127.0.0.1:9',
      key: 'anon-key',
      clients: { supabase: { as: 'supabase', esm: true } },
      files: {
        'project.config.json': JSON.stringify({
          appid: 'wx0000000000000001',
          compileType: 'miniprogram',
          setting: { es6: true, enhance: true },
        }),
        'pages/index/index.js': `import { supabase } from '../../lib/supabase'
Page({
  data: { state: 'loading' },
  async onLoad() {
    const { data, error } = await supabase.auth.getSession()
    this.setData({ state: error ? 'error ' + error.message : data.session ? 'signed in' : 'signed out' })
  },
})
`,
        'pages/index/index.wxml': '<view id="state">{{state}}</view>',
      },
    })
    const sim = newSim({ root: project.root, user: { openid: 'o_x' } })
    const app = await sim.launch()
    await app.openPage('pages/index/index')
    const view = app.view()
    assert.equal(await view.waitForText('#state', /^signed out$|^error/), 'signed out')
    assert.ok(sim.compiler.compiled.includes('pages/index/index.js'))
    assert.ok(sim.compiler.compiled.includes('miniprogram_npm/supabase-wechat/index.js'))
    assert.equal(sim.wasmLoads.length, 1)
  })
})
