// labkit/hdl_binary.hpp: which lab and implementation an HDL test or bench
// binary runs, declared by the one source that labs_hdl_configure()
// (cmake/AddHdlLab.cmake) generates for it. Deliberately tiny: that source
// holds absolute paths, so it is the one file of a binary that the grader's
// copy of the tree recompiles, and it should take milliseconds.
#pragma once

namespace labkit::hdl::detail {

// A static object of this type configures labkit::hdl before main() runs.
struct BinaryRegistration {
  // rtl_list: RTL files separated by '|'; coverage: the model has coverage points.
  BinaryRegistration(const char* lab, const char* impl, const char* out_root, const char* rtl_list, bool coverage);
};

}  // namespace labkit::hdl::detail
