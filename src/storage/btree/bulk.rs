//! Bulk construction of an index B-tree from keys that arrive sorted and
//! distinct (CREATE INDEX over an existing table, REINDEX), streamed: the
//! builder holds one leaf being filled and, per interior level, at most two
//! pages' worth of children, whatever the number of keys.
//!
//! Leaves are written left to right, each filled as full as it goes; a
//! written page becomes a child of the level above, which packs its
//! children the same way. At the end each level's last pages are written
//! bottom up, and the first level whose children fit one page is written
//! into the (fixed) root page.
//!
//! Separators follow the tree invariant of btree.rs: the key of interior
//! cell i is a copy of the largest key in child i's subtree, and the page's
//! right-most child holds the keys above its last cell. A level's last
//! page always gets at least two children (one cell): a completed page is
//! held back unwritten until the next one completes, so the last can
//! borrow a child from it; no interior page is built without cells.

use super::*;
use crate::storage::record::varint_len;

/// Size of the cell holding `key` (with the 4-byte child pointer on
/// interior pages), as `build_payload_cell` will make it.
fn cell_size(ps: usize, key: &[u8], interior: bool) -> usize {
    let local = local_size(ps, key.len());
    let ovf = if local < key.len() { 4 } else { 0 };
    usize::from(interior) * 4 + varint_len(key.len() as u64) + local + ovf
}

/// Cells of one page back to back, the end offset of each, and one cell
/// being built.
#[derive(Default)]
struct Scratch {
    flat: Vec<u8>,
    ends: Vec<usize>,
    cell: Vec<u8>,
}

/// Writes the cells in `flat` (ending at `ends`) as page `pgno` of `kind`
/// with right-most child `right` (0 on leaves).
fn lay_out(txn: &mut Txn, pgno: PageNo, kind: u8, flat: &[u8], ends: &[usize], right: u32) -> Result<()> {
    let d = txn.page_mut(pgno)?;
    let h = hdr(pgno);
    let need = PAGE_HEADER + 2 * ends.len() + flat.len();
    if need > room(pgno, d.len()) {
        return Err(Error::corrupt(format!("page {pgno}: bulk-built cells do not fit")));
    }
    init_page(d, pgno, kind);
    put_u32(d, h + OFF_RIGHT, right);
    let mut top = d.len();
    let mut start = 0;
    for (i, &end) in ends.iter().enumerate() {
        let c = &flat[start..end];
        top -= c.len();
        d[top..top + c.len()].copy_from_slice(c);
        put_u16(d, h + PAGE_HEADER + 2 * i, top);
        start = end;
    }
    put_u16(d, h + OFF_NCELLS, ends.len());
    put_u16(d, h + OFF_CONTENT, if top == 65536 { 0 } else { top });
    Ok(())
}

/// A child page of an interior level and the largest key below it.
type Child = (PageNo, Vec<u8>);

/// One interior level being built.
#[derive(Default)]
struct Level {
    /// Children of the page being filled; all but the last get a cell.
    cur: Vec<Child>,
    /// Bytes the cells of `cur` take (pointers and page header included).
    used: usize,
    /// The last completed page, not yet written.
    held: Option<Vec<Child>>,
}

impl Level {
    /// Adds a child; returns the page's children when it is complete
    /// (the new child then starts the next page).
    fn add(&mut self, ps: usize, child: Child) -> Option<Vec<Child>> {
        if let Some((_, k)) = self.cur.last() {
            let s = cell_size(ps, k, true) + 2;
            if self.used + s > ps {
                self.used = PAGE_HEADER;
                return Some(std::mem::replace(&mut self.cur, vec![child]));
            }
            self.used += s;
        } else {
            self.used = PAGE_HEADER;
        }
        self.cur.push(child);
        None
    }
}

/// Builds an empty index b-tree from keys pushed in ascending order.
pub struct IndexBuilder<'k> {
    root: PageNo,
    ki: &'k KeyInfo,
    ps: usize,
    /// The leaf being filled.
    leaf: Scratch,
    /// Bytes the leaf's cells take (pointers and page header included).
    used: usize,
    /// The last key pushed: the largest so far.
    last: Option<Vec<u8>>,
    levels: Vec<Level>,
    /// For interior pages.
    b: Scratch,
}

impl<'k> IndexBuilder<'k> {
    /// A builder for the index rooted at `root`, which must be empty.
    pub fn new(txn: &mut Txn, root: PageNo, ki: &'k KeyInfo) -> Result<IndexBuilder<'k>> {
        check_root(txn, root)?;
        let page = load_node(txn, root, false)?;
        let node = Node::new(&page, root)?;
        if !node.is_leaf() || node.n != 0 {
            return Err(Error::misuse("bulk index build into a non-empty tree"));
        }
        drop(page);
        txn.note_tree_change(root);
        let ps = txn.page_size() as usize;
        Ok(IndexBuilder {
            root,
            ki,
            ps,
            leaf: Scratch::default(),
            used: PAGE_HEADER,
            last: None,
            levels: Vec::new(),
            b: Scratch::default(),
        })
    }

    /// The last key pushed (the largest so far).
    pub fn last(&self) -> Option<&[u8]> {
        self.last.as_deref()
    }

    /// Adds `key`, which must not sort below the last key pushed; a key
    /// equal to it is left out (an index holds an entry once).
    pub fn push(&mut self, txn: &mut Txn, key: &[u8]) -> Result<()> {
        if let Some(last) = &self.last {
            match compare_records(last, key, self.ki)? {
                Ordering::Less => {}
                Ordering::Equal => return Ok(()),
                Ordering::Greater => return Err(Error::internal("bulk index build: keys out of order")),
            }
        }
        let s = cell_size(self.ps, key, false) + 2;
        if !self.leaf.ends.is_empty() && self.used + s > self.ps {
            self.write_leaf(txn)?;
        }
        let Scratch { flat, ends, cell } = &mut self.leaf;
        build_payload_cell(txn, INDEX_LEAF, 0, 0, key, cell)?;
        flat.extend_from_slice(cell);
        ends.push(flat.len());
        self.used += s;
        let last = self.last.get_or_insert_with(Vec::new);
        last.clear();
        last.extend_from_slice(key);
        Ok(())
    }

    /// Writes the leaf being filled to a new page, a child of level 0.
    fn write_leaf(&mut self, txn: &mut Txn) -> Result<()> {
        let pg = txn.allocate_page()?;
        lay_out(txn, pg, INDEX_LEAF, &self.leaf.flat, &self.leaf.ends, 0)?;
        self.leaf.flat.clear();
        self.leaf.ends.clear();
        self.used = PAGE_HEADER;
        let max = self.last.clone().unwrap_or_default();
        self.add_child(txn, 0, (pg, max))
    }

    /// Adds a child to level `l`; a page completed there sends the page
    /// held before it up a level, and so on.
    fn add_child(&mut self, txn: &mut Txn, mut l: usize, mut child: Child) -> Result<()> {
        loop {
            if l == self.levels.len() {
                if l >= MAX_DEPTH {
                    return Err(Error::corrupt("bulk index build: tree too deep"));
                }
                self.levels.push(Level::default());
            }
            let lv = &mut self.levels[l];
            let Some(done) = lv.add(self.ps, child) else { return Ok(()) };
            let Some(held) = lv.held.replace(done) else { return Ok(()) };
            child = self.write_interior(txn, held, None)?;
            l += 1;
        }
    }

    /// Writes an interior page over `kids` (to `at`, else a new page);
    /// returns it as a child for the level above.
    fn write_interior(&mut self, txn: &mut Txn, mut kids: Vec<Child>, at: Option<PageNo>) -> Result<Child> {
        debug_assert!(kids.len() >= 2, "an interior page without cells");
        let (right, max) = kids.pop().ok_or_else(|| Error::internal("bulk index build: empty page"))?;
        let Scratch { flat, ends, cell } = &mut self.b;
        flat.clear();
        ends.clear();
        for (child, key) in &kids {
            build_payload_cell(txn, INDEX_INTERIOR, *child, 0, key, cell)?;
            flat.extend_from_slice(cell);
            ends.push(flat.len());
        }
        let pg = match at {
            Some(p) => p,
            None => txn.allocate_page()?,
        };
        lay_out(txn, pg, INDEX_INTERIOR, flat, ends, right)?;
        Ok((pg, max))
    }

    /// Writes what is left, level by level; the root gets the first level
    /// that never filled a page.
    pub fn finish(mut self, txn: &mut Txn) -> Result<()> {
        if self.levels.is_empty() {
            return lay_out(txn, self.root, INDEX_LEAF, &self.leaf.flat, &self.leaf.ends, 0);
        }
        self.write_leaf(txn)?;
        let mut l = 0;
        loop {
            let lv = &mut self.levels[l];
            let mut cur = std::mem::take(&mut lv.cur);
            let Some(mut held) = lv.held.take() else {
                self.write_interior(txn, cur, Some(self.root))?;
                return Ok(());
            };
            // A lone last child borrows the held page's last one.
            if cur.len() == 1 && held.len() > 2 {
                if let Some(c) = held.pop() {
                    cur.insert(0, c);
                }
            }
            let a = self.write_interior(txn, held, None)?;
            self.add_child(txn, l + 1, a)?;
            let b = self.write_interior(txn, cur, None)?;
            self.add_child(txn, l + 1, b)?;
            l += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::pager::Pager;
    use crate::storage::record::encode_record;

    /// (interior pages, the fewest cells one has) below `pgno`.
    fn interiors(txn: &Txn, pgno: PageNo) -> (usize, usize) {
        let page = txn.page(pgno).unwrap();
        let node = Node::new(&page, pgno).unwrap();
        if node.is_leaf() {
            return (0, usize::MAX);
        }
        let (mut count, mut fewest) = (1, node.n);
        for i in 0..=node.n {
            let (c, f) = interiors(txn, node.child(i).unwrap());
            count += c;
            fewest = fewest.min(f);
        }
        (count, fewest)
    }

    #[test]
    fn streamed_build_never_leaves_a_lone_child() {
        let ki = KeyInfo::default();
        for (n, pad) in [(2usize, 200usize), (30, 200), (61, 150), (400, 100), (3000, 40), (20_000, 3)] {
            let p = Pager::open_memory().unwrap();
            assert!(p.set_page_size(512).unwrap());
            let mut t = p.begin_read().unwrap();
            t.begin_write(0).unwrap();
            let root = create_btree(&mut t, BTreeKind::Index).unwrap();
            let mut b = IndexBuilder::new(&mut t, root, &ki).unwrap();
            let mut k = Vec::new();
            for i in 0..n as i64 {
                k.clear();
                let text = format!("{i:08}{}", "p".repeat(pad + i as usize % 7));
                encode_record(&[Value::Text(text), Value::Integer(i)], &mut k);
                b.push(&mut t, &k).unwrap();
                b.push(&mut t, &k).unwrap();
            }
            b.finish(&mut t).unwrap();
            assert_eq!(count_entries(&t, root).unwrap(), n as u64);
            let (count, fewest) = interiors(&t, root);
            assert!(count == 0 || fewest >= 1, "n {n} pad {pad}: an interior page without cells");
            assert!(integrity_check_with(&t, &[(root, Some(&ki))], 10).unwrap().is_empty(), "n {n} pad {pad}");
            assert!(IndexBuilder::new(&mut t, root, &ki).is_err() || n == 0, "a filled tree refuses a bulk build");
        }
    }
}
