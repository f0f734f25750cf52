//! Statements that spill give the answers they give in memory.
//!
//! A table of mixed values (integers, reals equal to integers, texts that
//! differ only in case, NULLs, blobs) is queried twice: with the default
//! budget (everything in memory) and with `max_memory` so small that every
//! sort, group table, DISTINCT set and window stage spills to temporary
//! files. Rows must be identical and in the same order (a DISTINCT without
//! ORDER BY is compared as a multiset: past the budget its deferred rows
//! come last), and the same as SQLite's where the query fixes the order.
//! Window functions also run over one partition of every row (a window
//! without PARTITION BY), which moves to a temporary file past the budget
//! and is read back by position, in SOFT and in HARD mode.
//! `SQLVIBE_SPILL_SQL_ROWS=N` runs a bigger table.

mod common;
use common::{exec, rows, Rng};
use sqlvibe::{Connection, Value};

fn n_rows() -> usize {
    std::env::var("SQLVIBE_SPILL_SQL_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000)
}

fn value(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => "NULL".into(),
        1 => format!("{}.0", rng.below(50)),
        2 | 3 => format!("'{}'", ["apple", "Apple", "APPLE", "pear", "Pear", "fig"][rng.below(6)]),
        4 => format!("x'{:02x}'", rng.below(4)),
        _ => rng.below(60).to_string(),
    }
}

fn setup(conn: &Connection, lite: &rusqlite::Connection) {
    let ddl = "CREATE TABLE t(a, b TEXT COLLATE NOCASE, c INTEGER, d)";
    exec(conn, ddl);
    lite.execute(ddl, []).unwrap();
    let mut rng = Rng(0x5eed_5011);
    let mut batch = Vec::new();
    for i in 0..n_rows() {
        let b = ["'x'", "'X'", "'y'", "NULL", "'Zed'", "'zed'"][rng.below(6)];
        batch.push(format!("({}, {b}, {i}, {})", value(&mut rng), value(&mut rng)));
        if batch.len() == 500 {
            let sql = format!("INSERT INTO t VALUES {}", batch.join(","));
            exec(conn, &sql);
            lite.execute(&sql, []).unwrap();
            batch.clear();
        }
    }
    if !batch.is_empty() {
        let sql = format!("INSERT INTO t VALUES {}", batch.join(","));
        exec(conn, &sql);
        lite.execute(&sql, []).unwrap();
    }
}

/// How a query's rows compare with SQLite's.
#[derive(Clone, Copy, PartialEq)]
enum Lite {
    /// Same rows in the same order.
    Exact,
    /// Same rows in some order.
    Multiset,
    /// Not compared: SQLite's sorter is not stable, so the order inside a
    /// group (group_concat) or the value a group of equal keys shows (1 or
    /// 1.0, x or X) may differ.
    Skip,
}
use Lite::*;

/// (query, its order is fixed, how it compares with SQLite)
const QUERIES: &[(&str, bool, Lite)] = &[
    ("SELECT a, b, c FROM t ORDER BY a, c", true, Exact),
    ("SELECT b, a, c FROM t ORDER BY b DESC, a, c DESC", true, Exact),
    ("SELECT a, c FROM t ORDER BY d, a DESC LIMIT 15000 OFFSET 7", true, Multiset),
    ("SELECT a, c FROM t ORDER BY b, d, c LIMIT 19000", true, Exact),
    ("SELECT b, count(*), sum(c), group_concat(c), min(a), max(d) FROM t GROUP BY b", true, Skip),
    ("SELECT a, d, count(*), group_concat(c) FROM t GROUP BY a, d", true, Skip),
    ("SELECT a, max(c), d FROM t GROUP BY a", true, Exact),
    ("SELECT a % 7, total(c) FROM t GROUP BY 1 HAVING count(*) > 10 ORDER BY 2 DESC", true, Exact),
    ("SELECT DISTINCT a, d FROM t", false, Multiset),
    ("SELECT DISTINCT b, a FROM t ORDER BY a, b", true, Multiset),
    ("SELECT DISTINCT a, d FROM t ORDER BY d LIMIT 500 OFFSET 3", true, Multiset),
    ("SELECT count(*) FROM (SELECT DISTINCT a, b, d FROM t)", true, Exact),
    (
        "SELECT c, row_number() OVER (PARTITION BY b ORDER BY c), sum(c) OVER (PARTITION BY a ORDER BY c ROWS 3 PRECEDING), \
         rank() OVER (ORDER BY d, c) FROM t ORDER BY c",
        true,
        Exact,
    ),
    ("SELECT a, c, lag(c) OVER (PARTITION BY a ORDER BY c), first_value(d) OVER (PARTITION BY a ORDER BY c) FROM t", false, Multiset),
    ("SELECT x, count(*) FROM (SELECT a AS x FROM t ORDER BY c DESC) GROUP BY x ORDER BY 2, 1", true, Skip),
    // Compound SELECTs: sides queued, sets sorted and walked on disk.
    ("SELECT a, b FROM t WHERE c % 2 = 0 UNION SELECT d, b FROM t", true, Exact),
    ("SELECT a FROM t UNION ALL SELECT d FROM t ORDER BY 1", true, Exact),
    ("SELECT a, d FROM t EXCEPT SELECT d, a FROM t WHERE c % 3 = 0", true, Exact),
    ("SELECT b, a FROM t INTERSECT SELECT b, d FROM t ORDER BY 2 DESC, 1", true, Exact),
    ("SELECT c % 100 FROM t UNION SELECT c % 70 FROM t ORDER BY 1", true, Exact),
    // An inner FROM subquery, materialized and read again per outer row.
    ("SELECT count(*), sum(x.c * y.c), total(y.d) FROM (SELECT c FROM t WHERE c < 40) AS x, (SELECT c, d FROM t ORDER BY b) AS y WHERE y.c % 97 = x.c", true, Exact),
    // Automatic hash indexes (on t2.a, t2.b NOCASE) that move to disk.
    ("SELECT count(*), sum(t1.c), sum(t2.c), total(t2.d) FROM t AS t1 JOIN t AS t2 ON t2.a = t1.d WHERE t1.c < 2000", true, Exact),
    ("SELECT t1.c, t2.c FROM t AS t1 LEFT JOIN t AS t2 ON t2.b = t1.a || '' AND t2.c % 50 = 0 WHERE t1.c < 3000 ORDER BY 1, 2", true, Exact),
];

/// Windows over one partition of every row: frames of each kind (ROWS,
/// RANGE, GROUPS, UNBOUNDED FOLLOWING, EXCLUDE) and every function kind.
/// Each query's result columns depend only on values, not on the order
/// among ties, so SQLite's rows are the same.
const ONE_PARTITION: &[&str] = &[
    "SELECT c, sum(c) OVER (ORDER BY c ROWS BETWEEN 5 PRECEDING AND CURRENT ROW), row_number() OVER (ORDER BY c), \
     lag(a, 3) OVER (ORDER BY c), lead(d, 2, 'none') OVER (ORDER BY c), lag(b, 700) OVER (ORDER BY c) FROM t",
    "SELECT c, rank() OVER w, dense_rank() OVER w, percent_rank() OVER w, cume_dist() OVER w, \
     ntile(7) OVER (ORDER BY c % 100, c) FROM t WINDOW w AS (ORDER BY c % 100) ORDER BY c",
    "SELECT c, sum(c) OVER (ORDER BY c % 1000 RANGE BETWEEN 3 PRECEDING AND 2 FOLLOWING), \
     count(d) OVER (ORDER BY c % 500 DESC RANGE BETWEEN 1 FOLLOWING AND 4 FOLLOWING) FROM t ORDER BY c",
    "SELECT c, count(*) OVER w, total(c) OVER w, avg(c) OVER (ORDER BY c % 700 GROUPS 3 PRECEDING) \
     FROM t WINDOW w AS (ORDER BY c % 500 GROUPS BETWEEN 2 PRECEDING AND 1 FOLLOWING) ORDER BY c",
    "SELECT c, sum(c) OVER u, max(a) OVER u, min(c * 7919 % 1000) OVER (ORDER BY c ROWS BETWEEN 10 PRECEDING AND UNBOUNDED FOLLOWING), \
     last_value(a) OVER u, nth_value(d, 3) OVER (ORDER BY c ROWS BETWEEN 2 FOLLOWING AND 50 FOLLOWING), \
     first_value(b) OVER (ORDER BY c ROWS BETWEEN 30 PRECEDING AND 20 PRECEDING) \
     FROM t WINDOW u AS (ORDER BY c ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)",
    "SELECT c, sum(c) OVER (ORDER BY c / 3 RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE TIES), \
     group_concat(c, '.') OVER (ORDER BY c ROWS BETWEEN 3 PRECEDING AND 3 FOLLOWING EXCLUDE CURRENT ROW), \
     max(c) OVER (ORDER BY c / 4 RANGE BETWEEN 5 PRECEDING AND 2 FOLLOWING EXCLUDE GROUP), \
     min(c) FILTER (WHERE c % 3 = 1) OVER (ORDER BY c), count(*) OVER () FROM t ORDER BY c",
];

fn multiset(mut r: Vec<Vec<Value>>) -> Vec<String> {
    let mut s: Vec<String> = r.drain(..).map(|row| format!("{row:?}")).collect();
    s.sort();
    s
}

#[test]
fn spilled_statements_match_memory_and_sqlite() {
    let conn = common::open();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    setup(&conn, &lite);
    let windows = ONE_PARTITION.iter().map(|&q| (q, true, Exact));
    for (q, ordered, lite_check) in QUERIES.iter().copied().chain(windows) {
        exec(&conn, "PRAGMA max_memory = 0");
        let mem = rows(&conn, q);
        exec(&conn, "PRAGMA max_memory = 262144");
        let disk = rows(&conn, q);
        let stats = rows(&conn, "PRAGMA memory_stats");
        assert_eq!(stats[0][10], Value::Integer(0), "{q}: statement memory left held");
        if ordered {
            assert!(mem == disk, "{q}: spilled rows differ");
        } else {
            assert!(multiset(mem.clone()) == multiset(disk), "{q}: spilled rows differ (as a multiset)");
        }
        let want = common::reference(&lite, q).unwrap_or_else(|e| panic!("{q}: sqlite: {e:?}")).1;
        match lite_check {
            Exact => assert!(mem == want, "{q}: not SQLite's rows"),
            Multiset => assert!(multiset(mem) == multiset(want), "{q}: not SQLite's rows (as a multiset)"),
            Skip => {}
        }
    }
}

#[test]
fn hard_mode_spills_or_fails_cleanly_when_statement_memory_cannot_shrink() {
    let conn = common::open();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    setup(&conn, &lite);
    exec(&conn, "PRAGMA max_memory = 262144");
    exec(&conn, "PRAGMA memory_limit_mode = HARD");
    // Spillable work completes in HARD mode.
    let sorted = rows(&conn, "SELECT c FROM t ORDER BY d, c");
    assert_eq!(sorted.len(), n_rows());
    // A window partition of every row spills, too. (Under 256 KiB, W is
    // 64 KiB: less than the read buffers of the merge that feeds a window
    // stage, which alone fail the next sorter's HARD check; 1 MiB gives W =
    // 256 KiB.)
    for q in ONE_PARTITION {
        exec(&conn, "PRAGMA max_memory = 0");
        let mem = rows(&conn, q);
        exec(&conn, "PRAGMA max_memory = 1048576");
        assert!(rows(&conn, q) == mem, "{q}: rows differ in HARD mode");
        assert_eq!(rows(&conn, "PRAGMA memory_stats")[0][10], Value::Integer(0), "{q}: statement memory left held");
    }
    // What a spilled partition must keep in memory (its block index and a
    // block or two of rows) cannot fit when one row is larger than W:
    // NOMEM, and the connection goes on.
    let big = "SELECT c, sum(length(x)) OVER (ORDER BY c ROWS 1 PRECEDING) \
               FROM (SELECT c, replace(hex(zeroblob(150000)), '0', 'x') AS x FROM t WHERE c < 12)";
    let err = conn.exec(big, &mut |_, _| true).unwrap_err();
    assert_eq!(err.kind, sqlvibe::ErrorKind::NoMem, "{err}");
    assert_eq!(err.to_string(), "out of memory");
    assert_eq!(rows(&conn, "PRAGMA memory_stats")[0][10], Value::Integer(0));
    assert_eq!(rows(&conn, "SELECT count(*) FROM t"), vec![vec![Value::Integer(n_rows() as i64)]]);
    exec(&conn, "PRAGMA memory_limit_mode = SOFT");
    assert_eq!(rows(&conn, big).len(), 12);
}

#[test]
fn statement_memory_counts_what_running_statements_hold() {
    let conn = common::open();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    setup(&conn, &lite);
    assert_eq!(held(&conn), 0);
    let (st, _) = conn.prepare("SELECT c, d FROM t ORDER BY d, c").unwrap();
    let mut st = st.unwrap();
    assert_eq!(st.step().unwrap(), sqlvibe::StepResult::Row);
    // The sorted rows wait in memory for the next steps.
    let during = held(&conn);
    assert!(during > 100_000, "statement_memory {during} while a sort is read");
    while st.step().unwrap() == sqlvibe::StepResult::Row {}
    drop(st);
    assert_eq!(held(&conn), 0);
}

fn integrity(conn: &Connection) {
    assert_eq!(rows(conn, "PRAGMA integrity_check"), vec![vec![Value::Text("ok".into())]]);
}

/// `statement_memory` of `PRAGMA memory_stats`: what running statements hold.
fn held(conn: &Connection) -> i64 {
    match &rows(conn, "PRAGMA memory_stats")[0][10] {
        Value::Integer(n) => *n,
        v => panic!("statement_memory {v:?}"),
    }
}

/// Queries answered through the indexes of
/// `index_builds_spill_and_answer_like_sqlite` (each names the index its
/// plan must use).
const INDEX_QUERIES: &[(&str, &str)] = &[
    ("SELECT a, d FROM t WHERE a >= 10 ORDER BY a, d", "ia"),
    ("SELECT count(*), sum(c) FROM t WHERE a = 7", "ia"),
    ("SELECT b, c FROM t WHERE b > 'x' ORDER BY b DESC, c", "ib"),
    ("SELECT c, b FROM t WHERE c BETWEEN 1000 AND 9000 ORDER BY c", "ic"),
    ("SELECT d, rowid FROM t ORDER BY d COLLATE NOCASE, rowid", "id"),
];

/// CREATE INDEX, CREATE UNIQUE INDEX and REINDEX sort the keys of a table
/// far bigger than the budget through temporary runs; the indexes are
/// sound and answer as SQLite's.
#[test]
fn index_builds_spill_and_answer_like_sqlite() {
    let conn = common::open();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    setup(&conn, &lite);
    exec(&conn, "PRAGMA max_memory = 262144");
    for ddl in [
        "CREATE INDEX ia ON t(a, d)",
        "CREATE INDEX ib ON t(b DESC, c)",
        "CREATE UNIQUE INDEX ic ON t(c, b)",
        "CREATE INDEX id ON t(d COLLATE NOCASE)",
    ] {
        exec(&conn, ddl);
        lite.execute(ddl, []).unwrap();
        assert_eq!(held(&conn), 0, "{ddl}: statement memory left held");
    }
    integrity(&conn);
    let check = |conn: &Connection, when: &str| {
        for &(q, idx) in INDEX_QUERIES {
            let plan = format!("{:?}", rows(conn, &format!("EXPLAIN QUERY PLAN {q}")));
            let uses = |end: &str| plan.contains(&format!("INDEX {idx}{end}"));
            assert!(uses(" ") || uses("\""), "{q}: plan {plan}");
            let want = common::reference(&lite, q).unwrap_or_else(|e| panic!("{q}: sqlite: {e:?}")).1;
            assert!(rows(conn, q) == want, "{q} ({when}): not SQLite's rows");
        }
    };
    check(&conn, "created");
    exec(&conn, "PRAGMA memory_limit_mode = HARD");
    exec(&conn, "REINDEX");
    exec(&conn, "REINDEX ib");
    exec(&conn, "REINDEX NOCASE");
    exec(&conn, "PRAGMA memory_limit_mode = SOFT");
    integrity(&conn);
    check(&conn, "reindexed");
}

/// A UNIQUE index whose two clashing keys lie in different sorted runs
/// (the first row and the last of a table far bigger than the budget)
/// fails as SQLite's does, and leaves nothing behind.
#[test]
fn unique_clash_found_across_spilled_runs() {
    let conn = common::open();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    let n = n_rows() as i64;
    let mut script = vec!["CREATE TABLE u(x, y TEXT)".to_string()];
    for lo in (0..n).step_by(500) {
        let vals: Vec<String> = (lo..(lo + 500).min(n)).map(|i| format!("({}, 'r{i}')", (i * 7919) % n)).collect();
        script.push(format!("INSERT INTO u VALUES {}", vals.join(",")));
    }
    // The value of the first row again, last.
    script.push("INSERT INTO u VALUES (0, 'again')".into());
    for s in &script {
        exec(&conn, s);
        lite.execute(s, []).unwrap();
    }
    exec(&conn, "PRAGMA max_memory = 262144");
    for mode in ["SOFT", "HARD"] {
        exec(&conn, &format!("PRAGMA memory_limit_mode = {mode}"));
        let q = "CREATE UNIQUE INDEX ux ON u(x)";
        let got = common::vibe(&conn, q).unwrap_err();
        let want = common::reference(&lite, q).unwrap_err();
        assert_eq!(got, want, "{mode}");
        assert_eq!(got.1, "UNIQUE constraint failed: u.x");
        assert_eq!(held(&conn), 0);
        assert!(rows(&conn, "SELECT name FROM sqlite_master WHERE type = 'index'").is_empty());
        integrity(&conn);
    }
    // NULLs never clash; with the row's text the keys are unique.
    exec(&conn, "UPDATE u SET x = NULL WHERE y = 'again'");
    exec(&conn, "CREATE UNIQUE INDEX ux ON u(x)");
    exec(&conn, "CREATE UNIQUE INDEX uxy ON u(x, y)");
    integrity(&conn);
    assert_eq!(rows(&conn, "SELECT y FROM u WHERE x = 0"), vec![vec![Value::Text("r0".into())]]);
}

/// RETURNING rows of statements changing every row of a big table wait on
/// disk past the budget, not in memory, and are SQLite's rows.
#[test]
fn returning_rows_spill_and_match_sqlite() {
    let conn = common::open();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    setup(&conn, &lite);
    let ddl = "CREATE TABLE r(k INTEGER PRIMARY KEY, a, b, c)";
    exec(&conn, ddl);
    lite.execute(ddl, []).unwrap();
    exec(&conn, "PRAGMA max_memory = 262144");
    for (mode, q) in [
        ("SOFT", "INSERT INTO r(a, b, c) SELECT a, b, c FROM t ORDER BY c RETURNING k, a, b, c * 2"),
        ("HARD", "UPDATE r SET b = b || '-' || k WHERE k % 3 = 0 RETURNING k, b, c"),
        ("SOFT", "DELETE FROM r WHERE k % 2 = 1 RETURNING *"),
    ] {
        exec(&conn, &format!("PRAGMA memory_limit_mode = {mode}"));
        let want = common::reference(&lite, q).unwrap_or_else(|e| panic!("{q}: sqlite: {e:?}")).1;
        let got = rows(&conn, q);
        assert!(got.len() >= n_rows() / 3, "{q}: {} rows", got.len());
        assert!(multiset(got) == multiset(want), "{q}: not SQLite's rows");
        assert_eq!(held(&conn), 0, "{q}: statement memory left held");
    }
    exec(&conn, "PRAGMA memory_limit_mode = SOFT");
    // Between steps the rows wait: past the budget in a temporary file.
    let hold = |conn: &Connection| {
        let (st, _) = conn.prepare("UPDATE r SET a = c RETURNING k, a, b, c").unwrap();
        let mut st = st.unwrap();
        assert_eq!(st.step().unwrap(), sqlvibe::StepResult::Row);
        let during = held(conn);
        let mut n = 1;
        while st.step().unwrap() == sqlvibe::StepResult::Row {
            n += 1;
        }
        assert_eq!(rows(conn, "SELECT count(*) FROM r"), vec![vec![Value::Integer(n)]]);
        drop(st);
        assert_eq!(held(conn), 0);
        during
    };
    let disk = hold(&conn);
    assert!(disk < 80_000, "statement_memory {disk} while spilled RETURNING rows are read");
    exec(&conn, "PRAGMA max_memory = 0");
    let mem = hold(&conn);
    assert!(mem > 200_000, "statement_memory {mem} while RETURNING rows wait in memory");
    integrity(&conn);
}

/// CREATE TABLE ... AS SELECT of every row waits for its rows past the
/// budget on disk (in HARD mode too), and copies SQLite's rows.
#[test]
fn create_table_as_select_spills_and_matches_sqlite() {
    let conn = common::open();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    setup(&conn, &lite);
    exec(&conn, "PRAGMA max_memory = 262144");
    for (i, mode) in ["SOFT", "HARD"].iter().enumerate() {
        exec(&conn, &format!("PRAGMA memory_limit_mode = {mode}"));
        let ddl = format!("CREATE TABLE c{i} AS SELECT a, b, c || 'x' AS c, d FROM t ORDER BY c, a");
        exec(&conn, &ddl);
        lite.execute_batch(&ddl).unwrap();
        assert_eq!(held(&conn), 0, "{mode}: statement memory left held");
        let q = format!("SELECT rowid, * FROM c{i} ORDER BY rowid");
        let want = common::reference(&lite, &q).unwrap().1;
        assert_eq!(want.len(), n_rows());
        assert!(rows(&conn, &q) == want, "{mode}: not SQLite's rows");
        let q = format!("SELECT sql FROM sqlite_schema WHERE name = 'c{i}'");
        assert_eq!(rows(&conn, &q), common::reference(&lite, &q).unwrap().1);
    }
    integrity(&conn);
}

/// A recursive CTE on the inner side of a join is produced as the scans
/// ask for rows and kept for the next scans: past the budget on disk.
#[test]
fn recursive_cte_read_by_an_inner_loop_spills() {
    let conn = common::open();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    exec(&conn, "PRAGMA max_memory = 262144");
    let queries = ["WITH RECURSIVE c(x, p) AS (SELECT 1, 'p' UNION ALL SELECT x + 1, printf('%040d', x + 1) FROM c \
         WHERE x < 20000) SELECT s.k, count(*), sum(c.x * s.k), max(c.p) FROM (SELECT 1 AS k UNION ALL \
         SELECT 2 UNION ALL SELECT 3) AS s CROSS JOIN c GROUP BY s.k ORDER BY s.k"];
    // Unbounded: only the rows the LIMIT asks for are ever made (SQLite
    // materializes the CTE first, and never ends).
    let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                   SELECT s.k, c.x FROM (SELECT 1 AS k UNION ALL SELECT 2) AS s CROSS JOIN c LIMIT 5";
    let first5: Vec<Vec<Value>> = (1..=5).map(|x| vec![Value::Integer(1), Value::Integer(x)]).collect();
    for mode in ["SOFT", "HARD"] {
        exec(&conn, &format!("PRAGMA memory_limit_mode = {mode}"));
        for q in queries {
            let want = common::reference(&lite, q).unwrap().1;
            assert!(rows(&conn, q) == want, "{mode}: {q}: not SQLite's rows");
            assert_eq!(held(&conn), 0, "{mode}: {q}: statement memory left held");
        }
        assert_eq!(rows(&conn, endless), first5, "{mode}");
        assert_eq!(held(&conn), 0, "{mode}: statement memory left held");
    }
    // While a scan reads the kept rows again, they are on disk.
    let (st, _) = conn.prepare(queries[0]).unwrap();
    let mut st = st.unwrap();
    assert_eq!(st.step().unwrap(), sqlvibe::StepResult::Row);
    let during = held(&conn);
    assert!(during < 200_000, "statement_memory {during} while 20000 CTE rows are kept");
}

/// Tables for recursive walks: `e`, a graph of 3 edges out of each of
/// 60 000 nodes (many nodes reached again and again), and `org`, a tree of
/// 40 000 people, each the boss of up to 3 (SQLite's documentation
/// examples walk such a tree breadth-first and depth-first).
fn setup_graphs(conn: &Connection, lite: &rusqlite::Connection) {
    let mut script = vec![
        "CREATE TABLE e(a INTEGER, b INTEGER)".to_string(),
        "CREATE TABLE org(id INTEGER PRIMARY KEY, name TEXT, boss TEXT)".to_string(),
    ];
    let mut rng = Rng(0x00c7_e5ee);
    let mut batch = Vec::new();
    for a in 0..60_000 {
        for _ in 0..3 {
            batch.push(format!("({a}, {})", rng.below(60_000)));
        }
        if batch.len() >= 600 {
            script.push(format!("INSERT INTO e VALUES {}", batch.join(",")));
            batch.clear();
        }
    }
    if !batch.is_empty() {
        script.push(format!("INSERT INTO e VALUES {}", batch.join(",")));
        batch.clear();
    }
    for i in 1..=40_000 {
        let boss = if i == 1 { "NULL".to_string() } else { format!("'p{}'", (i + 1) / 3) };
        batch.push(format!("({i}, 'p{i}', {boss})"));
        if batch.len() == 500 {
            script.push(format!("INSERT INTO org VALUES {}", batch.join(",")));
            batch.clear();
        }
    }
    script.push("CREATE INDEX e_a ON e(a)".to_string());
    script.push("CREATE INDEX org_boss ON org(boss)".to_string());
    for sql in &script {
        exec(conn, sql);
        lite.execute(sql, []).unwrap();
    }
}

/// Recursive CTEs whose queue or UNION set outgrows 64 KiB (W at
/// max_memory 256 KiB); all compared with SQLite in order.
const RECURSIVE: &[&str] = &[
    // Counting: the queue holds one row; under UNION every row is new.
    "WITH RECURSIVE c(x, p) AS (SELECT 1, 'a' UNION ALL SELECT x + 1, hex(x) FROM c WHERE x < 200000) \
     SELECT count(*), sum(x), max(p), min(p) FROM c",
    "WITH RECURSIVE c(x, p) AS (SELECT 1, 'a' UNION SELECT x + 1, hex(x) FROM c WHERE x < 200000) \
     SELECT count(*), sum(x), max(p), min(p) FROM c",
    // A queue of 65 536 rows, first in first out.
    "WITH RECURSIVE b(n, d, h) AS (SELECT 1, 0, '' UNION ALL SELECT n * 2 + k, d + 1, hex(n * 2 + k) \
     FROM b, (SELECT 0 AS k UNION ALL SELECT 1) WHERE d < 16) SELECT n, d, h FROM b",
    // Reachability: 180 000 edges walked, most to nodes already seen.
    "WITH RECURSIVE r(n) AS (SELECT 0 UNION SELECT e.b FROM r JOIN e ON e.a = r.n) SELECT n FROM r",
    "WITH RECURSIVE r(n, s) AS (SELECT 7, 'x' UNION SELECT e.b, CASE WHEN e.b % 3 THEN 'x' ELSE 'X' END \
     FROM r JOIN e ON e.a = r.n) SELECT n, s FROM r LIMIT 30000 OFFSET 11",
    // Breadth-first and depth-first over the tree, with LIMIT inside and out.
    "WITH RECURSIVE u(name, level) AS (SELECT 'p1', 0 UNION ALL SELECT org.name, u.level + 1 \
     FROM org JOIN u ON org.boss = u.name ORDER BY 2) SELECT substr('..........', 1, level) || name FROM u",
    "WITH RECURSIVE u(name, level) AS (SELECT 'p1', 0 UNION ALL SELECT org.name, u.level + 1 \
     FROM org JOIN u ON org.boss = u.name ORDER BY 2 DESC) SELECT substr('..........', 1, level) || name FROM u",
    "WITH RECURSIVE u(name, level) AS (SELECT 'p1', 0 UNION ALL SELECT org.name, u.level + 1 \
     FROM org JOIN u ON org.boss = u.name ORDER BY 2 LIMIT 25000 OFFSET 3) SELECT name, level FROM u",
    "WITH RECURSIVE u(name, level) AS (SELECT 'p1', 0 UNION ALL SELECT org.name, u.level + 1 \
     FROM org JOIN u ON org.boss = u.name ORDER BY 2 DESC LIMIT 30000) SELECT name, level FROM u LIMIT 20000",
    // An ordered queue under UNION, ties (n % 10) first in first out.
    "WITH RECURSIVE r(k, n) AS (SELECT 0, 0 UNION SELECT e.b % 10, e.b FROM r JOIN e ON e.a = r.n ORDER BY 1 DESC) \
     SELECT k, n FROM r",
];

#[test]
fn recursive_ctes_spill_and_match_sqlite() {
    let conn = common::open();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    setup_graphs(&conn, &lite);
    for q in RECURSIVE {
        let want = common::reference(&lite, q).unwrap_or_else(|e| panic!("{q}: sqlite: {e:?}")).1;
        for (max, mode) in [(0, "SOFT"), (262_144, "SOFT"), (262_144, "HARD")] {
            exec(&conn, &format!("PRAGMA max_memory = {max}"));
            exec(&conn, &format!("PRAGMA memory_limit_mode = {mode}"));
            let got = rows(&conn, q);
            assert!(got == want, "{q}: max_memory {max} {mode}: not SQLite's rows ({} vs {})", got.len(), want.len());
            let stats = rows(&conn, "PRAGMA memory_stats");
            assert_eq!(stats[0][10], Value::Integer(0), "{q}: statement memory left held");
        }
    }
    exec(&conn, "PRAGMA memory_limit_mode = SOFT");
}
