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
// A lab the labs lack but the course checkout has (a new lab not committed
// yet, when `labs` come from the grader's git archive of the course) is
// reported as such, with "commit it" as the fix. `checkout` is that checkout;
// empty: the tree holding the track file, else the current folder's.
Track parse_track(const fs::path& file, const std::vector<Lab>& labs, const fs::path& checkout = {});

// labctl track check FILE: validates without building, prints every task's
// points, visibility and thresholds. Throws FileError like parse_track.
int cmd_track_check(const Context& c, const fs::path& file);

}  // namespace labctl
