//! HTIF, the Berkeley host-target interface that Spike, riscv-tests and
//! riscv-arch-test use to talk to the host: two 64-bit words in guest
//! memory, `tohost` and `fromhost`, found through the ELF symbols of those
//! names.
//!
//! A command written to `tohost` is `device << 56 | cmd << 48 | payload`
//! (48 bits). This board implements:
//!
//! * device 0, command 0, payload odd: the test ends with exit code
//!   `payload >> 1` (0 = pass);
//! * device 0, command 0, payload even and not zero: the address of a
//!   "magic memory" block of eight words for the proxied system calls of
//!   riscv-tests' benchmarks (`write` and `exit`; see
//!   [`crate::Spike`]);
//! * device 1, command 1: putchar of the payload's low byte, answered in
//!   `fromhost` with `1 << 56 | 1 << 48 | 0x100 | byte`;
//! * device 1, command 0: getchar, accepted (`tohost` cleared) and never
//!   answered: the board has no console input.
//!
//! Anything else is counted and ignored. The host clears `tohost` to 0 once
//! it has taken a command.
//!
//! # When a command is taken
//!
//! Guests store `tohost` in different ways: one 64-bit store; two 32-bit
//! stores, low half first (riscv-tests, QEMU's trigger is the high half);
//! a single 32-bit store to the low half (riscv-arch-test's Spike target,
//! which relies on Spike's host polling the whole word). So a store that
//! writes the last byte of `tohost` is taken at once, and a store that
//! leaves a non-zero `tohost` without reaching its last byte is taken at
//! the next block boundary (the window asks the vCPU loop to return, and
//! the board polls).
//!
//! # Where it lives
//!
//! `tohost` is ordinary RAM in the image, so the board maps the page
//! holding it (and the one holding `fromhost`, if another) as MMIO
//! windows onto [`HtifWindow`]s, which behave as plain memory except for
//! stores to `tohost`.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use spin::Mutex;
use wemu_exec::ExitRequest;
use wemu_ir::MemSize;
use wemu_softmmu::{BusError, MmioDevice, PAGE_MASK, PAGE_SIZE};

/// Where console output goes (the host's terminal, a test's buffer).
pub trait Console: Send {
    /// Takes bytes the guest printed. Never blocks.
    fn write(&mut self, bytes: &[u8]);
}

/// A console that discards everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NullConsole;

impl Console for NullConsole {
    fn write(&mut self, _: &[u8]) {}
}

/// A console collecting output in a shared buffer (tests, or a host that
/// prints at the end).
#[derive(Clone, Debug, Default)]
pub struct BufferConsole(pub Arc<Mutex<Vec<u8>>>);

impl BufferConsole {
    pub fn new() -> BufferConsole {
        BufferConsole::default()
    }

    /// Takes what was printed so far.
    pub fn take(&self) -> Vec<u8> {
        core::mem::take(&mut *self.0.lock())
    }
}

impl Console for BufferConsole {
    fn write(&mut self, bytes: &[u8]) {
        self.0.lock().extend_from_slice(bytes);
    }
}

/// HTIF device numbers and commands.
const DEV_SYSCALL: u64 = 0;
const DEV_CONSOLE: u64 = 1;
const CMD_GETCHAR: u64 = 0;
const CMD_PUTCHAR: u64 = 1;
const PAYLOAD_MASK: u64 = (1 << 48) - 1;

/// A command the board must finish (it needs guest memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// A proxied system call: the address of its magic memory block.
    Syscall(u64),
}

/// The HTIF state shared by the windows and the board.
struct Core {
    tohost: u64,
    fromhost: Option<u64>,
    /// The pages behind the windows: (physical base, 4 KiB of bytes).
    pages: Vec<(u64, Box<[u8]>)>,
    console: Box<dyn Console>,
    exit: Option<u64>,
    pending: Option<Pending>,
    /// A non-zero `tohost` was stored without its last byte: take it at
    /// the next poll.
    poll: bool,
    ignored: u64,
    exit_request: ExitRequest,
}

impl Core {
    fn page_mut(&mut self, paddr: u64) -> Option<&mut [u8]> {
        let base = paddr & PAGE_MASK;
        self.pages.iter_mut().find(|(b, _)| *b == base).map(|(_, p)| &mut p[..])
    }

    fn read_u64(&mut self, paddr: u64) -> u64 {
        let off = (paddr & !PAGE_MASK) as usize;
        let p = self.page_mut(paddr);
        let b = p.and_then(|p| p.get(off..off + 8)).and_then(|b| <[u8; 8]>::try_from(b).ok());
        b.map_or(0, u64::from_le_bytes)
    }

    fn write_u64(&mut self, paddr: u64, v: u64) {
        let off = (paddr & !PAGE_MASK) as usize;
        if let Some(b) = self.page_mut(paddr).and_then(|p| p.get_mut(off..off + 8)) {
            b.copy_from_slice(&v.to_le_bytes());
        }
    }

    /// Takes the command in `tohost`, if any.
    fn take_command(&mut self) {
        self.poll = false;
        let value = self.read_u64(self.tohost);
        if value == 0 {
            return;
        }
        let (device, cmd, payload) = (value >> 56, (value >> 48) & 0xff, value & PAYLOAD_MASK);
        let response = match (device, cmd) {
            (DEV_SYSCALL, 0) if payload & 1 != 0 => {
                self.exit = Some(payload >> 1);
                self.exit_request.request();
                0
            }
            (DEV_SYSCALL, 0) => {
                // The board reads the block and answers (it owns the
                // address space); `tohost` stays set until then.
                self.pending = Some(Pending::Syscall(payload));
                self.exit_request.request();
                return;
            }
            (DEV_CONSOLE, CMD_PUTCHAR) => {
                self.console.write(&[payload as u8]);
                0x100 | (payload & 0xff)
            }
            (DEV_CONSOLE, CMD_GETCHAR) => {
                self.write_u64(self.tohost, 0);
                return;
            }
            _ => {
                self.ignored += 1;
                0
            }
        };
        self.respond(value, response);
    }

    /// Clears `tohost` and answers `value` with `response` in `fromhost`.
    fn respond(&mut self, value: u64, response: u64) {
        self.write_u64(self.tohost, 0);
        if let Some(f) = self.fromhost {
            self.write_u64(f, (value >> 48 << 48) | (response & 0xffff));
        }
    }
}

/// The board's handle on its HTIF.
#[derive(Clone)]
pub struct Htif {
    core: Arc<Mutex<Core>>,
}

impl core::fmt::Debug for Htif {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let c = self.core.lock();
        f.debug_struct("Htif")
            .field("tohost", &c.tohost)
            .field("fromhost", &c.fromhost)
            .field("exit", &c.exit)
            .finish_non_exhaustive()
    }
}

impl Htif {
    /// An HTIF at `tohost` (8-byte aligned) and `fromhost`, printing to
    /// `console`, asking the vCPU loop to return through `exit_request`.
    pub fn new(tohost: u64, fromhost: Option<u64>, console: Box<dyn Console>, exit_request: ExitRequest) -> Htif {
        let mut pages: Vec<(u64, Box<[u8]>)> = Vec::new();
        for a in core::iter::once(tohost).chain(fromhost) {
            let base = a & PAGE_MASK;
            if !pages.iter().any(|(b, _)| *b == base) {
                pages.push((base, vec![0u8; PAGE_SIZE as usize].into_boxed_slice()));
            }
        }
        let core =
            Core { tohost, fromhost, pages, console, exit: None, pending: None, poll: false, ignored: 0, exit_request };
        Htif { core: Arc::new(Mutex::new(core)) }
    }

    /// The physical pages the HTIF windows cover (to map each as MMIO).
    pub fn pages(&self) -> Vec<u64> {
        self.core.lock().pages.iter().map(|(b, _)| *b).collect()
    }

    /// The MMIO window of page `base` (one of [`Htif::pages`]).
    pub fn window(&self, base: u64) -> HtifWindow {
        HtifWindow { core: self.core.clone(), base }
    }

    /// Whether `paddr` is in one of the windows.
    pub fn covers(&self, paddr: u64) -> bool {
        self.core.lock().page_mut(paddr).is_some()
    }

    /// Writes `bytes` at `paddr` (inside one window's page) without
    /// taking commands: the loader's path. Returns `false` outside.
    pub fn load(&self, paddr: u64, bytes: &[u8]) -> bool {
        let mut c = self.core.lock();
        let off = (paddr & !PAGE_MASK) as usize;
        match c.page_mut(paddr).and_then(|p| p.get_mut(off..off + bytes.len())) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// Takes a command stored in `tohost` since the last look, as Spike's
    /// host does between instruction batches.
    pub fn poll(&self) {
        let mut c = self.core.lock();
        if c.poll {
            c.take_command();
        }
    }

    /// The exit code, once the guest has ended the test.
    pub fn exit_code(&self) -> Option<u64> {
        self.core.lock().exit
    }

    /// Ends the test with `code` (a proxied `exit` system call).
    pub fn set_exit(&self, code: u64) {
        self.core.lock().exit = Some(code);
    }

    /// A command the board must finish, taken from the HTIF.
    pub fn take_pending(&self) -> Option<Pending> {
        self.core.lock().pending.take()
    }

    /// Finishes a pending command: clears `tohost`, writes `fromhost`.
    pub fn complete(&self, fromhost: u64) {
        let mut c = self.core.lock();
        let t = c.tohost;
        c.write_u64(t, 0);
        if let Some(f) = c.fromhost {
            c.write_u64(f, fromhost);
        }
    }

    /// Prints `bytes` on the console (a proxied `write`).
    pub fn print(&self, bytes: &[u8]) {
        self.core.lock().console.write(bytes);
    }

    /// Commands ignored so far (unknown devices or commands).
    pub fn ignored_commands(&self) -> u64 {
        self.core.lock().ignored
    }
}

/// One page of the HTIF as an MMIO region: plain memory, except that
/// stores to `tohost` are commands (see the module docs).
pub struct HtifWindow {
    core: Arc<Mutex<Core>>,
    base: u64,
}

impl core::fmt::Debug for HtifWindow {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HtifWindow").field("base", &self.base).finish_non_exhaustive()
    }
}

impl MmioDevice for HtifWindow {
    fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
        let n = size.bytes() as usize;
        let mut c = self.core.lock();
        let page = c.page_mut(self.base).ok_or(BusError)?;
        let off = usize::try_from(offset).map_err(|_| BusError)?;
        let bytes = page.get(off..off.checked_add(n).ok_or(BusError)?).ok_or(BusError)?;
        let mut v = [0u8; 8];
        v[..n].copy_from_slice(bytes);
        Ok(u64::from_le_bytes(v))
    }

    fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        let n = size.bytes() as usize;
        let mut c = self.core.lock();
        let page = c.page_mut(self.base).ok_or(BusError)?;
        let off = usize::try_from(offset).map_err(|_| BusError)?;
        let dst = page.get_mut(off..off.checked_add(n).ok_or(BusError)?).ok_or(BusError)?;
        dst.copy_from_slice(&value.to_le_bytes()[..n]);
        // Did the store touch `tohost`, and its last byte?
        let (start, end) = (self.base + offset, self.base + offset + n as u64);
        let (t0, t1) = (c.tohost, c.tohost + 8);
        if start < t1 && t0 < end {
            if end >= t1 {
                c.take_command();
            } else if c.read_u64(t0) != 0 {
                c.poll = true;
                c.exit_request.request();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOHOST: u64 = 0x8000_1000;
    const FROMHOST: u64 = 0x8000_1040;

    fn htif() -> (Htif, BufferConsole, ExitRequest) {
        let console = BufferConsole::new();
        let req = ExitRequest::new();
        (Htif::new(TOHOST, Some(FROMHOST), Box::new(console.clone()), req.clone()), console, req)
    }

    #[test]
    fn a_64_bit_store_ends_the_test() {
        let (h, _, req) = htif();
        assert_eq!(h.pages(), [0x8000_1000]);
        let mut w = h.window(0x8000_1000);
        w.write(0, MemSize::B8, (5 << 1) | 1).unwrap();
        assert_eq!(h.exit_code(), Some(5));
        assert!(req.is_requested());
        assert_eq!(w.read(0, MemSize::B8), Ok(0), "tohost is cleared");
    }

    #[test]
    fn two_32_bit_stores_take_the_command_at_the_high_half() {
        let (h, console, _) = htif();
        let mut w = h.window(0x8000_1000);
        let cmd: u64 = (1 << 56) | (1 << 48) | u64::from(b'A');
        w.write(0, MemSize::B4, cmd & 0xffff_ffff).unwrap();
        assert!(console.take().is_empty());
        w.write(4, MemSize::B4, cmd >> 32).unwrap();
        assert_eq!(console.take(), b"A");
        assert_eq!(w.read(0x40, MemSize::B8), Ok((1 << 56) | (1 << 48) | 0x141));
        assert_eq!(w.read(0, MemSize::B8), Ok(0));
        assert_eq!(h.exit_code(), None);
    }

    #[test]
    fn a_low_half_store_alone_is_taken_at_the_next_poll() {
        let (h, _, req) = htif();
        let mut w = h.window(0x8000_1000);
        w.write(0, MemSize::B4, 1).unwrap();
        assert!(req.is_requested());
        assert_eq!(h.exit_code(), None);
        h.poll();
        assert_eq!(h.exit_code(), Some(0));
    }

    #[test]
    fn the_rest_of_the_page_is_memory() {
        let (h, _, req) = htif();
        let mut w = h.window(0x8000_1000);
        w.write(0x123, MemSize::B2, 0xbeef).unwrap();
        assert_eq!(w.read(0x123, MemSize::B2), Ok(0xbeef));
        assert_eq!(w.read(0x124, MemSize::B1), Ok(0xbe));
        assert!(h.load(0x8000_1ff8, &[1, 2, 3, 4, 5, 6, 7, 8]));
        assert_eq!(w.read(0xff8, MemSize::B8), Ok(0x0807_0605_0403_0201));
        assert!(!h.load(0x8000_1ffc, &[0; 8]), "past the page");
        assert_eq!(w.read(0xffc, MemSize::B8), Err(BusError));
        assert!(!req.is_requested());
    }

    #[test]
    fn syscalls_wait_for_the_board() {
        let (h, _, _) = htif();
        let mut w = h.window(0x8000_1000);
        w.write(0, MemSize::B8, 0x8000_2000).unwrap();
        assert_eq!(h.take_pending(), Some(Pending::Syscall(0x8000_2000)));
        assert_eq!(w.read(0, MemSize::B8), Ok(0x8000_2000));
        h.complete(1);
        assert_eq!((w.read(0, MemSize::B8), w.read(0x40, MemSize::B8)), (Ok(0), Ok(1)));
    }

    #[test]
    fn unknown_commands_are_counted() {
        let (h, _, _) = htif();
        let mut w = h.window(0x8000_1000);
        w.write(0, MemSize::B8, 7 << 56).unwrap();
        assert_eq!(h.ignored_commands(), 1);
        w.write(0, MemSize::B8, (1 << 56) | 0x41).unwrap(); // getchar: accepted, no answer
        assert_eq!((w.read(0, MemSize::B8), w.read(0x40, MemSize::B8)), (Ok(0), Ok(7 << 56)));
    }
}
