'use strict'
// Every Error class of the SDK, with the names, fields and `instanceof` relations of auth-js
// (lib/errors.ts), postgrest-js, storage-js and functions-js, and the one place their instances
// are made: `toError` (auth) and `toDataError` (Database / Storage / Functions) turn the core's
// description `{ name, message, … }` into an instance through BUILD, one table keyed by class
// name. Which class an error gets, and its fields, is decided by the core.

class AuthError extends Error {
  constructor(message, status, code) {
    super(message)
    this.name = 'AuthError'
    this.status = status
    this.code = code
    this.__isAuthError = true
  }
  // Pages written for the 2.1.x SDK show `error?.error || error?.msg` in a toast (seed 002):
  // both read the human sentence. Getters, so JSON and console output are unchanged.
  get msg() {
    return this.message
  }
  get error() {
    return this.message
  }
  toJSON() {
    return { name: this.name, message: this.message, status: this.status, code: this.code }
  }
}

const named = (C, name) => Object.defineProperty(C, 'name', { value: name })
const has = (o, k) => o !== undefined && Object.prototype.hasOwnProperty.call(o, k)

// auth-js' classes with auth-js' constructors (a page may make its own, e.g. in a test double);
// `fixed`: the status and code auth-js gives them, and the message when none is given.
function subclass(name, Base, fixed) {
  return named(
    class extends Base {
      constructor(message, status, code) {
        const m = message === undefined && has(fixed, 'message') ? fixed.message : message
        super(m, name, has(fixed, 'status') ? fixed.status : status, has(fixed, 'code') ? fixed.code : code)
      }
    },
    name,
  )
}

class AuthApiError extends AuthError {
  constructor(message, status, code) {
    super(message, status, code)
    this.name = 'AuthApiError'
  }
}
class AuthUnknownError extends AuthError {
  constructor(message, originalError) {
    super(message)
    this.name = 'AuthUnknownError'
    this.originalError = originalError
  }
}
class CustomAuthError extends AuthError {
  constructor(message, name, status, code) {
    super(message, status, code)
    this.name = name
  }
}
// `details` ({ error, code } of a redirect's error, or null) is part of their JSON.
const withDetails = (name) =>
  named(
    class extends CustomAuthError {
      constructor(message, details) {
        super(message, name, 500, undefined)
        this.details = details === undefined ? null : details
      }
      toJSON() {
        return Object.assign(AuthError.prototype.toJSON.call(this), { details: this.details })
      }
    },
    name,
  )
class AuthWeakPasswordError extends CustomAuthError {
  constructor(message, status, reasons) {
    super(message, 'AuthWeakPasswordError', status, 'weak_password')
    this.reasons = reasons
  }
  toJSON() {
    return Object.assign(AuthError.prototype.toJSON.call(this), { reasons: this.reasons })
  }
}
const PKCE_MISSING =
  'PKCE code verifier not found in storage. This can happen if the auth flow was initiated in a different browser or device, or if the storage was cleared.'
// Keyed by name as written: a page's own build may minify the package again and rename the classes
// (Taro's webpack does), so a class's `name` is not the key.
const AUTH = {
  AuthError,
  AuthApiError,
  AuthUnknownError,
  CustomAuthError,
  AuthRetryableFetchError: subclass('AuthRetryableFetchError', CustomAuthError),
  AuthInvalidCredentialsError: subclass('AuthInvalidCredentialsError', CustomAuthError, { status: 400 }),
  AuthSessionMissingError: subclass('AuthSessionMissingError', CustomAuthError, {
    message: 'Auth session missing!',
    status: 400,
  }),
  AuthInvalidTokenResponseError: subclass('AuthInvalidTokenResponseError', CustomAuthError, {
    message: 'Auth session or user missing',
    status: 500,
  }),
  AuthPKCEGrantCodeExchangeError: withDetails('AuthPKCEGrantCodeExchangeError'),
  AuthImplicitGrantRedirectError: withDetails('AuthImplicitGrantRedirectError'),
  AuthPKCECodeVerifierMissingError: subclass('AuthPKCECodeVerifierMissingError', CustomAuthError, {
    message: PKCE_MISSING,
    status: 400,
    code: 'pkce_code_verifier_not_found',
  }),
  AuthRefreshDiscardedError: subclass('AuthRefreshDiscardedError', CustomAuthError, {
    message: 'Refresh result discarded: session state changed mid-flight (e.g., concurrent signOut)',
    status: 409,
  }),
  AuthInvalidJwtError: subclass('AuthInvalidJwtError', CustomAuthError, { status: 400, code: 'invalid_jwt' }),
  AuthWeakPasswordError,
}
class PostgrestError extends Error {
  constructor(context) {
    super(context.message)
    this.name = 'PostgrestError'
    this.details = context.details
    this.hint = context.hint
    this.code = context.code
  }
  toJSON() {
    return { name: this.name, message: this.message, details: this.details, hint: this.hint, code: this.code }
  }
}

class StorageError extends Error {
  constructor(message, status, statusCode) {
    super(message)
    this.__isStorageError = true
    this.name = 'StorageError'
    this.status = status
    this.statusCode = statusCode
  }
  toJSON() {
    return { name: this.name, message: this.message, status: this.status, statusCode: this.statusCode }
  }
}

class StorageApiError extends StorageError {
  constructor(message, status, statusCode, code) {
    super(message, status, statusCode)
    this.name = 'StorageApiError'
    this.code = code
  }
  toJSON() {
    return Object.assign(StorageError.prototype.toJSON.call(this), { code: this.code })
  }
}

class StorageUnknownError extends StorageError {
  constructor(message, originalError) {
    super(message)
    this.name = 'StorageUnknownError'
    this.originalError = originalError
  }
}

class FunctionsError extends Error {
  constructor(message, name, context) {
    super(message)
    this.name = name || 'FunctionsError'
    this.context = context
  }
}

class FunctionsFetchError extends FunctionsError {
  constructor(context) {
    super('Failed to send a request to the Edge Function', 'FunctionsFetchError', context)
  }
}

class FunctionsRelayError extends FunctionsError {
  constructor(context) {
    super('Relay Error invoking the Edge Function', 'FunctionsRelayError', context)
  }
}

class FunctionsHttpError extends FunctionsError {
  constructor(context) {
    super('Edge Function returned a non-2xx status code', 'FunctionsHttpError', context)
  }
}

// The core sends null for an absent field; the classes expect undefined.
const opt = (v) => (v === null ? undefined : v)
// The core's `{ url, status, ok, headers, body?, data? }` → a Response (a non-2xx body crossed
// as text into the core and comes back in `body`).
// functions' Response, loaded with the first Functions error (response.js).
const responseOf = (d) => (d ? new (require('./response.js').FunctionsResponse)(d, d.body, d.data) : undefined)

// Class name → the instance for the core's description `d`.
const BUILD = {
  PostgrestError: (d) => new PostgrestError(d),
  StorageError: (d) => new StorageError(d.message, opt(d.status), opt(d.statusCode)),
  StorageApiError: (d) => new StorageApiError(d.message, d.status, d.statusCode, opt(d.code)),
  StorageUnknownError: (d) => new StorageUnknownError(d.message, d.originalError),
  FunctionsError: (d) => new FunctionsError(d.message, 'FunctionsError', responseOf(d.context)),
  FunctionsHttpError: (d) => new FunctionsHttpError(responseOf(d.context)),
  FunctionsRelayError: (d) => new FunctionsRelayError(responseOf(d.context)),
  FunctionsFetchError: (d) => new FunctionsFetchError(d.context),
}
// The constructor arguments of the classes whose signature is not (message, status, code).
const detailsArgs = (d) => [d.message, opt(d.details) || null]
const ARGS = {
  CustomAuthError: (d) => [d.message, 'CustomAuthError', opt(d.status), opt(d.code)],
  AuthUnknownError: (d) => [d.message, undefined],
  AuthPKCEGrantCodeExchangeError: detailsArgs,
  AuthImplicitGrantRedirectError: detailsArgs,
  AuthWeakPasswordError: (d) => [d.message, opt(d.status), Array.isArray(d.reasons) ? d.reasons : []],
}
// The core's description wins over a class's fixed message, status and code.
Object.keys(AUTH).forEach((name) => {
  BUILD[name] = (d) => {
    // Every constructor takes at most four arguments (written out: `new C(...a)` is two of babel's
    // helpers in the ES5 a project's 将 JS 编译成 ES5 makes of it).
    const a = ARGS[name] ? ARGS[name](d) : [d.message, opt(d.status), opt(d.code)]
    const e = new AUTH[name](a[0], a[1], a[2], a[3])
    e.message = d.message
    if (d.status != null) e.status = d.status
    if (d.code != null) e.code = d.code
    return e
  }
})

const own = (o, k) => typeof k === 'string' && Object.prototype.hasOwnProperty.call(o, k)

// An auth result's `{ name, message, status, code }` → an AuthError subclass (AuthError for a
// name that is not one). null/undefined → null.
function toError(desc) {
  if (!desc) return null
  return BUILD[own(AUTH, desc.name) ? desc.name : 'AuthError'](desc)
}

// A Database / Storage / Functions result's error → its class (a plain Error named `name`
// otherwise), the description's other fields copied on, and the server's error body as a
// hidden `data` (what pages written for the SDK we replace read: `error.data.message`), so JSON
// and console output show only the documented fields.
function toDataError(desc) {
  if (!desc) return null
  const known = own(BUILD, desc.name) && !own(AUTH, desc.name)
  const e = known ? BUILD[desc.name](desc) : new Error(desc.message)
  if (!known) e.name = desc.name || 'Error'
  Object.keys(desc).forEach((k) => {
    if (k !== 'name' && k !== 'message' && k !== 'body' && !(k in e)) e[k] = desc[k]
  })
  if (Object.prototype.hasOwnProperty.call(desc, 'body')) {
    Object.defineProperty(e, 'data', { value: desc.body, enumerable: false, configurable: true, writable: true })
  }
  return e
}

// What a channel's `subscribe` callback gets with CHANNEL_ERROR: a plain Error, as realtime-js.
function channelError(message) {
  return new Error(message)
}

// auth-js' guards: anything with `__isAuthError` is an AuthError (another copy of auth-js' too),
// the others by name.
function isAuthError(e) {
  return typeof e === 'object' && e !== null && '__isAuthError' in e
}
const GUARDS = { isAuthError }
;[
  'AuthApiError',
  'AuthSessionMissingError',
  'AuthImplicitGrantRedirectError',
  'AuthPKCECodeVerifierMissingError',
  'AuthRetryableFetchError',
  'AuthRefreshDiscardedError',
  'AuthWeakPasswordError',
].forEach((n) => {
  GUARDS['is' + n] = (e) => isAuthError(e) && e.name === n
})

function isStorageError(e) {
  return typeof e === 'object' && e !== null && e.__isStorageError === true
}

// The package's error API, in the order index.js exports it.
const PUBLIC = Object.assign({}, GUARDS, AUTH, {
  isStorageError,
  StorageError,
  StorageApiError,
  StorageUnknownError,
  FunctionsError,
  FunctionsHttpError,
  FunctionsRelayError,
  FunctionsFetchError,
  PostgrestError,
})

module.exports = Object.assign({ toError, toDataError, channelError, PUBLIC }, PUBLIC)
