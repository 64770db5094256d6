#!/bin/sh
# Assembles the test programs to flat binaries loaded at 0x80000000
# (Debian package binutils-riscv64-unknown-elf). The tests need only the
# committed .bin files.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for src in *.S; do
    name=${src%.S}
    riscv64-unknown-elf-as -march=rv64gc_zicsr_zifencei -o "$tmp/$name.o" "$src"
    riscv64-unknown-elf-ld -Ttext=0x80000000 -e _start -o "$tmp/$name.elf" "$tmp/$name.o"
    riscv64-unknown-elf-objcopy -O binary "$tmp/$name.elf" "$name.bin"
    echo "regen.sh: $name.bin ($(wc -c < "$name.bin") bytes)"
done
