//! Corrupt WAL tails are ignored by recovery, never applied: for every frame
//! of a WAL holding several commits, a flipped byte (page data or frame
//! header), a wrong salt or a truncation inside that frame leaves exactly
//! the commits whose commit frame comes before it; a WAL whose header is
//! damaged applies nothing; garbage after the last frame is ignored. After
//! recovery the tree is intact, and the next commit and reopen work.

use sqlvibe::storage::btree::{self, BTreeKind};
use sqlvibe::storage::record::encode_record;
use sqlvibe::storage::{MemVfs, OpenOptions, Pager, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

const DB: &str = "c.db";
const WAL: &str = "c.db-wal";
const PS: usize = 1024;
const WAL_HDR: usize = 32;
const FRAME_HDR: usize = 24;
const FRAME: usize = FRAME_HDR + PS;

type State = BTreeMap<i64, Vec<u8>>;

fn opts() -> OpenOptions {
    OpenOptions { read_only: false, create: true }
}

fn row(k: i64) -> Vec<u8> {
    let mut b = Vec::new();
    let n = if k % 5 == 0 { 1500 } else { 30 };
    encode_record(&[Value::Integer(k), Value::Text("w".repeat(n))], &mut b);
    b
}

/// Commits a few transactions without checkpointing; returns the database
/// and WAL bytes as a crash would leave them, and the state after each
/// commit (index 0: before the first).
fn build() -> (Vec<u8>, Vec<u8>, Vec<State>) {
    let mem = MemVfs::new();
    let p = Pager::open_with_vfs(Arc::new(mem.clone()), DB, opts()).unwrap();
    p.set_page_size(PS as u32).unwrap();
    p.set_wal_autocheckpoint(0);
    let mut states = vec![State::new()];
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    t.commit().unwrap();
    states.push(State::new());
    let mut st = State::new();
    for i in 0..5i64 {
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        for j in 0..6 {
            let k = i * 10 + j;
            btree::table_insert(&mut t, root, k, &row(k)).unwrap();
            st.insert(k, row(k));
        }
        t.commit().unwrap();
        states.push(st.clone());
    }
    let db = mem.file_bytes(DB).unwrap_or_default();
    let wal = mem.file_bytes(WAL).unwrap();
    std::mem::forget(p); // a crash: no checkpoint, the WAL stays
    (db, wal, states)
}

/// Frame numbers (1-based) of the commit frames, in order.
fn commit_frames(wal: &[u8]) -> Vec<usize> {
    let n = (wal.len() - WAL_HDR) / FRAME;
    (1..=n)
        .filter(|&f| {
            let off = WAL_HDR + (f - 1) * FRAME + 4;
            u32::from_be_bytes(wal[off..off + 4].try_into().unwrap()) != 0
        })
        .collect()
}

/// Opens (db, wal) and reads the table; the tree must check out.
fn recover(db: &[u8], wal: &[u8], what: &str) -> State {
    let mem = MemVfs::new();
    mem.set_file_bytes(DB, db.to_vec());
    mem.set_file_bytes(WAL, wal.to_vec());
    let p = Pager::open_with_vfs(Arc::new(mem.clone()), DB, opts()).unwrap_or_else(|e| panic!("{what}: {e}"));
    let t = p.begin_read().unwrap();
    let root = t.header().schema_root;
    let mut st = State::new();
    if root != 0 {
        assert!(btree::integrity_check(&t, &[root], 10).unwrap().is_empty(), "{what}");
        let mut c = btree::Cursor::new(root, BTreeKind::Table);
        let mut ok = c.first(&t).unwrap();
        let mut rec = Vec::new();
        while ok {
            c.record(&t, &mut rec).unwrap();
            st.insert(c.rowid(&t).unwrap(), rec.clone());
            ok = c.next(&t).unwrap();
        }
    }
    drop(t);
    // The next commit lands after the valid prefix and survives a reopen.
    if root != 0 {
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        btree::table_insert(&mut t, root, 9999, &row(9999)).unwrap();
        t.commit().unwrap();
        std::mem::forget(p);
        let p = Pager::open_with_vfs(Arc::new(mem.clone()), DB, opts()).unwrap();
        let t = p.begin_read().unwrap();
        assert_eq!(btree::count_entries(&t, root).unwrap(), st.len() as u64 + 1, "{what}: commit after recovery");
    }
    st
}

/// The state recovery must find when frame `f` is the first bad one.
fn expected(states: &[State], commits: &[usize], f: usize) -> State {
    let whole = commits.iter().filter(|&&c| c < f).count();
    states[whole].clone()
}

#[test]
fn corrupt_tails_are_ignored_never_applied() {
    let (db, wal, states) = build();
    let commits = commit_frames(&wal);
    assert_eq!(commits.len(), states.len() - 1);
    let nframes = (wal.len() - WAL_HDR) / FRAME;
    assert_eq!(recover(&db, &wal, "intact"), *states.last().unwrap());
    for f in 1..=nframes {
        let base = WAL_HDR + (f - 1) * FRAME;
        let want = expected(&states, &commits, f);
        let mut w = wal.clone();
        w[base + FRAME_HDR + (f * 37) % PS] ^= 0x40;
        assert_eq!(recover(&db, &w, &format!("page byte of frame {f}")), want, "flipped data, frame {f}");
        let mut w = wal.clone();
        w[base + 3] ^= 1;
        assert_eq!(recover(&db, &w, &format!("pgno of frame {f}")), want, "flipped pgno, frame {f}");
        let mut w = wal.clone();
        w[base + 8] ^= 0x80;
        assert_eq!(recover(&db, &w, &format!("salt of frame {f}")), want, "wrong salt-1, frame {f}");
        let mut w = wal.clone();
        w[base + 12] ^= 0x01;
        assert_eq!(recover(&db, &w, &format!("salt2 of frame {f}")), want, "wrong salt-2, frame {f}");
        let mut w = wal.clone();
        w[base + 16] ^= 0x01;
        assert_eq!(recover(&db, &w, &format!("crc of frame {f}")), want, "wrong checksum, frame {f}");
        let cut = wal[..base + FRAME / 2 + f % 7].to_vec();
        assert_eq!(recover(&db, &cut, &format!("cut in frame {f}")), want, "truncated inside frame {f}");
    }
    // A damaged WAL header: nothing of it is applied.
    for off in [0usize, 8, 16, 20, 28] {
        let mut w = wal.clone();
        w[off] ^= 0x10;
        assert_eq!(recover(&db, &w, &format!("header byte {off}")), states[0], "WAL header byte {off}");
    }
    // Garbage after the last frame: everything before it is applied.
    let mut w = wal.clone();
    w.extend(std::iter::repeat_n(0xA5u8, FRAME + 100));
    assert_eq!(recover(&db, &w, "garbage tail"), *states.last().unwrap());
}
