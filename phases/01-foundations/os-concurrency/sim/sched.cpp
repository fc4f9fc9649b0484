// Part 3's simulator, shared by the reference and your policies: the trace
// reader, the clock, the I/O device, the statistics and the Gantt chart.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "sched.hpp"

namespace os_concurrency::sched {

Scheduler::~Scheduler() = default;
void Scheduler::ran_tick(const Job&, Time) {}
void Scheduler::left_cpu(const Job&, bool, Time) {}

// ------------------------------------------------------------------ traces

namespace {

bool parse_int(const std::string& s, Time& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

}  // namespace

Trace parse_trace(std::istream& in, const std::string& file_name) {
  Trace trace;
  std::map<std::string, int> line_of;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    const auto fail = [&](const std::string& what) {
      throw TraceError(file_name + ":" + std::to_string(line_no) + ": " + what);
    };
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    if (w.empty()) continue;

    Process p;
    p.name = w[0];
    if (auto seen = line_of.find(p.name); seen != line_of.end())
      fail("process '" + p.name + "' is already defined on line " + std::to_string(seen->second));
    if (w.size() < 2) fail("expected an arrival time after the name '" + p.name + "', found the end of the line");
    if (!parse_int(w[1], p.arrival) || p.arrival < 0)
      fail("expected an arrival time (an integer >= 0) after the name '" + p.name + "', found '" + w[1] + "'");
    std::size_t i = 2;
    for (; i < w.size() && w[i].find('=') == std::string::npos; ++i) {
      Time t;
      const bool cpu = p.bursts.size() % 2 == 0;
      if (!parse_int(w[i], t) || t <= 0)
        fail(std::string("expected ") + (cpu ? "a CPU" : "an I/O") + " burst (an integer > 0), found '" + w[i] + "'");
      p.bursts.push_back(t);
    }
    if (p.bursts.empty()) fail("expected at least one CPU burst after the arrival time");
    if (p.bursts.size() % 2 == 0)
      fail("expected a CPU burst after the last I/O burst: a process starts and ends with CPU");
    for (; i < w.size(); ++i) {
      const auto eq = w[i].find('=');
      const std::string key = w[i].substr(0, eq), value = w[i].substr(eq == std::string::npos ? w[i].size() : eq + 1);
      Time v;
      if (eq == std::string::npos)
        fail("expected key=value (deadline=, weight=) after the options began, found '" + w[i] + "'");
      if (key == "deadline") {
        if (!parse_int(value, v) || v < 0) fail("expected deadline=<tick>, a tick >= 0, found '" + w[i] + "'");
        p.deadline = v;
      } else if (key == "weight") {
        if (!parse_int(value, v) || v <= 0 || v > 1000000) fail("expected weight=<w>, 1 to 1000000, found '" + w[i] + "'");
        p.weight = static_cast<int>(v);
      } else {
        fail("unknown option '" + key + "' (expected deadline= or weight=)");
      }
    }
    line_of[p.name] = line_no;
    trace.processes.push_back(std::move(p));
  }
  return trace;
}

Trace load_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TraceError(path + ": cannot open the trace");
  return parse_trace(in, path);
}

// ------------------------------------------------------------------ the simulator

Result simulate(const Trace& trace, Scheduler& policy, const std::string& policy_name) {
  const int n = static_cast<int>(trace.processes.size());
  struct State {
    std::size_t burst = 0;  // index into bursts: even = CPU
    Time remaining = 0;     // of the current burst
    Time io_done = -1;      // when blocked: the tick its I/O completes
    bool arrived = false, ready = false, done = false;
  };
  std::vector<State> st(n);
  Result r;
  r.policy = policy_name;
  for (const auto& p : trace.processes) {
    ProcessStats s;
    s.name = p.name;
    s.arrival = p.arrival;
    s.deadline = p.deadline;
    r.processes.push_back(s);
  }
  const auto job = [&](int pid) {
    const Process& p = trace.processes[pid];
    Job j;
    j.pid = pid;
    j.arrival = p.arrival;
    j.burst = p.bursts[st[pid].burst];
    j.remaining = st[pid].remaining;
    j.deadline = p.deadline;
    j.weight = p.weight;
    return j;
  };
  const auto record = [&](int pid, Time t) {
    if (!r.gantt.empty() && r.gantt.back().pid == pid && r.gantt.back().end == t)
      ++r.gantt.back().end;
    else
      r.gantt.push_back({pid, t, t + 1});
  };

  int finished = 0, running = -1;
  Time ran = 0, idle_with_ready = 0;
  for (Time now = 0; finished < n; ++now) {
    // 1. Arrivals and I/O completions, in pid order.
    for (int pid = 0; pid < n; ++pid) {
      State& s = st[pid];
      const Process& p = trace.processes[pid];
      if (!s.arrived && p.arrival == now) {
        s.arrived = true;
        s.remaining = p.bursts[0];
      } else if (s.io_done == now) {
        s.io_done = -1;
        ++s.burst;
        s.remaining = p.bursts[s.burst];
      } else {
        continue;
      }
      s.ready = true;
      policy.ready(job(pid), now);
    }
    // 2. Preemption.
    if (running >= 0 && policy.preempt(job(running), ran, now)) {
      st[running].ready = true;
      policy.ready(job(running), now);
      running = -1;
    }
    // 3. Dispatch.
    if (running < 0) {
      const int pid = policy.pick(now);
      if (pid >= 0) {
        if (pid >= n || !st[pid].ready)
          throw std::logic_error(policy_name + ": pick() returned pid " + std::to_string(pid) + " at tick " +
                                 std::to_string(now) + ", which is not ready");
        st[pid].ready = false;
        running = pid;
        ran = 0;
        if (r.processes[pid].first_run < 0) r.processes[pid].first_run = now;
      }
    }
    // 4. One tick.
    if (running < 0) {
      const bool any_ready = std::any_of(st.begin(), st.end(), [](const State& s) { return s.ready; });
      if (any_ready && ++idle_with_ready > 1000000)
        throw std::logic_error(policy_name + ": the CPU stayed idle for a million ticks while processes were ready");
      record(-1, now);
      continue;
    }
    idle_with_ready = 0;
    record(running, now);
    ++ran;
    ++r.processes[running].cpu;
    --st[running].remaining;
    policy.ran_tick(job(running), now);
    // 5. The end of a CPU burst.
    if (st[running].remaining == 0) {
      State& s = st[running];
      const Process& p = trace.processes[running];
      const bool last = s.burst + 1 == p.bursts.size();
      policy.left_cpu(job(running), last, now + 1);
      if (last) {
        s.done = true;
        r.processes[running].completion = now + 1;
        ++finished;
      } else {
        ++s.burst;  // now the I/O burst
        r.processes[running].io += p.bursts[s.burst];
        s.io_done = now + 1 + p.bursts[s.burst];
      }
      running = -1;
    }
  }
  // Trailing idle time is not part of the schedule.
  while (!r.gantt.empty() && r.gantt.back().pid < 0) r.gantt.pop_back();
  return r;
}

// ------------------------------------------------------------------ statistics

namespace {
template <class F>
double average(const Result& r, F f) {
  if (r.processes.empty()) return 0;
  double sum = 0;
  for (const auto& p : r.processes) sum += static_cast<double>(f(p));
  return sum / static_cast<double>(r.processes.size());
}
}  // namespace

double Result::avg_turnaround() const { return average(*this, [](const ProcessStats& p) { return p.turnaround(); }); }
double Result::avg_response() const { return average(*this, [](const ProcessStats& p) { return p.response(); }); }
double Result::avg_waiting() const { return average(*this, [](const ProcessStats& p) { return p.waiting(); }); }
int Result::deadline_misses() const {
  return static_cast<int>(std::count_if(processes.begin(), processes.end(), [](const ProcessStats& p) { return p.missed_deadline(); }));
}
Time Result::makespan() const { return gantt.empty() ? 0 : gantt.back().end; }

std::string format_table(const std::vector<Result>& results) {
  std::ostringstream o;
  o << std::left << std::setw(14) << "policy" << std::right << std::setw(12) << "turnaround" << std::setw(10)
    << "response" << std::setw(10) << "waiting" << std::setw(10) << "missed" << std::setw(10) << "makespan" << "\n";
  o << std::fixed << std::setprecision(2);
  for (const auto& r : results)
    o << std::left << std::setw(14) << r.policy << std::right << std::setw(12) << r.avg_turnaround() << std::setw(10)
      << r.avg_response() << std::setw(10) << r.avg_waiting() << std::setw(10) << r.deadline_misses() << std::setw(10)
      << r.makespan() << "\n";
  o << "(averages over the processes, in ticks; missed: deadlines missed)\n";
  return o.str();
}

std::string format_details(const Result& r) {
  std::ostringstream o;
  o << r.policy << "\n"
    << std::left << std::setw(10) << "process" << std::right << std::setw(8) << "arrive" << std::setw(8) << "first"
    << std::setw(8) << "done" << std::setw(12) << "turnaround" << std::setw(10) << "response" << std::setw(9)
    << "waiting" << std::setw(10) << "deadline" << "\n";
  for (const auto& p : r.processes) {
    o << std::left << std::setw(10) << p.name << std::right << std::setw(8) << p.arrival << std::setw(8)
      << p.first_run << std::setw(8) << p.completion << std::setw(12) << p.turnaround() << std::setw(10)
      << p.response() << std::setw(9) << p.waiting() << std::setw(10);
    if (p.deadline == kNoDeadline)
      o << "-";
    else
      o << (std::to_string(p.deadline) + (p.missed_deadline() ? " MISSED" : " met"));
    o << "\n";
  }
  return o.str();
}

// ------------------------------------------------------------------ Gantt chart

namespace {
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}
}  // namespace

void write_gantt_svg(std::ostream& out, const Trace& trace, const std::vector<Result>& results) {
  static const char* const kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  const int lanes = static_cast<int>(trace.processes.size());
  Time end = 1;
  for (const auto& r : results) end = std::max(end, r.makespan());
  const double left = 110, right = 20, lane_h = 16, band_gap = 34, top = 40;
  const double width = 900, plot_w = width - left - right;
  const double band_h = lanes * lane_h;
  const double height = top + static_cast<double>(results.size()) * (band_h + band_gap) + 20;
  const auto x = [&](Time t) { return left + plot_w * static_cast<double>(t) / static_cast<double>(end); };
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  out << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out << "<text x=\"" << left << "\" y=\"20\" font-size=\"14\">CPU schedule per policy (ticks 0 to " << end
      << ")</text>\n";
  // Tick marks: about ten, on round numbers.
  Time step = 1;
  for (Time m = 1;; m *= 10) {
    if (end <= 10 * m) { step = m; break; }
    if (end <= 20 * m) { step = 2 * m; break; }
    if (end <= 50 * m) { step = 5 * m; break; }
  }
  for (std::size_t b = 0; b < results.size(); ++b) {
    const double y0 = top + static_cast<double>(b) * (band_h + band_gap);
    out << "<text x=\"4\" y=\"" << y0 - 6 << "\" font-weight=\"bold\">" << escape(results[b].policy) << "</text>\n";
    for (int pid = 0; pid < lanes; ++pid)
      out << "<text x=\"" << left - 6 << "\" y=\"" << y0 + pid * lane_h + lane_h * 0.75
          << "\" text-anchor=\"end\">" << escape(trace.processes[pid].name) << "</text>\n";
    out << "<rect x=\"" << left << "\" y=\"" << y0 << "\" width=\"" << plot_w << "\" height=\"" << band_h
        << "\" fill=\"none\" stroke=\"#ccc\"/>\n";
    for (const Slice& s : results[b].gantt) {
      if (s.pid < 0) continue;
      out << "<rect x=\"" << x(s.start) << "\" y=\"" << y0 + s.pid * lane_h + 2 << "\" width=\"" << x(s.end) - x(s.start)
          << "\" height=\"" << lane_h - 4 << "\" fill=\"" << kColors[s.pid % 10] << "\"><title>"
          << escape(trace.processes[s.pid].name) << ": " << s.start << " to " << s.end << "</title></rect>\n";
    }
    for (Time t = 0; t <= end; t += step)
      out << "<text x=\"" << x(t) << "\" y=\"" << y0 + band_h + 12 << "\" text-anchor=\"middle\" fill=\"#555\">" << t
          << "</text>\n";
  }
  out << "</svg>\n";
}

}  // namespace os_concurrency::sched
