'use strict'
// `supabase.auth`: auth-js' GoTrueClient names over the driver. Every method hands its arguments
// to the core (`core.invoke(name, args, stored, random, now)`; `core.getSession(stored, now)`,
// the hot one, without a name or arguments to encode) and resolves with what the core decided; this file keeps the onAuthStateChange listeners and adds the hidden `user.data` alias.
const { toJson, messageOf, alias, whenDone, toError } = require('./util.js')
const { debugLogger } = require('./options.js')

// What each method resolves with as `data` when the core itself is unavailable.
const EMPTY_SESSION = { user: null, session: null }
const EMPTY = {
  getSession: { session: null },
  getUser: { user: null },
  updateUser: { user: null },
  wechatBindPhone: { user: null },
  wechatBindAccount: { user: null },
  getUnlimitedQRCode: { imgBase64: null },
  signInWithOAuth: { provider: null, url: null },
  signInWithOtp: { user: null, session: null, messageId: null },
  resend: { user: null, session: null, messageId: null },
  reauthenticate: { user: null, session: null, messageId: null },
  resetPasswordForEmail: null,
  signOut: null,
  signInWithSSO: null,
  getUserIdentities: null,
  unlinkIdentity: null,
  getClaims: null,
  linkIdentity: { provider: null, url: null },
}

// Pages written for the 2.1.x SDK (MemFire's guide, seed 002) read `user.data.phone`.
function result(data, error) {
  if (data && typeof data === 'object') {
    alias(data.user)
    if (data.session) alias(data.session.user)
  }
  return { data, error }
}

let nextSubscription = 0

class AuthClient {
  constructor(driver) {
    this._driver = driver
    this._listeners = new Map()
    const o = (driver.options && driver.options.auth) || {}
    // `auth.debug`: steps and outcomes only, never arguments, tokens or codes (options.js).
    this._log = debugLogger(o.debug)
    if (this._log && o.lock !== undefined) this._log('auth.lock is not used: the core refreshes once for every caller')
    driver.on('event', (out) => {
      if (this._log) this._log('event ' + out.event + (out.session ? ' (with a session)' : ' (no session)'))
      Array.from(this._listeners).forEach((entry) => {
        if (out.target === undefined || out.target === entry[0]) this._call(entry[1], out.event, out.session)
      })
    })
  }

  /** `{ data: { provider, url } }`; with PKCE (default) the verifier is stored for exchangeCodeForSession. */
  signInWithOAuth(credentials) {
    const o = (credentials && credentials.options) || {}
    const platform = this._driver.platform
    return platform.randomBytes(48).then((bytes) =>
      this._invoke('signInWithOAuth', [credentials], null, bytes).then((r) => {
        // In a browser, go to the authorize URL unless the page asked to do it itself.
        if (r.data && r.data.url && !o.skipBrowserRedirect && platform.redirect) platform.redirect(r.data.url)
        return r
      }),
    )
  }
  /**
   * `{ error }` once the client has loaded and, in a browser, handled an OAuth redirect in the
   * address bar (`?code=`, `#access_token=…`, `?error=`); the redirect's error is reported here.
   */
  initialize() {
    const d = this._driver
    return d.ready().then(
      () => d.initialized || { error: null },
      (err) => ({
        error: toError({ name: 'AuthUnknownError', message: 'supabase-wechat: the wasm core failed to load: ' + messageOf(err) }),
      }),
    )
  }
  /** OAuth: `{ data: { provider, url } }` to open (no redirect here); `{ provider, token }`: the id_token link. */
  linkIdentity(credentials) {
    if (credentials && typeof credentials === 'object' && 'token' in credentials)
      return this._invoke('linkIdentityIdToken', [credentials])
    return this._random('linkIdentity', [credentials])
  }
  /** `{ data: { url } }` of the identity provider (`{ providerId }` or `{ domain }`); PKCE as signInWithOAuth. */
  signInWithSSO(params) {
    return this._random('signInWithSSO', [params])
  }
  /** `{ data: { claims, header, signature } }`, checked by the server (`GET /user`): no WebCrypto here. */
  getClaims(jwt, options) {
    const claims = (token) =>
      this._invoke('getClaims', [token, options]).then((r) => {
        if (r.data && r.data.signature) r.data.signature = new Uint8Array(r.data.signature)
        return r
      })
    if (jwt) return claims(jwt)
    return this.getSession().then((r) =>
      r.error || !r.data.session ? { data: null, error: r.error } : claims(r.data.session.access_token),
    )
  }
  exchangeCodeForSession(authCode) {
    return this._invoke('exchangeCodeForSession', [authCode], 'verifier')
  }
  /** The current session (read from storage, like the SDK we replace), refreshed when about to expire. */
  getSession() {
    return this._start('getSession', 'session', (core, stored) => core.getSession(stored, Date.now()))
  }
  /** `signOut({ scope: 'global' | 'local' | 'others' })` → `{ error }`. */
  signOut(options) {
    // auth-js reads `{ scope }` out of whatever it is given: 0, true, '' or [] have no scope
    // (the default, global), as an object without one has.
    const o = options !== null && typeof options === 'object' && !Array.isArray(options) ? options : undefined
    return this._invoke('signOut', [o]).then((r) => ({ error: r.error }))
  }
  /** `auth.mfa`: enroll, challenge, verify, challengeAndVerify, unenroll, listFactors, getAuthenticatorAssuranceLevel. */
  get mfa() {
    if (!this._mfa) {
      this._mfa = new (require('./auth-mfa.js').MFAApi)((name, args, read) => this._invoke(name, args, read, undefined, null))
    }
    return this._mfa
  }

  /** `auth.admin` (GoTrueAdminApi; a service-role client): js-shim/auth-admin.js, loaded on first use. */
  get admin() {
    if (!this._admin) this._admin = new (require('./auth-admin.js').AuthAdminApi)(this._driver)
    return this._admin
  }
  startAutoRefresh() {
    return this._driver.control((core) => core.call('startAutoRefresh', Date.now(), 1))
  }
  stopAutoRefresh() {
    return this._driver.control((core) => core.call('stopAutoRefresh'))
  }

  /**
   * Subscribe to auth events. The callback first receives `INITIAL_SESSION` with the current
   * session (or null), then `SIGNED_IN`, `SIGNED_OUT`, `TOKEN_REFRESHED`, `USER_UPDATED`,
   * `PASSWORD_RECOVERY`, `MFA_CHALLENGE_VERIFIED`.
   */
  onAuthStateChange(callback) {
    const d = this._driver
    const n = ++nextSubscription
    const subscription = {
      id: 'sub-' + n,
      callback,
      unsubscribe: () => {
        this._listeners.delete(n)
      },
    }
    this._listeners.set(n, subscription)
    d.ready().then(
      () =>
        whenDone(d.read('session'), (stored) => {
          if (this._listeners.has(n)) d.step((core) => core.call('initialSession', Date.now(), n, stored))
        }),
      () => {
        // No core to ask: the only honest answer is "no session".
        if (this._listeners.has(n)) this._call(subscription, 'INITIAL_SESSION', null)
      },
    )
    return { data: { subscription } }
  }

  // Starts `name` once the core is ready (`read`: what storage value the core needs, see
  // Driver.read); resolves with `{ data, error }`, never rejects.
  _invoke(name, args, read, random, empty) {
    return this._start(
      name,
      read,
      (core, stored) => core.invoke(name, toJson(args), stored, random || new Uint8Array(0), Date.now()),
      empty,
    )
  }

  // A method that may need a PKCE verifier: random bytes for it first.
  _random(name, args) {
    return this._driver.platform.randomBytes(48).then((bytes) => this._invoke(name, args, null, bytes))
  }

  // `call(core, stored)` starts method `name` and returns its op id; `given`: its empty `data`.
  _start(name, read, call, given) {
    const own = Object.prototype.hasOwnProperty.call(EMPTY, name)
    const empty = given !== undefined ? given : own ? EMPTY[name] : EMPTY_SESSION
    const log = this._log
    if (log) log('#' + name + '() begin')
    const end = (r) => {
      if (log) log('#' + name + '() end' + (r.error ? ': ' + r.error.name + ' ' + r.error.code + ' ' + r.error.status : ''))
      return r
    }
    return new Promise((resolve) =>
      this._driver.start(read, call, {
        done: (out) => resolve(end(result(out.data, toError(out.error)))),
        lost: (error) => resolve(end({ data: null, error })),
        // A fresh copy each time: a page that changes one failed call's data does not change the next one's.
        fail: (error) => resolve(end(result(empty && Object.assign({}, empty), error))),
      }),
    )
  }

  // A listener that throws or rejects is reported, never allowed to break the SDK.
  _call(sub, event, session) {
    if (session) alias(session.user)
    try {
      const r = sub.callback(event, session)
      if (r && typeof r.then === 'function')
        r.then(undefined, (e) => console.error('onAuthStateChange callback failed:', messageOf(e)))
    } catch (e) {
      console.error('onAuthStateChange callback failed:', messageOf(e))
    }
  }
}

// The methods that are just the core's method of the same name with the caller's arguments
// (supabase-js names; the core reads each argument by position). One name a line: a Rust test
// checks this list against the core's; adding an auth method is one line here.
//   signInWithWechat({ code })      微信登录, the code from wx.login
//   wechatBindPhone({ code })       绑定手机号, e.detail.code of a getPhoneNumber button
//   wechatBindAccount({ code })     绑定微信, a wx.login code, for the signed-in account
//   getUnlimitedQRCode({ scene, page, … })  小程序码 → { data: { imgBase64 } }
//   signUp, signInWithPassword, signInWithOtp, verifyOtp, resend, resetPasswordForEmail(email, options),
//   reauthenticate(), getUser(jwt?), updateUser(attributes, options), setSession(tokens), refreshSession(current?)
//   signInAnonymously … unlinkIdentity (the last block): identities and other ways in, src/auth/identity.rs
const PASS_THROUGH = [
  'signInWithWechat',
  'wechatBindPhone',
  'wechatBindAccount',
  'getUnlimitedQRCode',
  'signUp',
  'signInWithPassword',
  'signInWithOtp',
  'verifyOtp',
  'resend',
  'resetPasswordForEmail',
  'reauthenticate',
  'getUser',
  'updateUser',
  'setSession',
  'refreshSession',
  'signInAnonymously',
  'signInWithIdToken',
  'getUserIdentities',
  'unlinkIdentity',
]
PASS_THROUGH.forEach((name) => {
  Object.defineProperty(AuthClient.prototype, name, {
    value: function (...args) {
      return this._invoke(name, args)
    },
    writable: true,
    configurable: true,
  })
})

module.exports = { AuthClient, PASS_THROUGH }
