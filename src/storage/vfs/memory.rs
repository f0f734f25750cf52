//! The in-memory file system: `:memory:` databases, the journal of
//! journal_mode MEMORY/OFF, and tests.
//!
//! A file starts as a byte vector. With a memory limit set
//! (`set_memory_limit`, from the database's budget), a write that would
//! take the bytes held in memory by this file system past the limit first
//! moves the file to an anonymous temporary file (created in SQLite's
//! temp directory order: `SQLITE_TMPDIR`, `TMPDIR`, /var/tmp, /usr/tmp,
//! /tmp, and unlinked at once, so nothing outlives the process). From then
//! on its hot pages live in the page cache, its cold ones on disk.
//!
//! Invariant: `Budget::held` == sum of the lengths of the files still in
//! memory.

use super::{OpenMode, Vfs, VfsFile};
use crate::error::{Error, ErrorKind, Result};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

static MEM_VFS_IDS: AtomicU64 = AtomicU64::new(1);

#[derive(Default)]
struct Budget {
    held: AtomicU64,
    /// 0 = no limit.
    limit: AtomicU64,
}

/// Files held in memory, keyed by path. Clones of one `MemVfs` share its
/// files and its memory limit.
#[derive(Clone)]
pub struct MemVfs {
    id: u64,
    files: Arc<Mutex<HashMap<String, Arc<MemFile>>>>,
    budget: Arc<Budget>,
}

impl Default for MemVfs {
    fn default() -> Self {
        MemVfs::new()
    }
}

impl MemVfs {
    pub fn new() -> MemVfs {
        MemVfs { id: MEM_VFS_IDS.fetch_add(1, Ordering::Relaxed), files: Arc::default(), budget: Arc::default() }
    }
    /// A copy of a file's bytes (tests copy a database mid-way).
    pub fn file_bytes(&self, path: &str) -> Option<Vec<u8>> {
        let f = self.files.lock().get(path).cloned()?;
        let d = f.data.lock();
        match &*d {
            Data::Mem(v) => Some(v.clone()),
            Data::Disk(file, len) => {
                let mut v = vec![0u8; *len as usize];
                file.read_exact_at(&mut v, 0).ok()?;
                Some(v)
            }
        }
    }
    /// Replaces (or creates) a file's bytes (kept in memory).
    pub fn set_file_bytes(&self, path: &str, bytes: Vec<u8>) {
        let mut files = self.files.lock();
        let f = files.entry(path.to_owned()).or_insert_with(|| Arc::new(MemFile::new(self.budget.clone())));
        let mut d = f.data.lock();
        f.budget.held.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if let Data::Mem(old) = &*d {
            f.budget.held.fetch_sub(old.len() as u64, Ordering::Relaxed);
        }
        *d = Data::Mem(bytes);
    }
    /// Files of this file system that moved to disk.
    pub fn files_on_disk(&self) -> usize {
        self.files.lock().values().filter(|f| matches!(*f.data.lock(), Data::Disk(..))).count()
    }
}

enum Data {
    Mem(Vec<u8>),
    /// An anonymous temporary file and its length.
    Disk(std::fs::File, u64),
}

struct MemFile {
    data: Mutex<Data>,
    budget: Arc<Budget>,
}

impl MemFile {
    fn new(budget: Arc<Budget>) -> MemFile {
        MemFile { data: Mutex::new(Data::Mem(Vec::new())), budget }
    }

    /// Moves the file to disk when growing it to `end` bytes would pass
    /// the limit.
    fn make_room(&self, d: &mut Data, end: u64) -> Result<()> {
        let Data::Mem(v) = d else { return Ok(()) };
        let limit = self.budget.limit.load(Ordering::Relaxed);
        let growth = end.saturating_sub(v.len() as u64);
        if limit == 0 || growth == 0 || self.budget.held.load(Ordering::Relaxed) + growth <= limit {
            return Ok(());
        }
        let file = super::temp_file()?;
        file.write_all_at(v, 0).map_err(|e| Error::io(ErrorKind::IoErrWrite, &e))?;
        self.budget.held.fetch_sub(v.len() as u64, Ordering::Relaxed);
        *d = Data::Disk(file, v.len() as u64);
        Ok(())
    }
}

impl Drop for MemFile {
    fn drop(&mut self) {
        if let Data::Mem(v) = &*self.data.lock() {
            self.budget.held.fetch_sub(v.len() as u64, Ordering::Relaxed);
        }
    }
}

fn read_err(e: &std::io::Error) -> Error {
    Error::io(ErrorKind::IoErrRead, e)
}
fn write_err(e: &std::io::Error) -> Error {
    Error::io(ErrorKind::IoErrWrite, e)
}

impl VfsFile for MemFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let d = self.data.lock();
        let (len, n) = match &*d {
            Data::Mem(v) => {
                let start = (offset as usize).min(v.len());
                let n = (v.len() - start).min(buf.len());
                buf[..n].copy_from_slice(&v[start..start + n]);
                (v.len() as u64, n)
            }
            Data::Disk(f, len) => {
                let n = len.saturating_sub(offset).min(buf.len() as u64) as usize;
                f.read_exact_at(&mut buf[..n], offset).map_err(|e| read_err(&e))?;
                (*len, n)
            }
        };
        debug_assert!(offset.saturating_add(n as u64) <= len.max(offset));
        buf[n..].fill(0);
        Ok(n)
    }
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<()> {
        let mut d = self.data.lock();
        let end = offset + data.len() as u64;
        self.make_room(&mut d, end)?;
        match &mut *d {
            Data::Mem(v) => {
                if (v.len() as u64) < end {
                    self.budget.held.fetch_add(end - v.len() as u64, Ordering::Relaxed);
                    v.resize(end as usize, 0);
                }
                v[offset as usize..end as usize].copy_from_slice(data);
            }
            Data::Disk(f, len) => {
                f.write_all_at(data, offset).map_err(|e| write_err(&e))?;
                *len = (*len).max(end);
            }
        }
        Ok(())
    }
    fn sync(&self) -> Result<()> {
        Ok(())
    }
    fn size(&self) -> Result<u64> {
        Ok(match &*self.data.lock() {
            Data::Mem(v) => v.len() as u64,
            Data::Disk(_, len) => *len,
        })
    }
    fn truncate(&self, size: u64) -> Result<()> {
        let mut d = self.data.lock();
        self.make_room(&mut d, size)?;
        match &mut *d {
            Data::Mem(v) => {
                let old = v.len() as u64;
                if size >= old {
                    self.budget.held.fetch_add(size - old, Ordering::Relaxed);
                } else {
                    self.budget.held.fetch_sub(old - size, Ordering::Relaxed);
                }
                v.resize(size as usize, 0);
                if size < old / 2 {
                    v.shrink_to_fit();
                }
            }
            Data::Disk(f, len) => {
                f.set_len(size).map_err(|e| write_err(&e))?;
                *len = size;
            }
        }
        Ok(())
    }
    fn lock_exclusive(&self) -> Result<()> {
        Ok(())
    }
    fn unlock(&self) -> Result<()> {
        Ok(())
    }
}

impl Vfs for MemVfs {
    fn open(&self, path: &str, mode: OpenMode) -> Result<Arc<dyn VfsFile>> {
        let mut files = self.files.lock();
        if let Some(f) = files.get(path) {
            return Ok(f.clone() as Arc<dyn VfsFile>);
        }
        if !mode.create || mode.read_only {
            return Err(Error::new(ErrorKind::CantOpen, "unable to open database file"));
        }
        let f = Arc::new(MemFile::new(self.budget.clone()));
        files.insert(path.to_owned(), f.clone());
        Ok(f)
    }
    fn delete(&self, path: &str) -> Result<()> {
        self.files.lock().remove(path);
        Ok(())
    }
    fn exists(&self, path: &str) -> Result<bool> {
        Ok(self.files.lock().contains_key(path))
    }
    fn sync_dir(&self, _path: &str) -> Result<()> {
        Ok(())
    }
    fn canonical(&self, path: &str) -> Result<String> {
        Ok(format!("mem{}:{}", self.id, path))
    }
    fn memory_bytes(&self) -> u64 {
        self.budget.held.load(Ordering::Relaxed)
    }
    fn set_memory_limit(&self, bytes: u64) {
        self.budget.limit.store(bytes, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_to_disk_past_the_limit_and_keeps_every_byte() {
        let vfs = MemVfs::new();
        vfs.set_memory_limit(64 * 1024);
        let f = vfs.open("a", OpenMode { read_only: false, create: true }).unwrap();
        let mut want = Vec::new();
        for i in 0..64u32 {
            let block = vec![i as u8; 4096];
            f.write_at(u64::from(i) * 4096, &block).unwrap();
            want.extend_from_slice(&block);
            assert!(vfs.memory_bytes() <= 64 * 1024);
        }
        assert_eq!(vfs.files_on_disk(), 1);
        assert_eq!(vfs.memory_bytes(), 0);
        assert_eq!(vfs.file_bytes("a").unwrap(), want);
        let mut b = vec![0u8; 10];
        assert_eq!(f.read_at(64 * 4096 - 4, &mut b).unwrap(), 4);
        assert_eq!(&b[..4], &[63; 4]);
        assert_eq!(&b[4..], &[0; 6]);
        f.truncate(4096).unwrap();
        assert_eq!(f.size().unwrap(), 4096);
        drop(f);
        vfs.delete("a").unwrap();
    }

    #[test]
    fn held_bytes_follow_writes_truncates_and_deletes() {
        let vfs = MemVfs::new();
        let f = vfs.open("a", OpenMode { read_only: false, create: true }).unwrap();
        f.write_at(100, b"x").unwrap();
        assert_eq!(vfs.memory_bytes(), 101);
        f.truncate(10).unwrap();
        assert_eq!(vfs.memory_bytes(), 10);
        drop(f);
        vfs.delete("a").unwrap();
        assert_eq!(vfs.memory_bytes(), 0);
    }
}
