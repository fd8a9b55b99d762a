//! supabase-wechat core: session state, request building, response and error parsing for the
//! Supabase / MemFire Cloud client used in WeChat mini-programs.
//!
//! Everything here is plain Rust with no I/O and no clock (see [`client`]); the one module that
//! knows about JavaScript is `wasm`, compiled only for `wasm32`.
//!
//! `no_std` (with `alloc`): in the wasm build this lets the crate define its own panic handler,
//! a bare trap, instead of std's, which formats every panic message (and so links much of
//! `core::fmt` and every message and source location) only to drop it: wasm32-unknown-unknown
//! has no stderr. A panic traps (`RuntimeError: unreachable`) exactly as std's abort did.
//! Elsewhere (tests, host tools) std is linked as usual.

#![no_std]

extern crate alloc;
#[cfg(not(target_arch = "wasm32"))]
extern crate std;

/// What std's prelude would bring, for modules of a `no_std` crate (not every module uses all).
#[allow(unused_imports)]
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod auth;
pub mod client;
pub mod config;
pub mod data;
pub mod encoding;
pub mod output;
pub mod realtime;

#[cfg(target_arch = "wasm32")]
mod wasm;

/// A panic is a bug: trap at once, as std's `panic = "abort"` did, without formatting a message
/// nobody can read.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

pub use auth::error::{AuthError, ErrorKind};
pub use auth::session::{Session, User};
pub use client::{AuthEvent, Client, HttpRequest, Json, Output};
