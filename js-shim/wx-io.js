'use strict'
// HTTP through wx.request (storage is in storage.js).
// Each adapter reports exactly once, whatever wx does (a watchdog covers a lost callback).

const WATCHDOG_GRACE_MS = 5000

// Perform the core's `{ method, url, headers, body, timeout }`; `onResponse(status, bodyText)`
// for any HTTP status, `onFail(errMsg)` when no HTTP status came back.
function request(req, onResponse, onFail) {
  let settled = false
  let watchdog = null
  const settle = (fn) => {
    if (settled) return false
    settled = true
    if (watchdog !== null) clearTimeout(watchdog)
    fn()
    return true
  }
  watchdog = setTimeout(() => settle(() => onFail('request:fail timeout')), req.timeout + WATCHDOG_GRACE_MS)
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
      success: (res) => settle(() => onResponse(statusOf(res), textOf(res && res.data))),
      fail: (err) => settle(() => onFail((err && err.errMsg) || 'request:fail')),
    })
  } catch (e) {
    settle(() => onFail('request:fail ' + ((e && e.message) || e)))
  }
}

// The HTTP status as an integer (0 if wx gave none, which the core treats as a failed reply).
function statusOf(res) {
  const n = Number(res && res.statusCode)
  return n >= 0 && n <= 65535 ? Math.floor(n) : 0
}

// The body as text: with dataType 'text' wx gives a string; anything else is normalised here.
function textOf(data) {
  if (typeof data === 'string') return data
  if (data === undefined || data === null) return ''
  try {
    const s = JSON.stringify(data)
    return s === undefined ? '' : s
  } catch (e) {
    return String(data)
  }
}

module.exports = { request }
