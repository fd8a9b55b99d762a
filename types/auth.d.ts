// supabase.auth: auth-js 2.x's GoTrueClient as the package implements it (js-shim/auth.js; the
// logic is the wasm core's), with MemFire's WeChat methods, auth.admin and auth.mfa.
import type {
  AdminUserAttributes,
  AuthChangeEvent,
  AuthMFAAdminDeleteFactorParams,
  AuthMFAAdminDeleteFactorResponse,
  AuthMFAAdminListFactorsParams,
  AuthMFAAdminListFactorsResponse,
  AuthMFAChallengePhoneResponse,
  AuthMFAChallengeResponse,
  AuthMFAChallengeTOTPResponse,
  AuthMFAEnrollPhoneResponse,
  AuthMFAEnrollResponse,
  AuthMFAEnrollTOTPResponse,
  AuthMFAGetAuthenticatorAssuranceLevelResponse,
  AuthMFAListFactorsResponse,
  AuthMFAUnenrollResponse,
  AuthMFAVerifyResponse,
  AuthOtpResponse,
  AuthResponse,
  AuthTokenResponse,
  AuthTokenResponsePassword,
  GenerateLinkParams,
  GenerateLinkResponse,
  InitializeResult,
  JWK,
  JwtHeader,
  JwtPayload,
  MFAChallengeAndVerifyParams,
  MFAChallengePhoneParams,
  MFAChallengeTOTPParams,
  MFAEnrollPhoneParams,
  MFAEnrollTOTPParams,
  MFAUnenrollParams,
  MFAVerifyPhoneParams,
  MFAVerifyTOTPParams,
  OAuthResponse,
  PageParams,
  Pagination,
  Prettify,
  ResendParams,
  Session,
  SignInAnonymouslyCredentials,
  SignInWithIdTokenCredentials,
  SignInWithOAuthCredentials,
  SignInWithPasswordCredentials,
  SignInWithPasswordlessCredentials,
  SignInWithSSO,
  SignOut,
  SignOutScope,
  SignUpWithPasswordCredentials,
  SSOResponse,
  Subscription,
  User,
  UserAttributes,
  UserIdentity,
  UserResponse,
  VerifyOtpParams,
} from './auth-types'
import type { AuthError } from './errors'

export * from './auth-types'

/** `signInWithWechat` / `wechatBindPhone` / `wechatBindAccount`'s argument. */
export interface WechatCodeCredentials {
  /** signInWithWechat, wechatBindAccount: `wx.login`'s code; wechatBindPhone: a getPhoneNumber button's `e.detail.code`. */
  code: string
}
/** `getUnlimitedQRCode`'s parameters: WeChat's getwxacodeunlimit ones. */
export interface UnlimitedQRCodeParams {
  /** At most 32 visible characters. */
  scene: string
  page?: string
  check_path?: boolean
  env_version?: 'release' | 'trial' | 'develop'
  width?: number
  auto_color?: boolean
  line_color?: { r: number; g: number; b: number }
  is_hyaline?: boolean
}
export type UnlimitedQRCodeResponse = { data: { imgBase64: string }; error: null } | { data: { imgBase64: null }; error: AuthError }

export interface AuthMFAApi {
  enroll(params: MFAEnrollTOTPParams): Promise<AuthMFAEnrollTOTPResponse>
  enroll(params: MFAEnrollPhoneParams): Promise<AuthMFAEnrollPhoneResponse>
  enroll(params: MFAEnrollTOTPParams | MFAEnrollPhoneParams): Promise<AuthMFAEnrollResponse>
  challenge(params: MFAChallengeTOTPParams): Promise<Prettify<AuthMFAChallengeTOTPResponse>>
  challenge(params: MFAChallengePhoneParams): Promise<Prettify<AuthMFAChallengePhoneResponse>>
  challenge(params: MFAChallengeTOTPParams | MFAChallengePhoneParams): Promise<AuthMFAChallengeResponse>
  verify(params: MFAVerifyTOTPParams | MFAVerifyPhoneParams): Promise<AuthMFAVerifyResponse>
  unenroll(params: MFAUnenrollParams): Promise<AuthMFAUnenrollResponse>
  challengeAndVerify(params: MFAChallengeAndVerifyParams): Promise<AuthMFAVerifyResponse>
  listFactors(): Promise<AuthMFAListFactorsResponse>
  getAuthenticatorAssuranceLevel(jwt?: string): Promise<AuthMFAGetAuthenticatorAssuranceLevelResponse>
}

export interface AuthAdminMFAApi {
  listFactors(params: AuthMFAAdminListFactorsParams): Promise<AuthMFAAdminListFactorsResponse>
  deleteFactor(params: AuthMFAAdminDeleteFactorParams): Promise<AuthMFAAdminDeleteFactorResponse>
}

/** `auth.admin`: GoTrue's admin API, for a client created with the service-role key. */
export interface AuthAdminApi {
  mfa: AuthAdminMFAApi
  signOut(jwt: string, scope?: SignOutScope): Promise<{ data: null; error: AuthError | null }>
  inviteUserByEmail(email: string, options?: { data?: object; redirectTo?: string }): Promise<UserResponse>
  generateLink(params: GenerateLinkParams): Promise<GenerateLinkResponse>
  createUser(attributes: AdminUserAttributes): Promise<UserResponse>
  listUsers(
    params?: PageParams,
  ): Promise<{ data: { users: User[]; aud: string } & Pagination; error: null } | { data: { users: [] }; error: AuthError }>
  getUserById(uid: string): Promise<UserResponse>
  updateUserById(uid: string, attributes: AdminUserAttributes): Promise<UserResponse>
  deleteUser(id: string, shouldSoftDelete?: boolean): Promise<UserResponse>
}

export interface AuthClient {
  readonly admin: AuthAdminApi
  readonly mfa: AuthMFAApi

  // ---- MemFire's WeChat methods ----
  /** 微信登录: `wx.login`'s code → a session. */
  signInWithWechat(credentials: WechatCodeCredentials): Promise<AuthResponse>
  /** 绑定手机号: a getPhoneNumber button's `e.detail.code`, for the signed-in user. */
  wechatBindPhone(credentials: WechatCodeCredentials): Promise<UserResponse>
  /** 绑定微信: a `wx.login` code, for the signed-in account. */
  wechatBindAccount(credentials: WechatCodeCredentials): Promise<UserResponse>
  /** 小程序码 → `{ data: { imgBase64 } }`. */
  getUnlimitedQRCode(params: UnlimitedQRCodeParams): Promise<UnlimitedQRCodeResponse>

  // ---- auth-js ----
  initialize(): Promise<InitializeResult>
  signInAnonymously(credentials?: SignInAnonymouslyCredentials): Promise<AuthResponse>
  signUp(credentials: SignUpWithPasswordCredentials): Promise<AuthResponse>
  signInWithPassword(credentials: SignInWithPasswordCredentials): Promise<AuthTokenResponsePassword>
  /** `{ provider: 'wechat_qr' }` among others; PKCE by default. */
  signInWithOAuth(credentials: SignInWithOAuthCredentials | { provider: 'wechat_qr' | (string & {}); options?: SignInWithOAuthCredentials['options'] }): Promise<OAuthResponse>
  exchangeCodeForSession(authCode: string): Promise<AuthTokenResponse>
  signInWithIdToken(credentials: SignInWithIdTokenCredentials): Promise<AuthTokenResponse>
  signInWithOtp(credentials: SignInWithPasswordlessCredentials): Promise<AuthOtpResponse>
  verifyOtp(params: VerifyOtpParams): Promise<AuthResponse>
  signInWithSSO(params: SignInWithSSO): Promise<SSOResponse>
  reauthenticate(): Promise<AuthResponse>
  resend(credentials: ResendParams): Promise<AuthOtpResponse>
  getSession(): Promise<
    | { data: { session: Session }; error: null }
    | { data: { session: null }; error: AuthError }
    | { data: { session: null }; error: null }
  >
  getUser(jwt?: string): Promise<UserResponse>
  updateUser(attributes: UserAttributes, options?: { emailRedirectTo?: string | undefined }): Promise<UserResponse>
  setSession(currentSession: { access_token: string; refresh_token: string }): Promise<AuthResponse>
  refreshSession(currentSession?: { refresh_token: string }): Promise<AuthResponse>
  signOut(options?: SignOut): Promise<{ error: AuthError | null }>
  onAuthStateChange(callback: (event: AuthChangeEvent, session: Session | null) => void | Promise<void>): {
    data: { subscription: Subscription }
  }
  resetPasswordForEmail(
    email: string,
    options?: { redirectTo?: string; captchaToken?: string },
  ): Promise<{ data: {}; error: null } | { data: null; error: AuthError }>
  getUserIdentities(): Promise<{ data: { identities: UserIdentity[] }; error: null } | { data: null; error: AuthError }>
  linkIdentity(credentials: SignInWithOAuthCredentials): Promise<OAuthResponse>
  linkIdentity(credentials: SignInWithIdTokenCredentials): Promise<AuthTokenResponse>
  unlinkIdentity(identity: UserIdentity): Promise<{ data: {}; error: null } | { data: null; error: AuthError }>
  getClaims(
    jwt?: string,
    options?: { keys?: JWK[]; allowExpired?: boolean },
  ): Promise<
    | { data: { claims: JwtPayload; header: JwtHeader; signature: Uint8Array }; error: null }
    | { data: null; error: AuthError }
    | { data: null; error: null }
  >
  startAutoRefresh(): Promise<void>
  stopAutoRefresh(): Promise<void>
}

export {}
