'use strict'
// Fake WeChat platform (what api.weixin.qq.com and open.weixin.qq.com are to MemFire's server), on the
// backend's virtual clock. Real WeChat semantics: the APIs answer HTTP 200 with `{errcode, errmsg}` on
// failure (errmsg ends in ", rid: ..."); only the fake QR-login page uses HTTP error statuses.
//
// - wx.login codes: test hook POST /test/mint_code, GET /sns/jscode2session
// - access tokens: POST /cgi-bin/stable_token, GET /cgi-bin/token
// - phone: test hook POST /test/mint_phone_code, POST /wxa/business/getuserphonenumber
// - mini-program code: POST /wxa/getwxacodeunlimit (a real QR code of the scene, PNG)
// - website QR login: GET /connect/qrconnect (HTML), GET /connect/confirm (302), GET /sns/oauth2/access_token,
//   GET /sns/userinfo
const crypto = require('node:crypto')

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const TOKEN_ALPHABET = ALNUM + '_-'
const CODE_TTL_MS = 5 * 60 * 1000
const ACCESS_TOKEN_TTL_S = 7200
// Normal-mode stable_token renews this long before expiry; old and new tokens overlap meanwhile.
const RENEW_BEFORE_MS = 5 * 60 * 1000
const TICKET_TTL_MS = 5 * 60 * 1000
const SNS_TOKEN_TTL_S = 7200

const DEFAULT_WECHAT_WEB = { appid: 'wx00000000000000w1', secret: 'web0123456789abcdef0123456789abcd' }
const DEFAULT_WECHAT_PAGES = ['pages/index/index']
const DEFAULT_WEB_OPENID = 'o_web_user'

// getwxacodeunlimit: scene is at most 32 visible characters from this set (no '%').
const SCENE_RE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/
const ENV_VERSIONS = ['release', 'trial', 'develop']
const WXACODE_MIN_WIDTH = 280
const WXACODE_MAX_WIDTH = 1280
const WXACODE_DEFAULT_WIDTH = 430

function randomString(n, alphabet) {
  let s = ''
  for (let i = 0; i < n; i++) s += alphabet[crypto.randomInt(alphabet.length)]
  return s
}

function rid() {
  const h = crypto.randomBytes(12).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 16)}-${h.slice(16, 24)}`
}

const wxErr = (errcode, errmsg) => ({ errcode, errmsg: `${errmsg} rid: ${rid()}` })
const own = (o, k) => Object.hasOwn(o, k)

// Validates getwxacodeunlimit's JSON body the way WeChat does. Shared with MemFire's
// /wechat_mini/unlimited_qrcode, which checks the same rules before forwarding.
// opts.pages: the published pages (for check_path); null skips the existence check.
// -> { errcode, errmsg } or { args: {scene, page, checkPath, envVersion, width, autoColor, lineColor, isHyaline} }
function checkWxacodeArgs(body, opts = {}) {
  const bad = (errcode, errmsg) => ({ errcode, errmsg })
  const format = bad(47001, 'data format error')
  if (!body || typeof body !== 'object' || Array.isArray(body)) return format
  const { scene } = body
  if (scene === undefined || scene === null || scene === '')
    return bad(40169, 'invalid length for scene, or the data is not json string')
  if (typeof scene !== 'string') return format
  if (scene.length > 32) return bad(40169, 'invalid length for scene, or the data is not json string')
  if (!SCENE_RE.test(scene)) return bad(40129, 'invalid scene')

  const envVersion = body.env_version === undefined || body.env_version === null ? 'release' : body.env_version
  if (!ENV_VERSIONS.includes(envVersion)) return bad(40097, 'invalid args')

  let width = WXACODE_DEFAULT_WIDTH
  if (body.width !== undefined && body.width !== null) {
    if (typeof body.width !== 'number' || !Number.isFinite(body.width)) return format
    // Like WeChat, out-of-range widths are clamped to 280..1280 rather than refused.
    width = Math.min(WXACODE_MAX_WIDTH, Math.max(WXACODE_MIN_WIDTH, Math.round(body.width)))
  }
  const bool = (v, dflt) => (v === undefined || v === null ? dflt : v)
  const autoColor = bool(body.auto_color, false)
  const isHyaline = bool(body.is_hyaline, false)
  const checkPath = bool(body.check_path, true)
  if (typeof autoColor !== 'boolean' || typeof isHyaline !== 'boolean' || typeof checkPath !== 'boolean') return format

  let lineColor = { r: 0, g: 0, b: 0 }
  if (body.line_color !== undefined && body.line_color !== null) {
    const lc = body.line_color
    if (typeof lc !== 'object' || Array.isArray(lc)) return format
    lineColor = {}
    for (const k of ['r', 'g', 'b']) {
      // WeChat's own sample sends the components as strings.
      const n = typeof lc[k] === 'string' && /^\d{1,3}$/.test(lc[k]) ? Number(lc[k]) : lc[k]
      if (!Number.isInteger(n) || n < 0 || n > 255) return format
      lineColor[k] = n
    }
  }

  let page = body.page === undefined || body.page === null ? '' : body.page
  if (typeof page !== 'string') return format
  const pages = opts.pages || null
  if (page === '') page = pages && pages.length ? pages[0] : ''
  // No leading '/', no query (parameters belong in scene), scancode_time is reserved.
  if (page.startsWith('/') || page.includes('?') || page.includes('#') || /scancode_time/.test(page))
    return bad(41030, 'invalid page')
  if (checkPath && pages && !pages.includes(page)) return bad(41030, 'invalid page')
  return { args: { scene, page, checkPath, envVersion, width, autoColor, lineColor, isHyaline } }
}

function createWechat({ apps, now, web, foreignCodes }) {
  // apps: { defaultAppid, secrets: {appid: secret} } (mini-programs); web: {appid, secret} (website app)
  // foreignCodes: null, or { openid, phoneNumber }: codes this fake never minted (a wx.login or getPhoneNumber
  // code WeChat DevTools or a phone got from the real WeChat) are accepted once, as that openid / that
  // mainland number, instead of 40029. For `scripts/demo.sh --serve` (DevTools against the local backend).
  let webCreds = { ...DEFAULT_WECHAT_WEB, ...(web || {}) }
  const webApp = () => webCreds
  const setWebApp = (w) => {
    webCreds = { ...DEFAULT_WECHAT_WEB, ...(w || {}) }
  }
  // wx.login code -> { appid, openid, unionid, expiresAt, used }
  const codes = new Map()
  // getPhoneNumber button code -> { appid, openid, phoneNumber, purePhoneNumber, countryCode, expiresAt, used }
  const phoneCodes = new Map()
  // access_token -> { appid, kind: 'stable'|'cgi', expiresAt, revokedAt }
  const tokens = new Map()
  // `${kind}:${appid}` -> current access_token
  const current = new Map()
  // qrconnect ticket -> { appid, redirectUri, state, expiresAt, used }
  const tickets = new Map()
  // website OAuth code -> { appid, openid, unionid, nickname, expiresAt, used }
  const webCodes = new Map()
  // sns access_token -> { appid, openid, unionid, nickname, expiresAt }; refresh_token -> access_token
  const snsTokens = new Map()

  function sweep() {
    const t = now()
    for (const m of [codes, phoneCodes, tickets, webCodes]) {
      for (const [k, v] of m) if (v.expiresAt + CODE_TTL_MS < t) m.delete(k)
    }
    // Expired tokens are kept for a day, so they answer 42001 (expired) rather than 40001 (invalid).
    for (const [k, v] of tokens) if (v.expiresAt + 86400000 < t) tokens.delete(k)
    for (const [k, v] of snsTokens) if (v.expiresAt + 86400000 < t) snsTokens.delete(k)
  }

  const isMiniApp = (appid) => !!appid && own(apps.secrets, appid)

  // A code minted elsewhere (foreignCodes mode): remembered like one of ours, so a second use is 40163.
  function adoptForeign(map, code, entry) {
    if (!foreignCodes || typeof code !== 'string' || !code) return null
    sweep()
    const c = { ...entry, expiresAt: now() + CODE_TTL_MS, used: false }
    map.set(code, c)
    return c
  }

  // ---- wx.login ----
  function mintCode({ appid, openid, unionid } = {}) {
    if (!openid || typeof openid !== 'string') throw new Error('openid is required')
    if (unionid != null && typeof unionid !== 'string') throw new Error('unionid must be a string')
    sweep()
    const code = randomString(32, ALNUM)
    codes.set(code, {
      appid: appid || apps.defaultAppid,
      openid,
      unionid: unionid || null,
      expiresAt: now() + CODE_TTL_MS,
      used: false,
    })
    return code
  }

  function jscode2session(params) {
    const err = (errcode, errmsg) => ({ errcode, errmsg: `${errmsg}, rid: ${rid()}` })
    const appid = params.appid
    const secret = params.secret
    const jsCode = params.js_code
    if (!appid || !own(apps.secrets, appid)) return err(40013, 'invalid appid')
    if (!secret || apps.secrets[appid] !== secret) return err(40125, 'invalid appsecret')
    if (params.grant_type !== 'authorization_code') return err(40002, 'invalid grant_type')
    if (!jsCode) return err(41008, 'missing code')
    const c =
      codes.get(jsCode) || adoptForeign(codes, jsCode, { appid, openid: foreignCodes && foreignCodes.openid, unionid: null })
    if (!c || c.appid !== appid || c.expiresAt <= now()) return err(40029, 'invalid code')
    if (c.used) return err(40163, 'code been used')
    c.used = true
    const out = { session_key: crypto.randomBytes(16).toString('base64'), openid: c.openid }
    if (c.unionid) out.unionid = c.unionid
    return out
  }

  // ---- access tokens ----
  function credentialError(appid, secret) {
    if (!appid) return wxErr(41002, 'appid missing')
    if (!isMiniApp(appid)) return wxErr(40013, 'invalid appid')
    if (!secret) return wxErr(41004, 'appsecret missing')
    if (apps.secrets[appid] !== secret) return wxErr(40125, 'invalid appsecret')
    return null
  }

  function issueToken(appid, kind) {
    const token = `${Math.floor(now() / 1000) % 100}_${randomString(134, TOKEN_ALPHABET)}`
    tokens.set(token, { appid, kind, expiresAt: now() + ACCESS_TOKEN_TTL_S * 1000, revokedAt: null })
    current.set(`${kind}:${appid}`, token)
    return token
  }

  const tokenReply = (token) => ({
    access_token: token,
    expires_in: Math.max(0, Math.ceil((tokens.get(token).expiresAt - now()) / 1000)),
  })

  // POST /cgi-bin/stable_token: normal mode hands back the current token until 5 min before it
  // expires (then a new one; the old stays valid until its own expiry); force_refresh issues a new
  // token and invalidates the previous one. Isolated from /cgi-bin/token. (No rate limits.)
  function stableToken(body) {
    if (!body || typeof body !== 'object') return wxErr(47001, 'data format error')
    if (body.grant_type !== 'client_credential') return wxErr(40002, 'invalid grant_type')
    const e = credentialError(body.appid, body.secret)
    if (e) return e
    sweep()
    const key = `stable:${body.appid}`
    const prev = current.get(key)
    const p = prev && tokens.get(prev)
    const usable = p && !p.revokedAt && p.expiresAt - RENEW_BEFORE_MS > now()
    if (usable && body.force_refresh !== true) return tokenReply(prev)
    if (p && body.force_refresh === true) p.revokedAt = now()
    return tokenReply(issueToken(body.appid, 'stable'))
  }

  // GET /cgi-bin/token: every call issues a new token; the previous one stays valid for 5 more minutes.
  function cgiToken(params) {
    if (params.grant_type !== 'client_credential') return wxErr(40002, 'invalid grant_type')
    const e = credentialError(params.appid, params.secret)
    if (e) return e
    sweep()
    const prev = current.get(`cgi:${params.appid}`)
    const p = prev && tokens.get(prev)
    if (p && !p.revokedAt) p.revokedAt = Math.min(p.expiresAt, now() + RENEW_BEFORE_MS)
    return tokenReply(issueToken(params.appid, 'cgi'))
  }

  // -> { appid } or a WeChat error body
  function checkAccessToken(token) {
    if (!token) return wxErr(41001, 'access_token missing')
    const t = tokens.get(token)
    if (!t || (t.revokedAt !== null && t.revokedAt <= now())) {
      return wxErr(40001, 'invalid credential, access_token is invalid or not latest')
    }
    if (t.expiresAt <= now()) return wxErr(42001, 'access_token expired')
    return { appid: t.appid }
  }

  // ---- phone numbers ----
  // What <button open-type="getPhoneNumber"> hands the page as e.detail.code (single use, 5 min).
  function mintPhoneCode({ appid, phoneNumber, countryCode, openid } = {}) {
    const pure = typeof phoneNumber === 'string' ? phoneNumber.replace(/[\s-]/g, '') : ''
    if (!/^\d{4,15}$/.test(pure)) throw new Error('phoneNumber must be the digits of the number without the country code')
    const cc = countryCode === undefined || countryCode === null ? '86' : String(countryCode).replace(/^\+/, '')
    if (!/^\d{1,4}$/.test(cc)) throw new Error('countryCode must be digits')
    sweep()
    const code = crypto.randomBytes(32).toString('hex')
    phoneCodes.set(code, {
      appid: appid || apps.defaultAppid,
      openid: openid || null,
      // Numbers outside mainland China carry their country code in phoneNumber.
      phoneNumber: cc === '86' ? pure : `+${cc}${pure}`,
      purePhoneNumber: pure,
      countryCode: cc,
      expiresAt: now() + CODE_TTL_MS,
      used: false,
    })
    return code
  }

  // POST /wxa/business/getuserphonenumber?access_token=  {code, openid?}
  // Unknown, expired or other-app codes: 40029; a code already consumed (within its 5 min): 40163.
  function getUserPhoneNumber(accessToken, body) {
    const tok = checkAccessToken(accessToken)
    if (tok.errcode) return tok
    if (!body || typeof body !== 'object' || typeof body.code !== 'string' || !body.code) return wxErr(47001, 'data format error')
    const pure = foreignCodes && foreignCodes.phoneNumber
    const c =
      phoneCodes.get(body.code) ||
      adoptForeign(phoneCodes, body.code, {
        appid: tok.appid,
        openid: null,
        phoneNumber: pure,
        purePhoneNumber: pure,
        countryCode: '86',
      })
    if (!c || c.appid !== tok.appid || c.expiresAt <= now()) return wxErr(40029, 'invalid code')
    if (body.openid && c.openid && body.openid !== c.openid) return wxErr(40029, 'invalid code')
    if (c.used) return wxErr(40163, 'code been used')
    c.used = true
    return {
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: c.phoneNumber,
        purePhoneNumber: c.purePhoneNumber,
        countryCode: c.countryCode,
        watermark: { timestamp: Math.floor(now() / 1000), appid: c.appid },
      },
    }
  }

  // ---- mini-program code ----
  // POST /wxa/getwxacodeunlimit?access_token= -> { png: Buffer } or a WeChat error body
  async function getWxacodeUnlimit(accessToken, body, pages) {
    const tok = checkAccessToken(accessToken)
    if (tok.errcode) return tok
    const chk = checkWxacodeArgs(body, { pages })
    if (chk.errcode) return wxErr(chk.errcode, chk.errmsg)
    const a = chk.args
    const hex = (n) => n.toString(16).padStart(2, '0')
    const dark = a.autoColor ? '#000000ff' : `#${hex(a.lineColor.r)}${hex(a.lineColor.g)}${hex(a.lineColor.b)}ff`
    // Transparent background keeps white RGB so decoders that ignore alpha still read it.
    const light = a.isHyaline ? '#ffffff00' : '#ffffffff'
    const QRCode = require('qrcode')
    const png = await QRCode.toBuffer(a.scene, {
      type: 'png',
      width: a.width,
      margin: 2,
      errorCorrectionLevel: 'M',
      color: { dark, light },
    })
    return { png }
  }

  // ---- website QR login (open.weixin.qq.com) ----
  function webCredentialError(appid, secret) {
    const w = webApp()
    if (!appid) return wxErr(41002, 'appid missing')
    if (appid !== w.appid) return wxErr(40013, 'invalid appid')
    if (!secret) return wxErr(41004, 'appsecret missing')
    if (secret !== w.secret) return wxErr(40125, 'invalid appsecret')
    return null
  }

  // -> { ticket } or { error } (the text of WeChat's error page)
  function openQrConnect(params) {
    if (!params.appid || params.appid !== webApp().appid) return { error: '参数错误 / invalid appid' }
    let redirect
    try {
      redirect = new URL(String(params.redirect_uri || ''))
    } catch (_) {
      redirect = null
    }
    if (!redirect || !/^https?:$/.test(redirect.protocol)) return { error: 'redirect_uri 参数错误 / invalid redirect_uri' }
    if (params.response_type !== 'code') return { error: 'response_type 参数错误 / invalid response_type' }
    if (
      !String(params.scope || '')
        .split(',')
        .includes('snsapi_login')
    )
      return { error: 'Scope 参数错误或没有 Scope 权限 / invalid scope' }
    sweep()
    const ticket = randomString(24, ALNUM)
    tickets.set(ticket, {
      appid: params.appid,
      redirectUri: redirect.toString(),
      state: params.state || '',
      expiresAt: now() + TICKET_TTL_MS,
      used: false,
    })
    return { ticket }
  }

  // The user scanned and tapped 允许 (or 拒绝 with deny): -> { location } or { error }
  function confirmQrConnect(params) {
    const t = tickets.get(params.ticket || '')
    if (!t || t.expiresAt <= now()) return { error: '二维码已过期 / QR code expired or unknown' }
    if (t.used) return { error: '二维码已使用 / QR code already used' }
    t.used = true
    const u = new URL(t.redirectUri)
    if (params.deny === undefined || params.deny === '' || params.deny === '0') {
      const code = randomString(32, ALNUM)
      webCodes.set(code, {
        appid: t.appid,
        openid: params.openid || DEFAULT_WEB_OPENID,
        unionid: params.unionid || null,
        nickname: params.nickname || '微信用户',
        expiresAt: now() + CODE_TTL_MS,
        used: false,
      })
      u.searchParams.set('code', code)
    }
    // A refusal redirects with only state.
    u.searchParams.set('state', t.state)
    return { location: u.toString() }
  }

  // GET /sns/oauth2/access_token?appid=&secret=&code=&grant_type=authorization_code
  function snsAccessToken(params) {
    const e = webCredentialError(params.appid, params.secret)
    if (e) return e
    if (params.grant_type !== 'authorization_code') return wxErr(40002, 'invalid grant_type')
    if (!params.code) return wxErr(41008, 'missing code')
    const c = webCodes.get(params.code)
    if (!c || c.appid !== params.appid || c.expiresAt <= now()) return wxErr(40029, 'invalid code')
    if (c.used) return wxErr(40163, 'code been used')
    c.used = true
    const accessToken = randomString(107, TOKEN_ALPHABET)
    const refreshToken = randomString(107, TOKEN_ALPHABET)
    snsTokens.set(accessToken, {
      appid: c.appid,
      openid: c.openid,
      unionid: c.unionid,
      nickname: c.nickname,
      refreshToken,
      expiresAt: now() + SNS_TOKEN_TTL_S * 1000,
    })
    const out = {
      access_token: accessToken,
      expires_in: SNS_TOKEN_TTL_S,
      refresh_token: refreshToken,
      openid: c.openid,
      scope: 'snsapi_login',
    }
    if (c.unionid) out.unionid = c.unionid
    return out
  }

  // GET /sns/userinfo?access_token=&openid=
  function snsUserinfo(params, baseUrl) {
    if (!params.access_token) return wxErr(41001, 'access_token missing')
    const t = snsTokens.get(params.access_token)
    if (!t) return wxErr(40001, 'invalid credential, access_token is invalid or not latest')
    if (t.expiresAt <= now()) return wxErr(42001, 'access_token expired')
    if (!params.openid || params.openid !== t.openid) return wxErr(40003, 'invalid openid')
    const out = {
      openid: t.openid,
      nickname: t.nickname,
      sex: 0,
      language: '',
      city: '',
      province: '',
      country: '',
      headimgurl: `${baseUrl}/wechat/test/avatar/${encodeURIComponent(t.openid)}.png`,
      privilege: [],
    }
    if (t.unionid) out.unionid = t.unionid
    return out
  }

  return {
    mintCode,
    jscode2session,
    stableToken,
    cgiToken,
    checkAccessToken,
    mintPhoneCode,
    getUserPhoneNumber,
    getWxacodeUnlimit,
    openQrConnect,
    confirmQrConnect,
    snsAccessToken,
    snsUserinfo,
    webApp,
    setWebApp,
    codes,
    phoneCodes,
    tokens,
  }
}

const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])

function htmlPage(title, body) {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;background:#333;color:#fff;text-align:center;padding:40px}
.box{display:inline-block;background:#fff;color:#333;padding:24px 32px;border-radius:8px}
a.btn{display:inline-block;margin-top:16px;padding:10px 20px;background:#07c160;color:#fff;border-radius:4px;text-decoration:none}
form{margin-top:12px;font-size:13px}input{width:140px}</style></head>
<body><div class="box">${body}</div></body></html>`
}

// The fake WeChat platform over HTTP, and its test hooks. ctx (optional): { cfg, baseUrl() }.
// ctx.cfg.wechatPages: published pages for getwxacodeunlimit's check_path (default ['pages/index/index']).
// ctx.cfg.wechatWeb: the website app {appid, secret} of the QR login (default DEFAULT_WECHAT_WEB).
function createWechatService(wechat, ctx = {}) {
  const { send, parseJson } = require('./http-util')
  const cfg = () => ctx.cfg || {}
  const pages = () => (Array.isArray(cfg().wechatPages) ? cfg().wechatPages : DEFAULT_WECHAT_PAGES)
  const baseUrl = () => (ctx.baseUrl ? ctx.baseUrl() : '')
  const webApp = () => ({ ...DEFAULT_WECHAT_WEB, ...(cfg().wechatWeb || {}) })
  const html = (res, status, title, body) =>
    send(res, status, htmlPage(title, body), { 'content-type': 'text/html; charset=utf-8' })

  async function jsonBody(r) {
    try {
      return { data: parseJson(await r.text()) }
    } catch (_) {
      return { error: wxErr(47001, 'data format error') }
    }
  }

  const POST_ONLY = new Set([
    '/test/mint_code',
    '/test/mint_phone_code',
    '/cgi-bin/stable_token',
    '/wxa/business/getuserphonenumber',
    '/wxa/getwxacodeunlimit',
  ])

  return {
    prefix: '/wechat',
    async handle(req, res, r) {
      const p = r.path
      // The website app is configured through ctx.cfg, read at request time.
      if (ctx.cfg && wechat.setWebApp) wechat.setWebApp(webApp())
      if (POST_ONLY.has(p) && req.method !== 'POST') return send(res, 200, wxErr(43002, 'require POST method'))

      if (p === '/test/mint_code') {
        const b = await jsonBody(r)
        if (b.error) return send(res, 400, b.error)
        try {
          return send(res, 200, {
            code: wechat.mintCode({ appid: b.data.appid, openid: b.data.openid, unionid: b.data.unionid }),
          })
        } catch (e) {
          return send(res, 400, { errcode: 41009, errmsg: e.message })
        }
      }
      if (p === '/test/mint_phone_code') {
        const b = await jsonBody(r)
        if (b.error) return send(res, 400, b.error)
        try {
          return send(res, 200, { code: wechat.mintPhoneCode(b.data) })
        } catch (e) {
          return send(res, 400, { errcode: 41009, errmsg: e.message })
        }
      }
      const avatar = /^\/test\/avatar\/([^/]+)\.png$/.exec(p)
      if (avatar && req.method === 'GET') {
        const QRCode = require('qrcode')
        let text
        try {
          text = decodeURIComponent(avatar[1])
        } catch (_) {
          return send(res, 404, { message: 'avatar not found' })
        }
        return send(res, 200, await QRCode.toBuffer(text, { type: 'png', width: 132 }), { 'content-type': 'image/png' })
      }
      if (p === '/sns/jscode2session') return send(res, 200, wechat.jscode2session(r.params))
      if (p === '/cgi-bin/token') return send(res, 200, wechat.cgiToken(r.params))
      if (p === '/cgi-bin/stable_token') {
        const b = await jsonBody(r)
        return send(res, 200, b.error || wechat.stableToken(b.data))
      }
      if (p === '/wxa/business/getuserphonenumber') {
        const b = await jsonBody(r)
        const tok = wechat.checkAccessToken(r.params.access_token)
        if (tok.errcode) return send(res, 200, tok)
        return send(res, 200, b.error || wechat.getUserPhoneNumber(r.params.access_token, b.data))
      }
      if (p === '/wxa/getwxacodeunlimit') {
        const tok = wechat.checkAccessToken(r.params.access_token)
        if (tok.errcode) return send(res, 200, tok)
        const b = await jsonBody(r)
        if (b.error) return send(res, 200, b.error)
        const out = await wechat.getWxacodeUnlimit(r.params.access_token, b.data, pages())
        if (out.png) return send(res, 200, out.png, { 'content-type': 'image/png' })
        return send(res, 200, out)
      }
      if (p === '/connect/qrconnect') {
        const t = wechat.openQrConnect(r.params)
        if (t.error) return html(res, 400, '微信登录 - 错误', `<h3>${escapeHtml(t.error)}</h3>`)
        const confirmPath = `/wechat/connect/confirm?ticket=${t.ticket}`
        const QRCode = require('qrcode')
        const img = await QRCode.toDataURL(`${baseUrl()}${confirmPath}`, { width: 240, margin: 1 })
        return html(
          res,
          200,
          '微信登录',
          `<h3>微信登录</h3>
<img id="qrcode" src="${img}" width="240" height="240" alt="QR code">
<p>请使用微信扫描二维码登录<br><small>(fake WeChat: the QR code is valid for 5 minutes)</small></p>
<a id="confirm" class="btn" href="${escapeHtml(confirmPath)}">模拟扫码并确认 / simulate scan and confirm</a>
<form id="confirm-as" method="get" action="/wechat/connect/confirm"><input type="hidden" name="ticket" value="${t.ticket}">
openid <input name="openid" value="${DEFAULT_WEB_OPENID}"> unionid <input name="unionid" value="">
<button type="submit">确认 / confirm as</button></form>
<p><a id="deny" href="${escapeHtml(confirmPath)}&amp;deny=1">拒绝 / deny</a></p>`,
        )
      }
      if (p === '/connect/confirm') {
        const out = wechat.confirmQrConnect(r.params)
        if (out.error) return html(res, 400, '微信登录 - 错误', `<h3>${escapeHtml(out.error)}</h3>`)
        return send(res, 302, null, { location: out.location })
      }
      if (p === '/sns/oauth2/access_token') return send(res, 200, wechat.snsAccessToken(r.params))
      if (p === '/sns/userinfo') return send(res, 200, wechat.snsUserinfo(r.params, baseUrl()))
      return send(res, 404, { errcode: 404, errmsg: 'not found' })
    },
  }
}

module.exports = {
  createWechat,
  createWechatService,
  randomString,
  checkWxacodeArgs,
  DEFAULT_WECHAT_WEB,
  DEFAULT_WECHAT_PAGES,
  DEFAULT_WEB_OPENID,
}
