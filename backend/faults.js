'use strict'
// Placeholder: fault injection (issue 3). intercept() returns true when it handled the request.
function create() {
  return { services: [], api: {}, intercept: async () => false }
}

module.exports = { create }
