// supabase.functions: functions-js 2.x's FunctionsClient (js-shim/functions.js).
import type { AbortSignalLike } from './platform'

/**
 * `response` of invoke() and the `context` of an HTTP / relay error: the part of fetch's Response
 * WeChat can offer. `data` is the body as the SDK we replace exposed it.
 */
export interface FunctionsResponseObject {
  readonly url: string
  readonly status: number
  readonly ok: boolean
  readonly statusText: string
  readonly headers: { get(name: string): string | undefined; has(name: string): boolean; forEach(cb: (value: string, name: string) => void): void }
  readonly data: unknown
  text(): Promise<string>
  json(): Promise<any>
  arrayBuffer(): Promise<ArrayBuffer>
}

export interface FunctionsResponseSuccess<T> {
  data: T
  error: null
  response?: FunctionsResponseObject
}
export interface FunctionsResponseFailure {
  data: null
  error: any
  response?: FunctionsResponseObject
}
export type FunctionsResponse<T> = FunctionsResponseSuccess<T> | FunctionsResponseFailure

/** functions-js' FunctionRegion values (a type here: the package exports no FunctionRegion object). */
export type FunctionRegion =
  | 'any'
  | 'ap-northeast-1'
  | 'ap-northeast-2'
  | 'ap-south-1'
  | 'ap-southeast-1'
  | 'ap-southeast-2'
  | 'ca-central-1'
  | 'eu-central-1'
  | 'eu-west-1'
  | 'eu-west-2'
  | 'eu-west-3'
  | 'sa-east-1'
  | 'us-east-1'
  | 'us-west-1'
  | 'us-west-2'

export type FunctionInvokeOptions = {
  headers?: { [key: string]: string }
  method?: 'POST' | 'GET' | 'PUT' | 'PATCH' | 'DELETE'
  region?: FunctionRegion
  /** An ArrayBuffer (or a view of one) is sent as binary, a string as text, anything else as JSON. */
  body?: ArrayBuffer | ArrayBufferView | Record<string, any> | string
  /** AbortSignal-like: ends the call with a FunctionsFetchError. */
  signal?: AbortSignalLike
  /** ms: 30 s by default, or the client's `requestTimeout` when set (WeChat's queue included). */
  timeout?: number
}

export interface FunctionsClient {
  /** Sends `Authorization: Bearer <token>` on this client's calls instead of the session's. */
  setAuth(token: string): void
  /** `invoke(name or full http(s):// URL, options)`: never rejects. */
  invoke<T = any>(functionName: string, options?: FunctionInvokeOptions): Promise<FunctionsResponse<T>>
}

export {}
