#!/usr/bin/env node
// Regenerates tests/node/fixtures/postgrest-reference.json: the request @supabase/postgrest-js
// (the installed dev dependency) sends for every chain of tests/node/lib/postgrest-reference.js,
// with the default options. tests/node/postgrest-reference.test.js fails when it is stale.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const { referenceAll, POSTGREST_JS_VERSION } = require('../tests/node/lib/postgrest-reference')

const OUT = path.join(__dirname, '..', 'tests', 'node', 'fixtures', 'postgrest-reference.json')

referenceAll().then(
  (chains) => {
    const doc = { generatedBy: `@supabase/postgrest-js ${POSTGREST_JS_VERSION}`, chains }
    fs.mkdirSync(path.dirname(OUT), { recursive: true })
    fs.writeFileSync(OUT, JSON.stringify(doc, null, 2) + '\n')
    console.log(`${path.relative(process.cwd(), OUT)}: ${chains.length} chains (${doc.generatedBy})`)
  },
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
