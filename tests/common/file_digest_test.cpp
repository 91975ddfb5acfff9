#include "common/file_digest.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace egov {
namespace {

namespace fs = std::filesystem;

fs::path WriteTemp(const std::string& name, const std::string& bytes) {
  const fs::path p =
      fs::temp_directory_path() / ("egov-digest-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

TEST(Sha256OfFile, MatchesTheStandardVectors) {
  const fs::path empty = WriteTemp("empty", "");
  const fs::path abc = WriteTemp("abc", "abc");
  EXPECT_EQ(Sha256OfFile(empty.string()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256OfFile(abc.string()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  fs::remove(empty);
  fs::remove(abc);
}

TEST(Sha256OfFd, ReadsPastOneChunkReportsProgressAndLeavesTheOffset) {
  std::string bytes(3 * (1 << 20) + 17, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 4096);
  const fs::path p = WriteTemp("big", bytes);
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), md);
  char hex[2 * SHA256_DIGEST_LENGTH + 1];
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) std::snprintf(hex + 2 * i, 3, "%02x", md[i]);

  const int fd = ::open(p.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 5, SEEK_SET), 5);
  std::vector<uint64_t> seen;
  EXPECT_EQ(Sha256OfFd(fd, [&](uint64_t n) { seen.push_back(n); }), hex);
  EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 5);
  ::close(fd);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen.back(), bytes.size());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  fs::remove(p);
}

TEST(Sha256OfFile, NamesAFileItCannotRead) {
  try {
    Sha256OfFile("/nonexistent/egov/image.qcow2");
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/egov/image.qcow2"), std::string::npos);
  }
  EXPECT_THROW(Sha256OfFile("/"), std::runtime_error);  // a directory cannot be read
}

}  // namespace
}  // namespace egov
