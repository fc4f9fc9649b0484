// bare-metal: LABKIT_TODO inside the firmware, where there are no exceptions:
// print "TODO(n) at file:line: what to do" on the UART (polled, touching no
// variable, so it works before .data and .bss are set up) and exit QEMU with
// code 99. The host tests show that line as the reason a boot failed.
#pragma once

extern "C" [[noreturn]] void fw_todo(int number, const char* file, int line, const char* what);
#define LABKIT_TODO(number, what_to_do) fw_todo(number, __FILE__, __LINE__, what_to_do)
