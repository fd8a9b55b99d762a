// The uni-app template's vite.config.js plus the one line supabase-wechat needs: supabaseWechat() copies the
// package's wasm into the build (dist/build/mp-weixin/supabase-wechat/), where the SDK loads it from.
import uni from '@dcloudio/vite-plugin-uni'
import supabaseWechat from 'supabase-wechat/vite'
import { defineConfig } from 'vite'

export default defineConfig({
  plugins: [uni(), supabaseWechat()],
})
