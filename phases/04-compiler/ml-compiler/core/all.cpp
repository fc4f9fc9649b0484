// The framework as one translation unit (the build compiles it once; each
// part is its own file for reading).
#include "onnx.cpp"
#include "interpreter.cpp"
#include "passes.cpp"
#include "planner.cpp"
#include "loops.cpp"
#include "codegen.cpp"
#include "export.cpp"
#include "systolic.cpp"
