'use strict'
// The public API of the package, for one platform's adapters: what index.js (WeChat) and
// platform/browser/entry.js export. `createClient` is synchronous, like supabase-js; calls made
// before the wasm core has loaded wait for it.
const client = require('./client.js')
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
  const api = { createClient, SupabaseClient, processLock, navigatorLock: processLock }
  // Exports whose module is loaded the first time one is read: `names` of `load()`'s exports.
  const lazy = (names, load) => {
    names.forEach((name) => {
      Object.defineProperty(api, name, { enumerable: true, configurable: true, get: () => load()[name] })
    })
  }
  // The error classes and guards: errors.js, loaded with the first error made (driver.js, auth.js, …) or read here.
  lazy(ERRORS, () => require('./errors.js'))
  // realtime.js is loaded when first used (see client.js).
  lazy(['RealtimeClient', 'RealtimeChannel'], () => require('./realtime.js'))
  // realtime-js' constants and RealtimePresence, which the SDK we replace exported too.
  lazy(Object.keys(require('./realtime-constants.js')), () => require('./realtime-constants.js'))
  return api
}

// errors.js' PUBLIC, in its order (tests/node/startup.test.js holds the two to the same names).
const ERRORS = [
  'isAuthError',
  'isAuthApiError',
  'isAuthSessionMissingError',
  'isAuthImplicitGrantRedirectError',
  'isAuthPKCECodeVerifierMissingError',
  'isAuthRetryableFetchError',
  'isAuthRefreshDiscardedError',
  'isAuthWeakPasswordError',
  'AuthError',
  'AuthApiError',
  'AuthUnknownError',
  'CustomAuthError',
  'AuthRetryableFetchError',
  'AuthInvalidCredentialsError',
  'AuthSessionMissingError',
  'AuthInvalidTokenResponseError',
  'AuthPKCEGrantCodeExchangeError',
  'AuthImplicitGrantRedirectError',
  'AuthPKCECodeVerifierMissingError',
  'AuthRefreshDiscardedError',
  'AuthInvalidJwtError',
  'AuthWeakPasswordError',
  'isStorageError',
  'StorageError',
  'StorageApiError',
  'StorageUnknownError',
  'FunctionsError',
  'FunctionsHttpError',
  'FunctionsRelayError',
  'FunctionsFetchError',
  'PostgrestError',
]

module.exports = { forPlatform }
