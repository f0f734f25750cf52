//! The database header on page 1 (the whole of page 1 is reserved for it).
//!
//! Byte layout (all integers big-endian):
//! ```text
//! offset size field
//!   0    16  MAGIC "SQLvibe format2\0"
//!  16     4  format version (FORMAT_VERSION = 2)
//!  20     4  page size in bytes (power of two, 512..=65536)
//!  24     4  page count (pages in the database, page 1 included)
//!  28     4  freelist head page (0 = empty)
//!  32     4  freelist page count
//!  36     4  schema root page (0 = none yet)
//!  40     4  schema cookie
//!  44     4  change counter (bumped by every commit)
//!  48     4  user_version
//!  52    32  settings[8] (u32 each; zero = unset): [0], [1] = PRAGMA
//!            max_rows, high and low 32 bits (schema/quota.rs)
//!  84     4  CRC32 of bytes 0..84
//!  88     4  journal family: 0 = WAL, 1 = rollback (DELETE and the other
//!            non-WAL modes); any other value is "not a database". Like
//!            SQLite's bytes 18/19 it only records WAL-ness; outside the CRC
//!            so files written before it existed (zero here) still open.
//!  92     8  reserved, zero
//! 100   ...  b-tree page of the schema table (root page 1), see btree/node.rs
//! ```

use crate::error::{Error, ErrorKind, Result};
use crate::storage::pager::{Header, PageNo};

pub const MAGIC: &[u8; 16] = b"SQLvibe format2\0";
pub const FORMAT_VERSION: u32 = 2;
pub const OFF_VERSION: usize = 16;
pub const OFF_PAGE_SIZE: usize = 20;
pub const OFF_PAGE_COUNT: usize = 24;
pub const OFF_FREELIST_HEAD: usize = 28;
pub const OFF_FREELIST_COUNT: usize = 32;
pub const OFF_SCHEMA_ROOT: usize = 36;
pub const OFF_SCHEMA_COOKIE: usize = 40;
pub const OFF_CHANGE_COUNTER: usize = 44;
pub const OFF_USER_VERSION: usize = 48;
pub const OFF_SETTINGS: usize = 52;
pub const OFF_CRC: usize = 84;
pub const OFF_JOURNAL: usize = 88;
/// Bytes of page 1 used by the header (the schema table's b-tree page
/// header follows at byte 100).
pub const HEADER_SIZE: usize = 92;

pub const MIN_PAGE_SIZE: u32 = 512;
pub const MAX_PAGE_SIZE: u32 = 65536;
pub const DEFAULT_PAGE_SIZE: u32 = 4096;

/// Everything page 1 records: the public [`Header`] plus the pager's own
/// fields. A transaction works on a copy; commit writes it to page 1.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbState {
    pub header: Header,
    pub page_size: u32,
    pub page_count: u32,
    pub freelist_head: PageNo,
    pub freelist_count: u32,
    pub change_counter: u32,
    /// Persistent journal family: false = WAL, true = rollback (DELETE).
    pub rollback_journal: bool,
}

pub fn valid_page_size(ps: u32) -> bool {
    (MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&ps) && ps.is_power_of_two()
}

#[inline]
pub fn get_u32(b: &[u8], off: usize) -> u32 {
    u32::from_be_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}
#[inline]
pub fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_be_bytes());
}

fn not_a_db() -> Error {
    Error::new(ErrorKind::NotADb, "file is not a database")
}

/// Writes `st` into the first HEADER_SIZE bytes of page 1.
pub fn encode(st: &DbState, page: &mut [u8]) {
    page[..16].copy_from_slice(MAGIC);
    put_u32(page, OFF_VERSION, FORMAT_VERSION);
    put_u32(page, OFF_PAGE_SIZE, st.page_size);
    put_u32(page, OFF_PAGE_COUNT, st.page_count);
    put_u32(page, OFF_FREELIST_HEAD, st.freelist_head);
    put_u32(page, OFF_FREELIST_COUNT, st.freelist_count);
    put_u32(page, OFF_SCHEMA_ROOT, st.header.schema_root);
    put_u32(page, OFF_SCHEMA_COOKIE, st.header.schema_cookie);
    put_u32(page, OFF_CHANGE_COUNTER, st.change_counter);
    put_u32(page, OFF_USER_VERSION, st.header.user_version);
    for (i, s) in st.header.settings.iter().enumerate() {
        put_u32(page, OFF_SETTINGS + 4 * i, *s);
    }
    let crc = crc32fast::hash(&page[..OFF_CRC]);
    put_u32(page, OFF_CRC, crc);
    put_u32(page, OFF_JOURNAL, u32::from(st.rollback_journal));
}

/// Parses a header; anything malformed is SQLITE_NOTADB.
pub fn decode(page: &[u8]) -> Result<DbState> {
    if page.len() < HEADER_SIZE || &page[..16] != MAGIC {
        return Err(not_a_db());
    }
    if crc32fast::hash(&page[..OFF_CRC]) != get_u32(page, OFF_CRC) {
        return Err(not_a_db());
    }
    if get_u32(page, OFF_VERSION) != FORMAT_VERSION {
        return Err(not_a_db());
    }
    let page_size = get_u32(page, OFF_PAGE_SIZE);
    if !valid_page_size(page_size) {
        return Err(not_a_db());
    }
    let mut settings = [0u32; 8];
    for (i, s) in settings.iter_mut().enumerate() {
        *s = get_u32(page, OFF_SETTINGS + 4 * i);
    }
    let st = DbState {
        header: Header {
            schema_root: get_u32(page, OFF_SCHEMA_ROOT),
            schema_cookie: get_u32(page, OFF_SCHEMA_COOKIE),
            user_version: get_u32(page, OFF_USER_VERSION),
            settings,
        },
        page_size,
        page_count: get_u32(page, OFF_PAGE_COUNT),
        freelist_head: get_u32(page, OFF_FREELIST_HEAD),
        freelist_count: get_u32(page, OFF_FREELIST_COUNT),
        change_counter: get_u32(page, OFF_CHANGE_COUNTER),
        rollback_journal: match get_u32(page, OFF_JOURNAL) {
            0 => false,
            1 => true,
            _ => return Err(not_a_db()),
        },
    };
    if st.page_count == 0 || st.freelist_head > st.page_count || st.freelist_count >= st.page_count {
        return Err(not_a_db());
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_reject() {
        let mut st = DbState {
            page_size: 4096,
            page_count: 7,
            freelist_head: 3,
            freelist_count: 2,
            change_counter: 9,
            ..Default::default()
        };
        st.header.schema_root = 2;
        st.header.user_version = 42;
        st.header.settings[3] = 5;
        let mut page = vec![0u8; 4096];
        encode(&st, &mut page);
        assert_eq!(decode(&page).unwrap(), st);
        st.rollback_journal = true;
        encode(&st, &mut page);
        assert_eq!(decode(&page).unwrap(), st);
        page[OFF_JOURNAL + 3] = 2;
        assert_eq!(decode(&page).unwrap_err().kind, ErrorKind::NotADb);
        encode(&st, &mut page);
        page[40] ^= 1;
        assert_eq!(decode(&page).unwrap_err().kind, ErrorKind::NotADb);
        assert_eq!(decode(b"hello").unwrap_err().kind, ErrorKind::NotADb);
    }
}
