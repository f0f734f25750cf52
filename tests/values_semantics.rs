//! Fixed cases with outputs taken from the sqlite3 3.40 CLI
//! (`sqlite3 :memory: "select quote(f(args))"`), checked through the
//! function table, plus the conversion and comparison rules spelled out.

use sqlvibe::sql::func::{self, scalar::quote_value, FuncContext};
use sqlvibe::sql::types::{self, Affinity, ArithOp};
use sqlvibe::storage::Collation;
use sqlvibe::Value;
use std::cmp::Ordering;

struct Ctx;
impl FuncContext for Ctx {
    fn changes(&self) -> i64 {
        0
    }
    fn total_changes(&self) -> i64 {
        0
    }
    fn last_insert_rowid(&self) -> i64 {
        0
    }
    fn random_i64(&mut self) -> i64 {
        0
    }
}

/// Reads the SQL literals used in the table below.
fn lit(s: &str) -> Value {
    match s {
        "NULL" => Value::Null,
        "1.0/3" => Value::Real(1.0 / 3.0),
        "zeroblob(3)" => Value::Blob(vec![0; 3]),
        _ if s.starts_with("x'") => {
            let h = &s[2..s.len() - 1];
            Value::Blob((0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect())
        }
        _ if s.starts_with('\'') => Value::Text(s[1..s.len() - 1].replace("''", "'")),
        _ => match s.parse::<i64>() {
            Ok(i) => Value::Integer(i),
            Err(_) => Value::Real(s.parse().unwrap()),
        },
    }
}

const CASES: &[(&str, &[&str], &str)] = &[
    ("abs", &["-3"], r#"3"#),
    ("abs", &["'-5'"], r#"5.0"#),
    ("abs", &["-2.5"], r#"2.5"#),
    ("abs", &["NULL"], r#"NULL"#),
    ("round", &["2.5"], r#"3.0"#),
    ("round", &["-2.5"], r#"-3.0"#),
    ("round", &["0.15", "1"], r#"0.2"#),
    ("round", &["1.005", "2"], r#"1.01"#),
    ("round", &["2.675", "2"], r#"2.68"#),
    ("round", &["123.456", "-1"], r#"123.0"#),
    ("round", &["1e300", "2"], r#"1.0e+300"#),
    ("round", &["'3.7abc'"], r#"4.0"#),
    ("round", &["-0.4"], r#"0.0"#),
    ("substr", &["'hello'", "0"], r#"'hello'"#),
    ("substr", &["'hello'", "0", "2"], r#"'h'"#),
    ("substr", &["'hello'", "-2"], r#"'lo'"#),
    ("substr", &["'hello'", "-2", "1"], r#"'l'"#),
    ("substr", &["'hello'", "2", "-1"], r#"'h'"#),
    ("substr", &["'hello'", "3", "-5"], r#"'he'"#),
    ("substr", &["'hello'", "-7", "3"], r#"'h'"#),
    ("substr", &["'héllo'", "2", "2"], r#"'él'"#),
    ("substr", &["12345", "2", "2"], r#"'23'"#),
    ("substr", &["x'0102030405'", "2", "2"], r#"X'0203'"#),
    ("instr", &["'héllo'", "'l'"], r#"3"#),
    ("instr", &["'abc'", "''"], r#"1"#),
    ("instr", &["x'0102'", "x'02'"], r#"2"#),
    ("length", &["'héllo'"], r#"5"#),
    ("length", &["x'00ff'"], r#"2"#),
    ("length", &["12.0"], r#"4"#),
    ("hex", &["'é'"], r#"'C3A9'"#),
    ("hex", &["12.5"], r#"'31322E35'"#),
    ("hex", &["NULL"], r#"''"#),
    ("unicode", &["'é'"], r#"233"#),
    ("unicode", &["''"], r#"NULL"#),
    ("char", &["233", "65"], r#"'éA'"#),
    ("char", &["-1"], r#"'�'"#),
    ("trim", &["'  ab  '"], r#"'ab'"#),
    ("ltrim", &["'xxabx'", "'x'"], r#"'abx'"#),
    ("rtrim", &["'abxx'", "'xa'"], r#"'ab'"#),
    ("lower", &["'ÀB'"], r#"'Àb'"#),
    ("upper", &["'àb'"], r#"'àB'"#),
    ("typeof", &["zeroblob(3)"], r#"'blob'"#),
    ("quote", &["0.1"], r#"'0.1'"#),
    ("quote", &["1.0/3"], r#"'3.33333333333333314829e-01'"#),
    ("quote", &["1e300"], r#"'1.0e+300'"#),
    ("quote", &["x'ab01'"], r#"'X''AB01'''"#),
    ("quote", &["'it''s'"], r#"'''it''''s'''"#),
    ("quote", &["NULL"], r#"'NULL'"#),
    ("quote", &["-0.0"], r#"'0.0'"#),
    ("replace", &["'aaa'", "'a'", "'bb'"], r#"'bbbbbb'"#),
    ("replace", &["5", "''", "'x'"], r#"5"#),
    ("replace", &["'abc'", "'b'", "NULL"], r#"NULL"#),
    ("sign", &["-3"], r#"-1"#),
    ("sign", &["0.0"], r#"0"#),
    ("sign", &["'5'"], r#"1"#),
    ("sign", &["'abc'"], r#"NULL"#),
    ("sign", &["'-2e3'"], r#"-1"#),
    ("min", &["1", "1.0"], r#"1.0"#),
    ("max", &["1", "1.0"], r#"1"#),
    ("max", &["NULL", "1"], r#"NULL"#),
    ("min", &["'a'", "5"], r#"5"#),
    ("nullif", &["1", "1.0"], r#"NULL"#),
    ("nullif", &["'a'", "'A'"], r#"'a'"#),
    ("iif", &["0", "1", "2"], r#"2"#),
    ("iif", &["NULL", "1", "2"], r#"2"#),
    ("coalesce", &["NULL", "NULL", "3"], r#"3"#),
    ("like", &["'a%'", "'ABC'"], r#"1"#),
    ("like", &["'a\\%'", "'a%'", "'\\'"], r#"1"#),
    ("like", &["x'61'", "'a'"], r#"0"#),
    ("glob", &["'[a-c]?'", "'bz'"], r#"1"#),
    ("glob", &["'A*'", "'abc'"], r#"0"#),
    (
        "printf",
        &["'%5.1f|%-8.3e|%08.2f|%+.3g'", "3.14159", "1234.5", "-3.14159", "0.0001234"],
        r#"'  3.1|1.235e+03|-0003.14|+0.000123'"#,
    ),
    ("printf", &["'%x %X %o %#x %#o'", "255", "255", "8", "255", "8"], r#"'ff FF 10 0xff 010'"#),
    ("printf", &["'%,d'", "1234567"], r#"'1,234,567'"#),
    ("printf", &["'%q|%Q|%Q|%w'", "'it''s'", "'a''b'", "NULL", "'x\"y'"], r#"'it''''s|''a''''b''|NULL|x""y'"#),
    ("printf", &["'%.20f'", "0.1"], r#"'0.10000000000000000000'"#),
    ("printf", &["'%!.20g'", "0.1"], r#"'0.10000000000000000555'"#),
    ("printf", &["'%.30f'", "1.0/3"], r#"'0.333333333333333300000000000000'"#),
    ("printf", &["'%r %r %r %r'", "1", "2", "3", "11"], r#"'1st 2nd 3rd 11th'"#),
    ("printf", &["'%.1f'", "0.15"], r#"'0.2'"#),
    ("printf", &["'a%yb'"], r#"'a'"#),
];

#[test]
fn functions_match_cli_outputs() {
    for &(name, args, expected) in CASES {
        let vals: Vec<Value> = args.iter().map(|a| lit(a)).collect();
        let f = func::lookup_scalar(name, vals.len()).unwrap();
        let got = quote_value(&f(&mut Ctx, &vals).unwrap());
        assert_eq!(got, expected, "{name}({})", args.join(", "));
    }
}

#[test]
fn function_errors_match_cli() {
    let msg = |name: &str, n: usize| func::lookup_scalar(name, n).err().map(|e| e.message);
    assert_eq!(msg("coalesce", 1).as_deref(), Some("wrong number of arguments to function coalesce()"));
    assert_eq!(msg("foo", 1).as_deref(), Some("no such function: foo"));
    let abs = func::lookup_scalar("abs", 1).unwrap();
    assert_eq!(abs(&mut Ctx, &[Value::Integer(i64::MIN)]).unwrap_err().message, "integer overflow");
    let like = func::lookup_scalar("like", 3).unwrap();
    let e = like(&mut Ctx, &[Value::Text("a".into()), Value::Text("a".into()), Value::Text("ab".into())]).unwrap_err();
    assert_eq!(e.message, "ESCAPE expression must be a single character");
    let mut sum = func::new_accumulator("sum", 1, false).unwrap();
    sum.step(&[Value::Integer(i64::MAX)]).unwrap();
    sum.step(&[Value::Integer(1)]).unwrap();
    assert_eq!(sum.finalize().unwrap_err().message, "integer overflow");
    assert_eq!(
        func::new_accumulator("group_concat", 2, true).err().map(|e| e.message).as_deref(),
        Some("DISTINCT aggregates must have exactly one argument")
    );
}

#[test]
fn casts_match_cli() {
    // select cast(X as T) ... from the CLI.
    let t = |s: &str| Value::Text(s.to_string());
    let cases: &[(Value, Affinity, Value)] = &[
        (t("1e3"), Affinity::Integer, Value::Integer(1)),
        (t("12abc"), Affinity::Integer, Value::Integer(12)),
        (t(" 12 "), Affinity::Integer, Value::Integer(12)),
        (t("9999999999999999999"), Affinity::Integer, Value::Integer(i64::MAX)),
        (t("-9999999999999999999"), Affinity::Integer, Value::Integer(i64::MIN)),
        (Value::Real(1e19), Affinity::Integer, Value::Integer(i64::MAX)),
        (Value::Real(-3.9), Affinity::Integer, Value::Integer(-3)),
        (t("0x10"), Affinity::Integer, Value::Integer(0)),
        (t("  -0012.5e1xyz"), Affinity::Integer, Value::Integer(-12)),
        (Value::Blob(b"12".to_vec()), Affinity::Integer, Value::Integer(12)),
        (t("abc"), Affinity::Real, Value::Real(0.0)),
        (t("1.5e3x"), Affinity::Real, Value::Real(1500.0)),
        (t("1e400"), Affinity::Real, Value::Real(f64::INFINITY)),
        (Value::Real(1.5), Affinity::Blob, Value::Blob(b"1.5".to_vec())),
        (t("1.0"), Affinity::Numeric, Value::Integer(1)),
        (t("1e3"), Affinity::Numeric, Value::Integer(1000)),
        (t("12abc"), Affinity::Numeric, Value::Integer(12)),
        (t("abc"), Affinity::Numeric, Value::Integer(0)),
        (t("9223372036854775808"), Affinity::Numeric, Value::Real(9223372036854775808.0)),
        (t("1.5"), Affinity::Numeric, Value::Real(1.5)),
        (Value::Blob(vec![]), Affinity::Numeric, Value::Integer(0)),
        (t("-0.0"), Affinity::Numeric, Value::Integer(0)),
        (t("1e"), Affinity::Numeric, Value::Integer(1)),
        (Value::Real(-0.0), Affinity::Text, t("0.0")),
        (Value::Null, Affinity::Text, Value::Null),
    ];
    for (v, aff, want) in cases {
        assert_eq!(&types::cast(v, *aff), want, "CAST({v:?} AS {aff:?})");
    }
}

#[test]
fn arithmetic_matches_cli() {
    let t = |s: &str| Value::Text(s.to_string());
    let i = Value::Integer;
    let cases: &[(Value, ArithOp, Value, Value)] = &[
        (t("1.5x"), ArithOp::Add, i(0), Value::Real(1.5)),
        (t("abc"), ArithOp::Add, i(0), i(0)),
        (t("12abc"), ArithOp::Add, i(1), i(13)),
        (t("1e3"), ArithOp::Add, i(0), Value::Real(1000.0)),
        (i(i64::MAX), ArithOp::Add, i(1), Value::Real(9.223_372_036_854_776e18)),
        (i(i64::MIN), ArithOp::Div, i(-1), Value::Real(9.223_372_036_854_776e18)),
        (i(i64::MIN), ArithOp::Rem, i(-1), i(0)),
        (i(5), ArithOp::Div, i(0), Value::Null),
        (i(5), ArithOp::Rem, i(0), Value::Null),
        (Value::Real(5.0), ArithOp::Div, i(0), Value::Null),
        (Value::Real(5.5), ArithOp::Rem, i(2), Value::Real(1.0)),
        (i(-7), ArithOp::Div, i(2), i(-3)),
        (i(-7), ArithOp::Rem, i(2), i(-1)),
        (i(7), ArithOp::Rem, i(-2), i(1)),
        (t("5"), ArithOp::Div, t("2"), i(2)),
        (Value::Real(1e308), ArithOp::Mul, i(10), Value::Real(f64::INFINITY)),
        (Value::Real(f64::INFINITY), ArithOp::Sub, Value::Real(f64::INFINITY), Value::Null),
    ];
    for (a, op, b, want) in cases {
        assert_eq!(&types::arith(*op, a, b), want, "{a:?} {op:?} {b:?}");
    }
    assert_eq!(types::negate(&i(i64::MIN)), Value::Real(9.223_372_036_854_776e18));
    assert_eq!(types::negate(&t("abc")), i(0));
    assert_eq!(types::concat(&t("a"), &Value::Real(1.0)), t("a1.0"));
    assert_eq!(types::concat(&t("a"), &Value::Null), Value::Null);
}

#[test]
fn affinity_rules() {
    for (decl, aff) in [
        ("INTEGER", Affinity::Integer),
        ("BIGINT", Affinity::Integer),
        ("VARCHAR(10)", Affinity::Text),
        ("CLOB", Affinity::Text),
        ("BLOB", Affinity::Blob),
        ("", Affinity::Blob),
        ("DOUBLE PRECISION", Affinity::Real),
        ("FLOATING POINT", Affinity::Integer),
        ("DECIMAL(10,5)", Affinity::Numeric),
        ("CHARINT", Affinity::Integer),
        ("REALBLOB", Affinity::Blob),
    ] {
        assert_eq!(types::affinity_of_decltype(decl), aff, "{decl}");
    }
    let t = |s: &str| Value::Text(s.to_string());
    assert_eq!(types::apply_affinity(t(" 12 "), Affinity::Numeric), Value::Integer(12));
    assert_eq!(types::apply_affinity(t("1e3"), Affinity::Numeric), Value::Integer(1000));
    assert_eq!(types::apply_affinity(t("1.5"), Affinity::Integer), Value::Real(1.5));
    assert_eq!(types::apply_affinity(t("0x10"), Affinity::Numeric), t("0x10"));
    assert_eq!(types::apply_affinity(Value::Real(3.0), Affinity::Integer), Value::Integer(3));
    assert_eq!(types::apply_affinity(Value::Integer(3), Affinity::Real), Value::Real(3.0));
    assert_eq!(types::apply_affinity(Value::Real(1e20), Affinity::Text), t("1.0e+20"));
    assert_eq!(types::apply_affinity(t("5"), Affinity::Blob), t("5"));
}

#[test]
fn comparison_rules() {
    let t = |s: &str| Value::Text(s.to_string());
    let cmp = types::compare_with_affinity;
    // INTEGER column vs text literal: the text is converted.
    assert_eq!(
        cmp(&Value::Integer(5), Some(Affinity::Integer), &t("5"), None, Collation::Binary),
        Some(Ordering::Equal)
    );
    // TEXT column vs integer literal: the integer becomes text.
    assert_eq!(cmp(&t("5"), Some(Affinity::Text), &Value::Integer(5), None, Collation::Binary), Some(Ordering::Equal));
    // No affinity on either side: INTEGER < TEXT.
    assert_eq!(cmp(&Value::Integer(5), None, &t("5"), None, Collation::Binary), Some(Ordering::Less));
    // BLOB-affinity column vs literal: no conversion.
    assert_eq!(
        cmp(&t("5"), Some(Affinity::Blob), &Value::Integer(5), None, Collation::Binary),
        Some(Ordering::Greater)
    );
    assert_eq!(cmp(&t("abc"), None, &t("ABC"), None, Collation::NoCase), Some(Ordering::Equal));
    assert_eq!(cmp(&t("abc  "), None, &t("abc"), None, Collation::RTrim), Some(Ordering::Equal));
    assert_eq!(cmp(&Value::Null, None, &t("abc"), None, Collation::Binary), None);
    assert_eq!(
        types::compare_for_sort(&Value::Integer(9007199254740993), &Value::Real(9007199254740992.0), Collation::Binary),
        Ordering::Greater
    );
}
