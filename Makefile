# Entry points. `make test` and `make bench` install missing Debian packages and build first.
PYTHON ?= /usr/bin/python3
BUILD ?= build
CMAKE_FLAGS ?=

.PHONY: all build deps test test-cpp test-python bench clean

all: build

build:
	@./scripts/deps.sh build
	@mkdir -p $(BUILD)
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DPython3_EXECUTABLE=$(PYTHON) $(CMAKE_FLAGS) > $(BUILD)/configure.log 2>&1 \
	  || { cat $(BUILD)/configure.log; exit 1; }
	@cmake --build $(BUILD)

test: ## every test: C++ (GoogleTest via ctest) then Python (pytest)
	@./scripts/deps.sh test
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory test-cpp test-python

test-cpp:
	cd $(BUILD) && ctest --output-on-failure -j2

test-python:
	PYTHONPATH=python $(PYTHON) -m pytest -q tests/python

bench: ## the main job: fastjson vs its peers on the bundled corpora; table + bench/results.png
	@./scripts/deps.sh bench
	@$(MAKE) --no-print-directory build
	PYTHONPATH=python $(PYTHON) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) python/fastjson/_fastjson*.so
