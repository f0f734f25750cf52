//! fsync accounting per `synchronous` level (DESIGN.md's table), counted by
//! FaultVfs per file: OFF never syncs; NORMAL syncs only inside checkpoints
//! (the WAL before copying, the database file after, and the WAL again after
//! its reset truncation); FULL adds one WAL sync per commit; EXTRA adds a
//! directory sync when the WAL file is created and when it is deleted.

use sqlvibe::storage::btree::{self, BTreeKind};
use sqlvibe::storage::record::encode_record;
use sqlvibe::storage::{FaultVfs, MemVfs, OpenOptions, Pager, Synchronous, Value};
use std::sync::Arc;

const DB: &str = "s.db";
const WAL: &str = "s.db-wal";

fn row(k: i64) -> Vec<u8> {
    let mut b = Vec::new();
    encode_record(&[Value::Integer(k), Value::Text(format!("row {k}"))], &mut b);
    b
}

fn commit_row(p: &Arc<Pager>, root: u32, k: i64) {
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    btree::table_insert(&mut t, root, k, &row(k)).unwrap();
    t.commit().unwrap();
}

/// (WAL syncs, database syncs, directory syncs) so far.
fn counts(fv: &FaultVfs) -> (u64, u64, u64) {
    (fv.syncs_of(WAL), fv.syncs_of(DB), fv.dir_syncs_of(WAL))
}

fn delta(a: (u64, u64, u64), b: (u64, u64, u64)) -> (u64, u64, u64) {
    (b.0 - a.0, b.1 - a.1, b.2 - a.2)
}

#[test]
fn fsyncs_per_commit_and_checkpoint_follow_the_level() {
    for level in 0u8..=3 {
        let fv = FaultVfs::new(Arc::new(MemVfs::new()));
        let p = Pager::open_with_vfs(Arc::new(fv.clone()), DB, OpenOptions { read_only: false, create: true }).unwrap();
        assert_eq!(p.synchronous(), Synchronous::Full, "default is FULL");
        p.set_synchronous(Synchronous::from_bits(level.into()));
        assert_eq!(p.synchronous().level(), level);
        p.set_wal_autocheckpoint(0);

        // First commit creates the WAL file.
        let c0 = counts(&fv);
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
        t.header_mut().unwrap().schema_root = root;
        t.commit().unwrap();
        let first = delta(c0, counts(&fv));
        let full = u64::from(level >= 2);
        let extra = u64::from(level >= 3);
        assert_eq!(first, (full, 0, extra), "level {level}: commit creating the WAL");

        // Ordinary commits: FULL/EXTRA sync the WAL once, nothing else.
        for k in 0..10 {
            let c = counts(&fv);
            commit_row(&p, root, k);
            assert_eq!(delta(c, counts(&fv)), (full, 0, 0), "level {level}: commit {k}");
        }

        // A checkpoint copying frames: at NORMAL and above the WAL is synced
        // before (unless the commits already synced it: FULL, EXTRA), the
        // database after; the WAL's reset is not synced (a revived old
        // generation is recognised as stale at recovery).
        let c = counts(&fv);
        let info = p.checkpoint().unwrap();
        assert!(!info.busy && info.checkpointed_frames == info.log_frames && info.log_frames > 0);
        let normal = u64::from(level >= 1);
        let only_normal = u64::from(level == 1);
        assert_eq!(delta(c, counts(&fv)), (only_normal, normal, 0), "level {level}: checkpoint");

        // The WAL file is reused after the reset: no directory sync.
        let c = counts(&fv);
        commit_row(&p, root, 100);
        assert_eq!(delta(c, counts(&fv)), (full, 0, 0), "level {level}: commit after reset");

        // Close: checkpoint, then the WAL is deleted (directory sync at EXTRA).
        let c = counts(&fv);
        drop(p);
        assert_eq!(delta(c, counts(&fv)), (only_normal, normal, extra), "level {level}: close");
        println!(
            "level {level}: first commit {first:?}, per commit ({full}, 0, 0), checkpoint ({}, {normal}, 0)",
            only_normal
        );
    }
}

/// A transaction's own level wins over the pager's default (a connection's
/// `PRAGMA synchronous` rides on its transactions), and a checkpoint syncs
/// at the level it is run with; the default is untouched by either.
#[test]
fn levels_are_per_transaction_and_per_checkpoint() {
    let fv = FaultVfs::new(Arc::new(MemVfs::new()));
    let p = Pager::open_with_vfs(Arc::new(fv.clone()), DB, OpenOptions { read_only: false, create: true }).unwrap();
    p.set_wal_autocheckpoint(0);
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    t.commit().unwrap();
    for (level, wal_syncs) in [(0u8, 0u64), (1, 0), (2, 1), (3, 1)] {
        let c = counts(&fv);
        let mut t = p.begin_read().unwrap();
        t.set_synchronous(Synchronous::from_bits(level.into()));
        t.begin_write(0).unwrap();
        btree::table_insert(&mut t, root, i64::from(level) + 1, &row(i64::from(level))).unwrap();
        t.commit().unwrap();
        assert_eq!(delta(c, counts(&fv)), (wal_syncs, 0, 0), "commit at level {level}");
        assert_eq!(p.synchronous(), Synchronous::Full, "the default stays FULL");
    }
    // The pager's default (FULL) applies to a transaction without a level.
    let c = counts(&fv);
    commit_row(&p, root, 100);
    assert_eq!(delta(c, counts(&fv)), (1, 0, 0));
    // A checkpoint at OFF syncs nothing; at NORMAL the WAL before the copy
    // and the database file after it.
    let c = counts(&fv);
    p.checkpoint_at(sqlvibe::storage::CheckpointMode::Passive, 0, Some(Synchronous::Off)).unwrap();
    assert_eq!(delta(c, counts(&fv)), (0, 0, 0));
    let mut t = p.begin_read().unwrap();
    t.set_synchronous(Synchronous::Normal);
    t.begin_write(0).unwrap();
    btree::table_insert(&mut t, root, 101, &row(101)).unwrap();
    t.commit().unwrap();
    let c = counts(&fv);
    p.checkpoint_at(sqlvibe::storage::CheckpointMode::Passive, 0, Some(Synchronous::Normal)).unwrap();
    assert_eq!(delta(c, counts(&fv)), (1, 1, 0), "NORMAL checkpoint");
}
