// Typed usage that compiles the same against supabase-wechat and against @supabase/supabase-js
// 2.119 (tests/node/types.test.js compiles it against both, `tsc --strict`, no DOM lib for ours):
// 0 errors, and every @ts-expect-error line is an error under both.
import { createClient, isAuthError, PostgrestError } from 'supabase-wechat'
import type {
  AuthenticatorAssuranceLevels,
  QueryData,
  RealtimePostgresChangesPayload,
  Session,
  SupabaseClient,
  User,
} from 'supabase-wechat'
import type { Database, Tables } from './database'

// Each check: `expectType<T>()(value)` fails to compile (a missing argument) unless value's type is exactly T.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
declare function expectType<T>(): <V>(value: V, ...mismatch: Equals<V, T> extends true ? [] : [never]) => void

const supabase = createClient<Database>('https://example.memfiredb.com', 'anon-key', {
  auth: { persistSession: true, autoRefreshToken: true, storageKey: 'sb-test-auth-token' },
  db: { schema: 'public' },
  global: { headers: { 'x-app': 'tests' } },
})
const typed: SupabaseClient<Database> = supabase

type Todo = Tables<'todos'>

export async function database() {
  // Rows
  const all = await supabase.from('todos').select('*')
  if (all.data) expectType<Todo[]>()(all.data)
  const picked = await supabase.from('todos').select('id, task').eq('done', false).order('id').limit(10)
  if (picked.data) expectType<{ id: number; task: string }[]>()(picked.data)
  const one = await supabase.from('todos').select('task').eq('id', 1).single()
  if (one.data) expectType<{ task: string }>()(one.data)
  const maybe = await supabase.from('todos').select('done').maybeSingle()
  if (maybe.data) expectType<{ done: boolean }>()(maybe.data)
  if (one.error) expectType<PostgrestError>()(one.error)

  // Embedded select through the foreign key
  const embedded = await supabase.from('todos').select('id, lists(name)')
  if (embedded.data) expectType<{ id: number; lists: { name: string } | null }[]>()(embedded.data)
  const withTodos = supabase.from('lists').select('name, todos(id, done)')
  type ListWithTodos = QueryData<typeof withTodos>
  expectType<{ name: string; todos: { id: number; done: boolean }[] }[]>()(null as unknown as ListWithTodos)

  // Inserts, updates, upserts, deletes
  await supabase.from('todos').insert({ task: 'write tests', user_id: 'u1' })
  await supabase.from('todos').insert([{ task: 'a', user_id: 'u1', done: true }])
  const inserted = await supabase.from('todos').insert({ task: 'b', user_id: 'u1' }).select('id').single()
  if (inserted.data) expectType<{ id: number }>()(inserted.data)
  await supabase.from('todos').update({ done: true }).eq('id', 1)
  await supabase.from('todos').upsert({ id: 1, task: 'c', user_id: 'u1' }, { onConflict: 'id' })
  await supabase.from('todos').delete().in('id', [1, 2, 3])

  // Filters
  await supabase.from('todos').select().gt('id', 1).lte('created_at', '2026-01-01').like('task', '%x%').is('list_id', null)
  await supabase.from('todos').select().or('done.eq.true,id.gt.5').not('task', 'is', null).match({ done: true })
  await supabase.from('lists').select().contains('meta', { a: 1 }).textSearch('name', "'cat' & 'dog'", { config: 'english' })

  // Count and head
  const counted = await supabase.from('todos').select('*', { count: 'exact', head: true })
  expectType<number | null>()(counted.count)

  // rpc: arguments and returns
  const sum = await supabase.rpc('add_numbers', { a: 1, b: 2 })
  if (sum.data !== null) expectType<number>()(sum.data)
  const setof = await supabase.rpc('todos_of', { owner: 'u1' }).eq('done', false)
  if (setof.data) expectType<Todo[]>()(setof.data)

  // Another schema of the Database
  await supabase.schema('public').from('lists').select('id')

  // throwOnError: data is never null
  const sure = await supabase.from('todos').select('id').throwOnError()
  expectType<{ id: number }[]>()(sure.data)
}

export function wrongUsage() {
  // @ts-expect-error an unknown table
  supabase.from('no_such_table')
  // @ts-expect-error a wrong column in a filter
  supabase.from('todos').select().eq('no_such_column', 1)
  // @ts-expect-error a wrong value type for a column
  supabase.from('todos').select().eq('done', 'yes')
  // @ts-expect-error an insert without the required field `user_id`
  supabase.from('todos').insert({ task: 'x' })
  // @ts-expect-error an insert of a column the table does not have
  supabase.from('todos').insert({ task: 'x', user_id: 'u', colour: 'red' })
  // @ts-expect-error an update with a value of the wrong type
  supabase.from('todos').update({ done: 'yes' })
  // @ts-expect-error rpc with wrong argument types
  supabase.rpc('add_numbers', { a: '1', b: 2 })
  // @ts-expect-error rpc with an argument missing
  supabase.rpc('add_numbers', { a: 1 })
  // @ts-expect-error an unknown function
  supabase.rpc('no_such_function', {})
  // @ts-expect-error an unknown schema
  supabase.schema('no_such_schema')
  // @ts-expect-error signInWithPassword needs a password
  supabase.auth.signInWithPassword({ email: 'a@b.c' })
}

export async function auth() {
  const { data, error } = await supabase.auth.signInWithPassword({ email: 'a@b.c', password: 'secret' })
  if (error) {
    expectType<boolean>()(isAuthError(error))
    const status: number | undefined = error.status
    void status
  } else {
    expectType<User>()(data.user)
    expectType<Session>()(data.session)
  }
  const session = await supabase.auth.getSession()
  if (session.data.session) expectType<string>()(session.data.session.access_token)
  const user = await supabase.auth.getUser()
  if (user.data.user) expectType<string>()(user.data.user.id)
  await supabase.auth.signUp({ email: 'a@b.c', password: 'secret', options: { data: { name: 'A' } } })
  await supabase.auth.signInWithOtp({ phone: '+8613800000000' })
  await supabase.auth.verifyOtp({ phone: '+8613800000000', token: '123456', type: 'sms' })
  await supabase.auth.updateUser({ data: { nickname: 'B' } })
  await supabase.auth.signInAnonymously()
  await supabase.auth.resetPasswordForEmail('a@b.c', { redirectTo: 'https://example.com' })
  const identities = await supabase.auth.getUserIdentities()
  if (identities.data) expectType<string>()(identities.data.identities[0].provider)
  const { data: sub } = supabase.auth.onAuthStateChange((event, s) => {
    if (event === 'SIGNED_IN' && s) expectType<User>()(s.user)
    if (event === 'MFA_CHALLENGE_VERIFIED') return
  })
  sub.subscription.unsubscribe()
  await supabase.auth.signOut({ scope: 'local' })

  // MFA: TOTP enroll -> challenge -> verify
  const enrolled = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'phone' })
  if (enrolled.data) {
    expectType<string>()(enrolled.data.totp.secret)
    const challenge = await supabase.auth.mfa.challenge({ factorId: enrolled.data.id })
    if (challenge.data) await supabase.auth.mfa.verify({ factorId: enrolled.data.id, challengeId: challenge.data.id, code: '123456' })
  }
  const aal = await supabase.auth.mfa.getAuthenticatorAssuranceLevel()
  if (aal.data) expectType<AuthenticatorAssuranceLevels | null>()(aal.data.currentLevel)
  await supabase.auth.mfa.listFactors()

  // Admin (service-role client)
  const created = await supabase.auth.admin.createUser({ email: 'c@d.e', password: 'secret', email_confirm: true })
  if (created.data.user) await supabase.auth.admin.deleteUser(created.data.user.id)
  const users = await supabase.auth.admin.listUsers({ page: 1, perPage: 50 })
  if (!users.error) expectType<User[]>()(users.data.users)
  await supabase.auth.admin.generateLink({ type: 'magiclink', email: 'c@d.e' })
  await supabase.auth.admin.mfa.listFactors({ userId: 'u1' })
}

export async function storageAndFunctions(bytes: ArrayBuffer) {
  const up = await supabase.storage.from('avatars').upload('a/b.png', bytes, { upsert: true, contentType: 'image/png' })
  if (up.data) expectType<string>()(up.data.path)
  const { data: url } = supabase.storage.from('avatars').getPublicUrl('a/b.png')
  expectType<string>()(url.publicUrl)
  const signed = await supabase.storage.from('avatars').createSignedUrl('a/b.png', 60)
  if (signed.data) expectType<string>()(signed.data.signedUrl)
  await supabase.storage.from('avatars').list('a', { limit: 10, sortBy: { column: 'name', order: 'asc' } })
  await supabase.storage.from('avatars').remove(['a/b.png'])
  await supabase.storage.from('avatars').listV2({ prefix: 'a/', limit: 10 })
  await supabase.storage.listBuckets()
  await supabase.storage.createBucket('docs', { public: false })

  const fn = await supabase.functions.invoke<{ reply: string }>('hello', { body: { name: 'x' } })
  if (fn.data) expectType<string>()(fn.data.reply)
}

export function realtime() {
  const channel = supabase
    .channel('room-1', { config: { broadcast: { self: true }, presence: { key: 'u1' } } })
    .on<Todo>('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, (payload) => {
      expectType<Todo>()(payload.new)
    })
    .on<Todo>('postgres_changes', { event: '*', schema: 'public', table: 'todos' }, (payload: RealtimePostgresChangesPayload<Todo>) => {
      if (payload.eventType === 'UPDATE') expectType<Todo>()(payload.new)
    })
    .on('broadcast', { event: 'cursor' }, (msg) => {
      void msg.payload
    })
    .on('presence', { event: 'sync' }, () => undefined)
    .subscribe((status) => {
      if (status === 'SUBSCRIBED') void channel.send({ type: 'broadcast', event: 'cursor', payload: { x: 1 } })
    })
  void channel.track({ online: true })
  void supabase.removeChannel(channel)
  void typed.getChannels()
}
