// os-concurrency, Part 3: a CPU scheduler simulator.
//
// Time is in ticks (think milliseconds). A process arrives, then alternates
// CPU bursts and I/O bursts, starting and ending with CPU. The simulator
// (sim/sched.cpp, written for you) owns the clock, the I/O device and the
// bookkeeping; a policy, a Scheduler, only answers three questions: who runs
// next (pick), must the running process stop now (preempt), and what it
// learns from each tick (ran_tick). The policies are yours (student/sched.cpp).
//
// The trace format, one process a line ('#' starts a comment):
//   <name> <arrival> <cpu> [<io> <cpu>]... [deadline=<tick>] [weight=<w>]
//   A 0 10 5 10 deadline=40     # 10 ticks of CPU, 5 of I/O, 10 of CPU; done by 40
// deadline is absolute (EDF's priority; met when the process completes by it);
// weight is CFS's share (Linux gives nice 0 a weight of 1024, the default).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace os_concurrency::sched {

using Time = std::int64_t;
inline constexpr Time kNoDeadline = -1;

struct Process {
  std::string name;
  Time arrival = 0;
  std::vector<Time> bursts;  // CPU, I/O, CPU, ..., CPU: an odd count, each > 0
  Time deadline = kNoDeadline;
  int weight = 1024;
};

struct Trace {
  std::vector<Process> processes;  // pid = index
};

// A malformed trace: what() reads "file:line: what was expected, and what was found".
struct TraceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
Trace parse_trace(std::istream& in, const std::string& file_name);
Trace load_trace(const std::string& path);  // TraceError also when the file cannot be read

// What a policy sees of a process when it asks.
struct Job {
  int pid = -1;
  Time arrival = 0;
  Time burst = 0;      // the length of its current CPU burst (SJF's oracle)
  Time remaining = 0;  // what is left of that burst
  Time deadline = kNoDeadline;
  int weight = 1024;
};

// A scheduling policy. The simulator calls, at each tick `now`:
//   1. ready(job) for each process that arrives or finishes its I/O at `now`
//      (in pid order), then
//   2. preempt(running, ran) if a process is on the CPU (ran: ticks since it
//      was picked, at least 1); true puts it back with ready(), after the
//      arrivals of step 1 (the textbook round-robin order);
//   3. pick() if the CPU is free; -1 leaves it idle for this tick;
//   4. ran_tick(running) after the picked process runs for one tick;
//   5. left_cpu(job, finished) when its CPU burst ends (I/O or exit).
//
// The defaults (sim/sched.cpp) do nothing. They are defined there, not here,
// so that your policies' object files define only what is yours.
class Scheduler {
 public:
  virtual ~Scheduler();
  virtual void ready(const Job& job, Time now) = 0;
  virtual int pick(Time now) = 0;  // removes the pid it returns from the ready set
  virtual bool preempt(const Job& running, Time ran, Time now) = 0;
  virtual void ran_tick(const Job& running, Time now);
  virtual void left_cpu(const Job& job, bool finished, Time now);
};

struct MlfqConfig {
  std::vector<Time> quantum = {10, 10, 10};  // per level, top first
  std::vector<Time> allotment;               // CPU a job may use at a level before demotion; empty: = quantum
  Time boost_period = 0;                     // every so many ticks, all jobs go back to the top; 0: never
};

struct CfsConfig {
  Time sched_latency = 6;    // the period in which every ready job should run once
  Time min_granularity = 1;  // no slice is shorter
};

struct ProcessStats {
  std::string name;
  Time arrival = 0, first_run = -1, completion = -1, cpu = 0, io = 0;
  Time deadline = kNoDeadline;
  Time turnaround() const { return completion - arrival; }
  Time response() const { return first_run - arrival; }
  Time waiting() const { return turnaround() - cpu - io; }  // time spent ready, not running
  bool missed_deadline() const { return deadline != kNoDeadline && completion > deadline; }
};

struct Slice {
  int pid;  // -1: idle
  Time start, end;
};

struct Result {
  std::string policy;
  std::vector<ProcessStats> processes;  // by pid
  std::vector<Slice> gantt;             // consecutive, merged runs of one pid
  double avg_turnaround() const;
  double avg_response() const;
  double avg_waiting() const;
  int deadline_misses() const;
  Time makespan() const;
};

// Runs the trace to completion under `policy`. Throws std::logic_error when
// the policy picks a pid that is not ready, or leaves the CPU idle for more
// than a million ticks while processes are ready.
Result simulate(const Trace& trace, Scheduler& policy, const std::string& policy_name);

// One row per policy: average turnaround, response and waiting time, deadline misses.
std::string format_table(const std::vector<Result>& results);
// Per process and policy, one row each: what the table averages.
std::string format_details(const Result& result);
// A Gantt chart, one band per policy and one lane per process, as SVG 1.1.
void write_gantt_svg(std::ostream& out, const Trace& trace, const std::vector<Result>& results);

}  // namespace os_concurrency::sched
