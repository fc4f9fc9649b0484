/* The corners of RV32I that programs rarely reach on purpose, printed so
   that a run under qemu-riscv32 and one under rv32-sim can be compared line
   by line: signed and unsigned comparisons, every shift amount, sign and
   zero extension, misaligned loads and stores, libgcc's division of
   negative numbers, x0, jalr with an odd target. */
#include "rt.h"

static volatile int32_t edges[] = {(int32_t)0x80000000, -2, -1, 0, 1, 2, 0x7fffffff, 0x12345678, (int32_t)0xdeadbeef};
#define NE (int)(sizeof edges / sizeof edges[0])

static void line(const char* name, uint32_t v) {
  print_str("corners: ");
  print_str(name);
  print_str(" ");
  print_hex(v);
  print_nl();
}

static uint32_t mix(uint32_t h, uint32_t v) { return (h ^ v) * 16777619u + 0x9e3779b9u; }

int main(void) {
  uint32_t h = 0;
  for (int i = 0; i < NE; ++i)
    for (int j = 0; j < NE; ++j) {
      const int32_t a = edges[i], b = edges[j];
      h = mix(h, (uint32_t)(a < b) | (uint32_t)((uint32_t)a < (uint32_t)b) << 1 | (uint32_t)(a == b) << 2 |
                     (uint32_t)(a >= b) << 3 | (uint32_t)((uint32_t)a >= (uint32_t)b) << 4);
      h = mix(h, (uint32_t)a + (uint32_t)b);
      h = mix(h, (uint32_t)a - (uint32_t)b);
      h = mix(h, (uint32_t)(a ^ b) | (uint32_t)(a & ~b));
    }
  line("compare/add/sub", h);

  h = 0;
  for (int i = 0; i < NE; ++i)
    for (volatile int s = 0; s < 32; ++s) {
      h = mix(h, (uint32_t)(edges[i] >> s));
      h = mix(h, (uint32_t)edges[i] >> s);
      h = mix(h, (uint32_t)edges[i] << s);
    }
  line("shifts", h);

  /* Register shifts use only the low five bits of rs2. */
  uint32_t r1, r2, r3;
  const uint32_t neg = 0x80000010u, amount = 36; /* 36 & 31 = 4 */
  __asm__ volatile("sra %0, %3, %4\n\tsrl %1, %3, %4\n\tsll %2, %3, %4"
                   : "=&r"(r1), "=&r"(r2), "=&r"(r3)
                   : "r"(neg), "r"(amount));
  line("sra by 36", r1);
  line("srl by 36", r2);
  line("sll by 36", r3);

  /* Immediate compares: sltiu with -1 compares with 0xffffffff. */
  uint32_t s1, s2, s3;
  const uint32_t v = 5;
  __asm__ volatile("sltiu %0, %3, -1\n\tslti %1, %3, -1\n\tsltiu %2, zero, 1" : "=&r"(s1), "=&r"(s2), "=&r"(s3) : "r"(v));
  line("sltiu/slti/seqz", s1 | s2 << 1 | s3 << 2);

  static volatile int8_t bytes[] = {-128, -1, 0, 127};
  static volatile int16_t halves[] = {-32768, -1, 0, 32767};
  h = 0;
  for (int i = 0; i < 4; ++i) {
    h = mix(h, (uint32_t)(int32_t)bytes[i]);
    h = mix(h, (uint32_t)(uint8_t)bytes[i]);
    h = mix(h, (uint32_t)(int32_t)halves[i]);
    h = mix(h, (uint32_t)(uint16_t)halves[i]);
  }
  line("extension", h);

  /* Misaligned loads and stores (emulated by Linux and qemu-user). */
  static uint8_t mem[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};
  uint32_t w1, w3, hh, hu;
  __asm__ volatile("lw %0, 1(%4)\n\tlw %1, 3(%4)\n\tlh %2, 7(%4)\n\tlhu %3, 13(%4)"
                   : "=&r"(w1), "=&r"(w3), "=&r"(hh), "=&r"(hu)
                   : "r"(mem)
                   : "memory");
  line("lw +1", w1);
  line("lw +3", w3);
  line("lh +7", hh);
  line("lhu +13", hu);
  __asm__ volatile("sw %1, 5(%0)\n\tsh %2, 11(%0)" : : "r"(mem), "r"(0xcafef00du), "r"(0xbeefu) : "memory");
  h = 0;
  for (int i = 0; i < 16; ++i) h = mix(h, mem[i]);
  line("misaligned stores", h);

  /* Division and remainder of negative numbers, through libgcc. */
  h = 0;
  for (int i = 0; i < NE; ++i)
    for (int j = 0; j < NE; ++j) {
      const int32_t a = edges[i], b = edges[j];
      if (b == 0 || (a == (int32_t)0x80000000 && b == -1)) continue;
      h = mix(h, (uint32_t)(a / b));
      h = mix(h, (uint32_t)(a % b));
      h = mix(h, (uint32_t)a / (uint32_t)b);
      h = mix(h, (uint32_t)a % (uint32_t)b);
      h = mix(h, (uint32_t)(a * b));
    }
  line("mul/div/rem", h);

  /* x0 ignores writes; jalr clears bit 0 of its target. */
  uint32_t zero, link, landed = 0;
  __asm__ volatile(
      "addi x0, x0, 5\n\t"
      "mv %0, x0\n\t"
      "la t0, 1f\n\t"
      "addi t0, t0, 1\n\t"
      "jalr %1, 0(t0)\n\t"
      "j 2f\n"
      "1:\n\t"
      "li %2, 1\n"
      "2:\n"
      : "=&r"(zero), "=&r"(link), "+r"(landed)
      :
      : "t0");
  line("x0", zero);
  line("jalr odd target landed", landed);

  /* lui/auipc of large values. */
  uint32_t u, pcrel, here;
  __asm__ volatile("lui %0, 0xfffff\n\t1: auipc %1, 0x80000\n\tla %2, 1b" : "=&r"(u), "=&r"(pcrel), "=&r"(here));
  line("lui 0xfffff", u);
  line("auipc 0x80000 - pc", pcrel - here);
  return 7;
}
