'use strict'
// Fake WeChat platform: wx.login code minting (test hook) and sns/jscode2session.
const crypto = require('crypto')

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const CODE_TTL_MS = 5 * 60 * 1000

function randomString(n, alphabet) {
  let s = ''
  for (let i = 0; i < n; i++) s += alphabet[crypto.randomInt(alphabet.length)]
  return s
}

function rid() {
  const h = crypto.randomBytes(12).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 16)}-${h.slice(16, 24)}`
}

function createWechat({ apps, now }) {
  // code -> { appid, openid, unionid, expiresAt, used }
  const codes = new Map()

  function sweep() {
    const t = now()
    for (const [k, v] of codes) if (v.expiresAt + CODE_TTL_MS < t) codes.delete(k)
  }

  function mintCode({ appid, openid, unionid } = {}) {
    if (!openid || typeof openid !== 'string') throw new Error('openid is required')
    if (unionid != null && typeof unionid !== 'string') throw new Error('unionid must be a string')
    sweep()
    const code = randomString(32, ALNUM)
    codes.set(code, { appid: appid || apps.defaultAppid, openid, unionid: unionid || null, expiresAt: now() + CODE_TTL_MS, used: false })
    return code
  }

  // Real WeChat semantics: always HTTP 200 with a JSON body.
  function jscode2session(params) {
    const err = (errcode, errmsg) => ({ errcode, errmsg: `${errmsg}, rid: ${rid()}` })
    const appid = params.appid
    const secret = params.secret
    const jsCode = params.js_code
    if (!appid || !Object.prototype.hasOwnProperty.call(apps.secrets, appid)) return err(40013, 'invalid appid')
    if (!secret || apps.secrets[appid] !== secret) return err(40125, 'invalid appsecret')
    if (params.grant_type !== 'authorization_code') return err(40002, 'invalid grant_type')
    if (!jsCode) return err(41008, 'missing code')
    const c = codes.get(jsCode)
    if (!c || c.appid !== appid || c.expiresAt <= now()) return err(40029, 'invalid code')
    if (c.used) return err(40163, 'code been used')
    c.used = true
    const out = { session_key: crypto.randomBytes(16).toString('base64'), openid: c.openid }
    if (c.unionid) out.unionid = c.unionid
    return out
  }

  return { mintCode, jscode2session, codes }
}

// The fake WeChat platform over HTTP (what api.weixin.qq.com is to MemFire's server) and its test hooks.
function createWechatService(wechat) {
  const { send, parseJson } = require('./http-util')
  return {
    prefix: '/wechat',
    async handle(req, res, r) {
      if (r.path === '/test/mint_code') {
        if (req.method !== 'POST') return send(res, 405, { errcode: -1, errmsg: 'method not allowed' })
        let data
        try {
          data = parseJson(await r.text())
        } catch (_) {
          return send(res, 400, { errcode: 47001, errmsg: 'data format error' })
        }
        try {
          return send(res, 200, { code: wechat.mintCode({ appid: data.appid, openid: data.openid, unionid: data.unionid }) })
        } catch (e) {
          return send(res, 400, { errcode: 41009, errmsg: e.message })
        }
      }
      if (r.path === '/sns/jscode2session') return send(res, 200, wechat.jscode2session(r.params))
      return send(res, 404, { errcode: 404, errmsg: 'not found' })
    },
  }
}

module.exports = { createWechat, createWechatService, randomString }
