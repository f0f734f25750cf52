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

mod check;
mod node;

pub use check::integrity_check_with;

use crate::error::{Error, Result};
use crate::storage::cache::PageRef;
use crate::storage::header::{get_u32, put_u32};
use crate::storage::pager::{PageNo, Txn};
use crate::storage::record::{compare_record_to_key, compare_records, last_field_int, KeyInfo, Value};
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

// ------------------------------------------------------------ payloads

/// Builds a payload cell (table leaf, index leaf or index interior),
/// writing the part beyond the local share to new overflow pages.
fn build_payload_cell(txn: &mut Txn, kind: u8, child: u32, rowid: i64, payload: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let ps = txn.page_size() as usize;
    payload_cell_prefix(kind, child, payload.len(), rowid, out);
    let local = local_size(ps, payload.len());
    out.extend_from_slice(&payload[..local]);
    if local < payload.len() {
        let head = write_overflow(txn, &payload[local..])?;
        out.extend_from_slice(&head.to_be_bytes());
    }
    Ok(())
}

fn write_overflow(txn: &mut Txn, data: &[u8]) -> Result<PageNo> {
    let chunk = txn.page_size() as usize - 4;
    let n = data.len().div_ceil(chunk);
    let mut pages = Vec::with_capacity(n);
    for _ in 0..n {
        pages.push(txn.allocate_page()?);
    }
    for (i, part) in data.chunks(chunk).enumerate() {
        let next = pages.get(i + 1).copied().unwrap_or(0);
        let p = txn.page_mut(pages[i])?;
        put_u32(p, 0, next);
        p[4..4 + part.len()].copy_from_slice(part);
    }
    Ok(pages[0])
}

/// Number of overflow pages a cell's chain must have.
fn overflow_pages(ps: usize, c: &Cell) -> usize {
    (c.payload_len - c.local_len).div_ceil(ps - 4)
}

fn free_overflow(txn: &mut Txn, c: &Cell) -> Result<()> {
    if c.overflow == 0 {
        return Ok(());
    }
    let ps = txn.page_size() as usize;
    let mut next = c.overflow;
    for _ in 0..overflow_pages(ps, c) {
        if next == 0 || next > txn.page_count() {
            return Err(Error::corrupt(format!("bad overflow page {next}")));
        }
        let after = get_u32(&txn.page(next)?, 0);
        txn.free_page(next)?;
        next = after;
    }
    Ok(())
}

/// Copies a cell's whole payload (local part + overflow chain) into `out`.
fn read_payload(txn: &Txn, page: &[u8], c: &Cell, out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    out.extend_from_slice(&page[c.local_off..c.local_off + c.local_len]);
    let ps = page.len();
    let mut remaining = c.payload_len - c.local_len;
    let mut next = c.overflow;
    let mut hops = 0;
    while remaining > 0 {
        hops += 1;
        if next == 0 || next > txn.page_count() || hops > overflow_pages(ps, c) {
            return Err(Error::corrupt(format!("bad overflow chain at page {next}")));
        }
        let p = txn.page(next)?;
        let take = remaining.min(ps - 4);
        out.extend_from_slice(&p[4..4 + take]);
        remaining -= take;
        next = get_u32(&p, 0);
    }
    Ok(())
}

/// Calls `f` with a cell's whole payload, borrowing it from the page when
/// it has no overflow.
#[inline]
fn with_payload<R>(txn: &Txn, page: &[u8], c: &Cell, scratch: &mut Vec<u8>, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
    if c.overflow == 0 {
        f(&page[c.local_off..c.local_off + c.local_len])
    } else {
        read_payload(txn, page, c, scratch)?;
        f(scratch)
    }
}

// ------------------------------------------------------------- descent

/// One level of a root-to-leaf path.
struct Frame {
    pgno: PageNo,
    page: PageRef,
    /// Cell index on leaves; child index (0..=n) on interior pages.
    idx: usize,
    n: usize,
}

/// What a descent looks for.
enum Target<'a> {
    /// First entry with rowid >= (or > when strict) the key.
    Rowid(i64, bool),
    /// First entry whose comparison with the target is not Less (or is
    /// Greater when strict).
    Key(&'a mut dyn FnMut(&[u8]) -> Result<Ordering>, bool),
    First,
    Last,
}

fn load_node(txn: &Txn, pgno: PageNo, table: bool) -> Result<PageRef> {
    let page = txn.page(pgno)?;
    // Node::new (in the caller) validates the rest of the header.
    if is_table(page_type(&page, pgno)) != table {
        return Err(Error::corrupt(format!("page {pgno}: wrong b-tree kind")));
    }
    Ok(page)
}

/// First index in `node` satisfying the target (n when none does), and
/// whether the entry there compares equal.
fn search_node(txn: &Txn, node: &Node<'_>, target: &mut Target<'_>, scratch: &mut Vec<u8>) -> Result<(usize, bool)> {
    match target {
        Target::First => Ok((0, false)),
        Target::Last => Ok((if node.is_leaf() { node.n.saturating_sub(1) } else { node.n }, false)),
        Target::Rowid(key, strict) => {
            let (key, strict) = (*key, *strict);
            // Fast path for appends: compare with the last key first.
            if node.n > 0 {
                let last = node.rowid_at(node.n - 1)?;
                if last < key || (strict && last == key) {
                    return Ok((node.n, false));
                }
            }
            let (mut lo, mut hi) = (0usize, node.n);
            while lo < hi {
                let mid = (lo + hi) / 2;
                let r = node.rowid_at(mid)?;
                if r < key || (strict && r == key) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            let eq = lo < node.n && node.rowid_at(lo)? == key;
            Ok((lo, eq))
        }
        Target::Key(cmp, strict) => {
            let strict = *strict;
            let (mut lo, mut hi) = (0usize, node.n);
            let mut eq_at = usize::MAX;
            while lo < hi {
                let mid = (lo + hi) / 2;
                let c = node.cell(mid)?;
                let o = with_payload(txn, node.data, &c, scratch, |k| cmp(k))?;
                let before = o == Ordering::Less || (strict && o == Ordering::Equal);
                if before {
                    lo = mid + 1;
                } else {
                    if o == Ordering::Equal {
                        eq_at = mid;
                    }
                    hi = mid;
                }
            }
            Ok((lo, eq_at == lo))
        }
    }
}

/// Descends from `root` to the leaf for `target`, filling `stack`.
/// Returns whether the leaf entry at the final position compares equal.
fn descend(txn: &Txn, root: PageNo, table: bool, target: &mut Target<'_>, stack: &mut Vec<Frame>, scratch: &mut Vec<u8>) -> Result<bool> {
    stack.clear();
    let mut pgno = root;
    loop {
        if stack.len() >= MAX_DEPTH {
            return Err(Error::corrupt(format!("tree {root} too deep")));
        }
        let page = load_node(txn, pgno, table)?;
        let node = Node::new(&page, pgno)?;
        let (idx, eq) = search_node(txn, &node, target, scratch)?;
        let n = node.n;
        if node.is_leaf() {
            stack.push(Frame { pgno, page, idx, n });
            return Ok(eq);
        }
        let child = node.child(idx)?;
        stack.push(Frame { pgno, page, idx, n });
        pgno = child;
    }
}

/// Moves to the first leaf entry at or after the stack's position; false
/// (stack emptied) at the end of the tree.
fn normalize_forward(txn: &Txn, table: bool, stack: &mut Vec<Frame>) -> Result<bool> {
    loop {
        let Some(top) = stack.last_mut() else { return Ok(false) };
        let leaf = is_leaf(page_type(&top.page, top.pgno));
        if leaf && top.idx < top.n {
            return Ok(true);
        }
        if !leaf && top.idx <= top.n {
            let child = Node::new(&top.page, top.pgno)?.child(top.idx)?;
            if stack.len() >= MAX_DEPTH {
                return Err(Error::corrupt("tree too deep"));
            }
            let page = load_node(txn, child, table)?;
            let n = Node::new(&page, child)?.n;
            stack.push(Frame { pgno: child, page, idx: 0, n });
            continue;
        }
        stack.pop();
        match stack.last_mut() {
            Some(parent) => parent.idx += 1,
            None => return Ok(false),
        }
    }
}

/// Moves to the last leaf entry strictly before the stack's position
/// (leaf idx); false (stack emptied) before the start of the tree.
fn step_back(txn: &Txn, table: bool, stack: &mut Vec<Frame>) -> Result<bool> {
    // Climb while at the first position.
    loop {
        let Some(top) = stack.last_mut() else { return Ok(false) };
        if top.idx > 0 {
            top.idx -= 1;
            break;
        }
        stack.pop();
    }
    // Descend to the right-most entry below.
    loop {
        let top = stack.last().expect("non-empty");
        if is_leaf(page_type(&top.page, top.pgno)) {
            if top.idx < top.n {
                return Ok(true);
            }
            // An empty leaf (only a root can be): nothing before it here.
            return step_back(txn, table, stack);
        }
        let child = Node::new(&top.page, top.pgno)?.child(top.idx)?;
        if stack.len() >= MAX_DEPTH {
            return Err(Error::corrupt("tree too deep"));
        }
        let page = load_node(txn, child, table)?;
        let node = Node::new(&page, child)?;
        let n = node.n;
        let idx = if node.is_leaf() { n.saturating_sub(1) } else { n };
        if node.is_leaf() && n == 0 {
            stack.push(Frame { pgno: child, page, idx: 0, n });
            return step_back(txn, table, stack);
        }
        stack.push(Frame { pgno: child, page, idx, n });
    }
}

// ------------------------------------------------------- modification

/// A path element without page references (so page_mut does not copy).
#[derive(Clone, Copy)]
struct PathEl {
    pgno: PageNo,
    idx: usize,
    n: usize,
}

fn to_path(stack: &mut Vec<Frame>) -> Vec<PathEl> {
    let p = stack.iter().map(|f| PathEl { pgno: f.pgno, idx: f.idx, n: f.n }).collect();
    stack.clear();
    p
}

/// Buffers reused by the write paths (no allocation per insert).
#[derive(Default)]
struct Bufs {
    stack: Vec<Frame>,
    path: Vec<PathEl>,
    cell: Vec<u8>,
    scratch: Vec<u8>,
}

thread_local! {
    static BUFS: std::cell::RefCell<Bufs> = std::cell::RefCell::new(Bufs::default());
}

/// Runs `f` with this thread's buffers; page references are dropped after.
fn with_bufs<R>(f: impl FnOnce(&mut Bufs) -> R) -> R {
    let mut b = BUFS.with(|c| std::mem::take(&mut *c.borrow_mut()));
    let r = f(&mut b);
    b.stack.clear();
    b.path.clear();
    BUFS.with(|c| *c.borrow_mut() = b);
    r
}

/// Copies the stack into `path` (without page references) and clears it.
fn stack_to_path(stack: &mut Vec<Frame>, path: &mut Vec<PathEl>) {
    path.clear();
    path.extend(stack.iter().map(|f| PathEl { pgno: f.pgno, idx: f.idx, n: f.n }));
    stack.clear();
}

/// Split index by bytes: the smallest k whose prefix holds half the bytes.
fn split_point(cells: &[Vec<u8>]) -> usize {
    let total: usize = cells.iter().map(|c| c.len() + 2).sum();
    let mut acc = 0;
    for (i, c) in cells.iter().enumerate() {
        acc += c.len() + 2;
        if acc * 2 >= total {
            return i + 1;
        }
    }
    cells.len()
}

/// Inserts `cell` at `path[depth]`, splitting up the path as needed.
fn insert_at(txn: &mut Txn, root: PageNo, path: &mut Vec<PathEl>, cell: &mut Vec<u8>) -> Result<()> {
    let ps = txn.page_size() as usize;
    let mut depth = path.len() - 1;
    loop {
        let PathEl { pgno, idx, .. } = path[depth];
        if insert_cell(txn.page_mut(pgno)?, pgno, idx, cell)? {
            return Ok(());
        }
        if depth == 0 {
            // The root keeps its number: move its content to a new child.
            let c = txn.allocate_page()?;
            let content = txn.page(pgno)?;
            let rnode = Node::new(&content, pgno)?;
            let (kind, rright) = (rnode.kind, rnode.right());
            let mut rcells: Vec<&[u8]> = Vec::with_capacity(rnode.n);
            for i in 0..rnode.n {
                rcells.push(rnode.cell_bytes(i)?);
            }
            if !cells_fit(room(c, ps), &rcells) {
                return Err(Error::corrupt(format!("page {pgno}: cells overlap")));
            }
            rebuild(txn.page_mut(c)?, c, kind, &rcells, rright);
            drop(rcells);
            drop(content);
            let interior = if is_table(kind) { TABLE_INTERIOR } else { INDEX_INTERIOR };
            let r = txn.page_mut(pgno)?;
            init_page(r, pgno, interior);
            set_right(r, pgno, c);
            path[0].pgno = c;
            path.insert(0, PathEl { pgno: root, idx: 0, n: 0 });
            depth = 1;
        }
        let PathEl { pgno, idx, n } = path[depth];
        let rightmost = path[..=depth].iter().all(|e| e.idx == e.n);
        let page = txn.page(pgno)?;
        let node = Node::new(&page, pgno)?;
        let (kind, right) = (node.kind, node.right());
        let mut cells: Vec<Vec<u8>> = Vec::with_capacity(node.n + 1);
        for i in 0..node.n {
            cells.push(node.cell_bytes(i)?.to_vec());
        }
        drop(page);
        if idx > cells.len() {
            return Err(Error::corrupt(format!("page {pgno}: bad insert position")));
        }
        cells.insert(idx, std::mem::take(cell));
        if cells.len() < 2 {
            return Err(Error::corrupt(format!("page {pgno}: no room for one cell")));
        }
        let new_pg = txn.allocate_page()?;
        let sep: Vec<u8> = if is_leaf(kind) {
            let k = if rightmost && idx == n { cells.len() - 1 } else { split_point(&cells).clamp(1, cells.len() - 1) };
            let (left, rightc) = cells.split_at(k);
            if !cells_fit(room(pgno, ps), left) || !cells_fit(room(new_pg, ps), rightc) {
                return Err(Error::corrupt(format!("page {pgno}: cells too large to split")));
            }
            rebuild(txn.page_mut(pgno)?, pgno, kind, left, 0);
            rebuild(txn.page_mut(new_pg)?, new_pg, kind, rightc, 0);
            let last = &left[k - 1];
            let c = parse_cell_ps(last, 0, kind, pgno, ps)?;
            let mut s = Vec::new();
            if kind == TABLE_LEAF {
                table_interior_cell(pgno, c.rowid, &mut s);
            } else {
                // The separator is a copy of the left half's last key.
                let leftpage = txn.page(pgno)?;
                let lnode = Node::new(&leftpage, pgno)?;
                let lc = lnode.cell(lnode.n - 1)?;
                let mut key = Vec::new();
                read_payload(txn, &leftpage, &lc, &mut key)?;
                drop(leftpage);
                build_payload_cell(txn, INDEX_INTERIOR, pgno, 0, &key, &mut s)?;
            }
            s
        } else {
            let k = if rightmost && idx == n { cells.len() - 1 } else { split_point(&cells).min(cells.len() - 1) };
            let mid_child = get_u32(&cells[k], 0);
            let (left, rest) = cells.split_at(k);
            let rightc = &rest[1..];
            if !cells_fit(room(pgno, ps), left) || !cells_fit(room(new_pg, ps), rightc) {
                return Err(Error::corrupt(format!("page {pgno}: cells too large to split")));
            }
            rebuild(txn.page_mut(pgno)?, pgno, kind, left, mid_child);
            rebuild(txn.page_mut(new_pg)?, new_pg, kind, rightc, right);
            let mut s = rest[0].clone();
            put_u32(&mut s, 0, pgno);
            s
        };
        let parent = path[depth - 1];
        set_child(txn.page_mut(parent.pgno)?, parent.pgno, parent.idx, new_pg)?;
        *cell = sep;
        depth -= 1;
    }
}

/// Removes child `path[depth].idx` (an emptied page, freed here) from the
/// interior page `path[depth]`; an interior page left without children is
/// removed in turn, a root left with one child absorbs it.
fn remove_child(txn: &mut Txn, path: &[PathEl], mut depth: usize) -> Result<()> {
    loop {
        let PathEl { pgno, idx, .. } = path[depth];
        let page = txn.page(pgno)?;
        let node = Node::new(&page, pgno)?;
        let child = node.child(idx)?;
        let n = node.n;
        let kind = node.kind;
        drop(page);
        txn.free_page(child)?;
        if n == 0 {
            if depth == 0 {
                init_page(txn.page_mut(pgno)?, pgno, if is_table(kind) { TABLE_LEAF } else { INDEX_LEAF });
                return Ok(());
            }
            depth -= 1;
            continue;
        }
        let victim = if idx < n { idx } else { n - 1 };
        let page = txn.page(pgno)?;
        let node = Node::new(&page, pgno)?;
        let vc = node.cell(victim)?;
        let new_right = if idx < n { node.right() } else { vc.child };
        drop(page);
        free_overflow(txn, &vc)?;
        let d = txn.page_mut(pgno)?;
        remove_cell(d, pgno, victim)?;
        set_right(d, pgno, new_right);
        if n - 1 == 0 && depth == 0 {
            // The root is left with a single child: it absorbs the child,
            // and the whole tree gets one level shorter. (A non-root
            // interior page with no cells stays: replacing it by its child
            // would put that subtree's leaves at a different depth.)
            let only = new_right;
            let content = txn.page(only)?;
            let cnode = Node::new(&content, only)?;
            if is_table(cnode.kind) != is_table(kind) {
                return Err(Error::corrupt(format!("page {only}: wrong b-tree kind")));
            }
            let (ckind, cright) = (cnode.kind, cnode.right());
            let mut ccells: Vec<&[u8]> = Vec::with_capacity(cnode.n);
            for i in 0..cnode.n {
                ccells.push(cnode.cell_bytes(i)?);
            }
            // Page 1 has less room than its child: then it keeps the child.
            if cells_fit(room(pgno, txn.page_size() as usize), &ccells) {
                let ccells: Vec<Vec<u8>> = ccells.iter().map(|c| c.to_vec()).collect();
                drop(content);
                rebuild(txn.page_mut(pgno)?, pgno, ckind, &ccells, cright);
                txn.free_page(only)?;
            }
        }
        return Ok(());
    }
}

/// Removes leaf cell `path.last().idx`, freeing its overflow chain and the
/// leaf itself when it becomes empty.
fn delete_at(txn: &mut Txn, path: &[PathEl]) -> Result<()> {
    let leaf = path[path.len() - 1];
    let page = txn.page(leaf.pgno)?;
    let node = Node::new(&page, leaf.pgno)?;
    let c = node.cell(leaf.idx)?;
    let n = node.n;
    drop(page);
    free_overflow(txn, &c)?;
    remove_cell(txn.page_mut(leaf.pgno)?, leaf.pgno, leaf.idx)?;
    if n == 1 && path.len() > 1 {
        remove_child(txn, path, path.len() - 2)?;
    } else if path.len() > 1 {
        merge_leaf(txn, path)?;
    }
    Ok(())
}

/// Bytes used by cells and their pointers.
fn used_bytes(node: &Node<'_>) -> Result<usize> {
    let mut used = 2 * node.n;
    for i in 0..node.n {
        used += node.cell(i)?.size;
    }
    Ok(used)
}

/// After a delete: when the leaf at the end of `path` is under a quarter
/// full and fits together with a sibling (same parent) in 3/4 of a page,
/// the left page's cells move into the right page and the left page is
/// unlinked like an emptied page (its separator goes away, so the right
/// page's range extends over the left one's).
fn merge_leaf(txn: &mut Txn, path: &[PathEl]) -> Result<()> {
    let leaf = path[path.len() - 1];
    let parent = path[path.len() - 2];
    let usable = txn.page_size() as usize - PAGE_HEADER;
    // Leaves below a root are never page 1 (no database header on them).
    let page = txn.page(leaf.pgno)?;
    let node = Node::new(&page, leaf.pgno)?;
    let used = used_bytes(&node)?;
    if used * 4 >= usable {
        return Ok(());
    }
    drop(page);
    let ppage = txn.page(parent.pgno)?;
    let pnode = Node::new(&ppage, parent.pgno)?;
    // Left child index of the pair.
    let li = if parent.idx > 0 { parent.idx - 1 } else if pnode.n > 0 { 0 } else { return Ok(()) };
    let (lpg, rpg) = (pnode.child(li)?, pnode.child(li + 1)?);
    drop(ppage);
    let lpage = txn.page(lpg)?;
    let rpage = txn.page(rpg)?;
    let (ln, rn) = (Node::new(&lpage, lpg)?, Node::new(&rpage, rpg)?);
    if !ln.is_leaf() || !rn.is_leaf() || ln.kind != rn.kind {
        return Ok(());
    }
    if (used_bytes(&ln)? + used_bytes(&rn)?) * 4 > usable * 3 {
        return Ok(());
    }
    let mut cells: Vec<Vec<u8>> = Vec::with_capacity(ln.n + rn.n);
    for i in 0..ln.n {
        cells.push(ln.cell_bytes(i)?.to_vec());
    }
    for i in 0..rn.n {
        cells.push(rn.cell_bytes(i)?.to_vec());
    }
    let kind = rn.kind;
    drop(lpage);
    drop(rpage);
    if !cells_fit(usable + PAGE_HEADER, &cells) {
        return Ok(());
    }
    rebuild(txn.page_mut(rpg)?, rpg, kind, &cells, 0);
    init_page(txn.page_mut(lpg)?, lpg, kind);
    let mut ppath: Vec<PathEl> = path[..path.len() - 1].to_vec();
    let last = ppath.len() - 1;
    ppath[last].idx = li;
    remove_child(txn, &ppath, last)
}

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
    let children: Vec<PageNo> = if node.is_leaf() { Vec::new() } else { (0..=node.n).map(|i| node.child(i)).collect::<Result<_>>()? };
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
            free_overflow(txn, &c)?;
            remove_cell(txn.page_mut(pgno)?, pgno, idx)?;
            b.path[leaf].n -= 1;
        }
        build_payload_cell(txn, TABLE_LEAF, 0, rowid, record, &mut b.cell)?;
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
                return Ok(false);
            }
            let c = node.cell(idx)?;
            read_payload(txn, &page, &c, out)?;
            return Ok(true);
        }
        pgno = node.child(idx)?;
    }
    Err(Error::corrupt(format!("tree {root} too deep")))
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
                found = with_payload(txn, node.data, &c, &mut b.scratch, |e| compare_records(e, key, ki))? == Ordering::Equal;
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

// ---------------------------------------------------------------- cursor

/// A position in one B-tree. It borrows nothing: every call takes the
/// transaction, and a cursor whose tree was modified since it was positioned
/// re-seeks to its saved key, so a cursor stays usable across writes.
///
/// Index cursors compare keys under the KeyInfo given to `seek_key` or
/// `set_key_info` (BINARY ascending until then); re-seeking after a write
/// uses it too.
pub struct Cursor {
    root: PageNo,
    kind: BTreeKind,
    stack: Vec<Frame>,
    valid: bool,
    /// (transaction id, tree version) the position was computed under.
    stamp: (u64, u64),
    saved_rowid: i64,
    saved_key: Vec<u8>,
    ki: KeyInfo,
    scratch: Vec<u8>,
}

/// Outcome of re-validating a cursor.
#[derive(PartialEq, Eq)]
enum Restore {
    /// On the same entry as before.
    Same,
    /// That entry is gone; now on the next larger one.
    Moved,
    /// That entry is gone and nothing is larger.
    End,
}

impl Cursor {
    pub fn new(root: PageNo, kind: BTreeKind) -> Cursor {
        Cursor {
            root,
            kind,
            stack: Vec::with_capacity(8),
            valid: false,
            stamp: (0, 0),
            saved_rowid: 0,
            saved_key: Vec::new(),
            ki: KeyInfo::default(),
            scratch: Vec::new(),
        }
    }
    pub fn root(&self) -> PageNo {
        self.root
    }
    pub fn kind(&self) -> BTreeKind {
        self.kind
    }
    /// Sets the key order of an index cursor.
    pub fn set_key_info(&mut self, ki: &KeyInfo) {
        if self.ki != *ki {
            self.ki = ki.clone();
        }
    }
    #[inline]
    fn table(&self) -> bool {
        self.kind == BTreeKind::Table
    }

    /// Records the current entry's key and the tree version.
    fn settle(&mut self, txn: &Txn, ok: bool) -> Result<bool> {
        self.valid = ok;
        if !ok {
            self.stack.clear();
            return Ok(false);
        }
        self.stamp = (txn.id(), txn.tree_version(self.root));
        let top = self.stack.last().expect("valid cursor has a leaf");
        let node = Node::new(&top.page, top.pgno)?;
        if self.table() {
            self.saved_rowid = node.rowid_at(top.idx)?;
        } else {
            let c = node.cell(top.idx)?;
            if c.overflow == 0 {
                self.saved_key.clear();
                self.saved_key.extend_from_slice(&node.data[c.local_off..c.local_off + c.local_len]);
            } else {
                read_payload(txn, node.data, &c, &mut self.saved_key)?;
            }
        }
        Ok(true)
    }

    #[inline]
    fn is_current(&self, txn: &Txn) -> bool {
        self.stamp == (txn.id(), txn.tree_version(self.root))
    }

    /// Re-seeks the saved key when the tree changed since positioning.
    fn restore(&mut self, txn: &Txn) -> Result<Restore> {
        if self.is_current(txn) {
            return Ok(Restore::Same);
        }
        check_root(txn, self.root)?;
        let table = self.table();
        let eq = if table {
            descend(txn, self.root, true, &mut Target::Rowid(self.saved_rowid, false), &mut self.stack, &mut self.scratch)?
        } else {
            let saved = std::mem::take(&mut self.saved_key);
            let ki = &self.ki;
            let mut cmp = |e: &[u8]| compare_records(e, &saved, ki);
            let r = descend(txn, self.root, false, &mut Target::Key(&mut cmp, false), &mut self.stack, &mut self.scratch);
            self.saved_key = saved;
            r?
        };
        if eq {
            self.stamp = (txn.id(), txn.tree_version(self.root));
            return Ok(Restore::Same);
        }
        if !normalize_forward(txn, table, &mut self.stack)? {
            self.valid = false;
            return Ok(Restore::End);
        }
        // Index: the entry may be first in the next leaf.
        if !table {
            let top = self.stack.last().expect("normalized");
            let node = Node::new(&top.page, top.pgno)?;
            let c = node.cell(top.idx)?;
            let saved = &self.saved_key;
            let ki = &self.ki;
            if with_payload(txn, node.data, &c, &mut self.scratch, |e| compare_records(e, saved, ki))? == Ordering::Equal {
                self.stamp = (txn.id(), txn.tree_version(self.root));
                return Ok(Restore::Same);
            }
        }
        self.settle(txn, true)?;
        Ok(Restore::Moved)
    }

    /// Moves to the first entry; false when the tree is empty.
    pub fn first(&mut self, txn: &Txn) -> Result<bool> {
        check_root(txn, self.root)?;
        let table = self.table();
        descend(txn, self.root, table, &mut Target::First, &mut self.stack, &mut self.scratch)?;
        let ok = normalize_forward(txn, table, &mut self.stack)?;
        self.settle(txn, ok)
    }
    /// Moves to the last entry; false when the tree is empty.
    pub fn last(&mut self, txn: &Txn) -> Result<bool> {
        check_root(txn, self.root)?;
        let table = self.table();
        descend(txn, self.root, table, &mut Target::Last, &mut self.stack, &mut self.scratch)?;
        let top = self.stack.last().expect("descend pushes");
        let ok = if top.idx < top.n {
            true
        } else {
            let t = self.stack.last_mut().expect("descend pushes");
            t.idx = t.n;
            step_back(txn, table, &mut self.stack)?
        };
        self.settle(txn, ok)
    }
    /// Moves forward; false (and invalid) at the end.
    pub fn next(&mut self, txn: &Txn) -> Result<bool> {
        if !self.valid {
            return Ok(false);
        }
        match self.restore(txn)? {
            Restore::End => return self.settle(txn, false),
            Restore::Moved => return Ok(true),
            Restore::Same => {}
        }
        let table = self.table();
        let top = self.stack.last_mut().expect("valid cursor");
        top.idx += 1;
        if top.idx < top.n {
            // Fast path: next cell of the same leaf.
            self.stamp = (txn.id(), txn.tree_version(self.root));
            let node = Node::new(&top.page, top.pgno)?;
            if table {
                self.saved_rowid = node.rowid_at(top.idx)?;
                return Ok(true);
            }
            return self.settle(txn, true);
        }
        let ok = normalize_forward(txn, table, &mut self.stack)?;
        self.settle(txn, ok)
    }
    /// Moves backward; false (and invalid) before the start.
    pub fn prev(&mut self, txn: &Txn) -> Result<bool> {
        if !self.valid {
            return Ok(false);
        }
        let table = self.table();
        let ok = match self.restore(txn)? {
            Restore::End => {
                return self.last(txn);
            }
            Restore::Moved | Restore::Same => step_back(txn, table, &mut self.stack)?,
        };
        self.settle(txn, ok)
    }
    /// True when positioned on an entry.
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// After a descent to the first entry >= / > the key: resolves `op`.
    fn finish_seek(&mut self, txn: &Txn, op: SeekOp, eq_check: &mut dyn FnMut(&Txn, &mut Cursor) -> Result<bool>) -> Result<bool> {
        let table = self.table();
        match op {
            SeekOp::Eq | SeekOp::Ge | SeekOp::Gt => {
                let ok = normalize_forward(txn, table, &mut self.stack)?;
                if !self.settle(txn, ok)? {
                    return Ok(false);
                }
                if op == SeekOp::Eq && !eq_check(txn, self)? {
                    self.valid = false;
                    self.stack.clear();
                    return Ok(false);
                }
                Ok(true)
            }
            SeekOp::Le | SeekOp::Lt => {
                let ok = step_back(txn, table, &mut self.stack)?;
                self.settle(txn, ok)
            }
        }
    }

    /// Table trees: positions per `op`; false when no entry qualifies.
    pub fn seek_rowid(&mut self, txn: &Txn, rowid: i64, op: SeekOp) -> Result<bool> {
        if !self.table() {
            return Err(Error::misuse("seek_rowid on an index cursor"));
        }
        check_root(txn, self.root)?;
        let strict = matches!(op, SeekOp::Gt | SeekOp::Le);
        let eq = descend(txn, self.root, true, &mut Target::Rowid(rowid, strict), &mut self.stack, &mut self.scratch)?;
        if op == SeekOp::Eq {
            // A rowid lives only in the leaf its separators lead to.
            return self.settle(txn, eq);
        }
        self.finish_seek(txn, op, &mut |_, c| Ok(c.saved_rowid == rowid))
    }

    /// Index trees: positions per `op` comparing key prefixes under `ki`.
    pub fn seek_key(&mut self, txn: &Txn, key: &[Value], ki: &KeyInfo, op: SeekOp) -> Result<bool> {
        if self.table() {
            return Err(Error::misuse("seek_key on a table cursor"));
        }
        check_root(txn, self.root)?;
        self.set_key_info(ki);
        let strict = matches!(op, SeekOp::Gt | SeekOp::Le);
        let mut cmp = |e: &[u8]| compare_record_to_key(e, key, ki);
        descend(txn, self.root, false, &mut Target::Key(&mut cmp, strict), &mut self.stack, &mut self.scratch)?;
        self.finish_seek(txn, op, &mut |_, c| Ok(compare_record_to_key(&c.saved_key, key, ki)? == Ordering::Equal))
    }

    /// The current entry's rowid (table: the key; index: the last field).
    pub fn rowid(&self, _txn: &Txn) -> Result<i64> {
        if !self.valid {
            return Err(Error::misuse("cursor is not on an entry"));
        }
        if self.table() {
            Ok(self.saved_rowid)
        } else {
            last_field_int(&self.saved_key)
        }
    }

    /// Copies the current entry's record (table payload or index key) into
    /// `out` (cleared first), following overflow pages.
    pub fn record(&self, txn: &Txn, out: &mut Vec<u8>) -> Result<()> {
        let mut scratch = Vec::new();
        self.with_record(txn, &mut scratch, |r| {
            out.clear();
            out.extend_from_slice(r);
            Ok(())
        })
    }

    /// Calls `f` with the current entry's record, borrowed from the page
    /// when it has no overflow (else assembled in `scratch`).
    pub fn with_record<R>(&self, txn: &Txn, scratch: &mut Vec<u8>, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
        if !self.valid {
            return Err(Error::misuse("cursor is not on an entry"));
        }
        if !self.table() {
            if self.is_current(txn) {
                return f(&self.saved_key);
            }
            // Still present after the change?
            let mut c = Cursor::new(self.root, self.kind);
            c.ki = self.ki.clone();
            c.saved_key = self.saved_key.clone();
            c.valid = true;
            if c.restore(txn)? != Restore::Same {
                return Err(Error::corrupt("cursor entry was deleted"));
            }
            return f(&self.saved_key);
        }
        if self.is_current(txn) {
            let top = self.stack.last().expect("valid cursor");
            let node = Node::new(&top.page, top.pgno)?;
            let c = node.cell(top.idx)?;
            return with_payload(txn, node.data, &c, scratch, f);
        }
        if !table_get(txn, self.root, self.saved_rowid, scratch)? {
            return Err(Error::corrupt("cursor row was deleted"));
        }
        f(scratch)
    }
}

const _: () = {
    const fn send<T: Send>() {}
    send::<Cursor>();
};

#[cfg(test)]
mod tests;
