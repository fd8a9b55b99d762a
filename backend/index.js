'use strict'
// Local backend for tests and the demo: throwaway PostgreSQL 15 + GoTrue/MemFire-like auth + fake WeChat,
// all on one HTTP server bound to 127.0.0.1.
const fs = require('fs')
const crypto = require('crypto')
const path = require('path')
const http = require('http')
const { Pool } = require('pg')
const jwt = require('./jwt')
const { createCluster } = require('./pg-cluster')
const { createWechat } = require('./wechat')
const { createAuth, ApiError, parseJson } = require('./auth')

const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long'
const DEFAULT_WECHAT = { appid: 'wx0000000000000001', secret: '0123456789abcdef0123456789abcdef' }
// Fixed iat/exp so the keys are stable for a given secret (like the Supabase CLI demo keys).
const KEY_IAT = 1700000000
const KEY_EXP = 2000000000
const API_VERSION_2024 = '2024-01-01'

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS',
  'access-control-allow-headers': 'authorization,apikey,content-type,x-client-info,x-supabase-api-version,prefer,range,accept-profile,content-profile',
  'access-control-expose-headers': 'x-sb-error-code,x-supabase-api-version,content-range',
}

function wantsApi2024(req) {
  const v = req.headers['x-supabase-api-version']
  if (typeof v !== 'string') return false
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(v)
  if (!m) return false
  const d = Date.UTC(+m[1], +m[2] - 1, +m[3])
  return Number.isFinite(d) && d >= Date.UTC(2024, 0, 1)
}

function send(res, status, body, headers = {}) {
  const h = { ...CORS_HEADERS, ...headers }
  if (body === null || body === undefined) {
    res.writeHead(status, h)
    res.end()
    return
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  h['content-type'] = h['content-type'] || 'application/json; charset=utf-8'
  h['content-length'] = Buffer.byteLength(text)
  res.writeHead(status, h)
  res.end(text)
}

function sendApiError(req, res, e) {
  if (e.oauth) return send(res, e.status, e.oauth)
  const headers = {}
  if (e.errorCode) headers['x-sb-error-code'] = e.errorCode
  if (wantsApi2024(req)) {
    headers['x-supabase-api-version'] = API_VERSION_2024
    return send(res, e.status, { code: e.errorCode || (e.status >= 500 ? 'unexpected_failure' : 'unknown'), message: e.message }, headers)
  }
  const body = { code: e.status, error_code: e.errorCode, msg: e.message }
  if (e.status >= 500) body.error_id = crypto.randomUUID()
  return send(res, e.status, body, headers)
}

function readBody(req, limit = 1 << 20) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let n = 0
    req.on('data', (c) => {
      n += c.length
      if (n > limit) { reject(new Error('body too large')); req.destroy(); return }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

async function startBackend(opts = {}) {
  const cfg = {
    port: opts.port || 0,
    jwtSecret: opts.jwtSecret || DEFAULT_JWT_SECRET,
    jwtExpiry: opts.jwtExpiry != null ? Number(opts.jwtExpiry) : 3600,
    refreshTokenReuseInterval: opts.refreshTokenReuseInterval != null ? Number(opts.refreshTokenReuseInterval) : 10,
    legacyRefreshErrors: !!opts.legacyRefreshErrors,
    wechat: { ...DEFAULT_WECHAT, ...(opts.wechat || {}) },
  }
  if (cfg.jwtSecret.length < 32) throw new Error('jwtSecret must be at least 32 characters')

  let offsetMs = 0
  const now = () => Date.now() + offsetMs

  const cluster = await createCluster()
  let pool
  let server
  try {
    pool = new Pool({ connectionString: cluster.connectionString, max: 10, idleTimeoutMillis: 1000 })
    pool.on('error', () => { /* connection terminated during shutdown */ })
    await pool.query(fs.readFileSync(path.join(__dirname, 'schema.sql'), 'utf8'))

    const anonKey = jwt.sign({ iss: 'supabase-demo', role: 'anon', iat: KEY_IAT, exp: KEY_EXP }, cfg.jwtSecret)
    const serviceRoleKey = jwt.sign({ iss: 'supabase-demo', role: 'service_role', iat: KEY_IAT, exp: KEY_EXP }, cfg.jwtSecret)

    const apps = { defaultAppid: cfg.wechat.appid, secrets: { [cfg.wechat.appid]: cfg.wechat.secret } }
    const wechat = createWechat({ apps, now })
    const requests = []
    let baseUrl = ''
    const auth = createAuth({
      pool,
      cfg,
      now,
      baseUrl: () => baseUrl,
      wechatApiBase: () => (cfg.wechat.apiBase || `${baseUrl}/wechat`),
    })

    const sockets = new Set()
    server = http.createServer((req, res) => {
      handle(req, res).catch((e) => {
        if (!res.headersSent) sendApiError(req, res, new ApiError(500, 'unexpected_failure', e.message || String(e)))
        else res.destroy()
      })
    })
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })

    async function handle(req, res) {
      const u = new URL(req.url, 'http://127.0.0.1')
      const pathname = u.pathname
      const query = u.search.startsWith('?') ? u.search.slice(1) : u.search
      const params = Object.fromEntries(u.searchParams)
      let body
      try { body = await readBody(req) } catch (_) { return send(res, 413, { message: 'Request size limit exceeded' }) }
      requests.push({ method: req.method, path: pathname, query, params, headers: { ...req.headers }, body })

      if (req.method === 'OPTIONS') return send(res, 204, null, { 'access-control-max-age': '3600' })

      // ---- fake WeChat platform ----
      if (pathname === '/wechat/test/mint_code') {
        if (req.method !== 'POST') return send(res, 405, { errcode: -1, errmsg: 'method not allowed' })
        let data
        try { data = body.trim() ? JSON.parse(body) : {} } catch (_) { return send(res, 400, { errcode: 47001, errmsg: 'data format error' }) }
        try {
          return send(res, 200, { code: wechat.mintCode({ appid: data.appid, openid: data.openid, unionid: data.unionid }) })
        } catch (e) {
          return send(res, 400, { errcode: 41009, errmsg: e.message })
        }
      }
      if (pathname === '/wechat/sns/jscode2session') {
        return send(res, 200, wechat.jscode2session(params))
      }

      // ---- auth (Kong gate + GoTrue) ----
      if (pathname === '/auth/v1' || pathname.startsWith('/auth/v1/')) {
        const key = req.headers.apikey !== undefined ? req.headers.apikey : params.apikey
        if (key === undefined || key === '') return send(res, 401, { message: 'No API key found in request' })
        try { jwt.verify(String(key), cfg.jwtSecret, Math.floor(now() / 1000)) } catch (_) {
          return send(res, 401, { message: 'Invalid API key' })
        }
        const route = pathname.slice('/auth/v1'.length).replace(/\/+$/, '') || '/'
        const versionHeader = wantsApi2024(req) ? { 'x-supabase-api-version': API_VERSION_2024 } : {}
        const routes = {
          'GET /wechat_mini/login': () => auth.wechatLogin(req, params),
          'POST /token': () => auth.token(req, params, body),
          'GET /user': () => auth.getUser(req),
          'POST /logout': () => auth.logout(req, params),
          'GET /health': async () => ({ version: 'sbwx-local', name: 'GoTrue', description: 'supabase-wechat local auth emulator' }),
          'GET /settings': async () => ({
            external: { wechat_mini: true, email: false, phone: false, anonymous_users: false },
            disable_signup: false, mailer_autoconfirm: false, phone_autoconfirm: false, sms_provider: '', saml_enabled: false,
          }),
        }
        const fn = routes[`${req.method} ${route}`]
        try {
          if (!fn) {
            const known = Object.keys(routes).some((k) => k.split(' ')[1] === route)
            if (known) throw new ApiError(405, 'method_not_allowed', 'Method Not Allowed')
            throw new ApiError(404, 'not_found', 'Not Found')
          }
          const out = await fn()
          if (out === null) return send(res, 204, null, versionHeader)
          return send(res, 200, out, versionHeader)
        } catch (e) {
          if (e instanceof ApiError) return sendApiError(req, res, e)
          throw e
        }
      }

      return send(res, 404, { message: 'no Route matched with those values' })
    }

    await new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(cfg.port, '127.0.0.1', () => { server.off('error', reject); resolve() })
    })
    const port = server.address().port
    baseUrl = `http://127.0.0.1:${port}`

    let stopping = null
    const be = {
      url: baseUrl,
      port,
      anonKey,
      serviceRoleKey,
      jwtSecret: cfg.jwtSecret,
      jwtExpiry: cfg.jwtExpiry,
      refreshTokenReuseInterval: cfg.refreshTokenReuseInterval,
      wechat: { appid: cfg.wechat.appid, secret: cfg.wechat.secret },
      db: pool,
      pg: { host: '127.0.0.1', port: cluster.port, socketDir: cluster.sockDir, connectionString: cluster.connectionString, dataDir: cluster.dataDir },
      requests,
      clearRequests() { requests.length = 0 },
      advanceTime(ms) { offsetMs += Number(ms) || 0; return now() },
      now,
      mintCode(o) { return wechat.mintCode(o || {}) },
      signJwt(claims) { return jwt.sign(claims, cfg.jwtSecret) },
      stop() {
        if (!stopping) {
          stopping = (async () => {
            await new Promise((resolve) => {
              server.close(() => resolve())
              for (const s of sockets) s.destroy()
            })
            try { await pool.end() } catch (_) { /* ignore */ }
            await cluster.stop()
          })()
        }
        return stopping
      },
    }
    return be
  } catch (e) {
    try { if (server && server.listening) server.close() } catch (_) { /* ignore */ }
    try { if (pool) await pool.end() } catch (_) { /* ignore */ }
    await cluster.stop()
    throw e
  }
}

module.exports = { startBackend, DEFAULT_JWT_SECRET, DEFAULT_WECHAT, parseJson }
