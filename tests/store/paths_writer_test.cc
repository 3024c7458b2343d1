// The paths writer's block transpose against its definition,
// block[d * width + at] = paths[cell * stride + first + d], computed
// element by element in the test.
#include "store/paths_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace growthcast::store {
namespace {

struct Case {
  const char* label;
  std::vector<CellPosition> targets;
  std::size_t width;
};

TEST(PathsWriter, TransposeMatchesDefinition) {
  const std::size_t cells = 12, stride = 1037;
  std::vector<double> paths(cells * stride);
  for (std::size_t i = 0; i < paths.size(); ++i) paths[i] = double(i) + 0.25;
  std::vector<Case> cases = {
      // Identity layout: three register quads.
      {"identity", {}, 12},
      // A run of five (one quad and a single), a gap, reversed cells, and
      // positions that are consecutive while the cells are not.
      {"mixed",
       {{0, 3},
        {1, 4},
        {2, 5},
        {3, 6},
        {4, 7},
        {9, 0},
        {8, 1},
        {5, 9},
        {7, 10},
        {6, 11}},
       13},
  };
  for (std::size_t c = 0; c < cells; ++c) cases[0].targets.push_back({c, c});
  // Draw counts that leave 0..3 draws after the groups of four, and a
  // block starting inside the rows.
  for (const Case& test : cases)
    for (std::size_t have : {0, 1, 4, 7, 998, 1000})
      for (std::size_t first : {std::size_t(0), std::size_t(37)}) {
        const std::size_t rows = 1000;
        std::vector<double> block(rows * test.width, -1.0), expected = block;
        for (const CellPosition& t : test.targets)
          for (std::size_t d = 0; d < have; ++d)
            expected[d * test.width + t.at] =
                paths[t.cell * stride + first + d];
        transpose_paths_block(paths.data(), stride, first, have, test.targets,
                              test.width, block.data());
        EXPECT_EQ(block, expected)
            << test.label << ", have " << have << ", first " << first;
      }
}

}  // namespace
}  // namespace growthcast::store
