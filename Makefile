# Entry points. `make test` and `make bench` install missing Debian packages and build first.
PYTHON ?= /usr/bin/python3
BUILD ?= build
CMAKE_FLAGS ?=
# The sanitizer and fuzz builds live in their own dirs and write their extensions there, never into
# python/fastjson/ (the Release extension the normal tests and the benchmark use).
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all build deps test test-cpp test-python test-asan asan-build fuzz bench clean

all: build

build:
	@./scripts/deps.sh build
	@mkdir -p $(BUILD)
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DPython3_EXECUTABLE=$(PYTHON) $(CMAKE_FLAGS) > $(BUILD)/configure.log 2>&1 \
	  || { cat $(BUILD)/configure.log; exit 1; }
	@cmake --build $(BUILD)

test: ## every test: C++ (GoogleTest via ctest) then Python (pytest), then both under ASan+UBSan
	@./scripts/deps.sh test
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory test-cpp test-python
	@$(MAKE) --no-print-directory test-asan

test-cpp:
	cd $(BUILD) && ctest --output-on-failure -j2

test-python:
	PYTHONPATH=python $(PYTHON) -m pytest -q tests/python

include scripts/sanitize.mk

fuzz: ## libFuzzer (clang-19): each target in fuzz/ for FUZZ_SECONDS seconds; crashes -> tests/fuzz/crashes/
	@./scripts/deps.sh fuzz
	@mkdir -p $(FUZZ_BUILD)
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++-19 -DFASTJSON_FUZZ=ON -DFASTJSON_SANITIZE=ON \
	  -DFASTJSON_BUILD_TESTS=OFF -DFASTJSON_PY_OUTPUT_DIR=$(abspath $(FUZZ_BUILD))/python/fastjson \
	  -DPython3_EXECUTABLE=$(PYTHON) > $(FUZZ_BUILD)/configure.log 2>&1 \
	  || { cat $(FUZZ_BUILD)/configure.log; exit 1; }
	@cmake --build $(FUZZ_BUILD) --target fuzz_loads fuzz_dumps fuzz_encoders
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh

bench: ## the main job: fastjson vs its peers on the bundled corpora; table + bench/results.png
	@./scripts/deps.sh bench
	@$(MAKE) --no-print-directory build
	PYTHONPATH=python $(PYTHON) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) python/fastjson/_fastjson*.so python/fastjson/_jit*.so
