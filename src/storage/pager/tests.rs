//! Unit tests of transactions, snapshots, savepoints and the WAL.

use super::*;
use crate::storage::btree::{self, BTreeKind};
use crate::storage::vfs::MemVfs;

fn opts() -> OpenOptions {
    OpenOptions { read_only: false, create: true }
}

fn setup(vfs: &Arc<dyn Vfs>, path: &str) -> (Arc<Pager>, PageNo) {
    let p = Pager::open_with_vfs(vfs.clone(), path, opts()).unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    t.commit().unwrap();
    (p, root)
}

fn get(t: &Txn, root: PageNo, k: i64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    btree::table_get(t, root, k, &mut out).unwrap().then_some(out)
}

#[test]
fn snapshot_isolation_and_reopen() {
    let vfs: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let (p, root) = setup(&vfs, "a.db");
    let reader = p.begin_read().unwrap();
    let mut w = p.begin_read().unwrap();
    w.begin_write(0).unwrap();
    btree::table_insert(&mut w, root, 1, b"\x02\x01\x07").unwrap();
    assert!(get(&reader, root, 1).is_none());
    // A second writer is refused while the first is active.
    let mut w2 = p.begin_read().unwrap();
    assert_eq!(w2.begin_write(10).unwrap_err().kind, ErrorKind::Busy);
    w.commit().unwrap();
    assert!(get(&reader, root, 1).is_none(), "reader keeps its snapshot");
    // w2's snapshot is stale but unread: it is refreshed.
    w2.begin_write(0).unwrap();
    assert!(get(&w2, root, 1).is_some());
    w2.rollback();
    // A stale snapshot that was read from cannot write.
    let mut r2 = reader;
    assert_eq!(r2.begin_write(0).unwrap_err().kind, ErrorKind::BusySnapshot);
    drop(r2);
    drop(p);
    assert!(!vfs.exists("a.db-wal").unwrap(), "clean close removes the WAL");
    let p = Pager::open_with_vfs(vfs.clone(), "a.db", opts()).unwrap();
    let t = p.begin_read().unwrap();
    assert_eq!(t.header().schema_root, root);
    assert_eq!(get(&t, root, 1).unwrap(), b"\x02\x01\x07");
}

#[test]
fn savepoints_restore_exactly() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    for i in 0..100 {
        btree::table_insert(&mut t, root, i, &[2, 1, i as u8]).unwrap();
    }
    let pc = t.page_count();
    let sp = t.savepoint().unwrap();
    for i in 100..2000 {
        btree::table_insert(&mut t, root, i, &[2, 1, i as u8]).unwrap();
    }
    let sp2 = t.savepoint().unwrap();
    btree::table_delete(&mut t, root, 5).unwrap();
    t.header_mut().unwrap().user_version = 9;
    t.rollback_to(sp2).unwrap();
    assert!(get(&t, root, 5).is_some());
    assert_eq!(t.header().user_version, 0);
    t.rollback_to(sp).unwrap();
    assert_eq!(t.page_count(), pc);
    assert_eq!(btree::count_entries(&t, root).unwrap(), 100);
    assert!(btree::integrity_check(&t, &[root], 10).unwrap().is_empty());
    btree::table_insert(&mut t, root, 500, &[2, 1, 1]).unwrap();
    t.release(sp);
    t.commit().unwrap();
    let t = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 101);
}

#[test]
fn wal_recovery_and_checkpoint() {
    let mem = MemVfs::new();
    let vfs: Arc<dyn Vfs> = Arc::new(mem.clone());
    let (p, root) = setup(&vfs, "w.db");
    p.set_wal_autocheckpoint(0);
    for i in 0..20 {
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        btree::table_insert(&mut t, root, i, &[2, 1, i as u8]).unwrap();
        t.commit().unwrap();
    }
    // Crash copy: database file + WAL as they are now.
    let db = mem.file_bytes("w.db").unwrap_or_default();
    let wal = mem.file_bytes("w.db-wal").unwrap();
    let copy = MemVfs::new();
    copy.set_file_bytes("w.db", db);
    copy.set_file_bytes("w.db-wal", wal.clone());
    let p2 = Pager::open_with_vfs(Arc::new(copy.clone()), "w.db", opts()).unwrap();
    let t = p2.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 20);
    drop(t);
    drop(p2);
    // A torn last frame drops only the last transaction.
    let copy = MemVfs::new();
    copy.set_file_bytes("w.db", mem.file_bytes("w.db").unwrap_or_default());
    copy.set_file_bytes("w.db-wal", wal[..wal.len() - 100].to_vec());
    let p3 = Pager::open_with_vfs(Arc::new(copy), "w.db", opts()).unwrap();
    let t = p3.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 19);
    drop(t);
    // Checkpoint with a reader pinned on an old snapshot is partial.
    let old = p.begin_read().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    btree::table_insert(&mut t, root, 100, &[2, 1, 1]).unwrap();
    t.commit().unwrap();
    // A reader on an old snapshot does not hold the checkpoint back: its
    // pages are pinned, the WAL is copied whole and reset.
    let info = p.checkpoint().unwrap();
    assert!(!info.busy && info.checkpointed_frames == info.log_frames, "{info:?}");
    assert_eq!(p.wal_frame_count(), 0);
    assert_eq!(btree::count_entries(&old, root).unwrap(), 20);
    drop(old);
    let info = p.checkpoint().unwrap();
    assert!(!info.busy);
    assert_eq!(p.wal_frame_count(), 0);
    let t = p.begin_read().unwrap();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 21);
}

#[test]
fn not_a_database() {
    let mem = MemVfs::new();
    mem.set_file_bytes(
        "x.db",
        b"this is not a database file at all, just some text that is long enough to hold a header....".to_vec(),
    );
    let e = Pager::open_with_vfs(Arc::new(mem.clone()), "x.db", opts()).err().unwrap();
    assert_eq!(e.kind, ErrorKind::NotADb);
    mem.set_file_bytes("y.db", b"short".to_vec());
    let e = Pager::open_with_vfs(Arc::new(mem), "y.db", opts()).err().unwrap();
    assert_eq!(e.kind, ErrorKind::NotADb);
}

#[test]
fn registry_shares_and_page_size() {
    let vfs: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let a = Pager::open_with_vfs(vfs.clone(), "r.db", opts()).unwrap();
    assert!(a.set_page_size(1024).unwrap());
    let b = Pager::open_with_vfs(vfs.clone(), "r.db", opts()).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    let m1 = Pager::open_memory().unwrap();
    let m2 = Pager::open_memory().unwrap();
    assert!(!Arc::ptr_eq(&m1, &m2));
    let mut t = a.begin_read().unwrap();
    t.begin_write(0).unwrap();
    btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.commit().unwrap();
    assert_eq!(a.page_size(), 1024);
    assert!(!a.set_page_size(4096).unwrap());
}

#[test]
fn page_size_inside_first_transaction() {
    let p = Pager::open_memory().unwrap();
    let reader = p.begin_read().unwrap();
    assert!(p.set_page_size(2048).unwrap(), "an idle reader of an empty db does not block it");
    drop(reader);
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    assert_eq!(t.page_size(), 2048);
    assert!(t.set_page_size(8192));
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    assert!(!t.set_page_size(1024), "not after the first write");
    btree::table_insert(&mut t, root, 1, &[2, 1, 5]).unwrap();
    t.commit().unwrap();
    assert_eq!(p.page_size(), 8192);
    let t = p.begin_read().unwrap();
    assert_eq!(t.page_size(), 8192);
    assert_eq!(get(&t, root, 1).unwrap(), vec![2, 1, 5]);
    assert!(btree::integrity_check(&t, &[root], 5).unwrap().is_empty());
}

#[test]
fn stale_snapshot_upgrades_when_its_reads_are_unchanged() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let a = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    let b = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.commit().unwrap();
    let mut r = p.begin_read().unwrap();
    assert!(get(&r, a, 1).is_none());
    // Another connection changes only table b.
    let mut w = p.begin_read().unwrap();
    w.begin_write(0).unwrap();
    btree::table_insert(&mut w, b, 7, &[2, 1, 7]).unwrap();
    w.commit().unwrap();
    r.begin_write(0).unwrap();
    assert!(get(&r, b, 7).is_some(), "moved to the latest snapshot");
    btree::table_insert(&mut r, a, 1, &[2, 1, 1]).unwrap();
    r.commit().unwrap();
    // A schema change since the snapshot always refuses the upgrade.
    let mut r = p.begin_read().unwrap();
    assert!(get(&r, a, 1).is_some());
    let mut w = p.begin_read().unwrap();
    w.begin_write(0).unwrap();
    w.header_mut().unwrap().schema_cookie += 1;
    w.commit().unwrap();
    assert_eq!(r.begin_write(0).unwrap_err().kind, ErrorKind::BusySnapshot);
}

/// Across WAL resets (checkpoints run while the reader lives) a stale
/// snapshot still upgrades when nothing it read changed, and is refused
/// when something did.
#[test]
fn stale_snapshot_upgrade_across_wal_resets() {
    let mem: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let p = Pager::open_with_vfs(mem, "u.db", opts()).unwrap();
    p.set_wal_autocheckpoint(0);
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let a = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    let b = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    btree::table_insert(&mut t, b, 1, &[2, 1, 1]).unwrap();
    t.commit().unwrap();
    for changes_read_table in [false, true] {
        let mut r = p.begin_read().unwrap();
        assert!(get(&r, b, 1).is_some());
        for i in 0..3 {
            let mut w = p.begin_read().unwrap();
            w.begin_write(0).unwrap();
            let root = if changes_read_table { b } else { a };
            btree::table_insert(&mut w, root, 10 + i, &[2, 1, 9]).unwrap();
            w.commit().unwrap();
            let info = p.checkpoint().unwrap();
            assert_eq!(info.checkpointed_frames, info.log_frames);
            assert_eq!(p.wal_frame_count(), 0);
        }
        if changes_read_table {
            assert_eq!(r.begin_write(0).unwrap_err().kind, ErrorKind::BusySnapshot);
        } else {
            r.begin_write(0).unwrap();
            assert!(get(&r, a, 12).is_some(), "moved to the latest snapshot");
            r.commit().unwrap();
        }
    }
}

#[test]
fn freelist_trunks_reuse_and_savepoints() {
    let p = Pager::open_memory().unwrap();
    assert!(p.set_page_size(512).unwrap());
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let pages: Vec<PageNo> = (0..400).map(|_| t.allocate_page().unwrap()).collect();
    let pc = t.page_count();
    for &pg in &pages {
        t.free_page(pg).unwrap();
    }
    assert_eq!(t.freelist().1, 400);
    assert!(btree::integrity_check(&t, &[], 10).unwrap().is_empty());
    let sp = t.savepoint().unwrap();
    let got: Vec<PageNo> = (0..250).map(|_| t.allocate_page().unwrap()).collect();
    assert_eq!(t.page_count(), pc, "no growth while free pages exist");
    assert!(got.iter().all(|g| pages.contains(g)));
    assert!(t.page(got[0]).unwrap().iter().all(|&b| b == 0), "allocated pages are zeroed");
    t.rollback_to(sp).unwrap();
    assert_eq!(t.freelist().1, 400);
    assert!(btree::integrity_check(&t, &[], 10).unwrap().is_empty());
    t.release(sp);
    t.commit().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..400 {
        assert!(seen.insert(t.allocate_page().unwrap()));
    }
    assert_eq!((t.page_count(), t.freelist().1), (pc, 0));
    assert_eq!(t.allocate_page().unwrap(), pc + 1);
}
