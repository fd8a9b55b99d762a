// The error classes and guards of the package (js-shim/errors.js): auth-js 2.x's (lib/errors.ts),
// postgrest-js', storage-js' and functions-js', with their names, fields and `instanceof` relations.
import type { ErrorCode } from './error-codes'
import type { WeakPasswordReasons } from './auth-types'
import type { FunctionsResponseObject } from './functions'

export type { ErrorCode }

export declare class AuthError extends Error {
  code: ErrorCode | (string & {}) | undefined
  status: number | undefined
  protected __isAuthError: boolean
  constructor(message: string, status?: number, code?: string)
  /** The 2.1.x SDK's fields, for pages that show `error.error || error.msg`: the message. */
  readonly msg: string
  readonly error: string
  toJSON(): { name: string; message: string; status: number | undefined; code: ErrorCode | (string & {}) | undefined }
}
export declare function isAuthError(error: unknown): error is AuthError
export declare class AuthApiError extends AuthError {
  status: number
  constructor(message: string, status: number, code: string | undefined)
}
export declare function isAuthApiError(error: unknown): error is AuthApiError
export declare class AuthUnknownError extends AuthError {
  originalError: unknown
  constructor(message: string, originalError: unknown)
}
export declare class CustomAuthError extends AuthError {
  name: string
  status: number
  constructor(message: string, name: string, status: number, code: string | undefined)
}
export declare class AuthSessionMissingError extends CustomAuthError {
  constructor()
}
export declare function isAuthSessionMissingError(error: any): error is AuthSessionMissingError
export declare class AuthInvalidTokenResponseError extends CustomAuthError {
  constructor()
}
export declare class AuthInvalidCredentialsError extends CustomAuthError {
  constructor(message: string)
}
export declare class AuthImplicitGrantRedirectError extends CustomAuthError {
  details: { error: string; code: string } | null
  constructor(message: string, details?: { error: string; code: string } | null)
}
export declare function isAuthImplicitGrantRedirectError(error: any): error is AuthImplicitGrantRedirectError
export declare class AuthPKCEGrantCodeExchangeError extends CustomAuthError {
  details: { error: string; code: string } | null
  constructor(message: string, details?: { error: string; code: string } | null)
}
export declare class AuthPKCECodeVerifierMissingError extends CustomAuthError {
  constructor()
}
export declare function isAuthPKCECodeVerifierMissingError(error: unknown): error is AuthPKCECodeVerifierMissingError
export declare class AuthRetryableFetchError extends CustomAuthError {
  constructor(message: string, status: number)
}
export declare function isAuthRetryableFetchError(error: unknown): error is AuthRetryableFetchError
export declare class AuthRefreshDiscardedError extends CustomAuthError {
  constructor(message?: string)
}
export declare function isAuthRefreshDiscardedError(error: unknown): error is AuthRefreshDiscardedError
export declare class AuthWeakPasswordError extends CustomAuthError {
  reasons: WeakPasswordReasons[]
  constructor(message: string, status: number, reasons: WeakPasswordReasons[])
}
export declare function isAuthWeakPasswordError(error: unknown): error is AuthWeakPasswordError
export declare class AuthInvalidJwtError extends CustomAuthError {
  constructor(message: string)
}

// storage-js 2.x
export declare class StorageError extends Error {
  protected __isStorageError: boolean
  status?: number
  statusCode?: string
  constructor(message: string, status?: number, statusCode?: string)
  toJSON(): { name: string; message: string; status?: number; statusCode?: string }
}
export declare function isStorageError(error: unknown): error is StorageError
export declare class StorageApiError extends StorageError {
  status: number
  statusCode: string
  code?: string
  constructor(message: string, status: number, statusCode: string, code?: string)
  toJSON(): { name: string; message: string; status: number; statusCode: string; code?: string }
}
export declare class StorageUnknownError extends StorageError {
  originalError: unknown
  constructor(message: string, originalError: unknown)
}

// functions-js 2.x: `context` is the reply (a fetch-like Response) of an HTTP or relay error.
export declare class FunctionsError extends Error {
  context: any
  constructor(message: string, name?: string, context?: any)
}
export declare class FunctionsFetchError extends FunctionsError {
  constructor(context: any)
}
export declare class FunctionsRelayError extends FunctionsError {
  context: FunctionsResponseObject
  constructor(context: any)
}
export declare class FunctionsHttpError extends FunctionsError {
  context: FunctionsResponseObject
  constructor(context: any)
}

export {}
