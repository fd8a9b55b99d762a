'use strict'
// Throwaway PostgreSQL 15 cluster (Debian packages) in a fresh temp dir.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFile, execFileSync, spawn } = require('node:child_process')
const { freePort } = require('./net-util')

// The newest PostgreSQL installed from Debian's packages (15 on Debian 12), or $PG_BIN.
function findPgBin() {
  if (process.env.PG_BIN) return process.env.PG_BIN
  const root = '/usr/lib/postgresql'
  let versions = []
  try {
    versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(root, v, 'bin', 'initdb')))
  } catch {
    /* not installed */
  }
  versions.sort((a, b) => Number(b) - Number(a))
  return path.join(root, versions[0] || '15', 'bin')
}
const PG_BIN = findPgBin()
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

function pgCmd(bin, args) {
  const file = path.join(PG_BIN, bin)
  return isRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]
}

function run(bin, args, opts = {}) {
  const [file, argv] = pgCmd(bin, args)
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: opts.timeout || 30000, ...opts }, (err, stdout, stderr) => {
      if (err) {
        err.message += `\n${stdout || ''}${stderr || ''}`
        reject(err)
      } else resolve(stdout)
    })
  })
}

function runSync(bin, args, timeout = 15000) {
  const [file, argv] = pgCmd(bin, args)
  return execFileSync(file, argv, { timeout, stdio: 'ignore' })
}

function postgresIds() {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'))
  if (!line) throw new Error('no postgres user in /etc/passwd')
  const f = line.split(':')
  return { uid: Number(f[2]), gid: Number(f[3]) }
}

function rmrf(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true })
  } catch (_) {
    /* ignore */
  }
}

// Clusters alive in this process, stopped synchronously on exit if the caller forgot.
const live = new Set()
let exitHookInstalled = false
function installExitHook() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const c of live) c.stopSync()
  })
}

class Cluster {
  constructor(dir) {
    this.dir = dir
    this.dataDir = path.join(dir, 'data')
    this.sockDir = dir
    this.logFile = path.join(dir, 'pg.log')
    this.port = null
    this.running = false
    this.watchdog = null
  }

  get connectionString() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  async start() {
    await run('initdb', ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'])
    let lastErr
    for (let attempt = 0; attempt < 4; attempt++) {
      this.port = await freePort()
      const opts = [
        `-p ${this.port}`,
        `-k ${this.sockDir}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=50',
        '-c shared_buffers=16MB',
      ].join(' ')
      try {
        await run('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '30', '-o', opts, 'start'])
        this.running = true
        live.add(this)
        installExitHook()
        this.startWatchdog()
        return this
      } catch (e) {
        lastErr = e
        try {
          e.message += '\n' + fs.readFileSync(this.logFile, 'utf8').slice(-2000)
        } catch (_) {
          /* ignore */
        }
        try {
          runSync('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'])
        } catch (_) {
          /* ignore */
        }
      }
    }
    throw lastErr
  }

  // A detached helper that stops the cluster if this process dies without cleaning up (SIGKILL, crash).
  startWatchdog() {
    try {
      const wd = spawn(
        process.execPath,
        [path.join(__dirname, 'watchdog.js'), String(process.pid), this.dataDir, this.dir, PG_BIN],
        { detached: true, stdio: 'ignore' },
      )
      wd.unref()
      this.watchdog = wd
    } catch (_) {
      /* best effort */
    }
  }

  // Helper processes (PostgREST) the watchdog must kill too when this process dies without stopping them:
  // one line `pid match` each in <dir>/children; the watchdog SIGKILLs a pid whose command line contains `match`.
  registerChild(pid, match) {
    if (!pid) return
    this.children = this.children || new Map()
    this.children.set(pid, String(match || '').replace(/\s/g, ''))
    this.writeChildren()
  }

  unregisterChild(pid) {
    if (!this.children || !this.children.delete(pid)) return
    this.writeChildren()
  }

  writeChildren() {
    const lines = [...this.children].map(([pid, match]) => `${pid} ${match}\n`).join('')
    try {
      fs.writeFileSync(path.join(this.dir, 'children'), lines)
    } catch (_) {
      /* dir gone: stopping */
    }
  }

  killWatchdog() {
    if (this.watchdog && this.watchdog.exitCode === null) {
      try {
        process.kill(this.watchdog.pid, 'SIGTERM')
      } catch (_) {
        /* ignore */
      }
    }
    this.watchdog = null
  }

  async stop() {
    if (this.running) {
      this.running = false
      try {
        await run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '20', 'stop'])
      } catch (_) {
        try {
          await run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'])
        } catch (_) {
          /* ignore */
        }
      }
    }
    live.delete(this)
    this.killWatchdog()
    rmrf(this.dir)
  }

  stopSync() {
    if (this.running) {
      this.running = false
      try {
        runSync('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'])
      } catch (_) {
        /* ignore */
      }
    }
    live.delete(this)
    this.killWatchdog()
    rmrf(this.dir)
  }
}

async function createCluster() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-pg-'))
  try {
    if (isRoot) {
      const { uid, gid } = postgresIds()
      fs.chownSync(dir, uid, gid)
    }
    const c = new Cluster(dir)
    await c.start()
    return c
  } catch (e) {
    rmrf(dir)
    throw e
  }
}

module.exports = { createCluster, PG_BIN }
