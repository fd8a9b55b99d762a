#!/usr/bin/env node
// Turns wasm-bindgen's `--target nodejs` glue into a module the WeChat logic layer can load:
// - the synchronous loader tail (fs.readFileSync + new WebAssembly.Module/Instance) is replaced
//   by `__imports()` / `__init(instance)`, which js-shim/platform/wechat/loader.js drives with
//   WXWebAssembly.instantiate(path) — the only way WeChat loads wasm;
// - TextEncoder/TextDecoder come from ./text.js (the host's when present, else a UTF-8 fallback),
//   because devices lack them and the glue constructs a decoder at module load.
// Fails loudly if the glue changed shape (a wasm-bindgen upgrade) instead of shipping a broken file.
'use strict'
const fs = require('node:fs')

const [input, output, namesFile, wasmFile] = process.argv.slice(2)
let src = fs.readFileSync(input, 'utf8')

const TAIL =
  /const wasmPath = `\$\{__dirname\}\/supabase_wechat_bg\.wasm`;\nconst wasmBytes = require\('fs'\)\.readFileSync\(wasmPath\);\nconst wasmModule = new WebAssembly\.Module\(wasmBytes\);\nlet wasmInstance = new WebAssembly\.Instance\(wasmModule, __wbg_get_imports\(\)\);\nlet wasm = wasmInstance\.exports;\n(wasm\.__wbindgen_start\(\);\n)?$/
if (!TAIL.test(src)) throw new Error('patch-glue: unexpected loader tail in ' + input)
const hadStart = /wasm\.__wbindgen_start\(\);\n$/.test(src)
src = src.replace(
  TAIL,
  `let wasm;
// Called by the platform loader with the instance WXWebAssembly.instantiate resolved to.
exports.__init = function (instance) {
    wasm = instance.exports;
    cachedDataViewMemory0 = null;
    cachedUint8ArrayMemory0 = null;
${hadStart ? '    wasm.__wbindgen_start();\n' : ''}};
exports.__imports = __wbg_get_imports;
exports.__memory = function () { return wasm && wasm.memory; };
`,
)

// What the shim never reaches, dropped (each rewrite must match at least once, else the glue changed
// shape and the build fails):
// - Core#free / __destroy_into_raw / [Symbol.dispose]: the driver never frees its Core (the
//   FinalizationRegistry still frees it when the client is collected);
// - the free-what-was-passed-so-far `try/catch` around each method's string arguments: every
//   string the shim passes is one already (String(), JSON text, a reply's text or undefined), so
//   passStringToWasm0 cannot throw there;
// - the malloc/realloc arguments of passStringToWasm0 (always the same two exports, read inside it
//   now) and its branch for a missing realloc;
// - its encodeInto for a host TextEncoder without one: ./text.js gives the fallback encoder then;
// - the `detached` test of the cached DataView's buffer: a detached buffer is never the memory's
//   current one, so comparing with it alone says the same.
function rewrite(re, by) {
  if (!re.test(src)) throw new Error(`patch-glue: ${re} does not match ${input}`)
  src = src.replace(re, by)
}
rewrite(/ {4}__destroy_into_raw\(\) \{\n[^}]*\}\n {4}free\(\) \{\n[^}]*\}\n/, '')
rewrite(/if \(Symbol\.dispose\) Core\.prototype\[Symbol\.dispose\] = Core\.prototype\.free;\n/, '')
rewrite(
  /\n {8}try \{\n([\s\S]*?)\n {8}\} catch \(e\) \{\n(?: {12}if \(ptr\d\) \{ wasm\.__wbindgen_export3\(ptr\d, len\d \* 1, 1\); \}\n)+ {12}throw e;\n {8}\}/g,
  '\n$1',
)
rewrite(/, wasm\.__wbindgen_export, wasm\.__wbindgen_export2\)/g, ')')
if (/passStringToWasm0\([^)]*,/.test(src.replace(/function passStringToWasm0\(arg, malloc, realloc\)/, ''))) {
  throw new Error('patch-glue: a passStringToWasm0 call with other allocators in ' + input)
}
rewrite(
  /function passStringToWasm0\(arg, malloc, realloc\) \{\n {4}if \(realloc === undefined\) \{\n[\s\S]*?\n {8}return ptr;\n {4}\}\n/,
  'function passStringToWasm0(arg) {\n    const malloc = wasm.__wbindgen_export, realloc = wasm.__wbindgen_export2;\n',
)
rewrite(
  /cachedDataViewMemory0 === null \|\| cachedDataViewMemory0\.buffer\.detached === true \|\| \(cachedDataViewMemory0\.buffer\.detached === undefined && (cachedDataViewMemory0\.buffer !== wasm\.memory\.buffer)\)/,
  'cachedDataViewMemory0 === null || $1',
)
rewrite(/\nif \(!\('encodeInto' in cachedTextEncoder\)\) \{\n[\s\S]*?\n {4}\};\n\}\n/, '\n')

// The wasm's short names (scripts/build.sh: wasm-opt --minify-imports-and-exports-and-modules writes
// `{ imports: [[module, name, short]], exports: [[name, short]] }`, every import then from module
// "a"): the glue's `wasm.<export>` and import keys renamed, then checked against the module itself.
if (namesFile) {
  const names = JSON.parse(fs.readFileSync(namesFile, 'utf8'))
  const exported = new Map(names.exports)
  src = src.replace(/\bwasm\.(\w+)/g, (_m, name) => {
    if (!exported.has(name)) throw new Error(`patch-glue: the export ${name} is not in ${namesFile}`)
    return 'wasm.' + exported.get(name)
  })
  for (const [, name, short] of names.imports) {
    rewrite(new RegExp(`^( {8})${name}: function`, 'm'), `$1${short}: function`)
  }
  rewrite(/^( {8})"\.\/supabase_wechat_bg\.js": import0,$/m, '$1a: import0,')
  // What the module imports is what __imports() gives, under the same names.
  const module = new WebAssembly.Module(fs.readFileSync(wasmFile))
  const given = new Function('exports', src + '\nreturn exports.__imports()')({})
  for (const i of WebAssembly.Module.imports(module)) {
    if (typeof (given[i.module] || {})[i.name] !== 'function') {
      throw new Error(`patch-glue: the glue gives no import ${i.module}.${i.name} (${wasmFile})`)
    }
  }
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name))
  for (const short of exported.values()) {
    if (!exports.has(short)) throw new Error(`patch-glue: ${wasmFile} exports no ${short}`)
  }
}

const header = `// Generated by wasm-bindgen, patched by scripts/patch-glue.js for the WeChat logic layer.
'use strict';
const { TextDecoder, TextEncoder } = require('./text.js');
`
src = header + src

for (const bad of [
  /require\('fs'\)/,
  /__dirname/,
  /(^|[^X])WebAssembly\./,
  /import\.meta/,
  /\bfetch\(/,
  /\bprocess\./,
  /\bBuffer\b/,
]) {
  if (bad.test(src)) throw new Error(`patch-glue: ${bad} still matches the glue`)
}
fs.writeFileSync(output, src)
