#include <labkit/harness.hpp>
#include "sim.hpp"
int main(int argc, char** argv) {
  labkit::Harness h("rv32", argc, argv);
  return h.run();
}
