// Types for the part of supabase-wechat these pages use (the package ships JavaScript only). They
// describe what the SDK returns, including the 2.1.x aliases MemFire's guide reads: `user.data`
// (the user itself) and `error.error` / `error.msg` (the message). Used by `tsc -p miniprogram-demo`
// (tests/node/demo-checks.test.js); not part of the code package (project.config.json packOptions).
declare module 'supabase-wechat' {
  export interface User {
    id: string
    aud: string
    role?: string
    email?: string
    phone?: string
    wechat_id?: string
    wechat_unionid?: string
    app_metadata: { provider?: string; providers?: string[]; [key: string]: unknown }
    /** What updateUser({ data }) stored: any JSON the app chose. */
    user_metadata: { [key: string]: any }
    created_at: string
    updated_at?: string
    last_sign_in_at?: string
    /** 2.1.x compatibility: a hidden alias of the user itself (`user.data.phone`). */
    readonly data: User
  }

  export interface Session {
    access_token: string
    token_type: string
    expires_in: number
    expires_at?: number
    refresh_token: string
    user: User
  }

  export class AuthError extends Error {
    status?: number
    code?: string
    /** 2.1.x compatibility: the message again (`error?.error || error?.msg`). */
    readonly error: string
    /** 2.1.x compatibility: the message again. */
    readonly msg: string
  }

  export interface AuthResponse {
    data: { user: User | null; session: Session | null }
    error: AuthError | null
  }
  export interface UserResponse {
    data: { user: User | null }
    error: AuthError | null
  }

  export interface UnlimitedQRCodeParams {
    scene: string
    page?: string
    check_path?: boolean
    env_version?: 'release' | 'trial' | 'develop'
    width?: number
    auto_color?: boolean
    line_color?: { r: number | string; g: number | string; b: number | string }
    is_hyaline?: boolean
  }

  export interface AuthClient {
    signInWithWechat(params: { code: string }): Promise<AuthResponse>
    wechatBindPhone(params: { code: string }): Promise<UserResponse>
    wechatBindAccount(params: { code: string }): Promise<UserResponse>
    getUnlimitedQRCode(params: UnlimitedQRCodeParams): Promise<{ data: { imgBase64: string | null }; error: AuthError | null }>
    signInWithOtp(
      credentials: { phone: string; options?: { shouldCreateUser?: boolean; data?: object; channel?: 'sms' | 'whatsapp' } } | { email: string; options?: { shouldCreateUser?: boolean; data?: object; emailRedirectTo?: string } },
    ): Promise<{ data: { user: null; session: null; messageId?: string | null }; error: AuthError | null }>
    verifyOtp(
      params: { phone: string; token: string; type: 'sms' | 'phone_change' } | { email: string; token: string; type: 'signup' | 'invite' | 'magiclink' | 'recovery' | 'email_change' | 'email' },
    ): Promise<AuthResponse>
    signInWithPassword(credentials: { phone: string; password: string } | { email: string; password: string }): Promise<AuthResponse>
    getSession(): Promise<{ data: { session: Session | null }; error: AuthError | null }>
    getUser(jwt?: string): Promise<UserResponse>
    updateUser(attributes: { email?: string; phone?: string; password?: string; nonce?: string; data?: object }): Promise<UserResponse>
    signOut(options?: { scope?: 'global' | 'local' | 'others' }): Promise<{ error: AuthError | null }>
  }

  export class StorageError extends Error {
    status?: number
    statusCode?: string
  }
  /** A temp file (`{ tempFilePath }`, e.g. from chooseAvatar / chooseMedia), a wx.chooseMessageFile item (`{ path }`), a path, or bytes. */
  export type UploadFile =
    | string
    | ArrayBuffer
    | ArrayBufferView
    | { tempFilePath: string; [key: string]: unknown }
    | { path: string; [key: string]: unknown }
  export interface StorageFileApi {
    upload(
      path: string,
      file: UploadFile,
      options?: { upsert?: boolean; cacheControl?: string; contentType?: string; timeout?: number },
    ): Promise<{ data: { id: string; path: string; fullPath: string } | null; error: StorageError | null }>
    getPublicUrl(path: string, options?: { download?: string | boolean }): { data: { publicUrl: string } }
    remove(paths: string[]): Promise<{ data: object[] | null; error: StorageError | null }>
  }
  export interface StorageClient {
    from(bucketId: string): StorageFileApi
  }

  export class PostgrestError extends Error {
    details: string
    hint: string
    code: string
  }
  export interface PostgrestResponse<Result> {
    data: Result | null
    error: PostgrestError | null
    count: number | null
    status: number
    statusText: string
  }
  /** A row as PostgREST returns it (the demo declares no schema types). */
  export type Row = { [column: string]: any }
  export interface PostgrestFilterBuilder<Result> extends PromiseLike<PostgrestResponse<Result>> {
    select(columns?: string): PostgrestFilterBuilder<Row[]>
    eq(column: string, value: unknown): this
    neq(column: string, value: unknown): this
    in(column: string, values: unknown[]): this
    order(column: string, options?: { ascending?: boolean; nullsFirst?: boolean; foreignTable?: string }): this
    limit(count: number): this
    range(from: number, to: number): this
    single(): PostgrestFilterBuilder<Row>
    maybeSingle(): PostgrestFilterBuilder<Row | null>
  }
  export interface PostgrestQueryBuilder {
    select(columns?: string, options?: { head?: boolean; count?: 'exact' | 'planned' | 'estimated' }): PostgrestFilterBuilder<Row[]>
    insert(values: Row | Row[], options?: { count?: 'exact' | 'planned' | 'estimated'; defaultToNull?: boolean }): PostgrestFilterBuilder<null>
    update(values: Row, options?: { count?: 'exact' | 'planned' | 'estimated' }): PostgrestFilterBuilder<null>
    delete(options?: { count?: 'exact' | 'planned' | 'estimated' }): PostgrestFilterBuilder<null>
  }

  export interface SupabaseClient {
    auth: AuthClient
    storage: StorageClient
    from(relation: string): PostgrestQueryBuilder
  }

  export interface SupabaseClientOptions {
    auth?: { storageKey?: string; persistSession?: boolean; autoRefreshToken?: boolean; encryptStorage?: boolean }
    global?: { headers?: Record<string, string> }
    db?: { schema?: string }
    requestTimeout?: number
    wasmPath?: string
  }

  export function createClient(supabaseUrl: string, supabaseKey: string, options?: SupabaseClientOptions): SupabaseClient
}
