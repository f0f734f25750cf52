//! Bad input never panics: mutated and truncated SQL (fixed seed, bounded)
//! must yield a row stream or an error, never a panic.

mod common;
use common::Rng;
use common::{exec, open};
use sqlvibe::StepResult;

const CORPUS: &[&str] = &[
    "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE, c REAL CHECK(c > 0), d DEFAULT 'é')",
    "CREATE INDEX ti ON t(b COLLATE NOCASE, c DESC)",
    "INSERT INTO t(b, c) VALUES('x', 1.5), ('y', 2), ('é', 3)",
    "INSERT OR REPLACE INTO t SELECT a + 10, b || 'z', c * 2, d FROM t WHERE a < 3",
    "SELECT a, b, count(*) FROM t WHERE c BETWEEN 1 AND 5 GROUP BY b HAVING count(*) > 0 ORDER BY 2 DESC LIMIT 3",
    "SELECT * FROM t AS p LEFT JOIN t AS q ON p.a = q.a + 1 WHERE q.b IS NULL OR q.b LIKE '%x%' ESCAPE '!'",
    "SELECT (SELECT max(a) FROM t), EXISTS (SELECT 1 FROM t WHERE b IN ('x', 'y')), CAST('12' AS INTEGER)",
    "UPDATE t SET c = c + 1, b = upper(b) WHERE a IN (SELECT a FROM t WHERE c > 1)",
    "DELETE FROM t WHERE rowid = ?1 OR b = :name",
    "SELECT a FROM t UNION SELECT c FROM t EXCEPT SELECT 1 ORDER BY 1",
    "SELECT CASE WHEN a > 1 THEN 'x' ELSE NULL END, x'00ff', -9223372036854775808 FROM t",
    "PRAGMA table_info(t)",
    "SELECT * FROM (SELECT a, b FROM t) s JOIN t USING (a)",
];

const SNIPPETS: &[&str] = &[
    "(", ")", ",", "'", "\"", "SELECT", "FROM", "NULL", "*", "?", "=", "é", ";", "--", "/*", "x'", "1e", "AND", "[",
    "0x",
];

fn mutate(rng: &mut Rng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<char> = chars.clone();
    for _ in 0..1 + rng.below(3) {
        let pos = rng.below(out.len() + 1);
        match rng.below(4) {
            0 => out.truncate(pos),
            1 if pos < out.len() => {
                out.remove(pos);
            }
            _ => {
                let snip = SNIPPETS[rng.below(SNIPPETS.len())];
                for (k, ch) in snip.chars().enumerate() {
                    out.insert((pos + k).min(out.len()), ch);
                }
            }
        }
    }
    out.into_iter().collect()
}

#[test]
fn mutated_sql_never_panics() {
    let seeds: u64 = std::env::var("SQLVIBE_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    for seed in 0..seeds {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (seed + 1));
        let c = open();
        exec(&c, CORPUS[0]);
        exec(&c, CORPUS[1]);
        exec(&c, CORPUS[2]);
        for _ in 0..1500 {
            let base = CORPUS[rng.below(CORPUS.len())];
            let sql = mutate(&mut rng, base);
            let mut rest = sql.as_str();
            // Every statement of the mutated text: prepare, bind, step to the end.
            for _ in 0..4 {
                match c.prepare(rest) {
                    Ok((Some(mut st), used)) => {
                        for i in 1..=st.parameter_count() {
                            let _ = st.bind(i, sqlvibe::Value::Integer(i as i64));
                        }
                        let mut n = 0;
                        while let Ok(StepResult::Row) = st.step() {
                            n += 1;
                            if n > 10_000 {
                                break;
                            }
                        }
                        rest = &rest[used..];
                    }
                    Ok((None, used)) if used > 0 && used < rest.len() => rest = &rest[used..],
                    _ => break,
                }
            }
        }
        // The database is still consistent.
        let mut ok = Vec::new();
        c.exec("PRAGMA integrity_check", &mut |r, _| {
            ok.push(r[0].clone());
            true
        })
        .unwrap();
        assert_eq!(ok, vec![sqlvibe::Value::Text("ok".into())]);
    }
}
