'use strict'
// HTTP through wx.request, wx.uploadFile and wx.downloadFile: the WeChat platform's `request`
// (auth) and `transfer` (data path). Each reports exactly once, whatever wx does (a watchdog
// covers a lost callback).
const { readReply, statusOf, textOf } = require('../../reply.js')
const { messageOf } = require('../../util.js')

const WATCHDOG_GRACE_MS = 5000

// `settle(fn)` runs `fn` the first time only. Should wx lose the callback, `onLost` settles it
// after the request's own timeout plus a grace period.
function onceWithWatchdog(timeoutMs, onLost) {
  let settled = false
  const settle = (fn) => {
    if (settled) return false
    settled = true
    clearTimeout(watchdog)
    fn()
    return true
  }
  const watchdog = setTimeout(() => settle(onLost), timeoutMs + WATCHDOG_GRACE_MS)
  return settle
}

// Perform the core's `{ method, url, headers, body, timeout }`; `onResponse(status, bodyText, header)`
// for any HTTP status, `onFail(errMsg)` when no HTTP status came back.
function request(req, onResponse, onFail) {
  const settle = onceWithWatchdog(req.timeout, () => onFail('request:fail timeout'))
  try {
    wx.request({
      url: req.url,
      method: req.method,
      header: req.headers,
      data: req.body === null ? undefined : req.body,
      // Raw text in, so the core (not WeChat's JSON.parse) decides what the reply means.
      dataType: 'text',
      responseType: 'text',
      timeout: req.timeout,
      success: (res) => settle(() => onResponse(statusOf(res), textOf(res && res.data), res && res.header)),
      fail: (err) => settle(() => onFail((err && err.errMsg) || 'request:fail')),
    })
  } catch (e) {
    settle(() => onFail('request:fail ' + messageOf(e)))
  }
}

// Perform a data-path request (the core's `fetch` output) with wx.request, wx.uploadFile or
// wx.downloadFile. `payload` is what the caller handed over: `{ body }` (a string or an
// ArrayBuffer, sent as it is) or `{ filePath }` (uploaded by WeChat from the file itself).
// Calls `onResponse(status, headers, facts, bodyText, held)` once for any HTTP status, where
// `held` is what stays in JS (`{ body }` read as the core asked, or `{ tempFilePath }`), `facts`
// what the core is told about it, and `bodyText` the text that crosses into the core (a
// non-2xx body, a `core` read, or a 2xx body that did not parse as the JSON it should be).
// `onFail(errMsg)` when no HTTP status came back. Returns the wx task (for `abort()`), if any.
// `payload.onProgress(loaded, total)`, if given, hears what the transport says of the bytes moved.
function transfer(req, payload, onResponse, onFail) {
  const task = send(req, payload, onResponse, onFail)
  const report = payload && payload.onProgress
  try {
    if (report && task) watch(req, payload, task, report)
  } catch (e) {
    console.error('supabase-wechat: no progress events: ' + messageOf(e)) // the transfer goes on
  }
  return task
}

// Progress as WeChat gives it: UploadTask / DownloadTask.onProgressUpdate as the bytes move. A
// RequestTask has none (only onHeadersReceived, and onChunkReceived with enableChunked): a body
// sent with wx.request is reported at 0 when it starts, a body read with it at 0 of its
// Content-Length when the headers arrive; storage-api.js adds the last event on success.
function watch(req, payload, task, report) {
  const api = req.transport.api
  if (api !== 'request') {
    if (typeof task.onProgressUpdate !== 'function') return
    task.onProgressUpdate((r) =>
      api === 'upload'
        ? report(r.totalBytesSent, r.totalBytesExpectedToSend)
        : report(r.totalBytesWritten, r.totalBytesExpectedToWrite),
    )
  } else if (req.payload) {
    const body = payload.body
    report(0, body && typeof body.byteLength === 'number' ? body.byteLength : 0)
  } else if (typeof task.onHeadersReceived === 'function') {
    task.onHeadersReceived((r) => report(0, contentLength(r && r.header)))
  }
}

function contentLength(header) {
  if (!header || typeof header !== 'object') return 0
  const k = Object.keys(header).find((name) => name.toLowerCase() === 'content-length')
  return k === undefined ? 0 : Number(header[k]) || 0
}

function send(req, payload, onResponse, onFail) {
  const settle = onceWithWatchdog(req.timeout, () => onFail(apiName(req) + ':fail timeout'))
  const fail = (err) => settle(() => onFail((err && err.errMsg) || apiName(req) + ':fail'))
  const respond = (status, header, raw, tempFilePath) =>
    settle(() => {
      const reply = readReply(req.read, status, raw, tempFilePath)
      onResponse(status, header && typeof header === 'object' ? header : {}, reply.facts, reply.text, reply.held)
    })
  const p = payload || {}
  try {
    const api = req.transport.api
    if (api === 'upload') {
      const formData = {}
      ;(req.transport.form || []).forEach((pair) => {
        formData[pair[0]] = pair[1]
      })
      return wx.uploadFile({
        url: req.url,
        filePath: p.filePath,
        name: req.transport.name,
        formData,
        header: req.headers,
        timeout: req.timeout,
        success: (res) => respond(statusOf(res), res.header, res.data),
        fail,
      })
    } else if (api === 'download') {
      return wx.downloadFile({
        url: req.url,
        header: req.headers,
        timeout: req.timeout,
        // An error reply was saved to a temp file too: its (small) body is read for the core.
        success: (res) => {
          const status = statusOf(res)
          const ok = status >= 200 && status < 300
          respond(status, res.header, ok ? undefined : fileText(res.tempFilePath), ok ? res.tempFilePath : undefined)
        },
        fail,
      })
    } else {
      return wx.request({
        url: req.url,
        method: req.method,
        header: req.headers,
        data: req.payload ? p.body : req.body === null ? undefined : req.body,
        dataType: 'text',
        responseType: req.read === 'array_buffer' ? 'arraybuffer' : 'text',
        timeout: req.timeout,
        success: (res) => respond(statusOf(res), res.header, res.data),
        fail,
      })
    }
  } catch (e) {
    settle(() => onFail(apiName(req) + ':fail ' + messageOf(e)))
  }
  return null
}

function apiName(req) {
  const api = req.transport && req.transport.api
  return api === 'upload' ? 'uploadFile' : api === 'download' ? 'downloadFile' : 'request'
}

// The (small) error body wx.downloadFile saved to a temp file.
function fileText(tempFilePath) {
  try {
    return String(wx.getFileSystemManager().readFileSync(tempFilePath, 'utf8'))
  } catch (_e) {
    return ''
  }
}

module.exports = { request, transfer }
