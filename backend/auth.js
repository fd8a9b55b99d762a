'use strict'
// GoTrue-like auth endpoints (MemFire flavour: wechat_mini, wechat_qr), state kept in PostgreSQL auth.* tables.
// Statuses, error codes and bodies follow GoTrue (see /work/shared/research/gotrue.md §1.4, §1.5, §2).
const crypto = require('node:crypto')
const http = require('node:http')
const jwt = require('./jwt')
const { randomString } = require('./wechat')

const { ApiError, bearerToken, parseJson, send, sendApiError, stringify } = require('./http-util')
const { withTx } = require('./db')
const { compileAllowList, resolveRedirect } = require('./redirect')
const { createMfa } = require('./auth-mfa')
const { createIdentity } = require('./auth-identity')

const RT_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const newRefreshToken = () => randomString(12, RT_ALPHABET)
const LOGOUT_SCOPES = ['global', 'local', 'others']
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// GoTrue's (HTML spec) address check; GoTrue lower-cases the address.
const EMAIL_RE =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/
const PHONE_RE = /^[1-9]\d{1,14}$/
// A mainland China mobile number written without its country code.
const MAINLAND_MOBILE_RE = /^1[3-9]\d{9}$/
const MAX_MESSAGES = 1000 // captured SMS/email: the newest are kept
// Header of the backend's own calls to the fake WeChat (see index.js): faults leave them alone.
const INTERNAL_HEADERS = { 'x-sbwx-internal': '1' }

const OTP_TTL_MS = 5 * 60 * 1000 // OTP codes: 6 digits, 5 minutes, single use
const FLOW_STATE_TTL_MS = 5 * 60 * 1000 // GoTrue FlowStateExpiryDuration
const OAUTH_STATE_TTL_MS = 10 * 60 * 1000 // time to scan the QR code
const MIN_PASSWORD_LENGTH = 6
const DEFAULT_WECHAT_WEB = { appid: 'wx00000000000000w1', secret: 'web0123456789abcdef0123456789abcd' }
const OAUTH_PROVIDERS = ['wechat_qr']
const VERIFY_TYPES = ['signup', 'invite', 'magiclink', 'recovery', 'email_change', 'email', 'sms', 'phone_change']
const RESEND_TYPES = ['signup', 'email_change', 'sms', 'phone_change']
// Which one-time-token rows a /verify type may consume.
const VERIFY_TOKEN_TYPES = {
  signup: ['confirmation_token'],
  invite: ['confirmation_token'],
  magiclink: ['recovery_token'],
  recovery: ['recovery_token'],
  email: ['confirmation_token', 'recovery_token'],
  email_change: ['email_change_token_new'],
  sms: ['confirmation_token'],
  phone_change: ['phone_change_token'],
}
// GoTrue oauthErrorMap: status -> OAuth `error` in redirect URLs.
const OAUTH_ERROR_BY_STATUS = {
  400: 'invalid_request',
  401: 'unauthorized_client',
  403: 'access_denied',
  500: 'server_error',
  503: 'temporarily_unavailable',
}

const iso = (d) => (d == null ? undefined : new Date(d).toISOString())
const str = (v) => (typeof v === 'string' ? v : v == null ? '' : String(v))
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
const tokenHash = (relatesTo, code) => crypto.createHash('sha224').update(`${relatesTo}${code}`).digest('hex')
const otpCode = () => String(crypto.randomInt(0, 1000000)).padStart(6, '0')

function identityJson(r) {
  const o = {
    identity_id: r.id,
    id: r.provider_id,
    user_id: r.user_id,
    identity_data: r.identity_data,
    provider: r.provider,
    last_sign_in_at: iso(r.last_sign_in_at),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  }
  if (r.email) o.email = r.email
  if (o.last_sign_in_at === undefined) delete o.last_sign_in_at
  return o
}

// GoTrue's User JSON (optional timestamps and pending changes omitted when unset) + MemFire's wechat_id/wechat_unionid.
function userJson(u, identities) {
  const o = { id: u.id, aud: u.aud, role: u.role, email: u.email || '' }
  const opt = (k, v) => {
    if (v !== undefined && v !== null) o[k] = v
  }
  opt('email_confirmed_at', iso(u.email_confirmed_at))
  o.phone = u.phone || ''
  opt('phone_confirmed_at', iso(u.phone_confirmed_at))
  o.wechat_id = u.wechat_openid || ''
  o.wechat_unionid = u.wechat_unionid || ''
  opt('confirmation_sent_at', iso(u.confirmation_sent_at))
  opt('confirmed_at', iso(u.confirmed_at))
  opt('recovery_sent_at', iso(u.recovery_sent_at))
  opt('new_email', u.email_change || undefined)
  opt('email_change_sent_at', iso(u.email_change_sent_at))
  opt('new_phone', u.phone_change || undefined)
  opt('phone_change_sent_at', iso(u.phone_change_sent_at))
  opt('reauthentication_sent_at', iso(u.reauthentication_sent_at))
  opt('last_sign_in_at', iso(u.last_sign_in_at))
  o.app_metadata = u.raw_app_meta_data || {}
  o.user_metadata = u.raw_user_meta_data || {}
  o.identities = identities.map(identityJson)
  o.created_at = iso(u.created_at)
  o.updated_at = iso(u.updated_at)
  o.is_anonymous = !!u.is_anonymous
  if (u.banned_until) o.banned_until = iso(u.banned_until)
  return o
}

function getJson(target) {
  return new Promise((resolve, reject) => {
    const r = http.get(target, { agent: false, timeout: 10000, headers: INTERNAL_HEADERS }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        } catch (e) {
          reject(e)
        }
      })
      res.on('error', reject)
    })
    r.on('timeout', () => r.destroy(new Error('timeout')))
    r.on('error', reject)
  })
}

// ---- validation (GoTrue messages) ----
function validateEmail(email) {
  const e = str(email).trim()
  if (!e) throw new ApiError(400, 'validation_failed', 'An email address is required')
  if (e.length > 255) throw new ApiError(400, 'validation_failed', 'An email address is too long')
  if (!EMAIL_RE.test(e)) throw new ApiError(400, 'validation_failed', 'Unable to validate email address: invalid format')
  return e.toLowerCase()
}

// The one stored form of a phone number, GoTrue's: country code + number in digits, no '+' and no spaces
// ('8613900000001'). Input may be '+86 139…', '86139…', or a bare 11-digit mainland mobile number ('139…'),
// which is read as +86 (so a +1 number must be written with '+' or as '1…' with 11 digits not matching 1[3-9]…).
// Every lookup (signup, password grant, OTP, verify, resend, PUT /user, bind_phone) goes through this.
function normalizePhone(phone) {
  const raw = str(phone).trim().replace(/\s/g, '')
  const digits = raw.replace(/^\+/, '')
  if (!raw.startsWith('+') && MAINLAND_MOBILE_RE.test(digits)) return `86${digits}`
  return digits
}
function validatePhone(phone) {
  const p = normalizePhone(phone)
  if (!PHONE_RE.test(p)) throw new ApiError(400, 'validation_failed', 'Invalid phone number format (E.164 required)')
  return p
}

function checkPasswordStrength(password) {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    const e = new ApiError(422, 'weak_password', `Password should be at least ${MIN_PASSWORD_LENGTH} characters.`)
    e.extra = { weak_password: { reasons: ['length'] } } // shape D: A or B plus weak_password
    throw e
  }
}

function pkceParams(challenge, method) {
  const c = str(challenge)
  const m = str(method).toLowerCase()
  if (!c && !m) return null
  if (!c || !m) throw new ApiError(400, 'validation_failed', 'PKCE flow requires code_challenge_method and code_challenge')
  if (m !== 's256' && m !== 'plain')
    throw new ApiError(400, 'validation_failed', `code challenge method not supported: ${method}`)
  if (c.length < 43 || c.length > 128)
    throw new ApiError(400, 'validation_failed', 'code challenge has to be between 43 and 128 characters')
  return { codeChallenge: c, codeChallengeMethod: m }
}

function createAuth(ctx) {
  // ctx: { pool, cfg, now(): ms, baseUrl(): string, wechatApiBase(): string }
  const { pool, cfg } = ctx
  const nowDate = () => new Date(ctx.now())
  const nowSec = () => Math.floor(ctx.now() / 1000)
  // cfg.autoconfirm (default true) covers email and phone; cfg.mailerAutoconfirm / cfg.phoneAutoconfirm override.
  const autoconfirmDefault = () => (cfg.autoconfirm === undefined ? true : !!cfg.autoconfirm)
  const mailerAutoconfirm = () => (cfg.mailerAutoconfirm === undefined ? autoconfirmDefault() : !!cfg.mailerAutoconfirm)
  const phoneAutoconfirm = () => (cfg.phoneAutoconfirm === undefined ? autoconfirmDefault() : !!cfg.phoneAutoconfirm)
  const wechatWeb = () => ({ ...DEFAULT_WECHAT_WEB, ...(cfg.wechatWeb || {}) })
  const wechatApiBase = () => (ctx.wechatApiBase ? ctx.wechatApiBase() : `${ctx.baseUrl()}/wechat`)

  // ---- captured outgoing SMS / email (read through GET /_control/messages) ----
  const messages = []
  function capture(to, channel, kind, token) {
    const m = { to, channel, kind, token, sent_at: nowDate().toISOString() }
    messages.push(m)
    if (messages.length > MAX_MESSAGES) messages.splice(0, messages.length - MAX_MESSAGES)
    return crypto.randomUUID()
  }

  // GoTrue's send frequency limit (GOTRUE_SMS_MAX_FREQUENCY / GOTRUE_SMTP_MAX_FREQUENCY): a code of the same kind
  // (the user's confirmation_sent_at, recovery_sent_at, ... timestamp) is sent at most once per cfg.smsCooldownSec
  // (default 60; 0 = off) on the virtual clock. The seconds left are truncated, as GoTrue does.
  function checkCooldown(sentAt, channel) {
    const sec = cfg.smsCooldownSec == null ? 60 : Number(cfg.smsCooldownSec)
    if (!sentAt || !(sec > 0)) return
    const leftMs = new Date(sentAt).getTime() + sec * 1000 - ctx.now()
    if (leftMs <= 0) return
    const code = channel === 'email' ? 'over_email_send_rate_limit' : 'over_sms_send_rate_limit'
    throw new ApiError(429, code, `For security purposes, you can only request this after ${Math.floor(leftMs / 1000)} seconds.`)
  }

  // auth.mfa: /factors (backend/auth-mfa.js); users carry their `factors`.
  const mfa = createMfa({ pool, cfg, now: ctx.now, authenticate, sessionBody, insertRefreshToken, capture, siteUrl })

  async function loadUser(db, userId) {
    const u = (await db.query('select * from auth.users where id = $1', [userId])).rows[0]
    if (!u) return null
    const ids = (await db.query('select * from auth.identities where user_id = $1 order by created_at, id', [userId])).rows
    return { row: u, json: await mfa.attachFactors(db, userJson(u, ids)) }
  }

  const isBanned = (u) => u.banned_until && new Date(u.banned_until).getTime() > ctx.now()

  async function createSession(db, userId, method, req) {
    const t = nowDate()
    const s = (
      await db.query(
        `insert into auth.sessions (user_id, created_at, updated_at, aal, user_agent, ip)
       values ($1, $2, $2, 'aal1', $3, $4) returning *`,
        [userId, t, (req && req.headers['user-agent']) || null, '127.0.0.1'],
      )
    ).rows[0]
    await db.query(
      `insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method)
       values ($1, $2, $2, $3)`,
      [s.id, t, method],
    )
    const rt = await insertRefreshToken(db, userId, s.id, null)
    return { session: s, refreshToken: rt }
  }

  async function insertRefreshToken(db, userId, sessionId, parent) {
    const t = nowDate()
    return (
      await db.query(
        `insert into auth.refresh_tokens (token, user_id, session_id, parent, revoked, created_at, updated_at)
       values ($1, $2, $3, $4, false, $5, $5) returning *`,
        [newRefreshToken(), userId, sessionId, parent, t],
      )
    ).rows[0]
  }

  async function accessTokenFor(db, user, sessionId) {
    // models.Session.CalculateAALAndAMR: the session's aal; its claims most recent first, each at its updated_at.
    const amrRows = (
      await db.query(
        'select authentication_method, updated_at from auth.mfa_amr_claims where session_id = $1 order by updated_at desc, created_at desc',
        [sessionId],
      )
    ).rows
    const sessionRow = (await db.query('select aal from auth.sessions where id = $1', [sessionId])).rows[0]
    const iat = nowSec()
    const exp = iat + cfg.jwtExpiry
    const claims = {
      iss: `${ctx.baseUrl()}/auth/v1`,
      sub: user.id,
      aud: user.aud || 'authenticated',
      exp,
      iat,
      email: user.email || '',
      phone: user.phone || '',
      app_metadata: user.raw_app_meta_data || {},
      user_metadata: user.raw_user_meta_data || {},
      role: user.role || 'authenticated',
      aal: (sessionRow && sessionRow.aal) || 'aal1',
      amr: amrRows.map((r) => ({
        method: r.authentication_method,
        timestamp: Math.floor(new Date(r.updated_at).getTime() / 1000),
      })),
      session_id: sessionId,
      is_anonymous: !!user.is_anonymous,
    }
    return { token: jwt.sign(claims, cfg.jwtSecret), exp }
  }

  async function sessionBody(db, userId, sessionId, refreshToken) {
    const user = await loadUser(db, userId)
    const at = await accessTokenFor(db, user.row, sessionId)
    return {
      access_token: at.token,
      token_type: 'bearer',
      expires_in: cfg.jwtExpiry,
      expires_at: at.exp,
      refresh_token: refreshToken,
      user: user.json,
    }
  }

  // Sign-in bookkeeping + a new session; returns the token response body.
  async function signIn(db, userId, method, req, provider) {
    const t = nowDate()
    await db.query('update auth.users set last_sign_in_at = $2, updated_at = $2 where id = $1', [userId, t])
    if (provider) {
      await db.query('update auth.identities set last_sign_in_at = $3, updated_at = $3 where user_id = $1 and provider = $2', [
        userId,
        provider,
        t,
      ])
    }
    const { session, refreshToken } = await createSession(db, userId, method, req)
    return sessionBody(db, userId, session.id, refreshToken.token)
  }

  // ---- users, identities, one-time tokens ----
  const findUserByEmail = async (db, email, lock) =>
    (await db.query(`select * from auth.users where email = $1 and is_sso_user = false${lock ? ' for update' : ''}`, [email]))
      .rows[0]
  const findUserByPhone = async (db, phone, lock) =>
    (await db.query(`select * from auth.users where phone = $1${lock ? ' for update' : ''}`, [phone])).rows[0]

  async function passwordMatches(db, userId, password) {
    const r = await db.query(
      `select encrypted_password is not null and encrypted_password <> ''
              and encrypted_password = extensions.crypt($2, encrypted_password) as ok
       from auth.users where id = $1`,
      [userId, password],
    )
    return !!(r.rows[0] && r.rows[0].ok)
  }

  async function addProvider(db, userId, provider) {
    await db.query(
      `update auth.users set raw_app_meta_data = jsonb_set(
         case when raw_app_meta_data ? 'provider' then raw_app_meta_data else raw_app_meta_data || jsonb_build_object('provider', $2::text) end,
         '{providers}',
         case when coalesce(raw_app_meta_data -> 'providers', '[]'::jsonb) ? $2 then coalesce(raw_app_meta_data -> 'providers', '[]'::jsonb)
              else coalesce(raw_app_meta_data -> 'providers', '[]'::jsonb) || to_jsonb($2::text) end)
       where id = $1`,
      [userId, provider],
    )
  }

  // The email/phone identity of a user (provider_id = user id, as GoTrue does), created or updated.
  async function upsertContactIdentity(db, userId, provider, data) {
    const t = nowDate()
    const cur = (await db.query('select * from auth.identities where user_id = $1 and provider = $2', [userId, provider])).rows[0]
    if (cur) {
      await db.query('update auth.identities set identity_data = identity_data || $2::jsonb, updated_at = $3 where id = $1', [
        cur.id,
        data,
        t,
      ])
    } else {
      await db.query(
        `insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
         values ($1::text, $1::uuid, $2, $3, $4, $4)`,
        [userId, { sub: userId, ...data }, provider, t],
      )
    }
    await addProvider(db, userId, provider)
  }

  // A user signing up with email or phone (password optional: OTP sign-ups have none).
  async function createContactUser(db, { email, phone, password, data, confirmed, anonymous }) {
    const t = nowDate()
    const provider = anonymous ? 'anonymous' : email ? 'email' : 'phone'
    let u
    try {
      u = (
        await db.query(
          `insert into auth.users (aud, role, email, phone, encrypted_password, email_confirmed_at, phone_confirmed_at,
                                 raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous)
         values ('authenticated', 'authenticated', $1, $2,
                 case when $3::text is null then null else extensions.crypt($3::text, extensions.gen_salt('bf')) end,
                 $4, $5, $6, $7, $8, $8, $9) returning *`,
          [
            email || null,
            phone || null,
            password || null,
            email && confirmed ? t : null,
            phone && confirmed ? t : null,
            { provider, providers: anonymous ? [] : [provider] },
            isObject(data) ? data : {},
            t,
            !!anonymous,
          ],
        )
      ).rows[0]
    } catch (e) {
      if (e.code === '23505') throw new ApiError(422, 'user_already_exists', 'User already registered')
      throw e
    }
    if (!anonymous) {
      const idData = email
        ? { sub: u.id, email, email_verified: !!confirmed, phone_verified: false }
        : { sub: u.id, phone, email_verified: false, phone_verified: !!confirmed }
      await db.query(
        `insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
         values ($1::text, $1::uuid, $2, $3, $4, $4)`,
        [u.id, idData, provider, t],
      )
    }
    return u
  }

  // A fresh 6-digit code replacing any earlier one of the same kind for that address.
  async function issueOtp(db, userId, tokenType, relatesTo) {
    const code = otpCode()
    const t = nowDate()
    await db.query(
      `insert into auth.one_time_tokens (user_id, token_type, token_hash, relates_to, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $5)
       on conflict (user_id, token_type, relates_to) do update set token_hash = excluded.token_hash,
         created_at = excluded.created_at, updated_at = excluded.updated_at`,
      [userId, tokenType, tokenHash(relatesTo, code), relatesTo, t],
    )
    return code
  }

  // Consumes a valid (unexpired) code; returns the consumed row or null.
  async function consumeOtp(db, userId, tokenTypes, relatesTo, code) {
    const row = (
      await db.query(
        `delete from auth.one_time_tokens where id = (
         select id from auth.one_time_tokens
         where user_id = $1 and token_type = any($2) and relates_to = $3 and token_hash = $4 and created_at >= $5
         order by created_at desc limit 1)
       returning *`,
        [userId, tokenTypes, relatesTo, tokenHash(relatesTo, code), new Date(ctx.now() - OTP_TTL_MS)],
      )
    ).rows[0]
    return row || null
  }

  async function sendConfirmation(db, user, via, kind, channel) {
    checkCooldown(user.confirmation_sent_at, via === 'email' ? 'email' : 'sms')
    const code = await issueOtp(db, user.id, 'confirmation_token', via === 'email' ? user.email : user.phone)
    await db.query('update auth.users set confirmation_sent_at = $2 where id = $1', [user.id, nowDate()])
    return via === 'email' ? capture(user.email, 'email', kind, code) : capture(user.phone, channel || 'sms', kind, code)
  }

  async function sendRecovery(db, user, kind) {
    checkCooldown(user.recovery_sent_at, 'email')
    const code = await issueOtp(db, user.id, 'recovery_token', user.email)
    await db.query('update auth.users set recovery_sent_at = $2 where id = $1', [user.id, nowDate()])
    return capture(user.email, 'email', kind, code)
  }

  async function sendEmailChange(db, user, newEmail) {
    checkCooldown(user.email_change_sent_at, 'email')
    const code = await issueOtp(db, user.id, 'email_change_token_new', newEmail)
    await db.query('update auth.users set email_change = $2, email_change_sent_at = $3 where id = $1', [
      user.id,
      newEmail,
      nowDate(),
    ])
    return capture(newEmail, 'email', 'email_change', code)
  }

  async function sendPhoneChange(db, user, newPhone, channel) {
    checkCooldown(user.phone_change_sent_at, 'sms')
    const code = await issueOtp(db, user.id, 'phone_change_token', newPhone)
    await db.query('update auth.users set phone_change = $2, phone_change_sent_at = $3 where id = $1', [
      user.id,
      newPhone,
      nowDate(),
    ])
    return capture(newPhone, channel || 'sms', 'phone_change', code)
  }

  const smsChannel = (c) => (c === 'whatsapp' ? 'whatsapp' : 'sms')

  async function applyEmail(db, userId, email) {
    try {
      await db.query(
        `update auth.users set email = $2, email_confirmed_at = $3, email_change = null,
                email_change_sent_at = null, updated_at = $3 where id = $1`,
        [userId, email, nowDate()],
      )
    } catch (e) {
      if (e.code === '23505')
        throw new ApiError(422, 'email_exists', 'A user with this email address has already been registered')
      throw e
    }
    await upsertContactIdentity(db, userId, 'email', { email, email_verified: true })
  }

  async function applyPhone(db, userId, phone) {
    try {
      await db.query(
        `update auth.users set phone = $2, phone_confirmed_at = $3, phone_change = null, phone_change_sent_at = null,
                updated_at = $3 where id = $1`,
        [userId, phone, nowDate()],
      )
    } catch (e) {
      if (e.code === '23505') throw new ApiError(422, 'phone_exists', 'A user with this phone number has already been registered')
      throw e
    }
    await upsertContactIdentity(db, userId, 'phone', { phone, phone_verified: true })
  }

  // PKCE flow state: an auth code, exchanged once (with its verifier) within 5 minutes by grant_type=pkce.
  async function createFlowState(
    db,
    { userId, provider, codeChallenge, codeChallengeMethod, providerAccessToken, providerRefreshToken, authenticationMethod },
  ) {
    const authCode = crypto.randomUUID()
    const t = nowDate()
    await db.query(
      `insert into auth.flow_state (user_id, auth_code, code_challenge_method, code_challenge, provider_type,
                                    provider_access_token, provider_refresh_token, authentication_method, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
      [
        userId || null,
        authCode,
        str(codeChallengeMethod).toLowerCase(),
        codeChallenge,
        provider,
        providerAccessToken || null,
        providerRefreshToken || null,
        authenticationMethod || 'oauth',
        t,
      ],
    )
    return authCode
  }

  // ---- GET /auth/v1/wechat_mini/login?code= ----
  async function wechatLogin(req, params) {
    const code = params.code
    if (!code) throw new ApiError(400, 'validation_failed', 'wechat code is required')
    let wx
    try {
      const q = new URLSearchParams({
        appid: cfg.wechat.appid,
        secret: cfg.wechat.secret,
        js_code: code,
        grant_type: 'authorization_code',
      })
      wx = await getJson(`${wechatApiBase()}/sns/jscode2session?${q}`)
    } catch (e) {
      throw new ApiError(502, 'wechat_error', `wechat request failed: ${e.message}`)
    }
    const errcode = wx && wx.errcode ? Number(wx.errcode) : 0
    if (errcode !== 0 || !wx.openid) {
      const errmsg = String((wx && wx.errmsg) || 'no openid').replace(/,?\s*rid:.*$/, '')
      if (errcode === 40029) throw new ApiError(400, 'invalid_code', `invalid wechat code: 40029 ${errmsg}`)
      if (errcode === 40163) throw new ApiError(400, 'code_used', `invalid wechat code: 40163 ${errmsg}`)
      throw new ApiError(502, 'wechat_error', `wechat error: ${errcode} ${errmsg}`)
    }
    const openid = String(wx.openid)
    const unionid = wx.unionid ? String(wx.unionid) : null

    return withTx(pool, async (db) => {
      const t = nowDate()
      const appMeta = { provider: 'wechat_mini', providers: ['wechat_mini'] }
      const ins = await db.query(
        `insert into auth.users (aud, role, raw_app_meta_data, raw_user_meta_data, wechat_openid, wechat_unionid,
                                 created_at, updated_at, is_anonymous)
         values ('authenticated', 'authenticated', $1, '{}', $2, $3, $4, $4, false)
         on conflict (wechat_openid) do nothing returning id`,
        [appMeta, openid, unionid, t],
      )
      let userId
      if (ins.rows.length) {
        userId = ins.rows[0].id
        const identityData = { sub: openid, openid }
        if (unionid) identityData.unionid = unionid
        await db.query(
          `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
           values ($1, $2, $3, 'wechat_mini', $4, $4, $4)`,
          [openid, userId, identityData, t],
        )
      } else {
        userId = (await db.query('select id from auth.users where wechat_openid = $1 for update', [openid])).rows[0].id
      }
      const u = (await db.query('select * from auth.users where id = $1', [userId])).rows[0]
      if (isBanned(u)) throw new ApiError(400, 'user_banned', 'User is banned')
      await db.query(
        `update auth.users set last_sign_in_at = $2, updated_at = $2, wechat_unionid = coalesce($3, wechat_unionid)
         where id = $1`,
        [userId, t, unionid],
      )
      await db.query(
        `update auth.identities set last_sign_in_at = $3, updated_at = $3 where provider = 'wechat_mini' and provider_id = $1 and user_id = $2`,
        [openid, userId, t],
      )
      const { session, refreshToken } = await createSession(db, userId, 'wechat_mini', req)
      return sessionBody(db, userId, session.id, refreshToken.token)
    })
  }

  // ---- POST /auth/v1/token?grant_type=... ----
  async function token(req, params, body) {
    const grant = params.grant_type
    if (grant === 'password') return passwordGrant(req, parseJson(body))
    if (grant === 'pkce') return pkceGrant(req, parseJson(body))
    if (grant === 'id_token') return identity.idTokenGrant(req, parseJson(body))
    if (grant !== 'refresh_token') throw new ApiError(400, 'invalid_credentials', 'unsupported_grant_type')
    const data = parseJson(body)
    const rtString = data && typeof data.refresh_token === 'string' ? data.refresh_token : ''
    if (!rtString) {
      throw new ApiError(400, 'validation_failed', 'refresh_token required', {
        error: 'invalid_request',
        error_description: 'refresh_token required',
      })
    }
    return refreshTokenGrant(rtString)
  }

  // grant_type=password: {email|phone, password}.
  async function passwordGrant(req, data) {
    const email = str(data.email).trim()
    const phone = str(data.phone).trim()
    const password = str(data.password)
    if (email && phone)
      throw new ApiError(400, 'validation_failed', 'Only an email address or phone number should be provided on login.')
    if (!email && !phone) throw new ApiError(400, 'validation_failed', 'missing email or phone')
    const invalid = () => new ApiError(400, 'invalid_credentials', 'Invalid login credentials')
    return withTx(pool, async (db) => {
      const user = email ? await findUserByEmail(db, email.toLowerCase()) : await findUserByPhone(db, normalizePhone(phone))
      if (!user) throw invalid()
      if (isBanned(user)) throw new ApiError(400, 'user_banned', 'User is banned')
      if (!password || !(await passwordMatches(db, user.id, password))) throw invalid()
      if (email && !user.email_confirmed_at) throw new ApiError(400, 'email_not_confirmed', 'Email not confirmed')
      if (phone && !user.phone_confirmed_at) throw new ApiError(400, 'phone_not_confirmed', 'Phone not confirmed')
      return signIn(db, user.id, 'password', req, email ? 'email' : 'phone')
    })
  }

  // grant_type=pkce: {auth_code, code_verifier} against auth.flow_state.
  async function pkceGrant(req, data) {
    const authCode = str(data.auth_code)
    const verifier = str(data.code_verifier)
    if (!authCode || !verifier) {
      throw new ApiError(400, 'validation_failed', 'invalid request: both auth code and code verifier should be non-empty')
    }
    return withTx(pool, async (db) => {
      const fs = (await db.query('select * from auth.flow_state where auth_code = $1 for update', [authCode])).rows[0]
      if (!fs || !fs.user_id) throw new ApiError(404, 'flow_state_not_found', 'invalid flow state, no valid flow state found')
      if (new Date(fs.created_at).getTime() + FLOW_STATE_TTL_MS < ctx.now()) {
        throw new ApiError(422, 'flow_state_expired', 'invalid flow state, flow state has expired')
      }
      const computed =
        fs.code_challenge_method === 's256' ? crypto.createHash('sha256').update(verifier).digest('base64url') : verifier
      const a = Buffer.from(computed)
      const b = Buffer.from(fs.code_challenge)
      if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
        throw new ApiError(400, 'bad_code_verifier', 'code challenge does not match previously saved code verifier')
      }
      const user = (await db.query('select * from auth.users where id = $1', [fs.user_id])).rows[0]
      if (!user) throw new ApiError(404, 'user_not_found', 'User not found')
      if (isBanned(user)) throw new ApiError(400, 'user_banned', 'User is banned')
      await db.query('delete from auth.flow_state where id = $1', [fs.id])
      const out = await signIn(db, fs.user_id, fs.authentication_method || 'oauth', req, fs.provider_type)
      if (fs.provider_access_token) out.provider_token = fs.provider_access_token
      if (fs.provider_refresh_token) out.provider_refresh_token = fs.provider_refresh_token
      return out
    })
  }

  function refreshError(status, code, message) {
    return new ApiError(
      status,
      code,
      message,
      cfg.legacyRefreshErrors ? { error: 'invalid_grant', error_description: message } : null,
    )
  }

  // GoTrue v1 (legacy, parent-chain) refresh-token rotation, tokens.Service.RefreshTokenGrant.
  async function refreshTokenGrant(rtString) {
    let familyRevoked = false
    const result = await withTx(pool, async (db) => {
      const first = (await db.query('select session_id, user_id from auth.refresh_tokens where token = $1', [rtString])).rows[0]
      if (!first) throw refreshError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
      const user = (await db.query('select * from auth.users where id = $1', [first.user_id])).rows[0]
      if (!user) throw refreshError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
      if (isBanned(user)) throw refreshError(400, 'user_banned', 'Invalid Refresh Token: User Banned')
      if (!first.session_id) throw refreshError(400, 'session_not_found', 'Invalid Refresh Token: No Valid Session Found')
      // Serialize concurrent refreshes of one session (GoTrue: SELECT ... FOR UPDATE).
      const session = (await db.query('select * from auth.sessions where id = $1 for update', [first.session_id])).rows[0]
      if (!session) throw refreshError(400, 'session_not_found', 'Invalid Refresh Token: No Valid Session Found')
      if (session.not_after && new Date(session.not_after).getTime() <= ctx.now()) {
        throw refreshError(400, 'session_expired', 'Invalid Refresh Token: Session Expired')
      }
      // Re-read after taking the lock.
      const tok = (await db.query('select * from auth.refresh_tokens where token = $1', [rtString])).rows[0]
      if (!tok) throw refreshError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
      const t = nowDate()
      let issued = null
      if (tok.revoked) {
        const active = (
          await db.query('select * from auth.refresh_tokens where session_id = $1 and revoked = false order by id desc limit 1', [
            session.id,
          ])
        ).rows[0]
        if (active && active.parent === tok.token) {
          // The client never stored the previous response: hand back the active token.
          issued = active
        } else {
          const reuseUntil = new Date(tok.updated_at).getTime() + cfg.refreshTokenReuseInterval * 1000
          // Reuse past the interval ends the session, as GoTrue's v2 tokens do (LogoutSession): the row is deleted,
          // its refresh tokens cascade (later refreshes: refresh_token_not_found) and its access tokens get
          // 403 session_not_found. (GoTrue's v1 tokens only revoke the family and keep the session.)
          if (!active || ctx.now() > reuseUntil) {
            await db.query('delete from auth.sessions where id = $1', [session.id])
            familyRevoked = true
            return null // commit the logout, then fail
          }
        }
      }
      if (!issued) {
        // Rotation: revoke (keeping updated_at if it was already revoked) and issue a child.
        if (!tok.revoked) {
          await db.query('update auth.refresh_tokens set revoked = true, updated_at = $2 where id = $1', [tok.id, t])
        }
        issued = await insertRefreshToken(db, tok.user_id, session.id, tok.token)
      }
      await db.query('update auth.sessions set refreshed_at = $2, updated_at = $2 where id = $1', [session.id, t])
      return sessionBody(db, tok.user_id, session.id, issued.token)
    })
    if (familyRevoked) throw refreshError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used')
    return result
  }

  // ---- Bearer authentication (GoTrue requireAuthentication) ----
  async function authenticate(req) {
    const token = bearerToken(req.headers.authorization)
    if (!token) throw new ApiError(401, 'no_authorization', 'This endpoint requires a valid Bearer token')
    let claims
    try {
      claims = jwt.verify(token, cfg.jwtSecret, nowSec())
    } catch (e) {
      throw new ApiError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${e.message}`)
    }
    if (!claims.sub || !UUID_RE.test(claims.sub)) throw new ApiError(403, 'bad_jwt', 'invalid claim: missing sub claim')
    const user = await loadUser(pool, claims.sub)
    if (!user) throw new ApiError(403, 'user_not_found', 'User from sub claim in JWT does not exist')
    let session = null
    if (claims.session_id) {
      if (UUID_RE.test(claims.session_id)) {
        session = (await pool.query('select * from auth.sessions where id = $1', [claims.session_id])).rows[0]
      }
      if (!session) throw new ApiError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist')
    }
    if (isBanned(user.row)) throw new ApiError(403, 'user_banned', 'User is banned')
    return { claims, user, session }
  }

  async function getUser(req) {
    const { user } = await authenticate(req)
    return user.json
  }

  async function logout(req, params) {
    const scope = params.scope === undefined || params.scope === '' ? 'global' : params.scope
    if (!LOGOUT_SCOPES.includes(scope))
      throw new ApiError(400, 'validation_failed', `Unsupported logout scope ${JSON.stringify(scope)}`)
    const { user, session } = await authenticate(req)
    if (!session || scope === 'global') {
      await pool.query('delete from auth.sessions where user_id = $1', [user.row.id])
    } else if (scope === 'local') {
      await pool.query('delete from auth.sessions where id = $1', [session.id])
    } else {
      await pool.query('delete from auth.sessions where user_id = $1 and id <> $2', [user.row.id, session.id])
    }
    return null
  }

  // ---- POST /signup ----
  async function signup(req, _params, body) {
    const data = parseJson(body)
    if (cfg.disableSignup) throw new ApiError(422, 'signup_disabled', 'Signups not allowed for this instance')
    const rawEmail = str(data.email).trim()
    const rawPhone = str(data.phone).trim()
    if (rawEmail && rawPhone)
      throw new ApiError(400, 'validation_failed', 'Only an email address or phone number should be provided on signup.')
    if (!rawEmail && !rawPhone) {
      // GoTrue: no email and no phone = anonymous sign-in.
      if (!cfg.anonymousUsers) throw new ApiError(422, 'anonymous_provider_disabled', 'Anonymous sign-ins are disabled')
      return withTx(pool, async (db) => {
        const u = await createContactUser(db, { data: data.data, anonymous: true })
        return signIn(db, u.id, 'anonymous', req)
      })
    }
    const email = rawEmail ? validateEmail(rawEmail) : ''
    const phone = rawPhone ? validatePhone(rawPhone) : ''
    const password = str(data.password)
    if (!password) throw new ApiError(400, 'validation_failed', 'Signup requires a valid password')
    checkPasswordStrength(password)
    const via = email ? 'email' : 'phone'
    const autoconfirm = via === 'email' ? mailerAutoconfirm() : phoneAutoconfirm()
    return withTx(pool, async (db) => {
      const existing = email ? await findUserByEmail(db, email, true) : await findUserByPhone(db, phone, true)
      let user = existing
      if (existing) {
        const confirmed = via === 'email' ? existing.email_confirmed_at : existing.phone_confirmed_at
        if (confirmed || autoconfirm) {
          if (autoconfirm) throw new ApiError(422, 'user_already_exists', 'User already registered')
          // Autoconfirm off: an obfuscated user, so the response does not reveal that the account exists.
          const t = nowDate().toISOString()
          return {
            id: crypto.randomUUID(),
            aud: 'authenticated',
            role: '',
            email: email || '',
            phone: phone || '',
            confirmation_sent_at: t,
            app_metadata: { provider: via, providers: [via] },
            user_metadata: {},
            identities: [],
            created_at: t,
            updated_at: t,
            is_anonymous: false,
          }
        }
        // Unconfirmed: send the confirmation again (GoTrue does not update the unproven account).
      } else {
        user = await createContactUser(db, { email, phone, password, data: data.data, confirmed: autoconfirm })
      }
      if (autoconfirm) return signIn(db, user.id, 'password', req, via)
      await sendConfirmation(db, user, via, 'signup', smsChannel(data.channel))
      return (await loadUser(db, user.id)).json
    })
  }

  // ---- POST /otp ----
  async function otp(_req, _params, body) {
    const data = parseJson(body)
    const rawEmail = str(data.email).trim()
    const rawPhone = str(data.phone).trim()
    if (rawEmail && rawPhone)
      throw new ApiError(400, 'validation_failed', 'Only an email address or phone number should be provided')
    if (!rawEmail && !rawPhone)
      throw new ApiError(400, 'validation_failed', 'An email address or phone number is required to get a one-time password')
    const createUser = data.create_user !== false
    const email = rawEmail ? validateEmail(rawEmail) : ''
    const phone = rawPhone ? validatePhone(rawPhone) : ''
    return withTx(pool, async (db) => {
      let user = email ? await findUserByEmail(db, email, true) : await findUserByPhone(db, phone, true)
      if (!user) {
        if (!createUser || cfg.disableSignup) throw new ApiError(422, 'otp_disabled', 'Signups not allowed for otp')
        user = await createContactUser(db, { email, phone, data: data.data, confirmed: false })
      }
      if (email) {
        if (user.email_confirmed_at) await sendRecovery(db, user, 'magiclink')
        else await sendConfirmation(db, user, 'email', 'signup')
        return {}
      }
      const messageId = await sendConfirmation(db, user, 'phone', 'otp', smsChannel(data.channel))
      return { message_id: messageId }
    })
  }

  // ---- POST /verify ----
  async function verify(req, _params, body) {
    const data = parseJson(body)
    const type = str(data.type)
    if (!type) throw new ApiError(400, 'validation_failed', 'Verify requires a verification type')
    if (!VERIFY_TYPES.includes(type)) throw new ApiError(400, 'validation_failed', `Unsupported verification type: ${type}`)
    const tokenTypes = VERIFY_TOKEN_TYPES[type]
    const isPhoneType = type === 'sms' || type === 'phone_change'
    const token = str(data.token).trim()
    const hash = str(data.token_hash).trim()
    const expired = () => new ApiError(403, 'otp_expired', 'Token has expired or is invalid')
    if (!token && !hash) throw new ApiError(400, 'validation_failed', 'Verify requires either a token or a token hash')
    return withTx(pool, async (db) => {
      let user
      let consumed
      if (hash && !token) {
        // Links carry the stored token hash (we only ever send codes, but accept it like GoTrue).
        consumed = (
          await db.query(
            `delete from auth.one_time_tokens where id = (
             select id from auth.one_time_tokens where token_hash = $1 and token_type = any($2) and created_at >= $3 limit 1)
           returning *`,
            [hash, tokenTypes, new Date(ctx.now() - OTP_TTL_MS)],
          )
        ).rows[0]
        if (!consumed) throw expired()
        user = (await db.query('select * from auth.users where id = $1 for update', [consumed.user_id])).rows[0]
      } else {
        if (isPhoneType) {
          if (!str(data.phone).trim() || data.email)
            throw new ApiError(400, 'validation_failed', 'Only a phone number should be provided on verify')
        } else if (!str(data.email).trim() || data.phone) {
          throw new ApiError(400, 'validation_failed', 'Only an email address should be provided on verify')
        }
        const addr = isPhoneType ? normalizePhone(data.phone) : str(data.email).trim().toLowerCase()
        if (type === 'email_change') {
          user = (
            await db.query(
              'select * from auth.users where (email_change = $1 or email = $1) and email_change is not null for update',
              [addr],
            )
          ).rows[0]
        } else if (type === 'phone_change') {
          user = (await db.query('select * from auth.users where phone_change = $1 for update', [addr])).rows[0]
        } else {
          user = isPhoneType ? await findUserByPhone(db, addr, true) : await findUserByEmail(db, addr, true)
        }
        if (!user) throw expired()
        const relatesTo = type === 'email_change' ? user.email_change : addr
        consumed = await consumeOtp(db, user.id, tokenTypes, relatesTo, token)
        if (!consumed) throw expired()
      }
      if (!user) throw expired()
      if (isBanned(user)) throw new ApiError(403, 'user_banned', 'User is banned')
      const t = nowDate()
      let provider = null
      switch (consumed.token_type) {
        case 'confirmation_token':
        case 'recovery_token':
          if (isPhoneType) {
            await db.query('update auth.users set phone_confirmed_at = coalesce(phone_confirmed_at, $2) where id = $1', [
              user.id,
              t,
            ])
            await upsertContactIdentity(db, user.id, 'phone', { phone: user.phone, phone_verified: true })
            provider = 'phone'
          } else {
            await db.query('update auth.users set email_confirmed_at = coalesce(email_confirmed_at, $2) where id = $1', [
              user.id,
              t,
            ])
            await upsertContactIdentity(db, user.id, 'email', { email: user.email, email_verified: true })
            provider = 'email'
          }
          break
        case 'email_change_token_new':
          await applyEmail(db, user.id, consumed.relates_to)
          provider = 'email'
          break
        case 'phone_change_token':
          await applyPhone(db, user.id, consumed.relates_to)
          provider = 'phone'
          break
        default:
          throw expired()
      }
      return signIn(db, user.id, 'otp', req, provider)
    })
  }

  // ---- POST /recover ----
  async function recover(_req, _params, body) {
    const data = parseJson(body)
    if (!str(data.email).trim()) throw new ApiError(400, 'validation_failed', 'Password recovery requires an email')
    const email = validateEmail(data.email)
    await withTx(pool, async (db) => {
      const user = await findUserByEmail(db, email, true)
      if (user) await sendRecovery(db, user, 'recovery')
    })
    return {} // also for unknown addresses
  }

  // ---- POST /resend ----
  async function resend(_req, _params, body) {
    const data = parseJson(body)
    const type = str(data.type)
    if (!RESEND_TYPES.includes(type))
      throw new ApiError(400, 'validation_failed', 'Missing one of these types: signup, email_change, sms, phone_change')
    const byEmail = type === 'signup' || type === 'email_change'
    if (byEmail && !str(data.email).trim())
      throw new ApiError(400, 'validation_failed', 'Type provided requires an email address')
    if (!byEmail && !str(data.phone).trim()) throw new ApiError(400, 'validation_failed', 'Type provided requires a phone number')
    const addr = byEmail ? validateEmail(data.email) : validatePhone(data.phone)
    return withTx(pool, async (db) => {
      const user = byEmail ? await findUserByEmail(db, addr, true) : await findUserByPhone(db, addr, true)
      if (!user) return {}
      switch (type) {
        case 'signup':
          if (user.email_confirmed_at) return {}
          await sendConfirmation(db, user, 'email', 'signup')
          return {}
        case 'email_change':
          if (!user.email_change) return {}
          await sendEmailChange(db, user, user.email_change)
          return {}
        case 'sms':
          if (user.phone_confirmed_at) return {}
          return { message_id: await sendConfirmation(db, user, 'phone', 'signup', smsChannel(data.channel)) }
        default: // phone_change
          if (!user.phone_change) return {}
          return { message_id: await sendPhoneChange(db, user, user.phone_change, smsChannel(data.channel)) }
      }
    })
  }

  // ---- GET /reauthenticate ----
  async function reauthenticate(req) {
    const { user } = await authenticate(req)
    const u = user.row
    return withTx(pool, async (db) => {
      let out = {}
      if (u.email) {
        if (!u.email_confirmed_at) throw new ApiError(422, 'email_not_confirmed', 'Please verify your email first.')
        checkCooldown(u.reauthentication_sent_at, 'email')
        const code = await issueOtp(db, u.id, 'reauthentication_token', u.email)
        capture(u.email, 'email', 'reauthentication', code)
      } else if (u.phone) {
        if (!u.phone_confirmed_at) throw new ApiError(422, 'phone_not_confirmed', 'Please verify your phone first.')
        checkCooldown(u.reauthentication_sent_at, 'sms')
        const code = await issueOtp(db, u.id, 'reauthentication_token', u.phone)
        out = { message_id: capture(u.phone, 'sms', 'reauthentication', code) }
      } else {
        throw new ApiError(400, 'validation_failed', 'Reauthentication requires the user to have an email or a phone number')
      }
      await db.query('update auth.users set reauthentication_sent_at = $2 where id = $1', [u.id, nowDate()])
      return out
    })
  }

  // ---- PUT /user ----
  async function updateUser(req, _params, body) {
    const { session, user: auth } = await authenticate(req)
    const data = parseJson(body)
    if (data.app_metadata != null) throw new ApiError(403, 'not_admin', 'Updating user app_metadata is only allowed for admins')
    const email = data.email != null && str(data.email).trim() !== '' ? validateEmail(data.email) : null
    const phone = data.phone != null && str(data.phone).trim() !== '' ? validatePhone(data.phone) : null
    if (data.data != null && !isObject(data.data)) throw new ApiError(400, 'validation_failed', 'user_metadata must be an object')
    return withTx(pool, async (db) => {
      const u = (await db.query('select * from auth.users where id = $1 for update', [auth.row.id])).rows[0]
      const t = nowDate()
      if (data.password != null) {
        const password = str(data.password)
        checkPasswordStrength(password)
        if (await passwordMatches(db, u.id, password)) {
          throw new ApiError(422, 'same_password', 'New password should be different from the old password.')
        }
        if (data.nonce != null && data.nonce !== '') {
          const ok = await consumeOtp(db, u.id, ['reauthentication_token'], u.email || u.phone || '', str(data.nonce).trim())
          if (!ok) throw new ApiError(422, 'reauthentication_not_valid', 'Requires a valid reauthentication nonce')
        }
        await db.query(
          `update auth.users set encrypted_password = extensions.crypt($2::text, extensions.gen_salt('bf')), updated_at = $3
           where id = $1`,
          [u.id, password, t],
        )
        // GoTrue UpdatePassword: outstanding codes die and every other session is logged out.
        await db.query(
          "delete from auth.one_time_tokens where user_id = $1 and token_type <> 'email_change_token_new' and token_type <> 'phone_change_token'",
          [u.id],
        )
        if (session) await db.query('delete from auth.sessions where user_id = $1 and id <> $2', [u.id, session.id])
        else await db.query('delete from auth.sessions where user_id = $1', [u.id])
      }
      if (data.data != null) {
        // Shallow merge; a null value removes the key (GoTrue UpdateUserMetaData).
        const meta = { ...(u.raw_user_meta_data || {}) }
        for (const [k, v] of Object.entries(data.data)) {
          if (v === null) delete meta[k]
          else meta[k] = v
        }
        // As text: node-postgres would JSON.stringify it, recursively (deep metadata overflows V8's stack).
        await db.query('update auth.users set raw_user_meta_data = $2::jsonb, updated_at = $3 where id = $1', [
          u.id,
          stringify(meta),
          t,
        ])
      }
      if (email && email !== u.email) {
        const other = await findUserByEmail(db, email)
        if (other && other.id !== u.id)
          throw new ApiError(422, 'email_exists', 'A user with this email address has already been registered')
        if (mailerAutoconfirm()) await applyEmail(db, u.id, email)
        else await sendEmailChange(db, u, email)
      }
      if (phone && phone !== u.phone) {
        const other = await findUserByPhone(db, phone)
        if (other && other.id !== u.id)
          throw new ApiError(422, 'phone_exists', 'A user with this phone number has already been registered')
        if (phoneAutoconfirm()) await applyPhone(db, u.id, phone)
        else await sendPhoneChange(db, u, phone, smsChannel(data.channel))
      }
      await db.query('update auth.users set updated_at = $2 where id = $1', [u.id, t])
      return (await loadUser(db, u.id)).json
    })
  }

  function settings() {
    return {
      external: { anonymous_users: !!cfg.anonymousUsers, email: true, phone: true, wechat_mini: true, wechat_qr: true },
      disable_signup: !!cfg.disableSignup,
      mailer_autoconfirm: mailerAutoconfirm(),
      phone_autoconfirm: phoneAutoconfirm(),
      sms_provider: 'memfire-local',
      saml_enabled: false,
    }
  }

  // ---- OAuth (MemFire wechat_qr: WeChat website-app QR login) ----
  // state -> { provider, redirectTo, pkce, createdAt }; WeChat limits `state` to 128 bytes, so it is a short handle.
  const oauthStates = new Map()

  // GoTrue's GOTRUE_SITE_URL (default: this backend) and GOTRUE_URI_ALLOW_LIST (cfg.redirectAllowList, globs).
  function siteUrl() {
    return cfg.siteUrl || ctx.baseUrl()
  }
  let allowListSrc = null
  let allowList = []
  function compiledAllowList() {
    if (allowListSrc !== cfg.redirectAllowList) {
      allowList = compileAllowList(cfg.redirectAllowList)
      allowListSrc = cfg.redirectAllowList
    }
    return allowList
  }

  // A redirect_to outside the site URL and the allow list: GoTrue (GetReferrer) silently falls back to the
  // Referer or the site URL; this backend says so in a header. With cfg.strictRedirects it refuses instead,
  // with an error naming the URL, the site URL and the allow list (an HTML page for a browser).
  function redirectNotAllowed(req, res, rejected) {
    const list = (cfg.redirectAllowList || []).join(', ') || '(empty)'
    const msg = `redirect_to is not allowed: ${rejected} is neither the site URL (${siteUrl()}) nor in the redirect allow list (${list})`
    if (/text\/html/.test(str(req.headers.accept))) {
      const esc = (x) => String(x).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
      const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Redirect URL not allowed</title></head>
<body><h1 id="redirect-error">Redirect URL not allowed / 重定向 URL 不在允许列表中</h1>
<p>redirect_to <code id="rejected-url">${esc(rejected)}</code> is neither the site URL <code>${esc(siteUrl())}</code>
nor in the redirect allow list <code>${esc(list)}</code>.</p>
<p>Add it with <code>startBackend({ redirectAllowList: [...] })</code> or <code>--redirect-allow-list</code>
(MemFire: 认证 → URL配置 → 重定向URL列表).</p></body></html>`
      return send(res, 400, page, { 'content-type': 'text/html; charset=utf-8', 'x-sb-error-code': 'validation_failed' })
    }
    return sendApiError(req, res, new ApiError(400, 'validation_failed', msg))
  }

  // The provider's authorize URL and its state; with linkUserId its callback links the identity to that user
  // (identity.go LinkIdentity). `rejected`: a redirect_to outside the allow list.
  function oauthStart(req, params, linkUserId) {
    const provider = str(params.provider)
    if (!OAUTH_PROVIDERS.includes(provider)) {
      throw new ApiError(400, 'validation_failed', `Unsupported provider: provider ${provider || '(missing)'} could not be found`)
    }
    const pkce = pkceParams(params.code_challenge, params.code_challenge_method)
    const target = resolveRedirect({
      siteUrl: siteUrl(),
      allowList: compiledAllowList(),
      redirectTo: str(req.headers.redirect_to) || str(params.redirect_to),
      referer: str(req.headers.referer),
    })
    const redirectTo = target.url
    const extraHeaders = target.rejected ? { 'x-sbwx-redirect-rejected': encodeURI(target.rejected) } : {}
    const t = ctx.now()
    for (const [k, v] of oauthStates) if (v.createdAt + OAUTH_STATE_TTL_MS < t) oauthStates.delete(k)
    const state = crypto.randomBytes(16).toString('hex')
    oauthStates.set(state, { provider, redirectTo, pkce, createdAt: t, linkUserId })
    const web = wechatWeb()
    const q = new URLSearchParams({
      appid: web.appid,
      redirect_uri: `${ctx.baseUrl()}/auth/v1/callback`,
      response_type: 'code',
      scope: 'snsapi_login',
      state,
    })
    const url = `${ctx.baseUrl()}/wechat/connect/qrconnect?${q}#wechat_redirect`
    return { url, extraHeaders, rejected: target.rejected }
  }
  const oauthLink = (req, params, userId) => oauthStart(req, params, userId).url

  async function authorize(req, res, params) {
    const { url, extraHeaders, rejected } = oauthStart(req, params, null)
    if (rejected && cfg.strictRedirects) return redirectNotAllowed(req, res, rejected)
    if (params.skip_http_redirect === 'true') return send(res, 200, { url }, extraHeaders)
    return send(res, 302, null, { location: url, ...extraHeaders })
  }

  // GoTrue redirectErrors: the error goes to redirect_to in the query (and, deprecated, the fragment).
  function redirectWithError(res, target, e) {
    const u = new URL(target)
    const q = new URLSearchParams()
    if (e instanceof ApiError) {
      q.set('error', (e.oauth && e.oauth.error) || OAUTH_ERROR_BY_STATUS[e.status] || 'server_error')
      if (e.errorCode && !e.oauth) q.set('error_code', e.errorCode)
      q.set('error_description', (e.oauth && e.oauth.error_description) || e.message)
    } else {
      q.set('error', 'server_error')
      q.set('error_code', 'unexpected_failure')
      q.set('error_description', 'Internal Server Error')
    }
    for (const [k, v] of q) u.searchParams.set(k, v)
    u.hash = q.toString()
    return send(res, 302, null, { location: u.toString() })
  }

  // Identity data from sns/oauth2/access_token + sns/userinfo, with GoTrue's standard claim names.
  function wechatIdentityData(wx, info) {
    const d = { sub: String(wx.openid), provider_id: String(wx.openid), openid: String(wx.openid) }
    const unionid = wx.unionid || (info && info.unionid)
    if (unionid) d.unionid = String(unionid)
    if (info && info.nickname) Object.assign(d, { name: info.nickname, full_name: info.nickname, nickname: info.nickname })
    if (info && info.headimgurl) Object.assign(d, { avatar_url: info.headimgurl, picture: info.headimgurl })
    return d
  }

  // Finds (identity, then unionid) or creates the user of a WeChat website login; GoTrue refreshes the
  // identity data and merges it into user_metadata at every sign-in.
  async function wechatQrUser(db, identityData) {
    const openid = identityData.openid
    const unionid = identityData.unionid || null
    const t = nowDate()
    const ident = (
      await db.query("select * from auth.identities where provider = 'wechat_qr' and provider_id = $1 for update", [openid])
    ).rows[0]
    let userId
    if (ident) {
      userId = ident.user_id
      await db.query(
        'update auth.identities set identity_data = identity_data || $2::jsonb, last_sign_in_at = $3, updated_at = $3 where id = $1',
        [ident.id, identityData, t],
      )
    } else {
      // The same WeChat user (unionid) may already exist, e.g. from the mini-program: link the identity.
      const linked = unionid
        ? (
            await db.query('select id from auth.users where wechat_unionid = $1 order by created_at limit 1 for update', [
              unionid,
            ])
          ).rows[0]
        : null
      if (linked) {
        userId = linked.id
        await addProvider(db, userId, 'wechat_qr')
      } else {
        if (cfg.disableSignup) throw new ApiError(422, 'signup_disabled', 'Signups not allowed for this instance')
        userId = (
          await db.query(
            `insert into auth.users (aud, role, raw_app_meta_data, raw_user_meta_data, wechat_unionid, created_at, updated_at)
           values ('authenticated', 'authenticated', $1, '{}', $2, $3, $3) returning id`,
            [{ provider: 'wechat_qr', providers: ['wechat_qr'] }, unionid, t],
          )
        ).rows[0].id
      }
      await db.query(
        `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
         values ($1, $2, $3, 'wechat_qr', $4, $4, $4)`,
        [openid, userId, identityData, t],
      )
    }
    const u = (await db.query('select * from auth.users where id = $1', [userId])).rows[0]
    if (isBanned(u)) throw new ApiError(403, 'user_banned', 'User is banned')
    await db.query(
      `update auth.users set raw_user_meta_data = raw_user_meta_data || $2::jsonb, wechat_unionid = coalesce(wechat_unionid, $3)
       where id = $1`,
      [userId, identityData, unionid],
    )
    return userId
  }

  async function callback(req, res, params) {
    const stateKey = str(params.state)
    if (!stateKey) throw new ApiError(400, 'bad_oauth_state', 'OAuth state parameter missing')
    const st = oauthStates.get(stateKey)
    if (!st || st.createdAt + OAUTH_STATE_TTL_MS < ctx.now()) {
      oauthStates.delete(stateKey)
      throw new ApiError(400, 'bad_oauth_state', 'OAuth callback with invalid state')
    }
    oauthStates.delete(stateKey)
    try {
      if (params.error || params.error_description) {
        throw new ApiError(400, null, str(params.error_description) || str(params.error), {
          error: str(params.error) || 'access_denied',
          error_description: str(params.error_description) || str(params.error),
        })
      }
      const code = str(params.code)
      // WeChat's refusal (拒绝) is a redirect with `state` and no `code` (WeChat's website-app login guide). It is
      // answered as GoTrue answers a provider's `error=access_denied` (oauthError: error + error_description, no
      // error_code); GoTrue's generic path would say invalid_request / bad_oauth_callback, which hides the cause.
      if (!code) {
        throw new ApiError(403, null, 'The user denied the WeChat authorization', {
          error: 'access_denied',
          error_description: 'The user denied the WeChat authorization',
        })
      }
      const web = wechatWeb()
      let wx
      try {
        const q = new URLSearchParams({ appid: web.appid, secret: web.secret, code, grant_type: 'authorization_code' })
        wx = await getJson(`${wechatApiBase()}/sns/oauth2/access_token?${q}`)
      } catch {
        throw new ApiError(500, 'unexpected_failure', `Unable to exchange external code: ${code}`)
      }
      if (!wx || (wx.errcode && Number(wx.errcode) !== 0) || !wx.openid) {
        throw new ApiError(500, 'unexpected_failure', `Unable to exchange external code: ${code}`)
      }
      let info
      try {
        const q = new URLSearchParams({ access_token: str(wx.access_token), openid: str(wx.openid) })
        info = await getJson(`${wechatApiBase()}/sns/userinfo?${q}`)
      } catch {
        info = null
      }
      if (!info || (info.errcode && Number(info.errcode) !== 0)) {
        throw new ApiError(500, 'unexpected_failure', 'Error getting user profile from external provider')
      }
      const identityData = wechatIdentityData(wx, info)
      const out = await withTx(pool, async (db) => {
        const userId = st.linkUserId
          ? await identity.linkToUser(db, st.linkUserId, 'wechat_qr', identityData.openid, identityData)
          : await wechatQrUser(db, identityData)
        if (st.pkce) {
          const authCode = await createFlowState(db, {
            userId,
            provider: st.provider,
            ...st.pkce,
            providerAccessToken: wx.access_token,
            providerRefreshToken: wx.refresh_token,
          })
          return { authCode }
        }
        return { session: await signIn(db, userId, 'oauth', req, 'wechat_qr') }
      })
      const u = new URL(st.redirectTo)
      if (out.authCode) {
        u.searchParams.set('code', out.authCode)
      } else {
        // Implicit flow: the tokens in the fragment, keys sorted as Go's url.Values.Encode() does.
        const s = out.session
        const f = new URLSearchParams()
        f.set('access_token', s.access_token)
        f.set('expires_at', String(s.expires_at))
        f.set('expires_in', String(s.expires_in))
        if (wx.refresh_token) f.set('provider_refresh_token', String(wx.refresh_token))
        if (wx.access_token) f.set('provider_token', String(wx.access_token))
        f.set('refresh_token', s.refresh_token)
        f.set('token_type', 'bearer')
        u.hash = f.toString()
      }
      return send(res, 302, null, { location: u.toString() })
    } catch (e) {
      if (e instanceof ApiError) return redirectWithError(res, st.redirectTo, e)
      throw e
    }
  }

  // Routes served outside the apikey gate (Kong's auth-v1-open*: browsers reach them without a key) and
  // the test control endpoint. Mounted by index.js before the /auth/v1 route table.
  function openService(prefix, methods, fn) {
    return {
      prefix,
      apikey: false,
      async handle(req, res, r) {
        try {
          if (r.path !== '/') throw new ApiError(404, 'not_found', 'Not Found')
          if (!methods.includes(req.method)) throw new ApiError(405, 'method_not_allowed', 'Method Not Allowed')
          let params = r.params
          if (req.method === 'POST') {
            // A form_post callback carries its parameters in the body.
            params = { ...params, ...Object.fromEntries(new URLSearchParams(await r.text())) }
          }
          return await fn(req, res, params)
        } catch (e) {
          if (e instanceof ApiError) return sendApiError(req, res, e)
          throw e
        }
      },
    }
  }

  const controlService = {
    prefix: '/_control/messages',
    apikey: false,
    async handle(req, res, r) {
      if (r.path !== '/') return send(res, 404, { message: 'not found' })
      if (req.method === 'DELETE') {
        messages.length = 0
        return send(res, 204, null)
      }
      if (req.method !== 'GET') return send(res, 405, { message: 'method not allowed' })
      const to = r.params.to
      let list = messages
      if (to !== undefined) {
        const want = new Set([to, to.trim(), normalizePhone(to), to.trim().toLowerCase()])
        list = list.filter((m) => want.has(m.to))
      }
      return send(res, 200, list.slice().reverse())
    },
  }

  // GoTrue's admin API (service role only): backend/auth-admin.js.
  const shared = { pool, cfg, ctx, loadUser, createContactUser, issueOtp, tokenHash, validateEmail, validatePhone }
  const admin = require('./auth-admin').createAdmin({ ...shared, checkPasswordStrength, capture, nowDate, siteUrl })

  const identity = createIdentity({ pool, cfg, ctx, authenticate, loadUser, signIn, addProvider, nowDate, oauthLink })
  const services = [
    ...identity.services,
    mfa.service,
    admin.service,
    openService('/auth/v1/authorize', ['GET'], authorize),
    openService('/auth/v1/callback', ['GET', 'POST'], callback),
    controlService,
  ]

  // The route table: 'METHOD /path' (relative to /auth/v1) -> handler(req, params, bodyText).
  // A handler returns the JSON body (status 200), null (204), or throws ApiError.
  const routes = {
    'GET /wechat_mini/login': (req, params) => wechatLogin(req, params),
    'POST /token': (req, params, body) => token(req, params, body),
    'POST /signup': (req, params, body) => signup(req, params, body),
    'POST /otp': (req, params, body) => otp(req, params, body),
    'POST /verify': (req, params, body) => verify(req, params, body),
    'POST /recover': (req, params, body) => recover(req, params, body),
    'POST /resend': (req, params, body) => resend(req, params, body),
    'GET /reauthenticate': (req) => reauthenticate(req),
    'GET /user': (req) => getUser(req),
    'PUT /user': (req, params, body) => updateUser(req, params, body),
    'POST /logout': (req, params) => logout(req, params),
    'GET /health': async () => ({ version: 'sbwx-local', name: 'GoTrue', description: 'supabase-wechat local auth emulator' }),
    'GET /settings': async () => settings(),
    ...admin.routes,
    ...identity.routes,
  }

  return {
    routes,
    services,
    messages,
    wechatLogin,
    token,
    getUser,
    logout,
    authenticate,
    refreshTokenGrant,
    loadUser,
    createSession,
    sessionBody,
    createFlowState,
    settings,
  }
}

module.exports = { createAuth, ApiError, userJson, parseJson, normalizePhone }
