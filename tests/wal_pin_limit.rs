//! The cap on pinned memory (`PRAGMA wal_pin_limit`, default the page
//! cache's capacity): checkpoints pin old page images for live readers only
//! while the pinned bytes stay within the cap; past it a checkpoint copies
//! only up to the oldest live snapshot (SQLite's rule) and the WAL keeps the
//! rest until that reader ends. Readers keep their snapshots either way.

use sqlvibe::conn::{OPEN_CREATE, OPEN_READWRITE};
use sqlvibe::storage::btree::{self, BTreeKind};
use sqlvibe::storage::record::encode_record;
use sqlvibe::storage::{CheckpointMode, MemVfs, OpenOptions, Pager, Value};
use sqlvibe::{Connection, StepResult};
use std::sync::Arc;

mod common;
use common::table_checksum;

fn row(k: i64, v: i64) -> Vec<u8> {
    let mut b = Vec::new();
    encode_record(&[Value::Integer(k), Value::Integer(v), Value::Text("p".repeat(60))], &mut b);
    b
}

#[test]
fn pinned_bytes_never_pass_the_cap() {
    let p = Pager::open_with_vfs(Arc::new(MemVfs::new()), "pin.db", OpenOptions { read_only: false, create: true })
        .unwrap();
    p.set_page_size(1024).unwrap();
    p.set_wal_autocheckpoint(40);
    let cap = 12 * 1024;
    assert_eq!(p.set_wal_pin_limit(cap), cap);
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    for k in 0..600 {
        btree::table_insert(&mut t, root, k, &row(k, 0)).unwrap();
    }
    t.commit().unwrap();
    let reader = p.begin_read().unwrap();
    let want = table_checksum(&p.begin_read().unwrap(), root);
    let mut max_frames = 0;
    for i in 0..300i64 {
        // Each commit rewrites rows spread over the table: many distinct
        // pages, each of which the reader still needs in its old version.
        let mut w = p.begin_read().unwrap();
        w.begin_write(0).unwrap();
        for j in 0..4 {
            let k = (i * 37 + j * 151) % 600;
            btree::table_insert(&mut w, root, k, &row(k, i + 1)).unwrap();
        }
        w.commit().unwrap();
        assert!(p.pinned_bytes() as i64 <= cap, "commit {i}: {} pinned bytes over the cap", p.pinned_bytes());
        max_frames = max_frames.max(p.wal_status().frames);
    }
    // Past the cap the WAL kept what the reader needs (SQLite's behaviour).
    assert!(max_frames > 40, "the checkpoint stopped at the reader ({max_frames} frames)");
    let info = p.checkpoint_mode(CheckpointMode::Passive, 0).unwrap();
    assert!(info.checkpointed_frames < info.log_frames, "{info:?}");
    assert_eq!(table_checksum(&reader, root), want, "the reader's snapshot is intact");
    assert!(btree::integrity_check(&reader, &[root], 10).unwrap().is_empty());
    drop(reader);
    // The reader gone: everything is copied, the WAL reset, no pins left.
    let info = p.checkpoint_mode(CheckpointMode::Passive, 0).unwrap();
    assert_eq!(info.checkpointed_frames, info.log_frames);
    assert_eq!(p.wal_status().frames, 0);
    assert_eq!(p.pinned_bytes(), 0);
    let now = p.begin_read().unwrap();
    assert_eq!(table_checksum(&now, root).0, 600);
    assert!(btree::integrity_check(&now, &[root], 10).unwrap().is_empty());
}

#[test]
fn under_the_cap_checkpoints_still_pass_readers() {
    let p = Pager::open_with_vfs(Arc::new(MemVfs::new()), "pin2.db", OpenOptions { read_only: false, create: true })
        .unwrap();
    p.set_page_size(1024).unwrap();
    p.set_wal_autocheckpoint(0);
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    btree::table_insert(&mut t, root, 1, &row(1, 0)).unwrap();
    t.commit().unwrap();
    let reader = p.begin_read().unwrap();
    let mut w = p.begin_read().unwrap();
    w.begin_write(0).unwrap();
    btree::table_insert(&mut w, root, 1, &row(1, 1)).unwrap();
    w.commit().unwrap();
    // Default cap (the cache's capacity): two pages pinned, WAL reset.
    let info = p.checkpoint_mode(CheckpointMode::Passive, 0).unwrap();
    assert!(!info.busy && info.checkpointed_frames == info.log_frames, "{info:?}");
    assert!(p.pinned_bytes() > 0);
    assert_eq!(p.wal_status().frames, 0);
    assert_eq!(table_checksum(&reader, root).0, 1);
    // Cap 0: a checkpoint with a reader behind copies only up to it and a
    // FULL one reports busy, as SQLite's does.
    p.set_wal_pin_limit(0);
    let r2 = p.begin_read().unwrap();
    let mut w = p.begin_read().unwrap();
    w.begin_write(0).unwrap();
    btree::table_insert(&mut w, root, 2, &row(2, 2)).unwrap();
    w.commit().unwrap();
    let info = p.checkpoint_mode(CheckpointMode::Full, 0).unwrap();
    assert!(info.busy && info.checkpointed_frames < info.log_frames, "{info:?}");
    assert_eq!(table_checksum(&r2, root).0, 1);
    drop((reader, r2));
    let info = p.checkpoint_mode(CheckpointMode::Full, 0).unwrap();
    assert!(!info.busy && info.checkpointed_frames == info.log_frames, "{info:?}");
}

#[test]
fn pragma_wal_pin_limit() {
    let dir = std::env::temp_dir().join(format!("sqlvibe-pinlimit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.db").to_str().unwrap().to_string();
    let c = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    let get = |sql: &str| {
        let (s, _) = c.prepare(sql).unwrap();
        let mut s = s.unwrap();
        assert_eq!(s.step().unwrap(), StepResult::Row);
        s.column_value(0).clone()
    };
    assert_eq!(
        get("PRAGMA wal_pin_limit"),
        Value::Integer(2000 * 1024),
        "default: the cache's capacity (cache_size -2000)"
    );
    assert_eq!(get("PRAGMA wal_pin_limit = 65536"), Value::Integer(65536));
    assert_eq!(get("PRAGMA wal_pin_limit"), Value::Integer(65536));
    assert_eq!(get("PRAGMA wal_pin_limit = -5"), Value::Integer(2000 * 1024), "negative: back to the default");
    drop(c);
    let _ = std::fs::remove_dir_all(dir);
}
