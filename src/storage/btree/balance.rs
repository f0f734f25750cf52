//! Structural changes: inserting a cell with splits up the path (right-most
//! appends fill pages completely; the root keeps its page number), and
//! removing cells with freeing of emptied pages and merging of sparse
//! leaves. See the invariants at the top of btree.rs.

use super::*;

/// A path element without page references (so page_mut does not copy).
#[derive(Clone, Copy)]
pub(super) struct PathEl {
    pub(super) pgno: PageNo,
    pub(super) idx: usize,
    pub(super) n: usize,
}

pub(super) fn to_path(stack: &mut Vec<Frame>) -> Vec<PathEl> {
    let p = stack.iter().map(|f| PathEl { pgno: f.pgno, idx: f.idx, n: f.n }).collect();
    stack.clear();
    p
}

/// Buffers reused by the write paths (no allocation per insert).
#[derive(Default)]
pub(super) struct Bufs {
    pub(super) stack: Vec<Frame>,
    pub(super) path: Vec<PathEl>,
    pub(super) cell: Vec<u8>,
    pub(super) scratch: Vec<u8>,
}

thread_local! {
    static BUFS: std::cell::RefCell<Bufs> = std::cell::RefCell::new(Bufs::default());
}

/// Runs `f` with this thread's buffers; page references are dropped after.
pub(super) fn with_bufs<R>(f: impl FnOnce(&mut Bufs) -> R) -> R {
    let mut b = BUFS.with(|c| std::mem::take(&mut *c.borrow_mut()));
    let r = f(&mut b);
    b.stack.clear();
    b.path.clear();
    BUFS.with(|c| *c.borrow_mut() = b);
    r
}

/// Copies the stack into `path` (without page references) and clears it.
pub(super) fn stack_to_path(stack: &mut Vec<Frame>, path: &mut Vec<PathEl>) {
    path.clear();
    path.extend(stack.iter().map(|f| PathEl { pgno: f.pgno, idx: f.idx, n: f.n }));
    stack.clear();
}

/// Split index by bytes: the smallest k whose prefix holds half the bytes.
pub(super) fn split_point(cells: &[Vec<u8>]) -> usize {
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
pub(super) fn insert_at(txn: &mut Txn, root: PageNo, path: &mut Vec<PathEl>, cell: &mut Vec<u8>) -> Result<()> {
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
        if is_leaf(kind) && rightmost && idx == n && idx == node.n && node.n > 0 {
            // Append past the right-most leaf's end: the leaf stays as it is
            // and the new cell alone starts the new right-most leaf (the
            // split the general path below would choose, without moving
            // any existing cell).
            let lc = node.cell(node.n - 1)?;
            let mut sep = Vec::new();
            if kind == TABLE_LEAF {
                table_interior_cell(pgno, lc.rowid, &mut sep);
                drop(page);
            } else {
                let mut key = Vec::new();
                read_payload(txn, &page, &lc, &mut key)?;
                drop(page);
                build_payload_cell(txn, INDEX_INTERIOR, pgno, 0, &key, &mut sep)?;
            }
            let new_pg = txn.allocate_page()?;
            let d = txn.page_mut(new_pg)?;
            init_page(d, new_pg, kind);
            if !insert_cell(d, new_pg, 0, cell)? {
                return Err(Error::corrupt(format!("page {new_pg}: no room for one cell")));
            }
            let parent = path[depth - 1];
            set_child(txn.page_mut(parent.pgno)?, parent.pgno, parent.idx, new_pg)?;
            *cell = sep;
            depth -= 1;
            continue;
        }
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
pub(super) fn remove_child(txn: &mut Txn, path: &[PathEl], mut depth: usize) -> Result<()> {
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
pub(super) fn delete_at(txn: &mut Txn, path: &[PathEl]) -> Result<()> {
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
pub(super) fn used_bytes(node: &Node<'_>) -> Result<usize> {
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
pub(super) fn merge_leaf(txn: &mut Txn, path: &[PathEl]) -> Result<()> {
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
    let li = if parent.idx > 0 {
        parent.idx - 1
    } else if pnode.n > 0 {
        0
    } else {
        return Ok(());
    };
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
