//! Checkpoint modes (SQLite's `PRAGMA wal_checkpoint` row), the automatic
//! checkpoint, `wal_truncate` / `wal_truncate_threshold`,
//! `journal_size_limit` and `wal_status`, asserting WAL file sizes on disk.

use sqlvibe::storage::btree::{self, BTreeKind};
use sqlvibe::storage::record::encode_record;
use sqlvibe::storage::vfs::FaultKind;
use sqlvibe::storage::{CheckpointInfo, CheckpointMode, FaultVfs, MemVfs, OpenOptions, Pager, Value};
use std::sync::Arc;

const DB: &str = "c.db";
const WAL: &str = "c.db-wal";
const PS: u64 = 4096;
const FRAME: u64 = 24 + PS;

fn row(k: i64) -> Vec<u8> {
    let mut b = Vec::new();
    encode_record(&[Value::Integer(k), Value::Text(format!("row {k}"))], &mut b);
    b
}

fn open(mem: &MemVfs) -> (Arc<Pager>, u32) {
    let p = Pager::open_with_vfs(Arc::new(mem.clone()), DB, OpenOptions { read_only: false, create: true }).unwrap();
    p.set_wal_autocheckpoint(0);
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    t.commit().unwrap();
    (p, root)
}

fn commit_row(p: &Arc<Pager>, root: u32, k: i64) {
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    btree::table_insert(&mut t, root, k, &row(k)).unwrap();
    t.commit().unwrap();
}

fn wal_len(mem: &MemVfs) -> u64 {
    mem.file_bytes(WAL).map_or(0, |b| b.len() as u64)
}

fn info(busy: bool, log: i64, ckpt: i64) -> CheckpointInfo {
    CheckpointInfo { busy, log_frames: log, checkpointed_frames: ckpt }
}

#[test]
fn checkpoint_modes_report_like_sqlite() {
    let mem = MemVfs::new();
    let (p, root) = open(&mem);
    for k in 0..3 {
        commit_row(&p, root, k);
    }
    // A reader on an older snapshot, then more commits.
    let reader = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&reader, root).unwrap(), 3);
    commit_row(&p, root, 3);
    let log = i64::from(p.wal_frame_count());
    let st = p.wal_status();
    assert_eq!((st.frames, st.checkpointed_frames, st.readers), (log as u32, 0, 1));
    assert_eq!(st.bytes, wal_len(&mem));
    assert_eq!(st.bytes, 32 + log as u64 * FRAME);
    // The reader does not hold the checkpoint back (its old pages are
    // pinned in memory): every frame is copied, the WAL is reset but
    // (wal_truncate off) the file keeps its size, and its frames are
    // reported until the next write, as SQLite does.
    let before = wal_len(&mem);
    assert_eq!(p.checkpoint_mode(CheckpointMode::Full, 20).unwrap(), info(false, log, log));
    assert_eq!(p.checkpoint_mode(CheckpointMode::Passive, 0).unwrap(), info(false, log, log));
    assert_eq!(wal_len(&mem), before);
    assert_eq!(p.wal_status().frames, 0);
    assert_eq!(btree::count_entries(&reader, root).unwrap(), 3);
    assert!(p.cache_used_bytes() > 0);
    drop(reader);
    // RESTART after a new commit, then TRUNCATE: zero bytes, 0|0|0.
    commit_row(&p, root, 4);
    let log = i64::from(p.wal_frame_count());
    assert_eq!(p.checkpoint_mode(CheckpointMode::Restart, 0).unwrap(), info(false, log, log));
    assert_eq!(p.checkpoint_mode(CheckpointMode::Truncate, 0).unwrap(), info(false, 0, 0));
    assert_eq!(wal_len(&mem), 0);
    // A writer holding the lock makes FULL busy (it falls back to PASSIVE).
    let mut w = p.begin_read().unwrap();
    w.begin_write(0).unwrap();
    assert!(p.checkpoint_mode(CheckpointMode::Full, 5).unwrap().busy);
    w.rollback();
    // Data intact after every mode.
    let t = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 5);
    assert!(btree::integrity_check(&t, &[root], 10).unwrap().is_empty());
    drop(t);
    // A database without a WAL file: -1, -1.
    let m = Pager::open_memory().unwrap();
    assert_eq!(m.checkpoint_mode(CheckpointMode::Full, 0).unwrap(), info(false, -1, -1));
    println!("modes ok: log {log}, WAL bytes before truncate {before}");
}

#[test]
fn autocheckpoint_threshold_and_disable() {
    let mem = MemVfs::new();
    let (p, root) = open(&mem);
    assert_eq!(p.wal_autocheckpoint(), 0);
    for k in 0..20 {
        commit_row(&p, root, k);
    }
    let grown = p.wal_frame_count();
    assert!(grown >= 40, "disabled: the WAL only grows ({grown} frames)");
    p.checkpoint().unwrap();
    p.set_wal_autocheckpoint(6);
    assert_eq!(p.wal_autocheckpoint(), 6);
    let mut max_frames = 0;
    for k in 20..60 {
        commit_row(&p, root, k);
        max_frames = max_frames.max(p.wal_frame_count());
    }
    // Each commit adds 2 frames; the checkpoint runs once >= 6.
    assert!(max_frames < 6, "{max_frames}");
    // The file was reused, never longer than the pre-autocheckpoint size.
    assert!(wal_len(&mem) <= 32 + u64::from(grown) * FRAME);
    println!("autocheckpoint: disabled grew to {grown} frames; with 6, max {max_frames} after a commit");
}

#[test]
fn wal_truncate_and_threshold() {
    let mem = MemVfs::new();
    let (p, root) = open(&mem);
    assert!(!p.wal_truncate());
    assert_eq!(p.wal_truncate_threshold(), 0);
    for k in 0..5 {
        commit_row(&p, root, k);
    }
    let size = wal_len(&mem);
    // Off: the file keeps its size after a full checkpoint.
    p.checkpoint().unwrap();
    assert_eq!(wal_len(&mem), size);
    // On, threshold above the size: kept.
    p.set_wal_truncate(true);
    p.set_wal_truncate_threshold(size + 1);
    assert_eq!(p.wal_truncate_threshold(), size + 1);
    commit_row(&p, root, 5);
    p.checkpoint().unwrap();
    assert_eq!(wal_len(&mem), size);
    // On, threshold below the size: zero bytes.
    p.set_wal_truncate_threshold(size - 1);
    commit_row(&p, root, 6);
    p.checkpoint().unwrap();
    assert_eq!(wal_len(&mem), 0);
    // A reader on an older snapshot does not prevent the truncation.
    p.set_wal_truncate_threshold(0);
    commit_row(&p, root, 7);
    let r = p.begin_read().unwrap();
    commit_row(&p, root, 8);
    p.checkpoint().unwrap();
    assert_eq!(wal_len(&mem), 0);
    assert_eq!(btree::count_entries(&r, root).unwrap(), 8);
    drop(r);
    let t = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 9);
    println!("wal_truncate: kept at {size} bytes when off or under the threshold, 0 bytes otherwise");
}

/// The database file is synced before the WAL is truncated: when that
/// sync fails the WAL keeps every frame and nothing is lost.
#[test]
fn wal_truncate_waits_for_the_database_sync() {
    let mem = MemVfs::new();
    let fv = FaultVfs::new(Arc::new(mem.clone()));
    let p = Pager::open_with_vfs(Arc::new(fv.clone()), DB, OpenOptions { read_only: false, create: true }).unwrap();
    p.set_wal_autocheckpoint(0);
    p.set_wal_truncate(true);
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    t.commit().unwrap();
    for k in 0..4 {
        commit_row(&p, root, k);
    }
    let size = wal_len(&mem);
    let wal_syncs = fv.syncs_of(WAL);
    // Checkpoint: the WAL was synced by the commits (FULL), so the next
    // sync is the database file's, and it fails.
    fv.fail_sync(fv.sync_count() + 1, FaultKind::Eio, false);
    assert!(p.checkpoint().is_err());
    assert_eq!(fv.syncs_of(WAL), wal_syncs);
    assert_eq!(wal_len(&mem), size, "WAL untouched when the database sync failed");
    fv.clear_faults();
    // The next write clears the error; a checkpoint then truncates.
    commit_row(&p, root, 4);
    p.checkpoint().unwrap();
    assert_eq!(wal_len(&mem), 0);
    let t = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 5);
}

#[test]
fn journal_size_limit_bounds_the_wal() {
    let mem = MemVfs::new();
    let (p, root) = open(&mem);
    assert_eq!(p.journal_size_limit(), -1);
    assert_eq!(p.set_journal_size_limit(-7), -1);
    // Grow a big WAL first (no limit, no autocheckpoint).
    for k in 0..30 {
        commit_row(&p, root, k);
    }
    assert!(wal_len(&mem) > 60 * FRAME);
    let limit = 5 * FRAME;
    assert_eq!(p.set_journal_size_limit(limit as i64), limit as i64);
    // The next commit leaves the WAL above the limit with no reader: it is
    // checkpointed at once and the file cut to the limit.
    commit_row(&p, root, 30);
    assert!(wal_len(&mem) <= limit, "{}", wal_len(&mem));
    let mut max = 0;
    for k in 31..80 {
        commit_row(&p, root, k);
        max = max.max(wal_len(&mem));
    }
    // Never above the limit plus one transaction's frames (2 here).
    assert!(max <= limit + 2 * FRAME, "max {max}");
    // A reader on an old snapshot does not let the WAL grow past the
    // limit (its pages are pinned) and keeps its snapshot.
    let r = p.begin_read().unwrap();
    for k in 80..91 {
        commit_row(&p, root, k);
        assert!(wal_len(&mem) <= limit + 2 * FRAME);
    }
    assert_eq!(btree::count_entries(&r, root).unwrap(), 80);
    drop(r);
    // Limit 0: as small as possible.
    p.set_journal_size_limit(0);
    commit_row(&p, root, 91);
    assert_eq!(wal_len(&mem), 0);
    let t = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 92);
    assert!(btree::integrity_check(&t, &[root], 10).unwrap().is_empty());
    println!("journal_size_limit {limit}: max WAL {max} bytes over 49 commits");
}

/// After a reset that keeps the WAL file (new header, stale frames behind
/// it), a crash and reopen applies only the new generation's frames.
#[test]
fn kept_wal_with_stale_frames_recovers_only_new_frames() {
    let mem = MemVfs::new();
    let (p, root) = open(&mem);
    for k in 0..10 {
        commit_row(&p, root, k);
    }
    p.checkpoint().unwrap();
    let big = wal_len(&mem);
    for k in 10..12 {
        commit_row(&p, root, k);
    }
    assert_eq!(wal_len(&mem), big, "frames reuse the kept file");
    for with_new in [true, false] {
        // Crash image: the files as they are now, without closing.
        let copy = MemVfs::new();
        copy.set_file_bytes(DB, mem.file_bytes(DB).unwrap());
        let mut wal = mem.file_bytes(WAL).unwrap();
        if !with_new {
            // Only the header of the new generation: no frame valid.
            wal.truncate(32);
            wal.extend(std::iter::repeat_n(0xAB, (10 * FRAME) as usize));
        }
        copy.set_file_bytes(WAL, wal);
        let q = Pager::open_with_vfs(Arc::new(copy), DB, OpenOptions { read_only: false, create: false }).unwrap();
        let t = q.begin_read().unwrap();
        let n = btree::count_entries(&t, root).unwrap();
        assert_eq!(n, if with_new { 12 } else { 10 });
        assert!(btree::integrity_check(&t, &[root], 10).unwrap().is_empty());
    }
}
