'use strict'
// The web example (examples/web-qr-login/) in a real browser: Debian's Chromium driven by playwright-core against
// the page served on 127.0.0.1 (page + dist browser bundle + wasm as application/wasm + a generated config.js)
// and the local backend's wechat_qr flow: 微信扫码登录 -> fake QR page -> #confirm -> back, signed in (screenshot
// .tmp/artifacts/web-qr-signed-in.png); reload keeps the session; 退出登录 clears it; #deny shows initialize()'s
// error; a redirect URL outside the allow list is refused (strictRedirects: the clear error page).
// Run: bash scripts/build.sh && node --test tests/node/web-qr-login.e2e.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')

const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))
const { browserMissing, launchBrowser, artifactPath } = require('./lib/browser')

const ROOT = path.join(__dirname, '..', '..')
const EXAMPLE = path.join(ROOT, 'examples', 'web-qr-login')
const DIST = path.join(ROOT, 'dist', 'supabase-wechat', 'browser')
// Missing tools or bundle fail the run (scripts/install-tools.sh, scripts/build.sh); nothing is skipped.
const missing =
  browserMissing() ||
  (!fs.existsSync(path.join(DIST, 'supabase-wechat.js')) && 'no browser bundle (bash scripts/build.sh)') ||
  null

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' }
let be, site, browser, siteUrl

// The example's static server: index.html + app.js from examples/, the bundle + wasm from dist/, config.js generated.
async function startSite(config) {
  const files = {
    '/': path.join(EXAMPLE, 'index.html'),
    '/index.html': path.join(EXAMPLE, 'index.html'),
    '/app.js': path.join(EXAMPLE, 'app.js'),
    '/supabase-wechat.js': path.join(DIST, 'supabase-wechat.js'),
    '/supabase_wechat_bg.wasm': path.join(DIST, 'supabase_wechat_bg.wasm'),
  }
  const server = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname
    if (p === '/config.js') {
      res.writeHead(200, { 'content-type': TYPES['.js'], 'cache-control': 'no-store' })
      return res.end(`window.APP_CONFIG = ${JSON.stringify(config())};\n`)
    }
    const f = files[p]
    if (!f) return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
    res.writeHead(200, { 'content-type': TYPES[path.extname(f)], 'cache-control': 'no-store' })
    res.end(fs.readFileSync(f))
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

before(async () => {
  if (missing) throw new Error(missing)
  site = await startSite(() => ({ supabaseUrl: be.url, supabaseKey: be.anonKey }))
  siteUrl = site.url
  ;[be, browser] = await Promise.all([
    startBackend({ port: 0, siteUrl: `${siteUrl}/`, redirectAllowList: [`${siteUrl}/**`], strictRedirects: true }),
    launchBrowser(),
  ])
})
after(async () => {
  await Promise.all([browser && browser.close(), be && be.stop(), site && site.close()])
})

async function ready(page) {
  await page.waitForFunction(() => document.body.dataset.ready === '1')
}

async function openApp(context) {
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  await page.goto(`${siteUrl}/?tab=demo`)
  await ready(page)
  return { page, errors }
}

test('Chromium: 微信扫码登录 -> QR page -> confirm -> signed in; reload keeps it; 退出登录 clears it', async () => {
  const context = await browser.newContext()
  try {
    const { page, errors } = await openApp(context)
    assert.equal(await page.locator('#status').textContent(), '未登录')
    assert.ok(await page.locator('#login').isVisible())

    await Promise.all([
      page.waitForURL(/\/wechat\/connect\/qrconnect\?/),
      page.getByRole('button', { name: '微信扫码登录' }).click(),
    ])
    await page.locator('#qrcode').waitFor()
    await Promise.all([page.waitForURL((u) => u.origin === siteUrl, { waitUntil: 'commit' }), page.click('#confirm')])
    await ready(page)
    assert.equal(page.url(), `${siteUrl}/?tab=demo`, 'code removed from the address bar')
    assert.equal(await page.locator('#status').textContent(), '已登录')
    const userId = await page.locator('#user-id').textContent()
    assert.match(userId, /^[0-9a-f-]{36}$/)
    assert.equal(await page.locator('#user-name').textContent(), '微信用户')
    assert.equal(await page.locator('#user-provider').textContent(), 'wechat_qr')
    assert.ok(await page.locator('#logout').isVisible())
    assert.ok(await page.locator('#error').isHidden())
    const keys = await page.evaluate(() => Object.keys(localStorage))
    assert.ok(
      keys.some((k) => k.endsWith('-auth-token')),
      keys.join(),
    )
    await page.screenshot({ path: artifactPath('web-qr-signed-in.png'), fullPage: true })

    await page.reload()
    await ready(page)
    assert.equal(await page.locator('#status').textContent(), '已登录')
    assert.equal(await page.locator('#user-id').textContent(), userId)

    await page.getByRole('button', { name: '退出登录' }).click()
    await page.locator('#login').waitFor()
    assert.equal(await page.locator('#status').textContent(), '未登录')
    assert.ok(await page.locator('#signed-in').isHidden())
    assert.ok(!(await page.evaluate(() => Object.keys(localStorage))).some((k) => k.endsWith('-auth-token')))
    await page.reload()
    await ready(page)
    assert.equal(await page.locator('#status').textContent(), '未登录')
    assert.deepEqual(errors, [])
  } finally {
    await context.close()
  }
})

test("Chromium: #deny -> back on the page with initialize()'s error, not signed in", async () => {
  const context = await browser.newContext()
  try {
    const { page, errors } = await openApp(context)
    await Promise.all([page.waitForURL(/\/wechat\/connect\/qrconnect\?/), page.click('#login')])
    await Promise.all([page.waitForURL((u) => u.origin === siteUrl, { waitUntil: 'commit' }), page.click('#deny')])
    await ready(page)
    assert.equal(page.url(), `${siteUrl}/?tab=demo`, 'error removed from the address bar')
    assert.ok(await page.locator('#error').isVisible())
    assert.match(await page.locator('#error').textContent(), /^登录失败：.*denied/)
    assert.equal(await page.locator('#status').textContent(), '未登录')
    assert.ok(await page.locator('#login').isVisible())
    await page.screenshot({ path: artifactPath('web-qr-denied.png') })
    assert.deepEqual(errors, [])
  } finally {
    await context.close()
  }
})

test('Chromium: a redirect URL outside the allow list is refused with the clear error page', async () => {
  const context = await browser.newContext()
  try {
    const { page } = await openApp(context)
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${be.url}/auth/v1/authorize?`)),
      page.evaluate(() => {
        window.app.signIn('https://evil.example/steal')
      }),
    ])
    assert.equal(resp.status(), 400)
    await page.locator('#redirect-error').waitFor()
    assert.match(await page.locator('#redirect-error').textContent(), /Redirect URL not allowed/)
    assert.equal(await page.locator('#rejected-url').textContent(), 'https://evil.example/steal')
    assert.ok(page.url().startsWith(`${be.url}/auth/v1/authorize?`), 'no QR page, no redirect anywhere')
    await page.screenshot({ path: artifactPath('web-qr-redirect-refused.png') })
  } finally {
    await context.close()
  }
})
