'use strict'
// (placeholder, being written)
class StorageClient {
  constructor(driver) {
    this._driver = driver
  }
}
module.exports = { StorageClient }
