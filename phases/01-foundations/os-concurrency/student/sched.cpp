// Part 3, your scheduling policies for the simulator in sim/ (sched.hpp
// says when it calls each method). FCFS is written as the worked example;
// each TODO is a method or two. Edit only files in student/.
#include <algorithm>
#include <deque>
#include <limits>
#include <vector>

#include <labkit/todo.hpp>

#include "os_concurrency.hpp"

namespace os_concurrency::student {

using sched::Job;
using sched::Time;

namespace {

// A ready set kept in arrival order; the policies below scan it (traces are
// small; a real kernel uses a heap or a red-black tree).
struct ReadyList {
  std::vector<Job> jobs;
  int take(std::size_t i) {
    const int pid = jobs[i].pid;
    jobs.erase(jobs.begin() + static_cast<std::ptrdiff_t>(i));
    return pid;
  }
  // The first job (in ready order) minimizing key(job), or -1 when empty.
  template <class Key>
  int take_min(Key key) {
    if (jobs.empty()) return -1;
    std::size_t best = 0;
    for (std::size_t i = 1; i < jobs.size(); ++i)
      if (key(jobs[i]) < key(jobs[best])) best = i;
    return take(best);
  }
};

// ------------------------------------------------------------------ FCFS
class Fcfs : public sched::Scheduler {
 public:
  void ready(const Job& j, Time) override { q_.jobs.push_back(j); }
  int pick(Time) override { return q_.jobs.empty() ? -1 : q_.take(0); }
  bool preempt(const Job&, Time, Time) override { return false; }

 private:
  ReadyList q_;
};

// ------------------------------------------------------------------ SJF
// Non-preemptive: the ready job with the shortest next CPU burst (an oracle
// that real schedulers estimate from past bursts); ties in ready order.
class Sjf : public sched::Scheduler {
 public:
  void ready(const Job& j, Time) override { q_.jobs.push_back(j); }
  int pick(Time) override {
    // TODO(5): remove and return the ready job with the shortest remaining
    // CPU burst (ReadyList::take_min does the scan), ties in ready order; -1 when none.
    LABKIT_TODO(5, "Sjf::pick in student/sched.cpp: the shortest next CPU burst first");
  }
  bool preempt(const Job&, Time, Time) override { return false; }

 private:
  ReadyList q_;
};

// ------------------------------------------------------------------ round robin
class RoundRobin : public sched::Scheduler {
 public:
  explicit RoundRobin(Time quantum) : quantum_(quantum < 1 ? 1 : quantum) {}
  void ready(const Job& j, Time) override { q_.jobs.push_back(j); }
  int pick(Time) override { return q_.jobs.empty() ? -1 : q_.take(0); }
  // At the end of its quantum the job goes to the back of the queue, behind
  // whatever arrived meanwhile; alone, it is simply picked again.
  bool preempt(const Job& j, Time ran, Time now) override {
    // TODO(6): true when the running job has used up its quantum.
    (void)j, (void)ran, (void)now;
    LABKIT_TODO(6, "RoundRobin::preempt in student/sched.cpp: preempt at the end of the quantum");
  }

 private:
  Time quantum_;
  ReadyList q_;
};

// ------------------------------------------------------------------ MLFQ
// OSTEP chapter 8:
//   Rule 1, 2: the highest non-empty level runs; round robin within a level.
//   Rule 3: a new job enters at the top level.
//   Rule 4: once a job has used its allotment at a level, however many times
//           it gave up the CPU meanwhile, it moves down one level.
//   Rule 5: every boost_period ticks, every job moves back to the top.
class Mlfq : public sched::Scheduler {
 public:
  explicit Mlfq(const sched::MlfqConfig& c) : quantum_(c.quantum), allotment_(c.allotment), boost_(c.boost_period) {
    if (quantum_.empty()) quantum_ = {10};
    if (allotment_.size() != quantum_.size()) allotment_ = quantum_;
    queues_.resize(quantum_.size());
    next_boost_ = boost_ > 0 ? boost_ : std::numeric_limits<Time>::max();
  }

  void ready(const Job& j, Time now) override {
    boost_if_due(now);
    grow(j.pid);
    if (!seen_[j.pid]) {  // Rule 3
      seen_[j.pid] = true;
      level_[j.pid] = 0;
      used_[j.pid] = 0;
    }
    queues_[level_[j.pid]].push_back(j.pid);
  }

  int pick(Time now) override {
    boost_if_due(now);
    for (auto& q : queues_)  // Rule 1
      if (!q.empty()) {
        const int pid = q.front();
        q.pop_front();
        return pid;
      }
    return -1;
  }

  bool preempt(const Job& j, Time ran, Time now) override {
    boost_if_due(now);
    if (demoted_[j.pid]) {  // its allotment ran out: to the back of its new level
      demoted_[j.pid] = false;
      return true;
    }
    const int level = level_[j.pid];
    for (int l = 0; l < level; ++l)
      if (!queues_[l].empty()) return true;  // a higher level has work (Rule 1)
    return ran >= quantum_[level];           // Rule 2: round robin within the level
  }

  void ran_tick(const Job& j, Time now) override {
    // TODO(7): Rule 4, the demotion rule. used_[pid] counts the ticks the job
    // has used at its level; once it reaches allotment_[level], move the job
    // one level down (unless it is at the bottom), reset used_, and set
    // demoted_[pid] so that preempt() takes it off the CPU. Think about when
    // used_ must NOT be reset: README, Part 3, "gaming the scheduler".
    (void)j, (void)now;
    LABKIT_TODO(7, "Mlfq::ran_tick in student/sched.cpp: the demotion rule (OSTEP's Rule 4)");
  }

  void left_cpu(const Job& j, bool, Time) override { demoted_[j.pid] = false; }

 private:
  void grow(int pid) {
    if (pid >= static_cast<int>(level_.size())) {
      level_.resize(pid + 1, 0);
      used_.resize(pid + 1, 0);
      seen_.resize(pid + 1, false);
      demoted_.resize(pid + 1, false);
    }
  }
  void boost_if_due(Time now) {  // Rule 5
    if (now < next_boost_) return;
    while (next_boost_ <= now) next_boost_ += boost_;
    for (std::size_t l = 1; l < queues_.size(); ++l) {
      for (int pid : queues_[l]) queues_[0].push_back(pid);
      queues_[l].clear();
    }
    std::fill(level_.begin(), level_.end(), 0);
    std::fill(used_.begin(), used_.end(), 0);
  }

  std::vector<Time> quantum_, allotment_;
  Time boost_, next_boost_;
  std::vector<std::deque<int>> queues_;
  std::vector<int> level_;
  std::vector<Time> used_;
  std::vector<bool> seen_, demoted_;
};

// ------------------------------------------------------------------ CFS
// A job's virtual runtime grows by its CPU time scaled by 1024 / weight, so a
// job of twice the weight ages half as fast and gets twice the CPU. The job
// with the least vruntime runs, for a slice of sched_latency shared in
// proportion to weight (at least min_granularity). A job that becomes ready
// starts no lower than the smallest vruntime around (min_vruntime), so one
// that slept long does not monopolize the CPU to "catch up".
class Cfs : public sched::Scheduler {
 public:
  explicit Cfs(const sched::CfsConfig& c) : c_(c) {}

  void ready(const Job& j, Time) override {
    if (j.pid >= static_cast<int>(vruntime_.size())) vruntime_.resize(j.pid + 1, 0.0);
    vruntime_[j.pid] = std::max(vruntime_[j.pid], min_vruntime_);
    q_.jobs.push_back(j);
  }

  int pick(Time now) override {
    // TODO(8): remove and return the ready job with the least virtual runtime
    // (vruntime_[pid]), ties in ready order; -1 when none.
    (void)now;
    LABKIT_TODO(8, "Cfs::pick in student/sched.cpp: the least virtual runtime first");
  }

  bool preempt(const Job& j, Time ran, Time) override {
    if (q_.jobs.empty()) return false;  // alone: nothing to share the CPU with
    double total = j.weight;
    for (const Job& o : q_.jobs) total += o.weight;
    const auto slice = std::max<Time>(c_.min_granularity, static_cast<Time>(static_cast<double>(c_.sched_latency) * j.weight / total));
    return ran >= slice;
  }

  void ran_tick(const Job& j, Time now) override {
    // TODO(8): one tick of CPU ages the job by 1024 / weight; then update_min().
    (void)j, (void)now;
    LABKIT_TODO(8, "Cfs::ran_tick in student/sched.cpp: advance the virtual runtime by weight");
  }

 private:
  void update_min(int running) {
    double m = vruntime_[running];
    for (const Job& o : q_.jobs) m = std::min(m, vruntime_[o.pid]);
    min_vruntime_ = std::max(min_vruntime_, m);  // never decreases
  }

  sched::CfsConfig c_;
  ReadyList q_;
  std::vector<double> vruntime_;
  double min_vruntime_ = 0;
};

// ------------------------------------------------------------------ EDF
// Preemptive: the ready job with the earliest absolute deadline runs; a job
// without one counts as due at infinity. A newly ready job preempts the
// running one only with a strictly earlier deadline.
[[maybe_unused]] Time due(const Job& j) { return j.deadline == sched::kNoDeadline ? std::numeric_limits<Time>::max() : j.deadline; }

class Edf : public sched::Scheduler {
 public:
  void ready(const Job& j, Time) override { q_.jobs.push_back(j); }
  int pick(Time now) override {
    // TODO(9): remove and return the ready job due first (due()), ties in ready order.
    (void)now;
    LABKIT_TODO(9, "Edf::pick in student/sched.cpp: the earliest deadline first");
  }
  bool preempt(const Job& j, Time ran, Time now) override {
    // TODO(9): true when a ready job is due strictly before the running one.
    (void)j, (void)ran, (void)now;
    LABKIT_TODO(9, "Edf::preempt in student/sched.cpp: preempt for an earlier deadline");
  }

 private:
  ReadyList q_;
};

}  // namespace

std::unique_ptr<sched::Scheduler> make_fcfs() { return std::make_unique<Fcfs>(); }
std::unique_ptr<sched::Scheduler> make_sjf() { return std::make_unique<Sjf>(); }
std::unique_ptr<sched::Scheduler> make_round_robin(Time quantum) { return std::make_unique<RoundRobin>(quantum); }
std::unique_ptr<sched::Scheduler> make_mlfq(const sched::MlfqConfig& c) { return std::make_unique<Mlfq>(c); }
std::unique_ptr<sched::Scheduler> make_cfs(const sched::CfsConfig& c) { return std::make_unique<Cfs>(c); }
std::unique_ptr<sched::Scheduler> make_edf() { return std::make_unique<Edf>(); }

}  // namespace os_concurrency::student
