'use strict'
// GoTrue's redirect_to check (supabase/auth internal/utilities/request.go: GetReferrer, IsRedirectURLValid) and
// its URI allow list (GOTRUE_URI_ALLOW_LIST: each entry compiled with gobwas/glob, separators '.' and '/').

// gobwas/glob with separators '.' and '/': `*` = any run of non-separators, `**` = any run, `?` = one
// non-separator, `[abc]` `[a-z]` `[!abc]` classes, `{a,b}` alternatives, `\` escapes. Anchored at both ends.
function globToRegExp(pattern) {
  const SEP = '[^./]'
  const esc = (c) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
  let i = 0
  function parse(stopAt) {
    let out = ''
    while (i < pattern.length) {
      const c = pattern[i]
      if (stopAt && stopAt.includes(c)) return out
      i++
      if (c === '\\' && i < pattern.length) out += esc(pattern[i++])
      else if (c === '*') {
        if (pattern[i] === '*') {
          i++
          out += '.*'
        } else out += `${SEP}*`
      } else if (c === '?') out += SEP
      else if (c === '[') {
        const end = pattern.indexOf(']', i)
        if (end < 0) throw new Error(`redirect allow list: unclosed [ in ${pattern}`)
        let body = pattern.slice(i, end)
        i = end + 1
        const neg = body.startsWith('!')
        if (neg) body = body.slice(1)
        out += `[${neg ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`
      } else if (c === '{') {
        const alts = []
        for (;;) {
          alts.push(parse(',}'))
          if (i >= pattern.length) throw new Error(`redirect allow list: unclosed { in ${pattern}`)
          if (pattern[i++] === '}') break
        }
        out += `(?:${alts.join('|')})`
      } else out += esc(c)
    }
    return out
  }
  return new RegExp(`^${parse(null)}$`, 's')
}

// The scheme and host of a URL as Go's url.Parse sees them (WHATWG URL would rewrite `2130706433` to 127.0.0.1).
function goUrl(s) {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?:\/\/([^/?#]*))?/.exec(s)
  if (!m) return null
  const authority = (m[2] || '').replace(/^.*@/, '')
  let hostname = authority
  let port = ''
  const v6 = /^\[([^\]]*)\](?::(\d*))?$/.exec(authority)
  if (v6) {
    hostname = v6[1]
    port = v6[2] || ''
  } else {
    const hp = /^(.*?)(?::(\d*))?$/.exec(authority)
    hostname = hp[1]
    port = hp[2] || ''
  }
  return { scheme: m[1].toLowerCase(), hostname, port }
}

const isLoopbackIp = (h) => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1' || /^(0:){7}0*1$/.test(h)
const isIp = (h) => require('node:net').isIP(h) !== 0
const isLocalhost = (h) => h === 'localhost' || isLoopbackIp(h)

// Compiles the allow list once: [{ pattern, re }].
function compileAllowList(list) {
  return (list || []).map((pattern) => ({ pattern, re: globToRegExp(String(pattern)) }))
}

// GoTrue IsRedirectURLValid: same site (scheme + host + port, any port on loopback), a loopback IP literal,
// or a match of an allow-list entry (without the fragment). Decimal IPs, other IP literals and odd http(s)
// hostnames are refused outright.
function isRedirectUrlValid(siteUrl, allowList, redirectUrl) {
  if (!redirectUrl) return false
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a redirect URL with a control character is refused, on purpose.
  if (/[\x00-\x20\x7f]/.test(redirectUrl)) return false
  const base = goUrl(siteUrl)
  if (!base) return false
  const ref = goUrl(redirectUrl)
  if (ref) {
    if (base.hostname === ref.hostname && base.scheme === ref.scheme && (base.port === ref.port || isLocalhost(ref.hostname)))
      return true
    const isHttp = ref.scheme === 'http' || ref.scheme === 'https'
    if (/^[0-9]+$/.test(ref.hostname)) return false
    if (isIp(ref.hostname)) return isLoopbackIp(ref.hostname)
    if (isHttp && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(ref.hostname)) return false
  } else if (/^https?:/i.test(redirectUrl)) {
    return false
  }
  const matchAgainst = redirectUrl.split('#')[0]
  return allowList.some((e) => e.re.test(matchAgainst))
}

// GoTrue GetReferrer: redirect_to (header or query) if valid, else the Referer header if valid, else the site URL.
// -> { url, rejected } where rejected is the redirect_to that was refused (undefined when none was).
function resolveRedirect({ siteUrl, allowList, redirectTo, referer }) {
  if (isRedirectUrlValid(siteUrl, allowList, redirectTo)) return { url: redirectTo }
  const rejected = redirectTo || undefined
  if (isRedirectUrlValid(siteUrl, allowList, referer)) return { url: referer, rejected }
  return { url: siteUrl, rejected }
}

module.exports = { globToRegExp, compileAllowList, isRedirectUrlValid, resolveRedirect }
