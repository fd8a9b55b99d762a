'use strict'
// Placeholder: MemFire's wechat_mini endpoints beyond login (issue 3).
// create(ctx) -> { routes: {'METHOD /path' (under /auth/v1): handler(req, params, bodyText)}, services: [] }
function create() {
  return { routes: {}, services: [] }
}

module.exports = { create }
