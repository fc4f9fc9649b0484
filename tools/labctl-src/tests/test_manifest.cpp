// lab.toml parsing: good manifests load, and every kind of mistake gets an
// error naming the file, the line and the fix. Also read_text, which reads them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "context.hpp"
#include "manifest.hpp"

using namespace labctl;

namespace {

// A throwaway tree: root/phases/01-foundations/<id>/lab.toml
struct TempLab {
  fs::path root;
  fs::path manifest;
  TempLab(const std::string& text, const std::string& id = "demo", const std::string& phase_dir = "01-foundations") {
    root = fs::temp_directory_path() / ("labctl-manifest-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                        "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
    manifest = root / "phases" / phase_dir / id / "lab.toml";
    fs::create_directories(manifest.parent_path());
    std::ofstream(manifest) << text;
  }
  ~TempLab() { fs::remove_all(root); }
};

const char* kGood = R"(id = "demo"
title = "Demo lab"
phase = 1
module = "C++ and Parallel Computing"
layers = ["L3", "L4"]
requires = ["Eigen3"]

[[targets]]
name = "fast"
metric = "speedup"
case = "dot"
size = 4096
baseline = "scalar"
at_least = 2.5
)";

std::string error_of(const std::string& text) {
  TempLab lab(text);
  try {
    parse_manifest(lab.manifest);
  } catch (const FileError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Manifest, ParsesAGoodOne) {
  TempLab t(kGood);
  const Lab lab = parse_manifest(t.manifest);
  EXPECT_EQ(lab.id, "demo");
  EXPECT_EQ(lab.phase, 1);
  EXPECT_EQ(lab.layers, (std::vector<std::string>{"L3", "L4"}));
  EXPECT_EQ(lab.requires_features, (std::vector<std::string>{"Eigen3"}));
  ASSERT_EQ(lab.targets.size(), 1u);
  EXPECT_EQ(lab.targets[0].baseline, "scalar");
  EXPECT_DOUBLE_EQ(lab.targets[0].at_least, 2.5);
  EXPECT_EQ(lab.targets[0].impls, (std::vector<std::string>{"reference", "student"}));
  EXPECT_EQ(lab.targets[0].line, 8);
}

TEST(Manifest, SyntaxErrorNamesFileAndLine) {
  const auto e = error_of("id = \"demo\"\ntitle = \"x\"\nphase = = 1\n");
  EXPECT_NE(e.find("lab.toml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("fix:"), std::string::npos) << e;
}

TEST(Manifest, EachMistakeIsExplained) {
  struct Case {
    std::string edit_from, edit_to, expect_in_message;
  };
  const std::vector<Case> cases = {
      {"phase = 1", "phase = 9", "lab.toml:3: 'phase' must be an integer from 1 to 5"},
      {"phase = 1", "phase = \"one\"", "lab.toml:3: 'phase' must be"},
      {"layers = [\"L3\", \"L4\"]", "layers = [\"L9\"]", "lab.toml:5: layer must be one of"},
      {"id = \"demo\"", "id = \"other\"", "differs from the folder name"},
      {"module = \"C++ and Parallel Computing\"\n", "", "missing required key 'module'"},
      {"requires = [\"Eigen3\"]", "requires = [\"Magic\"]", "lab.toml:6: unknown requirement"},
      {"baseline = \"scalar\"\n", "", "lab.toml:8: a speedup target needs 'baseline'"},
      {"metric = \"speedup\"", "metric = \"vibes\"", "lab.toml:10: unknown metric 'vibes'"},
      {"at_least = 2.5", "at_least = \"lots\"", "lab.toml:14: target needs a number 'at_least'"},
      {"title = \"Demo lab\"", "title = \"Demo lab\"\ncolour = \"red\"", "lab.toml:3: unknown key 'colour'"},
  };
  for (const auto& c : cases) {
    std::string text = kGood;
    const auto pos = text.find(c.edit_from);
    ASSERT_NE(pos, std::string::npos) << c.edit_from;
    text.replace(pos, c.edit_from.size(), c.edit_to);
    const auto e = error_of(text);
    EXPECT_NE(e.find(c.expect_in_message), std::string::npos) << "after '" << c.edit_from << "' -> '" << c.edit_to
                                                              << "' the error was: " << e;
    EXPECT_NE(e.find("fix:"), std::string::npos) << e;
  }
}

// The issue's bad tasks: a threshold on a test task, a proportional curve
// with zero < 0, and threads on a target that is not a whole number.
TEST(Manifest, TaskAndTargetMistakesAreExplained) {
  const std::string task_head = "\n[[tasks]]\nid = \"t\"\npoints = 5\n";
  EXPECT_NE(error_of(std::string(kGood) + task_head + "kind = \"test\"\nfilter = \"*\"\nfull = 5.0\n")
                .find("is a test task and has perf keys"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + task_head +
                     "kind = \"perf\"\nmetric = \"speedup\"\ncase = \"dot\"\nsize = 1\nbaseline = \"scalar\"\n"
                     "curve = \"proportional\"\nfull = 4.0\nzero = -1.0\n")
                .find("a proportional curve needs 0 <= zero < full"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "threads = 0\n").find("'threads' must be a whole number of at least 1"),
            std::string::npos);
  // The good ones load: a threaded perf task and target.
  EXPECT_EQ(error_of(std::string(kGood) + "threads = 2\n" + task_head +
                     "kind = \"perf\"\nmetric = \"speedup\"\ncase = \"dot\"\nsize = 1\nbaseline = \"scalar\"\n"
                     "full = 4.0\nzero = 1.0\nthreads = 2\n"),
            "");
}

TEST(Manifest, PhaseMustMatchItsFolder) {
  TempLab t(kGood, "demo", "03-ml-systems");
  try {
    parse_manifest(t.manifest);
    FAIL() << "expected an error";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("move the lab to phases/01-foundations"), std::string::npos) << e.what();
  }
}

TEST(Manifest, DiscoversTheRealLabs) {
  const auto labs = discover_labs(LABS_SOURCE_DIR);
  ASSERT_FALSE(labs.empty());
  bool found = false;
  for (const auto& l : labs) found |= l.id == "simd-dot";
  EXPECT_TRUE(found);
  for (std::size_t i = 1; i < labs.size(); ++i) EXPECT_LE(labs[i - 1].phase, labs[i].phase);
}

namespace {

// kGood with its requires line replaced by `lines` (e.g. requires and uses).
std::string with_top(const std::string& lines, const std::string& id = "demo") {
  std::string text = kGood;
  const std::string requires_line = "requires = [\"Eigen3\"]\n";
  text.replace(text.find(requires_line), requires_line.size(), lines);
  text.replace(text.find("id = \"demo\""), std::string("id = \"demo\"").size(), "id = \"" + id + "\"");
  return text;
}

// A tree of several labs in phases/01-foundations: id -> its top-level lines.
struct TempTree {
  fs::path root;
  explicit TempTree(const std::vector<std::pair<std::string, std::string>>& labs) {
    root = fs::temp_directory_path() / ("labctl-manifest-tree-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                        "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
    for (const auto& [id, lines] : labs) {
      const auto manifest = root / "phases/01-foundations" / id / "lab.toml";
      fs::create_directories(manifest.parent_path());
      std::ofstream(manifest) << with_top(lines, id);
    }
  }
  ~TempTree() { fs::remove_all(root); }
  std::string error() const {
    try {
      discover_labs(root);
    } catch (const FileError& e) {
      return e.what();
    }
    return "";
  }
};

}  // namespace

TEST(Manifest, UsesListsOtherLabs) {
  TempLab t(with_top("requires = [\"OpenMP\"]\nuses = [\"sgemm\", \"simd-dot\"]  # the GEMM\n"));
  const Lab lab = parse_manifest(t.manifest);
  EXPECT_EQ(lab.requires_features, (std::vector<std::string>{"OpenMP"}));
  EXPECT_EQ(lab.uses, (std::vector<std::string>{"sgemm", "simd-dot"}));
  EXPECT_EQ(lab.uses_line, 7);
}

// Debian packages a lab's tests need, which tools/labctl installs with the
// build's (it reads the line with sed: one line, plain names).
TEST(Manifest, PackagesNameDebianPackagesOnOneLine) {
  TempLab t(with_top("packages = [\"valgrind\", \"gcc-riscv64-unknown-elf\"]\n"));
  EXPECT_EQ(parse_manifest(t.manifest).packages, (std::vector<std::string>{"valgrind", "gcc-riscv64-unknown-elf"}));
  for (const auto& [lines, message] : std::vector<std::pair<std::string, std::string>>{
           {"packages = \"valgrind\"\n", "lab.toml:6: 'packages' must be an array of Debian package names"},
           {"packages = [\"valgrind; rm -rf /\"]\n", "lab.toml:6: 'packages' lists Debian package names"},
           {"packages = [\n  \"valgrind\"]\n", "lab.toml:6: 'packages' spans several lines"}}) {
    const auto e = error_of(with_top(lines));
    EXPECT_NE(e.find(message), std::string::npos) << "with '" << lines << "' the error was: " << e;
  }
  // cache-sim's agreement test runs valgrind, which only this line installs.
  for (const auto& l : discover_labs(LABS_SOURCE_DIR)) {
    if (l.id == "cache-sim") {
      EXPECT_EQ(l.packages, (std::vector<std::string>{"valgrind"}));
    }
  }
}

TEST(Manifest, UsesMayBeEmptyOrAbsent) {
  TempLab empty(with_top("uses = []\n"));
  EXPECT_TRUE(parse_manifest(empty.manifest).uses.empty());
  EXPECT_EQ(error_of(kGood), "");
}

TEST(Manifest, UsesAndRequiresMistakesAreExplained) {
  struct Case {
    std::string lines, expect_in_message;
  };
  const std::vector<Case> cases = {
      {"uses = \"sgemm\"\n", "lab.toml:6: 'uses' must be an array of lab ids"},
      {"uses = [\"demo\"]\n", "lab.toml:6: the lab uses itself"},
      {"uses = [\"Big_Lab\"]\n", "lab.toml:6: 'uses' lists lab ids"},
      {"uses = [3]\n", "lab.toml:6: 'uses' lists lab ids"},
      {"uses = [\"sgemm\", \"sgemm\"]\n", "lab.toml:6: 'sgemm' is listed twice in 'uses'"},
      {"requires = [\"TBB\", \"TBB\"]\n", "lab.toml:6: 'TBB' is listed twice in 'requires'"},
      {"uses = [\n  \"sgemm\",\n]\n", "lab.toml:6: 'uses' spans several lines"},
      {"requires = [\n  \"TBB\"]\n", "lab.toml:6: 'requires' spans several lines"},
  };
  for (const auto& c : cases) {
    const auto e = error_of(with_top(c.lines));
    EXPECT_NE(e.find(c.expect_in_message), std::string::npos) << "with '" << c.lines << "' the error was: " << e;
    EXPECT_NE(e.find("fix:"), std::string::npos) << e;
  }
}

TEST(Manifest, UsesMustNameALabAndFormNoCycle) {
  EXPECT_EQ(TempTree({{"base", ""}, {"user", "uses = [\"base\"]\n"}}).error(), "");

  const auto unknown = TempTree({{"base", ""}, {"user", "uses = [\"nope\"]\n"}}).error();
  EXPECT_NE(unknown.find("user/lab.toml:6: uses 'nope', but no lab has that id"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("base"), std::string::npos) << "the fix should list the labs: " << unknown;

  const auto cycle = TempTree({{"a", "uses = [\"b\"]\n"}, {"b", "uses = [\"c\"]\n"}, {"c", "uses = [\"a\"]\n"}}).error();
  EXPECT_NE(cycle.find("form a cycle: "), std::string::npos) << cycle;
  for (const char* step : {"a -> b", "b -> c", "c -> a"}) EXPECT_NE(cycle.find(step), std::string::npos) << cycle;
  EXPECT_NE(cycle.find("fix:"), std::string::npos) << cycle;
}

TEST(Manifest, TheRealLabsDeclareWhatTheyUse) {
  for (const auto& l : discover_labs(LABS_SOURCE_DIR)) {
    if (l.id == "tiny-nn" || l.id == "quantization") {
      EXPECT_EQ(l.uses, (std::vector<std::string>{"sgemm"})) << l.id << " links the sgemm lab's GEMM";
    }
  }
}

// kind = "synth": a [[synth]] top of the lab, a metric labctl synth reports,
// the tests that gate it (filter), thresholds; bench keys are mistakes.
TEST(Manifest, SynthTaskNamesADesignAndAMetric) {
  const std::string synth = "\n[[synth]]\ntop = \"tree\"\nreference = [\"reference/tree.sv\"]\n";
  const std::string task = "\n[[tasks]]\nid = \"fmax\"\npoints = 5\nkind = \"synth\"\nfilter = \"Tree.*\"\n";
  const std::string good = std::string(kGood) + synth + task + "design = \"tree\"\nmetric = \"fmax_mhz\"\nfull = 140.0\nzero = 110.0\n";
  TempLab lab(good);
  const Lab parsed = parse_manifest(lab.manifest);
  ASSERT_EQ(parsed.tasks.size(), 1u);
  const Task& t = parsed.tasks[0];
  EXPECT_EQ(t.kind, TaskKind::synth);
  EXPECT_EQ(kind_name(t.kind), "synth");
  EXPECT_EQ(t.design, "tree");
  EXPECT_EQ(t.metric, "fmax_mhz");
  EXPECT_EQ(t.filter, "Tree.*");
  EXPECT_DOUBLE_EQ(t.full, 140.0);
  EXPECT_DOUBLE_EQ(t.zero, 110.0);
  // Lower is better for cells: full < zero.
  EXPECT_EQ(error_of(std::string(kGood) + synth + task + "design = \"tree\"\nmetric = \"luts\"\nfull = 100.0\nzero = 300.0\n"), "");

  // A design that is no [[synth]] top names the ones there are, at the task's line.
  const std::string missing = error_of(std::string(kGood) + synth + task + "design = \"adder\"\nmetric = \"fmax_mhz\"\nfull = 2.0\nzero = 1.0\n");
  EXPECT_NE(missing.find("lab.toml:20: task 'fmax': design 'adder' is not a [[synth]] top of this lab"), std::string::npos) << missing;
  EXPECT_NE(missing.find("name one of: tree"), std::string::npos) << missing;
  EXPECT_NE(error_of(std::string(kGood) + task + "design = \"tree\"\nmetric = \"fmax_mhz\"\nfull = 2.0\nzero = 1.0\n")
                .find("add a [[synth]] table with top = \"tree\""),
            std::string::npos);
  // A metric labctl synth does not report, or none, or no design.
  EXPECT_NE(error_of(std::string(kGood) + synth + task + "design = \"tree\"\nmetric = \"speedup\"\nfull = 2.0\nzero = 1.0\n")
                .find("needs design = a [[synth]] top and metric = one of fmax_mhz, luts, flip_flops, ram_blocks, logic_cells"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + synth + task + "metric = \"fmax_mhz\"\nfull = 2.0\nzero = 1.0\n").find("needs design ="),
            std::string::npos);
  // Bench keys on a synth task, and a design on another kind.
  EXPECT_NE(error_of(std::string(kGood) + synth + task + "design = \"tree\"\nmetric = \"fmax_mhz\"\ncase = \"x\"\nfull = 2.0\nzero = 1.0\n")
                .find("is a synth task and has bench keys"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + synth + "\n[[tasks]]\nid = \"c\"\npoints = 5\nkind = \"count\"\nmetric = \"cycles\"\n"
                                                 "case = \"x\"\ndesign = \"tree\"\nfull = 1.0\nzero = 2.0\n")
                .find("'design' belongs to synth tasks"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + synth + "\n[[tasks]]\nid = \"t\"\npoints = 5\nkind = \"test\"\ndesign = \"tree\"\n")
                .find("is a test task and has perf keys"),
            std::string::npos);
  // Thresholds must differ, as for perf and count tasks.
  EXPECT_NE(error_of(std::string(kGood) + synth + task + "design = \"tree\"\nmetric = \"fmax_mhz\"\nfull = 2.0\nzero = 2.0\n")
                .find("'full' and 'zero' must differ"),
            std::string::npos);
}

// read_text reads a file's bytes exactly, a pipe's to its end, and "" where
// the file is missing.
TEST(ReadText, ReturnsEveryByteOfFilesAndPipes) {
  const fs::path dir = fs::temp_directory_path() / ("labctl-read-text-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string bytes("line one\r\n\0binary\xff\n", 19);
  for (int i = 0; i < 5000; ++i) bytes += static_cast<char>(i * 7);
  std::ofstream(dir / "data.bin", std::ios::binary) << bytes;
  EXPECT_EQ(read_text(dir / "data.bin"), bytes);
  std::ofstream(dir / "empty.txt").close();
  EXPECT_EQ(read_text(dir / "empty.txt"), "");
  EXPECT_EQ(read_text(dir / "missing.txt"), "");
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(dir / "pipe", std::ios::binary) << bytes; });
  EXPECT_EQ(read_text(dir / "pipe"), bytes);
  writer.join();
  fs::remove_all(dir);
}
