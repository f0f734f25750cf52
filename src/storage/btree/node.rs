//! The byte layout of one B-tree page, and bounds-checked access to it.
//!
//! ```text
//! offset size field (big-endian)
//!   0     1  page type: TABLE_INTERIOR 0x05, TABLE_LEAF 0x0D,
//!            INDEX_INTERIOR 0x02, INDEX_LEAF 0x0A
//!   1     1  reserved, zero
//!   2     2  number of cells n
//!   4     2  start of the cell content area (0 means 65536)
//!   6     2  fragmented free bytes inside the content area
//!   8     4  right-most child page (interior pages; 0 on leaves)
//!  12   2*n  cell pointer array: offset of each cell, in key order
//!  ...       unallocated gap
//!  start..   cell content area (cells in any order, plus fragments)
//! ```
//! Cells (varints as in record.rs):
//! ```text
//! table leaf:      varint rowid (i64 as u64), varint payload_len,
//!                  local payload, [u32 first overflow page]
//! table interior:  u32 left child, varint rowid (the largest rowid in
//!                  the child's subtree is <= this key)
//! index leaf:      varint payload_len, local payload, [u32 overflow]
//! index interior:  u32 left child, varint payload_len, local payload,
//!                  [u32 overflow]   (a separator key: every key in the
//!                  left child is <= it, every key to its right is >)
//! ```
//! On page 1 the b-tree page header starts at PAGE1_BTREE_OFFSET (100),
//! after the database header; cell offsets stay relative to the page start.
//! Page 1 is the root of the schema table.
//!
//! The overflow pointer is present iff payload_len > local_size(payload_len).
//! Overflow page: u32 next overflow page (0 = last), then payload bytes.
//!
//! Child i of an interior page is the left child of cell i for i < n and
//! the right-most child for i == n. Free space = gap + fragmented bytes.

use crate::error::{Error, Result};
use crate::storage::header::{get_u32, put_u32};
use crate::storage::record::{get_varint, put_varint};

pub const TABLE_INTERIOR: u8 = 0x05;
pub const TABLE_LEAF: u8 = 0x0D;
pub const INDEX_INTERIOR: u8 = 0x02;
pub const INDEX_LEAF: u8 = 0x0A;

pub const OFF_TYPE: usize = 0;
pub const OFF_NCELLS: usize = 2;
pub const OFF_CONTENT: usize = 4;
pub const OFF_FRAG: usize = 6;
pub const OFF_RIGHT: usize = 8;
pub const PAGE_HEADER: usize = 12;
/// Page 1 starts with the database header; its b-tree page header (the
/// schema table's root) starts here. Offsets above are relative to the
/// b-tree header; cell offsets are always relative to the page start.
pub const PAGE1_BTREE_OFFSET: usize = 100;

/// Offset of the b-tree page header on page `pgno`.
#[inline]
pub fn hdr(pgno: u32) -> usize {
    if pgno == 1 {
        PAGE1_BTREE_OFFSET
    } else {
        0
    }
}

/// The b-tree page type byte of page `pgno`.
#[inline]
pub fn page_type(d: &[u8], pgno: u32) -> u8 {
    d[hdr(pgno) + OFF_TYPE]
}

#[inline]
pub fn get_u16(b: &[u8], off: usize) -> usize {
    usize::from(u16::from_be_bytes([b[off], b[off + 1]]))
}
#[inline]
pub fn put_u16(b: &mut [u8], off: usize, v: usize) {
    b[off..off + 2].copy_from_slice(&(v as u16).to_be_bytes());
}

#[inline]
pub fn is_leaf(t: u8) -> bool {
    t == TABLE_LEAF || t == INDEX_LEAF
}
#[inline]
pub fn is_table(t: u8) -> bool {
    t == TABLE_LEAF || t == TABLE_INTERIOR
}

/// Largest cell a page of `ps` bytes accepts: four of them (with their
/// pointers) always fit, so a split always produces two fitting halves.
#[inline]
pub fn max_cell(ps: usize) -> usize {
    (ps - PAGE_HEADER) / 4 - 2
}
/// Largest payload stored wholly inside a cell.
#[inline]
pub fn max_local(ps: usize) -> usize {
    max_cell(ps) - 4 - 9 - 9 - 4
}
#[inline]
pub fn min_local(ps: usize) -> usize {
    (ps - 12) * 32 / 255 - 23
}
/// Bytes of a payload of `n` bytes kept in the cell; the rest overflows.
/// The local part is chosen so the overflow fills whole pages if possible.
#[inline]
pub fn local_size(ps: usize, n: usize) -> usize {
    let max = max_local(ps);
    if n <= max {
        return n;
    }
    let min = min_local(ps);
    let k = min + (n - min) % (ps - 4);
    if k <= max {
        k
    } else {
        min
    }
}

/// A parsed cell (offsets into the page).
#[derive(Clone, Copy, Debug, Default)]
pub struct Cell {
    pub child: u32,
    pub rowid: i64,
    pub payload_len: usize,
    pub local_off: usize,
    pub local_len: usize,
    pub overflow: u32,
    pub size: usize,
}

#[cold]
#[inline(never)]
fn bad(pgno: u32, what: &str) -> Error {
    Error::corrupt(format!("page {pgno}: {what}"))
}

/// A page viewed as a B-tree node; construction validates the header.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    pub data: &'a [u8],
    pub pgno: u32,
    pub kind: u8,
    pub n: usize,
    /// Offset of the b-tree page header (PAGE1_BTREE_OFFSET on page 1).
    pub h: usize,
}

impl<'a> Node<'a> {
    #[inline]
    pub fn new(data: &'a [u8], pgno: u32) -> Result<Node<'a>> {
        let h = hdr(pgno);
        let kind = data[h + OFF_TYPE];
        if !matches!(kind, TABLE_INTERIOR | TABLE_LEAF | INDEX_INTERIOR | INDEX_LEAF) {
            return Err(bad(pgno, "not a b-tree page"));
        }
        let n = get_u16(data, h + OFF_NCELLS);
        if h + PAGE_HEADER + 2 * n > data.len() {
            return Err(bad(pgno, "cell count too large"));
        }
        Ok(Node { data, pgno, kind, n, h })
    }
    #[inline]
    pub fn is_leaf(&self) -> bool {
        is_leaf(self.kind)
    }
    #[inline]
    pub fn right(&self) -> u32 {
        get_u32(self.data, self.h + OFF_RIGHT)
    }
    #[inline]
    pub fn cell_off(&self, i: usize) -> Result<usize> {
        let off = get_u16(self.data, self.h + PAGE_HEADER + 2 * i);
        if off < self.h + PAGE_HEADER + 2 * self.n || off >= self.data.len() {
            return Err(bad(self.pgno, "cell offset out of range"));
        }
        Ok(off)
    }
    /// Parses cell `i`, checking that it lies inside the page.
    #[inline]
    pub fn cell(&self, i: usize) -> Result<Cell> {
        let off = self.cell_off(i)?;
        parse_cell(self.data, off, self.kind, self.pgno)
    }
    /// Rowid of cell `i` of a table page (fast path).
    #[inline]
    pub fn rowid_at(&self, i: usize) -> Result<i64> {
        let off = self.cell_off(i)?;
        let d = self.data;
        // The rowid comes first in both table cell kinds (after the child
        // pointer on interior pages).
        let p = if self.kind == TABLE_INTERIOR { off + 4 } else { off };
        if p >= d.len() {
            return Err(bad(self.pgno, "bad cell"));
        }
        let (r, _) = get_varint(&d[p..]).ok_or_else(|| bad(self.pgno, "bad cell"))?;
        Ok(r as i64)
    }
    /// Child page `i` (0..=n) of an interior page.
    #[inline]
    pub fn child(&self, i: usize) -> Result<u32> {
        let c = if i < self.n {
            let off = self.cell_off(i)?;
            if off + 4 > self.data.len() {
                return Err(bad(self.pgno, "bad cell"));
            }
            get_u32(self.data, off)
        } else {
            self.right()
        };
        if c == 0 {
            return Err(bad(self.pgno, "null child pointer"));
        }
        Ok(c)
    }
    /// Raw bytes of cell `i`.
    pub fn cell_bytes(&self, i: usize) -> Result<&'a [u8]> {
        let off = self.cell_off(i)?;
        let c = parse_cell(self.data, off, self.kind, self.pgno)?;
        Ok(&self.data[off..off + c.size])
    }
    pub fn free_space(&self) -> usize {
        let start = content_start(self.data, self.h);
        let gap = start.saturating_sub(self.h + PAGE_HEADER + 2 * self.n);
        gap + get_u16(self.data, self.h + OFF_FRAG)
    }
}

#[inline]
fn content_start(d: &[u8], h: usize) -> usize {
    match get_u16(d, h + OFF_CONTENT) {
        0 => 65536,
        x => x,
    }
    .min(d.len())
}

/// The common table leaf cell: a payload length varint of at most two
/// bytes, the whole payload local and inside `d`. None for anything else
/// (the general parser then decides, and reports corruption).
#[inline(always)]
fn table_leaf_quick(d: &[u8], off: usize, page_size: usize) -> Option<Cell> {
    let (rowid, p) = get_varint(d.get(off..)?)?;
    let b = d.get(off + p..off + p + 2)?;
    let (len, q) = if b[0] < 0x80 {
        (usize::from(b[0]), 1)
    } else if b[1] < 0x80 {
        ((usize::from(b[0] & 0x7f) << 7) | usize::from(b[1]), 2)
    } else {
        return None;
    };
    let local_off = off + p + q;
    if len > max_local(page_size) || local_off + len > d.len() {
        return None;
    }
    Some(Cell {
        child: 0,
        rowid: rowid as i64,
        payload_len: len,
        local_off,
        local_len: len,
        overflow: 0,
        size: p + q + len,
    })
}

/// Cell `i` of a table leaf page `d` (page `pgno`, `n` cells) when it is
/// the common shape (see `table_leaf_quick`) and its pointer is in range;
/// None otherwise (the caller then takes the checked path through `Node`).
/// Lets a cursor step without re-validating the page header per row.
#[inline(always)]
pub fn table_leaf_cell_quick(d: &[u8], pgno: u32, i: usize, n: usize) -> Option<Cell> {
    let h = hdr(pgno);
    if i >= n || d.get(h + OFF_TYPE) != Some(&TABLE_LEAF) {
        return None;
    }
    let p = h + PAGE_HEADER + 2 * i;
    let b = d.get(p..p + 2)?;
    let off = usize::from(u16::from_be_bytes([b[0], b[1]]));
    if off < h + PAGE_HEADER + 2 * n || off >= d.len() {
        return None;
    }
    table_leaf_quick(d, off, d.len())
}

/// Parses the cell at `off` of a page of type `kind`.
/// `page_size` fixes the local share; bounds are checked against `d`.
#[inline]
pub fn parse_cell_ps(d: &[u8], off: usize, kind: u8, pgno: u32, page_size: usize) -> Result<Cell> {
    if kind == TABLE_LEAF {
        if let Some(c) = table_leaf_quick(d, off, page_size) {
            return Ok(c);
        }
    }
    parse_cell_slow(d, off, kind, pgno, page_size)
}

fn parse_cell_slow(d: &[u8], off: usize, kind: u8, pgno: u32, page_size: usize) -> Result<Cell> {
    let ps = d.len();
    let mut c = Cell::default();
    let mut p = off;
    let err = || bad(pgno, "malformed cell");
    if kind == TABLE_INTERIOR || kind == INDEX_INTERIOR {
        if p + 4 > ps {
            return Err(err());
        }
        c.child = get_u32(d, p);
        p += 4;
    }
    if kind == TABLE_INTERIOR {
        let (r, n) = get_varint(&d[p.min(ps)..]).ok_or_else(err)?;
        c.rowid = r as i64;
        c.size = p + n - off;
        return Ok(c);
    }
    if kind == TABLE_LEAF {
        let (r, n) = get_varint(&d[p.min(ps)..]).ok_or_else(err)?;
        c.rowid = r as i64;
        p += n;
    }
    let (len, n) = get_varint(&d[p.min(ps)..]).ok_or_else(err)?;
    p += n;
    if len > (1 << 31) {
        return Err(err());
    }
    c.payload_len = len as usize;
    c.local_len = local_size(page_size, c.payload_len);
    c.local_off = p;
    p += c.local_len;
    if c.local_len < c.payload_len {
        if p + 4 > ps {
            return Err(err());
        }
        c.overflow = get_u32(d, p);
        p += 4;
    }
    if p > ps {
        return Err(err());
    }
    c.size = p - off;
    Ok(c)
}

/// Parses the cell at `off` of a whole page.
#[inline]
pub fn parse_cell(d: &[u8], off: usize, kind: u8, pgno: u32) -> Result<Cell> {
    parse_cell_ps(d, off, kind, pgno, d.len())
}

/// Formats an empty b-tree page of the given type (on page 1, only the
/// part after the database header).
pub fn init_page(d: &mut [u8], pgno: u32, kind: u8) {
    let h = hdr(pgno);
    d[h..h + PAGE_HEADER].fill(0);
    d[h + OFF_TYPE] = kind;
    let ps = d.len();
    put_u16(d, h + OFF_CONTENT, if ps == 65536 { 0 } else { ps });
}

/// Rewrites the page with exactly `cells` (in order) and `right`; the
/// caller has checked `cells_fit(room(pgno, ..), cells)`.
pub fn rebuild<C: AsRef<[u8]>>(d: &mut [u8], pgno: u32, kind: u8, cells: &[C], right: u32) {
    let h = hdr(pgno);
    let ps = d.len();
    init_page(d, pgno, kind);
    put_u32(d, h + OFF_RIGHT, right);
    let mut top = ps;
    for (i, c) in cells.iter().enumerate() {
        let c = c.as_ref();
        top -= c.len();
        d[top..top + c.len()].copy_from_slice(c);
        put_u16(d, h + PAGE_HEADER + 2 * i, top);
    }
    put_u16(d, h + OFF_NCELLS, cells.len());
    put_u16(d, h + OFF_CONTENT, if top == 65536 { 0 } else { top });
}

/// Bytes of page `pgno` (of `ps` bytes) available to a b-tree page.
#[inline]
pub fn room(pgno: u32, ps: usize) -> usize {
    ps - hdr(pgno)
}

thread_local! {
    /// Copy of the page being defragmented (reused: no allocation per call).
    static DEFRAG_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Compacts the content area (drops fragments). Cells keep their order;
/// they are packed from the end of the page down, as `rebuild` does.
pub fn defragment(d: &mut [u8], pgno: u32) -> Result<()> {
    DEFRAG_BUF.with(|b| {
        let mut tmp = b.borrow_mut();
        tmp.clear();
        tmp.extend_from_slice(d);
        let node = Node::new(&tmp, pgno)?;
        let (n, h) = (node.n, node.h);
        let mut need = PAGE_HEADER + 2 * n;
        for i in 0..n {
            need += node.cell_bytes(i)?.len();
        }
        if need > room(pgno, d.len()) {
            return Err(bad(pgno, "cells overlap"));
        }
        let mut top = d.len();
        for i in 0..n {
            let c = node.cell_bytes(i)?;
            top -= c.len();
            d[top..top + c.len()].copy_from_slice(c);
            put_u16(d, h + PAGE_HEADER + 2 * i, top);
        }
        put_u16(d, h + OFF_CONTENT, if top == 65536 { 0 } else { top });
        put_u16(d, h + OFF_FRAG, 0);
        Ok(())
    })
}

/// Replaces cell `idx` by `cell` in place when it is no larger than the
/// old cell (the bytes it leaves unused become a fragment); false (page
/// untouched) when it is larger. The caller frees the old overflow chain.
pub fn overwrite_cell(d: &mut [u8], pgno: u32, idx: usize, cell: &[u8]) -> Result<bool> {
    let node = Node::new(d, pgno)?;
    if idx >= node.n {
        return Err(bad(pgno, "overwrite position out of range"));
    }
    let h = node.h;
    let off = node.cell_off(idx)?;
    let old = parse_cell(d, off, node.kind, pgno)?.size;
    if cell.len() > old {
        return Ok(false);
    }
    d[off..off + cell.len()].copy_from_slice(cell);
    let spare = old - cell.len();
    if spare > 0 {
        let frag = get_u16(d, h + OFF_FRAG) + spare;
        put_u16(d, h + OFF_FRAG, frag.min(0xffff));
        if frag > 0xffff {
            defragment(d, pgno)?;
        }
    }
    Ok(true)
}

/// True when `cells` and their pointers fit in an empty b-tree page with
/// `room` bytes (see `room`).
pub fn cells_fit<C: AsRef<[u8]>>(room: usize, cells: &[C]) -> bool {
    cells.iter().map(|c| c.as_ref().len() + 2).sum::<usize>() + PAGE_HEADER <= room
}

/// Inserts `cell` as cell `idx`; false when it does not fit.
pub fn insert_cell(d: &mut [u8], pgno: u32, idx: usize, cell: &[u8]) -> Result<bool> {
    let node = Node::new(d, pgno)?;
    let (n, h) = (node.n, node.h);
    if idx > n {
        return Err(bad(pgno, "insert position out of range"));
    }
    if node.free_space() < cell.len() + 2 {
        return Ok(false);
    }
    let mut start = content_start(d, h);
    if start < h + PAGE_HEADER + 2 * n + 2 + cell.len() {
        defragment(d, pgno)?;
        start = content_start(d, h);
        if start < h + PAGE_HEADER + 2 * n + 2 + cell.len() {
            return Ok(false);
        }
    }
    let top = start - cell.len();
    d[top..start].copy_from_slice(cell);
    let ptrs = h + PAGE_HEADER + 2 * idx;
    d.copy_within(ptrs..h + PAGE_HEADER + 2 * n, ptrs + 2);
    put_u16(d, ptrs, top);
    put_u16(d, h + OFF_NCELLS, n + 1);
    put_u16(d, h + OFF_CONTENT, top);
    Ok(true)
}

/// Removes cell `idx` (its bytes become a fragment).
pub fn remove_cell(d: &mut [u8], pgno: u32, idx: usize) -> Result<()> {
    let node = Node::new(d, pgno)?;
    let (n, h) = (node.n, node.h);
    if idx >= n {
        return Err(bad(pgno, "remove position out of range"));
    }
    let off = node.cell_off(idx)?;
    let size = parse_cell(d, off, node.kind, pgno)?.size;
    let ptrs = h + PAGE_HEADER + 2 * idx;
    d.copy_within(ptrs + 2..h + PAGE_HEADER + 2 * n, ptrs);
    put_u16(d, h + OFF_NCELLS, n - 1);
    if n == 1 {
        let kind = d[h + OFF_TYPE];
        let right = get_u32(d, h + OFF_RIGHT);
        init_page(d, pgno, kind);
        put_u32(d, h + OFF_RIGHT, right);
    } else if off == content_start(d, h) {
        put_u16(d, h + OFF_CONTENT, off + size);
    } else {
        let frag = get_u16(d, h + OFF_FRAG) + size;
        put_u16(d, h + OFF_FRAG, frag.min(0xffff));
        if frag > 0xffff {
            defragment(d, pgno)?;
        }
    }
    Ok(())
}

/// Sets the right-most child of an interior page.
pub fn set_right(d: &mut [u8], pgno: u32, child: u32) {
    put_u32(d, hdr(pgno) + OFF_RIGHT, child);
}

/// Sets child pointer `i` (0..=n) of an interior page.
pub fn set_child(d: &mut [u8], pgno: u32, i: usize, child: u32) -> Result<()> {
    let node = Node::new(d, pgno)?;
    if i < node.n {
        let off = node.cell_off(i)?;
        if off + 4 > d.len() {
            return Err(bad(pgno, "bad cell"));
        }
        put_u32(d, off, child);
    } else {
        set_right(d, pgno, child);
    }
    Ok(())
}

/// Builds a table interior cell.
pub fn table_interior_cell(child: u32, rowid: i64, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&child.to_be_bytes());
    let mut t = [0u8; 9];
    let n = put_varint(&mut t, rowid as u64);
    out.extend_from_slice(&t[..n]);
}

/// Builds the prefix of a payload cell (child, rowid, length); the caller
/// appends the local payload and the overflow pointer.
pub fn payload_cell_prefix(kind: u8, child: u32, len: usize, rowid: i64, out: &mut Vec<u8>) {
    out.clear();
    if kind == INDEX_INTERIOR {
        out.extend_from_slice(&child.to_be_bytes());
    }
    let mut t = [0u8; 9];
    if kind == TABLE_LEAF {
        let n = put_varint(&mut t, rowid as u64);
        out.extend_from_slice(&t[..n]);
    }
    let n = put_varint(&mut t, len as u64);
    out.extend_from_slice(&t[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_remove_defrag() {
        let mut d = vec![0u8; 512];
        init_page(&mut d, 2, INDEX_LEAF);
        let mut cell = Vec::new();
        let mut k = 0;
        loop {
            payload_cell_prefix(INDEX_LEAF, 0, 20, 0, &mut cell);
            cell.extend_from_slice(&[k as u8; 20]);
            if !insert_cell(&mut d, 2, 0, &cell).unwrap() {
                break;
            }
            k += 1;
        }
        assert!(k >= 20);
        let n = Node::new(&d, 2).unwrap();
        assert_eq!(n.n, k);
        for _ in 0..5 {
            remove_cell(&mut d, 2, 3).unwrap();
        }
        // Fragments are reused after defragmentation.
        for _ in 0..5 {
            assert!(insert_cell(&mut d, 2, 1, &cell).unwrap());
        }
        assert!(!insert_cell(&mut d, 2, 1, &cell).unwrap());
        let n = Node::new(&d, 2).unwrap();
        for i in 0..n.n {
            assert_eq!(n.cell(i).unwrap().payload_len, 20);
        }
    }

    #[test]
    fn local_sizes() {
        for ps in [512usize, 1024, 4096, 65536] {
            assert!(max_local(ps) > min_local(ps));
            for n in [0, 10, max_local(ps), max_local(ps) + 1, 5000, 100_000] {
                let l = local_size(ps, n);
                assert!(l <= max_local(ps) && l <= n);
                assert!(l + 4 + 9 + 9 + 4 <= max_cell(ps));
            }
        }
    }

    #[test]
    fn corrupt_offsets_are_errors() {
        let mut d = vec![0u8; 512];
        init_page(&mut d, 2, TABLE_LEAF);
        put_u16(&mut d, OFF_NCELLS, 1);
        put_u16(&mut d, PAGE_HEADER, 510);
        let n = Node::new(&d, 2).unwrap();
        assert!(n.cell(0).is_err() || n.cell(0).unwrap().size <= 2);
        d[0] = 99;
        assert!(Node::new(&d, 2).is_err());
    }
}
