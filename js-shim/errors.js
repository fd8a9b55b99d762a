'use strict'
// Error classes with the names, fields and `instanceof` relations of auth-js (lib/errors.ts).
// Which class an error gets, and its status and code, is decided by the core; this file only
// turns the core's `{ name, message, status, code }` into a real Error object, in one place.

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

function subclass(name, Base) {
  const C = class extends Base {
    constructor(message, status, code) {
      super(message, status, code)
      this.name = name
    }
  }
  Object.defineProperty(C, 'name', { value: name })
  return C
}

const AuthApiError = subclass('AuthApiError', AuthError)
const AuthUnknownError = subclass('AuthUnknownError', AuthError)
const CustomAuthError = subclass('CustomAuthError', AuthError)
const AuthRetryableFetchError = subclass('AuthRetryableFetchError', CustomAuthError)
const AuthInvalidCredentialsError = subclass('AuthInvalidCredentialsError', CustomAuthError)
const AuthSessionMissingError = subclass('AuthSessionMissingError', CustomAuthError)
const AuthInvalidTokenResponseError = subclass('AuthInvalidTokenResponseError', CustomAuthError)
const AuthPKCEGrantCodeExchangeError = subclass('AuthPKCEGrantCodeExchangeError', CustomAuthError)
const AuthImplicitGrantRedirectError = subclass('AuthImplicitGrantRedirectError', CustomAuthError)

const classes = {
  AuthError,
  AuthApiError,
  AuthUnknownError,
  CustomAuthError,
  AuthRetryableFetchError,
  AuthInvalidCredentialsError,
  AuthSessionMissingError,
  AuthInvalidTokenResponseError,
  AuthPKCEGrantCodeExchangeError,
  AuthImplicitGrantRedirectError,
}

// `{ name, message, status, code }` from the core -> Error instance. null/undefined -> null.
function toError(desc) {
  if (!desc) return null
  const C = classes[desc.name] || AuthError
  const status = desc.status === null ? undefined : desc.status
  const code = desc.code === null ? undefined : desc.code
  return new C(desc.message, status, code)
}

// The data path's error classes (PostgrestError, StorageError…, Functions…Error) register a
// factory by name: `factory(desc)` returns the Error for the core's `{ name, message, … }`.
const factories = {}
function register(name, factory) {
  factories[name] = factory
}

// The core's error description of a Database / Storage / Functions call -> Error instance:
// the registered class for `name` (a plain Error otherwise), the other fields copied on, and
// the server's error body as a hidden `data` (what pages written for the SDK we replace read:
// `error.data.message`), so JSON and console output show only the documented fields.
function toDataError(desc) {
  if (!desc) return null
  const factory = factories[desc.name]
  const e = factory ? factory(desc) : new Error(desc.message)
  if (!factory) e.name = desc.name || 'Error'
  for (const k of Object.keys(desc)) {
    if (k !== 'name' && k !== 'message' && k !== 'body' && !(k in e)) e[k] = desc[k]
  }
  if (Object.prototype.hasOwnProperty.call(desc, 'body')) {
    Object.defineProperty(e, 'data', { value: desc.body, enumerable: false, configurable: true, writable: true })
  }
  return e
}

function isAuthError(e) {
  return typeof e === 'object' && e !== null && e.__isAuthError === true
}

module.exports = Object.assign({ toError, isAuthError, register, toDataError }, classes)
