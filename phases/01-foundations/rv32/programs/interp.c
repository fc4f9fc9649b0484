/* A bytecode interpreter: a stack machine whose dispatch is a switch (a
   jump table: one indirect jalr per bytecode) running three small programs:
   counting primes by trial division, Fibonacci, and Collatz steps. Exits
   with the number of primes below LIMIT (modulo 256), not with 0. */
#include "rt.h"

#ifndef LIMIT
#define LIMIT 200
#endif

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, DIV, LT, EQ, JZ, JMP, PRINT, HALT };

static int32_t run(const int32_t* code) {
  int32_t stack[32], vars[8] = {0};
  int sp = 0, pc = 0;
  for (;;) {
    switch (code[pc++]) {
      case PUSH: stack[sp++] = code[pc++]; break;
      case LOAD: stack[sp++] = vars[code[pc++]]; break;
      case STORE: vars[code[pc++]] = stack[--sp]; break;
      case ADD: --sp; stack[sp - 1] += stack[sp]; break;
      case SUB: --sp; stack[sp - 1] -= stack[sp]; break;
      case MUL: --sp; stack[sp - 1] *= stack[sp]; break;
      case MOD: --sp; stack[sp - 1] %= stack[sp]; break;
      case DIV: --sp; stack[sp - 1] /= stack[sp]; break;
      case LT: --sp; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
      case EQ: --sp; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
      case JZ: { const int32_t target = code[pc++]; if (!stack[--sp]) pc = target; break; }
      case JMP: pc = code[pc]; break;
      case PRINT: print_i32(stack[--sp]); print_nl(); break;
      case HALT: return sp ? stack[sp - 1] : 0;
      default: print_str("bad opcode\n"); return -1;
    }
  }
}

/* A one-pass assembler with forward jumps patched in place. */
static int32_t code[512];
static int n;
static void op(int32_t o) { code[n++] = o; }
static void op2(int32_t o, int32_t arg) { code[n++] = o; code[n++] = arg; }
static int jump_forward(int32_t o) { op2(o, 0); return n - 1; }
static void land(int slot) { code[slot] = n; }

/* vars: 0 count, 1 n, 2 d, 3 p */
static void primes(void) {
  n = 0;
  op2(PUSH, 0), op2(STORE, 0), op2(PUSH, 2), op2(STORE, 1);
  const int outer = n;
  op2(LOAD, 1), op2(PUSH, LIMIT), op(LT);
  const int done = jump_forward(JZ);                       /* while n < LIMIT */
  op2(PUSH, 2), op2(STORE, 2), op2(PUSH, 1), op2(STORE, 3);
  const int inner = n;
  op2(LOAD, 1), op2(LOAD, 2), op2(LOAD, 2), op(MUL), op(LT), op2(PUSH, 0), op(EQ);
  const int inner_done = jump_forward(JZ);                 /* while !(n < d * d) */
  op2(LOAD, 1), op2(LOAD, 2), op(MOD);
  const int divides = jump_forward(JZ);                    /* n % d == 0: not prime */
  const int next = jump_forward(JMP);
  land(divides);
  op2(PUSH, 0), op2(STORE, 3);
  land(next);
  op2(LOAD, 2), op2(PUSH, 1), op(ADD), op2(STORE, 2), op2(JMP, inner);
  land(inner_done);
  op2(LOAD, 0), op2(LOAD, 3), op(ADD), op2(STORE, 0);
  op2(LOAD, 1), op2(PUSH, 1), op(ADD), op2(STORE, 1), op2(JMP, outer);
  land(done);
  op2(LOAD, 0), op(HALT);
}

/* vars: 0 a, 1 b, 2 i */
static void fibonacci(int32_t count) {
  n = 0;
  op2(PUSH, 0), op2(STORE, 0), op2(PUSH, 1), op2(STORE, 1), op2(PUSH, 0), op2(STORE, 2);
  const int loop = n;
  op2(LOAD, 2), op2(PUSH, count), op(LT);
  const int done = jump_forward(JZ);
  op2(LOAD, 0), op2(LOAD, 1), op(ADD), op2(LOAD, 1), op2(STORE, 0), op2(STORE, 1);
  op2(LOAD, 2), op2(PUSH, 1), op(ADD), op2(STORE, 2), op2(JMP, loop);
  land(done);
  op2(LOAD, 0), op(HALT);
}

/* vars: 0 total steps, 1 start, 2 x */
static void collatz(int32_t limit) {
  n = 0;
  op2(PUSH, 0), op2(STORE, 0), op2(PUSH, 1), op2(STORE, 1);
  const int outer = n;
  op2(LOAD, 1), op2(PUSH, limit), op(LT);
  const int done = jump_forward(JZ);
  op2(LOAD, 1), op2(STORE, 2);
  const int inner = n;
  op2(LOAD, 2), op2(PUSH, 1), op(EQ), op2(PUSH, 0), op(EQ);
  const int reached_one = jump_forward(JZ);
  op2(LOAD, 2), op2(PUSH, 2), op(MOD);
  const int even = jump_forward(JZ);
  op2(LOAD, 2), op2(PUSH, 3), op(MUL), op2(PUSH, 1), op(ADD), op2(STORE, 2);
  const int counted = jump_forward(JMP);
  land(even);
  op2(LOAD, 2), op2(PUSH, 2), op(DIV), op2(STORE, 2);
  land(counted);
  op2(LOAD, 0), op2(PUSH, 1), op(ADD), op2(STORE, 0), op2(JMP, inner);
  land(reached_one);
  op2(LOAD, 1), op2(PUSH, 1), op(ADD), op2(STORE, 1), op2(JMP, outer);
  land(done);
  op2(LOAD, 0), op(HALT);
}

int main(void) {
  primes();
  const int32_t count = run(code);
  print_str("interp: primes below ");
  print_u32(LIMIT);
  print_str(": ");
  print_i32(count);
  print_nl();
  fibonacci(40);
  print_str("interp: fib(40) = ");
  print_i32(run(code));
  print_nl();
  collatz(50);
  print_str("interp: collatz steps for 1..49: ");
  print_i32(run(code));
  print_nl();
  return count & 0xff;
}
