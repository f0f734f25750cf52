//! Bulk construction of an index B-tree from sorted, distinct keys (CREATE
//! INDEX over an existing table): leaves are written left to right, each
//! filled as full as it goes, then each interior level over the one below,
//! until one page remains, which is written into the (fixed) root page.
//!
//! Separators follow the tree invariant of btree.rs: the key of interior
//! cell i is a copy of the largest key in child i's subtree, and the page's
//! right-most child holds the keys above its last cell. A page is packed
//! greedily; the last page of a level always gets at least two children
//! (one cell), so no interior page is built without cells.

use super::*;
use crate::storage::record::varint_len;

/// Size of the cell holding `key` (with the 4-byte child pointer on
/// interior pages), as `build_payload_cell` will make it.
fn cell_size(ps: usize, key: &[u8], interior: bool) -> usize {
    let local = local_size(ps, key.len());
    let ovf = if local < key.len() { 4 } else { 0 };
    usize::from(interior) * 4 + varint_len(key.len() as u64) + local + ovf
}

/// Buffers reused across pages: the page's cells back to back, the end
/// offset of each, one cell being built.
#[derive(Default)]
struct Scratch {
    flat: Vec<u8>,
    ends: Vec<usize>,
    cell: Vec<u8>,
}

/// Writes one page of `kind` holding cells for `keys` (with child
/// pointers `children` on interior pages) and right-most child `right`.
fn write_page(
    txn: &mut Txn,
    pgno: PageNo,
    kind: u8,
    keys: &[&[u8]],
    children: &[PageNo],
    right: u32,
    b: &mut Scratch,
) -> Result<()> {
    let Scratch { flat, ends, cell } = b;
    flat.clear();
    ends.clear();
    for (i, k) in keys.iter().enumerate() {
        let child = children.get(i).copied().unwrap_or(0);
        build_payload_cell(txn, kind, child, 0, k, cell)?;
        flat.extend_from_slice(cell.as_slice());
        ends.push(flat.len());
    }
    let d = txn.page_mut(pgno)?;
    let h = hdr(pgno);
    let need = PAGE_HEADER + 2 * keys.len() + flat.len();
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
    put_u16(d, h + OFF_NCELLS, keys.len());
    put_u16(d, h + OFF_CONTENT, if top == 65536 { 0 } else { top });
    Ok(())
}

/// Splits `sizes` (cell sizes in order) into consecutive leaf pages of
/// `room` bytes each, every page as full as it goes.
fn pack_leaves(sizes: &[usize], room: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut used = PAGE_HEADER;
    for (i, &s) in sizes.iter().enumerate() {
        if used + s + 2 > room && i > start {
            out.push(start..i);
            start = i;
            used = PAGE_HEADER;
        }
        used += s + 2;
    }
    out.push(start..sizes.len());
    out
}

/// Splits children 0..sizes.len() (sizes = their separator cell sizes)
/// into interior pages: each page is a range of children whose last one is
/// the page's right-most child (no cell). Every page has >= 2 children.
fn pack_interior(sizes: &[usize], room: usize) -> Vec<std::ops::Range<usize>> {
    let m = sizes.len();
    let mut out = Vec::new();
    let mut a = 0;
    while a < m {
        // Children a..=j: cells for a..j, right-most child j.
        let mut used = PAGE_HEADER;
        let mut j = a;
        while j + 1 < m && used + sizes[j] + 2 <= room {
            used += sizes[j] + 2;
            j += 1;
        }
        if j + 2 == m && j > a + 1 {
            // One child would be left alone on a page: leave it a partner.
            j -= 1;
        }
        out.push(a..j + 1);
        a = j + 1;
    }
    out
}

/// Builds the index rooted at `root` (an empty leaf) from `keys`, which
/// are sorted and distinct under the index's KeyInfo.
pub(super) fn build_index(txn: &mut Txn, root: PageNo, keys: &[&[u8]]) -> Result<()> {
    let ps = txn.page_size() as usize;
    let mut b = Scratch::default();
    let sizes: Vec<usize> = keys.iter().map(|k| cell_size(ps, k, false)).collect();
    let total: usize = sizes.iter().map(|s| s + 2).sum::<usize>() + PAGE_HEADER;
    if total <= room(root, ps) {
        return write_page(txn, root, INDEX_LEAF, keys, &[], 0, &mut b);
    }
    // Level 0: (page, largest key below it) per leaf.
    let mut level: Vec<(PageNo, &[u8])> = Vec::new();
    for r in pack_leaves(&sizes, ps) {
        let pg = txn.allocate_page()?;
        write_page(txn, pg, INDEX_LEAF, &keys[r.clone()], &[], 0, &mut b)?;
        level.push((pg, keys[r.end - 1]));
    }
    let mut seps: Vec<&[u8]> = Vec::new();
    let mut kids: Vec<PageNo> = Vec::new();
    for _ in 0..MAX_DEPTH {
        let sizes: Vec<usize> = level.iter().map(|(_, k)| cell_size(ps, k, true)).collect();
        let m = level.len();
        let one: usize = sizes[..m - 1].iter().map(|s| s + 2).sum::<usize>() + PAGE_HEADER;
        let groups = if one <= room(root, ps) { std::iter::once(0..m).collect() } else { pack_interior(&sizes, ps) };
        let mut next: Vec<(PageNo, &[u8])> = Vec::with_capacity(groups.len());
        for r in &groups {
            let g = &level[r.clone()];
            let (right, max) = g[g.len() - 1];
            seps.clear();
            kids.clear();
            for &(c, k) in &g[..g.len() - 1] {
                kids.push(c);
                seps.push(k);
            }
            let pg = if groups.len() == 1 { root } else { txn.allocate_page()? };
            write_page(txn, pg, INDEX_INTERIOR, &seps, &kids, right, &mut b)?;
            next.push((pg, max));
        }
        if groups.len() == 1 {
            return Ok(());
        }
        level = next;
    }
    Err(Error::corrupt("bulk index build: tree too deep"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_packing_never_leaves_a_lone_child() {
        for m in 2..300 {
            for size in [10usize, 100, 900] {
                let sizes = vec![size; m];
                let groups = pack_interior(&sizes, 4096);
                assert_eq!(groups.first().map(|r| r.start), Some(0));
                assert_eq!(groups.last().map(|r| r.end), Some(m));
                for w in groups.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                }
                for g in &groups {
                    assert!(g.len() >= 2, "m={m} size={size} {groups:?}");
                    let used: usize = sizes[g.start..g.end - 1].iter().map(|s| s + 2).sum::<usize>() + PAGE_HEADER;
                    assert!(used <= 4096);
                }
            }
        }
    }
}
