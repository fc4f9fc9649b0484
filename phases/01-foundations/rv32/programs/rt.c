/* The programs' runtime (rt.h): system calls by ecall, printing by hand. */
#include "rt.h"

long rt_write(int fd, const void* buf, size_t n) {
  register long a0 __asm__("a0") = fd;
  register const void* a1 __asm__("a1") = buf;
  register size_t a2 __asm__("a2") = n;
  register long a7 __asm__("a7") = 64;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

_Noreturn void rt_exit(int code) {
  register long a0 __asm__("a0") = code;
  register long a7 __asm__("a7") = 93;
  __asm__ volatile("ecall" : : "r"(a0), "r"(a7) : "memory");
  for (;;) {
  }
}

void print_str(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  rt_write(1, s, n);
}

void print_u32(uint32_t v) {
  char buf[12];
  int i = 11;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  print_str(buf + i);
}

void print_i32(int32_t v) {
  if (v < 0) {
    print_str("-");
    print_u32(0u - (uint32_t)v);
  } else {
    print_u32((uint32_t)v);
  }
}

void print_hex(uint32_t v) {
  char buf[11] = "0x";
  for (int i = 0; i < 8; ++i) buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
  buf[10] = 0;
  print_str(buf);
}

void print_nl(void) { rt_write(1, "\n", 1); }

void* memcpy(void* dst, const void* src, size_t n) {
  unsigned char* d = dst;
  const unsigned char* s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  unsigned char* d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

uint32_t rt_rand(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}
