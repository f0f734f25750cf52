//! Fault injection through FaultVfs: power loss at every write/sync point of
//! a scripted sequence of transactions, and ENOSPC/EIO failures.

use sqlvibe::storage::btree::{self, BTreeKind};
use sqlvibe::storage::record::encode_record;
use sqlvibe::storage::vfs::{FaultKind, Tear};
use sqlvibe::storage::{FaultVfs, MemVfs, OpenOptions, Pager, Value, Vfs};
use sqlvibe::{ErrorKind, Result};
use std::collections::BTreeMap;
use std::sync::Arc;

mod common;
use common::Rng;

const PATH: &str = "f.db";

fn opts() -> OpenOptions {
    OpenOptions { read_only: false, create: true }
}

fn row(k: i64, big: bool) -> Vec<u8> {
    let mut b = Vec::new();
    let n = if big { 6000 } else { 20 };
    encode_record(&[Value::Integer(k), Value::Text(format!("{k}-{}", "v".repeat(n)))], &mut b);
    b
}

type State = BTreeMap<i64, Vec<u8>>;

/// One transaction of the script: inserts and deletes.
fn txn_ops(i: i64) -> (Vec<(i64, bool)>, Vec<i64>) {
    let ins = (0..15).map(|j| (i * 100 + j, j == 3 && i % 2 == 0)).collect();
    let del = if i >= 2 { (0..5).map(|j| (i - 2) * 100 + j * 2).collect() } else { Vec::new() };
    (ins, del)
}

/// Runs the script; `acked` gets the state after every acknowledged commit.
/// Stops at the first error.
fn script(vfs: Arc<dyn Vfs>, acked: &mut Vec<State>, sync: u8) -> Result<()> {
    let p = Pager::open_with_vfs(vfs, PATH, opts())?;
    p.set_synchronous(sqlvibe::storage::Synchronous::from_bits(sync.into()));
    p.set_page_size(1024)?;
    p.set_wal_autocheckpoint(12);
    let mut t = p.begin_read()?;
    t.begin_write(0)?;
    let root = btree::create_btree(&mut t, BTreeKind::Table)?;
    t.header_mut()?.schema_root = root;
    t.commit()?;
    let mut state = State::new();
    acked.push(state.clone());
    for i in 0..8 {
        let (ins, del) = txn_ops(i);
        let mut t = p.begin_read()?;
        t.begin_write(0)?;
        let mut next = state.clone();
        for (k, big) in ins {
            btree::table_insert(&mut t, root, k, &row(k, big))?;
            next.insert(k, row(k, big));
        }
        for k in del {
            btree::table_delete(&mut t, root, k)?;
            next.remove(&k);
        }
        t.commit()?;
        state = next;
        acked.push(state.clone());
        if i == 4 {
            p.checkpoint()?;
        }
    }
    drop(p);
    Ok(())
}

fn read_state(vfs: Arc<dyn Vfs>) -> (State, Vec<String>) {
    let p = Pager::open_with_vfs(vfs, PATH, opts()).expect("reopen after fault");
    let t = p.begin_read().unwrap();
    let root = t.header().schema_root;
    let mut st = State::new();
    if root == 0 {
        return (st, btree::integrity_check(&t, &[], 10).unwrap());
    }
    let errs = btree::integrity_check(&t, &[root], 10).unwrap();
    let mut c = btree::Cursor::new(root, BTreeKind::Table);
    let mut ok = c.first(&t).unwrap();
    let mut rec = Vec::new();
    while ok {
        c.record(&t, &mut rec).unwrap();
        st.insert(c.rowid(&t).unwrap(), rec.clone());
        ok = c.next(&t).unwrap();
    }
    (st, errs)
}

/// Crashes (then loses power) at every write/sync of the script. At FULL
/// every acknowledged commit survives; at NORMAL the state is some whole
/// prefix of the commits. Never corruption, never a half transaction.
fn power_loss_at_every_io_point(sync: u8) {
    // Count the I/O operations of a clean run.
    let mem = MemVfs::new();
    let fv = FaultVfs::new(Arc::new(mem.clone()));
    let mut full = Vec::new();
    script(Arc::new(fv.clone()), &mut full, sync).unwrap();
    let total = fv.write_count() + fv.sync_count();
    assert!(total > 20, "script does real I/O ({total} ops)");
    let (st, errs) = read_state(Arc::new(mem));
    assert!(errs.is_empty());
    assert_eq!(&st, full.last().unwrap());

    for k in 0..=total {
        let mem = MemVfs::new();
        let fv = FaultVfs::new(Arc::new(mem.clone()));
        fv.crash_after(k);
        let mut acked = Vec::new();
        let r = script(Arc::new(fv.clone()), &mut acked, sync);
        assert!(fv.crashed() || k == total, "crash point {k} of {total} reached");
        let _ = r;
        let tear = [Tear::None, Tear::Head, Tear::Tail][(k % 3) as usize];
        fv.power_loss_with(tear).unwrap();
        fv.clear_faults();
        let (st, errs) = read_state(Arc::new(mem));
        assert!(errs.is_empty(), "crash at {k}: {errs:?}");
        let n = acked.len();
        let in_flight = full.get(n);
        if sync >= 2 {
            // Every acknowledged commit survives; the one in flight may.
            let last_acked = acked.last().cloned().unwrap_or_default();
            assert!(
                st == last_acked || Some(&st) == in_flight,
                "crash at op {k}: state of {} rows matches neither commit {n} nor {}",
                st.len(),
                n + 1
            );
        } else {
            assert!(
                st.is_empty() || full[..=n.min(full.len() - 1)].contains(&st),
                "crash at op {k}: state of {} rows is no whole prefix",
                st.len()
            );
        }
    }
}

#[test]
fn power_loss_full() {
    power_loss_at_every_io_point(2);
}

#[test]
fn power_loss_normal() {
    power_loss_at_every_io_point(1);
}

fn setup(vfs: Arc<dyn Vfs>) -> (Arc<Pager>, u32) {
    let p = Pager::open_with_vfs(vfs, PATH, opts()).unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    t.commit().unwrap();
    (p, root)
}

fn insert_commit(p: &Arc<Pager>, root: u32, keys: std::ops::Range<i64>) -> Result<()> {
    let mut t = p.begin_read()?;
    t.begin_write(0)?;
    for k in keys {
        btree::table_insert(&mut t, root, k, &row(k, k % 7 == 0))?;
    }
    t.commit()
}

#[test]
fn enospc_and_eio_then_recovery() {
    let mem = MemVfs::new();
    let fv = FaultVfs::new(Arc::new(mem.clone()));
    let (p, root) = setup(Arc::new(fv.clone()));
    insert_commit(&p, root, 0..50).unwrap();

    // Disk full on the next write: the commit fails and changes nothing.
    fv.fail_write(fv.write_count() + 1, FaultKind::Enospc, false);
    let e = insert_commit(&p, root, 50..100).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Full);
    let t = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 50);
    drop(t);

    // EIO on the commit's fsync: error, nothing visible, later commits work.
    fv.fail_sync(fv.sync_count() + 1, FaultKind::Eio, false);
    let e = insert_commit(&p, root, 100..150).unwrap_err();
    assert_eq!(e.kind, ErrorKind::IoErrFsync);
    let t = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 50);
    drop(t);

    // A persistent failure: every commit fails, reads still work.
    fv.fail_write(fv.write_count() + 1, FaultKind::Eio, true);
    for _ in 0..3 {
        assert!(insert_commit(&p, root, 200..210).is_err());
    }
    let t = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 50);
    assert!(btree::integrity_check(&t, &[root], 10).unwrap().is_empty());
    drop(t);

    // The fault clears: writes work again.
    fv.clear_faults();
    insert_commit(&p, root, 300..320).unwrap();
    drop(p);
    let (st, errs) = read_state(Arc::new(mem));
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(st.len(), 70);
    assert!(st.contains_key(&49) && st.contains_key(&319) && !st.contains_key(&100));
}

#[test]
fn failed_checkpoint_keeps_data() {
    let mem = MemVfs::new();
    let fv = FaultVfs::new(Arc::new(mem.clone()));
    let (p, root) = setup(Arc::new(fv.clone()));
    p.set_wal_autocheckpoint(0);
    insert_commit(&p, root, 0..40).unwrap();
    // The checkpoint's database writes fail.
    fv.fail_write(fv.write_count() + 1, FaultKind::Eio, true);
    assert!(p.checkpoint().is_err());
    fv.clear_faults();
    let t = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 40);
    drop(t);
    insert_commit(&p, root, 40..60).unwrap();
    p.checkpoint().unwrap();
    drop(p);
    let (st, errs) = read_state(Arc::new(mem));
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(st.len(), 60);
}

/// Runs every read and some writes over a (possibly corrupt) database;
/// errors are fine, panics and hangs are not.
fn exercise(vfs: Arc<dyn Vfs>) -> Result<()> {
    let p = Pager::open_with_vfs(vfs, PATH, opts())?;
    let mut t = p.begin_read()?;
    let root = t.header().schema_root;
    let index = t.header().settings[0];
    let _ = btree::integrity_check(&t, &[root, index], 50)?;
    let _ = btree::count_entries(&t, root);
    for r in [root, index] {
        let kind = if r == root { BTreeKind::Table } else { BTreeKind::Index };
        let mut c = btree::Cursor::new(r, kind);
        let mut rec = Vec::new();
        let mut ok = c.first(&t)?;
        let mut steps = 0;
        while ok && steps < 10_000 {
            c.record(&t, &mut rec)?;
            let _ = sqlvibe::storage::record::decode_record(&rec, &mut Vec::new());
            ok = c.next(&t)?;
            steps += 1;
        }
        let mut ok = c.last(&t)?;
        let mut steps = 0;
        while ok && steps < 10_000 {
            ok = c.prev(&t)?;
            steps += 1;
        }
    }
    let mut c = btree::Cursor::new(root, BTreeKind::Table);
    c.seek_rowid(&t, 77, btree::SeekOp::Le)?;
    t.begin_write(0)?;
    for k in 0..30 {
        btree::table_insert(&mut t, root, 1000 + k, &row(k, k == 5))?;
        btree::table_delete(&mut t, root, k * 3)?;
        let key = {
            let mut b = Vec::new();
            encode_record(&[Value::Integer(k), Value::Integer(k)], &mut b);
            b
        };
        btree::index_delete(&mut t, index, &key, &Default::default())?;
        btree::index_insert(&mut t, index, &key, &Default::default())?;
    }
    btree::clear_btree(&mut t, index)?;
    t.commit()?;
    Ok(())
}

#[test]
fn corrupt_pages_never_panic() {
    let mem = MemVfs::new();
    {
        let p = Pager::open_with_vfs(Arc::new(mem.clone()), PATH, opts()).unwrap();
        p.set_page_size(512).unwrap();
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
        let index = btree::create_btree(&mut t, BTreeKind::Index).unwrap();
        t.header_mut().unwrap().schema_root = root;
        t.header_mut().unwrap().settings[0] = index;
        for k in 0..400 {
            btree::table_insert(&mut t, root, k, &row(k, k % 50 == 0)).unwrap();
            let mut b = Vec::new();
            encode_record(
                &[Value::Text(format!("key{k}").repeat(1 + (k % 40 == 0) as usize * 30)), Value::Integer(k)],
                &mut b,
            );
            btree::index_insert(&mut t, index, &b, &Default::default()).unwrap();
        }
        for k in (0..400).step_by(3) {
            btree::table_delete(&mut t, root, k).unwrap();
        }
        t.commit().unwrap();
    }
    let clean = mem.file_bytes(PATH).unwrap();
    exercise(Arc::new(mem.clone())).unwrap();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let iterations =
        std::env::var("SQLVIBE_SEEDS").ok().and_then(|s| s.parse::<u64>().ok()).map_or(300, |n| 300 + n * 100);
    let mut errors = 0;
    for _ in 0..iterations {
        let mut bytes = clean.clone();
        let hits = 1 + rng.below64(8);
        for _ in 0..hits {
            // Mostly b-tree page headers and cell pointers, sometimes anywhere.
            let page = 1 + rng.below64(bytes.len() as u64 / 512 - 1);
            let off = if rng.below64(3) == 0 { rng.below64(512) } else { rng.below64(40) };
            let at = (page * 512 + off) as usize;
            bytes[at] = match rng.below64(4) {
                0 => 0,
                1 => 0xff,
                _ => rng.below64(256) as u8,
            };
        }
        let m = MemVfs::new();
        m.set_file_bytes(PATH, bytes);
        if exercise(Arc::new(m)).is_err() {
            errors += 1;
        }
    }
    assert!(errors > 0, "corruption is detected at least sometimes");
}

/// After a checkpoint resets the WAL, a power loss that keeps only the tail
/// of the next (unsynced) append must not revive the old WAL's first
/// transactions over the newer database file.
#[test]
fn torn_append_after_wal_reset() {
    for sync in [1u8, 2] {
        let mem = MemVfs::new();
        let fv = FaultVfs::new(Arc::new(mem.clone()));
        let (p, root) = setup(Arc::new(fv.clone()));
        p.set_synchronous(sqlvibe::storage::Synchronous::from_bits(sync.into()));
        p.set_wal_autocheckpoint(0);
        let mut want = State::new();
        for i in 0..20 {
            let mut t = p.begin_read().unwrap();
            t.begin_write(0).unwrap();
            btree::table_insert(&mut t, root, i % 3, &row(i, false)).unwrap();
            want.insert(i % 3, row(i, false));
            t.commit().unwrap();
        }
        let info = p.checkpoint().unwrap();
        assert_eq!((info.busy, p.wal_frame_count()), (false, 0));
        // A transaction whose append (about half the old WAL's size) is
        // written but not synced; only its second half reaches the disk.
        fv.crash_after(1);
        let r = insert_commit(&p, root, 100..160);
        if sync >= 2 {
            assert!(r.is_err());
        }
        drop(p);
        fv.power_loss_with(Tear::Tail).unwrap();
        fv.clear_faults();
        let (st, errs) = read_state(Arc::new(mem));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(st, want, "synchronous={sync}");
    }
}
