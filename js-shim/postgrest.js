'use strict'
// (placeholder, being written)
class PostgrestClient {
  constructor(driver) {
    this._driver = driver
  }
}
module.exports = { PostgrestClient }
