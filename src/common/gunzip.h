// Gunzip: a whole gzip file decompressed into memory with libdeflate (about
// twice zlib's speed). Concatenated members are one stream, as zlib reads
// them; bytes after the last member that do not start another one are
// ignored, as zlib does. Meant for objects that fit in memory (flow-log
// objects as S3 delivers them are a few MB); stream larger ones with zlib.
//
//   std::string text;
//   RETURN_IF_ERROR(GunzipBytes(packed, "s3/x.log.gz", &text));
//
// Thread safety: reentrant.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace flowlens {

// Replaces *out with the decompressed `packed`. InvalidArgument naming `name`
// for a broken or truncated stream.
Status GunzipBytes(std::string_view packed, const std::string& name, std::string* out);

}  // namespace flowlens
