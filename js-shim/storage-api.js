'use strict'
// supabase.storage: storage-js 2.x names and `{ data, error }` results. The core (src/data/storage)
// builds every request and shapes every reply; this file only hands it the arguments, describes the
// file without reading it (a temp file goes to wx.uploadFile), and adds the 2.2.0 compatibility aliases.
// getPublicUrl is synchronous in storage-js, and the core may still be loading when it is called, so it
// is computed here with the core's path rules (a test keeps the two in step).
const { toDataError } = require('./errors.js')
const { alias, messageOf } = require('./util.js')

function call(driver, method, args, payload) {
  return driver.data('storage', method, args, payload).then(withAlias)
}

// Pages written for 2.2.0 read `data.data` where it returned WeChat's response wrapper (MemFire's
// template: `const { data: { data } } = await list()`).
function withAlias(res) {
  alias(res.data, true)
  return res
}

const isBuffer = (v) => Object.prototype.toString.call(v) === '[object ArrayBuffer]'

// The upload's file as the core sees it (`desc`) and what the shim keeps (`payload`): an ArrayBuffer
// (or a view of one), or a temp file path given as a string, `{ tempFilePath }` (wx.chooseMedia,
// wx.chooseImage), `{ path }` (wx.chooseMessageFile) or `{ filePath }`.
function fileOf(file) {
  // A browser Blob / File: sent as the request body as it is (fetch reads it), never into wasm.
  if (typeof Blob === 'function' && file instanceof Blob) return { desc: { kind: 'buffer', bytes: file.size }, payload: { body: file } }
  if (isBuffer(file)) return { desc: { kind: 'buffer', bytes: file.byteLength }, payload: { body: file } }
  if (ArrayBuffer.isView(file)) {
    const body = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength)
    return { desc: { kind: 'buffer', bytes: body.byteLength }, payload: { body } }
  }
  let path = null
  if (typeof file === 'string') path = file
  else if (file !== null && typeof file === 'object') {
    for (const k of ['tempFilePath', 'path', 'filePath']) {
      if (typeof file[k] === 'string') {
        path = file[k]
        break
      }
    }
  }
  if (path !== null) return { desc: { kind: 'file', path }, payload: { filePath: path } }
  const type = file === null ? 'null' : Array.isArray(file) ? 'array' : typeof file
  return { desc: { kind: 'invalid', type }, payload: null }
}

// wx.uploadFile can only POST: for PUT (update, uploadToSignedUrl) a temp file is read into an
// ArrayBuffer first (the file's size in memory, once), by the platform.
function bytesOf(platform, file) {
  const f = fileOf(file)
  if (f.desc.kind !== 'file') return f
  try {
    const body = platform.readFile(f.desc.path)
    return { desc: { kind: 'buffer', bytes: body.byteLength, name: f.desc.path }, payload: { body } }
  } catch (e) {
    return { desc: { kind: 'unreadable', path: f.desc.path, reason: messageOf(e) }, payload: null }
  }
}

// storage-js' `parameters` argument: `{ signal }` for the driver to watch.
function signalOf(parameters) {
  return parameters && parameters.signal ? { signal: parameters.signal } : undefined
}

class StorageFileApi {
  constructor(driver, bucketId) {
    this._driver = driver
    this.bucketId = bucketId
  }

  _call(method, args, payload) {
    return call(this._driver, method, [this.bucketId].concat(args), payload)
  }

  /** `upload(path, res.tempFiles[0] | ArrayBuffer, { upsert, cacheControl, contentType, timeout })`. */
  upload(path, file, options) {
    const f = fileOf(file)
    return this._call('upload', [path, f.desc, options], f.payload)
  }

  /** Replaces an existing object (PUT). */
  update(path, file, options) {
    const f = bytesOf(this._driver.platform, file)
    return this._call('update', [path, f.desc, options], f.payload)
  }

  /** `{ data: { signedUrl, path, token } }`: a URL anyone holding it may upload to once. */
  createSignedUploadUrl(path, options) {
    return this._call('createSignedUploadUrl', [path, options])
  }

  uploadToSignedUrl(path, token, file, options) {
    const f = bytesOf(this._driver.platform, file)
    return this._call('uploadToSignedUrl', [path, token, f.desc, options], f.payload)
  }

  /**
   * `data` is an ArrayBuffer, or `{ tempFilePath }` with `{ toTempFile: true }` (wx.downloadFile).
   * `parameters.signal` (AbortSignal-like) aborts it, as in storage-js.
   */
  download(path, options, parameters) {
    return this._call('download', [path, options], signalOf(parameters))
  }

  info(path) {
    return this._call('info', [path])
  }

  exists(path) {
    return this._call('exists', [path])
  }

  createSignedUrl(path, expiresIn, options) {
    return this._call('createSignedUrl', [path, expiresIn, options])
  }

  createSignedUrls(paths, expiresIn, options) {
    return this._call('createSignedUrls', [paths, expiresIn, options])
  }

  list(prefix, options, parameters) {
    return this._call('list', [prefix, options], signalOf(parameters))
  }

  remove(paths) {
    return this._call('remove', [paths])
  }

  move(fromPath, toPath, options) {
    return this._call('move', [fromPath, toPath, options])
  }

  copy(fromPath, toPath, options) {
    return this._call('copy', [fromPath, toPath, options])
  }

  /** Synchronous, like storage-js: `{ data: { publicUrl } }` (or `{ data: null, error }` for a bad path). */
  getPublicUrl(path, options) {
    const o = options || {}
    const bucket = bucketError(this.bucketId)
    const p = bucket === null ? cleanPath(path) : { error: bucket }
    if (p.error) return withAlias({ data: null, error: inputError(p.error) })
    const wants = o.transform !== null && typeof o.transform === 'object' && Object.keys(o.transform).length > 0
    const q = []
    if (o.download === true) q.push('download=')
    else if (typeof o.download === 'string' && o.download) q.push('download=' + encodeValue(o.download))
    if (o.transform && typeof o.transform === 'object') {
      for (const k of ['width', 'height', 'resize', 'format', 'quality']) {
        const v = o.transform[k]
        if ((typeof v === 'string' && v) || (typeof v === 'number' && v)) q.push(k + '=' + encodeValue(String(v)))
      }
    }
    if (o.cacheNonce !== undefined && o.cacheNonce !== null) q.push('cacheNonce=' + encodeValue(String(o.cacheNonce)))
    const url =
      storageUrl(this._driver) +
      (wants ? '/render/image' : '/object') +
      '/public/' +
      encodeURIComponent(this.bucketId) +
      '/' +
      p.path.split('/').map(encodeURIComponent).join('/') +
      (q.length ? '?' + q.join('&') : '')
    return withAlias({ data: { publicUrl: url } })
  }
}

// The core's rules (src/data/storage/paths.rs): the same cleaning, checks and messages.
function cleanPath(path) {
  if (typeof path !== 'string') return { error: 'Invalid path: expected a string' }
  const segments = path.split('/').filter((s) => s !== '')
  if (!segments.length) return { error: 'Invalid path "' + path + '": it names no object' }
  if (segments.some((s) => s === '.' || s === '..')) {
    return { error: 'Invalid path "' + path + '": "." and ".." segments are not allowed' }
  }
  try {
    segments.forEach((s) => encodeURIComponent(s))
  } catch (e) {
    return { error: 'Invalid path "' + path + '": not valid Unicode' }
  }
  return { path: segments.join('/') }
}

function bucketError(id) {
  if (typeof id !== 'string') return 'Invalid bucket id: expected a string'
  if (!id || id === '.' || id === '..' || id.indexOf('/') !== -1) return 'Invalid bucket id "' + id + '"'
  return null
}

function inputError(message) {
  return toDataError({ name: 'StorageError', message, body: { message } })
}

// A query value: everything but A-Z a-z 0-9 - _ . ~ percent-encoded (src/encoding/percent.rs).
function encodeValue(v) {
  return encodeURIComponent(v).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

// `<supabaseUrl>/storage/v1` the way the core derives it (src/config.rs BaseUrl).
function storageUrl(driver) {
  const raw = String(driver.url || '').trim()
  return raw.split(/[?#]/)[0].replace(/\/+$/, '') + '/storage/v1'
}

class StorageClient {
  constructor(driver) {
    this._driver = driver
  }

  /** `from('avatars')`: the file API of one bucket. */
  from(id) {
    return new StorageFileApi(this._driver, id)
  }

  listBuckets(options) {
    return call(this._driver, 'listBuckets', [options])
  }

  getBucket(id) {
    return call(this._driver, 'getBucket', [id])
  }

  /** `createBucket(id, { public, fileSizeLimit, allowedMimeTypes })`. */
  createBucket(id, options) {
    return call(this._driver, 'createBucket', [id, options])
  }

  updateBucket(id, options) {
    return call(this._driver, 'updateBucket', [id, options])
  }

  emptyBucket(id) {
    return call(this._driver, 'emptyBucket', [id])
  }

  deleteBucket(id) {
    return call(this._driver, 'deleteBucket', [id])
  }
}

module.exports = { StorageClient, StorageFileApi }
