'use strict'
// Where the session is kept in WeChat: wx storage (sync, as the SDK we replace does), wx storage
// with WeChat's `encrypt` option (async API only; 0.7 MB per key, 7.1 MB in all), or the caller's
// `auth.storage` adapter (../item-store.js). The store interface is described there.
const { callerStore, asText } = require('../item-store.js')
const { messageOf } = require('../../util.js')

const wxSync = {
  get(key) {
    try {
      return asText(wx.getStorageSync(key))
    } catch (_e) {
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
    } catch (_e) {
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

// The store for `options.auth`: a custom adapter, the encrypted mode, or plain wx storage.
function sessionStore(auth) {
  return callerStore(auth) || ((auth || {}).encryptStorage === true ? wxEncrypted : wxSync)
}

module.exports = { sessionStore, wxSync, wxEncrypted }
