//! The shared page cache: committed page images keyed by (page, version).
//!
//! `version` is the WAL frame that holds the image, or 0 for the image in
//! the database file. Images are immutable and shared as `Arc`s, so readers
//! never copy a page; a writer copies on write into its private dirty set.
//!
//! Pinned old images (see pager.rs, "Checkpoints past live readers"): the
//! database file's image of a page from before a checkpoint overwrote it,
//! kept for the live snapshots that still need it. Per page a list of
//! `(until, image)` ascending by `until`, the global WAL position of the
//! version that replaced the image: a snapshot at global position `g` that
//! finds no WAL frame of its own reads the first entry with `until > g`,
//! else the file. Pinned images are never evicted, only pruned when no live
//! snapshot falls in their range.
//!
//! Eviction is CLOCK (second chance): a lookup marks its entry
//! referenced; the eviction hand sweeps the slots in a circle, clearing
//! marks and dropping the first unmarked entry nobody else holds. Pages
//! used again and again (the roots and interior pages every descent
//! reads) keep their marks and stay, while a page read once goes on the
//! next sweep. Entries live in a slot vector (`map` gives a key's slot,
//! `free` the empty ones) so the hand has an order to follow.
//!
//! Accounting invariant: `used_bytes` == sum of the buffer capacities of the
//! entries held, pinned images included (`pinned_bytes` of it), and the
//! atomic mirror `used_mirror` (read by writers without the lock) always
//! equals it. `capacity_bytes - reserved` is a soft bound: after an insert
//! the cache evicts entries nobody else holds (`Arc::strong_count == 1`)
//! until `used_bytes` is under it or nothing more is evictable. What
//! cannot be evicted (pages cursors hold, pinned images) is
//! `unevictable_bytes`; HARD mode refuses growth past the bound
//! (`over_limit`) instead of letting that part through.

use crate::storage::pager::PageNo;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// A fast hasher for page numbers and small integer keys (the keys are not
/// attacker-chosen in a way that matters: page numbers are dense).
#[derive(Default, Clone, Copy)]
pub struct PageHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for PageHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(K);
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(K);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

/// A hash map keyed by page numbers (or other small integers).
pub type PageMap<K, V> = HashMap<K, V, BuildHasherDefault<PageHasher>>;

/// One page image.
pub type PageRef = Arc<Vec<u8>>;

/// A cached image and its CLOCK mark.
struct Slot {
    key: (PageNo, u32),
    page: PageRef,
    /// Looked up since the hand last passed (atomic only so that `get`
    /// can mark through `&self`; the cache is used under its lock).
    referenced: AtomicBool,
}

pub struct Cache {
    map: PageMap<(PageNo, u32), usize>,
    slots: Vec<Option<Slot>>,
    /// Indexes of the `None` slots.
    free: Vec<usize>,
    /// Where the next eviction sweep starts.
    hand: usize,
    pinned: PageMap<PageNo, Vec<(u64, PageRef)>>,
    used_bytes: usize,
    used_mirror: Arc<AtomicUsize>,
    pub pinned_bytes: usize,
    /// Largest `until` pinned: snapshots at or past it read no pin.
    pub max_pin_until: u64,
    pub capacity_bytes: usize,
    /// Room kept free for the write transaction's page buffers (set by the
    /// pager before an insert): clean pages are evicted past
    /// `capacity_bytes - reserved`.
    pub reserved: usize,
    /// Lookups found / not found, entries evicted (memory_stats).
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
}

impl Cache {
    pub fn new(capacity_bytes: usize) -> Cache {
        Cache {
            map: PageMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            hand: 0,
            pinned: PageMap::default(),
            used_bytes: 0,
            used_mirror: Arc::new(AtomicUsize::new(0)),
            pinned_bytes: 0,
            max_pin_until: 0,
            capacity_bytes,
            reserved: 0,
            hits: 0,
            misses: 0,
            evictions: 0,
        }
    }

    /// Pins `page` as the image of `pgno` for snapshots before `until`
    /// (no-op if an image for that range is already pinned).
    pub fn pin(&mut self, pgno: PageNo, until: u64, page: PageRef) {
        let list = self.pinned.entry(pgno).or_default();
        let i = list.partition_point(|&(u, _)| u < until);
        if list.get(i).is_some_and(|&(u, _)| u == until) {
            return;
        }
        let n = page.capacity();
        list.insert(i, (until, page));
        self.set_used(self.used_bytes + n);
        self.pinned_bytes += n;
        self.max_pin_until = self.max_pin_until.max(until);
    }

    /// An image of `pgno` is pinned for the range ending at `until`.
    pub fn has_pin(&self, pgno: PageNo, until: u64) -> bool {
        self.pinned.get(&pgno).is_some_and(|l| l.binary_search_by_key(&until, |&(u, _)| u).is_ok())
    }

    /// The pinned image a snapshot at global position `g` reads, if any.
    #[inline]
    pub fn pinned(&self, pgno: PageNo, g: u64) -> Option<&PageRef> {
        let list = self.pinned.get(&pgno)?;
        let i = list.partition_point(|&(u, _)| u <= g);
        list.get(i).map(|(_, p)| p)
    }

    pub fn has_pins(&self) -> bool {
        !self.pinned.is_empty()
    }

    /// Keeps only the pinned images some live snapshot (global positions
    /// `live`, sorted ascending) still reads: entry i of a page serves the
    /// snapshots in `[until(i-1), until(i))`.
    pub fn prune_pins(&mut self, live: &[u64]) {
        let mut freed = 0;
        let mut max_until = 0;
        self.pinned.retain(|_, list| {
            let mut prev = 0u64;
            list.retain(|(until, page)| {
                let lo = prev;
                prev = *until;
                let i = live.partition_point(|&g| g < lo);
                let used = live.get(i).is_some_and(|&g| g < *until);
                if used {
                    max_until = max_until.max(*until);
                } else {
                    freed += page.capacity();
                }
                used
            });
            !list.is_empty()
        });
        self.set_used(self.used_bytes - freed);
        self.pinned_bytes -= freed;
        self.max_pin_until = max_until;
    }

    #[inline]
    pub fn get(&self, pgno: PageNo, version: u32) -> Option<&PageRef> {
        let slot = self.slots[*self.map.get(&(pgno, version))?].as_ref()?;
        slot.referenced.store(true, Ordering::Relaxed);
        Some(&slot.page)
    }

    pub fn insert(&mut self, pgno: PageNo, version: u32, page: PageRef) {
        let key = (pgno, version);
        let mut used = self.used_bytes + page.capacity();
        match self.map.get(&key) {
            Some(&i) => {
                let slot = self.slots[i].as_mut().expect("mapped slots are full");
                used -= slot.page.capacity();
                slot.page = page;
            }
            None => {
                let slot = Some(Slot { key, page, referenced: AtomicBool::new(false) });
                let i = match self.free.pop() {
                    Some(i) => {
                        self.slots[i] = slot;
                        i
                    }
                    None => {
                        self.slots.push(slot);
                        self.slots.len() - 1
                    }
                };
                self.map.insert(key, i);
            }
        }
        self.set_used(used);
        if self.used_bytes > self.limit() {
            self.evict();
        } else if crate::memory::over_soft_limit(0) {
            // The process is past sqlvibe_soft_heap_limit64: shed what
            // nobody holds.
            self.evict_all_unreferenced();
        }
    }

    /// Empties slot `i` (full), keeping the accounting.
    fn drop_slot(&mut self, i: usize) -> PageRef {
        let slot = self.slots[i].take().expect("dropping a full slot");
        self.map.remove(&slot.key);
        self.free.push(i);
        self.set_used(self.used_bytes - slot.page.capacity());
        slot.page
    }

    /// What clean pages may hold now.
    fn limit(&self) -> usize {
        self.capacity_bytes.saturating_sub(self.reserved)
    }

    #[inline]
    fn set_used(&mut self, used: usize) {
        self.used_bytes = used;
        self.used_mirror.store(used, Ordering::Relaxed);
    }

    /// Bytes held now (every entry and pinned image).
    #[inline]
    pub fn used_bytes(&self) -> usize {
        self.used_bytes
    }

    /// `used_bytes`, readable without the cache's lock.
    pub fn used_mirror(&self) -> Arc<AtomicUsize> {
        self.used_mirror.clone()
    }

    /// Still past the bound after evicting all it could.
    pub fn over_limit(&self) -> bool {
        self.used_bytes > self.limit()
    }

    /// Keeps `reserved` bytes free for the writer, evicting what nobody
    /// holds; false when what cannot be evicted leaves less than that.
    pub fn make_room(&mut self, reserved: usize) -> bool {
        self.reserved = reserved;
        if self.over_limit() {
            self.evict_to(self.limit());
        }
        !self.over_limit()
    }

    /// Bytes no eviction can free now: pinned images and entries someone
    /// else holds (cursors, a writer's unmodified dirty page).
    pub fn unevictable_bytes(&self) -> usize {
        let held: usize = self.pages().filter(|p| Arc::strong_count(p) > 1).map(|p| p.capacity()).sum();
        held + self.pinned_bytes
    }

    fn pages(&self) -> impl Iterator<Item = &PageRef> {
        self.slots.iter().flatten().map(|s| &s.page)
    }

    /// Drops unreferenced entries until under the limit (to 7/8 of it, so
    /// eviction work is amortized over many inserts).
    fn evict(&mut self) {
        let limit = self.limit();
        self.evict_to(limit - limit / 8);
    }

    /// Drops every entry nobody else holds (pinned images stay).
    pub fn evict_all_unreferenced(&mut self) {
        self.evict_to(0);
    }

    /// Sweeps the CLOCK hand until `used_bytes <= target`: a marked entry
    /// loses its mark, an unmarked one nobody holds goes. Two full turns
    /// at most: after the first every mark is gone.
    fn evict_to(&mut self, target: usize) {
        let n = self.slots.len();
        let mut steps = 0;
        while self.used_bytes > target && steps < 2 * n {
            let i = self.hand;
            self.hand = if i + 1 == n { 0 } else { i + 1 };
            steps += 1;
            let Some(slot) = &self.slots[i] else { continue };
            if Arc::strong_count(&slot.page) > 1 {
                continue;
            }
            if slot.referenced.swap(false, Ordering::Relaxed) {
                continue;
            }
            self.drop_slot(i);
            self.evictions += 1;
        }
    }

    /// Drops the entry for `(pgno, version)`, if any.
    pub fn remove(&mut self, pgno: PageNo, version: u32) {
        if let Some(&i) = self.map.get(&(pgno, version)) {
            self.drop_slot(i);
        }
    }

    /// Keeps only the entries for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(PageNo, u32) -> bool) {
        for i in 0..self.slots.len() {
            if let Some(slot) = &self.slots[i] {
                let (p, v) = slot.key;
                if !keep(p, v) {
                    self.drop_slot(i);
                }
            }
        }
    }

    pub fn set_capacity(&mut self, bytes: usize) {
        self.capacity_bytes = bytes;
        self.shrink();
    }

    /// Evicts down under the bound if past it.
    pub fn shrink(&mut self) {
        if self.used_bytes > self.limit() {
            self.evict();
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounting_and_eviction() {
        let mut c = Cache::new(10 * 512);
        let held = Arc::new(vec![0u8; 512]);
        c.insert(1, 0, held.clone());
        for p in 2..40 {
            c.insert(p, 0, Arc::new(vec![0u8; 512]));
            assert!(c.used_bytes <= 10 * 512 || c.len() == 1);
        }
        let sum: usize = c.pages().map(|p| p.capacity()).sum();
        assert_eq!(sum, c.used_bytes);
        assert!(c.get(1, 0).is_some(), "a referenced page is never evicted");
        c.retain(|p, _| p != 1);
        assert!(c.get(1, 0).is_none());
        let sum: usize = c.pages().map(|p| p.capacity()).sum();
        assert_eq!(sum, c.used_bytes);
        assert_eq!(c.len() + c.free.len(), c.slots.len());
    }

    #[test]
    fn clock_keeps_pages_in_use() {
        // Room for 10 pages; page 1 is looked up between every insert, as
        // a B-tree root is: it survives a stream of pages read once.
        let mut c = Cache::new(10 * 512);
        c.insert(1, 0, Arc::new(vec![0u8; 512]));
        for p in 2..200 {
            assert!(c.get(1, 0).is_some(), "the hot page went before page {p}");
            c.insert(p, 0, Arc::new(vec![0u8; 512]));
            assert!(c.used_bytes <= 10 * 512);
        }
        assert!(c.evictions > 150);
        c.evict_all_unreferenced();
        assert_eq!((c.len(), c.used_bytes), (0, 0));
    }
}
