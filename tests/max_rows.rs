//! Row quotas: `PRAGMA max_rows`, `Connection::set_table_max_rows` (the C
//! function `sqlvibe_table_max_rows`, also tested in c-tests/max_rows.c),
//! `PRAGMA max_rows_status`, the stored row counts behind them and the
//! O(1) `SELECT count(*) FROM t`.
//!
//! Every path that adds rows (multi-row VALUES, INSERT ... SELECT,
//! REPLACE, UPSERT, trigger bodies) stops at the limit with SQLITE_FULL
//! "max_rows limit (N) reached for table t", leaves the row set exactly
//! as before the statement, and the transaction goes on. Counts stay exact
//! through ROLLBACK, savepoints, reopen, crashes and both journal
//! families: a randomized model test checks them against a BTreeMap.

use sqlvibe::conn::{OPEN_CREATE, OPEN_READWRITE};
use sqlvibe::storage::record::{decode_record, encode_record};
use sqlvibe::storage::{btree, FaultVfs, MemVfs, OpenOptions, Pager};
use sqlvibe::{Connection, ErrorKind, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

mod common;
use common::{exec, int, remove_db, rows, script_rows, temp_db_path, text, Rng};

fn open_file(path: &std::path::Path) -> Connection {
    Connection::open(path.to_str().unwrap(), OPEN_READWRITE | OPEN_CREATE).expect("open")
}

/// The error of a statement that must fail.
fn fails(c: &Connection, sql: &str) -> (ErrorKind, String) {
    match script_rows(c, sql) {
        Ok(r) => panic!("{sql}: succeeded with {r:?}"),
        Err(e) => (e.kind, e.message),
    }
}

fn full(n: u64, t: &str) -> (ErrorKind, String) {
    (ErrorKind::Full, format!("max_rows limit ({n}) reached for table {t}"))
}

/// Every row of `t` with its rowid, in rowid order.
fn row_set(c: &Connection, t: &str) -> Vec<Vec<Value>> {
    rows(c, &format!("SELECT rowid, * FROM {t} ORDER BY rowid"))
}

/// `SELECT count(*)` from the stored count, and by a scan (the WHERE
/// term keeps it off the stored count); both must agree.
fn count(c: &Connection, t: &str) -> i64 {
    let fast = rows(c, &format!("SELECT count(*) FROM {t}"));
    let scan = rows(c, &format!("SELECT count(*) FROM {t} WHERE 1"));
    assert_eq!(fast, scan, "stored count of {t} against a scan");
    match fast[0][0] {
        Value::Integer(n) => n,
        ref v => panic!("{v:?}"),
    }
}

fn integrity_ok(c: &Connection) {
    assert_eq!(rows(c, "PRAGMA integrity_check"), vec![vec![text("ok")]]);
}

/// `n` rows 1..=n into `t(a)`, one statement.
fn fill(c: &Connection, t: &str, n: i64) {
    let vals: Vec<String> = (1..=n).map(|i| format!("({i})")).collect();
    exec(c, &format!("INSERT INTO {t} VALUES {}", vals.join(",")));
}

#[test]
fn pragma_max_rows_reads_back_and_persists() {
    let path = temp_db_path("maxrows-pragma");
    {
        let c = open_file(&path);
        assert_eq!(rows(&c, "PRAGMA max_rows"), vec![vec![int(0)]]);
        assert_eq!(rows(&c, "PRAGMA max_rows = 5"), vec![vec![int(5)]]);
        assert_eq!(rows(&c, "PRAGMA max_rows"), vec![vec![int(5)]]);
        // A negative or non-numeric value changes nothing.
        assert_eq!(rows(&c, "PRAGMA max_rows = -3"), vec![vec![int(5)]]);
        assert_eq!(rows(&c, "PRAGMA max_rows = 'lots'"), vec![vec![int(5)]]);
        assert_eq!(rows(&c, "PRAGMA main.max_rows = 6000000000"), vec![vec![int(6_000_000_000)]]);
        // Inside a transaction the setting is rolled back with it.
        exec(&c, "BEGIN; PRAGMA max_rows = 7; ROLLBACK");
        assert_eq!(rows(&c, "PRAGMA max_rows"), vec![vec![int(6_000_000_000)]]);
        exec(&c, "PRAGMA max_rows = 9");
    }
    let c = open_file(&path);
    assert_eq!(rows(&c, "PRAGMA max_rows"), vec![vec![int(9)]]);
    drop(c);
    remove_db(&path);
}

#[test]
fn multi_row_values_and_insert_select_stop_whole() {
    let c = common::open();
    exec(&c, "CREATE TABLE t(a); CREATE TABLE src(x); PRAGMA max_rows = 4");
    fill(&c, "src", 3);
    exec(&c, "INSERT INTO t VALUES (10), (20)");
    let before = row_set(&c, "t");
    assert_eq!(fails(&c, "INSERT INTO t VALUES (30), (40), (50)"), full(4, "t"));
    assert_eq!(row_set(&c, "t"), before);
    assert_eq!(fails(&c, "INSERT INTO t SELECT x FROM src"), full(4, "t"));
    assert_eq!(row_set(&c, "t"), before);
    assert_eq!(c.changes(), 0);
    exec(&c, "INSERT INTO t SELECT x FROM src WHERE x < 3");
    assert_eq!(count(&c, "t"), 4);
    assert_eq!(fails(&c, "INSERT INTO t DEFAULT VALUES"), full(4, "t"));
    assert_eq!(fails(&c, "INSERT INTO t VALUES (1)"), full(4, "t"));
    // src is under the same database-wide limit.
    exec(&c, "INSERT INTO src VALUES (4)");
    assert_eq!(fails(&c, "INSERT INTO src VALUES (5)"), full(4, "src"));
    integrity_ok(&c);
}

#[test]
fn replace_of_an_existing_row_does_not_grow() {
    let c = common::open();
    exec(&c, "CREATE TABLE t(k INTEGER PRIMARY KEY, u UNIQUE, v); PRAGMA max_rows = 3");
    exec(&c, "INSERT INTO t VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0)");
    // Same rowid, same unique key, then a row clashing with two rows.
    exec(&c, "REPLACE INTO t VALUES (1, 'a', 1)");
    exec(&c, "INSERT OR REPLACE INTO t VALUES (9, 'b', 2)");
    exec(&c, "INSERT OR REPLACE INTO t VALUES (3, 'a', 3)");
    assert_eq!(count(&c, "t"), 2);
    exec(&c, "REPLACE INTO t VALUES (5, 'e', 4)");
    let before = row_set(&c, "t");
    assert_eq!(fails(&c, "REPLACE INTO t VALUES (6, 'f', 5)"), full(3, "t"));
    // The first row replaces one, the second would grow the table.
    assert_eq!(fails(&c, "REPLACE INTO t VALUES (5, 'e', 6), (7, 'g', 7)"), full(3, "t"));
    assert_eq!(row_set(&c, "t"), before);
    // Above a lowered limit, replacing still works; adding does not.
    exec(&c, "PRAGMA max_rows = 1");
    exec(&c, "REPLACE INTO t VALUES (5, 'e', 8)");
    assert_eq!(fails(&c, "INSERT OR IGNORE INTO t VALUES (8, 'h', 9)"), full(1, "t"));
    assert_eq!(count(&c, "t"), 3);
    integrity_ok(&c);
}

#[test]
fn upsert_updates_at_the_limit_but_never_adds() {
    let c = common::open();
    exec(&c, "CREATE TABLE t(k TEXT PRIMARY KEY, n INTEGER); PRAGMA max_rows = 2");
    exec(&c, "INSERT INTO t VALUES ('a', 1), ('b', 1)");
    let up = "INSERT INTO t VALUES ('a', 1) ON CONFLICT(k) DO UPDATE SET n = n + 1";
    exec(&c, up);
    exec(&c, "INSERT INTO t VALUES ('b', 1) ON CONFLICT DO NOTHING");
    assert_eq!(rows(&c, "SELECT k, n FROM t ORDER BY k"), vec![vec![text("a"), int(2)], vec![text("b"), int(1)]]);
    let before = row_set(&c, "t");
    let mixed = "INSERT INTO t VALUES ('a', 1), ('z', 1) ON CONFLICT(k) DO UPDATE SET n = n + 10";
    assert_eq!(fails(&c, mixed), full(2, "t"));
    assert_eq!(row_set(&c, "t"), before, "the update of 'a' is undone with the statement");
    exec(&c, "DELETE FROM t WHERE k = 'b'");
    exec(&c, mixed);
    assert_eq!(rows(&c, "SELECT k, n FROM t ORDER BY k"), vec![vec![text("a"), int(12)], vec![text("z"), int(1)]]);
    integrity_ok(&c);
}

#[test]
fn trigger_bodies_count_and_stop_the_firing_statement() {
    let c = common::open();
    exec(
        &c,
        "CREATE TABLE t(a); CREATE TABLE log(x);
         CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a), (new.a * 10); END;
         CREATE TRIGGER td AFTER DELETE ON t BEGIN DELETE FROM log WHERE x = old.a; END",
    );
    c.set_table_max_rows(None, "log", 5).unwrap();
    exec(&c, "INSERT INTO t VALUES (1), (2)");
    assert_eq!(count(&c, "log"), 4);
    let (t0, l0) = (row_set(&c, "t"), row_set(&c, "log"));
    assert_eq!(fails(&c, "INSERT INTO t VALUES (3)"), full(5, "log"));
    assert_eq!((row_set(&c, "t"), row_set(&c, "log")), (t0, l0));
    // A trigger's delete frees quota for the next row of the same statement.
    exec(&c, "DELETE FROM t WHERE a = 1");
    assert_eq!(count(&c, "log"), 3);
    exec(&c, "INSERT INTO t VALUES (3)");
    assert_eq!(count(&c, "log"), 5);
    // A BEFORE trigger that makes room lets the row in.
    exec(&c, "CREATE TABLE q(a); CREATE TRIGGER mk BEFORE INSERT ON q BEGIN DELETE FROM q WHERE a < new.a - 1; END");
    c.set_table_max_rows(None, "q", 2).unwrap();
    exec(&c, "INSERT INTO q VALUES (1), (2), (3), (4), (5)");
    assert_eq!(rows(&c, "SELECT a FROM q ORDER BY a"), vec![vec![int(4)], vec![int(5)]]);
    integrity_ok(&c);
}

#[test]
fn the_transaction_goes_on_after_the_error() {
    let c = common::open();
    exec(&c, "CREATE TABLE t(a PRIMARY KEY); PRAGMA max_rows = 3");
    exec(&c, "BEGIN; INSERT INTO t VALUES (1)");
    assert_eq!(fails(&c, "INSERT INTO t VALUES (2), (3), (4)"), full(3, "t"));
    // OR IGNORE / OR FAIL statements run without a statement journal in
    // SQLite; a quota error still undoes them whole.
    assert_eq!(fails(&c, "INSERT OR IGNORE INTO t VALUES (2), (3), (4)"), full(3, "t"));
    assert_eq!(fails(&c, "INSERT OR FAIL INTO t VALUES (2), (3), (4)"), full(3, "t"));
    assert!(!c.is_autocommit(), "still inside BEGIN");
    exec(&c, "INSERT INTO t VALUES (2)");
    exec(&c, "COMMIT");
    assert_eq!(rows(&c, "SELECT a FROM t ORDER BY a"), vec![vec![int(1)], vec![int(2)]]);
    // A single-row insert (no statement journal) fails before its write.
    exec(&c, "BEGIN; INSERT INTO t VALUES (3)");
    assert_eq!(fails(&c, "INSERT INTO t VALUES (4)"), full(3, "t"));
    exec(&c, "COMMIT");
    assert_eq!(count(&c, "t"), 3);
    integrity_ok(&c);
}

#[test]
fn deletes_free_quota() {
    let c = common::open();
    exec(&c, "CREATE TABLE t(a); CREATE INDEX ta ON t(a); PRAGMA max_rows = 3");
    fill(&c, "t", 3);
    assert_eq!(fails(&c, "INSERT INTO t VALUES (4)"), full(3, "t"));
    exec(&c, "DELETE FROM t WHERE a = 2");
    exec(&c, "INSERT INTO t VALUES (4)");
    // DELETE without WHERE empties the table in one go.
    exec(&c, "DELETE FROM t");
    assert_eq!(c.changes(), 3);
    assert_eq!(count(&c, "t"), 0);
    fill(&c, "t", 3);
    // UPDATE moves rows without changing the count.
    exec(&c, "UPDATE t SET rowid = rowid + 100");
    assert_eq!(count(&c, "t"), 3);
    integrity_ok(&c);
}

#[test]
fn per_table_limit_overrides_and_inherits() {
    let c = common::open();
    exec(&c, "CREATE TABLE a(x); CREATE TABLE b(x); CREATE TABLE c(x); CREATE VIEW v AS SELECT 1");
    exec(&c, "CREATE TABLE s(id INTEGER PRIMARY KEY AUTOINCREMENT)");
    exec(&c, "PRAGMA max_rows = 3");
    c.set_table_max_rows(None, "a", 1).unwrap();
    c.set_table_max_rows(Some("main"), "B", 0).unwrap();
    let status = |c: &Connection| rows(c, "PRAGMA max_rows_status");
    fill(&c, "b", 5);
    exec(&c, "INSERT INTO a VALUES (1)");
    assert_eq!(fails(&c, "INSERT INTO a VALUES (2)"), full(1, "a"));
    fill(&c, "c", 3);
    assert_eq!(fails(&c, "INSERT INTO c VALUES (4)"), full(3, "c"));
    assert_eq!(
        status(&c),
        vec![
            vec![text("a"), int(1), int(1)],
            vec![text("b"), int(5), int(0)],
            vec![text("c"), int(3), int(3)],
            vec![text("s"), int(0), int(3)],
        ]
    );
    // Back to inheriting: a now follows max_rows (3).
    c.set_table_max_rows(None, "a", -1).unwrap();
    exec(&c, "INSERT INTO a VALUES (2), (3)");
    assert_eq!(fails(&c, "INSERT INTO a VALUES (4)"), full(3, "a"));
    // No database-wide limit: only per-table ones apply.
    exec(&c, "PRAGMA max_rows = 0");
    exec(&c, "INSERT INTO c VALUES (4)");
    // Inside a transaction the setting rolls back with it.
    exec(&c, "BEGIN");
    c.set_table_max_rows(None, "c", 2).unwrap();
    assert_eq!(fails(&c, "INSERT INTO c VALUES (5)"), full(2, "c"));
    exec(&c, "ROLLBACK");
    exec(&c, "INSERT INTO c VALUES (5)");
    // Bad arguments: clear errors, nothing changed.
    let e = |r: sqlvibe::Result<()>| r.map_err(|e| (e.kind, e.message)).unwrap_err();
    assert_eq!(e(c.set_table_max_rows(None, "nope", 1)), (ErrorKind::Error, "no such table: nope".into()));
    assert_eq!(e(c.set_table_max_rows(None, "v", 1)), (ErrorKind::Error, "no such table: v".into()));
    assert_eq!(e(c.set_table_max_rows(Some("temp"), "a", 1)), (ErrorKind::Error, "unknown database temp".into()));
    assert_eq!(e(c.set_table_max_rows(None, "a", -2)).0, ErrorKind::Range);
    assert_eq!(
        e(c.set_table_max_rows(None, "sqlite_sequence", 1)),
        (ErrorKind::Error, "table sqlite_sequence may not have a row limit".into())
    );
    assert!(c.is_autocommit());
    integrity_ok(&c);
}

#[test]
fn counts_and_limits_survive_reopen_in_both_journal_families() {
    for mode in ["WAL", "DELETE"] {
        let path = temp_db_path(&format!("maxrows-reopen-{mode}"));
        {
            let c = open_file(&path);
            exec(&c, &format!("PRAGMA journal_mode = {mode}"));
            exec(&c, "CREATE TABLE t(a); CREATE TABLE u(a); PRAGMA max_rows = 4");
            c.set_table_max_rows(None, "u", 2).unwrap();
            fill(&c, "t", 3);
            exec(&c, "BEGIN; INSERT INTO u VALUES (1); INSERT INTO t VALUES (9); ROLLBACK");
            fill(&c, "u", 2);
        }
        let c = open_file(&path);
        assert_eq!(count(&c, "t"), 3);
        assert_eq!(count(&c, "u"), 2);
        assert_eq!(fails(&c, "INSERT INTO u VALUES (3)"), full(2, "u"));
        exec(&c, "INSERT INTO t VALUES (4)");
        assert_eq!(fails(&c, "INSERT INTO t VALUES (5)"), full(4, "t"));
        integrity_ok(&c);
        drop(c);
        remove_db(&path);
    }
}

/// Rewrites field 5 (the row count) of every table's schema row through
/// the storage API: `None` strips fields 5 and 6, as in a file written
/// before row counts existed.
fn rewrite_counts(path: &std::path::Path, count: Option<i64>) {
    let p = Pager::open(path.to_str().unwrap(), OpenOptions { read_only: false, create: false }).unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = t.header().schema_root;
    let mut ids = Vec::new();
    let mut cur = sqlvibe::storage::Cursor::new(root, sqlvibe::storage::BTreeKind::Table);
    let mut ok = cur.first(&t).unwrap();
    while ok {
        ids.push(cur.rowid(&t).unwrap());
        ok = cur.next(&t).unwrap();
    }
    let (mut rec, mut vals) = (Vec::new(), Vec::new());
    for id in ids {
        assert!(btree::table_get(&t, root, id, &mut rec).unwrap());
        decode_record(&rec, &mut vals).unwrap();
        if vals.len() < 7 {
            continue;
        }
        match count {
            Some(n) => vals[5] = Value::Integer(n),
            None => vals.truncate(5),
        }
        rec.clear();
        encode_record(&vals, &mut rec);
        btree::table_insert(&mut t, root, id, &rec).unwrap();
    }
    t.commit().unwrap();
}

#[test]
fn integrity_check_reports_a_wrong_stored_count() {
    let path = temp_db_path("maxrows-wrong");
    {
        let c = open_file(&path);
        exec(&c, "CREATE TABLE t(a)");
        fill(&c, "t", 3);
    }
    rewrite_counts(&path, Some(99));
    let c = open_file(&path);
    // The stored count is what count(*) answers with: proof of the O(1) path.
    assert_eq!(rows(&c, "SELECT count(*) FROM t"), vec![vec![int(99)]]);
    assert_eq!(rows(&c, "SELECT count(*) FROM t WHERE 1"), vec![vec![int(3)]]);
    assert_eq!(rows(&c, "PRAGMA integrity_check"), vec![vec![text("wrong # of rows in table t (stored 99, found 3)")]]);
    drop(c);
    remove_db(&path);
}

#[test]
fn a_file_without_stored_counts_opens_and_counts_lazily() {
    let path = temp_db_path("maxrows-legacy");
    {
        let c = open_file(&path);
        exec(&c, "CREATE TABLE t(a); CREATE TABLE u(a)");
        fill(&c, "t", 5);
        fill(&c, "u", 2);
    }
    rewrite_counts(&path, None);
    let c = open_file(&path);
    integrity_ok(&c);
    assert_eq!(count(&c, "t"), 5);
    assert_eq!(rows(&c, "PRAGMA max_rows_status").len(), 2);
    exec(&c, "PRAGMA max_rows = 6");
    // The first write counts the B-tree and stores the count.
    assert_eq!(fails(&c, "INSERT INTO t VALUES (6), (7)"), full(6, "t"));
    exec(&c, "INSERT INTO t VALUES (6)");
    c.set_table_max_rows(None, "u", 3).unwrap();
    exec(&c, "INSERT INTO u VALUES (3)");
    assert_eq!(fails(&c, "INSERT INTO u VALUES (4)"), full(3, "u"));
    assert_eq!(
        rows(&c, "PRAGMA max_rows_status"),
        vec![vec![text("t"), int(6), int(6)], vec![text("u"), int(3), int(3)]]
    );
    integrity_ok(&c);
    drop(c);
    remove_db(&path);
}

/// The model: rows of t(k INTEGER PRIMARY KEY, u UNIQUE) as k -> u.
type Model = BTreeMap<i64, i64>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Abort,
    Ignore,
    Replace,
}

/// Applies one INSERT of `cand` rows to `m` as sqlvibe must: per row,
/// uniqueness first (ABORT fails, IGNORE skips, REPLACE deletes the
/// clashing rows), then the row limit (a row that does not grow the
/// table passes). Err = the statement's error kind; `m` is then garbage.
fn model_insert(m: &mut Model, cand: &[(i64, i64)], mode: Mode, limit: u64) -> Result<(), ErrorKind> {
    for &(k, u) in cand {
        let before = m.len();
        let clash: Vec<i64> = m.iter().filter(|(&mk, &mu)| mk == k || mu == u).map(|(&mk, _)| mk).collect();
        if !clash.is_empty() {
            match mode {
                Mode::Abort => return Err(ErrorKind::ConstraintPrimaryKey),
                Mode::Ignore => continue,
                Mode::Replace => clash.iter().for_each(|c| {
                    m.remove(c);
                }),
            }
        }
        let after = m.len() + 1;
        if limit > 0 && after as u64 > limit && after > before {
            return Err(ErrorKind::Full);
        }
        m.insert(k, u);
    }
    Ok(())
}

/// Transaction state of the model: the committed rows and, inside BEGIN,
/// the savepoint images (outermost first).
struct Txns {
    cur: Model,
    begin: Option<Model>,
    savepoints: Vec<Model>,
    /// Statements the row limit stopped (the test must meet some).
    limit_hits: usize,
}

fn check_against(c: &Connection, m: &Model) {
    assert_eq!(count(c, "t"), m.len() as i64);
    let want: Vec<Vec<Value>> = m.iter().map(|(&k, &u)| vec![int(k), int(u)]).collect();
    assert_eq!(rows(c, "SELECT k, u FROM t ORDER BY k"), want);
}

/// One random step on both sides; returns false when it needs a reopen.
fn model_step(c: &Connection, rng: &mut Rng, st: &mut Txns, limit: u64, step: i64) -> bool {
    let in_txn = st.begin.is_some();
    match rng.below(12) {
        0..=3 => {
            let mode = [Mode::Abort, Mode::Ignore, Mode::Replace][rng.below(3)];
            let n = 1 + rng.below(4);
            let cand: Vec<(i64, i64)> = (0..n).map(|_| (rng.below(40) as i64, 100 + rng.below(40) as i64)).collect();
            let verb = match mode {
                Mode::Abort => "INSERT",
                Mode::Ignore => "INSERT OR IGNORE",
                Mode::Replace => "INSERT OR REPLACE",
            };
            let vals: Vec<String> = cand.iter().map(|(k, u)| format!("({k}, {u})")).collect();
            let sql = format!("{verb} INTO t VALUES {}", vals.join(", "));
            let mut next = st.cur.clone();
            let want = model_insert(&mut next, &cand, mode, limit);
            let got = script_rows(c, &sql).map(|_| ()).map_err(|e| e.kind);
            let norm = |r: &Result<(), ErrorKind>| r.map_err(|k| k == ErrorKind::Full);
            assert_eq!(norm(&got), norm(&want), "{sql}");
            st.limit_hits += usize::from(want == Err(ErrorKind::Full));
            if want.is_ok() {
                st.cur = next;
            }
        }
        4 => {
            // INSERT ... SELECT of a few rows under fresh keys.
            let lo = rng.below(40) as i64;
            let off = 1000 * step;
            let cand: Vec<(i64, i64)> = st.cur.range(lo..lo + 6).map(|(&k, &u)| (k + off, u + off)).collect();
            let sql = format!("INSERT INTO t SELECT k + {off}, u + {off} FROM t WHERE k >= {lo} AND k < {}", lo + 6);
            let mut next = st.cur.clone();
            let want = model_insert(&mut next, &cand, Mode::Abort, limit);
            let got = script_rows(c, &sql).map(|_| ()).map_err(|e| e.kind);
            assert_eq!(got.is_ok(), want.is_ok(), "{sql}: {got:?} vs {want:?}");
            if want.is_ok() {
                st.cur = next;
            }
        }
        5 | 6 => {
            let (m, r) = (2 + rng.below(4) as i64, rng.below(2) as i64);
            exec(c, &format!("DELETE FROM t WHERE k % {m} = {r}"));
            st.cur.retain(|&k, _| k % m != r);
        }
        7 if rng.below(4) == 0 => {
            exec(c, "DELETE FROM t");
            st.cur.clear();
        }
        8 if !in_txn => {
            exec(c, "BEGIN");
            st.begin = Some(st.cur.clone());
        }
        8 | 9 if in_txn => match rng.below(5) {
            0 => {
                exec(c, "SAVEPOINT sp");
                st.savepoints.push(st.cur.clone());
            }
            1 if !st.savepoints.is_empty() => {
                exec(c, "ROLLBACK TO sp");
                st.cur = st.savepoints.last().expect("savepoint").clone();
            }
            2 if !st.savepoints.is_empty() => {
                exec(c, "RELEASE sp");
                st.savepoints.pop();
            }
            3 => {
                exec(c, "ROLLBACK");
                st.cur = st.begin.take().expect("begin");
                st.savepoints.clear();
            }
            _ => {
                exec(c, "COMMIT");
                st.begin = None;
                st.savepoints.clear();
            }
        },
        10 if !in_txn => return false,
        _ => {
            // Rows move (UPDATE of the rowid): the count stays.
            let k = rng.below(40) as i64;
            let sql = format!("UPDATE OR IGNORE t SET k = k + 5000 WHERE k = {k}");
            exec(c, &sql);
            if let Some(u) = st.cur.get(&k).copied() {
                if !st.cur.contains_key(&(k + 5000)) {
                    st.cur.remove(&k);
                    st.cur.insert(k + 5000, u);
                }
            }
        }
    }
    true
}

#[test]
fn model_counts_through_rollbacks_savepoints_and_reopens() {
    for seed in [0x5eed_0001u64, 0x5eed_0002, 0x5eed_0003] {
        let mut rng = Rng(seed);
        let path = temp_db_path("maxrows-model");
        let limit = 8 + rng.below(8) as u64;
        let mut st = Txns { cur: Model::new(), begin: None, savepoints: Vec::new(), limit_hits: 0 };
        let mut c = open_file(&path);
        exec(&c, &format!("CREATE TABLE t(k INTEGER PRIMARY KEY, u UNIQUE); PRAGMA max_rows = {limit}"));
        for step in 1..=300 {
            if !model_step(&c, &mut rng, &mut st, limit, step) {
                // Reopen, sometimes in the other journal family.
                drop(c);
                c = open_file(&path);
                let mode = if rng.below(2) == 0 { "WAL" } else { "DELETE" };
                exec(&c, &format!("PRAGMA journal_mode = {mode}"));
            }
            check_against(&c, &st.cur);
        }
        if st.begin.is_some() {
            exec(&c, "COMMIT");
        }
        integrity_ok(&c);
        assert!(st.limit_hits > 5, "seed {seed:#x}: only {} statements met the limit", st.limit_hits);
        assert_eq!(
            rows(&c, "PRAGMA max_rows_status"),
            vec![vec![text("t"), int(st.cur.len() as i64), int(limit as i64)]]
        );
        drop(c);
        remove_db(&path);
    }
}

/// A crash at every write or sync of a commit (fault VFS, then power
/// loss): after reopening, the stored count matches the rows, whichever
/// side of the commit the database ended on.
#[test]
fn counts_are_exact_after_crash_recovery() {
    for mode in ["WAL", "DELETE"] {
        let mut outcomes = [0; 2];
        for cut in 0..24 {
            let fv = FaultVfs::new(Arc::new(MemVfs::new()));
            let open = || Connection::open_with_vfs(Arc::new(fv.clone()), "crash.db", OPEN_READWRITE | OPEN_CREATE);
            {
                let c = open().unwrap();
                exec(&c, &format!("PRAGMA journal_mode = {mode}; CREATE TABLE t(a, b); PRAGMA max_rows = 50"));
                exec(&c, "INSERT INTO t VALUES (1, randomblob(3000)), (2, randomblob(3000))");
                fv.crash_after(cut);
                let r = script_rows(
                    &c,
                    "BEGIN; INSERT INTO t VALUES (3, randomblob(3000)), (4, 'x'); DELETE FROM t WHERE a = 1; COMMIT",
                );
                if r.is_err() && !c.is_autocommit() {
                    let _ = script_rows(&c, "ROLLBACK");
                }
            }
            fv.clear_faults();
            fv.power_loss(false).unwrap();
            let c = open().unwrap();
            let n = count(&c, "t");
            assert!(n == 2 || n == 3, "{mode} cut {cut}: {n} rows");
            integrity_ok(&c);
            outcomes[(n - 2) as usize] += 1;
        }
        // Some cuts land before the commit is durable, some after.
        assert!(outcomes[0] > 0 && outcomes[1] > 0, "{mode}: {outcomes:?}");
    }
}

#[test]
fn schema_changes_keep_or_reset_counts() {
    let c = common::open();
    exec(&c, "CREATE TABLE t(a); CREATE INDEX ti ON t(a)");
    fill(&c, "t", 4);
    c.set_table_max_rows(None, "t", 5).unwrap();
    // ALTER rewrites the schema row: the count and the limit stay.
    exec(&c, "ALTER TABLE t RENAME TO t2; ALTER TABLE t2 ADD COLUMN b DEFAULT 7; ALTER TABLE t2 RENAME a TO x");
    exec(&c, "ALTER TABLE t2 DROP COLUMN b");
    assert_eq!(count(&c, "t2"), 4);
    exec(&c, "INSERT INTO t2 VALUES (5)");
    assert_eq!(fails(&c, "INSERT INTO t2 VALUES (6)"), full(5, "t2"));
    assert_eq!(rows(&c, "PRAGMA max_rows_status"), vec![vec![text("t2"), int(5), int(5)]]);
    // A table dropped and created again starts over: empty, inheriting.
    exec(&c, "DROP TABLE t2; CREATE TABLE t2(a); PRAGMA max_rows = 2");
    assert_eq!(rows(&c, "PRAGMA max_rows_status"), vec![vec![text("t2"), int(0), int(2)]]);
    // CREATE TABLE ... AS counts its rows, under the limit like INSERT.
    assert_eq!(fails(&c, "CREATE TABLE big AS SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3"), full(2, "big"));
    assert_eq!(rows(&c, "SELECT name FROM sqlite_schema WHERE name = 'big'").len(), 0);
    exec(&c, "CREATE TABLE small AS SELECT 1 AS x UNION ALL SELECT 2");
    assert_eq!(count(&c, "small"), 2);
    // The schema table itself shows SQLite's five columns.
    assert_eq!(common::vibe(&c, "SELECT * FROM sqlite_schema WHERE name = 'small'").unwrap().1[0].len(), 5);
    integrity_ok(&c);
}

#[test]
fn counts_stay_exact_across_connections_long_schemas_and_many_tables() {
    let path = temp_db_path("maxrows-conns");
    let a = open_file(&path);
    let b = open_file(&path);
    // A schema row too long for its leaf: its count lives in an overflow
    // page and is rewritten rather than patched.
    let long = format!("CREATE TABLE long(x, y DEFAULT '{}')", "y".repeat(6000));
    exec(&a, &long);
    exec(&a, "CREATE TABLE t(x); PRAGMA max_rows = 40");
    for i in 0..30 {
        let c = if i % 2 == 0 { &a } else { &b };
        exec(c, &format!("INSERT INTO t VALUES ({i}); INSERT INTO long(x) VALUES ({i})"));
        if i % 7 == 0 {
            exec(c, "DELETE FROM t WHERE x % 5 = 0");
        }
    }
    assert_eq!(count(&a, "t"), count(&b, "t"));
    assert_eq!(count(&b, "long"), 30);
    // More tables than the connection keeps between statements.
    exec(&a, "BEGIN");
    for i in 0..70 {
        exec(&a, &format!("CREATE TABLE m{i}(x); INSERT INTO m{i} VALUES (1), (2)"));
    }
    for i in (0..70).rev() {
        exec(&a, &format!("INSERT INTO m{i} VALUES (3); DELETE FROM m{i} WHERE x = 1"));
    }
    exec(&a, "COMMIT");
    for i in [0, 33, 69] {
        assert_eq!(count(&b, &format!("m{i}")), 2);
    }
    integrity_ok(&b);
    drop((a, b));
    remove_db(&path);
}
