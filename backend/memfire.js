'use strict'
// MemFire Cloud's wechat_mini endpoints beyond login (GET /auth/v1/wechat_mini/login lives in auth.js):
//   GET  /wechat_mini/bind_phone?code=        (Bearer) getPhoneNumber button code -> auth.users.phone; user JSON
//   GET  /wechat_mini/bind_account?code=      (Bearer) wx.login code -> openid attached to the user; user JSON
//   POST /wechat_mini/unlimited_qrcode        (anon key) getwxacodeunlimit -> base64 PNG
// They call the fake WeChat over HTTP, as MemFire's server calls api.weixin.qq.com, with an access token
// from /cgi-bin/stable_token that is cached until 5 minutes before it expires (virtual clock). Those calls carry
// `x-sbwx-internal: 1`, so injected faults only hit them when the fault's path targets /wechat/... (index.js).
const http = require('node:http')
const https = require('node:https')
const { ApiError, parseJson } = require('./http-util')
const { withTx } = require('./db')
const { checkWxacodeArgs } = require('./wechat')
const { normalizePhone } = require('./auth')

const RENEW_BEFORE_MS = 5 * 60 * 1000
const QR_KEYS = ['page', 'scene', 'check_path', 'env_version', 'width', 'auto_color', 'line_color', 'is_hyaline']

function create(ctx) {
  const { pool, cfg } = ctx
  const apiBase = () => cfg.wechat.apiBase || `${ctx.baseUrl()}/wechat`
  const nowDate = () => new Date(ctx.now())

  // ---- HTTP to WeChat ----
  function wxRequest(method, pathAndQuery, body) {
    const target = new URL(apiBase() + pathAndQuery)
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body))
    const mod = target.protocol === 'https:' ? https : http
    return new Promise((resolve, reject) => {
      const headers = {
        'x-sbwx-internal': '1',
        ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
      }
      const rq = mod.request(target, { method, headers, agent: false, timeout: 10000 }, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, buf: Buffer.concat(chunks) }))
        res.on('error', reject)
      })
      rq.on('timeout', () => rq.destroy(new Error('timeout')))
      rq.on('error', reject)
      rq.end(data || undefined)
    })
  }

  async function wxJson(method, pathAndQuery, body) {
    let out
    try {
      out = await wxRequest(method, pathAndQuery, body)
    } catch (e) {
      throw new ApiError(502, 'wechat_error', `wechat request failed: ${e.message}`)
    }
    return parseWx(out)
  }

  function parseWx(out) {
    if (out.status !== 200) throw new ApiError(502, 'wechat_error', `wechat request failed: HTTP ${out.status}`)
    try {
      return JSON.parse(out.buf.toString('utf8'))
    } catch (_) {
      throw new ApiError(502, 'wechat_error', 'wechat request failed: invalid JSON response')
    }
  }

  const errText = (wx) => `${Number(wx.errcode)} ${String(wx.errmsg || '').replace(/,?\s*rid:.*$/, '')}`.trim()

  // ---- access token (cached) ----
  let cached = null // { token, expiresAt }
  let pending = null
  async function accessToken(refresh) {
    if (refresh) cached = null
    if (cached && cached.expiresAt - RENEW_BEFORE_MS > ctx.now()) return cached.token
    if (!pending) {
      pending = (async () => {
        const wx = await wxJson('POST', '/cgi-bin/stable_token', {
          grant_type: 'client_credential',
          appid: cfg.wechat.appid,
          secret: cfg.wechat.secret,
        })
        if (wx.errcode || !wx.access_token) throw new ApiError(502, 'wechat_error', `wechat access_token error: ${errText(wx)}`)
        cached = { token: String(wx.access_token), expiresAt: ctx.now() + Number(wx.expires_in || 0) * 1000 }
        return cached.token
      })().finally(() => {
        pending = null
      })
    }
    return pending
  }

  const staleToken = (wx) => wx && (Number(wx.errcode) === 40001 || Number(wx.errcode) === 42001)

  // Calls an access_token API; a token WeChat calls invalid/expired is replaced once.
  async function withToken(call) {
    let out = await call(await accessToken(false))
    if (staleToken(out.json)) out = await call(await accessToken(true))
    return out
  }

  // ---- shared pieces ----
  function requireCode(params) {
    const code = params.code
    if (!code) throw new ApiError(400, 'validation_failed', 'wechat code is required')
    return String(code)
  }

  function codeError(what, wx) {
    const errcode = Number(wx.errcode)
    if (errcode === 40029) return new ApiError(400, 'invalid_code', `invalid ${what}: ${errText(wx)}`)
    if (errcode === 40163) return new ApiError(400, 'code_used', `invalid ${what}: ${errText(wx)}`)
    return new ApiError(502, 'wechat_error', `wechat error: ${errText(wx)}`)
  }

  const uniqueViolation = (e, constraintPart) =>
    e && e.code === '23505' && (!constraintPart || String(e.constraint || '').includes(constraintPart))

  // ---- GET /wechat_mini/bind_phone?code= ----
  // Stored phone: the one canonical form auth.js uses everywhere (GoTrue's: country code + number in digits,
  // no '+', e.g. '8613900000001'), so a phone sign-up and a WeChat-bound number are the same account's phone.
  // A number held by another user -> 422 phone_exists.
  async function bindPhone(req, params) {
    const { user } = await ctx.auth.authenticate(req)
    const code = requireCode(params)
    const { json: wx } = await withToken(async (token) => ({
      json: await wxJson('POST', `/wxa/business/getuserphonenumber?access_token=${encodeURIComponent(token)}`, { code }),
    }))
    if (Number(wx.errcode || 0) !== 0 || !wx.phone_info) throw codeError('phone code', wx)
    const info = wx.phone_info
    const pure = String(info.purePhoneNumber || '').replace(/\D/g, '')
    const cc = String(info.countryCode || '86').replace(/\D/g, '') || '86'
    if (!pure) throw new ApiError(502, 'wechat_error', 'wechat error: no phone number')
    const phone = normalizePhone(`+${cc}${pure}`)
    const userId = user.row.id
    try {
      return await withTx(pool, async (db) => {
        const taken = await db.query('select 1 from auth.users where phone = $1 and id <> $2 limit 1', [phone, userId])
        if (taken.rows.length) throw new ApiError(422, 'phone_exists', 'phone number already registered by another user')
        const t = nowDate()
        await db.query(
          `update auth.users set phone = $2, phone_confirmed_at = coalesce(case when phone = $2 then phone_confirmed_at end, $3), updated_at = $3
           where id = $1`,
          [userId, phone, t],
        )
        return (await ctx.auth.loadUser(db, userId)).json
      })
    } catch (e) {
      if (uniqueViolation(e, 'phone')) throw new ApiError(422, 'phone_exists', 'phone number already registered by another user')
      throw e
    }
  }

  // ---- GET /wechat_mini/bind_account?code= ----
  // Binding the account's own openid again is a no-op; an account bound to another WeChat user is refused.
  async function bindAccount(req, params) {
    const { user } = await ctx.auth.authenticate(req)
    const code = requireCode(params)
    const q = new URLSearchParams({
      appid: cfg.wechat.appid,
      secret: cfg.wechat.secret,
      js_code: code,
      grant_type: 'authorization_code',
    })
    const wx = await wxJson('GET', `/sns/jscode2session?${q}`)
    if (Number(wx.errcode || 0) !== 0 || !wx.openid) throw codeError('wechat code', wx)
    const openid = String(wx.openid)
    const unionid = wx.unionid ? String(wx.unionid) : null
    const userId = user.row.id
    const exists = () => new ApiError(422, 'user_already_exists', 'wechat user already exists')
    try {
      return await withTx(pool, async (db) => {
        const me = (await db.query('select * from auth.users where id = $1 for update', [userId])).rows[0]
        if (!me) throw new ApiError(403, 'user_not_found', 'User from sub claim in JWT does not exist')
        if (me.wechat_openid === openid) return (await ctx.auth.loadUser(db, userId)).json
        const other = await db.query(
          `select 1 from auth.users where wechat_openid = $1
           union all select 1 from auth.identities where provider = 'wechat_mini' and provider_id = $1 limit 1`,
          [openid],
        )
        if (other.rows.length) throw exists()
        if (me.wechat_openid)
          throw new ApiError(422, 'identity_already_exists', 'this account is already bound to another wechat user')
        const t = nowDate()
        const providers = Array.isArray(me.raw_app_meta_data && me.raw_app_meta_data.providers)
          ? me.raw_app_meta_data.providers
          : []
        const appMeta = {
          ...(me.raw_app_meta_data || {}),
          providers: providers.includes('wechat_mini') ? providers : [...providers, 'wechat_mini'],
        }
        if (!appMeta.provider) appMeta.provider = 'wechat_mini'
        await db.query(
          `update auth.users set wechat_openid = $2, wechat_unionid = coalesce($3, wechat_unionid), raw_app_meta_data = $4, updated_at = $5
           where id = $1`,
          [userId, openid, unionid, appMeta, t],
        )
        const identityData = { sub: openid, openid }
        if (unionid) identityData.unionid = unionid
        await db.query(
          `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
           values ($1, $2, $3, 'wechat_mini', $4, $4, $4)`,
          [openid, userId, identityData, t],
        )
        return (await ctx.auth.loadUser(db, userId)).json
      })
    } catch (e) {
      if (uniqueViolation(e)) throw exists()
      throw e
    }
  }

  // ---- POST /wechat_mini/unlimited_qrcode ----
  // The old SDK sends it with the anon key only. Answer: {imgBase64, data: {imgBase64}}, plain base64 (no
  // data: prefix). supabase-wechat-stable-v2 2.2.0 returns `res.data.data.imgBase64` where `res.data` is the
  // wx.request response, i.e. it reads the body's top-level `imgBase64`; `data.imgBase64` is MemFire's
  // documented wrapper. Both carry the same string.
  async function unlimitedQrcode(_req, _params, bodyText) {
    const body = parseJson(bodyText)
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new ApiError(400, 'validation_failed', 'invalid qrcode parameters: 47001 data format error')
    const args = {}
    for (const k of QR_KEYS) if (body[k] !== undefined && body[k] !== null) args[k] = body[k]
    // Same rules as WeChat (page existence is WeChat's to check).
    const chk = checkWxacodeArgs(args, { pages: null })
    if (chk.errcode) throw new ApiError(400, 'validation_failed', `invalid qrcode parameters: ${chk.errcode} ${chk.errmsg}`)
    const out = await withToken(async (token) => {
      let r
      try {
        r = await wxRequest('POST', `/wxa/getwxacodeunlimit?access_token=${encodeURIComponent(token)}`, args)
      } catch (e) {
        throw new ApiError(502, 'wechat_error', `wechat request failed: ${e.message}`)
      }
      const type = String(r.headers['content-type'] || '')
      if (r.status === 200 && type.startsWith('image/')) return { png: r.buf }
      return { json: parseWx(r) }
    })
    if (out.png) {
      const imgBase64 = out.png.toString('base64')
      return { imgBase64, data: { imgBase64 } }
    }
    const wx = out.json
    const errcode = Number(wx.errcode)
    if ([40129, 40169, 41030, 40097, 47001].includes(errcode)) {
      throw new ApiError(400, 'validation_failed', `invalid qrcode parameters: ${errText(wx)}`)
    }
    throw new ApiError(502, 'wechat_error', `wechat error: ${errText(wx)}`)
  }

  const routes = {
    'GET /wechat_mini/bind_phone': (req, params) => bindPhone(req, params),
    'GET /wechat_mini/bind_account': (req, params) => bindAccount(req, params),
    'POST /wechat_mini/unlimited_qrcode': (req, params, body) => unlimitedQrcode(req, params, body),
  }

  return { routes, services: [], api: { accessToken } }
}

module.exports = { create }
