//! What this hart implements, in the device tree's vocabulary (the
//! Devicetree bindings `riscv/cpus.yaml` and `riscv/extensions.yaml`), so
//! a machine advertises exactly that.

/// `riscv,isa`: the ISA string (legacy property, still read by OpenSBI
/// and older kernels).
pub const ISA_STRING: &str = "rv64imafdc_zicbom_zicboz_zicntr_zicsr_zifencei_zihintpause_zihpm_zba_zbb_zbc_zbs_sstc";

/// `riscv,isa-base`.
pub const ISA_BASE: &str = "rv64i";

/// `riscv,isa-extensions`.
pub const ISA_EXTENSIONS: &[&str] = &[
    "i",
    "m",
    "a",
    "f",
    "d",
    "c",
    "zicbom",
    "zicboz",
    "zicntr",
    "zicsr",
    "zifencei",
    "zihintpause",
    "zihpm",
    "zba",
    "zbb",
    "zbc",
    "zbs",
    "sstc",
];

/// `mmu-type`: the largest translation mode (Sv39 and Sv48 work too).
pub const MMU_TYPE: &str = "riscv,sv57";

/// `riscv,cbom-block-size` and `riscv,cboz-block-size`.
pub const CBO_BLOCK_SIZE: u32 = crate::translate::CACHE_BLOCK as u32;

/// Number of PMP entries (for firmware that wants to know).
pub const PMP_ENTRIES: usize = crate::state::PMP_ENTRIES;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_string_and_the_list_agree() {
        let mut from_list = alloc::string::String::from("rv64");
        for e in ISA_EXTENSIONS {
            if e.len() > 1 {
                from_list.push('_');
            }
            from_list.push_str(e);
        }
        assert_eq!(from_list, ISA_STRING);
        // misa agrees on the single-letter extensions.
        for e in ISA_EXTENSIONS.iter().filter(|e| e.len() == 1) {
            let bit = e.as_bytes()[0] - b'a';
            assert_ne!(crate::csr::MISA & (1 << bit), 0, "{e}");
        }
    }
}
