//! Debian archive metadata: deb822 stanzas, the suite's `Release` file (its
//! SHA256 list), the `Packages` index, version comparison and `Depends`
//! resolution. Pure functions over text: nothing here touches the network.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet, VecDeque};
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// One deb822 paragraph: fields in order, continuation lines joined with `\n`.
#[derive(Debug, Clone, Default)]
pub struct Stanza {
    fields: Vec<(String, String)>,
}

impl Stanza {
    /// Parses one paragraph (no blank lines inside).
    pub fn parse(text: &str) -> Result<Stanza, String> {
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in text.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with(' ') || line.starts_with('\t') {
                let Some((_, v)) = fields.last_mut() else {
                    return Err(format!("continuation line before any field: `{line}`"));
                };
                v.push('\n');
                v.push_str(line.trim());
                continue;
            }
            let Some((k, v)) = line.split_once(':') else {
                return Err(format!("malformed field line `{line}`"));
            };
            fields.push((k.trim().to_string(), v.trim().to_string()));
        }
        Ok(Stanza { fields })
    }

    /// A field's value (field names are case-insensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    fn require(&self, key: &str) -> Result<&str, String> {
        self.get(key).ok_or_else(|| format!("stanza has no `{key}` field"))
    }
}

/// Strips the OpenPGP clear-signature armour of an `InRelease` file (a plain
/// `Release` passes through). The signature is not checked: trust comes from
/// HTTPS to the mirror and the hash chain Release -> Packages -> .deb.
pub fn strip_clearsign(text: &str) -> Result<String, String> {
    if !text.starts_with("-----BEGIN PGP SIGNED MESSAGE-----") {
        return Ok(text.to_string());
    }
    // Armour headers ("Hash: SHA256") end at the first empty line.
    let body = text.split_once("\n\n").map(|(_, b)| b).ok_or("InRelease: no end of the armour headers")?;
    let body =
        body.split_once("\n-----BEGIN PGP SIGNATURE-----").map(|(b, _)| b).ok_or("InRelease: no signature block")?;
    // Dash-escaped lines (RFC 4880 7.1).
    Ok(body.lines().map(|l| l.strip_prefix("- ").unwrap_or(l)).collect::<Vec<_>>().join("\n") + "\n")
}

/// What a suite's `Release` file says about one index file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseEntry {
    pub sha256: String,
    pub size: u64,
}

/// A suite's `Release` (or de-armoured `InRelease`) file.
#[derive(Debug, Clone)]
pub struct Release {
    pub date: Option<String>,
    pub sha256: HashMap<String, ReleaseEntry>,
}

impl Release {
    pub fn parse(text: &str) -> Result<Release, String> {
        let text = strip_clearsign(text)?;
        let stanza = Stanza::parse(&text).map_err(|e| format!("Release: {e}"))?;
        let list = stanza.get("SHA256").ok_or("Release: no SHA256 list")?;
        let mut sha256 = HashMap::new();
        for line in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [hash, size, path] = parts[..] else {
                return Err(format!("Release: malformed SHA256 line `{line}`"));
            };
            if !is_sha256_hex(hash) {
                return Err(format!("Release: bad SHA256 `{hash}` for {path}"));
            }
            let size = size.parse().map_err(|_| format!("Release: bad size `{size}` for {path}"))?;
            sha256.insert(path.to_string(), ReleaseEntry { sha256: hash.to_ascii_lowercase(), size });
        }
        Ok(Release { date: stanza.get("Date").map(str::to_string), sha256 })
    }
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A binary package as the index describes it: enough to fetch and verify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRef {
    pub name: String,
    pub version: String,
    /// The pool path below the mirror root (`pool/main/...deb`).
    pub filename: String,
    pub size: u64,
    pub sha256: String,
}

/// A parsed binary package stanza.
#[derive(Debug, Clone)]
pub struct Package {
    pub pkg: PackageRef,
    pub source: String,
    pub depends: String,
}

impl Package {
    fn from_stanza(s: &Stanza) -> Result<Package, String> {
        let name = s.require("Package")?.to_string();
        let ctx = |e: String| format!("package {name}: {e}");
        let version = s.require("Version").map_err(ctx)?.to_string();
        let filename = s.require("Filename").map_err(ctx)?.to_string();
        let size = s.require("Size").map_err(ctx)?;
        let size = size.parse().map_err(|_| ctx(format!("bad Size `{size}`")))?;
        let sha256 = s.require("SHA256").map_err(ctx)?.to_ascii_lowercase();
        if !is_sha256_hex(&sha256) {
            return Err(ctx(format!("bad SHA256 `{sha256}`")));
        }
        if filename.contains("..") || filename.starts_with('/') {
            return Err(ctx(format!("unsafe Filename `{filename}`")));
        }
        // `Source: busybox (1:1.38.0-3)` names the source and its version.
        let source = s.get("Source").and_then(|v| v.split_whitespace().next()).unwrap_or(&name).to_string();
        let depends = s.get("Depends").unwrap_or("").to_string();
        Ok(Package { pkg: PackageRef { name, version, filename, size, sha256 }, source, depends })
    }
}

/// A `Packages` index, kept as text; stanzas are parsed when looked up.
#[derive(Debug)]
pub struct PackagesIndex {
    text: String,
    by_name: HashMap<String, Vec<Range<usize>>>,
}

impl PackagesIndex {
    pub fn parse(text: String) -> Result<PackagesIndex, String> {
        let mut by_name: HashMap<String, Vec<Range<usize>>> = HashMap::new();
        let mut start = 0;
        let bytes = text.as_bytes();
        let mut count = 0usize;
        while start < text.len() {
            // A paragraph ends at an empty line (or the end of the text).
            let end = text[start..].find("\n\n").map_or(text.len(), |i| start + i + 1);
            let para = &text[start..end];
            if !para.trim().is_empty() {
                let name = para
                    .lines()
                    .find_map(|l| l.strip_prefix("Package:"))
                    .map(str::trim)
                    .ok_or_else(|| format!("Packages: stanza without `Package` at byte {start}"))?;
                by_name.entry(name.to_string()).or_default().push(start..end);
                count += 1;
            }
            start = end;
            while start < text.len() && bytes[start] == b'\n' {
                start += 1;
            }
        }
        if count == 0 {
            return Err("Packages: the index lists no packages".into());
        }
        Ok(PackagesIndex { text, by_name })
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// The package's newest version in the index.
    pub fn get(&self, name: &str) -> Result<Option<Package>, String> {
        let Some(ranges) = self.by_name.get(name) else { return Ok(None) };
        let mut best: Option<Package> = None;
        for r in ranges {
            let p = Package::from_stanza(&Stanza::parse(&self.text[r.clone()])?)?;
            if best.as_ref().is_none_or(|b| cmp_versions(&p.pkg.version, &b.pkg.version) == Ordering::Greater) {
                best = Some(p);
            }
        }
        Ok(best)
    }
}

/// Compares two Debian version strings as dpkg does
/// (`[epoch:]upstream[-revision]`, `~` sorting before everything).
pub fn cmp_versions(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> (u64, &str, &str) {
        let (epoch, rest) = match v.split_once(':') {
            Some((e, r)) if !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()) => (e.parse().unwrap_or(0), r),
            _ => (0, v),
        };
        match rest.rsplit_once('-') {
            Some((u, r)) => (epoch, u, r),
            None => (epoch, rest, ""),
        }
    }
    fn order(c: Option<u8>) -> i32 {
        match c {
            None => 0,
            Some(b'~') => -1,
            Some(c) if c.is_ascii_digit() => 0,
            Some(c) if c.is_ascii_alphabetic() => i32::from(c),
            Some(c) => i32::from(c) + 256,
        }
    }
    fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            // The non-digit prefix, character by character.
            while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
                let ac = order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
                let bc = order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
                if ac != bc {
                    return ac.cmp(&bc);
                }
                if i < a.len() && !a[i].is_ascii_digit() {
                    i += 1;
                }
                if j < b.len() && !b[j].is_ascii_digit() {
                    j += 1;
                }
            }
            // The digit run, numerically (leading zeros ignored).
            while i < a.len() && a[i] == b'0' {
                i += 1;
            }
            while j < b.len() && b[j] == b'0' {
                j += 1;
            }
            let (si, sj) = (i, j);
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let (da, db) = (&a[si..i], &b[sj..j]);
            let o = da.len().cmp(&db.len()).then_with(|| da.cmp(db));
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
    let (ea, ua, ra) = split(a);
    let (eb, ub, rb) = split(b);
    ea.cmp(&eb)
        .then_with(|| verrevcmp(ua.as_bytes(), ub.as_bytes()))
        .then_with(|| verrevcmp(ra.as_bytes(), rb.as_bytes()))
}

/// A version relation in a dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rel {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Rel {
    fn parse(s: &str) -> Option<Rel> {
        Some(match s {
            "<<" => Rel::Lt,
            "<=" | "<" => Rel::Le,
            "=" => Rel::Eq,
            ">=" | ">" => Rel::Ge,
            ">>" => Rel::Gt,
            _ => return None,
        })
    }

    pub fn holds(self, have: &str, want: &str) -> bool {
        let o = cmp_versions(have, want);
        match self {
            Rel::Lt => o == Ordering::Less,
            Rel::Le => o != Ordering::Greater,
            Rel::Eq => o == Ordering::Equal,
            Rel::Ge => o != Ordering::Less,
            Rel::Gt => o == Ordering::Greater,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Rel::Lt => "<<",
            Rel::Le => "<=",
            Rel::Eq => "=",
            Rel::Ge => ">=",
            Rel::Gt => ">>",
        }
    }
}

/// One alternative of a dependency: `name[:arch] [(rel version)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub name: String,
    pub version: Option<(Rel, String)>,
}

impl std::fmt::Display for Dep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.version {
            Some((r, v)) => write!(f, "{} ({} {v})", self.name, r.as_str()),
            None => write!(f, "{}", self.name),
        }
    }
}

/// Parses a `Depends` value into groups of alternatives (`a | b, c`).
/// Architecture qualifiers (`:any`), restrictions (`[arch]`) and build
/// profiles (`<!nocheck>`) are dropped.
pub fn parse_depends(s: &str) -> Result<Vec<Vec<Dep>>, String> {
    let mut groups = Vec::new();
    for group in s.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        let mut alts = Vec::new();
        for alt in group.split('|').map(str::trim) {
            let mut rest = alt;
            let end = rest.find(|c: char| c.is_whitespace() || "([<".contains(c)).unwrap_or(rest.len());
            let name = rest[..end].split(':').next().unwrap_or("");
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
                return Err(format!("bad dependency `{alt}` in `{s}`"));
            }
            rest = rest[end..].trim_start();
            let mut version = None;
            if let Some(r) = rest.strip_prefix('(') {
                let (inner, after) = r.split_once(')').ok_or_else(|| format!("unclosed `(` in `{alt}`"))?;
                let inner = inner.trim();
                let split = inner.find(|c: char| !"<>=".contains(c)).unwrap_or(inner.len());
                let rel = Rel::parse(&inner[..split]).ok_or_else(|| format!("bad relation in `{alt}`"))?;
                let v = inner[split..].trim();
                if v.is_empty() {
                    return Err(format!("no version in `{alt}`"));
                }
                version = Some((rel, v.to_string()));
                rest = after.trim_start();
            }
            // Whatever is left must be `[...]` or `<...>` restrictions.
            if !(rest.is_empty() || rest.starts_with('[') || rest.starts_with('<')) {
                return Err(format!("unexpected `{rest}` in dependency `{alt}`"));
            }
            alts.push(Dep { name: name.to_string(), version });
        }
        groups.push(alts);
    }
    Ok(groups)
}

/// A package reached from a root by following `Depends`.
#[derive(Debug, Clone)]
pub struct Reached {
    pub package: Package,
    /// The chain of package names from the root to this one (inclusive).
    pub via: Vec<String>,
}

/// The closure of `root` under `Depends`, staying within `root`'s source
/// package (for the kernel: `linux`, which leaves out `initramfs-tools`
/// and friends). Each dependency group takes its first alternative that
/// the index has and that belongs to that source. Returns the packages in
/// breadth-first order, root first, and the dependencies that named
/// packages the index lacks.
pub fn same_source_closure(index: &PackagesIndex, root: &str) -> Result<(Vec<Reached>, Vec<String>), String> {
    let root_pkg = index.get(root)?.ok_or_else(|| format!("package `{root}` is not in the index"))?;
    let source = root_pkg.source.clone();
    let mut out = Vec::new();
    let mut missing = Vec::new();
    let mut seen = HashSet::from([root.to_string()]);
    let mut queue = VecDeque::from([Reached { package: root_pkg, via: vec![root.to_string()] }]);
    while let Some(r) = queue.pop_front() {
        let groups = parse_depends(&r.package.depends).map_err(|e| format!("{}: Depends: {e}", r.package.pkg.name))?;
        for group in groups {
            let mut chosen = None;
            let mut any_present = false;
            for dep in &group {
                match index.get(&dep.name)? {
                    Some(p) if p.source == source => {
                        chosen = Some((dep, p));
                        break;
                    }
                    Some(_) => any_present = true,
                    None => {}
                }
            }
            let Some((dep, p)) = chosen else {
                // Nothing from our source: another source's package is not
                // followed; a group the index has nothing for is reported.
                if !any_present {
                    let alts: Vec<String> = group.iter().map(Dep::to_string).collect();
                    missing.push(format!("{} (needed by {})", alts.join(" | "), r.package.pkg.name));
                }
                continue;
            };
            if let Some((rel, want)) = &dep.version
                && !rel.holds(&p.pkg.version, want)
            {
                return Err(format!(
                    "{} depends on {dep}, but the index has {} {} (the archive is mid-update; try again later)",
                    r.package.pkg.name, p.pkg.name, p.pkg.version
                ));
            }
            if seen.insert(p.pkg.name.clone()) {
                let mut via = r.via.clone();
                via.push(p.pkg.name.clone());
                queue.push_back(Reached { package: p, via });
            }
        }
        out.push(r);
    }
    Ok((out, missing))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trimmed extract of sid's riscv64 index (real field layout).
    pub(crate) const SAMPLE: &str = "\
Package: linux-image-riscv64
Source: linux
Version: 7.2.13-1
Architecture: riscv64
Provides: linux-image-generic, wireguard-modules (= 1.0.0)
Depends: linux-base-riscv64 (= 7.2.13-1), linux-image-7.2.13+deb14-riscv64 (= 7.2.13-1)
Description: Linux for 64-bit RISC-V platforms (meta-package)
Filename: pool/main/l/linux/linux-image-riscv64_7.2.13-1_riscv64.deb
Size: 1648
SHA256: 271bd259d0e18f1ebc4d3814d79544134eed58c94826fc8cdb05c4e90e9010fa

Package: linux-image-7.2.13+deb14-riscv64
Source: linux
Version: 7.2.13-1
Depends: dracut | initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool, linux-base-7.2.13+deb14-riscv64 (= 7.2.13-1), linux-binary-7.2.13+deb14-riscv64 (= 7.2.13-1), linux-modules-7.2.13+deb14-riscv64 (= 7.2.13-1)
Pre-Depends: linux-base (>= 4.17~)
Filename: pool/main/l/linux/linux-image-7.2.13+deb14-riscv64_7.2.13-1_riscv64.deb
Size: 1876
SHA256: 2c10d3c335ee8dfdd88d7303fb663dcdb337246ab126ad5cab156403bceda04e

Package: linux-base-riscv64
Source: linux
Version: 7.2.13-1
Depends: linux-base-7.2.13+deb14-riscv64 (= 7.2.13-1)
Filename: pool/main/l/linux/linux-base-riscv64_7.2.13-1_riscv64.deb
Size: 1216
SHA256: a59068420e5c2cb250aa5d18ef6df8d92fb92e96fb493344e5f04317a17e16bc

Package: linux-base-7.2.13+deb14-riscv64
Source: linux
Version: 7.2.13-1
Filename: pool/main/l/linux/linux-base-7.2.13+deb14-riscv64_7.2.13-1_riscv64.deb
Size: 9000000
SHA256: 0000000000000000000000000000000000000000000000000000000000000001

Package: linux-binary-7.2.13+deb14-riscv64
Source: linux
Version: 7.2.13-1
Filename: pool/main/l/linux/linux-binary-7.2.13+deb14-riscv64_7.2.13-1_riscv64.deb
Size: 12000000
SHA256: 0000000000000000000000000000000000000000000000000000000000000002

Package: initramfs-tools
Version: 0.148
Architecture: all
Filename: pool/main/i/initramfs-tools/initramfs-tools_0.148_all.deb
Size: 100
SHA256: 0000000000000000000000000000000000000000000000000000000000000003

Package: busybox-static
Source: busybox (1:1.38.0-3)
Version: 1:1.38.0-3+b1
Architecture: riscv64
Description: Standalone rescue shell with tons of builtin utilities
Tag: admin::recovery, interface::shell, role::program, scope::utility,
 use::login, works-with::file
Filename: pool/main/b/busybox/busybox-static_1.38.0-3+b1_riscv64.deb
Size: 953700
SHA256: F71EDD27E341FF80B297F3A60D718E1A69C33F2266A51381AC2A48E9B7EE1A30

Package: busybox-static
Source: busybox
Version: 1:1.37.0-9
Filename: pool/main/b/busybox/busybox-static_1.37.0-9_riscv64.deb
Size: 950000
SHA256: 0000000000000000000000000000000000000000000000000000000000000004
";

    fn index() -> PackagesIndex {
        PackagesIndex::parse(SAMPLE.to_string()).unwrap()
    }

    #[test]
    fn parses_packages_and_picks_newest_version() {
        let idx = index();
        assert_eq!(idx.len(), 7);
        let bb = idx.get("busybox-static").unwrap().unwrap();
        assert_eq!(bb.pkg.version, "1:1.38.0-3+b1");
        assert_eq!(bb.source, "busybox");
        assert_eq!(bb.pkg.size, 953700);
        assert_eq!(bb.pkg.filename, "pool/main/b/busybox/busybox-static_1.38.0-3+b1_riscv64.deb");
        // Hashes are normalised to lower case.
        assert_eq!(bb.pkg.sha256, "f71edd27e341ff80b297f3a60d718e1a69c33f2266a51381ac2a48e9b7ee1a30");
        assert!(idx.get("no-such-package").unwrap().is_none());
        let init = idx.get("initramfs-tools").unwrap().unwrap();
        assert_eq!(init.source, "initramfs-tools");
    }

    #[test]
    fn stanza_continuation_lines() {
        let s = Stanza::parse("Package: x\nTag: a,\n b\nDescription: d\n").unwrap();
        assert_eq!(s.get("tag"), Some("a,\nb"));
        assert_eq!(s.get("Description"), Some("d"));
        assert!(Stanza::parse(" leading continuation\n").is_err());
        assert!(Stanza::parse("no colon here\n").is_err());
    }

    #[test]
    fn rejects_malformed_index() {
        assert!(PackagesIndex::parse(String::new()).is_err());
        assert!(PackagesIndex::parse("Version: 1\n\n".into()).is_err());
        let bad = "Package: x\nVersion: 1\nFilename: pool/x.deb\nSize: 1\nSHA256: zz\n";
        assert!(PackagesIndex::parse(bad.into()).unwrap().get("x").is_err());
        let unsafe_path = "Package: x\nVersion: 1\nFilename: ../x.deb\nSize: 1\nSHA256: \
                           0000000000000000000000000000000000000000000000000000000000000000\n";
        assert!(PackagesIndex::parse(unsafe_path.into()).unwrap().get("x").is_err());
    }

    #[test]
    fn version_ordering() {
        use Ordering::*;
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "1.1", Less),
            ("1.10", "1.9", Greater),
            ("1:0.1", "2.0", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1.0~~", "1.0~", Less),
            ("1.0-1", "1.0-2", Less),
            ("1.0+b1", "1.0", Greater),
            ("1:1.38.0-3+b1", "1:1.38.0-3", Greater),
            ("7.2.13-1", "7.2.9-3", Greater),
            ("1.0a", "1.0+", Less),
            ("001", "1", Equal),
            ("4.17~", "4.17", Less),
            ("0.120+deb8u2", "0.120", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(cmp_versions(a, b), want, "{a} vs {b}");
            assert_eq!(cmp_versions(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn depends_parsing() {
        let g = parse_depends("dracut | initramfs-tools (>= 0.120+deb8u2), libc6:any (>>2.3) [amd64], x <!nocheck>")
            .unwrap();
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].len(), 2);
        assert_eq!(g[0][0], Dep { name: "dracut".into(), version: None });
        assert_eq!(g[0][1], Dep { name: "initramfs-tools".into(), version: Some((Rel::Ge, "0.120+deb8u2".into())) });
        assert_eq!(g[1][0], Dep { name: "libc6".into(), version: Some((Rel::Gt, "2.3".into())) });
        assert_eq!(g[2][0].name, "x");
        assert!(parse_depends("").unwrap().is_empty());
        assert!(parse_depends("a (= 1").is_err());
        assert!(parse_depends("a (~ 1)").is_err());
        assert!(parse_depends("a junk").is_err());
        assert!(Rel::Eq.holds("7.2.13-1", "7.2.13-1"));
        assert!(Rel::Ge.holds("4.17", "4.17~"));
        assert!(!Rel::Lt.holds("2", "1"));
    }

    #[test]
    fn follows_the_kernel_meta_packages() {
        let idx = index();
        let (reached, missing) = same_source_closure(&idx, "linux-image-riscv64").unwrap();
        let names: Vec<&str> = reached.iter().map(|r| r.package.pkg.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "linux-image-riscv64",
                "linux-base-riscv64",
                "linux-image-7.2.13+deb14-riscv64",
                "linux-base-7.2.13+deb14-riscv64",
                "linux-binary-7.2.13+deb14-riscv64",
            ]
        );
        let bin = reached.iter().find(|r| r.package.pkg.name.starts_with("linux-binary-")).unwrap();
        assert_eq!(
            bin.via,
            ["linux-image-riscv64", "linux-image-7.2.13+deb14-riscv64", "linux-binary-7.2.13+deb14-riscv64"]
        );
        // initramfs-tools is another source's (not followed, not missing);
        // the modules package is absent from the sample.
        assert_eq!(
            missing,
            ["linux-modules-7.2.13+deb14-riscv64 (= 7.2.13-1) (needed by linux-image-7.2.13+deb14-riscv64)"]
        );
    }

    #[test]
    fn version_skew_and_missing_root_are_errors() {
        let skewed = SAMPLE.replace(
            "Package: linux-binary-7.2.13+deb14-riscv64\nSource: linux\nVersion: 7.2.13-1",
            "Package: linux-binary-7.2.13+deb14-riscv64\nSource: linux\nVersion: 7.2.12-1",
        );
        let idx = PackagesIndex::parse(skewed).unwrap();
        let e = same_source_closure(&idx, "linux-image-riscv64").unwrap_err();
        assert!(e.contains("mid-update"), "{e}");
        let e = same_source_closure(&index(), "linux-image-sparc").unwrap_err();
        assert!(e.contains("not in the index"), "{e}");
    }

    #[test]
    fn release_sha256_list() {
        let text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\nCodename: sid\n\
                    Date: Fri, 30 Oct 2026 08:08:01 UTC\nMD5Sum:\n 7d4a55d4c7570fb252854af3ff592d51 14410201 \
                    main/binary-riscv64/Packages.gz\nSHA256:\n \
                    83978bc22464c6e63b93aa11055433c45ea682858f753db495a18c98dd310bb4 14410201 main/binary-riscv64/Packages.gz\n \
                    849ebdf162f2d9e4621a1c35557df02e3bb8155aec11c1ff3342d83227616c8b 10419960 main/binary-riscv64/Packages.xz\n\
                    -----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n";
        let r = Release::parse(text).unwrap();
        assert_eq!(r.date.as_deref(), Some("Fri, 30 Oct 2026 08:08:01 UTC"));
        assert_eq!(r.sha256.len(), 2);
        let xz = &r.sha256["main/binary-riscv64/Packages.xz"];
        assert_eq!(xz.size, 10419960);
        assert_eq!(xz.sha256, "849ebdf162f2d9e4621a1c35557df02e3bb8155aec11c1ff3342d83227616c8b");
        assert!(Release::parse("Origin: Debian\n").is_err());
        assert!(Release::parse("SHA256:\n abc 1 x\n").is_err());
    }
}
