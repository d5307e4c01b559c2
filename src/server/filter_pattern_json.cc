// Matching JSON patterns: the event is parsed with simdjson's DOM parser (one
// parser per thread, so its buffers are reused) and each comparison follows
// its selector from the root.
#include <simdjson.h>

#include <charconv>
#include <cstring>
#include <string>

#include "server/filter_pattern_program.h"

namespace flowlens::server::filter_pattern {
namespace {

namespace dom = simdjson::dom;

// Follows `sel` from `root`; false when a step finds nothing.
bool Resolve(dom::element root, const Selector& sel, dom::element* out) {
  dom::element cur = root;
  for (const Step& step : sel) {
    simdjson::simdjson_result<dom::element> next =
        step.is_index
            ? (cur.is_array() ? cur.get_array().value_unsafe().at(step.index)
                              : simdjson::simdjson_result<dom::element>(simdjson::INCORRECT_TYPE))
            : (cur.is_object() ? cur.get_object().value_unsafe().at_key(step.key)
                               : simdjson::simdjson_result<dom::element>(simdjson::INCORRECT_TYPE));
    if (next.get(cur) != simdjson::SUCCESS) return false;
  }
  *out = cur;
  return true;
}

// A JSON number as text, for wildcard and regex comparisons ("404", "1.5").
std::string_view NumberText(dom::element e, char (&buf)[40]) {
  std::to_chars_result r{};
  switch (e.type()) {
    case dom::element_type::INT64:
      r = std::to_chars(buf, buf + sizeof buf, e.get_int64().value_unsafe());
      break;
    case dom::element_type::UINT64:
      r = std::to_chars(buf, buf + sizeof buf, e.get_uint64().value_unsafe());
      break;
    default:
      r = std::to_chars(buf, buf + sizeof buf, e.get_double().value_unsafe());
      break;
  }
  return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
}

bool Compare(dom::element root, const Program& p, const Node& n) {
  dom::element v;
  bool found = Resolve(root, p.selectors[static_cast<size_t>(n.field)], &v);
  if (n.op == Op::kNotExists) return !found;
  if (!found) return false;
  const dom::element_type type = v.type();
  switch (n.op) {
    case Op::kIsNull:
      return type == dom::element_type::NULL_VALUE;
    case Op::kIsTrue:
    case Op::kIsFalse:
      return type == dom::element_type::BOOL &&
             v.get_bool().value_unsafe() == (n.op == Op::kIsTrue);
    default:
      break;
  }
  switch (type) {
    case dom::element_type::STRING:
      return CompareText(v.get_string().value_unsafe(), n.op, n.value);
    case dom::element_type::BOOL:
      return CompareText(v.get_bool().value_unsafe() ? "true" : "false", n.op, n.value);
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: {
      if (n.value.kind == Literal::Kind::kText && n.value.number.has_value()) {
        Number num;
        if (type == dom::element_type::INT64) {
          num.is_int = true;
          num.i = v.get_int64().value_unsafe();
          num.d = static_cast<double>(num.i);
        } else if (type == dom::element_type::UINT64) {
          num.d = static_cast<double>(v.get_uint64().value_unsafe());
        } else {
          num.d = v.get_double().value_unsafe();
        }
        return CompareNumber(num, n.op, *n.value.number);
      }
      char buf[40];
      return CompareText(NumberText(v, buf), n.op, n.value);
    }
    default:  // null, arrays and objects are not values to compare
      return false;
  }
}

}  // namespace

bool MatchJson(const Program& p, std::string_view message) {
  thread_local dom::parser parser;
  thread_local std::string padded;
  if (padded.size() < message.size() + simdjson::SIMDJSON_PADDING) {
    padded.resize(message.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(padded.data(), message.data(), message.size());
  dom::element root;
  if (parser.parse(padded.data(), message.size(), false).get(root) != simdjson::SUCCESS) {
    return false;  // not JSON: a JSON pattern never matches it
  }
  return Evaluate(p.json, [&](const Node& n) { return Compare(root, p, n); });
}

}  // namespace flowlens::server::filter_pattern
