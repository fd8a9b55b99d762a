'use strict'
// MemFire's WeChat website QR login (wechat_qr) on the local backend, at the HTTP level: the fake WeChat QR page
// (a real QR image of the confirm URL, #confirm and #deny), GoTrue's redirect rules (site URL, URI allow list
// globs, fallback to the site URL; strictRedirects: a clear 400) and the way back (PKCE ?code=, implicit #tokens,
// a refusal as ?error=access_denied).
// Run: node --test tests/node/backend-web-qr.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const path = require('node:path')
const jsQR = require('jsqr')
const { PNG } = require('pngjs')

const { startBackend } = require(path.join(__dirname, '..', '..', 'backend'))
const { globToRegExp, compileAllowList, isRedirectUrlValid, resolveRedirect } = require(
  path.join(__dirname, '..', '..', 'backend', 'redirect'),
)
const testHttp = require('./lib/http')

const SITE = 'https://site.example/'
const ALLOW = ['https://*.app.example/**', 'http://localhost:3000/*', 'myapp://callback']
let be

before(async () => {
  be = await startBackend({ port: 0, siteUrl: SITE, redirectAllowList: ALLOW })
})
after(async () => {
  if (be) await be.stop()
})

const request = (method, urlPath, headers = {}) => testHttp.request(be.url, method, urlPath, { headers })
const verifier = () => crypto.randomBytes(32).toString('base64url')
const s256 = (v) => crypto.createHash('sha256').update(v).digest('base64url')

function authorizePath({ redirectTo, challenge } = {}) {
  const q = new URLSearchParams({ provider: 'wechat_qr' })
  if (redirectTo !== undefined) q.set('redirect_to', redirectTo)
  if (challenge) {
    q.set('code_challenge', challenge)
    q.set('code_challenge_method', 's256')
  }
  return `/auth/v1/authorize?${q}`
}

// The fake WeChat page: the QR image decoded, and the hrefs of #confirm and #deny.
function readQrPage(html) {
  const src = /<img id="qrcode" src="data:image\/png;base64,([^"]+)"/.exec(html)
  assert.ok(src, 'a PNG QR image')
  const png = PNG.sync.read(Buffer.from(src[1], 'base64'))
  const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
  assert.ok(qr, 'the QR image decodes')
  const href = (id) => /href="([^"]+)"/.exec(new RegExp(`<a id="${id}"[^>]*>`).exec(html)[0])[1].replace(/&amp;/g, '&')
  return { qrText: qr.data, confirm: href('confirm'), deny: href('deny') }
}

// authorize -> QR page -> #confirm (or #deny) -> callback -> the final redirect (a URL).
async function flow(opts = {}) {
  const a = await request('GET', authorizePath(opts), opts.headers)
  assert.equal(a.status, 302, a.text)
  const qrUrl = new URL(a.headers.location)
  const page = await request('GET', qrUrl.pathname + qrUrl.search)
  assert.equal(page.status, 200)
  const p = readQrPage(page.text)
  const c = await request('GET', opts.deny ? p.deny : p.confirm)
  assert.equal(c.status, 302, c.text)
  const cb = new URL(c.headers.location)
  const r = await request('GET', cb.pathname + cb.search)
  assert.equal(r.status, 302, r.text)
  return { authorize: a, page: p, location: new URL(r.headers.location), raw: r.headers.location }
}

test('allow list globs: GoTrue URI_ALLOW_LIST (gobwas/glob, separators . and /)', () => {
  const m = (p, s) => globToRegExp(p).test(s)
  assert.ok(m('https://*.example.com/**', 'https://a.example.com/x/y?z=1'))
  assert.ok(!m('https://*.example.com/**', 'https://a.b.example.com/'), '* stays within a dot segment')
  assert.ok(m('https://**.example.com/**', 'https://a.b.example.com/'))
  assert.ok(m('http://localhost:3000/*', 'http://localhost:3000/cb?x=1'))
  assert.ok(!m('http://localhost:3000/*', 'http://localhost:3000/a/b'), '* stays within a path segment')
  assert.ok(m('http://localhost:3000/**', 'http://localhost:3000/'))
  assert.ok(m('https://app.example/cb?', 'https://app.example/cb1'))
  assert.ok(m('https://{a,b}.example/', 'https://b.example/'))
  assert.ok(!m('https://{a,b}.example/', 'https://c.example/'))
  assert.ok(m('https://[!x]y.example/', 'https://zy.example/'))
  assert.ok(!m('https://app.example/cb', 'https://app.example/cb/'), 'anchored')
  assert.ok(!m('https://app.example/cb', 'https://appxexample/cb'), '. is literal')
})

test('IsRedirectURLValid: site URL, loopback, allow list, refusals', () => {
  const list = compileAllowList(ALLOW)
  const ok = (u, site = SITE) => isRedirectUrlValid(site, list, u)
  assert.ok(ok('https://site.example/any/path?x#y'), 'same site')
  assert.ok(!ok('http://site.example/'), 'scheme must match the site URL')
  assert.ok(!ok('https://site.example:8443/'), 'port must match the site URL')
  assert.ok(ok('http://localhost:9999/', 'http://localhost:3000'), 'any port on a localhost site')
  assert.ok(ok('http://127.0.0.1:5173/cb'), 'a loopback IP is always allowed (GoTrue: ip.IsLoopback())')
  assert.ok(ok('http://[::1]:5173/cb'))
  assert.ok(!ok('http://2130706433/'), 'decimal IP')
  assert.ok(!ok('http://10.0.0.1/'), 'another IP literal')
  assert.ok(!ok('http://localhost:3001/cb'), 'not in the list')
  assert.ok(ok('http://localhost:3000/cb'))
  assert.ok(ok('http://localhost:3000/cb#frag/with/slashes'), 'the fragment is not matched')
  assert.ok(ok('https://x.app.example/deep/path'))
  assert.ok(ok('myapp://callback'), 'a custom scheme from the list')
  assert.ok(!ok('https://evil.example/'))
  assert.ok(!ok('\thttps://site.example/'), 'control characters')
  assert.ok(!ok('javascript:alert(1)'))
  assert.ok(!ok(''))
  // GetReferrer: redirect_to, else a valid Referer, else the site URL
  assert.deepEqual(
    resolveRedirect({
      siteUrl: SITE,
      allowList: list,
      redirectTo: 'https://evil.example/',
      referer: 'http://localhost:3000/page',
    }),
    { url: 'http://localhost:3000/page', rejected: 'https://evil.example/' },
  )
  assert.deepEqual(resolveRedirect({ siteUrl: SITE, allowList: list, redirectTo: '', referer: '' }), {
    url: SITE,
    rejected: undefined,
  })
})

test('the fake WeChat QR page: a real QR image of the confirm URL, #confirm and #deny', async () => {
  const a = await request('GET', authorizePath({ redirectTo: 'http://localhost:3000/cb' }))
  const u = new URL(a.headers.location)
  const page = await request('GET', u.pathname + u.search)
  assert.equal(page.status, 200)
  assert.match(page.headers['content-type'], /^text\/html/)
  const p = readQrPage(page.text)
  assert.match(p.qrText, new RegExp(`^${be.url}/wechat/connect/confirm\\?ticket=[A-Za-z0-9]+$`))
  assert.equal(p.confirm, p.qrText.slice(be.url.length))
  assert.equal(p.deny, `${p.confirm}&deny=1`)
  assert.match(page.text, /扫码并确认/)
  assert.match(page.text, /拒绝/)
})

test('PKCE: an allowed redirect_to gets ?code=, which grant_type=pkce exchanges', async () => {
  const v = verifier()
  const f = await flow({ redirectTo: 'https://x.app.example/auth/done?keep=1', challenge: s256(v) })
  assert.equal(f.authorize.headers['x-sbwx-redirect-rejected'], undefined)
  assert.equal(`${f.location.origin}${f.location.pathname}`, 'https://x.app.example/auth/done')
  assert.equal(f.location.searchParams.get('keep'), '1')
  const code = f.location.searchParams.get('code')
  assert.match(code, /^[0-9a-f-]{36}$/)
  const t = await testHttp.request(be.url, 'POST', '/auth/v1/token?grant_type=pkce', {
    headers: { apikey: be.anonKey },
    body: { auth_code: code, code_verifier: v },
  })
  assert.equal(t.status, 200, t.text)
  assert.equal(t.json.user.app_metadata.provider, 'wechat_qr')
})

test('implicit: the session in the fragment (GoTrue AsRedirectURL keys)', async () => {
  const f = await flow({ redirectTo: 'http://localhost:3000/cb' })
  assert.equal(f.location.search, '')
  const h = new URLSearchParams(f.location.hash.slice(1))
  for (const k of ['access_token', 'refresh_token', 'expires_in', 'expires_at', 'provider_token']) assert.ok(h.get(k), k)
  assert.equal(h.get('token_type'), 'bearer')
  const u = await testHttp.request(be.url, 'GET', '/auth/v1/user', {
    headers: { apikey: be.anonKey, authorization: `Bearer ${h.get('access_token')}` },
  })
  assert.equal(u.status, 200, u.text)
})

test('deny on the WeChat page: ?error=access_denied&error_description=… (and in the fragment)', async () => {
  const f = await flow({ redirectTo: 'http://localhost:3000/cb', challenge: s256(verifier()), deny: true })
  assert.equal(`${f.location.origin}${f.location.pathname}`, 'http://localhost:3000/cb')
  assert.equal(f.location.searchParams.get('error'), 'access_denied')
  assert.equal(f.location.searchParams.get('error_description'), 'The user denied the WeChat authorization')
  assert.equal(f.location.searchParams.get('code'), null)
  assert.equal(new URLSearchParams(f.location.hash.slice(1)).get('error'), 'access_denied')
})

test('a redirect_to outside the allow list: GoTrue falls back to the site URL (Referer first), says so in a header', async () => {
  const f = await flow({ redirectTo: 'https://evil.example/steal', challenge: s256(verifier()) })
  assert.equal(f.authorize.headers['x-sbwx-redirect-rejected'], 'https://evil.example/steal')
  assert.equal(`${f.location.origin}${f.location.pathname}`, 'https://site.example/')
  assert.ok(f.location.searchParams.get('code'))
  // a valid Referer wins over the site URL
  const g = await flow({ redirectTo: 'https://evil.example/', headers: { referer: 'http://localhost:3000/login' } })
  assert.equal(`${g.location.origin}${g.location.pathname}`, 'http://localhost:3000/login')
  // no redirect_to at all: the site URL, no header
  const a = await request('GET', authorizePath())
  assert.equal(a.status, 302)
  assert.equal(a.headers['x-sbwx-redirect-rejected'], undefined)
})

test('strictRedirects: a clear 400 instead (JSON for API clients, a page for browsers); be.redirects() at run time', async () => {
  try {
    assert.deepEqual(be.redirects({ strictRedirects: true }), { siteUrl: SITE, redirectAllowList: ALLOW, strictRedirects: true })
    let r = await request('GET', authorizePath({ redirectTo: 'https://evil.example/x' }))
    assert.equal(r.status, 400)
    assert.equal(r.json.error_code, 'validation_failed')
    assert.equal(
      r.json.msg,
      `redirect_to is not allowed: https://evil.example/x is neither the site URL (${SITE}) nor in the redirect allow list (${ALLOW.join(', ')})`,
    )
    r = await request('GET', authorizePath({ redirectTo: 'https://evil.example/x' }), { 'x-supabase-api-version': '2024-01-01' })
    assert.equal(r.json.code, 'validation_failed')
    r = await request('GET', authorizePath({ redirectTo: 'https://evil.example/x' }), {
      accept: 'text/html,application/xhtml+xml',
    })
    assert.equal(r.status, 400)
    assert.match(r.headers['content-type'], /^text\/html/)
    assert.match(r.text, /<h1 id="redirect-error">Redirect URL not allowed/)
    assert.match(r.text, /<code id="rejected-url">https:\/\/evil\.example\/x<\/code>/)
    // allowed ones still pass; the list can change at run time
    assert.equal((await request('GET', authorizePath({ redirectTo: 'http://localhost:3000/cb' }))).status, 302)
    be.redirects({ redirectAllowList: [...ALLOW, 'https://evil.example/*'] })
    assert.equal((await request('GET', authorizePath({ redirectTo: 'https://evil.example/x' }))).status, 302)
    assert.throws(() => be.redirects({ redirectAllowList: ['https://[a.example/'] }), /unclosed \[/)
  } finally {
    be.redirects({ strictRedirects: false, redirectAllowList: ALLOW })
  }
})
