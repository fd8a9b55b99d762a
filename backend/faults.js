'use strict'
// Fault injection for every route of the local backend (auth, rest, storage, functions, fake WeChat):
// index.js calls intercept(req, res, pathname) before routing; true means the fault handled the request.
//
// Control API (no apikey), also as be.faults:
//   POST   /_control/faults        {method?, path, fault, ms?, status?, body?, headers?, retryAfter?, count?, ttlMs?}
//                                  -> 200 {id}            be.faults.add(spec) -> id
//   GET    /_control/faults        -> 200 [fault...]      be.faults.list()      (active faults only)
//   GET    /_control/faults/log    -> 200 [entry...]      be.faults.log         (every applied fault)
//   DELETE /_control/faults/log    -> 200 {cleared:n}     be.faults.clearLog()
//   GET    /_control/faults/:id    -> 200 fault | 404 {"message":"fault not found"}
//   DELETE /_control/faults        -> 200 {cleared:n}     be.faults.clear()
//   DELETE /_control/faults/:id    -> 200 {cleared:1} | 404   be.faults.remove(id) -> bool
//   a bad spec -> 400 {"message":"..."} (be.faults.add throws)
//
// Spec:
//   path   exact pathname ('/auth/v1/user'), or a prefix ending with '*' ('/rest/v1/*', '*' = everything).
//          The query string is not matched. /_control/* is never faulted (so a '*' fault cannot lock you out).
//   method optional, any HTTP method or '*' (default: any). OPTIONS preflights are answered before faults.
//   count  how many matching requests it applies to (default 1); ttlMs: it expires that long after being
//          added (default 60000, real time, not the virtual clock). The oldest matching fault applies.
//   fault:
//     latency    waits `ms` (default 1000), then the request goes on to its route.
//     status     answers `status` (default 503) with `body` (string as is, else JSON) and `headers`, or a gateway
//                default: 500 {"message":"An unexpected error occurred"} and 502 {"message":"An invalid response was
//                received from the upstream server"} (Kong's JSON); 503 "Service Temporarily Unavailable" and 504
//                "Gateway Time-out" as nginx's HTML page (text/html); any other status {"message":"<reason phrase>"}.
//     rate_limit 429 + Retry-After (`retryAfter` seconds, default 1). Under /auth/ GoTrue's body
//                {"code":429,"error_code":"over_request_rate_limit","msg":"Request rate limit reached"} + x-sb-error-code
//                (shape B {code:'over_request_rate_limit',message} with X-Supabase-Api-Version: 2024-01-01);
//                elsewhere Kong's {"message":"API rate limit exceeded"}. `body` overrides.
//     reset      TCP RST at once (client: ECONNRESET, "read ECONNRESET").
//     drop       reads the request, then closes the connection without a response (client: "socket hang up").
//     hang       reads the request and never answers; the socket is destroyed after `ms` if given, else when the
//                fault expires (ttlMs), or when the fault is removed/cleared, or on be.stop() — never leaked.
//     malformed  200, content-type application/json, a truncated JSON body (`body` overrides); JSON.parse fails.
// Log entries: {id, fault, method, path, at (ms), internal?}; the newest 1,000 are kept.
// The backend's own calls to the fake WeChat (auth.js, memfire.js; header x-sbwx-internal) are only faulted by a
// fault whose path targets /wechat (e.g. '/wechat/sns/jscode2session', '/wechat/*'); '*' or '/w*' leave them alone.
const http = require('node:http')
const { ApiError, send, sendApiError, parseJson } = require('./http-util')

const FAULTS = ['latency', 'status', 'reset', 'drop', 'hang', 'malformed', 'rate_limit']
const METHODS = ['*', 'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
const PREFIX = '/_control/faults'
const MAX_TIMER = 2 ** 31 - 1
const MAX_LOG = 1000 // the applied-fault log keeps the newest entries

const nginxPage = (status, reason) =>
  `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n` +
  '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n'

// The default body of a `status` fault: [body, content-type].
function gatewayBody(status) {
  if (status === 500) return [{ message: 'An unexpected error occurred' }, null]
  if (status === 502) return [{ message: 'An invalid response was received from the upstream server' }, null]
  if (status === 503) return [nginxPage(503, 'Service Temporarily Unavailable'), 'text/html']
  if (status === 504) return [nginxPage(504, 'Gateway Time-out'), 'text/html']
  return [{ message: http.STATUS_CODES[status] || `Error ${status}` }, null]
}

const MALFORMED_BODY = '{"message":"ok","data":[{"id":1,"name":"trunc'

function num(v, name, { min = 0, int = false } = {}) {
  const n = Number(v)
  if (typeof v === 'boolean' || v === '' || !Number.isFinite(n) || n < min || (int && !Number.isInteger(n))) {
    throw new Error(`${name} must be ${int ? 'an integer' : 'a number'} >= ${min}`)
  }
  return n
}

function normalize(spec) {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new Error('fault spec must be an object')
  const fault = spec.fault
  if (!FAULTS.includes(fault)) throw new Error(`fault must be one of ${FAULTS.join(', ')}`)
  if (typeof spec.path !== 'string' || !(spec.path.startsWith('/') || spec.path === '*')) {
    throw new Error("path must be a pathname starting with '/' (a trailing '*' matches a prefix)")
  }
  if (spec.path.indexOf('*') !== -1 && spec.path.indexOf('*') !== spec.path.length - 1)
    throw new Error("'*' may only end the path")
  const method = spec.method === undefined || spec.method === null ? '*' : String(spec.method).toUpperCase()
  if (!METHODS.includes(method)) throw new Error(`method must be one of ${METHODS.join(', ')}`)
  const f = {
    method,
    path: spec.path,
    fault,
    count: spec.count === undefined ? 1 : num(spec.count, 'count', { min: 1, int: true }),
    ttlMs: spec.ttlMs === undefined ? 60000 : Math.min(num(spec.ttlMs, 'ttlMs', { min: 1 }), MAX_TIMER),
  }
  if (spec.ms !== undefined) f.ms = Math.min(num(spec.ms, 'ms'), MAX_TIMER)
  if (fault === 'latency' && f.ms === undefined) f.ms = 1000
  if (fault === 'status') f.status = spec.status === undefined ? 503 : num(spec.status, 'status', { min: 200, int: true })
  if (f.status !== undefined && f.status > 599) throw new Error('status must be 200..599')
  if (spec.body !== undefined) f.body = spec.body
  if (spec.headers !== undefined) {
    if (!spec.headers || typeof spec.headers !== 'object' || Array.isArray(spec.headers))
      throw new Error('headers must be an object')
    f.headers = Object.fromEntries(Object.entries(spec.headers).map(([k, v]) => [k.toLowerCase(), String(v)]))
  }
  if (fault === 'rate_limit') f.retryAfter = spec.retryAfter === undefined ? 1 : num(spec.retryAfter, 'retryAfter', { int: true })
  return f
}

// A fault whose path explicitly targets the fake WeChat (/wechat, /wechat/..., /wechat*): the only faults that apply
// to the backend's own (internal) calls to it.
function targetsWechat(f) {
  const p = f.path.endsWith('*') ? f.path.slice(0, -1) : f.path
  return p === '/wechat' || p.startsWith('/wechat/')
}

function matches(f, method, pathname, internal) {
  if (internal && !targetsWechat(f)) return false
  if (f.method !== '*' && f.method !== method) return false
  if (f.path.endsWith('*')) return pathname.startsWith(f.path.slice(0, -1))
  return pathname === f.path
}

// Read (and discard) the rest of the request body, so the client is not cut off mid-upload.
function drain(req) {
  if (req.readableEnded || req.complete) return Promise.resolve()
  return new Promise((resolve) => {
    req.on('end', resolve)
    req.on('error', resolve)
    req.on('close', resolve)
    req.resume()
  })
}

function create() {
  let seq = 0
  let stopped = false
  const active = [] // in insertion order; the oldest match applies
  const byId = new Map() // id -> fault, until it expires or is removed (hung sockets refer to it)
  const hung = new Map() // socket -> { faultId, timer }
  const sleeps = new Set() // latency timers
  const log = []

  const view = (f) => {
    const o = { id: f.id, method: f.method, path: f.path, fault: f.fault, count: f.remaining, applied: f.applied, ttlMs: f.ttlMs }
    for (const k of ['ms', 'status', 'body', 'headers', 'retryAfter']) if (f[k] !== undefined) o[k] = f[k]
    o.expiresAt = new Date(f.expiresAt).toISOString()
    return o
  }

  function releaseSockets(faultId) {
    for (const [sock, h] of hung) {
      if (faultId !== undefined && h.faultId !== faultId) continue
      clearTimeout(h.timer)
      hung.delete(sock)
      sock.destroy()
    }
  }

  function deactivate(f) {
    const i = active.indexOf(f)
    if (i !== -1) active.splice(i, 1)
  }

  // Expired (ttl) or removed: it stops matching and its hung sockets are destroyed.
  function retire(f) {
    deactivate(f)
    clearTimeout(f.timer)
    byId.delete(f.id)
    releaseSockets(f.id)
  }

  function add(spec) {
    if (stopped) throw new Error('backend stopped')
    const f = normalize(spec)
    f.id = `fault-${++seq}`
    f.remaining = f.count
    f.applied = 0
    f.expiresAt = Date.now() + f.ttlMs
    f.timer = setTimeout(() => retire(f), f.ttlMs)
    f.timer.unref()
    active.push(f)
    byId.set(f.id, f)
    return f.id
  }

  function remove(id) {
    const f = byId.get(id)
    if (!f) return false
    retire(f)
    return true
  }

  function clear() {
    const all = [...byId.values()]
    for (const f of all) retire(f)
    releaseSockets()
    return all.filter((f) => f.remaining > 0).length
  }

  function list() {
    const t = Date.now()
    for (const f of [...active]) if (f.expiresAt <= t) retire(f)
    return active.map(view)
  }

  function take(method, pathname, internal) {
    const t = Date.now()
    for (const f of active) {
      if (f.expiresAt <= t || !matches(f, method, pathname, internal)) continue
      f.remaining--
      f.applied++
      if (f.remaining <= 0) deactivate(f) // stays in byId until its ttl, for its hung sockets
      return f
    }
    return null
  }

  function hold(f, req) {
    const sock = req.socket
    if (!sock || sock.destroyed) return
    const until = f.ms !== undefined ? Date.now() + f.ms : f.expiresAt
    const timer = setTimeout(
      () => {
        hung.delete(sock)
        sock.destroy()
      },
      Math.max(0, until - Date.now()),
    )
    timer.unref()
    hung.set(sock, { faultId: f.id, timer })
    sock.once('close', () => {
      const h = hung.get(sock)
      if (h) {
        clearTimeout(h.timer)
        hung.delete(sock)
      }
    })
  }

  // opts.internal: the backend's own call (to the fake WeChat); only faults targeting /wechat/... apply.
  async function intercept(req, res, pathname, opts = {}) {
    if (active.length === 0 || pathname.startsWith('/_control/')) return false
    const internal = !!opts.internal
    const f = take(req.method, pathname, internal)
    if (!f) return false
    const entry = { id: f.id, fault: f.fault, method: req.method, path: pathname, at: Date.now() }
    if (internal) entry.internal = true
    log.push(entry)
    if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG)
    switch (f.fault) {
      case 'latency':
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            sleeps.delete(timer)
            resolve()
          }, f.ms)
          sleeps.add(timer)
        })
        return false
      case 'reset': {
        const sock = req.socket
        if (typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy()
        else sock.destroy()
        return true
      }
      case 'drop':
        await drain(req)
        req.socket.destroy()
        return true
      case 'hang':
        hold(f, req)
        req.resume()
        return true
      case 'malformed': {
        await drain(req)
        const body =
          f.body === undefined ? MALFORMED_BODY : typeof f.body === 'string' ? f.body : JSON.stringify(f.body).slice(0, -1)
        send(res, 200, body, { 'content-type': 'application/json; charset=utf-8', ...(f.headers || {}) })
        return true
      }
      case 'rate_limit': {
        await drain(req)
        const headers = { 'retry-after': String(f.retryAfter), ...(f.headers || {}) }
        if (f.body !== undefined) {
          send(res, 429, f.body, headers)
        } else if (pathname.startsWith('/auth/')) {
          for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
          sendApiError(req, res, new ApiError(429, 'over_request_rate_limit', 'Request rate limit reached'))
        } else {
          send(res, 429, { message: 'API rate limit exceeded' }, headers)
        }
        return true
      }
      default: {
        // 'status', and any fault without a case of its own
        await drain(req)
        let body = f.body
        const headers = { ...(f.headers || {}) }
        if (body === undefined) {
          const [b, type] = gatewayBody(f.status)
          body = b
          if (type && !headers['content-type']) headers['content-type'] = type
        }
        if (typeof body === 'string' && !headers['content-type']) headers['content-type'] = 'text/plain; charset=utf-8'
        send(res, f.status, f.status === 204 || f.status === 304 ? null : body, headers)
        return true
      }
    }
  }

  // ---- control API ----
  const service = {
    prefix: PREFIX,
    apikey: false,
    async handle(req, res, r) {
      const sub = r.path.replace(/\/+$/, '') || '/'
      const bad = (msg) => send(res, 400, { message: msg })
      if (sub === '/') {
        if (req.method === 'GET') return send(res, 200, list())
        if (req.method === 'DELETE') return send(res, 200, { cleared: clear() })
        if (req.method === 'POST') {
          let spec
          try {
            spec = parseJson(await r.text())
          } catch (e) {
            if (e && e.tooLarge) throw e // 413 from the dispatcher
            return bad(e instanceof ApiError ? e.message : 'Could not parse request body as JSON')
          }
          try {
            return send(res, 200, { id: add(spec) })
          } catch (e) {
            return bad(e.message)
          }
        }
        return send(res, 405, { message: 'Method Not Allowed' })
      }
      if (sub === '/log') {
        if (req.method === 'GET') return send(res, 200, log)
        if (req.method === 'DELETE') return send(res, 200, { cleared: clearLog() })
        return send(res, 405, { message: 'Method Not Allowed' })
      }
      let id
      try {
        id = decodeURIComponent(sub.slice(1))
      } catch (_) {
        return send(res, 404, { message: 'fault not found' }) // malformed %-escape: no fault has that id
      }
      if (req.method === 'GET') {
        list()
        const f = active.find((x) => x.id === id)
        return f ? send(res, 200, view(f)) : send(res, 404, { message: 'fault not found' })
      }
      if (req.method === 'DELETE')
        return remove(id) ? send(res, 200, { cleared: 1 }) : send(res, 404, { message: 'fault not found' })
      return send(res, 405, { message: 'Method Not Allowed' })
    },
  }

  function clearLog() {
    const n = log.length
    log.length = 0
    return n
  }

  const api = {
    add,
    remove,
    clear,
    list,
    log,
    clearLog,
    get hanging() {
      return hung.size
    },
  }

  function stop() {
    stopped = true
    clear()
    for (const t of sleeps) clearTimeout(t)
    sleeps.clear()
  }

  return { services: [service], api, intercept, stop }
}

module.exports = { create, FAULTS }
