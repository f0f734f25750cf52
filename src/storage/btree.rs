//! B-trees over pager pages: table B+trees keyed by rowid with the record in
//! the leaves, index B+trees keyed by whole records whose last field is the
//! rowid (every entry lives in a leaf; interior pages hold separator copies).
//! Records larger than a page's share spill to overflow pages. The page
//! layout is in `btree/node.rs`; tree-wide checks in `btree/check.rs`.
//!
//! Invariants (checked by `integrity_check`):
//! - all leaves are at the same depth; a page belongs to exactly one tree;
//! - keys strictly ascend within a page; for interior cell i with key K_i,
//!   every key in child i is <= K_i and every key in child i+1 is > K_i;
//! - only the root may be an empty leaf (an emptied non-root leaf is freed
//!   and unlinked at once; a root left with a single child absorbs it).
//!   A leaf under a quarter full is merged into its sibling when both fit
//!   in 3/4 of a page. Interior pages are not merged, and a non-root
//!   interior page may be left with no cells (only its right child).
//!
//! Splits: a page that cannot take a cell is split in two by bytes; when the
//! insert is at the very end of the right-most leaf (ascending rowids), the
//! new cell alone starts the new right page, so bulk appends fill pages
//! completely. The root page number never changes: a full root moves its
//! content to a new child first.

mod balance;
mod bulk;
mod check;
mod cursor;
mod node;
mod payload;
mod search;

use balance::*;
pub use bulk::IndexBuilder;
pub use check::integrity_check_with;
pub use cursor::Cursor;
use payload::*;
use search::*;

use crate::error::{Error, Result};
use crate::storage::cache::PageRef;
use crate::storage::header::{get_u32, put_u32};
use crate::storage::pager::{PageNo, Txn};
use crate::storage::record::{
    compare_record_to_key, compare_records, compare_records_prefix, first_int_field, last_field_int, prefix_has_null,
    KeyInfo, Value,
};
use node::*;
use std::cmp::Ordering;

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

/// Deeper than this is a cycle in a corrupt file.
const MAX_DEPTH: usize = 40;

fn check_root(txn: &Txn, root: PageNo) -> Result<()> {
    if root < 1 || root > txn.page_count() {
        return Err(Error::corrupt(format!("invalid root page {root}")));
    }
    Ok(())
}

/// Formats the b-tree part of a new database's page 1 as the empty schema
/// table (SQLite's layout: the schema table is rooted at page 1).
pub(crate) fn init_schema_root(page1: &mut [u8]) {
    init_page(page1, 1, TABLE_LEAF);
}

/// True when page 1's schema table has no rows (it may be reformatted).
pub(crate) fn schema_root_is_empty(page1: &[u8]) -> bool {
    Node::new(page1, 1).is_ok_and(|n| n.is_leaf() && n.n == 0)
}

/// Allocates an empty B-tree and returns its root page.
pub fn create_btree(txn: &mut Txn, kind: BTreeKind) -> Result<PageNo> {
    let pg = txn.allocate_page()?;
    init_page(txn.page_mut(pg)?, pg, if kind == BTreeKind::Table { TABLE_LEAF } else { INDEX_LEAF });
    txn.note_tree_change(pg);
    Ok(pg)
}

/// Every page of the tree below (and including) `pgno`, with its cells'
/// overflow chains freed as they are found.
fn free_subtree(txn: &mut Txn, pgno: PageNo, depth: usize, keep_root: bool, seen: &mut Vec<bool>) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::corrupt("tree too deep"));
    }
    mark_seen(seen, pgno)?;
    let page = txn.page(pgno)?;
    let node = Node::new(&page, pgno)?;
    let mut cells = Vec::with_capacity(node.n);
    for i in 0..node.n {
        cells.push(node.cell(i)?);
    }
    let children: Vec<PageNo> =
        if node.is_leaf() { Vec::new() } else { (0..=node.n).map(|i| node.child(i)).collect::<Result<_>>()? };
    drop(page);
    for c in &cells {
        free_overflow(txn, c)?;
    }
    for ch in children {
        free_subtree(txn, ch, depth + 1, false, seen)?;
    }
    if !keep_root {
        txn.free_page(pgno)?;
    }
    Ok(())
}

/// Claims a page during a whole-tree walk: a page reached twice means the
/// tree is corrupt (and would make the walk loop or free a page twice).
fn mark_seen(seen: &mut [bool], pgno: PageNo) -> Result<()> {
    match seen.get_mut(pgno as usize) {
        Some(s) if !*s => {
            *s = true;
            Ok(())
        }
        _ => Err(Error::corrupt(format!("page {pgno} referenced twice"))),
    }
}

/// Frees every page of the tree (interior, leaf, overflow) to the freelist.
pub fn drop_btree(txn: &mut Txn, root: PageNo) -> Result<()> {
    check_root(txn, root)?;
    if root == 1 {
        return Err(Error::misuse("the schema table on page 1 cannot be dropped"));
    }
    let mut seen = vec![false; txn.page_count() as usize + 1];
    free_subtree(txn, root, 0, false, &mut seen)?;
    txn.note_tree_change(root);
    Ok(())
}

/// Removes every entry; the root page stays.
pub fn clear_btree(txn: &mut Txn, root: PageNo) -> Result<()> {
    check_root(txn, root)?;
    let kind = txn.page(root)?[0];
    let mut seen = vec![false; txn.page_count() as usize + 1];
    free_subtree(txn, root, 0, true, &mut seen)?;
    init_page(txn.page_mut(root)?, root, if is_table(kind) { TABLE_LEAF } else { INDEX_LEAF });
    txn.note_tree_change(root);
    Ok(())
}

/// Inserts the row, replacing an existing row with the same rowid.
pub fn table_insert(txn: &mut Txn, root: PageNo, rowid: i64, record: &[u8]) -> Result<()> {
    check_root(txn, root)?;
    with_bufs(|b| {
        let found = descend(txn, root, true, &mut Target::Rowid(rowid, false), &mut b.stack, &mut b.scratch)?;
        stack_to_path(&mut b.stack, &mut b.path);
        txn.note_tree_change(root);
        let leaf = b.path.len() - 1;
        if found {
            let PathEl { pgno, idx, .. } = b.path[leaf];
            let page = txn.page(pgno)?;
            let c = Node::new(&page, pgno)?.cell(idx)?;
            drop(page);
            // The old chain is freed first so the new cell can reuse it.
            free_overflow(txn, &c)?;
            build_payload_cell(txn, TABLE_LEAF, 0, rowid, record, &mut b.cell)?;
            // Same-size or smaller row: overwrite the cell where it is
            // (no pointer shuffle, no defragmentation).
            if overwrite_cell(txn.page_mut(pgno)?, pgno, idx, &b.cell)? {
                return Ok(());
            }
            remove_cell(txn.page_mut(pgno)?, pgno, idx)?;
            b.path[leaf].n -= 1;
        } else {
            build_payload_cell(txn, TABLE_LEAF, 0, rowid, record, &mut b.cell)?;
        }
        insert_at(txn, root, &mut b.path, &mut b.cell)
    })
}

/// Deletes the row; returns whether it existed.
pub fn table_delete(txn: &mut Txn, root: PageNo, rowid: i64) -> Result<bool> {
    check_root(txn, root)?;
    let mut stack = Vec::with_capacity(8);
    let mut scratch = Vec::new();
    if !descend(txn, root, true, &mut Target::Rowid(rowid, false), &mut stack, &mut scratch)? {
        return Ok(false);
    }
    let path = to_path(&mut stack);
    txn.note_tree_change(root);
    delete_at(txn, &path)?;
    Ok(true)
}

/// Point lookup: copies the row's record into `out` (cleared first).
pub fn table_get(txn: &Txn, root: PageNo, rowid: i64, out: &mut Vec<u8>) -> Result<bool> {
    table_get_placed(txn, root, rowid, out).map(|p| p.is_some())
}

/// [`table_get`], also saying where the record lies: (leaf page, page
/// offset of its first byte, bytes of it stored in the leaf). The place
/// stays right while `txn.tree_version(root)` does not move (see
/// [`patch_at`]).
pub fn table_get_placed(
    txn: &Txn,
    root: PageNo,
    rowid: i64,
    out: &mut Vec<u8>,
) -> Result<Option<(PageNo, usize, usize)>> {
    out.clear();
    check_root(txn, root)?;
    let mut pgno = root;
    for _ in 0..MAX_DEPTH {
        let page = load_node(txn, pgno, true)?;
        let node = Node::new(&page, pgno)?;
        let mut t = Target::Rowid(rowid, false);
        let (idx, eq) = search_node(txn, &node, &mut t, out)?;
        if node.is_leaf() {
            if !eq {
                return Ok(None);
            }
            let c = node.cell(idx)?;
            read_payload(txn, &page, &c, out)?;
            return Ok(Some((pgno, c.local_off, c.local_len)));
        }
        pgno = node.child(idx)?;
    }
    Err(Error::corrupt(format!("tree {root} too deep")))
}

/// Overwrites bytes of a record in place, at a page offset inside the
/// leaf part of a record [`table_get_placed`] found in tree `root`, with
/// the tree unchanged since: a fixed-width field changes value, the cell
/// keeps its size and position.
pub fn patch_at(txn: &mut Txn, root: PageNo, (pgno, off): (PageNo, usize), bytes: &[u8]) -> Result<()> {
    let page = txn.page_mut(pgno)?;
    debug_assert_eq!(page_type(page, pgno), TABLE_LEAF, "patch outside a table leaf");
    let dst = page.get_mut(off..off + bytes.len()).ok_or_else(|| Error::corrupt(format!("patch past page {pgno}")))?;
    dst.copy_from_slice(bytes);
    txn.note_tree_change(root);
    Ok(())
}

/// Largest rowid in the table, None when empty.
pub fn table_max_rowid(txn: &Txn, root: PageNo) -> Result<Option<i64>> {
    check_root(txn, root)?;
    let mut c = Cursor::new(root, BTreeKind::Table);
    if !c.last(txn)? {
        return Ok(None);
    }
    Ok(Some(c.rowid(txn)?))
}

/// Inserts an index entry (a whole record, rowid last). An entry comparing
/// equal to an existing one under `ki` is not inserted twice.
pub fn index_insert(txn: &mut Txn, root: PageNo, key: &[u8], ki: &KeyInfo) -> Result<()> {
    check_root(txn, root)?;
    with_bufs(|b| {
        let mut cmp = |e: &[u8]| compare_records(e, key, ki);
        let mut found = descend(txn, root, false, &mut Target::Key(&mut cmp, false), &mut b.stack, &mut b.scratch)?;
        b.path.clear();
        b.path.extend(b.stack.iter().map(|f| PathEl { pgno: f.pgno, idx: f.idx, n: f.n }));
        if !found {
            // The first entry >= key may be the first of the next leaf.
            let top = &b.stack[b.stack.len() - 1];
            if top.idx == top.n && normalize_forward(txn, false, &mut b.stack)? {
                let top = &b.stack[b.stack.len() - 1];
                let node = Node::new(&top.page, top.pgno)?;
                let c = node.cell(top.idx)?;
                found = with_payload(txn, node.data, &c, &mut b.scratch, |e| compare_records(e, key, ki))?
                    == Ordering::Equal;
            }
        }
        b.stack.clear();
        if found {
            return Ok(());
        }
        txn.note_tree_change(root);
        build_payload_cell(txn, INDEX_LEAF, 0, 0, key, &mut b.cell)?;
        insert_at(txn, root, &mut b.path, &mut b.cell)
    })
}

/// Sorts index records ascending under `ki` (the order of the index).
/// When every record starts with an integer (or NULL) field, the sort runs
/// over (class, integer, position) triples held contiguously, comparing
/// whole records only on ties, so it does not chase a pointer per
/// comparison. A malformed record is SQLITE_CORRUPT.
pub fn sort_index_keys(keys: &mut [Vec<u8>], ki: &KeyInfo) -> Result<()> {
    let mut tagged: Vec<(u8, i64, u32)> = Vec::with_capacity(keys.len());
    let mut fast = keys.len() <= u32::MAX as usize;
    for (i, k) in keys.iter().enumerate() {
        if !fast {
            break;
        }
        match first_int_field(k)? {
            Some(v) => tagged.push((u8::from(v.is_some()), v.unwrap_or(0), i as u32)),
            None => fast = false,
        }
    }
    let mut err = None;
    let mut cmp_full = |a: &[u8], b: &[u8]| match compare_records(a, b, ki) {
        Ok(o) => o,
        Err(e) => {
            err.get_or_insert(e);
            Ordering::Equal
        }
    };
    if !fast {
        keys.sort_unstable_by(|a, b| cmp_full(a, b));
    } else {
        let desc = ki.desc.first().copied().unwrap_or(false);
        tagged.sort_unstable_by(|x, y| {
            let o = (x.0, x.1).cmp(&(y.0, y.1));
            let o = if desc { o.reverse() } else { o };
            o.then_with(|| cmp_full(&keys[x.2 as usize], &keys[y.2 as usize]))
        });
        let mut taken: Vec<Vec<u8>> = keys.iter_mut().map(std::mem::take).collect();
        for (slot, &(_, _, i)) in keys.iter_mut().zip(&tagged) {
            *slot = std::mem::take(&mut taken[i as usize]);
        }
    }
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// True when index keys `a` and `b`, adjacent in index order, clash in a
/// UNIQUE index over `n` columns: equal on the first `n` fields, none of
/// them NULL (NULLs never clash).
pub fn keys_clash(a: &[u8], b: &[u8], n: usize, ki: &KeyInfo) -> Result<bool> {
    Ok(compare_records_prefix(a, b, n, ki)? == Ordering::Equal && !prefix_has_null(b, n)?)
}

/// For a UNIQUE index over `n` columns: the position of the first key in
/// `keys` (sorted by `sort_index_keys`) that clashes with its predecessor
/// ([`keys_clash`]); None when every key is distinct there.
pub fn first_unique_clash(keys: &[Vec<u8>], n: usize, ki: &KeyInfo) -> Result<Option<usize>> {
    for (i, w) in keys.windows(2).enumerate() {
        if keys_clash(&w[0], &w[1], n, ki)? {
            return Ok(Some(i + 1));
        }
    }
    Ok(None)
}

/// Adds many keys to an index at once. `keys` are whole index records
/// (rowid last); they are sorted here under `ki` unless already ascending
/// (so a caller that sorted them pays one linear check), and entries
/// comparing equal are inserted once. Into an empty tree the index is
/// bulk-built ([`IndexBuilder`]: no descent per key); into a non-empty
/// tree the keys are inserted in order, each taking the right-most fast
/// path where it can. A caller with more keys than memory sorts them
/// itself and streams them into an [`IndexBuilder`].
pub fn index_insert_batch(txn: &mut Txn, root: PageNo, keys: &mut [Vec<u8>], ki: &KeyInfo) -> Result<()> {
    check_root(txn, root)?;
    for w in keys.windows(2) {
        if compare_records(&w[0], &w[1], ki)? == Ordering::Greater {
            sort_index_keys(keys, ki)?;
            break;
        }
    }
    let empty = {
        let page = load_node(txn, root, false)?;
        let node = Node::new(&page, root)?;
        node.is_leaf() && node.n == 0
    };
    if empty {
        let mut b = IndexBuilder::new(txn, root, ki)?;
        for k in keys.iter() {
            b.push(txn, k)?;
        }
        return b.finish(txn);
    }
    txn.note_tree_change(root);
    for k in keys.iter() {
        index_insert(txn, root, k, ki)?;
    }
    Ok(())
}

/// Deletes the index entry equal to `key`; returns whether it existed.
pub fn index_delete(txn: &mut Txn, root: PageNo, key: &[u8], ki: &KeyInfo) -> Result<bool> {
    check_root(txn, root)?;
    let mut stack = Vec::with_capacity(8);
    let mut scratch = Vec::new();
    let mut cmp = |e: &[u8]| compare_records(e, key, ki);
    descend(txn, root, false, &mut Target::Key(&mut cmp, false), &mut stack, &mut scratch)?;
    if !normalize_forward(txn, false, &mut stack)? {
        return Ok(false);
    }
    let top = &stack[stack.len() - 1];
    let node = Node::new(&top.page, top.pgno)?;
    let c = node.cell(top.idx)?;
    if with_payload(txn, node.data, &c, &mut scratch, |e| compare_records(e, key, ki))? != Ordering::Equal {
        return Ok(false);
    }
    let path = to_path(&mut stack);
    txn.note_tree_change(root);
    delete_at(txn, &path)?;
    Ok(true)
}

/// Number of entries in the tree.
pub fn count_entries(txn: &Txn, root: PageNo) -> Result<u64> {
    fn walk(txn: &Txn, pgno: PageNo, depth: usize, seen: &mut Vec<bool>) -> Result<u64> {
        if depth > MAX_DEPTH {
            return Err(Error::corrupt("tree too deep"));
        }
        mark_seen(seen, pgno)?;
        let page = txn.page(pgno)?;
        let node = Node::new(&page, pgno)?;
        if node.is_leaf() {
            return Ok(node.n as u64);
        }
        let mut total = 0;
        for i in 0..=node.n {
            total += walk(txn, node.child(i)?, depth + 1, seen)?;
        }
        Ok(total)
    }
    check_root(txn, root)?;
    let mut seen = vec![false; txn.page_count() as usize + 1];
    walk(txn, root, 0, &mut seen)
}

/// Checks page-level invariants of the whole file: every page is used by
/// exactly one tree, overflow chain or the freelist; cells are ordered; page
/// count matches. `roots` are all live B-tree roots. Returns one message per
/// problem (empty = ok), at most `max_errors`. Index trees are checked for
/// structure only (their key order depends on collations and DESC fields);
/// `integrity_check_with` takes each index's KeyInfo and checks order too.
pub fn integrity_check(txn: &Txn, roots: &[PageNo], max_errors: usize) -> Result<Vec<String>> {
    let trees: Vec<(PageNo, Option<&KeyInfo>)> = roots.iter().map(|&r| (r, None)).collect();
    integrity_check_with(txn, &trees, max_errors)
}

const _: () = {
    const fn send<T: Send>() {}
    send::<Cursor>();
};

#[cfg(test)]
mod tests;
