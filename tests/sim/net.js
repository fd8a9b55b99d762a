'use strict'
// wx.request / uploadFile / downloadFile / login over real Node http(s).
const http = require('node:http')
const https = require('node:https')
const zlib = require('node:zlib')
const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')
const { isArrayBuffer } = require('./clone')

const MAX_CONCURRENT = 10 // wx.request + uploadFile + downloadFile together; excess calls are queued
const CHUNK = 64 * 1024 // an upload body is written in pieces of this size (its progress is reported per piece)

// wx.request's docs list OPTIONS GET HEAD POST PUT DELETE TRACE CONNECT. PATCH is NOT documented for
// wx.request but works on devices (PostgREST needs it), so it is accepted here.
const METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT', 'PATCH']

const NET_ERRORS = {
  ECONNREFUSED: [-102, 'ERR_CONNECTION_REFUSED'],
  ENOTFOUND: [-105, 'ERR_NAME_NOT_RESOLVED'],
  EAI_AGAIN: [-105, 'ERR_NAME_NOT_RESOLVED'],
  ECONNRESET: [-101, 'ERR_CONNECTION_RESET'],
  EPIPE: [-100, 'ERR_CONNECTION_CLOSED'],
  EHOSTUNREACH: [-109, 'ERR_ADDRESS_UNREACHABLE'],
  ENETUNREACH: [-109, 'ERR_ADDRESS_UNREACHABLE'],
  ECONNABORTED: [-103, 'ERR_CONNECTION_ABORTED'],
  DEPTH_ZERO_SELF_SIGNED_CERT: [-202, 'ERR_CERT_AUTHORITY_INVALID'],
  SELF_SIGNED_CERT_IN_CHAIN: [-202, 'ERR_CERT_AUTHORITY_INVALID'],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: [-202, 'ERR_CERT_AUTHORITY_INVALID'],
  ERR_TLS_CERT_ALTNAME_INVALID: [-200, 'ERR_CERT_COMMON_NAME_INVALID'],
}
const ERRNO_NETWORK = 600001
const ERRNO_TIMEOUT = 5

function netReason(err) {
  const e = NET_ERRORS[err.code]
  if (e) return `errcode:${e[0]} cronet_error_code:${e[0]} error_msg:net::${e[1]}`
  return `errcode:-2 cronet_error_code:-2 error_msg:net::ERR_FAILED (${err.code || err.message})`
}

function encodeForm(obj) {
  const parts = []
  for (const k of Object.keys(obj)) {
    const v = obj[k]
    if (v === undefined) continue
    const s = v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)
    parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(s))
  }
  return parts.join('&')
}

function toBuffer(v) {
  if (isArrayBuffer(v)) return Buffer.from(v)
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
  return null
}

function findHeader(headers, lower) {
  for (const k of Object.keys(headers)) if (k.toLowerCase() === lower) return k
  return null
}

function decodeBody(buf, encoding) {
  const enc = String(encoding || '')
    .trim()
    .toLowerCase()
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(buf)
    if (enc === 'br') return zlib.brotliDecompressSync(buf)
    if (enc === 'deflate') {
      try {
        return zlib.inflateSync(buf)
      } catch {
        return zlib.inflateRawSync(buf)
      }
    }
  } catch {
    /* keep raw bytes */
  }
  return buf
}

class Net {
  constructor(app) {
    this.app = app
    this.sim = app.sim
    this.active = new Set()
    this.queue = []
    this.ops = new Set() // in-flight http calls (destroyed on kill)
    this.agents = {
      'http:': new http.Agent({ keepAlive: true }),
      'https:': new https.Agent({ keepAlive: true, rejectUnauthorized: this.sim.options.rejectUnauthorized !== false }),
    }
  }

  enqueue(job) {
    this.queue.push(job)
    this._pump()
  }

  dequeue(job) {
    const i = this.queue.indexOf(job)
    if (i >= 0) {
      this.queue.splice(i, 1)
      return true
    }
    return false
  }

  _pump() {
    while (this.app.alive && this.active.size < MAX_CONCURRENT && this.queue.length) {
      const job = this.queue.shift()
      this.active.add(job)
      if (this.active.size > this.sim.maxConcurrentSeen) this.sim.maxConcurrentSeen = this.active.size
      let released = false
      job.run(() => {
        if (released) return
        released = true
        this.active.delete(job)
        this._pump()
      })
    }
  }

  get inFlight() {
    return this.active.size
  }

  kill() {
    this.queue = []
    this.active.clear()
    for (const op of this.ops) op.destroy()
    this.ops.clear()
    for (const a of Object.values(this.agents)) a.destroy()
  }

  // One HTTP exchange. cb(err, {statusCode, rawHeaders, body}) once; err = {timeout}|{abort}|{code,message}.
  // onSent(bytesSent, bodyLength) as the request body leaves the process (written in CHUNK-byte pieces,
  // each reported when Node has handed it to the socket); onReceived(bytesReceived, contentLength or -1)
  // as the response body arrives (bytes on the wire: before any Content-Encoding is undone).
  call({ url, method, headers, body, timeout }, { onHeaders, onDone, onSent, onReceived }) {
    const net = this
    const op = {
      done: false,
      req: null,
      timer: null,
      abort() {
        if (op.done) return
        if (op.req) op.req.destroy()
        finish({ abort: true })
      },
      destroy() {
        op.done = true
        clearTimeout(op.timer)
        if (op.req) op.req.destroy()
      },
    }
    function finish(err, resp) {
      if (op.done) return
      op.done = true
      clearTimeout(op.timer)
      net.ops.delete(op)
      onDone(err, resp)
    }
    this.ops.add(op)
    let u
    try {
      u = new URL(url)
    } catch (e) {
      setImmediate(() => finish({ code: 'EINVALIDURL', message: e.message }))
      return op
    }
    const mod = u.protocol === 'https:' ? https : http
    // Frame every body with Content-Length, as WeChat's network stack does: Node would send a
    // DELETE body unframed (no chunked encoding for DELETE), corrupting the kept-alive connection.
    const hasBody = body != null && body.length > 0
    if (hasBody && !Object.keys(headers || {}).some((k) => k.toLowerCase() === 'content-length')) {
      headers = Object.assign({}, headers, { 'Content-Length': String(body.length) })
    }
    try {
      op.req = mod.request(u, { method, headers, agent: this.agents[u.protocol] })
    } catch (e) {
      setImmediate(() => finish({ code: e.code || 'EINVAL', message: e.message }))
      return op
    }
    const req = op.req
    req.on('error', (e) => finish({ code: e.code, message: e.message }))
    req.on('response', (res) => {
      if (op.done) {
        res.resume()
        return
      }
      if (onHeaders) onHeaders(res.statusCode, res.rawHeaders)
      const chunks = []
      const expected = Number(res.headers['content-length'])
      let received = 0
      res.on('data', (c) => {
        chunks.push(c)
        received += c.length
        if (onReceived && !op.done) onReceived(received, Number.isInteger(expected) && expected >= 0 ? expected : -1)
      })
      res.on('error', (e) => finish({ code: e.code || 'ECONNRESET', message: e.message }))
      res.on('aborted', () => finish({ code: 'ECONNRESET', message: 'aborted' }))
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        finish(null, {
          statusCode: res.statusCode,
          rawHeaders: res.rawHeaders,
          body: decodeBody(raw, res.headers['content-encoding']),
        })
      })
    })
    const ms = Number(timeout) > 0 ? Number(timeout) : 60000
    op.timer = setTimeout(() => {
      req.destroy()
      finish({ timeout: true })
    }, ms)
    if (hasBody && onSent) {
      let sent = 0
      for (let at = 0; at < body.length; at += CHUNK) {
        const piece = body.subarray(at, Math.min(at + CHUNK, body.length))
        req.write(piece, (err) => {
          if (err || op.done) return
          sent += piece.length
          onSent(sent, body.length)
        })
      }
      req.end()
    } else if (hasBody) req.end(body)
    else req.end()
    return op
  }
}

function makeNetApis(app) {
  const sim = app.sim
  const net = app._net
  const R = app._R

  function headerObj(rawHeaders) {
    const h = new R.Object()
    const keyOf = Object.create(null)
    const cookies = new R.Array()
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]
      const value = rawHeaders[i + 1]
      const lower = name.toLowerCase()
      if (lower === 'set-cookie') cookies.push(value)
      if (keyOf[lower] !== undefined) h[keyOf[lower]] += (lower === 'set-cookie' ? ',' : ', ') + value
      else {
        keyOf[lower] = name
        h[name] = value
      }
    }
    return { header: h, cookies }
  }

  function referer() {
    return `https://servicewechat.com/${sim.appid}/devtools/page-frame.html`
  }

  function callerHeaders(hdr) {
    const out = {}
    if (hdr && typeof hdr === 'object') {
      for (const k of Object.keys(hdr)) {
        const v = hdr[k]
        if (v === undefined || v === null) continue
        if (k.toLowerCase() === 'referer') continue // WeChat: Referer cannot be set
        out[k] = String(v)
      }
    }
    return out
  }

  // Shared machinery for the three task-returning APIs (no Promise form, like WeChat).
  // prep(o) → { url, method, headers, body, logData } or a string = fail reason.
  // result(resp, o) → success props (data, statusCode, ...).
  function transfer(api, options, prep, result) {
    return app._api(
      api,
      options,
      (o, finish) => {
        const headerCbs = []
        const progressCbs = []
        const state = { queued: false, op: null, done: false }
        const fin = (ok, res) => {
          if (state.done) return
          state.done = true
          finish(ok, res)
        }
        const task = app._obj({})
        task.abort = app._fn('abort', () => {
          if (state.done) return
          if (state.queued && net.dequeue(job)) {
            state.queued = false
            fin(false, { errMsg: `${api}:fail abort` })
            return
          }
          if (state.op) state.op.abort()
          else fin(false, { errMsg: `${api}:fail abort` })
        })
        task.onHeadersReceived = app._fn('onHeadersReceived', (cb) => {
          if (typeof cb === 'function') headerCbs.push(cb)
        })
        task.offHeadersReceived = app._fn('offHeadersReceived', (cb) => {
          if (cb === undefined) headerCbs.length = 0
          else {
            const i = headerCbs.indexOf(cb)
            if (i >= 0) headerCbs.splice(i, 1)
          }
        })
        if (api !== 'request') {
          task.onProgressUpdate = app._fn('onProgressUpdate', (cb) => {
            if (typeof cb === 'function') progressCbs.push(cb)
          })
          task.offProgressUpdate = app._fn('offProgressUpdate', (cb) => {
            if (cb === undefined) progressCbs.length = 0
            else {
              const i = progressCbs.indexOf(cb)
              if (i >= 0) progressCbs.splice(i, 1)
            }
          })
        }
        let p
        try {
          p = prep(o)
        } catch (e) {
          p = e.message
        }
        if (typeof p === 'string') {
          fin(false, { errMsg: `${api}:fail ${p}` })
          return task
        }
        p.headers.Referer = referer()
        sim.requests.push({
          api,
          url: p.url,
          method: p.method,
          header: Object.assign({}, p.headers),
          data: p.logData,
          app: app.id,
        })
        // onProgressUpdate as the bytes move (uploadFile: the multipart body sent; downloadFile: the
        // response body received, against its Content-Length, -1 without one): an event each time the
        // integer percent changes and one when the last byte has moved, each on its own macrotask, in
        // order, before success/fail (none is started once the task has settled).
        let lastPercent = -1
        const progress = (n, total) => {
          const percent = total > 0 ? Math.floor((n * 100) / total) : 0
          if (state.done || !progressCbs.length || (total > 0 && percent === lastPercent && n !== total)) return
          lastPercent = percent
          const pr =
            api === 'uploadFile'
              ? app._obj({ progress: percent, totalBytesSent: n, totalBytesExpectedToSend: total })
              : app._obj({ progress: percent, totalBytesWritten: n, totalBytesExpectedToWrite: total })
          app._later(() => {
            for (const cb of progressCbs.slice()) app._invoke(cb, [pr], `${api} onProgressUpdate callback`)
          })
        }
        const job = {
          run(release) {
            state.queued = false
            if (state.done) {
              release()
              return
            }
            state.op = net.call(
              { url: p.url, method: p.method, headers: p.headers, body: p.body, timeout: o.timeout },
              {
                onSent: api === 'uploadFile' ? (n, total) => progress(n, total) : undefined,
                onReceived: api === 'downloadFile' ? (n, total) => progress(n, total) : undefined,
                onHeaders(statusCode, rawHeaders) {
                  if (!headerCbs.length) return
                  const { header, cookies } = headerObj(rawHeaders)
                  const res = app._obj({ header, statusCode, cookies })
                  for (const cb of headerCbs.slice())
                    app._later(() => app._invoke(cb, [res], `${api} onHeadersReceived callback`))
                },
                onDone(err, resp) {
                  release()
                  if (err) {
                    if (err.abort) fin(false, { errMsg: `${api}:fail abort` })
                    else if (err.timeout) fin(false, { errMsg: `${api}:fail timeout`, errno: ERRNO_TIMEOUT })
                    else fin(false, { errMsg: `${api}:fail ${netReason(err)}`, errno: ERRNO_NETWORK })
                    return
                  }
                  let res
                  try {
                    res = result(resp, o, headerObj(resp.rawHeaders))
                  } catch (e) {
                    fin(false, { errMsg: `${api}:fail ${e.message}` })
                    return
                  }
                  fin(true, res)
                },
              },
            )
          },
        }
        state.queued = true
        net.enqueue(job)
        return task
      },
      false,
    )
  }

  function checkUrl(url) {
    if (typeof url !== 'string' || !/^https?:\/\/[^/]/i.test(url)) throw new Error(`invalid url "${url}"`)
    return url
  }

  function request(options) {
    return transfer(
      'request',
      options,
      (o) => {
        let url = checkUrl(o.url)
        const method = String(o.method === undefined ? 'GET' : o.method).toUpperCase()
        if (!METHODS.includes(method)) return 'invalid method'
        const headers = callerHeaders(o.header)
        const ctKey = findHeader(headers, 'content-type')
        if (!ctKey) headers['content-type'] = 'application/json'
        const ct = String(headers[ctKey || 'content-type']).toLowerCase()
        let body = null
        const d = o.data
        const bytes = d != null && typeof d === 'object' ? toBuffer(d) : null
        if (d === undefined || d === null) body = null
        else if (method === 'GET' || method === 'HEAD') {
          const q = bytes ? null : typeof d === 'object' ? encodeForm(d) : String(d)
          if (bytes) body = bytes
          else if (q) url += (url.includes('?') ? (/[?&]$/.test(url) ? '' : '&') : '?') + q
        } else if (typeof d === 'string') body = Buffer.from(d)
        else if (bytes) body = bytes
        else if (typeof d === 'object') {
          body = Buffer.from(ct.startsWith('application/x-www-form-urlencoded') ? encodeForm(d) : JSON.stringify(d))
        } else body = Buffer.from(String(d))
        return { url, method, headers, body, logData: d }
      },
      (resp, o, { header, cookies }) => {
        let data
        if (o.responseType === 'arraybuffer') data = app._ab(resp.body)
        else {
          data = resp.body.toString('utf8')
          if (o.dataType === undefined || o.dataType === 'json') {
            try {
              data = R.JSON.parse(data)
            } catch {
              /* keep the string */
            }
          }
        }
        return { data, statusCode: resp.statusCode, header, cookies }
      },
    )
  }

  function uploadFile(options) {
    return transfer(
      'uploadFile',
      options,
      (o) => {
        const url = checkUrl(o.url)
        if (typeof o.name !== 'string' || !o.name) return 'parameter error: parameter.name should be String'
        const file = app._fsPath(o.filePath)
        if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) return `file not found: ${o.filePath}`
        const content = fs.readFileSync(file)
        const boundary = '----WXSimFormBoundary' + crypto.randomBytes(8).toString('hex')
        const parts = []
        const fd = o.formData && typeof o.formData === 'object' ? o.formData : {}
        for (const k of Object.keys(fd)) {
          parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${fd[k]}\r\n`))
        }
        parts.push(
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${o.name}"; filename="${path.basename(file)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          ),
        )
        parts.push(content, Buffer.from(`\r\n--${boundary}--\r\n`))
        const headers = callerHeaders(o.header)
        const ctKey = findHeader(headers, 'content-type')
        if (ctKey) delete headers[ctKey]
        headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`
        return {
          url,
          method: 'POST',
          headers,
          body: Buffer.concat(parts),
          logData: { filePath: o.filePath, name: o.name, formData: o.formData },
        }
      },
      (resp, _o, { header }) => ({ data: resp.body.toString('utf8'), statusCode: resp.statusCode, header }),
    )
  }

  function downloadFile(options) {
    return transfer(
      'downloadFile',
      options,
      (o) => {
        const url = checkUrl(o.url)
        if (o.filePath !== undefined) {
          const target = app._fsPath(o.filePath)
          if (!target || !String(o.filePath).startsWith('wxfile://usr')) return `permission denied, open ${o.filePath}`
        }
        return { url, method: 'GET', headers: callerHeaders(o.header), body: null, logData: undefined }
      },
      (resp, o, { header }) => {
        let vpath = o.filePath
        if (vpath === undefined) {
          let ext = path.extname(new URL(o.url).pathname).slice(0, 10)
          if (!/^\.[A-Za-z0-9]+$/.test(ext)) ext = ''
          vpath = 'wxfile://tmp_' + crypto.randomBytes(8).toString('hex') + ext
        }
        const file = app._fsPath(vpath)
        fs.mkdirSync(path.dirname(file), { recursive: true })
        fs.writeFileSync(file, resp.body)
        const res = { statusCode: resp.statusCode, header }
        if (o.filePath === undefined) res.tempFilePath = vpath
        else res.filePath = vpath
        return res
      },
    )
  }

  function login(options) {
    return app._api(
      'login',
      options,
      (o, finish) => {
        const url = String(sim.wechatUrl || '').replace(/\/+$/, '') + '/test/mint_code'
        const user = sim.user
        const payload = { appid: sim.appid, openid: user.openid, unionid: user.unionid || '' }
        const headers = { 'content-type': 'application/json' }
        sim.requests.push({ api: 'login', url, method: 'POST', header: Object.assign({}, headers), data: payload, app: app.id })
        net.call(
          { url, method: 'POST', headers, body: Buffer.from(JSON.stringify(payload)), timeout: o.timeout },
          {
            onDone(err, resp) {
              if (err) {
                if (err.timeout) finish(false, { errMsg: 'login:fail timeout', errno: ERRNO_TIMEOUT })
                else finish(false, { errMsg: 'login:fail ' + netReason(err), errno: ERRNO_NETWORK })
                return
              }
              const text = resp.body.toString('utf8')
              let code
              try {
                code = JSON.parse(text).code
              } catch {
                /* ignore */
              }
              if (resp.statusCode >= 200 && resp.statusCode < 300 && typeof code === 'string' && code) finish(true, { code })
              else finish(false, { errMsg: `login:fail mint_code HTTP ${resp.statusCode} ${text.slice(0, 200)}` })
            },
          },
        )
      },
      false,
    ) // wx.login docs: 以 Promise 风格调用：不支持 (callbacks only)
  }

  return { request, uploadFile, downloadFile, login }
}

module.exports = { Net, makeNetApis, MAX_CONCURRENT, METHODS, netReason }
