'use strict'
// The public API of the package, for one platform's adapters: what index.js (WeChat) and
// platform/browser/entry.js export. `createClient` is synchronous, like supabase-js; calls made
// before the wasm core has loaded wait for it.
const client = require('./client.js')
const errors = require('./errors.js')
const { RealtimeClient, RealtimeChannel } = require('./realtime.js')

function forPlatform(platform) {
  // `new SupabaseClient(url, key, options)` uses this platform's adapters.
  class SupabaseClient extends client.SupabaseClient {
    constructor(supabaseUrl, supabaseKey, options) {
      super(supabaseUrl, supabaseKey, options, platform)
    }
  }
  return {
    createClient(supabaseUrl, supabaseKey, options) {
      return new SupabaseClient(supabaseUrl, supabaseKey, options)
    },
    SupabaseClient,
    isAuthError: errors.isAuthError,
    AuthError: errors.AuthError,
    AuthApiError: errors.AuthApiError,
    AuthUnknownError: errors.AuthUnknownError,
    CustomAuthError: errors.CustomAuthError,
    AuthRetryableFetchError: errors.AuthRetryableFetchError,
    AuthInvalidCredentialsError: errors.AuthInvalidCredentialsError,
    AuthSessionMissingError: errors.AuthSessionMissingError,
    AuthInvalidTokenResponseError: errors.AuthInvalidTokenResponseError,
    AuthPKCEGrantCodeExchangeError: errors.AuthPKCEGrantCodeExchangeError,
    AuthImplicitGrantRedirectError: errors.AuthImplicitGrantRedirectError,
    isStorageError: errors.isStorageError,
    StorageError: errors.StorageError,
    StorageApiError: errors.StorageApiError,
    StorageUnknownError: errors.StorageUnknownError,
    FunctionsError: errors.FunctionsError,
    FunctionsHttpError: errors.FunctionsHttpError,
    FunctionsRelayError: errors.FunctionsRelayError,
    FunctionsFetchError: errors.FunctionsFetchError,
    PostgrestError: errors.PostgrestError,
    RealtimeClient,
    RealtimeChannel,
  }
}

module.exports = { forPlatform }
