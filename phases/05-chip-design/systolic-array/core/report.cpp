// SCALE-Sim's report files. Numbers are printed the way its Python prints
// them (str() of an int, a float or a numpy float), so the files compare
// field by field with SCALE-Sim's own.
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "systolic.hpp"

namespace systolic_array {

std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest round-trip digits and exponent, then Python's layout: positional
  // for 1e-4 <= |v| < 1e16, else d.ddde+XX.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, end);
  const size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  const int exp = std::stoi(s.substr(e + 1));
  std::string sign;
  if (mant[0] == '-') {
    sign = "-";
    mant.erase(0, 1);
  }
  std::string digits;
  for (char ch : mant)
    if (ch != '.') digits += ch;
  if (exp >= -4 && exp < 16) {
    std::string out;
    if (exp < 0) {
      out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exp + 1) {
      out = digits + std::string(static_cast<size_t>(exp + 1 - static_cast<int>(digits.size())), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(exp + 1)) + "." + digits.substr(static_cast<size_t>(exp + 1));
    }
    return sign + out;
  }
  std::string out = digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char eb[16];
  std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
  return sign + out + eb;
}

namespace {
std::string num(std::int64_t v) { return std::to_string(v); }
}  // namespace

void write_compute_report(std::ostream& out, const std::vector<LayerResult>& layers) {
  out << "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& r = layers[i];
    out << i << ", " << num(r.compute.total_cycles) << ", " << num(r.stall_cycles) << ", "
        << py_float(r.compute.overall_util_pct) << ", " << py_float(r.compute.mapping_eff_pct) << ", "
        << py_float(r.compute.compute_util_pct) << ",\n";
  }
}

void write_bandwidth_report(std::ostream& out, const std::vector<LayerResult>& layers) {
  out << "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, "
      << "Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& r = layers[i];
    out << i << ", " << py_float(r.ifmap_sram_bw) << ", " << py_float(r.filter_sram_bw) << ", "
        << py_float(r.ofmap_sram_bw) << ", " << py_float(r.ifmap_dram_bw) << ", " << py_float(r.filter_dram_bw)
        << ", " << py_float(r.ofmap_dram_bw) << ",\n";
  }
}

void write_detailed_access_report(std::ostream& out, const std::vector<LayerResult>& layers) {
  out << "LayerID, "
      << "SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, "
      << "SRAM Filter Start Cycle, SRAM Filter Stop Cycle, SRAM Filter Reads, "
      << "SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, "
      << "DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, "
      << "DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, "
      << "DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& r = layers[i];
    out << i;
    for (const OperandAccess* a : {&r.ifmap, &r.filter, &r.ofmap})
      out << ", " << py_float(a->sram_start) << ", " << py_float(a->sram_stop) << ", " << num(a->sram_accesses);
    for (const OperandAccess* a : {&r.ifmap, &r.filter, &r.ofmap})
      out << ", " << py_float(a->dram_start) << ", " << py_float(a->dram_stop) << ", " << num(a->dram_accesses);
    out << ",\n";
  }
}

void write_reports(const std::string& dir, const std::vector<LayerResult>& layers) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the report directory: " + ec.message());
  auto open = [&](const char* file) {
    const std::string path = dir + "/" + file;
    std::ofstream f(path);
    if (!f) throw std::runtime_error(path + ": cannot write (check permissions and free space)");
    return f;
  };
  {
    auto f = open("COMPUTE_REPORT.csv");
    write_compute_report(f, layers);
  }
  {
    auto f = open("BANDWIDTH_REPORT.csv");
    write_bandwidth_report(f, layers);
  }
  {
    auto f = open("DETAILED_ACCESS_REPORT.csv");
    write_detailed_access_report(f, layers);
  }
}

}  // namespace systolic_array
