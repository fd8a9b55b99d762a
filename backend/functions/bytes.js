'use strict'
// GET|POST /functions/v1/bytes?n=N&type=T
// Answers N bytes (default 256, at most 16 MiB), byte i = (i * 31 + 7) & 255 — every value from 0 to 255,
// invalid UTF-8 included — with content-type T (default application/octet-stream).
module.exports = async (request) => {
  const n = Math.max(0, Math.min(Number(request.query.n === undefined ? 256 : request.query.n) || 0, 16 << 20))
  const body = Buffer.alloc(n)
  for (let i = 0; i < n; i++) body[i] = (i * 31 + 7) & 255
  return { status: 200, headers: { 'content-type': request.query.type || 'application/octet-stream' }, body }
}
