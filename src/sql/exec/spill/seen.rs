//! The keys a UNION has already let through (a recursive CTE's queue
//! under UNION): a hash set in memory while the budget allows; once the
//! budget says spill, every key moves to a [`DiskSet`] and the memory is
//! given back. Membership is exact in both places (keys compared byte for
//! byte), so the rows let through do not depend on the budget.

use super::diskset::DiskSet;
use super::Budget;
use crate::error::Result;
use std::collections::HashSet;

/// A key's cost in memory beyond its bytes: its vector and table slot.
const ENTRY_OVERHEAD: usize = 48;

pub struct SeenSet {
    /// std's SipHash set: KeyHasher's hashes repeat for integer keys.
    mem: HashSet<Vec<u8>>,
    /// Once spilled: every key, and `mem` stays empty.
    disk: Option<DiskSet>,
    budget: Budget,
}

impl SeenSet {
    pub fn new(budget: Budget) -> SeenSet {
        SeenSet { mem: HashSet::new(), disk: None, budget }
    }

    /// Adds `key`; false if it was there already.
    pub fn insert(&mut self, key: &[u8]) -> Result<bool> {
        if let Some(d) = &mut self.disk {
            return d.insert(key, &mut self.budget);
        }
        // One hash per key (a duplicate's copy is dropped at once).
        if !self.mem.insert(key.to_vec()) {
            return Ok(false);
        }
        self.budget.charge(key.len() + ENTRY_OVERHEAD);
        if self.budget.must_spill() {
            self.spill()?;
        }
        Ok(true)
    }

    fn spill(&mut self) -> Result<()> {
        let in_mem = self.budget.held();
        let mut d = DiskSet::new(&mut self.budget)?;
        for k in std::mem::take(&mut self.mem) {
            d.insert(&k, &mut self.budget)?;
        }
        self.budget.credit(in_mem);
        self.disk = Some(d);
        self.budget.check_hard()
    }
}
