//! Cursors: a saved position in one tree that survives writes by
//! re-seeking its saved key when the tree changed.

use super::*;

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
    /// Table cursors: the current leaf cell, parsed (offsets into the top
    /// frame's page); valid whenever the cursor is valid and current.
    cell: Cell,
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
            cell: Cell::default(),
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
    /// Lets go of every page the cursor holds (a finished or reset
    /// statement must not keep pages from eviction); it must be positioned
    /// again before use.
    pub fn release(&mut self) {
        self.stack.clear();
        self.valid = false;
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
            self.cell = node.cell(top.idx)?;
            self.saved_rowid = self.cell.rowid;
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
            descend(
                txn,
                self.root,
                true,
                &mut Target::Rowid(self.saved_rowid, false),
                &mut self.stack,
                &mut self.scratch,
            )?
        } else {
            let saved = std::mem::take(&mut self.saved_key);
            let ki = &self.ki;
            let mut cmp = |e: &[u8]| compare_records(e, &saved, ki);
            let r =
                descend(txn, self.root, false, &mut Target::Key(&mut cmp, false), &mut self.stack, &mut self.scratch);
            self.saved_key = saved;
            r?
        };
        if eq {
            if table {
                let top = self.stack.last().expect("descend pushes");
                self.cell = Node::new(&top.page, top.pgno)?.cell(top.idx)?;
            }
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
            if with_payload(txn, node.data, &c, &mut self.scratch, |e| compare_records(e, saved, ki))?
                == Ordering::Equal
            {
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
        if !self.is_current(txn) {
            match self.restore(txn)? {
                Restore::End => return self.settle(txn, false),
                Restore::Moved => return Ok(true),
                Restore::Same => {}
            }
        }
        let table = self.table();
        let top = self.stack.last_mut().expect("valid cursor");
        top.idx += 1;
        if top.idx < top.n {
            // Fast path: next cell of the same leaf (the stamp is current).
            if table {
                if let Some(c) = table_leaf_cell_quick(&top.page, top.pgno, top.idx, top.n) {
                    self.cell = c;
                    self.saved_rowid = c.rowid;
                    return Ok(true);
                }
            }
            let node = Node::new(&top.page, top.pgno)?;
            if table {
                self.cell = node.cell(top.idx)?;
                self.saved_rowid = self.cell.rowid;
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
    fn finish_seek(
        &mut self,
        txn: &Txn,
        op: SeekOp,
        eq_check: &mut dyn FnMut(&Txn, &mut Cursor) -> Result<bool>,
    ) -> Result<bool> {
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
        if op == SeekOp::Eq && self.valid && self.is_current(txn) {
            // Near the last position: a rowid between the first and last
            // keys of the current leaf can only be in that leaf.
            let Cursor { stack, scratch, saved_rowid, cell, .. } = self;
            let top = stack.last_mut().expect("valid cursor");
            // Dense rowids: the target is usually (rowid - current) cells
            // from the current one in the same leaf.
            let guess = rowid.checked_sub(*saved_rowid).and_then(|d| (top.idx as i64).checked_add(d));
            if let Some(g) = guess.and_then(|g| usize::try_from(g).ok()) {
                if let Some(c) = table_leaf_cell_quick(&top.page, top.pgno, g, top.n) {
                    if c.rowid == rowid {
                        top.idx = g;
                        *cell = c;
                        *saved_rowid = rowid;
                        return Ok(true);
                    }
                }
            }
            let node = Node::new(&top.page, top.pgno)?;
            if node.is_leaf() {
                let (idx, eq) = search_node(txn, &node, &mut Target::Rowid(rowid, false), scratch)?;
                // Found, or strictly between two keys of this leaf.
                if eq || (idx > 0 && idx < node.n) {
                    top.idx = idx;
                    return self.settle(txn, eq);
                }
            }
        }
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
            return with_payload(txn, &top.page[..], &self.cell, scratch, f);
        }
        if !table_get(txn, self.root, self.saved_rowid, scratch)? {
            return Err(Error::corrupt("cursor row was deleted"));
        }
        f(scratch)
    }
}
