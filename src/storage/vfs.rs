//! All file I/O goes through [`Vfs`] / [`VfsFile`]: the OS implementation
//! ([`OsVfs`]), an in-memory one ([`MemVfs`], for `:memory:` and tests) and a
//! fault-injecting wrapper for tests ([`FaultVfs`], in `vfs/fault.rs`).

pub mod clock;
mod fault;
mod memory;

pub use fault::{FaultKind, FaultVfs, Tear};
pub use memory::MemVfs;

use crate::error::{Error, ErrorKind, Result};
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::sync::Arc;

/// How a file is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenMode {
    pub read_only: bool,
    pub create: bool,
}

/// One open file. Offsets are absolute bytes. Implementations are internally
/// synchronized (`&self` methods), so one file can be shared by threads.
pub trait VfsFile: Send + Sync {
    /// Reads exactly `buf.len()` bytes at `offset`; bytes past EOF read as zero
    /// and the call returns how many bytes were really in the file.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize>;
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<()>;
    fn sync(&self) -> Result<()>;
    fn size(&self) -> Result<u64>;
    fn truncate(&self, size: u64) -> Result<()>;
    /// Takes the cross-process lock (exclusive), or fails with SQLITE_BUSY
    /// "database is locked". In-memory files always succeed.
    fn lock_exclusive(&self) -> Result<()>;
    fn unlock(&self) -> Result<()>;
}

/// A file system.
pub trait Vfs: Send + Sync {
    fn open(&self, path: &str, mode: OpenMode) -> Result<Arc<dyn VfsFile>>;
    fn delete(&self, path: &str) -> Result<()>;
    fn exists(&self, path: &str) -> Result<bool>;
    /// Syncs the directory holding `path` (EXTRA durability).
    fn sync_dir(&self, path: &str) -> Result<()>;
    /// Canonical path used as the key of the in-process registry.
    fn canonical(&self, path: &str) -> Result<String>;
    /// Bytes of file content this file system holds in process memory.
    fn memory_bytes(&self) -> u64 {
        0
    }
    /// Caps `memory_bytes` (0 = no cap): past it, files move to anonymous
    /// temporary files on disk. A no-op for file systems on disk.
    fn set_memory_limit(&self, _bytes: u64) {}
}

// ------------------------------------------------------------------ OS

/// The operating system's files (pread/pwrite/fsync, flock for the lock).
pub struct OsVfs;

struct OsFile {
    file: std::fs::File,
}

impl VfsFile for OsFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            match self.file.read_at(&mut buf[done..], offset + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(ErrorKind::IoErrRead, &e)),
            }
        }
        buf[done..].fill(0);
        Ok(done)
    }
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<()> {
        self.file.write_all_at(data, offset).map_err(|e| Error::io(ErrorKind::IoErrWrite, &e))
    }
    fn sync(&self) -> Result<()> {
        self.file.sync_data().map_err(|e| fsync_error(&e))
    }
    fn size(&self) -> Result<u64> {
        self.file.metadata().map(|m| m.len()).map_err(|e| Error::io(ErrorKind::IoErr, &e))
    }
    fn truncate(&self, size: u64) -> Result<()> {
        self.file.set_len(size).map_err(|e| Error::io(ErrorKind::IoErrTruncate, &e))
    }
    fn lock_exclusive(&self) -> Result<()> {
        // SAFETY: flock on a file descriptor we own for the life of `self`;
        // it touches no memory.
        let rc = unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
            Err(Error::new(ErrorKind::Busy, "database is locked"))
        } else {
            Err(Error::io(ErrorKind::IoErrLock, &e))
        }
    }
    fn unlock(&self) -> Result<()> {
        // SAFETY: as in lock_exclusive.
        let rc = unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_UN) };
        if rc == 0 {
            Ok(())
        } else {
            Err(Error::io(ErrorKind::IoErrLock, &std::io::Error::last_os_error()))
        }
    }
}

/// A failed fsync is SQLITE_IOERR_FSYNC whatever the errno (ENOSPC
/// included), as in SQLite; only writes report a full disk as SQLITE_FULL.
pub(crate) fn fsync_error(e: &std::io::Error) -> Error {
    Error::new(ErrorKind::IoErrFsync, format!("disk I/O error ({e})"))
}

fn cant_open(_path: &str, _e: &std::io::Error) -> Error {
    Error::new(ErrorKind::CantOpen, "unable to open database file")
}

impl Vfs for OsVfs {
    fn open(&self, path: &str, mode: OpenMode) -> Result<Arc<dyn VfsFile>> {
        let mut o = std::fs::OpenOptions::new();
        o.read(true);
        if !mode.read_only {
            o.write(true).create(mode.create);
        }
        let file = o.open(path).map_err(|e| cant_open(path, &e))?;
        if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(Error::new(ErrorKind::CantOpen, "unable to open database file"));
        }
        Ok(Arc::new(OsFile { file }))
    }
    fn delete(&self, path: &str) -> Result<()> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(ErrorKind::IoErr, &e)),
        }
    }
    fn exists(&self, path: &str) -> Result<bool> {
        Ok(std::path::Path::new(path).exists())
    }
    fn sync_dir(&self, path: &str) -> Result<()> {
        let p = std::path::Path::new(path);
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let f = std::fs::File::open(&dir).map_err(|e| Error::io(ErrorKind::IoErrFsync, &e))?;
        f.sync_all().map_err(|e| Error::io(ErrorKind::IoErrFsync, &e))
    }
    fn canonical(&self, path: &str) -> Result<String> {
        let p = std::path::Path::new(path);
        let name = p.file_name().ok_or_else(|| Error::new(ErrorKind::CantOpen, "unable to open database file"))?;
        let parent = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let dir = std::fs::canonicalize(&parent).map_err(|e| cant_open(path, &e))?;
        Ok(dir.join(name).to_string_lossy().into_owned())
    }
}

static TEMP_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A new temporary file, already unlinked (so nothing outlives the process),
/// in SQLite's temp directory order: `SQLITE_TMPDIR`, `TMPDIR`, /var/tmp,
/// /usr/tmp, /tmp, then the current directory.
pub fn temp_file() -> Result<std::fs::File> {
    let dirs = [std::env::var("SQLITE_TMPDIR").ok(), std::env::var("TMPDIR").ok()]
        .into_iter()
        .flatten()
        .chain(["/var/tmp", "/usr/tmp", "/tmp", "."].map(String::from));
    let mut last = None;
    for dir in dirs {
        for attempt in 0..8u32 {
            let name = format!(
                "{dir}/sqlvibe-spill-{}-{}-{attempt}",
                std::process::id(),
                TEMP_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            );
            match std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&name) {
                Ok(f) => {
                    let _ = std::fs::remove_file(&name);
                    return Ok(f);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    last = Some(e);
                    break;
                }
            }
        }
    }
    let e = last.unwrap_or_else(|| std::io::Error::other("no temporary directory"));
    Err(Error::io(ErrorKind::IoErrWrite, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(vfs: &dyn Vfs, path: &str) {
        let f = vfs.open(path, OpenMode { read_only: false, create: true }).unwrap();
        f.write_at(10, b"hello").unwrap();
        assert_eq!(f.size().unwrap(), 15);
        let mut b = [9u8; 20];
        assert_eq!(f.read_at(8, &mut b).unwrap(), 7);
        assert_eq!(&b[..9], &[0, 0, b'h', b'e', b'l', b'l', b'o', 0, 0]);
        f.sync().unwrap();
        f.truncate(12).unwrap();
        assert_eq!(f.size().unwrap(), 12);
        f.lock_exclusive().unwrap();
        f.unlock().unwrap();
        assert!(vfs.exists(path).unwrap());
        vfs.delete(path).unwrap();
        assert!(!vfs.exists(path).unwrap());
    }

    #[test]
    fn mem_vfs() {
        exercise(&MemVfs::new(), "a.db");
    }

    #[test]
    fn os_vfs_and_lock() {
        let dir = std::env::temp_dir().join(format!("sqlvibe-vfs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x.db").to_string_lossy().into_owned();
        exercise(&OsVfs, &p);
        let mode = OpenMode { read_only: false, create: true };
        let a = OsVfs.open(&p, mode).unwrap();
        let b = OsVfs.open(&p, mode).unwrap();
        a.lock_exclusive().unwrap();
        assert_eq!(b.lock_exclusive().unwrap_err().kind, ErrorKind::Busy);
        a.unlock().unwrap();
        b.lock_exclusive().unwrap();
        assert!(OsVfs.canonical(&p).unwrap().ends_with("x.db"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
