//! Payloads: building cells whose payload may spill to overflow pages,
//! reading a payload back (local part + overflow chain), freeing chains.

use super::*;

/// Builds a payload cell (table leaf, index leaf or index interior),
/// writing the part beyond the local share to new overflow pages.
pub(super) fn build_payload_cell(
    txn: &mut Txn,
    kind: u8,
    child: u32,
    rowid: i64,
    payload: &[u8],
    out: &mut Vec<u8>,
) -> Result<()> {
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

pub(super) fn write_overflow(txn: &mut Txn, data: &[u8]) -> Result<PageNo> {
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
pub(super) fn overflow_pages(ps: usize, c: &Cell) -> usize {
    (c.payload_len - c.local_len).div_ceil(ps - 4)
}

pub(super) fn free_overflow(txn: &mut Txn, c: &Cell) -> Result<()> {
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
pub(super) fn read_payload(txn: &Txn, page: &[u8], c: &Cell, out: &mut Vec<u8>) -> Result<()> {
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
pub(super) fn with_payload<R>(
    txn: &Txn,
    page: &[u8],
    c: &Cell,
    scratch: &mut Vec<u8>,
    f: impl FnOnce(&[u8]) -> Result<R>,
) -> Result<R> {
    if c.overflow == 0 {
        f(&page[c.local_off..c.local_off + c.local_len])
    } else {
        read_payload(txn, page, c, scratch)?;
        f(scratch)
    }
}
