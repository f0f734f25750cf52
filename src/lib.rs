//! sqlvibe: an embedded SQL database with a SQLite-shaped C ABI.
//!
//! Layers, top to bottom (data flows down, results flow up; a layer
//! imports only the layers below it, and `capi` only `conn`; checked by
//! `scripts/layers.py` in `make test`):
//! - [`capi`]: every `extern "C"` item; pointers, C strings, panics caught.
//! - [`conn`]: [`Connection`] and [`Statement`], the safe Rust API.
//! - [`sql`]: compile -> plan -> execute; value semantics and functions.
//! - [`pragma`]: the table of PRAGMAs.
//! - [`schema`]: the catalog, stored in the schema table.
//! - [`syntax`]: SQL text: the lexer, parsing with SQLite's error wording.
//! - [`storage`]: vfs, pager, wal, cache, btree, record.
//!
//! Leaves any layer may use: [`error`] and [`memory`].

pub mod capi;
pub mod conn;
pub mod error;
pub mod memory;
pub mod pragma;
pub mod schema;
pub mod sql;
pub mod storage;
pub mod syntax;

pub use conn::{Connection, Statement, StepResult};
pub use error::{Error, ErrorKind, Result};
pub use storage::Value;
