//! Triggers, differential against the system SQLite: each script runs on
//! sqlvibe and on SQLite (a temporary database file each); every
//! statement's outcome (rows, or error code and message), the contents of
//! every table after it, and the schema table must be the same.

use sqlvibe::{Connection, StepResult, Value};

mod common;
use common::code_of;

type Outcome = Result<Vec<Vec<Value>>, (i32, String)>;

fn vibe(c: &Connection, sql: &str) -> Outcome {
    let (stmt, _) = c.prepare(sql).map_err(|e| (code_of(e.kind), e.message))?;
    let Some(mut stmt) = stmt else { return Ok(Vec::new()) };
    let mut rows = Vec::new();
    loop {
        match stmt.step() {
            Ok(StepResult::Row) => rows.push((0..stmt.data_count()).map(|i| stmt.column_value(i).clone()).collect()),
            Ok(StepResult::Done) => return Ok(rows),
            Err(e) => return Err((code_of(e.kind), e.message)),
        }
    }
}

fn reference(c: &rusqlite::Connection, sql: &str) -> Outcome {
    let map_err = |e: rusqlite::Error| match e {
        rusqlite::Error::SqliteFailure(f, m) => (f.extended_code, m.unwrap_or_default()),
        other => (-1, other.to_string()),
    };
    let mut stmt = c.prepare(sql).map_err(map_err)?;
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
    Ok(rows)
}

const SCHEMA: &str = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid";

/// The schema and every table's rows, as SQLite reports them.
fn state(run: &dyn Fn(&str) -> Outcome) -> Vec<(String, Outcome)> {
    let mut out = vec![(SCHEMA.to_string(), run(SCHEMA))];
    let tables = run("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").unwrap_or_default();
    for t in tables {
        if let Some(Value::Text(name)) = t.first() {
            let q = format!("SELECT rowid, * FROM \"{name}\" ORDER BY rowid");
            out.push((q.clone(), run(&q)));
        }
    }
    let counters = "SELECT changes(), total_changes(), last_insert_rowid()";
    out.push((counters.to_string(), run(counters)));
    out
}

/// Runs `script` on both engines, comparing each statement's outcome and
/// the database state after it.
fn same(name: &str, script: &[&str]) {
    let dir = std::env::temp_dir().join(format!("sqlvibe-triggers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let vpath = dir.join("vibe.db");
    let spath = dir.join("sqlite.db");
    let v = Connection::open(vpath.to_str().expect("path"), sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE)
        .expect("open");
    let s = rusqlite::Connection::open(&spath).expect("sqlite");
    for sql in script {
        let a = vibe(&v, sql);
        let b = reference(&s, sql);
        assert_eq!(a, b, "{name}: statement: {sql}");
        let sa = state(&|q| vibe(&v, q));
        let sb = state(&|q| reference(&s, q));
        assert_eq!(sa, sb, "{name}: state after: {sql}");
    }
    drop(v);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ddl_and_errors() {
    same(
        "ddl",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c)",
            "CREATE VIEW v AS SELECT a, b FROM t",
            "CREATE  TRIGGER IF NOT EXISTS main.tr1 BEFORE INSERT ON t BEGIN SELECT 1; END ;",
            "CREATE TRIGGER tr1 AFTER INSERT ON t BEGIN SELECT 1; END",
            "CREATE TRIGGER IF NOT EXISTS tr1 AFTER INSERT ON t BEGIN SELECT 1; END",
            "CREATE TRIGGER tr2 AFTER UPDATE OF b, c ON t FOR EACH ROW WHEN new.b > 0 BEGIN SELECT 1; SELECT 2; END",
            "CREATE TRIGGER tr3 INSTEAD OF INSERT ON t BEGIN SELECT 1; END",
            "CREATE TRIGGER tr3 BEFORE INSERT ON v BEGIN SELECT 1; END",
            "CREATE TRIGGER tr3 AFTER DELETE ON v BEGIN SELECT 1; END",
            "CREATE TRIGGER tr3 AFTER DELETE ON nosuch BEGIN SELECT 1; END",
            "CREATE TRIGGER tr3 AFTER DELETE ON sqlite_master BEGIN SELECT 1; END",
            "CREATE TRIGGER sqlite_x AFTER DELETE ON t BEGIN SELECT 1; END",
            "CREATE TRIGGER tr3 AFTER DELETE ON t BEGIN INSERT INTO main.t VALUES(1, 2, 3); END",
            "CREATE TRIGGER tr3 AFTER DELETE ON t BEGIN DELETE FROM main.t; END",
            "CREATE TRIGGER tr3 AFTER DELETE ON t BEGIN SELECT ?; END",
            "CREATE TRIGGER tr3 INSTEAD OF DELETE ON v BEGIN SELECT 1; END",
            "SELECT RAISE(ABORT, 'x')",
            "DROP TRIGGER nosuch",
            "DROP TRIGGER IF EXISTS nosuch",
            "DROP TRIGGER tr1",
            "DROP VIEW v",
            "CREATE TABLE u(x)",
            "CREATE TRIGGER tu AFTER INSERT ON u BEGIN DELETE FROM t; END",
            "DROP TABLE t",
            "INSERT INTO u VALUES(1)",
            "DROP TABLE u",
        ],
    );
}

#[test]
fn audit_log_and_counters() {
    same(
        "audit",
        &[
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, qty INT)",
            "CREATE TABLE log(seq INTEGER PRIMARY KEY, what, old_id, new_id, info)",
            "CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN
               INSERT INTO log(what, new_id, info) VALUES('ins', new.id, new.name || ':' || new.qty);
             END",
            "CREATE TRIGGER t_au AFTER UPDATE ON t BEGIN
               INSERT INTO log(what, old_id, new_id, info) VALUES('upd', old.id, new.id, old.qty || '->' || new.qty);
             END",
            "CREATE TRIGGER t_ad AFTER DELETE ON t BEGIN
               INSERT INTO log(what, old_id, info) VALUES('del', old.id, old.name);
             END",
            "CREATE TRIGGER t_bi BEFORE INSERT ON t BEGIN
               INSERT INTO log(what, new_id, info) VALUES('before', new.id, changes() || ',' || last_insert_rowid());
             END",
            "INSERT INTO t(name, qty) VALUES('a', 1), ('b', '2'), ('c', 3.0)",
            "SELECT changes(), total_changes(), last_insert_rowid()",
            "INSERT INTO t VALUES(10, 'ten', 10)",
            "UPDATE t SET qty = qty + 1 WHERE id > 1",
            "UPDATE t SET id = id + 100 WHERE id = 10",
            "DELETE FROM t WHERE qty > 3",
            "DELETE FROM t",
            "SELECT changes(), total_changes(), last_insert_rowid()",
        ],
    );
}

#[test]
fn before_triggers_and_when() {
    same(
        "before",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c)",
            "CREATE TABLE other(x INTEGER PRIMARY KEY, y)",
            "INSERT INTO other VALUES(1, 'one'), (2, 'two'), (3, 'three')",
            "CREATE TRIGGER bi BEFORE INSERT ON t WHEN new.b > 5 BEGIN
               UPDATE other SET y = y || '+' WHERE x = new.b - 5;
               DELETE FROM other WHERE x = 3 AND new.c = 'kill';
             END",
            "INSERT INTO t(b, c) VALUES(1, 'x'), (6, 'y'), (7, 'kill'), (NULL, 'z')",
            // A BEFORE UPDATE trigger changing columns of the row being updated.
            "CREATE TRIGGER bu BEFORE UPDATE OF b ON t BEGIN UPDATE t SET c = 'touched' WHERE a = old.a; END",
            "UPDATE t SET b = b * 10 WHERE a <= 2",
            "UPDATE t SET c = 'plain'",
            // A BEFORE DELETE trigger deleting the next row first.
            "CREATE TRIGGER bd BEFORE DELETE ON t BEGIN DELETE FROM t WHERE a = old.a + 1; END",
            "DELETE FROM t WHERE a IN (1, 2, 3)",
            "CREATE TRIGGER ig BEFORE INSERT ON other WHEN new.y = 'skip' BEGIN SELECT RAISE(IGNORE); END",
            "INSERT INTO other(y) VALUES('keep'), ('skip'), ('keep2')",
            "SELECT changes()",
            "CREATE TRIGGER bu2 BEFORE UPDATE ON other WHEN old.y LIKE 'keep%' BEGIN SELECT RAISE(IGNORE); END",
            "UPDATE other SET y = 'changed'",
            "SELECT changes()",
        ],
    );
}

#[test]
fn raise_variants_in_transactions() {
    same(
        "raise",
        &[
            "CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INT)",
            "CREATE TABLE hist(x)",
            "CREATE TRIGGER chk BEFORE UPDATE ON acct WHEN new.bal < 0 BEGIN
               SELECT RAISE(ABORT, 'insufficient funds');
             END",
            "CREATE TRIGGER h AFTER UPDATE ON acct BEGIN INSERT INTO hist VALUES(new.id || '=' || new.bal); END",
            "INSERT INTO acct VALUES(1, 10), (2, 5), (3, 0)",
            "UPDATE acct SET bal = bal - 6",
            "BEGIN",
            "UPDATE acct SET bal = bal + 1 WHERE id = 1",
            "UPDATE acct SET bal = bal - 6",
            "COMMIT",
            "CREATE TRIGGER f BEFORE INSERT ON hist WHEN new.x = 'fail' BEGIN SELECT RAISE(FAIL, 'failed here'); END",
            "CREATE TRIGGER r BEFORE INSERT ON hist WHEN new.x = 'rb' BEGIN SELECT RAISE(ROLLBACK, \"rolled back\"); END",
            "BEGIN",
            "INSERT INTO hist VALUES('a'), ('b'), ('fail'), ('c')",
            "SELECT changes()",
            "INSERT INTO hist VALUES('d'), ('rb'), ('e')",
            "COMMIT",
            "INSERT INTO hist VALUES('f'), ('fail')",
            "INSERT INTO hist VALUES('g'), ('rb')",
            "CREATE TRIGGER a2 AFTER INSERT ON acct BEGIN SELECT CASE WHEN new.bal > 100 THEN RAISE(ABORT, 'too rich') END; END",
            "INSERT INTO acct VALUES(4, 50), (5, 500)",
            "INSERT OR IGNORE INTO acct VALUES(6, 500)",
        ],
    );
}

#[test]
fn cascades_and_nesting() {
    same(
        "cascade",
        &[
            "CREATE TABLE parent(id INTEGER PRIMARY KEY, name)",
            "CREATE TABLE child(id INTEGER PRIMARY KEY, pid, name)",
            "CREATE TABLE grandchild(id INTEGER PRIMARY KEY, cid)",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER pd AFTER DELETE ON parent BEGIN DELETE FROM child WHERE pid = old.id; END",
            "CREATE TRIGGER cd AFTER DELETE ON child BEGIN
               DELETE FROM grandchild WHERE cid = old.id;
               INSERT INTO log VALUES('child ' || old.id || ' ' || changes());
             END",
            "CREATE TRIGGER pu AFTER UPDATE OF id ON parent BEGIN UPDATE child SET pid = new.id WHERE pid = old.id; END",
            "INSERT INTO parent VALUES(1, 'p1'), (2, 'p2')",
            "INSERT INTO child VALUES(1, 1, 'c1'), (2, 1, 'c2'), (3, 2, 'c3')",
            "INSERT INTO grandchild VALUES(1, 1), (2, 1), (3, 2), (4, 3)",
            "UPDATE parent SET id = 20 WHERE id = 2",
            "UPDATE parent SET name = 'x'",
            "DELETE FROM parent WHERE id = 1",
            "SELECT changes(), total_changes()",
            // Triggers that would recurse do not fire themselves.
            "CREATE TABLE r(n)",
            "CREATE TRIGGER rr AFTER INSERT ON r WHEN new.n < 5 BEGIN INSERT INTO r VALUES(new.n + 1); END",
            "INSERT INTO r VALUES(1)",
            // A cycle across two tables stops at the first repeated trigger.
            "CREATE TABLE ping(n)",
            "CREATE TABLE pong(n)",
            "CREATE TRIGGER t_ping AFTER INSERT ON ping BEGIN INSERT INTO pong VALUES(new.n + 1); END",
            "CREATE TRIGGER t_pong AFTER INSERT ON pong BEGIN INSERT INTO ping VALUES(new.n + 1); END",
            "INSERT INTO ping VALUES(1)",
            "INSERT INTO pong VALUES(100)",
            "INSERT OR REPLACE INTO child VALUES(3, 20, 'replaced')",
        ],
    );
}

#[test]
fn new_old_scoping() {
    same(
        "scoping",
        &[
            "CREATE TABLE t(a, b)",
            "CREATE TABLE log(x, y)",
            "CREATE TRIGGER i1 AFTER INSERT ON t BEGIN INSERT INTO log VALUES(old.a, 1); END",
            "INSERT INTO t VALUES(1, 2)",
            "DROP TRIGGER i1",
            "CREATE TRIGGER d1 AFTER DELETE ON t BEGIN INSERT INTO log VALUES(new.a, 1); END",
            "DELETE FROM t",
            "DROP TRIGGER d1",
            "CREATE TRIGGER i2 AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.nosuch, 1); END",
            "INSERT INTO t VALUES(1, 2)",
            "DROP TRIGGER i2",
            "CREATE TRIGGER i3 AFTER INSERT ON t BEGIN INSERT INTO nosuch VALUES(1); END",
            "INSERT INTO t VALUES(1, 2)",
            "DROP TRIGGER i3",
            "CREATE TRIGGER i4 BEFORE INSERT ON t BEGIN
               INSERT INTO log SELECT new.rowid, (SELECT count(*) FROM t WHERE a = new.a);
             END",
            "INSERT INTO t VALUES(1, 2), (1, 3)",
            "CREATE TRIGGER u1 AFTER UPDATE OF b ON t WHEN old.b IS NOT new.b BEGIN
               INSERT INTO log VALUES(old.b, new.b);
             END",
            "UPDATE t SET a = a + 1",
            "UPDATE t SET b = 3",
            "UPDATE t SET b = b, a = 0",
        ],
    );
}

#[test]
fn instead_of_on_views() {
    same(
        "instead",
        &[
            "CREATE TABLE t(a INTEGER, b TEXT)",
            "INSERT INTO t VALUES(1, 'x'), (2, 'y'), (5, 'z')",
            "CREATE VIEW v AS SELECT a, b, a * 2 AS c FROM t",
            "CREATE TABLE log(x)",
            "INSERT INTO v(a, b) VALUES(3, 'w')",
            "UPDATE v SET a = 1",
            "DELETE FROM v",
            "CREATE TRIGGER vi INSTEAD OF INSERT ON v BEGIN
               INSERT INTO log VALUES(typeof(new.a) || ' ' || quote(new.c) || ' ' || new.rowid);
               INSERT INTO t VALUES(new.a, new.b);
             END",
            "INSERT INTO v(a, b) VALUES('7', 'q'), (8, 'r')",
            "SELECT changes(), total_changes()",
            "INSERT INTO v VALUES(9, 's', 99) RETURNING a, b, c",
            "UPDATE v SET a = 1",
            "CREATE TRIGGER vu INSTEAD OF UPDATE ON v BEGIN
               INSERT INTO log VALUES(old.a || '->' || new.a || ' ' || old.rowid || ' ' || new.c);
               UPDATE t SET a = new.a WHERE a = old.a;
             END",
            "UPDATE v SET a = a + 10 WHERE a > 1",
            "SELECT changes()",
            "UPDATE v SET zz = 1",
            "DELETE FROM v WHERE b = 'x'",
            "CREATE TRIGGER vd INSTEAD OF DELETE ON v WHEN old.b <> 'keep' BEGIN
               INSERT INTO log VALUES('del ' || old.a);
               DELETE FROM t WHERE a = old.a;
             END",
            "DELETE FROM v WHERE b = 'x'",
            "DELETE FROM v",
            "SELECT * FROM v",
            "CREATE TABLE feed(a, b)",
            "CREATE TRIGGER fi AFTER INSERT ON feed BEGIN INSERT INTO v(a, b) VALUES(new.a, new.b); END",
            "INSERT INTO feed VALUES(42, 'via feed')",
            "DROP VIEW v",
            "INSERT INTO feed VALUES(43, 'no view')",
        ],
    );
}

#[test]
fn returning_upsert_and_replace() {
    same(
        "returning",
        &[
            "CREATE TABLE t(id INTEGER PRIMARY KEY, k UNIQUE, n)",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES('ins ' || new.k); END",
            "CREATE TRIGGER bu BEFORE UPDATE ON t BEGIN INSERT INTO log VALUES('bu ' || old.n || '->' || new.n); END",
            "CREATE TRIGGER ad AFTER DELETE ON t BEGIN INSERT INTO log VALUES('del ' || old.k); END",
            "INSERT INTO t(k, n) VALUES('a', 1), ('b', 2) RETURNING id, k, n",
            "INSERT INTO t(k, n) VALUES('a', 10) ON CONFLICT(k) DO UPDATE SET n = n + excluded.n RETURNING *",
            "INSERT INTO t(k, n) VALUES('c', 5) ON CONFLICT(k) DO NOTHING",
            "INSERT INTO t(k, n) VALUES('c', 5) ON CONFLICT(k) DO NOTHING",
            "INSERT OR REPLACE INTO t(k, n) VALUES('b', 20)",
            "REPLACE INTO t(id, k, n) VALUES(1, 'z', 0)",
            "UPDATE t SET n = n * 2 RETURNING id, n",
            "DELETE FROM t WHERE k = 'c' RETURNING k",
            "CREATE TRIGGER bi BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, 'no more') WHERE new.n > 100; END",
            "INSERT INTO t(k, n) VALUES('big', 1000) RETURNING id",
            "INSERT INTO t(k, n) VALUES('small', 1) RETURNING id",
        ],
    );
}

#[test]
fn finer_semantics() {
    same(
        "finer",
        &[
            "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v)",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER w1 AFTER INSERT ON t BEGIN
               WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < new.v)
               INSERT INTO log SELECT 'n' || n FROM c;
             END",
            "INSERT INTO t(v) VALUES(3), (2)",
            "CREATE TRIGGER w2 BEFORE INSERT ON t WHEN (SELECT count(*) FROM log) > 6 BEGIN
               SELECT RAISE(FAIL, 'log full');
             END",
            "INSERT INTO t(v) VALUES(1), (1), (1)",
            "SELECT changes()",
            "CREATE TABLE inner_t(x)",
            "CREATE TRIGGER ig BEFORE INSERT ON inner_t WHEN new.x % 2 = 0 BEGIN SELECT RAISE(IGNORE); END",
            "CREATE TRIGGER outer_tr AFTER UPDATE OF v ON t BEGIN
               INSERT INTO inner_t VALUES(new.v), (new.v + 1);
               INSERT INTO log VALUES('after inner ' || changes());
             END",
            "UPDATE t SET v = 10 WHERE id = 1",
            "UPDATE t SET rowid = rowid + 100 WHERE id = 2",
            "UPDATE t SET id = id + 100 WHERE id = 1",
            "SELECT * FROM sqlite_sequence",
            "CREATE TRIGGER lim AFTER DELETE ON t BEGIN
               DELETE FROM log WHERE rowid IN (SELECT rowid FROM log ORDER BY rowid LIMIT 1, 2);
             END",
            "DELETE FROM t WHERE id > 100",
            "CREATE TABLE dropped(x)",
            "CREATE TRIGGER uses_dropped AFTER INSERT ON inner_t BEGIN INSERT INTO dropped VALUES(new.x); END",
            "INSERT INTO inner_t VALUES(1)",
            "DROP TABLE dropped",
            "INSERT INTO inner_t VALUES(3)",
            "DROP TRIGGER uses_dropped",
            "INSERT INTO inner_t VALUES(5), (6)",
        ],
    );
}

/// Triggers are part of the schema in the file: a new connection loads
/// them and they fire there.
#[test]
fn triggers_persist() {
    let dir = std::env::temp_dir().join(format!("sqlvibe-triggers-persist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("p.db");
    let path = path.to_str().expect("path");
    let flags = sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE;
    {
        let c = Connection::open(path, flags).expect("open");
        for s in [
            "CREATE TABLE t(a)",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a * 2); END",
        ] {
            vibe(&c, s).expect(s);
        }
    }
    let c = Connection::open(path, flags).expect("reopen");
    vibe(&c, "INSERT INTO t VALUES(21)").expect("insert");
    assert_eq!(vibe(&c, "SELECT x FROM log"), Ok(vec![vec![Value::Integer(42)]]));
    drop(c);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A chain of triggers each firing the next is bounded (see
/// MAX_TRIGGER_DEPTH): past the bound the statement fails with SQLite's
/// message instead of exhausting the stack.
#[test]
fn trigger_chain_depth() {
    let c = Connection::open(":memory:", sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE).expect("open");
    let n = 101;
    for i in 0..=n {
        vibe(&c, &format!("CREATE TABLE t{i}(x)")).expect("create table");
    }
    for i in 1..n {
        let sql =
            format!("CREATE TRIGGER tr{i} AFTER INSERT ON t{i} BEGIN INSERT INTO t{}(x) VALUES(new.x + 1); END", i + 1);
        vibe(&c, &sql).expect("create trigger");
    }
    // 100 levels: fine.
    vibe(&c, "INSERT INTO t1 VALUES(1)").expect("100 levels");
    assert_eq!(vibe(&c, &format!("SELECT x FROM t{n}")), Ok(vec![vec![Value::Integer(101)]]));
    // One more level: refused, and nothing is written.
    vibe(&c, "CREATE TRIGGER tr0 AFTER INSERT ON t0 BEGIN INSERT INTO t1(x) VALUES(new.x + 1); END").expect("tr0");
    assert_eq!(vibe(&c, "INSERT INTO t0 VALUES(0)"), Err((1, "too many levels of trigger recursion".to_string())));
    assert_eq!(vibe(&c, "SELECT count(*) FROM t0"), Ok(vec![vec![Value::Integer(0)]]));
}
