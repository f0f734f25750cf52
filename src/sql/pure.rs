//! The date and time functions inside a CHECK constraint: SQLite runs them
//! there only deterministically. A call that would read the clock (`'now'`,
//! or no time value at all) or the time zone (the `localtime` and `utc`
//! modifiers) fails with "non-deterministic use of F() in a CHECK
//! constraint" when it is evaluated; every other call runs as usual.
//! (`random()` and the like are allowed there; CURRENT_DATE etc. too.)

use crate::error::{Error, Result};
use crate::sql::func::{datetime, FuncContext, ScalarFn};
use crate::storage::Value;

/// Would `f` (whose time value is argument `at`) read the clock or the
/// time zone for `args`? A `localtime`/`utc` modifier counts only when
/// SQLite reaches it: when everything before it parses (`f` gives a value).
fn impure(f: ScalarFn, ctx: &mut dyn FuncContext, args: &[Value], at: usize) -> Result<bool> {
    match args.get(at) {
        None => return Ok(true),
        Some(Value::Text(s)) if s.eq_ignore_ascii_case("now") => return Ok(true),
        _ => {}
    }
    for k in at + 1..args.len() {
        if let Value::Text(m) = &args[k] {
            if m.eq_ignore_ascii_case("localtime") || m.eq_ignore_ascii_case("utc") {
                return Ok(!matches!(f(ctx, &args[..k])?, Value::Null));
            }
        }
    }
    Ok(false)
}

macro_rules! checked {
    ($name:ident, $f:path, $label:literal, $at:expr) => {
        fn $name(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
            if impure($f, ctx, args, $at)? {
                return Err(Error::sql(concat!("non-deterministic use of ", $label, "() in a CHECK constraint")));
            }
            $f(ctx, args)
        }
    };
}

checked!(check_date, datetime::date, "date", 0);
checked!(check_time, datetime::time, "time", 0);
checked!(check_datetime, datetime::datetime, "datetime", 0);
checked!(check_julianday, datetime::julianday, "julianday", 0);
checked!(check_unixepoch, datetime::unixepoch, "unixepoch", 0);
checked!(check_strftime, datetime::strftime, "strftime", 1);

/// The CHECK-constraint form of scalar function `name`, when it has one.
pub fn in_check(name: &str) -> Option<ScalarFn> {
    let table: [(&str, ScalarFn); 6] = [
        ("date", check_date),
        ("time", check_time),
        ("datetime", check_datetime),
        ("julianday", check_julianday),
        ("unixepoch", check_unixepoch),
        ("strftime", check_strftime),
    ];
    table.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, f)| *f)
}
