// supabase.storage: storage-js 2.x's StorageClient and StorageFileApi (js-shim/storage-api.js).
// Types as storage-js 2.119 declares them (MIT, Supabase); files and signals are WeChat's.
import type { StorageError } from './errors'
import type { AbortSignalLike, WechatFileBody } from './platform'

export type BucketType = 'STANDARD' | 'ANALYTICS' | (string & {})
export type VersioningStatus = 'DISABLED' | 'ENABLED' | 'SUSPENDED'
export interface Bucket {
  id: string
  type?: BucketType
  name: string
  owner: string
  file_size_limit?: number
  allowed_mime_types?: string[]
  created_at: string
  updated_at: string
  public: boolean
  versioning_status?: VersioningStatus
}
export interface ListBucketOptions {
  limit?: number
  offset?: number
  sortColumn?: 'id' | 'name' | 'created_at' | 'updated_at'
  sortOrder?: 'asc' | 'desc'
  search?: string
}
export interface FileMetadata {
  eTag: string
  size: number
  mimetype: string
  cacheControl: string
  lastModified: string
  contentLength: number
  httpStatusCode: number
  [key: string]: any
}
export interface FileObject {
  name: string
  id: string | null
  updated_at: string | null
  created_at: string | null
  last_accessed_at: string | null
  metadata: FileMetadata | null
  bucket_id?: string
  owner?: string
  buckets?: Bucket
  version?: string | null
}
export interface FileObjectV2 {
  id: string
  version: string
  name: string
  bucket_id: string
  created_at: string
  size?: number
  cache_control?: string
  content_type?: string
  content_encoding?: string | null
  etag?: string
  last_modified?: string
  metadata?: FileMetadata
  updated_at?: string
}
export interface SortBy {
  column?: string
  order?: string
}
/**
 * Ours: a transfer's progress, for `onUploadProgress` / `onDownloadProgress`. Events are monotonic;
 * `loaded === total` comes once, last, and only when the call succeeded (docs/storage-progress.md
 * says what each transport reports: a temp file through wx.uploadFile / wx.downloadFile as the bytes
 * move, an ArrayBuffer through wx.request at the start and the end).
 */
export interface TransferProgress {
  /** Bytes moved so far. */
  loaded: number
  /** Bytes expected: for a temp-file upload, the multipart body WeChat sends (the file and a few
   * hundred bytes of part headers); 0 while not known. */
  total: number
  /** An integer percent, 0..100: `Math.floor(loaded * 100 / total)` (0 while `total` is not known), 100 on success. */
  progress: number
}
export interface FileOptions {
  cacheControl?: string | undefined
  contentType?: string | undefined
  contentEncoding?: string
  upsert?: boolean | undefined
  metadata?: Record<string, any>
  headers?: Record<string, string>
  /** ms: the client's `requestTimeout` by default, at least 120 s. */
  timeout?: number
  signal?: AbortSignalLike
  /** Ours: called as the upload goes (see TransferProgress); an exception it throws is logged, the upload goes on. */
  onUploadProgress?: (event: TransferProgress) => void
}
export interface DestinationOptions {
  destinationBucket?: string
}
export interface SearchOptions {
  limit?: number
  offset?: number
  sortBy?: SortBy
  search?: string
}
export interface SortByV2 {
  column: 'name' | 'updated_at' | 'created_at'
  order?: 'asc' | 'desc'
}
export interface SearchV2Options {
  limit?: number
  prefix?: string
  cursor?: string
  with_delimiter?: boolean
  sortBy?: SortByV2
}
export interface SearchV2Object {
  name: string
  key?: string
  id: string
  updated_at: string
  created_at: string
  metadata: FileMetadata | null
  last_accessed_at: string
}
export interface SearchV2Folder {
  name: string
  key?: string
}
export interface SearchV2Result {
  hasNext: boolean
  folders: SearchV2Folder[]
  objects: SearchV2Object[]
  nextCursor?: string
}
/** Every method's last argument: an AbortSignal-like `signal`, and `timeout` (ms, WeChat's queue included). */
export interface FetchParameters {
  signal?: AbortSignalLike
  timeout?: number
}
export interface TransformOptions {
  width?: number
  height?: number
  resize?: 'cover' | 'contain' | 'fill'
  quality?: number
  format?: 'origin'
}
type CamelCase<S extends string> = S extends `${infer P1}_${infer P2}${infer P3}`
  ? `${Lowercase<P1>}${Uppercase<P2>}${CamelCase<P3>}`
  : S
export type Camelize<T> = { [K in keyof T as CamelCase<Extract<K, string>>]: T[K] }

export type StorageResult<T> = { data: T; error: null } | { data: null; error: StorageError }

export interface DownloadOptions {
  transform?: TransformOptions
  /** Ours: save to a temp file (wx.downloadFile) and resolve with `{ tempFilePath }`. */
  toTempFile?: boolean
  timeout?: number
  /** Ours: called as the download goes (see TransferProgress); an exception it throws is logged, the download goes on. */
  onDownloadProgress?: (event: TransferProgress) => void
}

export interface StorageFileApi {
  readonly bucketId: string
  upload(path: string, fileBody: WechatFileBody, fileOptions?: FileOptions): Promise<StorageResult<{ id: string; path: string; fullPath: string }>>
  update(path: string, fileBody: WechatFileBody, fileOptions?: FileOptions): Promise<StorageResult<{ id: string; path: string; fullPath: string }>>
  createSignedUploadUrl(
    path: string,
    options?: { upsert: boolean },
    parameters?: FetchParameters,
  ): Promise<StorageResult<{ signedUrl: string; token: string; path: string }>>
  uploadToSignedUrl(
    path: string,
    token: string,
    fileBody: WechatFileBody,
    fileOptions?: FileOptions,
  ): Promise<StorageResult<{ path: string; fullPath: string }>>
  /** `data`: an ArrayBuffer, or `{ tempFilePath }` with `{ toTempFile: true }`. */
  download(path: string, options: DownloadOptions & { toTempFile: true }, parameters?: FetchParameters): Promise<StorageResult<{ tempFilePath: string }>>
  download(path: string, options?: DownloadOptions, parameters?: FetchParameters): Promise<StorageResult<ArrayBuffer>>
  info(path: string, parameters?: FetchParameters): Promise<StorageResult<Camelize<FileObjectV2>>>
  exists(path: string, parameters?: FetchParameters): Promise<StorageResult<boolean>>
  createSignedUrl(
    path: string,
    expiresIn: number,
    options?: { download?: string | boolean; transform?: TransformOptions },
    parameters?: FetchParameters,
  ): Promise<StorageResult<{ signedUrl: string }>>
  createSignedUrls(
    paths: string[],
    expiresIn: number,
    options?: { download?: string | boolean },
    parameters?: FetchParameters,
  ): Promise<StorageResult<{ error: string | null; path: string | null; signedUrl: string }[]>>
  /** Synchronous, like storage-js. */
  getPublicUrl(path: string, options?: { download?: string | boolean; transform?: TransformOptions }): { data: { publicUrl: string } }
  remove(paths: string | string[], parameters?: FetchParameters): Promise<StorageResult<FileObject[]>>
  list(path?: string, options?: SearchOptions, parameters?: FetchParameters): Promise<StorageResult<FileObject[]>>
  listV2(options?: SearchV2Options, parameters?: FetchParameters): Promise<StorageResult<SearchV2Result>>
  move(fromPath: string, toPath: string, options?: DestinationOptions, parameters?: FetchParameters): Promise<StorageResult<{ message: string }>>
  copy(fromPath: string, toPath: string, options?: DestinationOptions, parameters?: FetchParameters): Promise<StorageResult<{ path: string }>>
}

export interface StorageClient {
  /** `from('avatars')`: the file API of one bucket. */
  from(id: string): StorageFileApi
  listBuckets(options?: ListBucketOptions, parameters?: FetchParameters): Promise<StorageResult<Bucket[]>>
  getBucket(id: string, parameters?: FetchParameters): Promise<StorageResult<Bucket>>
  createBucket(
    id: string,
    options?: { public: boolean; fileSizeLimit?: number | string | null; allowedMimeTypes?: string[] | null; type?: BucketType },
    parameters?: FetchParameters,
  ): Promise<StorageResult<Pick<Bucket, 'name'>>>
  updateBucket(
    id: string,
    options: { public: boolean; fileSizeLimit?: number | string | null; allowedMimeTypes?: string[] | null },
    parameters?: FetchParameters,
  ): Promise<StorageResult<{ message: string }>>
  emptyBucket(id: string, parameters?: FetchParameters): Promise<StorageResult<{ message: string }>>
  deleteBucket(id: string, parameters?: FetchParameters): Promise<StorageResult<{ message: string }>>
}

export {}
