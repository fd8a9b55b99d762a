//! The wasm global allocator: talc, fed first with the module's own initial memory.
//!
//! Rust's default wasm allocator (dlmalloc) takes every byte it hands out from `memory.grow`,
//! so a module with a large initial memory still grows on its first allocation — and
//! WXWebAssembly on iOS is unreliable at `memory.grow`. This source first claims the free part of
//! the initial memory (from the linker's `__heap_base` to the end of memory), sized by
//! `scripts/build.sh`; only if that is ever exhausted (abnormal use) does it grow memory, so
//! even then an allocation does not trap.

use core::alloc::Layout;
use core::arch::wasm32::{memory_grow, memory_size};

use talc::base::binning::Binning;
use talc::base::Talc;
use talc::cell::TalcSyncCell;
use talc::source::Source;
use talc::wasm::WasmBinning;

const PAGE: usize = 64 * 1024;

extern "C" {
    /// First byte after the stack and static data (defined by wasm-ld).
    static __heap_base: u8;
}

#[derive(Debug)]
pub struct InitialMemoryThenGrow {
    initial_claimed: bool,
}

// SAFETY: acquire never allocates; it only claims memory the module owns and nothing else uses.
unsafe impl Source for InitialMemoryThenGrow {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        if !talc.source.initial_claimed {
            talc.source.initial_claimed = true;
            let base = core::ptr::addr_of!(__heap_base) as usize;
            let end = memory_size::<0>() * PAGE;
            if end > base {
                // SAFETY: [__heap_base, end) is past the stack and data and is used by nobody else.
                if unsafe { talc.claim(base as *mut u8, end - base) }.is_some() {
                    return Ok(());
                }
            }
        }
        let pages = (layout.size() + layout.align() + 4 * 1024).div_ceil(PAGE).max(1);
        let prev = memory_grow::<0>(pages);
        if prev == usize::MAX {
            return Err(());
        }
        // SAFETY: freshly grown memory belongs to nobody else.
        match unsafe { talc.claim((prev * PAGE) as *mut u8, pages * PAGE) } {
            Some(_) => Ok(()),
            None => Err(()),
        }
    }
}

#[global_allocator]
static ALLOCATOR: TalcSyncCell<InitialMemoryThenGrow, WasmBinning> =
    TalcSyncCell::new_wasm(InitialMemoryThenGrow { initial_claimed: false });
