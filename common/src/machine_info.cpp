// describe_machine(): what this machine is, read from more than one source.
//
// VMs and containers hide files that bare metal has (a cloud VM may have no
// /sys/devices/system/cpu/cpu0/cache at all, no cpufreq and no PMU), so every
// fact has a fallback, each fact records where it came from, and a fact that
// no source could give is listed in MachineInfo::unknown with what its
// absence costs. The files are read under MachineSources::root, so tests can
// point the reader at a fake root that lacks them.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "labkit/counters.hpp"
#include "labkit/cpu.hpp"
#include "labkit/machine.hpp"

#ifndef LABKIT_COMPILER
#define LABKIT_COMPILER "unknown"
#endif
#ifndef LABKIT_CXX_FLAGS
#define LABKIT_CXX_FLAGS ""
#endif
#ifndef LABKIT_BUILD_TYPE
#define LABKIT_BUILD_TYPE ""
#endif
#ifndef LABKIT_CONFIGURE_GIT_REVISION
#define LABKIT_CONFIGURE_GIT_REVISION "unknown"
#endif

namespace fs = std::filesystem;

namespace labkit {
namespace {

// The first line of a file, or "" when it does not exist or cannot be read.
std::string read_first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

// `/sys/...` under `root`: fs::path's operator/ would drop root for an absolute path.
fs::path under(const fs::path& root, const std::string& absolute) { return root / absolute.substr(1); }

std::uint64_t parse_size(const std::string& s) {  // "32K", "1024K", "32M"
  if (s.empty()) return 0;
  std::uint64_t v = std::strtoull(s.c_str(), nullptr, 10);
  switch (s.back()) {
    case 'K': return v << 10;
    case 'M': return v << 20;
    case 'G': return v << 30;
    default: return v;
  }
}

int count_cpus_in_list(const std::string& list) {  // "0-3,8" -> 5; "" -> 0 (unknown)
  int count = 0;
  std::stringstream ss(list);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const auto dash = part.find('-');
    if (dash == std::string::npos) {
      ++count;
    } else {
      count += std::atoi(part.substr(dash + 1).c_str()) - std::atoi(part.substr(0, dash).c_str()) + 1;
    }
  }
  return count;
}

std::string hex_hash(const std::string& s) {  // FNV-1a, 64 bit: short and stable
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  std::ostringstream os;
  os << std::hex << h;
  return os.str().substr(0, 12);
}

std::vector<CacheLevel> caches_from_sysfs(const fs::path& root) {
  const fs::path dir = under(root, "/sys/devices/system/cpu/cpu0/cache");
  std::vector<CacheLevel> caches;
  std::error_code ec;
  for (int i = 0; i < 16; ++i) {
    const fs::path idx = dir / ("index" + std::to_string(i));
    if (!fs::exists(idx, ec)) break;
    CacheLevel c;
    c.level = std::atoi(read_first_line(idx / "level").c_str());
    c.type = read_first_line(idx / "type");
    c.bytes = parse_size(read_first_line(idx / "size"));
    c.line_bytes = std::atoi(read_first_line(idx / "coherency_line_size").c_str());
    c.shared_by_cpus = count_cpus_in_list(read_first_line(idx / "shared_cpu_list"));
    c.source = "sysfs";
    if (c.level > 0 && c.bytes > 0) caches.push_back(c);
  }
  return caches;
}

std::vector<CacheLevel> caches_from_sysconf() {
  std::vector<CacheLevel> caches;
#if defined(_SC_LEVEL1_DCACHE_SIZE)
  struct Name {
    int level;
    const char* type;
    int size, line;
  };
  const Name names[] = {{1, "Data", _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL1_DCACHE_LINESIZE},
                        {1, "Instruction", _SC_LEVEL1_ICACHE_SIZE, _SC_LEVEL1_ICACHE_LINESIZE},
                        {2, "Unified", _SC_LEVEL2_CACHE_SIZE, _SC_LEVEL2_CACHE_LINESIZE},
                        {3, "Unified", _SC_LEVEL3_CACHE_SIZE, _SC_LEVEL3_CACHE_LINESIZE}};
  for (const auto& n : names) {
    const long size = sysconf(n.size);
    if (size <= 0) continue;
    CacheLevel c;
    c.level = n.level;
    c.type = n.type;
    c.bytes = static_cast<std::uint64_t>(size);
    c.line_bytes = static_cast<int>(std::max(0L, sysconf(n.line)));
    c.source = "sysconf";
    caches.push_back(c);
  }
#endif
  return caches;
}


// Intel's leaf 4 and AMD's leaf 0x8000001D share one layout: one sub-leaf per cache.
std::vector<CacheLevel> deterministic_cache_leaf(const CpuidFn& cpuid, std::uint32_t leaf) {
  static const char* kTypes[] = {"", "Data", "Instruction", "Unified"};
  std::vector<CacheLevel> caches;
  for (std::uint32_t sub = 0; sub < 16; ++sub) {
    const auto r = cpuid(leaf, sub);
    const std::uint32_t type = r[0] & 0x1f;
    if (type == 0 || type > 3) break;  // 0: no more caches
    const std::uint64_t line = (r[1] & 0xfff) + 1;
    const std::uint64_t partitions = ((r[1] >> 12) & 0x3ff) + 1;
    const std::uint64_t ways = ((r[1] >> 22) & 0x3ff) + 1;
    const std::uint64_t sets = static_cast<std::uint64_t>(r[2]) + 1;
    CacheLevel c;
    c.level = static_cast<int>((r[0] >> 5) & 0x7);
    c.type = kTypes[type];
    c.bytes = line * partitions * ways * sets;
    c.line_bytes = static_cast<int>(line);
    c.shared_by_cpus = static_cast<int>(((r[0] >> 14) & 0xfff) + 1);
    c.source = leaf == 4 ? "cpuid leaf 4" : "cpuid leaf 0x8000001D";
    caches.push_back(c);
  }
  return caches;
}

// AMD's older leaves: 0x80000005 gives L1 in KiB, 0x80000006 L2 in KiB and L3
// in 512 KiB units. They say nothing of sharing (left 0, unknown).
std::vector<CacheLevel> amd_legacy_cache_leaves(const CpuidFn& cpuid, std::uint32_t max_ext) {
  std::vector<CacheLevel> caches;
  auto add = [&](int level, const char* type, std::uint64_t bytes, std::uint32_t line, const char* leaf) {
    if (bytes == 0) return;
    caches.push_back({level, type, bytes, static_cast<int>(line), 0, std::string("cpuid leaf ") + leaf});
  };
  if (max_ext >= 0x80000005u) {
    const auto r = cpuid(0x80000005u, 0);
    add(1, "Data", static_cast<std::uint64_t>(r[2] >> 24) << 10, r[2] & 0xff, "0x80000005");
    add(1, "Instruction", static_cast<std::uint64_t>(r[3] >> 24) << 10, r[3] & 0xff, "0x80000005");
  }
  if (max_ext >= 0x80000006u) {
    const auto r = cpuid(0x80000006u, 0);
    add(2, "Unified", static_cast<std::uint64_t>(r[2] >> 16) << 10, r[2] & 0xff, "0x80000006");
    add(3, "Unified", static_cast<std::uint64_t>(r[3] >> 18) * (512u << 10), r[3] & 0xff, "0x80000006");
  }
  return caches;
}

}  // namespace

CpuidIdentity cpuid_identity(const CpuidFn& cpuid) {
  CpuidIdentity t;
  if (!cpuid) return t;
  const auto r0 = cpuid(0, 0);
  if (r0[0] == 0 && r0[1] == 0) return t;
  const std::uint32_t vendor_regs[3] = {r0[1], r0[3], r0[2]};  // EBX, EDX, ECX
  for (std::uint32_t reg : vendor_regs)
    for (int b = 0; b < 4; ++b) t.vendor += static_cast<char>((reg >> (8 * b)) & 0xff);
  if (r0[0] >= 1) {
    const std::uint32_t eax = cpuid(1, 0)[0];
    const int base = static_cast<int>((eax >> 8) & 0xf);
    t.family = base == 0xf ? base + static_cast<int>((eax >> 20) & 0xff) : base;
  }
  if (cpuid(0x80000000u, 0)[0] >= 0x80000004u) {
    for (std::uint32_t leaf = 0x80000002u; leaf <= 0x80000004u; ++leaf)
      for (std::uint32_t reg : cpuid(leaf, 0))
        for (int b = 0; b < 4; ++b)
          if (const char ch = static_cast<char>((reg >> (8 * b)) & 0xff); ch) t.brand += ch;
    t.brand.erase(0, t.brand.find_first_not_of(' '));
    t.brand.erase(t.brand.find_last_not_of(' ') + 1);
  }
  return t;
}

std::vector<CacheLevel> caches_from_cpuid(const CpuidFn& cpuid) {
  if (!cpuid) return {};
  const auto id = cpuid_identity(cpuid);
  const std::uint32_t max_basic = cpuid(0, 0)[0];
  const std::uint32_t max_ext = cpuid(0x80000000u, 0)[0];
  if (id.vendor == "GenuineIntel" && max_basic >= 4) return deterministic_cache_leaf(cpuid, 4);
  if (id.vendor == "AuthenticAMD" || id.vendor == "HygonGenuine") {
    // Leaf 0x8000001D is defined only where CPUID 0x80000001 ECX bit 22
    // (TopologyExtensions) is set; VMs often clear it.
    const bool topoext = max_ext >= 0x80000001u && ((cpuid(0x80000001u, 0)[2] >> 22) & 1);
    if (topoext && max_ext >= 0x8000001Du) {
      auto caches = deterministic_cache_leaf(cpuid, 0x8000001Du);
      if (!caches.empty()) return caches;
    }
    return amd_legacy_cache_leaves(cpuid, max_ext);
  }
  return {};
}

CpuidFn native_cpuid() {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  return [](std::uint32_t leaf, std::uint32_t subleaf) {
    std::array<std::uint32_t, 4> r{};
    // Leaves above the maximum return another leaf's data on Intel: check first.
    const std::uint32_t max = __get_cpuid_max(leaf & 0x80000000u, nullptr);
    if (max == 0 || leaf > max) return r;
    __cpuid_count(leaf, subleaf, r[0], r[1], r[2], r[3]);
    return r;
  };
#else
  return {};
#endif
}

MachineSources MachineSources::live() {
  MachineSources s;
  s.cpuid = native_cpuid();
  s.perf_counters = true;
  return s;
}

MachineInfo describe_machine() { return describe_machine(MachineSources::live()); }

MachineInfo describe_machine(const MachineSources& src) {
  MachineInfo m;
  const fs::path cpuinfo_path = under(src.root, "/proc/cpuinfo");
  {
    std::ifstream in(cpuinfo_path);
    std::string line;
    while (std::getline(in, line)) {
      auto value = [&line] {
        auto pos = line.find(':');
        if (pos == std::string::npos) return std::string();
        auto v = line.substr(pos + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        return v;
      };
      if (m.cpu_model.empty() && (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0))
        m.cpu_model = value();
      else if (m.vendor.empty() && (line.rfind("vendor_id", 0) == 0 || line.rfind("CPU implementer", 0) == 0))
        m.vendor = value();
      else if (m.cpu_family < 0 && line.rfind("cpu family", 0) == 0)
        m.cpu_family = std::atoi(value().c_str());
    }
  }
  const std::string cpuinfo_name = "/proc/cpuinfo";
  if (!m.cpu_model.empty()) m.sources["cpu_model"] = cpuinfo_name;
  if (!m.vendor.empty()) m.sources["vendor"] = cpuinfo_name;
  if (m.cpu_family >= 0) m.sources["cpu_family"] = cpuinfo_name;
  if (src.cpuid && (m.cpu_model.empty() || m.vendor.empty() || m.cpu_family < 0)) {
    const auto id = cpuid_identity(src.cpuid);
    if (m.cpu_model.empty() && !id.brand.empty()) m.cpu_model = id.brand, m.sources["cpu_model"] = "cpuid";
    if (m.vendor.empty() && !id.vendor.empty()) m.vendor = id.vendor, m.sources["vendor"] = "cpuid";
    if (m.cpu_family < 0 && id.family >= 0) m.cpu_family = id.family, m.sources["cpu_family"] = "cpuid";
  }
  if (m.cpu_model.empty()) {
    m.cpu_model = "unknown CPU";
    m.unknown.push_back({"CPU model", "no model name in " + cpuinfo_name + " and no CPUID brand string",
                         "results are labelled 'unknown CPU'"});
  }
  m.logical_cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  m.sources["logical_cpus"] = "std::thread::hardware_concurrency";
  m.isa_flags = isa_flags_string();
  m.best_isa = isa_name(best_isa());

  // Caches: sysfs, else CPUID, else glibc's sysconf.
  std::vector<std::string> tried;
  m.caches = caches_from_sysfs(src.root);
  if (m.caches.empty()) {
    tried.push_back("no /sys/devices/system/cpu/cpu0/cache");
    m.caches = caches_from_cpuid(src.cpuid);
    if (m.caches.empty()) tried.push_back(src.cpuid ? "CPUID describes no caches" : "no CPUID on this CPU");
  }
  if (m.caches.empty() && src.sysconf) {
    m.caches = caches_from_sysconf();
    if (m.caches.empty()) tried.push_back("sysconf(_SC_LEVEL1_DCACHE_SIZE) is 0");
  }
  if (m.caches.empty()) {
    std::string reason;
    for (const auto& t : tried) reason += (reason.empty() ? "" : ", ") + t;
    m.sources["caches"] = "unknown: " + reason;
    m.unknown.push_back({"cache sizes", reason, "roofline drawn without cache ceilings (L1, L2, L3)"});
  } else {
    m.sources["caches"] = m.caches.front().source;
  }

  m.compiler = LABKIT_COMPILER;
  m.cxx_flags = LABKIT_CXX_FLAGS;
  m.build_type = LABKIT_BUILD_TYPE;
  const char* rev = std::getenv("LABKIT_GIT_REVISION");
  m.git_revision = rev && *rev ? rev : LABKIT_CONFIGURE_GIT_REVISION;
  struct utsname u {};
  if (uname(&u) == 0) m.os = std::string(u.sysname) + " " + u.release + " " + u.machine;

  const std::string governor_file = "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor";
  m.cpu_governor = read_first_line(under(src.root, governor_file));
  if (m.cpu_governor.empty()) {
    m.cpu_governor = "unknown";
    m.sources["cpu_governor"] = "unknown: no " + governor_file;
    m.unknown.push_back({"CPU frequency governor", "no " + governor_file + " (VMs and containers often hide cpufreq)",
                         "frequency scaling cannot be checked; the clock is estimated from a chain of dependent adds"});
  } else {
    m.sources["cpu_governor"] = governor_file;
  }

  if (src.perf_counters) {
    PerfCounters probe({Counter::cycles});
    m.sources["perf_counters"] = probe.available() ? "perf_event_open" : "unknown: " + probe.reason();
    if (!probe.available()) {
      std::string reason = probe.reason();
      if (reason.rfind("unsupported: ", 0) == 0) reason.erase(0, 13);
      const std::string paranoid = read_first_line(under(src.root, "/proc/sys/kernel/perf_event_paranoid"));
      if (!paranoid.empty()) reason += " (perf_event_paranoid = " + paranoid + ")";
      m.unknown.push_back({"hardware performance counters", reason,
                           "no cycle, instruction or cache-miss counts in benchmarks; simulated counts still work"});
    }
  }

  std::ostringstream key;
  key << m.cpu_model << '|' << m.logical_cpus << '|' << m.isa_flags << '|' << m.best_isa << '|' << m.compiler << '|'
      << m.cxx_flags << '|' << m.build_type;
  m.fingerprint = hex_hash(key.str());
  return m;
}

std::uint64_t data_cache_bytes(const MachineInfo& m, int level) {
  for (const auto& c : m.caches)
    if (c.level == level && c.type != "Instruction") return c.bytes;
  return 0;
}

std::string describe_unknown(const UnknownFact& f) { return f.fact + " unknown: " + f.cost + " [" + f.reason + "]"; }

}  // namespace labkit
