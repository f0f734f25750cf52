//! Table features sqlvibe does not implement yet are refused with a clear
//! SQLITE_ERROR instead of being silently ignored (which would give
//! different answers than SQLite), and the schema text SQLite would store is
//! kept whole.

use sqlvibe::conn::{OPEN_CREATE, OPEN_READWRITE};
use sqlvibe::{Connection, ErrorKind, StepResult, Value};

fn open() -> Connection {
    Connection::open(":memory:", OPEN_READWRITE | OPEN_CREATE).unwrap()
}

fn exec(conn: &Connection, sql: &str) -> sqlvibe::Result<()> {
    conn.exec(sql, &mut |_, _| true)
}

#[test]
fn unsupported_table_options_are_refused() {
    let conn = open();
    for (sql, msg) in [
        ("CREATE TABLE s(a INT) STRICT", "STRICT tables are not supported yet"),
        ("CREATE TABLE w(a PRIMARY KEY, b) WITHOUT ROWID", "WITHOUT ROWID tables are not supported yet"),
    ] {
        let err = exec(&conn, sql).expect_err(sql);
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Error, msg), "{sql}");
    }
    // Nothing was created.
    let (st, _) = conn.prepare("SELECT count(*) FROM sqlite_master").unwrap();
    let mut st = st.unwrap();
    assert_eq!(st.step().unwrap(), StepResult::Row);
    assert_eq!(st.column_value(0), &Value::Integer(0));
}

#[test]
fn stored_text_runs_to_the_end_of_the_statement() {
    let conn = open();
    exec(&conn, "CREATE TABLE IF NOT EXISTS t (a /* c */ , b) ; CREATE TABLE u(x)").unwrap();
    let (st, _) = conn.prepare("SELECT sql FROM sqlite_master ORDER BY name").unwrap();
    let mut st = st.unwrap();
    let mut texts = Vec::new();
    while st.step().unwrap() == StepResult::Row {
        texts.push(st.column_value(0).clone());
    }
    assert_eq!(
        texts,
        vec![Value::Text("CREATE TABLE t (a /* c */ , b)".into()), Value::Text("CREATE TABLE u(x)".into())]
    );
}

#[test]
fn unsupported_alter_and_dml_forms_are_refused() {
    let conn = open();
    exec(&conn, "CREATE TABLE t(a, b)").unwrap();
    for (sql, msg) in [
        ("ALTER TABLE t ADD COLUMN g AS (a + 1)", "generated columns are not supported yet"),
        ("UPDATE t SET (a, b) = (1, 2)", "row value assignments are not supported yet"),
        ("ANALYZE", "ANALYZE/VACUUM are not supported yet"),
    ] {
        let err = exec(&conn, sql).expect_err(sql);
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Error, msg), "{sql}");
    }
    // Nothing changed.
    let (st, _) = conn.prepare("SELECT sql FROM sqlite_master").unwrap();
    let mut st = st.unwrap();
    assert_eq!(st.step().unwrap(), StepResult::Row);
    assert_eq!(st.column_value(0), &Value::Text("CREATE TABLE t(a, b)".into()));
}

#[test]
fn alter_under_a_temporary_view_is_refused() {
    let conn = open();
    exec(&conn, "CREATE TABLE t(a, b); CREATE TEMP VIEW tv AS SELECT a FROM t").unwrap();
    let err = exec(&conn, "ALTER TABLE t RENAME COLUMN a TO aa").expect_err("refused");
    assert_eq!(
        (err.kind, err.message.as_str()),
        (ErrorKind::Error, "ALTER TABLE on a table temporary view tv refers to is not supported yet")
    );
    // Tables no temporary view reads are altered.
    exec(&conn, "CREATE TABLE u(x); ALTER TABLE u RENAME TO u2").unwrap();
}

#[test]
fn temporary_triggers_are_refused() {
    let conn = open();
    exec(&conn, "CREATE TABLE t(a)").unwrap();
    for sql in [
        "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
        "CREATE TRIGGER temp.tr AFTER INSERT ON t BEGIN SELECT 1; END",
    ] {
        let err = exec(&conn, sql).expect_err(sql);
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Error, "temporary triggers are not supported yet"));
    }
    // A trigger statement with a CASE ... END in its body is one statement.
    exec(
        &conn,
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN new.a THEN 1 END; END; INSERT INTO t VALUES(1)",
    )
    .unwrap();
}

/// Foreign key enforcement and recursive triggers are not implemented:
/// turning either on is refused (it would leave rules silently unenforced);
/// reading them says 0 and turning them off is accepted.
#[test]
fn unimplemented_rule_pragmas_refuse_on() {
    let conn = open();
    for (name, msg) in [
        ("foreign_keys", "foreign key enforcement is not supported yet"),
        ("recursive_triggers", "recursive triggers are not supported yet"),
    ] {
        for on in ["ON", "1", "true", "yes"] {
            let sql = format!("PRAGMA {name} = {on}");
            let err = exec(&conn, &sql).expect_err(&sql);
            assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Error, msg), "{sql}");
        }
        exec(&conn, &format!("PRAGMA {name} = OFF")).unwrap();
        let (st, _) = conn.prepare(&format!("PRAGMA {name}")).unwrap();
        let mut st = st.unwrap();
        assert_eq!(st.step().unwrap(), StepResult::Row);
        assert_eq!(st.column_value(0), &Value::Integer(0));
    }
}
