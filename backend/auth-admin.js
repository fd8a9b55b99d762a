'use strict'
// GoTrue's admin API (supabase/auth internal/api/admin.go, invite.go, mail.go adminGenerateLink, pagination.go),
// mounted under /auth/v1 by auth.js:
//   GET/POST /admin/users, GET/PUT/DELETE /admin/users/{id}, GET /admin/users/{id}/factors,
//   DELETE /admin/users/{id}/factors/{factor_id}, POST /admin/generate_link, POST /invite.
// Every route sits behind GoTrue's requireAdminCredentials (internal/api/middleware.go): a Bearer token that parses
// (else 401 no_authorization / 403 bad_jwt) and whose `role` is an admin role (auth.go requireAdmin: 403 not_admin
// "User not allowed"; GOTRUE_JWT_ADMIN_ROLES defaults to service_role, supabase_admin). A user's own token is refused.
const jwt = require('./jwt')
const { ApiError, bearerToken, parseJson, send, sendApiError } = require('./http-util')
const { withTx } = require('./db')

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ADMIN_ROLES = ['service_role', 'supabase_admin']
const DEFAULT_PER_PAGE = 50 // pagination.go defaultPerPage
const LINK_TYPES = ['signup', 'invite', 'magiclink', 'recovery', 'email_change_current', 'email_change_new']
const DUPLICATE_EMAIL = 'A user with this email address has already been registered' // GoTrue DuplicateEmailMsg
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
const str = (v) => (typeof v === 'string' ? v : v == null ? '' : String(v))

// auth.mfa_factors as GoTrue's migrations define it (text instead of its enums); created on first use unless the
// MFA emulation made it already.
const FACTORS_DDL = `create table if not exists auth.mfa_factors (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  friendly_name text, factor_type text not null, status text not null,
  created_at timestamptz not null, updated_at timestamptz not null,
  secret text, phone text, last_challenged_at timestamptz)`

// models.Factor's JSON: secret hidden, friendly_name omitted when empty, phone and last_challenged_at as they are.
function factorJson(f) {
  const o = { id: f.id, created_at: new Date(f.created_at).toISOString(), updated_at: new Date(f.updated_at).toISOString() }
  o.status = f.status
  if (f.friendly_name) o.friendly_name = f.friendly_name
  o.factor_type = f.factor_type
  o.phone = f.phone || null
  o.last_challenged_at = f.last_challenged_at ? new Date(f.last_challenged_at).toISOString() : null
  return o
}

// `a`: what auth.js shares ({ pool, cfg, ctx, loadUser, createContactUser, issueOtp, tokenHash, validateEmail,
// validatePhone, checkPasswordStrength, capture, nowDate, siteUrl }).
function createAdmin(a) {
  const { pool, cfg, ctx } = a
  let factorsReady = null
  const factors = () => {
    if (!factorsReady) factorsReady = pool.query(FACTORS_DDL)
    return factorsReady
  }

  // middleware.go requireAdminCredentials + auth.go requireAdmin.
  function requireAdmin(req) {
    const token = bearerToken(req.headers.authorization)
    if (!token) throw new ApiError(401, 'no_authorization', 'This endpoint requires a valid Bearer token')
    let claims
    try {
      claims = jwt.verify(token, cfg.jwtSecret, Math.floor(ctx.now() / 1000))
    } catch (e) {
      throw new ApiError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${e.message}`)
    }
    if (!ADMIN_ROLES.includes(claims.role)) throw new ApiError(403, 'not_admin', 'User not allowed')
  }

  // admin.go loadUser: 404 validation_failed for a malformed id, 404 user_not_found for an unknown one.
  async function userById(db, id) {
    if (!UUID_RE.test(id)) throw new ApiError(404, 'validation_failed', 'user_id must be an UUID')
    const u = await a.loadUser(db, id)
    if (!u) throw new ApiError(404, 'user_not_found', 'User not found')
    return u
  }

  // GET /admin/users?page=&per_page= (admin.go adminUsers, pagination.go paginate + addPaginationHeaders).
  async function listUsers(req, params, res) {
    const num = (v, dflt) => {
      if (v === undefined || v === '') return dflt
      if (!/^\d+$/.test(v))
        throw new ApiError(
          400,
          'validation_failed',
          `Bad Pagination Parameters: strconv.ParseUint: parsing "${v}": invalid syntax`,
        )
      return Number(v)
    }
    const page = num(params.page, 1)
    const perPage = num(params.per_page, DEFAULT_PER_PAGE)
    const total = Number((await pool.query("select count(*) from auth.users where aud = 'authenticated'")).rows[0].count)
    const ids = perPage
      ? (
          await pool.query(
            "select id from auth.users where aud = 'authenticated' order by created_at desc, id limit $1 offset $2",
            [perPage, Math.max(0, page - 1) * perPage],
          )
        ).rows
      : []
    const users = []
    for (const r of ids) users.push((await a.loadUser(pool, r.id)).json)
    // The Link header: the request's own URI with page replaced, keys sorted as Go's url.Values.Encode does.
    const totalPages = perPage ? Math.ceil(total / perPage) : 0
    const uri = (p) => {
      const q = { ...params, page: String(p) }
      const qs = Object.keys(q)
        .sort()
        .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(q[k])}`)
        .join('&')
      return `</admin/users?${qs}>`
    }
    let link = ''
    if (totalPages > page) link += `${uri(page + 1)}; rel="next", `
    link += `${uri(totalPages)}; rel="last"`
    const headers = { link, 'x-total-count': String(total) }
    if (req.headers['x-supabase-api-version']) headers['x-supabase-api-version'] = '2024-01-01'
    return send(res, 200, { users, aud: 'authenticated' }, headers)
  }

  // POST /admin/users (admin.go adminUserCreate).
  async function createUser(body) {
    const p = parseJson(body)
    const email = str(p.email)
    const phone = str(p.phone)
    if (!email && !phone) throw new ApiError(400, 'validation_failed', 'Cannot create a user without either an email or phone')
    const e = email ? a.validateEmail(email) : null
    const ph = phone ? a.validatePhone(phone) : null
    if (typeof p.password === 'string') a.checkPasswordStrength(p.password)
    return withTx(pool, async (db) => {
      if (e && (await db.query('select 1 from auth.users where email = $1', [e])).rows[0])
        throw new ApiError(422, 'email_exists', DUPLICATE_EMAIL)
      if (ph && (await db.query('select 1 from auth.users where phone = $1', [ph])).rows[0])
        throw new ApiError(422, 'phone_exists', 'A user with this phone number has already been registered')
      const u = await a.createContactUser(db, {
        email: e,
        phone: ph,
        password: typeof p.password === 'string' && p.password ? p.password : null,
        data: p.user_metadata,
        confirmed: false,
      })
      await applyAttributes(db, u.id, p)
      return (await a.loadUser(db, u.id)).json
    })
  }

  // What adminUserCreate/adminUserUpdate apply after the user exists: role, app_metadata (merged),
  // user_metadata (merged), email_confirm, phone_confirm, ban_duration.
  async function applyAttributes(db, id, p) {
    const t = a.nowDate()
    if (typeof p.role === 'string' && p.role) await db.query('update auth.users set role = $2 where id = $1', [id, p.role])
    if (isObject(p.app_metadata))
      await db.query('update auth.users set raw_app_meta_data = raw_app_meta_data || $2::jsonb where id = $1', [
        id,
        p.app_metadata,
      ])
    if (isObject(p.user_metadata))
      await db.query('update auth.users set raw_user_meta_data = raw_user_meta_data || $2::jsonb where id = $1', [
        id,
        p.user_metadata,
      ])
    if (p.email_confirm === true)
      await db.query('update auth.users set email_confirmed_at = coalesce(email_confirmed_at, $2) where id = $1', [id, t])
    if (p.phone_confirm === true)
      await db.query('update auth.users set phone_confirmed_at = coalesce(phone_confirmed_at, $2) where id = $1', [id, t])
    if (typeof p.ban_duration === 'string' && p.ban_duration) {
      let until = null
      if (p.ban_duration !== 'none') {
        const m = /^(\d+(?:\.\d+)?)(h|m|s|ms)$/.exec(p.ban_duration)
        if (!m)
          throw new ApiError(
            400,
            'validation_failed',
            `invalid format for ban duration: time: invalid duration "${p.ban_duration}"`,
          )
        const unit = { h: 3600e3, m: 60e3, s: 1e3, ms: 1 }[m[2]]
        until = new Date(ctx.now() + Number(m[1]) * unit)
      }
      await db.query('update auth.users set banned_until = $2 where id = $1', [id, until])
    }
    await db.query('update auth.users set updated_at = $2 where id = $1', [id, t])
  }

  // PUT /admin/users/{id} (admin.go adminUserUpdate).
  async function updateUser(id, body) {
    const p = parseJson(body)
    return withTx(pool, async (db) => {
      await userById(db, id)
      if (typeof p.password === 'string') {
        a.checkPasswordStrength(p.password)
        await db.query(
          "update auth.users set encrypted_password = extensions.crypt($2::text, extensions.gen_salt('bf')) where id = $1",
          [id, p.password],
        )
      }
      if (str(p.email)) {
        const e = a.validateEmail(p.email)
        if ((await db.query('select 1 from auth.users where email = $1 and id <> $2', [e, id])).rows[0])
          throw new ApiError(422, 'email_exists', DUPLICATE_EMAIL)
        await db.query('update auth.users set email = $2 where id = $1', [id, e])
      }
      if (str(p.phone)) await db.query('update auth.users set phone = $2 where id = $1', [id, a.validatePhone(p.phone)])
      await applyAttributes(db, id, p)
      return (await a.loadUser(db, id)).json
    })
  }

  // DELETE /admin/users/{id} (admin.go adminUserDelete): `{}`; soft: deleted_at set, identities/factors/sessions gone.
  async function deleteUser(id, body) {
    const p = body && body.trim() ? parseJson(body) : {}
    await userById(pool, id)
    await withTx(pool, async (db) => {
      if (p.should_soft_delete === true) {
        await db.query('update auth.users set deleted_at = coalesce(deleted_at, $2), email = null, phone = null where id = $1', [
          id,
          a.nowDate(),
        ])
        await db.query('delete from auth.identities where user_id = $1', [id])
        await db.query('delete from auth.sessions where user_id = $1', [id])
        await factors()
        await db.query('delete from auth.mfa_factors where user_id = $1', [id])
      } else {
        await db.query('delete from auth.users where id = $1', [id])
      }
    })
    return {}
  }

  // POST /invite (invite.go): a new unconfirmed user (or an unconfirmed one again), with an invite code sent.
  async function invite(body) {
    const p = parseJson(body)
    const email = a.validateEmail(p.email)
    return withTx(pool, async (db) => {
      let u = (await db.query('select * from auth.users where email = $1', [email])).rows[0]
      if (u && u.email_confirmed_at) throw new ApiError(422, 'email_exists', DUPLICATE_EMAIL)
      if (!u) u = await a.createContactUser(db, { email, data: p.data, confirmed: false })
      const code = await a.issueOtp(db, u.id, 'confirmation_token', email)
      await db.query('update auth.users set confirmation_sent_at = $2, invited_at = $2 where id = $1', [u.id, a.nowDate()])
      a.capture(email, 'email', 'invite', code)
      return (await a.loadUser(db, u.id)).json
    })
  }

  // POST /admin/generate_link (mail.go adminGenerateLink): the user's JSON plus action_link, email_otp, hashed_token,
  // redirect_to, verification_type. Nothing is sent.
  async function generateLink(body) {
    const p = parseJson(body)
    const email = a.validateEmail(p.email)
    let type = str(p.type)
    const redirectTo = str(p.redirect_to) || a.siteUrl()
    return withTx(pool, async (db) => {
      let u = (await db.query('select * from auth.users where email = $1', [email])).rows[0]
      if (!u && type === 'magiclink') type = 'signup'
      if (!u && ['recovery', 'email_change_current', 'email_change_new'].includes(type))
        throw new ApiError(404, 'user_not_found', 'User with this email not found')
      if (!LINK_TYPES.includes(type))
        throw new ApiError(400, 'validation_failed', `Invalid email action link type requested: ${type}`)
      if ((type === 'signup' || type === 'invite') && u && u.email_confirmed_at)
        throw new ApiError(422, 'email_exists', DUPLICATE_EMAIL)
      if (type === 'signup' && !u && typeof p.password === 'string') a.checkPasswordStrength(p.password)
      if (!u) u = await a.createContactUser(db, { email, password: str(p.password) || null, data: p.data, confirmed: false })
      const t = a.nowDate()
      let otp
      let relatesTo = email
      if (type === 'magiclink' || type === 'recovery') {
        otp = await a.issueOtp(db, u.id, 'recovery_token', email)
        await db.query('update auth.users set recovery_sent_at = $2 where id = $1', [u.id, t])
      } else if (type === 'signup' || type === 'invite') {
        otp = await a.issueOtp(db, u.id, 'confirmation_token', email)
        await db.query(
          `update auth.users set confirmation_sent_at = $2${type === 'invite' ? ', invited_at = $2' : ''} where id = $1`,
          [u.id, t],
        )
        if (type === 'signup' && isObject(p.data))
          await db.query('update auth.users set raw_user_meta_data = raw_user_meta_data || $2::jsonb where id = $1', [
            u.id,
            p.data,
          ])
      } else {
        const newEmail = a.validateEmail(p.new_email)
        if ((await db.query('select 1 from auth.users where email = $1 and id <> $2', [newEmail, u.id])).rows[0])
          throw new ApiError(422, 'email_exists', DUPLICATE_EMAIL)
        // The emulator has no secure email change: the code for the new address is what /verify email_change reads.
        otp = await a.issueOtp(db, u.id, 'email_change_token_new', newEmail)
        if (type === 'email_change_new') relatesTo = newEmail
        await db.query('update auth.users set email_change = $2, email_change_sent_at = $3 where id = $1', [u.id, newEmail, t])
      }
      const hashed = a.tokenHash(relatesTo, otp)
      const verifyType = type === 'email_change_current' || type === 'email_change_new' ? 'email_change' : type
      const link = `${ctx.baseUrl()}/auth/v1/verify?token=${hashed}&type=${verifyType}&redirect_to=${encodeURIComponent(redirectTo)}`
      return {
        ...(await a.loadUser(db, u.id)).json,
        action_link: link,
        email_otp: otp,
        hashed_token: hashed,
        verification_type: type,
        redirect_to: redirectTo,
      }
    })
  }

  async function listFactors(id) {
    await factors()
    await userById(pool, id)
    const rows = (await pool.query('select * from auth.mfa_factors where user_id = $1 order by created_at, id', [id])).rows
    return rows.map(factorJson)
  }

  // admin.go loadFactor + adminUserDeleteFactor: the deleted factor.
  async function deleteFactor(id, factorId) {
    await factors()
    await userById(pool, id)
    if (!UUID_RE.test(factorId)) throw new ApiError(404, 'validation_failed', 'factor_id must be an UUID')
    const f = (await pool.query('delete from auth.mfa_factors where id = $1 and user_id = $2 returning *', [factorId, id]))
      .rows[0]
    if (!f) throw new ApiError(404, 'mfa_factor_not_found', 'Factor not found')
    await pool.query("update auth.sessions set aal = 'aal1' where user_id = $1", [id])
    return factorJson(f)
  }

  // /auth/v1/admin/...: chi routes with path parameters, so a service of its own.
  const service = {
    prefix: '/auth/v1/admin',
    apikey: true,
    async handle(req, res, r) {
      const version = req.headers['x-supabase-api-version'] ? { 'x-supabase-api-version': '2024-01-01' } : {}
      try {
        const path = r.path.replace(/\/+$/, '') || '/'
        const m = /^\/users(?:\/([^/]+)(?:\/factors(?:\/([^/]+))?)?)?$/.exec(path)
        const body = await r.text()
        const known = m || path === '/generate_link'
        if (!known) throw new ApiError(404, 'not_found', 'Not Found')
        requireAdmin(req)
        const key = `${req.method} ${path === '/generate_link' ? 'link' : m[2] ? 'factor' : path.endsWith('/factors') ? 'factors' : m[1] ? 'user' : 'users'}`
        const id = m && m[1] ? decodeURIComponent(m[1]) : ''
        let out
        switch (key) {
          case 'GET users':
            return await listUsers(req, r.params, res)
          case 'POST users':
            out = await createUser(body)
            break
          case 'GET user':
            out = (await userById(pool, id)).json
            break
          case 'PUT user':
            out = await updateUser(id, body)
            break
          case 'DELETE user':
            out = await deleteUser(id, body)
            break
          case 'GET factors':
            out = await listFactors(id)
            break
          case 'DELETE factor':
            out = await deleteFactor(id, decodeURIComponent(m[2]))
            break
          case 'POST link':
            out = await generateLink(body)
            break
          default:
            throw new ApiError(405, 'method_not_allowed', 'Method Not Allowed')
        }
        return send(res, 200, out, version)
      } catch (e) {
        if (e instanceof ApiError) return sendApiError(req, res, e)
        throw e
      }
    },
  }

  // POST /invite sits outside /admin (api.go: r.With(api.requireAdminCredentials).Post("/invite", api.Invite)).
  const routes = {
    'POST /invite': (req, _params, body) => {
      requireAdmin(req)
      return invite(body)
    },
  }

  // For tests: a factor put straight into the store (the MFA endpoints are another module's).
  async function insertFactor(userId, { factorType = 'totp', status = 'verified', friendlyName = null, phone = null } = {}) {
    await factors()
    const t = a.nowDate()
    const r = await pool.query(
      `insert into auth.mfa_factors (user_id, friendly_name, factor_type, status, created_at, updated_at, phone)
       values ($1, $2, $3, $4, $5, $5, $6) returning *`,
      [userId, friendlyName, factorType, status, t, phone],
    )
    return factorJson(r.rows[0])
  }

  return { service, routes, insertFactor }
}

module.exports = { createAdmin, FACTORS_DDL }
