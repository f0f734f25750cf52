//! Row counts and row limits: how many rows each table holds and how many
//! it may hold (`PRAGMA max_rows`, `sqlvibe_table_max_rows`), stored in the
//! file.
//!
//! Where they live, and why there: a table's count and limit are two more
//! fields of its row in the schema table; the database-wide limit is two
//! header settings. Both are ordinary pages of the write transaction, so
//! statement rollback, ROLLBACK, ROLLBACK TO, crash recovery and every
//! journal mode keep them exactly in step with the rows, with no code of
//! their own. A separate counts B-tree would do the same but take a page
//! number, and user tables' `rootpage` values must stay SQLite's. The
//! schema cookie does not move when a count does: counts are not part of
//! the compiled catalog.
//!
//! Schema-table row of a table (record format of `storage/record.rs`):
//! ```text
//! field  column    value
//!   0    type      'table'
//!   1    name
//!   2    tbl_name
//!   3    rootpage
//!   4    sql
//!   5    rows      INTEGER >= 0: entries of the table's B-tree (FIELD_ROWS),
//!                  always written as an 8-byte integer (serial type 6,
//!                  whatever the value) so that a new count is an 8-byte
//!                  patch in place (`read_located`, `patch_rows`), never a
//!                  rewrite of the row. Absent or NULL: unknown (a table
//!                  written before row counts existed); counted from the
//!                  B-tree on first need and stored by the first statement
//!                  that writes the table. A new table starts at 0.
//!   6    max_rows  INTEGER (FIELD_MAX_ROWS): -1 = inherit PRAGMA max_rows,
//!                  0 = no limit, N > 0 = at most N rows. Absent or NULL = -1.
//! ```
//! Readers that know only the five columns (SQL on `sqlite_schema`, the
//! catalog) ignore fields 5 and 6.
//!
//! Database header (page 1, `storage/header.rs`, big-endian):
//! ```text
//! offset size
//!   52     4   settings[SETTING_MAX_ROWS_HI]: PRAGMA max_rows, high 32 bits
//!   56     4   settings[SETTING_MAX_ROWS_LO]: PRAGMA max_rows, low 32 bits
//!              (0 = no limit, the default; files without it read 0)
//! ```
//!
//! Invariant: when field 5 is present it equals the number of entries of
//! the table's B-tree at every statement boundary (inside a statement the
//! statement's own tally, `sql::dml::RowCounts`, is the truth until it is
//! written back before the statement ends). `PRAGMA integrity_check`
//! verifies it. Tables named `sqlite_*` (sqlite_sequence) are internal:
//! the engine writes them outside the row paths, so they are neither
//! counted nor limited.

use super::{Catalog, Table};
use crate::error::{Error, Result};
use crate::storage::record::{decode_record, encode_record, get_varint, serial_type_size};
use crate::storage::{btree, Header, PageNo, Txn, Value};

/// Field of a table's schema row holding its row count.
pub const FIELD_ROWS: usize = 5;
/// Field of a table's schema row holding its row limit.
pub const FIELD_MAX_ROWS: usize = 6;
/// Header settings slots of `PRAGMA max_rows` (high and low 32 bits).
pub const SETTING_MAX_ROWS_HI: usize = 0;
pub const SETTING_MAX_ROWS_LO: usize = 1;

/// A table's own row limit, as set by `sqlvibe_table_max_rows`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableLimit {
    /// -1: the database's `PRAGMA max_rows`.
    Inherit,
    /// 0: no limit for this table, whatever `max_rows` says.
    Unlimited,
    /// N > 0 rows at most.
    Rows(u64),
}

impl TableLimit {
    /// The stored (and C API) number: -1, 0 or N; None below -1.
    pub fn from_i64(n: i64) -> Option<TableLimit> {
        match n {
            -1 => Some(TableLimit::Inherit),
            0 => Some(TableLimit::Unlimited),
            n if n > 0 => Some(TableLimit::Rows(n as u64)),
            _ => None,
        }
    }

    pub fn to_i64(self) -> i64 {
        match self {
            TableLimit::Inherit => -1,
            TableLimit::Unlimited => 0,
            TableLimit::Rows(n) => n.min(i64::MAX as u64) as i64,
        }
    }

    /// The limit in force given the database's `max_rows` (0 = none);
    /// None = no limit.
    pub fn effective(self, db_max_rows: u64) -> Option<u64> {
        match self {
            TableLimit::Inherit if db_max_rows > 0 => Some(db_max_rows),
            TableLimit::Inherit | TableLimit::Unlimited => None,
            TableLimit::Rows(n) => Some(n),
        }
    }
}

/// What a table's schema row says about its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stored {
    /// None: not recorded yet (see the layout above).
    pub rows: Option<u64>,
    pub limit: TableLimit,
}

/// `PRAGMA max_rows` (0 = no limit).
pub fn db_max_rows(h: &Header) -> u64 {
    (u64::from(h.settings[SETTING_MAX_ROWS_HI]) << 32) | u64::from(h.settings[SETTING_MAX_ROWS_LO])
}

pub fn set_db_max_rows(h: &mut Header, n: u64) {
    h.settings[SETTING_MAX_ROWS_HI] = (n >> 32) as u32;
    h.settings[SETTING_MAX_ROWS_LO] = n as u32;
}

/// Does `t` have a row count and a limit? Every table with a schema row
/// except the internal `sqlite_*` ones.
pub fn is_tracked(t: &Table) -> bool {
    !t.is_schema && t.schema_rowid != 0 && !t.name.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("sqlite_"))
}

/// Fields 5 and 6 of a new table's schema row: no rows, inherit.
pub fn new_table_fields() -> [Value; 2] {
    [Value::Integer(0), Value::Integer(TableLimit::Inherit.to_i64())]
}

/// Where a tracked table's count lives: what reading and writing it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountKey {
    pub name: String,
    pub root: PageNo,
    /// Rowid of the table's schema row (never 0).
    pub schema_rowid: i64,
}

impl CountKey {
    pub fn of(t: &Table) -> CountKey {
        debug_assert!(is_tracked(t), "{} has no row count", t.name);
        CountKey { name: t.name.clone(), root: t.root, schema_rowid: t.schema_rowid }
    }
}

/// What a table's schema row says, read in one pass over its header
/// without allocating.
struct RowView {
    /// Fields 0 and 3 are 'table' and the table's root page.
    own: bool,
    stored: Option<Stored>,
    /// Offset of field 5's body when it is an 8-byte integer (serial type
    /// 6): where `patch_rows` writes.
    count_at: Option<usize>,
}

/// A big-endian two's complement integer body of 1..=8 bytes.
fn int_body(b: &[u8]) -> i64 {
    b.iter().fold(if b.first().is_some_and(|x| x & 0x80 != 0) { -1 } else { 0 }, |v, &x| (v << 8) | i64::from(x))
}

/// A field of a record: serial type, offset of its body, the body.
type Field<'a> = (u64, usize, &'a [u8]);

/// Fields 0..=6 of `rec` (None past the end of a shorter record). None
/// when the header is malformed.
fn fields(rec: &[u8]) -> Option<[Option<Field<'_>>; FIELD_MAX_ROWS + 1]> {
    let (hdr_len, mut p) = get_varint(rec)?;
    let hdr_len = usize::try_from(hdr_len).ok()?;
    let mut body = hdr_len;
    let mut out = [None; FIELD_MAX_ROWS + 1];
    for f in out.iter_mut() {
        if p >= hdr_len {
            break;
        }
        let (st, n) = get_varint(rec.get(p..hdr_len)?)?;
        p += n;
        let len = serial_type_size(st)?;
        *f = Some((st, body, rec.get(body..body + len)?));
        body += len;
    }
    Some(out)
}

/// An integer field's value: Some(None) for NULL or absent, None for any
/// other type.
fn int_field(f: Option<Field>) -> Option<Option<i64>> {
    match f {
        None | Some((0, _, _)) => Some(None),
        Some((8, _, _)) => Some(Some(0)),
        Some((9, _, _)) => Some(Some(1)),
        Some((1..=6, _, b)) => Some(Some(int_body(b))),
        Some(_) => None,
    }
}

fn view(rec: &[u8], t: &CountKey) -> RowView {
    let Some(f) = fields(rec) else { return RowView { own: false, stored: None, count_at: None } };
    let own = matches!(f[0], Some((st, _, b)) if st % 2 == 1 && st >= 13 && b == b"table")
        && int_field(f[3]) == Some(Some(i64::from(t.root)));
    let rows = match int_field(f[FIELD_ROWS]) {
        Some(None) => Some(None),
        Some(Some(n)) if n >= 0 => Some(Some(n as u64)),
        _ => None,
    };
    let limit = match int_field(f[FIELD_MAX_ROWS]) {
        Some(None) => Some(TableLimit::Inherit),
        Some(Some(n)) => TableLimit::from_i64(n),
        None => None,
    };
    let stored = rows.zip(limit).map(|(rows, limit)| Stored { rows, limit });
    let count_at = match f[FIELD_ROWS] {
        Some((6, at, _)) => Some(at),
        _ => None,
    };
    RowView { own, stored, count_at }
}

/// `t`'s schema row record into `rec` (checked to be its own row), its
/// view, and where its record starts in the pages (leaf page, offset,
/// bytes in the leaf).
fn schema_row(txn: &Txn, t: &CountKey, rec: &mut Vec<u8>) -> Result<(RowView, (PageNo, usize, usize))> {
    let Some(placed) = btree::table_get_placed(txn, txn.header().schema_root, t.schema_rowid, rec)? else {
        return Err(Error::corrupt(format!("schema row of table {} missing", t.name)));
    };
    let v = view(rec, t);
    if !v.own {
        return Err(Error::corrupt(format!("schema row {} is not table {}", t.schema_rowid, t.name)));
    }
    Ok((v, placed))
}

/// How a new count of a table gets into its schema row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountPlace {
    /// The row is rewritten (`write`): no count yet, a count not stored
    /// as 8 bytes, or one in an overflow page.
    Rewrite,
    /// Its 8 bytes are at this (page, offset): `patch_rows` there, as long
    /// as the schema tree's `Txn::tree_version` has not moved.
    At(PageNo, usize),
}

/// The count and limit stored for table `t`, and how to store a new count.
pub fn read_located(txn: &Txn, t: &CountKey) -> Result<(Stored, CountPlace)> {
    let mut rec = Vec::new();
    let (v, (pgno, off, local)) = schema_row(txn, t, &mut rec)?;
    let stored = v.stored.ok_or_else(|| Error::corrupt(format!("bad row count of table {}", t.name)))?;
    let place = match v.count_at {
        Some(at) if at + 8 <= local => CountPlace::At(pgno, off + at),
        _ => CountPlace::Rewrite,
    };
    Ok((stored, place))
}

/// The count and limit stored for table `t`.
pub fn read(txn: &Txn, t: &CountKey) -> Result<Stored> {
    read_located(txn, t).map(|(s, _)| s)
}

/// Stores `t`'s count and limit (fields 5 and 6 of its schema row),
/// rewriting the row. A known count is written as an 8-byte integer
/// whatever its value, so that each later change of it is an 8-byte patch
/// in place (`read_located` then finds where).
pub fn write(txn: &mut Txn, t: &CountKey, s: Stored) -> Result<()> {
    let mut rec = Vec::new();
    schema_row(txn, t, &mut rec)?;
    let mut vals = Vec::new();
    decode_record(&rec, &mut vals)?;
    vals.resize(vals.len().max(FIELD_MAX_ROWS + 1), Value::Null);
    // i64::MAX takes serial type 6 (8 bytes); the real count goes over it.
    vals[FIELD_ROWS] = s.rows.map_or(Value::Null, |_| Value::Integer(i64::MAX));
    vals[FIELD_MAX_ROWS] = Value::Integer(s.limit.to_i64());
    rec.clear();
    encode_record(&vals, &mut rec);
    let at = view(&rec, t).count_at;
    if let (Some(n), Some(at)) = (s.rows, at) {
        rec[at..at + 8].copy_from_slice(&(n as i64).to_be_bytes());
    }
    debug_assert_eq!(s.rows.is_some(), at.is_some(), "count of {} not fixed-width", t.name);
    btree::table_insert(txn, txn.header().schema_root, t.schema_rowid, &rec)
}

/// Overwrites a stored count in place, at the page and offset
/// `read_located` found with the schema tree unchanged since.
pub fn patch_rows(txn: &mut Txn, (pgno, off): (PageNo, usize), rows: u64) -> Result<()> {
    let root = txn.header().schema_root;
    btree::patch_at(txn, root, (pgno, off), &(rows as i64).to_be_bytes())
}

/// `t`'s rows: the stored count, else counted from its B-tree.
pub fn current_rows(txn: &Txn, t: &CountKey) -> Result<u64> {
    match read(txn, t)?.rows {
        Some(n) => Ok(n),
        None => btree::count_entries(txn, t.root),
    }
}

/// The stored count of `t` when it has one (what `SELECT count(*) FROM t`
/// answers with, without a scan); None for other tables.
pub fn stored_rows(txn: &Txn, t: &Table) -> Result<Option<u64>> {
    if !is_tracked(t) {
        return Ok(None);
    }
    Ok(read(txn, &CountKey::of(t))?.rows)
}

/// Sets `t`'s own limit (recording its count if it had none yet).
pub fn set_table_limit(txn: &mut Txn, t: &Table, limit: TableLimit) -> Result<()> {
    let key = CountKey::of(t);
    let rows = current_rows(txn, &key)?;
    write(txn, &key, Stored { rows: Some(rows), limit })
}

/// The tracked tables of `cat`, by name.
pub fn tracked_tables(cat: &Catalog) -> Vec<&std::sync::Arc<Table>> {
    let mut v: Vec<_> = cat.tables.values().filter(|t| is_tracked(t)).collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// `PRAGMA max_rows_status`: (table, rows, limit in force or 0) per table.
pub fn status(txn: &Txn, cat: &Catalog) -> Result<Vec<(String, u64, u64)>> {
    let db_max = db_max_rows(txn.header());
    let mut out = Vec::new();
    for t in tracked_tables(cat) {
        let s = read(txn, &CountKey::of(t))?;
        let rows = match s.rows {
            Some(n) => n,
            None => btree::count_entries(txn, t.root)?,
        };
        out.push((t.name.clone(), rows, s.limit.effective(db_max).unwrap_or(0)));
    }
    Ok(out)
}

/// `PRAGMA integrity_check`'s part: every stored count against its B-tree.
pub fn check(txn: &Txn, cat: &Catalog, max: usize) -> Result<Vec<String>> {
    let mut msgs = Vec::new();
    for t in tracked_tables(cat) {
        let s = match read(txn, &CountKey::of(t)) {
            Ok(s) => s,
            Err(e) => {
                msgs.push(format!("table {}: {}", t.name, e.message));
                continue;
            }
        };
        if let Some(n) = s.rows {
            let actual = btree::count_entries(txn, t.root)?;
            if n != actual {
                msgs.push(format!("wrong # of rows in table {} (stored {n}, found {actual})", t.name));
            }
        }
        if msgs.len() >= max {
            msgs.truncate(max);
            break;
        }
    }
    Ok(msgs)
}

/// The SQLite-style message of a row limit reached.
pub fn limit_message(limit: u64, table: &str) -> String {
    format!("max_rows limit ({limit}) reached for table {table}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_round_trip_and_resolve() {
        for n in [-1, 0, 1, 7, i64::MAX] {
            assert_eq!(TableLimit::from_i64(n).unwrap().to_i64(), n);
        }
        assert_eq!(TableLimit::from_i64(-2), None);
        assert_eq!(TableLimit::Inherit.effective(0), None);
        assert_eq!(TableLimit::Inherit.effective(5), Some(5));
        assert_eq!(TableLimit::Unlimited.effective(5), None);
        assert_eq!(TableLimit::Rows(3).effective(5), Some(3));
        assert_eq!(TableLimit::Rows(9).effective(0), Some(9));
    }

    #[test]
    fn db_max_rows_uses_two_settings() {
        let mut h = Header::default();
        assert_eq!(db_max_rows(&h), 0);
        let n = (7u64 << 32) | 9;
        set_db_max_rows(&mut h, n);
        assert_eq!((h.settings[0], h.settings[1]), (7, 9));
        assert_eq!(db_max_rows(&h), n);
    }
}
