//! The data path (Database, Storage, Functions): the machine that sends its requests and the
//! dispatcher that hands each reply to the module that built the request.
//!
//! One rule shapes it: **payloads never enter wasm**. Rows, file bytes and function bodies stay
//! in the shim; the core decides the request (URL, headers, method, which wx API performs it, how
//! the reply body is read) and, from the reply's status, headers and a few facts the shim
//! measured about the body, what the call resolves with. Error bodies are small and do cross.
//!
//! A module (`rest`, `storage`, `functions`) turns the caller's arguments into a
//! [`DataRequest`] (or an immediate [`Outcome`] for bad input); the [`Data`] machine adds
//! `apikey`, the bearer and the user's `global.headers`, sends it, and hands the reply back to the
//! module through [`Reply`]. Which bearer is not its business: the router asks auth (the user's
//! token, through the single-flight refresh, else the anon key) and tells this machine
//! ([`Data::send`], or [`Data::wait`] then [`Data::settled`]).
//!
//! A request sent with the session's token that a server refuses as expired ([`Reply::token_refused`])
//! is not resolved: [`Data::reply`] hands it back to the router ([`Retry`]), which asks auth for a
//! fresh token and sends it once more ([`Data::resend`]); the second answer is the caller's. The
//! request is kept for that (its payload stays in the shim until the operation ends). A request
//! with the caller's own `Authorization` header (a service key, a token of its own) or the anon
//! key is never retried.
//!
//! Layers: `types` and `error` are leaves; the modules import them; this file imports the
//! modules. Nothing here imports another machine.

pub mod error;
pub mod functions;
pub mod rest;
pub mod storage;
pub mod types;

use crate::prelude::*;
use alloc::collections::VecDeque;
use serde_json::Value;

use crate::config::Config;
use crate::encoding::headers::Headers;
use crate::encoding::text::{cat, contains};
use crate::output::{FetchRequest, Grant, Ids, Output, Ticket};

pub use crate::output::{Read, Transport};
pub use types::{unknown, Body, Endpoints, Facts, Outcome, Response, FILE_TIMEOUT_MS};

/// A request of the data path as the machine holds it.
pub type DataRequest = types::DataRequest<Reply>;
/// What a module's builder made of the caller's arguments, as the machine holds it.
pub type Built = types::Built<Reply>;

/// Which module reads the reply, with what it needs to remember about the request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Rest(rest::Ctx),
    Storage(storage::Ctx),
    Functions(functions::Ctx),
}

impl From<rest::Ctx> for Reply {
    fn from(c: rest::Ctx) -> Reply {
        Reply::Rest(c)
    }
}

impl From<storage::Ctx> for Reply {
    fn from(c: storage::Ctx) -> Reply {
        Reply::Storage(c)
    }
}

impl From<functions::Ctx> for Reply {
    fn from(c: functions::Ctx) -> Reply {
        Reply::Functions(c)
    }
}

impl Reply {
    /// The server answered (any status).
    pub fn finish(&self, r: &Response) -> Outcome {
        // Each API's reader called through an opaque pointer, so that none is inlined here (see
        // `build`): a page's first reply compiles its API's reader only.
        use core::hint::black_box;
        match self {
            Reply::Rest(c) => black_box(rest::finish as fn(&rest::Ctx, &Response) -> Outcome)(c, r),
            Reply::Storage(c) => black_box(storage::finish as fn(&storage::Ctx, &Response) -> Outcome)(c, r),
            Reply::Functions(c) => black_box(functions::finish as fn(&functions::Ctx, &Response) -> Outcome)(c, r),
        }
    }

    /// Whether the shim must report the JSON parse of this reply's body (see
    /// [`functions::wants_json`]); only functions' replies depend on their headers that way.
    pub fn wants_json(&self, r: &Response) -> bool {
        match self {
            Reply::Functions(c) => functions::wants_json(c, r),
            Reply::Rest(_) | Reply::Storage(_) => false,
        }
    }

    /// Whether the server refused the request's token as expired (or not its signature), which
    /// one refresh can fix: PostgREST's 401 `PGRST301` (12) / `PGRST303` (13) "JWT expired";
    /// storage-api's `AccessDenied` (HTTP 400, `statusCode` "403") with jsonwebtoken's "jwt
    /// expired" or jose's `"exp" claim timestamp check failed` (src/http/plugins/jwt.ts); the
    /// functions gateway's 401 "Invalid JWT". Row-level security and API-key refusals are not.
    pub fn token_refused(&self, r: &Response) -> bool {
        // Matched as text: these error bodies are small, and a JSON parse here costs wasm.
        let has = |needle: &str| r.body.is_some_and(|b| contains(b, needle));
        match self {
            Reply::Rest(_) => r.status == 401 && (has("\"PGRST301\"") || has("\"PGRST303\"")),
            Reply::Storage(_) => {
                matches!(r.status, 400 | 401 | 403) && (has("\"jwt expired\"") || has("claim timestamp check failed"))
            }
            Reply::Functions(_) => r.status == 401 && has("\"Invalid JWT\""),
        }
    }

    /// No HTTP status came back (network down, timeout) or the request could not be sent
    /// (no usable access token): `message` is a sentence for the developer, `code` a short
    /// machine-readable reason.
    pub fn failed(&self, message: &str, code: &str) -> Outcome {
        match self {
            Reply::Rest(c) => rest::failed(c, message, code),
            Reply::Storage(c) => storage::failed(c, message, code),
            Reply::Functions(c) => functions::failed(c, message, code),
        }
    }
}

/// The request for `api`'s method `method` with the JSON-able `args`.
pub fn build(api: &str, method: &str, args: &[Value], ep: &Endpoints) -> Built {
    // Through a table, not a `match`: each API's builder stays its own function (LLVM and binaryen
    // would inline them all into the dispatch), so the engine compiles only the one a page uses
    // on its first call of it.
    type Builder = fn(&str, &[Value], &Endpoints) -> Built;
    const BUILDERS: [(&str, Builder); 3] =
        [("rest", rest::build), ("storage", storage::build), ("functions", functions::build)];
    match BUILDERS.iter().find(|(name, _)| *name == api) {
        Some((_, builder)) => builder(method, args, ep),
        None => Built::Done(unknown(api, method)),
    }
}

pub use storage::public_url;

/// A request whose token a server refused ([`Reply::token_refused`]), handed back to the router:
/// send `req` once more with a fresh token, or resolve `op` with `outcome` (the refusal).
#[derive(Debug, Clone)]
pub struct Retry {
    pub op: u32,
    pub req: DataRequest,
    /// The token that was refused.
    pub token: String,
    pub outcome: Outcome,
}

/// A request in flight: its operation, who reads the reply, and, when sent with the session's
/// token, the request (its reader is `reply`) and that token, kept for one retry.
#[derive(Debug, Clone)]
struct InFlight {
    id: u32,
    op: u32,
    reply: Reply,
    retry: Option<(types::DataRequest<()>, String)>,
}

/// The data-path machine: requests in flight, requests waiting for a fresh token, and what each
/// operation resolves with.
pub struct Data {
    endpoints: Endpoints,
    /// The anon key.
    key: String,
    request_timeout: u32,
    functions_timeout: u32,
    /// `createClient`'s URL or key was unusable: every call fails with this.
    config_error: Option<String>,
    /// Requests in flight.
    pending: Vec<InFlight>,
    /// Requests waiting for a refresh to end; `true` for a retry.
    waiting: Vec<(Ticket, u32, DataRequest, bool)>,
    out: VecDeque<Output>,
}

impl Data {
    pub fn new(config: &Config) -> Data {
        Data {
            endpoints: Endpoints {
                rest: cat(&[&config.root, "/rest/v1"]),
                storage: cat(&[&config.root, "/storage/v1"]),
                functions: cat(&[&config.root, "/functions/v1"]),
                schema: Some(config.schema.clone()),
                headers: config.headers.clone(),
            },
            key: config.key.clone(),
            request_timeout: config.request_timeout,
            functions_timeout: config.functions_timeout,
            config_error: config.error.as_ref().map(|e| e.message.clone()),
            pending: Vec::new(),
            waiting: Vec::new(),
            out: VecDeque::new(),
        }
    }

    /// Move this machine's outputs, in order, to the end of `out`.
    pub fn drain_into(&mut self, out: &mut VecDeque<Output>) {
        while let Some(o) = self.out.pop_front() {
            out.push_back(o);
        }
    }

    /// Operation `op`, a call of `api`'s `method` (`args_json` a JSON array): the request to send
    /// once the router knows its bearer, or `None` when the call is already decided (bad input,
    /// an unknown method, an unusable configuration) and its `Done` queued.
    pub fn start(&mut self, op: u32, api: &str, method: &str, args_json: &str) -> Option<DataRequest> {
        // At any depth (encoding::json::parse_args): what nests deep is carried as text.
        let args: Vec<Value> = match crate::encoding::json::parse_args(args_json) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        let req = match build(api, method, &args, &self.endpoints) {
            Built::Done(outcome) => {
                self.finish(op, &outcome);
                return None;
            }
            Built::Send(req) => req,
        };
        if let Some(message) = &self.config_error {
            let outcome = req.reply.failed(message, "invalid_config");
            self.finish(op, &outcome);
            return None;
        }
        Some(req)
    }

    /// Send `op`'s request with `bearer` (the user's token) or the anon key. Headers, in order:
    /// `global.headers`, then the module's (a later one replaces an earlier one of the same
    /// name), then `apikey` and `Authorization` unless already there, as supabase-js'
    /// `fetchWithAuth` does.
    pub fn send(&mut self, ids: &mut Ids, op: u32, req: DataRequest, bearer: Option<&str>) {
        self.dispatch(ids, op, req, bearer, true);
    }

    /// [`Data::send`] of a retry: its answer is the caller's, whatever it is.
    pub fn resend(&mut self, ids: &mut Ids, op: u32, req: DataRequest, bearer: Option<&str>) {
        self.dispatch(ids, op, req, bearer, false);
    }

    fn dispatch(&mut self, ids: &mut Ids, op: u32, req: DataRequest, bearer: Option<&str>, may_retry: bool) {
        let id = ids.take();
        // Kept for one retry only when it carries the session's token: not with the caller's own
        // Authorization header, which wins over ours.
        let own_auth = |h: &[(String, String)]| crate::encoding::headers::named(h, "authorization").is_some();
        let retry = match bearer {
            Some(token) if may_retry && !own_auth(&self.endpoints.headers) && !own_auth(&req.headers) => {
                let kept = types::DataRequest {
                    method: req.method,
                    url: req.url.clone(),
                    headers: req.headers.clone(),
                    body: req.body.clone(),
                    transport: req.transport.clone(),
                    read: req.read,
                    timeout: req.timeout,
                    reply: (),
                };
                Some((kept, token.to_owned()))
            }
            _ => None,
        };
        let mut headers = Headers::new();
        headers.layer(&self.endpoints.headers).layer(&req.headers);
        headers.set_default("apikey", self.key.clone());
        headers.set_default("Authorization", cat(&["Bearer ", bearer.unwrap_or(&self.key)]));
        // Storage moves a file's bytes through wx.request too (an ArrayBuffer up or down): a file's time.
        let bytes = matches!(req.reply, Reply::Storage(_))
            && (matches!(req.body, Body::Payload) || matches!(req.read, Read::ArrayBuffer));
        let timeout = match (req.timeout, &req.transport) {
            (Some(t), _) => t,
            (None, Transport::Request) if matches!(req.reply, Reply::Functions(_)) => self.functions_timeout,
            (None, Transport::Request) if !bytes => self.request_timeout,
            (None, _) => self.request_timeout.max(FILE_TIMEOUT_MS),
        };
        let (body, payload) = match req.body {
            Body::None => (None, false),
            Body::Text(t) => (Some(t), false),
            Body::Payload => (None, true),
        };
        self.pending.push(InFlight { id, op, reply: req.reply, retry });
        self.out.push_back(Output::Fetch(FetchRequest {
            id,
            op,
            method: req.method,
            url: req.url,
            headers: headers.into_map(),
            body,
            payload,
            transport: req.transport,
            read: req.read,
            timeout,
        }));
    }

    /// `op`'s request (a retry when `retried`) waits for a refresh: it goes out when `ticket` is
    /// settled.
    pub fn wait(&mut self, ticket: Ticket, op: u32, req: DataRequest, retried: bool) {
        self.waiting.push((ticket, op, req, retried));
    }

    /// The refresh `ticket` waited on ended. Unknown tickets (their operation was aborted) are
    /// ignored.
    pub fn settled(&mut self, ids: &mut Ids, ticket: Ticket, grant: &Grant) {
        let Some(i) = self.waiting.iter().position(|(t, _, _, _)| *t == ticket) else { return };
        let (_, op, req, retried) = self.waiting.swap_remove(i);
        match grant {
            Grant::Token(token) => self.dispatch(ids, op, req, Some(token), !retried),
            // Signed out meanwhile (the refresh token was definitively refused): the request
            // goes out as anon, which is what the user now is.
            Grant::Anon => self.dispatch(ids, op, req, None, !retried),
            // The session is kept but its access token has expired and could not be refreshed:
            // failing beats silently answering as anon (RLS would hide the user's rows).
            Grant::Stale { why, .. } => {
                let msg = cat(&["the session could not be refreshed, so the request was not sent: ", why]);
                let outcome = req.reply.failed(&msg, "session_refresh_failed");
                self.finish(op, &outcome);
            }
        }
    }

    /// Abort operation `op` (an `AbortSignal` fired): it resolves now with an `aborted` error,
    /// whether its request is in flight (the shim aborts the wx task; a late reply is ignored)
    /// or still waiting for a refresh. Unknown or finished ops are ignored.
    pub fn cancel(&mut self, op: u32) {
        let message = "The request was aborted";
        if let Some(i) = self.pending.iter().position(|p| p.op == op) {
            let p = self.pending.swap_remove(i);
            self.finish(p.op, &p.reply.failed(message, "aborted"));
        } else if let Some(i) = self.waiting.iter().position(|(_, o, _, _)| *o == op) {
            let (_, op, req, _) = self.waiting.swap_remove(i);
            self.finish(op, &req.reply.failed(message, "aborted"));
        }
    }

    /// Whether request `id` is one of this machine's, in flight.
    pub fn owns(&self, id: u32) -> bool {
        self.pending.iter().any(|p| p.id == id)
    }

    /// Whether the body of request `id`'s reply must be measured as JSON ([`Reply::wants_json`]);
    /// false for a request not in flight.
    pub fn wants_json(&self, id: u32, r: &Response) -> bool {
        for p in &self.pending {
            if p.id == id {
                return p.reply.wants_json(r);
            }
        }
        false
    }

    /// Request `id` got an HTTP reply (any status). A refusal of the session's token is handed
    /// back for one retry instead of resolving the operation.
    pub fn reply(&mut self, id: u32, r: &Response) -> Option<Retry> {
        let p = self.take(id)?;
        let outcome = p.reply.finish(r);
        match p.retry {
            Some((kept, token)) if p.reply.token_refused(r) => {
                let types::DataRequest { method, url, headers, body, transport, read, timeout, .. } = kept;
                let req = DataRequest { method, url, headers, body, transport, read, timeout, reply: p.reply };
                Some(Retry { op: p.op, req, token, outcome })
            }
            _ => {
                self.finish(p.op, &outcome);
                None
            }
        }
    }

    /// Resolve a retry that will not be sent (signed out meanwhile) with its refusal.
    pub fn refused(&mut self, retry: Retry) {
        self.finish(retry.op, &retry.outcome);
    }

    /// Request `id` got no HTTP status: `message` says why (`code` `network_error`).
    pub fn failed(&mut self, id: u32, message: &str) {
        if let Some(p) = self.take(id) {
            self.finish(p.op, &p.reply.failed(message, "network_error"));
        }
    }

    fn take(&mut self, id: u32) -> Option<InFlight> {
        let i = self.pending.iter().position(|p| p.id == id)?;
        Some(self.pending.swap_remove(i))
    }

    fn finish(&mut self, op: u32, outcome: &Outcome) {
        self.out.push_back(Output::Done { op, data: crate::output::Json::raw(outcome.to_json()), error: None });
    }
}
