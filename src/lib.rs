//! sqlvibe: an embedded SQL database with a SQLite-shaped C ABI.
//!
//! Layers (data flows down, results flow up; no layer reaches past the one
//! below it):
//! - [`capi`]: every `extern "C"` item; pointers, C strings, panics caught.
//! - [`conn`]: [`Connection`] and [`Statement`], the safe Rust API.
//! - [`sql`]: parse -> plan -> execute; value semantics and functions.
//! - [`schema`]: the catalog, stored in the schema table.
//! - [`pragma`]: the table of PRAGMAs.
//! - [`storage`]: vfs, pager, wal, cache, btree, record.

pub mod capi;
pub mod conn;
pub mod error;
pub mod memory;
pub mod pragma;
pub mod schema;
pub mod sql;
pub mod storage;

pub use conn::{Connection, Statement, StepResult};
pub use error::{Error, ErrorKind, Result};
pub use storage::Value;
