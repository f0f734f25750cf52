//! Deeply nested SQL is refused with SQLite's error instead of exhausting
//! the stack (which would kill the host process), and nesting just inside
//! the limit still works on an ordinary 2 MiB thread stack.

use sqlvibe::conn::{OPEN_CREATE, OPEN_READWRITE};
use sqlvibe::{Connection, ErrorKind, StepResult, Value};

const TOO_DEEP: &str = "Expression tree is too large (maximum depth 1000)";

fn first_value(conn: &Connection, sql: &str) -> sqlvibe::Result<Value> {
    let (stmt, _) = conn.prepare(sql)?;
    let mut stmt = stmt.expect("a statement");
    assert_eq!(stmt.step()?, StepResult::Row);
    Ok(stmt.column_value(0).clone())
}

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().unwrap();
}

#[test]
fn too_deep_is_an_error() {
    on_small_stack(|| {
        let conn = Connection::open(":memory:", OPEN_READWRITE | OPEN_CREATE).unwrap();
        let cases = [
            format!("SELECT 1 {}", "AND 1 ".repeat(20_000)),
            format!("SELECT {}1{}", "(".repeat(100_000), ")".repeat(100_000)),
            format!("SELECT {}1", "- ".repeat(20_000)),
            format!("SELECT {}1{}", "CASE WHEN 1 THEN ".repeat(3_000), " END".repeat(3_000)),
            format!("CREATE TABLE t(a CHECK({}1))", "a AND ".repeat(5_000)),
        ];
        for sql in &cases {
            let err = conn.prepare(sql).err().unwrap_or_else(|| panic!("accepted: {}", &sql[..40]));
            assert_eq!(err.kind, ErrorKind::Error);
            assert_eq!(err.message, TOO_DEEP);
        }
        let subqueries = format!("SELECT {}1{}", "(SELECT ".repeat(2_000), ")".repeat(2_000));
        assert_eq!(conn.prepare(&subqueries).err().unwrap().message, "parser stack overflow");
        // The connection is still usable.
        assert_eq!(first_value(&conn, "SELECT 41 + 1").unwrap(), Value::Integer(42));
    });
}

#[test]
fn deep_but_legal_nesting_works() {
    on_small_stack(|| {
        let conn = Connection::open(":memory:", OPEN_READWRITE | OPEN_CREATE).unwrap();
        let parens = format!("SELECT {}7{}", "(".repeat(900), ")".repeat(900));
        assert_eq!(first_value(&conn, &parens).unwrap(), Value::Integer(7));
        let ands = format!("SELECT 1 {}", "AND 1 ".repeat(900));
        assert_eq!(first_value(&conn, &ands).unwrap(), Value::Integer(1));
        let sums = format!("SELECT 0 {}", "+ 1 ".repeat(900));
        assert_eq!(first_value(&conn, &sums).unwrap(), Value::Integer(900));
        let subs = format!("SELECT {}5{}", "(SELECT ".repeat(99), ")".repeat(99));
        assert_eq!(first_value(&conn, &subs).unwrap(), Value::Integer(5));
    });
}

#[test]
fn hex_literal_wider_than_64_bits_is_an_error() {
    let conn = Connection::open(":memory:", OPEN_READWRITE | OPEN_CREATE).unwrap();
    let err = conn.prepare("SELECT 0x123456789ABCDEF01").expect_err("must fail");
    assert_eq!(err.message, "hex literal too big: 0x123456789ABCDEF01");
    assert_eq!(first_value(&conn, "SELECT 0xFFFFFFFFFFFFFFFF").unwrap(), Value::Integer(-1));
}

#[test]
fn results_over_the_length_limit_are_too_big() {
    let conn = Connection::open(":memory:", OPEN_READWRITE | OPEN_CREATE).unwrap();
    for sql in ["SELECT hex(zeroblob(600000000))", "SELECT zeroblob(600000000) || zeroblob(600000000)"] {
        let (stmt, _) = conn.prepare(sql).unwrap();
        let err = stmt.unwrap().step().expect_err(sql);
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::TooBig, "string or blob too big"), "{sql}");
    }
}
