//! Auth: the session, the Auth API calls, redirects, PKCE, JWTs and the error taxonomy.

pub mod calls;
pub mod error;
pub mod jwt;
pub mod pkce;
pub mod redirect;
pub mod session;
