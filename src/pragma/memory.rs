//! The memory PRAGMAs: `cache_size` (SQLite's), `cache_memory`,
//! `max_memory`, `memory_limit_mode` and the `memory_stats` report. The
//! settings live in the database's pager (its page memory is shared by
//! every connection to the file in this process), which turns them into a
//! cache capacity and a spill threshold (storage/pager/budget.rs).

use super::{int_arg, text_arg, PragmaPlan};
use crate::memory::WorkMem;
use crate::storage::{Pager, Value};

/// Gets, or sets then reports, one memory setting. `cache_size` reports
/// nothing when set (as SQLite); the others report the value in force.
pub(super) fn memory_setting(p: &PragmaPlan, name: &str, pager: &Pager) -> Vec<Vec<Value>> {
    let mut lim = pager.memory_limits();
    let setting = p.value.is_some();
    match name {
        "cache_size" => {
            if let Some(n) = int_arg(&p.value) {
                lim.cache_size = n;
                pager.set_memory_limits(lim);
                if !p.is_call {
                    return Vec::new();
                }
            }
            return vec![vec![Value::Integer(lim.cache_size)]];
        }
        "cache_memory" => {
            if let Some(n) = int_arg(&p.value) {
                lim.cache_memory = n.max(0) as u64;
            }
        }
        "max_memory" => {
            if let Some(n) = int_arg(&p.value) {
                lim.max_memory = n.max(0) as u64;
            }
        }
        _ => {
            // memory_limit_mode: SOFT or HARD; anything else changes nothing.
            match text_arg(&p.value).map(|t| t.to_ascii_lowercase()).as_deref() {
                Some("hard") => lim.hard = true,
                Some("soft") => lim.hard = false,
                _ => {}
            }
        }
    }
    if setting {
        pager.set_memory_limits(lim);
    }
    let v = match name {
        "cache_memory" => Value::Integer(lim.cache_memory as i64),
        "max_memory" => Value::Integer(lim.max_memory as i64),
        _ => Value::Text(if lim.hard { "hard" } else { "soft" }.into()),
    };
    vec![vec![v]]
}

/// The one row of `PRAGMA memory_stats` (columns MEMORY_STATS_COLUMNS).
pub(super) fn memory_stats_row(pager: &Pager, work: &WorkMem) -> Vec<Value> {
    let s = pager.memory_stats();
    let i = |n: u64| Value::Integer(n.min(i64::MAX as u64) as i64);
    vec![
        i(s.page_cache_used),
        i(s.page_cache_max),
        i(s.row_store_used),
        i(s.wal_size),
        i(crate::memory::used() as u64),
        i(s.cache_hits),
        i(s.cache_misses),
        i(s.evictions),
        i(s.spills),
        i(s.spill_bytes),
        i(work.used() as u64),
        i(crate::memory::highwater(false) as u64),
    ]
}
