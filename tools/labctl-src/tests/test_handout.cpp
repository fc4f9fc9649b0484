// labctl handout: what a lab withholds ([handout] in lab.toml) and the check
// that a handout holds no line found only in a withheld file.
#include <gtest/gtest.h>

#include <fstream>

#include "handout.hpp"
#include "manifest.hpp"

using namespace labctl;

namespace {

const char* kLab = R"(id = "demo"
title = "Demo lab"
phase = 1
module = "C++ and Parallel Computing"
layers = ["L3"]
)";

// A throwaway lab folder with `extra` appended to its lab.toml.
struct TempManifest {
  fs::path root, manifest;
  explicit TempManifest(const std::string& extra) {
    root = fs::temp_directory_path() /
           ("labctl-handout-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root);
    manifest = root / "phases" / "01-foundations" / "demo" / "lab.toml";
    fs::create_directories(manifest.parent_path());
    std::ofstream(manifest) << kLab << extra;
  }
  ~TempManifest() { fs::remove_all(root); }
};

std::string error_of(const std::string& extra) {
  TempManifest t(extra);
  try {
    parse_manifest(t.manifest);
  } catch (const FileError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Handout, WithholdsTheReferenceAndHiddenTestsByDefault) {
  TempManifest t("");
  const Lab lab = parse_manifest(t.manifest);
  EXPECT_TRUE(withheld(lab, "reference/scalar.cpp"));
  EXPECT_TRUE(withheld(lab, "tests/hidden/test_more.cpp"));
  EXPECT_FALSE(withheld(lab, "tests/test_demo.cpp"));
  EXPECT_FALSE(withheld(lab, "student/demo.cpp"));
  EXPECT_FALSE(withheld(lab, "referenced.cpp"));  // a folder entry matches only under the folder
}

TEST(Handout, WithholdListsFoldersAndFiles) {
  TempManifest t("[handout]\nwithhold = [\"reference/\", \"tests/test_secret.cpp\"]\n");
  const Lab lab = parse_manifest(t.manifest);
  EXPECT_TRUE(withheld(lab, "tests/test_secret.cpp"));
  EXPECT_FALSE(withheld(lab, "tests/test_secret.cpp.orig"));
  EXPECT_FALSE(withheld(lab, "tests/hidden/x.cpp"));  // the list replaces the default
  EXPECT_TRUE(withheld(lab, "reference/a/b.cpp"));
}

TEST(Handout, RefusesToWithholdWhatTheHandoutNeeds) {
  const std::string e = error_of("[handout]\nwithhold = [\"student/\"]\n");
  EXPECT_NE(e.find("lab.toml:7"), std::string::npos) << e;
  EXPECT_NE(e.find("would take student/ out of the handout"), std::string::npos) << e;
  EXPECT_NE(error_of("[handout]\nwithhold = [\"include/demo.hpp\"]\n").find("include/"), std::string::npos);
  EXPECT_NE(error_of("[handout]\nwithhold = [\"lab.toml\"]\n").find("would take lab.toml"), std::string::npos);
  EXPECT_NE(error_of("[handout]\nwithhold = [\"../sgemm/\"]\n").find("relative paths inside the lab folder"),
            std::string::npos);
  EXPECT_NE(error_of("[handout]\nwithold = [\"reference/\"]\n").find("unknown [handout] key 'withold'"), std::string::npos);
  EXPECT_NE(error_of("[handout]\nwithhold = \"reference/\"\n").find("must be an array"), std::string::npos);
}

TEST(Handout, NormalizesLinesAndIgnoresPunctuation) {
  EXPECT_EQ(normalized_line("   return acc * 2;\t\r"), "return acc * 2;");
  EXPECT_EQ(normalized_line("  });  "), "");
  EXPECT_EQ(normalized_line(""), "");
}

TEST(Handout, SecretLinesAreThoseOnlyWithheldFilesHold) {
  const std::string reference = "#include \"demo.hpp\"\nfloat dot(const float* x) {\n  return fused_sum(x);\n}\n";
  const std::string starter = "#include \"demo.hpp\"\nfloat dot(const float* x) {\n  return 0;  // TODO(1)\n}\n";
  const auto secrets = secret_lines({reference}, {starter});
  EXPECT_EQ(secrets, (std::set<std::string>{"return fused_sum(x);"}));
}

TEST(Handout, FindsALeakedLineWhateverItsIndentation) {
  const auto secrets = secret_lines({"  return fused_sum(x);\n"}, {"return 0;\n"});
  const std::string handout_file = "// notes\nfloat f(const float* x) {\n        return fused_sum(x);\n}\n";
  EXPECT_EQ(leaked_lines(secrets, handout_file), (std::vector<std::string>{"3: return fused_sum(x);"}));
  EXPECT_TRUE(leaked_lines(secrets, "return 0;\nreturn fused_sum(y);\n").empty());
}
