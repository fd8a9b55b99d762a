'use strict'
// GoTrue's MFA API (supabase/auth internal/api/mfa.go, models/factor.go, models/amr.go,
// api/token.go updateMFASessionAndClaims), for the local backend:
//   POST   /auth/v1/factors                   EnrollFactor    (totp | phone)
//   POST   /auth/v1/factors/{id}/challenge    ChallengeFactor (phone: the code goes out as a captured SMS)
//   POST   /auth/v1/factors/{id}/verify       VerifyFactor    (a token response: the session becomes aal2)
//   DELETE /auth/v1/factors/{id}              UnenrollFactor
// TOTP is real RFC 6238 (HMAC-SHA1, 6 digits, 30 s steps, one step of skew either way: GoTrue's
// totp.ValidateCustom with pquerna/otp's Period 30, Skew 1, DigitsSix, AlgorithmSHA1). The QR
// code is a small SVG carrying the otpauth URI as text, not a scannable code (GoTrue draws one
// with boombuler/barcode); `secret` and `uri` are what an authenticator app needs. WebAuthn
// factors are not emulated.
const crypto = require('node:crypto')
const { ApiError, API_VERSION_2024, parseJson, send, sendApiError, wantsApi2024 } = require('./http-util')
const { withTx } = require('./db')

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const PHONE_RE = /^[1-9]\d{1,14}$/
const CHALLENGE_EXPIRY_S = 300 // MFA_CHALLENGE_EXPIRY_DURATION default
const FACTOR_EXPIRY_S = 300 // MFA_FACTOR_EXPIRY_DURATION default: unverified, never challenged factors
const MAX_ENROLLED = 10 // MFA_MAX_ENROLLED_FACTORS
const MAX_VERIFIED = 10 // MFA_MAX_VERIFIED_FACTORS
// models/factor.go AuthenticationMethod.String() of the factor types' sign-ins.
const AMR_METHOD = { totp: 'totp', phone: 'mfa/phone' }
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

function base32Encode(buf) {
  let bits = 0
  let value = 0
  let out = ''
  for (const b of buf) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31]
  return out
}

function base32Decode(s) {
  let bits = 0
  let value = 0
  const out = []
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    const i = B32.indexOf(c)
    if (i < 0) throw new Error('bad base32')
    value = (value << 5) | i
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

// RFC 4226 HOTP / RFC 6238 TOTP (SHA1, 6 digits).
function hotp(key, counter) {
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(counter))
  const h = crypto.createHmac('sha1', key).update(msg).digest()
  const o = h[h.length - 1] & 15
  const bin = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]
  return String(bin % 1e6).padStart(6, '0')
}

// pquerna/otp totp.ValidateCustom: the code of the current step or of one step either side.
function totpValid(secret, code, nowMs) {
  if (typeof code !== 'string' || !/^\d{6}$/.test(code)) return false
  const key = base32Decode(secret)
  const step = Math.floor(nowMs / 1000 / 30)
  return [step, step - 1, step + 1].some((c) => crypto.timingSafeEqual(Buffer.from(hotp(key, c)), Buffer.from(code)))
}

const iso = (d) => (d == null ? null : new Date(d).toISOString())

// models.Factor's JSON.
function factorJson(f) {
  const o = {
    id: f.id,
    friendly_name: f.friendly_name || undefined,
    factor_type: f.factor_type,
    status: f.status,
    created_at: iso(f.created_at),
    updated_at: iso(f.updated_at),
    phone: f.phone || '',
    last_challenged_at: iso(f.last_challenged_at),
  }
  if (o.friendly_name === undefined) delete o.friendly_name
  return o
}

const escapeXml = (s) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)

// deps: { pool, cfg, now(): ms, authenticate(req), sessionBody(db, userId, sessionId, rt), insertRefreshToken(db, userId,
// sessionId, parent), capture(to, channel, kind, token), siteUrl() }
function createMfa(deps) {
  const { pool, now } = deps
  const nowDate = () => new Date(now())

  async function factorsOf(db, userId) {
    return (await db.query('select * from auth.mfa_factors where user_id = $1 order by created_at, id', [userId])).rows
  }

  // The user's factors in GoTrue's User JSON (`factors`, omitted when there are none).
  async function attachFactors(db, userJsonObj) {
    const rows = await factorsOf(db, userJsonObj.id)
    if (rows.length > 0) userJsonObj.factors = rows.map(factorJson)
    return userJsonObj
  }

  // api/mfa.go validateFactors.
  async function validateFactors(db, userId, name, session) {
    await db.query(
      `delete from auth.mfa_factors f where user_id = $1 and status <> 'verified'
         and not exists (select 1 from auth.mfa_challenges c where c.factor_id = f.id) and created_at + $2 * interval '1 second' < $3`,
      [userId, FACTOR_EXPIRY_S, nowDate()],
    )
    const rows = await factorsOf(db, userId)
    if (rows.some((f) => (f.friendly_name || '') === name)) {
      throw new ApiError(
        422,
        'mfa_factor_name_conflict',
        `A factor with the friendly name ${JSON.stringify(name)} for this user already exists`,
      )
    }
    const verified = rows.filter((f) => f.status === 'verified').length
    if (rows.length >= MAX_ENROLLED || verified >= MAX_VERIFIED) {
      throw new ApiError(422, 'too_many_enrolled_mfa_factors', 'Maximum number of verified factors reached, unenroll to continue')
    }
    if (verified > 0 && session.aal !== 'aal2')
      throw new ApiError(403, 'insufficient_aal', 'AAL2 required to enroll a new factor')
  }

  async function insertFactor(db, userId, type, name, secret, phone) {
    const t = nowDate()
    return (
      await db.query(
        `insert into auth.mfa_factors (user_id, friendly_name, factor_type, status, created_at, updated_at, secret, phone)
         values ($1, $2, $3, 'unverified', $4, $4, $5, $6) returning *`,
        [userId, name || null, type, t, secret, phone],
      )
    ).rows[0]
  }

  async function enroll(req, body) {
    const { user, session } = await deps.authenticate(req)
    if (!session)
      throw new ApiError(500, 'unexpected_failure', 'A valid session and a registered user are required to enroll a factor')
    const p = parseJson(body) || {}
    const name = typeof p.friendly_name === 'string' ? p.friendly_name : ''
    const userId = user.row.id
    if (p.factor_type === 'totp') {
      let issuer = typeof p.issuer === 'string' ? p.issuer : ''
      if (!issuer) issuer = new URL(deps.siteUrl()).host
      return withTx(pool, async (db) => {
        await validateFactors(db, userId, name, session)
        const secret = base32Encode(crypto.randomBytes(20)) // pquerna/otp: 20-byte secret, base32 without padding
        const account = user.row.email || user.row.phone || ''
        const label = encodeURIComponent(issuer) + ':' + encodeURIComponent(account)
        const uri = `otpauth://totp/${label}?algorithm=SHA1&digits=6&issuer=${encodeURIComponent(issuer)}&period=30&secret=${secret}`
        const f = await insertFactor(db, userId, 'totp', name, secret, null)
        const qr = `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><text x="0" y="100" font-size="4">${escapeXml(uri)}</text></svg>\n`
        return { id: f.id, type: 'totp', friendly_name: name, totp: { qr_code: qr, secret, uri } }
      })
    }
    if (p.factor_type === 'phone') {
      if (deps.cfg.mfaPhone === false) throw new ApiError(422, 'mfa_phone_enroll_not_enabled', 'MFA enroll is disabled for Phone')
      const given = typeof p.phone === 'string' ? p.phone : ''
      if (!given) throw new ApiError(400, 'validation_failed', 'Phone number required to enroll Phone factor')
      // api/phone.go validatePhone: '+' and spaces dropped, then E.164.
      const phone = given.replace(/^\+/, '').replace(/ /g, '')
      if (!PHONE_RE.test(phone)) throw new ApiError(400, 'validation_failed', 'Invalid phone number format (E.164 required)')
      return withTx(pool, async (db) => {
        const same = (await factorsOf(db, userId)).filter((f) => f.factor_type === 'phone' && f.phone === phone)
        if (same.some((f) => f.status === 'verified')) {
          throw new ApiError(
            422,
            'mfa_verified_factor_exists',
            'A verified phone factor already exists, unenroll the existing factor to continue',
          )
        }
        for (const f of same) await db.query('delete from auth.mfa_factors where id = $1', [f.id])
        await validateFactors(db, userId, name, session)
        const f = await insertFactor(db, userId, 'phone', name, null, phone)
        return { id: f.id, type: 'phone', friendly_name: name, phone: given }
      })
    }
    throw new ApiError(400, 'validation_failed', 'factor_type needs to be totp, phone, or webauthn')
  }

  // api/admin.go loadFactor.
  async function loadFactor(db, userId, id) {
    if (!UUID_RE.test(id)) throw new ApiError(404, 'validation_failed', 'factor_id must be an UUID')
    const f = (await db.query('select * from auth.mfa_factors where id = $1 and user_id = $2', [id, userId])).rows[0]
    if (!f) throw new ApiError(404, 'mfa_factor_not_found', 'Factor not found')
    return f
  }

  async function challenge(req, id, body) {
    const { user } = await deps.authenticate(req)
    const p = parseJson(body) || {}
    return withTx(pool, async (db) => {
      const f = await loadFactor(db, user.row.id, id)
      const t = nowDate()
      let code = null
      if (f.factor_type === 'phone') {
        const channel = p.channel || 'sms'
        if (channel !== 'sms' && channel !== 'whatsapp') {
          throw new ApiError(400, 'validation_failed', 'Invalid channel, must be either sms or whatsapp')
        }
        code = String(crypto.randomInt(0, 1000000)).padStart(6, '0') // MFA_PHONE_OTP_LENGTH 6
        deps.capture(f.phone, channel, 'mfa', code)
        await db.query('update auth.mfa_factors set last_challenged_at = $2 where id = $1', [f.id, t])
      }
      const c = (
        await db.query(
          `insert into auth.mfa_challenges (factor_id, created_at, ip_address, otp_code) values ($1, $2, '127.0.0.1', $3) returning *`,
          [f.id, t, code],
        )
      ).rows[0]
      return { id: c.id, type: f.factor_type, expires_at: Math.floor(t.getTime() / 1000) + CHALLENGE_EXPIRY_S }
    })
  }

  async function verify(req, id, body) {
    const { user, session } = await deps.authenticate(req)
    const p = parseJson(body) || {}
    const result = await withTx(pool, async (db) => {
      const f = await loadFactor(db, user.row.id, id)
      if (typeof p.code !== 'string' || p.code === '') throw new ApiError(400, 'validation_failed', 'Code needs to be non-empty')
      if (typeof p.challenge_id !== 'string' || !UUID_RE.test(p.challenge_id)) {
        throw new ApiError(400, 'bad_json', 'Could not parse request body as JSON: challenge_id is not a UUID')
      }
      // api/mfa.go validateChallenge.
      const c = (await db.query('select * from auth.mfa_challenges where id = $1 and factor_id = $2', [p.challenge_id, f.id]))
        .rows[0]
      if (!c) throw new ApiError(422, 'mfa_factor_not_found', 'MFA factor with the provided challenge ID not found')
      if (c.verified_at) throw new ApiError(422, 'mfa_ip_address_mismatch', 'Challenge and verify IP addresses mismatch.')
      if (new Date(c.created_at).getTime() + CHALLENGE_EXPIRY_S * 1000 < now()) {
        await db.query('delete from auth.mfa_challenges where id = $1', [c.id])
        return {
          error: new ApiError(
            422,
            'mfa_challenge_expired',
            `MFA challenge ${c.id} has expired, verify against another challenge or create a new challenge.`,
          ),
        }
      }
      const valid =
        f.factor_type === 'totp'
          ? totpValid(f.secret, p.code, now())
          : c.otp_code.length === p.code.length && crypto.timingSafeEqual(Buffer.from(c.otp_code), Buffer.from(p.code))
      if (!valid) {
        const what = f.factor_type === 'totp' ? 'Invalid TOTP code entered' : 'Invalid MFA Phone code entered'
        throw new ApiError(422, 'mfa_verification_failed', what)
      }
      const t = nowDate()
      await db.query('update auth.mfa_challenges set verified_at = $2 where id = $1', [c.id, t])
      await db.query(`update auth.mfa_factors set status = 'verified', updated_at = $2 where id = $1 and status <> 'verified'`, [
        f.id,
        t,
      ])
      if (!session) throw new ApiError(500, 'unexpected_failure', 'Cannot read SessionId claim as UUID')
      // token.go updateMFASessionAndClaims: the claim (models.AddClaimToSession: insert or touch), a new refresh
      // token (GrantRefreshTokenSwap: the session's current one revoked), aal2 and the factor on the session.
      await db.query(
        `insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method) values ($1, $2, $2, $3)
         on conflict (session_id, authentication_method) do update set updated_at = $2`,
        [session.id, t, AMR_METHOD[f.factor_type]],
      )
      const current = (
        await db.query('select * from auth.refresh_tokens where session_id = $1 and revoked = false order by id desc limit 1', [
          session.id,
        ])
      ).rows[0]
      if (current) await db.query('update auth.refresh_tokens set revoked = true, updated_at = $2 where id = $1', [current.id, t])
      const rt = await deps.insertRefreshToken(db, user.row.id, session.id, current ? current.token : null)
      await db.query(`update auth.sessions set aal = 'aal2', factor_id = $2, updated_at = $3 where id = $1`, [
        session.id,
        f.id,
        t,
      ])
      // models.InvalidateSessionsWithAALLessThan(aal2), models.DeleteUnverifiedFactors(factor type).
      await db.query(`delete from auth.sessions where user_id = $1 and aal = 'aal1'`, [user.row.id])
      await db.query(`delete from auth.mfa_factors where user_id = $1 and status = 'unverified' and factor_type = $2`, [
        user.row.id,
        f.factor_type,
      ])
      return { body: await deps.sessionBody(db, user.row.id, session.id, rt.token) }
    })
    if (result.error) throw result.error
    return result.body
  }

  async function unenroll(req, id) {
    const { user, session } = await deps.authenticate(req)
    return withTx(pool, async (db) => {
      const f = await loadFactor(db, user.row.id, id)
      if (!session) throw new ApiError(500, 'unexpected_failure', 'A valid session and factor are required to unenroll a factor')
      if (f.status === 'verified' && session.aal !== 'aal2') {
        throw new ApiError(422, 'insufficient_aal', 'AAL2 required to unenroll verified factor')
      }
      await db.query('delete from auth.mfa_factors where id = $1', [f.id])
      // models.Factor.DowngradeSessionsToAAL1: the factor's claim removed from its sessions, which drop to aal1.
      await db.query(
        `delete from auth.mfa_amr_claims where authentication_method = $2 and session_id in (select id from auth.sessions where factor_id = $1)`,
        [f.id, AMR_METHOD[f.factor_type]],
      )
      await db.query(`update auth.sessions set aal = 'aal1', factor_id = null where factor_id = $1`, [f.id])
      return { id: f.id }
    })
  }

  // Mounted before the /auth/v1 route table (its routes have no path parameters); the apikey gate applies.
  const service = {
    prefix: '/auth/v1/factors',
    apikey: true,
    async handle(req, res, r) {
      const parts = r.path.split('/').filter(Boolean)
      const [id, action] = parts
      const body = await r.text()
      let fn = null
      if (parts.length === 0 && req.method === 'POST') fn = () => enroll(req, body)
      else if (parts.length === 1 && req.method === 'DELETE') fn = () => unenroll(req, id)
      else if (parts.length === 2 && req.method === 'POST' && action === 'challenge') fn = () => challenge(req, id, body)
      else if (parts.length === 2 && req.method === 'POST' && action === 'verify') fn = () => verify(req, id, body)
      try {
        if (!fn) throw new ApiError(404, 'not_found', 'Not Found')
        const out = await fn()
        return send(res, 200, out, wantsApi2024(req) ? { 'x-supabase-api-version': API_VERSION_2024 } : {})
      } catch (e) {
        if (e instanceof ApiError) return sendApiError(req, res, e)
        throw e
      }
    },
  }

  return { service, attachFactors, totpValid, hotp, base32Decode }
}

module.exports = { createMfa, hotp, base32Decode, base32Encode, totpValid }
