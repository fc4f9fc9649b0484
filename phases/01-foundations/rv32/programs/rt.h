/* The programs' runtime: no libc, two Linux system calls (write 64, exit
   93, as under qemu-riscv32) and a few printing helpers. */
#pragma once
#include <stddef.h>
#include <stdint.h>

long rt_write(int fd, const void* buf, size_t n);
_Noreturn void rt_exit(int code);
void print_str(const char* s);
void print_u32(uint32_t v);
void print_i32(int32_t v);
void print_hex(uint32_t v);
void print_nl(void);
/* GCC may call these for struct copies and array initializers. */
void* memcpy(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
/* A small deterministic generator (xorshift32). */
uint32_t rt_rand(uint32_t* state);
