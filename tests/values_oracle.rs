//! Randomised comparison of sqlvibe's value semantics and built-in functions
//! with the system SQLite (through rusqlite): every function, operator, CAST
//! and affinity is evaluated on generated argument values bound as
//! parameters, and the results (value and storage class, or error message)
//! must be identical. Fixed seeds; SQLVIBE_VALUES_SEEDS=n runs n more.

use rusqlite::types::Value as RV;
use sqlvibe::sql::func::{self, FuncContext};
use sqlvibe::sql::types::{self, Affinity, ArithOp, BitOp};
use sqlvibe::Value;

mod common;
use common::Rng;

const TEXTS: &[&str] = &[
    "",
    " ",
    "0",
    "1",
    "-1",
    " 12 ",
    "12abc",
    "1e3",
    "1.5",
    "1.5x",
    "-0",
    "-0.0",
    ".5",
    "5.",
    "0x10",
    "abc",
    "ABC",
    "aBc",
    "é",
    "É",
    "hello world",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "1e400",
    "1e",
    "1.e",
    "+7",
    "  -0012.5e1xyz",
    "%",
    "_",
    "a%",
    "%b%",
    "a_c",
    "it's",
    "\"q\"",
    "a\\b",
    "x y ",
    "1.0",
    "2.50",
    "1e-5",
    "3.25159",
    "100",
    "007",
    "\t5\n",
    "ab",
    "b",
    "a",
    "Ab",
    "abc ",
    "[a-c]*",
    "*",
    "?",
];

fn gen_value(r: &mut Rng) -> Value {
    match r.below64(10) {
        0 => Value::Null,
        1 | 2 => Value::Integer(*r.pick(&[
            0,
            1,
            -1,
            2,
            3,
            7,
            10,
            -7,
            100,
            255,
            1000,
            65,
            233,
            i64::MAX,
            i64::MIN,
            i64::MAX - 1,
            1 << 53,
            (1 << 53) + 1,
            4_503_599_627_370_497,
            -123456789,
        ])),
        3 => Value::Integer(r.next() as i64 >> r.below64(64)),
        4 | 5 => Value::Real(*r.pick(&[
            0.0,
            -0.0,
            0.5,
            1.0,
            -1.5,
            2.5,
            0.1,
            0.15,
            1.005,
            2.675,
            3.25159,
            1e15,
            1e16,
            1e20,
            -1e-7,
            1e300,
            123.456,
            1e308,
            5e-324,
            9.2e18,
            -9.3e18,
            0.25,
            100.0,
            1.0 / 3.0,
        ])),
        6 => {
            let mant = (r.next() % 2_000_000) as f64 - 1_000_000.0;
            Value::Real(mant * 10f64.powi(r.below64(30) as i32 - 15))
        }
        7 | 8 => Value::Text(r.pick(TEXTS).to_string()),
        _ => Value::Blob(match r.below64(4) {
            0 => vec![],
            1 => b"12".to_vec(),
            2 => vec![0, 1, 0xff],
            _ => b"abc".to_vec(),
        }),
    }
}

fn to_rv(v: &Value) -> RV {
    match v {
        Value::Null => RV::Null,
        Value::Integer(i) => RV::Integer(*i),
        Value::Real(f) => RV::Real(*f),
        Value::Text(s) => RV::Text(s.clone()),
        Value::Blob(b) => RV::Blob(b.clone()),
    }
}

fn same(a: &Value, b: &RV) -> bool {
    match (a, b) {
        (Value::Null, RV::Null) => true,
        (Value::Integer(x), RV::Integer(y)) => x == y,
        (Value::Real(x), RV::Real(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::Text(x), RV::Text(y)) => x == y,
        (Value::Blob(x), RV::Blob(y)) => x == y,
        _ => false,
    }
}

/// A call context whose collating sequence is NOCASE.
struct NoCaseCtx;
impl FuncContext for NoCaseCtx {
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
        4
    }
    fn collation(&self) -> sqlvibe::storage::Collation {
        sqlvibe::storage::Collation::NoCase
    }
}

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
        4
    }
}

struct Oracle {
    db: rusqlite::Connection,
    failures: Vec<String>,
}

impl Oracle {
    fn query(&self, sql: &str, args: &[Value]) -> Result<RV, String> {
        let mut st = self.db.prepare_cached(sql).map_err(|e| e.to_string())?;
        let params: Vec<RV> = args.iter().map(to_rv).collect();
        st.query_row(rusqlite::params_from_iter(params.iter()), |r| {
            Ok(match r.get_ref(0)? {
                rusqlite::types::ValueRef::Text(t) => RV::Text(String::from_utf8_lossy(t).into_owned()),
                other => RV::from(other),
            })
        })
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(_, Some(m)) => m,
            other => other.to_string(),
        })
    }

    fn check(&mut self, sql: &str, args: &[Value], mine: Result<Value, String>) {
        let theirs = self.query(sql, args);
        let ok = match (&mine, &theirs) {
            (Ok(a), Ok(b)) => same(a, b),
            (Err(a), Err(b)) => a == b,
            _ => false,
        };
        if !ok && self.failures.len() < 40 {
            self.failures.push(format!("{sql} {args:?}: sqlite {theirs:?}, sqlvibe {mine:?}"));
        }
    }
}

fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    let f = func::lookup_scalar(name, args.len()).map_err(|e| e.message)?;
    f(&mut Ctx, args).map_err(|e| e.message)
}

const FUNCS: &[(&str, usize)] = &[
    ("abs", 1),
    ("char", 2),
    ("coalesce", 3),
    ("glob", 2),
    ("hex", 1),
    ("ifnull", 2),
    ("iif", 3),
    ("instr", 2),
    ("length", 1),
    ("like", 2),
    ("like", 3),
    ("lower", 1),
    ("upper", 1),
    ("ltrim", 1),
    ("ltrim", 2),
    ("rtrim", 1),
    ("rtrim", 2),
    ("trim", 1),
    ("trim", 2),
    ("max", 2),
    ("max", 3),
    ("min", 2),
    ("min", 3),
    ("nullif", 2),
    ("quote", 1),
    ("replace", 3),
    ("round", 1),
    ("round", 2),
    ("sign", 1),
    ("substr", 2),
    ("substr", 3),
    ("substring", 3),
    ("typeof", 1),
    ("unicode", 1),
    ("zeroblob", 1),
    ("likely", 1),
    ("unlikely", 1),
];

fn run_seed(o: &mut Oracle, seed: u64, rounds: usize) {
    let mut r = Rng(seed.max(1));
    for _ in 0..rounds {
        // Scalar functions.
        for &(name, n) in FUNCS {
            let mut args: Vec<Value> = (0..n).map(|_| gen_value(&mut r)).collect();
            if name == "zeroblob" {
                if let Value::Integer(i) = args[0] {
                    args[0] = Value::Integer(i.rem_euclid(64));
                }
                if matches!(args[0], Value::Real(_)) {
                    args[0] = Value::Real(3.7);
                }
            }
            if name == "char" {
                for a in &mut args {
                    // SQLite writes surrogate code points as raw (invalid UTF-8) bytes,
                    // which a Rust String cannot hold: keep them out.
                    if let Value::Real(f) = *a {
                        if (55296.0..57344.0).contains(&f) {
                            *a = Value::Real(65.5);
                        }
                    }
                    if let Value::Integer(i) = *a {
                        let cp = i.rem_euclid(0x11_0000 + 5) - 2;
                        *a = Value::Integer(if (0xd800..0xe000).contains(&cp) { 65 } else { cp });
                    }
                }
            }
            let placeholders: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
            let sql = format!("SELECT {name}({})", placeholders.join(","));
            o.check(&sql, &args, call(name, &args));
        }
        let a = gen_value(&mut r);
        let b = gen_value(&mut r);
        // Operators.
        for (sym, op) in
            [("+", ArithOp::Add), ("-", ArithOp::Sub), ("*", ArithOp::Mul), ("/", ArithOp::Div), ("%", ArithOp::Rem)]
        {
            o.check(&format!("SELECT ?1 {sym} ?2"), &[a.clone(), b.clone()], Ok(types::arith(op, &a, &b)));
        }
        for (sym, op) in [("&", BitOp::And), ("|", BitOp::Or), ("<<", BitOp::ShiftLeft), (">>", BitOp::ShiftRight)] {
            o.check(&format!("SELECT ?1 {sym} ?2"), &[a.clone(), b.clone()], Ok(types::bit_op(op, &a, &b)));
        }
        o.check("SELECT ?1 || ?2", &[a.clone(), b.clone()], Ok(types::concat(&a, &b)));
        o.check("SELECT -?1", std::slice::from_ref(&a), Ok(types::negate(&a)));
        o.check("SELECT ~?1", std::slice::from_ref(&a), Ok(types::bit_not(&a)));
        o.check("SELECT NOT ?1", std::slice::from_ref(&a), Ok(types::logical_not(&a)));
        o.check(
            "SELECT CASE WHEN ?1 THEN 1 ELSE 0 END",
            std::slice::from_ref(&a),
            Ok(Value::Integer(i64::from(types::truthy(&a) == Some(true)))),
        );
        for (ty, aff) in [
            ("INTEGER", Affinity::Integer),
            ("REAL", Affinity::Real),
            ("TEXT", Affinity::Text),
            ("BLOB", Affinity::Blob),
            ("NUMERIC", Affinity::Numeric),
        ] {
            o.check(&format!("SELECT CAST(?1 AS {ty})"), std::slice::from_ref(&a), Ok(types::cast(&a, aff)));
        }
        // Comparison of two parameters (no affinity) under each collation.
        for coll in ["BINARY", "NOCASE", "RTRIM"] {
            let c = types::collation_by_name(coll).unwrap();
            let mine = types::compare_with_affinity(&a, None, &b, None, c)
                .map_or(Value::Null, |ord| Value::Integer(ord as i64));
            o.check(
                &format!("SELECT CASE WHEN ?1 < ?2 COLLATE {coll} THEN -1 WHEN ?1 = ?2 COLLATE {coll} THEN 0 WHEN ?1 > ?2 COLLATE {coll} THEN 1 END"),
                &[a.clone(), b.clone()],
                Ok(mine),
            );
        }
        // min/max/nullif under the collation of their leftmost argument.
        for name in ["min", "max", "nullif"] {
            let f = func::lookup_scalar(name, 2).unwrap();
            let mine = f(&mut NoCaseCtx, &[a.clone(), b.clone()]).map_err(|e| e.message);
            o.check(&format!("SELECT {name}(?1 COLLATE NOCASE, ?2)"), &[a.clone(), b.clone()], mine);
        }
        // LIKE with an escape character.
        let esc = Value::Text(r.pick(&["\\", "%", "_", "a"]).to_string());
        o.check(
            "SELECT like(?1, ?2, ?3)",
            &[a.clone(), b.clone(), esc.clone()],
            call("like", &[a.clone(), b.clone(), esc]),
        );
    }
}

/// Stores `v` in columns of each declared type and reads it back; compares
/// apply_affinity and comparisons between columns and a parameter.
fn affinity_round(o: &mut Oracle, r: &mut Rng) {
    let v = gen_value(r);
    let w = gen_value(r);
    o.db.execute("DELETE FROM t", []).unwrap();
    o.db.execute("INSERT INTO t VALUES (?1, ?1, ?1, ?1, ?1, ?1)", [to_rv(&v)]).unwrap();
    let cols = [
        ("i", Some(Affinity::Integer)),
        ("r", Some(Affinity::Real)),
        ("x", Some(Affinity::Text)),
        ("b", Some(Affinity::Blob)),
        ("n", Some(Affinity::Numeric)),
        ("u", Some(Affinity::Blob)),
    ];
    for (col, aff) in cols {
        let stored = types::apply_affinity(v.clone(), aff.unwrap());
        o.check(&format!("SELECT {col} FROM t"), &[], Ok(stored.clone()));
        let mine = types::compare_with_affinity(&stored, aff, &w, None, sqlvibe::storage::Collation::Binary)
            .map_or(Value::Null, |ord| Value::Integer(ord as i64));
        o.check(
            &format!("SELECT CASE WHEN {col} < ?1 THEN -1 WHEN {col} = ?1 THEN 0 WHEN {col} > ?1 THEN 1 END FROM t"),
            std::slice::from_ref(&w),
            Ok(mine),
        );
        for (col2, aff2) in cols {
            let stored2 = types::apply_affinity(v.clone(), aff2.unwrap());
            let mine = types::compare_with_affinity(&stored, aff, &stored2, aff2, sqlvibe::storage::Collation::Binary)
                .map_or(Value::Null, |ord| Value::Integer(ord as i64));
            o.check(
                &format!("SELECT CASE WHEN {col} < {col2} THEN -1 WHEN {col} = {col2} THEN 0 WHEN {col} > {col2} THEN 1 END FROM t"),
                &[],
                Ok(mine),
            );
        }
    }
}

fn aggregate_round(o: &mut Oracle, r: &mut Rng) {
    o.db.execute("DELETE FROM g", []).unwrap();
    let n = r.below64(6);
    let mut rows = Vec::new();
    for _ in 0..n {
        let v = gen_value(r);
        let s = Value::Text(r.pick(&[",", "-", ""]).to_string());
        o.db.execute("INSERT INTO g VALUES (?1, ?2)", [to_rv(&v), to_rv(&s)]).unwrap();
        rows.push((v, s));
    }
    for (name, nargs) in [
        ("count", 0),
        ("count", 1),
        ("sum", 1),
        ("total", 1),
        ("avg", 1),
        ("min", 1),
        ("max", 1),
        ("group_concat", 1),
        ("group_concat", 2),
    ] {
        for distinct in [false, true] {
            if distinct && nargs != 1 {
                continue;
            }
            let mut acc = func::new_accumulator(name, nargs, distinct).unwrap();
            let mut res = Ok(());
            for (v, s) in &rows {
                let args: Vec<Value> = [v.clone(), s.clone()].into_iter().take(nargs).collect();
                res = res.and_then(|_| acc.step(&args));
            }
            let mine = res.and_then(|_| acc.finalize()).map_err(|e| e.message);
            let arglist = match nargs {
                0 => "*".to_string(),
                1 => format!("{}v", if distinct { "DISTINCT " } else { "" }),
                _ => "v, s".to_string(),
            };
            o.check(&format!("SELECT {name}({arglist}) FROM (SELECT v, s FROM g ORDER BY rowid)"), &[], mine);
            if nargs == 1 && matches!(name, "min" | "max" | "count") {
                let mut acc =
                    func::new_accumulator_with_collation(name, 1, distinct, sqlvibe::storage::Collation::NoCase)
                        .unwrap();
                let mut res = Ok(());
                for (v, _) in &rows {
                    res = res.and_then(|_| acc.step(std::slice::from_ref(v)));
                }
                let mine = res.and_then(|_| acc.finalize()).map_err(|e| e.message);
                let d = if distinct { "DISTINCT " } else { "" };
                o.check(
                    &format!("SELECT {name}({d}v COLLATE NOCASE) FROM (SELECT v FROM g ORDER BY rowid)"),
                    &[],
                    mine,
                );
            }
        }
    }
}

fn oracle() -> Oracle {
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE t(i INTEGER, r REAL, x TEXT, b BLOB, n NUMERIC, u); CREATE TABLE g(v, s);").unwrap();
    Oracle { db, failures: Vec::new() }
}

fn extra_seeds() -> Vec<u64> {
    let n: u64 = std::env::var("SQLVIBE_VALUES_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
    (0..n).map(|i| start.wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15))).collect()
}

#[test]
fn functions_and_operators_match_sqlite() {
    let mut o = oracle();
    for seed in [1u64, 2, 3, 0xdead_beef].into_iter().chain(extra_seeds()) {
        println!("seed {seed}");
        run_seed(&mut o, seed, 150);
    }
    assert!(o.failures.is_empty(), "mismatches:\n{}", o.failures.join("\n"));
}

#[test]
fn affinity_and_column_comparisons_match_sqlite() {
    let mut o = oracle();
    for seed in [5u64, 6].into_iter().chain(extra_seeds()) {
        println!("seed {seed}");
        let mut r = Rng(seed);
        for _ in 0..300 {
            affinity_round(&mut o, &mut r);
        }
    }
    assert!(o.failures.is_empty(), "mismatches:\n{}", o.failures.join("\n"));
}

#[test]
fn aggregates_match_sqlite() {
    let mut o = oracle();
    for seed in [7u64, 8].into_iter().chain(extra_seeds()) {
        println!("seed {seed}");
        let mut r = Rng(seed);
        for _ in 0..300 {
            aggregate_round(&mut o, &mut r);
        }
    }
    assert!(o.failures.is_empty(), "mismatches:\n{}", o.failures.join("\n"));
}

fn random_double(r: &mut Rng) -> f64 {
    loop {
        let f = match r.below64(6) {
            0 => f64::from_bits(r.next()),
            1 => (r.below64(100_000) as f64) / 10f64.powi(r.below64(12) as i32),
            2 => (r.next() as i64 as f64) / 1e3,
            3 => (r.below64(2000) as f64 - 1000.0) * 10f64.powi(r.below64(40) as i32 - 20),
            4 => (r.below64(1 << 53) as f64) * 2f64.powi(r.below64(20) as i32 - 10),
            _ => (r.below64(10_000_000) as f64 + 0.5) * 10f64.powi(r.below64(16) as i32 - 8),
        };
        if !f.is_nan() {
            return if r.below64(2) == 0 { f } else { -f };
        }
    }
}

#[test]
fn real_rendering_and_parsing_match_sqlite() {
    let mut o = oracle();
    let mut parse_total = 0usize;
    let mut parse_misses: Vec<String> = Vec::new();
    for seed in [11u64, 12].into_iter().chain(extra_seeds()) {
        println!("seed {seed}");
        let mut r = Rng(seed);
        for _ in 0..4000 {
            let f = random_double(&mut r);
            o.check("SELECT CAST(?1 AS TEXT)", &[Value::Real(f)], Ok(Value::Text(types::real_to_text(f))));
            // Text -> REAL: random decimal literals of up to 15 digits and
            // moderate exponents. (Longer literals and exponents near the
            // double range differ from the system library in the last bit
            // about twice in a thousand: see numeric::scale_pow10.)
            let digits: String = (0..1 + r.below64(15)).map(|_| char::from(b'0' + r.below64(10) as u8)).collect();
            let point = r.below64(digits.len() as u64 + 1) as usize;
            let mut lit = format!("{}.{}", &digits[..point], &digits[point..]);
            if r.below64(2) == 0 {
                lit.push_str(&format!("e{}", r.below64(200) as i64 - 100));
            }
            let v = Value::Text(lit);
            parse_total += 1;
            let theirs = o.query("SELECT CAST(?1 AS REAL)", std::slice::from_ref(&v));
            let mine = types::cast(&v, Affinity::Real);
            if !matches!(&theirs, Ok(t) if same(&mine, t)) {
                parse_misses.push(format!("{v:?}: sqlite {theirs:?}, sqlvibe {mine:?}"));
            }
        }
    }
    assert!(o.failures.is_empty(), "mismatches:\n{}", o.failures.join("\n"));
    // Known: SQLite's long double scaling rounds a few literals' last bit
    // differently from this model (documented in numeric::scale_pow10).
    println!("text->real last-bit differences: {} of {parse_total}: {parse_misses:?}", parse_misses.len());
    assert!(parse_misses.len() * 5000 <= parse_total, "{parse_misses:?}");
}

#[test]
fn printf_matches_sqlite() {
    let mut o = oracle();
    for seed in [21u64, 22].into_iter().chain(extra_seeds()) {
        println!("seed {seed}");
        let mut r = Rng(seed);
        for _ in 0..3000 {
            let mut fmt = String::from("<");
            let mut args = Vec::new();
            for _ in 0..1 + r.below64(3) {
                fmt.push('%');
                for fl in ["-", "+", " ", "#", "!", "0", ","] {
                    if r.below64(6) == 0 {
                        fmt.push_str(fl);
                    }
                }
                match r.below64(4) {
                    0 => {}
                    1 => {
                        fmt.push('*');
                        args.push(Value::Integer(r.below64(30) as i64 - 10));
                    }
                    _ => fmt.push_str(&r.below64(25).to_string()),
                }
                match r.below64(4) {
                    0 => {}
                    1 => fmt.push('.'),
                    _ => fmt.push_str(&format!(".{}", r.below64(22))),
                }
                let conv = *r.pick(&[
                    'd', 'i', 'u', 'x', 'X', 'o', 'f', 'e', 'E', 'g', 'G', 'c', 's', 'z', 'q', 'Q', 'w', 'r', '%',
                ]);
                fmt.push(conv);
                fmt.push('|');
                if conv != '%' {
                    args.push(if matches!(conv, 'f' | 'e' | 'E' | 'g' | 'G') && r.below64(3) > 0 {
                        Value::Real(random_double(&mut r))
                    } else {
                        gen_value(&mut r)
                    });
                }
            }
            let mut all = vec![Value::Text(fmt)];
            all.extend(args);
            let placeholders: Vec<String> = (1..=all.len()).map(|i| format!("?{i}")).collect();
            let sql = format!("SELECT printf({})", placeholders.join(","));
            o.check(&sql, &all, call("printf", &all));
        }
    }
    assert!(o.failures.is_empty(), "mismatches:\n{}", o.failures.join("\n"));
}
