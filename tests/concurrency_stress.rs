//! Many connections to one file in one process, and another process.
//!
//! - Writers transfer money between accounts and count their transfers;
//!   readers check, inside one read transaction, that the total never
//!   changes and that the transfer log and the counters agree (one
//!   snapshot, never a torn read), repeated across statements. At the end:
//!   the total is intact, every committed transfer is counted once (no lost
//!   update) and nobody deadlocked (the run is bounded by a watchdog).
//! - busy_timeout: without it a second writer gets SQLITE_BUSY at once;
//!   with it, it waits for the first writer's COMMIT and succeeds.
//! - Another process holding the file: opening it here is SQLITE_BUSY
//!   "database is locked", and the file is intact afterwards.
//!
//! `SQLVIBE_STRESS_OPS=n` sets the transfers per writer (default 150 in WAL
//! mode, a third of it in DELETE mode).

use sqlvibe::conn::{OPEN_CREATE, OPEN_READWRITE};
use sqlvibe::{Connection, ErrorKind, Value};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

const ACCOUNTS: i64 = 20;
const START: i64 = 1000;

mod common;
use common::script_rows as rows;
use common::Rng;

fn int(conn: &Connection, sql: &str) -> i64 {
    match rows(conn, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))[0][0] {
        Value::Integer(i) => i,
        ref v => panic!("{sql}: {v:?}"),
    }
}

fn temp_db(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("sqlvibe-stress-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.db").to_str().unwrap().to_string();
    (dir, path)
}

/// One writer: `ops` committed transfers, retrying a transaction that hits
/// BUSY (the busy timeout is short on purpose so retries happen).
fn writer(path: &str, me: i64, ops: u64, seed: u64) -> (u64, u64) {
    let conn = Connection::open(path, OPEN_READWRITE).unwrap();
    conn.set_busy_timeout(20);
    let mut rng = Rng(seed);
    let (mut done, mut retries) = (0u64, 0u64);
    while done < ops {
        let a = rng.below64(ACCOUNTS as u64) as i64;
        let b = (a + 1 + rng.below64(ACCOUNTS as u64 - 1) as i64) % ACCOUNTS;
        let amount = 1 + rng.below64(50) as i64;
        let sql = format!(
            "BEGIN IMMEDIATE; UPDATE acct SET bal = bal - {amount} WHERE id = {a}; \
             UPDATE acct SET bal = bal + {amount} WHERE id = {b}; \
             INSERT INTO log(writer, amount) VALUES({me}, {amount}); \
             UPDATE counter SET n = n + 1 WHERE writer = {me}; COMMIT"
        );
        match rows(&conn, &sql) {
            Ok(_) => done += 1,
            Err(e) => {
                assert!(matches!(e.kind, ErrorKind::Busy | ErrorKind::BusySnapshot), "writer {me}: {e}");
                retries += 1;
                let _ = rows(&conn, "ROLLBACK");
                std::thread::yield_now();
            }
        }
    }
    (done, retries)
}

/// One reader: read transactions checking the invariants across statements.
fn reader(path: &str, id: u64, txns: u64) -> u64 {
    let conn = Connection::open(path, OPEN_READWRITE).unwrap();
    let mut checks = 0;
    for k in 0..txns {
        rows(&conn, "BEGIN").unwrap();
        let total = int(&conn, "SELECT sum(bal) FROM acct");
        assert_eq!(total, ACCOUNTS * START, "reader {id} txn {k}: torn total");
        let logged = int(&conn, "SELECT count(*) FROM log");
        let counted = int(&conn, "SELECT sum(n) FROM counter");
        assert_eq!(logged, counted, "reader {id} txn {k}: log and counters from different snapshots");
        std::thread::yield_now();
        // Same snapshot for the life of the transaction.
        assert_eq!(int(&conn, "SELECT count(*) FROM log"), logged, "reader {id} txn {k}: snapshot moved");
        let again = int(&conn, "SELECT sum(bal) FROM acct");
        assert_eq!(again, total, "reader {id} txn {k}");
        rows(&conn, "COMMIT").unwrap();
        checks += 1;
    }
    checks
}

fn stress_ops(default: u64) -> u64 {
    std::env::var("SQLVIBE_STRESS_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn writers_and_readers_keep_the_invariants() {
    bank("wal", stress_ops(150));
}

/// DELETE mode folds every commit into the database file under the
/// readers' feet (their old pages pinned first).
#[test]
fn writers_and_readers_keep_the_invariants_in_delete_mode() {
    bank("delete", stress_ops(150) / 3);
}

fn bank(mode: &str, ops: u64) {
    let (writers, readers) = (4i64, 3u64);
    let (dir, path) = temp_db(&format!("bank-{mode}"));
    let setup = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    rows(
        &setup,
        "CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INTEGER); \
         CREATE TABLE log(id INTEGER PRIMARY KEY, writer INTEGER, amount INTEGER); \
         CREATE TABLE counter(writer INTEGER PRIMARY KEY, n INTEGER); \
         PRAGMA wal_autocheckpoint = 50",
    )
    .unwrap();
    assert_eq!(rows(&setup, &format!("PRAGMA journal_mode = {mode}")).unwrap(), vec![vec![Value::Text(mode.into())]]);
    rows(&setup, "BEGIN").unwrap();
    for i in 0..ACCOUNTS {
        rows(&setup, &format!("INSERT INTO acct VALUES({i}, {START})")).unwrap();
    }
    for w in 0..writers {
        rows(&setup, &format!("INSERT INTO counter VALUES({w}, 0)")).unwrap();
    }
    rows(&setup, "COMMIT").unwrap();

    let path = Arc::new(path);
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    for w in 0..writers {
        let (p, tx) = (path.clone(), tx.clone());
        handles.push(std::thread::spawn(move || {
            let r = writer(&p, w, ops, 0x9E37_79B9 + w as u64 * 7919);
            tx.send(()).unwrap();
            (r, 0)
        }));
    }
    for r in 0..readers {
        let (p, tx) = (path.clone(), tx.clone());
        handles.push(std::thread::spawn(move || {
            let c = reader(&p, r, ops / 2);
            tx.send(()).unwrap();
            ((0, 0), c)
        }));
    }
    drop(tx);
    // Watchdog: every thread must finish (no deadlock) in bounded time.
    for _ in 0..handles.len() {
        if rx.recv_timeout(Duration::from_secs(120)).is_err() {
            // A thread panicked (its assertion shows when joined) or hung.
            break;
        }
    }
    let mut committed = 0;
    let mut checks = 0;
    for h in handles {
        let ((done, _retries), c) = h.join().expect("a thread failed");
        committed += done;
        checks += c;
    }
    assert_eq!(committed, writers as u64 * ops);
    assert!(checks > 0);
    // Final state: total intact, no lost update, integrity ok.
    assert_eq!(int(&setup, "SELECT sum(bal) FROM acct"), ACCOUNTS * START);
    assert_eq!(int(&setup, "SELECT sum(n) FROM counter") as u64, committed);
    assert_eq!(int(&setup, "SELECT count(*) FROM log") as u64, committed);
    for w in 0..writers {
        assert_eq!(int(&setup, &format!("SELECT n FROM counter WHERE writer = {w}")) as u64, ops);
    }
    assert_eq!(rows(&setup, "PRAGMA integrity_check").unwrap(), vec![vec![Value::Text("ok".into())]]);
    drop(setup);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn busy_timeout_is_honoured() {
    let (dir, path) = temp_db("busy");
    let a = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    let b = Connection::open(&path, OPEN_READWRITE).unwrap();
    rows(&a, "CREATE TABLE t(x)").unwrap();
    rows(&a, "BEGIN; INSERT INTO t VALUES(1)").unwrap();
    // No timeout: BUSY at once, and b's failed statement changed nothing.
    let e = rows(&b, "INSERT INTO t VALUES(2)").unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Busy, "database is locked"));
    // With a timeout, b waits for a's COMMIT (from another thread) and wins.
    b.set_busy_timeout(30_000);
    let a = Arc::new(a);
    let a2 = a.clone();
    let committer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        rows(&a2, "COMMIT").unwrap();
    });
    rows(&b, "INSERT INTO t VALUES(3)").unwrap();
    committer.join().unwrap();
    assert_eq!(rows(&a, "SELECT x FROM t ORDER BY x").unwrap(), vec![vec![Value::Integer(1)], vec![Value::Integer(3)]]);
    drop((a, b));
    let _ = std::fs::remove_dir_all(dir);
}

const CHILD_ENV: &str = "SQLVIBE_STRESS_CHILD_DB";

/// Child: opens the database, writes, reports READY and holds the file
/// until killed.
#[test]
#[ignore = "entry point of the child process spawned by another_process_gets_busy"]
fn child_holder() {
    let Ok(path) = std::env::var(CHILD_ENV) else { return };
    let conn = Connection::open(&path, OPEN_READWRITE).expect("child open");
    rows(&conn, "INSERT INTO t VALUES(2)").unwrap();
    println!("READY");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn another_process_gets_busy() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let (dir, path) = temp_db("proc");
    let c = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    rows(&c, "CREATE TABLE t(x); INSERT INTO t VALUES(1)").unwrap();
    drop(c);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_holder", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.is_ok_and(|l| l.trim_end().ends_with("READY"))), "child never got the file");
    for _ in 0..3 {
        let e = Connection::open(&path, OPEN_READWRITE).err().expect("the file is held by the child");
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Busy, "database is locked"));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let c = Connection::open(&path, OPEN_READWRITE).unwrap();
    assert_eq!(rows(&c, "PRAGMA integrity_check").unwrap(), vec![vec![Value::Text("ok".into())]]);
    assert_eq!(rows(&c, "SELECT x FROM t ORDER BY x").unwrap(), vec![vec![Value::Integer(1)], vec![Value::Integer(2)]]);
    drop(c);
    let _ = std::fs::remove_dir_all(dir);
}
