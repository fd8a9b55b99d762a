'use strict'
// Realtime under /realtime/v1: Supabase Realtime's Phoenix channel protocol on the backend's HTTP server.
//
//   GET  /realtime/v1/websocket?apikey=<key>&vsn=1.0.0|2.0.0   WebSocket upgrade (index.js routes 'upgrade' here)
//   POST /realtime/v1/api/broadcast                            {messages:[{topic, event, payload, private?}]} -> 202
//   POST /realtime/v1/api/broadcast/<topic>/events/<event>     body = the payload (JSON or octet-stream) -> 202
//
// The apikey (query or header) is checked like every other service (Kong: exactly the anon or service_role key,
// else 401 before the upgrade); vsn other than 1.0.0 (default) / 2.0.0 -> 400. Frames: vsn 1.0.0 JSON objects
// {topic, event, payload, ref} (Phoenix's V1 serializer: no join_ref going out), vsn 2.0.0 JSON arrays
// [join_ref, ref, topic, event, payload] plus the binary user-broadcast frames of realtime-js 2.x (kind 3 in,
// kind 4 out).
//
// Channels (topic `realtime:<name>`):
//   phx_join   payload {config:{broadcast:{self, ack}, presence:{key, enabled}, postgres_changes:[…], private},
//              access_token}. The token (else the socket's apikey) must be an HS256 JWT of the project with `role`
//              and `exp`, not expired (virtual clock), and its role one `authenticator` may assume; else the reply
//              is {status:'error', response:{reason:'InvalidJWTToken: …'}}. Private channels are refused unless
//              the role is service_role (there are no realtime.messages policies here). Reply ok:
//              {postgres_changes:[{id, …the binding as sent}]}, then `system` {extension:'postgres_changes',
//              status:'ok', message:'Subscribed to PostgreSQL'} or status 'error' with Realtime's messages (table
//              not enabled, bad filter) — with postgres_changes_options.wait the join itself fails instead. Then
//              presence_state when presence is enabled (config.presence.enabled; a client that does not send
//              `enabled`, like realtime-js 2.9.x, gets presence, as older Realtime servers did).
//              A second join of a joined topic closes the first (phx_close), as Phoenix does.
//   phx_leave  reply ok, then phx_close. Heartbeat: topic `phoenix`, event `heartbeat` -> reply ok {}.
//              Another event on a topic the socket has not joined -> reply error {reason:'unmatched topic'}.
//   access_token {access_token}: a valid token replaces the channel's identity (role, claims) for everything
//              delivered afterwards; an invalid or expired one -> `system` error ('The token provided is not a
//              valid JWT', 'Fields `role` and `exp` are required in JWT', 'Token has expired N seconds ago') and
//              phx_close. No reply (as Realtime). A channel whose token expires is closed the same way (checked on
//              a timer, on every heartbeat of its socket and before every delivery, so be.advanceTime applies).
//   broadcast  forwarded as sent to every channel of the topic (the sender's too with broadcast.self); with
//              broadcast.ack the sender gets reply ok {}.
//   presence   {event:'track', payload:{…}} / {event:'untrack'} -> reply ok {}; presence_diff {joins, leaves} to the
//              topic's presence-enabled channels (metas carry phx_ref; a re-track sends the new meta as a join and
//              the old one as a leave, an identical re-track nothing). Leave, close and dropped sockets untrack.
//
// postgres_changes: bindings {event: '*'|'INSERT'|'UPDATE'|'DELETE', schema ('*' = all), table (omitted or '*' =
// all), filter ('col=op.val' joined by commas = AND; eq neq lt lte gt gte in like ilike is match imatch isdistinct,
// `not.` prefix, PostgREST quoting), select ([columns])} match tables that opted in (sql/50-realtime.sql:
// realtime.subscribe_table). Each committed change is delivered as event `postgres_changes`
// {ids:[matching binding ids], data:{schema, table, commit_timestamp, type, columns, record?, old_record?, errors:null}}
// (realtime-js turns it into {eventType, new, old, …}) to a channel only when its JWT may see the row under RLS:
// realtime.is_visible runs as the channel's role with its claims and evaluates the table's SELECT policies against the
// captured row (INSERT/UPDATE: the new row; DELETE: the deleted row, see below). Records carry only the columns the
// role may select (and `select`). old_record: UPDATE -> the primary key (the whole old row with REPLICA IDENTITY
// FULL); DELETE -> the primary key only when RLS is on (the whole old row with REPLICA IDENTITY FULL and RLS off),
// as Supabase does. Filters are applied to the new row, for DELETE to old_record (so a DELETE passes a filter only on
// a column it carries, like Supabase's "delete events are not filterable").
// DELETE visibility — a choice: Supabase cannot check RLS on a deleted row and sends the primary key to every
// subscriber of the table; here (default, startBackend({realtimeDeletes:'rls'})) a DELETE goes only to subscribers
// whose JWT could select the deleted row, so user B never learns the ids of user A's rows. realtimeDeletes: 'all'
// behaves as Supabase (the role's SELECT privilege suffices). Switchable at run time: be.realtime.deletes = 'all'.
//
// api (be.realtime): url (ws://…/realtime/v1, what RealtimeClient takes), stats() {sockets, channels, topics:
// {topic: n}, presences, pending}, flush() (resolves once every change committed before the call was delivered),
// dropAll() (destroys every socket without a close frame: clients see code 1006 and reconnect; returns the count),
// closeAll(code = 1000, reason) (close frames), broadcast(topic, event, payload, {private}) (as the REST API),
// subscribeTable(name) / unsubscribeTable(name), frames (the newest 1,000 frames received: {conn, topic, event,
// payload, ref, join_ref, at}), errors (the newest 100 internal errors).
const crypto = require('node:crypto')
const { Client } = require('pg')
const { WebSocketServer } = require('ws')
const { send, bearerToken, stringify } = require('./http-util')

const PREFIX = '/realtime/v1'
const NOTIFY_CHANNEL = 'sbwx_realtime'
const VSNS = ['1.0.0', '2.0.0']
const MAX_FRAME = 3 << 20
const MAX_FRAMES_LOGGED = 1000
const MAX_ERRORS = 100
const MAX_TIMER = 2 ** 31 - 1
const EVENTS = ['*', 'INSERT', 'UPDATE', 'DELETE']
const FILTER_OPS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'is', 'match', 'imatch', 'isdistinct']
const KIND_USER_BROADCAST_PUSH = 3
const KIND_USER_BROADCAST = 4
const PG_CONDITIONS = {
  P0001: 'raise_exception',
  '22P02': 'invalid_text_representation',
  22007: 'invalid_datetime_format',
  22008: 'datetime_field_overflow',
  22003: 'numeric_value_out_of_range',
  42883: 'undefined_function',
  42804: 'datatype_mismatch',
  '2201B': 'invalid_regular_expression',
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)

// ---- filters: 'col=[not.]op.value' joined by ',' (outside quotes and parentheses) ----

function splitTop(s, sep) {
  const out = []
  let cur = ''
  let depth = 0
  let quoted = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (quoted) {
      cur += c
      if (c === '\\' && i + 1 < s.length) cur += s[++i]
      else if (c === '"') quoted = false
      continue
    }
    if (c === '"') quoted = true
    else if (c === '(') depth++
    else if (c === ')') depth--
    if (c === sep && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out
}

// "a\"b" -> a"b; anything else as is.
function unquote(v) {
  if (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"') return v.slice(1, -1).replace(/\\(.)/g, '$1')
  return v
}

// -> { filters: [{col, op, val, vals, negate}] } | { bad: [pieces that did not parse] }
function parseFilter(text) {
  const filters = []
  const bad = []
  for (const piece of splitTop(String(text), ',')) {
    if (piece === '') continue
    const m = /^([^=]+)=(not\.)?([a-z]+)\.([\s\S]*)$/.exec(piece)
    if (!m || !FILTER_OPS.includes(m[3])) {
      bad.push(piece)
      continue
    }
    const [, col, not, op, raw] = m
    const f = { col, op, val: null, vals: null, negate: !!not }
    if (op === 'in') {
      if (!(raw.startsWith('(') && raw.endsWith(')'))) {
        bad.push(piece)
        continue
      }
      f.vals = splitTop(raw.slice(1, -1), ',').map(unquote)
    } else {
      f.val = unquote(raw)
    }
    filters.push(f)
  }
  return bad.length ? { bad } : { filters }
}

// Realtime's rendering of a binding in its error messages.
function paramsText(p, filters) {
  const fs = (filters || []).map(
    (f) =>
      `{${JSON.stringify(f.col)}, ${JSON.stringify(f.op)}, ${JSON.stringify(f.op === 'in' ? `(${f.vals.join(',')})` : f.val)}, ${f.negate}}`,
  )
  const select = Array.isArray(p.select) ? JSON.stringify(p.select) : 'nil'
  return `[event: ${p.event}, schema: ${p.schema}, table: ${p.table == null || p.table === '' ? '*' : p.table}, filters: [${fs.join(', ')}], select: ${select}]`
}

function pgErrorText(e) {
  const name = PG_CONDITIONS[e.code]
  return `ERROR ${e.code || 'XX000'}${name ? ` (${name})` : ''} ${e.message}`
}

function pick(rec, keys) {
  const out = {}
  if (!rec) return out
  for (const k of keys) if (Object.hasOwn(rec, k)) out[k] = rec[k]
  return out
}

// ---- vsn 2.0.0 binary user broadcasts ----

// kind 3 (client -> server): kind, len(join_ref), len(ref), len(topic), len(event), len(meta), encoding, then the
// fields, then the payload (encoding 1 = JSON, 0 = bytes).
function decodeUserBroadcastPush(buf) {
  if (buf.length < 7 || buf[0] !== KIND_USER_BROADCAST_PUSH) return null
  const lens = [buf[1], buf[2], buf[3], buf[4], buf[5]]
  const encoding = buf[6]
  let o = 7
  if (o + lens.reduce((a, b) => a + b, 0) > buf.length) return null
  const fields = lens.map((n) => {
    const s = buf.subarray(o, o + n).toString('utf8')
    o += n
    return s
  })
  const body = Buffer.from(buf.subarray(o))
  let inner
  if (encoding === 1) {
    try {
      inner = JSON.parse(body.toString('utf8'))
    } catch (_) {
      return null
    }
  } else inner = body
  return {
    join_ref: fields[0] || null,
    ref: fields[1] || null,
    topic: fields[2],
    event: 'broadcast',
    payload: { type: 'broadcast', event: fields[3], payload: inner },
    binary: { encoding, body },
  }
}

// kind 4 (server -> client): kind, len(topic), len(event), len(meta), encoding, topic, event, meta, payload.
function encodeUserBroadcast(topic, event, encoding, body) {
  const t = Buffer.from(topic, 'utf8')
  const e = Buffer.from(event, 'utf8')
  if (t.length > 255 || e.length > 255) return null
  return Buffer.concat([Buffer.from([KIND_USER_BROADCAST, t.length, e.length, 0, encoding]), t, e, body])
}

function create(ctx) {
  const { pool } = ctx
  let deletesMode = ctx.cfg && ctx.cfg.realtimeDeletes === 'all' ? 'all' : 'rls'
  const nowSec = () => Math.floor(ctx.now() / 1000)

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME, perMessageDeflate: false })
  const conns = new Set()
  const topics = new Map() // topic key ('o:' | 'p:' + topic) -> Set<channel>
  const pgChannels = new Set() // channels with active postgres_changes bindings
  const frames = []
  const errors = []
  const allowedRoles = new Set()
  const queue = [] // notifications: ['change', id, op, rel] | ['flush', token]
  const flushWaiters = new Map()
  const processedIds = []
  let pumping = null
  let listener = null
  let stopping = false
  let connSeq = 0
  let bindingSeq = 0

  function recordError(where, e) {
    errors.push({ where, message: (e && e.message) || String(e), at: Date.now() })
    if (errors.length > MAX_ERRORS) errors.shift()
  }

  // ---- frames out ----

  function push(conn, { topic, event, payload, ref = null, joinRef = null }) {
    if (conn.closed || conn.ws.readyState !== 1) return
    const data =
      conn.vsn === '2.0.0' ? stringify([joinRef, ref, topic, event, payload]) : stringify({ topic, event, payload, ref })
    conn.ws.send(data)
  }
  const chPush = (ch, event, payload, ref = ch.joinRef) =>
    push(ch.conn, { topic: ch.topic, event, payload, ref, joinRef: ch.joinRef })
  const reply = (conn, msg, status, response) =>
    push(conn, {
      topic: msg.topic,
      event: 'phx_reply',
      payload: { status, response },
      ref: msg.ref == null ? null : msg.ref,
      joinRef: msg.join_ref == null ? null : msg.join_ref,
    })
  const system = (ch, extension, status, message) => chPush(ch, 'system', { message, status, extension, channel: ch.sub }, null)

  // ---- tokens ----

  // -> { claims } | { error } (Realtime's messages)
  function checkToken(token) {
    let claims
    try {
      if (typeof token !== 'string' || token === '') throw new Error('missing')
      claims = ctx.jwt.verify(token, ctx.cfg.jwtSecret, null)
    } catch (_) {
      return { error: 'The token provided is not a valid JWT' }
    }
    if (typeof claims.role !== 'string' || claims.role === '' || typeof claims.exp !== 'number') {
      return { error: 'Fields `role` and `exp` are required in JWT' }
    }
    const left = claims.exp - nowSec()
    if (left <= 0) return { error: `Token has expired ${-left} seconds ago` }
    return { claims }
  }

  // Roles PostgREST could switch to: those `authenticator` is a member of.
  async function roleAllowed(role) {
    if (allowedRoles.has(role)) return true
    const r = await pool.query(
      "select exists (select 1 from pg_roles r where r.rolname = $1 and pg_has_role('authenticator', r.oid, 'MEMBER')) as ok",
      [role],
    )
    if (r.rows[0].ok) allowedRoles.add(role)
    return r.rows[0].ok
  }

  function setIdentity(ch, token, claims) {
    ch.token = token
    ch.claims = claims
    ch.claimsJson = JSON.stringify(claims)
    ch.role = claims.role
    armExpiry(ch)
  }

  function armExpiry(ch) {
    clearTimeout(ch.expiryTimer)
    const ms = ch.claims.exp * 1000 - ctx.now()
    ch.expiryTimer = setTimeout(
      () => {
        if (!expireIfDue(ch) && !ch.closed) armExpiry(ch)
      },
      Math.min(Math.max(ms + 20, 0), MAX_TIMER),
    )
    ch.expiryTimer.unref()
  }

  // Closes a channel whose token has expired (virtual clock); true when it did.
  function expireIfDue(ch) {
    if (ch.closed) return true
    const late = nowSec() - ch.claims.exp
    if (late < 0) return false
    system(ch, 'system', 'error', `Token has expired ${late} seconds ago`)
    closeChannel(ch, { notify: true })
    return true
  }

  // ---- channels ----

  function topicKey(topic, isPrivate) {
    return (isPrivate ? 'p:' : 'o:') + topic
  }

  function presenceState(key) {
    const state = {}
    for (const ch of topics.get(key) || []) {
      if (!ch.tracked) continue
      if (!state[ch.presenceKey]) state[ch.presenceKey] = { metas: [] }
      state[ch.presenceKey].metas.push(ch.tracked.meta)
    }
    return state
  }

  function presenceDiff(key, diff) {
    for (const ch of topics.get(key) || []) if (ch.presenceEnabled) chPush(ch, 'presence_diff', diff, null)
  }

  // Removes a channel (leave, server close, socket gone); its presence leaves; notify: send phx_close.
  function closeChannel(ch, { notify }) {
    if (ch.closed) return
    ch.closed = true
    clearTimeout(ch.expiryTimer)
    if (ch.conn.channels.get(ch.topic) === ch) ch.conn.channels.delete(ch.topic)
    pgChannels.delete(ch)
    const set = topics.get(ch.key)
    if (set) {
      set.delete(ch)
      if (set.size === 0) topics.delete(ch.key)
    }
    if (ch.tracked) {
      const meta = ch.tracked.meta
      ch.tracked = null
      presenceDiff(ch.key, { joins: {}, leaves: { [ch.presenceKey]: { metas: [meta] } } })
    }
    if (notify) chPush(ch, 'phx_close', {})
  }

  // Resolves the postgres_changes bindings of a join: { bindings, error? } (error: Realtime's system message; the
  // bindings then stay inactive, but their ids are still in the join reply, as Realtime does).
  async function resolveBindings(list) {
    const bindings = []
    for (const p of list) {
      const b = { id: ++bindingSeq, echo: null, event: '', rels: new Set(), filters: [], filterKey: '', select: null }
      b.echo = { ...(isObject(p) ? p : {}), id: b.id }
      bindings.push(b)
    }
    for (let i = 0; i < list.length; i++) {
      const p = isObject(list[i]) ? list[i] : {}
      const b = bindings[i]
      b.event = typeof p.event === 'string' ? p.event.toUpperCase() : ''
      const schema = typeof p.schema === 'string' ? p.schema : ''
      const table = p.table == null || p.table === '' ? '*' : String(p.table)
      if (p.filter != null && p.filter !== '') {
        const parsed = parseFilter(p.filter)
        if (parsed.bad) return { bindings, error: `Error parsing \`filter\` params: ${JSON.stringify(parsed.bad)}` }
        b.filters = parsed.filters
        b.filterKey = JSON.stringify(parsed.filters)
      }
      const unable = `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: ${paramsText(p, b.filters)}`
      if (!EVENTS.includes(b.event) || schema === '') return { bindings, error: unable }
      const r = await pool.query(
        "select rel::bigint as rel from realtime.tables where ($1 = '*' or schema_name = $1) and ($2 = '*' or table_name = $2)",
        [schema, table],
      )
      if (r.rows.length === 0) return { bindings, error: unable }
      for (const row of r.rows) b.rels.add(Number(row.rel))
      const failed = (e) => ({
        bindings,
        error: `Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: ${paramsText(p, b.filters)}. Exception: ${pgErrorText(e)}`,
      })
      if (p.select !== undefined) {
        if (!Array.isArray(p.select) || p.select.length === 0 || !p.select.every((c) => typeof c === 'string' && c !== '')) {
          return failed({ code: 'P0001', message: 'select must be a non-empty list of column names' })
        }
        b.select = p.select.slice()
      }
      for (const rel of b.rels) {
        try {
          for (const f of b.filters) {
            await pool.query('select realtime.check_filter($1, $2, $3, $4, $5, $6, $7)', [
              rel,
              {},
              f.col,
              f.op,
              f.val,
              f.vals,
              f.negate,
            ])
          }
          if (b.select) {
            const c = await pool.query(
              'select array(select a.attname::text from pg_attribute a where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped) as cols',
              [rel],
            )
            const missing = b.select.find((s) => !c.rows[0].cols.includes(s))
            if (missing) throw Object.assign(new Error(`invalid column for select ${missing}`), { code: 'P0001' })
          }
        } catch (e) {
          return failed(e)
        }
      }
    }
    return { bindings }
  }

  async function join(conn, msg) {
    const topic = msg.topic
    const payload = isObject(msg.payload) ? msg.payload : {}
    if (!topic.startsWith('realtime:')) return reply(conn, msg, 'error', { reason: 'unmatched topic' })
    const sub = topic.slice('realtime:'.length)
    const old = conn.channels.get(topic)
    if (old) closeChannel(old, { notify: true })

    const cfg = isObject(payload.config) ? payload.config : {}
    const bc = isObject(cfg.broadcast) ? cfg.broadcast : {}
    const pr = isObject(cfg.presence) ? cfg.presence : {}
    const isPrivate = cfg.private === true
    const fail = (reason) => reply(conn, msg, 'error', { reason })

    const token = typeof payload.access_token === 'string' && payload.access_token !== '' ? payload.access_token : conn.apikey
    const auth = checkToken(token)
    if (auth.error) return fail(`InvalidJWTToken: ${auth.error}`)
    if (!(await roleAllowed(auth.claims.role)))
      return fail(`Unauthorized: the JWT role "${auth.claims.role}" is not a database role the API may use`)
    if (!isPrivate && bc.replay) return fail('UnableToReplayMessages: Replay is not allowed for public channels')
    if (isPrivate && auth.claims.role !== 'service_role') {
      return fail(`Unauthorized: You do not have permissions to read from this Channel topic: ${sub}`)
    }

    const list = Array.isArray(cfg.postgres_changes) ? cfg.postgres_changes : []
    const options = isObject(cfg.postgres_changes_options) ? cfg.postgres_changes_options : {}
    let resolved = { bindings: [] }
    if (list.length) {
      resolved = await resolveBindings(list)
      if (resolved.error && options.wait) return fail(`RealtimeDisabledForConfiguration: ${resolved.error}`)
    }
    if (conn.closed || stopping) return undefined

    const ch = {
      conn,
      topic,
      sub,
      key: topicKey(topic, isPrivate),
      joinRef: msg.join_ref != null ? String(msg.join_ref) : msg.ref != null ? String(msg.ref) : null,
      private: isPrivate,
      self: bc.self === true,
      ack: bc.ack === true,
      presenceEnabled: pr.enabled === undefined ? true : pr.enabled === true,
      presenceKey: typeof pr.key === 'string' && pr.key !== '' ? pr.key : crypto.randomUUID(),
      bindings: resolved.error ? [] : resolved.bindings,
      tracked: null,
      closed: false,
      expiryTimer: null,
    }
    setIdentity(ch, token, auth.claims)
    conn.channels.set(topic, ch)
    if (!topics.has(ch.key)) topics.set(ch.key, new Set())
    topics.get(ch.key).add(ch)
    if (ch.bindings.length) pgChannels.add(ch)

    reply(conn, msg, 'ok', { postgres_changes: resolved.bindings.map((b) => b.echo) })
    if (list.length) {
      if (resolved.error) system(ch, 'postgres_changes', 'error', resolved.error)
      else system(ch, 'postgres_changes', 'ok', 'Subscribed to PostgreSQL')
    }
    if (ch.presenceEnabled) chPush(ch, 'presence_state', presenceState(ch.key), null)
    return undefined
  }

  async function accessToken(ch, msg) {
    const token = isObject(msg.payload) ? msg.payload.access_token : undefined
    if (typeof token !== 'string' || token === ch.token) return
    const auth = checkToken(token)
    if (auth.error) {
      system(ch, 'system', 'error', auth.error)
      closeChannel(ch, { notify: true })
      return
    }
    if (!(await roleAllowed(auth.claims.role))) {
      system(ch, 'system', 'error', `Unauthorized: the JWT role "${auth.claims.role}" is not a database role the API may use`)
      closeChannel(ch, { notify: true })
      return
    }
    if (ch.private && auth.claims.role !== 'service_role') {
      system(ch, 'system', 'error', `You no longer have permission to read from this Channel topic: ${ch.sub}`)
      closeChannel(ch, { notify: true })
      return
    }
    if (!ch.closed) setIdentity(ch, token, auth.claims)
  }

  // A broadcast to every channel of a topic key; binary: {encoding, body} of a vsn 2.0.0 user broadcast.
  function fanout(key, payload, { except = null, binary = null } = {}) {
    for (const ch of topics.get(key) || []) {
      if (ch === except) continue
      if (binary && ch.conn.vsn === '2.0.0') {
        const frame = encodeUserBroadcast(ch.topic, String(payload.event), binary.encoding, binary.body)
        if (frame && !ch.conn.closed && ch.conn.ws.readyState === 1) {
          ch.conn.ws.send(frame)
          continue
        }
      }
      if (binary && binary.encoding !== 1) continue // raw bytes do not fit a JSON frame (vsn 1.0.0 receivers)
      chPush(ch, 'broadcast', payload, null)
    }
  }

  function onBroadcast(ch, msg) {
    fanout(ch.key, msg.payload, { except: ch.self ? null : ch, binary: msg.binary || null })
    if (ch.ack) reply(ch.conn, msg, 'ok', {})
  }

  function onPresence(ch, msg) {
    const p = isObject(msg.payload) ? msg.payload : {}
    const ev = typeof p.event === 'string' ? p.event.toLowerCase() : ''
    if (ev === 'track') {
      if (!isObject(p.payload)) return reply(ch.conn, msg, 'error', { reason: 'Presence track payload must be a map' })
      const data = JSON.stringify(p.payload)
      if (ch.tracked && ch.tracked.data === data) return reply(ch.conn, msg, 'ok', {})
      const old = ch.tracked
      const meta = { ...p.payload, phx_ref: crypto.randomBytes(9).toString('base64url') }
      if (old) meta.phx_ref_prev = old.meta.phx_ref
      ch.tracked = { meta, data }
      reply(ch.conn, msg, 'ok', {})
      presenceDiff(ch.key, {
        joins: { [ch.presenceKey]: { metas: [meta] } },
        leaves: old ? { [ch.presenceKey]: { metas: [old.meta] } } : {},
      })
      return undefined
    }
    if (ev === 'untrack') {
      const old = ch.tracked
      ch.tracked = null
      reply(ch.conn, msg, 'ok', {})
      if (old) presenceDiff(ch.key, { joins: {}, leaves: { [ch.presenceKey]: { metas: [old.meta] } } })
      return undefined
    }
    return reply(ch.conn, msg, 'error', { reason: `unknown presence event ${JSON.stringify(p.event)}` })
  }

  async function handle(conn, msg) {
    const { topic, event } = msg
    if (topic === 'phoenix') {
      if (event === 'heartbeat') {
        for (const ch of [...conn.channels.values()]) expireIfDue(ch)
        reply(conn, msg, 'ok', {})
      }
      return
    }
    if (event === 'phx_join') {
      await join(conn, msg)
      return
    }
    const ch = conn.channels.get(topic)
    if (!ch) {
      reply(conn, msg, 'error', { reason: 'unmatched topic' })
      return
    }
    switch (event) {
      case 'phx_leave':
        reply(conn, msg, 'ok', {})
        closeChannel(ch, { notify: true })
        return
      case 'access_token':
        await accessToken(ch, msg)
        return
      case 'broadcast':
        onBroadcast(ch, msg)
        return
      case 'presence':
        onPresence(ch, msg)
        return
      default:
      // Realtime ignores other events (no reply).
    }
  }

  function decode(conn, data, isBinary) {
    if (isBinary) return conn.vsn === '2.0.0' ? decodeUserBroadcastPush(Buffer.isBuffer(data) ? data : Buffer.concat(data)) : null
    let v
    try {
      v = JSON.parse(data.toString('utf8'))
    } catch (_) {
      return null
    }
    if (conn.vsn === '2.0.0') {
      if (!Array.isArray(v) || v.length !== 5) return null
      return { join_ref: v[0], ref: v[1], topic: v[2], event: v[3], payload: v[4] }
    }
    if (!isObject(v)) return null
    return { topic: v.topic, event: v.event, payload: v.payload, ref: v.ref, join_ref: v.join_ref }
  }

  function onConnection(ws, vsn, apikey) {
    const conn = { id: ++connSeq, ws, vsn, apikey, channels: new Map(), chain: Promise.resolve(), closed: false }
    conns.add(conn)
    ws.on('message', (data, isBinary) => {
      const msg = decode(conn, data, isBinary)
      if (!msg || typeof msg.topic !== 'string' || typeof msg.event !== 'string') {
        recordError('frame', new Error(`conn ${conn.id}: malformed frame ignored`))
        return
      }
      frames.push({
        conn: conn.id,
        topic: msg.topic,
        event: msg.event,
        payload: msg.payload,
        ref: msg.ref == null ? null : msg.ref,
        join_ref: msg.join_ref == null ? null : msg.join_ref,
        at: Date.now(),
      })
      if (frames.length > MAX_FRAMES_LOGGED) frames.splice(0, frames.length - MAX_FRAMES_LOGGED)
      conn.chain = conn.chain.then(() => handle(conn, msg)).catch((e) => recordError(`handle ${msg.event}`, e))
    })
    ws.on('error', (e) => recordError('socket', e))
    ws.on('close', () => dropConn(conn))
  }

  // The socket is gone (or being destroyed): its channels close without phx_close, their presences leave.
  function dropConn(conn) {
    if (conn.closed) return
    conn.closed = true
    conns.delete(conn)
    for (const ch of [...conn.channels.values()]) closeChannel(ch, { notify: false })
  }

  // ---- postgres_changes ----

  function enqueue(item) {
    queue.push(item)
    if (!pumping) pumping = pump()
  }

  async function pump() {
    await null
    try {
      while (queue.length) {
        const item = queue.shift()
        if (item[0] === 'flush') {
          const done = flushWaiters.get(item[1])
          flushWaiters.delete(item[1])
          if (done) done()
          continue
        }
        const [, id, op, rel] = item
        try {
          await deliverChange(id, op, rel)
        } catch (e) {
          recordError('postgres_changes', e)
        }
        processedIds.push(id)
        if (processedIds.length >= 200 || queue.length === 0) await purge()
      }
    } finally {
      pumping = null
    }
  }

  async function purge() {
    const ids = processedIds.splice(0)
    if (!ids.length || stopping) return
    try {
      await pool.query('delete from realtime.changes where id = any($1::bigint[])', [ids])
    } catch (e) {
      recordError('purge', e)
    }
  }

  // Runs fn(client) as `role` with request.jwt.claims = claimsJson, in a transaction that is rolled back.
  async function asRole(role, claimsJson, fn) {
    const client = await pool.connect()
    try {
      await client.query('begin')
      await client.query("select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)", [role, claimsJson])
      return await fn(client)
    } finally {
      try {
        await client.query('rollback')
      } catch (_) {
        /* ignore */
      }
      client.release()
    }
  }

  async function deliverChange(id, op, rel) {
    const targets = []
    for (const ch of pgChannels) {
      for (const b of ch.bindings) if (b.rels.has(rel) && (b.event === '*' || b.event === op)) targets.push({ ch, b })
    }
    if (!targets.length || stopping) return
    const { rows } = await pool.query(
      `select ch.record, ch.old_record, ch.captured_at, n.nspname::text as schema, c.relname::text as table,
              c.relrowsecurity as rls, c.relreplident::text as replident,
              array(select a.attname::text from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
                     where i.indrelid = c.oid and i.indisprimary order by array_position(i.indkey::int2[], a.attnum)) as pk
         from realtime.changes ch join pg_class c on c.oid = ch.rel join pg_namespace n on n.oid = c.relnamespace
        where ch.id = $1`,
      [id],
    )
    const row = rows[0]
    if (!row) return
    const full = row.replident === 'f'
    let oldShown
    if (op === 'UPDATE') oldShown = full ? row.old_record : pick(row.old_record, row.pk)
    else if (op === 'DELETE') oldShown = full && !row.rls ? row.old_record : pick(row.old_record, row.pk)
    const filterRec = op === 'DELETE' ? oldShown : row.record
    const visRec = op === 'DELETE' ? row.old_record : row.record

    const filterCache = new Map()
    const passes = async (b) => {
      if (!b.filters.length) return true
      if (!filterCache.has(b.filterKey)) {
        let ok = true
        try {
          for (const f of b.filters) {
            const r = await pool.query('select realtime.check_filter($1, $2, $3, $4, $5, $6, $7) as ok', [
              rel,
              filterRec,
              f.col,
              f.op,
              f.val,
              f.vals,
              f.negate,
            ])
            if (!r.rows[0].ok) {
              ok = false
              break
            }
          }
        } catch (e) {
          recordError('filter', e)
          ok = false
        }
        filterCache.set(b.filterKey, ok)
      }
      return filterCache.get(b.filterKey)
    }

    const byChannel = new Map()
    for (const t of targets) {
      if (t.ch.closed || expireIfDue(t.ch)) continue
      if (!(await passes(t.b))) continue
      if (!byChannel.has(t.ch)) byChannel.set(t.ch, [])
      byChannel.get(t.ch).push(t.b)
    }
    if (!byChannel.size) return

    const verdicts = new Map() // role + claims -> {visible, columns}
    const checkRls = op !== 'DELETE' || deletesMode === 'rls'
    for (const ch of byChannel.keys()) {
      const k = `${ch.role}\u0000${ch.claimsJson}`
      if (verdicts.has(k)) continue
      try {
        verdicts.set(
          k,
          await asRole(ch.role, ch.claimsJson, async (client) => {
            const r = await client.query('select realtime.is_visible($1, $2, $3) as visible, realtime.columns($1) as columns', [
              rel,
              visRec,
              checkRls,
            ])
            return r.rows[0]
          }),
        )
      } catch (e) {
        recordError('rls', e)
        verdicts.set(k, { visible: false, columns: [] })
      }
    }

    const base = { schema: row.schema, table: row.table, commit_timestamp: new Date(row.captured_at).toISOString(), type: op }
    for (const [ch, bs] of byChannel) {
      if (ch.closed) continue
      const v = verdicts.get(`${ch.role}\u0000${ch.claimsJson}`)
      if (!v || !v.visible) continue
      // One message per distinct `select` among the channel's matching bindings (usually one).
      const groups = new Map()
      for (const b of bs) {
        const sk = b.select ? JSON.stringify(b.select) : ''
        if (!groups.has(sk)) groups.set(sk, { select: b.select, ids: [] })
        groups.get(sk).ids.push(b.id)
      }
      for (const g of groups.values()) {
        let columns = v.columns
        if (g.select) columns = columns.filter((c) => g.select.includes(c.name))
        const names = columns.map((c) => c.name)
        const data = { ...base, columns, errors: null }
        if (op !== 'DELETE') data.record = pick(row.record, names)
        if (op !== 'INSERT') data.old_record = pick(oldShown, names)
        chPush(ch, 'postgres_changes', { ids: g.ids, data }, null)
      }
    }
  }

  function onNotification(n) {
    if (n.channel !== NOTIFY_CHANNEL) return
    let v
    try {
      v = JSON.parse(n.payload)
    } catch (e) {
      recordError('notify', e)
      return
    }
    if (v[0] === 'flush') enqueue(['flush', v[1]])
    else enqueue(['change', Number(v[0]), String(v[1]), Number(v[2])])
  }

  function flush() {
    if (!listener || stopping) return Promise.resolve()
    const token = crypto.randomUUID()
    return new Promise((resolve) => {
      flushWaiters.set(token, resolve)
      pool.query('select pg_notify($1, $2)', [NOTIFY_CHANNEL, JSON.stringify(['flush', token])]).catch((e) => {
        recordError('flush', e)
        flushWaiters.delete(token)
        resolve()
      })
    })
  }

  // ---- HTTP ----

  // The WebSocket endpoint. index.js has logged the request, applied faults and checked the apikey; `res` is a
  // ServerResponse on the raw socket for HTTP error answers.
  function upgrade(req, socket, head, r, res) {
    if (r.path.replace(/\/+$/, '') !== '/websocket') return send(res, 404, { message: 'no Route matched with those values' })
    const vsn = r.params.vsn === undefined ? '1.0.0' : r.params.vsn
    if (!VSNS.includes(vsn))
      return send(res, 400, { message: `unsupported serializer version (vsn) ${JSON.stringify(vsn)}: use 1.0.0 or 2.0.0` })
    if (stopping) return send(res, 503, { message: 'Realtime is shutting down' })
    const apikey = String(req.headers.apikey !== undefined ? req.headers.apikey : r.params.apikey)
    res.detachSocket(socket)
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, vsn, apikey))
    return undefined
  }

  // REST broadcast: the caller's JWT (Authorization, else the apikey) must be valid; private messages reach private
  // channels only when that role is service_role (otherwise they are dropped, still 202).
  function restAuth(req, r) {
    const token =
      bearerToken(req.headers.authorization) || (req.headers.apikey !== undefined ? String(req.headers.apikey) : r.params.apikey)
    return checkToken(token)
  }

  function deliverRest(topic, event, payload, isPrivate, role, binary) {
    if (isPrivate && role !== 'service_role') return
    fanout(topicKey(`realtime:${topic}`, isPrivate), { type: 'broadcast', event, payload }, { binary })
  }

  const service = {
    prefix: PREFIX,
    apikey: true,
    async handle(req, res, r) {
      const route = r.path.replace(/\/+$/, '') || '/'
      if (route === '/websocket') return send(res, 400, { message: 'WebSocket upgrade required' })
      const single = /^\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/.exec(route)
      if (route !== '/api/broadcast' && !single) return send(res, 404, { message: 'no Route matched with those values' })
      if (req.method !== 'POST') return send(res, 405, { message: 'Method Not Allowed' })
      const auth = restAuth(req, r)
      const body = await r.body(1 << 20)
      if (auth.error) return send(res, 401, { message: auth.error })
      const role = auth.claims.role
      if (single) {
        let topic
        let event
        try {
          topic = decodeURIComponent(single[1])
          event = decodeURIComponent(single[2])
        } catch (_) {
          return send(res, 400, { error: 'malformed topic or event' })
        }
        const isPrivate = r.params.private === 'true'
        if (String(req.headers['content-type'] || '').startsWith('application/octet-stream')) {
          deliverRest(topic, event, null, isPrivate, role, { encoding: 0, body })
        } else {
          let payload
          try {
            payload = JSON.parse(body.toString('utf8'))
          } catch (_) {
            return send(res, 400, { error: 'payload must be JSON' })
          }
          deliverRest(topic, event, payload, isPrivate, role, null)
        }
        return send(res, 202, null)
      }
      let parsed
      try {
        parsed = JSON.parse(body.toString('utf8'))
      } catch (_) {
        return send(res, 400, { error: 'body must be JSON' })
      }
      if (!isObject(parsed) || !Array.isArray(parsed.messages)) return send(res, 400, { error: 'messages must be a list' })
      for (const m of parsed.messages) {
        if (!isObject(m) || typeof m.topic !== 'string' || typeof m.event !== 'string')
          return send(res, 400, { error: 'each message needs topic and event' })
      }
      for (const m of parsed.messages) deliverRest(m.topic, m.event, m.payload, m.private === true, role, null)
      return send(res, 202, null)
    },
  }

  // ---- lifecycle ----

  async function start() {
    listener = new Client({ connectionString: ctx.cluster.connectionString })
    listener.on('error', (e) => recordError('listener', e))
    listener.on('notification', onNotification)
    await listener.connect()
    await listener.query(`listen ${NOTIFY_CHANNEL}`)
  }

  function closeAll(code = 1000, reason = '') {
    let n = 0
    for (const conn of [...conns]) {
      n++
      try {
        conn.ws.close(code, reason)
      } catch (_) {
        conn.ws.terminate()
      }
    }
    return n
  }

  function dropAll() {
    let n = 0
    for (const conn of [...conns]) {
      n++
      dropConn(conn)
      conn.ws.terminate()
    }
    return n
  }

  async function stop() {
    if (stopping) return
    stopping = true
    const open = [...conns]
    closeAll(1001, 'server shutting down')
    // Give close frames a moment to be answered, then destroy what is left.
    await Promise.race([
      Promise.all(open.map((c) => new Promise((resolve) => (c.ws.readyState === 3 ? resolve() : c.ws.once('close', resolve))))),
      new Promise((resolve) => setTimeout(resolve, 200).unref()),
    ])
    for (const c of open) {
      dropConn(c)
      c.ws.terminate()
    }
    wss.close()
    for (const done of flushWaiters.values()) done()
    flushWaiters.clear()
    if (pumping) await pumping.catch(() => {})
    if (listener) {
      try {
        await listener.query(`unlisten ${NOTIFY_CHANNEL}`)
      } catch (_) {
        /* ignore */
      }
      try {
        await listener.end()
      } catch (_) {
        /* ignore */
      }
      listener = null
    }
  }

  const api = {
    get url() {
      return ctx.baseUrl().replace(/^http/, 'ws') + PREFIX
    },
    get deletes() {
      return deletesMode
    },
    set deletes(v) {
      if (v !== 'rls' && v !== 'all') throw new Error("deletes must be 'rls' or 'all'")
      deletesMode = v
    },
    stats() {
      const byTopic = {}
      let channels = 0
      let presences = 0
      for (const set of topics.values()) {
        for (const ch of set) {
          channels++
          byTopic[ch.topic] = (byTopic[ch.topic] || 0) + 1
          if (ch.tracked) presences++
        }
      }
      return { sockets: conns.size, channels, topics: byTopic, presences, pending: queue.length }
    },
    flush,
    dropAll,
    closeAll,
    broadcast(topic, event, payload, opts = {}) {
      deliverRest(String(topic), String(event), payload, opts.private === true, 'service_role', null)
    },
    async subscribeTable(name) {
      await pool.query('select realtime.subscribe_table($1::regclass)', [name])
    },
    async unsubscribeTable(name) {
      await pool.query('select realtime.unsubscribe_table($1::regclass)', [name])
    },
    frames,
    errors,
  }

  return { prefix: PREFIX, services: [service], api, upgrade, start, stop }
}

module.exports = { create, parseFilter, PREFIX }
