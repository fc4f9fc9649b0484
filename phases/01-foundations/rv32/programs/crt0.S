# The programs' start-up code: a stack of our own (so nothing depends on
# where the loader put its stack), the global pointer, main(), then exit
# with main's return value through Linux's exit system call (93).
  .section .text.start, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, rt_stack_top
  li a0, 0              # argc and argv: the programs take no arguments
  li a1, 0
  call main
  li a7, 93
  ecall
1:
  j 1b

  .bss
  .balign 16
  .space 65536
rt_stack_top:
