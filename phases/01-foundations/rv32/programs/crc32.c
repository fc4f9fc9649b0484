/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), bit by bit and by
   a 256-entry table, over the check string "123456789" (0xCBF43926, the
   catalogue's check value) and over a generated buffer. */
#include "rt.h"

#ifndef LEN
#define LEN 2048
#endif

static uint32_t table[256];
static uint8_t buf[LEN];

static uint32_t crc_bitwise(const uint8_t* p, int n) {
  uint32_t c = 0xffffffffu;
  for (int i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
  }
  return ~c;
}

static uint32_t crc_table(const uint8_t* p, int n) {
  uint32_t c = 0xffffffffu;
  for (int i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

int main(void) {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
    table[i] = c;
  }
  const uint8_t check[] = "123456789";
  uint32_t s = 12345;
  for (int i = 0; i < LEN; ++i) buf[i] = (uint8_t)rt_rand(&s);
  const uint32_t c1 = crc_bitwise(check, 9), c2 = crc_table(check, 9);
  const uint32_t d1 = crc_bitwise(buf, LEN), d2 = crc_table(buf, LEN);
  print_str("crc32(\"123456789\") = ");
  print_hex(c1);
  print_str("\ncrc32(buffer of ");
  print_u32(LEN);
  print_str(" bytes) = ");
  print_hex(d1);
  print_nl();
  const int ok = c1 == 0xcbf43926u && c1 == c2 && d1 == d2;
  print_str(ok ? "crc32: ok\n" : "crc32: WRONG\n");
  return ok ? 0 : 1;
}
