//! `integrity_check`: every page accounted for exactly once (header page,
//! B-tree pages, overflow chains, freelist), keys ordered within and across
//! pages, child pointers valid, all leaves at one depth, page count
//! consistent. Messages follow SQLite's wording where it has one.

use super::node::*;
use super::{read_payload, MAX_DEPTH};
use crate::error::{Error, ErrorKind, Result};
use crate::storage::header::get_u32;
use crate::storage::pager::{PageNo, Txn};
use crate::storage::record::{compare_records, KeyInfo};
use std::cmp::Ordering;

struct Checker<'a> {
    txn: &'a Txn,
    used: Vec<bool>,
    errors: Vec<String>,
    max: usize,
    ps: usize,
    /// A failure that says nothing of the file (out of memory, I/O,
    /// interrupt): the check stops and returns it instead of a report.
    fatal: Option<Error>,
}

/// A key bound: rowids for tables, encoded records for indexes.
#[derive(Clone)]
enum Key {
    Rowid(i64),
    Rec(Vec<u8>),
    /// An index key whose order cannot be checked (no KeyInfo).
    Unchecked,
}

impl<'a> Checker<'a> {
    fn full(&self) -> bool {
        self.errors.len() >= self.max || self.fatal.is_some()
    }
    /// A read of the tree failed: corruption is reported; anything else
    /// ends the check with that error.
    fn fault(&mut self, ctx: &str, e: Error) {
        if e.kind == ErrorKind::Corrupt {
            self.err(format!("{ctx}{e}"));
        } else if self.fatal.is_none() {
            self.fatal = Some(e);
        }
    }
    fn err(&mut self, msg: String) {
        if !self.full() {
            self.errors.push(msg);
        }
    }
    /// Claims a page; false (with a message) when invalid or already used.
    fn mark(&mut self, pg: PageNo, ctx: &str) -> bool {
        if pg == 0 || pg as usize >= self.used.len() {
            self.err(format!("{ctx}invalid page number {pg}"));
            return false;
        }
        if self.used[pg as usize] {
            self.err(format!("{ctx}2nd reference to page {pg}"));
            return false;
        }
        self.used[pg as usize] = true;
        true
    }

    /// Key order; None when it cannot be checked (an index whose KeyInfo
    /// is unknown: its collations or DESC fields could order it differently
    /// from BINARY ascending).
    fn cmp(&self, a: &Key, b: &Key, ki: Option<&KeyInfo>) -> Option<Ordering> {
        match (a, b) {
            (Key::Rowid(x), Key::Rowid(y)) => Some(x.cmp(y)),
            (Key::Rec(x), Key::Rec(y)) => ki.map(|ki| compare_records(x, y, ki).unwrap_or(Ordering::Equal)),
            _ => None,
        }
    }

    fn check_overflow(&mut self, ctx: &str, c: &Cell) {
        if c.overflow == 0 {
            return;
        }
        let expected = (c.payload_len - c.local_len).div_ceil(self.ps - 4);
        let mut next = c.overflow;
        let mut n = 0;
        while next != 0 && n < expected {
            if !self.mark(next, ctx) {
                return;
            }
            n += 1;
            next = match self.txn.page(next) {
                Ok(p) => get_u32(&p, 0),
                Err(e) => {
                    self.fault(ctx, e);
                    return;
                }
            };
        }
        if n != expected || next != 0 {
            self.err(format!("{ctx}overflow list length is {n} but should be {expected}"));
        }
    }

    /// Checks the subtree at `pgno`; keys must lie in (lower, upper].
    /// Returns the depth of its leaves.
    #[allow(clippy::too_many_arguments)]
    fn page(
        &mut self,
        root: PageNo,
        pgno: PageNo,
        depth: usize,
        table: bool,
        ki: Option<&KeyInfo>,
        lower: Option<&Key>,
        upper: Option<&Key>,
    ) -> Option<usize> {
        if self.full() {
            return None;
        }
        let ctx = format!("Tree {root} page {pgno}: ");
        if depth > MAX_DEPTH {
            self.err(format!("{ctx}tree too deep"));
            return None;
        }
        if !self.mark(pgno, &ctx) {
            return None;
        }
        let page = match self.txn.page(pgno) {
            Ok(p) => p,
            Err(e) => {
                self.fault(&ctx, e);
                return None;
            }
        };
        let node = match Node::new(&page, pgno) {
            Ok(n) => n,
            Err(e) => {
                self.fault(&ctx, e);
                return None;
            }
        };
        if is_table(node.kind) != table {
            self.err(format!("{ctx}wrong page type {}", node.kind));
            return None;
        }
        if node.is_leaf() && node.n == 0 && depth > 0 {
            self.err(format!("{ctx}empty leaf page"));
        }
        let mut cells_bytes = 0usize;
        let mut prev: Option<Key> = lower.cloned();
        let mut keys: Vec<Key> = Vec::with_capacity(node.n);
        let mut scratch = Vec::new();
        for i in 0..node.n {
            let cctx = format!("Tree {root} page {pgno} cell {i}: ");
            let c = match node.cell(i) {
                Ok(c) => c,
                Err(e) => {
                    self.fault(&cctx, e);
                    return None;
                }
            };
            cells_bytes += c.size;
            self.check_overflow(&cctx, &c);
            let key = if table {
                Key::Rowid(c.rowid)
            } else if ki.is_none() {
                // Order cannot be checked; still read the whole payload
                // (overflow chain) to validate it.
                if let Err(e) = read_payload(self.txn, &page, &c, &mut scratch) {
                    self.fault(&cctx, e);
                    return None;
                }
                Key::Unchecked
            } else {
                if let Err(e) = read_payload(self.txn, &page, &c, &mut scratch) {
                    self.fault(&cctx, e);
                    return None;
                }
                Key::Rec(scratch.clone())
            };
            // Keys ascend strictly; a leaf key may equal nothing before it.
            if let Some(p) = &prev {
                if self.cmp(&key, p, ki).is_some_and(|o| o != Ordering::Greater) {
                    let what = match &key {
                        Key::Rowid(r) => format!("Rowid {r} out of order"),
                        Key::Rec(_) | Key::Unchecked => "Index key out of order".to_owned(),
                    };
                    self.err(format!("{cctx}{what}"));
                }
            }
            if let Some(u) = upper {
                if self.cmp(&key, u, ki) == Some(Ordering::Greater) {
                    let what = match &key {
                        Key::Rowid(r) => format!("Rowid {r} out of order"),
                        Key::Rec(_) | Key::Unchecked => "Index key out of order".to_owned(),
                    };
                    self.err(format!("{cctx}{what}"));
                }
            }
            prev = Some(key.clone());
            keys.push(key);
        }
        if cells_bytes + node.h + PAGE_HEADER + 2 * node.n > self.ps {
            self.err(format!("{ctx}cells overlap"));
        }
        if node.is_leaf() {
            return Some(depth);
        }
        let mut leaf_depth = None;
        for i in 0..=node.n {
            let child = match node.child(i) {
                Ok(c) => c,
                Err(e) => {
                    self.fault(&ctx, e);
                    return None;
                }
            };
            let lo = if i == 0 { lower } else { keys.get(i - 1) };
            let hi = if i < node.n { keys.get(i) } else { upper };
            let d = self.page(root, child, depth + 1, table, ki, lo, hi);
            match (leaf_depth, d) {
                (None, Some(d)) => leaf_depth = Some(d),
                (Some(a), Some(b)) if a != b => {
                    self.err(format!("{ctx}child page depth differs"));
                }
                _ => {}
            }
        }
        leaf_depth
    }
}

/// As `integrity_check`, with the KeyInfo of each index (None for tables;
/// for an index, None skips the key-order checks).
pub fn integrity_check_with(txn: &Txn, trees: &[(PageNo, Option<&KeyInfo>)], max_errors: usize) -> Result<Vec<String>> {
    let pc = txn.page_count() as usize;
    let mut ck = Checker {
        txn,
        used: vec![false; pc + 1],
        errors: Vec::new(),
        max: max_errors.max(1),
        ps: txn.page_size() as usize,
        fatal: None,
    };
    if pc == 0 {
        return Ok(Vec::new());
    }
    // Page 1 holds the header and the schema table's root.
    if !trees.iter().any(|&(r, _)| r == 1) {
        ck.used[1] = true;
    }
    // Freelist: trunk chain, each trunk with its leaf page numbers.
    let (head, count) = txn.freelist();
    let cap = (ck.ps - 8) / 4;
    let mut next = head;
    let mut n = 0u32;
    while next != 0 && n <= count {
        if !ck.mark(next, "Freelist: ") {
            break;
        }
        n += 1;
        let trunk = match txn.page(next) {
            Ok(p) => p,
            Err(e) => {
                ck.fault("Freelist: ", e);
                break;
            }
        };
        let leaves = get_u32(&trunk, 4) as usize;
        if leaves > cap {
            ck.err(format!("Freelist: trunk page {next} has {leaves} leaves"));
            break;
        }
        for i in 0..leaves {
            let leaf = get_u32(&trunk, 8 + 4 * i);
            if ck.mark(leaf, "Freelist: ") {
                n += 1;
            }
        }
        next = get_u32(&trunk, 0);
    }
    if let Some(e) = ck.fatal {
        return Err(e);
    }
    if n != count || next != 0 {
        ck.err(format!("Freelist: size is {n} but should be {count}"));
    }
    for &(root, ki) in trees {
        if ck.full() {
            break;
        }
        let table = match txn.page(root) {
            Ok(p) => is_table(page_type(&p, root)),
            Err(e) if e.kind != ErrorKind::Corrupt => return Err(e),
            Err(_) => {
                ck.err(format!("Tree {root}: invalid root page"));
                continue;
            }
        };
        ck.page(root, root, 0, table, ki, None, None);
    }
    for pg in 2..=pc {
        if ck.full() {
            break;
        }
        if !ck.used[pg] {
            ck.err(format!("Page {pg} is never used"));
        }
    }
    match ck.fatal {
        Some(e) => Err(e),
        None => Ok(ck.errors),
    }
}
