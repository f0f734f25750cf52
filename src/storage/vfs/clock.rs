//! The operating system's clock and time-zone conversion, as SQLite's VFS
//! supplies them (`xCurrentTimeInt64`, and `localtime_r` for the date
//! functions' `localtime` / `utc` modifiers).

/// Milliseconds since 1970-01-01 00:00:00 UTC (negative before it).
pub fn unix_now_ms() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// A civil time broken down in the process's local time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i32,
    /// 1..=12
    pub month: i32,
    /// 1..=31
    pub day: i32,
    pub hour: i32,
    pub minute: i32,
    /// 0..=60 (a leap second may show as 60)
    pub second: i32,
}

/// `unix_secs` (seconds since the epoch, UTC) in the local time zone (the
/// `TZ` environment variable, else the system's zone), by the C library's
/// `localtime_r`; None when the C library cannot represent it.
pub fn local_time(unix_secs: i64) -> Option<LocalTime> {
    let t = libc::time_t::try_from(unix_secs).ok()?;
    // SAFETY: `libc::tm` is plain data (integers and, on glibc, a pointer
    // the call sets to static storage or leaves null), so all-zero is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live, properly aligned locals for the
    // duration of the call; localtime_r is the re-entrant variant and
    // writes only through `&mut tm`.
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    if r.is_null() {
        return None;
    }
    Some(LocalTime {
        year: tm.tm_year.checked_add(1900)?,
        month: tm.tm_mon + 1,
        day: tm.tm_mday,
        hour: tm.tm_hour,
        minute: tm.tm_min,
        second: tm.tm_sec,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_is_a_civil_time() {
        let lt = local_time(1_700_000_000).expect("localtime");
        assert!((2023..=2023).contains(&lt.year));
        assert!((1..=12).contains(&lt.month) && (1..=31).contains(&lt.day));
        assert!(unix_now_ms() > 1_700_000_000_000);
    }
}
