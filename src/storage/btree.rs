//! B-trees over pager pages: table B+trees keyed by rowid with the record in
//! the leaves, index B-trees keyed by whole records whose last field is the
//! rowid. Records larger than a page's share spill to overflow pages.
//! (CONTRACT SKELETON: the storage owner fills in the bodies.)

use crate::error::Result;
use crate::storage::pager::{PageNo, Txn};
use crate::storage::record::{KeyInfo, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BTreeKind {
    Table,
    Index,
}

/// Where a seek lands. For index seeks the key is a prefix: an entry
/// "equals" the key when its first `key.len()` fields equal it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekOp {
    /// First entry equal to the key.
    Eq,
    /// First entry >= key.
    Ge,
    /// First entry > key.
    Gt,
    /// Last entry <= key.
    Le,
    /// Last entry < key.
    Lt,
}

/// Allocates an empty B-tree and returns its root page.
pub fn create_btree(txn: &mut Txn, kind: BTreeKind) -> Result<PageNo> {
    let _ = (txn, kind);
    todo!()
}
/// Frees every page of the tree (interior, leaf, overflow) to the freelist.
pub fn drop_btree(txn: &mut Txn, root: PageNo) -> Result<()> {
    let _ = (txn, root);
    todo!()
}
/// Removes every entry; the root page stays.
pub fn clear_btree(txn: &mut Txn, root: PageNo) -> Result<()> {
    let _ = (txn, root);
    todo!()
}
/// Inserts the row, replacing an existing row with the same rowid.
pub fn table_insert(txn: &mut Txn, root: PageNo, rowid: i64, record: &[u8]) -> Result<()> {
    let _ = (txn, root, rowid, record);
    todo!()
}
/// Deletes the row; returns whether it existed.
pub fn table_delete(txn: &mut Txn, root: PageNo, rowid: i64) -> Result<bool> {
    let _ = (txn, root, rowid);
    todo!()
}
/// Point lookup: copies the row's record into `out` (cleared first).
pub fn table_get(txn: &Txn, root: PageNo, rowid: i64, out: &mut Vec<u8>) -> Result<bool> {
    let _ = (txn, root, rowid, out);
    todo!()
}
/// Largest rowid in the table, None when empty.
pub fn table_max_rowid(txn: &Txn, root: PageNo) -> Result<Option<i64>> {
    let _ = (txn, root);
    todo!()
}
/// Inserts an index entry (a whole record, rowid last). An entry comparing
/// equal to an existing one under `ki` is not inserted twice.
pub fn index_insert(txn: &mut Txn, root: PageNo, key: &[u8], ki: &KeyInfo) -> Result<()> {
    let _ = (txn, root, key, ki);
    todo!()
}
/// Deletes the index entry equal to `key`; returns whether it existed.
pub fn index_delete(txn: &mut Txn, root: PageNo, key: &[u8], ki: &KeyInfo) -> Result<bool> {
    let _ = (txn, root, key, ki);
    todo!()
}
/// Number of entries in the tree.
pub fn count_entries(txn: &Txn, root: PageNo) -> Result<u64> {
    let _ = (txn, root);
    todo!()
}
/// Checks page-level invariants of the whole file: every page is used by
/// exactly one tree, overflow chain or the freelist; cells are ordered; page
/// count matches. `roots` are all live B-tree roots. Returns one message per
/// problem (empty = ok), at most `max_errors`.
pub fn integrity_check(txn: &Txn, roots: &[PageNo], max_errors: usize) -> Result<Vec<String>> {
    let _ = (txn, roots, max_errors);
    todo!()
}

/// A position in one B-tree. It borrows nothing: every call takes the
/// transaction, and a cursor whose tree was modified since it was positioned
/// re-seeks to its saved key, so a cursor stays usable across writes.
pub struct Cursor {}

impl Cursor {
    pub fn new(root: PageNo, kind: BTreeKind) -> Cursor {
        let _ = (root, kind);
        todo!()
    }
    pub fn root(&self) -> PageNo {
        todo!()
    }
    /// Moves to the first entry; false when the tree is empty.
    pub fn first(&mut self, txn: &Txn) -> Result<bool> {
        let _ = txn;
        todo!()
    }
    /// Moves to the last entry; false when the tree is empty.
    pub fn last(&mut self, txn: &Txn) -> Result<bool> {
        let _ = txn;
        todo!()
    }
    /// Moves forward; false (and invalid) at the end.
    pub fn next(&mut self, txn: &Txn) -> Result<bool> {
        let _ = txn;
        todo!()
    }
    /// Moves backward; false (and invalid) before the start.
    pub fn prev(&mut self, txn: &Txn) -> Result<bool> {
        let _ = txn;
        todo!()
    }
    /// True when positioned on an entry.
    pub fn is_valid(&self) -> bool {
        todo!()
    }
    /// Table trees: positions per `op`; false when no entry qualifies.
    pub fn seek_rowid(&mut self, txn: &Txn, rowid: i64, op: SeekOp) -> Result<bool> {
        let _ = (txn, rowid, op);
        todo!()
    }
    /// Index trees: positions per `op` comparing key prefixes under `ki`.
    pub fn seek_key(&mut self, txn: &Txn, key: &[Value], ki: &KeyInfo, op: SeekOp) -> Result<bool> {
        let _ = (txn, key, ki, op);
        todo!()
    }
    /// The current entry's rowid (table: the key; index: the last field).
    pub fn rowid(&self, txn: &Txn) -> Result<i64> {
        let _ = txn;
        todo!()
    }
    /// Copies the current entry's record (table payload or index key) into
    /// `out` (cleared first), following overflow pages.
    pub fn record(&self, txn: &Txn, out: &mut Vec<u8>) -> Result<()> {
        let _ = (txn, out);
        todo!()
    }
}
