// The backend the app talks to (the test writes its local backend here before building).
export default { url: 'http://127.0.0.1:54321', anonKey: 'anon' }
