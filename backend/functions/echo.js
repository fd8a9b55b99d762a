'use strict'
// GET|POST|... /functions/v1/echo[/rest]?status=&delay=&raw=
// Echoes the request as JSON: { method, path, query, headers, body (text), sub, role }.
//   ?status=NNN  answer with that status (the same JSON body; none for 204/304)
//   ?delay=MS    wait MS milliseconds first (at most 60000)
//   ?raw=1       answer with the request body bytes as they came, with the request's content-type
module.exports = async (request) => {
  const delay = Math.min(Number(request.query.delay) || 0, 60000)
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
  const status = request.query.status !== undefined ? Number(request.query.status) : 200
  if (request.query.raw !== undefined && request.query.raw !== '0' && request.query.raw !== 'false') {
    return {
      status,
      headers: { 'content-type': request.headers['content-type'] || 'application/octet-stream' },
      body: request.body,
    }
  }
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: {
      method: request.method,
      path: request.path,
      query: request.query,
      headers: request.headers,
      body: request.text(),
      sub: request.user && request.user.sub ? request.user.sub : null,
      role: request.user && request.user.role ? request.user.role : null,
    },
  }
}
