'use strict'
// POST /functions/v1/hello {"name":"Functions"} -> {"message":"Hello Functions!"}
// (Supabase's hello-world example.) Without a body the name comes from ?name= (default "World");
// a body that is not JSON -> 400 {"error":"..."}.
module.exports = async (request) => {
  let name = request.query.name || 'World'
  const text = request.text()
  if (text.trim()) {
    let data
    try {
      data = JSON.parse(text)
    } catch (e) {
      return { status: 400, body: { error: `invalid JSON body: ${e.message}` } }
    }
    if (data && typeof data === 'object' && data.name !== undefined) name = String(data.name)
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: { message: `Hello ${name}!` },
  }
}
