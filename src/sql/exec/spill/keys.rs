//! Index key records (SQLite record format, rowid last) as entries of an
//! external sort: CREATE INDEX and REINDEX sort every key of a table
//! within the statement budget, then feed them in order to the b-tree's
//! bulk build.
//!
//! Keys compare with `compare_records` under the index's KeyInfo, as
//! `btree::sort_index_keys` orders them; two keys of one table never
//! compare equal (the rowid is their last field), so the unstable
//! in-memory sort gives the order a stable one would.

use super::sorter::SortKind;
use crate::error::{Error, Result};
use crate::storage::btree::sort_index_keys;
use crate::storage::record::compare_records;
use crate::storage::KeyInfo;
use std::cell::Cell;
use std::cmp::Ordering;

pub struct IndexKeys {
    ki: KeyInfo,
    /// The first malformed record a comparison met (a merge's comparisons
    /// cannot fail; the sorter asks after each entry).
    err: Cell<Option<Error>>,
}

impl IndexKeys {
    pub fn new(ki: KeyInfo) -> IndexKeys {
        IndexKeys { ki, err: Cell::new(None) }
    }
}

impl SortKind for IndexKeys {
    type Entry = Vec<u8>;
    fn bytes(e: &Vec<u8>) -> usize {
        std::mem::size_of::<Vec<u8>>() + e.capacity()
    }
    fn encode<'a>(e: &'a Vec<u8>, _: &'a mut Vec<u8>) -> &'a [u8] {
        e
    }
    fn decode(rec: &[u8], out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        out.extend_from_slice(rec);
        Ok(())
    }
    fn cmp(&self, a: &Vec<u8>, b: &Vec<u8>) -> Ordering {
        compare_records(a, b, &self.ki).unwrap_or_else(|e| {
            let first = self.err.take().unwrap_or(e);
            self.err.set(Some(first));
            Ordering::Equal
        })
    }
    fn sort(&self, batch: &mut [Vec<u8>]) -> Result<()> {
        sort_index_keys(batch, &self.ki)
    }
    fn take_error(&self) -> Result<()> {
        match self.err.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::exec::spill::{Budget, ExtSorter, WorkMem};
    use crate::storage::record::encode_record;
    use crate::storage::{Collation, Value};

    fn sorted(limit: usize, keys: &[Vec<u8>], ki: &KeyInfo) -> (Vec<Vec<u8>>, bool) {
        let work = WorkMem::default();
        let mut s = ExtSorter::new(IndexKeys::new(ki.clone()), Budget::with_limit(work.clone(), limit, false));
        for k in keys {
            s.push(k.clone()).unwrap();
        }
        let spilled = s.has_spilled();
        let mut rows = s.finish().unwrap();
        let mut out = Vec::new();
        while let Some(k) = rows.next_entry().unwrap() {
            out.push(k);
        }
        drop(rows);
        assert_eq!(work.used(), 0, "every byte charged is given back");
        (out, spilled)
    }

    #[test]
    fn spilled_key_sort_equals_record_order() {
        let ki = KeyInfo { collations: vec![Collation::NoCase, Collation::Binary], desc: vec![true, false] };
        let mut x: u64 = 99;
        let keys: Vec<Vec<u8>> = (0..40_000i64)
            .map(|i| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let t = ["a", "B", "b", "C"][(x >> 40) as usize % 4];
                let mut k = Vec::new();
                encode_record(&[Value::Text(format!("{t}{}", (x >> 33) % 50)), Value::Integer(i)], &mut k);
                k
            })
            .collect();
        let mut want = keys.clone();
        want.sort_by(|a, b| compare_records(a, b, &ki).unwrap());
        let (mem, spilled) = sorted(usize::MAX / 2, &keys, &ki);
        assert!(!spilled);
        assert_eq!(mem, want);
        let (disk, spilled) = sorted(64 << 10, &keys, &ki);
        assert!(spilled);
        assert_eq!(disk, want);
    }
}
