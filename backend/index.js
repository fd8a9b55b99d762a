'use strict'
// Local backend for tests and the demo: a throwaway PostgreSQL cluster, GoTrue/MemFire-like auth and
// a fake WeChat, on one HTTP server bound to 127.0.0.1. Each area is a service mounted under its
// URL prefix (see `services` below); fault injection and the request log wrap them all.
const fs = require('node:fs')
const path = require('node:path')
const http = require('node:http')
const { Pool } = require('pg')
const jwt = require('./jwt')
const { createCluster } = require('./pg-cluster')
const { createWechat, createWechatService } = require('./wechat')
const { createAuth } = require('./auth')
const { ApiError, API_VERSION_2024, send, sendApiError, readBody, wantsApi2024 } = require('./http-util')

const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long'
const DEFAULT_WECHAT = { appid: 'wx0000000000000001', secret: '0123456789abcdef0123456789abcdef' }
// Fixed iat/exp so the keys are stable for a given secret (like the Supabase CLI demo keys).
const KEY_IAT = 1700000000
const KEY_EXP = 2000000000
// Who a foreign wx.login / getPhoneNumber code is (acceptForeignCodes): one WeChat user and one number.
const DEVTOOLS_USER = { openid: 'o_devtools_user', phoneNumber: '13800138000' }

// Request log limits (be.requests): the newest MAX_LOGGED_REQUESTS entries, bodies cut at MAX_LOGGED_BODY bytes.
const MAX_LOGGED_REQUESTS = 5000
const MAX_LOGGED_BODY = 64 * 1024
// The backend's own HTTP calls to the fake WeChat carry this header: the dispatcher strips it, logs the request
// with `internal: true`, and only faults whose path targets /wechat/... apply to it.
const INTERNAL_HEADER = 'x-sbwx-internal'

// Kong's key-auth in front of Supabase services: the apikey header (or ?apikey=) must be one of the configured
// consumer keys (anon, service_role) exactly; another JWT, even one signed with the secret, is refused.
function checkApiKey(req, params, keys) {
  const key = req.headers.apikey !== undefined ? req.headers.apikey : params.apikey
  if (key === undefined || key === '') return { message: 'No API key found in request' }
  if (!keys.includes(String(key))) return { message: 'Invalid API key' }
  return null
}

// Serves a GoTrue-style route table: 'METHOD /path' -> handler(req, params, bodyText).
function routeTableService(prefix, routes) {
  return {
    prefix,
    apikey: true,
    async handle(req, res, r) {
      const route = r.path.replace(/\/+$/, '') || '/'
      const versionHeader = wantsApi2024(req) ? { 'x-supabase-api-version': API_VERSION_2024 } : {}
      const fn = routes[`${req.method} ${route}`]
      try {
        if (!fn) {
          const known = Object.keys(routes).some((k) => k.split(' ')[1] === route)
          if (known) throw new ApiError(405, 'method_not_allowed', 'Method Not Allowed')
          throw new ApiError(404, 'not_found', 'Not Found')
        }
        const out = await fn(req, r.params, await r.text())
        if (out === null) return send(res, 204, null, versionHeader)
        return send(res, 200, out, versionHeader)
      } catch (e) {
        if (e instanceof ApiError) return sendApiError(req, res, e)
        throw e
      }
    },
  }
}

async function startBackend(opts = {}) {
  const cfg = {
    port: opts.port || 0,
    jwtSecret: opts.jwtSecret || DEFAULT_JWT_SECRET,
    jwtExpiry: opts.jwtExpiry != null ? Number(opts.jwtExpiry) : 3600,
    refreshTokenReuseInterval: opts.refreshTokenReuseInterval != null ? Number(opts.refreshTokenReuseInterval) : 10,
    legacyRefreshErrors: !!opts.legacyRefreshErrors,
    // Seconds between two OTP/confirmation/recovery sends to the same address (GoTrue's SMS/SMTP max frequency).
    smsCooldownSec: opts.smsCooldown != null ? Number(opts.smsCooldown) : 60,
    autoconfirm: opts.autoconfirm !== undefined ? !!opts.autoconfirm : true,
    wechat: { ...DEFAULT_WECHAT, ...(opts.wechat || {}) },
    functionsDir: opts.functionsDir,
    // Pages getwxacodeunlimit accepts with check_path (default ['pages/index/index']).
    wechatPages: opts.wechatPages,
    // The WeChat website app of web QR login (wechat_qr); defaults in wechat.js.
    wechatWeb: opts.wechatWeb,
    // GoTrue's GOTRUE_SITE_URL (default: this backend's URL) and GOTRUE_URI_ALLOW_LIST (globs: `*` within a
    // '.'/'/'-separated segment, `**` across). A redirect_to outside both falls back to the site URL as in
    // GoTrue, or, with strictRedirects, is refused with a clear 400 (see auth.js redirectNotAllowed).
    siteUrl: opts.siteUrl,
    redirectAllowList: opts.redirectAllowList ? [...opts.redirectAllowList] : [],
    strictRedirects: !!opts.strictRedirects,
    // Accept wx.login / getPhoneNumber codes the fake WeChat never minted (WeChat DevTools, a phone) as
    // DEVTOOLS_USER; off by default (unknown codes are 40029, as on WeChat).
    acceptForeignCodes: !!opts.acceptForeignCodes,
    // GoTrue's GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED and GOTRUE_SECURITY_MANUAL_LINKING_ENABLED (both off by
    // default); SAML SSO providers [{ id, domains, idp }] for POST /sso (auth-identity.js).
    anonymousUsers: !!opts.anonymousUsers,
    manualLinking: !!opts.manualLinking,
    ssoProviders: opts.ssoProviders || [],
    // Who gets a postgres_changes DELETE: 'rls' (subscribers whose JWT could select the deleted row) or 'all'
    // (Supabase: every subscriber whose role may select from the table). See realtime.js.
    realtimeDeletes: opts.realtimeDeletes === undefined ? 'rls' : opts.realtimeDeletes,
    // Storage object names as storage-api before key validation (any non-empty UTF-8); see storage.js.
    storageLegacyKeys: !!opts.storageLegacyKeys || process.env.STORAGE_LEGACY_KEYS === '1',
  }
  if (!Array.isArray(cfg.redirectAllowList) || cfg.redirectAllowList.some((x) => typeof x !== 'string' || !x)) {
    throw new Error('redirectAllowList must be an array of URL patterns')
  }
  require('./redirect').compileAllowList(cfg.redirectAllowList) // a bad pattern fails the start, as in GoTrue
  if (cfg.siteUrl !== undefined) new URL(cfg.siteUrl) // eslint-disable-line no-new
  if (!['rls', 'all'].includes(cfg.realtimeDeletes)) throw new Error("realtimeDeletes must be 'rls' or 'all'")
  if (cfg.jwtSecret.length < 32) throw new Error('jwtSecret must be at least 32 characters')
  if (!Number.isFinite(cfg.smsCooldownSec) || cfg.smsCooldownSec < 0)
    throw new Error('smsCooldown must be a number of seconds >= 0')

  let offsetMs = 0
  const now = () => Date.now() + offsetMs

  const cluster = await createCluster()
  let pool
  let server
  try {
    pool = new Pool({ connectionString: cluster.connectionString, max: 10, idleTimeoutMillis: 1000 })
    pool.on('error', () => {
      /* connection terminated during shutdown */
    })
    await pool.query(fs.readFileSync(path.join(__dirname, 'schema.sql'), 'utf8'))
    // Schemas of the other areas (storage, the demo tables, ...), in file-name order.
    const sqlDir = path.join(__dirname, 'sql')
    for (const f of fs.existsSync(sqlDir)
      ? fs
          .readdirSync(sqlDir)
          .filter((n) => n.endsWith('.sql'))
          .sort()
      : []) {
      await pool.query(fs.readFileSync(path.join(sqlDir, f), 'utf8'))
    }

    const anonKey = jwt.sign({ iss: 'supabase-demo', role: 'anon', iat: KEY_IAT, exp: KEY_EXP }, cfg.jwtSecret)
    const serviceRoleKey = jwt.sign({ iss: 'supabase-demo', role: 'service_role', iat: KEY_IAT, exp: KEY_EXP }, cfg.jwtSecret)

    const apps = { defaultAppid: cfg.wechat.appid, secrets: { [cfg.wechat.appid]: cfg.wechat.secret } }
    const wechat = createWechat({ apps, now, foreignCodes: cfg.acceptForeignCodes ? DEVTOOLS_USER : null })
    const requests = []
    let baseUrl = ''
    const auth = createAuth({
      pool,
      cfg,
      now,
      baseUrl: () => baseUrl,
      wechatApiBase: () => cfg.wechat.apiBase || `${baseUrl}/wechat`,
    })

    // Everything a service module may use.
    const ctx = {
      pool,
      cfg,
      now,
      jwt,
      anonKey,
      serviceRoleKey,
      apiKeys: [anonKey, serviceRoleKey],
      baseUrl: () => baseUrl,
      cluster,
      wechat,
      auth,
      requests,
    }
    // Each module: create(ctx) -> { services: [...], api?, start?(), stop?() }. `api` is exposed on
    // the returned backend object under the module's name (be.rest, be.storage, ...).
    const memfire = require('./memfire').create(ctx)
    const modules = {
      rest: require('./rest').create(ctx),
      storage: require('./storage').create(ctx),
      functions: require('./functions').create(ctx),
      realtime: require('./realtime').create(ctx),
      faults: require('./faults').create(ctx),
    }
    ctx.modules = modules
    // Mounted in order; the first whose prefix matches handles the request.
    const services = [
      createWechatService(wechat, ctx),
      // Before the /auth/v1 route table: /auth/v1/authorize and /auth/v1/callback are open (no apikey) redirects.
      ...(auth.services || []),
      routeTableService('/auth/v1', { ...auth.routes, ...memfire.routes }),
      ...(memfire.services || []),
      ...Object.values(modules).flatMap((m) => m.services || []),
    ]

    const sockets = new Set()
    server = http.createServer((req, res) => {
      handle(req, res).catch((e) => {
        if (!res.headersSent) sendApiError(req, res, new ApiError(500, 'unexpected_failure', e.message || String(e)))
        else res.destroy()
      })
    })
    server.on('connection', (s) => {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    })

    // WebSocket upgrades (/realtime/v1/websocket): logged like requests, then faults, then the apikey check; errors
    // are HTTP answers on the raw socket (a ServerResponse assigned to it).
    server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => {
        /* reset by the client */
      })
      handleUpgrade(req, socket, head).catch(() => socket.destroy())
    })

    // Arrow functions, not declarations inside the try block; requests reach them only after listen() below.
    const handleUpgrade = async (req, socket, head) => {
      const u = new URL(req.url, 'http://127.0.0.1')
      const pathname = u.pathname
      const params = Object.fromEntries(u.searchParams)
      const query = u.search.startsWith('?') ? u.search.slice(1) : u.search
      requests.push({ method: req.method, path: pathname, query, params, headers: { ...req.headers }, body: '', upgrade: true })
      if (requests.length > MAX_LOGGED_REQUESTS) requests.splice(0, requests.length - MAX_LOGGED_REQUESTS)
      const res = new http.ServerResponse(req)
      res.shouldKeepAlive = false
      res.assignSocket(socket)
      res.on('finish', () => {
        res.detachSocket(socket)
        socket.destroySoon()
      })
      if (await modules.faults.intercept(req, res, pathname)) return undefined
      const rt = modules.realtime
      if (pathname !== rt.prefix && !pathname.startsWith(rt.prefix + '/'))
        return send(res, 404, { message: 'no Route matched with those values' })
      const denied = checkApiKey(req, params, ctx.apiKeys)
      if (denied) return send(res, 401, denied)
      return rt.upgrade(req, socket, head, { url: u, params, query, path: pathname.slice(rt.prefix.length) || '/' }, res)
    }

    const handle = async (req, res) => {
      const u = new URL(req.url, 'http://127.0.0.1')
      const pathname = u.pathname
      const params = Object.fromEntries(u.searchParams)
      const internal = req.headers[INTERNAL_HEADER] !== undefined
      if (internal) {
        delete req.headers[INTERNAL_HEADER]
        const raw = req.rawHeaders
        for (let i = raw.length - 2; i >= 0; i -= 2) if (raw[i].toLowerCase() === INTERNAL_HEADER) raw.splice(i, 2)
      }
      const entry = {
        method: req.method,
        path: pathname,
        query: u.search.startsWith('?') ? u.search.slice(1) : u.search,
        params,
        headers: { ...req.headers },
        body: '',
      }
      if (internal) entry.internal = true
      requests.push(entry)
      if (requests.length > MAX_LOGGED_REQUESTS) requests.splice(0, requests.length - MAX_LOGGED_REQUESTS)
      // The body is read on demand (storage streams large uploads); text() is logged (cut at 64 KiB).
      let bodyPromise = null
      const body = (limit) => (bodyPromise = bodyPromise || readBody(req, limit))
      const r = {
        url: u,
        params,
        query: entry.query,
        internal,
        body,
        async text(limit) {
          const b = await body(limit)
          const text = b.toString('utf8')
          if (b.length > MAX_LOGGED_BODY) {
            entry.body = b.subarray(0, MAX_LOGGED_BODY).toString('utf8')
            entry.bodyTruncated = true
            entry.bodyLength = b.length
          } else entry.body = text
          return text
        },
      }

      if (req.method === 'OPTIONS') return send(res, 204, null, { 'access-control-max-age': '3600' })
      // Injected faults (latency, 5xx, resets, hangs, ...) for this route, if any.
      if (await modules.faults.intercept(req, res, pathname, { internal })) return undefined

      for (const svc of services) {
        if (pathname !== svc.prefix && !pathname.startsWith(svc.prefix + '/')) continue
        if (svc.apikey) {
          const denied = checkApiKey(req, params, ctx.apiKeys)
          if (denied) return send(res, 401, denied)
        }
        r.path = pathname.slice(svc.prefix.length) || '/'
        try {
          return await svc.handle(req, res, r)
        } catch (e) {
          if (e && e.tooLarge) {
            if (res.headersSent) return res.destroy()
            return send(res, 413, { message: 'Request size limit exceeded' })
          }
          throw e
        }
      }
      return send(res, 404, { message: 'no Route matched with those values' })
    }

    await new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(cfg.port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    const port = server.address().port
    baseUrl = `http://127.0.0.1:${port}`
    const started = []
    try {
      for (const m of Object.values(modules)) {
        if (m.start) await m.start()
        started.push(m)
      }
    } catch (e) {
      for (const m of started.reverse()) {
        try {
          if (m.stop) await m.stop()
        } catch (_) {
          /* keep stopping the rest */
        }
      }
      throw e
    }

    let stopping = null
    const be = {
      url: baseUrl,
      port,
      anonKey,
      serviceRoleKey,
      jwtSecret: cfg.jwtSecret,
      jwtExpiry: cfg.jwtExpiry,
      refreshTokenReuseInterval: cfg.refreshTokenReuseInterval,
      smsCooldown: cfg.smsCooldownSec,
      wechat: { appid: cfg.wechat.appid, secret: cfg.wechat.secret },
      db: pool,
      pg: {
        host: '127.0.0.1',
        port: cluster.port,
        socketDir: cluster.sockDir,
        connectionString: cluster.connectionString,
        dataDir: cluster.dataDir,
        tempDir: cluster.dir,
      },
      requests,
      clearRequests() {
        requests.length = 0
      },
      // Captured SMS/email (what GET /_control/messages serves, oldest first; the newest 1,000 are kept).
      messages: auth.messages,
      advanceTime(ms) {
        offsetMs += Number(ms) || 0
        return now()
      },
      now,
      mintCode(o) {
        return wechat.mintCode(o || {})
      },
      mintPhoneCode(o) {
        return wechat.mintPhoneCode(o || {})
      },
      signJwt(claims) {
        return jwt.sign(claims, cfg.jwtSecret)
      },
      // The web login's redirect rules at run time: { siteUrl, redirectAllowList, strictRedirects } (each optional;
      // siteUrl null = this backend). Returns the rules in force.
      redirects(o = {}) {
        if (o.redirectAllowList !== undefined) {
          require('./redirect').compileAllowList(o.redirectAllowList)
          cfg.redirectAllowList = [...o.redirectAllowList]
        }
        if (o.siteUrl !== undefined) cfg.siteUrl = o.siteUrl || undefined
        if (o.strictRedirects !== undefined) cfg.strictRedirects = !!o.strictRedirects
        return {
          siteUrl: cfg.siteUrl || baseUrl,
          redirectAllowList: [...cfg.redirectAllowList],
          strictRedirects: cfg.strictRedirects,
        }
      },
      rest: modules.rest.api,
      storage: modules.storage.api,
      functions: modules.functions.api,
      realtime: modules.realtime.api,
      faults: modules.faults.api,
      stop() {
        if (!stopping) {
          stopping = (async () => {
            for (const m of Object.values(modules).reverse()) {
              try {
                if (m.stop) await m.stop()
              } catch (_) {
                /* keep stopping the rest */
              }
            }
            await new Promise((resolve) => {
              server.close(() => resolve())
              for (const s of sockets) s.destroy()
            })
            try {
              await pool.end()
            } catch (_) {
              /* ignore */
            }
            await cluster.stop()
          })()
        }
        return stopping
      },
    }
    return be
  } catch (e) {
    try {
      if (server && server.listening) server.close()
    } catch (_) {
      /* ignore */
    }
    try {
      if (pool) await pool.end()
    } catch (_) {
      /* ignore */
    }
    await cluster.stop()
    throw e
  }
}

module.exports = {
  startBackend,
  DEVTOOLS_USER,
  DEFAULT_JWT_SECRET,
  DEFAULT_WECHAT,
  INTERNAL_HEADER,
  MAX_LOGGED_REQUESTS,
  MAX_LOGGED_BODY,
}
