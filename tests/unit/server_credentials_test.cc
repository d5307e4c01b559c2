// The credentials file parser: several users, comments, errors with lines.
#include "server/credentials.h"

#include <gtest/gtest.h>

namespace flowlens::server {
namespace {

TEST(Credentials, SeveralUsers) {
  auto c = Credentials::Parse(
      "# users of flowlens serve\n"
      "[alice]\n"
      "aws_access_key_id = AKIAALICE\n"
      "aws_secret_access_key=alice/secret+1\n"
      "region = us-east-1\n"
      "\n"
      "; temporary\n"
      "[ bob ]\r\n"
      "aws_access_key_id=AKIABOB\r\n"
      "aws_secret_access_key = bob\r\n"
      "aws_session_token = tok\r\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->size(), 2u);
  EXPECT_EQ(c->Find("AKIAALICE")->secret_access_key, "alice/secret+1");
  EXPECT_EQ(c->Find("AKIAALICE")->session_token, "");
  EXPECT_EQ(c->FindUser("AKIABOB")->name, "bob");
  EXPECT_EQ(c->Find("AKIABOB")->session_token, "tok");
  EXPECT_FALSE(c->Find("AKIAEVE").has_value());
}

TEST(Credentials, ErrorsNameTheLine) {
  auto missing = Credentials::Parse("[a]\naws_access_key_id = X\n", "creds");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "creds:1: [a]: needs both aws_access_key_id and aws_secret_access_key");
  auto before = Credentials::Parse("aws_access_key_id = X\n", "creds");
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.status().message(), "creds:1: 'key = value' before any [section]");
  auto junk = Credentials::Parse("[a]\nnonsense\n", "creds");
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.status().message().find("creds:2:"), std::string::npos);
  auto dup = Credentials::Parse(
      "[a]\naws_access_key_id=K\naws_secret_access_key=s\n[b]\naws_access_key_id=K\n"
      "aws_secret_access_key=t\n",
      "creds");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("given twice"), std::string::npos);
  EXPECT_FALSE(Credentials::Parse("# nothing\n").ok());
  EXPECT_FALSE(Credentials::Load("/nonexistent/creds").ok());
}

}  // namespace
}  // namespace flowlens::server
