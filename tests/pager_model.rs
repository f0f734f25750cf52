//! Pager model tests: snapshot isolation (also across checkpoints and WAL
//! resets, and with threads), WAL recovery of whole transactions only, and
//! corrupted WAL tails (flipped byte, truncated frame, wrong salt) ignored.

use sqlvibe::storage::btree::{self, BTreeKind};
use sqlvibe::storage::record::encode_record;
use sqlvibe::storage::vfs::OpenMode;
use sqlvibe::storage::{OpenOptions, OsVfs, PageNo, Pager, Txn, Value, Vfs};
use std::sync::Arc;

fn opts() -> OpenOptions {
    OpenOptions { read_only: false, create: true }
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("sqlvibe-pager-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rec(k: i64) -> Vec<u8> {
    let mut b = Vec::new();
    let text = std::iter::repeat_n(char::from(b'a' + (k % 26) as u8), 40).collect::<String>();
    encode_record(&[Value::Integer(k), Value::Text(text)], &mut b);
    b
}

/// Transaction `i`: inserts rows i*10..i*10+10 and sets user_version = i+1.
fn commit_txn(p: &Arc<Pager>, root: PageNo, i: i64) {
    let mut t = p.begin_read().unwrap();
    t.begin_write(5000).unwrap();
    for k in i * 10..i * 10 + 10 {
        btree::table_insert(&mut t, root, k, &rec(k)).unwrap();
    }
    t.header_mut().unwrap().user_version = i as u32 + 1;
    t.commit().unwrap();
}

/// Checks that the snapshot holds exactly transactions 0..user_version.
fn check_consistent(t: &Txn, root: PageNo) -> u32 {
    let uv = t.header().user_version;
    assert_eq!(btree::count_entries(t, root).unwrap(), u64::from(uv) * 10, "snapshot count vs user_version");
    let mut out = Vec::new();
    if uv > 0 {
        let k = i64::from(uv) * 10 - 1;
        assert!(btree::table_get(t, root, k, &mut out).unwrap());
        assert_eq!(out, rec(k));
    }
    assert!(!btree::table_get(t, root, i64::from(uv) * 10, &mut out).unwrap());
    uv
}

fn create(p: &Arc<Pager>) -> PageNo {
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    t.commit().unwrap();
    root
}

#[test]
fn readers_keep_their_snapshot_across_checkpoints() {
    let p = Pager::open_memory().unwrap();
    p.set_wal_autocheckpoint(7);
    let root = create(&p);
    let mut readers: Vec<(Txn, u32)> = Vec::new();
    for i in 0..60 {
        commit_txn(&p, root, i);
        if i % 9 == 0 {
            let t = p.begin_read().unwrap();
            let uv = check_consistent(&t, root);
            readers.push((t, uv));
        }
        if i % 13 == 0 && !readers.is_empty() {
            readers.remove(0);
        }
        for (t, uv) in &readers {
            assert_eq!(check_consistent(t, root), *uv);
        }
        if i % 5 == 0 {
            p.checkpoint().unwrap();
        }
    }
    readers.clear();
    let info = p.checkpoint().unwrap();
    assert!(!info.busy);
    assert_eq!(p.wal_frame_count(), 0);
    let t = p.begin_read().unwrap();
    assert_eq!(check_consistent(&t, root), 60);
}

#[test]
fn threads_see_only_committed_states() {
    let dir = tmpdir("threads");
    let path = dir.join("t.db").to_string_lossy().into_owned();
    let p = Pager::open(&path, opts()).unwrap();
    p.set_wal_autocheckpoint(20);
    let root = create(&p);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut hs = Vec::new();
    for _ in 0..2 {
        let path = path.clone();
        let stop = stop.clone();
        hs.push(std::thread::spawn(move || {
            // A second connection joins the same in-process pager.
            let p = Pager::open(&path, opts()).unwrap();
            let mut last = 0;
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || n < 5 {
                let t = p.begin_read().unwrap();
                let uv = check_consistent(&t, root);
                assert!(uv >= last, "snapshots move forward");
                last = uv;
                n += 1;
            }
            n
        }));
    }
    for i in 0..80 {
        commit_txn(&p, root, i);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in hs {
        assert!(h.join().unwrap() >= 5);
    }
    drop(p);
    let p = Pager::open(&path, opts()).unwrap();
    let t = p.begin_read().unwrap();
    assert_eq!(check_consistent(&t, root), 80);
    drop(t);
    drop(p);
    assert!(!std::path::Path::new(&format!("{path}-wal")).exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Opens a copy of (db, wal) bytes and returns the user_version it holds.
fn open_copy(dir: &std::path::Path, name: &str, db: &[u8], wal: &[u8], root: PageNo) -> u32 {
    let path = dir.join(name).to_string_lossy().into_owned();
    std::fs::write(&path, db).unwrap();
    std::fs::write(format!("{path}-wal"), wal).unwrap();
    let p = Pager::open(&path, opts()).unwrap();
    let t = p.begin_read().unwrap();
    let uv = check_consistent(&t, root);
    assert!(btree::integrity_check(&t, &[root], 10).unwrap().is_empty());
    uv
}

#[test]
fn wal_recovery_whole_transactions_only() {
    let dir = tmpdir("recovery");
    let path = dir.join("r.db").to_string_lossy().into_owned();
    let p = Pager::open(&path, opts()).unwrap();
    p.set_page_size(1024).unwrap();
    p.set_wal_autocheckpoint(0);
    let root = create(&p);
    for i in 0..10 {
        commit_txn(&p, root, i);
    }
    p.checkpoint().unwrap();
    for i in 10..25 {
        commit_txn(&p, root, i);
    }
    // Copy mid-way, while the database is open.
    let db = std::fs::read(&path).unwrap();
    let wal = std::fs::read(format!("{path}-wal")).unwrap();
    assert_eq!(open_copy(&dir, "c0.db", &db, &wal, root), 25);

    // Every truncation point yields some whole prefix of the transactions.
    let frame = 24 + 1024;
    let mut last = 0;
    let mut cuts: Vec<usize> = (0..wal.len()).step_by(frame / 3 + 1).collect();
    cuts.push(wal.len());
    for (n, cut) in cuts.into_iter().enumerate() {
        let uv = open_copy(&dir, &format!("c{}.db", n + 1), &db, &wal[..cut], root);
        assert!(uv >= last && (10..=25).contains(&uv), "cut {cut}: {uv}");
        last = uv;
    }
    assert_eq!(last, 25);

    // A flipped byte in the last frame drops the last transaction only.
    let mut bad = wal.clone();
    let n = bad.len();
    bad[n - 10] ^= 0x40;
    assert_eq!(open_copy(&dir, "flip.db", &db, &bad, root), 24);
    // A truncated last frame: likewise.
    assert_eq!(open_copy(&dir, "trunc.db", &db, &wal[..n - 1], root), 24);
    // A wrong salt in a middle frame cuts the log at the transaction before it.
    let mut bad = wal.clone();
    let mid = 32 + 20 * frame;
    bad[mid + 8] ^= 1;
    let uv = open_copy(&dir, "salt.db", &db, &bad, root);
    assert!((10..24).contains(&uv), "{uv}");
    // A broken WAL header: the whole WAL is ignored (database file state).
    let mut bad = wal.clone();
    bad[5] ^= 1;
    assert_eq!(open_copy(&dir, "hdr.db", &db, &bad, root), 10);
    // The recovered database accepts new commits after a torn tail.
    let path2 = dir.join("trunc.db").to_string_lossy().into_owned();
    let p2 = Pager::open(&path2, opts()).unwrap();
    commit_txn(&p2, root, 24);
    drop(p2);
    let p2 = Pager::open(&path2, opts()).unwrap();
    assert_eq!(check_consistent(&p2.begin_read().unwrap(), root), 25);
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn not_a_database_and_busy_between_processes_lock() {
    let dir = tmpdir("notadb");
    let path = dir.join("junk.db");
    std::fs::write(&path, vec![7u8; 5000]).unwrap();
    let e = Pager::open(path.to_str().unwrap(), opts()).err().unwrap();
    assert_eq!(e.kind, sqlvibe::ErrorKind::NotADb);
    assert_eq!(e.message, "file is not a database");
    // An empty file is a new, empty database.
    let empty = dir.join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let p = Pager::open(empty.to_str().unwrap(), opts()).unwrap();
    assert_eq!(p.begin_read().unwrap().page_count(), 0);
    // The OS lock is held while open: another descriptor (as another
    // process would) gets SQLITE_BUSY "database is locked".
    let mode = OpenMode { read_only: false, create: false };
    let other = OsVfs.open(empty.to_str().unwrap(), mode).unwrap();
    let e = other.lock_exclusive().unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (sqlvibe::ErrorKind::Busy, "database is locked"));
    drop(p);
    other.lock_exclusive().unwrap();
    other.unlock().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
