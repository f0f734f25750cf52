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
