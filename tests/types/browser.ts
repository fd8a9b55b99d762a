// The browser entry with the DOM lib: DOM objects go where the typings take WeChat-or-DOM shapes.
import { createClient } from 'supabase-wechat'
import type { Database } from './database'

const supabase = createClient<Database>('https://example.baseapi.memfiredb.com', 'anon-key', {
  auth: { storage: window.localStorage, detectSessionInUrl: true },
})

export async function dom(file: File) {
  const controller = new AbortController()
  await supabase.from('todos').select('id').abortSignal(controller.signal)
  await supabase.storage.from('avatars').upload('a.png', file, { signal: controller.signal })
  const bar = document.createElement('progress')
  await supabase.storage.from('avatars').upload('c.png', file, { onUploadProgress: (e) => (bar.value = e.progress) })
  await supabase.storage.from('avatars').download('c.png', { onDownloadProgress: (e) => (bar.value = e.progress) })
  await supabase.storage.from('avatars').upload('b.bin', new Uint8Array(4))
  await supabase.storage.from('avatars').list('', {}, { signal: AbortSignal.timeout(1000) })
  await supabase.functions.invoke('hello', { body: { a: 1 }, signal: controller.signal })
  await supabase.auth.signInWithOAuth({ provider: 'github', options: { redirectTo: location.href } })
}
