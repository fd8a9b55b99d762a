// Where the demo connects. The defaults are the local backend started by `bash scripts/demo.sh`
// (fixed port, the fixed demo anon key). For MemFire Cloud put your project's URL and anon key.
// 连接配置：默认连接 `bash scripts/demo.sh` 启动的本地后端；使用 MemFire Cloud 时改成你的项目 URL 和 anon key。
module.exports = {
  url: 'http://127.0.0.1:54321',
  anonKey:
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MjAwMDAwMDAwMH0.l5mbu1kiOlPp-md3pPHCYN7W3-Z2rfiu2uHXzJXKrYc',
}
