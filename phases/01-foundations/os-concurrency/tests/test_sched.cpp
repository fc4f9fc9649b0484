// Part 3: the scheduling policies against answers computed by hand (the
// working is in the comments, tick by tick), most from OSTEP chapters 7 and
// 8 (Arpaci-Dusseau, "Operating Systems: Three Easy Pieces"). Built twice,
// against the reference and against student/ (LABKIT_IMPL).
#include <gtest/gtest.h>

#include <sstream>

#include "os_concurrency.hpp"

namespace sched = os_concurrency::sched;
namespace impl = os_concurrency::LABKIT_IMPL;

namespace {

sched::Trace trace(const std::string& text) {
  std::istringstream in(text);
  return sched::parse_trace(in, "test.trace");
}

sched::Result run(const std::string& text, std::unique_ptr<sched::Scheduler> policy) {
  return sched::simulate(trace(text), *policy, "test");
}

std::vector<sched::Time> completions(const sched::Result& r) {
  std::vector<sched::Time> c;
  for (const auto& p : r.processes) c.push_back(p.completion);
  return c;
}

// The message of the TraceError the text throws, or "" when it parses.
std::string parse_error(const std::string& text) {
  try {
    trace(text);
  } catch (const sched::TraceError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// ------------------------------------------------------------------ the simulator (given)

TEST(Trace, ReadsBurstsAndOptions) {
  const auto t = trace("# a comment\n\nA 0 10 5 10 deadline=40   # trailing comment\nB 3 7 weight=2048\n");
  ASSERT_EQ(t.processes.size(), 2u);
  EXPECT_EQ(t.processes[0].name, "A");
  EXPECT_EQ(t.processes[0].bursts, (std::vector<sched::Time>{10, 5, 10}));
  EXPECT_EQ(t.processes[0].deadline, 40);
  EXPECT_EQ(t.processes[1].arrival, 3);
  EXPECT_EQ(t.processes[1].weight, 2048);
  EXPECT_EQ(t.processes[1].deadline, sched::kNoDeadline);
}

TEST(Trace, AMalformedLineIsNamedByFileAndLine) {
  EXPECT_EQ(parse_error("A 0 5\nB x 5\n"),
            "test.trace:2: expected an arrival time (an integer >= 0) after the name 'B', found 'x'");
  EXPECT_EQ(parse_error("A 0 5 3\n"), "test.trace:1: expected a CPU burst after the last I/O burst: a process starts and ends with CPU");
  EXPECT_EQ(parse_error("# header\nA 0 5 0 5\n"), "test.trace:2: expected an I/O burst (an integer > 0), found '0'");
  EXPECT_EQ(parse_error("A 0\n"), "test.trace:1: expected at least one CPU burst after the arrival time");
  EXPECT_EQ(parse_error("A 0 5\nA 1 5\n"), "test.trace:2: process 'A' is already defined on line 1");
  EXPECT_EQ(parse_error("A 0 5 nice=3\n"), "test.trace:1: unknown option 'nice' (expected deadline= or weight=)");
  EXPECT_EQ(parse_error("A 0 5 deadline=3 7\n"),
            "test.trace:1: expected key=value (deadline=, weight=) after the options began, found '7'");
}

TEST(Fcfs, OstepFigure7_1_ThreeEqualJobs) {
  // A, B, C arrive at 0, 10 ticks each: done at 10, 20, 30; turnaround (10+20+30)/3 = 20.
  const auto r = run("A 0 10\nB 0 10\nC 0 10\n", impl::make_fcfs());
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{10, 20, 30}));
  EXPECT_DOUBLE_EQ(r.avg_turnaround(), 20.0);
}

TEST(Fcfs, IoOverlapsWithTheOtherProcess) {
  // A: 3 CPU, 2 I/O, 3 CPU; B: 4 CPU; both at 0.
  //   0-3 A, A's I/O 3-5; 3-7 B (done 7); A ready at 5, waits; 7-10 A (done 10).
  //   A: turnaround 10, response 0, waiting 10 - 6 CPU - 2 I/O = 2. B: 7, 3, 3.
  const auto r = run("A 0 3 2 3\nB 0 4\n", impl::make_fcfs());
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{10, 7}));
  EXPECT_EQ(r.processes[0].waiting(), 2);
  EXPECT_EQ(r.processes[1].response(), 3);
  EXPECT_EQ(r.processes[1].waiting(), 3);
  ASSERT_EQ(r.gantt.size(), 3u);
  EXPECT_EQ(r.gantt[1].pid, 1);
  EXPECT_EQ(r.gantt[1].start, 3);
  EXPECT_EQ(r.gantt[1].end, 7);
}

// ------------------------------------------------------------------ your policies

TEST(Sjf, OstepFigures7_2And7_3_TheConvoyEffect) {
  // A 100, B 10, C 10, all at 0. FCFS: 100, 110, 120 -> turnaround 110.
  // SJF: B 0-10, C 10-20, A 20-120 -> (120 + 10 + 20) / 3 = 50.
  const std::string t = "A 0 100\nB 0 10\nC 0 10\n";
  EXPECT_DOUBLE_EQ(run(t, impl::make_fcfs()).avg_turnaround(), 110.0);
  const auto r = run(t, impl::make_sjf());
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{120, 10, 20}));
  EXPECT_DOUBLE_EQ(r.avg_turnaround(), 50.0);
}

TEST(Sjf, NonPreemptiveAndByNextBurst) {
  // A 0 100; B, C arrive at 10 with 10 each. SJF does not preempt A:
  // A 0-100, B 100-110, C 110-120 (OSTEP's case for STCF, which would).
  const auto r = run("A 0 100\nB 10 10\nC 10 10\n", impl::make_sjf());
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{100, 110, 120}));
  // D: 2 CPU, 1 I/O, 3 CPU; E: 20 CPU; both at 0. SJF: D 0-2 (shorter), E
  // 2-22 (D's I/O ends at 3 but E is not preempted), D 22-25.
  const auto r2 = run("D 0 2 1 3\nE 0 20\n", impl::make_sjf());
  EXPECT_EQ(completions(r2), (std::vector<sched::Time>{25, 22}));
}

TEST(RoundRobin, OstepFigure7_7_QuantumOne) {
  // A, B, C at 0, 5 ticks each, quantum 1: A B C A B C ... A done at 13,
  // B 14, C 15: turnaround 14; response (0 + 1 + 2) / 3 = 1. SJF: response
  // (0 + 5 + 10) / 3 = 5, turnaround (5 + 10 + 15) / 3 = 10.
  const std::string t = "A 0 5\nB 0 5\nC 0 5\n";
  const auto rr = run(t, impl::make_round_robin(1));
  EXPECT_EQ(completions(rr), (std::vector<sched::Time>{13, 14, 15}));
  EXPECT_DOUBLE_EQ(rr.avg_response(), 1.0);
  EXPECT_DOUBLE_EQ(rr.avg_turnaround(), 14.0);
  const auto sjf = run(t, impl::make_sjf());
  EXPECT_DOUBLE_EQ(sjf.avg_response(), 5.0);
  EXPECT_DOUBLE_EQ(sjf.avg_turnaround(), 10.0);
}

TEST(RoundRobin, ANewArrivalQueuesAheadOfThePreemptedJob) {
  // Quantum 2. A 0 4, B 2 2. 0-2 A; at 2 B arrives and A's quantum ends:
  // B is queued first, then A. 2-4 B (done 4), 4-6 A (done 6).
  const auto r = run("A 0 4\nB 2 2\n", impl::make_round_robin(2));
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{6, 4}));
}

namespace {
sched::MlfqConfig three_levels_of_10() {
  sched::MlfqConfig c;
  c.quantum = {10, 10, 10};
  return c;
}
}  // namespace

TEST(Mlfq, OstepFigure8_3_AShortJobCutsIn) {
  // A: 200 ticks at 0; B: 20 ticks at 100. Three levels, quantum 10.
  // A: 0-10 at level 0, 10-20 at 1, then level 2 from 20. B arrives at 100
  // at level 0 and preempts A: 100-110 at level 0, 110-120 at level 1 (still
  // above A), done at 120: turnaround 20, response 0. A resumes, done at 220.
  const auto r = run("A 0 200\nB 100 20\n", impl::make_mlfq(three_levels_of_10()));
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{220, 120}));
  EXPECT_EQ(r.processes[1].response(), 0);
}

TEST(Mlfq, TheAllotmentCountsAcrossIo) {
  // OSTEP figure 8.4: B does I/O just before its quantum would end, to keep
  // its priority. Rule 4 charges the allotment across I/O, so B is demoted
  // anyway. A: 30 CPU; B: 6 CPU, 1 I/O, 6 CPU, 1 I/O, 6 CPU; both at 0.
  // Three levels, quantum = allotment = 10.
  //   0-10  A (L0; used 10: demoted to L1)
  //   10-16 B (L0, used 6), I/O 16-17
  //   16-17 A (L1, used 1); at 17 B is back at L0 and preempts A
  //   17-21 B (L0, used 10: demoted to L1 with 2 ticks of its burst left)
  //   21-30 A (L1, used 10: demoted to L2)
  //   30-32 B (L1, used 2), I/O 32-33
  //   32-33 A (L2); at 33 B (L1) preempts it
  //   33-39 B (L1, used 8): done at 39
  //   39-48 A: 21 ticks done, 9 to go: done at 48.
  // Resetting B's allotment when it blocks instead (the gameable rule) gives
  // B 17-23 and 24-30 at L0, done at 30; never demoting gives B done at 49.
  const auto r = run("A 0 30\nB 0 6 1 6 1 6\n", impl::make_mlfq(three_levels_of_10()));
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{48, 39}));
}

TEST(Cfs, EqualWeightsTakeTurnsOfHalfTheLatency) {
  // A, B: 30 ticks each at 0, weight 1024; latency 6, so each slice is
  // 6 * 1024 / 2048 = 3. A 0-3 (vruntime 3), B 3-6 (3), A 6-9 (tie: A was
  // ready first)... A's 10th slice is 54-57, B's 57-60.
  const auto r = run("A 0 30\nB 0 30\n", impl::make_cfs({}));
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{57, 60}));
  ASSERT_GE(r.gantt.size(), 2u);
  EXPECT_EQ(r.gantt[0].end, 3);
}

TEST(Cfs, TwiceTheWeightGetsTwiceTheCpu) {
  // A weight 2048, B 1024, 30 ticks each, latency 6: slices 6 * 2048 / 3072
  // = 4 and 2; both age by 2 per turn (4 * 1024/2048, 2 * 1024/1024). Each
  // 6-tick round gives A 4 and B 2: after 7 rounds (42) A has 28, so A is
  // done at 44; B, alone, has 16 left: done at 60.
  const auto r = run("A 0 30 weight=2048\nB 0 30 weight=1024\n", impl::make_cfs({}));
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{44, 60}));
}

TEST(Cfs, ALateArrivalStartsAtTheMinimumVruntime) {
  // A: 20 at 0; B: 10 at 10; slices of 3. A runs alone 0-10 (vruntime 10).
  // B enters at min_vruntime = 10, not 0 (from 0 it would run 10 ticks
  // straight to "catch up"). At 10 B is queued first (arrivals before the
  // preempted job), so on equal vruntimes B goes first:
  //   B 10-13 (13), A 13-16 (13), B 16-19 (16), A 19-22 (16), B 22-25 (19),
  //   A 25-28 (19; 19 ticks done), B 28-29 (its 10th tick: done at 29), A 29-30.
  const auto r = run("A 0 20\nB 10 10\n", impl::make_cfs({}));
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{30, 29}));
}

TEST(Edf, AnEarlierDeadlinePreempts) {
  // A (0, 4 CPU, due 10), B (1, 2, due 4), C (2, 1, due 20).
  // EDF: A 0-1; B arrives due earlier and preempts: B 1-3; A 3-6; C 6-7. No miss.
  // FCFS: A 0-4, B 4-6 misses its deadline of 4, C 6-7.
  const std::string t = "A 0 4 deadline=10\nB 1 2 deadline=4\nC 2 1 deadline=20\n";
  const auto edf = run(t, impl::make_edf());
  EXPECT_EQ(completions(edf), (std::vector<sched::Time>{6, 3, 7}));
  EXPECT_EQ(edf.deadline_misses(), 0);
  EXPECT_EQ(run(t, impl::make_fcfs()).deadline_misses(), 1);
}

TEST(Edf, JobsWithoutADeadlineRunLast) {
  // A (0, 3, no deadline), B (0, 2, due 5): B 0-2, A 2-5.
  const auto r = run("A 0 3\nB 0 2 deadline=5\n", impl::make_edf());
  EXPECT_EQ(completions(r), (std::vector<sched::Time>{5, 2}));
}
