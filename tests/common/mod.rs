//! Shared helpers for the SQL tests: run a statement on sqlvibe and on the
//! system SQLite (through rusqlite) and compare column names, rows, and
//! error codes/messages.
#![allow(dead_code)]

use sqlvibe::{Connection, ErrorKind, StepResult, Value};

pub type Rows = (Vec<String>, Vec<Vec<Value>>);

/// SQLite's extended result code of an error kind: the library's own map
/// (the one the C API returns), so tests and the C API cannot disagree.
pub fn code_of(k: ErrorKind) -> i32 {
    sqlvibe::capi::codes::extended_code(k)
}

pub fn open() -> Connection {
    Connection::open(":memory:", sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE).expect("open")
}

/// Runs one statement on sqlvibe.
pub fn vibe(c: &Connection, sql: &str) -> Result<Rows, (i32, String)> {
    let (stmt, _) = c.prepare(sql).map_err(|e| (code_of(e.kind), e.message))?;
    let Some(mut stmt) = stmt else { return Ok((Vec::new(), Vec::new())) };
    let names = (0..stmt.column_count()).map(|i| stmt.column_name(i).unwrap_or("").to_string()).collect();
    let mut rows = Vec::new();
    loop {
        match stmt.step() {
            Ok(StepResult::Row) => {
                rows.push((0..stmt.data_count()).map(|i| stmt.column_value(i).clone()).collect());
            }
            Ok(StepResult::Done) => break,
            Err(e) => return Err((code_of(e.kind), e.message)),
        }
    }
    Ok((names, rows))
}

/// Runs one statement on the system SQLite.
pub fn reference(c: &rusqlite::Connection, sql: &str) -> Result<Rows, (i32, String)> {
    let map_err = |e: rusqlite::Error| match e {
        rusqlite::Error::SqliteFailure(f, m) => (f.extended_code, m.unwrap_or_default()),
        other => (-1, other.to_string()),
    };
    let mut stmt = c.prepare(sql).map_err(map_err)?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let n = stmt.column_count();
    let mut q = stmt.raw_query();
    let mut rows = Vec::new();
    while let Some(r) = q.next().map_err(map_err)? {
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            row.push(match r.get_ref(i).expect("col") {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(i) => Value::Integer(i),
                rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                rusqlite::types::ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        rows.push(row);
    }
    Ok((names, rows))
}

/// Runs every statement on both engines and asserts identical outcomes.
pub fn same(script: &[&str]) {
    let v = open();
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    for sql in script {
        let a = vibe(&v, sql);
        let b = reference(&r, sql);
        assert_eq!(a, b, "statement: {sql}");
    }
}

/// Rows of a query on sqlvibe (panics on error).
pub fn rows(c: &Connection, sql: &str) -> Vec<Vec<Value>> {
    match vibe(c, sql) {
        Ok((_, r)) => r,
        Err(e) => panic!("{sql}: {e:?}"),
    }
}

pub fn exec(c: &Connection, sql: &str) {
    c.exec(sql, &mut |_, _| true).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

pub fn int(i: i64) -> Value {
    Value::Integer(i)
}
pub fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// Every row of every statement of `sql` (a script), or the first error.
pub fn script_rows(conn: &Connection, sql: &str) -> sqlvibe::Result<Vec<Vec<Value>>> {
    let mut out = Vec::new();
    let mut rest = sql;
    while !rest.trim().is_empty() {
        let (stmt, used) = conn.prepare(rest)?;
        rest = &rest[used..];
        let Some(mut stmt) = stmt else { break };
        while stmt.step()? == StepResult::Row {
            out.push((0..stmt.column_count()).map(|i| stmt.column_value(i).clone()).collect());
        }
    }
    Ok(out)
}

/// A fresh temporary database path (unique within this test process).
pub fn temp_db_path(tag: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    std::env::temp_dir().join(format!("sqlvibe-{tag}-{}-{n}.db", std::process::id()))
}

/// Deletes a database file and its sidecar files.
pub fn remove_db(p: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut s = p.as_os_str().to_owned();
        s.push(suffix);
        let _ = std::fs::remove_file(s);
    }
}

/// Runs `script` statement by statement on sqlvibe and on SQLite, each on a
/// temporary database file: every statement's outcome must match (and,
/// with `schema_each`, the schema table after every statement), then the
/// schema table, every table's contents and `PRAGMA integrity_check`.
pub fn same_on_disk(tag: &str, script: &[&str], schema_each: bool) {
    let ok_rows = |r: Result<Rows, (i32, String)>, what: &str| match r {
        Ok((_, rows)) => rows,
        Err(e) => panic!("{what}: {e:?}"),
    };
    let vp = temp_db_path(&format!("{tag}-v"));
    let rp = temp_db_path(&format!("{tag}-r"));
    {
        let flags = sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE;
        let v = Connection::open(vp.to_str().unwrap(), flags).expect("open sqlvibe");
        let r = rusqlite::Connection::open(&rp).expect("open sqlite");
        let schema = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid";
        for sql in script {
            assert_eq!(vibe(&v, sql), reference(&r, sql), "statement: {sql}");
            if schema_each {
                assert_eq!(vibe(&v, schema), reference(&r, schema), "schema after {sql}");
            }
        }
        assert_eq!(vibe(&v, schema), reference(&r, schema), "schema after {script:?}");
        let tables =
            ok_rows(reference(&r, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"), "tables");
        for t in tables {
            let Value::Text(name) = &t[0] else { panic!("table name {t:?}") };
            let q = format!("SELECT rowid, * FROM \"{}\" ORDER BY rowid", name.replace('"', "\"\""));
            assert_eq!(vibe(&v, &q), reference(&r, &q), "contents of {name} after {script:?}");
        }
        let check = ok_rows(vibe(&v, "PRAGMA integrity_check"), "integrity_check");
        assert_eq!(check, vec![vec![Value::Text("ok".into())]], "integrity after {script:?}");
    }
    remove_db(&vp);
    remove_db(&rp);
}

/// The deterministic generator (xorshift) of every generated test input.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64-bit number.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// A number in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// A number in 0..n (0 when n is 0).
    pub fn below64(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below64(100) < percent
    }
    /// One of `xs` (not empty).
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// (rows, FNV-1a over every rowid and record) of the table b-tree at `root`
/// in `t`'s snapshot.
pub fn table_checksum(t: &sqlvibe::storage::Txn, root: u32) -> (u64, u64) {
    use sqlvibe::storage::{BTreeKind, Cursor};
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut n = 0;
    let mut c = Cursor::new(root, BTreeKind::Table);
    let mut ok = c.first(t).unwrap();
    let mut rec = Vec::new();
    while ok {
        c.record(t, &mut rec).unwrap();
        for b in c.rowid(t).unwrap().to_le_bytes().iter().chain(rec.iter()) {
            h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
        n += 1;
        ok = c.next(t).unwrap();
    }
    (n, h)
}
