// The resident-memory floor of an agent built on the libraries issue 5 prescribes: a process
// that only loads libvirt, cpp-httplib (built with OpenSSL), libcurl and prometheus-cpp, opens
// a libvirt connection, initialises libcurl and serves one gauge on /metrics. No scans, no
// probes, no snapshot. bench/agent-bench prints its RSS beside egov-agent's.
//
//   agent_floor LIBVIRT_URI     prints "floor_rss_kib N" after 200 scrapes of itself
#include <curl/curl.h>
#include <httplib.h>
#include <libvirt/libvirt.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <fstream>
#include <iostream>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: agent_floor LIBVIRT_URI\n";
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  virConnectPtr conn = virConnectOpenReadOnly(argv[1]);
  if (conn == nullptr) {
    std::cerr << "agent_floor: cannot open " << argv[1] << "\n";
    return 1;
  }
  prometheus::Registry registry;
  auto& domains = prometheus::BuildGauge().Name("domains").Help("Domains.").Register(registry);
  domains.Add({}).Set(virConnectNumOfDomains(conn));

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
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0)
      std::cout << "floor_rss_kib " << std::stol(line.substr(6)) << "\n";
  }
  server.stop();
  listener.join();
  virConnectClose(conn);
  curl_global_cleanup();
  return 0;
}
