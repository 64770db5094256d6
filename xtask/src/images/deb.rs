//! `.deb` unpacking: the outer `ar` archive (read here: it is a 60-byte
//! header per member), the `data.tar.{xz,zst,gz}` member decompressed as a
//! stream, and the files wanted picked out of the tar by path pattern.

use std::io::Read;

/// One member of an `ar` archive.
#[derive(Debug)]
pub struct ArMember<'a> {
    pub name: String,
    pub data: &'a [u8],
}

const AR_MAGIC: &[u8] = b"!<arch>\n";
const AR_HEADER: usize = 60;

/// Splits a common (System V / GNU, short names) `ar` archive into members.
pub fn ar_members(data: &[u8]) -> Result<Vec<ArMember<'_>>, String> {
    if !data.starts_with(AR_MAGIC) {
        return Err("not an ar archive (bad magic)".into());
    }
    let mut members = Vec::new();
    let mut pos = AR_MAGIC.len();
    while pos < data.len() {
        // Members start at even offsets; a lone '\n' pads odd sizes.
        if data.len() - pos < AR_HEADER {
            return Err(format!("ar: truncated member header at byte {pos}"));
        }
        let h = &data[pos..pos + AR_HEADER];
        if &h[58..60] != b"`\n" {
            return Err(format!("ar: bad member header at byte {pos}"));
        }
        let field = |r: std::ops::Range<usize>| String::from_utf8_lossy(&h[r]).trim_end().to_string();
        let name = field(0..16);
        let name = name.strip_suffix('/').unwrap_or(&name).to_string();
        let size_s = field(48..58);
        let size: usize = size_s.parse().map_err(|_| format!("ar: bad size `{size_s}` for member `{name}`"))?;
        let start = pos + AR_HEADER;
        let end = start.checked_add(size).filter(|&e| e <= data.len()).ok_or_else(|| {
            format!("ar: member `{name}` ({size} bytes) runs past the end of the archive ({} bytes)", data.len())
        })?;
        members.push(ArMember { name, data: &data[start..end] });
        pos = end + (size & 1);
    }
    Ok(members)
}

/// The decompressed `data.tar` stream of a `.deb`.
pub fn data_tar(deb: &[u8]) -> Result<Box<dyn Read + '_>, String> {
    let members = ar_members(deb)?;
    match members.first() {
        Some(m) if m.name == "debian-binary" && m.data.starts_with(b"2.") => {}
        Some(m) if m.name == "debian-binary" => {
            return Err(format!("unsupported .deb format `{}`", String::from_utf8_lossy(m.data).trim()));
        }
        _ => return Err("not a .deb (first member is not `debian-binary`)".into()),
    }
    let data = members.iter().find(|m| m.name.starts_with("data.tar")).ok_or("the .deb has no data.tar member")?;
    Ok(match data.name.as_str() {
        "data.tar" => Box::new(data.data),
        "data.tar.xz" => Box::new(liblzma::read::XzDecoder::new(data.data)),
        "data.tar.gz" => Box::new(flate2::read::GzDecoder::new(data.data)),
        "data.tar.zst" => {
            Box::new(ruzstd::decoding::StreamingDecoder::new(data.data).map_err(|e| format!("data.tar.zst: {e}"))?)
        }
        other => return Err(format!("unsupported data member `{other}`")),
    })
}

/// A file found in a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The path inside the package, without a leading `./` or `/`.
    pub path: String,
    pub data: Vec<u8>,
}

/// Whether `path` matches `pattern`, where `*` matches any run of
/// characters other than `/`.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).take_while(|&i| i == 0 || s[i - 1] != b'/').any(|i| go(rest, &s[i..])),
            Some((c, rest)) => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
}

fn normalize(path: &str) -> &str {
    let p = path.strip_prefix("./").unwrap_or(path);
    p.strip_prefix('/').unwrap_or(p)
}

/// Resolves a symlink target relative to the link's directory.
fn resolve_link(link: &str, target: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if !target.starts_with('/') {
        parts = link.split('/').collect();
        parts.pop(); // the link's own name
    }
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

/// A symlink or hard link in a package: (path, resolved target).
type Link = (String, String);

/// One pass over a tar stream: regular files whose path satisfies `want`,
/// and symlinks (path, target) that do.
fn scan(tar: Box<dyn Read + '_>, want: &dyn Fn(&str) -> bool) -> Result<(Vec<Found>, Vec<Link>), String> {
    let mut files = Vec::new();
    let mut links = Vec::new();
    let mut archive = tar::Archive::new(tar);
    let entries = archive.entries().map_err(|e| format!("data.tar: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("data.tar: {e}"))?;
        let path = entry.path().map_err(|e| format!("data.tar: bad path: {e}"))?;
        let path = normalize(&path.to_string_lossy()).to_string();
        if !want(&path) {
            continue;
        }
        let kind = entry.header().entry_type();
        if kind.is_file() {
            let mut data = Vec::with_capacity(entry.size() as usize);
            entry.read_to_end(&mut data).map_err(|e| format!("data.tar: {path}: {e}"))?;
            files.push(Found { path, data });
        } else if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name()
                .map_err(|e| format!("data.tar: {path}: {e}"))?
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Hard links name the target from the archive root.
            let target =
                if kind.is_hard_link() { normalize(&target).to_string() } else { resolve_link(&path, &target) };
            links.push((path, target));
        }
    }
    Ok((files, links))
}

/// The files of the package matching any of `patterns` (symlinks followed
/// one level). The package's data.tar is read once, twice for a symlink.
pub fn find_files(deb: &[u8], patterns: &[&str]) -> Result<Vec<Found>, String> {
    let matches = |p: &str| patterns.iter().any(|pat| glob_match(pat, p));
    let (mut files, links) = scan(data_tar(deb)?, &matches)?;
    if files.is_empty() && !links.is_empty() {
        let targets: Vec<String> = links.iter().map(|(_, t)| t.clone()).collect();
        let (found, _) = scan(data_tar(deb)?, &|p: &str| targets.iter().any(|t| t == p))?;
        for (link, target) in &links {
            if let Some(f) = found.iter().find(|f| &f.path == target) {
                files.push(Found { path: format!("{link} -> {target}"), data: f.data.clone() });
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// Builds a tar with regular files and symlinks.
    pub fn make_tar(files: &[(&str, &[u8])], links: &[(&str, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, path, *data).unwrap();
        }
        for (path, target) in links {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            h.set_entry_type(tar::EntryType::Symlink);
            b.append_link(&mut h, path, target).unwrap();
        }
        b.into_inner().unwrap()
    }

    pub fn make_ar(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = AR_MAGIC.to_vec();
        for (name, data) in members {
            let header = format!("{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n", name, 0, 0, 0, "100644", data.len());
            assert_eq!(header.len(), AR_HEADER);
            out.extend_from_slice(header.as_bytes());
            out.extend_from_slice(data);
            if data.len() % 2 == 1 {
                out.push(b'\n');
            }
        }
        out
    }

    /// A `.deb` whose data.tar is compressed with `compression`.
    pub fn make_deb(tar: &[u8], compression: &str) -> Vec<u8> {
        let data = match compression {
            "xz" => {
                let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
                e.write_all(tar).unwrap();
                e.finish().unwrap()
            }
            "gz" => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(tar).unwrap();
                e.finish().unwrap()
            }
            "" => tar.to_vec(),
            other => panic!("{other}"),
        };
        let name = if compression.is_empty() { "data.tar".to_string() } else { format!("data.tar.{compression}") };
        make_ar(&[("debian-binary", b"2.0\n"), ("control.tar.xz", b"x"), (&name, &data)])
    }

    #[test]
    fn ar_roundtrip_and_padding() {
        let ar = make_ar(&[("debian-binary", b"2.0\n"), ("odd", b"abc"), ("gnu/", b"zz")]);
        let m = ar_members(&ar).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!((m[0].name.as_str(), m[0].data), ("debian-binary", &b"2.0\n"[..]));
        assert_eq!((m[1].name.as_str(), m[1].data), ("odd", &b"abc"[..]));
        assert_eq!((m[2].name.as_str(), m[2].data), ("gnu", &b"zz"[..]));
    }

    #[test]
    fn ar_malformed() {
        assert!(ar_members(b"PK\x03\x04").unwrap_err().contains("bad magic"));
        let ar = make_ar(&[("debian-binary", b"2.0\n")]);
        assert!(ar_members(&ar[..ar.len() - 2]).unwrap_err().contains("runs past the end"));
        assert!(ar_members(&ar[..20]).unwrap_err().contains("truncated"));
        let mut bad = ar.clone();
        bad[8 + 58] = b'x';
        assert!(ar_members(&bad).unwrap_err().contains("bad member header"));
        assert!(data_tar(&make_ar(&[("control.tar.xz", b"")])).is_err());
        assert!(data_tar(&make_ar(&[("debian-binary", b"2.0\n"), ("data.tar.bz2", b"")])).is_err());
    }

    #[test]
    fn glob() {
        assert!(glob_match("usr/lib/modules/*/vmlinuz", "usr/lib/modules/7.2.13+deb14-riscv64/vmlinuz"));
        assert!(!glob_match("usr/lib/modules/*/vmlinuz", "usr/lib/modules/a/b/vmlinuz"));
        assert!(glob_match("boot/vmlinuz-*", "boot/vmlinuz-6.1.0-30-arm64"));
        assert!(!glob_match("boot/vmlinuz-*", "usr/lib/debug/boot/vmlinuz-6.1"));
        assert!(glob_match("usr/bin/busybox", "usr/bin/busybox"));
        assert!(!glob_match("usr/bin/busybox", "usr/bin/busybox2"));
    }

    #[test]
    fn finds_files_in_each_compression() {
        let tar = make_tar(
            &[
                ("./usr/lib/modules/7.2/vmlinuz", b"KERNEL"),
                ("./usr/lib/modules/7.2/config", b"CONFIG"),
                ("./usr/bin/busybox", b"BB"),
            ],
            &[],
        );
        for c in ["xz", "gz", ""] {
            let deb = make_deb(&tar, c);
            let f = find_files(&deb, &["usr/lib/modules/*/vmlinuz"]).unwrap();
            assert_eq!(f, [Found { path: "usr/lib/modules/7.2/vmlinuz".into(), data: b"KERNEL".to_vec() }], "{c}");
            assert!(find_files(&deb, &["boot/vmlinuz-*"]).unwrap().is_empty());
        }
    }

    #[test]
    fn follows_symlinks() {
        let tar = make_tar(&[("./boot/real-7.2", b"K")], &[("./boot/vmlinuz-7.2", "real-7.2")]);
        let f = find_files(&make_deb(&tar, "gz"), &["boot/vmlinuz-*"]).unwrap();
        assert_eq!(f, [Found { path: "boot/vmlinuz-7.2 -> boot/real-7.2".into(), data: b"K".to_vec() }]);
        assert_eq!(resolve_link("a/b/c", "../d"), "a/d");
        assert_eq!(resolve_link("a/b/c", "/x/y"), "x/y");
    }

    #[test]
    fn corrupt_payload_is_an_error() {
        let tar = make_tar(&[("./x", &[7u8; 5000])], &[]);
        let mut deb = make_deb(&tar, "xz");
        let n = deb.len();
        deb[n - 40] ^= 0xff;
        assert!(find_files(&deb, &["x"]).is_err());
    }
}
