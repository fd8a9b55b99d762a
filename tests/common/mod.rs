//! The harness shared by the core's integration tests: a [`World`] (the client, a virtual clock,
//! and the shim around them), selectors over outputs ([`Outputs`]) and GoTrue's token response
//! ([`token_body`]).
//!
//! Every test binary includes this module and uses a part of it.
#![allow(dead_code)]

use proptest::test_runner::{Config, RngAlgorithm};

mod outputs;
mod token;
mod world;

#[allow(unused_imports)] // not every test binary uses every part
pub use outputs::Outputs;
#[allow(unused_imports)]
pub use token::{jwt, token_body, TokenBody};
#[allow(unused_imports)]
pub use world::{World, Writes};

/// The project every scripted server stands for (MemFire Cloud's URL shape).
pub const URL: &str = "https://abcdefghij.baseapi.memfiredb.com";
pub const KEY: &str = "anon-key";
/// Where a [`World`]'s clock starts, ms since the epoch.
pub const T0: f64 = 1_700_000_000_000.0;

/// The data-path endpoints of a project at `root` (`<root>/rest/v1`, `/storage/v1`,
/// `/functions/v1`), no schema, no global headers: what `Data` builds requests against.
pub fn endpoints(root: &str) -> supabase_wechat::data::Endpoints {
    supabase_wechat::data::Endpoints {
        rest: format!("{root}/rest/v1"),
        storage: format!("{root}/storage/v1"),
        functions: format!("{root}/functions/v1"),
        schema: None,
        headers: Vec::new(),
    }
}

/// Cases per property test: `FUZZ_CASES` (scripts/fuzz-long.sh raises it), else 2,000.
pub fn fuzz_cases() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(2_000)
}

/// The runner configuration of every property test: `fuzz_cases()` cases, nothing written to
/// disk, and XorShift (ChaCha, proptest's default, is most of the run time in an unoptimized
/// build).
pub fn fuzz_config() -> Config {
    Config {
        cases: fuzz_cases(),
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::XorShift,
        ..Config::default()
    }
}
