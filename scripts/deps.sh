#!/usr/bin/env bash
# Installs the Debian packages fastjson needs, only those missing; quiet when all are present.
set -euo pipefail
build=(cmake ninja-build g++ make pkg-config python3-dev python3-venv python3-pip python3-wheel
       python3-setuptools pybind11-dev libsimdjson-dev libspdlog-dev libfmt-dev libgtest-dev llvm-19-dev)
test=(python3-pytest python3-hypothesis python3-numba python3-numpy)
bench=(python3-ujson python3-rapidjson python3-simplejson python3-matplotlib)
fuzz=(clang-19 libclang-rt-19-dev)  # libFuzzer needs clang; LLVM 19 matches the JIT's headers
case "${1:-build}" in
  build) wanted=("${build[@]}") ;;
  test) wanted=("${build[@]}" "${test[@]}" "${bench[@]}") ;;  # the tests run a quick benchmark too
  bench) wanted=("${build[@]}" "${bench[@]}") ;;
  fuzz) wanted=("${build[@]}" "${test[@]}" "${fuzz[@]}") ;;
  *) echo "usage: $0 build|test|bench|fuzz" >&2; exit 2 ;;
esac
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
