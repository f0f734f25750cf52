//! Aggregate accumulators: count, sum, total, avg, min, max, group_concat,
//! each optionally DISTINCT.
//!
//! sum keeps an exact i64 while every input is an integer (text that is
//! entirely an integer counts as one) and a plain f64 running sum beside it;
//! an i64 overflow before any REAL input is the error "integer overflow".

use super::Accumulator;
use crate::error::{Error, Result};
use crate::sql::types::numeric::NumericValue;
use crate::sql::types::{compare_for_sort, text_to_numeric, value_bytes, value_to_f64};
use crate::storage::{Collation, Value};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// For a known aggregate name, a predicate on its argument count.
pub fn arity_ok(name: &str) -> Option<fn(usize) -> bool> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "count" => |k| k <= 1,
        "sum" | "total" | "avg" | "min" | "max" => |k| k == 1,
        "group_concat" => |k| k == 1 || k == 2,
        _ => return None,
    })
}

pub(super) fn new(name: &str, nargs: usize, distinct: bool, coll: Collation) -> Result<Box<dyn Accumulator>> {
    let inner: Box<dyn Accumulator> = match name.to_ascii_lowercase().as_str() {
        "count" => Box::new(Count { n: 0, star: nargs == 0 }),
        "sum" => Box::new(Sum::new(SumKind::Sum)),
        "total" => Box::new(Sum::new(SumKind::Total)),
        "avg" => Box::new(Sum::new(SumKind::Avg)),
        "min" => Box::new(MinMax { best: None, max: false, coll }),
        "max" => Box::new(MinMax { best: None, max: true, coll }),
        "group_concat" => Box::new(GroupConcat { buf: Vec::new(), any: false }),
        _ => return Err(Error::sql(format!("no such function: {name}"))),
    };
    Ok(if distinct { Box::new(Distinct { seen: BTreeSet::new(), coll, inner }) } else { inner })
}

struct Count {
    n: i64,
    star: bool,
}

impl Accumulator for Count {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        if self.star || !matches!(args.first(), None | Some(Value::Null)) {
            self.n += 1;
        }
        Ok(())
    }
    fn finalize(&mut self) -> Result<Value> {
        Ok(Value::Integer(self.n))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SumKind {
    Sum,
    Total,
    Avg,
}

struct Sum {
    kind: SumKind,
    count: i64,
    isum: i64,
    rsum: f64,
    /// A non-integer input was seen: the result is REAL.
    approx: bool,
    overflow: bool,
}

impl Sum {
    fn new(kind: SumKind) -> Sum {
        Sum { kind, count: 0, isum: 0, rsum: 0.0, approx: false, overflow: false }
    }
}

impl Accumulator for Sum {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        let v = args.first().unwrap_or(&Value::Null);
        // sqlite3_value_numeric_type: text that is entirely a number is read as one.
        let as_int = match v {
            Value::Null => return Ok(()),
            Value::Integer(i) => Some(*i),
            Value::Text(s) => match text_to_numeric(s.as_bytes(), false) {
                Some(NumericValue::Int(i)) => Some(i),
                _ => None,
            },
            _ => None,
        };
        self.count += 1;
        match as_int {
            Some(i) => {
                self.rsum += i as f64;
                if !self.approx && !self.overflow {
                    match self.isum.checked_add(i) {
                        Some(s) => self.isum = s,
                        None => self.overflow = true,
                    }
                }
            }
            None => {
                self.rsum += value_to_f64(v);
                self.approx = true;
            }
        }
        Ok(())
    }
    fn finalize(&mut self) -> Result<Value> {
        Ok(match self.kind {
            SumKind::Total => Value::Real(self.rsum),
            SumKind::Avg => {
                if self.count == 0 {
                    Value::Null
                } else {
                    Value::Real(self.rsum / self.count as f64)
                }
            }
            SumKind::Sum => {
                if self.count == 0 {
                    Value::Null
                } else if self.overflow {
                    return Err(Error::sql("integer overflow"));
                } else if self.approx {
                    Value::Real(self.rsum)
                } else {
                    Value::Integer(self.isum)
                }
            }
        })
    }
}

struct MinMax {
    best: Option<Value>,
    max: bool,
    coll: Collation,
}

impl Accumulator for MinMax {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        let v = args.first().unwrap_or(&Value::Null);
        if matches!(v, Value::Null) {
            return Ok(());
        }
        let replace = match &self.best {
            None => true,
            Some(b) => {
                let c = compare_for_sort(b, v, self.coll);
                if self.max {
                    c == Ordering::Less
                } else {
                    c == Ordering::Greater
                }
            }
        };
        if replace {
            self.best = Some(v.clone());
        }
        Ok(())
    }
    fn finalize(&mut self) -> Result<Value> {
        Ok(self.best.clone().unwrap_or(Value::Null))
    }
}

struct GroupConcat {
    buf: Vec<u8>,
    any: bool,
}

impl Accumulator for GroupConcat {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        let v = args.first().unwrap_or(&Value::Null);
        if matches!(v, Value::Null) {
            return Ok(());
        }
        if self.any {
            match args.get(1) {
                None => self.buf.push(b','),
                Some(sep) => self.buf.extend_from_slice(&value_bytes(sep)),
            }
        }
        self.any = true;
        self.buf.extend_from_slice(&value_bytes(v));
        if self.buf.len() > super::MAX_LENGTH {
            return Err(super::too_big());
        }
        Ok(())
    }
    fn finalize(&mut self) -> Result<Value> {
        if !self.any {
            return Ok(Value::Null);
        }
        let bytes = std::mem::take(&mut self.buf);
        Ok(Value::Text(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }))
    }
}

/// A value ordered by [`compare_for_sort`] under a collation (for DISTINCT).
struct Key(Value, Collation);

impl PartialEq for Key {
    fn eq(&self, o: &Key) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Key) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key {
    fn cmp(&self, o: &Key) -> Ordering {
        compare_for_sort(&self.0, &o.0, self.1)
    }
}

/// Steps the inner accumulator only with argument values not seen before
/// (NULLs pass through; every aggregate ignores them anyway).
struct Distinct {
    seen: BTreeSet<Key>,
    coll: Collation,
    inner: Box<dyn Accumulator>,
}

impl Accumulator for Distinct {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        let v = args.first().unwrap_or(&Value::Null);
        if matches!(v, Value::Null) {
            return self.inner.step(args);
        }
        if self.seen.insert(Key(v.clone(), self.coll)) {
            self.inner.step(args)
        } else {
            Ok(())
        }
    }
    fn finalize(&mut self) -> Result<Value> {
        self.inner.finalize()
    }
}
