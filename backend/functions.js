'use strict'
// Placeholder: the functions area of the local backend (issue 3). create(ctx) -> { services, api, start, stop }.
function create() {
  return { services: [], api: {} }
}

module.exports = { create }
