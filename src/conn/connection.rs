//! [`Connection`]: the per-handle state (pager, the shared transaction,
//! catalog cache, counters) behind one mutex.

use super::statement::Statement;
use super::{OPEN_CREATE, OPEN_READONLY, OPEN_READWRITE};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::Catalog;
use crate::sql::expr::ConnVars;
use crate::sql::prepare::{compile, Compiled};
use crate::storage::{CheckpointInfo, CheckpointMode, MemoryStats, OpenOptions, Pager, Txn, Value};
use crate::syntax::lexer::first_statement;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// State shared by a connection and its statements.
pub(crate) struct ConnState {
    pub pager: Arc<Pager>,
    pub path: String,
    /// Opened with OPEN_READONLY: every write is refused here, whatever mode
    /// the shared Pager was opened in (the first opener's).
    pub read_only: bool,
    /// The connection's transaction (read, or upgraded to write).
    pub txn: Option<Txn>,
    /// Inside BEGIN ... COMMIT.
    pub explicit: bool,
    /// Statements that have started stepping and not finished.
    pub active: usize,
    /// Catalog as of `catalog.cookie`; None = reload before use.
    pub catalog: Option<Arc<Catalog>>,
    /// Bumped on every catalog reload; statements compiled under another
    /// generation are re-prepared.
    pub generation: u64,
    pub vars: ConnVars,
    pub busy_timeout: u32,
    /// `PRAGMA synchronous` of this connection: the level its commits and
    /// checkpoints sync at (SQLite: per connection; default FULL).
    pub synchronous: crate::storage::Synchronous,
    /// Open SAVEPOINTs, outermost first.
    pub savepoints: Vec<NamedSavepoint>,
    /// Bumped when a rollback undoes a schema change: a statement still
    /// running from an older epoch may hold root pages that now belong to
    /// another b-tree (or none), so it fails. Without a schema change its
    /// cursors re-seek by key and it continues, as in SQLite.
    pub rollback_epoch: u64,
    /// This connection's temporary views (every catalog it loads shows them).
    pub temp_views: crate::schema::view::TempStore,
    /// Row counts of the tables its statements write, kept between
    /// statements (see `sql::dml::RowCounts`).
    pub counts: crate::sql::dml::RowCounts,
}

/// A SAVEPOINT: its storage savepoint depth (None until the transaction
/// first writes: nothing to undo before that), and whether it began the
/// transaction (its RELEASE then commits).
pub(crate) struct NamedSavepoint {
    pub name: String,
    pub depth: Option<usize>,
    pub began: bool,
    /// The temporary views' journal position when it was opened.
    pub temp_mark: usize,
}

impl ConnState {
    /// Makes sure a transaction is open (a read snapshot at least).
    pub fn ensure_txn(&mut self) -> Result<()> {
        if self.txn.is_none() {
            let mut t = self.pager.begin_read()?;
            t.set_synchronous(self.synchronous);
            self.txn = Some(t);
        }
        Ok(())
    }

    /// The catalog matching the open transaction's schema cookie.
    pub fn catalog(&mut self) -> Result<Arc<Catalog>> {
        let txn = self.txn.as_ref().ok_or_else(|| Error::internal("no transaction"))?;
        let cookie = txn.header().schema_cookie;
        if let Some(c) = &self.catalog {
            if c.cookie == cookie && c.temp_version == self.temp_views.lock().version {
                return Ok(c.clone());
            }
        }
        let c = Arc::new(Catalog::load(txn)?.with_temp(&self.temp_views));
        self.catalog = Some(c.clone());
        self.generation += 1;
        Ok(c)
    }

    /// Ends the autocommit transaction when no statement is active any more.
    pub fn end_autocommit(&mut self, commit: bool) -> Result<()> {
        if self.active > 0 || self.explicit {
            return Ok(());
        }
        self.savepoints.clear();
        if commit {
            return self.commit_txn();
        }
        if let Some(t) = self.txn.take() {
            if t.is_write() {
                self.catalog = None;
            }
            t.rollback();
        }
        Ok(())
    }

    /// Commits the open transaction, if any. After a failed commit the
    /// catalog is read again: it may hold the failed transaction's schema.
    pub fn commit_txn(&mut self) -> Result<()> {
        match self.txn.take() {
            Some(t) => t.commit().inspect_err(|_| self.catalog = None),
            None => Ok(()),
        }
    }

    /// Ends BEGIN ... COMMIT by committing (COMMIT, or RELEASE of the
    /// savepoint that began it). Pending row counts go first, so that a
    /// failure to write them leaves the transaction open as it was.
    pub fn commit_explicit(&mut self) -> Result<()> {
        debug_assert!(self.explicit, "commit_explicit outside BEGIN ... COMMIT");
        self.write_pending_counts()?;
        self.explicit = false;
        self.savepoints.clear();
        self.temp_views.lock().end(true);
        self.commit_txn()
    }

    /// Writes the row counts pending in an explicit transaction back to
    /// the schema rows (see `sql::dml::rowcount`).
    pub fn write_pending_counts(&mut self) -> Result<()> {
        if !self.explicit {
            // Autocommit statements write their counts back as they end.
            return Ok(());
        }
        match self.txn.as_mut() {
            Some(t) => self.counts.write_pending(t),
            None => Ok(()),
        }
    }

    /// Rolls the whole transaction back (ROLLBACK, or a ROLLBACK conflict).
    pub fn rollback_all(&mut self) {
        self.counts.discard();
        if let Some(t) = self.txn.take() {
            let cookie = t.is_write().then(|| t.header().schema_cookie);
            t.rollback();
            if let (Some(cookie), true) = (cookie, self.active > 0) {
                // Pending statements continue on a fresh snapshot of the
                // rolled-back state if its schema is the one they ran under.
                match self.pager.begin_read() {
                    Ok(mut r) => {
                        r.set_synchronous(self.synchronous);
                        if r.header().schema_cookie != cookie {
                            self.rollback_epoch += 1;
                        }
                        self.txn = Some(r);
                    }
                    Err(_) => self.rollback_epoch += 1,
                }
            }
        }
        self.explicit = false;
        self.catalog = None;
        self.savepoints.clear();
        self.temp_views.lock().end(false);
    }

    /// Upgrades the open transaction to the write transaction and opens the
    /// storage savepoints of SAVEPOINTs declared before the first write.
    pub fn begin_write(&mut self) -> Result<()> {
        if self.read_only {
            return Err(Error::new(ErrorKind::ReadOnly, "attempt to write a readonly database"));
        }
        let timeout = self.busy_timeout;
        let txn = self.txn.as_mut().ok_or_else(|| Error::internal("no transaction"))?;
        if !txn.is_write() {
            txn.begin_write(timeout)?;
        }
        for sp in self.savepoints.iter_mut() {
            if sp.depth.is_none() {
                sp.depth = Some(txn.savepoint()?);
            }
        }
        Ok(())
    }

    /// Compiles `text` against the current catalog (opening a short read
    /// transaction when none is open), or against none when it is
    /// `schema_free` (`sql::prepare::schema_free`).
    pub fn compile(&mut self, text: &str, schema_free: bool) -> Result<(Compiled, u64)> {
        let temp = self.txn.is_none();
        self.ensure_txn()?;
        let r = if schema_free {
            Catalog::empty().and_then(|cat| compile(text, &cat))
        } else {
            self.catalog().and_then(|cat| compile(text, &cat))
        };
        if temp && self.active == 0 {
            self.commit_txn()?;
        }
        Ok((r?, self.generation))
    }
}

pub(crate) type Shared = Arc<Mutex<ConnState>>;

/// A database connection. `Send + Sync`: calls are serialized by a mutex
/// inside; `interrupt` may be called from another thread at any time.
pub struct Connection {
    pub(crate) state: Shared,
    pub(crate) interrupt: Arc<AtomicBool>,
}

impl Connection {
    /// Opens `path` (or `:memory:`, or "" for a private temporary database)
    /// with SQLite's flag semantics: READONLY, READWRITE, READWRITE|CREATE.
    pub fn open(path: &str, flags: i32) -> Result<Connection> {
        let ro = flags & OPEN_READONLY != 0;
        let rw = flags & OPEN_READWRITE != 0;
        if ro == rw {
            return Err(Error::misuse("bad parameter or other API misuse"));
        }
        let pager = if path.is_empty() || path == ":memory:" {
            Pager::open_memory()?
        } else if ro {
            // The Pager is shared by every connection to the file and keeps
            // the first opener's mode, so a read-only connection opens it
            // read-write when the file allows (read-only-ness is enforced per
            // connection in `begin_write`): a later read-write connection to
            // the same file can then write. Only a file that cannot be opened
            // for writing gives a read-only Pager.
            match Pager::open(path, OpenOptions { read_only: false, create: false }) {
                Ok(p) => p,
                Err(_) => Pager::open(path, OpenOptions { read_only: true, create: false })?,
            }
        } else {
            Pager::open(path, OpenOptions { read_only: false, create: flags & OPEN_CREATE != 0 })?
        };
        let full_path = if pager.is_memory() {
            String::new()
        } else {
            std::fs::canonicalize(path).map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|_| path.to_string())
        };
        Ok(Connection::over(pager, full_path, ro))
    }

    /// Opens `path` on the given file system (tests inject I/O faults with
    /// `storage::FaultVfs`); flags as `open`.
    #[doc(hidden)]
    pub fn open_with_vfs(vfs: Arc<dyn crate::storage::Vfs>, path: &str, flags: i32) -> Result<Connection> {
        let ro = flags & OPEN_READONLY != 0;
        if ro == (flags & OPEN_READWRITE != 0) {
            return Err(Error::misuse("bad parameter or other API misuse"));
        }
        let pager = Pager::open_with_vfs(vfs, path, OpenOptions { read_only: ro, create: flags & OPEN_CREATE != 0 })?;
        Ok(Connection::over(pager, path.to_string(), ro))
    }

    fn over(pager: Arc<Pager>, full_path: String, ro: bool) -> Connection {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x1234_5678, |d| d.as_nanos() as u64)
            ^ (Arc::as_ptr(&pager) as usize as u64);
        let state = ConnState {
            pager,
            path: full_path,
            read_only: ro,
            txn: None,
            explicit: false,
            active: 0,
            rollback_epoch: 0,
            catalog: None,
            generation: 0,
            vars: ConnVars { rng: seed | 1, ..Default::default() },
            busy_timeout: 0,
            synchronous: crate::storage::Synchronous::Full,
            savepoints: Vec::new(),
            temp_views: Default::default(),
            counts: Default::default(),
        };
        Connection { state: Arc::new(Mutex::new(state)), interrupt: Arc::new(AtomicBool::new(false)) }
    }

    /// Compiles the first statement of `sql`. Returns the statement (None
    /// when `sql` holds only whitespace/comments before the end or the next
    /// `;`) and the number of bytes consumed, for `pzTail`.
    pub fn prepare(&self, sql: &str) -> Result<(Option<Statement>, usize)> {
        let (consumed, has) = first_statement(sql);
        if !has {
            return Ok((None, consumed));
        }
        let text = &sql[..consumed];
        let schema_free = crate::sql::prepare::schema_free(text);
        let (compiled, generation) = self.state.lock().compile(text, schema_free)?;
        let stmt = Statement::new(
            self.state.clone(),
            self.interrupt.clone(),
            text.to_string(),
            (compiled, schema_free),
            generation,
        );
        Ok((Some(stmt), consumed))
    }

    /// Runs every statement of `sql`, calling `on_row(values, names)` for each
    /// result row; `on_row` returning false aborts with SQLITE_ABORT.
    pub fn exec(&self, sql: &str, on_row: &mut dyn FnMut(&[Value], &[String]) -> bool) -> Result<()> {
        let mut rest = sql;
        while !rest.is_empty() {
            let (stmt, consumed) = self.prepare(rest)?;
            rest = &rest[consumed..];
            let Some(mut stmt) = stmt else { continue };
            let names: Vec<String> =
                (0..stmt.column_count()).map(|i| stmt.column_name(i).unwrap_or("").to_string()).collect();
            while stmt.step()? == super::StepResult::Row {
                let n = stmt.data_count();
                let row: Vec<Value> = (0..n).map(|i| stmt.column_value(i).clone()).collect();
                if !on_row(&row, &names) {
                    return Err(Error::new(ErrorKind::Abort, "query aborted"));
                }
            }
        }
        Ok(())
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    pub fn changes(&self) -> i64 {
        self.state.lock().vars.changes
    }
    pub fn total_changes(&self) -> i64 {
        self.state.lock().vars.total_changes
    }
    pub fn last_insert_rowid(&self) -> i64 {
        self.state.lock().vars.last_insert_rowid
    }
    /// True outside BEGIN ... COMMIT.
    pub fn is_autocommit(&self) -> bool {
        !self.state.lock().explicit
    }
    pub fn set_busy_timeout(&self, ms: i32) {
        self.state.lock().busy_timeout = ms.max(0) as u32;
    }
    /// The flag `interrupt` sets; a running statement checks it and stops
    /// with SQLITE_INTERRUPT.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }
    /// Makes running statements stop with SQLITE_INTERRUPT.
    pub fn interrupt(&self) {
        self.interrupt.store(true, Ordering::SeqCst);
    }
    /// True when opened with OPEN_READONLY (`sqlite3_db_readonly`).
    pub fn is_read_only(&self) -> bool {
        self.state.lock().read_only
    }
    /// The database file's path ("" for in-memory databases).
    pub fn path(&self) -> String {
        self.state.lock().path.clone()
    }
    /// Runs a checkpoint of the main database in `mode` (waiting up to the
    /// busy timeout where the mode waits), as `sqlite3_wal_checkpoint_v2`.
    pub fn wal_checkpoint(&self, mode: CheckpointMode) -> Result<CheckpointInfo> {
        let st = self.state.lock();
        st.pager.checkpoint_at(mode, st.busy_timeout, Some(st.synchronous))
    }
    /// Page memory figures of the main database (`PRAGMA memory_stats`).
    pub fn memory_stats(&self) -> MemoryStats {
        self.state.lock().pager.memory_stats()
    }
    /// Resets the cache hit/miss counters (`sqlite3_db_status` resetFlag).
    pub fn reset_cache_counters(&self) {
        self.state.lock().pager.reset_cache_counters();
    }
    /// Frees every cached page nobody holds (`sqlite3_db_release_memory`);
    /// returns the bytes freed.
    pub fn release_memory(&self) -> usize {
        self.state.lock().pager.release_memory()
    }
    /// Checkpoint automatically once the WAL holds `frames` frames; <= 0
    /// disables it (`sqlite3_wal_autocheckpoint`).
    pub fn set_wal_autocheckpoint(&self, frames: i32) {
        self.state.lock().pager.set_wal_autocheckpoint(frames.max(0) as u32);
    }

    /// Sets table `table`'s own row limit (`sqlvibe_table_max_rows`): -1
    /// inherits `PRAGMA max_rows`, 0 means no limit, N > 0 at most N rows.
    /// `db` must be None or "main". Persisted like a statement's write: in
    /// the open transaction, or committed at once in autocommit mode.
    /// Rows already over a lowered limit stay; only new rows are refused.
    pub fn set_table_max_rows(&self, db: Option<&str>, table: &str, n: i64) -> Result<()> {
        if let Some(d) = db.filter(|d| !d.eq_ignore_ascii_case("main")) {
            return Err(Error::sql(format!("unknown database {d}")));
        }
        let limit = crate::schema::quota::TableLimit::from_i64(n).ok_or_else(|| {
            Error::new(ErrorKind::Range, format!("max_rows out of range: {n} (use -1, 0 or a positive count)"))
        })?;
        let mut st = self.state.lock();
        st.ensure_txn()?;
        let r = set_limit(&mut st, table, limit);
        let ended = st.end_autocommit(r.is_ok());
        r.and(ended)
    }
}

/// The body of [`Connection::set_table_max_rows`], inside a transaction:
/// runs as one statement (a savepoint undone on failure).
fn set_limit(st: &mut ConnState, table: &str, limit: crate::schema::quota::TableLimit) -> Result<()> {
    let cat = st.catalog()?;
    let t = match cat.table(table) {
        Some(t) if crate::schema::quota::is_tracked(t) => t.clone(),
        Some(t) => return Err(Error::sql(format!("table {} may not have a row limit", t.name))),
        None => return Err(Error::sql(format!("no such table: {table}"))),
    };
    st.begin_write()?;
    st.write_pending_counts()?;
    let txn = st.txn.as_mut().ok_or_else(|| Error::internal("no transaction"))?;
    let depth = txn.savepoint()?;
    let r = crate::schema::quota::set_table_limit(txn, &t, limit);
    if r.is_err() {
        txn.rollback_to(depth)?;
    }
    txn.release(depth);
    r
}

impl Drop for Connection {
    fn drop(&mut self) {
        // An open transaction that no statement will finish is rolled back.
        let mut st = self.state.lock();
        if st.active == 0 {
            if let Some(t) = st.txn.take() {
                t.rollback();
            }
        }
    }
}
