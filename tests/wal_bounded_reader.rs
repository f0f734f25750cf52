//! Issue 4, must-have 1: a reader that keeps one read transaction open while
//! a writer commits continuously does not make the WAL grow without bound.
//! Checkpoints copy every frame and reset the WAL; the pages the reader's
//! snapshot still needs are pinned in memory first (see pager.rs).

use sqlvibe::storage::btree::{self, BTreeKind};
use sqlvibe::storage::record::encode_record;
use sqlvibe::storage::{OpenOptions, Pager, Txn, Value};

mod common;
use common::table_checksum;

fn commits() -> i64 {
    std::env::var("SQLVIBE_COMMITS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
}

fn row(k: i64, v: i64) -> Vec<u8> {
    let mut b = Vec::new();
    encode_record(&[Value::Integer(k), Value::Integer(v), Value::Text(format!("v{v}"))], &mut b);
    b
}

#[test]
fn long_reader_does_not_grow_the_wal() {
    let dir = std::env::temp_dir().join(format!("sqlvibe-bounded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("b.db");
    let path_s = path.to_str().unwrap().to_owned();
    let wal_path = format!("{path_s}-wal");
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&wal_path);
    let p = Pager::open(&path_s, OpenOptions { read_only: false, create: true }).unwrap();
    p.set_synchronous(sqlvibe::storage::Synchronous::Off);
    p.set_wal_autocheckpoint(100);
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    for k in 0..300 {
        btree::table_insert(&mut t, root, k, &row(k, k)).unwrap();
    }
    t.commit().unwrap();

    // The reader reads nothing until the end (a transaction memoizes the
    // pages it read): its expected content comes from a probe on the same
    // snapshot.
    let reader = p.begin_read().unwrap();
    let probe = p.begin_read().unwrap();
    let want = table_checksum(&probe, root);
    drop(probe);
    let mut second: Option<(Txn, (u64, u64))> = None;
    let n = commits();
    let page = u64::from(p.page_size());
    // autocheckpoint frames + one transaction's frames (<= 8 here) + header.
    let bound = 32 + (100 + 8) * (24 + page);
    let mut max_wal = 0;
    let mut max_pinned = 0;
    for i in 0..n {
        let mut w = p.begin_read().unwrap();
        w.begin_write(0).unwrap();
        // Rewrite a row the reader sees, add one, drop an old added one.
        let k = (i * 7) % 300;
        btree::table_insert(&mut w, root, k, &row(k, i + 1000)).unwrap();
        btree::table_insert(&mut w, root, 1000 + i, &row(1000 + i, i)).unwrap();
        if i >= 50 {
            btree::table_delete(&mut w, root, 1000 + i - 50).unwrap();
        }
        w.commit().unwrap();
        if i % 97 == 0 {
            let len = std::fs::metadata(&wal_path).map_or(0, |m| m.len());
            assert!(len <= bound, "WAL {len} bytes after {i} commits (bound {bound})");
            max_wal = max_wal.max(len);
            max_pinned = max_pinned.max(p.pinned_bytes());
        }
        if i == n / 2 {
            let t2 = p.begin_read().unwrap();
            let probe = p.begin_read().unwrap();
            let c2 = table_checksum(&probe, root);
            second = Some((t2, c2));
        }
    }
    // Both readers still see exactly their snapshots.
    assert_eq!(table_checksum(&reader, root), want);
    assert!(btree::integrity_check(&reader, &[root], 10).unwrap().is_empty());
    let (t2, c2) = second.unwrap();
    assert_eq!(table_checksum(&t2, root), c2);
    assert!(btree::integrity_check(&t2, &[root], 10).unwrap().is_empty());
    let pinned_with_readers = p.pinned_bytes();
    drop(reader);
    drop(t2);
    assert_eq!(p.pinned_bytes(), 0, "pins freed when the last reader ends");
    let now = p.begin_read().unwrap();
    let (rows, _) = table_checksum(&now, root);
    assert_eq!(rows, 300 + 50.min(n as u64));
    assert!(btree::integrity_check(&now, &[root], 10).unwrap().is_empty());
    drop(now);
    println!(
        "{n} commits under a long reader: max WAL {max_wal} bytes (bound {bound}), \
         max pinned {max_pinned} bytes, pinned at end {pinned_with_readers}, snapshots intact"
    );
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Many overlapping readers started at pseudo-random points, checkpoints of
/// every mode and WAL truncation in between: each reader sees exactly the
/// snapshot it started with, and pins are all freed at the end.
#[test]
fn overlapping_readers_across_checkpoints_keep_their_snapshots() {
    use sqlvibe::storage::{CheckpointMode, MemVfs};
    let seeds: u64 = std::env::var("SQLVIBE_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    for seed in 1..=seeds {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut rnd = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let vfs = std::sync::Arc::new(MemVfs::new());
        let p = Pager::open_with_vfs(vfs, "o.db", OpenOptions { read_only: false, create: true }).unwrap();
        p.set_page_size(1024).unwrap();
        p.set_wal_autocheckpoint(if seed % 2 == 0 { 0 } else { 30 });
        p.set_wal_truncate(seed % 3 == 0);
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
        t.header_mut().unwrap().schema_root = root;
        t.commit().unwrap();
        let mut readers: Vec<(Txn, (u64, u64))> = Vec::new();
        for i in 0..400i64 {
            let mut w = p.begin_read().unwrap();
            w.begin_write(0).unwrap();
            for _ in 0..1 + rnd(4) {
                let k = rnd(200) as i64;
                if rnd(4) == 0 {
                    btree::table_delete(&mut w, root, k).unwrap();
                } else {
                    btree::table_insert(&mut w, root, k, &row(k, i * 10 + rnd(50) as i64)).unwrap();
                }
            }
            w.commit().unwrap();
            match rnd(10) {
                0 => {
                    // Checked by a probe now; the reader itself reads
                    // nothing until it is checked (no memoized pages).
                    let r = p.begin_read().unwrap();
                    let c = table_checksum(&p.begin_read().unwrap(), root);
                    readers.push((r, c));
                }
                1 if !readers.is_empty() => {
                    let (r, c) = readers.remove(rnd(readers.len() as u64) as usize);
                    assert_eq!(table_checksum(&r, root), c, "seed {seed} commit {i}");
                }
                2 => {
                    let mode = [
                        CheckpointMode::Passive,
                        CheckpointMode::Full,
                        CheckpointMode::Restart,
                        CheckpointMode::Truncate,
                    ][rnd(4) as usize];
                    let info = p.checkpoint_mode(mode, 0).unwrap();
                    assert!(!info.busy, "seed {seed}: readers never make a checkpoint busy");
                }
                _ => {}
            }
        }
        for (r, c) in &readers {
            assert_eq!(table_checksum(r, root), *c, "seed {seed} at the end");
            assert!(btree::integrity_check(r, &[root], 10).unwrap().is_empty());
        }
        let open = readers.len();
        readers.clear();
        assert_eq!(p.pinned_bytes(), 0, "seed {seed}");
        println!("seed {seed}: {open} readers still open at the end, all snapshots intact");
    }
}
