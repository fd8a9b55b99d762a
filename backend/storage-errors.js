'use strict'
// storage-api's errors, key rules and JWT wording, for backend/storage.js. Follows supabase/storage 1.11.2
// (commit 4fa61fba, 2026-08-21); the files named below are that commit's.
//
// Error bodies: src/internal/errors/storage-error.ts render() + src/http/error-handler.ts, serialized by the
// routes' 4xx/5xx schema (src/http/schemas/error.ts: statusCode, error, message, code, in that order):
//   { statusCode: "<httpStatusCode>", error: <error || code>, message, code }
// with HTTP 400 for every code but 500 (userStatusCode), unless the error sets its own (enforceJwtRole: 403).
// Fastify's schema validation errors (FST_ERR_VALIDATION, fastify's defaultSchemaErrorFormatter: a plain
// Error) answer { statusCode: "400", error: "Error", message: "body must have required property 'x'",
// code: "InvalidRequest" } (error-handler.ts, the `'statusCode' in error` branch; ERROR_CODE_MAP in codes.ts).
const crypto = require('node:crypto')

class StorageError extends Error {
  // status: the error's httpStatusCode (rendered as the string statusCode); code: ErrorCode; error: the
  // backwards compatible `error` (defaults to the code); httpStatus: the HTTP status when not 400/500.
  constructor(status, code, error, message, httpStatus) {
    super(message)
    this.statusCode = String(status)
    this.code = code
    this.error = error || code
    this.httpStatus = httpStatus || (this.statusCode === '500' ? 500 : 400)
  }

  render() {
    return { statusCode: this.statusCode, error: this.error, message: this.message, code: this.code }
  }
}

// src/internal/errors/codes.ts ERRORS.*, by the name used there.
const E = {
  noSuchBucket: () => new StorageError(404, 'NoSuchBucket', 'Bucket not found', 'Bucket not found'),
  noSuchKey: () => new StorageError(404, 'NoSuchKey', 'not_found', 'Object not found'),
  // createObject's unique violation (src/storage/database/pg.ts createObject): uploads, copies.
  keyAlreadyExists: () => new StorageError(409, 'KeyAlreadyExists', 'Duplicate', 'The resource already exists'),
  // createBucket's unique violation (pg.ts createBucket).
  bucketAlreadyExists: () => new StorageError(409, 'BucketAlreadyExists', 'Duplicate', 'The resource already exists'),
  // any other unique violation (src/storage/database/errors.ts 23505): a move onto an existing name.
  resourceAlreadyExists: () => new StorageError(409, 'ResourceAlreadyExists', 'Duplicate', 'The resource already exists'),
  // RLS refused a write (errors.ts 42501).
  rls: () => new StorageError(403, 'AccessDenied', 'Unauthorized', 'new row violates row-level security policy'),
  accessDenied: (msg, httpStatus) => new StorageError(403, 'AccessDenied', 'Unauthorized', msg || 'Access denied', httpStatus),
  invalidJwt: (msg) => new StorageError(400, 'InvalidJWT', null, msg || 'Invalid JWT'),
  invalidSignature: (msg) => new StorageError(400, 'InvalidSignature', null, msg || 'Invalid signature'),
  tooLarge: () => new StorageError(413, 'EntityTooLarge', 'Payload too large', 'The object exceeded the maximum allowed size'),
  mime: (m) => new StorageError(415, 'InvalidMimeType', 'invalid_mime_type', `mime type ${m} is not supported`),
  notEmpty: () => new StorageError(409, 'ResourceNotEmpty', null, 'The bucket you tried to delete is not empty'),
  invalidKey: (key) => new StorageError(400, 'InvalidKey', null, `Invalid key: ${key}`),
  invalidBucketName: () => new StorageError(400, 'InvalidBucketName', 'Invalid Input', 'Bucket name invalid'),
  invalidRequest: (msg) => new StorageError(400, 'InvalidRequest', null, msg || 'Invalid Request'),
  invalidParameter: (p) => new StorageError(400, 'InvalidParameter', null, `Invalid Parameter ${p}`),
  // a foreign key violation (src/storage/database/errors.ts 23503): a copy / move into a missing bucket.
  relatedNotFound: () => new StorageError(404, 'InvalidRequest', null, 'The related resource does not exist'),
  noContent: () => new StorageError(400, 'InvalidRequest', null, 'No content provided'),
  // FST_ERR_VALIDATION (see the top).
  validation: (msg) => new StorageError(400, 'InvalidRequest', 'Error', msg),
  // The backend's own JSON check (README: every service's JSON routes refuse non-objects as `bad_json`).
  bad: (msg, name) => new StorageError(400, 'InvalidRequest', name || 'Error', msg),
}

// src/storage/limits.ts VALID_OBJECT_KEY / VALID_BUCKET_NAME, isValidKey, isValidBucketName.
const VALID_OBJECT_KEY = /^[A-Za-z0-9_/!.*'() &$=@;:+,?-]*$/
const VALID_BUCKET_NAME = /^[A-Za-z0-9_!.*'() &$=@;:+,?-]*$/
const isValidKey = (key) => typeof key === 'string' && key.length > 0 && VALID_OBJECT_KEY.test(key)
const isValidBucketName = (name) =>
  typeof name === 'string' && name.length > 0 && name.length < 101 && VALID_BUCKET_NAME.test(name)

// Legacy storage-api (before key validation, 2022): any non-empty name without NUL, up to 1024 chars.
const isLegacyKey = (key) => typeof key === 'string' && key.length > 0 && key.length <= 1024 && !key.includes('\0')

// ---------- JWT, as jose's jwtVerify words its failures (src/internal/auth/jwt.ts verifyJWT) ----------
const HS = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }

class JoseError extends Error {}

function b64json(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
}

// Verifies an HS* JWT with `secret` at `nowSec` and returns its claims; throws JoseError with jose's message.
function verifyJose(token, secret, nowSec) {
  const parts = String(token).split('.')
  if (parts.length !== 3) throw new JoseError('Invalid Compact JWS')
  let header
  try {
    header = b64json(parts[0])
  } catch (_) {
    throw new JoseError('JWS Protected Header is invalid')
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) {
    throw new JoseError('JWS Protected Header must be an object')
  }
  if (typeof header.alg !== 'string' || !header.alg) {
    throw new JoseError('JWS "alg" (Algorithm) Header Parameter missing or invalid')
  }
  if (!HS[header.alg]) throw new JoseError('"alg" (Algorithm) Header Parameter value not allowed')
  const want = crypto.createHmac(HS[header.alg], secret).update(`${parts[0]}.${parts[1]}`).digest()
  const got = Buffer.from(parts[2], 'base64url')
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) {
    throw new JoseError('signature verification failed')
  }
  let claims
  try {
    claims = b64json(parts[1])
  } catch (_) {
    claims = null
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new JoseError('JWT Claims Set must be a top-level JSON object')
  }
  if (claims.exp !== undefined) {
    if (typeof claims.exp !== 'number') throw new JoseError('"exp" claim must be a number')
    if (claims.exp <= nowSec) throw new JoseError('"exp" claim timestamp check failed')
  }
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== 'number') throw new JoseError('"nbf" claim must be a number')
    if (claims.nbf > nowSec) throw new JoseError('"nbf" claim timestamp check failed')
  }
  return claims
}

module.exports = { StorageError, E, isValidKey, isValidBucketName, isLegacyKey, verifyJose, JoseError }
