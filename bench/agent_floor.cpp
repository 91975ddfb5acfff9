// The memory floor of an agent built on the libraries issue 5 prescribes: a process that only
// loads libvirt and libcurl (through the project's adapters, as the agent does), opens a libvirt
// connection, makes a libcurl handle and serves an empty snapshot on /metrics with the agent's
// HTTP server (Boost.Beast, OpenSSL, prometheus-cpp), scraping itself through libcurl. No
// scans, no probes. bench/agent-bench prints its figures beside egov-agent's.
//
//   agent_floor LIBVIRT_URI     prints "floor_uss_kib N", "floor_pss_kib N" and
//                               "floor_rss_kib N" after 200 scrapes of itself
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "agents/http_server.h"
#include "common/curl.h"
#include "common/libvirt.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: agent_floor LIBVIRT_URI\n";
    return 2;
  }
  const egov::curl::EasyPtr easy = egov::curl::NewEasy();
  egov::libvirt::OpenOptions options;
  options.read_only = true;
  const auto conn = egov::libvirt::Connection::Open(argv[1], options);
  auto store = std::make_shared<egov::agent::SnapshotStore>();
  const size_t domains = conn->ListAllDomains().size();
  store->Update([&](egov::agent::Snapshot& snapshot) {
    auto libvirt = std::make_shared<egov::agent::LibvirtState>();
    libvirt->up = true;
    libvirt->unmanaged = static_cast<int>(domains);
    snapshot.libvirt = libvirt;
  });
  const egov::agent::HttpServer server({"127.0.0.1", 0}, {}, store);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/metrics";
  egov::curl::SetOpt(easy.get(), CURLOPT_URL, url.c_str());
  egov::curl::SetOpt(
      easy.get(), CURLOPT_WRITEFUNCTION,
      +[](char*, size_t size, size_t n, void*) { return size * n; });
  for (int i = 0; i < 200; ++i) {
    if (egov::curl::Perform(easy.get()) != CURLE_OK) {
      std::cerr << "agent_floor: scrape failed\n";
      return 1;
    }
  }
  // USS: the pages no other process maps; PSS: each page divided among the processes mapping it.
  long uss = 0, pss = 0, rss = 0;
  std::ifstream rollup("/proc/self/smaps_rollup");
  for (std::string line; std::getline(rollup, line);) {
    std::istringstream fields(line);  // "Pss:   13900 kB"
    std::string key;
    long kib = 0;
    if (!(fields >> key >> kib)) continue;
    if (key == "Private_Clean:" || key == "Private_Dirty:") uss += kib;
    if (key == "Pss:") pss = kib;
    if (key == "Rss:") rss = kib;
  }
  std::cout << "floor_uss_kib " << uss << "\nfloor_pss_kib " << pss << "\nfloor_rss_kib " << rss
            << "\n";
  return 0;
}
