//! Aggregates over a sliding window frame: count, sum, total, avg and
//! group_concat with an inverse step (a row leaving the frame), following
//! SQLite 3.40's window semantics.
//!
//! - sum/total/avg keep an exact i64 while only integers were added and a
//!   running f64 beside it. A REAL input (or an i64 overflow) makes the sum
//!   approximate for good: removing that row later does not make it exact
//!   again, and an overflow stays an error ("integer overflow").
//! - group_concat keeps the concatenated bytes; removing a row drops the
//!   first value and the separator written after it (which is the one the
//!   second row supplied, so separator lengths are tracked once they vary).
//!   An empty accumulated string reads as NULL, and after it empties the
//!   next value is written without a separator.
//!
//! min and max need no inverse: the operator keeps a monotonic queue.

use super::Kind;
use crate::error::{Error, Result};
use crate::sql::types::numeric::NumericValue;
use crate::sql::types::{text_to_numeric, value_bytes, value_to_f64};
use crate::storage::Value;
use std::collections::VecDeque;

/// A value as `sqlite3_value_numeric_type` sees it.
enum Num {
    Null,
    Int(i64),
    Other(f64),
}

fn num(v: &Value) -> Num {
    match v {
        Value::Null => Num::Null,
        Value::Integer(i) => Num::Int(*i),
        Value::Text(s) => match text_to_numeric(s.as_bytes(), false) {
            Some(NumericValue::Int(i)) => Num::Int(i),
            _ => Num::Other(value_to_f64(v)),
        },
        other => Num::Other(value_to_f64(other)),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SumKind {
    Sum,
    Total,
    Avg,
}

pub struct GroupConcat {
    buf: Vec<u8>,
    /// Bytes dropped from the front of `buf` (compacted lazily).
    head: usize,
    /// Nothing written yet, or everything removed: no separator next.
    fresh: bool,
    n_accum: usize,
    first_sep_len: usize,
    /// Lengths of the separators in `buf`, in order, once they vary.
    sep_lens: Option<VecDeque<usize>>,
}

pub enum Acc {
    Count { n: i64, star: bool },
    Sum { kind: SumKind, cnt: i64, isum: i64, rsum: f64, approx: bool, overflow: bool },
    Concat(GroupConcat),
}

impl Acc {
    pub fn new(kind: Kind, nargs: usize) -> Acc {
        let sum = |kind| Acc::Sum { kind, cnt: 0, isum: 0, rsum: 0.0, approx: false, overflow: false };
        match kind {
            Kind::Sum => sum(SumKind::Sum),
            Kind::Total => sum(SumKind::Total),
            Kind::Avg => sum(SumKind::Avg),
            Kind::GroupConcat => Acc::Concat(GroupConcat {
                buf: Vec::new(),
                head: 0,
                fresh: true,
                n_accum: 0,
                first_sep_len: 0,
                sep_lens: None,
            }),
            _ => Acc::Count { n: 0, star: nargs == 0 },
        }
    }

    /// Adds a row's argument `v` (NULL without one) and, for
    /// group_concat, its separator argument.
    pub fn step(&mut self, v: &Value, sep: Option<&Value>) -> Result<()> {
        match self {
            Acc::Count { n, star } => {
                if *star || !matches!(v, Value::Null) {
                    *n += 1;
                }
            }
            Acc::Sum { cnt, isum, rsum, approx, overflow, .. } => match num(v) {
                Num::Null => {}
                Num::Int(i) => {
                    *cnt += 1;
                    *rsum += i as f64;
                    if !*approx && !*overflow {
                        match isum.checked_add(i) {
                            Some(s) => *isum = s,
                            None => {
                                *approx = true;
                                *overflow = true;
                            }
                        }
                    }
                }
                Num::Other(f) => {
                    *cnt += 1;
                    *rsum += f;
                    *approx = true;
                }
            },
            Acc::Concat(g) => g.step(v, sep)?,
        }
        Ok(())
    }

    /// Removes a row added before, by its argument `v`.
    pub fn inverse(&mut self, v: &Value) {
        match self {
            Acc::Count { n, star } => {
                if *star || !matches!(v, Value::Null) {
                    *n -= 1;
                }
            }
            Acc::Sum { cnt, isum, rsum, approx, .. } => match num(v) {
                Num::Null => {}
                Num::Int(i) if !*approx => {
                    *cnt -= 1;
                    *rsum -= i as f64;
                    *isum = isum.wrapping_sub(i);
                }
                Num::Int(i) => {
                    *cnt -= 1;
                    *rsum -= i as f64;
                }
                Num::Other(f) => {
                    *cnt -= 1;
                    *rsum -= f;
                }
            },
            Acc::Concat(g) => g.inverse(v),
        }
    }

    /// The aggregate over the rows currently in the frame.
    pub fn value(&self) -> Result<Value> {
        Ok(match self {
            Acc::Count { n, .. } => Value::Integer(*n),
            Acc::Sum { kind, cnt, isum, rsum, approx, overflow } => match kind {
                SumKind::Total => Value::Real(*rsum),
                _ if *cnt <= 0 => Value::Null,
                SumKind::Avg => Value::Real(*rsum / *cnt as f64),
                SumKind::Sum if *overflow => return Err(Error::sql("integer overflow")),
                SumKind::Sum if *approx => Value::Real(*rsum),
                SumKind::Sum => Value::Integer(*isum),
            },
            Acc::Concat(g) => g.value(),
        })
    }
}

impl GroupConcat {
    fn step(&mut self, v: &Value, sep: Option<&Value>) -> Result<()> {
        if matches!(v, Value::Null) {
            return Ok(());
        }
        let sep_len = match sep {
            None => 1,
            Some(s) => value_bytes(s).len(),
        };
        if self.fresh {
            self.fresh = false;
            self.first_sep_len = sep_len;
        } else {
            match sep {
                None => self.buf.push(b','),
                Some(s) => self.buf.extend_from_slice(&value_bytes(s)),
            }
            if sep_len != self.first_sep_len || self.sep_lens.is_some() {
                let first = self.first_sep_len;
                let k = self.n_accum.saturating_sub(1);
                let q = self.sep_lens.get_or_insert_with(|| std::iter::repeat_n(first, k).collect());
                q.push_back(sep_len);
            }
        }
        self.n_accum += 1;
        self.buf.extend_from_slice(&value_bytes(v));
        if self.buf.len() - self.head > crate::sql::func::MAX_LENGTH {
            return Err(crate::sql::func::too_big());
        }
        Ok(())
    }

    fn inverse(&mut self, v: &Value) {
        if matches!(v, Value::Null) {
            return;
        }
        let mut n = value_bytes(v).len();
        self.n_accum = self.n_accum.saturating_sub(1);
        if self.n_accum > 0 {
            n += match &mut self.sep_lens {
                Some(q) => q.pop_front().unwrap_or(0),
                None => self.first_sep_len,
            };
        }
        let live = self.buf.len() - self.head;
        if n >= live {
            self.buf.clear();
            self.head = 0;
        } else {
            self.head += n;
            // Compact once the dead prefix dominates (amortized O(1) per byte).
            if self.head > self.buf.len() / 2 {
                self.buf.drain(..self.head);
                self.head = 0;
            }
        }
        if self.buf.len() == self.head {
            self.fresh = true;
            self.sep_lens = None;
        }
    }

    fn value(&self) -> Value {
        let live = &self.buf[self.head..];
        if live.is_empty() {
            return Value::Null;
        }
        Value::Text(match std::str::from_utf8(live) {
            Ok(s) => s.to_string(),
            Err(_) => String::from_utf8_lossy(live).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn sum_stays_approximate_after_a_real_leaves() {
        let mut a = Acc::new(Kind::Sum, 1);
        let (one, half, two) = (Value::Integer(1), Value::Real(0.5), Value::Integer(2));
        a.step(&one, None).unwrap();
        a.step(&half, None).unwrap();
        a.inverse(&one);
        a.inverse(&half);
        a.step(&two, None).unwrap();
        assert_eq!(a.value().unwrap(), Value::Real(2.0));
    }

    #[test]
    fn group_concat_removes_value_and_following_separator() {
        let mut g = Acc::new(Kind::GroupConcat, 2);
        g.step(&t("a"), Some(&t("+"))).unwrap();
        g.step(&t("b"), Some(&t("--"))).unwrap();
        g.step(&t("c"), Some(&t("+"))).unwrap();
        assert_eq!(g.value().unwrap(), t("a--b+c"));
        g.inverse(&t("a"));
        assert_eq!(g.value().unwrap(), t("b+c"));
        g.inverse(&t("b"));
        g.inverse(&t("c"));
        assert_eq!(g.value().unwrap(), Value::Null);
        g.step(&t("d"), Some(&t("+"))).unwrap();
        assert_eq!(g.value().unwrap(), t("d"));
    }
}
