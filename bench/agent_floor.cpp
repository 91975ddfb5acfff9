// The memory floor of an agent built on the libraries issue 5 prescribes: a process that only
// loads libvirt and libcurl (through the project's adapters, as the agent does), cpp-httplib
// (built with OpenSSL) and prometheus-cpp, opens a libvirt connection, makes a libcurl handle
// and serves one gauge on /metrics. No scans, no probes, no snapshot. bench/agent-bench prints
// its figures beside egov-agent's.
//
//   agent_floor LIBVIRT_URI     prints "floor_uss_kib N", "floor_pss_kib N" and
//                               "floor_rss_kib N" after 200 scrapes of itself
#include <httplib.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

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
  prometheus::Registry registry;
  auto& domains = prometheus::BuildGauge().Name("domains").Help("Domains.").Register(registry);
  domains.Add({}).Set(static_cast<double>(conn->ListAllDomains().size()));

  httplib::Server server;
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(prometheus::TextSerializer().Serialize(registry.Collect()), "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });  // bound already: clients may connect
  httplib::Client client("127.0.0.1", port);
  for (int i = 0; i < 200; ++i) {
    if (!client.Get("/metrics")) {
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
  server.stop();
  listener.join();
  return 0;
}
