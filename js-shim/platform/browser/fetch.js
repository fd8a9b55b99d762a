'use strict'
// HTTP through fetch: the browser platform's `request` (auth) and `transfer` (data path), with
// the core's timeout (an AbortController) and WeChat-worded `…:fail` messages, so the core reads
// a failure the same on both platforms.
const { readReply, statusOf } = require('../../reply.js')
const { messageOf } = require('../../util.js')

function headersOf(res) {
  const out = {}
  res.headers.forEach((v, k) => {
    out[k] = v
  })
  return out
}

// fetch with the core's timeout; `why(e)` is the `onFail` message for a failure.
function fetchWithTimeout(url, init, timeoutMs, api) {
  const ctl = typeof AbortController === 'function' ? new AbortController() : null
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    if (ctl) ctl.abort()
  }, timeoutMs)
  const p = fetch(url, Object.assign({}, init, ctl ? { signal: ctl.signal } : {}))
  const why = (e) => api + ':fail ' + (timedOut ? 'timeout' : messageOf(e))
  return { promise: p, why, done: () => clearTimeout(timer), abort: () => ctl && ctl.abort() }
}

// Perform the core's `{ method, url, headers, body, timeout }` (auth requests).
function request(req, onResponse, onFail) {
  const f = fetchWithTimeout(
    req.url,
    { method: req.method, headers: req.headers, body: req.body === null ? undefined : req.body },
    req.timeout,
    'request',
  )
  f.promise
    .then((res) => res.text().then((text) => [statusOf({ statusCode: res.status }), text, headersOf(res)]))
    .then(
      ([status, text, header]) => {
        f.done()
        onResponse(status, text, header)
      },
      (e) => {
        f.done()
        onFail(f.why(e))
      },
    )
}

// Perform a data-path request: the body the caller handed over (string, ArrayBuffer, Blob/File)
// goes to fetch as it is; the reply is split between JS and the core as in WeChat (../../reply.js).
// WeChat's file transports (temp file paths) have no browser equivalent.
function transfer(req, payload, onResponse, onFail) {
  const api = req.transport && req.transport.api
  if (api === 'upload' || api === 'download') {
    const name = api === 'upload' ? 'uploadFile' : 'downloadFile'
    setTimeout(() => onFail(name + ':fail temp file paths do not exist in the browser: pass a Blob, File or ArrayBuffer'), 0)
    return null
  }
  const p = payload || {}
  const body = req.payload ? p.body : req.body === null ? undefined : req.body
  // Progress (`payload.onProgress(loaded, total)`): fetch reports nothing of a body it sends, so an
  // upload with a progress callback goes through XMLHttpRequest (upload.onprogress), or where there is
  // none is reported at 0 when it starts (storage-api.js adds the last event on success); a body read
  // as an ArrayBuffer is counted as its stream arrives, against its Content-Length.
  const report = p.onProgress
  if (report && req.payload && typeof XMLHttpRequest === 'function') return viaXhr(req, body, report, onResponse, onFail)
  if (report && req.payload) report(0, body && typeof body.size === 'number' ? body.size : body ? body.byteLength : 0)
  const f = fetchWithTimeout(req.url, { method: req.method, headers: req.headers, body }, req.timeout, 'request')
  f.promise
    .then((res) => {
      const ok = res.status >= 200 && res.status < 300
      const bytes = ok && req.read === 'array_buffer'
      const read = bytes && report ? counted(res, report) : bytes ? res.arrayBuffer() : res.text()
      return read.then((raw) => [res.status, headersOf(res), raw])
    })
    .then(
      ([status, headers, raw]) => {
        f.done()
        const reply = readReply(req.read, status, raw)
        onResponse(status, headers, reply.facts, reply.text, reply.held)
      },
      (e) => {
        f.done()
        onFail(f.why(e))
      },
    )
  return { abort: f.abort }
}

// An upload with progress: XMLHttpRequest, the one browser API that reports a request body's
// progress (upload.onprogress), with the same timeout, `…:fail` wording and reply split as fetch's.
function viaXhr(req, body, report, onResponse, onFail) {
  const x = new XMLHttpRequest()
  let over = false
  const fail = (why) => {
    if (over) return
    over = true
    onFail('request:fail ' + why)
  }
  try {
    x.open(req.method, req.url)
    for (const k of Object.keys(req.headers || {})) x.setRequestHeader(k, req.headers[k])
    x.responseType = req.read === 'array_buffer' ? 'arraybuffer' : 'text'
    x.timeout = req.timeout
  } catch (e) {
    // As fetch rejects a bad URL or header value: reported once, later, never thrown at the driver.
    setTimeout(() => fail(messageOf(e)), 0)
    return null
  }
  x.upload.onprogress = (e) => report(e.loaded, e.lengthComputable ? e.total : 0)
  x.onload = () => {
    if (over) return
    over = true
    const headers = {}
    for (const line of x.getAllResponseHeaders().split('\r\n')) {
      const at = line.indexOf(':')
      if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim()
    }
    const status = statusOf({ statusCode: x.status })
    const reply = readReply(req.read, status, x.response)
    onResponse(status, headers, reply.facts, reply.text, reply.held)
  }
  x.onerror = () => fail('network error')
  x.ontimeout = () => fail('timeout')
  x.onabort = () => fail('abort')
  x.send(body === undefined ? null : body)
  return { abort: () => x.abort() }
}

// The body as an ArrayBuffer, read from its stream with `report(loaded, total)` after each chunk.
function counted(res, report) {
  const total = Number(res.headers.get('content-length')) || 0
  report(0, total)
  if (!res.body || typeof res.body.getReader !== 'function') return res.arrayBuffer()
  const reader = res.body.getReader()
  const chunks = []
  let loaded = 0
  const next = () =>
    reader.read().then((r) => {
      if (r.done) {
        const out = new Uint8Array(loaded)
        let at = 0
        for (const c of chunks) {
          out.set(c, at)
          at += c.byteLength
        }
        return out.buffer
      }
      chunks.push(r.value)
      loaded += r.value.byteLength
      report(loaded, total)
      return next()
    })
  return next()
}

module.exports = { request, transfer }
