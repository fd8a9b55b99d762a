'use strict'
// The public API of the package, for one platform's adapters: what index.js (WeChat) and
// platform/browser/entry.js export. `createClient` is synchronous, like supabase-js; calls made
// before the wasm core has loaded wait for it.
const client = require('./client.js')
const errors = require('./errors.js')
const { processLock } = require('./options.js')

function forPlatform(platform) {
  // `new SupabaseClient(url, key, options)` uses this platform's adapters.
  class SupabaseClient extends client.SupabaseClient {
    constructor(supabaseUrl, supabaseKey, options) {
      super(supabaseUrl, supabaseKey, options, platform)
    }
  }
  function createClient(supabaseUrl, supabaseKey, options) {
    return new SupabaseClient(supabaseUrl, supabaseKey, options)
  }
  const api = Object.assign({ createClient, SupabaseClient, processLock, navigatorLock: processLock }, errors.PUBLIC)
  // realtime.js is loaded when first used (see client.js).
  for (const name of ['RealtimeClient', 'RealtimeChannel']) {
    Object.defineProperty(api, name, { enumerable: true, configurable: true, get: () => require('./realtime.js')[name] })
  }
  // realtime-js' constants and RealtimePresence, which the SDK we replace exported too.
  for (const name of Object.keys(require('./realtime-constants.js'))) {
    Object.defineProperty(api, name, {
      enumerable: true,
      configurable: true,
      get: () => require('./realtime-constants.js')[name],
    })
  }
  return api
}

module.exports = { forPlatform }
