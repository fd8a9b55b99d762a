'use strict'
// The web tests' browser: Debian's Chromium (/usr/bin/chromium, installed by scripts/install-tools.sh) driven by
// playwright-core (no downloaded browsers), headless. Also a tiny static server for pages the browser lands on,
// and the artifacts dir (.tmp/artifacts/, git-ignored) for screenshots.
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')

const CHROMIUM = process.env.SBWX_CHROMIUM || '/usr/bin/chromium'
const ARTIFACTS = path.join(__dirname, '..', '..', '..', '.tmp', 'artifacts')

// Why a test cannot run (a string), or null: for `test(name, { skip: browserMissing() }, ...)`.
function browserMissing() {
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (scripts/install-tools.sh installs it)`
  try {
    require.resolve('playwright-core')
  } catch (_) {
    return 'playwright-core is not installed (npm install)'
  }
  return null
}

// -> playwright Browser. Root cannot use Chromium's sandbox (no user namespaces for root in most containers).
async function launchBrowser(opts = {}) {
  const { chromium } = require('playwright-core')
  const args = ['--disable-dev-shm-usage']
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox')
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args, ...opts })
}

// A static server on 127.0.0.1: `pages` maps a path to HTML (or a function (req) -> HTML); every other path gets
// a small page echoing its URL. `hits` records each request URL. -> { url, hits, close() }
async function startStaticServer(pages = {}) {
  const hits = []
  const server = http.createServer((req, res) => {
    hits.push(req.url)
    const p = new URL(req.url, 'http://x').pathname
    const page = pages[p]
    const body =
      typeof page === 'function'
        ? page(req)
        : page ||
          `<!doctype html><meta charset="utf-8"><title>landing</title><pre id="landed"></pre><script>document.getElementById('landed').textContent = location.href</script>`
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    res.end(body)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

// The path of a new artifact file (the dir is created).
function artifactPath(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  return path.join(ARTIFACTS, name)
}

module.exports = { CHROMIUM, ARTIFACTS, browserMissing, launchBrowser, startStaticServer, artifactPath }
