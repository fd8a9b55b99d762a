'use strict'
// When the driver's data-path requests start, and when a call's own `timeout` ends it
// (driver.js `_fetch`, `data`). WeChat runs at most 10 wx.request / uploadFile / downloadFile at
// once and queues the rest, first in first out; a request in that queue holds nothing but waits
// for a slot, and a hung request holds its slot until its timeout. So:
//
// - Long requests (uploads, downloads, Edge Function calls, which may take minutes and time out
//   after 30–120 s) wait here while LONG_SLOTS of them are in flight (all clients of the app
//   together: the slots are the app's): slow or hung ones can hold at most half of WeChat's
//   slots, and JSON requests (auth, database, storage's JSON calls, 10 s by default) always have
//   the other half (less what the page's own wx.request calls take).
// - A call's own `timeout` (ms) is a deadline from the call: it counts the wait here, in WeChat's
//   queue and behind a token refresh, and the wx call gets only the time left.

const LONG_SLOTS = 5
const NOTHING = () => {}

class Lanes {
  constructor() {
    this._long = 0 // long requests in flight
    this._waiting = [] // their `start`s, in order
  }

  // Calls `start(release)` now, or for a long request once one of LONG_SLOTS is free; `release()`
  // (any number of times) says the request is over.
  run(long, start) {
    if (!long) return start(NOTHING)
    if (this._long >= LONG_SLOTS) this._waiting.push(start)
    else this._start(start)
    return undefined
  }

  _start(start) {
    this._long++
    let released = false
    start(() => {
      if (released) return
      released = true
      this._long--
      while (this._long < LONG_SLOTS && this._waiting.length) this._start(this._waiting.shift())
    })
  }
}

// Whether request `out` of a call of `api` is a long one: an Edge Function call, or storage's
// upload or download (wx.uploadFile, wx.downloadFile, or an ArrayBuffer through wx.request).
function isLong(out, api) {
  const wx = out.transport && out.transport.api
  return api === 'functions' || (api === 'storage' && (wx !== 'request' || out.payload === true || out.read === 'array_buffer'))
}

// A call's own time limit: a positive finite number of ms, else `fallback` (the same), else 0.
function timeLimit(ms, fallback) {
  if (typeof ms === 'number' && ms > 0 && ms < Infinity) return ms
  return fallback === undefined ? 0 : timeLimit(fallback)
}

// supabase-js' `db.timeout` (ms): the database calls' time limit unless a call sets its own.
const dbTimeout = (options) => (options && options.db ? options.db.timeout : undefined)

// The wx call's `timeout` for request `out` of a call whose deadline is `deadline` (0: none):
// the time left, however long the core would have allowed.
function withTimeLeft(out, deadline, now) {
  if (!deadline) return out
  return Object.assign({}, out, { timeout: Math.max(1, Math.ceil(deadline - now)) })
}

// The wx API's name in a `…:fail timeout` errMsg, for a request of `transport`.
function failTimeout(transport) {
  const api = transport && transport.api
  return (api === 'upload' ? 'uploadFile' : api === 'download' ? 'downloadFile' : 'request') + ':fail timeout'
}

// Calls `abort()` when the AbortSignal-like `signal` fires, at once if it has (WeChat has no
// AbortController: anything with `aborted` and `addEventListener` or `onabort` works).
function onAbort(signal, abort) {
  if (!signal || typeof signal !== 'object') return undefined
  if (signal.aborted) return abort()
  if (typeof signal.addEventListener === 'function') signal.addEventListener('abort', abort)
  else signal.onabort = abort
  return undefined
}

module.exports = { Lanes, LONG_SLOTS, isLong, timeLimit, dbTimeout, withTimeLeft, failTimeout, onAbort }
