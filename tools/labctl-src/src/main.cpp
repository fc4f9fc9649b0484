// labctl: the one entry point for learners, instructors and CI.
// Usually started through tools/labctl, which installs packages and builds first.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>

#include "build_errors.hpp"
#include "commands.hpp"
#include "grade.hpp"
#include "handout.hpp"
#include "portfolio.hpp"
#include "progress_log.hpp"
#include "synth.hpp"
#include "track.hpp"
#include "wave.hpp"

int main(int argc, char** argv) {
  CLI::App app{"labctl: build, test, measure and explain the AI hardware labs"};
  // tools/labctl (the wrapper learners run) names itself here, so usage lines
  // show the command to type, not the build folder's binary.
  if (const char* shown = std::getenv("LABCTL_PROGRAM"); shown && *shown) app.name(shown);
  app.require_subcommand(1);
  std::string root;
  app.add_option("--root", root, "repository root (default: the tree labctl was built from)");
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "log what labctl does");

  bool json = false, quick = false;
  std::string lab, impl = "student";
  std::vector<std::string> labs;
  int phase = 0;
  std::string title;

  auto* list = app.add_subcommand("list", "list the labs, their layers and availability");
  list->add_flag("--json", json, "machine-readable output");
  auto* info = app.add_subcommand("info", "describe one lab: files, targets, commands");
  info->add_option("LAB", lab, "lab id")->required();
  auto* test = app.add_subcommand("test", "run a lab's tests (default: your student/ code)");
  test->add_option("LAB", lab, "lab id")->required();
  test->add_option("--impl", impl, "student or reference")->check(CLI::IsMember({"student", "reference"}));
  bool trace = false;
  test->add_flag("--trace", trace, "HDL labs: write a waveform (VCD) of every testbench to out/LAB/");
  std::string bench_impl;
  labctl::WaveOptions wave_opts;
  std::string wave_signals;
  auto* wave = app.add_subcommand("wave", "HDL labs: a waveform as a table of cycles around the first failure, and the VCD for GTKWave");
  wave->add_option("LAB", lab, "lab id")->required();
  wave->add_option("TEST", wave_opts.test, "a test (Suite.Test) or waveform name (Suite.Test-3); default: the first failing test");
  wave->add_option("--impl", wave_opts.impl, "student (default) or reference")->check(CLI::IsMember({"student", "reference"}));
  wave->add_option("--cycle", wave_opts.cycle, "centre the table on this cycle (default: the first mismatch)");
  wave->add_option("--window", wave_opts.window, "cycles shown either side (default 8)");
  wave->add_option("--signals", wave_signals, "the rows, comma-separated (default: ports, then internal signals)");
  // tools/labctl's build step: the one line that says where a failed build's first error is.
  std::string build_log;
  auto* build_failure = app.add_subcommand("build-failure", "tools/labctl: where a failed build's first error is");
  build_failure->group("");  // hidden from --help: the wrapper calls it
  build_failure->add_option("LOG", build_log, "the failed build's output")->required();
  auto* bench = app.add_subcommand("bench", "benchmark a lab: baselines, reference and student in one process");
  bench->add_option("LAB", lab, "lab id")->required();
  bench->add_option("--impl", bench_impl, "only student or reference (baselines always run)")
      ->check(CLI::IsMember({"student", "reference"}));
  bench->add_flag("--quick", quick, "fewer repetitions");
  bench->add_flag("--json", json, "print the labkit JSON results on stdout");
  int repetitions = 0;
  bench->add_option("--repetitions", repetitions, "repetitions per implementation (default 12, --quick 5)");
  std::vector<std::string> bench_args;
  bench->add_option("--bench-arg", bench_args, "pass an argument to the lab's bench, e.g. --bench-arg=--cnn (repeatable)")
      ->allow_extra_args(false);
  auto* run = app.add_subcommand("run", "tests + benchmarks + targets for labs; writes out/report.md and out/roofline.svg");
  run->add_option("LAB", labs, "lab ids (default: all available labs)");
  run->add_flag("--quick", quick, "fewer repetitions, smaller machine probe");
  run->add_option("--bench-arg", bench_args, "pass an argument to each lab's bench, e.g. --bench-arg=--cnn (repeatable)")
      ->allow_extra_args(false);
  auto* machine = app.add_subcommand("machine", "measure this machine's peak FLOP/s and bandwidth");
  machine->add_flag("--json", json, "machine-readable output");
  machine->add_flag("--quick", quick, "faster, noisier");
  auto* progress = app.add_subcommand("progress", "each lab's state, best results and grade, from out/progress.jsonl");
  progress->add_option("LAB", labs, "lab ids (default: every lab)");
  progress->add_flag("--json", json, "machine-readable output");
  auto* portfolio = app.add_subcommand("portfolio", "write out/LAB/portfolio.md and .html: your measurements, ready to publish");
  portfolio->add_option("LAB", lab, "lab id")->required();
  auto* reset = app.add_subcommand("reset", "restore a lab's student/ starter (your files are kept in a git stash)");
  reset->add_option("LAB", lab, "lab id")->required();
  auto* create = app.add_subcommand("new", "scaffold a new lab that builds and passes its tests");
  create->add_option("LAB", lab, "new lab id, e.g. my-kernel")->required();
  create->add_option("--phase", phase, "roadmap phase 1-5")->required();
  create->add_option("--title", title, "one-line title");

  labctl::GradeOptions grade_opts;
  std::uint64_t seed = 0;
  auto* grade = app.add_subcommand("grade", "grade a submission against a track (locally or in CI)");
  grade->add_option("--track", grade_opts.track, "track file, e.g. labs/tracks/software-ml.toml")->required();
  grade->add_option("--submission", grade_opts.submission, "checkout of the student's repository (default: this tree)");
  grade->add_option("--impl", grade_opts.impl, "student (default) or reference")->check(CLI::IsMember({"student", "reference"}));
  grade->add_option("--out", grade_opts.out, "folder for grade.json, junit.xml, summary.md")->required();
  auto* seed_opt = grade->add_option("--seed", seed,
                                     "LABKIT_SEED for the tests' inputs, to reproduce a grade (default: fresh and random, "
                                     "recorded in grade.json)");
  grade->add_option("--base", grade_opts.base,
                    "course commit (in --root's repository) whose tests and thresholds count (default: its HEAD; "
                    "never the submission's history)");
  grade->add_option("--time-limit", grade_opts.time_limit_s, "seconds per test or benchmark process (default: each lab's)");
  grade->add_option("--repetitions", grade_opts.repetitions,
                    "benchmark repetitions of each lab's first measurement (default 15; a task short of full credit "
                    "is measured again with 2x, then 3x as many)");
  grade->add_option("--work", grade_opts.work, "work folder for the pristine tree and its build (default: build/grade)");

  labctl::SynthOptions synth_opts;
  auto* synth = app.add_subcommand("synth", "HDL labs: Yosys and nextpnr-ice40 on a lab's RTL: LUTs, flip-flops, RAM blocks, Fmax");
  synth->add_option("LAB", lab, "lab id")->required();
  synth->add_option("--impl", synth_opts.impl, "student (default) or reference")->check(CLI::IsMember({"student", "reference"}));
  synth->add_option("--design", synth_opts.design, "one design (a [[synth]] top of the lab's lab.toml); default: all");
  synth->add_option("--device", synth_opts.device, "nextpnr-ice40 device: hx8k (default), hx1k, lp8k, up5k ...")
      ->check(CLI::IsMember({"hx1k", "hx4k", "hx8k", "lp384", "lp1k", "lp4k", "lp8k", "up3k", "up5k", "u4k"}));
  synth->add_option("--package", synth_opts.package, "the device's package (default ct256, with hx8k)");
  synth->add_option("--freq", synth_opts.freq_mhz, "timing target in MHz (default 100)");
  synth->add_option("--seed", synth_opts.seed, "nextpnr placer seed (default 1: results repeat)");
  synth->add_flag("--json", synth_opts.json, "print out/LAB/synth.json instead of the table");

  labctl::HandoutOptions handout_opts;
  std::string handout_check, handout_work;
  bool no_reference_binaries = false;
  auto* handout = app.add_subcommand("handout", "write a track's student repository, without the answer key");
  auto* handout_track = handout->add_option("--track", handout_opts.track, "track file, e.g. labs/tracks/software-ml.toml");
  auto* handout_out = handout->add_option("--out", handout_opts.out, "the new repository's folder (new or empty)");
  handout->add_flag("--no-reference-binaries", no_reference_binaries,
                    "ship no compiled reference: no reference tests and no bench in the handout");
  auto* handout_check_opt = handout->add_option(
      "--check", handout_check, "check a handout: no withheld line, builds from a fresh clone, its starter fails");
  handout->add_option("--work", handout_work, "with --check: where the fresh clone is built (default: build/<preset>/handout-check)");
  handout_check_opt->excludes(handout_track)->excludes(handout_out);
  handout_track->needs(handout_out);
  handout_out->needs(handout_track);

  std::string track_file;
  auto* track_cmd = app.add_subcommand("track", "instructors' tracks (labs/tracks/*.toml)");
  track_cmd->require_subcommand(1);
  auto* track_check = track_cmd->add_subcommand(
      "check", "validate a track without building: every task's points, visibility and thresholds");
  track_check->add_option("FILE", track_file, "track file, e.g. labs/tracks/software-ml.toml")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
  spdlog::set_pattern("labctl: %l: %v");

  try {
    const auto ctx = labctl::Context::detect(root);
    if (*list) return labctl::cmd_list(ctx, json);
    if (*info) return labctl::cmd_info(ctx, lab);
    if (*test) return labctl::cmd_test(ctx, lab, impl, trace);
    if (*wave) {
      for (std::size_t start = 0; start < wave_signals.size();) {
        const auto end = std::min(wave_signals.find(',', start), wave_signals.size());
        if (end > start) wave_opts.signals.push_back(wave_signals.substr(start, end - start));
        start = end + 1;
      }
      return labctl::cmd_wave(ctx, lab, wave_opts);
    }
    if (*synth) return labctl::cmd_synth(ctx, lab, synth_opts);
    if (*build_failure) {
      fmt::print(stderr, "{}\n", labctl::describe_build_failure(labctl::read_text(build_log), ctx.root, ctx.build_dir));
      return 0;
    }
    if (*bench) return labctl::cmd_bench(ctx, lab, {bench_impl, quick, json, repetitions, bench_args});
    if (*run) return labctl::cmd_run(ctx, labs, quick, bench_args);
    if (*machine) return labctl::cmd_machine(ctx, json, quick);
    if (*progress) return labctl::cmd_progress(ctx, labs, json);
    if (*portfolio) return labctl::cmd_portfolio(ctx, lab);
    if (*reset) return labctl::cmd_reset(ctx, lab);
    if (*create) return labctl::cmd_new(ctx, lab, phase, title);
    if (*track_check) return labctl::cmd_track_check(ctx, track_file);
    if (*handout) {
      if (*handout_check_opt) return labctl::cmd_handout_check(ctx, handout_check, handout_work);
      if (!*handout_track) throw labctl::UsageError("handout: give --track FILE --out DIR, or --check DIR");
      handout_opts.reference_binaries = !no_reference_binaries;
      return labctl::cmd_handout(ctx, handout_opts);
    }
    if (*grade) {
      if (*seed_opt) grade_opts.seed = seed;
      return labctl::cmd_grade(ctx, grade_opts);
    }
  } catch (const labctl::FileError& e) {
    fmt::print(stderr, "labctl: {}\n", e.what());
    return 2;
  } catch (const labctl::UsageError& e) {
    fmt::print(stderr, "labctl: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "labctl: error: {}\n", e.what());
    return 1;
  }
  return 2;
}
