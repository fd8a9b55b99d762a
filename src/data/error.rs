//! The error classes of the data path, declared once.
//!
//! A Database, Storage or Functions call that fails resolves with an error description
//! `{ name, message, … }`; the shim makes it an Error of the class `name` names (the shim
//! modules register one factory per class, `errors.register(name, factory)`), with the other
//! fields copied on. The class names are the ones postgrest-js, storage-js and functions-js
//! throw, so `instanceof` and `error.name` checks written for supabase-js keep working.

use crate::encoding::json::put;
use crate::prelude::*;
use serde_json::{Map, Value};

/// Which class a data-path error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataErrorKind {
    /// A plain `Error`: a call of an API or method that does not exist.
    Error,
    /// Every Database error (postgrest-js' `PostgrestError`).
    PostgrestError,
    /// Storage: bad arguments, nothing sent; or a 2xx reply missing what it should carry.
    StorageError,
    /// Storage: the server answered with a non-2xx status.
    StorageApiError,
    /// Storage: no reply, or a 2xx reply that is not the JSON it should be.
    StorageUnknownError,
    /// Functions: bad arguments, or a JSON-typed 2xx reply that is not JSON.
    FunctionsError,
    /// Functions: a non-2xx status.
    FunctionsHttpError,
    /// Functions: `x-relay-error: true` (the relay, not the function, failed).
    FunctionsRelayError,
    /// Functions: no reply at all (network, timeout, abort).
    FunctionsFetchError,
}

impl DataErrorKind {
    /// Every kind, for the test that holds js-shim/errors.js to this list.
    pub const ALL: [DataErrorKind; 9] = [
        DataErrorKind::Error,
        DataErrorKind::PostgrestError,
        DataErrorKind::StorageError,
        DataErrorKind::StorageApiError,
        DataErrorKind::StorageUnknownError,
        DataErrorKind::FunctionsError,
        DataErrorKind::FunctionsHttpError,
        DataErrorKind::FunctionsRelayError,
        DataErrorKind::FunctionsFetchError,
    ];

    /// The class name: `error.name` in JS.
    pub fn name(self) -> &'static str {
        match self {
            DataErrorKind::Error => "Error",
            DataErrorKind::PostgrestError => "PostgrestError",
            DataErrorKind::StorageError => "StorageError",
            DataErrorKind::StorageApiError => "StorageApiError",
            DataErrorKind::StorageUnknownError => "StorageUnknownError",
            DataErrorKind::FunctionsError => "FunctionsError",
            DataErrorKind::FunctionsHttpError => "FunctionsHttpError",
            DataErrorKind::FunctionsRelayError => "FunctionsRelayError",
            DataErrorKind::FunctionsFetchError => "FunctionsFetchError",
        }
    }

    /// Sets `name` on an error description.
    #[inline(never)]
    pub fn tag(self, error: &mut Map<String, Value>) {
        put(error, "name", Value::String(self.name().to_owned()));
    }

    /// A new error description of this class: `{ name, message }`.
    #[inline(never)]
    pub fn error(self, message: &str) -> Map<String, Value> {
        let mut e = Map::new();
        self.tag(&mut e);
        put(&mut e, "message", Value::String(message.to_owned()));
        e
    }
}
