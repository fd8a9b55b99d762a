'use strict'
// GoTrue-like auth endpoints (MemFire WeChat flavour), state kept in PostgreSQL auth.* tables.
const crypto = require('crypto')
const http = require('http')
const jwt = require('./jwt')
const { randomString } = require('./wechat')

const { ApiError, parseJson } = require('./http-util')

const RT_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const newRefreshToken = () => randomString(12, RT_ALPHABET)
const LOGOUT_SCOPES = ['global', 'local', 'others']
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const iso = (d) => (d == null ? undefined : new Date(d).toISOString())

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

function userJson(u, identities) {
  const o = {
    id: u.id,
    aud: u.aud,
    role: u.role,
    email: u.email || '',
    phone: u.phone || '',
    wechat_id: u.wechat_openid || '',
    wechat_unionid: u.wechat_unionid || '',
    last_sign_in_at: iso(u.last_sign_in_at),
    app_metadata: u.raw_app_meta_data || {},
    user_metadata: u.raw_user_meta_data || {},
    identities: identities.map(identityJson),
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
    is_anonymous: !!u.is_anonymous,
  }
  if (o.last_sign_in_at === undefined) delete o.last_sign_in_at
  if (u.banned_until) o.banned_until = iso(u.banned_until)
  return o
}

async function withTx(pool, fn) {
  const client = await pool.connect()
  try {
    await client.query('begin')
    const out = await fn(client)
    await client.query('commit')
    return out
  } catch (e) {
    try { await client.query('rollback') } catch (_) { /* ignore */ }
    throw e
  } finally {
    client.release()
  }
}

function createAuth(ctx) {
  // ctx: { pool, cfg, now(): ms, baseUrl(): string, wechatApiBase(): string }
  const { pool, cfg } = ctx
  const nowDate = () => new Date(ctx.now())
  const nowSec = () => Math.floor(ctx.now() / 1000)

  async function loadUser(db, userId) {
    const u = (await db.query('select * from auth.users where id = $1', [userId])).rows[0]
    if (!u) return null
    const ids = (await db.query('select * from auth.identities where user_id = $1 order by created_at, id', [userId])).rows
    return { row: u, json: userJson(u, ids) }
  }

  const isBanned = (u) => u.banned_until && new Date(u.banned_until).getTime() > ctx.now()

  async function createSession(db, userId, method, req) {
    const t = nowDate()
    const s = (await db.query(
      `insert into auth.sessions (user_id, created_at, updated_at, aal, user_agent, ip)
       values ($1, $2, $2, 'aal1', $3, $4) returning *`,
      [userId, t, req.headers['user-agent'] || null, '127.0.0.1'])).rows[0]
    await db.query(
      `insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method)
       values ($1, $2, $2, $3)`, [s.id, t, method])
    const rt = await insertRefreshToken(db, userId, s.id, null)
    return { session: s, refreshToken: rt }
  }

  async function insertRefreshToken(db, userId, sessionId, parent) {
    const t = nowDate()
    return (await db.query(
      `insert into auth.refresh_tokens (token, user_id, session_id, parent, revoked, created_at, updated_at)
       values ($1, $2, $3, $4, false, $5, $5) returning *`,
      [newRefreshToken(), userId, sessionId, parent, t])).rows[0]
  }

  async function accessTokenFor(db, user, sessionId) {
    const amrRows = (await db.query(
      'select authentication_method, created_at from auth.mfa_amr_claims where session_id = $1 order by created_at', [sessionId])).rows
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
      aal: 'aal1',
      amr: amrRows.map((r) => ({ method: r.authentication_method, timestamp: Math.floor(new Date(r.created_at).getTime() / 1000) })),
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

  // ---- WeChat jscode2session over HTTP ----
  function callJscode2session(code) {
    const q = new URLSearchParams({
      appid: cfg.wechat.appid, secret: cfg.wechat.secret, js_code: code, grant_type: 'authorization_code',
    })
    const target = `${ctx.wechatApiBase()}/sns/jscode2session?${q}`
    return new Promise((resolve, reject) => {
      const r = http.get(target, { agent: false, timeout: 10000 }, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))) } catch (e) { reject(e) }
        })
        res.on('error', reject)
      })
      r.on('timeout', () => r.destroy(new Error('timeout')))
      r.on('error', reject)
    })
  }

  // ---- GET /auth/v1/wechat_mini/login?code= ----
  async function wechatLogin(req, params) {
    const code = params.code
    if (!code) throw new ApiError(400, 'validation_failed', 'wechat code is required')
    let wx
    try {
      wx = await callJscode2session(code)
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
        [appMeta, openid, unionid, t])
      let userId
      if (ins.rows.length) {
        userId = ins.rows[0].id
        const identityData = { sub: openid, openid }
        if (unionid) identityData.unionid = unionid
        await db.query(
          `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
           values ($1, $2, $3, 'wechat_mini', $4, $4, $4)`, [openid, userId, identityData, t])
      } else {
        userId = (await db.query('select id from auth.users where wechat_openid = $1 for update', [openid])).rows[0].id
      }
      const u = (await db.query('select * from auth.users where id = $1', [userId])).rows[0]
      if (isBanned(u)) throw new ApiError(400, 'user_banned', 'User is banned')
      await db.query(
        `update auth.users set last_sign_in_at = $2, updated_at = $2, wechat_unionid = coalesce($3, wechat_unionid)
         where id = $1`, [userId, t, unionid])
      await db.query(
        `update auth.identities set last_sign_in_at = $3, updated_at = $3 where provider = 'wechat_mini' and provider_id = $1 and user_id = $2`,
        [openid, userId, t])
      const { session, refreshToken } = await createSession(db, userId, 'wechat_mini', req)
      return sessionBody(db, userId, session.id, refreshToken.token)
    })
  }

  // ---- POST /auth/v1/token?grant_type=... ----
  async function token(req, params, body) {
    const grant = params.grant_type
    if (grant !== 'refresh_token') throw new ApiError(400, 'invalid_credentials', 'unsupported_grant_type')
    const data = parseJson(body)
    const rtString = data && typeof data.refresh_token === 'string' ? data.refresh_token : ''
    if (!rtString) {
      throw new ApiError(400, 'validation_failed', 'refresh_token required',
        { error: 'invalid_request', error_description: 'refresh_token required' })
    }
    return refreshTokenGrant(rtString)
  }

  function refreshError(status, code, message) {
    return new ApiError(status, code, message,
      cfg.legacyRefreshErrors ? { error: 'invalid_grant', error_description: message } : null)
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
        const active = (await db.query(
          'select * from auth.refresh_tokens where session_id = $1 and revoked = false order by id desc limit 1',
          [session.id])).rows[0]
        if (active && active.parent === tok.token) {
          // The client never stored the previous response: hand back the active token.
          issued = active
        } else {
          const reuseUntil = new Date(tok.updated_at).getTime() + cfg.refreshTokenReuseInterval * 1000
          // Deviation (pinned): once the family has been revoked (no active token left in the session),
          // no token of the session is usable again, not even inside the reuse interval.
          if (!active || ctx.now() > reuseUntil) {
            await db.query(
              'update auth.refresh_tokens set revoked = true, updated_at = $2 where session_id = $1 and revoked = false',
              [session.id, t])
            familyRevoked = true
            return null // commit the revocation, then fail
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
    const h = req.headers.authorization || ''
    const m = /^bearer\s+(\S+)\s*$/i.exec(h)
    if (!m) throw new ApiError(401, 'no_authorization', 'This endpoint requires a valid Bearer token')
    let claims
    try {
      claims = jwt.verify(m[1], cfg.jwtSecret, nowSec())
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
    if (!LOGOUT_SCOPES.includes(scope)) throw new ApiError(400, 'validation_failed', `Unsupported logout scope ${JSON.stringify(scope)}`)
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

  // The route table: 'METHOD /path' (relative to /auth/v1) -> handler(req, params, bodyText).
  // A handler returns the JSON body (status 200), null (204), or throws ApiError.
  const routes = {
    'GET /wechat_mini/login': (req, params) => wechatLogin(req, params),
    'POST /token': (req, params, body) => token(req, params, body),
    'GET /user': (req) => getUser(req),
    'POST /logout': (req, params) => logout(req, params),
    'GET /health': async () => ({ version: 'sbwx-local', name: 'GoTrue', description: 'supabase-wechat local auth emulator' }),
    'GET /settings': async () => ({
      external: { wechat_mini: true, email: false, phone: false, anonymous_users: false },
      disable_signup: false,
      mailer_autoconfirm: false,
      phone_autoconfirm: false,
      sms_provider: '',
      saml_enabled: false,
    }),
  }

  return { routes, wechatLogin, token, getUser, logout, authenticate, refreshTokenGrant, loadUser, createSession, sessionBody }
}

module.exports = { createAuth, ApiError, userJson, parseJson }
