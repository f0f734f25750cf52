//! Join reordering never changes answers: generated joins of 3 to 7 tables
//! (comma, JOIN ... ON, CROSS JOIN, LEFT JOIN; with and without indexes;
//! equality, range, IN, IS NULL and OR terms between and on the tables)
//! run on sqlvibe and on the system SQLite, and their rows must be equal
//! as multisets (or both fail alike). Fixed seeds; `SQLVIBE_JOIN_SEEDS=n` runs
//! n schemas (default 4, each with 80 queries).

mod common;
use common::{reference, vibe};
use sqlvibe::Value;

/// splitmix64: small, fixed, good enough for test generation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const TABLES: usize = 7;
/// Columns of every table: an INTEGER PRIMARY KEY, two integers, a text
/// column and an untyped one holding integers and numeric-looking text.
const COLS: [&str; 5] = ["id", "a", "b", "c", "d"];

fn schema(rng: &mut Rng) -> Vec<String> {
    let mut sql = Vec::new();
    for t in 0..TABLES {
        sql.push(format!("CREATE TABLE t{t}(id INTEGER PRIMARY KEY, a INTEGER, b INT, c TEXT, d)"));
        let rows = 1 + rng.below(8);
        for r in 0..rows {
            let small = |rng: &mut Rng| {
                if rng.chance(10) {
                    "NULL".to_string()
                } else {
                    rng.below(5).to_string()
                }
            };
            let a = small(rng);
            let b = small(rng);
            let c = ["'x'", "'y'", "'1'", "NULL"][rng.below(4)];
            let d = ["1", "2", "'1'", "'2'", "1.0", "NULL", "'x'"][rng.below(7)];
            let id = if rng.chance(80) { (r + 1).to_string() } else { (r + 1 + rng.below(4)).to_string() };
            sql.push(format!("INSERT OR IGNORE INTO t{t} VALUES({id}, {a}, {b}, {c}, {d})"));
        }
        // Some tables get indexes, others only their rowid.
        if rng.chance(50) {
            sql.push(format!("CREATE INDEX t{t}_a ON t{t}(a)"));
        }
        if rng.chance(35) {
            sql.push(format!("CREATE INDEX t{t}_bc ON t{t}(b, c)"));
        }
        if rng.chance(25) {
            sql.push(format!("CREATE INDEX t{t}_d ON t{t}(d)"));
        }
        if rng.chance(15) {
            sql.push(format!("CREATE UNIQUE INDEX t{t}_ua ON t{t}(a, id)"));
        }
    }
    sql
}

fn col(rng: &mut Rng, alias: &str) -> String {
    format!("{alias}.{}", COLS[rng.below(COLS.len())])
}

/// A term reading one table or comparing two.
fn term(rng: &mut Rng, aliases: &[String]) -> String {
    let x = aliases[rng.below(aliases.len())].clone();
    let y = aliases[rng.below(aliases.len())].clone();
    match rng.below(9) {
        0..=3 => format!("{} = {}", col(rng, &x), col(rng, &y)),
        4 => format!("{} = {}", col(rng, &x), rng.below(5)),
        5 => format!("{} {} {}", col(rng, &x), ["<", "<=", ">", ">="][rng.below(4)], col(rng, &y)),
        6 => format!("{} IN ({}, {}, '1')", col(rng, &x), rng.below(5), rng.below(5)),
        7 => format!("{} IS NULL", col(rng, &x)),
        _ => format!("({} = {} OR {} > {})", col(rng, &x), col(rng, &y), col(rng, &x), rng.below(4)),
    }
}

fn query(rng: &mut Rng) -> String {
    let n = 3 + rng.below(5);
    let mut aliases: Vec<String> = Vec::new();
    let mut from = String::new();
    for k in 0..n {
        let alias = format!("j{k}");
        let table = format!("t{} AS {alias}", rng.below(TABLES));
        if k == 0 {
            from += &table;
        } else {
            // An equality with an earlier table keeps most joins from being
            // cross products (their results stay small).
            let prev = aliases[rng.below(aliases.len())].clone();
            let mut on = format!("{} = {}", col(rng, &alias), col(rng, &prev));
            if rng.chance(20) {
                on += &format!(" AND {}", term(rng, &aliases));
            }
            match rng.below(10) {
                0..=2 => from += &format!(", {table}"),
                3..=5 => from += &format!(" JOIN {table} ON {on}"),
                6 => from += &format!(" CROSS JOIN {table}"),
                _ => from += &format!(" LEFT JOIN {table} ON {on}"),
            }
        }
        aliases.push(alias);
    }
    let mut terms = Vec::new();
    // Comma and CROSS JOIN items get their join equality in WHERE.
    for (k, alias) in aliases.iter().enumerate().skip(1) {
        if rng.chance(60) {
            let prev = aliases[rng.below(k)].clone();
            terms.push(format!("{} = {}", col(rng, alias), col(rng, &prev)));
        }
    }
    for _ in 0..rng.below(3) {
        terms.push(term(rng, &aliases));
    }
    let mut cols = Vec::new();
    for _ in 0..2 + rng.below(4) {
        let a = aliases[rng.below(aliases.len())].clone();
        cols.push(col(rng, &a));
    }
    let mut sql = format!("SELECT {} FROM {from}", cols.join(", "));
    if !terms.is_empty() {
        sql += &format!(" WHERE {}", terms.join(" AND "));
    }
    sql
}

/// A total order on values for comparing multisets.
fn key(row: &[Value]) -> String {
    row.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join("|")
}

#[test]
fn generated_joins_match_sqlite() {
    let seeds: u64 = std::env::var("SQLVIBE_JOIN_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(4);
    let mut checked = 0;
    for seed in 0..seeds {
        let mut rng = Rng(0x5EED_0000 + seed);
        let v = common::open();
        let r = rusqlite::Connection::open_in_memory().expect("sqlite");
        for s in schema(&mut rng) {
            assert_eq!(vibe(&v, &s).map(|_| ()), reference(&r, &s).map(|_| ()), "seed {seed}: {s}");
        }
        for _ in 0..80 {
            let sql = query(&mut rng);
            let want = reference(&r, &sql);
            // Keep the test fast: skip the rare huge cross product.
            if want.as_ref().is_ok_and(|(_, rows)| rows.len() > 5000) {
                continue;
            }
            let got = vibe(&v, &sql);
            match (got, want) {
                (Ok((_, mut a)), Ok((_, mut b))) => {
                    a.sort_by_key(|r| key(r));
                    b.sort_by_key(|r| key(r));
                    assert_eq!(a, b, "seed {seed}: {sql}");
                    checked += 1;
                }
                (got, want) => assert_eq!(got.err(), want.err(), "seed {seed}: {sql}"),
            }
        }
    }
    assert!(checked >= seeds as usize * 60, "only {checked} queries compared");
}

#[test]
fn hand_written_joins_match_sqlite() {
    // WHERE terms on a LEFT JOIN's right table must see its NULL row;
    // correlated subqueries must run after every level they read.
    let v = common::open();
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    for s in [
        "CREATE TABLE a(x INTEGER PRIMARY KEY, y)",
        "CREATE TABLE b(x INTEGER PRIMARY KEY, y)",
        "CREATE TABLE c(x INTEGER PRIMARY KEY, y)",
        "INSERT INTO a VALUES(1, 1), (2, 2), (3, 3)",
        "INSERT INTO b VALUES(1, 10), (3, 30)",
        "INSERT INTO c VALUES(1, 5), (2, 6), (3, 7)",
    ] {
        vibe(&v, s).expect("setup");
        reference(&r, s).expect("setup");
    }
    for q in [
        "SELECT a.x, b.y, c.y FROM a LEFT JOIN b ON b.x = a.x, c WHERE c.x = a.x AND b.y IS NULL",
        "SELECT a.x, b.y, c.y FROM c, a LEFT JOIN b ON b.x = a.x AND c.y > 5 WHERE c.x = a.x",
        "SELECT a.x, b.y FROM a LEFT JOIN b ON b.x = a.x WHERE b.x = 3 OR b.x IS NULL",
        "SELECT a.x, c.y FROM a CROSS JOIN c WHERE c.x = 2 AND a.x = c.x",
        "SELECT count(*) FROM a, b, c WHERE a.y = b.x AND c.x = b.x",
        "SELECT a.x, c.y FROM c, a WHERE c.y = (SELECT max(y) FROM c AS d WHERE d.x <= a.x) + 4",
        "SELECT a.x, c.x FROM a, c WHERE EXISTS (SELECT 1 FROM b WHERE b.x = a.x AND b.y > c.y)",
        "SELECT s.x, c.y FROM c, (SELECT x, count(*) AS n FROM a GROUP BY x) AS s WHERE s.x = c.x AND s.n = 1",
        "SELECT * FROM a NATURAL JOIN c JOIN b USING (x)",
        "SELECT a.x, b.y, c.y FROM a LEFT JOIN b ON b.x = a.x LEFT JOIN c ON c.x = b.x",
        "SELECT a.x, b.y, c.y FROM c JOIN a ON a.x = c.x LEFT JOIN b ON b.y = c.y * 10 WHERE a.x IN (1, 3)",
        "SELECT a.x FROM a, b, c WHERE 1 = 1 AND a.x = c.x ORDER BY a.x DESC LIMIT 2",
    ] {
        let (_, mut got) = vibe(&v, q).expect(q);
        let (_, mut want) = reference(&r, q).expect(q);
        got.sort_by_key(|r| key(r));
        want.sort_by_key(|r| key(r));
        assert_eq!(got, want, "{q}");
    }
}

/// EXPLAIN QUERY PLAN rows: (id, parent, notused, detail) as SQLite shapes them.
fn plan(c: &sqlvibe::Connection, sql: &str) -> Vec<(i64, i64, i64, String)> {
    let (names, rows) = vibe(c, &format!("EXPLAIN QUERY PLAN {sql}")).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    assert_eq!(names, ["id", "parent", "notused", "detail"]);
    rows.into_iter()
        .map(|r| match r.as_slice() {
            [Value::Integer(id), Value::Integer(p), Value::Integer(n), Value::Text(d)] => (*id, *p, *n, d.clone()),
            other => panic!("bad plan row {other:?}"),
        })
        .collect()
}

#[test]
fn explain_query_plan_shape_and_join_order() {
    let v = common::open();
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    for s in [
        "CREATE TABLE t1(a INTEGER PRIMARY KEY, b, c)",
        "CREATE INDEX i1 ON t1(b)",
        "CREATE TABLE t2(x, y)",
        "CREATE INDEX i2 ON t2(x, y)",
        "CREATE TABLE t3(p INTEGER PRIMARY KEY, q)",
    ] {
        vibe(&v, s).expect("setup");
        reference(&r, s).expect("setup");
    }
    // Details SQLite 3.40 prints the same way.
    for q in [
        "SELECT * FROM t1 WHERE a = 1",
        "SELECT b FROM t1 WHERE a > 5 AND a < 9",
        "SELECT * FROM t1 WHERE b = 2",
        "SELECT * FROM t1 AS q, t2 WHERE q.b = t2.x AND t2.y > 3 ORDER BY t2.y",
        "SELECT c, count(*) FROM t1 GROUP BY c",
        "SELECT DISTINCT c FROM t1",
        "SELECT 1",
        "SELECT * FROM t1 LEFT JOIN t2 ON t2.x = t1.b",
        "SELECT * FROM t1 WHERE c IN (SELECT q FROM t3)",
        "SELECT c FROM t1 UNION ALL SELECT x FROM t2",
        "SELECT * FROM t1, t2 WHERE t1.c = t2.y",
        "SELECT c, row_number() OVER (ORDER BY c) FROM t1",
        "SELECT c, sum(b) OVER (PARTITION BY c ORDER BY b), rank() OVER (ORDER BY c) FROM t1 WHERE c > 1",
        "SELECT c, count(*) OVER () FROM t1 ORDER BY b",
    ] {
        let ours: Vec<(i64, String)> = plan(&v, q).into_iter().map(|(_, p, _, d)| (p, d)).collect();
        let mut st = r.prepare(&format!("EXPLAIN QUERY PLAN {q}")).expect("sqlite eqp");
        let theirs: Vec<(i64, String)> = st
            .query_map([], |row| Ok((row.get::<_, i64>(1)?, row.get::<_, String>(3)?)))
            .expect("rows")
            .map(|x| x.expect("row"))
            .collect();
        // Parents are ids, which differ; top-level rows have parent 0 in both.
        let shape = |v: &[(i64, String)]| v.iter().map(|(p, d)| (*p == 0, d.clone())).collect::<Vec<_>>();
        assert_eq!(shape(&ours), shape(&theirs), "{q}");
    }
    // A constant on t3 drives the join: t3 first, then t1 by rowid, t2 by index.
    let rows = plan(&v, "SELECT * FROM t2, t1, t3 WHERE t2.x = t1.b AND t1.a = t3.q AND t3.p = 7");
    let details: Vec<&str> = rows.iter().map(|r| r.3.as_str()).collect();
    assert_eq!(
        details,
        [
            "SEARCH t3 USING INTEGER PRIMARY KEY (rowid=?)",
            "SEARCH t1 USING INTEGER PRIMARY KEY (rowid=?)",
            "SEARCH t2 USING COVERING INDEX i2 (x=?)"
        ]
    );
    // Children point at their parent row.
    let rows = plan(&v, "SELECT * FROM t1 WHERE c = (SELECT max(y) FROM t2 WHERE y = t1.a)");
    assert_eq!(rows[1].3, "CORRELATED SCALAR SUBQUERY 1");
    assert_eq!(rows[2].1, rows[1].0);
    // CROSS JOIN keeps the written order even when the other is cheaper.
    let rows = plan(&v, "SELECT * FROM t2 CROSS JOIN t3 WHERE t3.p = t2.y");
    assert_eq!(rows[0].3, "SCAN t2");
    assert_eq!(rows[1].3, "SEARCH t3 USING INTEGER PRIMARY KEY (rowid=?)");
}
