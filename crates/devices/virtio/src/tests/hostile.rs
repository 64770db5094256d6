//! What a hostile guest can do: malformed chains, huge buffers, random
//! register writes over random memory.

use super::*;

/// A queue set up and live, with `head` published pointing at whatever the
/// test wrote; returns the rig after one `process`.
fn run_malicious(wanted: u64, build: impl FnOnce(&mut Rig, &mut DriverQueue)) -> Rig {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(wanted);
    build(&mut r, &mut q0);
    q0.notify(&mut r.dev);
    r.dev.process(&mut r.ram);
    r
}

fn d(addr: u64, len: u32, flags: u16, next: u16) -> Descriptor {
    Descriptor { addr, len, flags, next }
}

#[test]
fn malicious_chains_need_reset_and_stop_the_device() {
    type Build = fn(&mut Rig, &mut DriverQueue);
    let cases: &[(&str, Build, &str)] = &[
        (
            "direct loop",
            |r, q| {
                q.write_desc(&mut r.ram, 0, &d(BUF, 1, VIRTQ_DESC_F_NEXT, 1)).unwrap();
                q.write_desc(&mut r.ram, 1, &d(BUF, 1, VIRTQ_DESC_F_NEXT, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "descriptor chain loops",
        ),
        (
            "self loop",
            |r, q| {
                q.write_desc(&mut r.ram, 3, &d(BUF, 0, VIRTQ_DESC_F_NEXT, 3)).unwrap();
                q.publish(&mut r.ram, 3).unwrap();
            },
            "descriptor chain loops",
        ),
        ("head out of range", |r, q| q.publish(&mut r.ram, 16).unwrap(), "descriptor index out of range"),
        (
            "next out of range",
            |r, q| {
                q.write_desc(&mut r.ram, 0, &d(BUF, 1, VIRTQ_DESC_F_NEXT, 0xffff)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "descriptor index out of range",
        ),
        (
            "buffer wraps",
            |r, q| {
                q.write_desc(&mut r.ram, 0, &d(u64::MAX - 4, 16, 0, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "buffer wraps around the address space",
        ),
        (
            "readable after writable",
            |r, q| {
                q.write_desc(&mut r.ram, 0, &d(BUF, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1)).unwrap();
                q.write_desc(&mut r.ram, 1, &d(BUF, 1, 0, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "device-readable descriptor after a device-writable one",
        ),
        (
            "avail idx jumps",
            |r, q| q.set_avail_idx(&mut r.ram, 17).unwrap(),
            "available index moved by more than the queue size",
        ),
        (
            "nested indirect",
            |r, q| {
                r.ram.write(BUF, &d(BUF + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0).to_bytes()).unwrap();
                q.write_desc(&mut r.ram, 0, &d(BUF, 16, VIRTQ_DESC_F_INDIRECT, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "indirect descriptor inside an indirect table",
        ),
        (
            "indirect length not a multiple of 16",
            |r, q| {
                q.write_desc(&mut r.ram, 0, &d(BUF, 24, VIRTQ_DESC_F_INDIRECT, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "indirect table length is not a multiple of 16",
        ),
        (
            "indirect length zero",
            |r, q| {
                q.write_desc(&mut r.ram, 0, &d(BUF, 0, VIRTQ_DESC_F_INDIRECT, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "indirect table length is not a multiple of 16",
        ),
        (
            "indirect with next",
            |r, q| {
                r.ram.write(BUF, &d(BUF, 1, 0, 0).to_bytes()).unwrap();
                q.write_desc(&mut r.ram, 0, &d(BUF, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "indirect descriptor with VIRTQ_DESC_F_NEXT",
        ),
        (
            "indirect loop",
            |r, q| {
                r.ram.write(BUF, &d(BUF, 1, VIRTQ_DESC_F_NEXT, 1).to_bytes()).unwrap();
                r.ram.write(BUF + 16, &d(BUF, 1, VIRTQ_DESC_F_NEXT, 0).to_bytes()).unwrap();
                q.write_desc(&mut r.ram, 0, &d(BUF, 32, VIRTQ_DESC_F_INDIRECT, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "descriptor chain loops",
        ),
        (
            "indirect table out of RAM",
            |r, q| {
                q.write_desc(&mut r.ram, 0, &d(0x1000, 64, VIRTQ_DESC_F_INDIRECT, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "descriptor table is not in guest RAM",
        ),
        (
            "indirect table of 4 GiB",
            |r, q| {
                q.write_desc(&mut r.ram, 0, &d(BUF, 0xffff_fff0, VIRTQ_DESC_F_INDIRECT, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "indirect table too long",
        ),
        (
            "chain longer than the limit",
            |r, q| {
                // 1024 descriptors in a table of 1024, linked, plus one more
                // through a direct descriptor in front.
                for i in 0..1024u64 {
                    let next = (i + 1) as u16;
                    let flags = if i < 1023 { VIRTQ_DESC_F_NEXT } else { 0 };
                    r.ram.write(BUF + 16 * i, &d(BUF, 1, flags, next).to_bytes()).unwrap();
                }
                q.write_desc(&mut r.ram, 0, &d(BUF, 1, VIRTQ_DESC_F_NEXT, 1)).unwrap();
                q.write_desc(&mut r.ram, 1, &d(BUF, 16 * 1024, VIRTQ_DESC_F_INDIRECT, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "descriptor chain too long",
        ),
        (
            "chain longer than 2^32 bytes",
            |r, q| {
                q.write_desc(&mut r.ram, 0, &d(0, u32::MAX, VIRTQ_DESC_F_NEXT, 1)).unwrap();
                q.write_desc(&mut r.ram, 1, &d(0, 2, 0, 0)).unwrap();
                q.publish(&mut r.ram, 0).unwrap();
            },
            "descriptor chain longer than 2^32 bytes",
        ),
        (
            "device gives up",
            |r, q| {
                r.dev.device_mut().fail_on = Some(3);
                q.add(&mut r.ram, &[(BUF, 3, false)]).unwrap();
            },
            "echo: told to fail",
        ),
        (
            "device reads outside RAM",
            |r, q| {
                q.add(&mut r.ram, &[(0x10, 3, false), (BUF, 3, true)]).unwrap();
            },
            "echo: bad buffer",
        ),
    ];
    for &(name, build, why) in cases {
        let mut r = run_malicious(ALL, build);
        assert!(r.needs_reset(), "{name}");
        assert_eq!(r.dev.error(), Some(why), "{name}");
        assert!(r.irq(), "{name}: a configuration change notification");
        assert_eq!(driver::ack_interrupt(&mut r.dev), INT_CONFIG_CHANGE, "{name}");
        assert_eq!(DriverQueue::layout(0, 16, QUEUE0).used_idx(&mut r.ram), 0, "{name}: nothing used");
        // Stopped: notifications and processing do nothing until reset.
        write32(&mut r.dev, QUEUE_NOTIFY, 0);
        assert!(!r.kick(), "{name}");
        assert_eq!(r.dev.process(&mut r.ram), 0, "{name}");
        // A reset brings it back.
        let (mut q0, _) = r.up(ALL);
        assert_eq!(r.dev.error(), None);
        q0.add(&mut r.ram, &[(BUF, 1, false)]).unwrap();
        assert_eq!(r.dev.process(&mut r.ram), 1, "{name}: works after reset");
    }
}

#[test]
fn chains_before_a_bad_one_stay_used() {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(ALL);
    q0.add(&mut r.ram, &[(BUF, 1, false)]).unwrap();
    q0.publish(&mut r.ram, 99).unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert_eq!(q0.pop_used(&mut r.ram), Some((0, 0)));
    assert!(r.needs_reset());
    assert_eq!(driver::ack_interrupt(&mut r.dev), INT_USED_BUFFER | INT_CONFIG_CHANGE);
}

#[test]
fn huge_buffers_fail_fast() {
    // 2 GiB buffers over a small RAM: copying stops where RAM ends.
    let mut r = Rig::new();
    let (mut q0, _) = r.up(ALL);
    q0.add(&mut r.ram, &[(BUF, 1 << 31, false), (BUF, 1 << 31, true)]).unwrap();
    r.dev.process(&mut r.ram);
    assert!(r.needs_reset());
}

/// xorshift64*: a deterministic stream for the hammer tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn random_register_hammer() {
    const REGS: [u64; 24] = [
        DEVICE_FEATURES_SEL,
        DRIVER_FEATURES,
        DRIVER_FEATURES_SEL,
        QUEUE_SEL,
        QUEUE_NUM,
        QUEUE_READY,
        QUEUE_NOTIFY,
        INTERRUPT_ACK,
        STATUS,
        QUEUE_DESC_LOW,
        QUEUE_DESC_HIGH,
        QUEUE_DRIVER_LOW,
        QUEUE_DRIVER_HIGH,
        QUEUE_DEVICE_LOW,
        QUEUE_DEVICE_HIGH,
        SHM_SEL,
        QUEUE_RESET,
        CONFIG,
        CONFIG + 4,
        CONFIG + 0xff,
        0x1000,
        u64::MAX - 3,
        0x0fe,
        0x0a8,
    ];
    let sizes = [MemSize::B1, MemSize::B2, MemSize::B4, MemSize::B8];
    let (mut used, mut errors) = (0, 0);
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut r = Rig::new();
        let mut queue = None;
        // Garbage in RAM: rings and descriptors point anywhere.
        for b in r.ram.bytes_mut().iter_mut() {
            *b = rng.next() as u8;
        }
        for step in 0..4000 {
            let offset = match rng.below(4) {
                0 => rng.next(),
                1 => rng.below(WINDOW_SIZE + 16),
                _ => REGS[rng.below(REGS.len() as u64) as usize],
            };
            let size = sizes[rng.below(4) as usize];
            // Values biased towards what makes progress: small numbers,
            // addresses inside RAM, the status sequence.
            let value = match rng.below(6) {
                0 => rng.next(),
                1 => rng.below(4),
                2 => RAM + rng.below(RAM_SIZE as u64),
                3 => [1, 3, 11, 15, 0][rng.below(5) as usize],
                4 => 1 << rng.below(64),
                _ => rng.below(32),
            };
            if rng.below(2) == 0 {
                let _ = r.dev.read(offset, size);
            } else {
                let _ = r.dev.write(offset, size, value);
            }
            if step % 8 == 0 {
                // Sometimes a sane driver step, so queues do get live.
                if rng.below(8) == 0 {
                    let _ = driver::init(&mut r.dev, rng.next());
                    let q = rng.below(2) as u16;
                    let base = RAM + rng.below(0x100) * 16;
                    queue = DriverQueue::setup(&mut r.dev, &mut r.ram, q, 1 << rng.below(4), base).ok();
                    driver::driver_ok(&mut r.dev);
                }
                if let Some(q) = queue.as_mut() {
                    // Chains of random buffers, well-formed or not.
                    for _ in 0..rng.below(4) {
                        let bufs: Vec<driver::Buf> = (0..1 + rng.below(4))
                            .map(|_| (BUF + rng.below(0x1000), rng.below(300) as u32, rng.below(2) == 0))
                            .collect();
                        let _ = q.add(&mut r.ram, &bufs);
                    }
                    if rng.below(4) == 0 {
                        let i = rng.below(16) as u16;
                        let flags = rng.below(8) as u16;
                        let desc = Descriptor {
                            addr: BUF + rng.below(0x1000),
                            len: rng.below(64) as u32,
                            flags,
                            next: rng.below(20) as u16,
                        };
                        let _ = q.write_desc(&mut r.ram, i, &desc);
                    }
                    q.notify(&mut r.dev);
                    while q.pop_used(&mut r.ram).is_some() {}
                }
                used += r.dev.process(&mut r.ram);
                errors += usize::from(r.dev.error().is_some());
                if rng.below(3) == 0 {
                    let at = rng.below(RAM_SIZE as u64 - 8) as usize;
                    r.ram.bytes_mut()[at..at + 8].copy_from_slice(&rng.next().to_le_bytes());
                }
            }
            // The interrupt line always matches InterruptStatus.
            assert_eq!(r.irq(), r.dev.state().interrupt_status != 0);
            assert_eq!(r.kick(), r.dev.needs_process());
        }
    }
    // The hammer did reach the queues, and did break the device.
    assert!(used > 0 && errors > 0, "used {used}, errors {errors}");
}
