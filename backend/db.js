'use strict'
// PostgreSQL helpers shared by the backend's services (auth, memfire, storage).

// Runs fn(client) in a transaction on a client of `pool`: commit when fn resolves, rollback (a failing rollback
// is ignored) and rethrow when it throws; the client goes back to the pool either way. Resolves fn's result.
async function withTx(pool, fn) {
  const client = await pool.connect()
  try {
    await client.query('begin')
    const out = await fn(client)
    await client.query('commit')
    return out
  } catch (e) {
    try {
      await client.query('rollback')
    } catch (_) {
      /* ignore */
    }
    throw e
  } finally {
    client.release()
  }
}

module.exports = { withTx }
