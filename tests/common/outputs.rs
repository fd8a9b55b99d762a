//! Selectors over what the client put out: the outputs of one `drain()`, or a `World`'s log of
//! every output so far.

use serde_json::Value;
use supabase_wechat::client::FetchRequest;
use supabase_wechat::{AuthError, AuthEvent, HttpRequest, Output};

pub trait Outputs {
    fn outputs(&self) -> &[Output];

    /// What `f` picks out of each output, in order.
    fn pick<T>(&self, f: impl FnMut(&Output) -> Option<T>) -> Vec<T> {
        self.outputs().iter().filter_map(f).collect()
    }

    /// Auth's requests (and realtime's broadcasts over HTTP).
    fn http(&self) -> Vec<HttpRequest> {
        self.pick(|o| if let Output::Http(r) = o { Some(r.clone()) } else { None })
    }

    /// The one output there is, an HTTP request.
    fn only_http(&self) -> &HttpRequest {
        match self.outputs() {
            [Output::Http(r)] => r,
            other => panic!("expected exactly one HTTP request, got {other:?}"),
        }
    }

    /// The session refreshes among the HTTP requests.
    fn refreshes(&self) -> Vec<HttpRequest> {
        self.http().into_iter().filter(|r| r.url.ends_with("/token?grant_type=refresh_token")).collect()
    }

    /// The data path's requests (Database, Storage, Functions).
    fn fetches(&self) -> Vec<FetchRequest> {
        self.pick(|o| if let Output::Fetch(f) = o { Some(f.clone()) } else { None })
    }

    /// The one output there is, a data request.
    fn only_fetch(&self) -> &FetchRequest {
        match self.outputs() {
            [Output::Fetch(f)] => f,
            other => panic!("expected one fetch, got {other:?}"),
        }
    }

    /// Every result: (op, data, error).
    fn dones(&self) -> Vec<(u32, Value, Option<AuthError>)> {
        self.pick(|o| {
            if let Output::Done { op, data, error } = o {
                Some((*op, data.value(), error.clone()))
            } else {
                None
            }
        })
    }

    /// The first result: (op, data, error); there must be one.
    fn first_done(&self) -> (u32, Value, Option<AuthError>) {
        self.dones().into_iter().next().expect("a Done output")
    }

    /// The data of operation `op`'s result, if it has one.
    fn done(&self, op: u32) -> Option<Value> {
        self.dones().into_iter().find(|d| d.0 == op).map(|d| d.1)
    }

    /// The auth events, in order.
    fn events(&self) -> Vec<AuthEvent> {
        self.pick(|o| if let Output::Event { event, .. } = o { Some(*event) } else { None })
    }

    /// The console lines: (level, message).
    fn logs(&self) -> Vec<(&'static str, String)> {
        self.pick(|o| if let Output::Log { level, message } = o { Some((*level, message.clone())) } else { None })
    }

    /// Every output as the shim reads it (`to_json`); `null` where that is not JSON.
    fn json(&self) -> Vec<Value> {
        self.pick(|o| Some(serde_json::from_str(&o.to_json()).unwrap_or(Value::Null)))
    }

    // Realtime

    /// The sockets opened: (socket, url).
    fn opens(&self) -> Vec<(u32, String)> {
        self.pick(|o| if let Output::SocketOpen { socket, url, .. } = o { Some((*socket, url.clone())) } else { None })
    }

    /// The sockets closed: (socket, code, reason).
    fn closes(&self) -> Vec<(u32, u16, String)> {
        self.pick(|o| match o {
            Output::SocketClose { socket, code, reason } => Some((*socket, *code, reason.clone())),
            _ => None,
        })
    }

    /// The frames sent, on any socket.
    fn sent(&self) -> Vec<Value> {
        self.pick(|o| match o {
            Output::SocketSend { text, .. } => Some(serde_json::from_str(text).expect("frames are JSON")),
            _ => None,
        })
    }

    /// The frames sent with this `event`.
    fn sent_events(&self, event: &str) -> Vec<Value> {
        self.sent().into_iter().filter(|f| f["event"] == event).collect()
    }

    /// The channels' `subscribe` callbacks: (channel, status).
    fn statuses(&self) -> Vec<(u32, String)> {
        self.pick(|o| match o {
            Output::ChannelStatus { channel, status, .. } => Some((*channel, (*status).to_owned())),
            _ => None,
        })
    }

    /// The channels' `.on` callbacks: (channel, bindings, payload).
    fn calls(&self) -> Vec<(u32, Vec<u32>, Value)> {
        self.pick(|o| match o {
            Output::Realtime { channel, bindings, payload } => Some((*channel, bindings.clone(), payload.value())),
            _ => None,
        })
    }

    /// The `.on` callbacks' payloads as the text they carry (any depth: never parsed).
    fn call_texts(&self) -> Vec<String> {
        self.pick(|o| match o {
            Output::Realtime { payload, .. } => Some(payload.text().to_owned()),
            _ => None,
        })
    }
}

impl Outputs for [Output] {
    fn outputs(&self) -> &[Output] {
        self
    }
}
