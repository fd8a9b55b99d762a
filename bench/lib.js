'use strict'
// Helpers shared by the benchmarks in bench/ (not tests: nothing here asserts a time or a size).
const fs = require('node:fs')
const path = require('node:path')
const zlib = require('node:zlib')

// Bytes of everything under `dir` (what 构建 npm / packNpm put in miniprogram_npm/<pkg>): raw, and
// brotli -q 11 of each file (a .br file counts as it is; the code package is compressed per file).
function dirBytes(dir) {
  let raw = 0
  let br = 0
  const perFile = []
  for (const f of fs.readdirSync(dir, { recursive: true }).sort()) {
    const p = path.join(dir, f)
    if (!fs.statSync(p).isFile()) continue
    const buf = fs.readFileSync(p)
    const b = p.endsWith('.br')
      ? buf.length
      : zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length
    raw += buf.length
    br += b
    perFile.push({ file: f.split(path.sep).join('/'), raw: buf.length, br: b })
  }
  return { raw, br, files: perFile.length, perFile }
}

// A returning user's session as supabase-wechat-stable-v2 stores it (a JSON string; ours reads it too).
function storedSession() {
  const now = Math.round(Date.now() / 1000)
  return JSON.stringify({
    access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' + 'e'.repeat(600) + '.sig',
    token_type: 'bearer',
    expires_in: 3600,
    refresh_token: 'abcdefghijkl',
    user: {
      id: '2411981d-0000-4000-8000-000000000000',
      aud: 'authenticated',
      role: 'authenticated',
      email: '',
      phone: '13100000000',
      wechat_id: 'ok1s85Rxxxxxx',
      wechat_unionid: '',
      app_metadata: { provider: 'wechat_mini', providers: ['wechat_mini'] },
      user_metadata: { arvatar: 'https://example.com/a.jpg', nickname: '卢卡饶' },
      identities: [],
      created_at: '2023-03-13T06:23:34.596074Z',
      updated_at: '2023-03-13T08:37:51.31062Z',
    },
    expires_at: now + 3600,
  })
}

function sorted(xs) {
  return [...xs].sort((a, b) => a - b)
}
function median(xs) {
  const s = sorted(xs)
  return s[Math.floor(s.length / 2)]
}
function p90(xs) {
  const s = sorted(xs)
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))]
}

module.exports = { dirBytes, median, p90, storedSession }
