//! (stub, being written)
use crate::data::{Built, Endpoints, Outcome, Response};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Ctx;

pub fn build(_method: &str, _args: &[Value], _ep: &Endpoints) -> Built {
    Built::Done(Outcome::default())
}

pub fn finish(_c: &Ctx, _r: &Response) -> Outcome {
    Outcome::default()
}

pub fn failed(_c: &Ctx, _message: &str, _code: &str) -> Outcome {
    Outcome::default()
}
