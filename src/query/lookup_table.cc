#include "query/lookup_table.h"

#include <fstream>
#include <sstream>

namespace flowlens::query {
namespace {

// Splits CSV text into records of fields (RFC 4180: quotes, doubled quotes,
// newlines inside quotes). Returns false on an unterminated quote.
bool SplitCsv(std::string_view text, std::vector<std::vector<std::string>>* out, size_t* bad_line) {
  std::vector<std::string> rec;
  std::string field;
  bool quoted = false, field_started = false;
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      rec.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      rec.push_back(std::move(field));
      field.clear();
      field_started = false;
      if (!(rec.size() == 1 && rec[0].empty())) out->push_back(std::move(rec));
      rec.clear();
      ++line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) {
    *bad_line = line;
    return false;
  }
  if (field_started || !rec.empty()) {
    rec.push_back(std::move(field));
    out->push_back(std::move(rec));
  }
  return true;
}

}  // namespace

Result<LookupTable> LookupTable::Parse(const std::string& name, std::string_view csv) {
  if (csv.size() > kMaxBytes) {
    return Status::InvalidArgument("lookup table '" + name + "' is larger than 10 MB");
  }
  std::vector<std::vector<std::string>> recs;
  size_t bad = 0;
  if (!SplitCsv(csv, &recs, &bad)) {
    return Status::InvalidArgument("lookup table '" + name + "': line " + std::to_string(bad) +
                                   ": a quoted field is not closed");
  }
  if (recs.empty()) {
    return Status::InvalidArgument("lookup table '" + name + "' is empty; it needs a header row");
  }
  LookupTable t;
  t.name_ = name;
  t.columns_ = std::move(recs[0]);
  for (size_t i = 1; i < recs.size(); ++i) {
    if (recs[i].size() != t.columns_.size()) {
      return Status::InvalidArgument("lookup table '" + name + "': row " + std::to_string(i + 1) +
                                     " has " + std::to_string(recs[i].size()) +
                                     " fields, the header has " +
                                     std::to_string(t.columns_.size()));
    }
    t.rows_.push_back(std::move(recs[i]));
  }
  return t;
}

Result<LookupTable> LookupTable::Load(const std::string& name, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("lookup table '" + name + "': cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(name, ss.str());
}

int LookupTable::ColumnIndex(std::string_view column) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == column) return static_cast<int>(i);
  }
  return -1;
}

namespace {
std::string IndexId(const std::vector<int>& key_columns) {
  std::string id;
  for (int c : key_columns) id += std::to_string(c) + ",";
  return id;
}
}  // namespace

void LookupTable::Prepare(const std::vector<int>& key_columns) {
  auto& index = indexes_[IndexId(key_columns)];
  if (index.empty()) {
    for (size_t r = 0; r < rows_.size(); ++r) {
      std::string k;
      for (int c : key_columns) {
        k += rows_[r][static_cast<size_t>(c)];
        k += '\x1f';
      }
      index.emplace(std::move(k), r);
    }
  }
}

const std::vector<std::string>* LookupTable::Find(
    const std::vector<int>& key_columns, const std::vector<std::string>& key_values) const {
  auto idx = indexes_.find(IndexId(key_columns));
  if (idx == indexes_.end()) return nullptr;
  const auto& index = idx->second;
  std::string k;
  for (const std::string& v : key_values) {
    k += v;
    k += '\x1f';
  }
  auto it = index.find(k);
  return it == index.end() ? nullptr : &rows_[it->second];
}

}  // namespace flowlens::query
