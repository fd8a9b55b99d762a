// supabase-wechat's typings: the same for the mini-program entry (miniprogram_dist/index.js) and
// the browser entry (browser/supabase-wechat.js). `createClient<Database>()` types rows, inserts,
// updates, filters, embedded selects and rpc from a `supabase gen types` Database as supabase-js
// 2.119 does: the query builders' types are postgrest-js 2.119's own (./postgrest.d.ts, copied
// from @supabase/postgrest-js at build time, without its DOM types), so no DOM lib is needed.
import type {
  ClientServerOptions,
  GenericSchema,
  PostgrestClient,
  PostgrestError,
  PostgrestQueryBuilderOptions,
} from './postgrest'
import type { AuthClient } from './auth'
import type { StorageClient } from './storage'
import type { FunctionsClient } from './functions'
import type { RealtimeChannel, RealtimeChannelOptions, RealtimeClient, RealtimeRemoveChannelResponse } from './realtime'
import type { SupportedStorageLike } from './platform'
import type { Session, User } from './auth-types'

export * from './errors'
export * from './auth'
export * from './storage'
export * from './functions'
export * from './realtime'
export type { AbortSignalLike, BlobLike, SupportedStorageLike, WechatFileBody } from './platform'
export type {
  PostgrestBuilder,
  PostgrestClient,
  PostgrestFilterBuilder,
  PostgrestMaybeSingleResponse,
  PostgrestQueryBuilder,
  PostgrestResponse,
  PostgrestResponseFailure,
  PostgrestResponseSuccess,
  PostgrestSingleResponse,
  PostgrestTransformBuilder,
  PostgrestClientOptions,
  PostgrestQueryBuilderOptions,
} from './postgrest'
export { PostgrestError } from './postgrest'
export type { Session as AuthSession, User as AuthUser }

export type QueryResult<T> = T extends PromiseLike<infer U> ? U : never
export type QueryData<T> = T extends PromiseLike<{ data: infer U }> ? Exclude<U, null> : never
export type QueryError = PostgrestError
export type DatabaseWithoutInternals<DB> = Omit<DB, '__InternalSupabase'>

type PublicDb<Database> = Omit<Database, '__InternalSupabase'>
type DefaultSchemaName<Database> = 'public' extends keyof PublicDb<Database> ? 'public' : string & keyof PublicDb<Database>

/** createClient's options: supabase-js' that apply in a mini-program, and ours. */
export type SupabaseClientOptions<SchemaName> = {
  db?: {
    schema?: SchemaName
    /** ms: each database call's time limit (WeChat's queue included). */
    timeout?: number
  }
  auth?: {
    autoRefreshToken?: boolean
    /** Default `sb-<ref>-auth-token` (the SDK we replace's key). */
    storageKey?: string
    persistSession?: boolean
    /** wx storage by default; `{ getItem, setItem, removeItem }`, synchronous or returning Promises. */
    storage?: SupportedStorageLike
    /** Ours: WeChat's encrypted storage (base library 2.21.3). */
    encryptStorage?: boolean
    flowType?: 'implicit' | 'pkce'
    /** Browser entry: handle `?code=` / `#access_token=` in the address bar. */
    detectSessionInUrl?: boolean
    debug?: boolean | ((message: string, ...args: any[]) => void)
    /** Accepted for supabase-js compatibility (one logic layer: nothing to lock across tabs). */
    lock?: <R>(name: string, acquireTimeout: number, fn: () => Promise<R>) => Promise<R>
  }
  realtime?: {
    params?: { [key: string]: any }
    timeout?: number
    heartbeatIntervalMs?: number
  }
  global?: {
    headers?: Record<string, string>
    /** Cannot work in a mini-program (wx.request is used): warned about once, then ignored. */
    fetch?: (...args: any[]) => any
  }
  /** Third-party auth: the access token to send instead of a session's. */
  accessToken?: () => Promise<string | null>
  /** Ours: ms (100–120000, default 10000) for JSON requests; functions 30 s unless set, uploads and downloads at least 120 s. */
  requestTimeout?: number
  /** Ours: the package path of supabase_wechat_bg.wasm.br when the package is not in /miniprogram_npm/supabase-wechat/. */
  wasmPath?: string
  /** Ours: the I/O adapters (the entry's by default). */
  platform?: object
}

export declare class SupabaseClient<
  Database = any,
  SchemaNameOrClientOptions extends (string & keyof PublicDb<Database>) | { PostgrestVersion: string } = DefaultSchemaName<Database>,
  SchemaName extends string & keyof PublicDb<Database> = SchemaNameOrClientOptions extends string & keyof PublicDb<Database>
    ? SchemaNameOrClientOptions
    : DefaultSchemaName<Database>,
  Schema extends PublicDb<Database>[SchemaName] extends GenericSchema ? PublicDb<Database>[SchemaName] : never = PublicDb<Database>[SchemaName] extends GenericSchema
    ? PublicDb<Database>[SchemaName]
    : never,
  ClientOptions extends { PostgrestVersion: string } = SchemaNameOrClientOptions extends string & keyof PublicDb<Database>
    ? Database extends { __InternalSupabase: { PostgrestVersion: string } }
      ? Database['__InternalSupabase']
      : { PostgrestVersion: '12' }
    : SchemaNameOrClientOptions extends { PostgrestVersion: string }
      ? SchemaNameOrClientOptions
      : never,
> {
  readonly supabaseUrl: string
  readonly supabaseKey: string
  auth: AuthClient
  constructor(supabaseUrl: string, supabaseKey: string, options?: SupabaseClientOptions<SchemaName>)
  /** The Database API (postgrest-js' PostgrestClient: from, rpc, schema). */
  get rest(): Pick<PostgrestClient<Database, ClientOptions & ClientServerOptions, SchemaName, Schema>, 'from' | 'rpc' | 'schema'>
  get realtime(): RealtimeClient
  get storage(): StorageClient
  get functions(): FunctionsClient
  /** `from('todos')`: a query builder (select, insert, upsert, update, delete, filters…). */
  from: PostgrestClient<Database, ClientOptions & ClientServerOptions, SchemaName, Schema>['from']
  /** `schema('other')`: `from` and `rpc` against another exposed schema. */
  schema<DynamicSchema extends string & keyof PublicDb<Database>>(
    schema: DynamicSchema,
  ): Pick<
    PostgrestClient<
      Database,
      ClientOptions & ClientServerOptions,
      DynamicSchema,
      Database[DynamicSchema] extends GenericSchema ? Database[DynamicSchema] : any
    >,
    'from' | 'rpc' | 'schema'
  >
  /** `rpc('fn', args, { head, get, count })`: call a Postgres function. */
  rpc: PostgrestClient<Database, ClientOptions & ClientServerOptions, SchemaName, Schema>['rpc']
  /** `channel(name, { config })`: the same name gives the same channel. */
  channel(name: string, opts?: RealtimeChannelOptions): RealtimeChannel
  getChannels(): RealtimeChannel[]
  removeChannel(channel: RealtimeChannel): Promise<RealtimeRemoveChannelResponse>
  removeAllChannels(): Promise<RealtimeRemoveChannelResponse[]>
}

/** auth-js' lock functions, for pages that pass one as `auth.lock`: here they just run `fn` (one JS thread, one refresh). */
export declare function processLock<R>(name: string, acquireTimeout: number, fn: () => Promise<R>): Promise<R>
export declare function navigatorLock<R>(name: string, acquireTimeout: number, fn: () => Promise<R>): Promise<R>

export declare const createClient: <
  Database = any,
  SchemaNameOrClientOptions extends (string & keyof PublicDb<Database>) | { PostgrestVersion: string } = DefaultSchemaName<Database>,
  SchemaName extends string & keyof PublicDb<Database> = SchemaNameOrClientOptions extends string & keyof PublicDb<Database>
    ? SchemaNameOrClientOptions
    : DefaultSchemaName<Database>,
>(
  supabaseUrl: string,
  supabaseKey: string,
  options?: SupabaseClientOptions<SchemaName>,
) => SupabaseClient<Database, SchemaNameOrClientOptions, SchemaName>
