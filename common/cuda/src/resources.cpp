// labkit::cuda: kernel resource usage (from ptxas or cuobjdump text) and
// theoretical occupancy. Nothing here needs a GPU.
#include <CLI/CLI.hpp>
#include <cxxabi.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "labkit/cuda.hpp"

namespace labkit::cuda {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int to_int(std::string_view s) {
  s = trim(s);
  int v = 0;
  bool any = false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    v = v * 10 + (c - '0');
    any = true;
  }
  return any ? v : -1;
}

// Splits a demangled signature into the qualified name and its template
// arguments: "void ns::k<128, true>(float const*, int)" -> "ns::k", "<128, true>".
void split_signature(KernelResources& k) {
  std::string s = k.signature;
  // A space inside "(anonymous namespace)" would look like a return type.
  for (std::size_t pos; (pos = s.find("(anonymous namespace)")) != std::string::npos;)
    s.replace(pos, 21, "{anonymous}");
  if (!s.empty() && s.back() == ')') {  // drop the parameter list
    int depth = 0;
    for (std::size_t i = s.size(); i-- > 0;) {
      if (s[i] == ')') ++depth;
      else if (s[i] == '(' && --depth == 0) {
        s.resize(i);
        break;
      }
    }
  }
  k.template_args.clear();
  if (!s.empty() && s.back() == '>') {  // and the template arguments
    int depth = 0;
    for (std::size_t i = s.size(); i-- > 0;) {
      if (s[i] == '>') ++depth;
      else if (s[i] == '<' && --depth == 0) {
        k.template_args = s.substr(i);
        s.resize(i);
        break;
      }
    }
  }
  if (auto space = s.rfind(' '); space != std::string::npos) s = s.substr(space + 1);  // and the return type
  k.name = s;
}

KernelResources make_kernel(std::string mangled, int arch) {
  KernelResources k;
  k.mangled = std::move(mangled);
  k.signature = demangle(k.mangled);
  k.arch = arch;
  split_signature(k);
  return k;
}

// "Used 10 registers, used 0 barriers, 4224 bytes smem, 380 bytes cmem[0], 8 bytes lmem"
void parse_used(std::string_view body, KernelResources& k) {
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t comma = body.find(',', start);
    if (comma == std::string_view::npos) comma = body.size();
    std::string_view item = trim(body.substr(start, comma - start));
    start = comma + 1;
    std::string lower(item);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view li = lower;
    if (starts_with(li, "used ")) li.remove_prefix(5);
    const int value = to_int(li);
    if (value < 0) continue;
    if (li.find("registers") != std::string_view::npos) k.registers = value;
    else if (li.find("barriers") != std::string_view::npos) k.barriers = value;
    else if (li.find("bytes smem") != std::string_view::npos) k.static_shared_bytes = value;
    else if (li.find("bytes cmem[0]") != std::string_view::npos) k.constant_bytes = value;
    else if (li.find("bytes lmem") != std::string_view::npos) k.local_bytes = value;
  }
}

// "0 bytes stack frame, 8 bytes spill stores, 8 bytes spill loads"
void parse_frame(std::string_view line, KernelResources& k) {
  std::size_t start = 0;
  while (start <= line.size()) {
    std::size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) comma = line.size();
    std::string_view item = trim(line.substr(start, comma - start));
    start = comma + 1;
    const int value = to_int(item);
    if (value < 0) continue;
    if (item.find("stack frame") != std::string_view::npos) k.stack_frame_bytes = value;
    else if (item.find("spill stores") != std::string_view::npos) k.spill_store_bytes = value;
    else if (item.find("spill loads") != std::string_view::npos) k.spill_load_bytes = value;
  }
}

// "REG:10 STACK:0 SHARED:0 LOCAL:0 CONSTANT[0]:380 TEXTURE:0 SURFACE:0 SAMPLER:0"
void parse_cuobjdump_counts(std::string_view line, KernelResources& k) {
  std::istringstream in{std::string(line)};
  std::string token;
  while (in >> token) {
    const auto colon = token.rfind(':');
    if (colon == std::string::npos) continue;
    const std::string key = token.substr(0, colon);
    const int value = to_int(std::string_view(token).substr(colon + 1));
    if (value < 0) continue;
    if (key == "REG") k.registers = value;
    else if (key == "STACK") k.stack_frame_bytes = value;
    else if (key == "SHARED") k.static_shared_bytes = value;
    else if (key == "LOCAL") k.local_bytes = value;
    else if (key == "CONSTANT[0]") k.constant_bytes = value;
  }
}

}  // namespace

int KernelResources::spill_bytes() const {
  if (spill_store_bytes >= 0 || spill_load_bytes >= 0)
    return std::max(spill_store_bytes, 0) + std::max(spill_load_bytes, 0);
  return std::max(local_bytes, 0);
}

std::string KernelResources::short_name() const {
  const auto colon = name.rfind("::");
  std::string s = colon == std::string::npos ? name : name.substr(colon + 2);
  std::string args;
  for (char c : template_args)
    if (c != ' ') args += c;
  return s + args;
}

std::string demangle(const std::string& mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : mangled;
}

std::vector<KernelResources> parse_resource_usage(std::string_view text) {
  std::vector<KernelResources> out;
  long entry = -1;       // ptxas: the entry function "Used ..." lines belong to
  long properties = -1;  // ptxas: the function "N bytes stack frame" belongs to (-1: not an entry)
  long cuobj = -1;       // cuobjdump: the function "REG:..." belongs to
  int cuobj_arch = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view raw = text.substr(pos, eol - pos);
    pos = eol + 1;
    const std::string_view line = trim(raw);
    if (line.empty()) continue;

    if (starts_with(line, "ptxas info")) {
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view body = trim(line.substr(colon + 1));
      if (starts_with(body, "Compiling entry function '")) {
        const auto name_start = body.find('\'') + 1;
        const auto name_end = body.find('\'', name_start);
        if (name_end == std::string_view::npos) continue;
        int arch = 0;
        if (const auto sm = body.find("'sm_", name_end + 1); sm != std::string_view::npos) arch = parse_arch(body.substr(sm + 1));
        out.push_back(make_kernel(std::string(body.substr(name_start, name_end - name_start)), arch));
        entry = properties = static_cast<long>(out.size()) - 1;
      } else if (starts_with(body, "Function properties for ")) {
        const std::string name(trim(body.substr(24)));
        properties = entry >= 0 && out[static_cast<std::size_t>(entry)].mangled == name ? entry : -1;
      } else if (starts_with(body, "Used ") && entry >= 0) {
        parse_used(body, out[static_cast<std::size_t>(entry)]);
      }
      continue;
    }
    if (line.find("bytes stack frame") != std::string_view::npos) {
      if (properties >= 0) parse_frame(line, out[static_cast<std::size_t>(properties)]);
      continue;
    }
    // cuobjdump --dump-resource-usage
    if (starts_with(line, "arch = ")) {
      cuobj_arch = parse_arch(line.substr(7));
    } else if (starts_with(line, "Function ") && line.back() == ':') {
      out.push_back(make_kernel(std::string(trim(line.substr(9, line.size() - 10))), cuobj_arch));
      cuobj = static_cast<long>(out.size()) - 1;
    } else if (starts_with(line, "REG:") && cuobj >= 0) {
      parse_cuobjdump_counts(line, out[static_cast<std::size_t>(cuobj)]);
    }
  }
  return out;
}

// ------------------------------------------------------------------ limits

namespace {

// Per compute capability, from the CUDA C++ Programming Guide's table
// "Technical Specifications per Compute Capability" and the allocation
// granularities of the CUDA Occupancy Calculator (cuda_occupancy.h).
const ArchLimits kArchLimits[] = {
    // arch  example                       warps blocks  regs  max/thr unit  smem/SM  smem/block unit reserved threads
    {75, "Turing: T4, RTX 20xx", 32, 16, 65536, 255, 256, 64 * 1024, 64 * 1024, 256, 0, 1024},
    {80, "Ampere: A100, A30", 64, 32, 65536, 255, 256, 164 * 1024, 163 * 1024, 128, 1024, 1024},
    {86, "Ampere: A10, A40, RTX 30xx", 48, 16, 65536, 255, 256, 100 * 1024, 99 * 1024, 128, 1024, 1024},
    {89, "Ada: L4, L40S, RTX 40xx", 48, 24, 65536, 255, 256, 100 * 1024, 99 * 1024, 128, 1024, 1024},
    {90, "Hopper: H100, H200", 64, 32, 65536, 255, 256, 228 * 1024, 227 * 1024, 128, 1024, 1024},
};

int round_up(int v, int unit) { return unit > 0 ? (v + unit - 1) / unit * unit : v; }

}  // namespace

const ArchLimits* arch_limits(int arch) {
  for (const auto& l : kArchLimits)
    if (l.arch == arch) return &l;
  return nullptr;
}

std::vector<int> known_archs() {
  std::vector<int> v;
  for (const auto& l : kArchLimits) v.push_back(l.arch);
  return v;
}

int parse_arch(std::string_view text) {
  text = trim(text);
  for (std::string_view prefix : {"sm_", "compute_", "SM_"})
    if (starts_with(text, prefix)) text.remove_prefix(prefix.size());
  if (const auto dot = text.find('.'); dot != std::string_view::npos) {
    const int major = to_int(text.substr(0, dot)), minor = to_int(text.substr(dot + 1));
    return major > 0 && minor >= 0 && minor < 10 ? major * 10 + minor : -1;
  }
  const int v = to_int(text);
  return v >= 10 ? v : -1;
}

Occupancy occupancy(const ArchLimits& l, int registers, int shared_bytes, int block_threads) {
  Occupancy o;
  o.max_warps = l.max_warps_per_sm;
  if (block_threads <= 0 || block_threads > l.max_threads_per_block) {
    o.limiter = "cannot launch: " + std::to_string(block_threads) + " threads per block (at most " +
                std::to_string(l.max_threads_per_block) + ")";
    return o;
  }
  o.warps_per_block = (block_threads + 31) / 32;
  o.limit_warps = l.max_warps_per_sm / o.warps_per_block;
  o.limit_blocks = l.max_blocks_per_sm;

  // Registers: a warp gets registers x 32 rounded up to the allocation unit,
  // from one of the 4 sub-partitions, each holding a quarter of the file.
  if (registers <= 0) {
    o.limit_registers = INT_MAX;
  } else {
    const int per_warp = round_up(registers * 32, l.register_alloc_unit);
    // The hardware's per-block check assumes every sub-partition gets the
    // same number of the block's warps.
    const int assumed_per_block = per_warp * round_up(o.warps_per_block, 4);
    if (registers > l.max_registers_per_thread || assumed_per_block > l.registers_per_sm) {
      o.limit_registers = 0;
    } else {
      const int warps_per_partition = (l.registers_per_sm / 4) / per_warp;
      o.limit_registers = warps_per_partition * 4 / o.warps_per_block;
    }
  }

  // Shared memory: static + dynamic + what the runtime reserves, rounded up.
  const int smem = round_up(shared_bytes + l.reserved_shared_per_block, l.shared_alloc_unit);
  if (shared_bytes > l.max_shared_per_block) o.limit_shared = 0;
  else o.limit_shared = smem > 0 ? l.shared_per_sm / smem : INT_MAX;

  o.blocks_per_sm = std::min({o.limit_warps, o.limit_blocks, o.limit_registers, o.limit_shared});
  o.active_warps = o.blocks_per_sm * o.warps_per_block;
  o.fraction = static_cast<double>(o.active_warps) / o.max_warps;
  // Name the first resource, in this order, that sets the minimum.
  if (o.blocks_per_sm == o.limit_warps) o.limiter = "warps";
  else if (o.blocks_per_sm == o.limit_registers) o.limiter = "registers";
  else if (o.blocks_per_sm == o.limit_shared) o.limiter = "shared memory";
  else o.limiter = "blocks";
  if (o.blocks_per_sm == 0) {
    if (o.limit_registers == 0) o.limiter = "cannot launch: too many registers per block";
    else if (o.limit_shared == 0) o.limiter = "cannot launch: too much shared memory per block";
  }
  return o;
}

std::vector<ResourceRow> resource_rows(const std::vector<KernelResources>& kernels,
                                       const std::vector<KernelLaunch>& launches, int target_arch,
                                       int block_override) {
  // Which architectures each kernel was compiled for, to pick the SASS a
  // target GPU would run: the newest of the same major version not newer than it.
  std::map<std::string, std::set<int>> compiled;
  for (const auto& k : kernels) compiled[k.mangled].insert(k.arch);
  std::vector<ResourceRow> rows;
  for (const auto& k : kernels) {
    int limits_arch = k.arch;
    if (target_arch > 0) {
      int best = 0;
      for (int a : compiled[k.mangled])
        if (a / 10 == target_arch / 10 && a <= target_arch) best = std::max(best, a);
      if (best == 0 || k.arch != best) continue;
      limits_arch = target_arch;
    }
    ResourceRow r;
    r.resources = k;
    for (const auto& l : launches)
      if (l.kernel == k.name) r.launch = &l;
    r.block_threads = block_override > 0 ? block_override : r.launch ? r.launch->block_threads : 0;
    const ArchLimits* limits = arch_limits(limits_arch);
    if (limits) r.limits_arch = limits_arch;
    if (limits && r.block_threads > 0)
      r.occupancy = occupancy(*limits, k.registers,
                              k.static_shared_bytes + (r.launch ? r.launch->dynamic_shared_bytes : 0), r.block_threads);
    rows.push_back(std::move(r));
  }
  return rows;
}

WorstCase worst_case(const std::vector<ResourceRow>& rows, const std::string& kase, const std::string& impl) {
  WorstCase w;
  for (const auto& r : rows) {
    if (!r.launch || r.launch->kase != kase || r.launch->impl != impl) continue;
    ++w.kernels;
    w.registers = std::max(w.registers, r.resources.registers);
    w.spill_bytes = std::max(w.spill_bytes, r.resources.spill_bytes());
    w.stack_frame_bytes = std::max(w.stack_frame_bytes, r.resources.stack_frame_bytes);
    if (r.occupancy) ++w.with_occupancy;
    if (r.occupancy && r.occupancy->fraction < w.occupancy) {
      w.occupancy = r.occupancy->fraction;
      w.where = r.resources.short_name() + " on sm_" + std::to_string(r.limits_arch);
    }
  }
  return w;
}

// ------------------------------------------------------------------ the tool

namespace {

std::string occupancy_cell(const ResourceRow& r) {
  if (!r.occupancy) return r.block_threads == 0 ? "block size unknown" : "no limits for this arch";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%3.0f%%", 100 * r.occupancy->fraction);
  return buf;
}

std::string num_or_dash(int v) { return v < 0 ? "-" : std::to_string(v); }

}  // namespace

int resource_report_main(const char* lab, std::string_view embedded, const std::vector<KernelLaunch>& launches,
                         int argc, char** argv) {
  int target_arch = 0, block = 0;
  bool brief = false, as_json = false;
  std::string filter, input, arch;
  CLI::App app{"Prints each kernel's registers, spills, stack and shared memory per architecture, as ptxas reported\n"
               "them when the kernels were compiled, and the theoretical occupancy at the block size the lab\n"
               "launches it with. No GPU needed."};
  app.add_option("--arch", arch, "occupancy on another GPU (known: sm_75 sm_80 sm_86 sm_89 sm_90)")->type_name("sm_XX");
  app.add_option("--block", block, "occupancy for N threads per block instead")->check(CLI::Range(1, 1024));
  app.add_option("--kernel", filter, "only kernels whose name contains TEXT")->type_name("TEXT");
  app.add_flag("--brief", brief, "one line per kernel: the worst case over architectures");
  app.add_flag("--json", as_json, "the rows as JSON");
  app.add_option("--input", input,
                 "read `nvcc --resource-usage` (ptxas -v) or `cuobjdump --dump-resource-usage` output")
      ->type_name("FILE");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help: 0; bad input: CLI11's message, 2
  }
  if (!arch.empty()) {
    target_arch = parse_arch(arch);
    if (!arch_limits(target_arch)) {
      std::fprintf(stderr, "%s: no limits for '%s'; known: sm_75 sm_80 sm_86 sm_89 sm_90\n", argv[0], arch.c_str());
      return 2;
    }
  }

  std::string text(embedded);
  std::string source = "captured from ptxas when the kernels were compiled";
  if (!input.empty()) {
    std::ifstream in(input);
    if (!in) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], input.c_str());
      return 2;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    source = "read from " + input;
  }
  const auto kernels = parse_resource_usage(text);
  if (kernels.empty()) {
    std::fprintf(stderr,
                 "%s: no kernel resource usage found (%s).\n"
                 "  The build captures it with nvcc --resource-usage through a compiler launcher\n"
                 "  (cmake/AddCudaLab.cmake); rebuild the lab: cmake --build --preset default --target %s_resources\n",
                 lab, source.c_str(), lab);
    return 1;
  }
  auto rows = resource_rows(kernels, launches, target_arch, block);
  if (!filter.empty())
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const ResourceRow& r) { return r.resources.signature.find(filter) == std::string::npos; }),
               rows.end());
  // Order: the lab's launch table first (its order), then anything else; arch last.
  auto rank = [&](const ResourceRow& r) {
    return r.launch ? static_cast<std::size_t>(r.launch - launches.data()) : launches.size();
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const ResourceRow& a, const ResourceRow& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (a.resources.name != b.resources.name) return a.resources.name < b.resources.name;
    if (a.resources.template_args != b.resources.template_args) return a.resources.template_args < b.resources.template_args;
    return a.resources.arch < b.resources.arch;
  });

  // A reference kernel in the table that ptxas never compiled means the table is stale.
  int missing = 0;
  for (const auto& l : launches) {
    const bool found = std::any_of(kernels.begin(), kernels.end(), [&](const KernelResources& k) { return k.name == l.kernel; });
    if (!found && input.empty()) {
      std::fprintf(stderr, "%s: warning: %s (%s) is in the launch table but was not compiled\n", lab, l.kernel.c_str(),
                   l.impl.c_str());
      if (l.impl != "student") ++missing;
    }
  }

  if (as_json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : rows) {
      const auto& k = r.resources;
      nlohmann::json j = {{"kernel", k.name},          {"template_args", k.template_args},
                          {"signature", k.signature},  {"mangled", k.mangled},
                          {"arch", k.arch},            {"registers", k.registers},
                          {"spill_bytes", k.spill_bytes()}, {"stack_frame_bytes", k.stack_frame_bytes},
                          {"static_shared_bytes", k.static_shared_bytes}, {"block_threads", r.block_threads},
                          {"impl", r.launch ? r.launch->impl : ""},       {"case", r.launch ? r.launch->kase : ""}};
      if (r.occupancy)
        j["occupancy"] = {{"arch", r.limits_arch},
                          {"fraction", r.occupancy->fraction},
                          {"blocks_per_sm", r.occupancy->blocks_per_sm},
                          {"active_warps", r.occupancy->active_warps},
                          {"max_warps", r.occupancy->max_warps},
                          {"limiter", r.occupancy->limiter}};
      arr.push_back(j);
    }
    std::printf("%s\n", arr.dump(1).c_str());
    return missing ? 1 : 0;
  }

  std::printf("%s: resources of every kernel, %s (no GPU needed)\n", lab, source.c_str());
  if (target_arch)
    std::printf("occupancy on sm_%d (%s), for the SASS that GPU would run (the arch column)\n", target_arch,
                arch_limits(target_arch)->example);
  std::size_t width = 6;
  for (const auto& r : rows) width = std::max(width, r.resources.short_name().size());

  if (brief) {
    std::printf("\n%-*s %-9s %5s %6s %6s %7s %6s  %s\n", static_cast<int>(width), "kernel", "impl", "regs", "spill",
                "stack", "smem", "block", "worst occupancy");
    std::map<std::string, std::vector<const ResourceRow*>> by_kernel;
    std::vector<std::string> order;
    for (const auto& r : rows) {
      const std::string key = r.resources.name + r.resources.template_args;
      if (!by_kernel.count(key)) order.push_back(key);
      by_kernel[key].push_back(&r);
    }
    for (const auto& key : order) {
      const auto& group = by_kernel[key];
      int regs = 0, spill = 0, stack = 0, smem = 0;
      const ResourceRow* worst = nullptr;
      for (const auto* r : group) {
        regs = std::max(regs, r->resources.registers);
        spill = std::max(spill, r->resources.spill_bytes());
        stack = std::max(stack, r->resources.stack_frame_bytes);
        smem = std::max(smem, r->resources.static_shared_bytes);
        if (r->occupancy && (!worst || r->occupancy->fraction < worst->occupancy->fraction)) worst = r;
      }
      const auto& first = *group.front();
      std::string occ = worst ? occupancy_cell(*worst) + " on sm_" + std::to_string(worst->limits_arch) + " (" +
                                    worst->occupancy->limiter + ")"
                              : occupancy_cell(first);
      std::printf("%-*s %-9s %5d %6d %6d %7d %6s  %s\n", static_cast<int>(width), first.resources.short_name().c_str(),
                  first.launch ? first.launch->impl.c_str() : "?", regs, spill, stack, smem,
                  first.block_threads ? std::to_string(first.block_threads).c_str() : "?", occ.c_str());
    }
    return missing ? 1 : 0;
  }

  std::printf(
      "  regs   registers per thread        spill  bytes spilled to local memory (stores + loads)\n"
      "  stack  local-memory stack frame    smem   static shared memory per block, bytes\n"
      "  occupancy = resident warps / the SM's maximum, at the block size the lab launches;\n"
      "  'limited by' names the resource that runs out first.\n");
  std::printf("\n%-*s %-9s %-6s %5s %6s %6s %7s %6s %9s %9s  %s\n", static_cast<int>(width), "kernel", "impl", "arch",
              "regs", "spill", "stack", "smem", "block", "blocks/SM", "occupancy", "limited by");
  std::string previous;
  for (const auto& r : rows) {
    const auto& k = r.resources;
    const std::string key = k.name + k.template_args;
    const bool first = key != previous;
    previous = key;
    const std::string arch = "sm_" + std::to_string(k.arch);  // the SASS (with --arch: the one that GPU runs)
    std::printf("%-*s %-9s %-6s %5d %6s %6d %7d %6s %9s %9s  %s\n", static_cast<int>(width),
                first ? k.short_name().c_str() : "", first ? (r.launch ? r.launch->impl.c_str() : "?") : "", arch.c_str(),
                k.registers, num_or_dash(k.spill_bytes()).c_str(), k.stack_frame_bytes, k.static_shared_bytes,
                r.block_threads ? std::to_string(r.block_threads).c_str() : "?",
                r.occupancy ? std::to_string(r.occupancy->blocks_per_sm).c_str() : "-", occupancy_cell(r).c_str(),
                r.occupancy ? r.occupancy->limiter.c_str() : "");
  }
  int spilled = 0;
  for (const auto& r : rows) spilled += r.resources.spill_bytes() > 0;
  std::printf("\n%zu rows; %d with spills.%s\n", rows.size(), spilled,
              target_arch ? "" : " Other GPUs: --arch sm_86 (A10, RTX 30xx), --arch sm_89 (L4, RTX 40xx).");
  return missing ? 1 : 0;
}

}  // namespace labkit::cuda
