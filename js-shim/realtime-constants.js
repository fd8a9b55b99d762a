'use strict'
// realtime-js 2.x's exports besides the client and the channel, which the SDK we replace
// re-exported too: the REALTIME_* constants (frozen, as TypeScript's string enums are read) and
// RealtimePresence. The presence state itself is kept by the core (src/realtime/presence.rs).

const REALTIME_LISTEN_TYPES = Object.freeze({
  BROADCAST: 'broadcast',
  PRESENCE: 'presence',
  POSTGRES_CHANGES: 'postgres_changes',
  SYSTEM: 'system',
})
const REALTIME_POSTGRES_CHANGES_LISTEN_EVENT = Object.freeze({ ALL: '*', INSERT: 'INSERT', UPDATE: 'UPDATE', DELETE: 'DELETE' })
const REALTIME_PRESENCE_LISTEN_EVENTS = Object.freeze({ SYNC: 'sync', JOIN: 'join', LEAVE: 'leave' })
const REALTIME_SUBSCRIBE_STATES = Object.freeze({
  SUBSCRIBED: 'SUBSCRIBED',
  TIMED_OUT: 'TIMED_OUT',
  CLOSED: 'CLOSED',
  CHANNEL_ERROR: 'CHANNEL_ERROR',
})
const REALTIME_CHANNEL_STATES = Object.freeze({
  closed: 'closed',
  errored: 'errored',
  joined: 'joined',
  joining: 'joining',
  leaving: 'leaving',
})

/** `new RealtimePresence(channel)`: `state` is the channel's presence state (`{ key: [{ ...meta, presence_ref }] }`). */
class RealtimePresence {
  constructor(channel, opts) {
    this.channel = channel
    this.opts = opts
  }

  get state() {
    return this.channel.presenceState()
  }
}

module.exports = {
  RealtimePresence,
  REALTIME_LISTEN_TYPES,
  REALTIME_POSTGRES_CHANGES_LISTEN_EVENT,
  REALTIME_PRESENCE_LISTEN_EVENTS,
  REALTIME_SUBSCRIBE_STATES,
  REALTIME_CHANNEL_STATES,
}
