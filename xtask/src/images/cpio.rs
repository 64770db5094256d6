//! The "newc" (SVR4, magic `070701`, no CRC) cpio format the Linux kernel
//! unpacks as an initramfs: a 110-byte ASCII-hex header, the NUL-terminated
//! name, padding to 4 bytes, the data, padding to 4 bytes; a `TRAILER!!!`
//! entry ends the archive. Entries carry fixed owners and times so the same
//! inputs give the same bytes.

pub const MAGIC: &[u8; 6] = b"070701";
pub const HEADER_LEN: usize = 110;
pub const TRAILER: &str = "TRAILER!!!";

pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFMT: u32 = 0o170000;

/// Writes a newc archive into memory.
#[derive(Debug, Default)]
pub struct Writer {
    out: Vec<u8>,
    next_ino: u32,
}

fn pad4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

impl Writer {
    pub fn new() -> Writer {
        Writer { out: Vec::new(), next_ino: 1 }
    }

    fn entry(&mut self, name: &str, mode: u32, nlink: u32, rdev: (u32, u32), data: &[u8]) {
        let ino = self.next_ino;
        self.next_ino += 1;
        let fields = [
            ino,
            mode,
            0, // uid
            0, // gid
            nlink,
            0, // mtime
            u32::try_from(data.len()).expect("cpio entries are < 4 GiB"),
            0, // devmajor
            0, // devminor
            rdev.0,
            rdev.1,
            u32::try_from(name.len() + 1).expect("short names"),
            0, // check (unused by newc)
        ];
        self.out.extend_from_slice(MAGIC);
        for f in fields {
            self.out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        pad4(&mut self.out);
        self.out.extend_from_slice(data);
        pad4(&mut self.out);
    }

    pub fn dir(&mut self, name: &str, perm: u32) {
        self.entry(name, S_IFDIR | perm, 2, (0, 0), &[]);
    }

    pub fn file(&mut self, name: &str, perm: u32, data: &[u8]) {
        self.entry(name, S_IFREG | perm, 1, (0, 0), data);
    }

    pub fn symlink(&mut self, name: &str, target: &str) {
        self.entry(name, S_IFLNK | 0o777, 1, (0, 0), target.as_bytes());
    }

    pub fn char_dev(&mut self, name: &str, perm: u32, major: u32, minor: u32) {
        self.entry(name, S_IFCHR | perm, 1, (major, minor), &[]);
    }

    /// Appends the trailer and returns the archive.
    pub fn finish(mut self) -> Vec<u8> {
        self.entry(TRAILER, 0, 1, (0, 0), &[]);
        self.out
    }
}

/// A parsed entry (for checks and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub ino: u32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub mtime: u32,
    pub rdev: (u32, u32),
    pub data: Vec<u8>,
}

/// Parses a newc archive up to its trailer, checking the header fields and
/// the alignment of every name and body.
pub fn parse(data: &[u8]) -> Result<Vec<Entry>, String> {
    let mut pos = 0usize;
    let mut entries = Vec::new();
    loop {
        if !pos.is_multiple_of(4) {
            return Err(format!("cpio: header at {pos} is not 4-byte aligned"));
        }
        let h = data.get(pos..pos + HEADER_LEN).ok_or_else(|| format!("cpio: truncated header at {pos}"))?;
        if &h[..6] != MAGIC {
            return Err(format!("cpio: bad magic at {pos}"));
        }
        let mut f = [0u32; 13];
        for (i, v) in f.iter_mut().enumerate() {
            let s = std::str::from_utf8(&h[6 + 8 * i..14 + 8 * i])
                .map_err(|_| format!("cpio: non-ASCII header at {pos}"))?;
            *v = u32::from_str_radix(s, 16).map_err(|_| format!("cpio: bad hex `{s}` at {pos}"))?;
        }
        let [ino, mode, uid, gid, nlink, mtime, filesize, _, _, rmaj, rmin, namesize, _] = f;
        let name_start = pos + HEADER_LEN;
        let name_end = name_start + namesize as usize;
        let name = data.get(name_start..name_end).ok_or("cpio: truncated name")?;
        let name = name.strip_suffix(&[0]).ok_or("cpio: name not NUL-terminated")?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| "cpio: non-UTF-8 name")?;
        let body = name_end.next_multiple_of(4);
        if data[name_end..body.min(data.len())].iter().any(|&b| b != 0) {
            return Err(format!("cpio: non-zero padding after `{name}`"));
        }
        let end = body + filesize as usize;
        let content = data.get(body..end).ok_or_else(|| format!("cpio: `{name}` truncated"))?.to_vec();
        pos = end.next_multiple_of(4);
        if name == TRAILER {
            return Ok(entries);
        }
        entries.push(Entry { name, ino, mode, uid, gid, nlink, mtime, rdev: (rmaj, rmin), data: content });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_and_padding() {
        let mut w = Writer::new();
        w.dir("dev", 0o755);
        w.char_dev("dev/console", 0o600, 5, 1);
        w.file("init", 0o755, b"#!/bin/sh\n");
        w.symlink("bin/sh", "busybox");
        let a = w.finish();
        assert_eq!(a.len() % 4, 0);
        // The first header, field by field.
        let h = std::str::from_utf8(&a[..HEADER_LEN]).unwrap();
        assert_eq!(
            h,
            "070701\
             00000001\
             000041ed\
             00000000\
             00000000\
             00000002\
             00000000\
             00000000\
             00000000\
             00000000\
             00000000\
             00000000\
             00000004\
             00000000"
        );
        // "dev\0" ends at 114, padded with zeros to 116 where the next header starts.
        assert_eq!(&a[110..114], b"dev\0");
        assert_eq!(&a[114..116], &[0, 0]);
        assert_eq!(&a[116..122], MAGIC);

        let e = parse(&a).unwrap();
        assert_eq!(e.len(), 4);
        let console = &e[1];
        assert_eq!(console.name, "dev/console");
        assert_eq!(console.mode, S_IFCHR | 0o600);
        assert_eq!(console.rdev, (5, 1));
        assert!(console.data.is_empty());
        assert_eq!(e[2].mode & S_IFMT, S_IFREG);
        assert_eq!(e[2].data, b"#!/bin/sh\n");
        assert_eq!(e[3].mode, S_IFLNK | 0o777);
        assert_eq!(e[3].data, b"busybox");
        assert!(e.iter().all(|x| x.uid == 0 && x.gid == 0 && x.mtime == 0));
        let inos: Vec<u32> = e.iter().map(|x| x.ino).collect();
        assert_eq!(inos, [1, 2, 3, 4]);
        // The trailer is the last entry, at an aligned offset.
        let t = a.windows(TRAILER.len()).rposition(|w| w == TRAILER.as_bytes()).unwrap();
        assert_eq!((t - HEADER_LEN) % 4, 0);
    }

    #[test]
    fn odd_sizes_are_padded() {
        for n in 0..9 {
            let mut w = Writer::new();
            let name = "x".repeat(n + 1);
            let data = vec![0xa5; n];
            w.file(&name, 0o644, &data);
            w.file("after", 0o644, b"z");
            let a = w.finish();
            let e = parse(&a).unwrap();
            assert_eq!(e[0].name, name);
            assert_eq!(e[0].data, data);
            assert_eq!(e[1].data, b"z");
        }
    }

    #[test]
    fn rejects_malformed() {
        let mut w = Writer::new();
        w.file("f", 0o644, b"abc");
        let a = w.finish();
        assert!(parse(&a[..50]).unwrap_err().contains("truncated"));
        let mut bad = a.clone();
        bad[0] = b'1';
        assert!(parse(&bad).unwrap_err().contains("magic"));
        let mut bad = a.clone();
        bad[6] = b'g';
        assert!(parse(&bad).unwrap_err().contains("bad hex"));
        // Without a trailer, the archive is truncated.
        let mut w = Writer::new();
        w.file("f", 0o644, b"abc");
        let mut no_trailer = w.finish();
        no_trailer.truncate(no_trailer.len() - 124);
        assert!(parse(&no_trailer).is_err());
    }
}
