// supabase-wechat only: the WeChat methods and options, and what a mini-program passes where
// supabase-js takes DOM objects (temp files, AbortSignal-like objects). Compiled with
// miniprogram-api-typings and no DOM lib (tests/node/types.test.js).
import {
  AuthApiError,
  AuthWeakPasswordError,
  createClient,
  FunctionsHttpError,
  isAuthApiError,
  isAuthRetryableFetchError,
  isAuthWeakPasswordError,
  isStorageError,
  REALTIME_SUBSCRIBE_STATES,
  StorageApiError,
} from 'supabase-wechat'
import type { AbortSignalLike, AuthError, SupabaseClient, TransferProgress } from 'supabase-wechat'
import type { Database } from './database'

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
declare function expectType<T>(): <V>(value: V, ...mismatch: Equals<V, T> extends true ? [] : [never]) => void

const supabase = createClient<Database>('https://example.baseapi.memfiredb.com', 'anon-key', {
  requestTimeout: 15000,
  wasmPath: '/miniprogram_npm/supabase-wechat/supabase_wechat_bg.wasm.br',
  auth: {
    encryptStorage: true,
    storage: {
      getItem: (key: string) => wx.getStorageSync(key) || null,
      setItem: (key: string, value: string) => wx.setStorageSync(key, value),
      removeItem: (key: string) => wx.removeStorageSync(key),
    },
  },
  db: { timeout: 5000 },
})

// A client without a Database type takes any table, column and function.
const untyped = createClient('https://example.baseapi.memfiredb.com', 'anon-key')
const loose: SupabaseClient = untyped

export async function wechatAuth() {
  wx.login({
    success: async (res) => {
      const { data, error } = await supabase.auth.signInWithWechat({ code: res.code })
      if (error) expectType<AuthError>()(error)
      else if (data.session) expectType<string>()(data.session.access_token)
    },
  })
  const phone = await supabase.auth.wechatBindPhone({ code: 'button-code' })
  if (phone.data.user) expectType<string | undefined>()(phone.data.user.phone)
  await supabase.auth.wechatBindAccount({ code: 'login-code' })
  const qr = await supabase.auth.getUnlimitedQRCode({ scene: 'a=1', page: 'pages/index/index', width: 430 })
  if (!qr.error) expectType<string>()(qr.data.imgBase64)
  await supabase.auth.signInWithOAuth({ provider: 'wechat_qr' })
  await supabase.auth.initialize()
  await supabase.auth.startAutoRefresh()

  // @ts-expect-error signInWithWechat needs wx.login's code
  supabase.auth.signInWithWechat({})
  // @ts-expect-error getUnlimitedQRCode needs a scene
  supabase.auth.getUnlimitedQRCode({ page: 'pages/index/index' })
}

export function errors(e: unknown) {
  if (isAuthApiError(e)) expectType<number>()(e.status)
  if (isAuthWeakPasswordError(e)) expectType<('length' | 'characters' | 'pwned')[]>()(e.reasons)
  if (isAuthRetryableFetchError(e)) void e.message
  if (e instanceof AuthApiError || e instanceof AuthWeakPasswordError) void e.code
  if (isStorageError(e) && e instanceof StorageApiError) expectType<string>()(e.statusCode)
  if (e instanceof FunctionsHttpError) expectType<number>()(e.context.status)
}

export async function wechatData() {
  // Any object like an AbortSignal, and ours: timeout(ms).
  const signal: AbortSignalLike = { aborted: false, onabort: null }
  await supabase.from('todos').select('id').abortSignal(signal).timeout(3000)

  wx.chooseMedia({
    count: 1,
    success: async (res) => {
      const file = res.tempFiles[0]
      await supabase.storage.from('avatars').upload('me.jpg', file, { upsert: true, timeout: 60000 })
      await supabase.storage.from('avatars').upload('me2.jpg', file.tempFilePath)
    },
  })
  const saved = await supabase.storage.from('avatars').download('me.jpg', { toTempFile: true })
  if (saved.data) expectType<string>()(saved.data.tempFilePath)
  // Ours: progress on upload, update, uploadToSignedUrl and download.
  const onUploadProgress = (e: TransferProgress) => {
    expectType<number>()(e.loaded)
    expectType<number>()(e.total)
    expectType<number>()(e.progress)
  }
  await supabase.storage.from('avatars').upload('big.mp4', 'wxfile://tmp_1.mp4', { contentType: 'video/mp4', onUploadProgress })
  await supabase.storage.from('avatars').update('big.mp4', new ArrayBuffer(8), { onUploadProgress: ({ progress }) => void progress })
  await supabase.storage.from('avatars').uploadToSignedUrl('big.mp4', 'token', new ArrayBuffer(8), { onUploadProgress })
  const got = await supabase.storage.from('avatars').download('big.mp4', { toTempFile: true, onDownloadProgress: (e) => void e.loaded })
  if (got.data) expectType<string>()(got.data.tempFilePath)
  // @ts-expect-error the event is an object, not a number
  supabase.storage.from('avatars').download('big.mp4', { onDownloadProgress: (percent: number) => void percent })
  const bytes = await supabase.storage.from('avatars').download('me.jpg')
  if (bytes.data) expectType<ArrayBuffer>()(bytes.data)
  await supabase.storage.from('avatars').remove('me.jpg')
  await supabase.storage.from('avatars').list('', {}, { signal, timeout: 2000 })
  await supabase.functions.invoke('hello', { body: new ArrayBuffer(8), timeout: 5000, signal })

  // @ts-expect-error a number is not a file
  supabase.storage.from('avatars').upload('x', 42)

  await untyped.from('anything').select('whatever').eq('any_column', 1)
  await loose.rpc('any_function', { x: 1 })
}

export async function wechatRealtime() {
  supabase.realtime.connect()
  await supabase.realtime.setAuth('jwt')
  expectType<boolean>()(supabase.realtime.isConnected())
  const channel = supabase.channel('room').subscribe((status, err) => {
    if (status === REALTIME_SUBSCRIBE_STATES.CHANNEL_ERROR && err) void err.message
  })
  await supabase.removeAllChannels()
  await supabase.realtime.disconnect()
  void channel
}
