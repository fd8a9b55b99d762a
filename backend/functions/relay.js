'use strict'
// ANY /functions/v1/relay?status=NNN
// What Supabase's relay answers when it could not run the function: `x-relay-error: true` with a JSON
// body {"message": ...}; status ?status= (default 502; a 2xx is allowed, clients must still see an error).
module.exports = async (request) => {
  const status = request.query.status !== undefined ? Number(request.query.status) : 502
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-relay-error': 'true' },
    body: { message: 'relay could not reach the function' },
  }
}
