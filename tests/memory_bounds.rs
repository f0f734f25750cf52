//! Proof by measurement: each workload runs in a child process (this test
//! binary re-run with `SQLVIBE_RSS_CHILD` set), which resets its peak RSS
//! (`/proc/self/clear_refs`, 5) right before the measured work and prints
//! how far `VmHWM` rose above the RSS it started that work with. The
//! parent checks the bound and the answers.
//!
//! Workloads (rows of 1000-byte blobs; 200 000 rows = 200 MB by default,
//! `SQLVIBE_RSS_ROWS=N` for another size):
//! - one transaction into a WAL file database with max_memory = 4 MiB:
//!   growth <= 4 MiB + 2 MiB;
//! - the same into `:memory:`;
//! - a full scan of that file database with cache_memory = 1 MiB:
//!   growth <= 1 MiB + 2 MiB.
//!
//! Statement workloads over a table of 2 000 000 rows of about 50 bytes
//! (100 MB; `SQLVIBE_RSS_STMT_ROWS=N` for another size), each with
//! max_memory = 4 MiB: ORDER BY, DISTINCT, GROUP BY, window functions
//! (PARTITION BY; one partition is held at a time), windows over one
//! partition of all 2M rows (spilled, read back by position) and a join through an
//! automatic hash index of all 2M rows; then `INSERT INTO s2 SELECT * FROM
//! s ORDER BY b` (the whole table, sorted, in one statement) and `CREATE
//! UNIQUE INDEX` over all of it (every key sorted through temporary runs,
//! streamed into the b-tree). Growth <= 4 MiB + 2 MiB, and each answer (a
//! digest of the rows, in order where the query fixes one) equals the
//! answer without a budget and SQLite's.
//!
//! Recursive CTEs of about `SQLVIBE_RSS_STMT_ROWS` rows, each with
//! max_memory = 4 MiB: counting under UNION (every row's key kept), and a
//! breadth-first walk whose queue holds a whole level, in arrival order
//! and under ORDER BY. Growth <= 4 MiB + 2 MiB, answers as SQLite's.

use sqlvibe::{Connection, StepResult, Value};
use std::process::Command;

mod common;
use common::{exec, rows as query};

const CHILD_ENV: &str = "SQLVIBE_RSS_CHILD";
const MIB: u64 = 1024 * 1024;

fn rows() -> i64 {
    std::env::var("SQLVIBE_RSS_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(200_000)
}

fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    s.lines()
        .find_map(|l| l.strip_prefix(field).map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0)))
        .unwrap_or(0)
}

/// Resets the peak RSS to the current RSS; returns the current RSS in bytes.
fn start_measuring() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset peak RSS (Linux >= 4.0)");
    status_kb("VmRSS:") * 1024
}

fn peak_growth(start: u64) -> u64 {
    (status_kb("VmHWM:") * 1024).saturating_sub(start)
}

/// The blob of row `i`: 1000 deterministic bytes.
fn blob(i: i64, buf: &mut Vec<u8>) {
    buf.clear();
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for _ in 0..1000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf.push(x as u8);
    }
}

/// One transaction of `n` rows through a prepared INSERT; returns the peak
/// RSS growth while it ran.
fn insert_rows(conn: &Connection, n: i64) -> u64 {
    exec(conn, "CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB)");
    let start = start_measuring();
    exec(conn, "BEGIN");
    let (ins, _) = conn.prepare("INSERT INTO t VALUES(?1, ?2)").expect("prepare");
    let mut ins = ins.expect("statement");
    let mut buf = Vec::with_capacity(1000);
    for i in 1..=n {
        blob(i, &mut buf);
        ins.bind(1, Value::Integer(i)).expect("bind");
        ins.bind(2, Value::Blob(buf.clone())).expect("bind");
        assert_eq!(ins.step().expect("insert"), StepResult::Done);
        ins.reset();
    }
    drop(ins);
    exec(conn, "COMMIT");
    peak_growth(start)
}

fn summary(conn: &Connection, n: i64) -> String {
    let r = query(conn, "SELECT count(*), sum(length(b)), sum(a) FROM t");
    let mid = query(conn, &format!("SELECT hex(b) FROM t WHERE a = {}", n / 2 + 1));
    format!("{:?} {:?}", r[0], mid[0])
}

/// The child: runs one workload and prints `GROWTH <bytes>` and `ANSWER <...>`.
#[test]
#[ignore = "entry point of the child processes spawned by the tests below"]
fn rss_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let (what, path) = spec.split_once(':').expect("workload:path");
    let n = rows();
    let (growth, answer) = match what {
        "file_txn" | "memory_txn" => {
            let target = if what == "file_txn" { path } else { ":memory:" };
            let conn =
                Connection::open(target, sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE).expect("open");
            exec(&conn, "PRAGMA max_memory = 4194304");
            let g = insert_rows(&conn, n);
            (g, summary(&conn, n))
        }
        "scan" => {
            let conn = Connection::open(path, sqlvibe::conn::OPEN_READWRITE).expect("open");
            exec(&conn, "PRAGMA cache_memory = 1048576");
            let start = start_measuring();
            let s = summary(&conn, n);
            (peak_growth(start), s)
        }
        "stmt" => {
            let (q, db) = path.split_once('@').expect("query@path");
            let conn = Connection::open(db, sqlvibe::conn::OPEN_READWRITE).expect("open");
            exec(&conn, "PRAGMA max_memory = 4194304");
            let start = start_measuring();
            let d = vibe_digest(&conn, STMT_QUERIES[q.parse::<usize>().unwrap()]);
            (peak_growth(start), d)
        }
        "cte" => {
            let conn =
                Connection::open(":memory:", sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE).expect("open");
            exec(&conn, "PRAGMA max_memory = 4194304");
            let start = start_measuring();
            let d = vibe_digest(&conn, &cte_queries(stmt_rows())[path.parse::<usize>().unwrap()]);
            (peak_growth(start), d)
        }
        "insert_select" | "create_as" => {
            // A sorted copy of the whole table in one statement, into s2
            // (created first) or s3 (created by the statement).
            let conn = Connection::open(path, sqlvibe::conn::OPEN_READWRITE).expect("open");
            exec(&conn, "PRAGMA max_memory = 4194304");
            let (copy, into) = if what == "insert_select" {
                exec(&conn, "CREATE TABLE s2(a INTEGER, b TEXT, c INTEGER)");
                ("INSERT INTO s2 SELECT * FROM s ORDER BY b", "FROM s2")
            } else {
                ("CREATE TABLE s3 AS SELECT * FROM s ORDER BY b", "FROM s3")
            };
            let start = start_measuring();
            exec(&conn, copy);
            let g = peak_growth(start);
            (g, vibe_digest(&conn, COPY_CHECK.replace("FROM s", into).as_str()))
        }
        "create_index" => {
            let conn = Connection::open(path, sqlvibe::conn::OPEN_READWRITE).expect("open");
            exec(&conn, "PRAGMA max_memory = 4194304");
            let start = start_measuring();
            exec(&conn, INDEX_DDL);
            let g = peak_growth(start);
            let plan = format!("{:?}", query(&conn, &format!("EXPLAIN QUERY PLAN {}", INDEX_CHECK[0])));
            assert!(plan.contains("INDEX sbc"), "the index answers: {plan}");
            (g, INDEX_CHECK.iter().map(|q| vibe_digest(&conn, q)).collect::<Vec<_>>().join("; "))
        }
        other => panic!("unknown workload {other}"),
    };
    println!("GROWTH {growth}");
    println!("ANSWER {answer}");
}

fn run_child(what: &str, path: &str) -> (u64, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "rss_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, format!("{what}:{path}"))
        .output()
        .expect("spawn child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{what} child failed: {text}\n{}", String::from_utf8_lossy(&out.stderr));
    // The harness prints "test rss_child ... " before the child's first line.
    let field = |k: &str| {
        text.lines().find_map(|l| l.find(k).map(|i| &l[i + k.len()..])).unwrap_or_else(|| panic!("{k} in {text}"))
    };
    (field("GROWTH ").trim().parse().unwrap(), field("ANSWER ").trim().to_string())
}

/// What the answer must be: computed here from the generator.
fn expected_answer(n: i64) -> String {
    let mut buf = Vec::new();
    blob(n / 2 + 1, &mut buf);
    let hex: String = buf.iter().map(|b| format!("{b:02X}")).collect();
    format!(
        "{:?} {:?}",
        vec![Value::Integer(n), Value::Integer(n * 1000), Value::Integer(n * (n + 1) / 2)],
        vec![Value::Text(hex)]
    )
}

/// A fresh directory for one test's database file, and the file's path.
fn test_db(tag: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("sqlvibe-rss-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("test.db").to_str().unwrap().to_string();
    (dir, db)
}

#[test]
fn big_transactions_and_scans_stay_in_budget() {
    let (dir, db) = test_db("txn");
    let db = db.as_str();
    let n = rows();
    let want = expected_answer(n);

    let (g, a) = run_child("file_txn", db);
    eprintln!("file database, {n} rows in one transaction, max_memory 4 MiB: peak RSS growth {} KiB", g / 1024);
    assert_eq!(a, want);
    assert!(g <= 6 * MIB, "file transaction grew RSS by {g} bytes (bound 6 MiB)");

    let (g, a) = run_child("scan", db);
    eprintln!("scan of {n} rows, cache_memory 1 MiB: peak RSS growth {} KiB", g / 1024);
    assert_eq!(a, want);
    assert!(g <= 3 * MIB, "scan grew RSS by {g} bytes (bound 3 MiB)");

    let (g, a) = run_child("memory_txn", "-");
    eprintln!(":memory:, {n} rows in one transaction, max_memory 4 MiB: peak RSS growth {} KiB", g / 1024);
    assert_eq!(a, want);
    assert!(g <= 6 * MIB, ":memory: transaction grew RSS by {g} bytes (bound 6 MiB)");

    let _ = std::fs::remove_dir_all(&dir);
}

fn stmt_rows() -> i64 {
    std::env::var("SQLVIBE_RSS_STMT_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(2_000_000)
}

/// The statement workloads; a leading `*` marks a query whose row order
/// is unspecified (digested as a multiset).
const STMT_QUERIES: &[&str] = &[
    "SELECT a, b, c FROM s ORDER BY b DESC, c",
    "*SELECT DISTINCT a % 5000, substr(b, 11, 2) FROM s",
    "SELECT substr(b, 1, 12), count(*), sum(a), min(c), max(c) FROM s GROUP BY 1",
    "*SELECT c, row_number() OVER w, sum(c) OVER (w ROWS 2 PRECEDING), lag(b) OVER w FROM s WINDOW w AS (PARTITION BY a ORDER BY c)",
    "*SELECT c, sum(a) OVER (w ROWS BETWEEN 10 PRECEDING AND 10 FOLLOWING), lag(b) OVER w, lead(a, 3) OVER w FROM s WINDOW w AS (ORDER BY c)",
    "SELECT count(*), sum(s1.c), sum(s2.c), sum(length(s2.b)) FROM s AS s1 JOIN s AS s2 ON s2.a = s1.c",
];

/// The digest that checks `INSERT INTO s2 SELECT * FROM s` (run on s2).
const COPY_CHECK: &str = "SELECT count(*), sum(a), sum(c), sum(length(b)), min(b), max(b) FROM s";

/// An index over every row of s, and queries answered through it.
const INDEX_DDL: &str = "CREATE UNIQUE INDEX sbc ON s(b, c)";
const INDEX_CHECK: &[&str] = &[
    "SELECT b, c FROM s WHERE b >= 'key-00250' ORDER BY b, c LIMIT 20000",
    "SELECT count(*), sum(c), min(b), max(b) FROM s WHERE b > 'key-'",
];

/// Row `i` of table s: a (200 003 values), b (about 30 bytes, 500 009
/// distinct prefixes), c = i.
fn stmt_row(i: i64) -> (i64, String, i64) {
    let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((i * 7919) % 200_003, format!("key-{:08}-{:016x}", (i * 104_729) % 500_009, x >> 8), i)
}

fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h = (*h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
}

/// A digest of rows: ordered (each row folded into the running hash) or,
/// for `*` queries, the wrapping sum of each row's hash.
#[derive(Default)]
struct Digest {
    ordered: bool,
    h: u64,
    n: u64,
}

impl Digest {
    fn row(&mut self, vals: impl Iterator<Item = String>) {
        let mut r = if self.ordered { self.h } else { 0xcbf2_9ce4_8422_2325 };
        for v in vals {
            fnv(&mut r, v.as_bytes());
            fnv(&mut r, b"|");
        }
        if self.ordered {
            self.h = r;
        } else {
            self.h = self.h.wrapping_add(r);
        }
        self.n += 1;
    }
    fn text(&self) -> String {
        format!("{} rows, digest {:016x}", self.n, self.h)
    }
}

fn vibe_digest(conn: &Connection, q: &str) -> String {
    let (ordered, sql) = match q.strip_prefix('*') {
        Some(s) => (false, s),
        None => (true, q),
    };
    let mut d = Digest { ordered, ..Digest::default() };
    conn.exec(sql, &mut |vals, _| {
        d.row(vals.iter().map(|v| match v {
            Value::Null => "NULL".to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Real(f) => format!("{f:?}"),
            Value::Text(t) => t.clone(),
            Value::Blob(b) => format!("{b:?}"),
        }));
        true
    })
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    d.text()
}

fn sqlite_digest(conn: &rusqlite::Connection, q: &str) -> String {
    use rusqlite::types::ValueRef;
    let (ordered, sql) = match q.strip_prefix('*') {
        Some(s) => (false, s),
        None => (true, q),
    };
    let mut d = Digest { ordered, ..Digest::default() };
    let mut st = conn.prepare(sql).unwrap();
    let n = st.column_count();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        d.row((0..n).map(|i| match r.get_ref(i).unwrap() {
            ValueRef::Null => "NULL".to_string(),
            ValueRef::Integer(i) => i.to_string(),
            ValueRef::Real(f) => format!("{f:?}"),
            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            ValueRef::Blob(b) => format!("{b:?}"),
        }));
    }
    d.text()
}

#[test]
fn sorts_groups_and_windows_stay_in_budget() {
    let (dir, db) = test_db("stmt");
    let db = db.as_str();
    let n = stmt_rows();
    let vibe = Connection::open(db, sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE).expect("open");
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    let create = "CREATE TABLE s(a INTEGER, b TEXT, c INTEGER)";
    exec(&vibe, create);
    lite.execute(create, []).unwrap();
    exec(&vibe, "BEGIN");
    lite.execute("BEGIN", []).unwrap();
    {
        let (ins, _) = vibe.prepare("INSERT INTO s VALUES(?1, ?2, ?3)").expect("prepare");
        let mut ins = ins.expect("statement");
        let mut lins = lite.prepare("INSERT INTO s VALUES(?1, ?2, ?3)").unwrap();
        for i in 1..=n {
            let (a, b, c) = stmt_row(i);
            ins.bind(1, Value::Integer(a)).expect("bind");
            ins.bind(2, Value::Text(b.clone())).expect("bind");
            ins.bind(3, Value::Integer(c)).expect("bind");
            assert_eq!(ins.step().expect("insert"), StepResult::Done);
            ins.reset();
            lins.execute(rusqlite::params![a, b, c]).unwrap();
        }
    }
    exec(&vibe, "COMMIT");
    lite.execute("COMMIT", []).unwrap();
    let mut wants = Vec::new();
    for q in STMT_QUERIES {
        let want = sqlite_digest(&lite, q);
        assert_eq!(vibe_digest(&vibe, q), want, "{q}: without a budget");
        wants.push(want);
    }
    // A database file is open in one process at a time.
    drop(vibe);
    for (qi, (q, want)) in STMT_QUERIES.iter().zip(wants).enumerate() {
        let (g, a) = run_child("stmt", &format!("{qi}@{db}"));
        eprintln!("{q}: {n} rows, max_memory 4 MiB: peak RSS growth {} KiB ({want})", g / 1024);
        assert_eq!(a, want, "{q}: with max_memory 4 MiB");
        assert!(g <= 6 * MIB, "{q} grew RSS by {g} bytes (bound 6 MiB)");
    }
    // Last, as it writes: a sorted copy of the whole table in one statement.
    let want = sqlite_digest(&lite, COPY_CHECK);
    let (g, a) = run_child("insert_select", db);
    eprintln!(
        "INSERT INTO s2 SELECT * FROM s ORDER BY b: {n} rows, max_memory 4 MiB: peak RSS growth {} KiB",
        g / 1024
    );
    assert_eq!(a, want, "INSERT ... SELECT copied other rows");
    assert!(g <= 6 * MIB, "INSERT ... SELECT grew RSS by {g} bytes (bound 6 MiB)");
    let (g, a) = run_child("create_as", db);
    eprintln!(
        "CREATE TABLE s3 AS SELECT * FROM s ORDER BY b: {n} rows, max_memory 4 MiB: peak RSS growth {} KiB",
        g / 1024
    );
    assert_eq!(a, want, "CREATE TABLE ... AS SELECT copied other rows");
    assert!(g <= 6 * MIB, "CREATE TABLE ... AS SELECT grew RSS by {g} bytes (bound 6 MiB)");
    let want = INDEX_CHECK.iter().map(|q| sqlite_digest(&lite, q)).collect::<Vec<_>>().join("; ");
    let (g, a) = run_child("create_index", db);
    eprintln!("{INDEX_DDL}: {n} rows, max_memory 4 MiB: peak RSS growth {} KiB", g / 1024);
    assert_eq!(a, want, "the index answers other rows");
    assert!(g <= 6 * MIB, "CREATE INDEX grew RSS by {g} bytes (bound 6 MiB)");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Recursive CTEs of about `n` rows.
fn cte_queries(n: i64) -> Vec<String> {
    let walk = |order: &str| {
        format!(
            "WITH RECURSIVE b(n, d, p) AS (SELECT 1, 0, '' UNION ALL SELECT n * 2 + k, d + 1, printf('%030d', n) \
             FROM b, (SELECT 0 AS k UNION ALL SELECT 1) WHERE n < {} {order}) SELECT n, d, p FROM b",
            n / 2
        )
    };
    vec![
        format!(
            "WITH RECURSIVE c(x, p) AS (SELECT 1, printf('%040d', 1) UNION SELECT x + 1, printf('%040d', x + 1) \
             FROM c WHERE x < {n}) SELECT count(*), sum(x), max(p) FROM c"
        ),
        walk(""),
        walk("ORDER BY 2"),
    ]
}

#[test]
fn recursive_ctes_stay_in_budget() {
    let n = stmt_rows();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    for (qi, q) in cte_queries(n).iter().enumerate() {
        let want = sqlite_digest(&lite, q);
        let (g, a) = run_child("cte", &qi.to_string());
        eprintln!("{q}: max_memory 4 MiB: peak RSS growth {} KiB ({want})", g / 1024);
        assert_eq!(a, want, "{q}: with max_memory 4 MiB");
        assert!(g <= 6 * MIB, "{q} grew RSS by {g} bytes (bound 6 MiB)");
    }
}
