//! A fast hasher for the executor's in-memory keys (group keys, DISTINCT
//! sets, automatic hash indexes): the byte strings of `group_key`, hashed
//! eight bytes at a time with a multiply-rotate mix. The maps are private
//! to one statement run, so SipHash's flooding resistance buys nothing here.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl KeyHasher {
    #[inline(always)]
    fn mix(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
    }
}

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // Spread the high bits (which the multiply mixes best) downward:
        // hashbrown takes bucket bits from the low end.
        self.0 ^ (self.0 >> 29)
    }
}

pub type KeyMap<V> = HashMap<Vec<u8>, V, BuildHasherDefault<KeyHasher>>;
pub type KeySet = HashSet<Vec<u8>, BuildHasherDefault<KeyHasher>>;
