//! Helpers shared by the core's integration tests.

use supabase_wechat::{Client, Output};

/// Drain the core like the shim does with a working storage: every write is acknowledged.
pub fn drain_ack(c: &mut Client) -> Vec<Output> {
    let mut outs = Vec::new();
    while let Some(o) = c.poll() {
        if matches!(o, Output::StorageSet { .. }) {
            c.handle_storage_result(None);
        }
        outs.push(o);
    }
    outs
}
