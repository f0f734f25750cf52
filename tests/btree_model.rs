//! Randomized model test: table and index B-trees against `BTreeMap` /
//! `BTreeSet`, with commits, rollbacks, savepoint rollbacks and reopening an
//! OS-file database. Fixed seeds; `SQLVIBE_SEEDS=n` runs n more.

use sqlvibe::storage::btree::{self, BTreeKind, Cursor, SeekOp};
use sqlvibe::storage::record::{decode_record, encode_record};
use sqlvibe::storage::{KeyInfo, OpenOptions, PageNo, Pager, Txn, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

mod common;
use common::Rng;

fn seeds() -> Vec<u64> {
    let mut s = vec![1, 2, 3];
    if let Ok(n) = std::env::var("SQLVIBE_SEEDS") {
        let n: u64 = n.parse().unwrap_or(0);
        s.extend((0..n).map(|i| 1000 + i * 7919));
    }
    s
}

fn payload(rng: &mut Rng, rowid: i64) -> Vec<u8> {
    let len = match rng.below64(20) {
        0 => 3000 + rng.below64(9000) as usize,
        1..=3 => 200 + rng.below64(800) as usize,
        _ => rng.below64(60) as usize,
    };
    let mut b = Vec::new();
    encode_record(&[Value::Integer(rowid), Value::Blob(vec![(rowid % 251) as u8; len])], &mut b);
    b
}

fn index_key(s: &str, rowid: i64) -> Vec<u8> {
    let mut b = Vec::new();
    encode_record(&[Value::Text(s.to_owned()), Value::Integer(rowid)], &mut b);
    b
}

type Model = (BTreeMap<i64, Vec<u8>>, BTreeSet<(String, i64)>);

fn check_all(t: &Txn, table: PageNo, index: PageNo, m: &Model) {
    let ki = KeyInfo::default();
    let errs = btree::integrity_check_with(t, &[(table, None), (index, Some(&ki))], 20).unwrap();
    assert!(errs.is_empty(), "{errs:?}");
    let mut c = Cursor::new(table, BTreeKind::Table);
    let mut ok = c.first(t).unwrap();
    let mut rec = Vec::new();
    let mut it = m.0.iter();
    while ok {
        let (k, v) = it.next().expect("tree has more rows than the model");
        assert_eq!(c.rowid(t).unwrap(), *k);
        c.record(t, &mut rec).unwrap();
        assert_eq!(&rec, v);
        ok = c.next(t).unwrap();
    }
    assert!(it.next().is_none(), "model has more rows than the tree");
    let mut c = Cursor::new(index, BTreeKind::Index);
    let mut ok = c.last(t).unwrap();
    let mut it = m.1.iter().rev();
    let mut vals = Vec::new();
    while ok {
        let (s, r) = it.next().expect("index has more entries than the model");
        c.record(t, &mut rec).unwrap();
        decode_record(&rec, &mut vals).unwrap();
        assert_eq!(vals, vec![Value::Text(s.clone()), Value::Integer(*r)]);
        assert_eq!(c.rowid(t).unwrap(), *r);
        ok = c.prev(t).unwrap();
    }
    assert!(it.next().is_none());
    assert_eq!(btree::count_entries(t, table).unwrap(), m.0.len() as u64);
    assert_eq!(btree::count_entries(t, index).unwrap(), m.1.len() as u64);
}

fn random_ops(rng: &mut Rng, t: &mut Txn, table: PageNo, index: PageNo, m: &mut Model, n: usize) {
    let ki = KeyInfo::default();
    let mut rec = Vec::new();
    for _ in 0..n {
        match rng.below64(10) {
            0..=3 => {
                let k = rng.below64(3000) as i64 - 500;
                let p = payload(rng, k);
                btree::table_insert(t, table, k, &p).unwrap();
                m.0.insert(k, p);
            }
            4 => {
                let k = rng.below64(3000) as i64 - 500;
                assert_eq!(btree::table_delete(t, table, k).unwrap(), m.0.remove(&k).is_some());
            }
            5 | 6 => {
                let len = if rng.below64(15) == 0 { 1500 + rng.below64(3000) } else { rng.below64(12) } as usize;
                let s = format!("{:04}{}", rng.below64(500), "z".repeat(len));
                let r = rng.below64(100) as i64;
                btree::index_insert(t, index, &index_key(&s, r), &ki).unwrap();
                m.1.insert((s, r));
            }
            7 => {
                // Delete an existing or a missing index entry.
                let pick = if !m.1.is_empty() && rng.below64(2) == 0 {
                    let i = rng.below64(m.1.len() as u64) as usize;
                    m.1.iter().nth(i).cloned().unwrap()
                } else {
                    (format!("{:04}", rng.below64(500)), rng.below64(100) as i64)
                };
                let had = m.1.remove(&pick);
                assert_eq!(btree::index_delete(t, index, &index_key(&pick.0, pick.1), &ki).unwrap(), had);
            }
            8 => {
                let k = rng.below64(3200) as i64 - 600;
                let mut c = Cursor::new(table, BTreeKind::Table);
                let ops = [SeekOp::Eq, SeekOp::Ge, SeekOp::Gt, SeekOp::Le, SeekOp::Lt];
                let op = ops[rng.below64(5) as usize];
                let want = match op {
                    SeekOp::Eq => m.0.get_key_value(&k).map(|x| *x.0),
                    SeekOp::Ge => m.0.range(k..).next().map(|x| *x.0),
                    SeekOp::Gt => m.0.range(k + 1..).next().map(|x| *x.0),
                    SeekOp::Le => m.0.range(..=k).next_back().map(|x| *x.0),
                    SeekOp::Lt => m.0.range(..k).next_back().map(|x| *x.0),
                };
                let got = c.seek_rowid(t, k, op).unwrap().then(|| c.rowid(t).unwrap());
                assert_eq!(got, want, "seek {op:?} {k}");
                if let Some(w) = want {
                    assert!(btree::table_get(t, table, w, &mut rec).unwrap());
                    assert_eq!(&rec, &m.0[&w]);
                }
            }
            _ => {
                let prefix = format!("{:04}", rng.below64(520));
                let ops = [SeekOp::Eq, SeekOp::Ge, SeekOp::Gt, SeekOp::Le, SeekOp::Lt];
                let op = ops[rng.below64(5) as usize];
                let key = [Value::Text(prefix.clone())];
                let mut c = Cursor::new(index, BTreeKind::Index);
                let got = c.seek_key(t, &key, &ki, op).unwrap().then(|| {
                    let mut v = Vec::new();
                    c.record(t, &mut rec).unwrap();
                    decode_record(&rec, &mut v).unwrap();
                    v
                });
                // Model: compare the text field only (prefix key of 1 field).
                let cmp = |s: &String| s.as_str().cmp(prefix.as_str());
                let want = match op {
                    SeekOp::Eq => m.1.iter().find(|(s, _)| cmp(s).is_eq()),
                    SeekOp::Ge => m.1.iter().find(|(s, _)| cmp(s).is_ge()),
                    SeekOp::Gt => m.1.iter().find(|(s, _)| cmp(s).is_gt()),
                    SeekOp::Le => m.1.iter().rev().find(|(s, _)| cmp(s).is_le()),
                    SeekOp::Lt => m.1.iter().rev().find(|(s, _)| cmp(s).is_lt()),
                }
                .map(|(s, r)| vec![Value::Text(s.clone()), Value::Integer(*r)]);
                assert_eq!(got, want, "index seek {op:?} {prefix}");
            }
        }
    }
}

fn run_seed(seed: u64) {
    let dir = std::env::temp_dir().join(format!("sqlvibe-btree-model-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.db").to_string_lossy().into_owned();
    let opts = OpenOptions { read_only: false, create: true };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut pager: Arc<Pager> = Pager::open(&path, opts).unwrap();
    if seed.is_multiple_of(2) {
        assert!(pager.set_page_size(1024).unwrap());
    }
    pager.set_wal_autocheckpoint(50 + (seed % 3) as u32 * 100);
    let mut t = pager.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let table = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    let index = btree::create_btree(&mut t, BTreeKind::Index).unwrap();
    t.commit().unwrap();
    let mut m: Model = Default::default();
    for phase in 0..12 {
        let mut t = pager.begin_read().unwrap();
        t.begin_write(1000).unwrap();
        let before = m.clone();
        random_ops(&mut rng, &mut t, table, index, &mut m, 300);
        // A statement that is rolled back.
        let sp = t.savepoint().unwrap();
        let at_sp = m.clone();
        random_ops(&mut rng, &mut t, table, index, &mut m, 150);
        if rng.below64(2) == 0 {
            t.rollback_to(sp).unwrap();
            m = at_sp;
        }
        t.release(sp);
        check_all(&t, table, index, &m);
        match rng.below64(4) {
            0 => {
                t.rollback();
                m = before;
            }
            _ => t.commit().unwrap(),
        }
        if phase % 4 == 3 {
            drop(pager);
            pager = Pager::open(&path, opts).unwrap();
        }
        let t = pager.begin_read().unwrap();
        check_all(&t, table, index, &m);
    }
    // Delete most rows at random (sparse leaves merge), then everything.
    let mut t = pager.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let keys: Vec<i64> = m.0.keys().copied().collect();
    for k in keys {
        if rng.below64(5) != 0 {
            assert!(btree::table_delete(&mut t, table, k).unwrap());
            m.0.remove(&k);
        }
    }
    let entries: Vec<(String, i64)> = m.1.iter().cloned().collect();
    for (s, r) in entries {
        if rng.below64(5) != 0 {
            assert!(btree::index_delete(&mut t, index, &index_key(&s, r), &KeyInfo::default()).unwrap());
            m.1.remove(&(s, r));
        }
    }
    check_all(&t, table, index, &m);
    t.commit().unwrap();
    // Delete everything: pages go back to the freelist.
    let mut t = pager.begin_read().unwrap();
    t.begin_write(0).unwrap();
    for k in m.0.keys() {
        assert!(btree::table_delete(&mut t, table, *k).unwrap());
    }
    for (s, r) in &m.1 {
        assert!(btree::index_delete(&mut t, index, &index_key(s, *r), &KeyInfo::default()).unwrap());
    }
    m = Default::default();
    check_all(&t, table, index, &m);
    btree::drop_btree(&mut t, index).unwrap();
    assert_eq!(btree::integrity_check(&t, &[table], 10).unwrap(), Vec::<String>::new());
    t.commit().unwrap();
    drop(pager);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn btree_model_fixed_seeds() {
    for s in seeds() {
        run_seed(s);
    }
}

#[test]
fn bulk_append_and_scan() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    let mut rec = Vec::new();
    let start = std::time::Instant::now();
    for i in 1..=100_000i64 {
        rec.clear();
        encode_record(&[Value::Integer(i), Value::Text("hello world".into()), Value::Real(i as f64 * 0.5)], &mut rec);
        btree::table_insert(&mut t, root, i, &rec).unwrap();
    }
    t.commit().unwrap();
    let ins = start.elapsed();
    let t = p.begin_read().unwrap();
    let start = std::time::Instant::now();
    let mut out = Vec::new();
    for i in 1..=100_000i64 {
        assert!(btree::table_get(&t, root, (i * 7919) % 100_000 + 1, &mut out).unwrap());
    }
    let get = start.elapsed();
    assert_eq!(btree::count_entries(&t, root).unwrap(), 100_000);
    assert!(btree::integrity_check(&t, &[root], 10).unwrap().is_empty());
    eprintln!("bulk insert 100k: {ins:?}; 100k point lookups: {get:?}; pages {}", t.page_count());
    drop(t);
    // The same with one statement savepoint per row (as the SQL layer does).
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root2 = btree::create_btree(&mut t, BTreeKind::Table).unwrap();
    let start = std::time::Instant::now();
    for i in 1..=100_000i64 {
        rec.clear();
        encode_record(&[Value::Integer(i), Value::Text("hello world".into()), Value::Real(i as f64 * 0.5)], &mut rec);
        let sp = t.savepoint().unwrap();
        btree::table_insert(&mut t, root2, i, &rec).unwrap();
        t.release(sp);
    }
    t.commit().unwrap();
    let ins = start.elapsed();
    let t = p.begin_read().unwrap();
    let start = std::time::Instant::now();
    let mut c = btree::Cursor::new(root2, BTreeKind::Table);
    let mut ok = c.first(&t).unwrap();
    let mut n = 0;
    let mut sum = 0usize;
    let mut scratch = Vec::new();
    while ok {
        sum += c.with_record(&t, &mut scratch, |r| Ok(r.len())).unwrap();
        n += 1;
        ok = c.next(&t).unwrap();
    }
    assert_eq!(n, 100_000);
    eprintln!("bulk insert 100k with a savepoint per row: {ins:?}; full scan: {:?} ({sum} bytes)", start.elapsed());
}
