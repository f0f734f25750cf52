//! Descent from a root to a leaf position, and moving a root-to-leaf
//! path forward and backward (shared by the cursor and the write paths).

use super::*;

/// One level of a root-to-leaf path.
pub(super) struct Frame {
    pub(super) pgno: PageNo,
    pub(super) page: PageRef,
    /// Cell index on leaves; child index (0..=n) on interior pages.
    pub(super) idx: usize,
    pub(super) n: usize,
}

/// What a descent looks for.
pub(super) enum Target<'a> {
    /// First entry with rowid >= (or > when strict) the key.
    Rowid(i64, bool),
    /// First entry whose comparison with the target is not Less (or is
    /// Greater when strict).
    Key(&'a mut dyn FnMut(&[u8]) -> Result<Ordering>, bool),
    First,
    Last,
}

pub(super) fn load_node(txn: &Txn, pgno: PageNo, table: bool) -> Result<PageRef> {
    let page = txn.page(pgno)?;
    // Node::new (in the caller) validates the rest of the header.
    if is_table(page_type(&page, pgno)) != table {
        return Err(Error::corrupt(format!("page {pgno}: wrong b-tree kind")));
    }
    Ok(page)
}

/// First index in `node` satisfying the target (n when none does), and
/// whether the entry there compares equal.
pub(super) fn search_node(
    txn: &Txn,
    node: &Node<'_>,
    target: &mut Target<'_>,
    scratch: &mut Vec<u8>,
) -> Result<(usize, bool)> {
    match target {
        Target::First => Ok((0, false)),
        Target::Last => Ok((if node.is_leaf() { node.n.saturating_sub(1) } else { node.n }, false)),
        Target::Rowid(key, strict) => {
            let (key, strict) = (*key, *strict);
            let n = node.n;
            if n == 0 {
                return Ok((0, false));
            }
            let before = |r: i64| r < key || (strict && r == key);
            // Appends land after the last key: check it first.
            let last = node.rowid_at(n - 1)?;
            if before(last) {
                return Ok((n, false));
            }
            let first = node.rowid_at(0)?;
            if !before(first) {
                return Ok((0, first == key));
            }
            // The answer lies in [lo, hi] (the entry at hi is not before).
            let (mut lo, mut hi) = (1usize, n - 1);
            // Rowids are usually dense: interpolate a first guess, then
            // gallop from it to bracket the answer, then bisect.
            // first < key <= last here (unless the page is corrupt, when
            // the clamp keeps the guess in range).
            let span = last.wrapping_sub(first) as u64;
            if hi > lo && span > 0 {
                let off = key.wrapping_sub(first) as u64;
                let g = (off as f64 / span as f64 * (n - 1) as f64) as usize;
                let g = g.clamp(lo, hi);
                let r = node.rowid_at(g)?;
                if r == key && !strict {
                    // Rowids are unique: everything before g is smaller.
                    return Ok((g, true));
                }
                let mut step = 1;
                if before(r) {
                    lo = g + 1;
                    while g + step < hi {
                        if before(node.rowid_at(g + step)?) {
                            lo = g + step + 1;
                            step *= 2;
                        } else {
                            hi = g + step;
                            break;
                        }
                    }
                } else {
                    hi = g;
                    while g >= lo + step {
                        if before(node.rowid_at(g - step)?) {
                            lo = g - step + 1;
                            break;
                        }
                        hi = g - step;
                        step *= 2;
                    }
                }
            }
            while lo < hi {
                let mid = (lo + hi) / 2;
                if before(node.rowid_at(mid)?) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            let eq = lo < n && node.rowid_at(lo)? == key;
            Ok((lo, eq))
        }
        Target::Key(cmp, strict) => {
            let strict = *strict;
            // Fast path for ascending inserts: compare with the last key first.
            if node.n > 0 {
                let c = node.cell(node.n - 1)?;
                let o = with_payload(txn, node.data, &c, scratch, |k| cmp(k))?;
                if o == Ordering::Less || (strict && o == Ordering::Equal) {
                    return Ok((node.n, false));
                }
            }
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
pub(super) fn descend(
    txn: &Txn,
    root: PageNo,
    table: bool,
    target: &mut Target<'_>,
    stack: &mut Vec<Frame>,
    scratch: &mut Vec<u8>,
) -> Result<bool> {
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
pub(super) fn normalize_forward(txn: &Txn, table: bool, stack: &mut Vec<Frame>) -> Result<bool> {
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
pub(super) fn step_back(txn: &Txn, table: bool, stack: &mut Vec<Frame>) -> Result<bool> {
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
