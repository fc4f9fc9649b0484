// labctl track check: a track validated without building anything.
#include <gtest/gtest.h>
