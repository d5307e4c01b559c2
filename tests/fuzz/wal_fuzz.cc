// Fuzzes WAL recovery: whatever the bytes of a WAL file, ReadWal and the
// record-body decoders never crash, never read outside the input, and a
// torn tail is never counted as records.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/manifest.h"
#include "storage/wal.h"
#include "storage/write_batch.h"

using namespace flowlens;
using namespace flowlens::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // As a file body after a valid header (most inputs), and as a whole file.
  std::string with_header = WalHeader(1) + std::string(input);
  for (std::string_view file : {std::string_view(with_header), input}) {
    uint64_t records = 0;
    Result<WalFileReport> r =
        ReadWal("fuzz.log", file, [&](format::WalRecordType type, std::string_view payload) {
          ++records;
          switch (type) {
            case format::WalRecordType::kEvents:
              (void)DecodeEvents(payload);
              break;
            case format::WalRecordType::kCreateGroup:
              (void)DecodeCreateGroup(payload);
              break;
            case format::WalRecordType::kPutRetention:
              (void)DecodePutRetention(payload);
              break;
            case format::WalRecordType::kCreateStream:
              (void)DecodeCreateStream(payload);
              break;
          }
          return Status::Ok();
        });
    if (r.ok() && (r->records != records || r->valid_bytes + r->discarded_bytes != file.size())) {
      __builtin_trap();
    }
  }
  (void)DecodeEvents(input);
  (void)DecodeManifest(input, "fuzz-manifest");
  return 0;
}
