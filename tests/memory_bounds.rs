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

#[test]
fn big_transactions_and_scans_stay_in_budget() {
    let dir = std::env::temp_dir().join(format!("sqlvibe-rss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("big.db");
    let db = db.to_str().unwrap();
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
