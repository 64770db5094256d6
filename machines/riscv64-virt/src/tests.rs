//! Board tests with small hand-assembled bare-metal programs (`--bios
//! none`: the ROM jumps to them at `0x8000_0000` in M-mode).

use alloc::sync::Arc;

use wemu_dev_common::CharBackend;

use super::*;

/// Console output shared with the test.
#[derive(Clone, Default)]
struct Out(Arc<Mutex<Vec<u8>>>);

impl CharBackend for Out {
    fn write(&mut self, bytes: &[u8]) {
        self.0.lock().extend_from_slice(bytes)
    }
}

// A few RV64I encodings.
fn i_type(op: u32, f3: u32, rd: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
}
fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x13, 0, rd, rs1, imm)
}
fn lui(rd: u32, imm20: u32) -> u32 {
    (imm20 << 12) | (rd << 7) | 0x37
}
fn s_type(f3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    ((imm >> 5 & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | 0x23
}
fn sb(rs1: u32, rs2: u32, imm: i32) -> u32 {
    s_type(0, rs1, rs2, imm)
}
fn sw(rs1: u32, rs2: u32, imm: i32) -> u32 {
    s_type(2, rs1, rs2, imm)
}
fn sd(rs1: u32, rs2: u32, imm: i32) -> u32 {
    s_type(3, rs1, rs2, imm)
}
fn ld(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x03, 3, rd, rs1, imm)
}
fn lbu(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x03, 4, rd, rs1, imm)
}
fn csrrw(rd: u32, csr: u32, rs1: u32) -> u32 {
    (csr << 20) | (rs1 << 15) | (1 << 12) | (rd << 7) | 0x73
}
fn csrrs(rd: u32, csr: u32, rs1: u32) -> u32 {
    (csr << 20) | (rs1 << 15) | (2 << 12) | (rd << 7) | 0x73
}
/// `auipc rd, imm20`: rd = pc + (imm20 << 12) (RAM addresses above 2 GiB
/// need it: `lui` sign-extends on RV64).
fn auipc(rd: u32, imm20: u32) -> u32 {
    (imm20 << 12) | (rd << 7) | 0x17
}
fn jal(rd: u32, off: i32) -> u32 {
    let o = off as u32;
    ((o >> 20 & 1) << 31)
        | ((o >> 1 & 0x3ff) << 21)
        | ((o >> 11 & 1) << 20)
        | ((o >> 12 & 0xff) << 12)
        | (rd << 7)
        | 0x6f
}
const WFI: u32 = 0x1050_0073;
const MRET: u32 = 0x3020_0073;

const T0: u32 = 5;
const T1: u32 = 6;
const A0: u32 = 10;
const A1: u32 = 11;
const A2: u32 = 12;
const S0: u32 = 8;

fn program(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn board(code: &[u8], clock: Clock) -> (Virt, Out) {
    let out = Out::default();
    let config = VirtConfig { ram_size: 64 << 20, ..VirtConfig::default() };
    let images = Images { kernel: Some(code), ..Images::default() };
    let virt = Virt::new(&config, images, Box::new(out.clone()), Vec::new(), clock).unwrap();
    (virt, out)
}

fn run_to_exit(virt: &mut Virt, max_slices: u32) -> VirtExit {
    for _ in 0..max_slices {
        match virt.run(10_000) {
            VirtExit::Running => {}
            e => return e,
        }
    }
    panic!("no exit; pc {:#x}", virt.state().pc());
}

/// t0 = the finisher; *t0 = 0x5555 (power off).
fn power_off() -> [u32; 3] {
    [lui(T0, 0x100), lui(T1, 0x5), addi(T1, T1, 0x555)]
}

#[test]
fn a_program_prints_and_powers_off() {
    let mut code = vec![
        lui(S0, 0x10000), // s0 = UART
        addi(T0, 0, b'o' as i32),
        sb(S0, T0, 0),
        addi(T0, 0, b'k' as i32),
        sb(S0, T0, 0),
    ];
    code.extend(power_off());
    code.push(sw(T0, T1, 0));
    code.push(jal(0, 0));
    let (mut virt, out) = board(&program(&code), Clock::deterministic(0));
    assert_eq!(virt.layout().start, RAM_BASE);
    assert_eq!(run_to_exit(&mut virt, 10), VirtExit::PowerOff { code: 0 });
    assert_eq!(&*out.0.lock(), b"ok");
}

#[test]
fn the_rom_passes_hart_id_device_tree_and_fw_dynamic_info() {
    // Store a0, a1, a2 and the info's magic at 0x8000_1000, then fail
    // with code 3 (so the exit carries a code).
    let mut code = vec![
        auipc(S0, 1), // 0x8000_1000
        sd(S0, A0, 0),
        sd(S0, A1, 8),
        sd(S0, A2, 16),
        ld(T0, A2, 0),
        sd(S0, T0, 24),
        lui(T0, 0x100),
        lui(T1, 0x33), // 0x0003_3333: fail, code 3
        addi(T1, T1, 0x333),
    ];
    code.push(sw(T0, T1, 0));
    code.push(jal(0, 0));
    let (mut virt, _) = board(&program(&code), Clock::deterministic(0));
    assert_eq!(run_to_exit(&mut virt, 10), VirtExit::PowerOff { code: 3 });
    let mut buf = [0u8; 32];
    virt.space_mut().dma_read(0x8000_1000, &mut buf).unwrap();
    let d = |i: usize| u64::from_le_bytes(buf[8 * i..8 * i + 8].try_into().unwrap());
    let fdt = virt.layout().fdt;
    assert_eq!([d(0), d(1), d(2), d(3)], [0, fdt, 0x1028, 0x4942_534f]);
    // The device tree is there, with its magic.
    let mut magic = [0u8; 4];
    virt.space_mut().dma_read(fdt, &mut magic).unwrap();
    assert_eq!(magic, [0xd0, 0x0d, 0xfe, 0xed]);
    assert_eq!(fdt, 0x83e0_0000);
}

#[test]
fn the_clint_timer_interrupts_a_waiting_hart() {
    // mtvec = handler; mtimecmp = mtime + 1000; mie.MTIE; mstatus.MIE;
    // wfi. The handler powers off.
    let handler = 4 * 15;
    let mut code = vec![
        auipc(T0, 0), // 0x8000_0000
        addi(T0, T0, handler),
        csrrw(0, 0x305, T0), // mtvec
        lui(S0, 0x2004),     // mtimecmp at 0x200_4000
        lui(T0, 0x200c),
        ld(T0, T0, -8), // mtime at 0x200_bff8
        addi(T0, T0, 1000),
        sd(S0, T0, 0),
        addi(T0, 0, 0x80),
        csrrs(0, 0x304, T0), // mie.MTIE
        addi(T0, 0, 8),
        csrrs(0, 0x300, T0), // mstatus.MIE
        WFI,
        jal(0, -4),
        jal(0, 0),
    ];
    assert_eq!(code.len() * 4, handler as usize);
    code.extend(power_off());
    code.push(sw(T0, T1, 0));
    code.push(MRET);
    let (mut virt, _) = board(&program(&code), Clock::deterministic(0));
    assert_eq!(run_to_exit(&mut virt, 100), VirtExit::PowerOff { code: 0 });
    // The wait was skipped: about 1000 ticks of 100 ns passed.
    assert!(virt.clock().now() >= 100_000, "{}", virt.clock().now());
    assert!(virt.stats().insns < 1000);
}

#[test]
fn uart_input_reaches_the_hart_through_the_plic() {
    // PLIC: source 10 priority 1, enabled for context 0 (M), threshold
    // 0; UART IER.ERBFI; mie.MEIE, mstatus.MIE; wfi. The handler claims,
    // reads the byte, echoes it, completes, powers off.
    let handler = 4 * 24;
    let mut code = vec![
        auipc(T0, 0), // 0x8000_0000
        addi(T0, T0, handler),
        csrrw(0, 0x305, T0), // mtvec
        lui(S0, 0xc000),     // PLIC
        addi(T0, 0, 1),
        sw(S0, T0, 4 * 10), // priority[10] = 1
        lui(T1, 0xc002),
        addi(T0, 0, 1 << 10),
        sw(T1, T0, 0), // enable[ctx 0] bit 10
        lui(S0, 0x10000),
        addi(T0, 0, 1),
        sb(S0, T0, 1), // IER.ERBFI
        lui(T0, 0x1),
        addi(T0, T0, -0x800), // 0x800: MEIE
        csrrs(0, 0x304, T0),
        addi(T0, 0, 8),
        csrrs(0, 0x300, T0), // mstatus.MIE
        WFI,
        jal(0, -4),
    ];
    while code.len() * 4 < handler as usize {
        code.push(jal(0, 0));
    }
    code.extend([
        lui(T1, 0xc200),
        lw_(A0, T1, 4), // claim
        lbu(A1, S0, 0), // the byte
        sb(S0, A1, 0),  // echo
        sw(T1, A0, 4),  // complete
    ]);
    code.extend(power_off());
    code.push(sw(T0, T1, 0));
    code.push(MRET);
    let (mut virt, out) = board(&program(&code), Clock::deterministic(0));
    let mut exit = VirtExit::Running;
    for _ in 0..100 {
        exit = virt.run(10_000);
        if exit != VirtExit::Running {
            break;
        }
    }
    assert_eq!(exit, VirtExit::Halted { wait_ns: None }, "pc {:#x}", virt.state().pc());
    virt.push_input(b"x");
    assert_eq!(run_to_exit(&mut virt, 10), VirtExit::PowerOff { code: 0 });
    assert_eq!(&*out.0.lock(), b"x");
}

fn lw_(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x03, 2, rd, rs1, imm)
}

#[test]
fn images_that_do_not_fit_are_refused() {
    let config = VirtConfig { ram_size: 16 << 20, ..VirtConfig::default() };
    let big = vec![0u8; 17 << 20];
    let images = Images { kernel: Some(&big), ..Images::default() };
    let e = Virt::new(&config, images, Box::new(wemu_dev_common::NullBackend), Vec::new(), Clock::deterministic(0))
        .unwrap_err();
    assert!(matches!(e, VirtError::DoesNotFit { what: "kernel", .. } | VirtError::Overlap { .. }), "{e}");
    let images = Images { kernel: Some(b"\x7fELF...."), ..Images::default() };
    let e = Virt::new(&config, images, Box::new(wemu_dev_common::NullBackend), Vec::new(), Clock::deterministic(0))
        .unwrap_err();
    assert!(matches!(e, VirtError::Format { what: "kernel", .. }), "{e}");
    let bad = VirtConfig { ram_size: 3 << 19, ..VirtConfig::default() };
    let e =
        Virt::new(&bad, Images::default(), Box::new(wemu_dev_common::NullBackend), Vec::new(), Clock::deterministic(0));
    assert!(matches!(e, Err(VirtError::BadRamSize(_))));
}

/// The address space as a virtio driver sees it: one slot's registers,
/// and RAM (both at once, as the driver helpers want them).
struct Both<'a>(core::cell::RefCell<&'a mut AddressSpace>);
struct Regs<'b, 'a>(&'b Both<'a>, u64);
struct Ram<'b, 'a>(&'b Both<'a>);

impl wemu_dev_common::MmioDevice for Regs<'_, '_> {
    fn read(&mut self, offset: u64, size: wemu_ir::MemSize) -> Result<u64, wemu_softmmu::BusError> {
        self.0.0.borrow_mut().read(self.1 + offset, size)
    }
    fn write(&mut self, offset: u64, size: wemu_ir::MemSize, value: u64) -> Result<(), wemu_softmmu::BusError> {
        self.0.0.borrow_mut().write(self.1 + offset, size, value)
    }
}

impl wemu_dev_virtio::GuestRam for Ram<'_, '_> {
    fn read(&mut self, gpa: u64, buf: &mut [u8]) -> Result<(), wemu_softmmu::BusError> {
        self.0.0.borrow_mut().dma_read(gpa, buf)
    }
    fn write(&mut self, gpa: u64, buf: &[u8]) -> Result<(), wemu_softmmu::BusError> {
        self.0.0.borrow_mut().dma_write(gpa, buf)
    }
}

#[test]
fn a_virtio_notification_is_processed_and_interrupts_through_the_plic() {
    use wemu_dev_virtio::driver::{self, DriverQueue};
    use wemu_dev_virtio_rng::Xoshiro256StarStar;

    // The hart just waits (no interrupt enabled): only the board works.
    let code = program(&[WFI, jal(0, -4)]);
    let config = VirtConfig { ram_size: 64 << 20, ..VirtConfig::default() };
    let images = Images { kernel: Some(&code), ..Images::default() };
    let disk = wemu_dev_virtio_blk::VecBackend::new(vec![0x5a; 4096]);
    let virtio = vec![
        VirtioDev::Blk { backend: Box::new(disk), serial: b"disk0".to_vec() },
        VirtioDev::Rng(Box::new(Xoshiro256StarStar::new(1))),
    ];
    let mut virt =
        Virt::new(&config, images, Box::new(wemu_dev_common::NullBackend), virtio, Clock::deterministic(0)).unwrap();
    assert!(matches!(virt.run(1000), VirtExit::Halted { wait_ns: None }));

    // Slot 1 (the entropy source): one 16-byte request.
    let rings = 0x8100_0000;
    let buf = 0x8200_0000;
    let mut q = {
        let both = Both(core::cell::RefCell::new(virt.space_mut()));
        let (mut regs, mut ram) = (Regs(&both, virtio_base(1)), Ram(&both));
        assert_eq!(driver::read32(&mut regs, 0x8), 4, "device id");
        driver::init(&mut regs, 0).unwrap();
        let mut q = DriverQueue::setup(&mut regs, &mut ram, 0, 16, rings).unwrap();
        driver::driver_ok(&mut regs);
        q.add(&mut ram, &[(buf, 16, true)]).unwrap();
        q.notify(&mut regs);
        q
    };
    // The board serves the notification at its next run and raises PLIC
    // source 2 (slot 1).
    assert!(matches!(virt.run(1000), VirtExit::Halted { .. }));
    let space = virt.space_mut();
    assert_eq!(q.pop_used(space), Some((0, 16)));
    let pending = space.read(PLIC_BASE + wemu_dev_plic::PENDING_BASE, wemu_ir::MemSize::B4).unwrap();
    assert_eq!(pending, 1 << (VIRTIO_IRQ + 1));
    let mut random = [0u8; 16];
    space.dma_read(buf, &mut random).unwrap();
    assert_ne!(random, [0; 16]);
}

#[test]
fn the_device_tree_lists_the_virtio_slots_in_use() {
    let code = program(&[jal(0, 0)]);
    let config = VirtConfig { ram_size: 64 << 20, ..VirtConfig::default() };
    let images = Images { kernel: Some(&code), ..Images::default() };
    let virtio = vec![VirtioDev::Rng(Box::new(wemu_dev_virtio_rng::Xoshiro256StarStar::new(1)))];
    let virt =
        Virt::new(&config, images, Box::new(wemu_dev_common::NullBackend), virtio, Clock::deterministic(0)).unwrap();
    let has = |s: &[u8]| virt.fdt().windows(s.len()).any(|w| w == s);
    assert!(has(b"virtio_mmio@10001000\0"));
    assert!(!has(b"virtio_mmio@10002000\0"));
    assert!(has(b"serial@10000000\0") && has(b"plic@c000000\0") && has(b"clint@2000000\0"));
    assert!(has(wemu_guest_riscv64::isa::ISA_STRING.as_bytes()));
}

fn b_type(f3: u32, rs1: u32, rs2: u32, off: i32) -> u32 {
    let o = off as u32;
    ((o >> 12 & 1) << 31)
        | ((o >> 5 & 0x3f) << 25)
        | (rs2 << 20)
        | (rs1 << 15)
        | (f3 << 12)
        | ((o >> 1 & 0xf) << 8)
        | ((o >> 11 & 1) << 7)
        | 0x63
}
fn beq(rs1: u32, rs2: u32, off: i32) -> u32 {
    b_type(0, rs1, rs2, off)
}
fn bne(rs1: u32, rs2: u32, off: i32) -> u32 {
    b_type(1, rs1, rs2, off)
}
fn amoadd_d(rd: u32, rs2: u32, rs1: u32) -> u32 {
    (rs2 << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x2f
}
fn slli(rd: u32, rs1: u32, sh: i32) -> u32 {
    i_type(0x13, 1, rd, rs1, sh)
}
fn add(rd: u32, rs1: u32, rs2: u32) -> u32 {
    (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33
}

/// Three harts add 600 each to one counter with `amoadd.d`; hart 0 sends
/// the others an IPI through the ACLINT's `msip`; each of them, woken
/// from WFI, stores its hart id (from the ROM's `a0`) in its own slot;
/// hart 0 waits for the total and the slots and powers off.
fn smp_program() -> Vec<u8> {
    let mut code = vec![
        auipc(S0, 1), // 0: s0 = 0x8000_1000: the counter, then a slot per hart
        addi(T1, 0, 600),
        addi(A2, 0, 1),
        amoadd_d(0, A2, S0), // 3: loop
        addi(T1, T1, -1),
        bne(T1, 0, -8),
        beq(A0, 0, 4 * 9), // 6: hart 0 goes to 15
        addi(T0, 0, 8),
        csrrs(0, 0x304, T0), // mie.MSIE
        WFI,
        slli(T0, A0, 3), // 10
        add(T0, T0, S0),
        sd(T0, A0, 0), // slot[a0] = a0
        WFI,           // 13: park
        jal(0, -4),
        lui(T0, 0x2000), // 15: msip[1] = msip[2] = 1
        sw(T0, A2, 4),
        sw(T0, A2, 8),
        ld(T0, S0, 0), // 18: wait for the total
        addi(T1, 0, 1800),
        bne(T0, T1, -8),
        ld(T0, S0, 8), // 21: wait for hart 1
        beq(T0, 0, -4),
        ld(T0, S0, 16), // 23: and hart 2
        beq(T0, 0, -4),
    ];
    code.extend(power_off());
    code.push(sw(T0, T1, 0));
    code.push(jal(0, 0));
    program(&code)
}

/// A host clock that never moves (real-time mode without waits).
struct FrozenHost;

impl wemu_exec::HostClock for FrozenHost {
    fn now_ns(&self) -> u64 {
        0
    }
}

fn smp_board(code: &[u8], harts: u32, clock: Clock) -> Result<Virt, VirtError> {
    let config = VirtConfig { ram_size: 64 << 20, ..VirtConfig::default() };
    let images = Images { kernel: Some(code), ..Images::default() };
    Virt::with_harts(&config, harts, images, Box::new(Out::default()), Vec::new(), clock, None)
}

#[test]
fn three_harts_share_memory_atomics_and_ipis() {
    for clock in [Clock::deterministic(0), Clock::real_time(Box::new(FrozenHost))] {
        let mut virt = smp_board(&smp_program(), 3, clock).unwrap();
        assert_eq!(virt.harts(), 3);
        assert_eq!(run_to_exit(&mut virt, 1000), VirtExit::PowerOff { code: 0 });
        let mut buf = [0u8; 24];
        virt.space_mut().dma_read(0x8000_1000, &mut buf).unwrap();
        let d = |i: usize| u64::from_le_bytes(buf[8 * i..8 * i + 8].try_into().unwrap());
        assert_eq!([d(0), d(1), d(2)], [1800, 1, 2]);
        for h in 0..3 {
            assert!(virt.hart_stats(h).unwrap().insns >= 1800, "hart {h} ran");
        }
    }
}

#[test]
fn deterministic_smp_runs_do_not_depend_on_the_host_slices() {
    let run = |slice: u64| {
        let mut virt = smp_board(&smp_program(), 3, Clock::deterministic(0)).unwrap();
        loop {
            match virt.run(slice) {
                VirtExit::Running => {}
                VirtExit::PowerOff { code: 0 } => break,
                e => panic!("{e:?}"),
            }
        }
        (0..3).map(|h| virt.hart_stats(h).unwrap().insns).collect::<Vec<_>>()
    };
    let a = run(10_000);
    assert_eq!(a, run(7));
    assert_eq!(a, run(1 << 20));
}

#[test]
fn hart_counts_and_the_device_tree() {
    for bad in [0, MAX_HARTS + 1] {
        assert_eq!(smp_board(&smp_program(), bad, Clock::deterministic(0)).err(), Some(VirtError::BadHarts(bad)));
    }
    let virt = smp_board(&smp_program(), MAX_HARTS, Clock::deterministic(0)).unwrap();
    let has = |s: &[u8]| virt.fdt().windows(s.len()).any(|w| w == s);
    assert!(has(b"cpu@7\0") && !has(b"cpu@8\0"));
}

fn lr_d(rd: u32, rs1: u32) -> u32 {
    (0b00010 << 27) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x2f
}
fn sc_d(rd: u32, rs2: u32, rs1: u32) -> u32 {
    (0b00011 << 27) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x2f
}

/// Another hart's store between an LR and its SC makes the SC fail (the
/// rule a single-hart ISA test cannot show): hart 0 reserves, lets hart 1
/// store to the reserved doubleword, then tries its SC.
#[test]
fn another_harts_store_breaks_a_reservation() {
    const A3: u32 = 13;
    let mut code = vec![
        auipc(S0, 1), // 0: s0 = 0x8000_1000
        addi(A2, 0, 1),
        bne(A0, 0, 4 * 8), // 2: hart 1 goes to 10
        lr_d(A0, S0),      // 3
        sd(S0, A2, 8),     // go
        ld(T0, S0, 16),    // 5: wait for hart 1's store
        beq(T0, 0, -4),
        sc_d(A3, A2, S0), // 7
        sd(S0, A3, 24),
        jal(0, 4 * 8),  // 9: to 17
        ld(T0, S0, 8),  // 10: hart 1 waits for go
        beq(T0, 0, -4), //
        addi(T1, 0, 5),
        sd(S0, T1, 0), // the store
        sd(S0, A2, 16),
        WFI, // 15
        jal(0, -4),
    ];
    code.extend(power_off()); // 17
    code.push(sw(T0, T1, 0));
    code.push(jal(0, 0));
    let mut virt = smp_board(&program(&code), 2, Clock::deterministic(0)).unwrap();
    assert_eq!(run_to_exit(&mut virt, 1000), VirtExit::PowerOff { code: 0 });
    let mut buf = [0u8; 32];
    virt.space_mut().dma_read(0x8000_1000, &mut buf).unwrap();
    let d = |i: usize| u64::from_le_bytes(buf[8 * i..8 * i + 8].try_into().unwrap());
    assert_eq!((d(0), d(3)), (5, 1), "hart 1's value stays and the SC fails");
}
