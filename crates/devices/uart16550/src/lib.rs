//! The NS16550A UART as QEMU's riscv64 `virt` board exposes it: eight
//! byte-wide registers (`reg-shift` 0) at 0x1000_0000, compatible
//! `ns16550a`, driven by Linux's 8250 driver and OpenSBI's uart8250 driver.
//!
//! Modelled after the TI/National PC16550D datasheet:
//!
//! * registers RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR, and the
//!   divisor latch DLL/DLM behind LCR.DLAB;
//! * FIFO mode with a 16-byte receive FIFO and its trigger levels (1, 4, 8,
//!   14); outside FIFO mode the receiver holds one byte;
//! * interrupts in the datasheet's priority order (IIR, table 4): receiver
//!   line status, received data available / character timeout, transmitter
//!   holding register empty, modem status; one output line, level-high
//!   while IIR reports an interrupt;
//! * loopback (MCR.LOOP): transmitted bytes come back to the receiver, MSR
//!   reflects MCR, and a byte arriving at a full FIFO is an overrun.
//!
//! What is not modelled, on purpose: line timing. A byte written to THR is
//! sent to the [`CharBackend`] at once, so THR and the transmitter are
//! always empty (LSR.THRE and LSR.TEMT stay set) and the THRE interrupt
//! comes back right after every THR write. The character timeout
//! interrupt (data in the FIFO below the trigger level) is reported at
//! once rather than after four character times; Linux treats it like a
//! data-available interrupt. The divisor and line format (LCR) are stored
//! and read back but change nothing: bytes pass whole whatever the word
//! length, as on QEMU, so a bare-metal test that never programs LCR (reset
//! value: 5-bit words) still prints. Input from the host is never lost: [`Uart16550::receive`]
//! refuses a byte while the FIFO is full, and the host offers it again.
//!
//! Guest accesses never panic: offsets 8 and up read 0 and ignore writes;
//! an access wider than a byte reaches the register at its offset and
//! carries the low byte (so a 32-bit read of RBR does not also read IER).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use wemu_dev_common::{BusError, CharBackend, IrqLine, MemSize, MmioDevice};

#[cfg(test)]
mod tests;

/// Size of the register window.
pub const WINDOW_SIZE: u64 = 8;
/// Depth of the receive FIFO.
pub const RX_FIFO_SIZE: usize = 16;

// Register offsets (reg-shift 0).
/// Receiver buffer (read, DLAB = 0).
pub const RBR: u64 = 0;
/// Transmitter holding register (write, DLAB = 0).
pub const THR: u64 = 0;
/// Divisor latch, low byte (DLAB = 1).
pub const DLL: u64 = 0;
/// Interrupt enable (DLAB = 0).
pub const IER: u64 = 1;
/// Divisor latch, high byte (DLAB = 1).
pub const DLM: u64 = 1;
/// Interrupt identification (read).
pub const IIR: u64 = 2;
/// FIFO control (write).
pub const FCR: u64 = 2;
/// Line control.
pub const LCR: u64 = 3;
/// Modem control.
pub const MCR: u64 = 4;
/// Line status.
pub const LSR: u64 = 5;
/// Modem status.
pub const MSR: u64 = 6;
/// Scratch.
pub const SCR: u64 = 7;

// IER bits.
/// Enable received data available (and character timeout) interrupt.
pub const IER_ERBFI: u8 = 1 << 0;
/// Enable transmitter holding register empty interrupt.
pub const IER_ETBEI: u8 = 1 << 1;
/// Enable receiver line status interrupt.
pub const IER_ELSI: u8 = 1 << 2;
/// Enable modem status interrupt.
pub const IER_EDSSI: u8 = 1 << 3;

// IIR values (bit 0 set: nothing pending; bits 7:6 set in FIFO mode).
pub const IIR_NO_INT: u8 = 0x01;
pub const IIR_RLS: u8 = 0x06;
pub const IIR_RDA: u8 = 0x04;
pub const IIR_CTI: u8 = 0x0c;
pub const IIR_THRE: u8 = 0x02;
pub const IIR_MS: u8 = 0x00;
pub const IIR_FIFO_ENABLED: u8 = 0xc0;

// FCR bits.
pub const FCR_FIFO_ENABLE: u8 = 1 << 0;
pub const FCR_RX_RESET: u8 = 1 << 1;
pub const FCR_TX_RESET: u8 = 1 << 2;
pub const FCR_DMA_MODE: u8 = 1 << 3;
pub const FCR_TRIGGER_MASK: u8 = 0xc0;

// LCR bits.
pub const LCR_WORD_LENGTH_MASK: u8 = 0x03;
pub const LCR_DLAB: u8 = 1 << 7;

// MCR bits.
pub const MCR_DTR: u8 = 1 << 0;
pub const MCR_RTS: u8 = 1 << 1;
pub const MCR_OUT1: u8 = 1 << 2;
pub const MCR_OUT2: u8 = 1 << 3;
pub const MCR_LOOP: u8 = 1 << 4;

// LSR bits.
pub const LSR_DR: u8 = 1 << 0;
pub const LSR_OE: u8 = 1 << 1;
pub const LSR_PE: u8 = 1 << 2;
pub const LSR_FE: u8 = 1 << 3;
pub const LSR_BI: u8 = 1 << 4;
pub const LSR_THRE: u8 = 1 << 5;
pub const LSR_TEMT: u8 = 1 << 6;
/// The error bits, cleared by reading LSR.
const LSR_ERRORS: u8 = LSR_OE | LSR_PE | LSR_FE | LSR_BI;

// MSR bits.
pub const MSR_DCTS: u8 = 1 << 0;
pub const MSR_DDSR: u8 = 1 << 1;
pub const MSR_TERI: u8 = 1 << 2;
pub const MSR_DDCD: u8 = 1 << 3;
pub const MSR_CTS: u8 = 1 << 4;
pub const MSR_DSR: u8 = 1 << 5;
pub const MSR_RI: u8 = 1 << 6;
pub const MSR_DCD: u8 = 1 << 7;
const MSR_DELTAS: u8 = 0x0f;

/// The modem inputs outside loopback: the host side is always ready
/// (carrier, data set ready, clear to send), as on QEMU.
const MSR_HOST_STATUS: u8 = MSR_DCD | MSR_DSR | MSR_CTS;

/// The guest-visible state of a [`Uart16550`], as plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Uart16550State {
    pub dll: u8,
    pub dlm: u8,
    /// Low four bits only.
    pub ier: u8,
    /// FIFO enable, DMA mode and trigger bits (the reset bits are
    /// self-clearing).
    pub fcr: u8,
    pub lcr: u8,
    /// Low five bits only.
    pub mcr: u8,
    /// The LSR error bits (OE, PE, FE, BI) not yet read; the others are
    /// derived.
    pub lsr_errors: u8,
    /// The MSR delta bits (low nibble) not yet read; the status bits are
    /// derived from MCR and the loopback mode.
    pub msr_deltas: u8,
    pub scr: u8,
    /// Received bytes not yet read, oldest first (at most
    /// [`RX_FIFO_SIZE`]).
    pub rx_fifo: Vec<u8>,
    /// The THRE interrupt is pending (cleared by reading it from IIR or
    /// writing THR).
    pub thre_pending: bool,
}

/// An NS16550A UART: console bytes through a [`CharBackend`], its interrupt
/// on an [`IrqLine`].
///
/// ```
/// use wemu_dev_common::{BufferBackend, IrqLevels, MemSize, MmioDevice};
/// use wemu_dev_uart16550::{IER, IER_ERBFI, RBR, THR, Uart16550};
///
/// let irq = IrqLevels::new(1);
/// let mut uart = Uart16550::new(BufferBackend::new(), irq.line(0));
/// uart.write(THR, MemSize::B1, u64::from(b'A')).unwrap();
/// assert_eq!(uart.backend().output(), b"A");
///
/// uart.write(IER, MemSize::B1, u64::from(IER_ERBFI)).unwrap();
/// assert!(uart.receive(b'z'));
/// assert!(irq.level(0));
/// assert_eq!(uart.read(RBR, MemSize::B1), Ok(u64::from(b'z')));
/// assert!(!irq.level(0));
/// ```
#[derive(Debug)]
pub struct Uart16550<B, I> {
    backend: B,
    irq: I,
    irq_level: bool,
    dll: u8,
    dlm: u8,
    ier: u8,
    fcr: u8,
    lcr: u8,
    mcr: u8,
    lsr_errors: u8,
    msr_deltas: u8,
    scr: u8,
    rx: VecDeque<u8>,
    thre_pending: bool,
}

impl<B: CharBackend, I: IrqLine> Uart16550<B, I> {
    /// A UART in its reset state (FIFOs off, all interrupts disabled).
    pub fn new(backend: B, irq: I) -> Self {
        Self::from_state(&Uart16550State::default(), backend, irq)
    }

    /// A UART in `state`, which may come from anywhere: out-of-range
    /// fields are trimmed to what the hardware can hold. Drives the
    /// interrupt line to the restored level.
    pub fn from_state(state: &Uart16550State, backend: B, irq: I) -> Self {
        let fcr = if state.fcr & FCR_FIFO_ENABLE != 0 {
            state.fcr & (FCR_FIFO_ENABLE | FCR_DMA_MODE | FCR_TRIGGER_MASK)
        } else {
            0
        };
        let capacity = if fcr & FCR_FIFO_ENABLE != 0 { RX_FIFO_SIZE } else { 1 };
        let rx: VecDeque<u8> = state.rx_fifo.iter().copied().take(capacity).collect();
        let mut uart = Uart16550 {
            backend,
            irq,
            irq_level: false,
            dll: state.dll,
            dlm: state.dlm,
            ier: state.ier & 0x0f,
            fcr,
            lcr: state.lcr,
            mcr: state.mcr & 0x1f,
            lsr_errors: state.lsr_errors & LSR_ERRORS,
            msr_deltas: state.msr_deltas & MSR_DELTAS,
            scr: state.scr,
            rx,
            thre_pending: state.thre_pending,
        };
        uart.irq_level = uart.interrupt_id() != IIR_NO_INT;
        let level = uart.irq_level;
        uart.irq.set(level);
        uart
    }

    /// The state, as plain data.
    pub fn state(&self) -> Uart16550State {
        Uart16550State {
            dll: self.dll,
            dlm: self.dlm,
            ier: self.ier,
            fcr: self.fcr,
            lcr: self.lcr,
            mcr: self.mcr,
            lsr_errors: self.lsr_errors,
            msr_deltas: self.msr_deltas,
            scr: self.scr,
            rx_fifo: self.rx.iter().copied().collect(),
            thre_pending: self.thre_pending,
        }
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// The level of the interrupt output.
    pub fn irq_level(&self) -> bool {
        self.irq_level
    }

    /// Whether the receiver can take another byte from the host (it cannot
    /// while the FIFO is full or in loopback, where the serial input is
    /// disconnected).
    pub fn can_receive(&self) -> bool {
        !self.loopback() && self.rx.len() < self.rx_capacity()
    }

    /// A byte arriving on the serial input. Returns `false`, taking
    /// nothing, when the receiver cannot hold it ([`Self::can_receive`]);
    /// the host keeps the byte and offers it again later.
    pub fn receive(&mut self, byte: u8) -> bool {
        if !self.can_receive() {
            return false;
        }
        self.rx.push_back(byte);
        self.update_irq();
        true
    }

    /// Moves input from the backend into the receive FIFO while there is
    /// room; returns how many bytes moved. The machine calls it when the
    /// host has input; guest reads of LSR and RBR also call it.
    pub fn poll_input(&mut self) -> usize {
        let mut moved = 0;
        while self.can_receive() {
            match self.backend.read() {
                Some(b) => {
                    self.rx.push_back(b);
                    moved += 1;
                }
                None => break,
            }
        }
        if moved != 0 {
            self.update_irq();
        }
        moved
    }

    fn loopback(&self) -> bool {
        self.mcr & MCR_LOOP != 0
    }

    fn fifo_enabled(&self) -> bool {
        self.fcr & FCR_FIFO_ENABLE != 0
    }

    fn rx_capacity(&self) -> usize {
        if self.fifo_enabled() { RX_FIFO_SIZE } else { 1 }
    }

    fn rx_trigger(&self) -> usize {
        match self.fcr >> 6 {
            0 => 1,
            1 => 4,
            2 => 8,
            _ => 14,
        }
    }

    fn dlab(&self) -> bool {
        self.lcr & LCR_DLAB != 0
    }

    fn lsr(&self) -> u8 {
        let dr = if self.rx.is_empty() { 0 } else { LSR_DR };
        // The transmitter is always empty: bytes leave at once.
        self.lsr_errors | dr | LSR_THRE | LSR_TEMT
    }

    /// The MSR status bits (7:4): in loopback they follow MCR (CTS = RTS,
    /// DSR = DTR, RI = OUT1, DCD = OUT2; datasheet 8.6.3).
    fn msr_status_for(mcr: u8) -> u8 {
        if mcr & MCR_LOOP == 0 {
            return MSR_HOST_STATUS;
        }
        let mut s = 0;
        if mcr & MCR_RTS != 0 {
            s |= MSR_CTS;
        }
        if mcr & MCR_DTR != 0 {
            s |= MSR_DSR;
        }
        if mcr & MCR_OUT1 != 0 {
            s |= MSR_RI;
        }
        if mcr & MCR_OUT2 != 0 {
            s |= MSR_DCD;
        }
        s
    }

    /// The highest-priority pending interrupt, as IIR bits 3:0
    /// (datasheet table 4).
    fn interrupt_id(&self) -> u8 {
        let has_data = !self.rx.is_empty();
        if self.ier & IER_ELSI != 0 && self.lsr_errors != 0 {
            IIR_RLS
        } else if self.ier & IER_ERBFI != 0 && has_data {
            if !self.fifo_enabled() || self.rx.len() >= self.rx_trigger() { IIR_RDA } else { IIR_CTI }
        } else if self.ier & IER_ETBEI != 0 && self.thre_pending {
            IIR_THRE
        } else if self.ier & IER_EDSSI != 0 && self.msr_deltas != 0 {
            IIR_MS
        } else {
            IIR_NO_INT
        }
    }

    fn update_irq(&mut self) {
        let level = self.interrupt_id() != IIR_NO_INT;
        if level != self.irq_level {
            self.irq_level = level;
            self.irq.set(level);
        }
    }

    /// Sends one character: to the backend, or back to the receiver in
    /// loopback.
    fn transmit(&mut self, byte: u8) {
        if self.loopback() {
            if self.rx.len() < self.rx_capacity() {
                self.rx.push_back(byte);
            } else {
                // Datasheet: the character in the shift register is
                // overwritten, the FIFO keeps its contents.
                self.lsr_errors |= LSR_OE;
            }
        } else {
            self.backend.write(&[byte]);
        }
        // THR is empty again at once, which is a new THRE event.
        self.thre_pending = true;
    }

    fn read_reg(&mut self, reg: u64) -> u8 {
        match reg {
            RBR if self.dlab() => self.dll,
            RBR => {
                let b = self.rx.pop_front().unwrap_or(0);
                self.poll_input();
                b
            }
            IER if self.dlab() => self.dlm,
            IER => self.ier,
            IIR => {
                let id = self.interrupt_id();
                if id == IIR_THRE {
                    // Reading IIR while it reports THRE clears that source.
                    self.thre_pending = false;
                }
                let fifo = if self.fifo_enabled() { IIR_FIFO_ENABLED } else { 0 };
                id | fifo
            }
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => {
                if self.rx.is_empty() {
                    self.poll_input();
                }
                let v = self.lsr();
                self.lsr_errors = 0;
                v
            }
            MSR => {
                let v = Self::msr_status_for(self.mcr) | self.msr_deltas;
                self.msr_deltas = 0;
                v
            }
            SCR => self.scr,
            _ => 0,
        }
    }

    fn write_reg(&mut self, reg: u64, v: u8) {
        match reg {
            THR if self.dlab() => self.dll = v,
            THR => self.transmit(v),
            IER if self.dlab() => self.dlm = v,
            IER => {
                let old = self.ier;
                self.ier = v & 0x0f;
                if (old ^ self.ier) & IER_ETBEI != 0 {
                    // Enabling ETBEI while THR is empty raises THRE at once
                    // (datasheet 8.4.1; Linux's THRE test relies on it).
                    self.thre_pending = self.ier & IER_ETBEI != 0;
                }
            }
            FCR => {
                let was_enabled = self.fifo_enabled();
                if v & FCR_FIFO_ENABLE == 0 {
                    // The other bits are written only with FCR0 set.
                    self.fcr = 0;
                    if was_enabled {
                        self.rx.clear();
                    }
                } else {
                    self.fcr = v & (FCR_FIFO_ENABLE | FCR_DMA_MODE | FCR_TRIGGER_MASK);
                    if !was_enabled || v & FCR_RX_RESET != 0 {
                        self.rx.clear();
                    }
                    // FCR_TX_RESET: the transmit FIFO is always empty.
                }
            }
            LCR => self.lcr = v,
            MCR => {
                let old_status = Self::msr_status_for(self.mcr);
                self.mcr = v & 0x1f;
                let new_status = Self::msr_status_for(self.mcr);
                let changed = old_status ^ new_status;
                let mut deltas = 0;
                if changed & MSR_CTS != 0 {
                    deltas |= MSR_DCTS;
                }
                if changed & MSR_DSR != 0 {
                    deltas |= MSR_DDSR;
                }
                if old_status & MSR_RI != 0 && new_status & MSR_RI == 0 {
                    deltas |= MSR_TERI;
                }
                if changed & MSR_DCD != 0 {
                    deltas |= MSR_DDCD;
                }
                self.msr_deltas |= deltas;
                if !self.loopback() {
                    self.poll_input();
                }
            }
            // LSR and MSR are read-only (writes are for factory test).
            SCR => self.scr = v,
            _ => {}
        }
    }
}

impl<B: CharBackend, I: IrqLine> MmioDevice for Uart16550<B, I> {
    fn read(&mut self, offset: u64, _size: MemSize) -> Result<u64, BusError> {
        if offset >= WINDOW_SIZE {
            return Ok(0);
        }
        let v = self.read_reg(offset);
        self.update_irq();
        Ok(u64::from(v))
    }

    fn write(&mut self, offset: u64, _size: MemSize, value: u64) -> Result<(), BusError> {
        if offset >= WINDOW_SIZE {
            return Ok(());
        }
        self.write_reg(offset, value as u8);
        self.update_irq();
        Ok(())
    }
}
