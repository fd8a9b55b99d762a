'use strict'
// (placeholder, being written)
class FunctionsClient {
  constructor(driver) {
    this._driver = driver
  }
}
module.exports = { FunctionsClient }
