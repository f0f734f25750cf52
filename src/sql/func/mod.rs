//! Built-in SQL functions: scalar functions by name and arity, and aggregate
//! accumulators. (CONTRACT SKELETON: the values owner fills in the bodies.)

use crate::error::Result;
use crate::storage::Value;

/// What a scalar function may ask of the connection running it.
pub trait FuncContext {
    fn changes(&self) -> i64;
    fn total_changes(&self) -> i64;
    fn last_insert_rowid(&self) -> i64;
    /// Next value of the connection's pseudo-random generator.
    fn random_i64(&mut self) -> i64;
}

/// A scalar function implementation.
pub type ScalarFn = fn(&mut dyn FuncContext, &[Value]) -> Result<Value>;

/// Looks up a scalar function by (case-insensitive) name and argument count.
/// `Err` carries SQLite's message: `no such function: X` or
/// `wrong number of arguments to function X()`.
pub fn lookup_scalar(name: &str, nargs: usize) -> Result<ScalarFn> {
    let _ = (name, nargs);
    todo!()
}

/// True for functions whose result depends only on their arguments
/// (constant folding is allowed); false for random(), changes(), ...
pub fn is_deterministic(name: &str) -> bool {
    let _ = name;
    todo!()
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
    let _ = (name, nargs);
    todo!()
}

/// A fresh accumulator for aggregate `name`; `count(*)` is `("count", 0)`.
/// `distinct` filters repeated argument values before stepping.
pub fn new_accumulator(name: &str, nargs: usize, distinct: bool) -> Result<Box<dyn Accumulator>> {
    let _ = (name, nargs, distinct);
    todo!()
}
