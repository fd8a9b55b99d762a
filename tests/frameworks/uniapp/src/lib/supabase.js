// The one client of the app. With the SDK we replace this line reads 'supabase-wechat-stable-v2'; switching is
// the package name here plus supabaseWechat() in vite.config.js.
import { createClient } from 'supabase-wechat'
import config from './config.js'

export const supabase = createClient(config.url, config.anonKey)
