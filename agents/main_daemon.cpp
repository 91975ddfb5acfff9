#include <malloc.h>

#include <iostream>
#include <string>
#include <vector>

#include "agents/cli.h"
#include "agents/commands.h"

// egov-agentd: the long-running agent (`egov-agent run` starts it); the other commands too.
int main(int argc, char** argv) {
  // Two malloc arenas instead of glibc's default of eight per core: the HTTP worker threads,
  // the scan's workers and the prober otherwise each keep an arena of their own, and the pages
  // freed in them stay resident (bench/agent-bench, arenas alone: 34.7 -> 31.2 MB after a burst
  // of scrapes; agent.cpp and probes.cpp also trim).
  mallopt(M_ARENA_MAX, 2);
  std::vector<std::string> args(argv + 1, argv + argc);
  return egov::agent::RunAgentCli(args, std::cout, std::cerr, egov::agent::CmdRun);
}
