'use strict'
const { AuthClient } = require('./auth.js')
const { PostgrestClient } = require('./postgrest.js')
const { StorageClient } = require('./storage-api.js')
const { FunctionsClient } = require('./functions.js')
const { RealtimeClient } = require('./realtime.js')

class SupabaseClient {
  /**
   * @param {string} supabaseUrl e.g. 'https://<ref>.baseapi.memfiredb.com'
   * @param {string} supabaseKey the project's anon key
   * @param {object} [options] supabase-js options (auth.storageKey, auth.persistSession,
   *   db.schema, global.headers, …) plus `wasmPath`, the package path of
   *   supabase_wechat_bg.wasm.br when the package is not in /miniprogram_npm/supabase-wechat/,
   *   and `requestTimeout` (ms, default 30000)
   */
  constructor(supabaseUrl, supabaseKey, options) {
    if (!supabaseUrl) throw new Error('supabaseUrl is required.')
    if (!supabaseKey) throw new Error('supabaseKey is required.')
    this.supabaseUrl = supabaseUrl
    this.supabaseKey = supabaseKey
    const opts = Object.assign({}, options)
    // The I/O adapters (WeChat's by default; the browser build passes its own) are not options
    // the core reads.
    const platform = opts.platform
    delete opts.platform
    // One driver (the wasm core, its session and single-flight refresh) serves every API.
    this.auth = new AuthClient({ url: supabaseUrl, key: supabaseKey, options: opts, wasmPath: opts.wasmPath, platform })
    this.rest = new PostgrestClient(this.auth)
    this._storage = null
    this._functions = null
    // One socket (wx.connectSocket) for every channel; the protocol is in the core.
    this.realtime = new RealtimeClient(this.auth)
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
    if (!this._storage) this._storage = new StorageClient(this.auth)
    return this._storage
  }

  /** Edge / cloud functions: `functions.invoke(name or full URL, { body, headers, method })`. */
  get functions() {
    if (!this._functions) this._functions = new FunctionsClient(this.auth)
    return this._functions
  }
}

module.exports = { SupabaseClient }
