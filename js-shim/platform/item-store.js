'use strict'
// A session store over an object with getItem / setItem / removeItem (sync or returning
// Promises): the caller's `auth.storage` on every platform, or the browser's localStorage.
// A store has get(key) -> string | undefined | Promise of it; set(key, value) -> error message |
// undefined | Promise of it; remove(key) -> void | Promise.
const { messageOf } = require('../util.js')

// Whatever type was stored (an older SDK may have stored an object), as a string.
function asText(v) {
  if (v === '' || v === undefined || v === null) return undefined
  if (typeof v === 'string') return v
  try {
    return JSON.stringify(v)
  } catch (_e) {
    return undefined
  }
}

function itemStore(adapter) {
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
      const r = attempt(
        () => adapter.getItem(key),
        () => undefined,
      )
      return r && typeof r.then === 'function' ? r.then(asText) : asText(r)
    },
    // undefined when written; the error's message when setItem threw or rejected.
    set: (key, value) =>
      attempt(() => {
        const w = adapter.setItem(key, value)
        return w && typeof w.then === 'function' ? w.then(() => undefined) : undefined
      }, messageOf),
    remove: (key) =>
      attempt(
        () => adapter.removeItem(key),
        () => undefined,
      ),
  }
}

// `auth.storage` when the caller passed one, else null.
function callerStore(auth) {
  const a = auth || {}
  return a.storage && typeof a.storage.getItem === 'function' ? itemStore(a.storage) : null
}

module.exports = { itemStore, callerStore, asText }
