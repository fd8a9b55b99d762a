'use strict'
// Random bytes for PKCE: wx.getRandomValues (a cryptographic source, base library >= 2.22.1)
// when the host has it, Math.random otherwise (then only as strong as the host's generator).
function randomBytes(n) {
  return new Promise((resolve) => {
    const fallback = () => {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256)
      resolve(out)
    }
    if (typeof wx === 'undefined' || typeof wx.getRandomValues !== 'function') return fallback()
    try {
      wx.getRandomValues({
        length: n,
        success: (res) => resolve(new Uint8Array(res.randomValues)),
        fail: fallback,
      })
    } catch (_e) {
      fallback()
    }
    return undefined
  })
}

module.exports = { randomBytes }
