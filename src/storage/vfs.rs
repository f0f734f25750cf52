//! All file I/O goes through [`Vfs`] / [`VfsFile`]: the OS implementation, an
//! in-memory one (`:memory:` and tests) and a fault-injecting one for tests.
//! (CONTRACT SKELETON: the storage owner fills in the implementations.)

use crate::error::Result;
use std::sync::Arc;

/// How a file is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenMode {
    pub read_only: bool,
    pub create: bool,
}

/// One open file. Offsets are absolute bytes. Implementations are internally
/// synchronized (`&self` methods), so one file can be shared by threads.
pub trait VfsFile: Send + Sync {
    /// Reads exactly `buf.len()` bytes at `offset`; bytes past EOF read as zero
    /// and the call returns how many bytes were really in the file.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize>;
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<()>;
    fn sync(&self) -> Result<()>;
    fn size(&self) -> Result<u64>;
    fn truncate(&self, size: u64) -> Result<()>;
    /// Takes the cross-process lock (exclusive), or fails with SQLITE_BUSY
    /// "database is locked". In-memory files always succeed.
    fn lock_exclusive(&self) -> Result<()>;
    fn unlock(&self) -> Result<()>;
}

/// A file system.
pub trait Vfs: Send + Sync {
    fn open(&self, path: &str, mode: OpenMode) -> Result<Arc<dyn VfsFile>>;
    fn delete(&self, path: &str) -> Result<()>;
    fn exists(&self, path: &str) -> Result<bool>;
    /// Syncs the directory holding `path` (EXTRA durability).
    fn sync_dir(&self, path: &str) -> Result<()>;
    /// Canonical path used as the key of the in-process registry.
    fn canonical(&self, path: &str) -> Result<String>;
}

/// The operating system's files (pread/pwrite/fsync, flock for the lock).
pub struct OsVfs;

/// Files held in memory, keyed by path; used for `:memory:` and tests.
pub struct MemVfs;

/// Wraps another Vfs; counts syncs, fails a chosen write or sync, and
/// simulates power loss by dropping every write not yet synced.
pub struct FaultVfs;
