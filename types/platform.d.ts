// The WeChat (and browser) shapes the API takes, without the DOM lib: a project compiled with only
// miniprogram-api-typings has none of fetch's types, and one with the DOM lib gets its own types
// accepted here (each is the part of the DOM type the SDK reads).

/** An AbortSignal, or any object like one (WeChat has no AbortController). */
export interface AbortSignalLike {
  readonly aborted: boolean
  addEventListener?(type: 'abort', listener: () => void, options?: any): void
  removeEventListener?(type: 'abort', listener: () => void, options?: any): void
  onabort?: ((...args: any[]) => any) | null
}

/** A browser Blob / File (the browser entry sends it as it is). */
export interface BlobLike {
  readonly size: number
  readonly type: string
  slice(start?: number, end?: number, contentType?: string): BlobLike
}

/**
 * A file to upload: an ArrayBuffer (or a view of one), a temp file path, or what wx.chooseMedia /
 * wx.chooseImage (`{ tempFilePath }`), wx.chooseMessageFile (`{ path }`) give; in a browser a Blob.
 */
export type WechatFileBody =
  | ArrayBuffer
  | ArrayBufferView
  | string
  | { tempFilePath: string }
  | { path: string }
  | { filePath: string }
  | BlobLike

/** `auth.storage`: synchronous (wx.getStorageSync) or asynchronous. */
export interface SupportedStorageLike {
  getItem(key: string): string | null | Promise<string | null>
  setItem(key: string, value: string): void | Promise<void>
  removeItem(key: string): void | Promise<void>
}

export {}
