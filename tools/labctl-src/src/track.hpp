// Tracks: assignable sets of lab targets (labs/tracks/*.toml), documented in
// docs/instructors.md. A track lists labs, optionally rescales their points,
// and overrides any task's thresholds, points or visibility.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "manifest.hpp"

namespace labctl {

struct TrackLab {
  Lab lab;                 // with the track's overrides applied to lab.tasks
  std::optional<double> points;  // rescale the lab's task points to this total
};

struct Track {
  fs::path file;
  std::string name, description;
  std::optional<std::string> due;  // ISO 8601 UTC, e.g. 2027-01-15T23:59:00Z
  std::int64_t due_epoch = 0;      // seconds since 1970, 0 when no due date
  std::vector<TrackLab> labs;
};

// Parses and validates a track against the labs in the tree. Throws FileError
// (file, line, fix) on any mistake.
// The same validation `labctl grade` applies (thresholds only on perf and
// count tasks, 0 <= zero < full on a proportional curve, no unknown key).
Track parse_track(const fs::path& file, const std::vector<Lab>& labs);

// labctl track check FILE: validates without building, prints every task's
// points, visibility and thresholds. Throws FileError like parse_track.
int cmd_track_check(const Context& c, const fs::path& file);

}  // namespace labctl
