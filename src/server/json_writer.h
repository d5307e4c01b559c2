// JsonWriter: builds the JSON bodies of responses in the AWS shapes, member
// by member; a member that is absent is simply not written (AWS omits absent
// optional members rather than sending null).
//
//   JsonWriter w;
//   w.BeginObject();
//   w.Key("logGroups"); w.BeginArray(); ... w.EndArray();
//   if (next) w.Member("nextToken", *next);
//   w.EndObject();
//   std::string body = w.Take();
//
// Text that is not valid UTF-8 (a header echoed in an error message, say)
// is written with each invalid byte replaced by U+FFFD, so that every body
// is valid JSON for the clients' UTF-8 decoders.
//
// Thread safety: one writer per response.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "query/json.h"

namespace flowlens::server {

// Appends `text` as a JSON string literal; invalid UTF-8 becomes U+FFFD.
void AppendJsonText(std::string_view text, std::string* out);

class JsonWriter {
 public:
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view k) {
    Separator();
    AppendJsonText(k, &out_);
    out_ += ": ";
    after_key_ = true;
  }
  void String(std::string_view v) {
    Separator();
    AppendJsonText(v, &out_);
  }
  void Int(int64_t v) {
    Separator();
    out_ += std::to_string(v);
  }
  void Double(double v);
  void Bool(bool v) {
    Separator();
    out_ += v ? "true" : "false";
  }
  void Raw(std::string_view json) {
    Separator();
    out_ += json;
  }
  void Member(std::string_view k, std::string_view v) { Key(k), String(v); }
  void Member(std::string_view k, const char* v) { Key(k), String(v); }
  void Member(std::string_view k, int64_t v) { Key(k), Int(v); }
  void Member(std::string_view k, int v) { Key(k), Int(v); }
  void Member(std::string_view k, bool v) { Key(k), Bool(v); }
  std::string Take() { return std::move(out_); }

 private:
  void Separator() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ", ";
      first_.back() = false;
    }
  }
  void Open(char c) {
    Separator();
    out_ += c;
    first_.push_back(true);
  }
  void Close(char c) {
    first_.pop_back();
    out_ += c;
  }
  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace flowlens::server
