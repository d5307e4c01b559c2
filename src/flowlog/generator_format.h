// RecordFormatter: turns generator records (Rec) into flow-log lines of any
// layout, through FlowRecord and WriteRecord so that every line round-trips
// through ParseRecord.
//
// Each layout position is mapped once, at construction, to the attribute that
// fills it; Append then sets every position of a reused FlowRecord (no
// allocation) and writes the line. Fields that do not apply are '-': the
// traffic fields of NODATA/SKIPDATA records, traffic-path on ingress,
// sublocations, and the Transit Gateway-only fields (this is a VPC flow log).
//
//   RecordFormatter f(world, layout);
//   f.Append(rec, &buffer);  // no newline
//
// Thread safety: one formatter per thread. `world` and `layout` must outlive it.
#pragma once

#include <string>
#include <vector>

#include "flowlog/generator_exchange.h"
#include "flowlog/generator_world.h"
#include "flowlog/layout.h"
#include "flowlog/record.h"

namespace flowlens::gen {

class RecordFormatter {
 public:
  RecordFormatter(const World& world, const Layout& layout);

  void Append(const Rec& r, std::string* out);

  enum class Source : uint8_t;  // what fills a position (defined in the .cc)

 private:
  void Set(size_t pos, Source source, const Rec& r, const Interface& f, bool traffic,
           const Interface* hop);

  const World& w_;
  const Layout& layout_;
  FlowRecord rec_;
  std::vector<Source> sources_;  // by layout position
};

}  // namespace flowlens::gen
