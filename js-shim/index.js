'use strict'
// supabase-wechat: `createClient` is synchronous, like supabase-js; calls made before the wasm
// core has loaded wait for it.
const { SupabaseClient } = require('./client.js')
const errors = require('./errors.js')
const storage = require('./storage-api.js')
const functions = require('./functions.js')
const { PostgrestError } = require('./postgrest.js')
const { RealtimeClient, RealtimeChannel } = require('./realtime.js')

function createClient(supabaseUrl, supabaseKey, options) {
  return new SupabaseClient(supabaseUrl, supabaseKey, options)
}

module.exports = {
  createClient,
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
  isStorageError: storage.isStorageError,
  StorageError: storage.StorageError,
  StorageApiError: storage.StorageApiError,
  StorageUnknownError: storage.StorageUnknownError,
  FunctionsError: functions.FunctionsError,
  FunctionsHttpError: functions.FunctionsHttpError,
  FunctionsRelayError: functions.FunctionsRelayError,
  FunctionsFetchError: functions.FunctionsFetchError,
  PostgrestError,
  RealtimeClient,
  RealtimeChannel,
}
