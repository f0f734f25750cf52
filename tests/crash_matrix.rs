//! The crash matrix: every `synchronous` level x every `journal_mode`, a
//! scripted sequence of transactions (small and overflow rows, deletes) and
//! checkpoints over the fault-injecting VFS, cut at every write and sync
//! point. What each cell must survive is the level's promise
//! (docs/PRAGMAS.md, "Journal modes"):
//! - NORMAL and up, WAL/DELETE/TRUNCATE/PERSIST: power loss (unsynced
//!   writes dropped, the last one optionally torn) at every point. After
//!   recovery the tree is intact, the state is a whole commit (never half a
//!   transaction), and: FULL/EXTRA, and NORMAL outside WAL mode, keep every
//!   acknowledged commit; NORMAL in WAL mode may lose the ones after the
//!   last checkpoint.
//! - OFF: a process crash (every write done stays, nothing after it
//!   happens) at every point: nothing acknowledged is lost, nothing torn.
//! - MEMORY/OFF journals write pages straight into the database file, so
//!   only a cut between transactions is survivable: power loss there (OFF
//!   level: process crash) keeps every acknowledged commit.
//!
//! The same matrix runs a second script whose transactions spill (a
//! 16-page budget, transactions several times its size, savepoints rolled
//! back in between, one transaction rolled back after spilling, one whose
//! savepoint rollback undoes all it spilled, one left open at the end):
//! after recovery no spilled frame of an uncommitted transaction or of a
//! rolled-back savepoint is visible, and every commit is whole.
//!
//! Also checks the fsync table per commit for every cell.
//! `SQLVIBE_CRASH_STRIDE=n` (default 1: every point) samples every n-th point.

use sqlvibe::storage::btree::{self, BTreeKind};
use sqlvibe::storage::record::encode_record;
use sqlvibe::storage::vfs::Tear;
use sqlvibe::storage::{FaultVfs, JournalMode, MemVfs, MemoryLimits, OpenOptions, Pager, Value, Vfs};
use sqlvibe::Result;
use std::collections::BTreeMap;
use std::sync::Arc;

const PATH: &str = "m.db";
const WAL: &str = "m.db-wal";

const MODES: [JournalMode; 6] = [
    JournalMode::Wal,
    JournalMode::Delete,
    JournalMode::Truncate,
    JournalMode::Persist,
    JournalMode::Memory,
    JournalMode::Off,
];

fn opts() -> OpenOptions {
    OpenOptions { read_only: false, create: true }
}

fn row(k: i64, big: bool) -> Vec<u8> {
    let mut b = Vec::new();
    let n = if big { 3000 } else { 12 };
    encode_record(&[Value::Integer(k), Value::Text(format!("{k}-{}", "x".repeat(n)))], &mut b);
    b
}

type State = BTreeMap<i64, Vec<u8>>;

/// A script: runs over the VFS, records the state after every acknowledged
/// commit in `acked` and the VFS operation count right after it in `ops`,
/// and stops at the first error.
type Script = fn(&FaultVfs, JournalMode, u8, &mut Vec<State>, &mut Vec<u64>) -> Result<()>;

fn set_mode(p: &Arc<Pager>, mode: JournalMode) -> Result<()> {
    let own = p.begin_read()?;
    let got = p.set_journal_mode(&own, mode, false, 0)?;
    assert_eq!(got, mode);
    Ok(())
}

/// Opens the database on `fv` with 1 KiB pages and the cell's settings,
/// and commits an empty table (the schema root).
fn open_table(
    fv: &FaultVfs,
    mode: JournalMode,
    sync: u8,
    autockpt: u32,
    limits: MemoryLimits,
) -> Result<(Arc<Pager>, u32)> {
    let vfs: Arc<dyn Vfs> = Arc::new(fv.clone());
    let p = Pager::open_with_vfs(vfs, PATH, opts())?;
    p.set_synchronous(sqlvibe::storage::Synchronous::from_bits(sync.into()));
    p.set_page_size(1024)?;
    p.set_wal_autocheckpoint(autockpt);
    p.set_memory_limits(limits);
    set_mode(&p, mode)?;
    let mut t = p.begin_read()?;
    t.begin_write(0)?;
    let root = btree::create_btree(&mut t, BTreeKind::Table)?;
    t.header_mut()?.schema_root = root;
    t.commit()?;
    Ok((p, root))
}

/// The script. `acked` gets the state after every acknowledged commit and
/// `ops` the VFS operation count right after it. Stops at the first error.
fn script(fv: &FaultVfs, mode: JournalMode, sync: u8, acked: &mut Vec<State>, ops: &mut Vec<u64>) -> Result<()> {
    let (p, root) = open_table(fv, mode, sync, 10, MemoryLimits::default())?;
    let mut state = State::new();
    acked.push(state.clone());
    ops.push(fv.write_count() + fv.sync_count());
    for i in 0..7i64 {
        let mut t = p.begin_read()?;
        t.begin_write(0)?;
        let mut next = state.clone();
        for j in 0..8 {
            let k = i * 100 + j;
            let big = j == 2 && i % 2 == 1;
            btree::table_insert(&mut t, root, k, &row(k, big))?;
            next.insert(k, row(k, big));
        }
        if i >= 2 {
            for j in 0..3 {
                let k = (i - 2) * 100 + j * 2;
                btree::table_delete(&mut t, root, k)?;
                next.remove(&k);
            }
        }
        t.commit()?;
        state = next;
        acked.push(state.clone());
        ops.push(fv.write_count() + fv.sync_count());
        if i == 3 {
            p.checkpoint()?;
        }
        if i == 5 {
            p.checkpoint_mode(sqlvibe::storage::CheckpointMode::Truncate, 0)?;
        }
    }
    drop(p);
    Ok(())
}

/// A row of the spilling script: 100 to 1000 bytes.
fn spill_row(k: i64) -> Vec<u8> {
    let mut b = Vec::new();
    let n = 100 + (k as usize * 37) % 900;
    encode_record(&[Value::Integer(k), Value::Text(format!("{k}-{}", "s".repeat(n)))], &mut b);
    b
}

/// The spilling script: pages of 1 KiB and a budget of 16 pages, so a
/// transaction's page buffers spill to the WAL tail past 8 pages, several
/// times per transaction. Transaction i inserts 40 rows (and, from the
/// third on, deletes some older ones); in the middle a savepoint inserts
/// 25 more rows among older ones, spilling, and is rolled back.
/// Transaction 2 rolls back after spilling; transaction 4 only has the
/// rolled-back savepoint (it commits nothing); transaction 6 spills and
/// never commits. Checkpoints after transactions 3 and 5.
fn spill_script(fv: &FaultVfs, mode: JournalMode, sync: u8, acked: &mut Vec<State>, ops: &mut Vec<u64>) -> Result<()> {
    let limits = MemoryLimits { cache_memory: 1, ..MemoryLimits::default() };
    let (p, root) = open_table(fv, mode, sync, 200, limits)?;
    let mut state = State::new();
    acked.push(state.clone());
    ops.push(fv.write_count() + fv.sync_count());
    for i in 0..7i64 {
        let mut t = p.begin_read()?;
        t.begin_write(0)?;
        let mut next = state.clone();
        if i != 4 {
            for j in 0..40 {
                let k = i * 1000 + j;
                btree::table_insert(&mut t, root, k, &spill_row(k))?;
                next.insert(k, spill_row(k));
            }
        }
        // Rows a savepoint rollback takes back after they were spilled,
        // among the rows of an earlier transaction (in pages the next
        // transaction leaves alone).
        let sp = t.savepoint()?;
        for j in 0..25 {
            let k = (i % 4) * 1000 + 500 + j;
            btree::table_insert(&mut t, root, k, &spill_row(k))?;
        }
        t.rollback_to(sp)?;
        t.release(sp);
        if i >= 2 && i != 4 {
            for j in 0..10 {
                let k = (i - 2) * 1000 + j * 3;
                btree::table_delete(&mut t, root, k)?;
                next.remove(&k);
            }
        }
        match i {
            2 => t.rollback(),
            // Spilled, never committed: a crash from here on must not show it.
            6 => drop(t),
            _ => {
                t.commit()?;
                state = next;
                acked.push(state.clone());
                ops.push(fv.write_count() + fv.sync_count());
            }
        }
        if i == 3 {
            p.checkpoint()?;
        }
        if i == 5 {
            p.checkpoint_mode(sqlvibe::storage::CheckpointMode::Truncate, 0)?;
        }
    }
    assert!(p.memory_stats().spills >= 7, "the transactions spill");
    drop(p);
    Ok(())
}

fn read_state(mem: &MemVfs) -> (State, Vec<String>) {
    let p = Pager::open_with_vfs(Arc::new(mem.clone()), PATH, opts()).expect("reopen after the cut");
    let t = p.begin_read().unwrap();
    let root = t.header().schema_root;
    let mut st = State::new();
    if root == 0 {
        return (st, btree::integrity_check(&t, &[], 10).unwrap());
    }
    let errs = btree::integrity_check(&t, &[root], 10).unwrap();
    if !errs.is_empty() {
        return (st, errs);
    }
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

fn stride() -> u64 {
    std::env::var("SQLVIBE_CRASH_STRIDE").ok().and_then(|s| s.parse().ok()).filter(|&n| n > 0).unwrap_or(1)
}

/// One cell of the matrix; returns the number of cut points tried.
fn cell(script: Script, mode: JournalMode, sync: u8) -> u64 {
    let label = format!("{}/sync={sync}", mode.name());
    let mem = MemVfs::new();
    let fv = FaultVfs::new(Arc::new(mem.clone()));
    let (mut full, mut full_ops) = (Vec::new(), Vec::new());
    script(&fv, mode, sync, &mut full, &mut full_ops).unwrap();
    let total = fv.write_count() + fv.sync_count();
    let (st, errs) = read_state(&mem);
    assert!(errs.is_empty(), "{label}: clean run {errs:?}");
    assert_eq!(&st, full.last().unwrap(), "{label}: clean run");

    let direct = mode.wal_in_memory();
    let power = sync >= 1;
    let points: Vec<u64> = if direct { full_ops.clone() } else { (0..=total).step_by(stride() as usize).collect() };
    for &k in &points {
        let mem = MemVfs::new();
        let fv = FaultVfs::new(Arc::new(mem.clone()));
        fv.crash_after(k);
        let (mut acked, mut ops) = (Vec::new(), Vec::new());
        let _ = script(&fv, mode, sync, &mut acked, &mut ops);
        let tear = [Tear::None, Tear::Head, Tear::Tail][(k % 3) as usize];
        if power {
            fv.power_loss_with(tear).unwrap();
        }
        fv.clear_faults();
        let (st, errs) = read_state(&mem);
        assert!(errs.is_empty(), "{label}: cut at op {k} of {total}: {errs:?}");
        let n = acked.len();
        let last_acked = acked.last().cloned().unwrap_or_default();
        let in_flight = full.get(n);
        let whole = st.is_empty() || full[..=n.min(full.len() - 1)].contains(&st);
        assert!(whole, "{label}: cut at op {k}: {} rows is no whole commit", st.len());
        let keeps_acked = !(power && sync == 1 && mode == JournalMode::Wal);
        if keeps_acked {
            assert!(
                st == last_acked || Some(&st) == in_flight,
                "{label}: cut at op {k}: {} rows is neither commit {n} (acknowledged) nor {}",
                st.len(),
                n + 1
            );
        }
    }
    points.len() as u64
}

#[test]
fn crash_matrix_every_level_and_mode() {
    let mut cuts = 0;
    for mode in MODES {
        for sync in 0..=3u8 {
            cuts += cell(script, mode, sync);
        }
    }
    println!("crash matrix: {cuts} cut points over {} cells", MODES.len() * 4);
}

#[test]
fn crash_matrix_spilled_transactions() {
    let mut cuts = 0;
    for mode in MODES {
        for sync in 0..=3u8 {
            cuts += cell(spill_script, mode, sync);
        }
    }
    println!("crash matrix, spilled transactions: {cuts} cut points over {} cells", MODES.len() * 4);
}

/// (WAL syncs, database syncs, directory syncs) of one steady-state commit.
fn fsyncs_of_a_commit(mode: JournalMode, sync: u8) -> (u64, u64, u64) {
    let fv = FaultVfs::new(Arc::new(MemVfs::new()));
    let p = Pager::open_with_vfs(Arc::new(fv.clone()), PATH, opts()).unwrap();
    p.set_synchronous(sqlvibe::storage::Synchronous::from_bits(sync.into()));
    p.set_wal_autocheckpoint(0);
    set_mode(&p, mode).unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    t.header_mut().unwrap().schema_root = root;
    t.commit().unwrap();
    let counts = || (fv.syncs_of(WAL), fv.syncs_of(PATH), fv.dir_syncs_of(WAL));
    let mut last = (0, 0, 0);
    for k in 0..3 {
        let before = counts();
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        btree::table_insert(&mut t, root, k, &row(k, false)).unwrap();
        t.commit().unwrap();
        let after = counts();
        last = (after.0 - before.0, after.1 - before.1, after.2 - before.2);
    }
    last
}

#[test]
fn fsyncs_per_commit_table() {
    use JournalMode::*;
    for mode in MODES {
        for sync in 0..=3u8 {
            let want = match (mode, sync) {
                (_, 0) => (0, 0, 0),
                (Wal, 1) => (0, 0, 0),
                (Wal, _) => (1, 0, 0),
                (Delete, 3) => (1, 1, 2),
                (Delete | Truncate | Persist, _) => (1, 1, 0),
                (Memory | Off, _) => (0, 1, 0),
            };
            assert_eq!(fsyncs_of_a_commit(mode, sync), want, "{}/sync={sync}", mode.name());
        }
    }
}
