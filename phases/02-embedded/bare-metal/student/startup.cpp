// bare-metal: what runs first after reset (firmware only). TODO 1 is yours.
//
// On reset the Cortex-M3 loads SP from word 0 of the vector table and jumps
// to the address in word 1: reset_handler. Nothing is set up yet: .data
// still holds whatever RAM held (its initial values sit in flash at
// __data_load__), .bss is not zero. The linker script (firmware/link.ld)
// defines the symbols below; README.md, "From reset", explains them.
#include <stdint.h>

#include "fw_todo.hpp"

extern "C" {
extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[];
int main();
[[noreturn]] void fw_exit(int code);

[[noreturn]] void reset_handler() {
  // TODO(1): copy .data (from __data_load__ to [__data_start__, __data_end__))
  // and zero .bss ([__bss_start__, __bss_end__)), word by word, then run
  // main() and pass its result to fw_exit(). Delete the line below.
  LABKIT_TODO(1, "student/startup.cpp: reset_handler(): copy .data from flash, zero .bss, then fw_exit(main())");
}
}
