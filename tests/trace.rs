//! A golden trace of the whole client: a deterministic pseudo-random driver calls every public
//! entry point (auth methods, the data path, realtime, replies, storage results, timers) and
//! records every return value and every output's JSON. `TRACE_WRITE=<file>` writes the trace;
//! `TRACE_CHECK=<file>` compares with one written before (a refactor must not change a byte).
//! Without either, it only checks that the run completes.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use supabase_wechat::{Client, Output, Session};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const T0: f64 = 1_700_000_000_000.0;

fn jwt(exp_s: i64, iss: &str) -> String {
    let claims = json!({"sub": "u-1", "iss": iss, "exp": exp_s});
    format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

struct Driver {
    rng: Rng,
    c: Client,
    now: f64,
    out: Vec<String>,
    open_http: Vec<u32>,
    open_fetch: Vec<u32>,
    ops: Vec<u32>,
    storage_sets: usize,
    last_written: Option<String>,
    socket: Option<u32>,
    sent: Vec<Value>,
    channels: Vec<u32>,
    n: u32,
}

impl Driver {
    fn log(&mut self, line: String) {
        self.out.push(line);
    }

    fn drain(&mut self) {
        while let Some(o) = self.c.poll() {
            let text = o.to_json();
            match &o {
                Output::Http(r) => self.open_http.push(r.id),
                Output::Fetch(r) => self.open_fetch.push(r.id),
                Output::StorageSet { key, value } => {
                    self.storage_sets += 1;
                    if key == self.c.storage_key() {
                        self.last_written = Some(value.clone());
                    }
                }
                Output::SocketOpen { socket, .. } => self.socket = Some(*socket),
                Output::SocketSend { text, .. } => {
                    if let Ok(v) = serde_json::from_str::<Value>(text) {
                        self.sent.push(v);
                    }
                }
                Output::SocketClose { socket, .. } if self.socket == Some(*socket) => self.socket = None,
                _ => {}
            }
            self.log(format!("  < {text}"));
        }
        let t = self.c.poll_timeout();
        let s = self.c.session().map(Session::to_stored);
        self.log(format!("  timeout {t:?} session {s:?}"));
    }

    fn stored(&mut self) -> Option<String> {
        let now_s = (self.now / 1000.0) as i64;
        match self.rng.below(6) {
            0 => None,
            1 | 2 => self.last_written.clone(),
            3 => Some(
                json!({"access_token": jwt(now_s + 3600, "https://abcdefghij.baseapi.memfiredb.com/auth/v1"),
                    "token_type": "bearer", "expires_in": 3600, "refresh_token": "rt-stored",
                    "user": {"id": "u-1"}, "expires_at": now_s + self.rng.pick(&[30i64, 200, 3600])})
                .to_string(),
            ),
            4 => Some(
                json!({"access_token": jwt(now_s + 3600, "https://other.example.com/auth/v1"),
                    "refresh_token": "rt-x", "expires_at": now_s + 3600})
                .to_string(),
            ),
            _ => Some("garbage{".to_owned()),
        }
    }

    fn token_body(&mut self) -> String {
        self.n += 1;
        let exp = self.rng.pick(&[3600i64, 60, 10]);
        common::token_body(self.n).expires_in(*exp).to_string()
    }

    fn auth_args(&mut self, method: &str) -> String {
        let now_s = (self.now / 1000.0) as i64;
        let r = self.rng.below(5);
        let v = match (method, r) {
            (_, 0) => json!([]),
            (_, 1) => json!([null, null]),
            (_, 2) => json!(["str", 5]),
            ("signInWithWechat" | "wechatBindPhone" | "wechatBindAccount", _) => json!([{"code": "c o&de"}]),
            ("getUnlimitedQRCode", _) => json!([{"scene": "s", "page": "p", "width": 280.5}]),
            ("signUp" | "signInWithPassword", 3) => {
                json!([{"email": "a@b.c", "password": "pw", "options": {"captchaToken": "t", "emailRedirectTo": "https://x/y?z"}}])
            }
            ("signUp" | "signInWithPassword", _) => json!([{"phone": "123", "password": "pw"}]),
            ("signInWithOtp" | "resend", _) => {
                json!([{"email": "a@b.c", "type": "signup", "options": {"data": {"a": 1}}}])
            }
            ("verifyOtp", 3) => json!([{"token_hash": "h", "type": "recovery"}]),
            ("verifyOtp", _) => json!([{"phone": "1", "token": "123", "type": "sms"}]),
            ("resetPasswordForEmail", _) => json!(["a@b.c", {"redirectTo": "https://r"}]),
            ("updateUser", _) => json!([{"data": {"x": 1}}, {"emailRedirectTo": "https://e"}]),
            ("getUser", 3) => json!(["explicit.jwt.token"]),
            ("refreshSession", 3) => json!([{"refresh_token": "rt-given"}]),
            ("setSession", 3) => json!([{"access_token": jwt(now_s - 10, "x"), "refresh_token": "rt-s"}]),
            ("setSession", _) => {
                json!([{"access_token": jwt(now_s + 3600, "https://abcdefghij.baseapi.memfiredb.com/auth/v1"), "refresh_token": "rt-s"}])
            }
            ("signOut", 3) => json!([{"scope": "others"}]),
            ("signOut", _) => json!([{"scope": *self.rng.pick(&["local", "global", "bogus"])}]),
            ("signInWithOAuth", _) => {
                json!([{"provider": "wechat_qr", "options": {"redirectTo": "https://app/cb", "scopes": "a b", "queryParams": {"k": "v"}}}])
            }
            ("exchangeCodeForSession", _) => json!(["auth-code"]),
            ("sessionFromUrl", 3) => json!(["https://app/cb?code=abc"]),
            ("sessionFromUrl", _) => json!([*self.rng.pick(&[
                "https://app/cb?error=access_denied&error_description=no+way",
                "https://app/cb#access_token=at&refresh_token=rt",
                "https://app/cb#access_token=at",
                "https://app/plain",
            ])]),
            _ => json!([{}]),
        };
        v.to_string()
    }

    fn data_call(&mut self) -> (String, String, String) {
        let calls: &[(&str, &str, Value)] = &[
            ("rest", "request", json!([{"start": ["from", "todos"], "ops": [["select", "*", false, null]]}])),
            (
                "rest",
                "request",
                json!([{"start": ["from", "todos"], "ops": [["insert", {"kind": "json"}, {}], ["select", "*", false, null], ["single"]]}]),
            ),
            ("rest", "request", json!([{"start": ["rpc", "f", {"a": 1}, {}], "ops": []}])),
            ("rest", "select", json!([])),
            ("storage", "list", json!(["bucket", "dir", {"limit": 3}])),
            ("storage", "download", json!(["bucket", "a/b.png", {"transform": {"width": 10}}])),
            ("storage", "upload", json!(["bucket", "a.png", {"kind": "buffer", "bytes": 4}, {"upsert": true}])),
            ("storage", "createSignedUrl", json!(["bucket", "a.png", 60, {"download": true}])),
            ("storage", "exists", json!(["bucket", "a.png"])),
            ("storage", "getBucket", json!([5])),
            ("functions", "invoke", json!(["hello", {"method": "POST", "body": "json", "headers": {"X-A": "1"}}])),
            ("functions", "invoke", json!(["hello", {"method": "GET", "region": "us-east-1"}])),
            ("functions", "call", json!([])),
            ("nope", "x", json!([])),
        ];
        let (a, m, v) = self.rng.pick(calls);
        (a.to_string(), m.to_string(), v.to_string())
    }

    fn reply_body(&mut self) -> (u16, String) {
        match self.rng.below(13) {
            0..=3 => (200, self.token_body()),
            12 => (200, json!({"user": {"id": "u-2"}}).to_string()),
            4 => (200, json!({"id": "u-1", "email": "a@b.c"}).to_string()),
            5 => (200, json!({"data": {"imgBase64": "aW1n"}}).to_string()),
            6 => (200, json!({"message_id": "m-1"}).to_string()),
            7 => (400, json!({"code": 400, "error_code": "refresh_token_not_found", "msg": "gone"}).to_string()),
            8 => (*self.rng.pick(&[500u16, 503, 429]), "<html>oops</html>".to_owned()),
            9 => (403, json!({"code": "session_not_found", "message": "no session"}).to_string()),
            10 => (401, json!({"error": "invalid_grant", "error_description": "bad"}).to_string()),
            _ => (200, "{}".to_owned()),
        }
    }

    fn data_reply(&mut self) -> (u16, String, String, Option<String>) {
        match self.rng.below(8) {
            0 => (
                200,
                json!({"content-type": "application/json"}).to_string(),
                json!({"len": 10, "json": true, "array": 2}).to_string(),
                None,
            ),
            1 => (
                200,
                json!({"Content-Type": "application/json; charset=utf-8", "Content-Range": "0-1/2"}).to_string(),
                json!({"len": 3}).to_string(),
                Some("[1]".to_owned()),
            ),
            2 => (
                201,
                json!({"content-type": "text/plain"}).to_string(),
                json!({"len": 3}).to_string(),
                Some(json!([{"name": "a"}]).to_string()),
            ),
            3 => (
                400,
                "{}".to_owned(),
                json!({"len": 10}).to_string(),
                Some(json!({"message": "bad", "code": "PGRST1", "statusCode": "400"}).to_string()),
            ),
            4 => (
                500,
                json!({"x-relay-error": "true"}).to_string(),
                json!({"len": 2}).to_string(),
                Some("oops".to_owned()),
            ),
            5 => (204, "{}".to_owned(), "{}".to_owned(), None),
            6 => (
                200,
                json!({"content-type": "application/octet-stream"}).to_string(),
                json!({"len": 4}).to_string(),
                None,
            ),
            _ => (
                200,
                json!({"content-type": "application/json"}).to_string(),
                json!({"len": 4, "json": false}).to_string(),
                Some("nope".to_owned()),
            ),
        }
    }

    fn step(&mut self) {
        self.now += *self.rng.pick(&[0.0, 5.0, 250.0, 1_000.0, 31_000.0, 100_000.0]);
        let now = self.now;
        let k = self.rng.below(30);
        match k {
            0 => {
                let s = self.stored();
                self.log(format!("restore {s:?}"));
                self.c.restore(s.as_deref(), now);
            }
            1 => {
                let s = self.stored();
                let op = self.c.get_session(s.as_deref(), now);
                self.ops.push(op);
                self.log(format!("get_session {s:?} -> {op}"));
            }
            2..=5 => {
                let methods = supabase_wechat_methods();
                let m = *self.rng.pick(&methods);
                let args = self.auth_args(m);
                let stored = if self.rng.chance(50) { self.stored() } else { Some("\"verifier/recovery\"".to_owned()) };
                let random: Vec<u8> = if self.rng.chance(80) { (0..48).collect() } else { vec![1, 2] };
                let op = self.c.invoke(m, &args, stored.as_deref(), &random, now);
                self.ops.push(op);
                self.log(format!("invoke {m} {args} {stored:?} -> {op}"));
            }
            6 => {
                let p = self.rng.pick(&[r#"{"code":"x"}"#, "null", "[1]", "{bad"]).to_string();
                let op = match self.rng.below(4) {
                    0 => self.c.sign_in_with_wechat(&p, now),
                    1 => self.c.sign_out(&p, now),
                    2 => self.c.set_session(&p, now),
                    _ => self.c.refresh_session(&p, now),
                };
                self.ops.push(op);
                self.log(format!("text-method {p} -> {op}"));
            }
            7 => {
                let s = self.stored();
                let sub = self.rng.below(5) as u32;
                self.log(format!("initial_session {sub} {s:?}"));
                self.c.initial_session(sub, s.as_deref(), now);
            }
            8..=10 => {
                let (a, m, args) = self.data_call();
                let op = self.c.data(&a, &m, &args, now);
                self.ops.push(op);
                self.log(format!("data {a} {m} {args} -> {op}"));
            }
            11 => {
                let op = if self.ops.is_empty() { 99 } else { *self.rng.pick(&self.ops.clone()) };
                self.log(format!("cancel {op}"));
                self.c.cancel(op);
            }
            12..=15 => {
                if self.open_http.is_empty() {
                    return;
                }
                let i = self.rng.below(self.open_http.len());
                let id = self.open_http.remove(i);
                if self.rng.chance(20) {
                    let msg = *self.rng.pick(&["request:fail timeout", "request:fail", ""]);
                    self.log(format!("transport_error {id} {msg}"));
                    self.c.handle_transport_error(id, msg, now);
                } else {
                    let (status, body) = self.reply_body();
                    self.log(format!("response {id} {status} {body}"));
                    self.c.handle_response(id, status, &body, now);
                }
            }
            16..=17 => {
                if self.open_fetch.is_empty() {
                    return;
                }
                let i = self.rng.below(self.open_fetch.len());
                let id = self.open_fetch.remove(i);
                match self.rng.below(6) {
                    0 => {
                        self.log(format!("transport_error {id}"));
                        self.c.handle_transport_error(id, "request:fail offline", now);
                    }
                    1 => {
                        self.log(format!("plain response to fetch {id}"));
                        self.c.handle_response(id, 200, "[1,2]", now);
                    }
                    _ => {
                        let (status, h, f, b) = self.data_reply();
                        let wants = self.c.wants_json(id, status, &h);
                        self.log(format!("data_response {id} {status} {h} {f} {b:?} wants_json={wants}"));
                        self.c.handle_data_response(id, status, &h, &f, b.as_deref(), now);
                    }
                }
            }
            18 => {
                // A data-style reply to an auth request, or a made-up id.
                let id = if self.open_http.is_empty() || self.rng.chance(30) {
                    12345
                } else {
                    self.open_http.remove(self.rng.below(self.open_http.len()))
                };
                let (status, body) = self.reply_body();
                self.log(format!("data_response(auth) {id} {status}"));
                self.c.handle_data_response(id, status, "{}", "{}", Some(&body), now);
            }
            19 => {
                if self.storage_sets > 0 {
                    self.storage_sets -= 1;
                    let e = if self.rng.chance(20) { Some("setStorage:fail exceed") } else { None };
                    self.log(format!("storage_result {e:?}"));
                    self.c.handle_storage_result(e);
                }
            }
            20..=21 => {
                let t = self.c.poll_timeout().unwrap_or(now).max(now);
                self.now = t;
                self.log(format!("handle_timeout {t}"));
                self.c.handle_timeout(t);
            }
            22 => match self.rng.below(3) {
                0 => {
                    let e = self.rng.chance(50);
                    self.log(format!("start_auto_refresh {e}"));
                    self.c.start_auto_refresh(e, now);
                }
                1 => {
                    self.log("stop_auto_refresh".into());
                    self.c.stop_auto_refresh();
                }
                _ => {
                    let shown = self.rng.chance(50);
                    self.log(format!("app_visible {shown}"));
                    self.c.app_visible(shown, now);
                }
            },
            23 => {
                let ch = self.c.realtime_channel("room", r#"{"config":{"presence":{"key":"k"}}}"#);
                let b =
                    self.c.realtime_on(ch, "postgres_changes", r#"{"event":"*","schema":"public","table":"todos"}"#);
                let b2 = self.c.realtime_on(ch, "broadcast", r#"{"event":"m"}"#);
                self.channels.push(ch);
                self.log(format!("channel {ch} {b} {b2}"));
            }
            24 => {
                if let Some(&ch) = self.channels.last() {
                    self.log(format!("subscribe {ch}"));
                    self.c.realtime_subscribe(ch, None, now);
                }
            }
            25 => {
                if self.channels.is_empty() {
                    return;
                }
                let ch = *self.rng.pick(&self.channels.clone());
                let op = if self.rng.chance(70) {
                    self.c.realtime_push(ch, r#"{"type":"broadcast","event":"m","payload":{"a":1}}"#, None, now)
                } else if self.rng.chance(60) {
                    self.c.realtime_leave(ch, now)
                } else {
                    // realtime.setAuth / disconnect / connect / isConnected (issue 14)
                    match self.rng.below(4) {
                        0 => self.c.realtime_set_auth(Some("manual-token")),
                        1 => self.c.realtime_set_auth(None),
                        2 => self.c.realtime_disconnect(Some(self.rng.below(5000) as f64), "bye", now),
                        _ => self.c.realtime_connect(now),
                    }
                    self.log(format!("realtime control {ch} connected={}", self.c.realtime_is_connected()));
                    return;
                };
                self.ops.push(op);
                let p = self.c.realtime_presence_state(ch);
                self.log(format!("push/leave {ch} -> {op} {p}"));
            }
            26..=27 => {
                let Some(s) = self.socket else { return };
                match self.rng.below(5) {
                    0 => {
                        self.log(format!("socket_opened {s}"));
                        self.c.socket_opened(s, now);
                    }
                    1 => {
                        self.log(format!("socket_closed {s}"));
                        self.c.socket_closed(s, 1006, "x", now);
                    }
                    2 => {
                        self.log(format!("socket_error {s}"));
                        self.c.socket_error(s, "err", now);
                    }
                    _ => {
                        // Reply ok to the latest frame that has a ref.
                        let Some(f) = self.sent.iter().rev().find(|f| !f["ref"].is_null()).cloned() else { return };
                        let frame = json!({"topic": f["topic"], "event": "phx_reply", "ref": f["ref"],
                            "join_ref": f["join_ref"], "payload": {"status": "ok", "response": {}}})
                        .to_string();
                        self.log(format!("socket_message {s} {frame}"));
                        self.c.socket_message(s, &frame, now);
                    }
                }
            }
            _ => {
                self.log(format!("keys {} {} {}", self.c.storage_key(), self.c.verifier_key(), self.c.persists()));
            }
        }
        self.drain();
    }
}

fn supabase_wechat_methods() -> Vec<&'static str> {
    vec![
        "getSession",
        "signInWithWechat",
        "wechatBindPhone",
        "wechatBindAccount",
        "getUnlimitedQRCode",
        "signUp",
        "signInWithPassword",
        "signInWithOtp",
        "verifyOtp",
        "resend",
        "resetPasswordForEmail",
        "updateUser",
        "getUser",
        "reauthenticate",
        "refreshSession",
        "setSession",
        "signOut",
        "signInWithOAuth",
        "exchangeCodeForSession",
        "sessionFromUrl",
        "noSuchMethod",
    ]
}

fn run(seed: u64) -> Vec<String> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let url = *rng.pick(&["https://abcdefghij.baseapi.memfiredb.com", "ftp://bad", "http://127.0.0.1:54321/"]);
    let key = *rng.pick(&["anon-key", "anon-key", ""]);
    let opts = rng
        .pick(&[
            "{}",
            r#"{"auth":{"persistSession":false}}"#,
            r#"{"auth":{"autoRefreshToken":false,"flowType":"implicit","storageKey":"k"}}"#,
            r#"{"global":{"headers":{"Authorization":"Bearer g","X-Y":"1","apikey":"other"}},"requestTimeout":5000,"db":{"schema":"s"}}"#,
            r#"{"global":{"headers":{"x-client-info":"me"}},"requestTimeout":1e9}"#,
            "not json",
        ])
        .to_string();
    let c = Client::new(url, key, &opts);
    let mut d = Driver {
        rng,
        c,
        now: T0,
        out: vec![format!("new {url} {key} {opts}")],
        open_http: vec![],
        open_fetch: vec![],
        ops: vec![],
        storage_sets: 0,
        last_written: None,
        socket: None,
        sent: vec![],
        channels: vec![],
        n: 0,
    };
    if d.rng.chance(60) {
        let now_s = (T0 / 1000.0) as i64;
        let exp = *d.rng.pick(&[30i64, 120, 3600]);
        let stored = json!({"access_token": jwt(now_s + exp, "https://abcdefghij.baseapi.memfiredb.com/auth/v1"),
            "token_type": "bearer", "expires_in": exp, "refresh_token": "rt-0", "user": {"id": "u-1"},
            "expires_at": now_s + exp})
        .to_string();
        d.out.push(format!("restore {stored}"));
        d.c.restore(Some(&stored), T0);
    }
    d.drain();
    for _ in 0..80 {
        d.step();
    }
    d.out
}

#[test]
fn golden_trace() {
    let mut all = Vec::new();
    let seeds: u64 = std::env::var("TRACE_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    for seed in 1..=seeds {
        all.push(format!("== seed {seed}"));
        all.extend(run(seed));
    }
    let text = all.join("\n");
    if let Ok(path) = std::env::var("TRACE_WRITE") {
        std::fs::write(path, &text).expect("write trace");
    }
    if let Ok(path) = std::env::var("TRACE_CHECK") {
        let golden = std::fs::read_to_string(path).expect("read trace");
        for (i, (a, b)) in golden.lines().zip(text.lines()).enumerate() {
            assert_eq!(a, b, "first difference at line {}", i + 1);
        }
        assert_eq!(golden.lines().count(), text.lines().count());
    }
}
