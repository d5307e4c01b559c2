// The one registration table of scalar functions, sorted by lower-case name
// so that lookup is a binary search (tests check the order).
#include "query/functions/scalar_function.h"

#include <algorithm>
#include <array>

#include "query/functions/function_families.h"

namespace flowlens::query {
namespace {

namespace s = scalar;

constexpr int kAny = -1;

constexpr ScalarFunction kFunctions[] = {
    {"abs", 1, 1, s::Abs, "abs(a)"},
    {"base64decode", 1, 1, s::Base64Decode, "base64decode(s)"},
    {"base64encode", 1, 1, s::Base64Encode, "base64encode(s)"},
    {"case", 2, 21, s::Case, "case(cond1, value1, ... [, default])"},
    {"ceil", 1, 1, s::Ceil, "ceil(a)"},
    {"coalesce", 1, kAny, s::Coalesce, "coalesce(a, ...)"},
    {"concat", 1, kAny, s::Concat, "concat(s, ...)"},
    {"dateceil", 2, 2, s::DateCeil, "dateceil(timestamp, period)"},
    {"datefloor", 2, 2, s::DateFloor, "datefloor(timestamp, period)"},
    {"dectohex", 1, 1, s::DecToHex, "decToHex(n)"},
    {"endswith", 2, 2, s::EndsWith, "endsWith(s, suffix)"},
    {"floor", 1, 1, s::Floor, "floor(a)"},
    {"formatdate", 2, 3, s::FormatDate, "formatDate(timestamp, format [, timezone])"},
    {"frommillis", 1, 1, s::FromMillis, "fromMillis(n)"},
    {"greatest", 1, kAny, s::Greatest, "greatest(a, ...)"},
    {"haversine", 4, 4, s::Haversine, "haversine(lat1, lon1, lat2, lon2)"},
    {"hextoascii", 1, 1, s::HexToAscii, "hexToAscii(s)"},
    {"hextodec", 1, 1, s::HexToDec, "hexToDec(s)"},
    {"if", 3, 3, s::If, "if(condition, trueValue, falseValue)"},
    {"ipv4tonumber", 1, 1, s::Ipv4ToNumber, "ipv4ToNumber(ip)"},
    {"isblank", 1, 1, s::IsBlank, "isblank(s)"},
    {"isempty", 1, 1, s::IsEmpty, "isempty(s)"},
    {"isipinsubnet", 2, 2, s::IsIpInSubnet, "isIpInSubnet(ip, cidr)"},
    {"isipv4insubnet", 2, 2, s::IsIpv4InSubnet, "isIpv4InSubnet(ip, cidr)"},
    {"isipv6insubnet", 2, 2, s::IsIpv6InSubnet, "isIpv6InSubnet(ip, cidr)"},
    {"isnumeric", 1, 1, s::IsNumeric, "isNumeric(a)"},
    {"ispresent", 1, 1, s::IsPresent, "ispresent(field)"},
    {"isprivateip", 1, 1, s::IsPrivateIp, "isPrivateIP(ip)"},
    {"ispublicip", 1, 1, s::IsPublicIp, "isPublicIP(ip)"},
    {"isreservedip", 1, 1, s::IsReservedIp, "isReservedIP(ip)"},
    {"isvalidip", 1, 1, s::IsValidIp, "isValidIp(ip)"},
    {"isvalidipv4", 1, 1, s::IsValidIpV4, "isValidIpV4(ip)"},
    {"isvalidipv6", 1, 1, s::IsValidIpV6, "isValidIpV6(ip)"},
    {"jsonarraycontains", 2, 2, s::JsonArrayContains, "jsonArrayContains(jsonArray, value)"},
    {"jsonarraysize", 1, 1, s::JsonArraySize, "jsonArraySize(jsonArray)"},
    {"jsonparse", 1, 1, s::JsonParse, "jsonParse(s)"},
    {"jsonstringify", 1, 1, s::JsonStringify, "jsonStringify(value)"},
    {"least", 1, kAny, s::Least, "least(a, ...)"},
    {"log", 1, 1, s::Log, "log(a)"},
    {"ltrim", 1, 2, s::Ltrim, "ltrim(s [, chars])"},
    {"messagesize", 1, 1, s::MessageSize, "messageSize(field)"},
    {"now", 0, 0, s::Now, "now()"},
    {"parsedate", 2, 3, s::ParseDate, "parseDate(s, pattern [, timezone])"},
    {"queryendtime", 0, 0, s::QueryEndTime, "queryEndTime()"},
    {"querystarttime", 0, 0, s::QueryStartTime, "queryStartTime()"},
    {"querytimerange", 0, 0, s::QueryTimeRange, "queryTimeRange()"},
    {"regexreplace", 3, 3, s::RegexReplace, "regexReplace(s, pattern, replacement)"},
    {"replace", 3, 3, s::Replace, "replace(s, search, replacement)"},
    {"round", 1, 2, s::Round, "round(a [, digits])"},
    {"rtrim", 1, 2, s::Rtrim, "rtrim(s [, chars])"},
    {"split", 2, 2, s::Split, "split(s, delimiter)"},
    {"sqrt", 1, 1, s::Sqrt, "sqrt(a)"},
    {"startswith", 2, 2, s::StartsWith, "startsWith(s, prefix)"},
    {"strcontains", 2, 3, s::StrContains, "strcontains(s, search [, caseInsensitive])"},
    {"strftime", 2, 3, s::FormatDate, "strftime(timestamp, format [, timezone])"},
    {"strlen", 1, 1, s::Strlen, "strlen(s)"},
    {"substr", 2, 3, s::Substr, "substr(s, start [, length])"},
    {"todouble", 1, 1, s::ToDouble, "toDouble(a)"},
    {"toint", 1, 1, s::ToInt, "toInt(a)"},
    {"tolong", 1, 1, s::ToLong, "toLong(a)"},
    {"tolower", 1, 1, s::ToLower, "tolower(s)"},
    {"tomillis", 1, 1, s::ToMillis, "toMillis(timestamp)"},
    {"tonumber", 1, 1, s::ToNumber, "toNumber(s)"},
    {"toupper", 1, 1, s::ToUpper, "toupper(s)"},
    {"trim", 1, 2, s::Trim, "trim(s [, chars])"},
    {"urldecode", 1, 1, s::UrlDecode, "urldecode(s)"},
    {"urlencode", 1, 1, s::UrlEncode, "urlencode(s)"},
};

}  // namespace

std::span<const ScalarFunction> ScalarFunctions() {
  return kFunctions;
}

const ScalarFunction* FindScalarFunction(std::string_view lower_name) {
  auto it = std::lower_bound(
      std::begin(kFunctions), std::end(kFunctions), lower_name,
      [](const ScalarFunction& f, std::string_view name) { return f.name < name; });
  if (it == std::end(kFunctions) || it->name != lower_name) return nullptr;
  return it;
}

}  // namespace flowlens::query
