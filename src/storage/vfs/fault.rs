//! A fault-injecting wrapper around another [`Vfs`], for tests.
//!
//! It counts writes and syncs (globally and per file), can fail the Nth
//! write or sync with EIO or ENOSPC (once, or from then on), can "crash"
//! after N operations (every later write/sync fails, as if the process had
//! died), and simulates power loss: every file goes back to its durable
//! image — its content at its last successful sync (or when first opened) —
//! optionally with the first half of the last unsynced write applied on top
//! (a torn page).

use super::{OpenMode, Vfs, VfsFile};
use crate::error::{Error, ErrorKind, Result};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What survives of the last unsynced write at a power loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tear {
    /// Nothing.
    None,
    /// Its first half.
    Head,
    /// Its second half.
    Tail,
}

/// Which OS error an injected fault reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// EIO: SQLITE_IOERR_WRITE / SQLITE_IOERR_FSYNC.
    Eio,
    /// ENOSPC: SQLITE_FULL from a write, SQLITE_IOERR_FSYNC from a sync.
    Enospc,
}

#[derive(Default)]
struct Track {
    /// Content as of the last sync (what survives power loss).
    durable: Vec<u8>,
    /// Last write since the last sync: (offset, bytes).
    last_unsynced: Option<(u64, Vec<u8>)>,
}

#[derive(Default)]
struct State {
    writes: u64,
    syncs: u64,
    fail_write_at: Option<(u64, FaultKind, bool)>,
    fail_sync_at: Option<(u64, FaultKind, bool)>,
    crash_after_ops: Option<u64>,
    crashed: bool,
    sync_counts: HashMap<String, u64>,
    /// Directory syncs, by the path whose directory was synced.
    dir_syncs: HashMap<String, u64>,
    files: HashMap<String, Track>,
}

static FAULT_IDS: AtomicU64 = AtomicU64::new(1);

/// Wraps another Vfs; counts syncs, fails a chosen write or sync, and
/// simulates power loss by dropping every write not yet synced.
#[derive(Clone)]
pub struct FaultVfs {
    id: u64,
    inner: Arc<dyn Vfs>,
    st: Arc<Mutex<State>>,
}

fn os_err(kind: FaultKind, io_kind: ErrorKind) -> Error {
    let errno = match kind {
        FaultKind::Eio => libc::EIO,
        FaultKind::Enospc => libc::ENOSPC,
    };
    Error::io(io_kind, &std::io::Error::from_raw_os_error(errno))
}

impl FaultVfs {
    pub fn new(inner: Arc<dyn Vfs>) -> FaultVfs {
        FaultVfs { id: FAULT_IDS.fetch_add(1, Ordering::Relaxed), inner, st: Arc::default() }
    }
    /// Writes seen so far (successful or not).
    pub fn write_count(&self) -> u64 {
        self.st.lock().writes
    }
    /// Syncs seen so far (successful or not).
    pub fn sync_count(&self) -> u64 {
        self.st.lock().syncs
    }
    /// Successful syncs of one file (by the path given to `open`).
    pub fn syncs_of(&self, path: &str) -> u64 {
        self.st.lock().sync_counts.get(path).copied().unwrap_or(0)
    }
    /// Directory syncs requested for `path` (EXTRA: WAL create / delete).
    pub fn dir_syncs_of(&self, path: &str) -> u64 {
        self.st.lock().dir_syncs.get(path).copied().unwrap_or(0)
    }
    /// Fails write number `n` (1-based, counted from the start); with
    /// `sticky` every later write fails too.
    pub fn fail_write(&self, n: u64, kind: FaultKind, sticky: bool) {
        self.st.lock().fail_write_at = Some((n, kind, sticky));
    }
    /// Fails sync number `n` (1-based); with `sticky` every later sync too.
    pub fn fail_sync(&self, n: u64, kind: FaultKind, sticky: bool) {
        self.st.lock().fail_sync_at = Some((n, kind, sticky));
    }
    /// After `n` more writes+syncs, every write and sync fails (EIO) as if
    /// the process had died at that point.
    pub fn crash_after(&self, n: u64) {
        let mut st = self.st.lock();
        let done = st.writes + st.syncs;
        st.crash_after_ops = Some(done + n);
    }
    /// True once a crash point set by `crash_after` was reached.
    pub fn crashed(&self) -> bool {
        self.st.lock().crashed
    }
    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        let mut st = self.st.lock();
        st.fail_write_at = None;
        st.fail_sync_at = None;
        st.crash_after_ops = None;
        st.crashed = false;
    }
    /// Simulates power loss: every file goes back to its durable image; with
    /// `tear`, the first half of each file's last unsynced write survives.
    pub fn power_loss(&self, tear: bool) -> Result<()> {
        self.power_loss_with(if tear { Tear::Head } else { Tear::None })
    }

    /// Power loss where only part of each file's last unsynced write
    /// survives: its first half (`Tear::Head`) or its second half
    /// (`Tear::Tail`: the disk wrote the end of a multi-page write first).
    pub fn power_loss_with(&self, tear: Tear) -> Result<()> {
        let mut st = self.st.lock();
        let mode = OpenMode { read_only: false, create: true };
        for (path, t) in st.files.iter_mut() {
            if !self.inner.exists(path)? && t.durable.is_empty() {
                continue;
            }
            let f = self.inner.open(path, mode)?;
            f.truncate(0)?;
            f.write_at(0, &t.durable)?;
            if let Some((off, data)) = &t.last_unsynced {
                let h = data.len() / 2;
                match tear {
                    Tear::None => {}
                    Tear::Head => f.write_at(*off, &data[..h])?,
                    Tear::Tail => f.write_at(*off + h as u64, &data[h..])?,
                }
            }
            t.last_unsynced = None;
            // What is now on "disk" is the new durable image.
            t.durable = read_all(f.as_ref())?;
        }
        Ok(())
    }

    /// Counts one operation; true when it must fail because of a crash point.
    fn tick_crash(st: &mut State) -> bool {
        if st.crashed {
            return true;
        }
        if let Some(limit) = st.crash_after_ops {
            if st.writes + st.syncs > limit {
                st.crashed = true;
                return true;
            }
        }
        false
    }
}

fn read_all(f: &dyn VfsFile) -> Result<Vec<u8>> {
    let n = f.size()? as usize;
    let mut v = vec![0u8; n];
    f.read_at(0, &mut v)?;
    Ok(v)
}

struct FaultFile {
    inner: Arc<dyn VfsFile>,
    path: String,
    st: Arc<Mutex<State>>,
}

impl VfsFile for FaultFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.inner.read_at(offset, buf)
    }
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<()> {
        let mut st = self.st.lock();
        st.writes += 1;
        if FaultVfs::tick_crash(&mut st) {
            return Err(os_err(FaultKind::Eio, ErrorKind::IoErrWrite));
        }
        if let Some((n, kind, sticky)) = st.fail_write_at {
            if st.writes == n || (sticky && st.writes > n) {
                return Err(os_err(kind, ErrorKind::IoErrWrite));
            }
        }
        self.inner.write_at(offset, data)?;
        let t = st.files.entry(self.path.clone()).or_default();
        t.last_unsynced = Some((offset, data.to_vec()));
        Ok(())
    }
    fn sync(&self) -> Result<()> {
        let mut st = self.st.lock();
        st.syncs += 1;
        if FaultVfs::tick_crash(&mut st) {
            return Err(os_err(FaultKind::Eio, ErrorKind::IoErrFsync));
        }
        if let Some((n, kind, sticky)) = st.fail_sync_at {
            if st.syncs == n || (sticky && st.syncs > n) {
                let errno = if kind == FaultKind::Eio { libc::EIO } else { libc::ENOSPC };
                return Err(super::fsync_error(&std::io::Error::from_raw_os_error(errno)));
            }
        }
        self.inner.sync()?;
        let img = read_all(self.inner.as_ref())?;
        let t = st.files.entry(self.path.clone()).or_default();
        t.durable = img;
        t.last_unsynced = None;
        *st.sync_counts.entry(self.path.clone()).or_default() += 1;
        Ok(())
    }
    fn size(&self) -> Result<u64> {
        self.inner.size()
    }
    fn truncate(&self, size: u64) -> Result<()> {
        let mut st = self.st.lock();
        if FaultVfs::tick_crash(&mut st) {
            return Err(os_err(FaultKind::Eio, ErrorKind::IoErrTruncate));
        }
        self.inner.truncate(size)
    }
    fn lock_exclusive(&self) -> Result<()> {
        self.inner.lock_exclusive()
    }
    fn unlock(&self) -> Result<()> {
        self.inner.unlock()
    }
}

impl Vfs for FaultVfs {
    fn open(&self, path: &str, mode: OpenMode) -> Result<Arc<dyn VfsFile>> {
        let existed = self.inner.exists(path)?;
        let inner = self.inner.open(path, mode)?;
        let mut st = self.st.lock();
        if !st.files.contains_key(path) {
            // What exists when first seen counts as durable; a new file's
            // durable image is empty.
            let durable = if existed { read_all(inner.as_ref())? } else { Vec::new() };
            st.files.insert(path.to_owned(), Track { durable, last_unsynced: None });
        }
        Ok(Arc::new(FaultFile { inner, path: path.to_owned(), st: self.st.clone() }))
    }
    fn delete(&self, path: &str) -> Result<()> {
        let mut st = self.st.lock();
        if FaultVfs::tick_crash(&mut st) {
            return Err(os_err(FaultKind::Eio, ErrorKind::IoErr));
        }
        // A delete is treated as durable at once (the pager syncs what it
        // must before deleting).
        st.files.remove(path);
        self.inner.delete(path)
    }
    fn exists(&self, path: &str) -> Result<bool> {
        self.inner.exists(path)
    }
    fn sync_dir(&self, path: &str) -> Result<()> {
        self.inner.sync_dir(path)?;
        *self.st.lock().dir_syncs.entry(path.to_owned()).or_default() += 1;
        Ok(())
    }
    fn canonical(&self, path: &str) -> Result<String> {
        Ok(format!("fault{}:{}", self.id, self.inner.canonical(path)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::vfs::MemVfs;

    #[test]
    fn power_loss_drops_unsynced() {
        let mem = MemVfs::new();
        let fv = FaultVfs::new(Arc::new(mem.clone()));
        let f = fv.open("a", OpenMode { read_only: false, create: true }).unwrap();
        f.write_at(0, b"abcd").unwrap();
        f.sync().unwrap();
        f.write_at(4, b"efgh").unwrap();
        assert_eq!(fv.syncs_of("a"), 1);
        fv.power_loss(false).unwrap();
        assert_eq!(mem.file_bytes("a").unwrap(), b"abcd");
        f.write_at(0, b"WXYZ").unwrap();
        fv.power_loss(true).unwrap();
        assert_eq!(mem.file_bytes("a").unwrap(), b"WXcd");
    }

    #[test]
    fn injected_failures() {
        let fv = FaultVfs::new(Arc::new(MemVfs::new()));
        let f = fv.open("a", OpenMode { read_only: false, create: true }).unwrap();
        fv.fail_write(2, FaultKind::Enospc, false);
        f.write_at(0, b"1").unwrap();
        assert_eq!(f.write_at(0, b"2").unwrap_err().kind, ErrorKind::Full);
        f.write_at(0, b"3").unwrap();
        fv.fail_sync(1, FaultKind::Eio, true);
        assert_eq!(f.sync().unwrap_err().kind, ErrorKind::IoErrFsync);
        assert!(f.sync().is_err());
        fv.clear_faults();
        f.sync().unwrap();
        fv.crash_after(1);
        f.write_at(0, b"4").unwrap();
        assert!(f.write_at(0, b"5").is_err());
        assert!(fv.crashed());
    }
}
