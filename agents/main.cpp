#include <iostream>
#include <string>
#include <vector>

#include "agents/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return egov::agent::RunAgentCli(args, std::cout, std::cerr);
}
