'use strict'
// `supabase.auth.mfa`: auth-js' GoTrueMFAApi over the core (src/auth/mfa.rs): enroll, challenge,
// verify (the new aal2 session is saved and announced with MFA_CHALLENGE_VERIFIED),
// challengeAndVerify, unenroll, listFactors, getAuthenticatorAssuranceLevel (local, from the
// session's token). Each resolves with `{ data, error }`; `data` is null on failure.
// Loaded the first time a page reads `auth.mfa`.

const METHODS = [
  'enroll',
  'challenge',
  'verify',
  'challengeAndVerify',
  'unenroll',
  'listFactors',
  'getAuthenticatorAssuranceLevel',
]

class MFAApi {
  // `invoke(name, args, read)`: the auth client's call of a core method (data null on failure).
  constructor(invoke) {
    this._invoke = invoke
  }
}

METHODS.forEach((name) => {
  Object.defineProperty(MFAApi.prototype, name, {
    value: function (...args) {
      // getAuthenticatorAssuranceLevel() reads the session from storage first, as getSession does.
      const read = name === 'getAuthenticatorAssuranceLevel' && !args[0] ? 'session' : null
      return this._invoke('mfa.' + name, args, read)
    },
    writable: true,
    configurable: true,
  })
})

module.exports = { MFAApi, METHODS }
