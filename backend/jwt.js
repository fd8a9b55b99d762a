'use strict'
// Minimal HS256 JWT sign/verify on node:crypto.
const crypto = require('node:crypto')
const { stringify } = require('./http-util')

const b64u = (buf) => Buffer.from(buf).toString('base64url')

function sign(payload, secret) {
  const head = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  // Claims carry user_metadata, which may nest deeper than V8's recursive JSON.stringify reaches.
  const body = b64u(stringify(payload))
  const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')
  return `${head}.${body}.${sig}`
}

class JwtError extends Error {
  constructor(reason, message) {
    super(message)
    this.reason = reason // 'malformed' | 'signature' | 'expired'
  }
}

function decode(token) {
  if (typeof token !== 'string') throw new JwtError('malformed', 'token is malformed')
  const parts = token.split('.')
  if (parts.length !== 3) throw new JwtError('malformed', 'token is malformed: token contains an invalid number of segments')
  let header, payload
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'))
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  } catch (_) {
    throw new JwtError('malformed', 'token is malformed: could not JSON decode')
  }
  if (!header || typeof header !== 'object' || !payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new JwtError('malformed', 'token is malformed')
  }
  return { header, payload, parts }
}

// nowSec: current (virtual) time in seconds; null skips the exp check.
function verify(token, secret, nowSec) {
  const { header, payload, parts } = decode(token)
  if (header.alg !== 'HS256')
    throw new JwtError('signature', 'token is unverifiable: signing method ' + header.alg + ' is invalid')
  const expected = crypto.createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest()
  let got
  try {
    got = Buffer.from(parts[2], 'base64url')
  } catch (_) {
    got = Buffer.alloc(0)
  }
  if (got.length !== expected.length || !crypto.timingSafeEqual(got, expected)) {
    throw new JwtError('signature', 'token signature is invalid: signature is invalid')
  }
  if (nowSec != null && payload.exp != null) {
    if (typeof payload.exp !== 'number' || payload.exp <= nowSec) {
      throw new JwtError('expired', 'token has invalid claims: token is expired')
    }
  }
  return payload
}

module.exports = { sign, verify, decode, JwtError }
