//! supabase-wechat core: session state, request building, response and error parsing for the
//! Supabase / MemFire Cloud client used in WeChat mini-programs.
//!
//! Everything here is plain Rust with no I/O and no clock (see [`client`]); the one module that
//! knows about JavaScript is `wasm`, compiled only for `wasm32`.

pub mod callback;
pub mod client;
pub mod data;
pub mod error;
pub mod functions;
pub mod jwt;
pub mod pkce;
pub mod realtime;
pub mod requests;
pub mod rest;
pub mod session;
pub mod storage_api;
pub mod url;

#[cfg(target_arch = "wasm32")]
mod alloc_wasm;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use client::{AuthEvent, Client, HttpRequest, Json, Output};
pub use error::{AuthError, ErrorKind};
pub use session::{Session, User};
