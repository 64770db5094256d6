//! Boots Debian's riscv64 kernel with the busybox initramfs on
//! `wemu --machine riscv64-virt` (OpenSBI first), talks to the shell over
//! the serial console and powers off; boots it twice in deterministic
//! time (`--icount`), expecting the same console output byte for byte; and
//! boots it with a virtio-blk disk (an ext4 image made with e2fsprogs'
//! `mkfs.ext4`) and virtio-rng, mounts the disk, reads a file the host put
//! there and writes one the host then finds in the image.
//!
//! It needs the images of `cargo xtask images` and an optimized build
//! (`cargo test --release -p wemu-native --test boot_linux`, which
//! `cargo xtask test` runs); without either it passes with a loud
//! message saying it did not run.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Guest, assert_same_console, can_boot, console_to_prompt, images_dir};

/// The most the boot may take to reach the prompt (about 30 s on a
/// 2-core machine with nothing else running).
const BOOT_TIMEOUT: Duration = Duration::from_secs(300);
/// The most a command may take to answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Boots the cached images with `accel`, runs commands at the prompt and
/// powers off.
fn boot_to_shell(accel: &str) {
    let mut guest = Guest::boot(&["--machine", "riscv64-virt", "-m", "256", "--stats", "--accel", accel]);
    guest.wait_for("OpenSBI v", BOOT_TIMEOUT);
    guest.wait_for("Linux version", BOOT_TIMEOUT);
    guest.wait_for("wemu: init started", BOOT_TIMEOUT);
    // busybox's prompt, which it follows with a cursor position query
    // (ESC [ 6 n) that goes unanswered.
    guest.wait_for("~ # ", BOOT_TIMEOUT);
    guest.type_line("uname -m; echo $((6*7))");
    guest.wait_for("\nriscv64\r\n", COMMAND_TIMEOUT);
    guest.wait_for("42\r\n", COMMAND_TIMEOUT);
    guest.wait_for("~ # ", COMMAND_TIMEOUT);
    guest.type_line("poweroff");
    guest.wait_for("reboot: Power down", COMMAND_TIMEOUT);
    let status = guest.wait_exit(COMMAND_TIMEOUT);
    assert!(status.success(), "wemu exited with {status}; output:\n{}", guest.text());
    eprintln!("boot_linux ({accel}): powered off after {:.1} s", guest.start.elapsed().as_secs_f64());
}

#[test]
fn debian_linux_boots_to_a_shell_and_powers_off() {
    if !can_boot() {
        return;
    }
    boot_to_shell("tci");
}

/// The same with hot code compiled to Wasm and run by wasmtime.
#[test]
fn debian_linux_boots_with_the_jit() {
    if !can_boot() {
        return;
    }
    boot_to_shell("jit");
}

/// The console output of a deterministic boot up to the first prompt.
fn deterministic_boot(accel: &str) -> Vec<u8> {
    let args = ["--machine", "riscv64-virt", "-m", "256", "--icount", "0", "--accel", accel];
    console_to_prompt(&args, BOOT_TIMEOUT, COMMAND_TIMEOUT)
}

/// Two deterministic boots, one in the interpreter and one with the JIT
/// (which compiles on a background thread, so which blocks run where
/// differs from run to run), print the same bytes.
#[test]
fn deterministic_boots_are_identical() {
    if !can_boot() {
        return;
    }
    let (a, b) = (deterministic_boot("tci"), deterministic_boot("jit"));
    assert!(a.windows(18).any(|w| w == b"wemu: init started"));
    assert_same_console(&a, &b, ("interpreter", "JIT"));
}

#[test]
fn a_virtio_disk_is_mounted_read_and_written() {
    if !can_boot() {
        return;
    }
    if !images_dir().join("modules.cpio.gz").is_file() {
        eprintln!("\n*** boot_linux: virtio disk SKIPPED: no modules.cpio.gz; run `cargo xtask images` ***\n");
        return;
    }
    // An ext4 image with one file, made by e2fsprogs' mkfs.ext4 -d.
    let dir = std::env::temp_dir().join(format!("wemu-boot-disk-{}", std::process::id()));
    let files = dir.join("files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("hello.txt"), "hello from the host\n").unwrap();
    let image = dir.join("disk.img");
    std::fs::File::create(&image).unwrap().set_len(32 << 20).unwrap();
    let mkfs = Command::new("mkfs.ext4").arg("-q").arg("-F").arg("-d").arg(&files).arg(&image).status();
    if !mkfs.is_ok_and(|s| s.success()) {
        eprintln!("\n*** boot_linux: virtio disk SKIPPED: mkfs.ext4 (e2fsprogs) failed or is missing ***\n");
        return;
    }
    let drive = format!("file={},format=raw", image.display());
    let mut guest = Guest::boot(&["--machine", "riscv64-virt", "-m", "256", "--drive", &drive, "--virtio-rng"]);
    guest.wait_for("~ # ", BOOT_TIMEOUT);
    guest.type_line(
        "mount /dev/vda /mnt && cat /mnt/hello.txt && echo written-in-guest > /mnt/new.txt && umount /mnt && \
         echo UMOUNT-OK; cat /sys/block/vda/serial; echo; head -c 4 /dev/hwrng | wc -c",
    );
    guest.wait_for("\nhello from the host\r\n", COMMAND_TIMEOUT);
    guest.wait_for("\nUMOUNT-OK\r\n", COMMAND_TIMEOUT);
    guest.wait_for("wemu-vda\r\n", COMMAND_TIMEOUT);
    guest.wait_for("4\r\n", COMMAND_TIMEOUT);
    guest.wait_for("~ # ", COMMAND_TIMEOUT);
    guest.type_line("poweroff");
    let status = guest.wait_exit(COMMAND_TIMEOUT);
    assert!(status.success(), "wemu exited with {status}; output:\n{}", guest.text());
    // The file the guest wrote is in the image.
    let disk = std::fs::read(&image).unwrap();
    assert!(disk.windows(17).any(|w| w == b"written-in-guest\n"), "the guest's file is not in the image");
    std::fs::remove_dir_all(&dir).ok();
}
