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

pub mod btree;
pub mod cache;
pub mod header;
pub mod pager;
pub mod record;
pub mod vfs;
pub mod wal;

pub use btree::{BTreeKind, Cursor, SeekOp};
pub use pager::{CheckpointInfo, Header, OpenOptions, PageNo, Pager, Txn};
pub use record::{Collation, KeyInfo, Value};
pub use vfs::{FaultVfs, MemVfs, OsVfs, Vfs, VfsFile};
