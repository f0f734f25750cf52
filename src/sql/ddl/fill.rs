//! Filling an index b-tree from its table (CREATE INDEX, REINDEX) within
//! the statement's working-memory budget: every row's key record goes
//! through an external sort ([`IndexKeys`]: in memory up to W, sorted runs
//! in a temporary file past it) and comes out ascending, straight into the
//! b-tree's streamed bulk build. Nothing holds all the keys at once.

use crate::error::{Error, ErrorKind, Result};
use crate::schema::{Catalog, Index, Table};
use crate::sql::exec::spill::{Budget, ExtSorter, IndexKeys, SortedRows, WorkMem};
use crate::storage::btree::{self, IndexBuilder};
use crate::storage::record::encode_record;
use crate::storage::{BTreeKind, Cursor, PageNo, Txn, Value};

/// Fills the empty index b-tree `root` with the keys of every row of `t`
/// for `idx`, charging the keys held to `work`. A UNIQUE index fails on
/// the first two adjacent keys that clash; the caller's statement
/// savepoint undoes what was written by then.
pub(super) fn fill_index(txn: &mut Txn, work: &WorkMem, t: &Table, idx: &Index, root: PageNo) -> Result<()> {
    let mut keys = sorted_keys(txn, work, t, idx)?;
    let n = idx.cols.len();
    let mut b = IndexBuilder::new(txn, root, &idx.ki)?;
    while let Some(k) = keys.next_ref()? {
        if idx.unique {
            if let Some(prev) = b.last() {
                if btree::keys_clash(prev, k, n, &idx.ki)? {
                    return Err(unique_failed(t, idx));
                }
            }
        }
        b.push(txn, k)?;
    }
    b.finish(txn)
}

/// SQLite's message for a UNIQUE index that its table's rows break.
fn unique_failed(t: &Table, idx: &Index) -> Error {
    let cols: Vec<String> = idx.cols.iter().map(|&c| format!("{}.{}", t.name, t.cols[c].name)).collect();
    Error::new(ErrorKind::ConstraintUnique, format!("UNIQUE constraint failed: {}", cols.join(", ")))
}

/// The key records of every row of `t` for `idx` (indexed columns, then
/// the rowid), in index order.
fn sorted_keys(txn: &Txn, work: &WorkMem, t: &Table, idx: &Index) -> Result<SortedRows<IndexKeys>> {
    let mut sorter = ExtSorter::new(IndexKeys::new(idx.ki.clone()), Budget::for_txn(work, txn));
    let mut cur = Cursor::new(t.root, BTreeKind::Table);
    let mut rec = Vec::new();
    let mut vals = Vec::new();
    let mut key: Vec<Value> = Vec::with_capacity(idx.cols.len() + 1);
    // Only the indexed columns are decoded.
    let mut mask = vec![false; t.cols.len()];
    for &c in &idx.cols {
        mask[c] = true;
    }
    let mut size_hint = 16;
    let mut ok = cur.first(txn)?;
    while ok {
        let rowid = cur.rowid(txn)?;
        cur.with_record(txn, &mut rec, |r| crate::sql::exec::decode_needed(r, &mask, t.cols.len(), &mut vals))?;
        if let Some(i) = t.ipk {
            vals[i] = Value::Integer(rowid);
        }
        key.clear();
        for &c in &idx.cols {
            key.push(std::mem::replace(&mut vals[c], Value::Null));
        }
        key.push(Value::Integer(rowid));
        let mut kb = Vec::with_capacity(size_hint);
        encode_record(&key, &mut kb);
        size_hint = kb.len() + 8;
        sorter.push(kb)?;
        ok = cur.next(txn)?;
    }
    sorter.finish()
}

/// REINDEX: rebuilds the b-trees of every index (`which` None), of the
/// indexes using a collation, of a table's indexes, or of one index (the
/// name is tried in that order, as SQLite does).
pub(super) fn reindex(which: Option<&str>, txn: &mut Txn, work: &WorkMem, cat: &Catalog) -> Result<()> {
    let mut tables: Vec<&std::sync::Arc<Table>> = cat.tables.values().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let coll = which.and_then(|n| crate::syntax::collation_by_name(n).ok());
    for t in tables {
        for idx in &t.indexes {
            let hit = match (which, coll) {
                (None, _) => true,
                (_, Some(c)) => idx.ki.collations.contains(&c),
                (Some(n), None) => t.name.eq_ignore_ascii_case(n) || idx.name.eq_ignore_ascii_case(n),
            };
            if hit {
                btree::clear_btree(txn, idx.root)?;
                fill_index(txn, work, t, idx, idx.root)?;
            }
        }
    }
    Ok(())
}
