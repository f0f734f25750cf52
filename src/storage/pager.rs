//! The pager: transactions and snapshots over pages held in the cache, backed
//! by the database file and its WAL.
//! (CONTRACT SKELETON: the storage owner fills in the bodies and may split
//! this file into cache.rs / wal.rs / header.rs behind the same API.)

use crate::error::Result;
use crate::storage::vfs::Vfs;
use std::sync::Arc;

/// A page number; page 1 is the header page, 0 means "none".
pub type PageNo = u32;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    pub read_only: bool,
    pub create: bool,
}

/// Persistent header fields the layers above read and write (inside a write
/// transaction). Page size, page count and the freelist are the pager's own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Root page of the schema table (sqlite_schema); 0 until created.
    pub schema_root: PageNo,
    /// Bumped by every schema change; connections reload their catalog and
    /// re-prepare statements when it moves.
    pub schema_cookie: u32,
    /// `PRAGMA user_version`.
    pub user_version: u32,
    /// Settings persisted for later features (e.g. max_rows); zero = unset.
    pub settings: [u32; 8],
}

/// Result of a checkpoint: frames in the WAL and frames copied back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckpointInfo {
    pub busy: bool,
    pub log_frames: u32,
    pub checkpointed_frames: u32,
}

/// One database (file or memory), shared by every connection to it in this
/// process.
pub struct Pager {}

impl Pager {
    /// Opens the database at `path` on the OS file system, or joins the
    /// in-process object already open for the same canonical path. A file
    /// that is not a database is SQLITE_NOTADB "file is not a database"; a
    /// file locked by another process is SQLITE_BUSY "database is locked".
    pub fn open(path: &str, opts: OpenOptions) -> Result<Arc<Pager>> {
        let _ = (path, opts);
        todo!()
    }
    /// As `open`, over the given VFS (tests use MemVfs / FaultVfs).
    pub fn open_with_vfs(vfs: Arc<dyn Vfs>, path: &str, opts: OpenOptions) -> Result<Arc<Pager>> {
        let _ = (vfs, path, opts);
        todo!()
    }
    /// A private in-memory database (`:memory:`): same code, in-memory file.
    pub fn open_memory() -> Result<Arc<Pager>> {
        todo!()
    }
    pub fn is_memory(&self) -> bool {
        todo!()
    }
    pub fn is_read_only(&self) -> bool {
        todo!()
    }
    pub fn page_size(&self) -> u32 {
        todo!()
    }
    /// Sets the page size while the database has no content yet; returns
    /// whether it took effect (SQLite ignores it silently otherwise).
    pub fn set_page_size(&self, size: u32) -> Result<bool> {
        let _ = size;
        todo!()
    }
    /// Starts a read transaction pinned to the latest committed snapshot.
    pub fn begin_read(self: &Arc<Self>) -> Result<Txn> {
        todo!()
    }
    /// Copies committed WAL frames into the database file (up to the oldest
    /// live reader's snapshot) and resets the WAL when all were copied.
    pub fn checkpoint(&self) -> Result<CheckpointInfo> {
        todo!()
    }
}

/// A transaction: a read snapshot, or (after `begin_write`) the one write
/// transaction of the database, which sees its own changes.
pub struct Txn {}

impl Txn {
    pub fn is_write(&self) -> bool {
        todo!()
    }
    /// Upgrades to the write transaction, waiting up to `busy_timeout_ms` for
    /// another writer. If another connection committed since this snapshot
    /// was taken and the snapshot has been read from, this is BUSY_SNAPSHOT.
    pub fn begin_write(&mut self, busy_timeout_ms: u32) -> Result<()> {
        let _ = busy_timeout_ms;
        todo!()
    }
    /// Makes the changes durable (per `synchronous`) and visible; a read
    /// transaction just ends.
    pub fn commit(self) -> Result<()> {
        todo!()
    }
    /// Drops every change and ends the transaction.
    pub fn rollback(self) {
        todo!()
    }
    /// Header fields as of this snapshot (or as written by this transaction).
    pub fn header(&self) -> &Header {
        todo!()
    }
    /// Mutable header; write transactions only (else SQLITE_MISUSE).
    pub fn header_mut(&mut self) -> Result<&mut Header> {
        todo!()
    }
    /// Number of pages in the database as seen by this transaction.
    pub fn page_count(&self) -> u32 {
        todo!()
    }
    /// Opens a nested savepoint (statement journal); returns its depth.
    pub fn savepoint(&mut self) -> Result<usize> {
        todo!()
    }
    /// Forgets savepoint `depth` and every one above it, keeping the changes.
    pub fn release(&mut self, depth: usize) {
        let _ = depth;
        todo!()
    }
    /// Undoes every change made since savepoint `depth` was opened; the
    /// savepoint stays open.
    pub fn rollback_to(&mut self, depth: usize) -> Result<()> {
        let _ = depth;
        todo!()
    }
}
