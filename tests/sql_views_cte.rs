//! Views and common table expressions against the system SQLite: the same
//! scripts run on both engines; column names, rows (in order: every query
//! here either orders its rows or reads them in an order SQLite fixes),
//! error codes and messages must agree.

mod common;
use common::{open, reference, vibe, Rows};

/// Rows as a multiset (sorted by their debug text) unless the statement
/// orders them.
fn canon(sql: &str, r: Result<Rows, (i32, String)>) -> Result<Rows, (i32, String)> {
    r.map(|(names, mut rows)| {
        if !sql.to_ascii_uppercase().contains("ORDER BY") {
            rows.sort_by_cached_key(|r| format!("{r:?}"));
        }
        (names, rows)
    })
}

/// Runs every statement on both engines; panics listing every difference.
fn same(script: &[&str]) {
    let v = open();
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    let mut bad = Vec::new();
    for sql in script {
        if std::env::var_os("SQLVIBE_TRACE").is_some() {
            eprintln!("> {sql}");
        }
        let a = canon(sql, vibe(&v, sql));
        let b = canon(sql, reference(&r, sql));
        if a != b {
            bad.push(format!("statement: {sql}\n  sqlvibe: {a:?}\n  sqlite:  {b:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn views_and_ctes_basics_and_errors() {
    same(&[
        "CREATE TABLE t(a INT, b TEXT)",
        "INSERT INTO t VALUES(1,'x'),(2,'y'),(NULL,'z')",
        "CREATE VIEW v AS SELECT a, b||'!' AS c, a+1 FROM t",
        "SELECT * FROM v",
        "SELECT sql, type, name, tbl_name, rootpage FROM sqlite_schema",
        "CREATE VIEW v AS SELECT 1",
        "CREATE TABLE v(x)",
        "CREATE INDEX i ON v(a)",
        "DROP TABLE v",
        "DROP VIEW t",
        "INSERT INTO v VALUES(1,2,3)",
        "UPDATE v SET a=1",
        "DELETE FROM v",
        "CREATE VIEW w AS SELECT * FROM nosuch",
        "SELECT * FROM w",
        "CREATE VIEW c1 AS SELECT * FROM c2",
        "CREATE VIEW c2 AS SELECT * FROM c1",
        "SELECT * FROM c1",
        "CREATE VIEW vv(x,y) AS SELECT 1",
        "CREATE VIEW v2(x,y) AS SELECT a,b FROM t",
        "SELECT * FROM v2",
        "SELECT typeof(a), typeof(c) FROM v",
        "DROP VIEW nosuch",
        "DROP VIEW IF EXISTS nosuch",
        "WITH x AS (SELECT * FROM nosuch) SELECT 1",
        "WITH x AS (SELECT * FROM x) SELECT * FROM x",
        "WITH x(a,b) AS (SELECT 1) SELECT * FROM x",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c, c) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT max(x)+1 FROM c) SELECT * FROM c",
        "WITH x AS (SELECT 1), x AS (SELECT 2) SELECT * FROM x",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 5) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 3 OFFSET 2) SELECT * FROM c",
        "WITH c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 3) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c LIMIT 10",
        "WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a",
        "WITH q AS (SELECT a, a FROM t) SELECT * FROM q",
        "SELECT * FROM (SELECT a, a FROM t)",
        "WITH q(x) AS (SELECT 7) SELECT * FROM q a, q b",
        "WITH q AS (SELECT a+1, a FROM t) SELECT * FROM q",
        "WITH RECURSIVE c(d,p) AS (SELECT 0, '' UNION ALL SELECT d+1, p||v FROM c, (SELECT 'a' v UNION ALL SELECT 'b') WHERE d<2 ORDER BY 1) SELECT * FROM c",
        "WITH RECURSIVE c(d,p) AS (SELECT 0, '' UNION ALL SELECT d+1, p||v FROM c, (SELECT 'a' v UNION ALL SELECT 'b') WHERE d<2 ORDER BY 1 DESC) SELECT * FROM c",
        "WITH t(a) AS (SELECT 9) SELECT * FROM t",
        "WITH c(x) AS (SELECT 1) INSERT INTO t SELECT x, 'c' FROM c",
        "WITH c(x) AS (SELECT 2) UPDATE t SET b = 'u' WHERE a IN (SELECT x FROM c)",
        "WITH c(x) AS (SELECT 1) DELETE FROM t WHERE a = (SELECT x FROM c)",
        "SELECT * FROM t",
        "CREATE TEMP VIEW tv AS SELECT 5",
        "SELECT * FROM tv",
        "SELECT sql FROM sqlite_temp_master",
    ]);
}

#[test]
fn views_over_joins_aggregates_and_compounds() {
    same(&[
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL)",
        "CREATE TABLE u(x INT, y TEXT COLLATE NOCASE)",
        "INSERT INTO t VALUES(1,'one',1.5),(2,'two',2.5),(3,'three',NULL)",
        "INSERT INTO u VALUES(1,'A'),(1,'b'),(3,'a'),(NULL,'c')",
        "CREATE VIEW j AS SELECT t.a, t.b, u.y FROM t JOIN u ON t.a = u.x",
        "CREATE VIEW g AS SELECT x, count(*) AS n, group_concat(y) FROM u GROUP BY x",
        "CREATE VIEW n2 AS SELECT * FROM j WHERE y = 'a'",
        "CREATE VIEW cm AS SELECT a FROM t UNION SELECT x FROM u",
        "SELECT * FROM j ORDER BY a, y",
        "SELECT * FROM g ORDER BY x",
        "SELECT * FROM n2 ORDER BY 1",
        "SELECT * FROM cm",
        "SELECT j.a, g.n FROM j, g WHERE j.a = g.x ORDER BY 1, 2",
        "SELECT a FROM t WHERE a IN (SELECT x FROM g) ORDER BY 1",
        "SELECT (SELECT n FROM g WHERE x = t.a) FROM t ORDER BY a",
        "SELECT * FROM j AS q LEFT JOIN g ON q.a = g.x ORDER BY 1, 3",
        "SELECT count(*), max(y) FROM n2",
        "SELECT y FROM j WHERE y = 'A' ORDER BY 1",
        "SELECT DISTINCT y FROM j ORDER BY 1",
        "SELECT b FROM j UNION ALL SELECT y FROM n2 ORDER BY 1",
        "PRAGMA table_info(j)",
        "CREATE VIEW bad AS SELECT nosuch FROM t",
        "SELECT * FROM bad",
        "CREATE VIEW dd AS SELECT a, a, a AS \"a:1\" FROM t",
        "SELECT * FROM dd ORDER BY 1",
        "CREATE VIEW over AS SELECT * FROM j JOIN g ON j.a = g.x",
        "SELECT * FROM over ORDER BY 1, 3",
        "DROP TABLE u",
        "SELECT * FROM j",
        "SELECT * FROM over",
        "CREATE TABLE u(x INT, y TEXT)",
        "SELECT * FROM j",
        "CREATE VIEW IF NOT EXISTS j AS SELECT 1",
        "CREATE VIEW main.m1 AS SELECT 1 AS one",
        "SELECT * FROM main.m1",
        "CREATE VIEW nope.m2 AS SELECT 1",
        "CREATE TEMP VIEW main.m3 AS SELECT 1",
        "CREATE VIEW sqlite_v AS SELECT 1",
        "CREATE VIEW p AS SELECT ?",
        "DROP VIEW m1",
        "SELECT * FROM m1",
        "SELECT name, type FROM sqlite_master ORDER BY name",
    ]);
}

#[test]
fn recursive_ctes_and_nesting() {
    same(&[
        "CREATE TABLE e(id INTEGER PRIMARY KEY, boss INT, name TEXT)",
        "INSERT INTO e VALUES(1,NULL,'ceo'),(2,1,'cto'),(3,1,'cfo'),(4,2,'dev1'),(5,2,'dev2'),(6,4,'intern')",
        "WITH RECURSIVE chain(id, name, depth) AS (SELECT id, name, 0 FROM e WHERE boss IS NULL UNION ALL SELECT e.id, e.name, depth+1 FROM e JOIN chain ON e.boss = chain.id) SELECT * FROM chain",
        "WITH RECURSIVE chain(id, path) AS (SELECT id, name FROM e WHERE boss IS NULL UNION ALL SELECT e.id, path || '/' || e.name FROM chain, e WHERE e.boss = chain.id ORDER BY 2 DESC) SELECT * FROM chain",
        "WITH RECURSIVE fib(n, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT n+1, b, a+b FROM fib WHERE n < 30) SELECT n, a FROM fib",
        "WITH RECURSIVE c(x) AS (VALUES(1) UNION SELECT x % 5 + 1 FROM c) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT x+1 FROM c WHERE x < 5), d AS (SELECT x*x AS sq FROM c) SELECT * FROM d, c WHERE sq = x + 2 * 1 OR sq = 4 ORDER BY 1, 2",
        "WITH RECURSIVE xaxis(x) AS (VALUES(-2.0) UNION ALL SELECT x+0.05 FROM xaxis WHERE x<1.2), yaxis(y) AS (VALUES(-1.0) UNION ALL SELECT y+0.1 FROM yaxis WHERE y<1.0), m(iter, cx, cy, x, y) AS (SELECT 0, x, y, 0.0, 0.0 FROM xaxis, yaxis UNION ALL SELECT iter+1, cx, cy, x*x-y*y + cx, 2.0*x*y + cy FROM m WHERE (x*x + y*y) < 4.0 AND iter<28), m2(iter, cx, cy) AS (SELECT max(iter), cx, cy FROM m GROUP BY cx, cy), a(t) AS (SELECT group_concat( substr(' .+*#', 1+min(iter/7,4), 1), '') FROM m2 GROUP BY cy) SELECT group_concat(rtrim(t),x'0a') FROM a",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c WHERE x % 3 = 0 LIMIT 4",
        "SELECT * FROM (WITH q AS (SELECT 5 AS v) SELECT v+1 AS w FROM q)",
        "SELECT (WITH q AS (SELECT 5 AS v) SELECT v+2 FROM q)",
        "WITH q AS (SELECT 1 AS v) SELECT (SELECT v FROM q) + (SELECT count(*) FROM q)",
        "WITH q AS (SELECT 1 AS v) SELECT * FROM (WITH q AS (SELECT 2 AS v) SELECT v FROM q), q",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<3 UNION ALL SELECT x*10 FROM c WHERE x<3) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<3 UNION ALL SELECT 100) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT x FROM c UNION ALL SELECT 1) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 INTERSECT SELECT x+1 FROM c WHERE x < 3) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < (SELECT count(*) FROM c)) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT 2 FROM e WHERE id IN (SELECT x FROM c)) SELECT * FROM c",
        "WITH RECURSIVE c(x, y) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1, 2 UNION ALL SELECT x+1 FROM c) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1, 2 FROM c) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 3 ORDER BY nosuch) SELECT * FROM c",
        "WITH c AS MATERIALIZED (SELECT 1 AS z), d AS NOT MATERIALIZED (SELECT 2 AS z) SELECT * FROM c, d",
        "CREATE VIEW rv AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 4) SELECT x FROM c",
        "SELECT * FROM rv",
        "SELECT sum(x) FROM rv",
        "WITH rv AS (SELECT 'shadow' AS x) SELECT * FROM rv",
        "WITH e AS (SELECT 7 AS id) SELECT * FROM e",
        "WITH w AS (SELECT * FROM rv) SELECT * FROM w ORDER BY x DESC",
    ]);
}

/// A small deterministic generator (64-bit LCG).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// One generated script: two tables of mixed-type rows, views over joins,
/// aggregates and compounds, then queries reading the views (alone, joined,
/// filtered, inside CTEs and subqueries) and recursive CTEs joined to the
/// tables.
fn generated_script(seed: u64) -> Vec<String> {
    let mut g = Gen(seed);
    let mut s = vec![
        "CREATE TABLE t1(a INT, b TEXT, c REAL)".to_string(),
        "CREATE TABLE t2(x INT, y TEXT COLLATE NOCASE)".to_string(),
        "CREATE INDEX t2x ON t2(x)".to_string(),
    ];
    let texts = ["'a'", "'B'", "'b'", "'10'", "NULL", "'x y'"];
    for _ in 0..12 {
        let a = if g.below(6) == 0 { "NULL".to_string() } else { (g.below(7) as i64 - 2).to_string() };
        let c = if g.below(5) == 0 { "NULL".to_string() } else { format!("{}.5", g.below(9)) };
        s.push(format!("INSERT INTO t1 VALUES({a}, {}, {c})", g.pick(&texts)));
    }
    for _ in 0..10 {
        let x = if g.below(6) == 0 { "NULL".to_string() } else { (g.below(6) as i64 - 1).to_string() };
        s.push(format!("INSERT INTO t2 VALUES({x}, {})", g.pick(&texts)));
    }
    let views = [
        "CREATE VIEW v0 AS SELECT a, b, c, a+1 FROM t1",
        "CREATE VIEW v1 AS SELECT t1.a, t2.y, t1.c FROM t1 JOIN t2 ON t1.a = t2.x",
        "CREATE VIEW v2 AS SELECT x, count(*) AS n, sum(a) AS s, max(b) FROM t1 JOIN t2 ON a = x GROUP BY x",
        "CREATE VIEW v3 AS SELECT a AS k, b AS t FROM t1 UNION SELECT x, y FROM t2",
        "CREATE VIEW v4 AS SELECT * FROM v1 LEFT JOIN v2 ON v1.a = v2.x",
        "CREATE VIEW v5(p, q) AS SELECT y, count(*) FROM t2 GROUP BY y",
        "CREATE VIEW v6 AS SELECT DISTINCT b FROM t1 WHERE c > 2 ORDER BY b LIMIT 3",
    ];
    s.extend(views.iter().map(|v| v.to_string()));
    let cols: [&[&str]; 7] = [
        &["a", "b", "c", "\"a+1\""],
        &["a", "y", "c"],
        &["x", "n", "s", "\"max(b)\""],
        &["k", "t"],
        &["a", "y", "n", "s"],
        &["p", "q"],
        &["b"],
    ];
    let ops = ["=", "<", ">=", "<>", "IS", "IS NOT"];
    let consts = ["1", "2", "'b'", "NULL", "0.5", "'10'"];
    for _ in 0..60 {
        let i = g.below(7) as usize;
        let c = g.pick(cols[i]);
        let w = format!("{c} {} {}", g.pick(&ops), g.pick(&consts));
        let q = match g.below(9) {
            0 => format!("SELECT * FROM v{i}"),
            // (Which of a group's equal values a bare column shows is not
            // specified: only the group sizes are compared.)
            1 => format!("SELECT count(*) FROM v{i} GROUP BY {c} ORDER BY 1"),
            2 => format!("SELECT * FROM v{i} WHERE {w}"),
            3 => {
                let j = g.below(7) as usize;
                let d = g.pick(cols[j]);
                format!("SELECT l.{c}, r.{d} FROM v{i} AS l JOIN v{j} AS r ON l.{c} = r.{d}")
            }
            4 => format!("WITH w AS (SELECT * FROM v{i} WHERE {w}) SELECT count(*), count(DISTINCT {c}), max({c} COLLATE BINARY) FROM w"),
            5 => format!("SELECT {c} FROM v{i} WHERE {c} IN (SELECT {c} FROM v{i} WHERE {w}) ORDER BY 1 COLLATE BINARY LIMIT 4"),
            6 => format!("SELECT (SELECT count(*) FROM v{i} WHERE {w}), * FROM v5 ORDER BY p, q"),
            7 => {
                let lim = g.below(6) + 1;
                format!(
                    "WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n+1 FROM r WHERE n < {lim}) \
                     SELECT n, (SELECT count(*) FROM v{i} WHERE {c} = n) FROM r"
                )
            }
            _ => {
                let step = g.below(3) + 1;
                format!(
                    "WITH RECURSIVE r(n, acc) AS (SELECT -2, '' UNION SELECT n+{step}, acc || n FROM r WHERE n < 5) \
                     SELECT r.n, r.acc, t1.b FROM r LEFT JOIN t1 ON t1.a = r.n"
                )
            }
        };
        s.push(q);
    }
    s
}

#[test]
fn generated_queries_over_views_and_ctes() {
    let seeds: u64 = std::env::var("SQLVIBE_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    for seed in 0..seeds {
        let script = generated_script(0x5eed_0000 + seed);
        let refs: Vec<&str> = script.iter().map(|s| s.as_str()).collect();
        same(&refs);
    }
}

/// A prepared statement reading a view follows later schema changes: it is
/// re-prepared when the view is dropped, recreated or its table changes.
#[test]
fn prepared_statements_follow_view_changes() {
    use sqlvibe::{StepResult, Value};
    let c = open();
    let run = |st: &mut sqlvibe::Statement| -> Result<Vec<Value>, String> {
        let mut out = Vec::new();
        loop {
            match st.step() {
                Ok(StepResult::Row) => out.push(st.column_value(0).clone()),
                Ok(StepResult::Done) => return Ok(out),
                Err(e) => return Err(e.message),
            }
        }
    };
    common::exec(&c, "CREATE TABLE t(a); INSERT INTO t VALUES(1),(2); CREATE VIEW v AS SELECT a FROM t");
    let mut st = c.prepare("SELECT * FROM v ORDER BY 1").unwrap().0.unwrap();
    assert_eq!(run(&mut st), Ok(vec![Value::Integer(1), Value::Integer(2)]));
    common::exec(&c, "DROP VIEW v; CREATE VIEW v AS SELECT a * 10 AS a FROM t");
    assert_eq!(run(&mut st), Ok(vec![Value::Integer(10), Value::Integer(20)]));
    common::exec(&c, "DROP VIEW v; CREATE TEMP VIEW v AS SELECT 7");
    assert_eq!(run(&mut st), Ok(vec![Value::Integer(7)]));
    common::exec(&c, "DROP VIEW v");
    assert_eq!(run(&mut st), Err("no such table: v".to_string()));
    // A temporary view belongs to its connection.
    let path = std::env::temp_dir().join(format!("sqlvibe-views-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let open_file = || {
        sqlvibe::Connection::open(path.to_str().unwrap(), sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE)
            .unwrap()
    };
    let (a, b) = (open_file(), open_file());
    common::exec(&a, "CREATE TEMP VIEW tv AS SELECT 1; CREATE VIEW mv AS SELECT 2");
    assert_eq!(common::rows(&a, "SELECT * FROM tv, mv"), vec![vec![Value::Integer(1), Value::Integer(2)]]);
    assert_eq!(common::rows(&b, "SELECT * FROM mv"), vec![vec![Value::Integer(2)]]);
    assert!(common::vibe(&b, "SELECT * FROM tv").is_err());
    drop((a, b));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn explain_query_plan_over_views_and_ctes_does_not_fail() {
    let c = open();
    common::exec(&c, "CREATE TABLE t(a); CREATE VIEW v AS SELECT a FROM t");
    for q in [
        "EXPLAIN QUERY PLAN SELECT * FROM v",
        "EXPLAIN QUERY PLAN WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 3) SELECT * FROM c, v",
    ] {
        let rows = common::rows(&c, q);
        assert!(!rows.is_empty(), "{q}");
    }
}
