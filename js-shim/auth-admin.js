'use strict'
// `supabase.auth.admin` and `supabase.auth.admin.mfa`: auth-js' GoTrueAdminApi names, for a client made
// with the service-role key (createClient(url, serviceRoleKey, { auth: { autoRefreshToken: false,
// persistSession: false } })). Each call goes to the core as `admin.<name>` (src/auth/admin.rs), which
// builds the request (the client's key as the bearer) and reads the reply; loaded on first use of
// `auth.admin` (auth.js). Never keep a service-role key in a mini-program that users download.
const { toError } = require('./errors.js')
const { toJson, alias } = require('./util.js')

const USER = { user: null }

// `admin.<name>` with `args` → `{ data, error }`; `empty` is the data when the core cannot be reached.
function run(driver, name, args, empty) {
  return new Promise((resolve) =>
    driver.start(undefined, (core, stored) => core.invoke(name, toJson(args), stored, new Uint8Array(0), Date.now()), {
      done: (out) => {
        // Pages written for the 2.1.x SDK read `user.data` (auth.js does the same for its users).
        if (out.data && typeof out.data === 'object') alias(out.data.user)
        resolve({ data: out.data, error: toError(out.error) })
      },
      lost: (error) => resolve({ data: null, error }),
      fail: (error) => resolve({ data: empty, error }),
    }),
  )
}

class AuthAdminApi {
  constructor(driver) {
    this._driver = driver
    const d = driver
    this.mfa = {
      /** `listFactors({ userId })` → `{ data: { factors } }`. */
      listFactors: (params) => run(d, 'admin.mfa.listFactors', [params], null),
      /**
       * `deleteFactor({ userId, id })` → `{ data: factor }` (`{ id, … }` as auth-js types it; auth-js
       * resolves with `{ data: { data: factor } }`, so `data.data` is there too, hidden).
       */
      deleteFactor: (params) =>
        run(d, 'admin.mfa.deleteFactor', [params], null).then((r) => ({ data: alias(r.data), error: r.error })),
    }
  }

  /** `createUser({ email, phone, password, email_confirm, user_metadata, app_metadata, … })` → `{ data: { user } }`. */
  createUser(attributes) {
    return run(this._driver, 'admin.createUser', [attributes], USER)
  }
  /** `deleteUser(id, shouldSoftDelete = false)` → `{ data: { user } }` (the user as it was). */
  deleteUser(id, shouldSoftDelete) {
    return run(this._driver, 'admin.deleteUser', [id, shouldSoftDelete === true], USER)
  }
  /** `generateLink({ type, email, password?, newEmail?, options: { data, redirectTo } })` → `{ data: { properties, user } }`. */
  generateLink(params) {
    return run(this._driver, 'admin.generateLink', [params], { properties: null, user: null })
  }
  getUserById(uid) {
    return run(this._driver, 'admin.getUserById', [uid], USER)
  }
  /** `inviteUserByEmail(email, { data, redirectTo })` → `{ data: { user } }`. */
  inviteUserByEmail(email, options) {
    return run(this._driver, 'admin.inviteUserByEmail', [email, options], USER)
  }
  /** `listUsers({ page, perPage })` → `{ data: { users, aud, nextPage, lastPage, total } }`. */
  listUsers(params) {
    return run(this._driver, 'admin.listUsers', [params], { users: [] })
  }
  updateUserById(uid, attributes) {
    return run(this._driver, 'admin.updateUserById', [uid, attributes], USER)
  }
  /** `signOut(jwt, scope = 'global')`: ends that user's sessions → `{ data: null, error }`. */
  signOut(jwt, scope) {
    return run(this._driver, 'admin.signOut', [jwt, scope], null)
  }
}

module.exports = { AuthAdminApi }
