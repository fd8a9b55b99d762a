'use strict'
// The browser harness, proven end to end: Chromium opens the local backend's wechat_qr authorize URL, lands on
// the fake WeChat QR page, the QR code read from a screenshot names the confirm URL, #confirm brings it back
// to an allowed redirect URL (a local static page) with ?code= (PKCE); #deny with ?error=access_denied; a
// redirect URL outside the allow list with strictRedirects shows the clear error page.
// Run: node --test tests/node/browser-smoke.test.js   (needs /usr/bin/chromium: scripts/install-tools.sh)
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const path = require('node:path')
const jsQR = require('jsqr')
const { PNG } = require('pngjs')

const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))
const { browserMissing, launchBrowser, startStaticServer, artifactPath } = require('./lib/browser')

// Missing tools fail the run (scripts/install-tools.sh installs both); nothing is skipped.
const missing = browserMissing()
let be, site, browser

before(async () => {
  if (missing) throw new Error(missing)
  site = await startStaticServer()
  // The app's origin as GoTrue's site URL; the allow list names a path under it, for the record (a loopback
  // URL is allowed by GoTrue anyway).
  ;[be, browser] = await Promise.all([
    startBackend({ port: 0, siteUrl: `${site.url}/`, redirectAllowList: [`${site.url}/auth/**`] }),
    launchBrowser(),
  ])
})
after(async () => {
  await Promise.all([browser && browser.close(), be && be.stop(), site && site.close()])
})

function authorizeUrl(redirectTo, challenge) {
  const q = new URLSearchParams({ provider: 'wechat_qr', redirect_to: redirectTo })
  if (challenge) {
    q.set('code_challenge', challenge)
    q.set('code_challenge_method', 's256')
  }
  return `${be.url}/auth/v1/authorize?${q}`
}

async function openQrPage(page, redirectTo, challenge) {
  await page.goto(authorizeUrl(redirectTo, challenge))
  assert.match(page.url(), /\/wechat\/connect\/qrconnect\?/)
  await page.locator('#qrcode').waitFor()
}

test('Chromium: QR page -> decode the QR from a screenshot -> #confirm -> allowed redirect with ?code=', async () => {
  const page = await browser.newPage()
  try {
    const challenge = crypto.createHash('sha256').update(crypto.randomBytes(32).toString('base64url')).digest('base64url')
    await openQrPage(page, `${site.url}/auth/callback`, challenge)
    const shot = await page.locator('#qrcode').screenshot({ path: artifactPath('wechat-qr-page.png') })
    await page.screenshot({ path: artifactPath('wechat-qr-full.png') })
    const png = PNG.sync.read(shot)
    const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
    assert.ok(qr, 'the QR code in the screenshot decodes')
    assert.match(qr.data, new RegExp(`^${be.url}/wechat/connect/confirm\\?ticket=`))
    assert.equal(await page.locator('#confirm').getAttribute('href'), qr.data.slice(be.url.length))
    await Promise.all([page.waitForURL(`${site.url}/auth/callback?**`), page.click('#confirm')])
    const landed = new URL(page.url())
    assert.match(landed.searchParams.get('code'), /^[0-9a-f-]{36}$/)
    assert.equal(await page.locator('#landed').textContent(), page.url())
    await page.screenshot({ path: artifactPath('wechat-qr-landed.png') })
  } finally {
    await page.close()
  }
})

test('Chromium: #deny -> ?error=access_denied', async () => {
  const page = await browser.newPage()
  try {
    await openQrPage(page, `${site.url}/auth/callback`)
    await Promise.all([page.waitForURL(`${site.url}/auth/callback?**`), page.click('#deny')])
    const landed = new URL(page.url())
    assert.equal(landed.searchParams.get('error'), 'access_denied')
    assert.equal(landed.searchParams.get('error_description'), 'The user denied the WeChat authorization')
  } finally {
    await page.close()
  }
})

test('Chromium: a redirect URL outside the allow list -> the site URL (GoTrue), or the clear error page (strict)', async () => {
  const page = await browser.newPage()
  try {
    await openQrPage(page, 'https://evil.example/steal')
    await Promise.all([page.waitForURL((u) => u.origin === site.url && u.pathname === '/'), page.click('#confirm')])
    assert.equal(new URL(page.url()).searchParams.get('code'), null, 'implicit flow: no ?code')
    assert.match(new URL(page.url()).hash, /access_token=/)

    be.redirects({ strictRedirects: true })
    const r = await page.goto(authorizeUrl('https://evil.example/steal'))
    assert.equal(r.status(), 400)
    assert.match(await page.locator('#redirect-error').textContent(), /Redirect URL not allowed/)
    assert.equal(await page.locator('#rejected-url').textContent(), 'https://evil.example/steal')
    await page.screenshot({ path: artifactPath('redirect-not-allowed.png') })
  } finally {
    be.redirects({ strictRedirects: false })
    await page.close()
  }
})
