'use strict'
// The wx adapters: HTTP through wx.request and the session key through wx storage.
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
      success: (res) => settle(() => onResponse(res.statusCode, typeof res.data === 'string' ? res.data : JSON.stringify(res.data))),
      fail: (err) => settle(() => onFail((err && err.errMsg) || 'request:fail')),
    })
  } catch (e) {
    settle(() => onFail('request:fail ' + ((e && e.message) || e)))
  }
}

// The stored session as a string, whatever type an older SDK or the user left under the key.
function readStorage(key) {
  let v
  try {
    v = wx.getStorageSync(key)
  } catch (e) {
    return undefined
  }
  if (v === '' || v === undefined || v === null) return undefined
  if (typeof v === 'string') return v
  try {
    return JSON.stringify(v)
  } catch (e) {
    return undefined
  }
}

function writeStorage(key, value) {
  try {
    wx.setStorageSync(key, value)
  } catch (e) {
    console.error('supabase-wechat: could not save the session', e)
  }
}

function removeStorage(key) {
  try {
    wx.removeStorageSync(key)
  } catch (e) {
    console.error('supabase-wechat: could not remove the session', e)
  }
}

module.exports = { request, readStorage, writeStorage, removeStorage }
