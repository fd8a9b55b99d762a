'use strict'
// Reading a wasm module's binary form, for the size and compile tools (scripts/wasm-sizes.js,
// bench/lazy-compile.js): unsigned LEB128 numbers and the section list.

// The unsigned LEB128 number at `pos` of `buf`: [value, position after it].
function leb(buf, pos) {
  let result = 0
  let shift = 0
  let b
  do {
    b = buf[pos++]
    result += (b & 0x7f) * 2 ** shift
    shift += 7
  } while (b & 0x80)
  return [result, pos]
}

// Every section of the module in `buf`, in order: { id, start, end } (start: its content's first byte).
function sections(buf) {
  const out = []
  let pos = 8
  while (pos < buf.length) {
    const [size, start] = leb(buf, pos + 1)
    out.push({ id: buf[pos], start, end: start + size })
    pos = start + size
  }
  return out
}

module.exports = { leb, sections }
