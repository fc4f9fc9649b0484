#include "untrusted.hpp"

#include <cxxabi.h>
#include <fmt/format.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <sstream>

#include "context.hpp"
#include "process.hpp"
#include "results.hpp"

namespace labctl {

namespace {

std::string demangle(const std::string& mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : mangled;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// True when the symbol's own qualified name (not a template argument or a
// parameter type) has a namespace or class called `student`: nothing in the
// harness, GoogleTest, labkit or the C++ library is named that way, so such a
// definition can only be called by code that names it (the tests, through
// the lab's interface), never replace one of theirs.
bool in_student_scope(std::string name) {
  static const char* kPrefixes[] = {"vtable for ", "typeinfo for ", "typeinfo name for ", "guard variable for ",
                                    "VTT for ", "construction vtable for ", "non-virtual thunk to ", "virtual thunk to ",
                                    "covariant return thunk to ", "TLS init function for ", "TLS wrapper function for "};
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (const char* p : kPrefixes)
      if (starts_with(name, p)) {
        name = name.substr(std::string(p).size());
        stripped = true;
      }
  }
  int depth = 0;
  std::size_t token_start = 0;  // start of the current depth-0 token (after a space)
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '<' || c == '(' || c == '[') ++depth;
    else if (c == '>' || c == ')' || c == ']') --depth;
    else if (c == ' ' && depth == 0) token_start = i + 1;
    else if (depth == 0 && name.compare(i, 9, "student::") == 0 && (i == token_start || name.compare(i - 2, 2, "::") == 0))
      return true;
    // The qualified name ends at its parameter list: what follows is types.
    if (c == '(' && depth == 1) {
      // "f(...)::local" (a function's local static) continues the name.
      int d = 1;
      std::size_t j = i + 1;
      for (; j < name.size() && d > 0; ++j) d += name[j] == '(' ? 1 : name[j] == ')' ? -1 : 0;
      if (name.compare(j, 2, "::") != 0 && name.compare(j, 8, " const::") != 0) return false;
    }
  }
  return false;
}

// Instantiations of the C++ library's templates: every file that uses
// <string> or <vector> emits some, and libstdc++ exports many of the same
// names, so they cannot tell an attack from ordinary code (threat model: not
// guaranteed). A local static of such a template (_ZZ..., and its guard
// variable _ZGVZ...) counts too: std::to_string(int) emits the digit table
// of std::__detail::__to_chars_10_impl, which labkit defines as well.
bool in_standard_library(const std::string& mangled) {
  static const std::regex std_names("^_Z(TV|TI|TS|Z|GVZ)?N?K?(St|Sa|Ss|Si|So|Sd|9__gnu_cxx)|^_ZSt");
  return std::regex_search(mangled, std_names);
}

// A weak copy of a type's typeinfo or its name (_ZTI, _ZTS): every file
// that throws or catches the type emits one, the starter's LABKIT_TODO among
// them (typeinfo for labkit::NotImplemented). It holds no code, and the
// library's copy and the student's are the same bytes for the same header,
// so the student's copy replacing the library's changes nothing.
bool is_weak_typeinfo(const std::string& mangled, char type) {
  return (type == 'V' || type == 'W') && (starts_with(mangled, "_ZTI") || starts_with(mangled, "_ZTS"));
}

bool mentions_googletest(const std::string& mangled) {
  static const std::regex gtest("^_Z(TV|TI|TS|GV)?N?K?7testing|^_Z.*N7testing");
  return std::regex_search(mangled, gtest);
}

std::string basename_of(const std::string& member) {
  const auto pos = member.find_last_of('/');
  return pos == std::string::npos ? member : member.substr(pos + 1);
}

struct NmSymbol {
  std::string object, name;
  char type = '?';
};

// gcc-nm where GCC is installed: nm with GCC's LTO plugin named, so it loads
// no other. Plain nm loads every plugin in /usr/lib/bfd-plugins, and with
// LLVM installed (clang-14 brings LLVMgold-14.so) that is libLLVM's 110 MB on
// every call: 68 ms against 9 ms on the Zen 5 VM (family 26, model 2), for
// the five to ten calls of each lab's grade. Both print the same symbols.
const std::string& nm_program() {
  static const std::string nm = find_on_path("gcc-nm") ? "gcc-nm" : "nm";
  return nm;
}

// `nm -A --format=posix`: "archive[member.o]: name type value size".
std::vector<NmSymbol> read_nm(const std::vector<fs::path>& files, const std::vector<std::string>& flags, bool& ok) {
  std::vector<std::string> argv = {nm_program(), "-A", "--format=posix"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  for (const auto& f : files) argv.push_back(f.string());
  const auto r = run_process(argv);
  ok = r.ok();
  std::vector<NmSymbol> out;
  std::stringstream ss(r.output);
  for (std::string line; std::getline(ss, line);) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    NmSymbol s;
    s.object = line.substr(0, colon);
    if (const auto lb = s.object.find('['); lb != std::string::npos) s.object = s.object.substr(lb + 1, s.object.size() - lb - 2);
    std::stringstream fields(line.substr(colon + 2));
    std::string type;
    fields >> s.name >> type;
    if (s.name.empty() || type.size() != 1) continue;
    s.type = type[0];
    out.push_back(s);
  }
  return out;
}

std::string fmt_line(const std::string& file, int line, const std::string& what) {
  return file + ":" + std::to_string(line) + ": uses " + what + " (not allowed in graded HDL: it runs commands, touches files or embeds C++)";
}

}  // namespace

// GoogleTest's filter syntax: positive patterns, then '-' and negative ones,
// ':'-separated, with * and ? wildcards.
static bool glob_match(const std::string& pattern, const std::string& text) {
  std::size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool gtest_filter_match(const std::string& filter, const std::string& full_name) {
  const auto dash = filter.find('-');
  const std::string pos = dash == std::string::npos ? filter : filter.substr(0, dash);
  const std::string neg = dash == std::string::npos ? "" : filter.substr(dash + 1);
  auto any = [&](const std::string& list) {
    std::stringstream ss(list);
    std::string pat;
    while (std::getline(ss, pat, ':'))
      if (!pat.empty() && glob_match(pat, full_name)) return true;
    return false;
  };
  return (pos.empty() ? true : any(pos)) && !any(neg);
}

TestVerdict judge_test_task(const std::string& filter, const std::vector<std::string>& expected_tests,
                            const std::vector<std::string>& listed_tests,
                            const std::map<std::string, labkit::TestResult>& reported,
                            const std::map<std::string, std::string>& reference_skips) {
  TestVerdict v;
  std::set<std::string> expected, listed;
  for (const auto& name : expected_tests)
    if (gtest_filter_match(filter, name)) expected.insert(name);
  for (const auto& name : listed_tests)
    if (gtest_filter_match(filter, name)) listed.insert(name);
  for (const auto& name : listed)
    if (!expected.count(name)) v.list_diff += "\n- " + name + ": not in the grader's reference build";
  for (const auto& name : expected)
    if (!listed.count(name)) v.list_diff += "\n- " + name + ": missing from the graded build";
  for (const auto& name : expected) {
    ++v.total;
    const auto it = reported.find(name);
    std::string why;
    if (it == reported.end()) {
      why = "not run (the test program ended before it, or it never ran)";
    } else if (it->second.skipped) {
      const auto ref = reference_skips.find(name);
      if (ref == reference_skips.end() || ref->second != it->second.message)
        why = "skipped (" + tail_lines(it->second.message, 1) +
              "), and the reference build does not skip it here for that reason: a skip is a failure";
    } else if (!it->second.passed) {
      why = tail_lines(it->second.message, 3);
    }
    if (why.empty()) ++v.passed;
    else if (v.failed_list.size() < 1500) v.failed_list += "- " + name + ": " + why + "\n";
  }
  return v;
}

// What a static initializer may touch: <iostream>'s std::ios_base::Init, or,
// in nvcc's registration of a .cu file's kernels (__sti____cudaRegisterAll),
// the CUDA runtime's registration calls and the addresses of what it
// registers (taking a kernel stub's address runs no student code).
bool allowed_in_initializer(const std::string& function, const std::string& reloc_type, const std::string& target) {
  static const std::set<std::string> kIostreamInit = {"_ZNSt8ios_base4InitC1Ev", "_ZNSt8ios_base4InitD1Ev", "__cxa_atexit",
                                                      "__dso_handle", "_ZStL8__ioinit", ".bss"};
  if (kIostreamInit.count(target)) return true;
  if (function != "_ZL24__sti____cudaRegisterAllv") return false;
  if (starts_with(target, "__cudaRegister") || target == "atexit") return true;
  const bool call = reloc_type.find("PLT") != std::string::npos;
  return !call && (starts_with(target, ".") || in_student_scope(demangle(target)));
}

bool allowed_definition(const std::string& mangled, const std::string& demangled, char type) {
  if (in_student_scope(demangled)) return true;
  // nvcc's host stub of a __global__ kernel: "__device_stub__" and the
  // kernel's own mangled name (without its leading '_').
  static const std::string kStub = "__device_stub__";
  if (starts_with(demangled, kStub)) {
    const std::string kernel = demangled.substr(kStub.size(), demangled.find('(') - kStub.size());
    return in_student_scope(demangle("_" + kernel));
  }
  // Weak definitions (inline functions, template instantiations, vtables) are
  // emitted by every C++ file that uses a header; the linker keeps one copy.
  // GoogleTest's are refused: student code has no reason to instantiate them.
  const bool weak = type == 'W' || type == 'V' || type == 'u' || type == 'w' || type == 'v';
  return weak && !mentions_googletest(mangled);
}

std::string denied_reference(const std::string& mangled) {
  // Functions that end the process (a report written by student code would
  // then stand), start processes, replace signal handlers, load code, change
  // memory protection, or open, rename or remove files.
  static const std::set<std::string> kDenied = {
      "exit", "_exit", "_Exit", "quick_exit", "at_quick_exit", "atexit", "on_exit", "syscall", "fork", "vfork", "clone",
      "clone3", "execve", "execv", "execvp", "execvpe", "execl", "execlp", "execle", "fexecve", "system", "popen",
      "posix_spawn", "posix_spawnp", "kill", "killpg", "tgkill", "ptrace", "dlopen", "dlmopen", "dlsym", "dlvsym",
      "mprotect", "pkey_mprotect", "open", "open64", "openat", "openat64", "__open_2", "__open64_2", "__openat_2",
      "creat", "creat64", "fopen", "fopen64", "freopen", "freopen64", "fdopen", "rename", "renameat", "renameat2",
      "unlink", "unlinkat", "remove", "rmdir", "link", "linkat", "symlink", "symlinkat", "truncate", "truncate64",
      "ftruncate", "ftruncate64", "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "mkdir", "mkdirat",
      "chdir", "fchdir", "chroot", "setenv", "putenv", "unsetenv", "clearenv", "dup", "dup2", "dup3", "signal",
      "sigaction", "bsd_signal", "sysv_signal", "prctl", "setrlimit", "setrlimit64", "prlimit", "prlimit64", "socket",
      "process_vm_writev", "pthread_atfork", "setcontext", "swapcontext", "makecontext", "longjmp", "_longjmp",
      "siglongjmp", "__longjmp_chk", "pwrite", "pwrite64", "mmap", "mmap64", "mremap", "memfd_create", "shm_open",
      "tmpfile", "tmpfile64", "mkstemp", "mkstemp64", "mkostemp", "tmpnam", "tempnam", "fork_compat",
      "__cxa_thread_atexit", "__cxa_thread_atexit_impl"};
  if (kDenied.count(mangled)) return "calls " + mangled + "()";
  if (mentions_googletest(mangled)) return "calls into GoogleTest (" + demangle(mangled) + ")";
  static const char* kFileStreams[] = {"_ZNSt14basic_ofstream", "_ZNSt14basic_ifstream", "_ZNSt13basic_fstream",
                                       "_ZNSt13basic_filebuf", "_ZNSt10filesystem", "_ZNKSt10filesystem",
                                       "_ZNSt12__basic_file", "_ZSt4exit", "_ZSt10quick_exit", "_ZSt6system"};
  for (const char* p : kFileStreams)
    if (starts_with(mangled, p)) return "opens files or the filesystem (" + demangle(mangled) + ")";
  return "";
}

std::set<std::string> undefined_symbols(const fs::path& archive) {
  bool ok = false;
  std::set<std::string> out;
  for (const auto& s : read_nm({archive}, {"--undefined-only"}, ok)) out.insert(s.name);
  return out;
}

Harness read_harness(const fs::path& reference_archive, const fs::path& test_objects, const fs::path& test_program) {
  Harness h;
  h.reference_archive = reference_archive;
  h.sanctioned_calls = undefined_symbols(reference_archive);
  bool ok = false;
  for (const auto& s : read_nm({reference_archive}, {"--defined-only", "--extern-only"}, ok)) h.reference_defs.insert(s.name);
  std::vector<fs::path> objects;
  if (fs::is_directory(test_objects))
    for (const auto& e : fs::recursive_directory_iterator(test_objects))
      if (e.is_regular_file() && e.path().extension() == ".o") objects.push_back(e.path());
  if (!objects.empty())
    for (const auto& s : read_nm(objects, {"--defined-only", "--extern-only"}, ok)) h.test_object_defs.insert(s.name);
  if (!fs::exists(test_program)) return h;
  for (const auto& s : read_nm({test_program}, {"--defined-only", "--extern-only"}, ok)) h.library_defs.insert(s.name);
  // The shared libraries it loads, and what they export (read once per grade).
  static std::map<std::string, std::set<std::string>> exports;
  const auto ldd = run_process({"ldd", test_program.string()});
  static const std::regex lib(R"(=> (/\S+) \(0x)");
  for (std::sregex_iterator it(ldd.output.begin(), ldd.output.end(), lib), end; it != end; ++it) {
    const std::string path = (*it)[1];
    if (!exports.count(path))
      for (const auto& s : read_nm({path}, {"-D", "--defined-only"}, ok)) exports[path].insert(s.name.substr(0, s.name.find('@')));
    h.library_defs.insert(exports[path].begin(), exports[path].end());
  }
  return h;
}

Harness cached_harness(const fs::path& cache, const fs::path& reference_archive, const fs::path& test_objects,
                       const fs::path& test_program) {
  // Reading the harness costs about a second a lab (nm on the test program and
  // the libraries it loads); it changes only when the course's build does.
  auto stamp_of = [](const fs::path& p) {
    std::error_code ec;
    const auto t = fs::last_write_time(p, ec);
    return ec ? std::string("missing") : std::to_string(t.time_since_epoch().count()) + ":" + std::to_string(fs::file_size(p, ec));
  };
  const std::string stamp = stamp_of(reference_archive) + "|" + stamp_of(test_program);
  try {
    std::ifstream in(cache);
    if (in) {
      const auto j = nlohmann::json::parse(in);
      if (j.value("stamp", "") == stamp)
        return {j.at("sanctioned_calls").get<std::set<std::string>>(), j.at("test_object_defs").get<std::set<std::string>>(),
                j.at("library_defs").get<std::set<std::string>>(), j.at("reference_defs").get<std::set<std::string>>(),
                reference_archive};
    }
  } catch (const std::exception&) {
  }
  Harness h = read_harness(reference_archive, test_objects, test_program);
  fs::create_directories(cache.parent_path());
  std::ofstream(cache) << nlohmann::json{{"stamp", stamp},
                                         {"sanctioned_calls", h.sanctioned_calls},
                                         {"test_object_defs", h.test_object_defs},
                                         {"library_defs", h.library_defs},
                                         {"reference_defs", h.reference_defs}}
                              .dump();
  return h;
}

// Whether `qualified_name` (demangled) lies in one of `namespaces`.
bool in_one_of(const std::string& qualified_name, const std::set<std::string>& namespaces) {
  return std::any_of(namespaces.begin(), namespaces.end(),
                     [&](const std::string& ns) { return starts_with(qualified_name, ns + "::"); });
}

// A function-local static of an inline function of the lab's own headers
// (collectives::scratch<float>(unsigned long)::buffer, or its guard
// variable): every file that calls the function emits a copy, the reference
// archive one too, and the linker keeps one, which is the point of such a
// static. The student's copy shares storage that the student code reaches
// anyway, by calling the function; labkit's and GoogleTest's statics (a
// seed, a registry) stay refused. Without this, every collectives starter
// and solution was rejected for calling the lab's scratch<T>().
bool is_lab_header_local_static(const std::string& mangled, std::string demangled,
                                const std::set<std::string>& lab_namespaces, const Harness& harness) {
  if (!harness.reference_defs.count(mangled) || !(starts_with(mangled, "_ZZ") || starts_with(mangled, "_ZGVZ"))) return false;
  const std::string guard = "guard variable for ";
  if (starts_with(demangled, guard)) demangled = demangled.substr(guard.size());
  return in_one_of(demangled, lab_namespaces);
}

// The disassembly, with relocations, of each copy of `function` (its COMDAT
// section .text.<mangled name>) in `archive`, one per member that has one.
std::set<std::string> function_codes(const fs::path& archive, const std::string& function) {
  const std::string section = ".text." + function;
  const auto r = run_process({"objdump", "-dr", "--section=" + section, archive.string()});
  std::set<std::string> copies;
  if (!r.ok()) return copies;
  // objdump names an address by the nearest symbol of any section ("call 1e7
  // <...rs_ring...+0x97>" before a call's relocation): that names the file's
  // other functions, not this code. The relocation lines name the targets.
  static const std::regex symbol_hint(R"( <[^<>\n]*>)");
  static const std::regex next_member(R"(\n\S+\.o:\s+file format)");  // "name.o:     file format ..."
  const std::string header = "Disassembly of section " + section + ":";
  for (auto start = r.output.find(header); start != std::string::npos; start = r.output.find(header, start + 1)) {
    std::string copy = r.output.substr(start + header.size());
    std::smatch m;
    if (std::regex_search(copy, m, next_member)) copy = copy.substr(0, static_cast<std::size_t>(m.position(0)));
    copies.insert(std::regex_replace(copy, symbol_hint, ""));
  }
  return copies;
}

// A weak copy of an inline function of the lab's own headers that the
// reference archive holds too (collectives::scratch<float>, emitted by any
// file that calls it without inlining it), with the same machine code and
// relocations as one of the reference's copies: whichever copy the linker
// keeps, the program runs code of the reference's build. A copy that
// differs (a function of the same name, written to replace the lab's) is a
// redefinition like any other.
bool is_same_lab_header_function(const std::string& mangled, const std::string& demangled, char type,
                                 const std::set<std::string>& lab_namespaces, const fs::path& student_archive,
                                 const Harness& harness) {
  if (type != 'W' || !harness.reference_defs.count(mangled) || harness.reference_archive.empty()) return false;
  // The qualified name, after the return type that a template's starts with
  // ("float* collectives::scratch<float>(unsigned long)").
  const auto args = demangled.find_first_of("(<");
  const auto space = args == std::string::npos ? std::string::npos : demangled.rfind(' ', args);
  const std::string name = space == std::string::npos ? demangled : demangled.substr(space + 1);
  if (!in_one_of(name, lab_namespaces)) return false;
  // Every copy the student's files hold (the linker may keep any of them) is
  // one of the reference's (files compiled with other ISA flags differ).
  const auto theirs = function_codes(harness.reference_archive, mangled);
  const auto ours = function_codes(student_archive, mangled);
  return !theirs.empty() && !ours.empty() &&
         std::all_of(ours.begin(), ours.end(), [&](const std::string& c) { return theirs.count(c) > 0; });
}

bool is_verilated_model_object(const std::string& member) {
  // labs_verilate_model (cmake/AddHdlLab.cmake) names the student model
  // V<top>_student; Verilator's files, and the unity file of them, start so.
  const std::string name = basename_of(member);
  return name.size() > 1 && name[0] == 'V' && name.find("_student") != std::string::npos;
}

ObjectCheck check_student_archive(const fs::path& archive, const Harness& harness) {
  ObjectCheck check;
  // One nm for both: references (U, and w/v, weak ones), and the global
  // definitions (upper-case types and u; other lower-case ones are local).
  bool nm_ok = false;
  std::vector<NmSymbol> defined, undefined;
  for (auto& s : read_nm({archive}, {}, nm_ok)) {
    if (s.type == 'U' || s.type == 'w' || s.type == 'v') undefined.push_back(std::move(s));
    else if (std::isupper(static_cast<unsigned char>(s.type)) || s.type == 'u') defined.push_back(std::move(s));
  }
  const bool defined_ok = nm_ok, undefined_ok = nm_ok;
  const auto relocs = run_process({"objdump", "-r", "-j", ".init_array", "-j", ".preinit_array", "-j", ".ctors", "-j",
                                   ".fini_array", "-j", ".dtors", archive.string()});
  const auto startup = run_process({"objdump", "-dr", "--no-show-raw-insn", archive.string()});
  check.ran = defined_ok && undefined_ok && startup.ok();
  if (!check.ran) {
    check.problems.push_back("the grader could not read " + archive.filename().string() + " with nm and objdump (binutils)");
    return check;
  }
  // Problems by rank: code before main, raw system calls, denied calls, then
  // definitions (a GoogleTest TEST adds several of each; the first kinds say most).
  std::set<std::string> seen;
  std::multimap<int, std::string> ranked;
  auto problem = [&](const std::string& object, const std::string& what, int rank = 0) {
    // The Verilated translation of the student's RTL: Verilator's own
    // classes, statics and initializers, outside any student namespace by
    // design. What the RTL may contain is checked at the source instead
    // (check_hdl_sources), which the grader runs on every lab.
    if (is_verilated_model_object(object)) return;
    const std::string p = basename_of(object) + ": " + what;
    if (seen.insert(p).second) ranked.emplace(rank, p);
  };
  // The lab's namespaces: those that hold the reference's (collectives for
  // collectives::reference), read from the course's reference archive, never
  // from the student's objects (which could name labkit::student::f).
  std::set<std::string> lab_namespaces;
  for (const auto& mangled : harness.reference_defs) {
    const std::string name = demangle(mangled);
    const auto at = name.find("::reference::");
    if (at != std::string::npos && at > 0 && name.find_first_of(" <(") > at) lab_namespaces.insert(name.substr(0, at));
  }
  for (const char* framework : {"labkit", "testing", "std"}) lab_namespaces.erase(framework);
  for (const auto& s : defined) {
    const std::string name = demangle(s.name);
    if (!allowed_definition(s.name, name, s.type))
      problem(s.object, "defines '" + name + "' outside the lab's student namespace (helpers go in that namespace, or are static)", 3);
    else if (!in_student_scope(name) && !in_standard_library(s.name) && !is_weak_typeinfo(s.name, s.type) &&
             harness.library_defs.count(s.name) && !harness.test_object_defs.count(s.name) &&
             // last: comparing a function's copies runs objdump twice
             !is_lab_header_local_static(s.name, name, lab_namespaces, harness) &&
             !is_same_lab_header_function(s.name, name, s.type, lab_namespaces, archive, harness))
      problem(s.object, "redefines '" + name + "', which the program's libraries define: its copy could replace theirs", 1);
  }
  for (const auto& s : undefined) {
    if (harness.sanctioned_calls.count(s.name)) continue;
    if (const auto why = denied_reference(s.name); !why.empty()) problem(s.object, why, 2);
  }

  // Static initializers: code that runs before main. The only one allowed is
  // the one <iostream> adds (std::ios_base::Init); anything else could
  // register GoogleTest environments, listeners or tests, or act before the
  // tests start. objdump -r lists, per member, "RELOCATION RECORDS FOR [section]".
  {
    std::stringstream ss(relocs.output);
    std::string object, section;
    const std::regex member(R"(^In archive .*:$|^(\S+\.o):\s+file format)"), records(R"(^RELOCATION RECORDS FOR \[(.*)\]:)");
    for (std::string line; std::getline(ss, line);) {
      std::smatch m;
      if (std::regex_search(line, m, member)) {
        if (m[1].matched) object = m[1];
      } else if (std::regex_search(line, m, records)) {
        section = m[1];
      } else if (std::regex_search(line, m, std::regex(R"(^[0-9a-f]+\s+\S+\s+(\S+))"))) {
        const std::string target = m[1];
        if (section != ".init_array")
          problem(object, "has a " + section + " entry (code that runs before or after main)");
        else if (!starts_with(target, ".text.startup") && !starts_with(target, "_GLOBAL__sub_I_"))
          problem(object, "has a static initializer outside .text.startup (" + target + ")");
      }
    }
  }
  {
    std::stringstream ss(startup.output);
    std::string object, section, function;
    const std::regex member(R"(^(\S+\.o):\s+file format)"), disasm(R"(^Disassembly of section (\S+):)"),
        label(R"(^[0-9a-f]+ <(\S+)>:$)"), reloc(R"(^\s+[0-9a-f]+: (R_\S+)\s+([^+\- ]+))"),
        raw_syscall(R"(\t(syscall|sysenter|int\s+\$0x80|svc\s))");
    for (std::string line; std::getline(ss, line);) {
      std::smatch m;
      if (std::regex_search(line, m, member)) object = m[1];
      else if (std::regex_search(line, m, disasm)) section = m[1];
      else if (std::regex_search(line, m, label)) function = m[1];
      else if (std::regex_search(line, m, raw_syscall)) problem(object, "makes a raw system call (" + std::string(m[1]) + ")", 1);
      else if (starts_with(section, ".text.startup") && std::regex_search(line, m, reloc) &&
               !allowed_in_initializer(function, m[1], m[2]))
        problem(object, "has a static initializer that uses " + demangle(m[2]) +
                            " (student code may not run before the tests: use a function-local static)");
    }
  }
  const std::size_t kShown = 12;
  for (const auto& [rank, p] : ranked)
    if (check.problems.size() < kShown) check.problems.push_back(p);
  if (ranked.size() > kShown) check.problems.push_back(fmt::format("... and {} more", ranked.size() - kShown));
  return check;
}


Sandbox make_sandbox(const std::vector<fs::path>& read_only, bool unprivileged) {
  Sandbox box;
  box.base.close_other_fds = true;
  if (geteuid() == 0 && !unprivileged) {
    unsigned uid = 65534, gid = 65534;
    if (const passwd* pw = getpwnam("nobody")) {
      uid = pw->pw_uid;
      gid = pw->pw_gid;
    }
    RunOptions probe = box.base;
    probe.new_network_namespace = true;
    probe.run_as_uid = uid;
    probe.run_as_gid = gid;
    const bool netns = run_process({"true"}, probe).ok();
    if (!netns) probe.new_network_namespace = false;
    const bool user = run_process({"true"}, probe).ok();
    box.network = netns ? "no network (a new network namespace)" : "network not isolated: unshare(CLONE_NEWNET) failed here";
    if (user) {
      box.base = probe;
      box.private_owner = true;
      box.filesystem = fmt::format("student code runs as uid {} (nobody) in a private folder; the course tree, the build and "
                                   "the grader's outputs are read-only to it", uid);
    } else {
      box.base.new_network_namespace = netns;
      box.filesystem = "filesystem not isolated: dropping to the user nobody failed, student code runs as root";
    }
    return box;
  }
  // Not root: the user namespace's root may bind-mount. Every protected
  // folder becomes a read-only bind of itself, then the private folder (which
  // may lie inside one of them) a writable one; the student's command runs
  // after that, with the mounts of this namespace only.
  static const char* kReadOnlyMounts =
      "mount --make-rprivate / || exit 126\n"
      "priv=$1; shift\n"
      "while [ \"$1\" != -- ]; do\n"
      "  { mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\"; } ||"
      " { echo \"labctl sandbox: cannot make $1 read-only\" >&2; exit 126; }\n"
      "  shift\n"
      "done\n"
      "shift\n"
      "{ mount --bind \"$priv\" \"$priv\" && mount -o remount,bind,rw \"$priv\"; } || exit 126\n"
      "ip link set lo up 2> /dev/null || true\n"  // this namespace's loopback only (mpirun needs one)
      "exec \"$@\"\n";
  std::vector<std::string> ns = {"unshare", "--map-root-user", "--mount", "--net", "--", "sh", "-c", kReadOnlyMounts,
                                 "labctl-sandbox", "@PRIVATE@"};
  std::string protected_list;
  for (const auto& p : read_only) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) continue;
    const auto canonical = fs::canonical(p, ec).string();
    if (ec || std::find(ns.begin(), ns.end(), canonical) != ns.end()) continue;
    ns.push_back(canonical);
    protected_list += (protected_list.empty() ? "" : ", ") + canonical;
  }
  ns.push_back("--");
  {
    const fs::path probe_dir = fs::temp_directory_path() / fmt::format("labctl-sandbox-probe-{}", getpid());
    fs::create_directories(probe_dir);
    std::vector<std::string> probe = ns;
    std::replace(probe.begin(), probe.end(), std::string("@PRIVATE@"), probe_dir.string());
    probe.push_back("true");
    const bool ok = run_process(probe, box.base).ok();
    fs::remove_all(probe_dir);
    if (ok) {
      box.prefix = ns;
      box.network = "no network (a new network namespace)";
      box.filesystem = "student code runs in its own user and mount namespaces: " +
                       (protected_list.empty() ? std::string("no folder") : protected_list) +
                       " read-only to it, its private folder writable";
      return box;
    }
  }
  const std::vector<std::string> prefix = {"unshare", "--map-root-user", "--net", "--"};
  std::vector<std::string> probe = prefix;
  probe.push_back("true");
  if (run_process(probe).ok()) {
    box.prefix = prefix;
    box.network = "no network (unshare --net)";
  } else {
    box.network = "network not isolated: unshare --net is not permitted here";
  }
  box.filesystem = fmt::format("filesystem not isolated: the grader is not root and this system refuses unprivileged "
                               "user and mount namespaces, so student code runs as the grader's uid {} and can write "
                               "wherever it can (run the grader as root to isolate it)", geteuid());
  return box;
}

fs::path private_folder(const fs::path& work, const Sandbox& box) {
  const fs::path parent = work / "untrusted";
  fs::create_directories(parent);
  chmod(parent.c_str(), 0711);
  std::random_device rd;
  const fs::path dir = parent / fmt::format("{:08x}{:08x}{:08x}", rd(), rd(), rd());
  fs::create_directories(dir);
  chmod(dir.c_str(), 0700);
  if (box.private_owner && chown(dir.c_str(), *box.base.run_as_uid, *box.base.run_as_gid) != 0)
    throw std::runtime_error("cannot hand " + dir.string() + " to the sandbox user");
  return dir;
}

// A report the child wrote in its private folder, copied out only when it is
// a plain file (never a link the child planted to make the grader read
// something else).
bool take_report(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (fs::symlink_status(from, ec).type() != fs::file_type::regular) return false;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  return !ec;
}

std::vector<std::string> check_hdl_sources(const fs::path& student_dir) {
  std::vector<std::string> problems;
  if (!fs::is_directory(student_dir)) return problems;
  // Verilator pastes C++ into its model from $c (also spelled $c8, $c32...)
  // and from `systemc_header, `systemc_implementation and the other
  // `systemc_ blocks; a macro could assemble any of these names with the
  // token paste ``, and `include of an absolute path or one with ".." reads
  // files outside the lab into the build. The Verilated model itself is not
  // read by the object check (is_verilated_model_object), so these rules are
  // all that stands between the RTL and the test program.
  static const std::regex denied(
      R"((\$(system|fopen|fwrite|fdisplay|fstrobe|fmonitor|fscanf|fgets|fread|readmem[bh]|writemem[bh]|dumpfile|dumpvars|cpure|c[0-9]*)\b)|"DPI(-C)?"|`systemc_\w+|``|`include\s*"(/|[^"]*\.\.))");
  for (const auto& e : fs::recursive_directory_iterator(student_dir)) {
    const auto ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".sv" && ext != ".v" && ext != ".svh" && ext != ".vh")) continue;
    std::ifstream in(e.path());
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      std::smatch m;
      if (std::regex_search(line, m, denied))
        problems.push_back(fmt_line(e.path().filename().string(), line_no, m[0]));
    }
  }
  return problems;
}

// ---------------------------------------------------------------- C++ sources

namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::istringstream in(s);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

bool is_compiler(const std::string& word) {
  static const std::regex name(R"(^(.*-)?(c\+\+|g\+\+|gcc|cc|clang|clang\+\+|nvcc)(-[0-9.]+)?$)");
  return std::regex_match(fs::path(word).filename().string(), name);
}

bool is_nvcc(const std::string& compiler) { return fs::path(compiler).filename().string().find("nvcc") != std::string::npos; }

// `p` is `dir` or inside it; both already made absolute by resolved(), so
// ".." and links are gone before the comparison.
bool inside(const fs::path& p, const fs::path& dir) {
  if (dir.empty()) return false;
  auto pi = p.begin();
  for (auto di = dir.begin(); di != dir.end(); ++di, ++pi)
    if (pi == p.end() || *pi != *di) return false;
  return true;
}
// weakly_canonical, or an empty path (inside nothing) when that fails.
fs::path resolved(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? fs::path() : c;
}

// The folders a compiler searches by itself (c++ -E -v), asked once per compiler.
std::vector<fs::path> builtin_folders(std::string compiler) {
  static std::map<std::string, std::vector<fs::path>> cache;
  if (is_nvcc(compiler)) compiler = "c++";  // nvcc's host code goes through the host compiler
  if (auto it = cache.find(compiler); it != cache.end()) return it->second;
  const auto r = run_process({compiler, "-x", "c++", "-E", "-v", "/dev/null"});
  std::vector<fs::path> dirs;
  bool listing = false;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (line.find("search starts here:") != std::string::npos) listing = true;
    else if (line.rfind("End of search list.", 0) == 0) listing = false;
    else if (listing && !line.empty() && line[0] == ' ') dirs.push_back(line.substr(line.find_first_not_of(' ')));
  }
  return cache[compiler] = dirs;
}

}  // namespace

std::vector<fs::path> headers_opened(const std::string& compiler_output) {
  std::vector<fs::path> files;
  static const std::regex listed(R"(^\.+ (.+)$)");
  std::istringstream in(compiler_output);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, listed)) files.emplace_back(m[1].str());
  }
  return files;
}

std::vector<fs::path> search_folders(const std::vector<std::string>& argv, const fs::path& cwd) {
  std::vector<fs::path> dirs;
  auto add = [&](std::string d) {
    if (!d.empty() && d[0] == '=') d = d.substr(1);  // nvcc's -isystem=DIR
    if (d.empty()) return;
    dirs.push_back(fs::path(d).is_absolute() ? fs::path(d) : cwd / d);
  };
  for (std::size_t i = 0; i < argv.size(); ++i)
    for (const std::string flag : {"-isystem", "-iquote", "-idirafter", "-I"}) {
      if (argv[i].rfind(flag, 0) != 0) continue;
      if (argv[i] == flag) {
        if (i + 1 < argv.size()) add(argv[++i]);
      } else {
        add(argv[i].substr(flag.size()));
      }
      break;
    }
  if (!argv.empty())
    for (const auto& d : builtin_folders(argv[0])) dirs.push_back(d);
  return dirs;
}

namespace {

// The value of the C string literal body `s` (between the quotes): what the
// compiler would hand the assembler, escapes resolved ("\056incbin" is ".incbin").
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    if (c >= '0' && c <= '7') {
      int v = 0, n = 0;
      for (; n < 3 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++n, ++i) v = v * 8 + (s[i] - '0');
      --i;
      out += static_cast<char>(v);
    } else if (c == 'x') {
      int v = 0;
      while (i + 1 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])))
        v = v * 16 + std::stoi(std::string(1, s[++i]), nullptr, 16);
      out += static_cast<char>(v);
    } else {
      static const std::map<char, char> simple = {{'n', '\n'}, {'t', '\t'}, {'r', '\r'}, {'f', '\f'},
                                                  {'v', '\v'}, {'a', '\a'}, {'b', '\b'}};
      const auto it = simple.find(c);
      out += it != simple.end() ? it->second : c;
    }
  }
  return out;
}

// Every string literal of a preprocessed translation unit, adjacent ones
// joined as the compiler joins them ("a" "b" is "ab").
std::vector<std::string> string_literals(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  bool joining = false;
  auto flush = [&] {
    if (joining) out.push_back(current);
    current.clear();
    joining = false;
  };
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const char c = text[i];
    if (c == '#' && (i == 0 || text[i - 1] == '\n')) {  // a line marker: # 12 "file" 1
      i = text.find('\n', i);
      if (i == std::string::npos) break;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '\'') {  // a character literal: skip it whole
      for (++i; i < n && text[i] != '\''; ++i)
        if (text[i] == '\\') ++i;
      ++i;
      flush();
      continue;
    }
    // A string literal, with any prefix (u8, L, u, U) and raw R"delim(...)delim".
    std::size_t q = i;
    while (q < n && q - i < 3 && (std::isalnum(static_cast<unsigned char>(text[q])) || text[q] == '_') && text[q] != '"') ++q;
    const std::string prefix = text.substr(i, q - i);
    const bool is_prefix = prefix.empty() || prefix == "u8" || prefix == "L" || prefix == "u" || prefix == "U" ||
                           prefix == "R" || prefix == "u8R" || prefix == "LR" || prefix == "uR" || prefix == "UR";
    if (q < n && text[q] == '"' && is_prefix && (i == 0 || !(std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_'))) {
      if (!prefix.empty() && prefix.back() == 'R') {
        const std::size_t open = text.find('(', q);
        if (open == std::string::npos) break;
        const std::string close = ")" + text.substr(q + 1, open - q - 1) + "\"";
        const std::size_t end = text.find(close, open);
        if (end == std::string::npos) break;
        current += text.substr(open + 1, end - open - 1);
        i = end + close.size();
      } else {
        std::size_t j = q + 1;
        for (; j < n && text[j] != '"' && text[j] != '\n'; ++j)
          if (text[j] == '\\') ++j;
        current += unescape(text.substr(q + 1, j - q - 1));
        i = j + 1;
      }
      joining = true;
      continue;
    }
    flush();
    // Any other token: an identifier or number whole, else one character.
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_')
      while (i < n && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
    else
      ++i;
  }
  flush();
  return out;
}

}  // namespace

std::vector<std::string> denied_directives(const std::string& preprocessed) {
  // The assembler directives that read a file (.incbin, .include) or could
  // spell one (.macro, .irp, .rept...). They reach the assembler from a
  // string: an asm statement's, an asm label's, a section attribute's.
  // GCC never needs one, so any string of the unit that holds one (macros
  // expanded, adjacent literals joined, escapes resolved) is refused. Gas
  // takes several statements on a line after ';'.
  static const std::regex denied(R"((^|[;\s])(\.(incbin|include|macro|irpc?|rept|altmacro|purgem))\b)", std::regex::icase);
  std::set<std::string> found;
  for (const auto& literal : string_literals(preprocessed)) {
    if (literal.find('.') == std::string::npos) continue;
    for (auto it = std::sregex_iterator(literal.begin(), literal.end(), denied); it != std::sregex_iterator(); ++it)
      found.insert((*it)[2].str());
  }
  return {found.begin(), found.end()};
}

std::vector<SourceCompile> student_compiles(const fs::path& build, const std::string& target, const fs::path& student_dir) {
  std::vector<SourceCompile> out;
  const auto r = run_process({"ninja", "-C", build.string(), "-t", "commands", target});
  const fs::path student = resolved(student_dir);
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    const auto words = split_words(line);
    for (std::size_t i = 0; i + 1 < words.size(); ++i)
      if (words[i] == "-c") {
        const fs::path source = fs::path(words[i + 1]).is_absolute() ? fs::path(words[i + 1]) : build / words[i + 1];
        if (inside(resolved(source), student)) out.push_back({line, source});
        break;
      }
  }
  return out;
}

std::vector<std::string> check_student_compiles(const std::vector<SourceCompile>& compiles, const fs::path& build,
                                                const fs::path& student_dir,
                                                const std::function<bool(const fs::path&)>& secret,
                                                const fs::path& scratch) {
  std::vector<std::string> problems;
  fs::create_directories(scratch);
  const fs::path student = resolved(student_dir);
  int n = 0;
  for (const auto& c : compiles) {
    const std::string name = "student/" + fs::relative(resolved(c.source), student).generic_string();
    // The build's own command from the compiler on (no ccache, env or
    // wrapper script), its outputs replaced by a scratch file.
    const auto words = split_words(c.command);
    std::size_t first = 0;
    while (first < words.size() && !is_compiler(words[first])) ++first;
    if (first == words.size()) {
      problems.push_back(name + ": the grader could not read the command that compiles it: " + c.command);
      continue;
    }
    std::vector<std::string> argv;
    for (std::size_t i = first; i < words.size(); ++i) {
      const auto& w = words[i];
      if (w == "-o" || w == "-MT" || w == "-MF" || w == "-MQ") ++i;
      else if (w != "-c" && w != "-MD" && w != "-MMD" && w != "--resource-usage") argv.push_back(w);
    }
    const bool nvcc = is_nvcc(argv[0]);
    const fs::path out = scratch / fmt::format("{}.ii", n++);
    fs::remove(out);
    if (nvcc) argv.insert(argv.end(), {"-E", "-Xcompiler=-H", "-o", out.string()});
    else argv.insert(argv.end(), {"-E", "-H", "-o", out.string()});
    RunOptions opts;
    opts.cwd = build;
    opts.timeout_s = 180;
    opts.memory_limit_bytes = 4ull << 30;
    const auto r = run_process(argv, opts);
    if (r.timed_out) {
      problems.push_back(name + ": the compiler did not finish it in 180 s (does it #include a device or a pipe?)");
      continue;
    }
    // Made canonical once here, not once per header: a unit opens hundreds.
    std::vector<fs::path> dirs = {student};
    for (const auto& d : search_folders(argv, build)) dirs.push_back(resolved(d));
    std::set<std::string> reported;
    for (const auto& header : headers_opened(r.output)) {
      const fs::path h = resolved(header.is_absolute() ? header : build / header);
      bool allowed = false;
      for (const auto& d : dirs) allowed = allowed || inside(h, d);
      const char* why = !allowed ? "outside the student folder and the folders the build searches"
                        : secret(h) ? "which students may not read (a reference solution or hidden tests)"
                                    : nullptr;
      if (why && reported.insert(h.string()).second)
        problems.push_back(name + ": includes " + header.string() + ", " + why +
                           " (include only the lab's headers, your own student/ files and the system's)");
    }
    if (fs::exists(out))
      for (const auto& d : denied_directives(read_text(out)))
        problems.push_back(name + ": a string in it holds the assembler directive " + d +
                           " (inline assembly may not read files or define assembler macros)");
    else if (r.ok())
      problems.push_back(name + ": the grader's preprocessing of it left no output");
    fs::remove(out);
  }
  return problems;
}

std::vector<std::string> parse_gtest_list(const std::string& output) {
  std::vector<std::string> names;
  std::string suite;
  std::stringstream ss(output);
  for (std::string line; std::getline(ss, line);) {
    if (const auto hash = line.find("  #"); hash != std::string::npos) line = line.substr(0, hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty()) continue;
    if (line[0] != ' ') {
      suite = line.back() == '.' ? line.substr(0, line.size() - 1) : "";
    } else if (!suite.empty()) {
      names.push_back(suite + "." + line.substr(line.find_first_not_of(' ')));
    }
  }
  return names;
}

}  // namespace labctl
