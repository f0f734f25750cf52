//! Differential test: random schemas, rows and statements run on sqlvibe and
//! on the system SQLite (rusqlite, linked to libsqlite3 3.40) side by side.
//! Both must agree on success vs failure (primary result code and message),
//! on the rows (as multisets; ORDER BY sequences are checked too), on
//! changes()/total_changes() after DML, and on every table's contents after
//! each change. Statements use bound parameters as well as literals.
//!
//! - `differential/generator.rs`: schemas, rows and statements (joins of up
//!   to four items spelled every way, FROM subqueries, scalar/IN/correlated
//!   subqueries, compound selects, aggregates, DISTINCT, ORDER BY/LIMIT; not
//!   yet CTEs or window functions; nothing whose result depends on chance),
//!   and the open engine bugs it steers around;
//! - `differential/harness.rs`: running a statement on both engines and
//!   comparing outcomes;
//! - `differential_regressions/`: reduced cases of every disagreement found.
//!
//! 150 fixed seeds run by default (a few seconds in debug mode).
//! `SQLVIBE_DIFF_SEEDS=n` adds n seeds from a time-based start (printed);
//! `SQLVIBE_DIFF_SEED=s` replays seed s alone. A failing seed prints its
//! script reduced to the statements the failure needs.

mod common;
mod differential_regressions;
#[path = "differential/generator.rs"]
mod generator;
#[path = "differential/harness.rs"]
mod harness;

pub use harness::*;

use generator::{gen_schema, Gen, OpenBugs, Rng};
use std::sync::atomic::Ordering as AtomicOrdering;

/// Runs one seed: schema, rows, `n_stmts` random statements, each DML
/// followed by a comparison of every table's contents.
fn run_seed(make: fn() -> Pair, bugs: OpenBugs, seed: u64, n_stmts: usize) -> Result<(), String> {
    let make_like = || {
        let mut p = make();
        p.loose_unique = bugs.unique_check_order;
        p.loose_changes = bugs.changes_after_error;
        p
    };
    let mut p = make_like();
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let (tables, ddl) = gen_schema(&mut r, bugs);
    let fail = |p: &Pair, msg: String| -> String {
        let reduced = minimize(&p.log, &make_like);
        let text: Vec<String> = reduced.iter().map(|s| format!("{}{};", params_note(&s.params), s.sql)).collect();
        format!(
            "seed {seed}: {msg}\n-- reduced script ({} of {} statements):\n{}",
            reduced.len(),
            p.log.len(),
            text.join("\n")
        )
    };
    for d in &ddl {
        p.run(d, Order::None, false).map_err(|m| fail(&p, m))?;
    }
    let mut g = Gen { r: &mut r, tables: &tables, subqueries: true, bugs, exact_only: false, params: Vec::new() };
    for _ in 0..4 + g.r.below64(8) {
        let sql = g.insert();
        let params = take_params(&mut g.params, &sql);
        p.run_with(&sql, &params, Order::None, true).map_err(|m| fail(&p, m))?;
    }
    for _ in 0..n_stmts {
        let k = g.r.below64(100);
        let (sql, order, dml) = if k < 4 {
            // Transactions: errors (nested BEGIN, COMMIT outside one) must
            // match, and ROLLBACK must restore what the tables held.
            let t = *g.r.pick(&["BEGIN", "COMMIT", "ROLLBACK", "BEGIN", "END"]);
            (t.to_string(), Order::None, true)
        } else if k < 70 {
            let (s, o) = g.select();
            (s, o, false)
        } else if k < 82 {
            (g.insert(), Order::None, true)
        } else if k < 93 {
            (g.update(), Order::None, true)
        } else {
            (g.delete(), Order::None, true)
        };
        let params = take_params(&mut g.params, &sql);
        p.run_with(&sql, &params, order, dml).map_err(|m| fail(&p, m))?;
        if dml {
            for t in &tables {
                let all = format!("SELECT rowid, * FROM {}", t.name);
                p.run(&all, Order::None, false).map_err(|m| fail(&p, m))?;
            }
        }
    }
    Ok(())
}

/// True when replaying `steps` on fresh engines disagrees at the last step
/// (and nowhere before it).
fn fails_at_end(steps: &[Step], make: &dyn Fn() -> Pair) -> bool {
    let mut p = make();
    for (i, st) in steps.iter().enumerate() {
        if p.run_with(&st.sql, &st.params, st.order, st.dml).is_err() {
            return i + 1 == steps.len();
        }
    }
    false
}

/// Drops every statement the failure of the last one does not need
/// (greedy, one statement at a time, latest first).
fn minimize(steps: &[Step], make: &dyn Fn() -> Pair) -> Vec<Step> {
    let mut cur = steps.to_vec();
    if !fails_at_end(&cur, make) {
        return cur;
    }
    let mut i = cur.len().saturating_sub(1);
    while i > 0 {
        i -= 1;
        let mut cand = cur.clone();
        cand.remove(i);
        if fails_at_end(&cand, make) {
            cur = cand;
        }
    }
    cur
}

fn seeds() -> Vec<u64> {
    // SQLVIBE_DIFF_SEED=n replays just seed n (as printed by a failure).
    if let Some(one) = std::env::var("SQLVIBE_DIFF_SEED").ok().and_then(|s| s.parse().ok()) {
        return vec![one];
    }
    let mut v: Vec<u64> = (1..=150).collect();
    let extra: u64 = std::env::var("SQLVIBE_DIFF_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    if extra > 0 {
        let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs());
        println!("SQLVIBE_DIFF_SEEDS: seeds {start}..{}", start + extra);
        v.extend(start..start + extra);
    }
    v
}

#[test]
fn differential_against_sqlite() {
    let bugs = OpenBugs::detect();
    println!("steering around open engine bugs: {bugs:?}");
    let mut failures = Vec::new();
    for seed in seeds() {
        if let Err(e) = run_seed(Pair::new, bugs, seed, 60) {
            println!("{e}\n");
            failures.push(seed);
        }
    }
    println!(
        "{} seeds, {} statements compared (all tests in this binary), {} disagreeing seeds",
        seeds().len(),
        COMPARED.load(AtomicOrdering::Relaxed),
        failures.len()
    );
    assert!(failures.is_empty(), "seeds that disagree with SQLite: {failures:?}");
}

/// The harness itself: SQLite must agree with SQLite scanning in reverse
/// order, so a disagreement found above is never an artefact of an order
/// the SQL leaves undefined.
#[test]
fn harness_agrees_with_itself_under_reversed_scans() {
    let mut failures = Vec::new();
    for seed in seeds() {
        if let Err(e) = run_seed(Pair::sqlite_vs_reversed_sqlite, OpenBugs::default(), seed, 60) {
            println!("{e}\n");
            failures.push(seed);
        }
    }
    assert!(failures.is_empty(), "seeds where the harness is order-sensitive: {failures:?}");
}

/// The generator itself must produce mostly valid SQL: run it on SQLite alone.
#[test]
fn generator_produces_valid_sql() {
    let mut r = Rng(7);
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    let (tables, ddl) = gen_schema(&mut r, OpenBugs::default());
    for d in &ddl {
        lite.execute_batch(d).unwrap();
    }
    let mut g = Gen {
        r: &mut r,
        tables: &tables,
        subqueries: true,
        bugs: OpenBugs::default(),
        exact_only: false,
        params: Vec::new(),
    };
    let (mut errors, mut total) = (Vec::new(), 0);
    for _ in 0..300 {
        let (sql, _) = g.select();
        let params = take_params(&mut g.params, &sql);
        total += 1;
        if let Outcome::Error(_, m) = run_sqlite_with(&lite, &sql, &params) {
            errors.push(format!("{sql}: {m}"));
        }
    }
    // Runtime errors (integer overflow, ...) are fine; parse errors are not.
    let bad: Vec<&String> = errors
        .iter()
        .filter(|e| e.contains("syntax error") || e.contains("no such") || e.contains("incomplete"))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    println!(
        "{} of {total} generated SELECTs fail on SQLite: {:?}",
        errors.len(),
        errors.iter().take(5).collect::<Vec<_>>()
    );
    assert!(errors.len() * 10 < total, "too many errors: {errors:?}");
}
