'use strict'
// The OAuth redirect a browser page was opened with, handled once when the driver has loaded the
// core (browser platform, `auth.detectSessionInUrl` not false): the address goes to the core, which
// decides whether it is a redirect and what to do with it (exchange the code with the stored
// verifier, adopt implicit tokens, or report `?error=`). The client is ready once that finished, so
// `INITIAL_SESSION` and `getSession` see its session. The redirect's parameters are then removed
// from the address bar, so a reload does not replay them: the core computes the cleaned address
// (`Core.cleanedUrl`), the platform only shows it.
const { toError } = require('./errors.js')
const { toJson, whenDone } = require('./util.js')

// → undefined when there is no address to read (WeChat) or detection is off, else `{ error }` of
// the redirect's handling (error null when the address was no redirect or it succeeded), or a
// Promise of it.
function sessionFromUrl(driver, core) {
  const p = driver.platform
  const auth = (driver.options && driver.options.auth) || {}
  if (typeof p.currentUrl !== 'function' || auth.detectSessionInUrl === false) return undefined
  const url = p.currentUrl()
  return whenDone(
    driver.read('verifier'),
    (verifier) =>
      new Promise((resolve) => {
        const settle = (error, data) => {
          if ((data !== null || error) && !driver.broken)
            driver.guard(() => p.cleanUrl(core.call('cleanedUrl', 0, 0, p.currentUrl())))
          resolve({ error })
        }
        driver.run((c) => c.invoke('sessionFromUrl', toJson([url]), verifier, new Uint8Array(0), Date.now()), {
          done: (out) => settle(toError(out.error), out.data),
          lost: (err) => settle(err, null),
          fail: (err) => settle(err, null),
        })
      }),
  )
}

module.exports = { sessionFromUrl }
