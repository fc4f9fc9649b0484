// bare-metal: the firmware QEMU boots (mps2-an385: Cortex-M3, CMSDK UART,
// SysTick). Given code: the vector table, the UART driver (polled, then
// interrupt-driven through your ring buffer), semihosting, the HardFault
// handler, a small preemptive kernel (PendSV context switch, SysTick delays,
// mutex, queue) and the scenarios the tests run. Built twice by CMake, with
// BARE_METAL_IMPL = reference or student and that side's startup.cpp and
// portable.cpp.
//
// Which scenario runs is the last word of the semihosting command line
// (qemu ... -semihosting-config enable=on,target=native,arg=fw,arg=boot):
//   boot       startup checks, polled UART, interrupt-driven UART, SysTick
//   fault      an undefined instruction: the HardFault handler's report
//   hang       spins forever with a last line out: the test's time limit
//   inversion  priority inversion: L holds a mutex H wants, M runs meanwhile
//   inherit    the same with priority inheritance
//   queue      a producer and a consumer through a blocking queue
//   sched      a periodic task set under fixed priorities: worst response times
//   cycles     Q15 FIR against float FIR (software floating point): instructions
// The exit code comes back through semihosting: 0 for success, 3 after a
// HardFault, 99 at a TODO, 2 for an unknown scenario, 1 for a failed check.
#include <stdint.h>

#include "bare_metal.hpp"
#include "fw_todo.hpp"

namespace impl = bare_metal::BARE_METAL_IMPL;
using bare_metal::PiMutex;
using bare_metal::PiTask;
using bare_metal::RingBuffer;

// ---- What GCC may call even in a freestanding build -------------------------------------
extern "C" {
void* memcpy(void* dst, const void* src, unsigned n) {
  auto* d = static_cast<uint8_t*>(dst);
  auto* s = static_cast<const uint8_t*>(src);
  while (n--) *d++ = *s++;
  return dst;
}
void* memset(void* dst, int v, unsigned n) {
  auto* d = static_cast<uint8_t*>(dst);
  while (n--) *d++ = uint8_t(v);
  return dst;
}
}

// ---- Registers ------------------------------------------------------------------------------
#define REG(addr) (*reinterpret_cast<volatile uint32_t*>(addr))
constexpr uint32_t kUart0 = 0x40004000;           // CMSDK APB UART 0
#define UART_DATA REG(kUart0 + 0x00)
#define UART_STATE REG(kUart0 + 0x04)             // bit 0: TX buffer full
#define UART_CTRL REG(kUart0 + 0x08)              // bit 0: TX enable, bit 2: TX interrupt enable
#define UART_INT REG(kUart0 + 0x0C)               // read: status, write 1: clear (bit 0: TX)
#define UART_BAUDDIV REG(kUart0 + 0x10)
constexpr int kUart0TxIrq = 1;                    // mps2-an385: UART0 RX is IRQ 0, TX IRQ 1
#define SYST_CSR REG(0xE000E010)                  // SysTick control and status
#define SYST_RVR REG(0xE000E014)                  // reload value
#define SYST_CVR REG(0xE000E018)                  // current value (counts down)
#define NVIC_ISER0 REG(0xE000E100)
#define SCB_ICSR REG(0xE000ED04)                  // bit 28: set PendSV pending
#define SCB_SHPR3 REG(0xE000ED20)                 // priorities of PendSV [23:16], SysTick [31:24]
#define SCB_CFSR REG(0xE000ED28)
#define SCB_HFSR REG(0xE000ED2C)
#define SCB_MMFAR REG(0xE000ED34)
#define SCB_BFAR REG(0xE000ED38)
constexpr uint32_t kCpuHz = 25000000;             // the AN385's system clock, SysTick's clock

static inline void irq_off() { __asm__ __volatile__("cpsid i" ::: "memory"); }
static inline void irq_on() { __asm__ __volatile__("cpsie i" ::: "memory"); }
static inline void wfi() { __asm__ __volatile__("wfi" ::: "memory"); }

// ---- Semihosting: the exit code and the command line ------------------------------------------
static int semihost(int op, void* arg) {
  register int r0 __asm__("r0") = op;
  register void* r1 __asm__("r1") = arg;
  __asm__ __volatile__("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}
extern "C" [[noreturn]] void fw_exit(int code) {
  // SYS_EXIT_EXTENDED (0x20): {ADP_Stopped_ApplicationExit, code}. Plain
  // SYS_EXIT on 32-bit Arm cannot carry an exit code.
  uint32_t block[2] = {0x20026, uint32_t(code)};
  semihost(0x20, block);
  for (;;) {}
}

// ---- UART: polled ----------------------------------------------------------------------------
static void uart_init() {
  UART_BAUDDIV = kCpuHz / 115200;
  UART_CTRL = 1;                                  // TX on, no interrupts
}
static void put_polled(char c) {
  while (UART_STATE & 1) {}                       // wait while the TX buffer is full
  UART_DATA = uint8_t(c);
}

// ---- UART: interrupt-driven, through the ring buffer ------------------------------------------
// The application pushes bytes (producer); the TX interrupt pops the next one
// each time the UART has sent one (consumer). tx_busy says whether a byte is
// in flight, that is whether an interrupt will come to send the next.
static uint8_t tx_storage[128];
static RingBuffer tx_ring;
static volatile bool tx_busy;
static volatile bool tx_irq_mode;

static void uart_enable_tx_irq() {
  bare_metal::rb_init(tx_ring, tx_storage, sizeof tx_storage);
  tx_busy = false;
  UART_CTRL = 1 | 4;                              // TX on, TX interrupt on
  NVIC_ISER0 = 1u << kUart0TxIrq;
  tx_irq_mode = true;
}
extern "C" void uart0_tx_handler() {
  UART_INT = 1;                                   // acknowledge
  uint8_t c;
  if (impl::rb_pop(tx_ring, c)) UART_DATA = c;
  else tx_busy = false;
}
static void put_irq(char c) {
  while (!impl::rb_push(tx_ring, uint8_t(c))) {}  // full: the interrupt drains it meanwhile
  irq_off();                                      // start the chain if nothing is in flight
  if (!tx_busy) {
    uint8_t first;
    if (impl::rb_pop(tx_ring, first)) {
      tx_busy = true;
      UART_DATA = first;
    }
  }
  irq_on();
}
static void uart_flush() {
  while (tx_irq_mode && (tx_busy || bare_metal::rb_count(tx_ring) != 0)) {}
}

// ---- Printing --------------------------------------------------------------------------------
static void putch(char c) { tx_irq_mode ? put_irq(c) : put_polled(c); }
static void puts_(const char* s) {
  while (*s) putch(*s++);
}
static void put_hex(uint32_t v) {
  puts_("0x");
  for (int i = 7; i >= 0; --i) putch("0123456789abcdef"[(v >> (4 * i)) & 15]);
}
static void put_dec(int64_t v) {
  char buf[24];
  int n = 0;
  const bool neg = v < 0;
  uint64_t u = neg ? uint64_t(-v) : uint64_t(v);
  do {
    buf[n++] = char('0' + u % 10);
    u /= 10;
  } while (u);
  if (neg) putch('-');
  while (n) putch(buf[--n]);
}

// The firmware's LABKIT_TODO: polled, no variables (it may run before .data is set up).
extern "C" [[noreturn]] void fw_todo(int number, const char* file, int line, const char* what) {
  uart_init();
  auto p = [](const char* s) {
    while (*s) put_polled(*s++);
  };
  p("\nTODO(");
  put_polled(char('0' + number % 10));
  p(") at ");
  p(file);
  put_polled(':');
  char buf[12];
  int n = 0;
  do {
    buf[n++] = char('0' + line % 10);
    line /= 10;
  } while (line);
  while (n) put_polled(buf[--n]);
  p(": ");
  p(what);
  put_polled('\n');
  fw_exit(99);
}

// ---- HardFault: where it happened and why --------------------------------------------------
// On exception entry the core pushed r0-r3, r12, lr, pc, xPSR on the stack
// that was in use: bit 2 of EXC_RETURN (in lr) says which, MSP or PSP.
extern "C" [[noreturn]] void hardfault_report(const uint32_t* frame) {
  // Handlers of lower priority (the UART's) cannot run now: send what the
  // ring still holds by polling, then the report.
  uint8_t c;
  if (tx_irq_mode)
    while (impl::rb_pop(tx_ring, c)) put_polled(char(c));
  tx_irq_mode = false;
  static const char* const names[] = {"r0", "r1", "r2", "r3", "r12", "lr", "pc", "xpsr"};
  puts_("\nHardFault:");
  for (int i = 0; i < 8; ++i) {
    puts_(" ");
    puts_(names[i]);
    puts_("=");
    put_hex(frame[i]);
  }
  puts_("\n  CFSR=");
  put_hex(SCB_CFSR);
  puts_(" HFSR=");
  put_hex(SCB_HFSR);
  puts_(" MMFAR=");
  put_hex(SCB_MMFAR);
  puts_(" BFAR=");
  put_hex(SCB_BFAR);
  puts_("\n");
  fw_exit(3);
}
extern "C" __attribute__((naked)) void hardfault_handler() {
  __asm__ __volatile__(
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r0, msp\n"
      "mrsne r0, psp\n"
      "b hardfault_report\n");
}
extern "C" void default_handler() {
  puts_("\nunexpected exception\n");
  fw_exit(3);
}

// An instruction that is undefined on purpose (UDF), at a known address.
extern "C" void fault_site();
__asm__(
    ".section .text.fault_site,\"ax\",%progbits\n"
    ".global fault_site\n"
    ".thumb_func\n"
    "fault_site:\n"
    "  udf #7\n"
    "  bx lr\n"
    ".text\n");

// ---- The kernel ------------------------------------------------------------------------------
// Fixed-priority preemptive: the READY task with the highest priority runs
// (ties: the current one keeps the CPU). SysTick counts ticks, charges the
// tick to the running task and wakes sleepers; PendSV, the lowest-priority
// exception, switches tasks, so a switch never interrupts another handler.
enum TaskState : uint8_t { kReady, kSleeping, kBlocked, kDone };
struct Tcb {
  PiTask pi;                                       // first: PiTask* <-> Tcb*
  uint32_t* sp;                                    // saved stack pointer (r4-r11 on top)
  TaskState state;
  uint32_t wake;                                   // kSleeping: the tick to wake at
  volatile uint32_t run_ticks;                     // ticks charged to this task
  const void* waiting_on;                          // kBlocked on a queue
  const char* name;
};
constexpr int kMaxTasks = 6;
constexpr int kStackWords = 256;
static Tcb tasks[kMaxTasks];
static uint32_t stacks[kMaxTasks][kStackWords] __attribute__((aligned(8)));
static int n_tasks;
static Tcb* volatile k_current;
static volatile uint32_t k_ticks;
static volatile bool k_running;
static bool k_inherit;
static volatile int k_lock_depth;                  // > 0: no task switch (a line is being printed)
static volatile bool k_switch_deferred;

static Tcb* tcb_of(PiTask* p) { return reinterpret_cast<Tcb*>(p); }
static void pend_switch() { SCB_ICSR = 1u << 28; }

extern "C" [[noreturn]] void k_task_exit() {
  irq_off();
  k_current->state = kDone;
  pend_switch();
  irq_on();
  for (;;) {}
}

static Tcb* k_create(const char* name, int priority, void (*entry)(void*), void* arg) {
  Tcb& t = tasks[n_tasks];
  uint32_t* sp = &stacks[n_tasks][kStackWords];
  ++n_tasks;
  *--sp = 0x01000000;                              // xPSR: the Thumb bit
  *--sp = uint32_t(entry) & ~1u;                   // pc
  *--sp = uint32_t(&k_task_exit);                  // lr: where entry returns to
  for (int r = 0; r < 4; ++r) *--sp = 0;           // r12, r3, r2, r1
  *--sp = uint32_t(arg);                           // r0
  for (int r = 0; r < 8; ++r) *--sp = 0;           // r11..r4
  t.sp = sp;
  t.pi.base_priority = t.pi.priority = int8_t(priority);
  t.pi.waiting_for = nullptr;
  t.pi.n_held = 0;
  t.state = kReady;
  t.run_ticks = 0;
  t.waiting_on = nullptr;
  t.name = name;
  return &t;
}

static Tcb* k_best() {
  Tcb* best = k_current && k_current->state == kReady ? k_current : nullptr;
  for (int i = 0; i < n_tasks; ++i)
    if (tasks[i].state == kReady && (!best || tasks[i].pi.priority > best->pi.priority)) best = &tasks[i];
  return best;
}

// Called by PendSV with the outgoing task's stack pointer; returns the
// incoming one's. Interrupts are off meanwhile, so SysTick sees either
// the old or the new current task, never half a switch.
extern "C" uint32_t* k_switch(uint32_t* sp) {
  irq_off();
  k_current->sp = sp;
  if (k_lock_depth > 0 && k_current->state == kReady) {
    k_switch_deferred = true;
  } else {
    k_current = k_best();
  }
  uint32_t* next = k_current->sp;
  irq_on();
  return next;
}
extern "C" __attribute__((naked)) void pendsv_handler() {
  __asm__ __volatile__(
      "mrs r0, psp\n"
      "stmdb r0!, {r4-r11}\n"                      // the rest of the outgoing context
      "push {r1, lr}\n"                            // lr: EXC_RETURN (r1 keeps 8-byte alignment)
      "bl k_switch\n"
      "pop {r1, lr}\n"
      "ldmia r0!, {r4-r11}\n"
      "msr psp, r0\n"
      "bx lr\n");                                  // the core pops r0-r3, r12, lr, pc, xPSR
}
// The first task: SVC from main (on MSP) into the task (on PSP).
extern "C" uint32_t* k_first_sp() { return k_current->sp; }
extern "C" __attribute__((naked)) void svc_handler() {
  __asm__ __volatile__(
      "bl k_first_sp\n"
      "ldmia r0!, {r4-r11}\n"
      "msr psp, r0\n"
      "mvn lr, #2\n"                               // EXC_RETURN 0xFFFFFFFD: thread mode, PSP
      "bx lr\n");
}

static void (*tick_hook)();                        // outside the kernel: the boot scenario's counter
extern "C" void systick_handler() {
  if (!k_running) {
    if (tick_hook) tick_hook();
    return;
  }
  const uint32_t now = ++k_ticks;
  k_current->run_ticks = k_current->run_ticks + 1;  // the tick that just ended ran this task
  for (int i = 0; i < n_tasks; ++i)
    if (tasks[i].state == kSleeping && int32_t(now - tasks[i].wake) >= 0) tasks[i].state = kReady;
  if (k_best() != k_current) pend_switch();
}

constexpr uint32_t kTickCycles = 2500;             // 100 us ticks at 25 MHz
[[noreturn]] static void k_start() {
  SCB_SHPR3 = (0xFFu << 16) | (0x80u << 24);       // PendSV lowest, SysTick above it
  SYST_RVR = kTickCycles - 1;
  SYST_CVR = 0;
  SYST_CSR = 7;                                    // CPU clock, interrupt, enable
  k_current = k_best();
  k_running = true;
  __asm__ __volatile__("svc 0");
  for (;;) {}
}

static void k_sched_lock() { k_lock_depth = k_lock_depth + 1; }
static void k_sched_unlock() {
  irq_off();
  k_lock_depth = k_lock_depth - 1;
  if (k_lock_depth == 0 && k_switch_deferred) {
    k_switch_deferred = false;
    pend_switch();
  }
  irq_on();
}

static void k_sleep_until(uint32_t tick) {
  irq_off();
  if (int32_t(tick - k_ticks) > 0) {
    k_current->wake = tick;
    k_current->state = kSleeping;
    pend_switch();
  }
  irq_on();                                        // PendSV runs here when pending
}
// Runs until `ticks` more ticks have been charged to this task: a job's
// execution time, exact whatever preempts it.
static void k_burn(uint32_t ticks) {
  const uint32_t until = k_current->run_ticks + ticks;
  while (int32_t(k_current->run_ticks - until) < 0) {}
}

struct KMutex {
  PiMutex pi;
};
static void k_mutex_lock(KMutex& m) {
  irq_off();
  Tcb* me = k_current;
  if (!m.pi.owner) {
    m.pi.owner = &me->pi;
    me->pi.held[me->pi.n_held++] = &m.pi;
    irq_on();
    return;
  }
  m.pi.waiters[m.pi.n_waiters++] = &me->pi;
  me->pi.waiting_for = &m.pi;
  if (k_inherit) impl::pi_block(m.pi, me->pi);
  me->state = kBlocked;
  pend_switch();
  irq_on();                                        // back here once k_mutex_unlock handed it over
}
static void k_mutex_unlock(KMutex& m) {
  irq_off();
  Tcb* me = k_current;
  for (int i = 0; i < me->pi.n_held; ++i)
    if (me->pi.held[i] == &m.pi) me->pi.held[i] = me->pi.held[--me->pi.n_held];
  if (m.pi.n_waiters) {                            // hand it to the most urgent waiter
    int best = 0;
    for (int i = 1; i < m.pi.n_waiters; ++i)
      if (m.pi.waiters[i]->priority > m.pi.waiters[best]->priority) best = i;
    PiTask* w = m.pi.waiters[best];
    m.pi.waiters[best] = m.pi.waiters[--m.pi.n_waiters];
    m.pi.owner = w;
    w->waiting_for = nullptr;
    w->held[w->n_held++] = &m.pi;
    tcb_of(w)->state = kReady;
  } else {
    m.pi.owner = nullptr;
  }
  if (k_inherit) impl::pi_release(me->pi);
  pend_switch();
  irq_on();
}

constexpr uint32_t kQueueSize = 4;
struct KQueue {
  uint32_t items[kQueueSize];
  uint32_t head, tail;
};
static void k_wake_waiters(const void* object) {
  for (int i = 0; i < n_tasks; ++i)
    if (tasks[i].state == kBlocked && tasks[i].waiting_on == object) {
      tasks[i].state = kReady;
      tasks[i].waiting_on = nullptr;
    }
}
static void k_block_on(const void* object) {
  k_current->waiting_on = object;
  k_current->state = kBlocked;
  pend_switch();
}
static void k_send(KQueue& q, uint32_t v) {
  for (;;) {
    irq_off();
    if (q.head - q.tail < kQueueSize) {
      q.items[q.head++ % kQueueSize] = v;
      k_wake_waiters(&q);
      pend_switch();
      irq_on();
      return;
    }
    k_block_on(&q);
    irq_on();
  }
}
static uint32_t k_receive(KQueue& q) {
  for (;;) {
    irq_off();
    if (q.head != q.tail) {
      const uint32_t v = q.items[q.tail++ % kQueueSize];
      k_wake_waiters(&q);
      pend_switch();
      irq_on();
      return v;
    }
    k_block_on(&q);
    irq_on();
  }
}

// One line of the trace, "[tick] text", never cut by a task switch.
static void trace(const char* a, const char* b = "", int64_t n = -1, const char* c = "") {
  k_sched_lock();
  puts_("[");
  put_dec(k_ticks);
  puts_("] ");
  puts_(a);
  puts_(b);
  if (n >= 0) put_dec(n);
  puts_(c);
  puts_("\n");
  k_sched_unlock();
}

static void idle_task(void*) {
  for (;;) wfi();
}
static Tcb* finisher_task;
static volatile int tasks_left;
static void task_finished() {
  irq_off();
  tasks_left = tasks_left - 1;
  irq_on();
}
static void finish_task(void*) {                   // priority 1 above idle: waits for the others
  while (tasks_left > 0) k_sleep_until(k_ticks + 1);
  uart_flush();
  fw_exit(0);
}
static void k_setup(int workers) {
  n_tasks = 0;
  tasks_left = workers;
  k_create("idle", 0, idle_task, nullptr);
  finisher_task = k_create("finish", 1, finish_task, nullptr);
}

// ---- Scenario: priority inversion ------------------------------------------------------------
// L (priority 2) takes the mutex at tick 0 and needs it for 3 ticks of work;
// M (3) becomes ready at tick 1 and computes for 6 ticks without the mutex;
// H (4) becomes ready at tick 2 and needs the mutex for 1 tick of work.
static KMutex shared_mutex;
static void task_l(void*) {
  k_mutex_lock(shared_mutex);
  trace("L: locked the mutex");
  k_burn(3);
  trace("L: unlocking, priority ", "", k_current->pi.priority);
  k_mutex_unlock(shared_mutex);
  trace("L: done");
  task_finished();
}
static void task_m(void*) {
  k_sleep_until(1);
  trace("M: running");
  k_burn(6);
  trace("M: done");
  task_finished();
}
static void task_h(void*) {
  k_sleep_until(2);
  const uint32_t asked = k_ticks;
  trace("H: wants the mutex");
  k_mutex_lock(shared_mutex);
  trace("H: got the mutex after ", "", k_ticks - asked, " ticks");
  k_burn(1);
  k_mutex_unlock(shared_mutex);
  trace("H: done");
  task_finished();
}
static int scenario_inversion(bool inherit) {
  k_inherit = inherit;
  uart_enable_tx_irq();
  puts_(inherit ? "inversion: with priority inheritance\n" : "inversion: without priority inheritance\n");
  k_setup(3);
  k_create("L", 2, task_l, nullptr);
  k_create("M", 3, task_m, nullptr);
  k_create("H", 4, task_h, nullptr);
  k_start();
}

// ---- Scenario: a queue between two tasks -----------------------------------------------------
static KQueue queue;
static void producer(void*) {
  for (uint32_t i = 1; i <= 20; ++i) {
    k_send(queue, i * i);
    if (i % 5 == 0) k_sleep_until(k_ticks + 1);
  }
  k_send(queue, 0);                                // end marker
  trace("producer: sent 20");
  task_finished();
}
static void consumer(void*) {
  uint32_t sum = 0, count = 0;
  for (uint32_t v; (v = k_receive(queue)) != 0; ++count) sum += v;
  trace("consumer: received ", "", count);
  trace("consumer: sum ", "", sum);
  task_finished();
}
static int scenario_queue() {
  uart_enable_tx_irq();
  puts_("queue: producer (priority 3) to consumer (priority 2), 4 slots\n");
  k_setup(2);
  k_create("consumer", 2, consumer, nullptr);
  k_create("producer", 3, producer, nullptr);
  k_start();
}

// ---- Scenario: a periodic task set -----------------------------------------------------------
// Rate-monotonic priorities (shorter period, higher priority), all released
// together at tick 1 (the critical instant), for two hyperperiods. Each job
// computes for exactly C ticks; its response time is finish - release.
struct Periodic {
  uint32_t c, t;
  uint32_t worst;
  uint32_t jobs;
};
static Periodic periodic[3] = {{1, 4, 0, 0}, {2, 6, 0, 0}, {3, 12, 0, 0}};
constexpr uint32_t kHyperperiod = 12;
static void periodic_task(void* arg) {
  Periodic& p = *static_cast<Periodic*>(arg);
  for (uint32_t release = 1; release + p.t <= 1 + 2 * kHyperperiod; release += p.t) {
    k_sleep_until(release);
    k_burn(p.c);
    const uint32_t response = k_ticks - release;
    if (response > p.worst) p.worst = response;
    ++p.jobs;
  }
  k_sched_lock();
  puts_("sched: C=");
  put_dec(p.c);
  puts_(" T=");
  put_dec(p.t);
  puts_(" jobs=");
  put_dec(p.jobs);
  puts_(" worst_response=");
  put_dec(p.worst);
  puts_("\n");
  k_sched_unlock();
  task_finished();
}
static int scenario_sched() {
  uart_enable_tx_irq();
  puts_("sched: 3 periodic tasks, rate-monotonic priorities, ticks of 100 us\n");
  k_setup(3);
  for (int i = 0; i < 3; ++i) k_create("periodic", 5 - i, periodic_task, &periodic[i]);
  k_start();
}

// ---- Scenario: boot --------------------------------------------------------------------------
static uint32_t data_word = 0x600DF00D;            // .data: must read this value
static uint32_t bss_words[8];                      // .bss: must read 0
static volatile uint32_t boot_ticks;
static int scenario_boot() {
  puts_("startup: ");
  bool ok = data_word == 0x600DF00D;
  puts_(ok ? ".data ok, " : ".data WRONG (not copied from flash), ");
  bool zero = true;
  for (uint32_t w : bss_words) zero = zero && w == 0;
  puts_(zero ? ".bss ok\n" : ".bss WRONG (not zeroed)\n");
  if (!ok || !zero) return 1;
  puts_("uart: polled output\n");
  uart_enable_tx_irq();
  // More bytes than the ring holds: the producer waits for the interrupt to drain it.
  puts_("uart: interrupt-driven output through the ring buffer:");
  for (int i = 0; i < 6; ++i) puts_(" 0123456789abcdefghijklmnopqrstuvwxyz");
  puts_("\n");
  uart_flush();
  tick_hook = [] { boot_ticks = boot_ticks + 1; };
  SYST_RVR = kCpuHz / 1000 - 1;                    // 1 ms
  SYST_CVR = 0;
  SYST_CSR = 7;
  while (boot_ticks < 5) wfi();
  SYST_CSR = 0;
  puts_("systick: 5 ticks of 1 ms\n");
  puts_("boot: ok\n");
  uart_flush();
  return 0;
}

// ---- Scenario: instruction counts of Q15 against software float ------------------------------
// Under -icount every instruction advances virtual time by the same amount,
// so SysTick's count is an instruction count (README, "Counting cycles").
constexpr int kTaps = 32, kSamples = 256;
static int16_t fir_h[kTaps], fir_x[kSamples], fir_y[kSamples];
static float fir_hf[kTaps], fir_xf[kSamples], fir_yf[kSamples];
__attribute__((noinline)) static void fir_float(const float* h, int taps, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) {
    float acc = 0.0f;
    const int kmax = i + 1 < taps ? i + 1 : taps;
    for (int k = 0; k < kmax; ++k) acc += h[k] * x[i - k];
    y[i] = acc;
  }
}
static uint32_t systick_elapsed(uint32_t start) { return (start - SYST_CVR) & 0xFFFFFF; }
static int scenario_cycles() {
  // The same inputs as the host test (tests/test_bare_metal.cpp: cycles_input).
  uint32_t s = 12345;
  for (int k = 0; k < kTaps; ++k) {
    fir_h[k] = int16_t((k < kTaps / 2 ? k + 1 : kTaps - k) * 120);
    fir_hf[k] = float(fir_h[k]) / 32768.0f;
  }
  for (int i = 0; i < kSamples; ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    fir_x[i] = int16_t(s >> 16);
    fir_xf[i] = float(fir_x[i]) / 32768.0f;
  }
  SYST_RVR = 0xFFFFFF;
  SYST_CVR = 0;
  SYST_CSR = 5;                                    // CPU clock, no interrupt
  uint32_t t0 = SYST_CVR;
  impl::fir_q15(fir_h, kTaps, fir_x, fir_y, kSamples);
  const uint32_t q15 = systick_elapsed(t0);
  t0 = SYST_CVR;
  fir_float(fir_hf, kTaps, fir_xf, fir_yf, kSamples);
  const uint32_t flt = systick_elapsed(t0);
  int64_t sum_q = 0, sum_f = 0;
  for (int i = 0; i < kSamples; ++i) {
    sum_q += fir_y[i] * (i % 7 + 1);
    sum_f += bare_metal::to_q15(double(fir_yf[i])) * (i % 7 + 1);  // double in software too
  }
  puts_("cycles: fir taps=");
  put_dec(kTaps);
  puts_(" samples=");
  put_dec(kSamples);
  puts_(" q15_ticks=");
  put_dec(q15);
  puts_(" float_ticks=");
  put_dec(flt);
  puts_(" q15_checksum=");
  put_dec(sum_q);
  puts_(" float_checksum=");
  put_dec(sum_f);
  puts_("\n");
  return 0;
}

static int scenario_fault() {
  puts_("fault: calling fault_site at ");
  put_hex(uint32_t(&fault_site) & ~1u);
  puts_(" (an undefined instruction)\n");
  fault_site();
  puts_("fault: still running?\n");
  return 1;
}

static int scenario_hang() {
  puts_("hang: spinning forever, interrupts off\n");
  irq_off();
  for (;;) __asm__ __volatile__("" ::: "memory");
}

static bool equals(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

extern "C" int main() {
  uart_init();
  char cmdline[96] = {};
  uint32_t block[2] = {uint32_t(cmdline), sizeof cmdline - 1};
  if (semihost(0x15, block) != 0) cmdline[0] = 0;  // SYS_GET_CMDLINE
  const char* word = cmdline;                      // the last word
  for (const char* p = cmdline; *p; ++p)
    if (*p == ' ' && p[1]) word = p + 1;
  puts_("bare-metal: scenario '");
  puts_(word);
  puts_("'\n");
  if (equals(word, "boot")) return scenario_boot();
  if (equals(word, "fault")) return scenario_fault();
  if (equals(word, "hang")) return scenario_hang();
  if (equals(word, "inversion")) return scenario_inversion(false);
  if (equals(word, "inherit")) return scenario_inversion(true);
  if (equals(word, "queue")) return scenario_queue();
  if (equals(word, "sched")) return scenario_sched();
  if (equals(word, "cycles")) return scenario_cycles();
  puts_("unknown scenario: the choices are boot fault hang inversion inherit queue sched cycles\n");
  return 2;
}

// ---- The vector table ------------------------------------------------------------------------
extern "C" uint32_t __stack_top__[];
extern "C" void reset_handler();
using Handler = void (*)();
__attribute__((section(".vectors"), used)) static const Handler vector_table[16 + 32] = {
    reinterpret_cast<Handler>(__stack_top__),      // 0: initial main stack pointer
    reset_handler,                                 // 1: Reset
    default_handler,                               // 2: NMI
    hardfault_handler,                             // 3: HardFault
    default_handler,                               // 4: MemManage (disabled: escalates to HardFault)
    default_handler,                               // 5: BusFault (likewise)
    default_handler,                               // 6: UsageFault (likewise)
    nullptr, nullptr, nullptr, nullptr,            // 7-10: reserved
    svc_handler,                                   // 11: SVCall
    default_handler,                               // 12: DebugMonitor
    nullptr,                                       // 13: reserved
    pendsv_handler,                                // 14: PendSV
    systick_handler,                               // 15: SysTick
    default_handler,                               // IRQ 0: UART0 RX
    uart0_tx_handler,                              // IRQ 1: UART0 TX
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
};
