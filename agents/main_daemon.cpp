#include <iostream>
#include <string>
#include <vector>

#include "agents/cli.h"
#include "agents/commands.h"

// egov-agentd: the long-running agent (`egov-agent run` starts it); the other commands too.
int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return egov::agent::RunAgentCli(args, std::cout, std::cerr, egov::agent::CmdRun);
}
