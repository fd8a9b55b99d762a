// Taro 3.6 (webpack5) build config of the fixture app. The test sets the backend and the output folder
// through the environment; `plugins` is the one line a user adds for supabase-wechat.
const config = {
  projectName: 'supabase-wechat-taro-fixture',
  date: '2026-12-7',
  designWidth: 750,
  deviceRatio: { 640: 2.34 / 2, 750: 1, 828: 1.81 / 2 },
  sourceRoot: 'src',
  outputRoot: process.env.TARO_OUTPUT_ROOT || 'dist',
  plugins: ['supabase-wechat/taro'],
  defineConstants: {
    SUPABASE_URL: JSON.stringify(process.env.SUPABASE_URL || 'http://127.0.0.1:54321'),
    SUPABASE_ANON_KEY: JSON.stringify(process.env.SUPABASE_ANON_KEY || 'anon-key'),
  },
  copy: { patterns: [], options: {} },
  framework: 'react',
  compiler: 'webpack5',
  cache: { enable: false },
  mini: {
    postcss: {
      pxtransform: { enable: true, config: {} },
      cssModules: { enable: false },
    },
  },
}

module.exports = () => config
