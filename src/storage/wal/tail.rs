//! Tail frames rewritten in place. A page the open write transaction
//! spills again while it already has a tail frame gets that frame
//! overwritten instead of a new one, so the tail never holds more frames
//! than the transaction has distinct pages (SQLite's WAL does the same
//! within a transaction). The caller guarantees no savepoint image lives
//! in an overwritten frame.
//!
//! An overwrite breaks the CRC chain from that frame on: the frame is
//! written with a zero CRC and `rechain_from` remembers the lowest such
//! frame. Before the commit frames go out, `rechain_tail` reads the tail
//! from there in chunks of at most WRITE_CHUNK bytes, recomputes each
//! chained CRC and writes the frames back. Until then the broken chain is
//! harmless: tail frames have no commit frame after them, so recovery
//! ignores them whatever their CRCs.

use super::{Wal, FH_COMMIT, FH_CRC, FH_PGNO, FH_SALT1, FH_SALT2, FRAME_HEADER_SIZE, WRITE_CHUNK};
use crate::error::{Error, Result};
use crate::storage::header::{get_u32, put_u32};
use crate::storage::pager::PageNo;

impl Wal {
    /// Writes `pages` over their tail frames `(frame, pgno, data)`. On
    /// error the frames may hold anything; the transaction must roll back
    /// (as after a failed append, its tail is then dropped).
    pub fn overwrite_tail(&mut self, pages: &[(u32, PageNo, &[u8])]) -> Result<()> {
        if pages.is_empty() {
            return Ok(());
        }
        let file = self.file.clone().ok_or_else(|| Error::internal("tail overwrite without a WAL file"))?;
        let mut buf = Vec::with_capacity(self.frame_size() as usize);
        for &(frame, pgno, data) in pages {
            debug_assert!(
                frame > self.mx_frame && frame <= self.mx_frame + self.tail,
                "frame {frame} is not in the tail"
            );
            debug_assert_eq!(data.len(), self.page_size as usize);
            let mut fh = [0u8; FRAME_HEADER_SIZE];
            put_u32(&mut fh, FH_PGNO, pgno);
            put_u32(&mut fh, FH_COMMIT, 0);
            put_u32(&mut fh, FH_SALT1, self.salt1);
            put_u32(&mut fh, FH_SALT2, self.salt2);
            buf.clear();
            buf.extend_from_slice(&fh);
            buf.extend_from_slice(data);
            self.unsynced = true;
            file.write_at(self.frame_offset(frame), &buf)?;
            self.rechain_from = Some(self.rechain_from.map_or(frame, |f| f.min(frame)));
        }
        Ok(())
    }

    /// Makes the tail's CRC chain whole again after overwrites (see the
    /// module comment); `tail_crc` is then the chain's end.
    pub(super) fn rechain_tail(&mut self) -> Result<()> {
        let Some(from) = self.rechain_from else { return Ok(()) };
        let file = self.file.clone().ok_or_else(|| Error::internal("tail rechain without a WAL file"))?;
        let mut crc = match from {
            1 => self.header_crc,
            f if f == self.mx_frame + 1 => self.last_crc,
            f => {
                let mut b = [0u8; 4];
                file.read_at(self.frame_offset(f - 1) + FH_CRC as u64, &mut b)?;
                get_u32(&b, 0)
            }
        };
        let fs = self.frame_size() as usize;
        let per_chunk = (WRITE_CHUNK / fs).max(1) as u32;
        let end = self.mx_frame + self.tail;
        let mut buf = Vec::new();
        let mut f = from;
        while f <= end {
            let n = per_chunk.min(end - f + 1);
            buf.resize(n as usize * fs, 0);
            let off = self.frame_offset(f);
            file.read_at(off, &mut buf)?;
            for frame in buf.chunks_exact_mut(fs) {
                let mut h = crc32fast::Hasher::new_with_initial(crc);
                h.update(&frame[..FH_CRC]);
                h.update(&frame[FRAME_HEADER_SIZE..]);
                crc = h.finalize();
                put_u32(frame, FH_CRC, crc);
            }
            self.unsynced = true;
            file.write_at(off, &buf)?;
            f += n;
        }
        self.tail_crc = crc;
        self.rechain_from = None;
        Ok(())
    }
}
