//! The initramfs: Debian's static busybox, an `/init` that mounts the
//! kernel's filesystems, prints a banner and hands over to busybox `init`,
//! whose inittab keeps a shell on the console (so `poweroff` works: busybox
//! init turns it into the kernel's power-off call).

use std::io::Write;

use super::cpio::Writer;

/// The line `/init` prints once the kernel has run it; tests wait for it.
pub const BANNER: &str = "wemu: init started";

/// `/init`, run by the kernel as PID 1.
pub const INIT: &str = "#!/bin/sh
# wemu initramfs: mount the kernel's filesystems, then hand over to busybox init.
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
hostname wemu
# Drivers the kernel has as modules (from modules.cpio.gz, when appended),
# for the virtio devices the board has: disks get ext4 too.
if [ -f /lib/modules/virtio_mmio.ko ] && ls /sys/bus/platform/devices | grep -q virtio_mmio; then
    insmod /lib/modules/virtio_mmio.ko
    for d in /sys/bus/virtio/devices/*/device; do
        case $(cat $d) in
        0x0002) set -- virtio_blk crc16 mbcache jbd2 ext4 ;;
        0x0004) set -- virtio-rng ;;
        *) set -- ;;
        esac
        for m in \"$@\"; do
            insmod /lib/modules/$m.ko 2>/dev/null
        done
    done
fi
echo \"wemu: init started\"
exec /sbin/init
";

/// busybox init's table: a login shell on the console's real tty
/// (`cttyhack` finds it, so job control works), restarted when it exits.
pub const INITTAB: &str = "\
::respawn:-/bin/cttyhack /bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
::restart:/sbin/init
";

pub const PROFILE: &str = "\
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
export HOME=/root
";

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n";
const GROUP: &str = "root:x:0:\n";

/// Everything that determines the initramfs besides busybox itself; part
/// of the manifest's recipe, so a change here rebuilds the archive.
pub fn recipe() -> String {
    format!("initramfs v2\n{INIT}\n{INITTAB}\n{PROFILE}\n{PASSWD}\n{GROUP}")
}

/// Checks that `elf` is a static ELF64 executable for `machine`.
pub fn check_static_elf(elf: &[u8], machine: u16) -> Result<(), String> {
    let u16_at = |o: usize| elf.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| elf.get(o..o + 4).map(|b| u32::from_le_bytes(b.try_into().unwrap()));
    let u64_at = |o: usize| elf.get(o..o + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap()));
    if !elf.starts_with(b"\x7fELF\x02\x01") {
        return Err("busybox: not a little-endian ELF64 file".into());
    }
    let got = u16_at(18).unwrap_or(0);
    if got != machine {
        return Err(format!("busybox: ELF machine {got:#x}, expected {machine:#x}"));
    }
    let (phoff, phentsize, phnum) = match (u64_at(0x20), u16_at(0x36), u16_at(0x38)) {
        (Some(o), Some(s), Some(n)) => (o as usize, s as usize, n as usize),
        _ => return Err("busybox: truncated ELF header".into()),
    };
    for i in 0..phnum {
        const PT_INTERP: u32 = 3;
        let ty = u32_at(phoff + i * phentsize).ok_or("busybox: truncated program headers")?;
        if ty == PT_INTERP {
            return Err("busybox: dynamically linked (has an interpreter); need busybox-static".into());
        }
    }
    Ok(())
}

/// The uncompressed newc archive.
pub fn cpio(busybox: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    for (d, perm) in [
        ("bin", 0o755),
        ("dev", 0o755),
        ("etc", 0o755),
        ("mnt", 0o755),
        ("proc", 0o555),
        ("root", 0o700),
        ("run", 0o755),
        ("sbin", 0o755),
        ("sys", 0o555),
        ("tmp", 0o1777),
        ("usr", 0o755),
        ("usr/bin", 0o755),
        ("usr/sbin", 0o755),
    ] {
        w.dir(d, perm);
    }
    // The kernel opens /dev/console for PID 1 before devtmpfs is mounted.
    w.char_dev("dev/console", 0o600, 5, 1);
    w.char_dev("dev/null", 0o666, 1, 3);
    w.file("bin/busybox", 0o755, busybox);
    w.symlink("bin/sh", "busybox");
    w.symlink("sbin/init", "../bin/busybox");
    w.file("init", 0o755, INIT.as_bytes());
    w.file("etc/inittab", 0o644, INITTAB.as_bytes());
    w.file("etc/profile", 0o644, PROFILE.as_bytes());
    w.file("etc/passwd", 0o644, PASSWD.as_bytes());
    w.file("etc/group", 0o644, GROUP.as_bytes());
    w.finish()
}

/// The gzip'd archive (fixed header: no name, mtime 0), as the kernel
/// and boot loaders take it.
pub fn build(busybox: &[u8]) -> Vec<u8> {
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    gz.write_all(&cpio(busybox)).expect("writing to memory");
    gz.finish().expect("writing to memory")
}

/// The modules archive: each module (`.ko`, or compressed `.ko.xz`,
/// `.ko.zst`, `.ko.gz`) uncompressed in `lib/modules/`, named by its file
/// name without the compression suffix, in a gzip'd newc cpio.
pub fn modules(found: &[&super::deb::Found]) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut w = Writer::new();
    w.dir("lib", 0o755);
    w.dir("lib/modules", 0o755);
    for f in found {
        let file = f.path.rsplit('/').next().unwrap_or(&f.path);
        let (name, mut reader): (&str, Box<dyn Read + '_>) = if let Some(n) = file.strip_suffix(".xz") {
            (n, Box::new(liblzma::read::XzDecoder::new(&f.data[..])))
        } else if let Some(n) = file.strip_suffix(".zst") {
            (n, Box::new(ruzstd::decoding::StreamingDecoder::new(&f.data[..]).map_err(|e| format!("{file}: {e}"))?))
        } else if let Some(n) = file.strip_suffix(".gz") {
            (n, Box::new(flate2::read::GzDecoder::new(&f.data[..])))
        } else {
            (file, Box::new(&f.data[..]))
        };
        let mut ko = Vec::new();
        reader.read_to_end(&mut ko).map_err(|e| format!("{file}: cannot decompress: {e}"))?;
        if !ko.starts_with(b"\x7fELF") {
            return Err(format!("{file}: not an ELF module"));
        }
        w.file(&format!("lib/modules/{name}"), 0o644, &ko);
    }
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    gz.write_all(&w.finish()).expect("writing to memory");
    Ok(gz.finish().expect("writing to memory"))
}

/// Where the bench initramfs keeps the workload.
pub const BENCH_WORKLOAD: &str = "bin/wemu-bench";

/// `/init` of the bench initramfs: with `wemu_bench=SCALE` on the kernel
/// command line it runs the workload at that scale and powers off (`-f`:
/// straight to the kernel, no init to stop); otherwise it hands over to the
/// stock `/init`, so the same archive also boots to the shell.
pub const BENCH_INIT: &str = "#!/bin/sh
# wemu bench initramfs: run the workload when asked, else boot as usual.
/bin/busybox mount -t proc proc /proc
scale=$(/bin/busybox sed -n 's/.*wemu_bench=\\([0-9][0-9]*\\).*/\\1/p' /proc/cmdline)
if [ -z \"$scale\" ]; then
    /bin/busybox umount /proc
    exec /init.stock
fi
/bin/busybox --install -s
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Let user mode read instret (scounteren.IR): the workload counts its instructions.
echo 2 > /proc/sys/kernel/perf_user_access 2>/dev/null
echo \"wemu-bench: start\"
/bin/wemu-bench \"$scale\"
poweroff -f
";

/// The bench initramfs: the stock archive `stock_gz` with its `/init`
/// renamed `/init.stock`, the static `workload` at [`BENCH_WORKLOAD`] and
/// [`BENCH_INIT`] as `/init`.
pub fn bench(stock_gz: &[u8], workload: &[u8]) -> Result<Vec<u8>, String> {
    use super::cpio::{S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, parse};
    use std::io::Read;
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(stock_gz).read_to_end(&mut raw).map_err(|e| format!("initramfs: gzip: {e}"))?;
    let mut w = Writer::new();
    for e in parse(&raw)? {
        let perm = e.mode & 0o7777;
        let name = if e.name == "init" { "init.stock" } else { e.name.as_str() };
        match e.mode & S_IFMT {
            S_IFDIR => w.dir(name, perm),
            S_IFREG => w.file(name, perm, &e.data),
            S_IFLNK => w.symlink(name, &String::from_utf8_lossy(&e.data)),
            S_IFCHR => w.char_dev(name, perm, e.rdev.0, e.rdev.1),
            _ => return Err(format!("initramfs: unexpected entry type {:o} for `{}`", e.mode, e.name)),
        }
    }
    w.file(BENCH_WORKLOAD, 0o755, workload);
    w.file("init", 0o755, BENCH_INIT.as_bytes());
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    gz.write_all(&w.finish()).expect("writing to memory");
    Ok(gz.finish().expect("writing to memory"))
}

/// Re-reads a built initramfs: a well-formed archive with the entries the
/// kernel needs.
pub fn check(gz: &[u8]) -> Result<(), String> {
    use super::cpio::{S_IFCHR, S_IFMT, S_IFREG, parse};
    use std::io::Read;
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(gz).read_to_end(&mut raw).map_err(|e| format!("gzip: {e}"))?;
    let entries = parse(&raw)?;
    let has = |name: &str, fmt: u32| entries.iter().any(|e| e.name == name && e.mode & S_IFMT == fmt);
    if !entries.iter().any(|e| e.name == "dev/console" && e.mode & S_IFMT == S_IFCHR && e.rdev == (5, 1)) {
        return Err("no /dev/console node (5, 1)".into());
    }
    for f in ["init", "bin/busybox"] {
        if !has(f, S_IFREG) {
            return Err(format!("no /{f}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::cpio::{self, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
    use super::*;
    use std::io::Read;

    fn fake_elf(machine: u16, interp: bool) -> Vec<u8> {
        let mut e = vec![0u8; 0x40 + 2 * 56];
        e[..6].copy_from_slice(b"\x7fELF\x02\x01");
        e[18..20].copy_from_slice(&machine.to_le_bytes());
        e[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes());
        e[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        e[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes());
        e[0x40..0x44].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        e[0x40 + 56..0x44 + 56].copy_from_slice(&(if interp { 3u32 } else { 1 }).to_le_bytes());
        e
    }

    #[test]
    fn elf_checks() {
        assert!(check_static_elf(&fake_elf(0xf3, false), 0xf3).is_ok());
        assert!(check_static_elf(&fake_elf(0xf3, true), 0xf3).unwrap_err().contains("dynamically"));
        assert!(check_static_elf(&fake_elf(0xb7, false), 0xf3).unwrap_err().contains("machine"));
        assert!(check_static_elf(b"#!/bin/sh", 0xf3).is_err());
        assert!(check_static_elf(&fake_elf(0xf3, false)[..0x50], 0xf3).is_err());
    }

    #[test]
    fn archive_contents() {
        let bb = fake_elf(0xf3, false);
        let gz = build(&bb);
        assert_eq!(&gz[..2], b"\x1f\x8b");
        assert_eq!(&gz[4..8], &[0, 0, 0, 0], "gzip mtime is zero");
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut raw).unwrap();
        assert_eq!(raw, cpio(&bb));
        let entries = cpio::parse(&raw).unwrap();
        let get = |n: &str| entries.iter().find(|e| e.name == n).unwrap_or_else(|| panic!("{n} missing"));

        let console = get("dev/console");
        assert_eq!(console.mode, S_IFCHR | 0o600);
        assert_eq!(console.rdev, (5, 1));
        let init = get("init");
        assert_eq!(init.mode, S_IFREG | 0o755);
        let text = std::str::from_utf8(&init.data).unwrap();
        assert!(text.starts_with("#!/bin/sh\n"));
        for needle in ["mount -t proc", "mount -t sysfs", "mount -t devtmpfs", BANNER] {
            assert!(text.contains(needle), "{needle}");
        }
        assert_eq!(get("bin/busybox").data, bb);
        assert_eq!(get("bin/sh").mode & S_IFMT, S_IFLNK);
        assert_eq!(get("bin/sh").data, b"busybox");
        assert_eq!(get("sbin/init").data, b"../bin/busybox");
        assert_eq!(get("tmp").mode, S_IFDIR | 0o1777);
        assert!(std::str::from_utf8(&get("etc/inittab").data).unwrap().contains("cttyhack"));
        // Every entry's parent directory comes before it.
        for (i, e) in entries.iter().enumerate() {
            if let Some((parent, _)) = e.name.rsplit_once('/') {
                let p = entries.iter().position(|x| x.name == parent).unwrap_or_else(|| panic!("{parent}"));
                assert!(p < i && entries[p].mode & S_IFMT == S_IFDIR, "{}", e.name);
            }
        }
        // Same input, same bytes.
        assert_eq!(build(&bb), gz);
        check(&gz).unwrap();
        assert!(check(&gz[..gz.len() / 2]).is_err());
    }

    #[test]
    fn bench_archive_keeps_the_stock_one_and_adds_the_workload() {
        let bb = fake_elf(0xf3, false);
        let workload = fake_elf(0xf3, false);
        let gz = bench(&build(&bb), &workload).unwrap();
        check(&gz).unwrap();
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut raw).unwrap();
        let entries = cpio::parse(&raw).unwrap();
        let get = |n: &str| entries.iter().find(|e| e.name == n).unwrap_or_else(|| panic!("{n} missing"));
        assert_eq!(get("init").data, BENCH_INIT.as_bytes());
        assert_eq!(get("init.stock").data, INIT.as_bytes());
        assert_eq!(get(BENCH_WORKLOAD).data, workload);
        assert_eq!(get(BENCH_WORKLOAD).mode, S_IFREG | 0o755);
        assert_eq!(get("dev/console").rdev, (5, 1));
        assert_eq!(get("bin/sh").data, b"busybox");
        assert!(BENCH_INIT.contains("exec /init.stock") && BENCH_INIT.contains("poweroff -f"));
        assert!(bench(b"not gzip", &workload).is_err());
    }
}
