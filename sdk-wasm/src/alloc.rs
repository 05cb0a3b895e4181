//! The allocator: small blocks recycled by size class in front of the
//! system allocator (dlmalloc).
//!
//! A decision allocates a few dozen small blocks (its texts, its lists) and
//! frees them all when it is released; dlmalloc's bookkeeping for each was a
//! large part of a `precheckFor` call (issue 6). Here a freed block of at most
//! [`LARGEST`] bytes goes on the free list of its size class (powers of two
//! from 8 bytes) and the next allocation of that class takes it back in a few
//! instructions. Larger blocks, and blocks aligned to more than 16 bytes, go to dlmalloc as before. Blocks
//! on a free list stay reserved for their class (a wasm memory never shrinks
//! anyway).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;

/// The largest block size served from the free lists.
const LARGEST: usize = 1024;
/// The size classes: 8, 16, ..., [`LARGEST`] bytes.
const CLASSES: usize = 8;

/// The size-class allocator; see the module's documentation.
pub(crate) struct Recycling {
    /// The head of each class's free list; a free block holds the next one's address.
    free: UnsafeCell<[*mut u8; CLASSES]>,
}

// SAFETY: built only for wasm32 without the `atomics` feature (lib.rs), which
// runs one thread: the free lists are never touched by two at once.
unsafe impl Sync for Recycling {}

impl Recycling {
    /// An allocator with empty free lists.
    pub(crate) const fn new() -> Self {
        Self {
            free: UnsafeCell::new([ptr::null_mut(); CLASSES]),
        }
    }
}

/// The class of a layout, if it is served from a free list.
fn class(layout: Layout) -> Option<usize> {
    // A block of the class's size is aligned to min(size, 16): at least the layout's alignment.
    let size = layout.size().max(layout.align()).max(8);
    (size <= LARGEST && layout.align() <= 16)
        .then(|| (size.next_power_of_two().trailing_zeros() - 3) as usize)
}

/// The layout dlmalloc gives a block of `class`.
fn block(class: usize) -> Layout {
    let size = 8usize << class;
    // SAFETY: a power of two at most LARGEST, aligned to at most itself (and
    // to at least what `class` lets in: 16 bytes, or the block's size).
    unsafe { Layout::from_size_align_unchecked(size, size.min(16)) }
}

unsafe impl GlobalAlloc for Recycling {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(c) = class(layout) else {
            return System.alloc(layout);
        };
        let lists = &mut *self.free.get();
        let head = lists[c];
        if head.is_null() {
            System.alloc(block(c))
        } else {
            lists[c] = *head.cast::<*mut u8>();
            head
        }
    }

    unsafe fn dealloc(&self, at: *mut u8, layout: Layout) {
        let Some(c) = class(layout) else {
            return System.dealloc(at, layout);
        };
        let lists = &mut *self.free.get();
        *at.cast::<*mut u8>() = lists[c];
        lists[c] = at;
    }

    unsafe fn realloc(&self, at: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (class(layout), class(new_layout)) {
            (Some(old), Some(new)) if old == new => at,
            (None, None) => System.realloc(at, layout, new_size),
            _ => {
                let moved = self.alloc(new_layout);
                if !moved.is_null() {
                    ptr::copy_nonoverlapping(at, moved, layout.size().min(new_size));
                    self.dealloc(at, layout);
                }
                moved
            }
        }
    }
}
