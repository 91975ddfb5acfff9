#include <iostream>
#include <string>
#include <vector>

#include "orchestrator/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return egov::orchestrator::RunEgovctl(args, std::cout, std::cerr);
}
