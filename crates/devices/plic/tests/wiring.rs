//! The wiring model of `wemu-dev-common`, end to end: a UART's line drives
//! PLIC source 10 through a closure over a shared PLIC, and the PLIC's
//! context lines land in an `IrqLevels` the vCPU loop would read.

use std::sync::{Arc, Mutex};

use wemu_dev_common::{BufferBackend, IrqLevels, MemSize, MmioDevice};
use wemu_dev_plic::{CONTEXT_BASE, CONTEXT_CLAIM, CONTEXT_STRIDE, ENABLE_BASE, ENABLE_STRIDE, Plic};
use wemu_dev_uart16550::{IER, IER_ERBFI, RBR, Uart16550};

const UART_IRQ: u32 = 10;

#[test]
fn uart_interrupt_reaches_the_hart_through_the_plic() {
    // Hart 0: context 0 is MEIP (bit 0), context 1 SEIP (bit 1).
    let mip = IrqLevels::new(2);
    let plic = Arc::new(Mutex::new(Plic::virt(1, mip.clone())));
    let line = {
        let plic = plic.clone();
        move |level| plic.lock().unwrap().set_source(UART_IRQ, level)
    };
    let mut uart = Uart16550::new(BufferBackend::new(), line);

    // The kernel (S-mode, context 1) enables the UART's source.
    {
        let mut p = plic.lock().unwrap();
        p.write(4 * u64::from(UART_IRQ), MemSize::B4, 1).unwrap();
        p.write(ENABLE_BASE + ENABLE_STRIDE, MemSize::B4, 1 << UART_IRQ).unwrap();
    }
    uart.write(IER, MemSize::B1, u64::from(IER_ERBFI)).unwrap();
    assert_eq!(mip.word(0), 0);

    // A key press.
    assert!(uart.receive(b'k'));
    assert_eq!(mip.word(0), 0b10, "SEIP");

    // The handler: claim, service the UART, complete.
    let claim = CONTEXT_BASE + CONTEXT_STRIDE + CONTEXT_CLAIM;
    assert_eq!(plic.lock().unwrap().read(claim, MemSize::B4), Ok(u64::from(UART_IRQ)));
    assert_eq!(mip.word(0), 0);
    assert_eq!(uart.read(RBR, MemSize::B1), Ok(u64::from(b'k')));
    plic.lock().unwrap().write(claim, MemSize::B4, u64::from(UART_IRQ)).unwrap();
    assert_eq!(mip.word(0), 0, "the UART's line is low: nothing new");
}
