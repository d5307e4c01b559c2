// JSON trees: parsing, printing, lookup and field discovery (§6.3), and the
// JSON functions of §5.6 (jsonParse, jsonStringify, jsonArraySize,
// jsonArrayContains) through the scalar-function table.
#include "query/json.h"

#include <gtest/gtest.h>

#include "query/functions/scalar_function.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace flowlens::query {
namespace {

std::string Print(const JsonNode* n) {
  std::string out;
  AppendJson(n, &out);
  return out;
}

std::vector<std::pair<std::string, std::string>> Flatten(std::string_view json, Arena* arena,
                                                         size_t max_fields = 200) {
  std::vector<std::pair<std::string, std::string>> out;
  FlattenJson(
      ParseJson(json, arena), max_fields,
      [&](std::string_view name, const Value& v) {
        out.emplace_back(std::string(name), v.is_null() ? "<null>" : ValueToText(v));
      },
      arena);
  return out;
}

TEST(JsonParseTest, Scalars) {
  Arena arena;
  EXPECT_EQ(ParseJson("null", &arena)->type, JsonType::kNull);
  EXPECT_TRUE(ParseJson("true", &arena)->b);
  const JsonNode* n = ParseJson("-42", &arena);
  EXPECT_TRUE(n->is_int);
  EXPECT_EQ(n->i, -42);
  n = ParseJson("2.5e1", &arena);
  EXPECT_FALSE(n->is_int);
  EXPECT_EQ(n->d, 25);
  n = ParseJson("1.0", &arena);
  EXPECT_FALSE(n->is_int);
  n = ParseJson("18446744073709551615", &arena);  // above int64: a double
  EXPECT_FALSE(n->is_int);
  EXPECT_EQ(n->d, 18446744073709551615.0);
  EXPECT_EQ(ParseJson(R"("a\"b\u00e9\n")", &arena)->s, "a\"b\xC3\xA9\n");
  EXPECT_EQ(ParseJson("  7  ", &arena)->i, 7);
}

TEST(JsonParseTest, ObjectsAndArrays) {
  Arena arena;
  const JsonNode* n = ParseJson(R"({"users":[{"action":"a"},{"action":"b"}],"n":1,"n":2})", &arena);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->type, JsonType::kObject);
  EXPECT_EQ(n->size, 3u);
  EXPECT_EQ(n->keys[0], "users");
  EXPECT_EQ(n->Get("users")->At(1)->Get("action")->s, "b");
  EXPECT_EQ(n->Get("users")->At(2), nullptr);
  EXPECT_EQ(n->Get("missing"), nullptr);
  EXPECT_EQ(n->Get("n")->i, 2);  // duplicate keys: the last wins
  EXPECT_EQ(n->At(0), nullptr);
  EXPECT_EQ(n->Get("users")->Get("x"), nullptr);
  EXPECT_EQ(ParseJson("[]", &arena)->size, 0u);
  EXPECT_EQ(ParseJson("{}", &arena)->type, JsonType::kObject);
}

TEST(JsonParseTest, InvalidInputIsNull) {
  Arena arena;
  for (const char* text :
       {"", " ", "{", "[1,]", "{\"a\":}", "{'a':1}", "tru", "01", "1.", "NaN", "[1] x",
        "\"unterminated", "{\"a\" 1}", "\xFF\xFE", "\"\xC3\x28\"", "[\"\\x\"]"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(ParseJson(text, &arena), nullptr);
  }
  // A NUL inside the text is not the end of it.
  EXPECT_EQ(ParseJson(std::string_view("[1]\0", 4), &arena), nullptr);
  EXPECT_EQ(ParseJson(std::string_view("\"a\\u0000b\"", 10), &arena)->s,
            std::string_view("a\0b", 3));
}

TEST(JsonParseTest, DepthLimit) {
  Arena arena;
  auto nested = [](int depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); };
  EXPECT_NE(ParseJson(nested(64), &arena), nullptr);
  EXPECT_EQ(ParseJson(nested(65), &arena), nullptr);
  EXPECT_NE(ParseJson(nested(65), &arena, 65), nullptr);
  EXPECT_EQ(ParseJson(nested(3), &arena, 2), nullptr);
  EXPECT_NE(ParseJson("1", &arena, 0), nullptr);
  // Far past any limit: rejected, not a stack overflow.
  EXPECT_EQ(ParseJson(nested(100000), &arena, 1 << 30), nullptr);
  std::string objects;
  for (int i = 0; i < 5000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(5000, '}');
  EXPECT_EQ(ParseJson(objects, &arena), nullptr);
}

TEST(JsonParseTest, TreeOutlivesParserReuse) {
  Arena arena;
  const JsonNode* a = ParseJson(R"({"k":"first"})", &arena);
  const JsonNode* b = ParseJson(R"({"k":"second, longer text"})", &arena);
  EXPECT_EQ(a->Get("k")->s, "first");
  EXPECT_EQ(b->Get("k")->s, "second, longer text");
}

TEST(JsonPrintTest, CompactAndEscaped) {
  Arena arena;
  EXPECT_EQ(Print(ParseJson(R"( { "a" : [ 1 , 2.5 , true , null , "x" ] , "b" : { } } )", &arena)),
            R"({"a":[1,2.5,true,null,"x"],"b":{}})");
  EXPECT_EQ(Print(ParseJson(R"("q\"b\\s\/c\b\f\n\r\t\u0001\u001f")", &arena)),
            R"("q\"b\\s/c\b\f\n\r\t\u0001\u001f")");
  EXPECT_EQ(Print(ParseJson(R"("h\u00e9llo \ud83d\ude00")", &arena)),
            "\"h\xC3\xA9llo \xF0\x9F\x98\x80\"");
  EXPECT_EQ(Print(ParseJson("1e300", &arena)), "1e+300");
  EXPECT_EQ(Print(ParseJson("-0", &arena)), "0");
  EXPECT_EQ(Print(nullptr), "null");
  std::string quoted;
  AppendJsonQuoted("a\"\n", &quoted);
  EXPECT_EQ(quoted, R"("a\"\n")");
}

TEST(JsonPrintTest, RoundTripIsAFixedPoint) {
  Arena arena;
  for (const char* text :
       {R"({"a":{"b":[1,{"c":"d"}],"e":-1.25e-5},"f":"\u2028"})", "[[],[[]],{}]", "\"\"",
        R"({"version":2,"srcaddr":"10.0.1.7","bytes":18446744073709551615})", "0.1"}) {
    std::string once = Print(ParseJson(text, &arena));
    std::string twice = Print(ParseJson(once, &arena));
    EXPECT_EQ(once, twice) << text;
  }
}

TEST(JsonToValueTest, Types) {
  Arena arena;
  const JsonNode* n = ParseJson(R"({"i":3,"d":0.5,"s":"x","b":false,"z":null,"o":{}})", &arena);
  EXPECT_EQ(JsonToValue(n->Get("i")).type, ValueType::kInt);
  EXPECT_EQ(JsonToValue(n->Get("d")).type, ValueType::kDouble);
  EXPECT_EQ(JsonToValue(n->Get("s")).s, "x");
  EXPECT_EQ(JsonToValue(n->Get("b")).type, ValueType::kBool);
  EXPECT_TRUE(JsonToValue(n->Get("z")).is_null());
  EXPECT_EQ(JsonToValue(n->Get("o")).type, ValueType::kJson);
  EXPECT_TRUE(JsonToValue(nullptr).is_null());
}

TEST(FlattenJsonTest, DotPathsAndIndexes) {
  Arena arena;
  // The discoverable-fields doc's CloudTrail example shape.
  auto got = Flatten(
      R"({"userIdentity":{"type":"IAMUser"},"requestParameters":{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]}},"n":5,"ok":true,"none":null,"e":{},"l":[],"s":"{\"x\":1}"})",
      &arena);
  std::vector<std::pair<std::string, std::string>> want = {
      {"userIdentity.type", "IAMUser"},
      {"requestParameters.instancesSet.items.0.instanceId", "i-1"},
      {"requestParameters.instancesSet.items.1.instanceId", "i-2"},
      {"n", "5"},
      {"ok", "true"},
      {"none", "<null>"},
      {"s", "{\"x\":1}"},  // JSON-encoded strings stay opaque leaves
  };
  EXPECT_EQ(got, want);
}

TEST(FlattenJsonTest, AtKeysGetAnotherAtAtTopLevelOnly) {
  Arena arena;
  auto got = Flatten(R"({"@timestamp":1,"a":{"@b":2},"@":3})", &arena);
  std::vector<std::pair<std::string, std::string>> want = {
      {"@@timestamp", "1"}, {"a.@b", "2"}, {"@@", "3"}};
  EXPECT_EQ(got, want);
}

TEST(FlattenJsonTest, MaxFieldsAndOddRoots) {
  Arena arena;
  std::string big = "{";
  for (int i = 0; i < 300; ++i)
    big += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":[" + std::to_string(i) + "," +
           std::to_string(i) + "]";
  big += "}";
  auto got = Flatten(big, &arena, 200);
  ASSERT_EQ(got.size(), 200u);
  EXPECT_EQ(got.front().first, "f0.0");
  EXPECT_EQ(got.back().first, "f99.1");
  EXPECT_EQ(Flatten(big, &arena, 0).size(), 0u);
  EXPECT_EQ(Flatten("[1,[2]]", &arena),
            (std::vector<std::pair<std::string, std::string>>{{"0", "1"}, {"1.0", "2"}}));
  EXPECT_TRUE(Flatten("5", &arena).empty());
  EXPECT_TRUE(Flatten("not json", &arena).empty());
}

TEST(FlattenJsonTest, NamesLiveInTheArena) {
  Arena arena;
  std::vector<std::string_view> names;
  FlattenJson(
      ParseJson(R"({"a":{"b":1,"c":2}})", &arena), 10,
      [&](std::string_view name, const Value&) { names.push_back(name); }, &arena);
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "a.b");
  EXPECT_EQ(names[1], "a.c");
}

// Calls a JSON function through the table; "<null>" for a null result.
class JsonFunctionsTest : public ::testing::Test {
 protected:
  Value CallValue(std::string_view name, std::vector<Value> args) {
    std::unique_ptr<CallState> state;
    CallContext ctx{&arena_, &state, nullptr};
    return FindScalarFunction(name)->fn(args, ctx);
  }
  std::string Call(std::string_view name, std::vector<Value> args) {
    Value v = CallValue(name, std::move(args));
    return v.is_null() ? "<null>" : ValueToText(v);
  }
  Arena arena_;
};

TEST_F(JsonFunctionsTest, ParseAndStringify) {
  Value parsed = CallValue("jsonparse", {Value::String(R"({ "a" : [1, "x"] })")});
  EXPECT_EQ(parsed.type, ValueType::kJson);
  EXPECT_EQ(Call("jsonstringify", {parsed}), R"({"a":[1,"x"]})");
  EXPECT_EQ(Call("jsonparse", {parsed}), R"({"a":[1,"x"]})");  // a JSON value passes through
  EXPECT_EQ(Call("jsonparse", {Value::String("[1,2]")}), "[1,2]");
  EXPECT_EQ(Call("jsonparse", {Value::String("5")}), "<null>");  // not a map or list
  EXPECT_EQ(Call("jsonparse", {Value::String("bad")}), "<null>");
  EXPECT_EQ(Call("jsonparse", {Value::Null()}), "<null>");
  EXPECT_EQ(Call("jsonstringify", {Value::String("x\"")}), R"("x\"")");
  EXPECT_EQ(Call("jsonstringify", {Value::Int(5)}), "5");
  EXPECT_EQ(Call("jsonstringify", {Value::Bool(false)}), "false");
  EXPECT_EQ(Call("jsonstringify", {Value::Null()}), "<null>");
}

TEST_F(JsonFunctionsTest, ArraySize) {
  EXPECT_EQ(Call("jsonarraysize", {Value::String("[1,2,3]")}), "3");
  EXPECT_EQ(Call("jsonarraysize", {Value::String("[]")}), "0");
  EXPECT_EQ(Call("jsonarraysize", {Value::String(R"({"a":1})")}), "<null>");
  EXPECT_EQ(Call("jsonarraysize", {Value::String("bad")}), "<null>");
  EXPECT_EQ(Call("jsonarraysize", {Value::Null()}), "<null>");
  Value split = CallValue("split", {Value::String("a,b"), Value::String(",")});
  EXPECT_EQ(Call("jsonarraysize", {split}), "2");
}

TEST_F(JsonFunctionsTest, ArrayContains) {
  auto contains = [&](const char* array, Value v) {
    return Call("jsonarraycontains", {Value::String(array), v});
  };
  EXPECT_EQ(contains(R"(["a","b"])", Value::String("a")), "true");
  EXPECT_EQ(contains(R"(["a","b"])", Value::String("A")), "false");  // case-sensitive
  EXPECT_EQ(contains("[1,2]", Value::Int(2)), "true");
  EXPECT_EQ(contains("[1,2]", Value::String("2")), "true");
  EXPECT_EQ(contains("[1.5]", Value::Double(1.5)), "true");
  EXPECT_EQ(contains(R"(["1"])", Value::Int(1)), "true");
  EXPECT_EQ(contains("[true]", Value::Bool(true)), "true");
  EXPECT_EQ(contains("[1]", Value::Bool(true)), "false");
  EXPECT_EQ(contains("[null]", Value::String("null")), "false");
  EXPECT_EQ(contains("[[1]]", CallValue("jsonparse", {Value::String("[ 1 ]")})), "true");
  EXPECT_EQ(contains("[]", Value::String("a")), "false");          // §5.6: false for empty,
  EXPECT_EQ(contains("bad", Value::String("a")), "false");         // invalid
  EXPECT_EQ(contains(R"({"a":1})", Value::String("a")), "false");  // and non-array
  EXPECT_EQ(contains("[1]", Value::Null()), "<null>");
  EXPECT_EQ(Call("jsonarraycontains", {Value::Null(), Value::String("a")}), "<null>");
}

}  // namespace
}  // namespace flowlens::query
