// bare-metal reference: what runs first after reset (firmware only).
//
// On reset the Cortex-M3 loads SP from word 0 of the vector table and jumps
// to the address in word 1: reset_handler. Nothing is set up yet: .data
// still holds whatever RAM held (its initial values sit in flash at
// __data_load__), .bss is not zero. The linker script (firmware/link.ld)
// defines the symbols below.
#include <stdint.h>

extern "C" {
extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[];
int main();
[[noreturn]] void fw_exit(int code);

[[noreturn]] void reset_handler() {
  // Word by word: the linker script aligns the three boundaries to 4 bytes.
  // (No memcpy: nothing from a C library is set up, and the build keeps the
  // compiler from turning these loops into calls.)
  const uint32_t* src = __data_load__;
  for (uint32_t* dst = __data_start__; dst < __data_end__;) *dst++ = *src++;
  for (uint32_t* p = __bss_start__; p < __bss_end__;) *p++ = 0;
  fw_exit(main());
}
}
