//! Library version: the crate version as text and as X*1000000+Y*1000+Z,
//! matching the SQLVIBE_VERSION / SQLVIBE_VERSION_NUMBER macros the build
//! writes into the header.

use std::os::raw::{c_char, c_int};

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version string, e.g. "0.1.0". Static storage: never free it.
#[no_mangle]
pub extern "C" fn sqlvibe_libversion() -> *const c_char {
    VERSION.as_ptr() as *const c_char
}

/// The library version as a number: major*1000000 + minor*1000 + patch.
#[no_mangle]
pub extern "C" fn sqlvibe_libversion_number() -> c_int {
    version_number()
}

fn version_number() -> c_int {
    let part = |s: &str| s.parse::<c_int>().unwrap_or(0);
    part(env!("CARGO_PKG_VERSION_MAJOR")) * 1_000_000
        + part(env!("CARGO_PKG_VERSION_MINOR")) * 1000
        + part(env!("CARGO_PKG_VERSION_PATCH"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn number_matches_text() {
        let text = super::VERSION.trim_end_matches('\0');
        let parts: Vec<i32> = text.split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(super::version_number(), parts[0] * 1_000_000 + parts[1] * 1000 + parts[2]);
    }
}
