'use strict'
// `createClient(url, key, options)`'s object: one driver (the wasm core, its session and
// single-flight refresh) serves every API. The platform adapters (WeChat's or the browser's) come
// from the entry (index.js, platform/browser/entry.js), or from `options.platform`.
// Only the driver and auth are loaded with the client: each other API's module is required the
// first time the page uses it, so a page that never calls channel() or storage pays nothing for
// them at start-up (requires are relative and static, as WeChat's packager wants).
const { Driver } = require('./driver.js')
const { AuthClient } = require('./auth.js')
const { adapt, authUnavailable } = require('./options.js')

class SupabaseClient {
  /**
   * @param {string} supabaseUrl e.g. 'https://<ref>.baseapi.memfiredb.com'
   * @param {string} supabaseKey the project's anon key
   * @param {object} [options] supabase-js options (auth.storageKey, auth.persistSession,
   *   db.schema, global.headers, …) plus `wasmPath`, the package path of
   *   supabase_wechat_bg.wasm.br when the package is not in /miniprogram_npm/supabase-wechat/,
   *   and `requestTimeout` (ms, default 10000: JSON requests; Edge Functions 30 s unless it is set,
   *   uploads and downloads at least 120 s; README "Timeouts" says why); `accessToken`, `auth.debug`,
   *   `auth.lock` and `global.fetch` as options.js says
   * @param {object} platform the I/O adapters when `options.platform` is not given
   */
  constructor(supabaseUrl, supabaseKey, options, platform) {
    if (!supabaseUrl) throw new Error('supabaseUrl is required.')
    if (!supabaseKey) throw new Error('supabaseKey is required.')
    this.supabaseUrl = supabaseUrl
    this.supabaseKey = supabaseKey
    const given = Object.assign({}, options)
    // The I/O adapters are not options the core reads.
    const io = given.platform || platform
    delete given.platform
    const { options: opts, platform: p, accessToken } = adapt(given, io, supabaseKey)
    const driver = new Driver({ url: supabaseUrl, key: supabaseKey, options: opts, wasmPath: opts.wasmPath, platform: p })
    this._driver = driver
    const auth = new AuthClient(driver)
    this.auth = accessToken ? authUnavailable() : auth
    this._accessToken = accessToken
    this._rest = null
    this._storage = null
    this._functions = null
    this._realtime = null
  }

  /** The Database API (postgrest-js' PostgrestClient). */
  get rest() {
    if (!this._rest) this._rest = new (require('./postgrest.js').PostgrestClient)(this._driver)
    return this._rest
  }

  /** One socket (wx.connectSocket) for every channel; the protocol is in the core. */
  get realtime() {
    if (!this._realtime) {
      const rt = new (require('./realtime.js').RealtimeClient)(this._driver)
      this._realtime = rt
      // Third-party auth: realtime gets the token too (supabase-js: realtime.setAuth at start-up).
      const token = this._accessToken
      if (token && typeof rt.setAuth === 'function') {
        Promise.resolve()
          .then(() => token())
          .then(
            (t) => rt.setAuth(t),
            (e) => console.warn('Failed to set initial Realtime auth token:', e && e.message),
          )
      }
    }
    return this._realtime
  }

  /** `channel(name, { config })`: a RealtimeChannel (`on`, `subscribe`, `send`, `track`, …). */
  channel(name, opts) {
    return this.realtime.channel(name, opts)
  }

  getChannels() {
    return this.realtime.getChannels()
  }

  /** Leave the channel → 'ok' | 'timed out' | 'error'; the socket closes with the last channel. */
  removeChannel(channel) {
    return this.realtime.removeChannel(channel)
  }

  removeAllChannels() {
    return this.realtime.removeAllChannels()
  }

  /** `from('todos')`: a query builder (select, insert, upsert, update, delete, filters…). */
  from(relation) {
    return this.rest.from(relation)
  }

  /** `schema('other')`: `from` / `rpc` against another exposed schema. */
  schema(name) {
    return this.rest.schema(name)
  }

  /** `rpc('fn', args, { head, get, count })`: call a Postgres function. */
  rpc(fn, args, options) {
    return this.rest.rpc(fn, args, options)
  }

  /** Storage: `storage.from('bucket').upload(path, { tempFilePath })`, buckets… */
  get storage() {
    if (!this._storage) this._storage = new (require('./storage-api.js').StorageClient)(this._driver)
    return this._storage
  }

  /** Edge / cloud functions: `functions.invoke(name or full URL, { body, headers, method })`. */
  get functions() {
    if (!this._functions) this._functions = new (require('./functions.js').FunctionsClient)(this._driver)
    return this._functions
  }
}

module.exports = { SupabaseClient }
