#include "server/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "server/crypto.h"

namespace flowlens::server {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

ApiError Incomplete(std::string m) {
  return ApiError::Make("IncompleteSignatureException", m);
}
ApiError Invalid(std::string m) {
  return ApiError::Make("InvalidSignatureException", m);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Trims and collapses inner runs of blanks to one space.
std::string CanonicalValue(std::string_view v) {
  v = Trim(v);
  std::string out;
  bool blank = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      blank = true;
      continue;
    }
    if (blank) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

bool Unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string k = UriDecode(part.substr(0, eq));
    std::string v = eq == std::string_view::npos ? "" : UriDecode(part.substr(eq + 1));
    pairs.emplace_back(UriEncode(k, false), UriEncode(v, false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += k + "=" + v;
  }
  return out;
}

struct AuthHeader {
  std::string access_key, date, region, service;
  std::vector<std::string> signed_headers;
  std::string signature;
};

std::optional<ApiError> ParseAuthorization(std::string_view text, AuthHeader* out) {
  text = Trim(text);
  if (!text.starts_with(kAlgorithm) ||
      (text.size() > kAlgorithm.size() && text[kAlgorithm.size()] != ' ')) {
    return Incomplete("Authorization header must use the AWS4-HMAC-SHA256 algorithm.");
  }
  text.remove_prefix(kAlgorithm.size());
  std::string credential, signed_headers, signature;
  bool have_credential = false, have_signed = false, have_signature = false;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view part = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Credential") credential = value, have_credential = true;
    if (key == "SignedHeaders") signed_headers = value, have_signed = true;
    if (key == "Signature") signature = value, have_signature = true;
  }
  std::string missing;
  if (!have_credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!have_signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!have_signed) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!missing.empty()) {
    missing.pop_back();
    return Incomplete(missing);
  }
  // Credential=AKID/DATE/REGION/SERVICE/aws4_request
  std::vector<std::string> scope;
  size_t start = 0;
  for (size_t i = 0; i <= credential.size(); ++i) {
    if (i == credential.size() || credential[i] == '/') {
      scope.push_back(credential.substr(start, i - start));
      start = i + 1;
    }
  }
  if (scope.size() != 5 || scope[0].empty() || scope[4] != "aws4_request") {
    return Incomplete(
        "Credential should be of the form AKID/yyyymmdd/region/service/aws4_request: '" +
        credential + "'.");
  }
  out->access_key = scope[0];
  out->date = scope[1];
  out->region = scope[2];
  out->service = scope[3];
  out->signed_headers.clear();
  start = 0;
  for (size_t i = 0; i <= signed_headers.size(); ++i) {
    if (i == signed_headers.size() || signed_headers[i] == ';') {
      std::string h = signed_headers.substr(start, i - start);
      std::transform(h.begin(), h.end(), h.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (!h.empty()) out->signed_headers.push_back(h);
      start = i + 1;
    }
  }
  if (signature.size() != 64 ||
      !std::all_of(signature.begin(), signature.end(),
                   [](unsigned char c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); })) {
    return Incomplete("Signature must be 64 lower-case hexadecimal digits.");
  }
  out->signature = signature;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> FindHeader(const HeaderList& headers, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size() ||
        !std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      continue;
    }
    if (out) {
      *out += ",";
      *out += v;
    } else {
      out = v;
    }
  }
  return out;
}

std::optional<int64_t> ParseAmzDate(std::string_view t) {
  // YYYYMMDDTHHMMSSZ
  if (t.size() != 16 || t[8] != 'T' || t[15] != 'Z') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}) {
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len) { return std::stoi(std::string(t.substr(pos, len))); };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 59) {
    return std::nullopt;
  }
  const int64_t seconds = static_cast<int64_t>(timegm(&tm));
  // timegm normalizes (November 31st is December 1st): only real dates pass.
  if (FormatAmzDate(seconds) != t) return std::nullopt;
  return seconds;
}

std::string FormatAmzDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string CanonicalRequest(const SigV4Request& r,
                             const std::vector<std::string>& signed_headers) {
  std::string out;
  out.append(r.method).push_back('\n');
  std::string path = r.path.empty() ? std::string("/") : UriEncode(UriDecode(r.path), true);
  out.append(path).push_back('\n');
  out.append(CanonicalQuery(r.query)).push_back('\n');
  for (const std::string& h : signed_headers) {
    out += h;
    out += ':';
    out += CanonicalValue(FindHeader(*r.headers, h).value_or(""));
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out += Sha256Hex(r.body);
  return out;
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  std::string k = HmacSha256("AWS4" + std::string(secret), date);
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  return HmacSha256(k, "aws4_request");
}

std::optional<ApiError> VerifySigV4(const SigV4Request& r, const SecretLookup& lookup,
                                    const SigV4Options& options, std::string* access_key_id) {
  std::optional<std::string> auth = FindHeader(*r.headers, "authorization");
  if (!auth) {
    return ApiError::Make("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  AuthHeader a;
  if (auto err = ParseAuthorization(*auth, &a)) return err;
  std::optional<std::string> amz_date = FindHeader(*r.headers, "x-amz-date");
  if (!amz_date) {
    return Incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  std::optional<int64_t> when = ParseAmzDate(*amz_date);
  if (!when) return Incomplete("X-Amz-Date must be in the form YYYYMMDD'T'HHMMSS'Z': " + *amz_date);
  if (a.date != amz_date->substr(0, 8)) {
    return Invalid(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        "from HTTP: '" +
        a.date + "' != '" + amz_date->substr(0, 8) + "', from '" + *amz_date + "'.");
  }
  if (a.service != options.service) {
    return Invalid("Credential should be scoped to correct service: '" + options.service + "'.");
  }
  if (!options.region.empty() && a.region != options.region) {
    return Invalid("Credential should be scoped to a valid region. This endpoint serves '" +
                   options.region + "', not '" + a.region + "'.");
  }
  if (std::find(a.signed_headers.begin(), a.signed_headers.end(), "host") ==
      a.signed_headers.end()) {
    return Invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  for (const std::string& h : a.signed_headers) {
    if (!FindHeader(*r.headers, h)) {
      return Invalid("The request signature names header '" + h + "', which the request lacks.");
    }
  }
  if (options.max_skew_seconds >= 0) {
    const int64_t skew = options.max_skew_seconds;
    if (*when < options.now_seconds - skew) {
      return Invalid("Signature expired: " + *amz_date + " is now earlier than " +
                     FormatAmzDate(options.now_seconds - skew) + " (" +
                     FormatAmzDate(options.now_seconds) + " - " + std::to_string(skew / 60) +
                     " min.)");
    }
    if (*when > options.now_seconds + skew) {
      return Invalid("Signature not yet current: " + *amz_date + " is still later than " +
                     FormatAmzDate(options.now_seconds + skew) + " (" +
                     FormatAmzDate(options.now_seconds) + " + " + std::to_string(skew / 60) +
                     " min.)");
    }
  }
  std::optional<KeySecret> secret = lookup(a.access_key);
  if (!secret) {
    return ApiError::Make("UnrecognizedClientException",
                          "The security token included in the request is invalid.");
  }
  std::optional<std::string> token = FindHeader(*r.headers, "x-amz-security-token");
  if (token || !secret->session_token.empty()) {
    bool token_signed = std::find(a.signed_headers.begin(), a.signed_headers.end(),
                                  "x-amz-security-token") != a.signed_headers.end();
    if (!token || !token_signed || !ConstantTimeEquals(*token, secret->session_token)) {
      return ApiError::Make("UnrecognizedClientException",
                            "The security token included in the request is invalid.");
    }
  }
  std::string canonical = CanonicalRequest(r, a.signed_headers);
  std::string scope = a.date + "/" + a.region + "/" + a.service + "/aws4_request";
  std::string to_sign =
      std::string(kAlgorithm) + "\n" + *amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
  std::string expected = HexEncode(
      HmacSha256(SigningKey(secret->secret_access_key, a.date, a.region, a.service), to_sign));
  if (!ConstantTimeEquals(expected, a.signature)) {
    return Invalid(
        "The request signature we calculated does not match the signature you provided. Check "
        "your AWS Secret Access Key and signing method. Consult the service documentation for "
        "details.");
  }
  if (access_key_id) *access_key_id = a.access_key;
  return std::nullopt;
}

}  // namespace flowlens::server
