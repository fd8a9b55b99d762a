// auth-js 2.119's lib/types.d.ts (MIT, Supabase), the part supabase-wechat's auth implements:
// its declarations as published, with the DOM, WebAuthn and web3 types it imports replaced by the
// local stand-ins below (module-scoped, so they never clash with a DOM lib a project has).
// Regenerate from @supabase/auth-js/dist/module/lib/types.d.ts when auth-js changes.
import type { AuthError } from './errors'

type Fetch = (input: any, init?: any) => Promise<any>
interface URL {
  readonly href: string
}
interface Storage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}
// Passkeys, WebAuthn and web3 wallets are not available in a mini-program: opaque here.
type SolanaSignInInput = Record<string, unknown>
type SolanaSignInOutput = unknown
type EIP1193Provider = unknown
type EthereumSignInInput = Record<string, unknown>
type Hex = `0x${string}`
type RegistrationCredential = unknown
type AuthenticationCredential = unknown
type PublicKeyCredentialCreationOptionsFuture = unknown
type PublicKeyCredentialRequestOptionsFuture = unknown
type ServerCredentialCreationOptions = unknown
type ServerCredentialRequestOptions = unknown
type WebAuthnApi = unknown

export type Provider = 'apple' | 'azure' | 'bitbucket' | 'discord' | 'facebook' | 'figma' | 'github' | 'gitlab' | 'google' | 'kakao' | 'keycloak' | 'linkedin' | 'linkedin_oidc' | 'notion' | 'slack' | 'slack_oidc' | 'spotify' | 'twitch'
 | 'twitter'
 | 'x' | 'workos' | 'zoom' | 'fly' | `custom:${string}`;
export type AuthChangeEventMFA = 'MFA_CHALLENGE_VERIFIED';
export type AuthChangeEvent = 'INITIAL_SESSION' | 'PASSWORD_RECOVERY' | 'SIGNED_IN' | 'SIGNED_OUT' | 'TOKEN_REFRESHED' | 'USER_UPDATED' | AuthChangeEventMFA;
export type LockFunc = <R>(name: string, acquireTimeout: number, fn: () => Promise<R>) => Promise<R>;
export type GoTrueClientOptions = {
    url?: string;
    headers?: {
        [key: string]: string;
    };
    storageKey?: string;
    detectSessionInUrl?: boolean | ((url: URL, params: {
        [parameter: string]: string;
    }) => boolean);
    autoRefreshToken?: boolean;
    persistSession?: boolean;
    storage?: SupportedStorage;
    userStorage?: SupportedStorage;
    fetch?: Fetch;
    flowType?: AuthFlowType;
    debug?: boolean | ((message: string, ...args: any[]) => void);
    lock?: LockFunc;
    hasCustomAuthorizationHeader?: boolean;
    throwOnError?: boolean;
    lockAcquireTimeout?: number;
    skipAutoInitialize?: boolean;
    experimental?: ExperimentalFeatureFlags;
};
export type ExperimentalFeatureFlags = {
    passkey?: boolean;
    recoveryCodes?: boolean;
    appendPkceFlowIdToRedirects?: boolean;
};
declare const WeakPasswordReasons: readonly ["length", "characters", "pwned"];
export type WeakPasswordReasons = (typeof WeakPasswordReasons)[number];
export type WeakPassword = {
    reasons: WeakPasswordReasons[];
    message: string;
};
export type Prettify<T> = T extends Function ? T : {
    [K in keyof T]: T[K];
};
export type StrictOmit<T, K extends keyof T> = Omit<T, K>;
export type RequestResult<T, ErrorType extends Error = AuthError> = {
    data: T;
    error: null;
} | {
    data: null;
    error: Error extends AuthError ? AuthError : ErrorType;
};
export type RequestResultSafeDestructure<T> = {
    data: T;
    error: null;
} | {
    data: T extends object ? {
        [K in keyof T]: null;
    } : null;
    error: AuthError;
};
export type AuthResponse = RequestResultSafeDestructure<{
    user: User | null;
    session: Session | null;
}>;
export type AuthResponsePassword = RequestResultSafeDestructure<{
    user: User | null;
    session: Session | null;
    weak_password?: WeakPassword | null;
}>;
export type AuthOtpResponse = RequestResultSafeDestructure<{
    user: null;
    session: null;
    messageId?: string | null;
}>;
export type AuthTokenResponse = RequestResultSafeDestructure<{
    user: User;
    session: Session;
}>;
export type AuthTokenResponsePassword = RequestResultSafeDestructure<{
    user: User;
    session: Session;
    weakPassword?: WeakPassword;
}>;
export type OAuthResponse = {
    data: {
        provider: Provider;
        url: string;
        flowId?: string | null;
    };
    error: null;
} | {
    data: {
        provider: Provider;
        url: null;
        flowId?: string | null;
    };
    error: AuthError;
};
export type SSOResponse = RequestResult<{
    url: string;
}>;
export type UserResponse = RequestResultSafeDestructure<{
    user: User;
}>;
export interface Session {
    provider_token?: string | null;
    provider_refresh_token?: string | null;
    access_token: string;
    refresh_token: string;
    expires_in: number;
    expires_at?: number;
    token_type: 'bearer';
    user: User;
}
declare const AMRMethods: readonly ["password", "otp", "oauth", "totp", "mfa/totp", "mfa/phone", "mfa/webauthn", "mfa/recovery_code", "anonymous", "sso/saml", "magiclink", "web3", "oauth_provider/authorization_code"];
export type AMRMethod = (typeof AMRMethods)[number] | (string & {});
export interface AMREntry {
    method: AMRMethod;
    timestamp: number;
}
export interface UserIdentity {
    id: string;
    user_id: string;
    identity_data?: {
        [key: string]: any;
    };
    identity_id: string;
    provider: string;
    created_at?: string;
    last_sign_in_at?: string;
    updated_at?: string;
}
declare const FactorTypes: readonly ["totp", "phone", "webauthn", "recovery_code"];
export type FactorType = (typeof FactorTypes)[number];
declare const FactorVerificationStatuses: readonly ["verified", "unverified"];
type FactorVerificationStatus = (typeof FactorVerificationStatuses)[number];
export type Factor<Type extends FactorType = FactorType, Status extends FactorVerificationStatus = (typeof FactorVerificationStatuses)[number]> = {
    id: string;
    friendly_name?: string;
    factor_type: Type;
    status: Status;
    created_at: string;
    updated_at: string;
    last_challenged_at?: string;
};
export interface UserAppMetadata {
    provider?: string;
    providers?: string[];
    [key: string]: any;
}
export interface UserMetadata {
    [key: string]: any;
}
export interface User {
    id: string;
    app_metadata: UserAppMetadata;
    user_metadata: UserMetadata;
    aud: string;
    confirmation_sent_at?: string;
    recovery_sent_at?: string;
    email_change_sent_at?: string;
    new_email?: string;
    new_phone?: string;
    invited_at?: string;
    action_link?: string;
    email?: string;
    phone?: string;
    created_at: string;
    confirmed_at?: string;
    email_confirmed_at?: string;
    phone_confirmed_at?: string;
    last_sign_in_at?: string;
    role?: string;
    updated_at?: string;
    identities?: UserIdentity[];
    is_anonymous?: boolean;
    is_sso_user?: boolean;
    factors?: (Factor<FactorType, 'verified'> | Factor<FactorType, 'unverified'>)[];
    deleted_at?: string;
    banned_until?: string;
}
export interface UserAttributes {
    current_password?: string;
    email?: string;
    phone?: string;
    password?: string;
    nonce?: string;
    data?: object;
}
export interface AdminUserAttributes extends Omit<UserAttributes, 'data'> {
    user_metadata?: object;
    app_metadata?: object;
    email_confirm?: boolean;
    phone_confirm?: boolean;
    ban_duration?: string | 'none';
    role?: string;
    password_hash?: string;
    id?: string;
}
export interface Subscription {
    id: string | symbol;
    callback: (event: AuthChangeEvent, session: Session | null) => void;
    unsubscribe: () => void;
}
export type SignInAnonymouslyCredentials = {
    options?: {
        data?: object;
        captchaToken?: string;
    };
};
export type SignUpWithPasswordCredentials = PasswordCredentialsBase & {
    options?: {
        emailRedirectTo?: string;
        data?: object;
        captchaToken?: string;
        channel?: 'sms' | 'whatsapp';
    };
};
type PasswordCredentialsBase = {
    email: string;
    password: string;
} | {
    phone: string;
    password: string;
};
export type SignInWithPasswordCredentials = PasswordCredentialsBase & {
    options?: {
        captchaToken?: string;
    };
};
export type SignInWithPasswordlessCredentials = {
    email: string;
    options?: {
        emailRedirectTo?: string;
        shouldCreateUser?: boolean;
        data?: object;
        captchaToken?: string;
    };
} | {
    phone: string;
    options?: {
        shouldCreateUser?: boolean;
        data?: object;
        captchaToken?: string;
        channel?: 'sms' | 'whatsapp';
    };
};
export type AuthFlowType = 'implicit' | 'pkce' | (string & {});
export type SignInWithOAuthCredentials = {
    provider: Provider;
    options?: {
        redirectTo?: string;
        scopes?: string;
        queryParams?: {
            [key: string]: string;
        };
        skipBrowserRedirect?: boolean;
    };
};
export type SignInWithIdTokenCredentials = {
    provider: 'google' | 'apple' | 'azure' | 'facebook' | 'kakao' | `custom:${string}` | (string & {});
    token: string;
    access_token?: string;
    nonce?: string;
    options?: {
        captchaToken?: string;
    };
};
export type SolanaWallet = {
    signIn?: (...inputs: SolanaSignInInput[]) => Promise<SolanaSignInOutput | SolanaSignInOutput[]>;
    publicKey?: {
        toBase58: () => string;
    } | null;
    signMessage?: (message: Uint8Array, encoding?: 'utf8' | string) => Promise<Uint8Array> | undefined;
};
export type SolanaWeb3Credentials = {
    chain: 'solana';
    wallet?: SolanaWallet;
    statement?: string;
    options?: {
        url?: string;
        captchaToken?: string;
        signInWithSolana?: Partial<Omit<SolanaSignInInput, 'version' | 'chain' | 'domain' | 'uri' | 'statement'>>;
    };
} | {
    chain: 'solana';
    message: string;
    signature: Uint8Array;
    options?: {
        captchaToken?: string;
    };
};
export type EthereumWallet = EIP1193Provider;
export type EthereumWeb3Credentials = {
    chain: 'ethereum';
    wallet?: EthereumWallet;
    statement?: string;
    options?: {
        url?: string;
        captchaToken?: string;
        signInWithEthereum?: Partial<Omit<EthereumSignInInput, 'version' | 'domain' | 'uri' | 'statement'>>;
    };
} | {
    chain: 'ethereum';
    message: string;
    signature: Hex;
    options?: {
        captchaToken?: string;
    };
};
export type Web3Credentials = SolanaWeb3Credentials | EthereumWeb3Credentials;
export type VerifyOtpParams = VerifyMobileOtpParams | VerifyEmailOtpParams | VerifyTokenHashParams;
export interface VerifyMobileOtpParams {
    phone: string;
    token: string;
    type: MobileOtpType;
    options?: {
        redirectTo?: string;
        captchaToken?: string;
    };
}
export interface VerifyEmailOtpParams {
    email: string;
    token: string;
    type: EmailOtpType;
    options?: {
        redirectTo?: string;
        captchaToken?: string;
    };
}
export interface VerifyTokenHashParams {
    token_hash: string;
    type: EmailOtpType;
}
export type MobileOtpType = 'sms' | 'phone_change' | (string & {});
export type EmailOtpType = 'signup' | 'invite' | 'magiclink' | 'recovery' | 'email_change' | 'email' | (string & {});
export type ResendParams = {
    type: Extract<EmailOtpType, 'signup' | 'email_change'>;
    email: string;
    options?: {
        emailRedirectTo?: string;
        captchaToken?: string;
    };
} | {
    type: Extract<MobileOtpType, 'sms' | 'phone_change'>;
    phone: string;
    options?: {
        captchaToken?: string;
    };
};
export type SignInWithSSO = {
    providerId: string;
    options?: {
        redirectTo?: string;
        captchaToken?: string;
        skipBrowserRedirect?: boolean;
    };
} | {
    domain: string;
    options?: {
        redirectTo?: string;
        captchaToken?: string;
        skipBrowserRedirect?: boolean;
    };
};
export type GenerateSignupLinkParams = {
    type: 'signup';
    email: string;
    password: string;
    options?: Pick<GenerateLinkOptions, 'data' | 'redirectTo'>;
};
export type GenerateInviteOrMagiclinkParams = {
    type: 'invite' | 'magiclink';
    email: string;
    options?: Pick<GenerateLinkOptions, 'data' | 'redirectTo'>;
};
export type GenerateRecoveryLinkParams = {
    type: 'recovery';
    email: string;
    options?: Pick<GenerateLinkOptions, 'redirectTo'>;
};
export type GenerateEmailChangeLinkParams = {
    type: 'email_change_current' | 'email_change_new';
    email: string;
    newEmail: string;
    options?: Pick<GenerateLinkOptions, 'redirectTo'>;
};
export interface GenerateLinkOptions {
    data?: object;
    redirectTo?: string;
}
export type GenerateLinkParams = GenerateSignupLinkParams | GenerateInviteOrMagiclinkParams | GenerateRecoveryLinkParams | GenerateEmailChangeLinkParams;
export type GenerateLinkResponse = RequestResultSafeDestructure<{
    properties: GenerateLinkProperties;
    user: User;
}>;
export type GenerateLinkProperties = {
    action_link: string;
    email_otp: string;
    hashed_token: string;
    redirect_to: string;
    verification_type: GenerateLinkType;
};
export type GenerateLinkType = 'signup' | 'invite' | 'magiclink' | 'recovery' | 'email_change_current' | 'email_change_new';
export type MFAEnrollParams = MFAEnrollTOTPParams | MFAEnrollPhoneParams | MFAEnrollWebauthnParams;
export type MFAUnenrollParams = {
    factorId: string;
};
type MFAVerifyParamsBase = {
    factorId: string;
    challengeId: string;
};
type MFAVerifyTOTPParamFields = {
    code: string;
};
export type MFAVerifyTOTPParams = MFAVerifyParamsBase & MFAVerifyTOTPParamFields;
type MFAVerifyPhoneParamFields = MFAVerifyTOTPParamFields;
export type MFAVerifyPhoneParams = MFAVerifyParamsBase & MFAVerifyPhoneParamFields;
type MFAVerifyWebauthnParamFieldsBase = {
    rpId: string;
    rpOrigins?: string[];
};
type MFAVerifyWebauthnCredentialParamFields<T extends 'create' | 'request' = 'create' | 'request'> = {
    type: T;
    credential_response: T extends 'create' ? RegistrationCredential : AuthenticationCredential;
};
export type MFAVerifyWebauthnParamFields<T extends 'create' | 'request' = 'create' | 'request'> = {
    webauthn: MFAVerifyWebauthnParamFieldsBase & MFAVerifyWebauthnCredentialParamFields<T>;
};
export type MFAVerifyWebauthnParams<T extends 'create' | 'request' = 'create' | 'request'> = MFAVerifyParamsBase & MFAVerifyWebauthnParamFields<T>;
export type MFAVerifyParams = MFAVerifyTOTPParams | MFAVerifyPhoneParams | MFAVerifyWebauthnParams;
type MFAChallengeParamsBase = {
    factorId: string;
};
declare const MFATOTPChannels: readonly ["sms", "whatsapp"];
export type MFATOTPChannel = (typeof MFATOTPChannels)[number];
export type MFAChallengeTOTPParams = MFAChallengeParamsBase;
type MFAChallengePhoneParamFields<Channel extends MFATOTPChannel = MFATOTPChannel> = {
    channel: Channel;
};
export type MFAChallengePhoneParams = MFAChallengeParamsBase & MFAChallengePhoneParamFields;
type MFAChallengeWebauthnParamFields = {
    webauthn: {
        rpId: string;
        rpOrigins?: string[];
    };
};
export type MFAChallengeWebauthnParams = MFAChallengeParamsBase & MFAChallengeWebauthnParamFields;
export type MFAChallengeParams = MFAChallengeTOTPParams | MFAChallengePhoneParams | MFAChallengeWebauthnParams;
type MFAChallengeAndVerifyParamsBase = Omit<MFAVerifyParamsBase, 'challengeId'>;
type MFAChallengeAndVerifyTOTPParamFields = MFAVerifyTOTPParamFields;
type MFAChallengeAndVerifyTOTPParams = MFAChallengeAndVerifyParamsBase & MFAChallengeAndVerifyTOTPParamFields;
export type MFAChallengeAndVerifyParams = MFAChallengeAndVerifyTOTPParams;
export type AuthMFAVerifyResponseData = {
    access_token: string;
    token_type: 'bearer';
    expires_in: number;
    refresh_token: string;
    user: User;
};
export type AuthMFAVerifyResponse = RequestResult<AuthMFAVerifyResponseData>;
export type AuthMFAEnrollResponse = AuthMFAEnrollTOTPResponse | AuthMFAEnrollPhoneResponse | AuthMFAEnrollWebauthnResponse;
export type AuthMFAUnenrollResponse = RequestResult<{
    id: string;
}>;
export type MFARecoveryCodesGenerateParams = {
    friendlyName?: string;
};
export type MFARecoveryCodesVerifyParams = {
    code: string;
};
export type AuthMFARecoveryCodesStatusResponseData = {
    id: string;
    type: 'recovery_code';
    total: number;
    remaining: number;
};
export type AuthMFARecoveryCodesStatusResponse = RequestResult<AuthMFARecoveryCodesStatusResponseData>;
export type AuthMFARecoveryCodesGenerateResponseData = {
    id: string;
    type: 'recovery_code';
    friendly_name?: string;
    total: number;
    codes: string[];
};
export type AuthMFARecoveryCodesGenerateResponse = RequestResult<AuthMFARecoveryCodesGenerateResponseData>;
type AuthMFAChallengeResponseBase<T extends FactorType> = {
    id: string;
    type: T;
    expires_at: number;
};
type AuthMFAChallengeTOTPResponseFields = {};
export type AuthMFAChallengeTOTPResponse = RequestResult<AuthMFAChallengeResponseBase<'totp'> & AuthMFAChallengeTOTPResponseFields>;
type AuthMFAChallengePhoneResponseFields = {};
export type AuthMFAChallengePhoneResponse = RequestResult<AuthMFAChallengeResponseBase<'phone'> & AuthMFAChallengePhoneResponseFields>;
type AuthMFAChallengeWebauthnResponseFields = {
    webauthn: {
        type: 'create';
        credential_options: {
            publicKey: PublicKeyCredentialCreationOptionsFuture;
        };
    } | {
        type: 'request';
        credential_options: {
            publicKey: PublicKeyCredentialRequestOptionsFuture;
        };
    };
};
export type AuthMFAChallengeWebauthnResponse = RequestResult<AuthMFAChallengeResponseBase<'webauthn'> & AuthMFAChallengeWebauthnResponseFields>;
type AuthMFAChallengeWebauthnResponseFieldsJSON = {
    webauthn: {
        type: 'create';
        credential_options: {
            publicKey: ServerCredentialCreationOptions;
        };
    } | {
        type: 'request';
        credential_options: {
            publicKey: ServerCredentialRequestOptions;
        };
    };
};
export type AuthMFAChallengeWebauthnResponseDataJSON = AuthMFAChallengeResponseBase<'webauthn'> & AuthMFAChallengeWebauthnResponseFieldsJSON;
export type AuthMFAChallengeWebauthnServerResponse = RequestResult<AuthMFAChallengeWebauthnResponseDataJSON>;
export type AuthMFAChallengeResponse = AuthMFAChallengeTOTPResponse | AuthMFAChallengePhoneResponse | AuthMFAChallengeWebauthnResponse;
export type AuthMFAListFactorsResponse<T extends typeof FactorTypes = typeof FactorTypes> = RequestResult<{
    all: Factor[];
} & {
    [K in T[number]]: Factor<K, 'verified'>[];
}>;
export type AuthenticatorAssuranceLevels = 'aal1' | 'aal2' | (string & {});
export type AuthMFAGetAuthenticatorAssuranceLevelResponse = RequestResult<{
    currentLevel: AuthenticatorAssuranceLevels | null;
    nextLevel: AuthenticatorAssuranceLevels | null;
    currentAuthenticationMethods: AMREntry[] | string[];
}>;
export interface AuthMFARecoveryCodesApi {
    getStatus(): Promise<AuthMFARecoveryCodesStatusResponse>;
    generate(params?: MFARecoveryCodesGenerateParams): Promise<AuthMFARecoveryCodesGenerateResponse>;
    verify(params: MFARecoveryCodesVerifyParams): Promise<AuthMFAVerifyResponse>;
    regenerate(): Promise<AuthMFARecoveryCodesGenerateResponse>;
    unenroll(): Promise<AuthMFAUnenrollResponse>;
}
export interface GoTrueMFAApi {
    enroll(params: MFAEnrollTOTPParams): Promise<AuthMFAEnrollTOTPResponse>;
    enroll(params: MFAEnrollPhoneParams): Promise<AuthMFAEnrollPhoneResponse>;
    enroll(params: MFAEnrollWebauthnParams): Promise<AuthMFAEnrollWebauthnResponse>;
    enroll(params: MFAEnrollParams): Promise<AuthMFAEnrollResponse>;
    challenge(params: MFAChallengeTOTPParams): Promise<Prettify<AuthMFAChallengeTOTPResponse>>;
    challenge(params: MFAChallengePhoneParams): Promise<Prettify<AuthMFAChallengePhoneResponse>>;
    challenge(params: MFAChallengeWebauthnParams): Promise<Prettify<AuthMFAChallengeWebauthnResponse>>;
    challenge(params: MFAChallengeParams): Promise<AuthMFAChallengeResponse>;
    verify(params: MFAVerifyTOTPParams): Promise<AuthMFAVerifyResponse>;
    verify(params: MFAVerifyPhoneParams): Promise<AuthMFAVerifyResponse>;
    verify(params: MFAVerifyWebauthnParams): Promise<AuthMFAVerifyResponse>;
    verify(params: MFAVerifyParams): Promise<AuthMFAVerifyResponse>;
    unenroll(params: MFAUnenrollParams): Promise<AuthMFAUnenrollResponse>;
    challengeAndVerify(params: MFAChallengeAndVerifyParams): Promise<AuthMFAVerifyResponse>;
    listFactors(): Promise<AuthMFAListFactorsResponse>;
    getAuthenticatorAssuranceLevel(jwt?: string): Promise<AuthMFAGetAuthenticatorAssuranceLevelResponse>;
    webauthn: WebAuthnApi;
    recoveryCodes: AuthMFARecoveryCodesApi;
}
export type AuthMFAAdminDeleteFactorResponse = RequestResult<{
    id: string;
}>;
export type AuthMFAAdminDeleteFactorParams = {
    id: string;
    userId: string;
};
export type AuthMFAAdminListFactorsResponse = RequestResult<{
    factors: Factor[];
}>;
export type AuthMFAAdminListFactorsParams = {
    userId: string;
};
export interface GoTrueAdminMFAApi {
    listFactors(params: AuthMFAAdminListFactorsParams): Promise<AuthMFAAdminListFactorsResponse>;
    deleteFactor(params: AuthMFAAdminDeleteFactorParams): Promise<AuthMFAAdminDeleteFactorResponse>;
}
type AnyFunction = (...args: any[]) => any;
type MaybePromisify<T> = T | Promise<T>;
type PromisifyMethods<T> = {
    [K in keyof T]: T[K] extends AnyFunction ? (...args: Parameters<T[K]>) => MaybePromisify<ReturnType<T[K]>> : T[K];
};
export type SupportedStorage = PromisifyMethods<Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>> & {
    isServer?: boolean;
};
export type InitializeResult = {
    error: AuthError | null;
};
export type CallRefreshTokenResult = RequestResult<Session>;
export type Pagination = {
    [key: string]: any;
    nextPage: number | null;
    lastPage: number;
    total: number;
};
export type PageParams = {
    page?: number;
    perPage?: number;
};
export type SignOut = {
    scope?: 'global' | 'local' | 'others';
};
type MFAEnrollParamsBase<T extends FactorType> = {
    factorType: T;
    friendlyName?: string;
};
type MFAEnrollTOTPParamFields = {
    issuer?: string;
};
export type MFAEnrollTOTPParams = MFAEnrollParamsBase<'totp'> & MFAEnrollTOTPParamFields;
type MFAEnrollPhoneParamFields = {
    phone: string;
};
export type MFAEnrollPhoneParams = MFAEnrollParamsBase<'phone'> & MFAEnrollPhoneParamFields;
type MFAEnrollWebauthnFields = {};
export type MFAEnrollWebauthnParams = MFAEnrollParamsBase<'webauthn'> & MFAEnrollWebauthnFields;
type AuthMFAEnrollResponseBase<T extends FactorType> = {
    id: string;
    type: T;
    friendly_name?: string;
};
type AuthMFAEnrollTOTPResponseFields = {
    totp: {
        qr_code: string;
        secret: string;
        uri: string;
    };
};
export type AuthMFAEnrollTOTPResponse = RequestResult<AuthMFAEnrollResponseBase<'totp'> & AuthMFAEnrollTOTPResponseFields>;
type AuthMFAEnrollPhoneResponseFields = {
    phone: string;
};
export type AuthMFAEnrollPhoneResponse = RequestResult<AuthMFAEnrollResponseBase<'phone'> & AuthMFAEnrollPhoneResponseFields>;
type AuthMFAEnrollWebauthnFields = {};
export type AuthMFAEnrollWebauthnResponse = RequestResult<AuthMFAEnrollResponseBase<'webauthn'> & AuthMFAEnrollWebauthnFields>;
export type JwtHeader = {
    alg: 'RS256' | 'ES256' | 'HS256' | (string & {});
    kid: string;
    typ: string;
};
export type RequiredClaims = {
    iss: string;
    sub: string;
    aud: string | string[];
    exp: number;
    iat: number;
    role: string;
    aal: AuthenticatorAssuranceLevels;
    session_id: string;
};
export interface JwtPayload extends RequiredClaims {
    email?: string;
    phone?: string;
    is_anonymous?: boolean;
    jti?: string;
    nbf?: number;
    app_metadata?: UserAppMetadata;
    user_metadata?: UserMetadata;
    amr?: AMREntry[] | string[];
    ref?: string;
    [key: string]: any;
}
export interface JWK {
    kty: 'RSA' | 'EC' | 'oct' | (string & {});
    key_ops: string[];
    alg?: string;
    kid?: string;
    [key: string]: any;
}
declare const SIGN_OUT_SCOPES: readonly ["global", "local", "others"];
export type SignOutScope = (typeof SIGN_OUT_SCOPES)[number];

export {}
