#!/usr/bin/env node
// Writes the package's typings into <pkg>/types/: the hand-written types/*.d.ts, and postgrest.d.ts,
// postgrest-js' own published declarations (the devDependency pinned by package-lock.json, MIT)
// with its DOM types (fetch, URL, Headers, AbortSignal) replaced by module-local stand-ins, so a
// mini-program compiles them with no DOM lib, and one that has the DOM lib sees no clash. Types
// only: nothing here is JavaScript, and the folder is outside `miniprogram`, so 构建 npm copies
// none of it into miniprogram_npm.
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const out = path.join(process.argv[2], 'types')
fs.mkdirSync(out, { recursive: true })
for (const f of fs.readdirSync(path.join(root, 'types'))) {
  if (f.endsWith('.d.ts')) fs.copyFileSync(path.join(root, 'types', f), path.join(out, f))
}

const pgDir = path.dirname(require.resolve('@supabase/postgrest-js/package.json', { paths: [root] }))
const pg = JSON.parse(fs.readFileSync(path.join(pgDir, 'package.json'), 'utf8'))
let src = fs.readFileSync(path.join(pgDir, 'dist', 'index.d.cts'), 'utf8')

// Each edit must apply exactly once: a postgrest-js release that changes these lines fails the build.
function edit(find, replacement) {
  const n = src.split(find).length - 1
  if (n !== 1) throw new Error(`build-types: ${JSON.stringify(find)} occurs ${n} times in postgrest-js ${pg.version}`)
  src = src.replace(find, replacement)
}
edit(
  'type Fetch = typeof fetch;',
  `// supabase-wechat: the DOM types postgrest-js names, local to this module (requests are the
// wasm core's; these only appear in constructor options and protected fields).
type Fetch = (input: any, init?: any) => Promise<any>;
interface URL {
  readonly href: string;
}
interface Headers {
  get(name: string): string | null;
}
type HeadersInit = Record<string, string> | [string, string][];
/** An AbortSignal, or any object like one (WeChat has no AbortController). */
interface AbortSignal {
  readonly aborted: boolean;
}`,
)
// Ours: a call's time limit. Every builder inherits it from PostgrestBuilder.
edit(
  '  stripNulls(): this;\n',
  "  stripNulls(): this;\n  /** supabase-wechat: this call's time limit in ms (WeChat's queue included; default `db.timeout`). */\n  timeout(ms: number): this;\n",
)
// Not implemented (the OpenAPI document of the schema): not declared.
edit(
  '  getOpenApiSpec(): Promise<PostgrestSingleResponse<PostgrestOpenApiSpec>>;\n',
  '  // (supabase-wechat has no getOpenApiSpec)\n',
)
const header = `// @supabase/postgrest-js ${pg.version}'s dist/index.d.cts (MIT, Supabase), as supabase-wechat's
// scripts/build-types.js adapts it: local stand-ins for the DOM types, \`timeout(ms)\`, no getOpenApiSpec.
`
const tail = '\nexport type { ClientServerOptions, GenericSchema, GenericTable, GenericView, GenericFunction };\n'
fs.writeFileSync(path.join(out, 'postgrest.d.ts'), header + src.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n') + tail)
