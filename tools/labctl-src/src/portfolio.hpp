// labctl portfolio LAB: one page of a learner's measured work on a lab, ready
// to publish: out/<lab>/portfolio.md (next to the SVGs it shows) and
// out/<lab>/portfolio.html (one self-contained file, every SVG inline, the
// roofline's dots labelled on hover by their SVG <title>).
//
// It reads what `labctl run LAB` wrote (out/<lab>/results.json, roofline.svg
// and any other *.svg or *.vcd there), the machine limits it measured
// (out/machine.json) and the progress log (out/progress.jsonl).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "context.hpp"
#include "progress_log.hpp"

namespace labctl {

struct PortfolioInput {
  nlohmann::json results;                  // labkit.results/1, plus "hdl" for HDL labs
  std::optional<nlohmann::json> limits;    // labkit.machine/1 of the same machine, when known
  std::string measured_at;                 // when results.json was written (UTC)
  std::string roofline_svg;                // empty: none could be drawn
  struct Svg {
    std::string file, svg;
  };
  std::vector<Svg> plots;                  // the lab's other SVGs (loss curves, sweeps)
  std::vector<std::string> waveforms;      // VCD file names next to the page
  std::vector<Svg> waveform_svgs;          // the first few drawn: <name>.wave.svg beside the page
  std::optional<LabProgress> progress;     // from the log, when it has records of the lab
};

// The page, independent of its format: sections of paragraphs, tables, figures and lists.
struct PortfolioTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
struct PortfolioBlock {
  enum class Kind { paragraph, table, figure, list };
  Kind kind = Kind::paragraph;
  std::string text;                 // paragraph; figure: its caption
  PortfolioTable table;
  std::string file, svg;            // figure: the SVG file beside the Markdown, and its text for HTML
  std::vector<std::string> items;   // list
};
struct PortfolioSection {
  std::string heading;
  std::vector<PortfolioBlock> blocks;
};
struct PortfolioPage {
  std::string title;
  std::vector<PortfolioSection> sections;
};

PortfolioPage build_portfolio(const PortfolioInput& in);
void write_portfolio_markdown(std::ostream& out, const PortfolioPage& page);
void write_portfolio_html(std::ostream& out, const PortfolioPage& page);

// Reads out/<lab>/... for the lab; throws UsageError naming the missing file
// and the command that writes it.
PortfolioInput load_portfolio_input(const Context& c, const Lab& lab);

int cmd_portfolio(const Context& c, const std::string& id);

}  // namespace labctl
