#include "tests/support/serving.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace egov::testing {

Serving::Serving(httplib::Server& server) : server_(server) {
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind a port on 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // The socket listens already (clients queue); wait for the loop so that stop() reaches it.
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

Serving::~Serving() {
  server_.stop();
  thread_.join();
}

std::string Serving::Url(const std::string& path, const std::string& scheme) const {
  return scheme + "://127.0.0.1:" + std::to_string(port_) + path;
}

void MakeCertificates(const std::filesystem::path& dir) {
  auto openssl = [](std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    const CliRun r = RunProcess(args);
    ASSERT_EQ(r.code, 0) << r.err;
  };
  const std::string d = dir.string();
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-days", "2", "-subj", "/CN=egov audit test CA", "-keyout", d + "/ca.key", "-out",
           d + "/ca.pem"});
  WriteFile(dir / "ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  for (const std::string who : {"server", "client"}) {
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
             "/CN=" + who, "-keyout", d + "/" + who + ".key", "-out", d + "/" + who + ".csr"});
    openssl({"x509", "-req", "-in", d + "/" + who + ".csr", "-CA", d + "/ca.pem", "-CAkey",
             d + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile", d + "/ext.cnf", "-out",
             d + "/" + who + ".pem"});
  }
}

}  // namespace egov::testing
