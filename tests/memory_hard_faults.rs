//! HARD mode never corrupts. A writer connection in `memory_limit_mode =
//! HARD` runs a random workload (multi-row inserts of rows from a few
//! bytes to several pages, with and without a statement journal, single-row
//! inserts, updates that grow and shrink rows, deletes, index creation and
//! removal, nested savepoints, queries, checkpoints) beside a reader
//! connection that holds snapshots and half-stepped queries, while the
//! memory available is lowered and raised at random points, mid-transaction
//! and mid-query, so that statements fail for want of memory. Checked
//! against a model of the committed state and of the open transaction
//! (`BTreeMap`s):
//! - every failure is SQLITE_NOMEM (code 7) "out of memory";
//! - a failed statement is undone and `PRAGMA integrity_check` says ok;
//!   the transaction goes on with exactly its state before the statement
//!   (a single-row statement has no statement journal: there, as in
//!   SQLite, SQLITE_NOMEM rolls the whole transaction back);
//! - the reader sees exactly its snapshot and its queries exactly the
//!   state they started on, whatever the writer does; every commit is
//!   there, for the writer, the reader and after reopening.
//!
//! Two ways to take memory away:
//! - the database's budget: `PRAGMA cache_memory`, `max_memory`,
//!   `cache_size`, set from either connection (they share the budget).
//!   A spill can free every dirty page but those running cursors hold, so
//!   statements fail when the writer's own open queries hold more dirty
//!   pages than the budget lowered under them (`writer_queries`);
//! - the process-wide `sqlvibe_hard_heap_limit64`, lowered to just above or
//!   below what the process holds: every write that needs a page buffer
//!   then fails. It is process-wide, so that workload runs in a child
//!   process (this test binary re-run with `SQLVIBE_HARD_CHILD` set).
//!
//! Seeds: 3 per way by default (one of them in journal_mode DELETE, the
//! others in WAL); `SQLVIBE_HARD_SEEDS=N` runs N per way.

use sqlvibe::{Connection, Error, ErrorKind, Statement, StepResult, Value};
use std::collections::BTreeMap;
use std::process::Command;

mod common;
use common::{code_of, remove_db, rows, temp_db_path, Rng};

/// Rows of the table `t(k INTEGER PRIMARY KEY, v TEXT, n INTEGER)`: k -> v
/// (n is always the length of v's run, see `val`).
type Model = BTreeMap<i64, (String, i64)>;

const CHILD_ENV: &str = "SQLVIBE_HARD_CHILD";
const KEYS: i64 = 1500;
const STEPS: usize = 500;
/// Row length moduli: from a few bytes to several pages of overflow.
const LENS: [u64; 5] = [24, 200, 1100, 3000, 9000];

fn len_of(k: i64, g: u64, m: u64) -> i64 {
    ((k as u64 * 7919 + g * 104_729) % m) as i64
}

/// The value of row k written by generation g: `g:k:` and `len` times a
/// letter; `sql_val` computes the same in SQL.
fn val(k: i64, g: u64, len: i64) -> String {
    let c = char::from(b'a' + ((k as u64 + g) % 26) as u8);
    let mut s = format!("{g}:{k}:");
    s.extend(std::iter::repeat_n(c, len as usize));
    s
}

fn sql_len(k: &str, g: u64, m: u64) -> String {
    format!("(({k} * 7919 + {g} * 104729) % {m})")
}

fn sql_val(k: &str, g: u64, m: u64) -> String {
    let len = sql_len(k, g, m);
    format!("{g} || ':' || {k} || ':' || replace(hex(zeroblob({len})), '00', char(97 + ({k} + {g}) % 26))")
}

fn row_values(m: &Model) -> Vec<Vec<Value>> {
    m.iter().map(|(&k, (v, n))| vec![Value::Integer(k), Value::Text(v.clone()), Value::Integer(*n)]).collect()
}

/// Every way the test lowers the memory available.
#[derive(Clone, Copy, PartialEq)]
enum Squeeze {
    /// The database's budget PRAGMAs.
    Budget,
    /// The process-wide hard heap limit (child process only).
    HeapLimit,
    /// None: one small budget throughout, which the pages never pass.
    Fixed,
}

/// `Squeeze::Fixed`'s page budget.
const FIXED_BUDGET: i64 = 96 * 1024;

#[derive(Default, Debug)]
struct Stats {
    ok: u64,
    nomem: u64,
    txn_rolled_back: u64,
    commits: u64,
    squeezes: u64,
    checkpoints: u64,
    reader_checks: u64,
    mid_query: u64,
    /// Reads that failed (HARD mode bounds the pages cursors hold too).
    read_nomem: u64,
}

/// A half-stepped query: the statement, the state it must show, the rows
/// read so far.
struct Pending {
    stmt: Statement,
    want: Model,
    got: Vec<Vec<Value>>,
    /// Stepped to its end (stepping again would start it over).
    done: bool,
    /// Whose query: the writer's, from this key on, or the reader's.
    from: Option<i64>,
    /// Failed, or reset to give memory back, and run again from its
    /// start: it shows the state then.
    rerun: bool,
    /// Reset: `want` is taken again at the next step.
    restart: bool,
}

/// Which connection.
#[derive(Clone, Copy)]
enum Who {
    Writer,
    Reader,
}

struct Run {
    seed: u64,
    step: usize,
    rng: Rng,
    squeeze: Squeeze,
    w: Connection,
    r: Connection,
    committed: Model,
    /// The writer's view: `committed` plus the open transaction's changes.
    cur: Model,
    explicit: bool,
    /// Open SAVEPOINTs: name and the model when each was opened.
    sps: Vec<(String, Model)>,
    sp_next: usize,
    /// The reader inside BEGIN, with the snapshot it reads.
    snapshot: Option<Model>,
    pending: Option<Pending>,
    /// The writer's half-stepped queries (`writer_queries`).
    held: Vec<Pending>,
    g: u64,
    stats: Stats,
}

fn open(path: &str) -> Connection {
    Connection::open(path, sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE).expect("open")
}

/// No process-wide heap limit any more (the soft one the hard one
/// lowered goes too).
fn lift_heap_limit() {
    sqlvibe::memory::hard_heap_limit(0);
    sqlvibe::memory::soft_heap_limit(0);
}

fn must(c: &Connection, sql: &str) {
    c.exec(sql, &mut |_, _| true).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
}

impl Run {
    fn ctx(&self) -> String {
        format!("seed {} step {}", self.seed, self.step)
    }

    /// A failure must be SQLITE_NOMEM "out of memory".
    fn expect_nomem(&mut self, e: &Error, what: &str) {
        assert!(
            e.kind == ErrorKind::NoMem && code_of(e.kind) == 7 && e.message == "out of memory",
            "{}: {what}: failed with {:?} {:?}",
            self.ctx(),
            e.kind,
            e.message
        );
        self.stats.nomem += 1;
    }

    fn conn(&self, who: Who) -> &Connection {
        match who {
            Who::Writer => &self.w,
            Who::Reader => &self.r,
        }
    }

    /// Gives memory back: a roomy budget, no heap limit (with a fixed
    /// budget, letting go of pages is all there is).
    fn relax(&self) {
        if self.squeeze == Squeeze::Fixed {
            return;
        }
        if self.squeeze == Squeeze::HeapLimit {
            lift_heap_limit();
        }
        // Both ways: `writer_queries` lowers the budget in either.
        must(&self.w, "PRAGMA max_memory = 0");
        must(&self.w, "PRAGMA cache_memory = 16777216");
    }

    /// A read fails only with SQLITE_NOMEM (HARD mode counts the pages
    /// open cursors hold), undoes nothing of the open transaction, and
    /// succeeds once memory is given back the way an application would:
    /// its open queries reset (their cursors let go of their pages), the
    /// reader's snapshot ended (old page images kept for it go), then a
    /// roomier budget.
    fn read_failed(&mut self, code: i32, message: &str, what: &str) {
        assert!(code == 7 && message == "out of memory", "{}: {what}: read failed with {code} {message:?}", self.ctx());
        self.stats.nomem += 1;
        self.stats.read_nomem += 1;
        assert_eq!(self.explicit, !self.w.is_autocommit(), "{}: a failed read ended the transaction", self.ctx());
        for p in self.held.iter_mut().chain(self.pending.as_mut()) {
            p.stmt.reset();
            p.got.clear();
            (p.done, p.rerun, p.restart) = (false, true, true);
        }
        if self.snapshot.take().is_some() {
            must(&self.r, "COMMIT");
        }
        self.relax();
    }

    /// What a query started now shows.
    fn want_now(&self, from: Option<i64>) -> Model {
        match from {
            Some(from) => self.cur.range(from..).map(|(k, v)| (*k, v.clone())).collect(),
            None => self.snapshot.clone().unwrap_or_else(|| self.committed.clone()),
        }
    }

    /// `sql` prepared on `who` (reading the schema may fail like a read).
    fn prepare(&mut self, who: Who, sql: &str) -> Statement {
        let st = match self.conn(who).prepare(sql) {
            Ok((st, _)) => st,
            Err(e) => {
                self.read_failed(code_of(e.kind), &e.message, sql);
                self.conn(who).prepare(sql).expect("prepare with memory given back").0
            }
        };
        st.expect("one statement")
    }

    /// The rows of `sql` on `who`.
    fn query(&mut self, who: Who, sql: &str) -> Vec<Vec<Value>> {
        match common::vibe(self.conn(who), sql) {
            Ok((_, r)) => r,
            Err((code, message)) => {
                self.read_failed(code, &message, sql);
                rows(self.conn(who), sql)
            }
        }
    }

    /// Contents and integrity as `who` sees them: the writer its open
    /// transaction, the reader its snapshot (or the last commit).
    fn check(&mut self, who: Who, what: &str) {
        let got = self.query(who, "SELECT k, v, n FROM t ORDER BY k");
        let want = match who {
            Who::Writer => self.cur.clone(),
            Who::Reader => self.want_now(None),
        };
        self.same_rows(&got, &want, what);
        let ic = self.query(who, "PRAGMA integrity_check");
        assert_eq!(ic, vec![vec![Value::Text("ok".into())]], "{}: {what}: integrity_check", self.ctx());
    }

    /// Runs one writing statement on the writer; `apply` makes the same
    /// change to the model when it succeeds.
    fn write(&mut self, sql: &str, apply: impl FnOnce(&mut Model)) {
        match self.w.exec(sql, &mut |_, _| true) {
            Ok(()) => {
                apply(&mut self.cur);
                if !self.explicit {
                    self.committed = self.cur.clone();
                }
                self.stats.ok += 1;
            }
            Err(e) => {
                self.expect_nomem(&e, sql);
                self.after_failure(sql);
            }
        }
    }

    fn after_failure(&mut self, sql: &str) {
        if self.explicit && self.w.is_autocommit() {
            // No statement journal: SQLITE_NOMEM rolled the transaction back.
            self.explicit = false;
            self.sps.clear();
            self.cur = self.committed.clone();
            self.stats.txn_rolled_back += 1;
        }
        assert_eq!(self.explicit, !self.w.is_autocommit(), "{}: transaction state", self.ctx());
        let short: String = sql.chars().take(80).collect();
        self.check(Who::Writer, &format!("after failed {short}"));
    }

    fn next_g(&mut self) -> u64 {
        self.g += 1;
        self.g
    }

    /// A key range [a, b] of up to `span` keys.
    fn range(&mut self, span: usize) -> (i64, i64) {
        let a = self.rng.below(KEYS as usize) as i64;
        (a, (a + 1 + self.rng.below(span) as i64).min(KEYS - 1))
    }

    fn insert_select(&mut self) {
        let (a, b) = self.range(60);
        let step = 1 + self.rng.below(3) as i64;
        let g = self.next_g();
        let m = LENS[self.rng.below(LENS.len())];
        let replace = self.rng.below(2) == 0;
        let keys: Vec<i64> = (a..=b).step_by(step as usize).collect();
        let sql = format!(
            "WITH RECURSIVE c(x) AS (SELECT {a} UNION ALL SELECT x + {step} FROM c WHERE x + {step} <= {b}) \
             INSERT OR {} INTO t(k, v, n) SELECT x, {}, {} FROM c",
            if replace { "REPLACE" } else { "IGNORE" },
            sql_val("x", g, m),
            sql_len("x", g, m)
        );
        self.write(&sql, |md| {
            for k in keys {
                if replace || !md.contains_key(&k) {
                    let n = len_of(k, g, m);
                    md.insert(k, (val(k, g, n), n));
                }
            }
        });
    }

    /// Literal rows: no function call, so inside BEGIN an OR IGNORE /
    /// OR REPLACE insert runs without a statement journal.
    fn insert_values(&mut self) {
        let (a, b) = self.range(25);
        let g = self.next_g();
        let m = LENS[self.rng.below(LENS.len())];
        let how = ["IGNORE", "REPLACE", "ABORT"][self.rng.below(3)];
        let keys: Vec<i64> = (a..=b).filter(|k| how != "ABORT" || !self.cur.contains_key(k)).collect();
        if keys.is_empty() {
            return;
        }
        let vals: Vec<String> = keys
            .iter()
            .map(|&k| {
                let n = len_of(k, g, m);
                format!("({k}, '{}', {n})", val(k, g, n))
            })
            .collect();
        let sql = format!("INSERT OR {how} INTO t(k, v, n) VALUES {}", vals.join(", "));
        self.write(&sql, |md| {
            for k in keys {
                if how == "REPLACE" || !md.contains_key(&k) {
                    let n = len_of(k, g, m);
                    md.insert(k, (val(k, g, n), n));
                }
            }
        });
    }

    /// One row through a prepared statement (no statement journal at all).
    fn insert_one(&mut self) {
        let k = self.rng.below(KEYS as usize) as i64;
        let g = self.next_g();
        let n = len_of(k, g, LENS[self.rng.below(LENS.len())]);
        let v = val(k, g, n);
        let mut st = self.prepare(Who::Writer, "INSERT OR REPLACE INTO t(k, v, n) VALUES (?1, ?2, ?3)");
        st.bind(1, Value::Integer(k)).unwrap();
        st.bind(2, Value::Text(v.clone())).unwrap();
        st.bind(3, Value::Integer(n)).unwrap();
        let r = st.step();
        drop(st);
        match r {
            Ok(_) => {
                self.cur.insert(k, (v, n));
                if !self.explicit {
                    self.committed = self.cur.clone();
                }
                self.stats.ok += 1;
            }
            Err(e) => {
                self.expect_nomem(&e, "single-row insert");
                self.after_failure("single-row insert");
            }
        }
    }

    fn update(&mut self) {
        let (a, b) = self.range(80);
        self.update_range(a, b);
    }

    fn update_range(&mut self, a: i64, b: i64) {
        let g = self.next_g();
        let m = LENS[self.rng.below(LENS.len())];
        if self.rng.below(3) == 0 {
            // A literal value: OR REPLACE runs without a statement journal.
            let n = self.rng.below(m as usize) as i64;
            let v = val(0, g, n);
            let sql = format!("UPDATE OR REPLACE t SET v = '{v}', n = {n} WHERE k BETWEEN {a} AND {b}");
            self.write(&sql, |md| {
                for (_, e) in md.range_mut(a..=b) {
                    *e = (v.clone(), n);
                }
            });
            return;
        }
        let sql =
            format!("UPDATE t SET v = {}, n = {} WHERE k BETWEEN {a} AND {b}", sql_val("k", g, m), sql_len("k", g, m));
        self.write(&sql, |md| {
            for (&k, e) in md.range_mut(a..=b) {
                let n = len_of(k, g, m);
                *e = (val(k, g, n), n);
            }
        });
    }

    fn delete(&mut self) {
        let (a, b) = self.range(120);
        let md = 1 + self.rng.below(3) as i64;
        let sql = format!("DELETE FROM t WHERE k BETWEEN {a} AND {b} AND k % {md} = 0");
        self.write(&sql, |m| m.retain(|&k, _| !(a..=b).contains(&k) || k % md != 0));
    }

    fn ddl(&mut self) {
        let sql = match self.rng.below(10) {
            0 => "CREATE INDEX IF NOT EXISTS t_v ON t(v)",
            1 => "CREATE INDEX IF NOT EXISTS t_n ON t(n, k)",
            2 => "CREATE INDEX IF NOT EXISTS t_nv ON t(n DESC, v)",
            3 => "CREATE INDEX IF NOT EXISTS t_vn ON t(v, n)",
            4 => "CREATE INDEX IF NOT EXISTS t_kv ON t(k, v)",
            5 => "DROP INDEX IF EXISTS t_v",
            6 => "DROP INDEX IF EXISTS t_n",
            7 => "DROP INDEX IF EXISTS t_nv",
            8 => "DROP INDEX IF EXISTS t_vn",
            _ => "DROP INDEX IF EXISTS t_kv",
        };
        self.write(sql, |_| {});
    }

    fn begin(&mut self) {
        if !self.explicit {
            must(&self.w, "BEGIN");
            self.explicit = true;
        }
    }

    fn savepoint(&mut self) {
        if !self.explicit {
            return;
        }
        match self.rng.below(3) {
            0 if self.sps.len() < 4 => {
                let name = format!("s{}", self.sp_next);
                self.sp_next += 1;
                must(&self.w, &format!("SAVEPOINT {name}"));
                self.sps.push((name, self.cur.clone()));
            }
            1 if !self.sps.is_empty() => {
                let i = self.rng.below(self.sps.len());
                let name = self.sps[i].0.clone();
                // ROLLBACK TO needs no memory: it must always work.
                must(&self.w, &format!("ROLLBACK TO {name}"));
                self.cur = self.sps[i].1.clone();
                self.sps.truncate(i + 1);
            }
            2 if !self.sps.is_empty() => {
                let i = self.rng.below(self.sps.len());
                must(&self.w, &format!("RELEASE {}", self.sps[i].0));
                self.sps.truncate(i);
            }
            _ => {}
        }
    }

    fn end_txn(&mut self) {
        if !self.explicit {
            return;
        }
        if self.rng.below(4) == 0 {
            must(&self.w, "ROLLBACK");
            self.cur = self.committed.clone();
        } else {
            // A commit writes what is left in memory: it never needs more.
            must(&self.w, "COMMIT");
            self.committed = self.cur.clone();
            self.stats.commits += 1;
        }
        self.explicit = false;
        self.sps.clear();
    }

    /// Lowers (mostly) or raises the memory available.
    fn squeeze(&mut self) {
        self.stats.squeezes += 1;
        match self.squeeze {
            Squeeze::Budget => {
                let c = if self.rng.below(2) == 0 { &self.w } else { &self.r };
                let sql = match self.rng.below(10) {
                    // The smallest budget: 16 pages, spilling past 8.
                    0 | 1 => "PRAGMA cache_memory = 1".to_string(),
                    2 => "PRAGMA max_memory = 1".to_string(),
                    3 => format!("PRAGMA cache_memory = {}", 65536 + self.rng.below(4) * 32768),
                    4 => format!("PRAGMA cache_size = {}", 16 + self.rng.below(48)),
                    5 => format!("PRAGMA max_memory = {}", 131072 + self.rng.below(8) * 65536),
                    6 => "PRAGMA max_memory = 0".to_string(),
                    // Roomy: dirty pages pile up in memory until the next squeeze.
                    7 => "PRAGMA cache_memory = 16777216".to_string(),
                    8 => format!("PRAGMA cache_size = -{}", 64 + self.rng.below(512)),
                    _ => "PRAGMA cache_memory = 0".to_string(),
                };
                c.exec(&sql, &mut |_, _| true).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
            }
            Squeeze::Fixed => {}
            Squeeze::HeapLimit => {
                let limit = if self.rng.below(4) == 0 {
                    // No limit; the soft limit the hard one lowered goes too.
                    sqlvibe::memory::soft_heap_limit(0);
                    0
                } else {
                    // Just above (or below) what the process holds now.
                    let used = sqlvibe::memory::used() as i64;
                    used - 64 * 1024 + self.rng.below(512 * 1024) as i64
                };
                sqlvibe::memory::hard_heap_limit(limit);
            }
        }
    }

    fn checkpoint(&mut self) {
        let mode = ["PASSIVE", "FULL", "RESTART", "TRUNCATE"][self.rng.below(4)];
        let c = if self.rng.below(3) == 0 { &self.w } else { &self.r };
        let sql = format!("PRAGMA wal_checkpoint({mode})");
        if let Err(e) = c.exec(&sql, &mut |_, _| true) {
            self.expect_nomem(&e, &sql);
        }
        self.stats.checkpoints += 1;
    }

    /// The reader: take a snapshot, check it, or leave it.
    fn reader(&mut self) {
        if self.pending.is_some() {
            return;
        }
        match &self.snapshot {
            None if self.rng.below(2) == 0 => {
                must(&self.r, "BEGIN");
                self.query(Who::Reader, "SELECT k FROM t ORDER BY k LIMIT 1");
                self.snapshot = Some(self.committed.clone());
            }
            None => {}
            Some(_) => {
                self.check(Who::Reader, "reader snapshot");
                self.stats.reader_checks += 1;
                if self.rng.below(2) == 0 && self.snapshot.is_some() {
                    must(&self.r, "COMMIT");
                    self.snapshot = None;
                }
            }
        }
    }

    /// The reader's query: start it and read some rows, or read the rest
    /// and compare with the state it started on.
    fn reader_query(&mut self) {
        match self.pending.take() {
            None => {
                let want = self.snapshot.clone().unwrap_or_else(|| self.committed.clone());
                let st = self.prepare(Who::Reader, "SELECT k, v, n FROM t ORDER BY k");
                let mut p =
                    Pending { stmt: st, want, got: Vec::new(), done: false, from: None, rerun: false, restart: false };
                // At least one row: the first step takes the snapshot.
                let n = 1 + self.rng.below(50);
                self.read_rows(&mut p, n);
                self.pending = Some(p);
            }
            Some(mut p) => {
                self.read_rows(&mut p, usize::MAX);
                self.same_rows(&p.got, &p.want, "the reader's query");
                self.stats.mid_query += 1;
            }
        }
    }

    /// Query rows against a model, naming the first difference.
    fn same_rows(&self, got: &[Vec<Value>], want: &Model, what: &str) {
        let want = row_values(want);
        if got != want {
            let i = got.iter().zip(&want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
            let show = |r: Option<&Vec<Value>>| r.map(|r| format!("k {:?} n {:?}", r[0], r[2]));
            panic!(
                "{}: {what}: {} rows, want {}; first difference at row {i}: {:?}, want {:?}",
                self.ctx(),
                got.len(),
                want.len(),
                show(got.get(i)),
                show(want.get(i))
            );
        }
    }

    /// Steps `p` up to `n` rows (or to its end).
    fn step_rows(p: &mut Pending, n: usize) -> sqlvibe::Result<()> {
        for _ in 0..n {
            if p.done {
                break;
            }
            match p.stmt.step()? {
                StepResult::Row => p.got.push((0..3).map(|i| p.stmt.column_value(i).clone()).collect()),
                StepResult::Done => p.done = true,
            }
        }
        Ok(())
    }

    /// `step_rows`; a query that fails for want of memory is run again
    /// from its start (memory given back), showing the state then.
    fn read_rows(&mut self, p: &mut Pending, n: usize) {
        if std::mem::take(&mut p.restart) {
            p.want = self.want_now(p.from);
        }
        if let Err(e) = Self::step_rows(p, n) {
            self.rerun(p, &e, n);
        }
    }

    fn rerun(&mut self, p: &mut Pending, e: &Error, n: usize) {
        {
            let sql = p.stmt.sql().to_owned();
            p.stmt.reset();
            self.read_failed(code_of(e.kind), &e.message, &sql);
            p.got.clear();
            p.done = false;
            (p.rerun, p.restart) = (true, false);
            p.want = self.want_now(p.from);
            if let Err(e) = Self::step_rows(p, n) {
                panic!("{}: query {} failed with memory given back: {e:?}", self.ctx(), p.stmt.sql());
            }
        }
    }

    /// Mid-query: the writer opens several queries and reads a few rows of
    /// each, so their cursors hold pages — dirty ones among them, which no
    /// spill can free: inside BEGIN the range they read was just rewritten
    /// under a roomy budget. Then memory is taken away and, inside BEGIN,
    /// writes run under them; then each query is read to its end. With no
    /// write in between each shows the transaction's state from its key on.
    fn writer_queries(&mut self) {
        let (a, b) = self.range(300);
        let roomy = self.explicit && self.rng.below(3) != 0 && self.squeeze != Squeeze::Fixed;
        if roomy {
            must(&self.w, "PRAGMA max_memory = 0");
            must(&self.w, "PRAGMA cache_memory = 16777216");
            self.update_range(a, b);
        }
        // Each query starts at a row of the range: many leaves held.
        let keys: Vec<i64> = self.cur.range(a..=b).map(|(k, _)| *k).collect();
        debug_assert!(self.held.is_empty());
        for _ in 0..4 + self.rng.below(21) {
            let from = if keys.is_empty() { a } else { keys[self.rng.below(keys.len())] };
            // No ORDER BY: a sorter would read every row at the first step;
            // a rowid range scan holds its path of pages from step to step.
            let sql = format!("SELECT k, v, n FROM t WHERE k >= {from}");
            let st = self.prepare(Who::Writer, &sql);
            let want: Model = self.cur.range(from..).map(|(k, v)| (*k, v.clone())).collect();
            let mut p = Pending {
                stmt: st,
                want,
                got: Vec::new(),
                done: false,
                from: Some(from),
                rerun: false,
                restart: false,
            };
            let n = 1 + self.rng.below(3);
            self.read_rows(&mut p, n);
            self.held.push(p);
        }
        if roomy {
            // The smallest budget, under dirty pages the queries hold.
            must(&self.w, "PRAGMA cache_memory = 1");
            self.stats.squeezes += 1;
        } else {
            self.squeeze();
        }
        let wrote = self.explicit && (roomy || self.rng.below(3) != 0);
        let rollbacks = self.stats.txn_rolled_back;
        if wrote {
            for _ in 0..1 + self.rng.below(3) {
                match self.rng.below(4) {
                    0 => self.update(),
                    1 => self.delete(),
                    2 => self.insert_values(),
                    _ => self.insert_select(),
                }
            }
        }
        // A write that rolled the transaction back, undoing a schema change
        // the queries were compiled under, ends them with SQLITE_ABORT
        // (abort due to ROLLBACK), as in SQLite.
        let aborts = self.stats.txn_rolled_back > rollbacks;
        while !self.held.is_empty() {
            let mut p = self.held.remove(0);
            // Started over here (reset by a failure, or failing itself
            // below): it shows the state now, after every write.
            p.rerun = std::mem::take(&mut p.restart);
            if p.rerun {
                p.want = self.want_now(p.from);
            }
            match Self::step_rows(&mut p, usize::MAX) {
                Ok(()) => {}
                Err(e) if aborts && e.kind == ErrorKind::AbortRollback => continue,
                Err(e) => self.rerun(&mut p, &e, usize::MAX),
            }
            p.got.sort_by_key(|r| if let Value::Integer(k) = r[0] { k } else { i64::MIN });
            if !wrote || p.rerun {
                self.same_rows(&p.got, &p.want, &format!("the writer's query {}", p.stmt.sql()));
            }
        }
        self.stats.mid_query += 1;
    }

    fn one_step(&mut self) {
        match self.rng.below(100) {
            0..=7 => self.begin(),
            8..=18 => self.insert_select(),
            19..=25 => self.insert_values(),
            26..=28 => self.insert_one(),
            29..=37 => self.update(),
            38..=44 => self.delete(),
            45..=48 => self.ddl(),
            49..=56 => self.savepoint(),
            57..=62 => self.end_txn(),
            63..=72 => self.squeeze(),
            73..=76 => self.checkpoint(),
            77..=81 => self.reader(),
            82..=87 => self.reader_query(),
            88..=95 => self.writer_queries(),
            _ => {
                self.check(Who::Writer, "writer");
            }
        }
    }
}

fn run_seed(seed: u64, squeeze: Squeeze) -> Stats {
    let path = temp_db_path(&format!("hard-{seed}"));
    let p = path.to_str().unwrap().to_string();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let w = open(&p);
    let page_size = [1024, 4096][rng.below(2)];
    let mode = if seed % 3 == 2 { "DELETE" } else { "WAL" };
    must(&w, &format!("PRAGMA page_size = {page_size}"));
    must(&w, &format!("PRAGMA journal_mode = {mode}"));
    must(&w, "PRAGMA memory_limit_mode = HARD");
    must(&w, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
    if squeeze == Squeeze::Fixed {
        must(&w, &format!("PRAGMA cache_memory = {FIXED_BUDGET}"));
    }
    let r = open(&p);
    // A FULL checkpoint waits for the write lock: never for long here.
    w.set_busy_timeout(0);
    r.set_busy_timeout(0);
    let mut run = Run {
        seed,
        step: 0,
        rng,
        squeeze,
        w,
        r,
        committed: Model::new(),
        cur: Model::new(),
        explicit: false,
        sps: Vec::new(),
        sp_next: 0,
        snapshot: None,
        pending: None,
        held: Vec::new(),
        g: 0,
        stats: Stats::default(),
    };
    for step in 0..STEPS {
        run.step = step;
        run.one_step();
        if squeeze == Squeeze::Fixed {
            // HARD mode's invariant: clean and dirty pages within the budget.
            let m = run.w.memory_stats();
            assert_eq!(m.page_cache_max, FIXED_BUDGET as u64);
            assert!(m.page_cache_used <= m.page_cache_max, "{}: {m:?}", run.ctx());
        }
    }
    if squeeze == Squeeze::HeapLimit {
        lift_heap_limit();
    }
    if let Some(mut p) = run.pending.take() {
        run.read_rows(&mut p, usize::MAX);
        assert!(p.got == row_values(&p.want), "seed {seed}: the reader's last query");
    }
    run.end_txn();
    let spills = run.w.memory_stats().spills;
    let (stats, committed) = (std::mem::take(&mut run.stats), run.committed.clone());
    drop(run);
    // Reopened (so recovered from the files alone): every commit is there.
    let c = open(&p);
    let got = rows(&c, "SELECT k, v, n FROM t ORDER BY k");
    assert!(got == row_values(&committed), "seed {seed}: after reopen: {} rows, want {}", got.len(), committed.len());
    assert_eq!(rows(&c, "PRAGMA integrity_check"), vec![vec![Value::Text("ok".into())]], "seed {seed}: reopened");
    drop(c);
    remove_db(&path);
    assert!(spills > 0, "seed {seed}: the budget made the writer spill");
    stats
}

fn seeds() -> u64 {
    std::env::var("SQLVIBE_HARD_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3)
}

fn summary(what: &str, all: &[Stats]) -> (u64, u64) {
    let nomem: u64 = all.iter().map(|s| s.nomem).sum();
    let ok: u64 = all.iter().map(|s| s.ok).sum();
    for (i, s) in all.iter().enumerate() {
        println!("{what} seed {}: {s:?}", i + 1);
    }
    (nomem, ok)
}

#[test]
fn hard_budget_faults_never_corrupt() {
    let all: Vec<Stats> = (1..=seeds()).map(|s| run_seed(s, Squeeze::Budget)).collect();
    let (nomem, ok) = summary("budget", &all);
    assert!(nomem >= all.len() as u64 * 3, "the squeezes made statements fail ({nomem} SQLITE_NOMEM)");
    assert!(ok > nomem, "statements also succeeded ({ok} vs {nomem} failures)");
}

#[test]
fn hard_budget_is_never_passed() {
    let all: Vec<Stats> = (1..=seeds()).map(|s| run_seed(2000 + s, Squeeze::Fixed)).collect();
    let (nomem, ok) = summary("fixed", &all);
    assert!(ok > nomem, "statements succeeded ({ok} vs {nomem} failures)");
}

/// The child: the heap-limit workload (the limit is process-wide, so it
/// runs alone in its own process).
#[test]
#[ignore = "entry point of the child process spawned by hard_heap_limit_faults_never_corrupt"]
fn heap_limit_child() {
    let Ok(seeds) = std::env::var(CHILD_ENV) else { return };
    let n: u64 = seeds.parse().expect("seed count");
    let all: Vec<Stats> = (1..=n).map(|s| run_seed(1000 + s, Squeeze::HeapLimit)).collect();
    let (nomem, ok) = summary("heap limit", &all);
    println!("NOMEM {nomem} OK {ok}");
}

#[test]
fn hard_heap_limit_faults_never_corrupt() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "heap_limit_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, seeds().to_string())
        .output()
        .expect("spawn child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    print!("{text}");
    let line = text.lines().find_map(|l| l.find("NOMEM ").map(|i| &l[i..])).expect("child summary");
    let nums: Vec<u64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!(nums[0] >= seeds() * 5, "the heap limit made statements fail: {line}");
    assert!(nums[1] > nums[0], "statements also succeeded: {line}");
}
