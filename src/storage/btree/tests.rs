//! Unit tests of the B-tree over an in-memory pager.

use super::*;
use crate::storage::pager::Pager;
use crate::storage::record::encode_record;

fn rec(i: i64, pad: usize) -> Vec<u8> {
    let mut b = Vec::new();
    encode_record(&[Value::Integer(i), Value::Text("x".repeat(pad))], &mut b);
    b
}

#[test]
fn table_basic_and_split() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = create_btree(&mut t, BTreeKind::Table).unwrap();
    for i in 0..2000 {
        table_insert(&mut t, root, i, &rec(i, 30)).unwrap();
    }
    let mut out = Vec::new();
    assert!(table_get(&t, root, 1234, &mut out).unwrap());
    assert_eq!(out, rec(1234, 30));
    assert!(!table_get(&t, root, 5000, &mut out).unwrap());
    assert_eq!(count_entries(&t, root).unwrap(), 2000);
    assert_eq!(table_max_rowid(&t, root).unwrap(), Some(1999));
    assert!(integrity_check(&t, &[root], 10).unwrap().is_empty());
    let mut c = Cursor::new(root, BTreeKind::Table);
    let mut n = 0;
    let mut ok = c.first(&t).unwrap();
    while ok {
        assert_eq!(c.rowid(&t).unwrap(), n);
        n += 1;
        ok = c.next(&t).unwrap();
    }
    assert_eq!(n, 2000);
    for i in (0..2000).step_by(2) {
        assert!(table_delete(&mut t, root, i).unwrap());
    }
    assert_eq!(count_entries(&t, root).unwrap(), 1000);
    assert!(integrity_check(&t, &[root], 10).unwrap().is_empty());
    assert!(c.seek_rowid(&t, 10, SeekOp::Ge).unwrap());
    assert_eq!(c.rowid(&t).unwrap(), 11);
    assert!(c.seek_rowid(&t, 10, SeekOp::Le).unwrap());
    assert_eq!(c.rowid(&t).unwrap(), 9);
    assert!(c.seek_rowid(&t, 11, SeekOp::Lt).unwrap());
    assert_eq!(c.rowid(&t).unwrap(), 9);
    assert!(!c.seek_rowid(&t, 10, SeekOp::Eq).unwrap());
    // Extreme rowids (9-byte varints) order as signed integers.
    table_insert(&mut t, root, i64::MIN, &rec(1, 1)).unwrap();
    table_insert(&mut t, root, i64::MAX, &rec(2, 1)).unwrap();
    assert_eq!(table_max_rowid(&t, root).unwrap(), Some(i64::MAX));
    assert!(c.first(&t).unwrap());
    assert_eq!(c.rowid(&t).unwrap(), i64::MIN);
    assert!(c.seek_rowid(&t, -1, SeekOp::Le).unwrap());
    assert_eq!(c.rowid(&t).unwrap(), i64::MIN);
    assert!(integrity_check(&t, &[root], 10).unwrap().is_empty());
    t.commit().unwrap();
}

#[test]
fn overflow_and_drop() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = create_btree(&mut t, BTreeKind::Table).unwrap();
    for i in 0..50 {
        table_insert(&mut t, root, i, &rec(i, 10_000 + i as usize)).unwrap();
    }
    let mut out = Vec::new();
    for i in 0..50 {
        assert!(table_get(&t, root, i, &mut out).unwrap());
        assert_eq!(out, rec(i, 10_000 + i as usize));
    }
    assert!(integrity_check(&t, &[root], 10).unwrap().is_empty());
    let pc = t.page_count();
    drop_btree(&mut t, root).unwrap();
    assert_eq!(t.freelist().1, pc - 1);
    assert!(integrity_check(&t, &[], 10).unwrap().is_empty());
    // Pages are reused.
    let r2 = create_btree(&mut t, BTreeKind::Table).unwrap();
    table_insert(&mut t, r2, 1, &rec(1, 20_000)).unwrap();
    assert_eq!(t.page_count(), pc);
    assert!(integrity_check(&t, &[r2], 10).unwrap().is_empty());
}

#[test]
fn index_basic() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = create_btree(&mut t, BTreeKind::Index).unwrap();
    let ki = KeyInfo::default();
    let key = |s: &str, r: i64| {
        let mut b = Vec::new();
        encode_record(&[Value::Text(s.to_owned()), Value::Integer(r)], &mut b);
        b
    };
    for i in 0..3000i64 {
        index_insert(&mut t, root, &key(&format!("k{:05}", (i * 7919) % 3000), i), &ki).unwrap();
    }
    index_insert(&mut t, root, &key("k00000", 0), &ki).unwrap();
    assert_eq!(count_entries(&t, root).unwrap(), 3000);
    assert!(integrity_check(&t, &[root], 10).unwrap().is_empty());
    let mut c = Cursor::new(root, BTreeKind::Index);
    assert!(c.seek_key(&t, &[Value::Text("k01500".into())], &ki, SeekOp::Eq).unwrap());
    let mut r = Vec::new();
    c.record(&t, &mut r).unwrap();
    let mut vals = Vec::new();
    crate::storage::record::decode_record(&r, &mut vals).unwrap();
    assert_eq!(vals[0], Value::Text("k01500".into()));
    assert!(c.seek_key(&t, &[Value::Text("k01500x".into())], &ki, SeekOp::Lt).unwrap());
    c.record(&t, &mut r).unwrap();
    crate::storage::record::decode_record(&r, &mut vals).unwrap();
    assert_eq!(vals[0], Value::Text("k01500".into()));
    for i in 0..3000i64 {
        let k = key(&format!("k{:05}", (i * 7919) % 3000), i);
        assert!(index_delete(&mut t, root, &k, &ki).unwrap(), "{i}");
    }
    assert_eq!(count_entries(&t, root).unwrap(), 0);
    assert!(integrity_check(&t, &[root], 10).unwrap().is_empty());
}

#[test]
fn cursor_survives_deletes() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = create_btree(&mut t, BTreeKind::Table).unwrap();
    for i in 0..1000 {
        table_insert(&mut t, root, i, &rec(i, 50)).unwrap();
    }
    let mut c = Cursor::new(root, BTreeKind::Table);
    let mut ok = c.first(&t).unwrap();
    let mut seen = 0;
    while ok {
        let r = c.rowid(&t).unwrap();
        assert_eq!(r, seen);
        seen += 1;
        table_delete(&mut t, root, r).unwrap();
        ok = c.next(&t).unwrap();
    }
    assert_eq!(seen, 1000);
    assert_eq!(count_entries(&t, root).unwrap(), 0);
    assert!(integrity_check(&t, &[root], 10).unwrap().is_empty());
}

#[test]
fn sparse_leaves_merge() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = create_btree(&mut t, BTreeKind::Table).unwrap();
    let idx = create_btree(&mut t, BTreeKind::Index).unwrap();
    let ki = KeyInfo::default();
    for i in 0..5000 {
        table_insert(&mut t, root, i, &rec(i, 40)).unwrap();
        index_insert(&mut t, idx, &rec(i, 40), &ki).unwrap();
    }
    let full = t.page_count() - t.freelist().1;
    let mut x = 12345u64;
    for i in 0..5000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if !x.is_multiple_of(10) {
            assert!(table_delete(&mut t, root, i).unwrap());
            assert!(index_delete(&mut t, idx, &rec(i, 40), &ki).unwrap());
        }
    }
    let used = t.page_count() - t.freelist().1;
    assert!(used * 4 < full, "pages in use went from {full} to {used}");
    assert!(integrity_check(&t, &[root, idx], 10).unwrap().is_empty());
}

#[test]
fn integrity_check_reports_problems() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = create_btree(&mut t, BTreeKind::Table).unwrap();
    for i in 0..5 {
        table_insert(&mut t, root, i, &rec(i, 3)).unwrap();
    }
    let stray = t.allocate_page().unwrap();
    let errs = integrity_check(&t, &[root], 10).unwrap();
    assert_eq!(errs, vec![format!("Page {stray} is never used")]);
    t.free_page(stray).unwrap();
    assert!(integrity_check(&t, &[root], 10).unwrap().is_empty());
    // Make cell 0's rowid (first byte of a table leaf cell) larger than cell 1's.
    let off = {
        let page = t.page(root).unwrap();
        node::get_u16(&page, node::PAGE_HEADER)
    };
    t.page_mut(root).unwrap()[off] = 0x7f;
    let errs = integrity_check(&t, &[root], 10).unwrap();
    assert_eq!(errs, vec![format!("Tree {root} page {root} cell 1: Rowid 1 out of order")]);
    // A page used twice.
    let r2 = create_btree(&mut t, BTreeKind::Table).unwrap();
    let errs = integrity_check(&t, &[root, r2, r2], 10).unwrap();
    assert!(errs.iter().any(|e| e.contains(&format!("2nd reference to page {r2}"))), "{errs:?}");
}

#[test]
fn schema_table_rooted_on_page_1() {
    let p = Pager::open_memory().unwrap();
    assert!(p.set_page_size(512).unwrap());
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    assert_eq!(t.header().schema_root, 1, "new databases have the schema table on page 1");
    let user = create_btree(&mut t, BTreeKind::Table).unwrap();
    assert_eq!(user, 2, "first user tree is page 2, as in SQLite");
    for i in 0..300 {
        table_insert(&mut t, 1, i, &rec(i, 20 + (i as usize % 7) * 30)).unwrap();
        table_insert(&mut t, user, i, &rec(i, 10)).unwrap();
    }
    assert!(integrity_check(&t, &[1, user], 10).unwrap().is_empty());
    t.commit().unwrap();
    let mut t = p.begin_read().unwrap();
    assert_eq!(count_entries(&t, 1).unwrap(), 300);
    let mut out = Vec::new();
    assert!(table_get(&t, 1, 150, &mut out).unwrap());
    assert_eq!(out, rec(150, 20 + 3 * 30));
    t.begin_write(0).unwrap();
    for i in 0..300 {
        assert!(table_delete(&mut t, 1, i).unwrap());
    }
    assert_eq!(count_entries(&t, 1).unwrap(), 0);
    assert!(integrity_check(&t, &[1, user], 10).unwrap().is_empty());
    clear_btree(&mut t, user).unwrap();
    assert!(drop_btree(&mut t, 1).is_err(), "page 1 is never freed");
    t.rollback();
    let t = p.begin_read().unwrap();
    assert_eq!(t.header().schema_root, 1);
    assert!(integrity_check(&t, &[1, user], 10).unwrap().is_empty());
}

#[test]
fn index_batch_build_is_sorted_and_dense() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let a = create_btree(&mut t, BTreeKind::Index).unwrap();
    let b = create_btree(&mut t, BTreeKind::Index).unwrap();
    let ki = KeyInfo { collations: vec![crate::storage::Collation::NoCase], desc: vec![true] };
    let mut keys: Vec<Vec<u8>> = (0..5000i64)
        .map(|i| {
            let mut k = Vec::new();
            encode_record(&[Value::Text(format!("K{:05}", (i * 7919) % 5000)), Value::Integer(i % 4000)], &mut k);
            k
        })
        .collect();
    for k in &keys {
        index_insert(&mut t, a, k, &ki).unwrap();
    }
    let before = t.page_count();
    index_insert_batch(&mut t, b, &mut keys, &ki).unwrap();
    let batch_pages = t.page_count() - before;
    assert_eq!(count_entries(&t, a).unwrap(), count_entries(&t, b).unwrap());
    assert!(batch_pages < before, "sorted build packs pages ({batch_pages} vs {before})");
    let errs = integrity_check_with(&t, &[(a, Some(&ki)), (b, Some(&ki))], 10).unwrap();
    assert!(errs.is_empty(), "{errs:?}");
    let (mut ca, mut cb) = (Cursor::new(a, BTreeKind::Index), Cursor::new(b, BTreeKind::Index));
    ca.set_key_info(&ki);
    cb.set_key_info(&ki);
    let (mut oa, mut ob) = (ca.first(&t).unwrap(), cb.first(&t).unwrap());
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    while oa && ob {
        ca.record(&t, &mut ra).unwrap();
        cb.record(&t, &mut rb).unwrap();
        assert_eq!(ra, rb);
        oa = ca.next(&t).unwrap();
        ob = cb.next(&t).unwrap();
    }
    assert!(!oa && !ob);
}

#[test]
fn largest_and_smallest_page_sizes() {
    for ps in [512u32, 65536] {
        let p = Pager::open_memory().unwrap();
        assert!(p.set_page_size(ps).unwrap());
        let mut t = p.begin_read().unwrap();
        t.begin_write(0).unwrap();
        let root = create_btree(&mut t, BTreeKind::Table).unwrap();
        let idx = create_btree(&mut t, BTreeKind::Index).unwrap();
        let ki = KeyInfo::default();
        for i in 0..3000i64 {
            let k = (i * 7919) % 3000 - 1500;
            table_insert(&mut t, root, k, &rec(k, (i as usize * 37) % 20_000)).unwrap();
            index_insert(&mut t, idx, &rec(k, (i as usize * 13) % 9000), &ki).unwrap();
        }
        for k in (-1500..1500).step_by(3) {
            assert!(table_delete(&mut t, root, k).unwrap());
        }
        assert_eq!(count_entries(&t, root).unwrap(), 2000);
        assert_eq!(table_max_rowid(&t, root).unwrap(), Some(1499));
        let errs = integrity_check_with(&t, &[(root, None), (idx, Some(&ki))], 10).unwrap();
        assert!(errs.is_empty(), "page size {ps}: {errs:?}");
        t.commit().unwrap();
    }
}

#[test]
fn replace_same_smaller_larger_and_overflow() {
    let p = Pager::open_memory().unwrap();
    let mut t = p.begin_read().unwrap();
    t.begin_write(0).unwrap();
    let root = create_btree(&mut t, BTreeKind::Table).unwrap();
    for i in 0..1500 {
        table_insert(&mut t, root, i, &rec(i, 20)).unwrap();
    }
    let mut c = Cursor::new(root, BTreeKind::Table);
    assert!(c.seek_rowid(&t, 700, SeekOp::Eq).unwrap());
    // Replacements of every size class, many times over the same rows, so
    // fragments accumulate and must be reclaimed.
    let sizes = [20usize, 5, 0, 60, 20, 3000, 1, 20];
    for round in 0..8 {
        for i in (0..1500).step_by(3) {
            table_insert(&mut t, root, i, &rec(i + round, sizes[(i as usize + round as usize) % sizes.len()])).unwrap();
        }
        assert!(integrity_check(&t, &[root], 10).unwrap().is_empty(), "round {round}");
    }
    let mut out = Vec::new();
    for i in 0..1500 {
        assert!(table_get(&t, root, i, &mut out).unwrap());
        let want = if i % 3 == 0 { rec(i + 7, sizes[(i as usize + 7) % sizes.len()]) } else { rec(i, 20) };
        assert_eq!(out, want, "row {i}");
    }
    assert_eq!(count_entries(&t, root).unwrap(), 1500);
    // A cursor positioned before the replacements still sees current data.
    c.with_record(&t, &mut out, |r| {
        assert_eq!(r, &rec(700, 20)[..]);
        Ok(())
    })
    .unwrap();
    t.commit().unwrap();
}

#[test]
fn index_bulk_build_shapes() {
    let ki = KeyInfo::default();
    let key = |i: i64, pad: usize| {
        let mut k = Vec::new();
        encode_record(&[Value::Integer(i % 997), Value::Text("y".repeat(pad)), Value::Integer(i)], &mut k);
        k
    };
    for ps in [512u32, 4096] {
        for n in [0usize, 1, 7, 40, 300, 6000] {
            let p = Pager::open_memory().unwrap();
            assert!(p.set_page_size(ps).unwrap());
            let mut t = p.begin_read().unwrap();
            t.begin_write(0).unwrap();
            let idx = create_btree(&mut t, BTreeKind::Index).unwrap();
            // Mixed sizes, some spilling to overflow pages; duplicates too.
            let pad = |i: i64| if i % 97 == 0 { 3000 } else { (i as usize * 31) % 60 };
            let mut keys: Vec<Vec<u8>> = (0..n as i64).map(|i| key(i, pad(i))).collect();
            keys.extend((0..n as i64).step_by(5).map(|i| key(i, pad(i))));
            index_insert_batch(&mut t, idx, &mut keys, &ki).unwrap();
            assert_eq!(count_entries(&t, idx).unwrap(), n as u64, "ps {ps} n {n}");
            let errs = integrity_check_with(&t, &[(idx, Some(&ki))], 10).unwrap();
            assert!(errs.is_empty(), "ps {ps} n {n}: {errs:?}");
            let mut c = Cursor::new(idx, BTreeKind::Index);
            for i in (0..n as i64).step_by(13) {
                let probe = [Value::Integer(i % 997), Value::Text("y".repeat(pad(i)))];
                assert!(c.seek_key(&t, &probe, &ki, SeekOp::Eq).unwrap(), "ps {ps} n {n} key {i}");
                assert_eq!(c.rowid(&t).unwrap(), i);
            }
            // The built tree takes ordinary changes afterwards.
            for i in (0..n as i64).step_by(2) {
                assert!(index_delete(&mut t, idx, &key(i, pad(i)), &ki).unwrap());
            }
            let mut more: Vec<Vec<u8>> = (0..n as i64).step_by(4).map(|i| key(i, pad(i))).collect();
            index_insert_batch(&mut t, idx, &mut more, &ki).unwrap();
            let want = (0..n as i64).filter(|i| i % 2 == 1 || i % 4 == 0).count() as u64;
            assert_eq!(count_entries(&t, idx).unwrap(), want, "ps {ps} n {n}");
            let errs = integrity_check_with(&t, &[(idx, Some(&ki))], 10).unwrap();
            assert!(errs.is_empty(), "ps {ps} n {n} after changes: {errs:?}");
            t.commit().unwrap();
        }
    }
}

#[test]
fn sort_index_keys_matches_record_order() {
    let enc = |vals: &[Value]| {
        let mut k = Vec::new();
        encode_record(vals, &mut k);
        k
    };
    let ints: Vec<Vec<u8>> = (0..500i64)
        .map(|i| {
            let first = if i % 37 == 0 {
                Value::Null
            } else {
                Value::Integer((i * 7919) % 101 - 50 + if i % 53 == 0 { i64::MIN / 2 } else { 0 })
            };
            enc(&[first, Value::Text(format!("t{}", i % 7)), Value::Integer(i)])
        })
        .collect();
    let mut mixed = ints.clone();
    mixed.push(enc(&[Value::Text("a".into()), Value::Integer(1)]));
    mixed.push(enc(&[Value::Real(2.5), Value::Integer(2)]));
    for desc in [false, true] {
        let ki = KeyInfo { collations: vec![crate::storage::Collation::NoCase; 2], desc: vec![desc, !desc] };
        for set in [&ints, &mixed] {
            let mut fast = set.clone();
            sort_index_keys(&mut fast, &ki).unwrap();
            let mut want = set.clone();
            want.sort_by(|a, b| compare_records(a, b, &ki).unwrap());
            assert_eq!(fast, want, "desc {desc}");
        }
    }
    let mut bad = vec![vec![0xff, 0xff], enc(&[Value::Integer(1)])];
    assert!(sort_index_keys(&mut bad, &KeyInfo::default()).is_err());
}

#[test]
fn unique_clash_on_key_prefix() {
    let enc = |vals: &[Value]| {
        let mut k = Vec::new();
        encode_record(vals, &mut k);
        k
    };
    let ki = KeyInfo { collations: vec![crate::storage::Collation::NoCase], desc: vec![false] };
    let mut keys = vec![
        enc(&[Value::Text("b".into()), Value::Integer(3)]),
        enc(&[Value::Null, Value::Integer(1)]),
        enc(&[Value::Text("a".into()), Value::Integer(2)]),
        enc(&[Value::Null, Value::Integer(4)]),
    ];
    sort_index_keys(&mut keys, &ki).unwrap();
    assert_eq!(first_unique_clash(&keys, 1, &ki).unwrap(), None, "NULLs never clash");
    keys.push(enc(&[Value::Text("B".into()), Value::Integer(9)]));
    sort_index_keys(&mut keys, &ki).unwrap();
    let at = first_unique_clash(&keys, 1, &ki).unwrap().expect("b and B clash under NOCASE");
    assert_eq!(crate::storage::record::last_field_int(&keys[at]).unwrap(), 9);
    assert_eq!(first_unique_clash(&keys, 2, &ki).unwrap(), None, "rowids differ");
}
