// A returning user's session as both SDKs store it (supabase-js' JSON, the old SDK's format): an access
// token whose claims decode (the SDKs read exp and iat; neither checks the signature), valid for an hour
// from `nowSec`. ASCII only, so base64url needs no UTF-8 step.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function base64url(ascii) {
  let out = ''
  for (let i = 0; i < ascii.length; i += 3) {
    const a = ascii.charCodeAt(i)
    const b = i + 1 < ascii.length ? ascii.charCodeAt(i + 1) : -1
    const c = i + 2 < ascii.length ? ascii.charCodeAt(i + 2) : -1
    const n = (a << 16) | (Math.max(b, 0) << 8) | Math.max(c, 0)
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63]
    if (b >= 0) out += ALPHABET[(n >> 6) & 63]
    if (c >= 0) out += ALPHABET[n & 63]
  }
  return out
}

const USER_ID = '2411981d-0000-4000-8000-000000000000'
const REFRESH_TOKEN = 'probe-refresh-token'

function stored(url, nowSec) {
  const claims = {
    aud: 'authenticated',
    exp: nowSec + 3600,
    iat: nowSec,
    iss: url + '/auth/v1',
    sub: USER_ID,
    phone: '13100000000',
    app_metadata: { provider: 'wechat_mini', providers: ['wechat_mini'] },
    user_metadata: { nickname: 'probe' },
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'wechat_mini', timestamp: nowSec }],
    session_id: '9b0c4a52-0000-4000-8000-000000000000',
    is_anonymous: false,
  }
  const token = [
    base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' })),
    base64url(JSON.stringify(claims)),
    base64url('signature-not-checked-by-clients'),
  ].join('.')
  const text = JSON.stringify({
    access_token: token,
    token_type: 'bearer',
    expires_in: 3600,
    expires_at: nowSec + 3600,
    refresh_token: REFRESH_TOKEN,
    user: {
      id: USER_ID,
      aud: 'authenticated',
      role: 'authenticated',
      phone: '13100000000',
      app_metadata: claims.app_metadata,
      user_metadata: claims.user_metadata,
      identities: [],
      created_at: '2023-03-13T06:23:34.596074Z',
      updated_at: '2023-03-13T08:37:51.31062Z',
    },
  })
  return { text, refreshToken: REFRESH_TOKEN }
}

module.exports = { stored, base64url }
