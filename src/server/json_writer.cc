#include "server/json_writer.h"

#include "query/value.h"

namespace flowlens::server {

void JsonWriter::Double(double v) {
  Separator();
  query::AppendDoubleText(v, &out_);
}

}  // namespace flowlens::server
