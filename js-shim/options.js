'use strict'
// supabase-js options the shim itself reads (the core reads the rest from their JSON):
//   accessToken   third-party auth (supabase-js' SupabaseClient): an async function whose token is the
//                 Bearer of every Database / Storage / Functions request (and realtime's, through
//                 setAuth); `supabase.auth.*` then throws as in supabase-js, and no session of ours is kept.
//   auth.debug    true (console.log) or a function(message): each auth call's begin and end (its error's
//                 class, code and status) and each event, never an argument, a token, a code or a key.
//   auth.lock     accepted and not called: every auth call goes through the core, where one refresh is in
//                 flight at a time and every caller waits on it (single-flight), in the one JS thread a
//                 mini-program has, so there is nothing for a lock to serialize.
//   global.fetch  a mini-program has no fetch (the WeChat request API does the I/O): warned about once, not used.
const { messageOf } = require('./util.js')

let fetchWarned = false

/** `{ options, platform, accessToken }` for the client: the options the core gets, the I/O adapters. */
function adapt(options, platform, key) {
  const opts = Object.assign({}, options)
  const g = opts.global
  if (g && typeof g === 'object' && g.fetch !== undefined && !fetchWarned) {
    fetchWarned = true
    console.warn(
      'supabase-wechat: options.global.fetch is not used: requests go through the WeChat request API in a mini-program (use global.headers for extra headers)',
    )
  }
  const accessToken = typeof opts.accessToken === 'function' ? opts.accessToken : null
  delete opts.accessToken
  if (!accessToken) return { options: opts, platform, accessToken: null }
  // Third-party auth: the session is the other provider's; ours is neither read nor kept.
  opts.auth = Object.assign({}, opts.auth, { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false })
  return { options: opts, platform: withBearer(platform, accessToken, 'Bearer ' + key), accessToken }
}

// The data path's requests (`transfer`) carry `Bearer <accessToken()>` instead of the anon key's; a
// request with an Authorization header of the caller's own keeps it (supabase-js' fetchWithAuth).
function withBearer(platform, accessToken, anon) {
  return Object.assign({}, platform, {
    transfer(out, payload, onResponse, onFail) {
      let task = null
      let aborted = false
      Promise.resolve()
        .then(() => accessToken())
        .then(
          (token) => {
            if (!aborted) task = platform.transfer(bearer(out, token, anon), payload, onResponse, onFail)
          },
          (e) => {
            if (!aborted) onFail('request:fail accessToken() failed: ' + messageOf(e))
          },
        )
      return {
        abort() {
          aborted = true
          if (task && typeof task.abort === 'function') task.abort()
        },
      }
    },
  })
}

function bearer(out, token, anon) {
  if (typeof token !== 'string' || !token) return out
  const headers = {}
  const names = Object.keys(out.headers || {})
  for (let i = 0; i < names.length; i++) {
    const k = names[i]
    if (k.toLowerCase() !== 'authorization') headers[k] = out.headers[k]
    else if (out.headers[k] !== anon) return out
  }
  headers.Authorization = 'Bearer ' + token
  return Object.assign({}, out, { headers })
}

// `supabase.auth` of a client with accessToken: every property throws, as supabase-js' Proxy does.
function authUnavailable() {
  const fail = (prop) => {
    throw new Error(
      '@supabase/supabase-js: Supabase Client is configured with the accessToken option, accessing supabase.auth.' +
        String(prop) +
        ' is not possible',
    )
  }
  if (typeof Proxy === 'function') return new Proxy({}, { get: (_, prop) => fail(prop) })
  return {}
}

/** `auth.debug`: a logger of messages (true: console.log; a function: it), or null. */
function debugLogger(debug) {
  if (debug === true) return (message) => console.log(message)
  if (typeof debug === 'function') {
    return (message) => {
      try {
        debug(message)
      } catch (e) {
        console.error('supabase-wechat: auth.debug failed:', messageOf(e))
      }
    }
  }
  return null
}

/** auth-js' `processLock` / `navigatorLock`, for pages that pass one as `auth.lock`: it just runs `fn`. */
function processLock(_name, _acquireTimeout, fn) {
  return Promise.resolve().then(fn)
}

module.exports = { adapt, authUnavailable, debugLogger, processLock }
