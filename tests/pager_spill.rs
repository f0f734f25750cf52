//! Spilled transactions against a model: with a page budget of a few
//! pages, write transactions spill dirty pages and savepoint images to the
//! WAL tail all the time. Random inserts, deletes, nested savepoints with
//! rollbacks and releases, commits and rollbacks are checked against a
//! `BTreeMap` (with its own savepoint stack):
//! - the writer always sees exactly its model;
//! - a reader opened before the transaction sees only the committed state;
//! - a copy of the files taken mid-transaction (a crash with spilled,
//!   uncommitted frames in the WAL) recovers to the last commit exactly;
//! - after reopening, the database is the committed model and passes the
//!   integrity check.
//!
//! Seeds: 4 by default, `SQLVIBE_SPILL_SEEDS=N` for more.

use sqlvibe::storage::btree::{self, BTreeKind};
use sqlvibe::storage::record::encode_record;
use sqlvibe::storage::{MemoryLimits, OpenOptions, PageNo, Pager, Txn, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

mod common;
use common::{exec, rows, Rng};

fn rec(k: i64, v: u64) -> Vec<u8> {
    let mut b = Vec::new();
    // Sizes from a few bytes to past a page, so overflow chains spill too.
    let len = (v % 7) as usize * ((v as usize >> 8) % 900 + 1);
    let text: String = std::iter::repeat_n(char::from(b'a' + (v % 26) as u8), len).collect();
    encode_record(&[Value::Integer(k), Value::Text(text)], &mut b);
    b
}

fn check(t: &Txn, root: PageNo, model: &BTreeMap<i64, Vec<u8>>, what: &str) {
    assert_eq!(btree::count_entries(t, root).unwrap(), model.len() as u64, "{what}: count");
    let mut out = Vec::new();
    for (k, v) in model {
        assert!(btree::table_get(t, root, *k, &mut out).unwrap(), "{what}: key {k} missing");
        assert_eq!(&out, v, "{what}: key {k}");
    }
}

fn tiny_budget(p: &Pager) {
    // 16 pages (the minimum): spills past 8 page buffers.
    p.set_memory_limits(MemoryLimits { cache_memory: 1, ..MemoryLimits::default() });
}

fn run_seed(seed: u64) {
    let dir = std::env::temp_dir().join(format!("sqlvibe-spill-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.db").to_string_lossy().into_owned();
    let opts = OpenOptions { read_only: false, create: true };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut committed: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
    let mut p = Pager::open(&path, opts).unwrap();
    tiny_budget(&p);
    let root = {
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        let r = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
        t.header_mut().unwrap().schema_root = r;
        t.commit().unwrap();
        r
    };
    let mut spills = 0;
    for round in 0..12 {
        let reader = p.begin_read().unwrap();
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        let mut model = committed.clone();
        // (savepoint depth, model as it was) for each open savepoint.
        let mut stack: Vec<(usize, BTreeMap<i64, Vec<u8>>)> = Vec::new();
        for step in 0..400 {
            match rng.below(100) {
                0..=59 => {
                    let k = rng.below(3000) as i64;
                    let v = rec(k, rng.next());
                    if model.contains_key(&k) {
                        btree::table_delete(&mut t, root, k).unwrap();
                    }
                    btree::table_insert(&mut t, root, k, &v).unwrap();
                    model.insert(k, v);
                }
                60..=79 => {
                    let k = rng.below(3000) as i64;
                    let gone = btree::table_delete(&mut t, root, k).unwrap();
                    assert_eq!(gone, model.remove(&k).is_some(), "seed {seed} round {round} step {step}: delete {k}");
                }
                80..=86 if stack.len() < 4 => {
                    let d = t.savepoint().unwrap();
                    stack.push((d, model.clone()));
                }
                87..=92 => {
                    if let Some((d, m)) = stack.pop() {
                        t.rollback_to(d).unwrap();
                        t.release(d);
                        model = m;
                    }
                }
                93..=97 => {
                    if let Some((d, _)) = stack.pop() {
                        t.release(d);
                    }
                }
                _ => {
                    // A crash now: the WAL holds spilled, uncommitted frames.
                    let db = std::fs::read(&path).unwrap();
                    let wal = std::fs::read(format!("{path}-wal")).unwrap_or_default();
                    let copy = dir.join(format!("crash{round}-{step}.db")).to_string_lossy().into_owned();
                    std::fs::write(&copy, db).unwrap();
                    std::fs::write(format!("{copy}-wal"), wal).unwrap();
                    let cp = Pager::open(&copy, opts).unwrap();
                    let ct = cp.begin_read().unwrap();
                    check(&ct, root, &committed, &format!("seed {seed} round {round} step {step}: crash copy"));
                    assert!(btree::integrity_check(&ct, &[root], 10).unwrap().is_empty());
                    drop(ct);
                    drop(cp);
                    let _ = std::fs::remove_file(&copy);
                    let _ = std::fs::remove_file(format!("{copy}-wal"));
                }
            }
        }
        check(&t, root, &model, &format!("seed {seed} round {round}: writer"));
        check(&reader, root, &committed, &format!("seed {seed} round {round}: reader"));
        if rng.below(3) == 0 {
            t.rollback();
        } else {
            t.commit().unwrap();
            committed = model;
        }
        drop(reader);
        if round % 4 == 3 {
            spills += p.memory_stats().spills;
            drop(p);
            p = Pager::open(&path, opts).unwrap();
            tiny_budget(&p);
        }
        let t = p.begin_read().unwrap();
        check(&t, root, &committed, &format!("seed {seed} round {round}: after"));
        assert!(btree::integrity_check(&t, &[root], 10).unwrap().is_empty());
    }
    spills += p.memory_stats().spills;
    assert!(spills > 12, "seed {seed}: the budget made transactions spill ({spills} spills)");
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn spilled_transactions_match_the_model() {
    let seeds: u64 = std::env::var("SQLVIBE_SPILL_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(4);
    for seed in 1..=seeds {
        run_seed(seed);
    }
}

#[test]
fn memory_stats_count_spills_and_the_writer_stays_under_budget() {
    let p: Arc<Pager> = Pager::open_memory().unwrap();
    p.set_memory_limits(MemoryLimits { cache_memory: 64 * 1024, ..MemoryLimits::default() });
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    for k in 0..5000 {
        btree::table_insert(&mut t, root, k, &rec(k, 6 + (k as u64) * 256)).unwrap();
        let s = p.memory_stats();
        // Clean + dirty pages stay under the budget (cursor-held pages
        // aside, which a finished insert no longer holds) plus one page.
        assert!(s.page_cache_used <= s.page_cache_max + 4096, "{k}: {s:?}");
    }
    t.commit().unwrap();
    let s = p.memory_stats();
    assert!(s.spills > 0 && s.spill_bytes >= 4096, "{s:?}");
}

// ---- Through SQL: what a spilled transaction's commit and the budget owe.

fn sql_open(path: &std::path::Path) -> sqlvibe::Connection {
    let flags = sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE;
    sqlvibe::Connection::open(path.to_str().unwrap(), flags).expect("open")
}

/// `n -> rows` of table t.
fn n_counts(c: &sqlvibe::Connection) -> Vec<Vec<Value>> {
    rows(c, "SELECT n, count(*) FROM t GROUP BY n ORDER BY n")
}

fn filled(path: &std::path::Path) -> sqlvibe::Connection {
    let c = sql_open(path);
    exec(&c, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
    exec(
        &c,
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400) \
         INSERT INTO t SELECT x, hex(zeroblob(300)), 1 FROM c",
    );
    c
}

/// A transaction can end with every change in the WAL tail and none in
/// memory: here a statement inside a savepoint spilled the first UPDATE's
/// last dirty pages and was rolled back. Its commit still commits them
/// (it once found nothing dirty and committed nothing).
#[test]
fn a_commit_with_every_change_in_the_tail_keeps_them() {
    let path = common::temp_db_path("spill-tail-commit");
    let c = filled(&path);
    exec(&c, "PRAGMA cache_memory = 1");
    exec(&c, "BEGIN; UPDATE t SET n = 2; SAVEPOINT s; UPDATE t SET n = 3; ROLLBACK TO s; COMMIT");
    assert!(c.memory_stats().spills > 2);
    assert_eq!(n_counts(&c), vec![vec![Value::Integer(2), Value::Integer(400)]]);
    drop(c);
    let c = sql_open(&path);
    assert_eq!(n_counts(&c), vec![vec![Value::Integer(2), Value::Integer(400)]]);
    assert_eq!(rows(&c, "PRAGMA integrity_check"), vec![vec![Value::Text("ok".into())]]);
    drop(c);
    common::remove_db(&path);
}

/// A transaction whose savepoint rollbacks undid everything it spilled
/// commits nothing, and its tail frames go with it: left in the WAL, the
/// next commit frame would make them part of a committed transaction for
/// recovery, which brought the rolled-back UPDATE back after a crash.
#[test]
fn undone_spills_leave_no_tail_for_a_crash_to_revive() {
    let path = common::temp_db_path("spill-tail-undone");
    let c = filled(&path);
    exec(&c, "PRAGMA cache_memory = 1");
    exec(&c, "BEGIN; SAVEPOINT s; UPDATE t SET n = 3; ROLLBACK TO s; COMMIT");
    exec(&c, "INSERT INTO t VALUES (1000, 'after', 0)");
    let want = vec![vec![Value::Integer(0), Value::Integer(1)], vec![Value::Integer(1), Value::Integer(400)]];
    assert_eq!(n_counts(&c), want);
    // A crash now: the WAL as it is, recovered by a fresh open.
    let (got, check) = crash_copy_counts(&path, "spill-tail-undone-crash");
    assert_eq!(got, want, "recovery applied rolled-back frames");
    assert_eq!(check, vec![vec![Value::Text("ok".into())]]);
    drop(c);
    common::remove_db(&path);
}

/// A budget lowered in the middle of a transaction holds for the pages it
/// already dirtied: a statement rewriting only those (each one a new
/// savepoint image beside its copy) spills as one dirtying new pages does,
/// and in HARD mode, with cursors holding more of them than the budget,
/// fails with SQLITE_NOMEM and is undone (it once went through, holding
/// twice the dirty pages, without a check).
#[test]
fn a_budget_lowered_mid_transaction_holds_for_dirty_pages() {
    let path = common::temp_db_path("spill-lowered");
    let c = filled(&path);
    exec(&c, "PRAGMA cache_memory = 16777216; BEGIN; UPDATE t SET n = 2");
    let spills = c.memory_stats().spills;
    exec(&c, "PRAGMA cache_memory = 1; UPDATE t SET n = 3");
    assert!(c.memory_stats().spills > spills, "{:?}", c.memory_stats());
    exec(&c, "ROLLBACK; PRAGMA cache_memory = 16777216; PRAGMA memory_limit_mode = HARD; BEGIN; UPDATE t SET n = 2");
    // Queries on every other page of the table hold their leaves.
    let mut queries = Vec::new();
    for k in (1..=400).step_by(20) {
        let (st, _) = c.prepare(&format!("SELECT k FROM t WHERE k >= {k}")).unwrap();
        let mut st = st.unwrap();
        assert_eq!(st.step().unwrap(), sqlvibe::StepResult::Row);
        queries.push(st);
    }
    exec(&c, "PRAGMA cache_memory = 1");
    let e = c.exec("UPDATE t SET n = 3", &mut |_, _| true).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (sqlvibe::ErrorKind::NoMem, "out of memory"));
    // HARD mode counts the pages the queries hold: a scan that needs more
    // fails too, until they let go.
    let e = c.exec("SELECT n, count(*) FROM t GROUP BY n", &mut |_, _| true).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (sqlvibe::ErrorKind::NoMem, "out of memory"));
    drop(queries);
    // The transaction's dirty pages still fill the lowered budget until a
    // write spills them; a roomier budget lets the checks read.
    exec(&c, "PRAGMA cache_memory = 16777216");
    assert_eq!(n_counts(&c), vec![vec![Value::Integer(2), Value::Integer(400)]]);
    assert_eq!(rows(&c, "PRAGMA integrity_check"), vec![vec![Value::Text("ok".into())]]);
    exec(&c, "PRAGMA cache_memory = 1; UPDATE t SET n = 3; COMMIT");
    assert_eq!(n_counts(&c), vec![vec![Value::Integer(3), Value::Integer(400)]]);
    drop(c);
    common::remove_db(&path);
}

/// Copies the database and its WAL as they are now (a crash), opens the
/// copy and returns what it holds.
fn crash_copy_counts(path: &std::path::Path, name: &str) -> (Vec<Vec<Value>>, Vec<Vec<Value>>) {
    let p = path.to_str().unwrap();
    let copy = common::temp_db_path(name);
    std::fs::write(&copy, std::fs::read(p).unwrap()).unwrap();
    std::fs::write(format!("{}-wal", copy.display()), std::fs::read(format!("{p}-wal")).unwrap()).unwrap();
    let r = sql_open(&copy);
    let got = (n_counts(&r), rows(&r, "PRAGMA integrity_check"));
    drop(r);
    common::remove_db(&copy);
    got
}

/// A transaction rewriting the same pages again and again spills each of
/// them many times; each spill after the first overwrites the page's tail
/// frame, so the WAL holds one frame per distinct page, not one per
/// spill. The chained CRCs broken by the overwrites are made whole before
/// the commit frame: a crash before the commit recovers the old state, a
/// crash after it the new one.
#[test]
fn respilled_pages_overwrite_their_tail_frames() {
    let path = common::temp_db_path("spill-overwrite");
    let c = filled(&path);
    exec(&c, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA cache_memory = 1; BEGIN");
    // One-row statements: no statement savepoint, so frames are rewritten.
    for round in 2..=21 {
        for k in (1..=400).step_by(3) {
            exec(&c, &format!("UPDATE t SET n = {round} WHERE k = {k}"));
        }
    }
    let s = c.memory_stats();
    let pages = rows(&c, "PRAGMA page_count")[0][0].clone();
    let Value::Integer(pages) = pages else { panic!("page_count {pages:?}") };
    let frame = 4096 + 24;
    assert!(s.spills > 20, "{s:?}");
    assert!(s.spill_bytes > 4 * pages as u64 * 4096, "pages spilled once each: {s:?}");
    assert!(s.wal_size <= 32 + (pages as u64 + 1) * frame, "the tail grew past one frame per page: {s:?}");
    let old = vec![vec![Value::Integer(1), Value::Integer(400)]];
    let new = vec![vec![Value::Integer(1), Value::Integer(266)], vec![Value::Integer(21), Value::Integer(134)]];
    let ok = vec![vec![Value::Text("ok".into())]];
    assert_eq!(crash_copy_counts(&path, "spill-overwrite-before"), (old, ok.clone()));
    exec(&c, "COMMIT");
    assert_eq!(n_counts(&c), new);
    assert_eq!(crash_copy_counts(&path, "spill-overwrite-after"), (new.clone(), ok.clone()));
    drop(c);
    let c = sql_open(&path);
    assert_eq!((n_counts(&c), rows(&c, "PRAGMA integrity_check")), (new, ok));
    drop(c);
    common::remove_db(&path);
}
