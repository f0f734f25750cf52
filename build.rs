//! Generates the C header from `src/capi/` with cbindgen (pinned in
//! Cargo.toml) and `cbindgen.toml`.
//!
//! The fresh header is always written to `<target>/<profile>/sqlvibe.h`;
//! `make test` compares it with the committed `include/sqlvibe.h` and fails
//! when they differ. `include/sqlvibe.h` itself is (re)written only when it
//! is missing or `SQLVIBE_UPDATE_HEADER=1` (`make header`), so a stale
//! committed header cannot silently repair itself during a test run.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src/capi");
    println!("cargo:rerun-if-env-changed=SQLVIBE_UPDATE_HEADER");

    let mut config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml is readable and valid");
    let version = env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let number = version_number(&version);
    let after = config.after_includes.take().unwrap_or_default();
    config.after_includes = Some(format!(
        "\n/* Version of this header; sqlvibe_libversion() gives the library's. */\n\
         #define SQLVIBE_VERSION \"{version}\"\n\
         #define SQLVIBE_VERSION_NUMBER {number}\n{after}"
    ));

    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/capi/mod.rs"))
        .generate()
        .expect("cbindgen generates the header from src/capi/");

    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let fresh = out_dir.join("sqlvibe.h");
    bindings.write_to_file(&fresh);
    // OUT_DIR is <target>/<profile>/build/sqlvibe-<hash>/out.
    if let Some(profile_dir) = out_dir.ancestors().nth(3) {
        copy_if_changed(&fresh, &profile_dir.join("sqlvibe.h"));
    }
    let committed = root.join("include/sqlvibe.h");
    if !committed.exists() || env::var("SQLVIBE_UPDATE_HEADER").is_ok_and(|v| v == "1") {
        fs::create_dir_all(root.join("include")).expect("include/ can be created");
        copy_if_changed(&fresh, &committed);
    }
}

/// "X.Y.Z" -> X*1000000 + Y*1000 + Z (SQLite's version-number rule).
fn version_number(version: &str) -> u64 {
    let mut parts = version.split(['.', '-']).map(|p| p.parse::<u64>().unwrap_or(0));
    let (x, y, z) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    x * 1_000_000 + y * 1000 + z
}

/// Copies only on change so unchanged headers keep their mtime (make rules).
fn copy_if_changed(from: &Path, to: &Path) {
    let new = fs::read(from).expect("fresh header is readable");
    if fs::read(to).ok().as_deref() != Some(&new[..]) {
        fs::write(to, new).expect("header destination is writable");
    }
}
