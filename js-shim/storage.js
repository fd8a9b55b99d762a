'use strict'
// Where the session is kept: wx storage (sync, as the SDK we replace does), wx storage with
// WeChat's `encrypt` option (async API only; 0.7 MB per key, 7.1 MB in all), or the caller's
// `auth.storage` adapter ({ getItem, setItem, removeItem }, sync or returning Promises).
// get(key) -> string | undefined | Promise of it; set(key, value) -> error message | undefined
// | Promise of it; remove(key) -> void | Promise.

function messageOf(e) {
  return (e && (e.errMsg || e.message)) || String(e)
}

// Whatever type was stored (an older SDK may have stored an object), as a string.
function asText(v) {
  if (v === '' || v === undefined || v === null) return undefined
  if (typeof v === 'string') return v
  try {
    return JSON.stringify(v)
  } catch (e) {
    return undefined
  }
}

const wxSync = {
  get(key) {
    try {
      return asText(wx.getStorageSync(key))
    } catch (e) {
      return undefined
    }
  },
  set(key, value) {
    try {
      wx.setStorageSync(key, value)
      return undefined
    } catch (e) {
      return messageOf(e)
    }
  },
  remove(key) {
    try {
      wx.removeStorageSync(key)
    } catch (e) {
      /* nothing stored */
    }
  },
}

const wxEncrypted = {
  get(key) {
    return new Promise((resolve) => {
      wx.getStorage({ key, encrypt: true, success: (r) => resolve(asText(r.data)), fail: () => resolve(undefined) })
    })
  },
  set(key, value) {
    return new Promise((resolve) => {
      wx.setStorage({ key, data: value, encrypt: true, success: () => resolve(undefined), fail: (e) => resolve(messageOf(e)) })
    })
  },
  remove(key) {
    return new Promise((resolve) => wx.removeStorage({ key, complete: () => resolve() }))
  },
}

function custom(adapter) {
  const attempt = (fn, onError) => {
    try {
      const r = fn()
      return r && typeof r.then === 'function' ? r.then((v) => v, onError) : r
    } catch (e) {
      return onError(e)
    }
  }
  return {
    get: (key) => {
      const r = attempt(() => adapter.getItem(key), () => undefined)
      return r && typeof r.then === 'function' ? r.then(asText) : asText(r)
    },
    // undefined when written; the error's message when setItem threw or rejected.
    set: (key, value) => {
      const r = attempt(() => {
        const w = adapter.setItem(key, value)
        return w && typeof w.then === 'function' ? w.then(() => undefined) : undefined
      }, messageOf)
      return r
    },
    remove: (key) => attempt(() => adapter.removeItem(key), () => undefined),
  }
}

// The store for `options.auth`: a custom adapter, the encrypted mode, or plain wx storage.
function select(auth) {
  const a = auth || {}
  if (a.storage && typeof a.storage.getItem === 'function') return custom(a.storage)
  if (a.encryptStorage === true) return wxEncrypted
  return wxSync
}

// Calls `then` with the value of a maybe-Promise, synchronously when it is not one.
function whenDone(value, then) {
  return value && typeof value.then === 'function' ? value.then(then) : then(value)
}

module.exports = { select, whenDone, wxSync }
