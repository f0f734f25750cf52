//! A set of byte-string keys on disk: extendible hashing over pages of a
//! temporary file, the keys themselves in a second file.
//!
//! Layout: the bucket file is an array of PAGE-byte buckets, bucket b at
//! offset `b * PAGE`; its first `count[b]` slots are entries `hash (8
//! bytes, little-endian) || key offset (8 bytes, little-endian)`, the rest
//! of the page unused. A key offset addresses the key as one entry of the
//! key file (a [`RunFile`]: `varint(n) || n bytes`), which only grows.
//!
//! In memory stay the directory (2^depth bucket numbers, indexed by the
//! hash's low `depth` bits) and per bucket its count and local depth: 8
//! bytes per 256 keys. Invariant: every directory slot whose low
//! `local[b]` bits equal those of the hashes in bucket b points at b, and
//! `local[b] <= depth`.
//!
//! A lookup reads one bucket (only its used slots) and, for each entry
//! whose hash matches, that key; adding a key writes one slot. A full
//! bucket splits on its next hash bit, doubling the directory when its
//! local depth is the directory's.

use super::runs::RunFile;
use super::Budget;
use crate::error::{Error, ErrorKind, Result};
use std::fs::File;
use std::hash::Hasher;
use std::os::unix::fs::FileExt;

const PAGE: usize = 4096;
const ENTRY: usize = 16;
const SLOTS: usize = PAGE / ENTRY;
/// A directory this deep would mean hashes that do not spread.
const MAX_DEPTH: u32 = 40;
/// What one bucket costs in memory: its directory slot(s) and metadata.
const BUCKET_BYTES: usize = 8;

pub struct DiskSet {
    buckets: File,
    keys: RunFile,
    dir: Vec<u32>,
    depth: u32,
    count: Vec<u16>,
    local: Vec<u8>,
    page: Vec<u8>,
    key: Vec<u8>,
}

/// The key's hash: SipHash with fixed keys. Unlike the executor's fast
/// KeyHasher, whose full 64-bit values repeat for keys that differ only
/// in a few bytes (integer keys do), equal hashes here are as rare as for
/// random keys, so a lookup seldom reads a key it does not want.
fn hash_of(key: &[u8]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    h.write(key);
    h.finish()
}

fn entry_at(page: &[u8], i: usize) -> (u64, u64) {
    let e = &page[i * ENTRY..(i + 1) * ENTRY];
    let h = u64::from_le_bytes(e[..8].try_into().expect("8 bytes"));
    let off = u64::from_le_bytes(e[8..].try_into().expect("8 bytes"));
    (h, off)
}

fn put_entry(out: &mut Vec<u8>, h: u64, off: u64) {
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&off.to_le_bytes());
}

fn io(kind: ErrorKind) -> impl Fn(std::io::Error) -> Error {
    move |e| Error::io(kind, &e)
}

impl DiskSet {
    /// An empty set of one bucket. Its directory and bucket metadata are
    /// charged to `budget` as they grow; its page buffer, like a run's
    /// read and write buffers, is not (it does not grow).
    pub fn new(budget: &mut Budget) -> Result<DiskSet> {
        budget.charge(BUCKET_BYTES);
        Ok(DiskSet {
            buckets: crate::storage::vfs::temp_file()?,
            keys: RunFile::new()?,
            dir: vec![0],
            depth: 0,
            count: vec![0],
            local: vec![0],
            page: vec![0; PAGE],
            key: Vec::new(),
        })
    }

    /// Adds `key`; false if it was there already.
    pub fn insert(&mut self, key: &[u8], budget: &mut Budget) -> Result<bool> {
        let h = hash_of(key);
        let b = self.bucket_of(h);
        if self.contains(b, h, key)? {
            return Ok(false);
        }
        let off = self.keys.position();
        self.keys.push(key)?;
        self.add(h, off, budget)?;
        Ok(true)
    }

    fn bucket_of(&self, h: u64) -> usize {
        self.dir[(h & ((1u64 << self.depth) - 1)) as usize] as usize
    }

    /// Reads bucket `b`'s used slots into `page`.
    fn load(&mut self, b: usize) -> Result<usize> {
        let n = usize::from(self.count[b]);
        self.buckets.read_exact_at(&mut self.page[..n * ENTRY], (b * PAGE) as u64).map_err(io(ErrorKind::IoErrRead))?;
        Ok(n)
    }

    fn contains(&mut self, b: usize, h: u64, key: &[u8]) -> Result<bool> {
        let n = self.load(b)?;
        for i in 0..n {
            let (eh, off) = entry_at(&self.page, i);
            if eh == h {
                self.keys.read_at(off, &mut self.key)?;
                if self.key == key {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Puts entry (h, off) in its bucket, splitting full ones.
    fn add(&mut self, h: u64, off: u64, budget: &mut Budget) -> Result<()> {
        loop {
            let b = self.bucket_of(h);
            let n = usize::from(self.count[b]);
            if n < SLOTS {
                let mut e = Vec::with_capacity(ENTRY);
                put_entry(&mut e, h, off);
                self.buckets.write_all_at(&e, (b * PAGE + n * ENTRY) as u64).map_err(io(ErrorKind::IoErrWrite))?;
                self.count[b] += 1;
                return Ok(());
            }
            self.split(b, h, budget)?;
        }
    }

    /// Splits full bucket `b` (which hash `h` maps to) on hash bit
    /// `local[b]`: entries with that bit set move to a new bucket.
    fn split(&mut self, b: usize, h: u64, budget: &mut Budget) -> Result<()> {
        let ld = u32::from(self.local[b]);
        if ld == self.depth {
            if self.depth == MAX_DEPTH {
                return Err(Error::new(ErrorKind::Full, "too many keys with equal hashes"));
            }
            budget.charge(self.dir.len() * 4);
            self.dir.extend_from_within(..);
            self.depth += 1;
        }
        let nb = self.count.len();
        budget.charge(BUCKET_BYTES);
        self.count.push(0);
        self.local.push(0);
        self.local[b] = (ld + 1) as u8;
        self.local[nb] = (ld + 1) as u8;
        // The directory slots of b: low ld bits as in h; those with bit ld
        // set now point at nb.
        let low = (h & ((1u64 << ld) - 1)) as usize;
        for k in 0..(1usize << (self.depth - ld)) {
            let i = low | (k << ld);
            if (i >> ld) & 1 == 1 {
                self.dir[i] = nb as u32;
            }
        }
        let n = self.load(b)?;
        let (mut stay, mut moved) = (Vec::with_capacity(PAGE), Vec::with_capacity(PAGE));
        for i in 0..n {
            let (eh, off) = entry_at(&self.page, i);
            put_entry(if (eh >> ld) & 1 == 1 { &mut moved } else { &mut stay }, eh, off);
        }
        self.buckets.write_all_at(&stay, (b * PAGE) as u64).map_err(io(ErrorKind::IoErrWrite))?;
        self.buckets.write_all_at(&moved, (nb * PAGE) as u64).map_err(io(ErrorKind::IoErrWrite))?;
        self.count[b] = (stay.len() / ENTRY) as u16;
        self.count[nb] = (moved.len() / ENTRY) as u16;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::exec::spill::WorkMem;

    #[test]
    fn keys_are_found_after_many_splits() {
        let work = WorkMem::default();
        let mut budget = Budget::with_limit(work.clone(), 1 << 20, false);
        let mut s = DiskSet::new(&mut budget).unwrap();
        for i in 0..20_000u32 {
            let k = format!("key {}", i % 15_000);
            assert_eq!(s.insert(k.as_bytes(), &mut budget).unwrap(), i < 15_000, "{k}");
        }
        assert!(s.count.len() > 64);
        assert!(s.count.iter().all(|&c| usize::from(c) <= SLOTS));
        drop(s);
        drop(budget);
        assert_eq!(work.used(), 0);
    }
}
