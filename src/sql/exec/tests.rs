//! Executor tests against the system SQLite: the bounded ORDER BY ... LIMIT
//! selection, and joins probing rowids and indexes (cursor reuse and seeks
//! near the previous position) on sparse, negative and extreme rowids.

use crate::conn::{Connection, StepResult, OPEN_CREATE, OPEN_READWRITE};
use crate::storage::Value;

fn rows(c: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let (st, _) = c.prepare(sql).expect(sql);
    let mut st = st.expect("statement");
    let mut out = Vec::new();
    while let StepResult::Row = st.step().expect(sql) {
        out.push((0..st.data_count()).map(|i| st.column_value(i).clone()).collect());
    }
    out
}

fn reference(c: &rusqlite::Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut st = c.prepare(sql).expect(sql);
    let n = st.column_count();
    let mut q = st.raw_query();
    let mut out = Vec::new();
    while let Some(r) = q.next().expect(sql) {
        out.push(
            (0..n)
                .map(|i| match r.get_ref(i).expect("col") {
                    rusqlite::types::ValueRef::Null => Value::Null,
                    rusqlite::types::ValueRef::Integer(i) => Value::Integer(i),
                    rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                    rusqlite::types::ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                })
                .collect(),
        );
    }
    out
}

/// ORDER BY ... LIMIT/OFFSET (the bounded top-N path) returns exactly
/// the slice of the full stable sort, ties included, and SQLite's rows
/// when the order is total.
#[test]
fn top_n_is_a_slice_of_the_full_sort() {
    let c = Connection::open(":memory:", OPEN_READWRITE | OPEN_CREATE).expect("open");
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    let mut setup = vec!["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT, c REAL)".to_string()];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for id in 1..=300 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let a = match x % 7 {
            0 => "NULL".to_string(),
            1 => format!("'{}'", x % 3),
            2 => format!("{}.5", x % 4),
            _ => (x % 5).to_string(),
        };
        let b = ["'x'", "'X'", "'y'", "NULL", "'a b'", "'Y'"][(x >> 8) as usize % 6];
        setup.push(format!("INSERT INTO t VALUES({id}, {a}, {b}, {})", (x >> 16) % 9));
    }
    for s in &setup {
        rows(&c, s);
        r.execute_batch(s).expect(s);
    }
    let orders = ["a", "a DESC", "b COLLATE NOCASE, a DESC", "c, b", "a + c DESC", "length(b), b DESC", "b"];
    let cuts = [(0, 0), (1, 0), (5, 0), (10, 3), (7, 290), (50, 100), (400, 0), (3, 400)];
    for o in orders {
        for distinct in ["", "DISTINCT "] {
            let cols = if distinct.is_empty() { "id, a, b, c" } else { "a, b, c" };
            let full = rows(&c, &format!("SELECT {distinct}{cols} FROM t ORDER BY {o}"));
            for (lim, off) in cuts {
                let sql = format!("SELECT {distinct}{cols} FROM t ORDER BY {o} LIMIT {lim} OFFSET {off}");
                let want: Vec<_> = full.iter().skip(off).take(lim).cloned().collect();
                assert_eq!(rows(&c, &sql), want, "{sql}");
            }
        }
        // A total order (id last) must match SQLite row for row.
        for (lim, off) in cuts {
            let sql = format!("SELECT id, a, b, c FROM t ORDER BY {o}, id DESC LIMIT {lim} OFFSET {off}");
            assert_eq!(rows(&c, &sql), reference(&r, &sql), "{sql}");
        }
    }
    let sql = "SELECT a, count(*), max(id) FROM t GROUP BY a ORDER BY count(*) DESC, a LIMIT 3 OFFSET 1";
    assert_eq!(rows(&c, sql), reference(&r, sql), "{sql}");
}

fn sorted(mut v: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    v
}

/// Rowid and index lookups driven by a scan: dense runs, gaps, negative and
/// extreme rowids, probes that miss, text and real probe values, and an
/// automatic hash join; row multisets must equal SQLite's.
#[test]
fn rowid_and_index_probes_match_sqlite() {
    let c = Connection::open(":memory:", OPEN_READWRITE | OPEN_CREATE).expect("open");
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    let mut setup = vec![
        "CREATE TABLE p(id INTEGER PRIMARY KEY, v TEXT, w)".to_string(),
        "CREATE TABLE q(id INTEGER PRIMARY KEY, pid, k INTEGER, t TEXT)".to_string(),
        "CREATE INDEX q_k ON q(k)".to_string(),
    ];
    // p: a dense run, a sparse run, negative and extreme rowids; enough
    // rows for several leaves.
    let mut ids: Vec<i64> = (1..=900).collect();
    ids.extend((1000..4000).step_by(7));
    ids.extend([-5, -1, 0, i64::MAX, i64::MAX - 1, i64::MIN, i64::MIN + 1]);
    for id in &ids {
        setup.push(format!("INSERT INTO p VALUES({id}, 'v{}', {})", id.rem_euclid(97), id.rem_euclid(13)));
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 1..=1500 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let pid = match x % 10 {
            0 => "NULL".to_string(),
            1 => format!("'{}'", x % 1000),
            2 => format!("{}.0", x % 1200),
            3 => ["9223372036854775807", "-9223372036854775808", "-1", "0", "4001"][(x >> 9) as usize % 5].to_string(),
            4 => format!("{}.5", x % 900),
            _ => (i * 3 % 4100).to_string(),
        };
        setup.push(format!("INSERT INTO q VALUES({i}, {pid}, {}, 't{}')", x % 50, x % 7));
    }
    for s in &setup {
        rows(&c, s);
        r.execute_batch(s).expect(s);
    }
    let queries = [
        "SELECT q.id, p.id, p.v FROM q JOIN p ON p.id = q.pid",
        "SELECT q.id, p.v FROM q LEFT JOIN p ON p.id = q.pid WHERE q.k < 20",
        "SELECT count(*), sum(p.w), max(p.v) FROM q, p WHERE p.rowid = q.pid",
        "SELECT p.id, q.id FROM p JOIN q ON q.k = p.w WHERE p.id < 40",
        "SELECT p.id, q.t FROM p JOIN q ON q.t = p.v",
        "SELECT q.id, p.id FROM q JOIN p ON p.id IN (q.pid, q.pid + 1, q.k)",
        "SELECT q.id, p.id FROM q JOIN p ON p.id BETWEEN q.pid AND q.pid + 2 WHERE q.k = 3",
        "SELECT a.id, b.id FROM q a JOIN q b ON b.id = a.k JOIN p ON p.id = b.pid",
    ];
    for q in queries {
        assert_eq!(sorted(rows(&c, q)), sorted(reference(&r, q)), "{q}");
    }
}
