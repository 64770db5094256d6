use alloc::vec;
use alloc::vec::Vec;

use wemu_dev_common::{BufferBackend, IrqLevels, MemSize, MmioDevice, SinkLine};

use super::*;
use wemu_dev_common::XorShift;

type TestUart = Uart16550<BufferBackend, SinkLine<IrqLevels>>;

fn uart() -> (TestUart, IrqLevels) {
    let irq = IrqLevels::new(1);
    (Uart16550::new(BufferBackend::new(), irq.line(0)), irq)
}

fn rd(u: &mut TestUart, reg: u64) -> u8 {
    u.read(reg, MemSize::B1).unwrap() as u8
}

fn wr(u: &mut TestUart, reg: u64, v: u8) {
    u.write(reg, MemSize::B1, u64::from(v)).unwrap()
}

/// Linux's 8250 set-up as `serial8250_do_startup` and `set_termios` do it
/// on a 16550A, then console output driven by the THRE interrupt.
#[test]
fn linux_probe_and_transmit() {
    let (mut u, irq) = uart();
    // Scratch register test.
    wr(&mut u, SCR, 0xa5);
    assert_eq!(rd(&mut u, SCR), 0xa5);
    // IER holds four bits.
    wr(&mut u, IER, 0xff);
    assert_eq!(rd(&mut u, IER), 0x0f);
    wr(&mut u, IER, 0);
    // Divisor for 115200 baud at 1.8432 MHz, 8N1.
    wr(&mut u, LCR, LCR_DLAB);
    wr(&mut u, DLL, 1);
    wr(&mut u, DLM, 0);
    assert_eq!((rd(&mut u, DLL), rd(&mut u, DLM)), (1, 0));
    wr(&mut u, LCR, 0x03);
    assert_eq!(rd(&mut u, IER), 0, "DLM writes must not reach IER");
    // FIFOs on and cleared, trigger at 1 byte.
    wr(&mut u, FCR, FCR_FIFO_ENABLE | FCR_RX_RESET | FCR_TX_RESET);
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_NO_INT);
    wr(&mut u, MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
    assert_eq!(rd(&mut u, LSR), LSR_THRE | LSR_TEMT);
    assert!(!irq.level(0));

    // Linux's THRE test: enabling ETBEI on an empty THR interrupts.
    wr(&mut u, IER, IER_ETBEI);
    assert!(irq.level(0));
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_THRE);
    assert!(!irq.level(0), "reading IIR clears THRE");
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_NO_INT);
    wr(&mut u, IER, 0);
    wr(&mut u, IER, IER_ETBEI);
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_THRE);

    // The TX interrupt handler fills THR; each write empties at once.
    for &b in b"hello\n" {
        assert_ne!(rd(&mut u, LSR) & LSR_THRE, 0);
        wr(&mut u, THR, b);
        assert!(irq.level(0), "THR empties again: THRE is pending");
    }
    assert_eq!(u.backend().output(), b"hello\n");
    // Nothing more to send: the driver stops TX.
    wr(&mut u, IER, 0);
    assert!(!irq.level(0));
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_NO_INT);
}

/// Receive with the FIFO: data-available at the trigger level, character
/// timeout below it, priority over THRE.
#[test]
fn receive_interrupt_flow() {
    let (mut u, irq) = uart();
    wr(&mut u, FCR, FCR_FIFO_ENABLE | 0x80); // trigger level 8
    wr(&mut u, IER, IER_ERBFI | IER_ETBEI);
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_THRE);
    assert!(!irq.level(0));

    for b in 0..3 {
        assert!(u.receive(b'a' + b));
    }
    assert!(irq.level(0));
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_CTI);
    for b in 3..8 {
        assert!(u.receive(b'a' + b));
    }
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_RDA);
    // The driver reads while LSR.DR is set.
    let mut got = Vec::new();
    while rd(&mut u, LSR) & LSR_DR != 0 {
        got.push(rd(&mut u, RBR));
    }
    assert_eq!(got, b"abcdefgh");
    assert!(!irq.level(0));
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_NO_INT);
    // Reading an empty RBR is harmless.
    assert_eq!(rd(&mut u, RBR), 0);
}

#[test]
fn fifo_depth_and_non_fifo_mode() {
    let (mut u, _irq) = uart();
    // Reset state: no FIFO, one byte.
    assert!(u.receive(1));
    assert!(!u.receive(2), "a full receiver refuses input");
    assert_eq!(rd(&mut u, IIR), IIR_NO_INT);
    wr(&mut u, FCR, FCR_FIFO_ENABLE);
    assert_eq!(rd(&mut u, LSR) & LSR_DR, 0, "enabling the FIFOs clears them");
    for i in 0..RX_FIFO_SIZE {
        assert!(u.receive(i as u8));
    }
    assert!(!u.receive(0xff));
    assert_eq!(rd(&mut u, RBR), 0);
    assert!(u.receive(0xff));
    wr(&mut u, FCR, FCR_FIFO_ENABLE | FCR_RX_RESET);
    assert_eq!(rd(&mut u, LSR) & LSR_DR, 0);
    // No interrupt source enabled: the line stays low throughout.
    assert!(!u.irq_level());
}

/// OpenSBI's uart8250 getc: poll LSR.DR, read RBR; input comes from the
/// backend without the host pushing it.
#[test]
fn polled_input_from_the_backend() {
    let (mut u, _irq) = uart();
    wr(&mut u, FCR, FCR_FIFO_ENABLE);
    u.backend_mut().push_input(b"ok");
    let mut got = Vec::new();
    while rd(&mut u, LSR) & LSR_DR != 0 {
        got.push(rd(&mut u, RBR));
    }
    assert_eq!(got, b"ok");
    assert_eq!(u.backend().pending_input(), 0);

    u.backend_mut().push_input(&[7; 20]);
    assert_eq!(u.poll_input(), RX_FIFO_SIZE);
    assert_eq!(u.backend().pending_input(), 4);
}

#[test]
fn loopback_line_status_and_modem_status() {
    let (mut u, irq) = uart();
    wr(&mut u, FCR, FCR_FIFO_ENABLE);
    wr(&mut u, MCR, MCR_LOOP);
    assert_eq!(rd(&mut u, MSR) & 0xf0, 0, "loopback: MSR follows MCR (all low)");
    assert!(!u.receive(b'x'), "the serial input is disconnected in loopback");
    wr(&mut u, IER, IER_ELSI | IER_EDSSI);
    wr(&mut u, MCR, MCR_LOOP | MCR_RTS | MCR_OUT2);
    assert!(irq.level(0));
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_MS);
    assert_eq!(rd(&mut u, MSR), MSR_CTS | MSR_DCD | MSR_DCTS | MSR_DDCD);
    assert!(!irq.level(0), "reading MSR clears the deltas");

    for i in 0..RX_FIFO_SIZE as u8 {
        wr(&mut u, THR, i);
    }
    assert!(!irq.level(0));
    wr(&mut u, THR, 0xee); // overrun
    assert!(irq.level(0));
    assert_eq!(rd(&mut u, IIR), IIR_FIFO_ENABLED | IIR_RLS);
    assert_eq!(rd(&mut u, LSR), LSR_OE | LSR_DR | LSR_THRE | LSR_TEMT);
    assert!(!irq.level(0), "reading LSR clears the error");
    let got: Vec<u8> = (0..RX_FIFO_SIZE).map(|_| rd(&mut u, RBR)).collect();
    assert_eq!(got, (0..RX_FIFO_SIZE as u8).collect::<Vec<_>>());
    assert!(u.backend().output().is_empty());

    // Bytes pass whole whatever the word length.
    wr(&mut u, LCR, 0x00);
    wr(&mut u, THR, 0xff);
    assert_eq!(rd(&mut u, RBR), 0xff);
    // Leaving loopback: the host is ready again.
    wr(&mut u, MCR, 0);
    assert_eq!(rd(&mut u, MSR) & 0xf0, MSR_DCD | MSR_DSR | MSR_CTS);
}

#[test]
fn wide_and_out_of_window_accesses() {
    let (mut u, _irq) = uart();
    wr(&mut u, SCR, 0x42);
    assert_eq!(u.read(SCR, MemSize::B4), Ok(0x42));
    u.write(SCR, MemSize::B8, 0xdead_beef_0000_0017).unwrap();
    assert_eq!(rd(&mut u, SCR), 0x17);
    assert_eq!(u.read(8, MemSize::B1), Ok(0));
    assert_eq!(u.read(u64::MAX, MemSize::B8), Ok(0));
    assert_eq!(u.write(0x100, MemSize::B4, 1), Ok(()));
}

/// A short script of guest and host actions, recording everything seen.
fn script(u: &mut TestUart, irq: &IrqLevels) -> Vec<u64> {
    let mut seen = Vec::new();
    for &(reg, v) in &[(IER, 0x0f), (THR, b'q'), (MCR, 0x1f), (THR, 1), (THR, 2), (MCR, 0x0b), (FCR, 0x41)] {
        u.write(reg, MemSize::B1, u64::from(v)).unwrap();
        seen.push(u64::from(irq.level(0)));
    }
    for b in 0..6 {
        seen.push(u64::from(u.receive(b)));
    }
    for reg in [IIR, LSR, MSR, RBR, IIR, RBR, RBR, IIR, LSR, SCR, LCR] {
        seen.push(u.read(reg, MemSize::B1).unwrap());
        seen.push(u64::from(irq.level(0)));
    }
    seen.extend(u.backend().output().iter().map(|&b| u64::from(b)));
    seen
}

#[test]
fn save_restore_behaves_identically() {
    let (mut a, irq_a) = uart();
    wr(&mut a, LCR, LCR_DLAB);
    wr(&mut a, DLL, 12);
    wr(&mut a, LCR, 0x03);
    wr(&mut a, FCR, FCR_FIFO_ENABLE | 0x40);
    wr(&mut a, SCR, 9);
    wr(&mut a, IER, IER_ERBFI);
    a.receive(b'r');
    a.receive(b's');
    assert!(irq_a.level(0));

    let state = a.state();
    let irq_b = IrqLevels::new(1);
    let mut b = Uart16550::from_state(&state, BufferBackend::new(), irq_b.line(0));
    assert!(irq_b.level(0), "restoring drives the line");
    assert_eq!(b.state(), state);
    a.backend_mut().take_output();
    assert_eq!(script(&mut a, &irq_a), script(&mut b, &irq_b));
    assert_eq!(a.state(), b.state());
}

#[test]
fn random_accesses_never_panic() {
    let mut rng = XorShift(0x0016_550a);
    let sizes = [MemSize::B1, MemSize::B2, MemSize::B4, MemSize::B8];
    for round in 0..50 {
        let (mut u, irq) = uart();
        for _ in 0..2000 {
            let r = rng.next();
            let offset = if r & 1 == 0 { r >> 8 & 0xf } else { rng.next() };
            let size = sizes[(r >> 4 & 3) as usize];
            if r >> 2 & 1 == 0 {
                let _ = u.read(offset, size);
            } else {
                let _ = u.write(offset, size, rng.next());
            }
            if r >> 3 & 7 == 0 {
                u.receive(r as u8);
            }
            assert_eq!(u.irq_level(), irq.level(0));
        }
        // Random state from an untrusted snapshot.
        let v = rng.next().to_le_bytes();
        let state = Uart16550State {
            dll: v[0],
            dlm: v[1],
            ier: v[2],
            fcr: v[3],
            lcr: v[4],
            mcr: v[5],
            lsr_errors: v[6],
            msr_deltas: v[7],
            scr: round,
            rx_fifo: vec![round; (rng.next() % 40) as usize],
            thre_pending: v[0] & 1 != 0,
        };
        let mut u = Uart16550::from_state(&state, BufferBackend::new(), NoIrqLine);
        assert!(u.state().rx_fifo.len() <= RX_FIFO_SIZE);
        for reg in 0..8 {
            let _ = u.read(reg, MemSize::B1);
        }
    }
}

#[derive(Debug)]
struct NoIrqLine;

impl IrqLine for NoIrqLine {
    fn set(&mut self, _: bool) {}
}
