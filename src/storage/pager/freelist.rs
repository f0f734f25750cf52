//! The freelist: pages no tree uses, kept for reuse.
//!
//! A chain of trunk pages; the header holds the first trunk and the count
//! of free pages (trunks included). Trunk page layout (big-endian):
//! ```text
//! 0   4  next trunk page (0 = last)
//! 4   4  number L of leaf page numbers that follow (L <= (page size - 8) / 4)
//! 8  4L  leaf page numbers (free pages whose content is meaningless)
//! ```
//! Freeing a page appends it to the first trunk's leaf list (only the trunk
//! is written); when the trunk is full the freed page becomes the new first
//! trunk. Allocation takes the last leaf of the first trunk, or the trunk
//! itself when it has no leaves. An allocated page is handed out zeroed
//! without reading its old content.

use super::Txn;
use crate::error::{Error, ErrorKind, Result};
use crate::storage::header::{get_u32, put_u32};
use crate::storage::pager::PageNo;

pub const TRUNK_NEXT: usize = 0;
pub const TRUNK_COUNT: usize = 4;
pub const TRUNK_LEAVES: usize = 8;

/// Leaf page numbers one trunk page can hold.
pub fn trunk_capacity(page_size: usize) -> usize {
    (page_size - TRUNK_LEAVES) / 4
}

impl Txn {
    /// Allocates a page (from the freelist, else by growing the file); its
    /// content is zeroed.
    pub fn allocate_page(&mut self) -> Result<PageNo> {
        if self.write.is_none() {
            return Err(Error::misuse("allocate outside a write transaction"));
        }
        let head = self.state.freelist_head;
        if head != 0 {
            let pc = self.state.page_count;
            let cap = trunk_capacity(self.state.page_size as usize);
            let trunk = self.page(head)?;
            let next = get_u32(&trunk, TRUNK_NEXT);
            let n = get_u32(&trunk, TRUNK_COUNT) as usize;
            if head < 2 || next == 1 || next > pc || n > cap || self.state.freelist_count == 0 {
                return Err(Error::corrupt(format!("freelist trunk page {head}")));
            }
            if n > 0 {
                let leaf = get_u32(&trunk, TRUNK_LEAVES + 4 * (n - 1));
                drop(trunk);
                if leaf < 2 || leaf > pc || leaf == head {
                    return Err(Error::corrupt(format!("freelist trunk page {head} lists page {leaf}")));
                }
                put_u32(self.page_mut(head)?, TRUNK_COUNT, (n - 1) as u32);
                self.state.freelist_count -= 1;
                self.fresh_page(leaf)?;
                return Ok(leaf);
            }
            drop(trunk);
            self.state.freelist_head = next;
            self.state.freelist_count -= 1;
            self.fresh_page(head)?;
            return Ok(head);
        }
        if self.state.page_count == u32::MAX - 1 {
            return Err(Error::new(ErrorKind::Full, "database or disk is full"));
        }
        self.state.page_count += 1;
        let pgno = self.state.page_count;
        self.fresh_page(pgno)?;
        Ok(pgno)
    }

    /// Puts a page on the freelist.
    pub fn free_page(&mut self, pgno: PageNo) -> Result<()> {
        if pgno <= 1 || pgno > self.state.page_count {
            return Err(Error::corrupt(format!("freeing invalid page {pgno}")));
        }
        let head = self.state.freelist_head;
        if head != 0 {
            let cap = trunk_capacity(self.state.page_size as usize);
            let n = get_u32(&self.page(head)?, TRUNK_COUNT) as usize;
            if n > cap {
                return Err(Error::corrupt(format!("freelist trunk page {head}")));
            }
            if n < cap {
                let d = self.page_mut(head)?;
                put_u32(d, TRUNK_LEAVES + 4 * n, pgno);
                put_u32(d, TRUNK_COUNT, (n + 1) as u32);
                self.state.freelist_count += 1;
                return Ok(());
            }
        }
        // The freed page becomes the first trunk.
        self.fresh_page(pgno)?;
        let d = self.page_mut(pgno)?;
        put_u32(d, TRUNK_NEXT, head);
        put_u32(d, TRUNK_COUNT, 0);
        self.state.freelist_head = pgno;
        self.state.freelist_count += 1;
        Ok(())
    }
}
