//! Automatic hash indexes of joins, inside the statement memory budget.
//!
//! While it fits in half the budget the index is a hash table in memory:
//! per normalized key the first and last row of a chain, rows linked in
//! table order. Past that it moves to disk: every row becomes an entry
//! `[hash, key, rowid, values...]` of an external sort by hash (stable, so
//! rows of one key stay in table order), written to a temporary file in
//! blocks of about BLOCK bytes. In memory stays one (first hash, offset)
//! pair per block; a probe binary-searches them, reads the block where its
//! hash may start, and walks entries until the hash passes its own.
//!
//! Layout of the file: RunFile entries back to back, each `varint(n) ||
//! hash (8 bytes, big-endian) || varint(k) || key (k bytes) || record
//! [rowid, values...]` (n counts all of it), so a probe skips an entry by
//! reading 8 bytes and decodes only rows whose key matches; block i spans
//! [blocks[i].1, blocks[i + 1].1) (the last one ends at `end`) and starts
//! at an entry.

use super::keyhash::{KeyHasher, KeyMap};
use super::spill::runs::RunFile;
use super::spill::{value_bytes, Budget, ExtSorter, Term};
use crate::error::{Error, ErrorKind, Result};
use crate::sql::expr::{Cx, Slot};
use crate::storage::record::{decode_record, get_varint, push_varint};
use crate::storage::{Collation, Value};
use std::hash::Hasher;
use std::os::unix::fs::FileExt;

/// End of a hash chain.
const NO_ROW: usize = usize::MAX;

/// Target bytes of one block of the on-disk index.
const BLOCK: usize = 4096;

/// A hash table entry's cost beyond the key and the values.
const ENTRY_OVERHEAD: usize = 64;

fn hash_of(key: &[u8]) -> i64 {
    let mut h = KeyHasher::default();
    h.write(key);
    h.finish() as i64
}

/// The rows of a table by normalized key, `width` values per row (the
/// columns the statement reads; the others NULL).
pub(super) enum HashIndex {
    Mem(MemHash),
    Disk(DiskHash),
}

#[derive(Default)]
pub(super) struct MemHash {
    heads: KeyMap<(usize, usize)>,
    next: Vec<usize>,
    rowids: Vec<i64>,
    vals: Vec<Value>,
}

pub(super) struct DiskHash {
    file: RunFile,
    blocks: Vec<(i64, u64)>,
    end: u64,
    /// The block in `buf` (usize::MAX: none yet).
    loaded: usize,
    buf: Vec<u8>,
    /// The probe being answered: its hash and key, and where its next
    /// candidate entry is (block, offset in the block).
    hash: i64,
    key: Vec<u8>,
    at: (usize, usize),
    scratch: Vec<Value>,
    /// The block index's bytes, charged.
    _budget: Budget,
}

/// Builds an index row by row.
pub(super) struct HashBuild {
    width: usize,
    mem: MemHash,
    budget: Budget,
    sorter: Option<ExtSorter>,
}

impl HashBuild {
    pub(super) fn new(width: usize, cx: &Cx) -> HashBuild {
        HashBuild { width, mem: MemHash::default(), budget: Budget::new(cx), sorter: None }
    }

    /// Adds a row under normalized key `key`, moving the `keep` columns
    /// out of `row` (the others are stored as NULL).
    pub(super) fn add(
        &mut self,
        key: &[u8],
        rowid: i64,
        row: &mut [Value],
        keep: impl Fn(usize) -> bool,
        cx: &Cx,
    ) -> Result<()> {
        let take = |c: usize, row: &mut [Value]| match row.get_mut(c) {
            Some(v) if keep(c) => std::mem::replace(v, Value::Null),
            _ => Value::Null,
        };
        if let Some(s) = &mut self.sorter {
            let vals = (0..self.width).map(|c| take(c, row)).collect();
            return s.push(disk_entry(key, rowid, vals));
        }
        let m = &mut self.mem;
        let start = m.vals.len();
        m.vals.extend((0..self.width).map(|c| take(c, row)));
        let bytes = m.vals[start..].iter().map(value_bytes).sum::<usize>() + key.len() + ENTRY_OVERHEAD;
        self.budget.charge(bytes);
        let at = m.rowids.len();
        m.rowids.push(rowid);
        m.next.push(NO_ROW);
        match m.heads.get_mut(key) {
            Some((_, last)) => {
                m.next[*last] = at;
                *last = at;
            }
            None => {
                m.heads.insert(key.to_vec(), (at, at));
            }
        }
        if self.budget.held() > self.budget.limit() / 2 {
            self.move_to_sorter(cx)?;
        }
        Ok(())
    }

    /// Moves the table built so far into an external sort by hash.
    fn move_to_sorter(&mut self, cx: &Cx) -> Result<()> {
        let mut s = ExtSorter::new(vec![Term::order_by(false, Collation::Binary)], Budget::new(cx));
        let m = std::mem::take(&mut self.mem);
        let w = self.width;
        let mut vals = m.vals;
        for (key, &(first, _)) in &m.heads {
            let mut r = first;
            while r != NO_ROW {
                let row: Vec<Value> =
                    vals[r * w..(r + 1) * w].iter_mut().map(|v| std::mem::replace(v, Value::Null)).collect();
                s.push(disk_entry(key, m.rowids[r], row))?;
                r = m.next[r];
            }
        }
        self.budget.release();
        self.sorter = Some(s);
        Ok(())
    }

    pub(super) fn finish(self, cx: &Cx) -> Result<HashIndex> {
        let Some(s) = self.sorter else { return Ok(HashIndex::Mem(self.mem)) };
        let mut rows = s.finish()?;
        let mut file = RunFile::new()?;
        let mut blocks: Vec<(i64, u64)> = Vec::new();
        let mut block_start = None;
        let mut rec = Vec::new();
        while let Some(e) = rows.next_entry()? {
            cx.check_interrupt()?;
            let (&Value::Integer(h), Value::Blob(key)) = (&e[0], &e[1]) else {
                return Err(Error::internal("hash entry without its hash and key"));
            };
            let pos = file.position();
            if block_start.is_none_or(|s| pos - s >= BLOCK as u64) {
                blocks.push((h, pos));
                block_start = Some(pos);
            }
            rec.clear();
            rec.extend_from_slice(&h.to_be_bytes());
            push_varint(&mut rec, key.len() as u64);
            rec.extend_from_slice(key);
            crate::storage::record::encode_record(&e[2..], &mut rec);
            file.push(&rec)?;
        }
        let end = file.end_run()?.end;
        let mut budget = Budget::new(cx);
        budget.charge(blocks.capacity() * std::mem::size_of::<(i64, u64)>());
        Ok(HashIndex::Disk(DiskHash {
            file,
            blocks,
            end,
            loaded: usize::MAX,
            buf: Vec::new(),
            hash: 0,
            key: Vec::new(),
            at: (0, 0),
            scratch: Vec::new(),
            _budget: budget,
        }))
    }
}

fn disk_entry(key: &[u8], rowid: i64, vals: Vec<Value>) -> Vec<Value> {
    let mut e = Vec::with_capacity(vals.len() + 3);
    e.push(Value::Integer(hash_of(key)));
    e.push(Value::Blob(key.to_vec()));
    e.push(Value::Integer(rowid));
    e.extend(vals);
    e
}

impl HashIndex {
    /// Starts answering a probe for `key`; returns the first position for
    /// `next_row` (NO_ROW: no match).
    pub(super) fn probe(&mut self, key: &[u8]) -> usize {
        match self {
            HashIndex::Mem(m) => m.heads.get(key).map_or(NO_ROW, |&(first, _)| first),
            HashIndex::Disk(d) => {
                d.hash = hash_of(key);
                d.key.clear();
                d.key.extend_from_slice(key);
                // The last block starting below the hash may hold its first
                // entries; later blocks may start with it.
                let i = d.blocks.partition_point(|b| b.0 < d.hash);
                d.at = (i.saturating_sub(1), 0);
                0
            }
        }
    }

    /// Loads the next matching row into `slot` (only the `keep` columns);
    /// false when the probe has no more.
    pub(super) fn next_row(&mut self, pos: &mut usize, slot: &mut Slot, keep: impl Fn(usize) -> bool) -> Result<bool> {
        match self {
            HashIndex::Mem(m) => {
                if *pos == NO_ROW {
                    return Ok(false);
                }
                let w = slot.vals.len();
                for (c, v) in m.vals[*pos * w..(*pos + 1) * w].iter().enumerate() {
                    if keep(c) {
                        slot.vals[c].clone_from(v);
                    }
                }
                slot.rowid = m.rowids[*pos];
                slot.null_row = false;
                *pos = m.next[*pos];
                Ok(true)
            }
            HashIndex::Disk(d) => d.next_row(slot, keep),
        }
    }
}

impl DiskHash {
    fn load(&mut self, b: usize) -> Result<()> {
        if self.loaded == b {
            return Ok(());
        }
        let start = self.blocks[b].1;
        let end = self.blocks.get(b + 1).map_or(self.end, |x| x.1);
        self.buf.resize((end - start) as usize, 0);
        self.file.file().read_exact_at(&mut self.buf, start).map_err(|e| Error::io(ErrorKind::IoErrRead, &e))?;
        self.loaded = b;
        Ok(())
    }

    fn next_row(&mut self, slot: &mut Slot, keep: impl Fn(usize) -> bool) -> Result<bool> {
        loop {
            let (b, off) = self.at;
            if b >= self.blocks.len() {
                return Ok(false);
            }
            self.load(b)?;
            if off >= self.buf.len() {
                self.at = (b + 1, 0);
                continue;
            }
            let bad = || Error::corrupt("temporary hash index entry");
            let (n, hl) = get_varint(&self.buf[off..]).ok_or_else(bad)?;
            let rec = self.buf.get(off + hl..off + hl + n as usize).ok_or_else(bad)?;
            self.at = (b, off + hl + n as usize);
            let (h, rec) = rec.split_first_chunk::<8>().ok_or_else(bad)?;
            let h = i64::from_be_bytes(*h);
            if h < self.hash {
                continue;
            }
            if h > self.hash {
                self.at = (self.blocks.len(), 0);
                return Ok(false);
            }
            let (k, kl) = get_varint(rec).ok_or_else(bad)?;
            let key = rec.get(kl..kl + k as usize).ok_or_else(bad)?;
            if key != self.key {
                continue;
            }
            decode_record(&rec[kl + k as usize..], &mut self.scratch)?;
            let Some(&Value::Integer(rowid)) = self.scratch.first() else { return Err(bad()) };
            for (c, v) in self.scratch.drain(1..).enumerate() {
                if keep(c) {
                    slot.vals[c] = v;
                }
            }
            slot.rowid = rowid;
            slot.null_row = false;
            return Ok(true);
        }
    }
}
