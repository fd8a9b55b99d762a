// What the fixture app does with the SDK (issue 15): sign in with WeChat, insert and select todos under
// RLS, upload to the public `avatar` bucket, watch todos over realtime. Each step answers plain data.
import Taro from '@tarojs/taro'
import { createClient } from 'supabase-wechat'

// SUPABASE_URL / SUPABASE_ANON_KEY: config/index.js defineConstants (the test points them at its backend).
// biome-ignore lint/correctness/noUndeclaredVariables: replaced at build time by Taro's defineConstants
export const supabase = createClient(SUPABASE_URL, SUPABASE_ANON_KEY)

const message = (error) => (error ? error.message || String(error) : null)

export async function signIn() {
  const { code } = await Taro.login()
  const { data, error } = await supabase.auth.signInWithWechat({ code })
  return { userId: data && data.user ? data.user.id : null, error: message(error) }
}

export async function currentUser() {
  const { data } = await supabase.auth.getSession()
  return data && data.session ? data.session.user.id : null
}

export async function addTodo(task) {
  const { error } = await supabase.from('todos').insert({ task })
  return { error: message(error) }
}

export async function todos() {
  const { data, error } = await supabase.from('todos').select('task').order('id')
  return { tasks: data ? data.map((r) => r.task) : null, error: message(error) }
}

// The picture the user picks (chooseMedia), uploaded as MemFire's guide does: a file object with its temp path.
export async function upload(name) {
  const picked = await Taro.chooseMedia({ count: 1, mediaType: ['image'] })
  const file = { fileType: 'image', tempFilePath: picked.tempFiles[0].tempFilePath }
  const { error } = await supabase.storage.from('avatar').upload(name, file)
  const { data } = supabase.storage.from('avatar').getPublicUrl(name)
  return { error: message(error), publicUrl: data ? data.publicUrl : null }
}

export const events = []
export const statuses = []

export function watchTodos() {
  supabase
    .channel('todos')
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, (p) => events.push(p.new.task))
    .subscribe((status) => statuses.push(status))
}
