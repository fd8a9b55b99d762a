'use strict'
// auth.admin.* and auth.admin.mfa.* through the built package in the strict simulator, against the local
// backend's GoTrue admin API (backend/auth-admin.js; supabase/auth internal/api/admin.go, invite.go, mail.go,
// middleware.go requireAdminCredentials). A service-role client as supabase-js documents it:
// createClient(url, serviceRoleKey, { auth: { autoRefreshToken: false, persistSession: false } }).
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { startBackend } = require('../../backend')
const { FACTORS_DDL } = require('../../backend/auth-admin')
const { clientProject } = require('./lib/project')
const { launchUser, closeAll } = require('./lib/e2e')

let be
let project
const sims = []

// MemFire's auth-admin pages (docs.memfiredb.com/docs/app/sdkdocs/javascript/auth-admin/…), their examples as
// written, each wrapped in a function of the page (the docs' `supabase` is the service-role client here).
const EXAMPLES = `
const { supabase } = require('./admin')
module.exports = {
  async createUserWithMetadata() {
    const { data, error } = await supabase.auth.admin.createUser({
      email: 'user@email.com',
      password: 'password',
      user_metadata: { name: 'Yoda' }
    })
    return { data, error }
  },
  async createUserConfirmEmail() {
    const { data, error } = await supabase.auth.admin.createUser({
      email: 'user2@email.com',
      email_confirm: true
    })
    return { data, error }
  },
  async createUserConfirmPhone() {
    const { data, error } = await supabase.auth.admin.createUser({
      phone: '1234567890',
      phone_confirm: true
    })
    return { data, error }
  },
  async listUsers() {
    const { data: { users }, error } = await supabase.auth.admin.listUsers()
    return { users, error }
  },
  async listUsersPaged() {
    const { data: { users }, error } = await supabase.auth.admin.listUsers({
      page: 1,
      perPage: 1000
    })
    return { users, error }
  },
  async getUserById(id) {
    const { data, error } = await supabase.auth.admin.getUserById(id)
    return { data, error }
  },
  async updateEmail(id) {
    const { data: user, error } = await supabase.auth.admin.updateUserById(
      id,
      { email: 'new@email.com' }
    )
    return { user, error }
  },
  async updatePassword(id) {
    const { data: user, error } = await supabase.auth.admin.updateUserById(
      id,
      { password: 'new_password' }
    )
    return { user, error }
  },
  async updateMetadata(id) {
    const { data: user, error } = await supabase.auth.admin.updateUserById(
      id,
      { user_metadata: { hello: 'world' } }
    )
    return { user, error }
  },
  async updateAppMetadata(id) {
    const { data: user, error } = await supabase.auth.admin.updateUserById(
      id,
      { app_metadata: { plan: 'trial' } }
    )
    return { user, error }
  },
  async confirmEmail(id) {
    const { data: user, error } = await supabase.auth.admin.updateUserById(
      id,
      { email_confirm: true }
    )
    return { user, error }
  },
  async confirmPhone(id) {
    const { data: user, error } = await supabase.auth.admin.updateUserById(
      id,
      { phone_confirm: true }
    )
    return { user, error }
  },
  async banUser(id) {
    const { data: user, error } = await supabase.auth.admin.updateUserById(
      id,
      { ban_duration: '24h' }
    )
    return { user, error }
  },
  async inviteUserByEmail() {
    const { data, error } = await supabase.auth.admin.inviteUserByEmail('email@example.com')
    return { data, error }
  },
  async generateSignupLink() {
    const { data, error } = await supabase.auth.admin.generateLink({
      type: 'signup',
      email: 'email@example.com',
      password: 'secret'
    })
    return { data, error }
  },
  async generateInviteLink() {
    const { data, error } = await supabase.auth.admin.generateLink({
      type: 'invite',
      email: 'email@example.com'
    })
    return { data, error }
  },
  async generateMagicLink() {
    const { data, error } = await supabase.auth.admin.generateLink({
      type: 'magiclink',
      email: 'email@example.com'
    })
    return { data, error }
  },
  async generateRecoveryLink() {
    const { data, error } = await supabase.auth.admin.generateLink({
      type: 'recovery',
      email: 'email@example.com'
    })
    return { data, error }
  },
  async generateEmailChangeLink() {
    const { data, error } = await supabase.auth.admin.generateLink({
      type: 'email_change_current',
      email: 'email@example.com',
      newEmail: 'new_email@example.com'
    })
    return { data, error }
  },
  async deleteUser(id) {
    const { data, error } = await supabase.auth.admin.deleteUser(id)
    return { data, error }
  },
  async listFactors(id) {
    const { data, error } = await supabase.auth.admin.mfa.listFactors({ userId: id })
    return { data, error }
  },
  async deleteFactor(userId, id) {
    const { data, error } = await supabase.auth.admin.mfa.deleteFactor({ id, userId })
    return { data, error }
  },
}
`

before(async () => {
  be = await startBackend({ port: 0, smsCooldown: 0 })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    as: 'supabase',
    clients: {
      supabase: {},
      admin: { key: be.serviceRoleKey, options: { auth: { autoRefreshToken: false, persistSession: false } } },
    },
    files: { 'lib/examples.js': EXAMPLES },
  })
})

after(() => closeAll({ sims, project, be }))

const launch = (openid) => launchUser(be, project, openid, sims)

// The data as a page sees it, through JSON (what the core handed over; hidden aliases dropped).
const plain = (v) => JSON.parse(JSON.stringify(v))

test("MemFire's auth.admin examples run as written with a service-role client", async () => {
  const { app } = await launch('o_admin_examples')
  const ex = app.require('lib/examples')

  const a = await ex.createUserWithMetadata()
  assert.equal(a.error, null, a.error && a.error.message)
  assert.equal(a.data.user.email, 'user@email.com')
  assert.equal(a.data.user.user_metadata.name, 'Yoda')
  assert.equal(a.data.user.email_confirmed_at, undefined, 'not confirmed unless email_confirm')
  assert.deepEqual(Object.keys(plain(a.data)), ['user'])
  const b = await ex.createUserConfirmEmail()
  assert.equal(b.error, null)
  assert.ok(b.data.user.email_confirmed_at)
  const c = await ex.createUserConfirmPhone()
  assert.equal(c.error, null, c.error && c.error.message)
  assert.equal(c.data.user.phone, '1234567890')
  assert.ok(c.data.user.phone_confirmed_at)

  const all = await ex.listUsers()
  assert.equal(all.error, null)
  assert.deepEqual(plain(all.users.map((u) => u.email).sort()), ['', 'user2@email.com', 'user@email.com'])
  const paged = await ex.listUsersPaged()
  assert.equal(paged.users.length, 3)

  const got = await ex.getUserById(a.data.user.id)
  assert.equal(got.error, null)
  assert.equal(got.data.user.id, a.data.user.id)
  assert.equal(got.data.user.data.email, 'user@email.com', 'user.data alias, as for every user the SDK returns')

  const id = a.data.user.id
  const e1 = await ex.updateEmail(id)
  assert.equal(e1.error, null)
  assert.equal(e1.user.user.email, 'new@email.com')
  assert.equal((await ex.updatePassword(id)).error, null)
  assert.deepEqual(plain((await ex.updateMetadata(id)).user.user.user_metadata), { name: 'Yoda', hello: 'world' })
  assert.equal((await ex.updateAppMetadata(id)).user.user.app_metadata.plan, 'trial')
  assert.ok((await ex.confirmEmail(id)).user.user.email_confirmed_at)
  assert.equal((await ex.confirmPhone(id)).error, null)

  // The new password works for a sign-in (the anon client).
  const { supabase } = app.require('lib/supabase')
  const si = await supabase.auth.signInWithPassword({ email: 'new@email.com', password: 'new_password' })
  assert.equal(si.error, null, si.error && si.error.message)

  // A ban (GoTrue's ban_duration, a Go duration): banned_until is set a day ahead.
  const ban = await ex.banUser(c.data.user.id)
  assert.equal(ban.error, null, ban.error && ban.error.message)
  assert.ok(Date.parse(ban.user.user.banned_until) > Date.now())

  const inv = await ex.inviteUserByEmail()
  assert.equal(inv.error, null, inv.error && inv.error.message)
  assert.equal(inv.data.user.email, 'email@example.com')
  assert.ok(inv.data.user.confirmation_sent_at)

  // generateLink: { properties, user }; the invited (unconfirmed) address may be invited or signed up again.
  for (const [fn, type] of [
    ['generateInviteLink', 'invite'],
    ['generateSignupLink', 'signup'],
    ['generateMagicLink', 'magiclink'],
    ['generateRecoveryLink', 'recovery'],
    ['generateEmailChangeLink', 'email_change_current'],
  ]) {
    const r = await ex[fn]()
    assert.equal(r.error, null, `${fn}: ${r.error && r.error.message}`)
    assert.deepEqual(Object.keys(plain(r.data)), ['properties', 'user'])
    assert.deepEqual(plain(Object.keys(r.data.properties).sort()), [
      'action_link',
      'email_otp',
      'hashed_token',
      'redirect_to',
      'verification_type',
    ])
    assert.equal(r.data.properties.verification_type, type)
    assert.match(r.data.properties.email_otp, /^\d{6}$/)
    assert.equal(r.data.user.email, 'email@example.com')
    assert.equal(r.data.user.action_link, undefined, 'the link properties are not in the user')
  }
  // A magic link's hashed_token signs the user in (verifyOtp({ token_hash, type })).
  const ml = await ex.generateMagicLink()
  const v = await supabase.auth.verifyOtp({ token_hash: ml.data.properties.hashed_token, type: 'magiclink' })
  assert.equal(v.error, null, v.error && v.error.message)
  assert.equal(v.data.user.id, inv.data.user.id)

  // deleteUser resolves with the user as it was (auth-js 2.119 reads it first), then it is gone.
  const del = await ex.deleteUser(b.data.user.id)
  assert.equal(del.error, null)
  assert.equal(del.data.user.id, b.data.user.id)
  assert.equal(del.data.user.email, 'user2@email.com')
  const gone = await ex.getUserById(b.data.user.id)
  assert.deepEqual(plain(gone.data), { user: null })
  assert.equal(gone.error.name, 'AuthApiError')
  assert.equal(gone.error.status, 404)
  assert.equal(gone.error.code, 'user_not_found')
  assert.equal(gone.error.message, 'User not found')

  // MFA factors of a user (put straight into the store: enrollment is auth.mfa's).
  await be.db.query(FACTORS_DDL)
  const f = (
    await be.db.query(
      `insert into auth.mfa_factors (user_id, friendly_name, factor_type, status, created_at, updated_at)
       values ($1, 'phone app', 'totp', 'verified', now(), now()) returning id`,
      [id],
    )
  ).rows[0]
  const lf = await ex.listFactors(id)
  assert.equal(lf.error, null)
  assert.deepEqual(
    plain(lf.data.factors).map((x) => [x.id, x.factor_type, x.status, x.friendly_name]),
    [[f.id, 'totp', 'verified', 'phone app']],
  )
  const df = await ex.deleteFactor(id, f.id)
  assert.equal(df.error, null)
  assert.equal(df.data.id, f.id)
  assert.equal(df.data.data.id, f.id, "auth-js' runtime shape, data.data, is there too")
  assert.deepEqual(plain((await ex.listFactors(id)).data.factors), [])
  const again = await ex.deleteFactor(id, f.id)
  assert.equal(again.data, null)
  assert.equal(again.error.status, 404)
  assert.equal(again.error.code, 'mfa_factor_not_found')
})

test('listUsers pages as auth-js reads the Link and X-Total-Count headers', async () => {
  const { app } = await launch('o_admin_pages')
  const { supabase: admin } = app.require('lib/admin')
  const before = (await admin.auth.admin.listUsers()).data.total
  for (let i = 0; i < 3; i++) {
    const r = await admin.auth.admin.createUser({ email: `page${i}@example.com`, password: 'secret-123' })
    assert.equal(r.error, null)
  }
  const total = before + 3
  const first = await admin.auth.admin.listUsers({ page: 1, perPage: 2 })
  assert.equal(first.error, null)
  assert.deepEqual(Object.keys(plain(first.data)), ['users', 'aud', 'nextPage', 'lastPage', 'total'])
  assert.equal(first.data.aud, 'authenticated')
  assert.equal(first.data.users.length, 2)
  assert.equal(first.data.nextPage, 2)
  assert.equal(first.data.lastPage, Math.ceil(total / 2))
  assert.equal(first.data.total, total)
  const last = await admin.auth.admin.listUsers({ page: first.data.lastPage, perPage: 2 })
  assert.equal(last.data.nextPage, null, 'no rel="next" on the last page')
  assert.equal(last.data.users.length, total % 2 || 2)
})

test('only the service role: a user token gets 403 not_admin, the anon key too', async () => {
  const { app } = await launch('o_admin_refused')
  const { supabase } = app.require('lib/supabase')
  // The anon client: GoTrue's requireAdmin refuses its key's role.
  const r = await supabase.auth.admin.createUser({ email: 'nope@example.com' })
  assert.deepEqual(plain(r.data), { user: null })
  assert.equal(r.error.name, 'AuthApiError')
  assert.equal(r.error.status, 403)
  assert.equal(r.error.code, 'not_admin')
  assert.equal(r.error.message, 'User not allowed')
  const l = await supabase.auth.admin.listUsers()
  assert.deepEqual(plain(l.data), { users: [] })
  assert.equal(l.error.code, 'not_admin')
  const g = await supabase.auth.admin.generateLink({ type: 'magiclink', email: 'x@example.com' })
  assert.deepEqual(plain(g.data), { properties: null, user: null })
  assert.equal(g.error.code, 'not_admin')
  // A signed-in client still sends its key, not the session's token (auth-js: the client's headers).
  const up = await supabase.auth.signUp({ email: 'signed@example.com', password: 'secret-123' })
  assert.equal(up.error, null)
  const i = await supabase.auth.admin.inviteUserByEmail('other@example.com')
  assert.equal(i.error.code, 'not_admin')
  // The user's own access token, straight to GoTrue: requireAdmin refuses its role (authenticated) too.
  const res = await fetch(`${be.url}/auth/v1/admin/users`, {
    headers: { apikey: be.anonKey, authorization: `Bearer ${up.data.session.access_token}` },
  })
  assert.equal(res.status, 403)
  assert.deepEqual(await res.json(), { code: 403, error_code: 'not_admin', msg: 'User not allowed' })
})

test('arguments: UUIDs checked before sending, scopes, soft delete, signOut(jwt) of another user', async () => {
  const { app } = await launch('o_admin_args')
  const { supabase: admin } = app.require('lib/admin')
  const { supabase } = app.require('lib/supabase')
  const requests = () => be.requests.length
  const n = requests()
  const bad = await admin.auth.admin.getUserById('not-a-uuid')
  assert.deepEqual(plain(bad.data), { user: null })
  assert.equal(bad.error.message, '@supabase/auth-js: Expected parameter to be UUID but is not')
  assert.equal((await admin.auth.admin.deleteUser('x')).error.message, bad.error.message)
  assert.equal((await admin.auth.admin.mfa.listFactors({ userId: 'x' })).error.message, bad.error.message)
  const scope = await admin.auth.admin.signOut('jwt', 'everywhere')
  assert.match(scope.error.message, /scope must be one of global, local, others/)
  assert.equal(requests(), n, 'nothing sent')

  // signOut(jwt): that user's sessions end; the admin client's own (absent) session is untouched.
  const up = await supabase.auth.signUp({ email: 'out@example.com', password: 'secret-123' })
  assert.equal(up.error, null)
  const token = up.data.session.access_token
  const out = await admin.auth.admin.signOut(token)
  assert.deepEqual(plain(out), { data: null, error: null })
  const refreshed = await supabase.auth.refreshSession()
  assert.ok(refreshed.error, 'the refresh token died with the session')

  // Soft delete: should_soft_delete is sent; the user row stays with deleted_at.
  const u = (await admin.auth.admin.createUser({ email: 'soft@example.com' })).data.user
  const soft = await admin.auth.admin.deleteUser(u.id, true)
  assert.equal(soft.error, null)
  assert.equal(soft.data.user.id, u.id)
  const sent = be.requests.filter((r) => r.method === 'DELETE' && r.path.includes(u.id))
  assert.equal(sent.length, 1)
  assert.deepEqual(JSON.parse(sent[0].body), { should_soft_delete: true })
  const row = (await be.db.query('select deleted_at from auth.users where id = $1', [u.id])).rows[0]
  assert.ok(row.deleted_at)
})
