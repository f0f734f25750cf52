//! Date and time functions against the system SQLite (3.40): every time
//! value form, modifier and strftime conversion, hand-listed edge cases
//! plus generated combinations (fixed seed; SQLVIBE_DATETIME_SEEDS=n runs
//! n more). Each expression's value, type and error must be identical.
//! 'now' is checked for stability within a statement and against SQLite's
//! clock (within a few seconds), never for an exact value.
//! `localtime` / `utc` follow the process's zone: run with e.g.
//! `TZ=America/New_York` or `TZ=Australia/Lord_Howe` to exercise them off UTC.

mod common;
use common::{open, reference, vibe, Rng};
use sqlvibe::Value;

/// Evaluates `SELECT e, typeof(e)` on both engines; returns mismatches.
fn compare(exprs: &[String]) -> Vec<String> {
    let v = open();
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    let mut bad = Vec::new();
    for e in exprs {
        let sql = format!("SELECT {e}, typeof({e})");
        let a = vibe(&v, &sql).map(|x| x.1);
        let b = reference(&r, &sql).map(|x| x.1);
        if a != b {
            bad.push(format!("{e}\n    sqlvibe: {a:?}\n    sqlite:  {b:?}"));
        }
    }
    bad
}

fn assert_all_same(exprs: &[String]) {
    let bad = compare(exprs);
    assert!(bad.is_empty(), "{} of {} differ:\n{}", bad.len(), exprs.len(), bad.join("\n"));
}

const HAND: &[&str] = &[
    // Time value forms.
    "datetime(0)",
    "datetime(-1)",
    "date(-1)",
    "datetime(0.5)",
    "datetime(-0.0)",
    "datetime(1e300)",
    "datetime(5373484.4)",
    "datetime(5373484.5)",
    "datetime(2460000)",
    "datetime(2460000.25)",
    "datetime('2460000.5')",
    "datetime(' 2460000.5 ')",
    "datetime('2460000.5x')",
    "datetime('1e3')",
    "julianday('1e3')",
    "datetime('12abc')",
    "datetime('')",
    "datetime(' ')",
    "datetime('  2024-01-01')",
    "datetime('2024-01-01')",
    "datetime('2024-02-31')",
    "date('2024-02-30', '+0 days')",
    "datetime('2024-01-01 24:00:00')",
    "datetime('2024-01-01 23:60')",
    "datetime('2024-1-01')",
    "datetime('2024-01-01x')",
    "datetime('2024-01-011')",
    "datetime('2024-01-01 10:00:00.')",
    "datetime('2024-01-01   10:00')",
    "datetime('2024-01-01T10:00')",
    "datetime('2024-01-01TT 10:00')",
    "datetime('2024-01-01T')",
    "datetime('2024-01-01 Z')",
    "datetime('2024-01-01T10:00:00Z')",
    "datetime('2024-01-01 10:00:00z')",
    "datetime('2024-01-01 10:00:00 Z ')",
    "datetime('2024-01-01 10:00:00+02:30')",
    "datetime('2024-01-01 10:00:00 -02:30')",
    "datetime('2024-01-01 10:00:00+14:00')",
    "datetime('2024-01-01 10:00:00+15:00')",
    "datetime('2024-01-01 10:00:00+00:00')",
    "datetime('2024-01-01 10:00:00+0100')",
    "datetime('2024-01-01 10:00:00+01:00x')",
    "datetime('10:00 +01:00')",
    "time('12:34')",
    "datetime('12:34:56.789')",
    "time('10:00:59.9996')",
    "datetime('2024-01-01 10:00:00.123456789')",
    "julianday('2000-01-01')",
    "julianday('2024-01-01 12:00:00.5')",
    "datetime('-0001-01-01')",
    "date('-0001-03-01')",
    "date('-4713-11-24')",
    "date('-4714-11-24')",
    "datetime('0000-01-01 00:00:00')",
    "datetime('9999-12-31 23:59:59.999')",
    "datetime('9999-12-31 23:59:59.9995')",
    "datetime('10000-01-01')",
    "datetime('NOW') IS NOT NULL",
    "datetime('nowx')",
    "datetime(NULL)",
    "datetime('2024-01-01', NULL)",
    "datetime(x'323032342d30312d3031')",
    "datetime(x'00')",
    "datetime('2024-01-01' || char(0) || 'junk')",
    // Modifiers.
    "datetime('2024-01-01', '1 day')",
    "datetime('2024-01-01', ' +1 day')",
    "datetime('2024-01-01', '+1 day ')",
    "datetime('2024-01-01', '+1   DAYS')",
    "datetime('2024-01-01', '+ 1 day')",
    "datetime('2024-01-01', '+1day')",
    "datetime('2024-01-01', '+1.5 day')",
    "datetime('2024-01-01', '+1 dayss')",
    "datetime('2024-01-01', '+1e1 days')",
    "datetime('2024-01-01', '-1.25 hours')",
    "datetime('2024-01-01', '+90 minutes')",
    "datetime('2024-01-01', '-3661 seconds')",
    "datetime('2024-01-01', '+0.0005 seconds')",
    "strftime('%f', '2024-01-01', '+0.0005 seconds')",
    "datetime('2024-01-01', '+10000000000 seconds')",
    "datetime('2024-01-01', '-5373485 days')",
    "datetime('2024-01-31', '+1 month')",
    "datetime('2024-01-31', '-1 months')",
    "datetime('2024-03-15', '+1.5 months')",
    "datetime('2024-03-15', '-13 months')",
    "datetime('2024-03-15', '-12 months')",
    "datetime('2024-03-15', '+24 months')",
    "datetime('2024-01-01', '+176545 months')",
    "datetime('2024-01-01', '+1.5 years')",
    "datetime('2024-02-29', '+1 year')",
    "datetime('2024-01-01', '+14712 years')",
    "datetime('2024-01-01', '+14713 years')",
    "datetime('2024-01-01', '-2025 years')",
    "date('2024-01-01', '-2024 years')",
    "date('2024-01-01', '-6738 years')",
    "datetime('2024-01-01', '+25:30')",
    "datetime('2024-01-01', '-01:30:15.5')",
    "datetime('2024-01-01 10:00:00', '-00:00:01')",
    "datetime('2024-01-01', '+12:00:00.5')",
    "datetime('2024-01-01', '+1:00')",
    "datetime('2024-01-01', '01:00')",
    "datetime('2024-01-01', '+01:00:60')",
    "datetime('2024-01-01', '+24:00')",
    "datetime('2024-01-01', '+10:00 ')",
    "datetime('2024-01-01', '-24:00:00')",
    "datetime('2024-01-01', '+10:00+01:00')",
    "datetime('2024-01-01', 5)",
    "datetime('2024-03-15 10:20:30', 'start of month')",
    "datetime('2024-03-15 10:20:30', 'start of year')",
    "datetime('2024-03-15 10:20:30', 'START OF DAY')",
    "datetime('2024-01-01', 'start of  month')",
    "datetime('2024-01-01', 'start of week')",
    "datetime(-1, 'start of day')",
    "date('2024-02-30', 'start of month')",
    "datetime('2024-01-01 10:00+01:00', 'start of day')",
    "datetime('2024-01-01 10:00+01:00', '+0 days')",
    "time('2024-01-01 24:00:00', '+0 seconds')",
    "date('2024-03-15', 'weekday 0')",
    "date('2024-03-17', 'weekday 0')",
    "date('2024-03-15', 'weekday 6.0')",
    "date('2024-03-15', 'weekday 7')",
    "date('2024-03-15', 'weekday -1')",
    "date('2024-03-15', 'weekday 1.5')",
    "datetime('2024-01-01', 'weekday  1')",
    "datetime('2024-01-01', 'weekday 1 ')",
    "date('2024-02-30', 'weekday 1')",
    "datetime(1700000000, 'unixepoch')",
    "datetime('1700000000', 'unixepoch')",
    "datetime(' 1700000000 ', 'unixepoch')",
    "datetime(1700000000.5, 'unixepoch')",
    "strftime('%f', '1700000000.5', 'unixepoch')",
    "datetime(-1, 'unixepoch')",
    "datetime(0, '+1 day', 'unixepoch')",
    "datetime(0, 'unixepoch', 'unixepoch')",
    "datetime('0', 'unixepoch')",
    "datetime(2460000, 'unixepoch')",
    "datetime(1e15, 'unixepoch')",
    "datetime('2024-01-01', 'unixepoch')",
    "datetime(1700000000, 'auto')",
    "datetime(2460000, 'auto')",
    "datetime(-1, 'auto')",
    "datetime(-210866760001, 'auto')",
    "datetime(253402300799, 'auto')",
    "datetime(253402300800, 'auto')",
    "datetime('2024-01-01', 'auto')",
    "datetime(2460000, 'julianday')",
    "datetime(1700000000, 'julianday')",
    "datetime('2460000', 'julianday')",
    "datetime(2460000, '+1 day', 'julianday')",
    "datetime(2460000, '+1 day', 'auto')",
    "datetime('2024-01-01', 'julianday')",
    "datetime('2024-01-01', 'subsec')",
    "datetime('2024-01-01', 'localtime ', 'utc')",
    "datetime('2024-01-01', 'nonsense')",
    "datetime(0, '-36 hours', 'utc')",
    "datetime(0, '-36 hours', 'localtime')",
    "datetime(0, '-1 second', 'utc')",
    "datetime(1700000000, 'utc')",
    "datetime(1700000000, 'utc', '+0.5 days')",
    "datetime(-86400, 'localtime', '+7 days')",
    "datetime('2024-01-01 12:00', 'localtime', 'utc')",
    "datetime('2024-07-01 12:00', 'utc', 'localtime')",
    "datetime('2024-01-01 12:00', 'utc', 'utc')",
    "datetime('2024-01-01 12:00+01:00', 'utc')",
    "datetime('1850-07-01 12:00', 'localtime')",
    "datetime('2100-07-01 12:00:00.25', 'localtime')",
    "unixepoch('-1000-06-15', 'localtime', '+1 month')",
    "datetime('2024-01-01', '')",
    "unixepoch('2024-01-01 00:00:00.999')",
    "unixepoch(0.5)",
    "unixepoch('1969-12-31 23:59:59.5')",
    "julianday(0.5)",
    "julianday('x')",
    // strftime.
    "strftime('%d %f %H %j %J %m %M %s %S %w %W %Y %%', '2024-03-05 13:04:05.678')",
    "strftime('%', '2024-01-01')",
    "strftime('abc%')",
    "strftime('%x', 'now')",
    "strftime('%e', '2024-01-01')",
    "strftime('%F %T', '2024-01-01')",
    "strftime('%u', '2024-01-01')",
    "strftime(NULL)",
    "strftime()",
    "strftime('%Y', NULL)",
    "strftime('no conversions', '2024-01-01')",
    "strftime('', '2024-01-01')",
    "strftime('%Y', '-0001-03-01')",
    "strftime('%Y|%J|%s', 0)",
    "strftime('%Y %j %W %w', '0000-01-01')",
    "strftime('%f', '2024-01-01 10:00:59.9999')",
    "strftime('%S %f', '2024-01-01 10:00:59.9996')",
    "strftime('%f', '2024-01-01 10:00:00.0005')",
    "strftime('%W %j', '2024-12-31')",
    "strftime('%W %j %w', '2023-01-01')",
    "strftime('%W', '2024-01-07')",
    "strftime('%W', '2024-01-08')",
    "strftime('%j', '2024-02-31')",
    "strftime(x'2559', '2024-01-01')",
    "strftime(12, '2024-01-01')",
    "strftime('%Y', 2460000.5)",
    "strftime('%J', 2460000.5)",
    "strftime('%J', '2024-01-01 00:00:00.001')",
    "strftime('%s', '2024-01-01')",
    "strftime('%s', '1900-01-01')",
    "strftime('%H:%M:%S', '2024-01-01 24:00')",
    "strftime('é%dé', '2024-01-01')",
    "strftime('%d' || char(0) || '%x', '2024-01-01')",
    // Argument counts and types.
    "date('2024-01-01', '+1 day', '+1 month', 'start of year', '+2 years', 'weekday 3')",
    "time(45296.5)",
    "date(x'')",
    "julianday(2460000)",
    "typeof(date())",
    "typeof(julianday())",
    "typeof(unixepoch())",
];

#[test]
fn hand_listed_cases_match_sqlite() {
    let exprs: Vec<String> = HAND.iter().map(|s| s.to_string()).collect();
    assert_all_same(&exprs);
}

const VALUES: &[&str] = &[
    "'2024-03-15 10:20:30.456'",
    "'2024-02-29'",
    "'2023-12-31T23:59:59'",
    "'1970-01-01'",
    "'2000-02-28 12:00'",
    "'0000-01-01'",
    "'9999-12-31 23:59:59'",
    "'-1000-06-15'",
    "'12:00'",
    "'23:59:59.999'",
    "'2024-06-30 12:00:00-05:00'",
    "'2024-06-30 23:00:00+09:30'",
    "'2024-02-31'",
    "'1850-07-04'",
    "2460000.5",
    "2451545",
    "0",
    "-86400",
    "1700000000",
    "86399.999",
    "'2460000.5'",
    "'1700000000'",
    "NULL",
    "'bogus'",
];

const MODIFIERS: &[&str] = &[
    "'+1 day'",
    "'-1 day'",
    "'+7 days'",
    "'+0.5 days'",
    "'-36 hours'",
    "'+90 minutes'",
    "'-1.5 minutes'",
    "'+59.9 seconds'",
    "'+1 month'",
    "'-1 month'",
    "'+13 months'",
    "'-25 months'",
    "'+1.25 months'",
    "'+1 year'",
    "'-1 year'",
    "'+0.5 years'",
    "'-100 years'",
    "'+12:30'",
    "'-01:00:30.5'",
    "'start of month'",
    "'start of year'",
    "'start of day'",
    "'weekday 0'",
    "'weekday 3'",
    "'weekday 6'",
    "'unixepoch'",
    "'auto'",
    "'julianday'",
    "'utc'",
    "'localtime'",
    "'+1 fortnight'",
    "NULL",
];

const FUNCS: &[&str] = &["date", "time", "datetime", "julianday", "unixepoch"];
const FORMATS: &[&str] = &["'%Y-%m-%d %H:%M:%f'", "'%j %W %w'", "'%J'", "'%s %S'", "'%d/%m/%Y %%'", "'week %W day %j'"];

fn generated(seed: u64, n: usize) -> Vec<String> {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    (0..n)
        .map(|_| {
            let mut args = vec![VALUES[r.below(VALUES.len())].to_string()];
            for _ in 0..r.below(4) {
                args.push(MODIFIERS[r.below(MODIFIERS.len())].to_string());
            }
            if r.below(4) == 0 {
                args.insert(0, FORMATS[r.below(FORMATS.len())].to_string());
                format!("strftime({})", args.join(", "))
            } else {
                format!("{}({})", FUNCS[r.below(FUNCS.len())], args.join(", "))
            }
        })
        .collect()
}

#[test]
fn generated_combinations_match_sqlite() {
    let extra: u64 = std::env::var("SQLVIBE_DATETIME_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    for seed in 1..=1 + extra {
        assert_all_same(&generated(seed, 1500));
    }
}

#[test]
fn current_keywords_and_functions_agree() {
    assert_all_same(
        &[
            "CURRENT_TIMESTAMP = datetime('now')",
            "CURRENT_DATE = date('now')",
            "CURRENT_TIME = time('now')",
            "datetime() = datetime('now')",
            "julianday() = julianday('now')",
            "strftime('%J') = strftime('%J', 'now')",
            "unixepoch() = unixepoch('now')",
            "length(CURRENT_TIMESTAMP)",
            "typeof(CURRENT_DATE)",
        ]
        .map(String::from),
    );
}

/// 'now' is one instant for the whole statement step, and it is the
/// system's clock (compared with SQLite's reading, a few seconds apart at most).
#[test]
fn now_is_stable_and_current() {
    let v = open();
    common::exec(&v, "CREATE TABLE t(x)");
    common::exec(&v, "INSERT INTO t VALUES (1)");
    for _ in 0..12 {
        common::exec(&v, "INSERT INTO t SELECT x FROM t");
    }
    // 4096 rows, all aggregated within one step.
    let rows = common::rows(&v, "SELECT count(DISTINCT strftime('%J', 'now') || julianday()), count(*) FROM t");
    assert_eq!(rows, vec![vec![Value::Integer(1), Value::Integer(4096)]]);
    let rows = common::rows(&v, "SELECT julianday('now') = julianday(CURRENT_TIMESTAMP, '+0 seconds') OR 1");
    assert_eq!(rows, vec![vec![Value::Integer(1)]]);
    let mine = match &common::rows(&v, "SELECT unixepoch('now')")[0][0] {
        Value::Integer(i) => *i,
        other => panic!("unixepoch: {other:?}"),
    };
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    let theirs: i64 = r.query_row("SELECT unixepoch('now')", [], |row| row.get(0)).expect("sqlite now");
    assert!((mine - theirs).abs() <= 5, "sqlvibe now {mine}, sqlite now {theirs}");
}

#[test]
fn wrong_argument_kinds_and_counts() {
    assert_all_same(
        &[
            "date(1, 2, 3, 4, 5, 6, 7, 8)",
            "datetime('2024-01-01', '+1 day', 1)",
            "strftime('%Y', '2024-01-01', 'start of month', '+1 month', '-1 day')",
            "julianday(x'32303234')",
            "unixepoch('2024-01-01', 'start of year', 'weekday 1')",
        ]
        .map(String::from),
    );
}

/// The test harness itself must notice a difference.
#[test]
fn harness_detects_differences() {
    assert_eq!(compare(&["date('2024-01-01')".to_string()]).len(), 0);
    let v = open();
    let a = vibe(&v, "SELECT date('2024-01-01', '+1 day')").map(|x| x.1);
    assert_eq!(a, Ok(vec![vec![Value::Text("2024-01-02".into())]]));
}
