//! Built-in SQL functions: scalar functions by name and arity, and aggregate
//! accumulators.
//!
//! - [`scalar`]: value and number functions (abs, coalesce, round, quote, ...)
//! - [`text`]: string functions (length, substr, trim, replace, like, ...)
//! - [`printf`]: printf / format
//! - [`math`]: acos ... trunc, ln, log, pi, pow (SQLite's math functions)
//! - [`datetime`]: date, time, datetime, julianday, unixepoch, strftime
//! - [`aggregate`]: count, sum, total, avg, min, max, group_concat

pub mod aggregate;
pub mod datetime;
pub mod math;
pub mod printf;
pub mod scalar;
pub mod text;

use crate::error::{Error, ErrorKind, Result};
use crate::storage::{Collation, Value};

/// SQLite's default limit on the size of a string or blob (SQLITE_MAX_LENGTH).
pub const MAX_LENGTH: usize = 1_000_000_000;

/// The error for a result longer than [`MAX_LENGTH`].
pub fn too_big() -> Error {
    Error::new(ErrorKind::TooBig, "string or blob too big")
}

/// What a scalar function may ask of the connection running it.
pub trait FuncContext {
    fn changes(&self) -> i64;
    fn total_changes(&self) -> i64;
    fn last_insert_rowid(&self) -> i64;
    /// Next value of the connection's pseudo-random generator.
    fn random_i64(&mut self) -> i64;
    /// The collating sequence of this call: SQLite's rule is that of the
    /// leftmost argument that has one (a column's declared collation or an
    /// explicit COLLATE), else BINARY. Only the functions for which
    /// [`needs_collation`] is true (min, max, nullif) read it.
    fn collation(&self) -> Collation {
        Collation::Binary
    }
    /// The current time in milliseconds since the Unix epoch, as 'now'
    /// reads it. A statement returns the same value for every call within
    /// one step (SQLite's rule); this default reads the clock each time.
    fn now_unix_ms(&mut self) -> i64 {
        crate::storage::vfs::clock::unix_now_ms()
    }
}

/// True for scalar functions that compare their arguments with the call's
/// collating sequence ([`FuncContext::collation`]): min, max, nullif.
pub fn needs_collation(name: &str) -> bool {
    ["min", "max", "nullif"].iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// A scalar function implementation.
pub type ScalarFn = fn(&mut dyn FuncContext, &[Value]) -> Result<Value>;

/// One entry of the scalar function table.
struct ScalarDef {
    name: &'static str,
    min_args: usize,
    /// None = any number of arguments from `min_args` up.
    max_args: Option<usize>,
    f: ScalarFn,
    deterministic: bool,
}

const fn def(
    name: &'static str,
    min_args: usize,
    max_args: Option<usize>,
    f: ScalarFn,
    deterministic: bool,
) -> ScalarDef {
    ScalarDef { name, min_args, max_args, f, deterministic }
}

/// The scalar functions. Names are lower case.
static SCALARS: &[ScalarDef] = &[
    def("abs", 1, Some(1), scalar::abs, true),
    def("acos", 1, Some(1), math::acos, true),
    def("acosh", 1, Some(1), math::acosh, true),
    def("asin", 1, Some(1), math::asin, true),
    def("asinh", 1, Some(1), math::asinh, true),
    def("atan", 1, Some(1), math::atan, true),
    def("atan2", 2, Some(2), math::atan2, true),
    def("atanh", 1, Some(1), math::atanh, true),
    def("ceil", 1, Some(1), math::ceil, true),
    def("ceiling", 1, Some(1), math::ceil, true),
    def("changes", 0, Some(0), scalar::changes, false),
    def("char", 0, None, text::char_fn, true),
    def("coalesce", 2, None, scalar::coalesce, true),
    def("cos", 1, Some(1), math::cos, true),
    def("cosh", 1, Some(1), math::cosh, true),
    def("date", 0, None, datetime::date, false),
    def("datetime", 0, None, datetime::datetime, false),
    def("degrees", 1, Some(1), math::degrees, true),
    def("exp", 1, Some(1), math::exp, true),
    def("floor", 1, Some(1), math::floor, true),
    def("format", 0, None, printf::printf_fn, true),
    def("glob", 2, Some(2), text::glob_fn, true),
    def("hex", 1, Some(1), text::hex, true),
    def("ifnull", 2, Some(2), scalar::coalesce, true),
    def("iif", 3, Some(3), scalar::iif, true),
    def("instr", 2, Some(2), text::instr, true),
    def("julianday", 0, None, datetime::julianday, false),
    def("last_insert_rowid", 0, Some(0), scalar::last_insert_rowid, false),
    def("length", 1, Some(1), text::length, true),
    def("like", 2, Some(3), text::like_fn, true),
    def("likelihood", 2, Some(2), scalar::likelihood, true),
    def("likely", 1, Some(1), scalar::identity, true),
    def("ln", 1, Some(1), math::ln, true),
    def("log", 1, Some(2), math::log, true),
    def("log10", 1, Some(1), math::log10, true),
    def("log2", 1, Some(1), math::log2, true),
    def("lower", 1, Some(1), text::lower, true),
    def("ltrim", 1, Some(2), text::ltrim, true),
    def("max", 2, None, scalar::max, true),
    def("min", 2, None, scalar::min, true),
    def("mod", 2, Some(2), math::mod_fn, true),
    def("nullif", 2, Some(2), scalar::nullif, true),
    def("pi", 0, Some(0), math::pi, true),
    def("pow", 2, Some(2), math::pow, true),
    def("power", 2, Some(2), math::pow, true),
    def("printf", 0, None, printf::printf_fn, true),
    def("quote", 1, Some(1), scalar::quote, true),
    def("radians", 1, Some(1), math::radians, true),
    def("random", 0, Some(0), scalar::random, false),
    def("randomblob", 1, Some(1), scalar::randomblob, false),
    def("replace", 3, Some(3), text::replace, true),
    def("round", 1, Some(2), scalar::round, true),
    def("rtrim", 1, Some(2), text::rtrim, true),
    def("sign", 1, Some(1), scalar::sign, true),
    def("sin", 1, Some(1), math::sin, true),
    def("sinh", 1, Some(1), math::sinh, true),
    def("soundex", 1, Some(1), text::soundex, true),
    def("sqlite_version", 0, Some(0), scalar::sqlite_version, true),
    def("sqrt", 1, Some(1), math::sqrt, true),
    def("strftime", 0, None, datetime::strftime, false),
    def("substr", 2, Some(3), text::substr, true),
    def("substring", 2, Some(3), text::substr, true),
    def("tan", 1, Some(1), math::tan, true),
    def("tanh", 1, Some(1), math::tanh, true),
    def("time", 0, None, datetime::time, false),
    def("total_changes", 0, Some(0), scalar::total_changes, false),
    def("trim", 1, Some(2), text::trim, true),
    def("trunc", 1, Some(1), math::trunc, true),
    def("typeof", 1, Some(1), scalar::type_of, true),
    def("unicode", 1, Some(1), text::unicode, true),
    def("unixepoch", 0, None, datetime::unixepoch, false),
    def("unlikely", 1, Some(1), scalar::identity, true),
    def("upper", 1, Some(1), text::upper, true),
    def("zeroblob", 1, Some(1), scalar::zeroblob, true),
];

fn find_scalar(name: &str) -> Option<&'static ScalarDef> {
    SCALARS.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Looks up a scalar function by (case-insensitive) name and argument count.
/// `Err` carries SQLite's message: `no such function: X` or
/// `wrong number of arguments to function X()`.
pub fn lookup_scalar(name: &str, nargs: usize) -> Result<ScalarFn> {
    match find_scalar(name) {
        Some(d) if nargs >= d.min_args && d.max_args.is_none_or(|m| nargs <= m) => Ok(d.f),
        Some(_) => Err(wrong_args(name)),
        None if aggregate::arity_ok(name).is_some() => Err(wrong_args(name)),
        None => Err(Error::sql(format!("no such function: {name}"))),
    }
}

fn wrong_args(name: &str) -> Error {
    Error::sql(format!("wrong number of arguments to function {name}()"))
}

/// True for functions whose result depends only on their arguments
/// (constant folding is allowed); false for random(), changes(), ...
pub fn is_deterministic(name: &str) -> bool {
    find_scalar(name).is_none_or(|d| d.deterministic)
}

/// A running aggregate (one per group).
pub trait Accumulator: Send {
    fn step(&mut self, args: &[Value]) -> Result<()>;
    /// The result for the rows stepped so far (may be called once at the end).
    fn finalize(&mut self) -> Result<Value>;
}

/// Is `name` an aggregate function (count, sum, total, avg, min, max, group_concat)?
/// min/max with 2+ arguments are scalar, not aggregate.
pub fn is_aggregate(name: &str, nargs: usize) -> bool {
    match aggregate::arity_ok(name) {
        Some(ok) => ok(nargs),
        None => false,
    }
}

/// A fresh accumulator for aggregate `name`; `count(*)` is `("count", 0)`.
/// `distinct` filters repeated argument values before stepping.
pub fn new_accumulator(name: &str, nargs: usize, distinct: bool) -> Result<Box<dyn Accumulator>> {
    new_accumulator_with_collation(name, nargs, distinct, Collation::Binary)
}

/// Like [`new_accumulator`], with the collating sequence that min/max and
/// DISTINCT use to compare TEXT arguments (the argument's collation).
pub fn new_accumulator_with_collation(
    name: &str,
    nargs: usize,
    distinct: bool,
    coll: Collation,
) -> Result<Box<dyn Accumulator>> {
    if !is_aggregate(name, nargs) {
        return Err(if find_scalar(name).is_some() || aggregate::arity_ok(name).is_some() {
            wrong_args(name)
        } else {
            Error::sql(format!("no such function: {name}"))
        });
    }
    if distinct && nargs != 1 {
        return Err(Error::sql("DISTINCT aggregates must have exactly one argument"));
    }
    aggregate::new(name, nargs, distinct, coll)
}

/// `sqlite3_value_int`: the 64-bit integer value truncated to 32 bits (two's
/// complement wrap, as the C cast does). substr() and round() read their
/// numeric arguments this way.
pub(crate) fn value_int(v: &Value) -> i64 {
    i64::from(crate::sql::types::value_to_i64(v) as i32)
}

/// Argument `i`, NULL when absent (functions with optional arguments).
pub(crate) fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_errors() {
        assert!(lookup_scalar("ABS", 1).is_ok());
        assert_eq!(lookup_scalar("foo", 1).err().map(|e| e.message), Some("no such function: foo".into()));
        assert_eq!(
            lookup_scalar("SUBSTR", 1).err().map(|e| e.message),
            Some("wrong number of arguments to function SUBSTR()".into())
        );
        assert_eq!(
            lookup_scalar("max", 0).err().map(|e| e.message),
            Some("wrong number of arguments to function max()".into())
        );
        assert_eq!(
            lookup_scalar("count", 2).err().map(|e| e.message),
            Some("wrong number of arguments to function count()".into())
        );
        assert!(is_aggregate("MAX", 1));
        assert!(!is_aggregate("max", 2));
        assert!(is_aggregate("count", 0));
        assert!(!is_deterministic("random"));
        assert!(is_deterministic("abs"));
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
            -1
        }
    }

    /// Every scalar function and aggregate on extreme arguments: an answer
    /// or an error, never a panic (and never a giant allocation).
    #[test]
    fn extreme_arguments_never_panic() {
        let vals = [
            Value::Null,
            Value::Integer(0),
            Value::Integer(-1),
            Value::Integer(i64::MIN),
            Value::Integer(i64::MAX),
            Value::Integer(2_147_483_648),
            Value::Integer(-2_147_483_649),
            Value::Real(-0.0),
            Value::Real(f64::INFINITY),
            Value::Real(f64::NEG_INFINITY),
            Value::Real(1e308),
            Value::Real(5e-324),
            Value::Text(String::new()),
            Value::Text("%*.*f%c%q%999999999d%.999999999f".into()),
            Value::Text("%-+ #!0,5.3e|%r|%%".into()),
            Value::Text("\0é[^]-*?_%".into()),
            Value::Text("1e999999".into()),
            Value::Blob(vec![]),
            Value::Blob(vec![0xff, 0xfe, 0]),
        ];
        let mut x: u64 = 0x1234_5678_9abc_def1;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for d in SCALARS {
            let max = d.max_args.unwrap_or(d.min_args + 3);
            for nargs in d.min_args..=max {
                for _ in 0..400 {
                    let args: Vec<Value> = (0..nargs).map(|_| vals[next(vals.len())].clone()).collect();
                    let _ = (d.f)(&mut Ctx, &args);
                }
            }
        }
        for (name, nargs) in
            [("count", 1), ("sum", 1), ("total", 1), ("avg", 1), ("min", 1), ("max", 1), ("group_concat", 2)]
        {
            for distinct in [false, true] {
                if distinct && nargs != 1 {
                    continue;
                }
                let mut acc = new_accumulator(name, nargs, distinct).unwrap();
                for _ in 0..200 {
                    let args: Vec<Value> = (0..nargs).map(|_| vals[next(vals.len())].clone()).collect();
                    let _ = acc.step(&args);
                }
                let _ = acc.finalize();
            }
        }
    }
}
