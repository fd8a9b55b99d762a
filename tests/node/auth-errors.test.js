'use strict'
// auth-js 2.119's error classes and guards (lib/errors.ts), exported from the package's entry as supabase-js
// re-exports them: each class with auth-js' constructor, name, status, code and JSON; each guard true for our
// errors and, as auth-js' own, for anything carrying `__isAuthError` (another copy of auth-js); and a weak
// password refused by the backend (GoTrue 422 weak_password + reasons) arriving as AuthWeakPasswordError.
// Run: bash scripts/build.sh && node --test tests/node/auth-errors.test.js
const { test, after } = require('node:test')
const assert = require('node:assert/strict')

const { forPlatform } = require('../../js-shim/api.js')
const { toError } = require('../../js-shim/errors.js')
const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { launchUser, closeAll } = require('./lib/e2e')

const api = forPlatform({})
const sims = []
let be
let project
after(() => closeAll({ sims, project, be }))

const CLASSES = [
  'AuthError',
  'AuthApiError',
  'AuthUnknownError',
  'CustomAuthError',
  'AuthSessionMissingError',
  'AuthInvalidTokenResponseError',
  'AuthInvalidCredentialsError',
  'AuthImplicitGrantRedirectError',
  'AuthPKCEGrantCodeExchangeError',
  'AuthPKCECodeVerifierMissingError',
  'AuthRetryableFetchError',
  'AuthRefreshDiscardedError',
  'AuthWeakPasswordError',
  'AuthInvalidJwtError',
]
const GUARDS = {
  isAuthError: null,
  isAuthApiError: 'AuthApiError',
  isAuthSessionMissingError: 'AuthSessionMissingError',
  isAuthImplicitGrantRedirectError: 'AuthImplicitGrantRedirectError',
  isAuthPKCECodeVerifierMissingError: 'AuthPKCECodeVerifierMissingError',
  isAuthRetryableFetchError: 'AuthRetryableFetchError',
  isAuthRefreshDiscardedError: 'AuthRefreshDiscardedError',
  isAuthWeakPasswordError: 'AuthWeakPasswordError',
}

test('every class and guard of auth-js lib/errors.ts is exported, with auth-js constructors and defaults', () => {
  for (const name of CLASSES) {
    assert.equal(typeof api[name], 'function', name)
    assert.equal(api[name].name, name)
    assert.ok(api[name].prototype instanceof Error || name === 'AuthError', name)
  }
  for (const g of Object.keys(GUARDS)) assert.equal(typeof api[g], 'function', g)
  const missing = new api.AuthSessionMissingError()
  assert.deepEqual(missing.toJSON(), {
    name: 'AuthSessionMissingError',
    message: 'Auth session missing!',
    status: 400,
    code: undefined,
  })
  assert.ok(missing instanceof api.CustomAuthError && missing instanceof api.AuthError)
  const weak = new api.AuthWeakPasswordError('too short', 422, ['length'])
  assert.deepEqual(JSON.parse(JSON.stringify(weak)), {
    name: 'AuthWeakPasswordError',
    message: 'too short',
    status: 422,
    code: 'weak_password',
    reasons: ['length'],
  })
  const jwt = new api.AuthInvalidJwtError('Invalid JWT structure')
  assert.equal(jwt.status, 400)
  assert.equal(jwt.code, 'invalid_jwt')
  assert.equal(new api.AuthPKCECodeVerifierMissingError().code, 'pkce_code_verifier_not_found')
  assert.equal(new api.AuthRefreshDiscardedError().status, 409)
  const redirect = new api.AuthImplicitGrantRedirectError('denied', { error: 'access_denied', code: '403' })
  assert.deepEqual(redirect.toJSON().details, { error: 'access_denied', code: '403' })
  assert.equal(new api.AuthPKCEGrantCodeExchangeError('x').details, null)
  const custom = new api.CustomAuthError('m', 'MyError', 418, 'teapot')
  assert.equal(custom.name, 'MyError')
  assert.equal(new api.AuthRetryableFetchError('down', 503).status, 503)
  assert.equal(new api.AuthUnknownError('?', 'orig').originalError, 'orig')
})

test('guards: true for our errors of their class, for foreign objects with __isAuthError, false otherwise', () => {
  for (const [guard, cls] of Object.entries(GUARDS)) {
    const name = cls || 'AuthApiError'
    const ours = toError({ name, message: 'm', status: 400, code: 'c' })
    assert.equal(api[guard](ours), true, `${guard}(${name})`)
    // An error from another copy of auth-js: only the marker and the name.
    const foreign = { __isAuthError: true, name, message: 'm' }
    assert.equal(api[guard](foreign), true, `${guard} of a foreign ${name}`)
    assert.equal(api[guard](new Error('plain')), false)
    assert.equal(api[guard](null), false)
    assert.equal(api[guard]('AuthApiError'), false)
    if (cls) assert.equal(api[guard](toError({ name: 'AuthUnknownError', message: 'm' })), false, `${guard}(other)`)
  }
  // The core's description wins over the class defaults.
  const e = toError({ name: 'AuthSessionMissingError', message: 'gone', status: 403, code: 'session_not_found' })
  assert.deepEqual(e.toJSON(), { name: 'AuthSessionMissingError', message: 'gone', status: 403, code: 'session_not_found' })
  assert.equal(e.msg, 'gone', 'the 2.1.x alias stays')
})

test('a weak password refused by the backend is an AuthWeakPasswordError with its reasons', async () => {
  be = await startBackend({ port: 0, smsCooldown: 0 })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    as: 'supabase',
    clients: { supabase: { setup: "const sdk = require('supabase-wechat')", options: '{}', exports: ['sdk'] } },
  })
  const { app } = await launchUser(be, project, 'o_weak', sims)
  const { sdk, supabase } = app.require('lib/supabase')
  const { data, error } = await supabase.auth.signUp({ email: 'weak@example.com', password: '123' })
  assert.equal(data.user, null)
  assert.equal(error.name, 'AuthWeakPasswordError')
  assert.equal(error.code, 'weak_password')
  assert.equal(error.status, 422)
  assert.deepEqual(JSON.parse(JSON.stringify(error.reasons)), ['length'])
  assert.equal(sdk.isAuthWeakPasswordError(error), true)
  assert.equal(sdk.isAuthApiError(error), false, 'as auth-js: a weak password is not an AuthApiError')
  assert.equal(error instanceof sdk.AuthWeakPasswordError, true)
})
