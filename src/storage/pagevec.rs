//! `PageVec`: a sparse map from page number to a non-zero `u32` (0 means
//! absent), for the WAL index (page -> newest frame) and a write
//! transaction's spilled pages (page -> frame).
//!
//! Layout: chunks of `CHUNK` slots, chunk `p / CHUNK` allocated on the
//! first write into its range. Page numbers are dense, so a touched range
//! costs 4 bytes per page and an untouched one a null pointer per chunk,
//! against ~16-20 bytes per entry for a hash map. That keeps the
//! bookkeeping of a transaction that spilled 200k pages under 1 MiB.
//!
//! Invariant: `len` == number of non-zero slots.

use crate::storage::pager::PageNo;

const CHUNK: usize = 1024;

#[derive(Default)]
pub struct PageVec {
    chunks: Vec<Option<Box<[u32; CHUNK]>>>,
    len: usize,
}

impl PageVec {
    #[inline]
    pub fn get(&self, p: PageNo) -> u32 {
        let p = p as usize;
        match self.chunks.get(p / CHUNK) {
            Some(Some(c)) => c[p % CHUNK],
            _ => 0,
        }
    }

    /// Sets slot `p` to `v` (0 clears it); returns the old value.
    pub fn set(&mut self, p: PageNo, v: u32) -> u32 {
        let p = p as usize;
        let ci = p / CHUNK;
        if ci >= self.chunks.len() {
            if v == 0 {
                return 0;
            }
            self.chunks.resize_with(ci + 1, || None);
        }
        let chunk = match &mut self.chunks[ci] {
            Some(c) => c,
            slot @ None => {
                if v == 0 {
                    return 0;
                }
                slot.insert(Box::new([0u32; CHUNK]))
            }
        };
        let old = std::mem::replace(&mut chunk[p % CHUNK], v);
        match (old, v) {
            (0, 0) => {}
            (0, _) => self.len += 1,
            (_, 0) => self.len -= 1,
            _ => {}
        }
        old
    }

    /// Non-zero slots.
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn clear(&mut self) {
        self.chunks.clear();
        self.len = 0;
    }

    /// Every `(page, value)` with a non-zero value, ascending by page.
    pub fn iter(&self) -> impl Iterator<Item = (PageNo, u32)> + '_ {
        self.chunks.iter().enumerate().filter_map(|(ci, c)| c.as_ref().map(|c| (ci, c))).flat_map(|(ci, c)| {
            c.iter().enumerate().filter(|(_, &v)| v != 0).map(move |(i, &v)| ((ci * CHUNK + i) as PageNo, v))
        })
    }

    /// As `iter`, from page `lo` on.
    pub fn iter_from(&self, lo: PageNo) -> impl Iterator<Item = (PageNo, u32)> + '_ {
        let lo = lo as usize;
        self.chunks.iter().enumerate().skip(lo / CHUNK).filter_map(|(ci, c)| c.as_ref().map(|c| (ci, c))).flat_map(
            move |(ci, c)| {
                c.iter()
                    .enumerate()
                    .filter(move |(i, &v)| v != 0 && ci * CHUNK + i >= lo)
                    .map(move |(i, &v)| ((ci * CHUNK + i) as PageNo, v))
            },
        )
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Option<Box<[u32; CHUNK]>>>()
            + self.chunks.iter().flatten().count() * CHUNK * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn matches_a_map() {
        let mut v = PageVec::default();
        let mut m = BTreeMap::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let p = (x % 5000) as PageNo + if x & 1 == 0 { 0 } else { 100_000 };
            let val = ((x >> 20) % 4) as u32;
            let old = v.set(p, val);
            let mold = if val == 0 { m.remove(&p) } else { m.insert(p, val) };
            assert_eq!(old, mold.unwrap_or(0));
            assert_eq!(v.len(), m.len());
        }
        let got: Vec<(PageNo, u32)> = v.iter().collect();
        let want: Vec<(PageNo, u32)> = m.into_iter().collect();
        assert_eq!(got, want);
        assert!(v.heap_bytes() < 20 * CHUNK * 4);
    }
}
