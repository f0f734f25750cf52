//! The generating side of the differential test: random schemas, rows and
//! statements, and the open engine bugs it steers around.

use crate::differential_regressions;
use crate::harness::{Order, Pair};
use sqlvibe::Value;

/// Engine bugs found by this test and still open, each detected at run
/// time by replaying its reduced case from `differential_regressions`.
/// While one is open the generator steers around it, so the random run
/// stays green and keeps looking for new disagreements; when the engine is
/// fixed the detection flips and the generator covers that ground again.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenBugs {
    pub like_blob: bool,
    pub index_probe_affinity: bool,
    pub unary_plus_affinity: bool,
    pub in_subquery_collation: bool,
    pub update_duplicate_set: bool,
    pub between_evaluation: bool,
    pub nocase_nul: bool,
    pub ipk_default: bool,
    pub changes_after_error: bool,
    pub unique_check_order: bool,
    pub collate_propagation: bool,
    pub case_when_affinity: bool,
    pub limit_zero_evaluates: bool,
    pub left_join_null_rowid: bool,
    pub negative_rowid: bool,
    pub in_list_collation: bool,
    pub aggregate_collation: bool,
    pub scalar_collation: bool,
}

impl OpenBugs {
    pub fn detect() -> OpenBugs {
        use differential_regressions::cases;
        let open = |script: &str| Pair::new().script(script).is_err();
        OpenBugs {
            like_blob: open(cases::LIKE_BLOB),
            index_probe_affinity: open(cases::INDEX_PROBE_AFFINITY),
            unary_plus_affinity: open(cases::UNARY_PLUS_AFFINITY),
            in_subquery_collation: open(cases::IN_SUBQUERY_COLLATION),
            update_duplicate_set: open(cases::UPDATE_DUPLICATE_SET),
            between_evaluation: open(cases::BETWEEN_EVALUATION),
            nocase_nul: open(cases::NOCASE_NUL),
            ipk_default: open(cases::IPK_DEFAULT),
            changes_after_error: open(cases::CHANGES_AFTER_ERROR),
            unique_check_order: open(cases::UNIQUE_CHECK_ORDER),
            collate_propagation: open(cases::COLLATE_PROPAGATION),
            case_when_affinity: open(cases::CASE_WHEN_AFFINITY),
            limit_zero_evaluates: open(cases::LIMIT_ZERO),
            left_join_null_rowid: open(cases::LEFT_JOIN_NULL_ROWID),
            negative_rowid: open(cases::NEGATIVE_ROWID),
            in_list_collation: open(cases::IN_LIST_COLLATION),
            aggregate_collation: open(cases::AGGREGATE_COLLATION),
            scalar_collation: open(cases::SCALAR_COLLATION),
        }
    }
}

pub use crate::common::Rng;

#[derive(Clone)]
pub struct Column {
    pub name: String,
    /// Constrained unique (UNIQUE, a UNIQUE index, or INTEGER PRIMARY KEY).
    pub unique: bool,
    /// The INTEGER PRIMARY KEY (rowid alias).
    pub ipk: bool,
}

#[derive(Clone)]
pub struct Table {
    pub name: String,
    pub cols: Vec<Column>,
}

const DECLS: &[&str] = &[
    "INTEGER",
    "TEXT",
    "REAL",
    "BLOB",
    "NUMERIC",
    "",
    "INTEGER",
    "TEXT",
    "REAL",
    "NUMERIC",
    "",
    "INT",
    "VARCHAR(20)",
    "DOUBLE",
    "BIGINT",
    "DECIMAL(5,2)",
    "BOOLEAN",
    "CLOB",
    "FLOATING POINT",
];
const TEXTS: &[&str] = &[
    "a", "A", "b", "B", "abc", "ABC", "Abc", "abc ", " abc", "10", "9", "010", "1e2", "1.5", "-3", " 7 ", "x1", "",
    "hello", "Hello", "z%", "a_c", "é", "É", "3.0", "12abc",
];

/// The value of one of the generated SQL literals.
fn literal_value(s: &str) -> Value {
    if s == "NULL" {
        Value::Null
    } else if let Some(h) = s.strip_prefix("x'") {
        let h = h.trim_end_matches('\'');
        Value::Blob((0..h.len()).step_by(2).filter_map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok()).collect())
    } else if let Some(t) = s.strip_prefix('\'') {
        Value::Text(t.trim_end_matches('\'').replace("''", "'"))
    } else if let Some(h) = s.strip_prefix("0x") {
        Value::Integer(u64::from_str_radix(h, 16).unwrap_or(0) as i64)
    } else if let Ok(i) = s.parse::<i64>() {
        Value::Integer(i)
    } else {
        Value::Real(s.parse().unwrap_or(0.0))
    }
}

/// A literal: `huge` allows magnitudes near the i64 range (overflow paths;
/// kept out of stored data, whose float sums would cancel catastrophically
/// and depend on scan order); `nul` allows BLOBs with a zero byte.
fn literal_of(r: &mut Rng, huge: bool, nul: bool) -> String {
    match r.below64(12) {
        0 => "NULL".into(),
        1..=3 => (r.below64(21) as i64 - 10).to_string(),
        // No i64::MAX: once a rowid reaches it SQLite picks random rowids.
        4 if huge => r
            .pick(&[
                "100",
                "-100",
                "4611686018427387904",
                "-9223372036854775808",
                "4294967296",
                "0",
                // Literal forms: hex, beyond i64 (REAL), overflow to Inf,
                // bare point, exponent case.
                "0x1F",
                "0xFFFFFFFFFFFFFFFF",
                "9223372036854775808",
                "1e400",
                ".5",
                "5.",
                "1E-2",
            ])
            .to_string(),
        4 => r.pick(&["100", "-100", "4294967296", "0"]).to_string(),
        5 | 6 => r.pick(&["0.5", "-1.25", "2.0", "3.75", "1e3", "-0.0", "100.5", "1.5e10", "7.0", "0.1"]).to_string(),
        7..=10 => format!("'{}'", r.pick(TEXTS)),
        _ if nul => r.pick(&["x''", "x'00'", "x'41'", "x'3130'", "x'c3a900'"]).to_string(),
        _ => r.pick(&["x''", "x'41'", "x'3130'", "x'c3a9'"]).to_string(),
    }
}

pub struct Scope {
    /// (qualifier, column) pairs visible to expressions.
    cols: Vec<(String, Column)>,
}

impl Scope {
    fn col(&self, r: &mut Rng) -> String {
        let (q, c) = r.pick(&self.cols);
        if q.is_empty() {
            c.name.clone()
        } else {
            format!("{q}.{}", c.name)
        }
    }
}

pub struct Gen<'a> {
    pub r: &'a mut Rng,
    pub tables: &'a [Table],
    /// Off inside UPDATE/DELETE: a subquery reading the table being changed
    /// sees an order-dependent mix of old and new rows.
    pub subqueries: bool,
    /// Known engine bugs to steer around.
    pub bugs: OpenBugs,
    /// No sum/total in subqueries: inside INSERT ... SELECT their float
    /// result depends on scan order and would be stored.
    pub exact_only: bool,
    /// Values for the `?N` parameters of the statement being generated.
    pub params: Vec<Value>,
}

impl Gen<'_> {
    /// A scalar expression over `scope` (no aggregates).
    fn expr(&mut self, s: &Scope, depth: u32) -> String {
        if depth == 0 || self.r.chance(30) {
            return if !s.cols.is_empty() && self.r.chance(65) { s.col(self.r) } else { self.lit(true) };
        }
        let d = depth - 1;
        match self.r.below64(22) {
            0 | 1 => {
                let op = *self.r.pick(&["=", "<>", "<", "<=", ">", ">=", "==", "!=", "IS", "IS NOT"]);
                let coll = if self.r.chance(15) && !self.bugs.collate_propagation {
                    *self.r.pick(&[" COLLATE NOCASE", " COLLATE BINARY", " COLLATE RTRIM"])
                } else {
                    ""
                };
                format!("({} {op} {}{coll})", self.expr(s, d), self.expr(s, d))
            }
            2 => {
                let op = *self.r.pick(&["+", "-", "*", "/", "%"]);
                format!("({} {op} {})", self.expr(s, d), self.expr(s, d))
            }
            3 => format!("({} || {})", self.expr(s, d), self.expr(s, d)),
            4 => {
                let op = *self.r.pick(&["AND", "OR"]);
                format!("({} {op} {})", self.expr(s, d), self.expr(s, d))
            }
            5 => format!("(NOT {})", self.expr(s, d)),
            6 => {
                let op = *self.r.pick(&["IS NULL", "IS NOT NULL", "ISNULL", "NOTNULL", "NOT NULL"]);
                format!("({} {op})", self.expr(s, d))
            }
            7 => {
                let n = 1 + self.r.below64(3);
                let items: Vec<String> = if self.bugs.in_list_collation {
                    (0..n).map(|_| self.literal()).collect()
                } else {
                    (0..n).map(|_| self.expr(s, d.min(1))).collect()
                };
                let not = if self.r.chance(30) { "NOT " } else { "" };
                // (No empty lists: SQLite turns `x NOT IN ()` into TRUE, and
                // `y IS NOT TRUE` then means a truth test.)
                format!("({} {not}IN ({}))", self.expr(s, d), items.join(", "))
            }
            8 => {
                let not = if self.r.chance(30) { "NOT " } else { "" };
                format!("({} {not}BETWEEN {} AND {})", self.expr(s, d), self.expr(s, d), self.expr(s, d))
            }
            9 => {
                let pat = *self.r.pick(&["'a%'", "'%b%'", "'_'", "'A_C'", "'%'", "'1%'", "'%c '", "'h%o'"]);
                let not = if self.r.chance(30) { "NOT " } else { "" };
                let subject = self.like_subject(s, d);
                format!("({subject} {not}LIKE {pat})")
            }
            10 => {
                let subject = self.like_subject(s, d);
                let pat = *self.r.pick(&["'a*'", "'[a-c]*'", "'*1*'", "'?'"]);
                format!("({subject} GLOB {pat})")
            }
            11 => {
                let ty = *self.r.pick(&[
                    "INTEGER",
                    "TEXT",
                    "REAL",
                    "BLOB",
                    "NUMERIC",
                    "INT",
                    "VARCHAR(5)",
                    "DOUBLE",
                    "DECIMAL(10,2)",
                    "FLOATING POINT",
                    "NONE",
                ]);
                format!("CAST({} AS {ty})", self.expr(s, d))
            }
            12 => {
                let base = if self.r.chance(50) { format!("{} ", self.expr(s, d)) } else { String::new() };
                let n = 1 + self.r.below64(2);
                let mut out = format!("CASE {base}");
                for _ in 0..n {
                    // Open bug: one WHEN's affinity leaks into the others.
                    let when =
                        if !base.is_empty() && self.bugs.case_when_affinity { self.literal() } else { self.expr(s, d) };
                    out.push_str(&format!("WHEN {when} THEN {} ", self.expr(s, d)));
                }
                if self.r.chance(60) {
                    out.push_str(&format!("ELSE {} ", self.expr(s, d)));
                }
                out.push_str("END");
                out
            }
            13..=16 => self.func(s, d),
            17 => {
                // Open bug: unary + keeps the column's affinity in sqlvibe.
                let ops: &[&str] = if self.bugs.unary_plus_affinity { &["-", "- -"] } else { &["-", "+", "- -"] };
                format!("({} {})", self.r.pick(ops), self.expr(s, d))
            }
            18 if self.subqueries => self.subquery(s, d),
            18 => self.func(s, d),
            19 => {
                let op = *self.r.pick(&["&", "|", "<<", ">>"]);
                format!("({} {op} {})", self.expr(s, d), self.expr(s, d))
            }
            _ if self.bugs.collate_propagation => {
                format!("({} = {})", self.expr(s, d), self.expr(s, d))
            }
            _ => format!("({} COLLATE NOCASE = {})", self.expr(s, d), self.expr(s, d)),
        }
    }

    /// A literal (never a `?N` parameter).
    fn literal(&mut self) -> String {
        literal_of(self.r, true, !self.bugs.nocase_nul)
    }

    /// A literal, or (sometimes) a `?N` parameter bound to the same value.
    fn lit(&mut self, huge: bool) -> String {
        let text = literal_of(self.r, huge, !self.bugs.nocase_nul);
        if self.r.chance(12) {
            self.params.push(literal_value(&text));
            format!("?{}", self.params.len())
        } else {
            text
        }
    }

    /// The left operand of LIKE/GLOB (plain text without NULs or BLOBs
    /// while that bug is open).
    fn like_subject(&mut self, s: &Scope, d: u32) -> String {
        let e = self.expr(s, d);
        if self.bugs.like_blob {
            format!("quote({e})")
        } else {
            e
        }
    }

    fn func(&mut self, s: &Scope, d: u32) -> String {
        let (name, n) = *self.r.pick(&[
            ("abs", 1),
            ("length", 1),
            ("lower", 1),
            ("upper", 1),
            ("typeof", 1),
            ("coalesce", 2),
            ("coalesce", 3),
            ("ifnull", 2),
            ("nullif", 2),
            ("substr", 2),
            ("substr", 3),
            ("instr", 2),
            ("replace", 3),
            ("trim", 1),
            ("ltrim", 2),
            ("round", 1),
            ("round", 2),
            ("hex", 1),
            ("quote", 1),
            ("max", 2),
            ("min", 3),
            ("iif", 3),
            ("sign", 1),
            ("unicode", 1),
            ("char", 2),
            ("likely", 1),
            ("zeroblob", 1),
            ("printf", 3),
            ("rtrim", 1),
            ("round", 2),
        ]);
        // char() may make NULs, which meet an open NOCASE bug.
        let (name, n) = if name == "char" && self.bugs.nocase_nul { ("upper", 1) } else { (name, n) };
        let mut args: Vec<String> =
            (0..n).map(|i| if name == "printf" && i == 0 { String::new() } else { self.expr(s, d) }).collect();
        match name {
            // abs() of the smallest integer is an error, raised or not
            // depending on which operands get evaluated: an open bug.
            "abs" if self.bugs.between_evaluation => {
                args[0] = format!("coalesce(nullif({}, -9223372036854775808), 0)", args[0])
            }
            // Small sizes only.
            "zeroblob" if self.bugs.between_evaluation => {
                args[0] = format!("(abs(coalesce(nullif({}, -9223372036854775808), 0)) % 8)", args[0])
            }
            "zeroblob" => args[0] = format!("(abs({}) % 8)", args[0]),
            "printf" => {
                let fmt = *self.r.pick(&[
                    "'%d|%s'",
                    "'%.2f %5s'",
                    "'%x-%q'",
                    "'%-4d|%e'",
                    if self.bugs.nocase_nul { "'%g'" } else { "'%c%g'" },
                    "'%05.1f%%%s'",
                ]);
                args[0] = fmt.to_string();
            }
            _ => {}
        }
        if self.bugs.scalar_collation && matches!(name, "min" | "max" | "nullif") {
            // coalesce(x, NULL): x's value without its column's collation.
            args[0] = format!("coalesce({}, NULL)", args[0]);
        }
        format!("{name}({})", args.join(", "))
    }

    /// A scalar subquery (one column; aggregate, or LIMIT 1 with a total
    /// order) or an IN subquery, possibly correlated.
    fn subquery(&mut self, outer: &Scope, d: u32) -> String {
        let t = self.r.pick(self.tables).clone();
        let alias = format!("s{}", self.r.below64(1000));
        let mut cols: Vec<(String, Column)> = t.cols.iter().map(|c| (alias.clone(), c.clone())).collect();
        let inner_only = Scope { cols: cols.clone() };
        // Open bug: an index seek driven by an outer column converts it
        // with the index column's affinity.
        if !self.bugs.index_probe_affinity {
            cols.extend(outer.cols.iter().cloned());
        }
        let both = Scope { cols };
        let where_ = if self.r.chance(60) { format!(" WHERE {}", self.expr(&both, d.min(2))) } else { String::new() };
        let c = inner_only.col(self.r);
        if self.r.chance(50) {
            let agg = if self.exact_only {
                *self.r.pick(&["count", "max", "min"])
            } else {
                *self.r.pick(&["count", "max", "min", "sum", "total"])
            };
            format!("(SELECT {agg}({c}) FROM {} AS {alias}{where_})", t.name)
        } else if self.r.chance(50) {
            format!("(SELECT {c} FROM {} AS {alias}{where_} ORDER BY 1, {alias}.rowid LIMIT 1)", t.name)
        } else {
            let not = if self.r.chance(30) { "NOT " } else { "" };
            // Open bug: the subquery column's collation is not used.
            let c = if self.bugs.in_subquery_collation { format!("coalesce({c}, NULL)") } else { c };
            format!("({} {not}IN (SELECT {c} FROM {} AS {alias}{where_}))", self.expr(outer, d.min(1)), t.name)
        }
    }

    fn aggregate(&mut self, s: &Scope) -> String {
        let kind = self.r.below64(8);
        if kind == 0 {
            return "count(*)".to_string();
        }
        let mut c = if self.r.chance(25) { self.expr(s, 1) } else { s.col(self.r) };
        if self.bugs.aggregate_collation {
            c = format!("coalesce({c}, NULL)");
        }
        match kind {
            1 => format!("count({c})"),
            2 => format!("count(DISTINCT {c})"),
            3 => format!("sum({c})"),
            4 => format!("total({c})"),
            5 => format!("avg({c})"),
            6 => format!("min({c})"),
            _ => format!("max({c})"),
        }
    }

    /// A SELECT and how to compare its rows.
    pub fn select(&mut self) -> (String, Order) {
        if self.r.chance(15) {
            return self.probe();
        }
        if self.r.chance(10) {
            return self.compound();
        }
        let shape = self.r.below64(4);
        let (with, from, scope, join_terms) = self.join_clause(shape);
        let mut conds = join_terms;
        if self.r.chance(60) {
            conds.push(self.expr(&scope, 3));
        }
        let where_ = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
        let ncols = 1 + self.r.below64(3) as usize;
        let (cols, tail) = match shape {
            0 => {
                // GROUP BY: grouping columns and aggregates.
                let g: Vec<String> = (0..1 + self.r.below64(2)).map(|_| scope.col(self.r)).collect();
                // A group's rows are equal under the key's collation but may
                // differ as values (1 and 1.0, 'A' and 'a'); which one SQL
                // shows is unspecified, so show a form equal for all of them.
                let mut cols: Vec<String> = g
                    .iter()
                    .map(|k| format!("CASE WHEN typeof({k}) IN ('integer', 'real') THEN {k} + 0.0 ELSE lower({k}) END"))
                    .collect();
                for _ in 0..ncols {
                    cols.push(self.aggregate(&scope));
                }
                let having = if self.r.chance(10) {
                    // A condition on the group key itself.
                    format!(" HAVING {} {} {}", g[0], self.r.pick(&[">", "<", "=", "<>"]), self.literal())
                } else if self.r.chance(40) {
                    let agg = self.aggregate(&scope);
                    format!(" HAVING {agg} {} {}", self.r.pick(&[">", "<", "=", ">="]), self.literal())
                } else {
                    String::new()
                };
                (cols, format!(" GROUP BY {}{having}", g.join(", ")))
            }
            1 => ((0..ncols).map(|_| self.aggregate(&scope)).collect(), String::new()),
            _ => ((0..ncols).map(|_| self.expr(&scope, 3)).collect(), String::new()),
        };
        let distinct = if self.r.chance(20) { "DISTINCT " } else { "" };
        let mut sql = format!("{with}SELECT {distinct}{} FROM {from}{where_}{tail}", cols.join(", "));
        let mut order = Order::None;
        if self.r.chance(40) {
            let terms: Vec<String> = (1..=cols.len())
                .map(|i| {
                    let coll = if self.r.chance(10) { " COLLATE NOCASE" } else { "" };
                    format!("{i}{coll}{}", if self.r.chance(40) { " DESC" } else { "" })
                })
                .collect();
            sql.push_str(&format!(" ORDER BY {}", terms.join(", ")));
            order = Order::Total;
        }
        if self.r.chance(20) {
            let lo = u64::from(self.bugs.limit_zero_evaluates);
            let n = if self.r.chance(10) { -1 } else { (lo + self.r.below64(5 - lo)) as i64 };
            sql.push_str(&format!(" LIMIT {n}"));
            if self.r.chance(50) {
                sql.push_str(&format!(" OFFSET {}", self.r.below64(3)));
            }
            order = if order == Order::Total { Order::TotalLimited } else { Order::CountOnly };
        }
        (sql, order)
    }

    /// A FROM clause of one to four items (tables, sometimes a FROM
    /// subquery, a CTE or a recursive CTE) joined every way SQLite spells a
    /// join: the WITH prefix it needs, the clause, the scope it exposes, and
    /// the equality terms a comma join puts in WHERE. Every
    /// generated table has a column `c0`, so USING (c0) and NATURAL JOIN
    /// (on all shared column names) are always valid.
    fn join_clause(&mut self, shape: u64) -> (String, String, Scope, Vec<String>) {
        let mut ctes: Vec<String> = Vec::new();
        let mut recursive = false;
        let n = match self.r.below64(100) {
            0..=54 => 1,
            55..=84 => 2,
            85..=94 => 3,
            _ => 4,
        };
        let aliases = ["a", "b", "c", "d"];
        let mut scope = Scope { cols: Vec::new() };
        let mut from = String::new();
        let mut where_terms = Vec::new();
        for (i, alias) in aliases.iter().enumerate().take(n) {
            let t = self.r.pick(self.tables).clone();
            let (item, tcols) = match self.r.below64(100) {
                // A FROM subquery, or the same as a CTE.
                0..=11 if self.subqueries => {
                    let inner = Scope { cols: t.cols.iter().map(|c| ("q".to_string(), c.clone())).collect() };
                    let distinct = if self.r.chance(30) { "DISTINCT " } else { "" };
                    let w = if self.r.chance(50) { format!(" WHERE {}", self.expr(&inner, 2)) } else { String::new() };
                    let body = format!("SELECT {distinct}* FROM {} AS q{w}", t.name);
                    if self.r.chance(50) {
                        ctes.push(format!("w{alias} AS ({body})"));
                        (format!("w{alias} AS {alias}"), t.cols.clone())
                    } else {
                        (format!("({body}) AS {alias}"), t.cols.clone())
                    }
                }
                // A recursive CTE counting through small integers (its one
                // column is c0, so USING and NATURAL JOIN still apply).
                12..=15 if self.subqueries => {
                    let (start, step, stop) =
                        (self.r.below64(3) as i64 - 1, 1 + self.r.below64(3), 3 + self.r.below64(8));
                    let all = if self.r.chance(70) { "UNION ALL" } else { "UNION" };
                    ctes.push(format!(
                        "r{alias}(c0) AS (VALUES({start}) {all} SELECT c0 + {step} FROM r{alias} WHERE c0 < {stop})"
                    ));
                    recursive = true;
                    let c0 = Column { name: "c0".to_string(), unique: all == "UNION", ipk: false };
                    (format!("r{alias} AS {alias}"), vec![c0])
                }
                _ => (format!("{} AS {alias}", t.name), t.cols.clone()),
            };
            let cols: Vec<(String, Column)> = tcols.iter().map(|c| (alias.to_string(), c.clone())).collect();
            if i == 0 {
                from = item;
                scope.cols = cols;
                continue;
            }
            // An equality with an earlier item: the shape index and hash
            // joins serve.
            let (q, c) = self.r.pick(&scope.cols).clone();
            let eq = format!("{q}.{} = {alias}.{}", c.name, self.r.pick(&tcols).name);
            // Aggregates over a LEFT JOIN hit an open bug with the NULL row's rowid.
            let left_ok = shape >= 2 || !self.bugs.left_join_null_rowid;
            let kinds: &[&str] = if left_ok {
                &["JOIN", "JOIN", ",", ",", "CROSS JOIN", "LEFT JOIN", "LEFT JOIN", "USING", "NATURAL", "LEFT USING"]
            } else {
                &["JOIN", "JOIN", ",", ",", "CROSS JOIN", "USING", "NATURAL"]
            };
            let kind = *self.r.pick(kinds);
            scope.cols.extend(cols);
            // More than two items always carry an equality, so that the
            // cross product stays small.
            let on = if n > 2 || self.r.chance(60) {
                if self.r.chance(25) {
                    format!("{eq} AND {}", self.expr(&scope, 1))
                } else {
                    eq
                }
            } else {
                self.expr(&scope, 2)
            };
            match kind {
                "," => {
                    from = format!("{from}, {item}");
                    where_terms.push(format!("({on})"));
                }
                "USING" => from = format!("{from} JOIN {item} USING (c0)"),
                "LEFT USING" => from = format!("{from} LEFT JOIN {item} USING (c0)"),
                "NATURAL" => from = format!("{from} NATURAL JOIN {item}"),
                k => from = format!("{from} {k} {item} ON {on}"),
            }
        }
        let with = match (ctes.is_empty(), recursive) {
            (true, _) => String::new(),
            (false, false) => format!("WITH {} ", ctes.join(", ")),
            (false, true) => format!("WITH RECURSIVE {} ", ctes.join(", ")),
        };
        (with, from, scope, where_terms)
    }

    /// A compound SELECT of two or three single-table parts with the same
    /// number of columns, ordered by every column (sometimes with LIMIT),
    /// or unordered.
    fn compound(&mut self) -> (String, Order) {
        let ncols = 1 + self.r.below64(2) as usize;
        let nparts = 2 + self.r.below64(2);
        let mut sql = String::new();
        for i in 0..nparts {
            let t = self.r.pick(self.tables).clone();
            let scope = Scope { cols: t.cols.iter().map(|c| ("p".to_string(), c.clone())).collect() };
            // Values equal under the comparison but different as values
            // (1 and 1.0, 'a' and 'A' under NOCASE) make the one a set
            // operation keeps depend on scan order, so every column is put
            // in a form equal values share (text with a NUL, where NOCASE
            // stops, as hex); a NOCASE collation still decides which rows
            // match.
            let cols: Vec<String> = (0..ncols)
                .map(|_| {
                    let e = if self.r.chance(70) { scope.col(self.r) } else { self.expr(&scope, 2) };
                    let coll = if self.r.chance(25) { " COLLATE NOCASE" } else { "" };
                    format!(
                        "CASE WHEN typeof({e}) IN ('integer', 'real') THEN {e} + 0.0 \
                         WHEN instr({e}, char(0)) THEN hex({e}) ELSE upper({e}) END{coll}"
                    )
                })
                .collect();
            let w = if self.r.chance(50) { format!(" WHERE {}", self.expr(&scope, 2)) } else { String::new() };
            if i > 0 {
                sql.push_str(self.r.pick::<&str>(&[" UNION ", " UNION ALL ", " INTERSECT ", " EXCEPT "]));
            }
            sql.push_str(&format!("SELECT {} FROM {} AS p{w}", cols.join(", "), t.name));
        }
        let mut order = Order::None;
        if self.r.chance(60) {
            let terms: Vec<String> =
                (1..=ncols).map(|i| format!("{i}{}", if self.r.chance(40) { " DESC" } else { "" })).collect();
            sql.push_str(&format!(" ORDER BY {}", terms.join(", ")));
            order = Order::Total;
            if self.r.chance(30) {
                sql.push_str(&format!(" LIMIT {}", 1 + self.r.below64(4)));
                order = Order::TotalLimited;
            }
        }
        (sql, order)
    }

    /// A lookup by one column against constants: the shape an index serves
    /// (equality, ranges, IN, IS NULL), with literals of every type so that
    /// the column's affinity converts them.
    fn probe(&mut self) -> (String, Order) {
        let t = self.r.pick(self.tables).clone();
        let c = self.r.pick(&t.cols).name.clone();
        let cond = match self.r.below64(7) {
            0..=1 => format!("{c} = {}", self.lit(true)),
            2 => format!("{c} {} {}", self.r.pick(&["<", "<=", ">", ">="]), self.lit(true)),
            3 => format!("{c} BETWEEN {} AND {}", self.lit(true), self.lit(true)),
            4 => format!("{c} IN ({}, {}, {})", self.lit(true), self.lit(true), self.lit(true)),
            5 => format!("{c} IS NULL"),
            _ => format!("{c} > {} AND {c} < {}", self.lit(true), self.lit(true)),
        };
        let desc = if self.r.chance(50) { " DESC" } else { "" };
        (format!("SELECT rowid, * FROM {} WHERE {cond} ORDER BY {c}{desc}, rowid", t.name), Order::Total)
    }

    pub fn insert(&mut self) -> String {
        let t = self.r.pick(self.tables).clone();
        if self.r.chance(5) {
            return format!("INSERT INTO {} DEFAULT VALUES", t.name);
        }
        let verb = *self.r.pick(&[
            "INSERT",
            "INSERT",
            "INSERT",
            "INSERT OR IGNORE",
            "INSERT OR REPLACE",
            "REPLACE",
            "INSERT OR ABORT",
        ]);
        let ncols = 1 + self.r.below64(t.cols.len() as u64) as usize;
        let mut cols: Vec<&Column> = t.cols.iter().collect();
        // A random subset, in random order.
        for i in (1..cols.len()).rev() {
            let j = self.r.below64(i as u64 + 1) as usize;
            cols.swap(i, j);
        }
        cols.truncate(ncols);
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        if self.r.chance(15) && !(self.bugs.negative_rowid && cols.iter().any(|c| c.ipk)) {
            let src = self.r.pick(self.tables).clone();
            let scope = Scope { cols: src.cols.iter().map(|c| (String::new(), c.clone())).collect() };
            self.exact_only = true;
            let exprs: Vec<String> = (0..ncols).map(|_| self.expr(&scope, 2)).collect();
            self.exact_only = false;
            // ORDER BY rowid: the rowids the new rows get must not depend on scan order.
            return format!(
                "{verb} INTO {} ({}) SELECT {} FROM {} ORDER BY rowid",
                t.name,
                names.join(", "),
                exprs.join(", "),
                src.name
            );
        }
        let nrows = 1 + self.r.below64(3);
        let positive_ipk = self.bugs.negative_rowid;
        let rows: Vec<String> = (0..nrows)
            .map(|_| {
                let vals: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        if c.ipk && positive_ipk {
                            // New rowids after a negative maximum: an open bug.
                            self.r.pick(&["NULL", "1", "2", "5", "10", "'7'"]).to_string()
                        } else {
                            self.lit(false)
                        }
                    })
                    .collect();
                format!("({})", vals.join(", "))
            })
            .collect();
        format!("{verb} INTO {} ({}) VALUES {}", t.name, names.join(", "), rows.join(", "))
    }

    pub fn update(&mut self) -> String {
        self.subqueries = false;
        let sql = self.update_inner();
        self.subqueries = true;
        sql
    }

    fn update_inner(&mut self) -> String {
        let t = self.r.pick(self.tables).clone();
        let scope = Scope { cols: t.cols.iter().map(|c| (String::new(), c.clone())).collect() };
        let n = 1 + self.r.below64(2);
        let settable: Vec<Column> = t.cols.iter().filter(|c| !(c.ipk && self.bugs.negative_rowid)).cloned().collect();
        if settable.is_empty() {
            return format!("DELETE FROM {} WHERE 0", t.name);
        }
        let mut targets: Vec<Column> = (0..n).map(|_| self.r.pick(&settable).clone()).collect();
        if self.bugs.update_duplicate_set {
            // Open bug: with a column set twice, only the last assignment
            // counts (and is evaluated) in SQLite.
            targets.dedup_by(|a, b| a.name == b.name);
        }
        let sets: Vec<String> = targets.iter().map(|c| format!("{} = {}", c.name, self.expr(&scope, 2))).collect();
        let mut where_ = if self.r.chance(70) { format!(" WHERE {}", self.expr(&scope, 2)) } else { String::new() };
        if targets.iter().any(|c| c.unique) {
            // Whether a multi-row UPDATE of a unique column trips its
            // constraint depends on the order rows are visited: one row only.
            let k = self.r.below64(12);
            where_ =
                if where_.is_empty() { format!(" WHERE rowid = {k}") } else { format!("{where_} AND rowid = {k}") };
        }
        format!("UPDATE {} SET {}{where_}", t.name, sets.join(", "))
    }

    pub fn delete(&mut self) -> String {
        let t = self.r.pick(self.tables).clone();
        let scope = Scope { cols: t.cols.iter().map(|c| (String::new(), c.clone())).collect() };
        self.subqueries = false;
        let sql = format!("DELETE FROM {} WHERE {}", t.name, self.expr(&scope, 2));
        self.subqueries = true;
        sql
    }
}

pub fn gen_schema(r: &mut Rng, bugs: OpenBugs) -> (Vec<Table>, Vec<String>) {
    let mut tables = Vec::new();
    let mut ddl = Vec::new();
    for ti in 0..1 + r.below64(3) {
        let ipk = r.chance(30);
        let mut cols = Vec::new();
        let mut defs = Vec::new();
        for ci in 0..2 + r.below64(3) {
            let name = format!("c{ci}");
            if ci == 0 && ipk {
                defs.push(format!("{name} INTEGER PRIMARY KEY"));
                cols.push(Column { name, unique: true, ipk: true });
                continue;
            }
            let decl = *r.pick(DECLS);
            let mut def = format!("{name} {decl}");
            if matches!(decl, "TEXT" | "") && r.chance(30) {
                def.push_str(" COLLATE NOCASE");
            }
            let mut unique = false;
            let mut ipk = false;
            if ci == 0 && r.chance(10) {
                // A PRIMARY KEY: a rowid alias when declared INTEGER, else a
                // unique index.
                def.push_str(" PRIMARY KEY");
                unique = true;
                ipk = decl == "INTEGER";
            }
            if r.chance(12) {
                def.push_str(" NOT NULL");
                if r.chance(50) && !(ipk && bugs.ipk_default) {
                    def.push_str(" DEFAULT 0");
                }
            } else if r.chance(15) && !(ipk && bugs.ipk_default) {
                def.push_str(&format!(" DEFAULT {}", r.pick(&["'x'", "1.5", "-1", "NULL", "'Abc'", "(2 + 3)"])));
            }
            if r.chance(8) {
                def.push_str(&format!(
                    " CHECK ({})",
                    match r.below64(3) {
                        0 => format!("{name} > -5"),
                        1 => format!("length({name}) < 6"),
                        _ => format!("{name} IS NULL OR {name} <> 3"),
                    }
                ));
            }
            if !unique && r.chance(12) {
                def.push_str(" UNIQUE");
                unique = true;
            }
            defs.push(def);
            cols.push(Column { name, unique, ipk });
        }
        let mut t = Table { name: format!("t{ti}"), cols };
        ddl.push(format!("CREATE TABLE {} ({})", t.name, defs.join(", ")));
        for ii in 0..r.below64(3) {
            let c1 = r.pick(&t.cols).name.clone();
            let mut cs = vec![c1];
            if r.chance(30) {
                let c2 = r.pick(&t.cols).name.clone();
                if !cs.contains(&c2) {
                    cs.push(c2);
                }
            }
            let unique = r.chance(25);
            if unique {
                for c in &mut t.cols {
                    c.unique |= cs.contains(&c.name);
                }
            }
            let kw = if unique { "UNIQUE " } else { "" };
            ddl.push(format!("CREATE {kw}INDEX {}_i{ii} ON {} ({})", t.name, t.name, cs.join(", ")));
        }
        tables.push(t);
    }
    (tables, ddl)
}
