'use strict'
// GoTrue's identity endpoints and the other ways in, for issue 14 (wired into auth.js with a few lines):
//   POST   /token?grant_type=id_token      supabase/auth internal/api/token_oidc.go (IdTokenGrant; link_identity)
//   GET    /user/identities/authorize      internal/api/identity.go LinkIdentity (skip_http_redirect=true -> { url })
//   DELETE /user/identities/{identity_id}  internal/api/identity.go DeleteIdentity
//   POST   /sso                            internal/api/sso.go SingleSignOn (skip_http_redirect -> { url })
//   GET    /.well-known/jwks.json          internal/api/jwks.go (no asymmetric keys here: HS256 only -> { keys: [] })
// Anonymous sign-in (POST /signup without email or phone, internal/api/anonymous.go) is in auth.js' signup.
//
// The fake OIDC provider: `keycloak` (GoTrue's configurable issuer, GOTRUE_EXTERNAL_KEYCLOAK_URL) with issuer
// `<base>/oidc` and client id OIDC_CLIENT_ID, signing RS256 id_tokens with a key pair made at start. Tests mint
// one with POST /_control/oidc/id_token { sub, email, email_verified, nonce, aud, exp, iss } -> { id_token }
// (the nonce is stored hashed, sha256 hex, as GoTrue expects from a provider). GoTrue checks it as go-oidc does:
// signature, issuer, expiry, then sub, audience and nonce (token_oidc.go), each refusal an OAuth error body.
const crypto = require('node:crypto')
const { ApiError, parseJson, send, sendApiError } = require('./http-util')
const { withTx } = require('./db')

const OIDC_PROVIDER = 'keycloak'
const OIDC_CLIENT_ID = 'sbwx-oidc-client'
// The id_token providers GoTrue knows by name (token_oidc.go getProvider); here only keycloak is enabled.
const KNOWN_ISSUERS = {
  apple: 'https://appleid.apple.com',
  google: 'https://accounts.google.com',
  facebook: 'https://www.facebook.com',
  kakao: 'https://kauth.kakao.com',
  azure: 'https://login.microsoftonline.com/common/v2.0',
}
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const str = (v) => (typeof v === 'string' ? v : '')
const b64u = (x) => Buffer.from(x).toString('base64url')
// token_oidc.go: oauthError("invalid request", ...) is sent as it is: { error, error_description }, status 400.
const oauthError = (error, description) => new ApiError(400, null, description, { error, error_description: description })

// deps: what auth.js shares (pool, cfg, ctx, authenticate, loadUser, signIn, addProvider, nowDate, oauthLink).
function createIdentity(deps) {
  const { pool, cfg, ctx, authenticate, loadUser, signIn, addProvider, nowDate } = deps
  const keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = crypto.randomUUID()
  const issuer = () => `${ctx.baseUrl()}/oidc`
  const nowSec = () => Math.floor(ctx.now() / 1000)

  function mintIdToken(p) {
    const claims = {
      iss: p.iss || issuer(),
      sub: p.sub === undefined ? 'oidc-user' : p.sub,
      aud: p.aud || OIDC_CLIENT_ID,
      iat: nowSec(),
      exp: p.exp || nowSec() + 3600,
    }
    if (p.email) Object.assign(claims, { email: p.email, email_verified: p.email_verified !== false })
    if (p.name) claims.name = p.name
    if (p.nonce) claims.nonce = crypto.createHash('sha256').update(String(p.nonce)).digest('hex')
    const head = b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))
    const body = b64u(JSON.stringify(claims))
    const sig = crypto.sign('sha256', Buffer.from(`${head}.${body}`), keys.privateKey).toString('base64url')
    return `${head}.${body}.${sig}`
  }

  // go-oidc's Verifier: RS256 signature by the provider's key, issuer, expiry; any failure is "Bad ID token".
  function verifyIdToken(token) {
    const parts = token.split('.')
    const bad = () => oauthError('invalid request', 'Bad ID token')
    if (parts.length !== 3) throw bad()
    let header, claims
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'))
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    } catch (_) {
      throw bad()
    }
    const ok =
      header.alg === 'RS256' &&
      crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), keys.publicKey, Buffer.from(parts[2], 'base64url'))
    if (!ok || claims.iss !== issuer() || !(typeof claims.exp === 'number' && claims.exp > nowSec())) throw bad()
    return claims
  }

  // GoTrue's GOTRUE_SECURITY_MANUAL_LINKING_ENABLED (off by default): identity.go / user.go refuse with 404.
  function requireManualLinking() {
    if (!cfg.manualLinking) throw new ApiError(404, 'manual_linking_disabled', 'Manual linking is disabled')
  }

  // identity.go linkIdentityToUser: a (provider, sub) already linked is refused; else the identity is added, the
  // providers list updated and an anonymous user becomes a permanent one.
  async function linkToUser(db, userId, provider, sub, identityData) {
    const cur = (await db.query('select user_id from auth.identities where provider = $1 and provider_id = $2', [provider, sub]))
      .rows[0]
    if (cur) {
      const msg = cur.user_id === userId ? 'Identity is already linked' : 'Identity is already linked to another user'
      throw new ApiError(422, 'identity_already_exists', msg)
    }
    const t = nowDate()
    await db.query(
      `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $5, $5)`,
      [sub, userId, identityData, provider, t],
    )
    await addProvider(db, userId, provider)
    await db.query('update auth.users set is_anonymous = false, updated_at = $2 where id = $1', [userId, t])
    return userId
  }

  // POST /token?grant_type=id_token (token_oidc.go IdTokenGrant).
  async function idTokenGrant(req, data) {
    const idToken = str(data.id_token)
    const provider = str(data.provider)
    if (!idToken) throw oauthError('invalid request', 'id_token required')
    if (!provider && !(str(data.client_id) && str(data.issuer)))
      throw oauthError('invalid request', 'provider or client_id and issuer required')
    if (provider !== OIDC_PROVIDER) {
      if (KNOWN_ISSUERS[provider])
        throw new ApiError(400, 'provider_disabled', `Provider (issuer "${KNOWN_ISSUERS[provider]}") is not enabled`)
      throw new ApiError(400, 'validation_failed', `Custom OIDC provider "${provider}" not allowed`)
    }
    const claims = verifyIdToken(idToken)
    if (!claims.sub) throw oauthError('invalid request', 'Missing sub claim in id_token')
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
    if (!auds.includes(OIDC_CLIENT_ID)) throw oauthError('invalid request', 'Unacceptable audience in id_token')
    const nonce = str(data.nonce)
    if (!!claims.nonce !== !!nonce)
      throw oauthError('invalid request', 'Passed nonce and nonce in id_token should either both exist or not.')
    if (nonce && crypto.createHash('sha256').update(nonce).digest('hex') !== claims.nonce)
      throw oauthError('invalid nonce', 'Nonces mismatch')
    const sub = String(claims.sub)
    const identityData = { iss: claims.iss, sub, provider_id: sub }
    if (claims.email) Object.assign(identityData, { email: claims.email, email_verified: !!claims.email_verified })
    if (claims.name) identityData.name = claims.name
    // link_identity: the signed-in user (Bearer) gets the identity (manual linking).
    let target = null
    if (data.link_identity === true) {
      requireManualLinking()
      target = (await authenticate(req)).user.row.id
    }
    return withTx(pool, async (db) => {
      let userId
      if (target) {
        userId = await linkToUser(db, target, OIDC_PROVIDER, sub, identityData)
      } else {
        const ident = (
          await db.query('select user_id from auth.identities where provider = $1 and provider_id = $2', [OIDC_PROVIDER, sub])
        ).rows[0]
        if (ident) {
          userId = ident.user_id
        } else {
          if (cfg.disableSignup) throw new ApiError(422, 'signup_disabled', 'Signups not allowed for this instance')
          const t = nowDate()
          const email = claims.email && claims.email_verified ? String(claims.email).toLowerCase() : null
          const taken = email && (await db.query('select id from auth.users where email = $1', [email])).rows[0]
          userId = taken
            ? taken.id // GoTrue's automatic linking: the same verified email is the same user
            : (
                await db.query(
                  `insert into auth.users (aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
                   values ('authenticated', 'authenticated', $1, $2, $3, $4, $5, $5) returning id`,
                  [email, email ? t : null, { provider: OIDC_PROVIDER, providers: [] }, identityData, t],
                )
              ).rows[0].id
          await linkToUser(db, userId, OIDC_PROVIDER, sub, identityData)
        }
      }
      return signIn(db, userId, 'oauth', req, OIDC_PROVIDER)
    })
  }

  // DELETE /user/identities/{id} (identity.go DeleteIdentity). Unlinking wechat_mini also forgets the user's
  // openid (MemFire keeps it on auth.users), so that WeChat account can sign in or be bound again.
  async function deleteIdentity(req, id) {
    const { user } = await authenticate(req)
    requireManualLinking()
    if (!UUID_RE.test(id)) throw new ApiError(404, 'validation_failed', 'identity_id must be an UUID')
    const ids = user.json.identities || []
    if (ids.length <= 1)
      throw new ApiError(422, 'single_identity_not_deletable', 'User must have at least 1 identity after unlinking')
    const target = ids.find((i) => i.identity_id === id)
    if (!target) throw new ApiError(422, 'identity_not_found', "Identity doesn't exist")
    await withTx(pool, async (db) => {
      const userId = user.row.id
      await db.query('delete from auth.identities where id = $1', [id])
      const t = nowDate()
      if (target.provider === 'phone')
        await db.query('update auth.users set phone = null, phone_confirmed_at = null where id = $1', [userId])
      if (target.provider === 'wechat_mini')
        await db.query('update auth.users set wechat_openid = null where id = $1 and wechat_openid = $2', [userId, target.id])
      // UpdateAppMetaDataProviders: providers = the remaining identities' providers.
      const left = (
        await db.query('select distinct provider from auth.identities where user_id = $1 order by provider', [userId])
      ).rows
      await db.query(
        `update auth.users set raw_app_meta_data = raw_app_meta_data || jsonb_build_object('providers', $2::jsonb), updated_at = $3
         where id = $1`,
        [userId, JSON.stringify(left.map((r) => r.provider)), t],
      )
    })
    return {}
  }

  // GET /user/identities/authorize (identity.go LinkIdentity): the provider's URL; its callback links, not signs in.
  async function linkAuthorize(req, params) {
    const { user } = await authenticate(req)
    requireManualLinking()
    const url = deps.oauthLink(req, params, user.row.id)
    return { url }
  }

  // POST /sso (sso.go SingleSignOn) against cfg.ssoProviders: [{ id, domains, idp }] (none by default).
  async function sso(_req, data) {
    const providerId = str(data.provider_id)
    const domain = str(data.domain)
    if (providerId && domain) throw new ApiError(400, 'validation_failed', 'Only one of provider_id or domain supported')
    if (!providerId && !domain) throw new ApiError(400, 'validation_failed', 'A provider_id or domain needs to be provided')
    if (providerId && !UUID_RE.test(providerId))
      throw new ApiError(400, 'bad_json', 'Could not parse request body as JSON: invalid UUID')
    const method = str(data.code_challenge_method).toLowerCase()
    if (!!str(data.code_challenge) !== !!method || (method && !['s256', 'plain'].includes(method)))
      throw new ApiError(400, 'validation_failed', 'PKCE flow requires code_challenge_method and code_challenge')
    const list = cfg.ssoProviders || []
    const p = providerId ? list.find((x) => x.id === providerId) : list.find((x) => (x.domains || []).includes(domain))
    if (!p)
      throw new ApiError(
        404,
        'sso_provider_not_found',
        providerId ? 'No such SSO provider' : 'No SSO provider assigned for this domain',
      )
    const relay = crypto.randomUUID()
    const samlRequest = b64u(`<samlp:AuthnRequest ID="_${crypto.randomUUID()}" Destination="${p.idp}"/>`)
    const url = `${p.idp}?SAMLRequest=${encodeURIComponent(samlRequest)}&RelayState=${relay}`
    if (data.skip_http_redirect !== true)
      throw new ApiError(400, 'validation_failed', 'skip_http_redirect: only the JSON answer is emulated')
    return { url }
  }

  // /auth/v1/user/identities/... (the route table matches whole paths only).
  const identitiesService = {
    prefix: '/auth/v1/user/identities',
    apikey: true,
    async handle(req, res, r) {
      try {
        const path = r.path.replace(/\/+$/, '')
        let out
        if (path === '/authorize' && req.method === 'GET') out = await linkAuthorize(req, r.params)
        else if (/^\/[^/]+$/.test(path) && path !== '/authorize' && req.method === 'DELETE')
          out = await deleteIdentity(req, decodeURIComponent(path.slice(1)))
        else throw new ApiError(404, 'not_found', 'Not Found')
        return send(res, 200, out)
      } catch (e) {
        if (e instanceof ApiError) return sendApiError(req, res, e)
        throw e
      }
    },
  }

  const controlService = {
    prefix: '/_control/oidc/id_token',
    apikey: false,
    async handle(req, res, r) {
      if (req.method !== 'POST') return send(res, 405, { message: 'method not allowed' })
      return send(res, 200, { id_token: mintIdToken(parseJson(await r.text()) || {}), client_id: OIDC_CLIENT_ID })
    },
  }

  const routes = {
    'POST /sso': (req, _params, body) => sso(req, parseJson(body)),
    'GET /.well-known/jwks.json': async () => ({ keys: [] }),
  }

  return { routes, services: [identitiesService, controlService], idTokenGrant, linkToUser, mintIdToken, loadUser }
}

module.exports = { createIdentity, OIDC_PROVIDER, OIDC_CLIENT_ID }
