//! Crash test with real processes: a child re-runs this test binary (test
//! `crash_child_entry`, enabled by an environment variable) and commits in a
//! loop at synchronous=FULL, printing "ACK n" after each acknowledged
//! commit; the parent kills it with SIGKILL at random moments, reopens the
//! database, and checks integrity and that every acknowledged commit is
//! present.

use sqlvibe::storage::btree::{self, BTreeKind};
use sqlvibe::storage::record::encode_record;
use sqlvibe::storage::{OpenOptions, Pager, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;
use common::Rng;

const ENV: &str = "SQLVIBE_CRASH_CHILD_DB";

fn opts() -> OpenOptions {
    OpenOptions { read_only: false, create: true }
}

fn row(k: i64) -> Vec<u8> {
    let mut b = Vec::new();
    let big = if k % 5 == 0 { 5000 } else { 30 };
    encode_record(&[Value::Integer(k), Value::Text(format!("{k}:{}", "x".repeat(big)))], &mut b);
    b
}

/// The child: commits forever (until killed).
#[test]
fn crash_child_entry() {
    let Ok(path) = std::env::var(ENV) else { return };
    let p = Pager::open(&path, opts()).unwrap();
    p.set_wal_autocheckpoint(40);
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let mut root = t.header().schema_root;
    if root == 0 {
        root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
        t.header_mut().unwrap().schema_root = root;
    }
    let mut next = btree::table_max_rowid(&t, root).unwrap().map_or(1, |m| m + 1);
    t.commit().unwrap();
    let out = std::io::stdout();
    loop {
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        // Each commit: the new row plus a rewrite and a delete of old rows.
        btree::table_insert(&mut t, root, next, &row(next)).unwrap();
        if next > 10 {
            btree::table_insert(&mut t, root, next - 10, &row(next - 10)).unwrap();
        }
        btree::table_delete(&mut t, root, -next).unwrap();
        t.commit().unwrap();
        let mut o = out.lock();
        writeln!(o, "ACK {next}").unwrap();
        o.flush().unwrap();
        next += 1;
    }
}

#[test]
fn sigkill_during_commits_loses_no_acknowledged_commit() {
    if std::env::var(ENV).is_ok() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("sqlvibe-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("crash.db").to_string_lossy().into_owned();
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let rounds = std::env::var("SQLVIBE_CRASH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let budget = Instant::now();
    let mut acked_max = 0i64;
    let mut kills_mid_run = 0;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args(["crash_child_entry", "--exact", "--nocapture", "--test-threads=1"])
            .env(ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ACK ") {
                    if tx.send(n.parse::<i64>().unwrap()).is_err() {
                        break;
                    }
                }
            }
        });
        // Wait for the first acknowledged commit, then a random moment.
        let first = rx.recv_timeout(Duration::from_secs(20)).expect("child commits");
        std::thread::sleep(Duration::from_micros(rng.below64(40_000)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let mut last = first;
        while let Ok(n) = rx.try_recv() {
            last = n;
        }
        if last > first {
            kills_mid_run += 1;
        }
        acked_max = acked_max.max(last);

        // Reopen: integrity ok, every acknowledged commit present.
        let p = Pager::open(&path, opts()).unwrap();
        let t = p.begin_read().unwrap();
        let root = t.header().schema_root;
        let errs = btree::integrity_check(&t, &[root], 10).unwrap();
        assert!(errs.is_empty(), "round {round}: {errs:?}");
        let mut out = Vec::new();
        for k in 1..=acked_max {
            assert!(btree::table_get(&t, root, k, &mut out).unwrap(), "round {round}: acknowledged commit {k} lost");
            assert_eq!(out, row(k));
        }
        let max = btree::table_max_rowid(&t, root).unwrap().unwrap();
        assert!(max <= acked_max + 1, "at most the in-flight commit beyond the last ACK");
        acked_max = max;
        drop(t);
        drop(p);
        if budget.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    assert!(kills_mid_run > 0, "some kills landed while commits were running");
    let _ = std::fs::remove_dir_all(&dir);
}
