//! Core scalar and aggregate functions against the system SQLite (3.40):
//! hand-listed edge cases plus generated calls whose arguments mix NULL,
//! integers near the i64 bounds, reals, unicode text and blobs. Each call's
//! value and type, or its error message, must be identical. Fixed seed;
//! SQLVIBE_FUNC_SEEDS=n runs n more.

mod common;
use common::{open, reference, vibe, Rng};

/// Runs each query on both engines (after `setup`); returns the mismatches.
fn compare_queries(setup: &[&str], queries: &[String]) -> Vec<String> {
    let v = open();
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    for s in setup {
        assert_eq!(vibe(&v, s).map(|_| ()), reference(&r, s).map(|_| ()), "setup: {s}");
    }
    let mut bad = Vec::new();
    for q in queries {
        let a = vibe(&v, q).map(|x| x.1);
        let b = reference(&r, q).map(|x| x.1);
        if a != b {
            bad.push(format!("{q}\n    sqlvibe: {a:?}\n    sqlite:  {b:?}"));
        }
    }
    bad
}

/// `SELECT e, typeof(e)` for each expression.
fn value_queries(exprs: &[&str]) -> Vec<String> {
    exprs.iter().map(|e| format!("SELECT {e}, typeof({e})")).collect()
}

fn assert_same(setup: &[&str], queries: &[String]) {
    let bad = compare_queries(setup, queries);
    assert!(bad.is_empty(), "{} of {} differ:\n{}", bad.len(), queries.len(), bad.join("\n"));
}

const SCALARS: &[&str] = &[
    // abs, sign, round
    "abs(-9223372036854775807)",
    "abs(-9223372036854775808)",
    "abs(-0.0)",
    "abs('-12abc')",
    "abs(x'2d35')",
    "abs(NULL)",
    "abs('')",
    "sign(-3)",
    "sign(0.0)",
    "sign('12')",
    "sign('12x')",
    "sign(x'31')",
    "sign(-1e-300)",
    "sign(NULL)",
    "round(2.5)",
    "round(-2.5)",
    "round(1.005, 2)",
    "round(123.456, -1)",
    "round(1e300, 2)",
    "round(9223372036854775807)",
    "round('3.7xyz')",
    "round(0.5, 400)",
    "round(NULL, 1)",
    "round(1.5, NULL)",
    "round(2.675, 2)",
    "round(-0.4)",
    // char, unicode, hex, quote
    "char(72, 105, 0x1F600, -1, 1114112, 55296)",
    "char()",
    "char(NULL, 65)",
    "char('66', 67.9)",
    "unicode('é')",
    "unicode('')",
    "unicode(x'')",
    "unicode(12)",
    "hex('é')",
    "hex(12.5)",
    "hex(x'00ff')",
    "hex(NULL)",
    "hex(-9223372036854775808)",
    "quote('it''s')",
    "quote(x'00ff')",
    "quote(1.0)",
    "quote(0.1)",
    "quote(1e300)",
    "quote(-0.0)",
    "quote(NULL)",
    "quote(9223372036854775807)",
    "quote(3.141592653589793)",
    // coalesce, ifnull, iif, nullif, likely, likelihood
    "coalesce(NULL, NULL, 3)",
    "coalesce(NULL, NULL)",
    "ifnull(NULL, 'x')",
    "iif(1, 'a', 'b')",
    "iif(0.0, 'a', 'b')",
    "iif('1x', 'a', 'b')",
    "iif(NULL, 'a', 'b')",
    "nullif(1, 1.0)",
    "nullif('a', 'A')",
    "nullif(NULL, 1)",
    "nullif(1, NULL)",
    "likely(5)",
    "unlikely('x')",
    "likelihood(3, 0.5)",
    "likelihood(3, 1.5)",
    "likelihood(3, 'x')",
    // instr, length, lower, upper, trims, replace, substr
    "instr('hello', 'l')",
    "instr('héllo', 'l')",
    "instr(x'0102030203', x'0203')",
    "instr('abc', '')",
    "instr(NULL, 'a')",
    "instr(12345, 34)",
    "instr(x'616263', 'c')",
    "length('héllo')",
    "length(x'000102')",
    "length(123.5)",
    "length(NULL)",
    "length('a' || char(0) || 'b')",
    "lower('ÀBC')",
    "upper('àbc straße')",
    "lower(NULL)",
    "upper(x'6162')",
    "ltrim('  x  ')",
    "rtrim('  x  ')",
    "trim('  x  ')",
    "trim('xxhixx', 'x')",
    "trim('éaé', 'é')",
    "ltrim('abcba', 'ab')",
    "rtrim(12300, '0')",
    "trim(NULL)",
    "trim('x', NULL)",
    "trim('abc', '')",
    "replace('aaa', 'a', 'bb')",
    "replace('abc', '', 'x')",
    "replace('abc', 'b', NULL)",
    "replace(NULL, 'b', 'x')",
    "replace(123123, 2, 'x')",
    "replace('aaaa', 'aa', 'a')",
    "substr('hello', 2)",
    "substr('hello', 0)",
    "substr('hello', 0, 2)",
    "substr('hello', -2)",
    "substr('hello', -2, 1)",
    "substr('hello', 2, -1)",
    "substr('hello', 3, -5)",
    "substr('hello', -10, 3)",
    "substr('hello', 10)",
    "substr('héllo', 2, 2)",
    "substr(x'0102030405', 2, 3)",
    "substr(x'0102030405', -2)",
    "substr(x'', 1)",
    "substr('abc', NULL)",
    "substr('abc', 1, NULL)",
    "substr(12345, 2, 2)",
    "substr('hello', 2.7, 1.9)",
    "substr('hello', 4294967298, 1)",
    "substring('hello', 1, 3)",
    // typeof, zeroblob, randomblob, random
    "typeof(zeroblob(3))",
    "zeroblob(-1)",
    "length(zeroblob(5))",
    "zeroblob(2.9)",
    "length(randomblob(10))",
    "length(randomblob(0))",
    "length(randomblob(-5))",
    "typeof(randomblob(NULL))",
    "typeof(random())",
    // like, glob
    "like('a%', 'ABC')",
    "like('a\\%', 'a%', '\\')",
    "like('a_c', 'abc')",
    "like('%', NULL)",
    "like('abc', 'abc', 'xy')",
    "like('abc', 'abc', '')",
    "like('é', 'É')",
    "glob('a*', 'abc')",
    "glob('[a-c]?', 'bz')",
    "glob('[^a]', 'a')",
    "glob(NULL, 'x')",
    "'abc' LIKE 'A%' ESCAPE 'x'",
    "'abc' GLOB 'a*'",
    // min, max scalar
    "max(1, 2.5, '3')",
    "min(1, 2.5, '3')",
    "max(1, NULL, 3)",
    "min(x'01', 'z', 5)",
    "max('a', 'B' COLLATE NOCASE)",
    "min('a' COLLATE NOCASE, 'B')",
    // soundex, sqlite_version
    "soundex('Robert')",
    "soundex('Tymczak')",
    "soundex('')",
    "soundex(NULL)",
    "soundex('123')",
    "soundex('Ashcraft')",
    "soundex('é Lee')",
    "sqlite_version()",
    // math functions (the system SQLite is built with them)
    "pi()",
    "ceil(1.2)",
    "ceil(-1.2)",
    "ceil(5)",
    "ceil('5')",
    "ceil('5.5')",
    "ceil('x')",
    "floor(-0.5)",
    "trunc(-2.7)",
    "trunc(9223372036854775807)",
    "log(100)",
    "log(2, 8)",
    "log(1, 8)",
    "log(0.5, 8)",
    "log(2, 'x')",
    "log('x', 8)",
    "ln(0)",
    "ln(-1)",
    "log2(1024)",
    "log10(0.001)",
    "sqrt(-1)",
    "sqrt(2)",
    "acos(2)",
    "pow(2, 0.5)",
    "power(-8, 1.0/3)",
    "pow(0, -1)",
    "mod(7, 3)",
    "mod(-7.5, 2)",
    "mod(7, 0)",
    "atan2(1, -1)",
    "degrees(pi())",
    "radians(180)",
    "exp(710)",
    "acosh(1e300)",
    "asinh(-1e-300)",
    "atanh(0.5)",
    "cosh(-3)",
    "asinh(0.5)",
    "asinh(3)",
    "asinh(-1e10)",
    "acosh(1.5)",
    "acosh(3)",
    "acosh(1)",
    "acosh(0.5)",
    "atanh(0.1)",
    "atanh(-0.9)",
    "atanh(1)",
    "atanh(-1)",
    "atanh(1e-10)",
    "pi(1)",
    "log()",
    "log(1, 2, 3)",
    // arithmetic: overflow to REAL, division by zero
    "9223372036854775807 + 1",
    "-9223372036854775808 - 1",
    "9223372036854775807 * 2",
    "-9223372036854775808 * -1",
    "-9223372036854775808 / -1",
    "-9223372036854775808 % -1",
    "5 / 0",
    "5 % 0",
    "5.0 / 0",
    "5 / 0.0",
    "5.5 % 0",
    "5 % 2.5",
    "-7 / 2",
    "-7 % 3",
    "7.5 % 2",
    "'9223372036854775807' + 1",
    "'abc' / 0",
    "1e308 * 10",
    "-1e308 * 10",
    "1e308 * 10 - 1e308 * 10",
    "0 * 1e308 * 10",
    "-(-9223372036854775808)",
    "- '-9223372036854775808'",
    "9223372036854775807 - -1",
    "2 * 4611686018427387904",
    "4611686018427387904 * -2",
    // errors: argument counts and unknown functions
    "abs()",
    "abs(1, 2)",
    "substr('x')",
    "substr('x', 1, 2, 3)",
    "iif(1, 2)",
    "coalesce(1)",
    "nullif(1)",
    "like('a')",
    "like('a', 'b', 'c', 'd')",
    "random(1)",
    "round()",
    "typeof()",
    "octet_length('a')",
    "unhex('00')",
    "concat('a', 'b')",
    "nosuchfunc(1)",
    "count(1, 2)",
    "sum()",
    "group_concat()",
    "max()",
    "min()",
    "ABS(-1)",
    "Upper('x')",
];

/// printf / format: every conversion and flag.
const PRINTF: &[&str] = &[
    "printf('%d %i %u', 42, -42, -1)",
    "printf('%5d|%-5d|%05d|%+d|% d', 42, 42, 42, 42, 42)",
    "printf('%,d %,d %,d', 1234567, -1234567, 999)",
    "printf('%x %X %o %#x %#X %#o', 255, 255, 8, 255, 255, 8)",
    "printf('%x', -1)",
    "printf('%.3d|%8.3d|%-8.3d|%08.3d', 5, 5, 5, 5)",
    "printf('%f %e %E %g %G', 3.14159, 314.159, 314.159, 0.0000314, 3e20)",
    "printf('%.2f %.0f %#.0f %.10f', 2.675, 2.5, 2.5, 1.0/3)",
    "printf('%10.3f|%-10.3f|%010.3f|%+.3f|% .3f', 3.14159, 3.14159, -3.14159, 3.14159, 3.14159)",
    "printf('%g %g %g %g %g', 100000, 1000000, 1e-4, 1e-5, 123456789)",
    "printf('%#g %#.3g %.0g %.20g', 1.0, 1.0, 123.0, 0.1)",
    "printf('%!.20g %!f %!e', 0.1, 1.5, 1.5)",
    "printf('%.3e %.0e %#.0e', 12345.678, 5.5, 5.5)",
    "printf('%f %f %f', 1e308*10, -1e308*10, 0.0)",
    "printf('%e %g', 1e308*10, -1e308*10)",
    "printf('%5.1f|%05.1f|%-+8.2e|', -0.0, 1e308*10, 12.5)",
    "printf('%c%c%c', 'abc', 'é', '')",
    "printf('%5c|%-5c|%.3c|', 'x', 'y', 'z')",
    "printf('%s %s %s %s', 'a', 1, 2.5, NULL)",
    "printf('%10s|%-10s|%.2s|%.*s|%*s', 'abc', 'abc', 'abc', 1, 'abc', 6, 'abc')",
    "printf('%!.2s|%.2s|%!5s|%5s', 'éèê', 'éèê', 'éè', 'éè')",
    "printf('%z', 'zz')",
    "printf('%q|%Q|%w', 'it''s', 'it''s', 'a\"b')",
    "printf('%q|%Q|%w', NULL, NULL, NULL)",
    "printf('%Q', 12)",
    "printf('%.3q|%.3Q', 'abcdef', 'abcdef')",
    "printf('%%|%5%|%-5%|')",
    "printf('%n|%d', 5)",
    "printf('%p', 255)",
    "printf('%r', 1)",
    "printf('%y %d', 1, 2)",
    "printf('%', 1)",
    "printf('abc%')",
    "printf('%5')",
    "printf('%*d|%-*d|%*d', 5, 42, 5, 42, -5, 42)",
    "printf('%.*f', 2, 3.14159)",
    "printf('%.*f', -2, 3.14159)",
    "printf('%lld %ld %hd', 1, 2, 3)",
    "printf('%d', '12abc')",
    "printf('%d', 3.99)",
    "printf('%d', -3.99)",
    "printf('%d', 1e300)",
    "printf('%d', x'3132')",
    "printf('%f', 'abc')",
    "printf('%s', x'616263')",
    "printf('%d %d', 1)",
    "printf('%s')",
    "printf()",
    "printf(NULL, 1)",
    "printf(12)",
    "printf('%d', 9223372036854775807)",
    "printf('%d', -9223372036854775808)",
    "printf('%u', -9223372036854775808)",
    "printf('%,d', -9223372036854775808)",
    "printf('%#o %#x', 0, 0)",
    "printf('%.0f', 0.5)",
    "printf('%.0f', 1.5)",
    "printf('%.15g', 0.1 + 0.2)",
    "printf('%.16g', 0.1 + 0.2)",
    "printf('%.17g', 0.1 + 0.2)",
    "printf('%.25f', 0.1)",
    "printf('%.50f', 1e-40)",
    "printf('%f', 1e20)",
    "printf('%g', 1e-320)",
    "printf('%e', 5e-324)",
    "printf('%08.2f', -1.5)",
    "printf('%+08d', 42)",
    "printf('% 08d', 42)",
    "printf('%-08d|', 42)",
    "printf('%#5x|%#05x|%-#5x|', 10, 10, 10)",
    "printf('%,.2f', 1234567.891)",
    "printf('%,10d|%-,10d|%0,10d', 1234567, 1234567, 1234567)",
    "format('%s-%d', 'a', 5)",
    "format('%5.2s|', 'abc')",
    "printf('%.3c', 'é')",
    "printf('%-5q|', 'ab')",
    "printf('%10Q|', 'ab')",
    "printf('%s', 1e100)",
    "printf('%s %s', 1.0, -0.0)",
    "printf('%i', ' 42 ')",
    "printf('%x', 3.9)",
    "printf('%c', 65)",
    "printf('%c', NULL)",
    "printf('%.0s|', 'abc')",
    "printf('%n')",
    "printf('%1000000001d', 1)",
    "printf('a%2147483648d', 1)",
    "printf('%.2147483649s', 'abc')",
    "printf('%.2000000000s', 'abc')",
    "printf('%*d|', -2147483648, 5)",
    "printf('%.1000000001d', 1)",
    "printf('ab' || char(0) || '%d', 1)",
];

#[test]
fn scalar_functions_match_sqlite() {
    assert_same(&[], &value_queries(SCALARS));
}

#[test]
fn printf_matches_sqlite() {
    assert_same(&[], &value_queries(PRINTF));
}

/// Literal arguments for generated calls.
const ARGS: &[&str] = &[
    "NULL",
    "0",
    "1",
    "-1",
    "2",
    "3",
    "-7",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775806",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967296",
    "0.0",
    "-0.0",
    "0.5",
    "1.5",
    "-2.5",
    "3.14159",
    "1e15",
    "1e308",
    "-1e308",
    "1e-300",
    "9.223372036854775807e18",
    "''",
    "' '",
    "'abc'",
    "'ABC'",
    "'a%c'",
    "'_b'",
    "'[a-c]*'",
    "'héllo wörld'",
    "'日本語'",
    "'😀x'",
    "' 12 '",
    "'12abc'",
    "'-3.5e2'",
    "'0x10'",
    "'%d %s %5.2f %q'",
    "'%c%x%%'",
    "'it''s'",
    "'a' || char(0) || 'b'",
    "x''",
    "x'00'",
    "x'00ff'",
    "x'616263'",
    "x'c3a9'",
    "x'ff'",
];

/// (function, argument counts to generate).
const FUNCS: &[(&str, &[usize])] = &[
    ("abs", &[1]),
    ("char", &[0, 1, 2, 3]),
    ("coalesce", &[2, 3]),
    ("format", &[1, 2, 3]),
    ("glob", &[2]),
    ("hex", &[1]),
    ("ifnull", &[2]),
    ("iif", &[3]),
    ("instr", &[2]),
    ("length", &[1]),
    ("like", &[2, 3]),
    ("likely", &[1]),
    ("lower", &[1]),
    ("ltrim", &[1, 2]),
    ("max", &[2, 3]),
    ("min", &[2, 3]),
    ("nullif", &[2]),
    ("printf", &[1, 2, 3]),
    ("quote", &[1]),
    ("replace", &[3]),
    ("round", &[1, 2]),
    ("rtrim", &[1, 2]),
    ("sign", &[1]),
    ("soundex", &[1]),
    ("substr", &[2, 3]),
    ("trim", &[1, 2]),
    ("typeof", &[1]),
    ("unicode", &[1]),
    ("unlikely", &[1]),
    ("upper", &[1]),
    ("zeroblob", &[1]),
    ("acos", &[1]),
    ("acosh", &[1]),
    ("asin", &[1]),
    ("asinh", &[1]),
    ("atan", &[1]),
    ("atan2", &[2]),
    ("atanh", &[1]),
    ("ceil", &[1]),
    ("ceiling", &[1]),
    ("cos", &[1]),
    ("cosh", &[1]),
    ("degrees", &[1]),
    ("exp", &[1]),
    ("floor", &[1]),
    ("ln", &[1]),
    ("log", &[1, 2]),
    ("log10", &[1]),
    ("log2", &[1]),
    ("mod", &[2]),
    ("pow", &[2]),
    ("power", &[2]),
    ("radians", &[1]),
    ("sin", &[1]),
    ("sinh", &[1]),
    ("sqrt", &[1]),
    ("tan", &[1]),
    ("tanh", &[1]),
    ("trunc", &[1]),
    ("+", &[2]),
    ("-", &[2]),
    ("*", &[2]),
    ("/", &[2]),
    ("%", &[2]),
];

fn generated(seed: u64, per_arity: usize) -> Vec<String> {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = Vec::new();
    for (f, arities) in FUNCS {
        for &n in *arities {
            for _ in 0..per_arity {
                let args: Vec<&str> = (0..n).map(|_| ARGS[r.below(ARGS.len())]).collect();
                let e = if f.len() == 1 {
                    format!("({} {f} {})", args[0], args[1])
                } else {
                    format!("{f}({})", args.join(", "))
                };
                // zeroblob of a huge size is "string or blob too big" in both,
                // but only after SQLite allocates it: keep sizes small.
                if *f == "zeroblob" && args[0].len() > 4 {
                    continue;
                }
                out.push(e);
            }
        }
    }
    out.iter().map(|e| format!("SELECT {e}, typeof({e})")).collect()
}

/// printf conversions with random flags, widths, precisions and arguments.
fn generated_printf(seed: u64, n: usize) -> Vec<String> {
    const CONVS: &[&str] =
        &["d", "i", "u", "x", "X", "o", "f", "e", "E", "g", "G", "c", "s", "z", "q", "Q", "w", "p", "%"];
    const FLAGS: &[&str] = &["", "-", "+", " ", "0", "#", "!", ",", "-0", "+0", "#0", "!#", "-+,", " 0", "0,"];
    const WIDTHS: &[&str] = &["", "1", "5", "12", "*", "0", "25"];
    const PRECS: &[&str] = &["", ".0", ".1", ".3", ".10", ".*", ".", ".17", ".25"];
    let mut r = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    (0..n)
        .map(|_| {
            let mut fmt = String::new();
            let mut args = Vec::new();
            for _ in 0..1 + r.below(2) {
                let w = WIDTHS[r.below(WIDTHS.len())];
                let p = PRECS[r.below(PRECS.len())];
                fmt.push_str(&format!("[%{}{w}{p}{}]", FLAGS[r.below(FLAGS.len())], CONVS[r.below(CONVS.len())]));
                if w == "*" {
                    args.push(["3", "-4", "0", "'7'", "NULL"][r.below(5)]);
                }
                if p == ".*" {
                    args.push(["2", "-1", "0", "5"][r.below(4)]);
                }
                args.push(ARGS[r.below(ARGS.len())]);
            }
            let e = format!("printf('{fmt}', {})", args.join(", "));
            format!("SELECT {e}, typeof({e})")
        })
        .collect()
}

#[test]
fn generated_printf_matches_sqlite() {
    let extra: u64 = std::env::var("SQLVIBE_FUNC_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    for seed in 1..=1 + extra {
        assert_same(&[], &generated_printf(seed, 400));
    }
}

#[test]
fn generated_calls_match_sqlite() {
    let extra: u64 = std::env::var("SQLVIBE_FUNC_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    for seed in 1..=1 + extra {
        assert_same(&[], &generated(seed, 12));
    }
}

const AGG_SETUP: &[&str] = &[
    "CREATE TABLE t(g, a, b TEXT, c REAL, d)",
    "INSERT INTO t VALUES (1, 1, 'x', 1.5, NULL), (1, 2, 'y', NULL, x'00'), (1, 2, 'Y', 2.5, 'q')",
    "INSERT INTO t VALUES (2, NULL, NULL, NULL, NULL), (2, 9223372036854775807, 'é', -0.0, 3)",
    "INSERT INTO t VALUES (3, '12', '12', '1e3', '7'), (3, 'abc', 'abc', 0.1, 0.2), (3, 3, 'x', 0.7, 1)",
    "INSERT INTO t VALUES (4, 9223372036854775807, 'a', 1e308, 1), (4, 1, 'b', 1e308, 2)",
    "INSERT INTO t VALUES (5, -9223372036854775808, 'a', -1e308, 1), (5, -1, 'b', 1e308, 2)",
    "CREATE TABLE e(x)",
];

const AGGS: &[&str] = &[
    "SELECT g, count(*), count(a), count(DISTINCT a), sum(c), total(c), avg(c) FROM t GROUP BY g",
    "SELECT g, sum(a), total(a), avg(a) FROM t WHERE g <> 4 AND g <> 5 GROUP BY g",
    "SELECT sum(a) FROM t WHERE g = 4",
    "SELECT sum(a) FROM t WHERE g = 5",
    "SELECT total(a), avg(a) FROM t WHERE g = 4",
    "SELECT sum(c), avg(c) FROM t WHERE g = 4",
    "SELECT g, min(a), max(a), min(b), max(b), min(d), max(d) FROM t GROUP BY g",
    "SELECT g, group_concat(b), group_concat(b, '; '), group_concat(DISTINCT b) FROM t GROUP BY g",
    "SELECT group_concat(a, NULL) FROM t WHERE g = 1",
    "SELECT group_concat(d) FROM t WHERE g = 1",
    "SELECT group_concat(c, x'2d') FROM t",
    "SELECT count(DISTINCT b), count(DISTINCT b COLLATE NOCASE), max(b COLLATE NOCASE) FROM t",
    "SELECT sum(DISTINCT a), total(DISTINCT c), avg(DISTINCT c) FROM t WHERE g < 4",
    "SELECT count(*), sum(x), total(x), avg(x), min(x), max(x), group_concat(x) FROM e",
    "SELECT count(*) FILTER (WHERE a > 1), sum(a) FILTER (WHERE g = 1) FROM t WHERE g < 4",
    "SELECT g, count(*) FILTER (WHERE b IS NOT NULL), group_concat(b, '|') FILTER (WHERE g <> 2) FROM t GROUP BY g",
    "SELECT g, count(DISTINCT b) FILTER (WHERE b <> 'x') FROM t GROUP BY g",
    "SELECT max(a) FILTER (WHERE a < 3), min(a) FILTER (WHERE 0) FROM t WHERE g < 4",
    "SELECT g FROM t GROUP BY g HAVING count(*) FILTER (WHERE c > 1) > 0",
    "SELECT avg(a) FILTER (WHERE 1) FROM t WHERE g = 1",
    "SELECT abs(1) FILTER (WHERE 1)",
    "SELECT count(*) FILTER (WHERE nosuch) FROM t",
    "SELECT count(*) FILTER (WHERE sum(a) > 1) FROM t",
    "SELECT count(DISTINCT a, b) FROM t",
    "SELECT group_concat(DISTINCT b, ',') FROM t",
    "SELECT sum(a, b) FROM t",
    "SELECT count() FROM t",
    "SELECT total() FROM t",
    "SELECT max(DISTINCT a) FROM t",
    "SELECT upper(DISTINCT b) FROM t",
    "SELECT nosuch(a) FROM t",
    "SELECT sum(sum(a)) FROM t",
    "SELECT typeof(sum(a)), typeof(total(a)), typeof(avg(a)) FROM t WHERE g = 1",
    "SELECT sum('1'), sum('1.5'), sum(x'31') FROM t WHERE g = 1",
];

#[test]
fn aggregates_match_sqlite() {
    assert_same(AGG_SETUP, &AGGS.iter().map(|s| s.to_string()).collect::<Vec<_>>());
}

#[test]
fn connection_counters_match_sqlite() {
    let script: Vec<String> = [
        "SELECT changes(), total_changes(), last_insert_rowid()",
        "CREATE TABLE c(x)",
        "INSERT INTO c VALUES (1), (2), (3)",
        "SELECT changes(), total_changes(), last_insert_rowid()",
        "UPDATE c SET x = x + 1 WHERE x > 1",
        "SELECT changes(), total_changes(), last_insert_rowid()",
        "DELETE FROM c",
        "SELECT changes(), total_changes()",
        "SELECT changes(1)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_same(&[], &script);
}

/// The comparison itself notices a wrong answer.
#[test]
fn harness_detects_differences() {
    let bad = compare_queries(&[], &["SELECT random() = 5".to_string(), "SELECT 1".to_string()]);
    assert!(bad.is_empty());
    let v = open();
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    assert_ne!(vibe(&v, "SELECT 1").map(|x| x.1), reference(&r, "SELECT 2").map(|x| x.1));
}
