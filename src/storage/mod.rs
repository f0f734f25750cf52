//! Bytes on disk and in memory: vfs -> wal -> cache -> pager -> btree.
//!
//! The SQL layer sees only what is re-exported here:
//! - [`Pager`]: one shared object per database file (in-process registry keyed
//!   by canonical path); hands out [`Txn`]s.
//! - [`Txn`]: a read snapshot, upgradable to the single write transaction;
//!   statement savepoints give statement atomicity.
//! - B-tree functions and [`Cursor`]: table B+trees keyed by rowid, index
//!   B-trees keyed by encoded records ending in the rowid.
//! - [`record`]: the record format and the value order (`Value`, `KeyInfo`).
//!
//! The byte layouts are in docs/FILE-FORMAT.md and at the top of
//! header.rs, wal.rs, btree/node.rs and record.rs.
//!
//! Usage notes for the SQL layer:
//! - A statement that writes should call `Txn::begin_write` before it reads
//!   anything; a snapshot that has read pages another connection changed
//!   since cannot be upgraded (SQLITE_BUSY_SNAPSHOT), one whose reads are
//!   all still current is moved forward (see `begin_write`).
//! - `savepoint()` returns a 0-based depth for `release` / `rollback_to`;
//!   `rollback_to(d)` keeps savepoint d open. The first change to a page
//!   inside a savepoint copies that page once (statement journal).
//! - A live `Txn` keeps its snapshot: checkpoints still copy and reset the
//!   WAL, pinning in memory the old page images it needs (`pinned_bytes`);
//!   do not keep an idle read transaction open between statements.
//! - Index cursors compare with the KeyInfo given to `seek_key` /
//!   `set_key_info`; `integrity_check` checks index key order only through
//!   `integrity_check_with` (with each index's KeyInfo).
//! - `Pager::set_synchronous`, `set_wal_autocheckpoint`, `checkpoint_mode`,
//!   `set_wal_truncate`, `set_wal_truncate_threshold`,
//!   `set_journal_size_limit`, `wal_status`, `cache_used_bytes`,
//!   `set_cache_capacity` back the corresponding PRAGMAs (each with a
//!   getter). `:memory:` databases default to synchronous=OFF.
//! - `Pager::set_journal_mode` backs `PRAGMA journal_mode` (pager/journal.rs:
//!   the rollback modes fold the WAL into the file after every commit).

pub mod btree;
pub mod cache;
pub mod header;
pub mod pager;
pub mod pagevec;
pub mod record;
pub mod vfs;
pub mod wal;

pub use btree::{BTreeKind, Cursor, SeekOp};
pub use pager::{
    CheckpointInfo, CheckpointMode, Header, JournalMode, MemoryLimits, MemoryStats, OpenOptions, PageNo, Pager,
    Synchronous, Txn, WalStatus,
};
pub use record::{Collation, KeyInfo, Value};
pub use vfs::{FaultVfs, MemVfs, OsVfs, Vfs, VfsFile};
