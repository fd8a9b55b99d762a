'use strict'
const { AuthClient } = require('./auth.js')

class SupabaseClient {
  /**
   * @param {string} supabaseUrl e.g. 'https://<ref>.baseapi.memfiredb.com'
   * @param {string} supabaseKey the project's anon key
   * @param {object} [options] supabase-js options (auth.storageKey, auth.persistSession,
   *   global.headers, …) plus `wasmPath`, the package path of supabase_wechat_bg.wasm.br when the
   *   package is not in /miniprogram_npm/supabase-wechat/
   */
  constructor(supabaseUrl, supabaseKey, options) {
    if (!supabaseUrl) throw new Error('supabaseUrl is required.')
    if (!supabaseKey) throw new Error('supabaseKey is required.')
    this.supabaseUrl = supabaseUrl
    this.supabaseKey = supabaseKey
    const opts = options || {}
    this.auth = new AuthClient({ url: supabaseUrl, key: supabaseKey, options: opts, wasmPath: opts.wasmPath })
  }
}

module.exports = { SupabaseClient }
