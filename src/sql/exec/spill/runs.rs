//! Runs of records in an anonymous temporary file.
//!
//! Layout: runs lie back to back from offset 0; a run is a sequence of
//! entries `varint(n) || n bytes` (n the length of one record, in the
//! record format of storage/record.rs) and is addressed by its byte range.
//! Writes go through one buffer of CHUNK bytes; each reader reads its run
//! through its own buffer of CHUNK bytes (grown for an entry that is larger).

use crate::error::{Error, ErrorKind, Result};
use crate::storage::record::{encode_record, get_varint, push_varint};
use crate::storage::Value;
use std::fs::File;
use std::os::unix::fs::FileExt;

/// Bytes a writer or reader buffers.
pub const CHUNK: usize = 32 << 10;

/// The smallest reader buffer (`chunk_for`).
const MIN_CHUNK: usize = 4 << 10;

/// The buffer of each reader of a merge under a budget of `limit` bytes:
/// small budgets read through smaller buffers, so that a merge of at
/// least 4 runs fits in a quarter of even a small budget.
pub fn chunk_for(limit: usize) -> usize {
    (limit / 64).clamp(MIN_CHUNK, CHUNK)
}

/// The byte range of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub start: u64,
    pub end: u64,
}

pub struct RunFile {
    file: File,
    /// Bytes written to the file; the buffer holds what follows.
    flushed: u64,
    buf: Vec<u8>,
    /// Where the run being written starts.
    run_start: u64,
}

impl RunFile {
    pub fn new() -> Result<RunFile> {
        Ok(RunFile { file: crate::storage::vfs::temp_file()?, flushed: 0, buf: Vec::new(), run_start: 0 })
    }

    pub fn push(&mut self, rec: &[u8]) -> Result<()> {
        push_varint(&mut self.buf, rec.len() as u64);
        self.buf.extend_from_slice(rec);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Pushes `row` as one record (encoded in the scratch buffer `rec`).
    pub fn push_row(&mut self, row: &[Value], rec: &mut Vec<u8>) -> Result<()> {
        rec.clear();
        encode_record(row, rec);
        self.push(rec)
    }

    /// Where the next entry pushed will start.
    pub fn position(&self) -> u64 {
        self.flushed + self.buf.len() as u64
    }

    /// Ends the run being written and starts the next one after it.
    pub fn end_run(&mut self) -> Result<Run> {
        self.flush()?;
        let run = Run { start: self.run_start, end: self.flushed };
        self.run_start = self.flushed;
        Ok(run)
    }

    /// Empties the file for reuse (a merge pass's source, once merged).
    pub fn clear(&mut self) -> Result<()> {
        self.file.set_len(0).map_err(|e| Error::io(ErrorKind::IoErrTruncate, &e))?;
        self.flushed = 0;
        self.run_start = 0;
        self.buf.clear();
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.file.write_all_at(&self.buf, self.flushed).map_err(|e| Error::io(ErrorKind::IoErrWrite, &e))?;
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
        if self.buf.capacity() > 2 * CHUNK {
            self.buf = Vec::new();
        }
        Ok(())
    }

    pub fn file(&self) -> &File {
        &self.file
    }

    /// Ends the last run and keeps only the file (no write buffer): what
    /// a reader of that run needs.
    pub fn seal(mut self) -> Result<(File, Run)> {
        let run = self.end_run()?;
        Ok((self.file, run))
    }

    /// The entry that starts at `pos` (a `position()` taken before its
    /// push), into `out`. An entry is never split between the file and
    /// the buffer: a flush writes whole pushes.
    pub fn read_at(&self, pos: u64, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        if pos >= self.flushed {
            let b = &self.buf[usize::try_from(pos - self.flushed).unwrap_or(usize::MAX).min(self.buf.len())..];
            let (n, hl) = get_varint(b).ok_or_else(|| Error::corrupt("truncated temporary entry"))?;
            let e = b.get(hl..hl + n as usize).ok_or_else(|| Error::corrupt("truncated temporary entry"))?;
            out.extend_from_slice(e);
            return Ok(());
        }
        // Most entries fit a first small read.
        out.resize(64.min((self.flushed - pos) as usize), 0);
        self.file.read_exact_at(out, pos).map_err(|e| Error::io(ErrorKind::IoErrRead, &e))?;
        let (n, hl) = get_varint(out).ok_or_else(|| Error::corrupt("truncated temporary entry"))?;
        let n = usize::try_from(n).map_err(|_| Error::corrupt("temporary entry too large"))?;
        if hl + n <= out.len() {
            out.truncate(hl + n);
        } else {
            let have = out.len();
            out.resize(hl + n, 0);
            self.file
                .read_exact_at(&mut out[have..], pos + have as u64)
                .map_err(|e| Error::io(ErrorKind::IoErrRead, &e))?;
        }
        out.drain(..hl);
        Ok(())
    }
}

/// Reads one run's entries in order.
pub struct RunReader {
    /// File offset of the first byte not yet in `buf`.
    pos: u64,
    end: u64,
    buf: Vec<u8>,
    /// Start of the next entry in `buf`.
    at: usize,
    /// Bytes read at a time.
    chunk: usize,
}

impl RunReader {
    pub fn new(run: Run) -> RunReader {
        RunReader::with_chunk(run, CHUNK)
    }

    /// A reader whose buffer takes `chunk` bytes at a time.
    pub fn with_chunk(run: Run, chunk: usize) -> RunReader {
        RunReader { pos: run.start, end: run.end, buf: Vec::new(), at: 0, chunk }
    }

    /// The next entry, or None at the end of the run.
    pub fn next<'a>(&'a mut self, file: &File) -> Result<Option<&'a [u8]>> {
        if self.at == self.buf.len() && self.pos == self.end {
            return Ok(None);
        }
        let (n, hl) = match get_varint(&self.buf[self.at..]) {
            Some(v) => v,
            None => {
                self.refill(file, 9)?;
                get_varint(&self.buf[self.at..]).ok_or_else(|| Error::corrupt("truncated temporary run"))?
            }
        };
        let n = usize::try_from(n).map_err(|_| Error::corrupt("temporary run entry too large"))?;
        if self.buf.len() - self.at < hl + n {
            self.refill(file, hl + n)?;
            if self.buf.len() - self.at < hl + n {
                return Err(Error::corrupt("truncated temporary run"));
            }
        }
        let s = self.at + hl;
        self.at = s + n;
        Ok(Some(&self.buf[s..s + n]))
    }

    /// Keeps the unread bytes and reads until `want` are buffered (or the
    /// run ends).
    fn refill(&mut self, file: &File, want: usize) -> Result<()> {
        self.buf.drain(..self.at);
        self.at = 0;
        let room = self.chunk.max(want).saturating_sub(self.buf.len());
        let take = room.min(usize::try_from(self.end - self.pos).unwrap_or(usize::MAX));
        let old = self.buf.len();
        self.buf.resize(old + take, 0);
        file.read_exact_at(&mut self.buf[old..], self.pos).map_err(|e| Error::io(ErrorKind::IoErrRead, &e))?;
        self.pos += take as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_read_back_in_order() {
        let mut f = RunFile::new().unwrap();
        let big = vec![7u8; 3 * CHUNK];
        let mut runs = Vec::new();
        for r in 0..3u8 {
            for i in 0..1000u32 {
                let mut rec = i.to_be_bytes().to_vec();
                rec.push(r);
                f.push(&rec).unwrap();
            }
            f.push(&big).unwrap();
            runs.push(f.end_run().unwrap());
        }
        for (r, run) in runs.into_iter().enumerate() {
            let mut rd = RunReader::new(run);
            for i in 0..1000u32 {
                let e = rd.next(f.file()).unwrap().unwrap();
                assert_eq!(&e[..4], &i.to_be_bytes());
                assert_eq!(e[4], r as u8);
            }
            assert_eq!(rd.next(f.file()).unwrap().unwrap(), &big[..]);
            assert!(rd.next(f.file()).unwrap().is_none());
        }
    }
}
