// The simulator library as one translation unit: the three files share
// their standard headers, parsed once (the lab's compile time is budgeted,
// docs/authoring.md). Each is written to stand alone.
#include "machine.cpp"
#include "predictors.cpp"
#include "cli.cpp"
