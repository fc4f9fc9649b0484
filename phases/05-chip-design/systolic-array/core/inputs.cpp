// SCALE-Sim's input files: the .cfg (INI) and the topology CSVs. Every error
// names the file and line and says what to write instead.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "systolic.hpp"

namespace systolic_array {
namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

[[noreturn]] void fail(const std::string& file, int line, const std::string& what, const std::string& fix) {
  std::ostringstream os;
  os << file;
  if (line > 0) os << ":" << line;
  os << ": " << what << "\n  fix: " << fix;
  throw std::runtime_error(os.str());
}

bool parse_int(const std::string& s, std::int64_t& out) {
  const std::string t = trim(s);
  if (t.empty()) return false;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && p == t.data() + t.size();
}

std::string read_file(const std::string& path, const char* what_for) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(path, 0, std::string("cannot open the ") + what_for,
         "check the path (it is relative to the directory you run from)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

const char* dataflow_name(Dataflow df) {
  switch (df) {
    case Dataflow::os: return "os";
    case Dataflow::ws: return "ws";
    case Dataflow::is: return "is";
  }
  return "?";
}

std::optional<Dataflow> parse_dataflow(std::string_view s) {
  const std::string t = lower(trim(s));
  if (t == "os") return Dataflow::os;
  if (t == "ws") return Dataflow::ws;
  if (t == "is") return Dataflow::is;
  return std::nullopt;
}

Config parse_config(std::string_view text, const std::string& name) {
  // section -> key (lower case, as Python's configparser folds them) -> (value, line)
  std::map<std::string, std::map<std::string, std::pair<std::string, int>>> ini;
  std::string section;
  std::istringstream in{std::string(text)};
  std::string raw;
  int lineno = 0;
  while (std::getline(in, raw)) {
    ++lineno;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') fail(name, lineno, "unterminated section header '" + line + "'", "write it as [section]");
      section = trim(std::string_view(line).substr(1, line.size() - 2));
      ini[section];
      continue;
    }
    const size_t eq = line.find_first_of("=:");
    if (eq == std::string::npos)
      fail(name, lineno, "expected 'key : value' or 'key = value', got '" + line + "'", "e.g. ArrayHeight : 8");
    if (section.empty()) fail(name, lineno, "key outside any [section]", "put it under e.g. [architecture_presets]");
    ini[section][lower(trim(std::string_view(line).substr(0, eq)))] = {trim(std::string_view(line).substr(eq + 1)),
                                                                       lineno};
  }

  auto get = [&](const char* sec, const char* key, bool required) -> std::optional<std::pair<std::string, int>> {
    auto s = ini.find(sec);
    if (s != ini.end()) {
      auto k = s->second.find(lower(key));
      if (k != s->second.end()) return k->second;
    }
    if (required)
      fail(name, 0, std::string("missing '") + key + "' in section [" + sec + "]",
           std::string("add it, e.g. [") + sec + "] " + key + " : <value> (phases/05-chip-design/systolic-array/data/*.cfg has examples)");
    return std::nullopt;
  };
  auto get_int = [&](const char* sec, const char* key, std::int64_t lo) {
    auto v = get(sec, key, true);
    std::int64_t x = 0;
    if (!parse_int(v->first, x) || x < lo)
      fail(name, v->second, std::string("'") + key + "' must be an integer >= " + std::to_string(lo) + ", got '" +
                                v->first + "'",
           std::string("write e.g. ") + key + " : " + std::to_string(std::max<std::int64_t>(lo, 8)));
    return x;
  };

  Config c;
  if (auto v = get("general", "run_name", false)) c.run_name = v->first;
  if (c.run_name.empty()) c.run_name = "scale_run";
  c.array.rows = static_cast<int>(get_int("architecture_presets", "ArrayHeight", 1));
  c.array.cols = static_cast<int>(get_int("architecture_presets", "ArrayWidth", 1));
  c.ifmap_kb = get_int("architecture_presets", "IfmapSramSzkB", 1);
  c.filter_kb = get_int("architecture_presets", "FilterSramSzkB", 1);
  c.ofmap_kb = get_int("architecture_presets", "OfmapSramSzkB", 1);
  c.ifmap_offset = get_int("architecture_presets", "IfmapOffset", 0);
  c.filter_offset = get_int("architecture_presets", "FilterOffset", 0);
  c.ofmap_offset = get_int("architecture_presets", "OfmapOffset", 0);
  {
    auto v = get("architecture_presets", "Dataflow", true);
    auto df = parse_dataflow(v->first);
    if (!df) fail(name, v->second, "unknown Dataflow '" + v->first + "'", "write Dataflow : os, ws or is");
    c.dataflow = *df;
  }
  if (auto v = get("architecture_presets", "Bandwidth", false)) {
    std::istringstream bs(v->first);
    std::string item;
    while (std::getline(bs, item, ',')) {
      std::int64_t x = 0;
      if (trim(item).empty()) continue;
      if (!parse_int(item, x) || x < 1)
        fail(name, v->second, "Bandwidth entries must be positive integers, got '" + v->first + "'",
             "write e.g. Bandwidth : 10");
      c.bandwidths.push_back(static_cast<int>(x));
    }
  }
  if (auto v = get("run_presets", "InterfaceBandwidth", false)) {
    const std::string mode = trim(v->first);
    if (mode == "CALC")
      c.calc_bandwidth = true;
    else if (mode == "USER")
      c.calc_bandwidth = false;
    else
      fail(name, v->second, "InterfaceBandwidth must be CALC or USER, got '" + mode + "'",
           "write InterfaceBandwidth : CALC");
  }
  if (auto v = get("network_presets", "TopologyCsvLoc", false)) {
    std::string p = v->first;
    p.erase(std::remove(p.begin(), p.end(), '"'), p.end());
    c.topology_path = trim(p);
  }
  // SCALE-Sim splits each buffer into 100 sets; below 100 words a set is empty.
  for (auto [kb, key] : {std::pair{c.ifmap_kb, "IfmapSramSzkB"}, {c.filter_kb, "FilterSramSzkB"}, {c.ofmap_kb, "OfmapSramSzkB"}})
    if (kb * 1024 < 100) fail(name, 0, std::string(key) + " is too small", "use at least 1 kB");
  return c;
}

Config read_config(const std::string& path) { return parse_config(read_file(path, "config file"), path); }

Layer gemm_layer(std::string name, std::int64_t M, std::int64_t N, std::int64_t K) {
  // SCALE-Sim's GEMM form: an M x K "image" convolved with N filters of 1 x K.
  Layer l;
  l.name = std::move(name);
  l.ifmap_h = M;
  l.ifmap_w = K;
  l.filter_h = 1;
  l.filter_w = K;
  l.channels = 1;
  l.num_filters = N;
  l.stride_h = l.stride_w = 1;
  return l;
}

std::vector<Layer> parse_topology(std::string_view text, TopologyForm form, const std::string& name) {
  std::vector<Layer> layers;
  std::istringstream in{std::string(text)};
  std::string raw;
  int lineno = 0;
  bool header = true;
  while (std::getline(in, raw)) {
    ++lineno;
    std::string line = trim(raw);
    if (header) {  // the first line is always the header, as in SCALE-Sim
      header = false;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream ls(line);
    std::string item;
    while (std::getline(ls, item, ',')) f.push_back(trim(item));
    while (!f.empty() && f.back().empty()) f.pop_back();  // the trailing comma
    auto num = [&](size_t i, const char* what) {
      std::int64_t x = 0;
      if (!parse_int(f[i], x) || x < 1)
        fail(name, lineno, std::string(what) + " must be a positive integer, got '" + f[i] + "'",
             "fix the number in column " + std::to_string(i + 1));
      return x;
    };
    if (form == TopologyForm::gemm) {
      if (f.size() < 4)
        fail(name, lineno, "a GEMM row needs 4 fields (Layer, M, N, K), got " + std::to_string(f.size()),
             "write e.g. gemm1, 64, 64, 64,  (or run with -i conv for a convolution topology)");
      layers.push_back(gemm_layer(f[0], num(1, "M"), num(2, "N"), num(3, "K")));
      continue;
    }
    if (f.size() < 8)
      fail(name, lineno,
           "a convolution row needs 8 or 9 fields (Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter "
           "Width, Channels, Num Filter, Strides[, Stride width]), got " + std::to_string(f.size()),
           "complete the row, or run with -i gemm for a Layer, M, N, K topology");
    Layer l;
    l.name = f[0];
    l.ifmap_h = num(1, "IFMAP Height");
    l.ifmap_w = num(2, "IFMAP Width");
    l.filter_h = num(3, "Filter Height");
    l.filter_w = num(4, "Filter Width");
    l.channels = num(5, "Channels");
    l.num_filters = num(6, "Num Filter");
    l.stride_h = num(7, "Strides");
    l.stride_w = f.size() >= 9 ? num(8, "Stride width") : l.stride_h;
    if (l.filter_h > l.ifmap_h || l.filter_w > l.ifmap_w)
      fail(name, lineno, "the filter is larger than the input feature map", "check the IFMAP and Filter columns");
    if (l.name.find("DP") != std::string::npos) {
      // Depthwise: SCALE-Sim runs one single-channel layer per channel.
      const std::int64_t ch = l.channels;
      for (std::int64_t c = 0; c < ch; ++c) {
        Layer d = l;
        d.name = l.name + "Channel_" + std::to_string(c);
        d.channels = 1;
        layers.push_back(d);
      }
    } else {
      layers.push_back(l);
    }
  }
  if (layers.empty()) fail(name, 0, "the topology has no layers", "add rows below the header line");
  return layers;
}

std::vector<Layer> read_topology(const std::string& path, TopologyForm form) {
  return parse_topology(read_file(path, "topology file"), form, path);
}

}  // namespace systolic_array
