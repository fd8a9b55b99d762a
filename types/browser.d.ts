// The browser entry (browser/supabase-wechat.js, `window.supabaseWechat` for a <script>): the same
// API as the mini-program entry, plus the browser adapters it passes as `options.platform`.
export * from './index'

/** The browser's I/O adapters (fetch, WebSocket, localStorage, WebAssembly). */
export declare const platform: { readonly [adapter: string]: unknown }
