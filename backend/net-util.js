'use strict'
// Network helpers shared by the backend's process managers (pg-cluster, rest).
const net = require('node:net')

// A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it; the probe server is closed again).
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

module.exports = { freePort }
