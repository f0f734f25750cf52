//! Rows read back by position from a temporary file (a window partition
//! too large for its budget).
//!
//! Layout: one run of a [`RunFile`] (entries `varint(n) || record`), cut
//! into blocks: a block ends once its rows hold `block` bytes decoded
//! (`row_bytes`), so a decoded block holds less than `block` bytes plus
//! one row. In memory stay, for each block, its file offset and its first
//! row's position (16 bytes a block, charged), and a cache of at most
//! CACHED decoded blocks (charged while cached). Reading row i finds its
//! block in the cache, or reads and decodes it in place of the least
//! recently used.
//!
//! Sizes follow W: blocks of W/64 (4 to 64 KiB), so the cache holds
//! about W/8 (at least 32 KiB) and the index 16 bytes per block: a
//! partition of P decoded bytes keeps P * 1024 / W bytes of index, within
//! W up to a partition of W * W / 1024 (1 GiB under W = 1 MiB; blocks stop
//! growing at 64 KiB, which gives 32 GiB under W = 8 MiB).
//!
//! Invariants: `starts` and `firsts` grow together, one entry per block,
//! both strictly increasing; once sealed `starts` has one entry more (the
//! end of the run). A cache slot keeps its index while cached, so two rows
//! can be borrowed at once (`pair`).

use super::runs::{Run, RunFile, RunReader, CHUNK};
use super::{row_bytes, Budget};
use crate::error::Result;
use crate::storage::record::{decode_record, encode_record};
use crate::storage::Value;

/// Most decoded blocks cached at once: enough for the positions a window
/// walk reads at once (current row, frame start and end, group end,
/// lag/lead targets) to stay cached; at least 2, for `pair`.
const CACHED: usize = 8;

/// Bytes of the block index per block: a file offset and a row position.
const INDEX_ENTRY: usize = 16;

pub struct BlockRows {
    file: RunFile,
    /// File offset where each block starts; sealed: then the run's end.
    starts: Vec<u64>,
    /// Position of each block's first row.
    firsts: Vec<usize>,
    /// Rows pushed.
    n: usize,
    /// Decoded bytes of the block being written.
    open_bytes: usize,
    /// Decoded bytes after which a block ends.
    block: usize,
    sealed: bool,
    cache: Vec<Block>,
    /// Cache slot of the last hit, tried first.
    last: usize,
    tick: u64,
    budget: Budget,
    rec: Vec<u8>,
}

struct Block {
    first: usize,
    rows: Vec<Vec<Value>>,
    bytes: usize,
    used: u64,
}

impl BlockRows {
    /// An empty file of rows; what it keeps in memory is charged to
    /// `budget`, and its blocks are sized by the budget's limit W.
    pub fn new(budget: Budget) -> Result<BlockRows> {
        let block = (budget.limit() / 64).clamp(4 << 10, 64 << 10);
        let mut b = BlockRows {
            file: RunFile::new()?,
            starts: Vec::new(),
            firsts: Vec::new(),
            n: 0,
            open_bytes: block,
            block,
            sealed: false,
            cache: Vec::with_capacity(CACHED),
            last: 0,
            tick: 0,
            budget,
            rec: Vec::new(),
        };
        // The write buffer.
        b.budget.charge(CHUNK);
        Ok(b)
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// What this store holds in memory now.
    pub fn held(&self) -> usize {
        self.budget.held()
    }

    pub fn push(&mut self, row: &[Value]) -> Result<()> {
        debug_assert!(!self.sealed, "rows pushed after sealing");
        if self.open_bytes >= self.block {
            self.starts.push(self.file.position());
            self.firsts.push(self.n);
            self.budget.charge(INDEX_ENTRY);
            self.open_bytes = 0;
        }
        self.open_bytes += row_bytes(row);
        self.rec.clear();
        encode_record(row, &mut self.rec);
        self.file.push(&self.rec)?;
        self.n += 1;
        Ok(())
    }

    /// Ends the writing; rows can be read from now on.
    pub fn seal(&mut self) -> Result<()> {
        if !self.sealed {
            let run = self.file.end_run()?;
            self.starts.push(run.end);
            self.sealed = true;
            self.budget.credit(CHUNK);
        }
        Ok(())
    }

    /// Row `pos` (< len), from the cache or read into it.
    pub fn row(&mut self, pos: usize) -> Result<&[Value]> {
        let s = self.slot(pos)?;
        let b = &self.cache[s];
        Ok(&b.rows[pos - b.first])
    }

    /// Rows `a` and `b` at once.
    pub fn pair(&mut self, a: usize, b: usize) -> Result<(&[Value], &[Value])> {
        self.slot(a)?;
        let sb = self.slot(b)?;
        // Loading b's block never evicts a's, which was used last.
        let sa = self.find(a).expect("the block used last stays cached");
        let (x, y) = (&self.cache[sa], &self.cache[sb]);
        Ok((&x.rows[a - x.first], &y.rows[b - y.first]))
    }

    fn find(&self, pos: usize) -> Option<usize> {
        let has = |b: &Block| pos >= b.first && pos < b.first + b.rows.len();
        if self.cache.get(self.last).is_some_and(has) {
            return Some(self.last);
        }
        self.cache.iter().position(has)
    }

    /// The cache slot holding `pos`'s block, marked as used now.
    fn slot(&mut self, pos: usize) -> Result<usize> {
        assert!(self.sealed && pos < self.n, "row {pos} of {} read before sealing or past the end", self.n);
        self.tick += 1;
        let s = match self.find(pos) {
            Some(s) => s,
            None => self.load(pos)?,
        };
        self.cache[s].used = self.tick;
        self.last = s;
        Ok(s)
    }

    /// Reads and decodes the block of `pos` into the cache; in HARD mode
    /// what stays in memory (the index and at least two blocks) must fit
    /// in W.
    fn load(&mut self, pos: usize) -> Result<usize> {
        let k = self.firsts.partition_point(|&f| f <= pos) - 1;
        let mut rd = RunReader::new(Run { start: self.starts[k], end: self.starts[k + 1] });
        let mut rows = Vec::with_capacity(self.firsts.get(k + 1).unwrap_or(&self.n) - self.firsts[k]);
        let mut bytes = 0;
        while let Some(rec) = rd.next(self.file.file())? {
            let mut r = Vec::new();
            decode_record(rec, &mut r)?;
            bytes += row_bytes(&r);
            rows.push(r);
        }
        debug_assert_eq!(self.firsts[k] + rows.len(), self.firsts.get(k + 1).copied().unwrap_or(self.n));
        self.make_room(bytes);
        self.cache.push(Block { first: self.firsts[k], rows, bytes, used: self.tick });
        self.budget.charge(bytes);
        self.budget.check_own_hard()?;
        Ok(self.cache.len() - 1)
    }

    /// Evicts least recently used blocks until one more fits: below
    /// CACHED blocks, and within W while more than the block used last
    /// (which `pair` may be holding) is cached.
    fn make_room(&mut self, bytes: usize) {
        while self.cache.len() >= CACHED || (self.cache.len() > 1 && self.budget.held() + bytes > self.budget.limit()) {
            let Some(lru) = (0..self.cache.len()).min_by_key(|&s| self.cache[s].used) else { return };
            self.budget.credit(self.cache[lru].bytes);
            self.cache.swap_remove(lru);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::exec::spill::WorkMem;

    #[test]
    fn rows_read_back_by_position_in_any_order() {
        let work = WorkMem::default();
        // 4 KiB blocks.
        let mut b = BlockRows::new(Budget::with_limit(work.clone(), 64 << 10, true)).unwrap();
        let row = |i: usize| vec![Value::Integer(i as i64), Value::Text("x".repeat(i % 50))];
        for i in 0..20_000 {
            b.push(&row(i)).unwrap();
        }
        b.seal().unwrap();
        assert!(b.starts.len() > 50, "{} blocks", b.starts.len());
        let mut x: u64 = 7;
        for _ in 0..5_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let (i, j) = ((x >> 33) as usize % 20_000, (x >> 13) as usize % 20_000);
            assert_eq!(b.row(i).unwrap(), &row(i)[..]);
            let (ri, rj) = b.pair(i, j).unwrap();
            assert_eq!((ri, rj), (&row(i)[..], &row(j)[..]));
        }
        assert!(b.held() <= 64 << 10, "held {}", b.held());
        drop(b);
        assert_eq!(work.used(), 0);
    }
}
