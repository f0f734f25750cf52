//! Real process crashes: a child process commits in a loop and reports each
//! acknowledged commit on stdout; the parent SIGKILLs it at pseudo-random
//! moments, reopens the database and checks that `PRAGMA integrity_check`
//! says `ok`, that every acknowledged commit is present and that no
//! transaction is half applied.
//!
//! A process crash loses nothing the process wrote (the OS keeps it), so
//! this holds at every `synchronous` level: FULL (the default) gets the
//! most rounds, NORMAL and OFF fewer, and the rollback journal modes
//! DELETE/TRUNCATE/PERSIST a few at FULL and OFF.
//!
//! Spilled transactions: a child with a 16-page budget writes transactions
//! several times that size, so they spill to the WAL tail again and again,
//! with a savepoint rolled back in the middle of each (its rows spilled
//! too), every fourth transaction rolled back whole after spilling, and
//! every third preceded by one whose savepoint rollback undid all it had
//! spilled (it commits nothing).
//! After every kill: no row of a rolled-back savepoint or transaction, no
//! half transaction, every acknowledged one there, integrity ok — in WAL
//! mode at FULL and OFF, and in DELETE/TRUNCATE/PERSIST.
//!
//! Rounds at FULL: 200 by default (about half a minute);
//! `SQLVIBE_CRASH_ROUNDS=N` runs N there (and N/3 in the other cells),
//! `SQLVIBE_CRASH_SEED=S` changes the kill schedule.

use sqlvibe::{Connection, StepResult, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "SQLVIBE_CRASH_CHILD_DB";
/// `PRAGMA synchronous` and `PRAGMA journal_mode` the child runs with.
const CHILD_SYNC_ENV: &str = "SQLVIBE_CRASH_CHILD_SYNC";
const CHILD_MODE_ENV: &str = "SQLVIBE_CRASH_CHILD_MODE";
/// Set: the child writes spilling transactions (`spill_txn`).
const CHILD_SPILL_ENV: &str = "SQLVIBE_CRASH_CHILD_SPILL";
/// Rows written by each transaction; a transaction is present whole or not at all.
const ROWS_PER_TXN: i64 = 3;
/// Rows of a spilling transaction (about 160 KB against a 64 KB budget).
const SPILL_ROWS: i64 = 80;

fn query_rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let (stmt, _) = conn.prepare(sql).expect("prepare");
    let mut stmt = stmt.expect("statement");
    let mut rows = Vec::new();
    while stmt.step().expect("step") == StepResult::Row {
        rows.push((0..stmt.column_count()).map(|i| stmt.column_value(i).clone()).collect());
    }
    rows
}

fn exec(conn: &Connection, sql: &str) {
    conn.exec(sql, &mut |_, _| true).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Child: appends transactions of ROWS_PER_TXN rows numbered after the
/// largest transaction id present, printing `ACK <id>` after each COMMIT returns.
#[test]
#[ignore = "entry point of the child process spawned by kill_child_mid_commit"]
fn child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let conn = Connection::open(&path, sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE).expect("child open");
    let sync = std::env::var(CHILD_SYNC_ENV).unwrap_or_else(|_| "FULL".into());
    let mode = std::env::var(CHILD_MODE_ENV).unwrap_or_else(|_| "WAL".into());
    exec(&conn, &format!("PRAGMA synchronous = {sync}; PRAGMA journal_mode = {mode}"));
    exec(&conn, "CREATE TABLE IF NOT EXISTS t(txn INTEGER, k INTEGER, payload TEXT)");
    exec(&conn, "CREATE INDEX IF NOT EXISTS t_txn ON t(txn)");
    let start = match query_rows(&conn, "SELECT max(txn) FROM t")[0][0] {
        Value::Integer(n) => n + 1,
        _ => 1,
    };
    let spill = std::env::var_os(CHILD_SPILL_ENV).is_some();
    if spill {
        // 16 pages of 4 KiB: a transaction's pages spill past 8 of them.
        exec(&conn, "PRAGMA cache_memory = 65536");
    }
    for id in start.. {
        if spill {
            if spill_txn(&conn, id) {
                println!("ACK {id}");
            }
            continue;
        }
        let mut sql = String::from("BEGIN;");
        for k in 0..ROWS_PER_TXN {
            // A payload of varying size exercises overflow pages now and then.
            let len = 10 + ((id * 7919 + k * 104729) % 5000) as usize;
            sql.push_str(&format!("INSERT INTO t VALUES({id}, {k}, '{}');", "x".repeat(len)));
        }
        sql.push_str("COMMIT;");
        exec(&conn, &sql);
        println!("ACK {id}");
    }
}

/// One spilling transaction `id` of SPILL_ROWS rows, half of them before
/// and half after a savepoint whose rows (transaction number -id) are
/// spilled and rolled back; every fourth transaction is rolled back whole
/// (its rows carry -id too). Every third is preceded by a transaction that
/// commits nothing: its only savepoint rewrote older rows as 'junk',
/// spilling them, and was rolled back.
/// Returns whether transaction `id` committed.
fn spill_txn(conn: &Connection, id: i64) -> bool {
    let rows = |txn: i64, from: i64, to: i64| {
        format!(
            "WITH RECURSIVE c(k) AS (SELECT {from} UNION ALL SELECT k + 1 FROM c WHERE k + 1 < {to}) \
             INSERT INTO t SELECT {txn}, k, hex(zeroblob(250 + (k * 7919 + {id}) % 1500)) FROM c;"
        )
    };
    let commit = id % 4 != 0;
    let txn = if commit { id } else { -id };
    if id % 3 == 0 {
        // Commits nothing: its savepoint rewrote rows of earlier
        // transactions (pages later ones leave alone), spilling, and was
        // rolled back.
        let (a, b) = (id / 2, id / 2 + 3);
        exec(
            conn,
            &format!(
                "BEGIN; SAVEPOINT junk; UPDATE t SET payload = 'junk' WHERE txn BETWEEN {a} AND {b}; \
                 ROLLBACK TO junk; COMMIT;"
            ),
        );
    }
    let mut sql = String::from("BEGIN;");
    sql.push_str(&rows(txn, 0, SPILL_ROWS / 2));
    sql.push_str("SAVEPOINT junk;");
    sql.push_str(&rows(-id, 1000, 1040));
    sql.push_str("ROLLBACK TO junk; RELEASE junk;");
    sql.push_str(&rows(txn, SPILL_ROWS / 2, SPILL_ROWS));
    sql.push_str(if commit { "COMMIT;" } else { "ROLLBACK;" });
    exec(conn, &sql);
    commit
}

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn kill_child_mid_commit() {
    kill_loop("FULL", "WAL", env_u64("SQLVIBE_CRASH_ROUNDS", 200));
}

fn other_rounds(default: u64) -> u64 {
    std::env::var("SQLVIBE_CRASH_ROUNDS").ok().and_then(|v| v.parse::<u64>().ok()).map_or(default, |n| (n / 3).max(1))
}

#[test]
fn kill_child_mid_commit_normal_and_off() {
    kill_loop("NORMAL", "WAL", other_rounds(8));
    kill_loop("OFF", "WAL", other_rounds(8));
}

#[test]
fn kill_child_mid_commit_rollback_modes() {
    for mode in ["DELETE", "TRUNCATE", "PERSIST"] {
        kill_loop("FULL", mode, other_rounds(4));
        kill_loop("OFF", mode, other_rounds(3));
    }
}

#[test]
fn kill_child_mid_spilled_transaction() {
    kill_loop_with("FULL", "WAL", other_rounds(20), true);
    kill_loop_with("OFF", "WAL", other_rounds(6), true);
    for mode in ["DELETE", "TRUNCATE", "PERSIST"] {
        kill_loop_with("FULL", mode, other_rounds(4), true);
    }
}

fn kill_loop(sync: &str, mode: &str, rounds: u64) {
    kill_loop_with(sync, mode, rounds, false);
}

fn kill_loop_with(sync: &str, mode: &str, rounds: u64, spill: bool) {
    let mut rng = XorShift(env_u64("SQLVIBE_CRASH_SEED", 0x5eed_c0de).max(1));
    let dir = std::env::temp_dir().join(format!("sqlvibe-crash-{}-{sync}-{mode}-{spill}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("crash.db");
    let db_str = db.to_str().unwrap().to_string();
    let exe = std::env::current_exe().unwrap();
    let mut acknowledged = 0i64;
    let mut kills_mid_run = 0;

    let rows_per_txn = if spill { SPILL_ROWS } else { ROWS_PER_TXN };
    for round in 0..rounds {
        let mut cmd = Command::new(&exe);
        cmd.args(["--ignored", "--exact", "child_writer", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &db_str)
            .env(CHILD_SYNC_ENV, sync)
            .env(CHILD_MODE_ENV, mode)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if spill {
            cmd.env(CHILD_SPILL_ENV, "1");
        }
        let mut child = cmd.spawn().expect("spawn child");
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut last = 0i64;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("ACK ") {
                    last = n.trim().parse().unwrap_or(last);
                }
            }
            last
        });
        // Let the child get going, then kill it at a pseudo-random moment
        // (a spilling transaction takes longer: a longer window).
        let window = if spill { 100_000 } else { 60_000 };
        let delay = Duration::from_micros(20_000 + rng.next() % window);
        let started = Instant::now();
        std::thread::sleep(delay);
        // SAFETY: plain kill(2) of our own child's pid.
        let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
        assert_eq!(rc, 0, "kill failed");
        let status = child.wait().unwrap();
        if status.code().is_none() {
            kills_mid_run += 1;
        }
        let last = reader.join().unwrap();
        acknowledged = acknowledged.max(last);

        let conn = Connection::open(&db_str, sqlvibe::conn::OPEN_READWRITE).expect("reopen");
        let check = query_rows(&conn, "PRAGMA integrity_check");
        let cell = format!("{sync}/{mode} round {round}");
        assert_eq!(check, vec![vec![Value::Text("ok".into())]], "{cell} after {:?}", started.elapsed());
        // Every transaction is whole: its rows or none.
        let partial =
            query_rows(&conn, &format!("SELECT txn, count(*) FROM t GROUP BY txn HAVING count(*) <> {rows_per_txn}"));
        assert!(partial.is_empty(), "{cell}: half-applied transactions {partial:?}");
        // Nothing of a rolled-back savepoint or transaction, spilled or not.
        let undone = query_rows(&conn, "SELECT count(*) FROM t WHERE txn < 0 OR payload = 'junk'");
        assert_eq!(undone, vec![vec![Value::Integer(0)]], "{cell}: rows of rolled-back work");
        // Every acknowledged transaction is present (spilling children
        // roll back every fourth one).
        let present = query_rows(&conn, &format!("SELECT count(DISTINCT txn) FROM t WHERE txn <= {acknowledged}"));
        let want = if spill { acknowledged - acknowledged / 4 } else { acknowledged };
        assert_eq!(present[0][0], Value::Integer(want), "{cell}: lost acknowledged commits");
        if mode != "WAL" {
            // Reopened in DELETE (only WAL-ness persists): whatever committed
            // frames the crash left beside the file were folded at open.
            assert_eq!(query_rows(&conn, "PRAGMA journal_mode"), vec![vec![Value::Text("delete".into())]]);
            assert_eq!(query_rows(&conn, "PRAGMA wal_status")[0][0], Value::Integer(0), "{cell}");
        }
    }
    assert!(acknowledged > 0, "{sync}/{mode}: the child never committed");
    if spill {
        println!("{sync}/{mode}, spilled transactions: {rounds} kills, {acknowledged} transactions acknowledged");
    }
    assert!(kills_mid_run as u64 == rounds, "every child must die by SIGKILL");
    let _ = std::fs::remove_dir_all(&dir);
}
