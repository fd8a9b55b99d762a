// supabase.channel(…) / supabase.realtime: realtime-js 2.119's RealtimeClient and RealtimeChannel
// as the package implements them (js-shim/realtime.js; the protocol is the wasm core's), with
// realtime-js' payload types (MIT, Supabase).

export declare enum REALTIME_POSTGRES_CHANGES_LISTEN_EVENT {
  ALL = '*',
  INSERT = 'INSERT',
  UPDATE = 'UPDATE',
  DELETE = 'DELETE',
}
export declare enum REALTIME_LISTEN_TYPES {
  BROADCAST = 'broadcast',
  PRESENCE = 'presence',
  POSTGRES_CHANGES = 'postgres_changes',
  SYSTEM = 'system',
}
export declare enum REALTIME_SUBSCRIBE_STATES {
  SUBSCRIBED = 'SUBSCRIBED',
  TIMED_OUT = 'TIMED_OUT',
  CLOSED = 'CLOSED',
  CHANNEL_ERROR = 'CHANNEL_ERROR',
}
export declare enum REALTIME_PRESENCE_LISTEN_EVENTS {
  SYNC = 'sync',
  JOIN = 'join',
  LEAVE = 'leave',
}
export declare const REALTIME_CHANNEL_STATES: {
  readonly closed: 'closed'
  readonly errored: 'errored'
  readonly joined: 'joined'
  readonly joining: 'joining'
  readonly leaving: 'leaving'
}
export type ChannelState = (typeof REALTIME_CHANNEL_STATES)[keyof typeof REALTIME_CHANNEL_STATES]

export type RealtimeChannelOptions = {
  config: {
    broadcast?: { self?: boolean; ack?: boolean }
    presence?: { key?: string; enabled?: boolean }
    private?: boolean
  }
}

type RealtimePostgresChangesPayloadBase = {
  schema: string
  table: string
  commit_timestamp: string
  errors: string[]
}
export type RealtimePostgresInsertPayload<T extends { [key: string]: any }> = RealtimePostgresChangesPayloadBase & {
  eventType: `${REALTIME_POSTGRES_CHANGES_LISTEN_EVENT.INSERT}`
  new: T
  old: {}
}
export type RealtimePostgresUpdatePayload<T extends { [key: string]: any }> = RealtimePostgresChangesPayloadBase & {
  eventType: `${REALTIME_POSTGRES_CHANGES_LISTEN_EVENT.UPDATE}`
  new: T
  old: Partial<T>
}
export type RealtimePostgresDeletePayload<T extends { [key: string]: any }> = RealtimePostgresChangesPayloadBase & {
  eventType: `${REALTIME_POSTGRES_CHANGES_LISTEN_EVENT.DELETE}`
  new: {}
  old: Partial<T>
}
export type RealtimePostgresChangesPayload<T extends { [key: string]: any }> =
  | RealtimePostgresInsertPayload<T>
  | RealtimePostgresUpdatePayload<T>
  | RealtimePostgresDeletePayload<T>
export type RealtimePostgresChangesFilter<T extends `${REALTIME_POSTGRES_CHANGES_LISTEN_EVENT}`> = {
  event: T
  schema: string
  table?: string
  filter?: string
}
export type RealtimeChannelSendResponse = 'ok' | 'timed out' | 'error' | (string & {})
export type RealtimeRemoveChannelResponse = 'ok' | 'timed out' | 'error'

export type Presence<T extends { [key: string]: any } = {}> = { presence_ref: string } & T
export type RealtimePresenceState<T extends { [key: string]: any } = {}> = { [key: string]: Presence<T>[] }
export type RealtimePresenceJoinPayload<T extends { [key: string]: any }> = {
  event: `${REALTIME_PRESENCE_LISTEN_EVENTS.JOIN}`
  key: string
  currentPresences: Presence<T>[]
  newPresences: Presence<T>[]
}
export type RealtimePresenceLeavePayload<T extends { [key: string]: any }> = {
  event: `${REALTIME_PRESENCE_LISTEN_EVENTS.LEAVE}`
  key: string
  currentPresences: Presence<T>[]
  leftPresences: Presence<T>[]
}

type Broadcast = `${REALTIME_LISTEN_TYPES.BROADCAST}`
type PostgresChanges = `${REALTIME_LISTEN_TYPES.POSTGRES_CHANGES}`
type PresenceType = `${REALTIME_LISTEN_TYPES.PRESENCE}`

export declare class RealtimeChannel {
  /** Made by `supabase.channel(name, opts)`. */
  private constructor()
  topic: string
  subTopic: string
  params: RealtimeChannelOptions
  state: ChannelState
  /** `callback(status, err)`: `SUBSCRIBED`, `TIMED_OUT`, `CLOSED` or `CHANNEL_ERROR`. */
  subscribe(callback?: (status: `${REALTIME_SUBSCRIBE_STATES}`, err?: Error) => void, timeout?: number): RealtimeChannel
  presenceState<T extends { [key: string]: any } = {}>(): RealtimePresenceState<T>
  track(payload: { [key: string]: any }, opts?: { [key: string]: any }): Promise<RealtimeChannelSendResponse>
  untrack(opts?: { [key: string]: any }): Promise<RealtimeChannelSendResponse>
  on(type: PresenceType, filter: { event: `${REALTIME_PRESENCE_LISTEN_EVENTS.SYNC}` }, callback: () => void): RealtimeChannel
  on<T extends { [key: string]: any }>(
    type: PresenceType,
    filter: { event: `${REALTIME_PRESENCE_LISTEN_EVENTS.JOIN}` },
    callback: (payload: RealtimePresenceJoinPayload<T>) => void,
  ): RealtimeChannel
  on<T extends { [key: string]: any }>(
    type: PresenceType,
    filter: { event: `${REALTIME_PRESENCE_LISTEN_EVENTS.LEAVE}` },
    callback: (payload: RealtimePresenceLeavePayload<T>) => void,
  ): RealtimeChannel
  on<T extends { [key: string]: any }>(
    type: PostgresChanges,
    filter: RealtimePostgresChangesFilter<`${REALTIME_POSTGRES_CHANGES_LISTEN_EVENT.ALL}`>,
    callback: (payload: RealtimePostgresChangesPayload<T>) => void,
  ): RealtimeChannel
  on<T extends { [key: string]: any }>(
    type: PostgresChanges,
    filter: RealtimePostgresChangesFilter<`${REALTIME_POSTGRES_CHANGES_LISTEN_EVENT.INSERT}`>,
    callback: (payload: RealtimePostgresInsertPayload<T>) => void,
  ): RealtimeChannel
  on<T extends { [key: string]: any }>(
    type: PostgresChanges,
    filter: RealtimePostgresChangesFilter<`${REALTIME_POSTGRES_CHANGES_LISTEN_EVENT.UPDATE}`>,
    callback: (payload: RealtimePostgresUpdatePayload<T>) => void,
  ): RealtimeChannel
  on<T extends { [key: string]: any }>(
    type: PostgresChanges,
    filter: RealtimePostgresChangesFilter<`${REALTIME_POSTGRES_CHANGES_LISTEN_EVENT.DELETE}`>,
    callback: (payload: RealtimePostgresDeletePayload<T>) => void,
  ): RealtimeChannel
  on<T extends { [key: string]: any }>(
    type: PostgresChanges,
    filter: RealtimePostgresChangesFilter<`${REALTIME_POSTGRES_CHANGES_LISTEN_EVENT}`>,
    callback: (payload: RealtimePostgresChangesPayload<T>) => void,
  ): RealtimeChannel
  on(
    type: Broadcast,
    filter: { event: string },
    callback: (payload: { type: Broadcast; event: string; [key: string]: any }) => void,
  ): RealtimeChannel
  on<T extends { [key: string]: any }>(
    type: Broadcast,
    filter: { event: string },
    callback: (payload: { type: Broadcast; event: string; payload: T }) => void,
  ): RealtimeChannel
  on(type: `${REALTIME_LISTEN_TYPES.SYSTEM}`, filter: {}, callback: (payload: any) => void): RealtimeChannel
  send(
    args: { type: 'broadcast' | 'presence' | 'postgres_changes'; event: string; payload?: any; [key: string]: any },
    opts?: { [key: string]: any },
  ): Promise<RealtimeChannelSendResponse>
  unsubscribe(timeout?: number): Promise<RealtimeChannelSendResponse>
}

/** The presence state of a channel, as realtime-js' RealtimePresence (`new RealtimePresence(channel)`). */
export declare class RealtimePresence {
  channel: RealtimeChannel
  get state(): RealtimePresenceState
  constructor(channel: RealtimeChannel, opts?: { events?: { state: string; diff: string } })
}

export declare class RealtimeClient {
  /** `supabase.realtime`: one per client, over its core. */
  private constructor()
  channel(topic: string, params?: RealtimeChannelOptions): RealtimeChannel
  getChannels(): RealtimeChannel[]
  removeChannel(channel: RealtimeChannel): Promise<RealtimeRemoveChannelResponse>
  removeAllChannels(): Promise<RealtimeRemoveChannelResponse[]>
  /** Opens the socket now (it otherwise opens with the first subscribe). */
  connect(): void
  disconnect(code?: number, reason?: string): Promise<'ok' | 'timeout'>
  isConnected(): boolean
  /** Sends `token` (or the session's, when null/omitted) to every joined channel. */
  setAuth(token?: string | null): Promise<void>
}

export {}
