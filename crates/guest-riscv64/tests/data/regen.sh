#!/bin/sh
# Regenerates all.golden from all.S with GNU binutils (Debian package
# binutils-riscv64-unknown-elf; the committed golden file came from 2.40).
# The privileged spec version (CSR names) is 1.12; the ISA as in the -march.
# Each output line is: address <TAB> instruction bits (hex) <TAB> objdump text.
# The test (tests/golden.rs) needs only the committed all.golden.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
riscv64-unknown-elf-as -march=rv64gc_zba_zbb_zbc_zbs_zicbom_zicboz_zihintpause -mpriv-spec=1.12 -o "$tmp/all.o" all.S
riscv64-unknown-elf-ld -Ttext=0x80000000 -e _start -o "$tmp/all.elf" "$tmp/all.o"
riscv64-unknown-elf-objdump -d -M no-aliases "$tmp/all.elf" \
    | sed -n 's/^ *\([0-9a-f]*\):\t\([0-9a-f ]*[0-9a-f]\) *\t\(.*\)$/\1\t\2\t\3/p' \
    > all.golden
echo "regen.sh: $(wc -l < all.golden) instructions -> all.golden ($(riscv64-unknown-elf-objdump --version | head -n 1))"
