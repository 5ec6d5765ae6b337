#include <cstdio>
int main() {
  std::puts("remaphore " REMAPHORE_VERSION);
  return 0;
}
