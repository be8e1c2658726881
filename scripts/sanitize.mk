# The AddressSanitizer + UndefinedBehaviorSanitizer build (gcc, FASTJSON_SANITIZE) and its tests,
# included by the Makefile; `make test` runs test-asan after the Release suite.
#
# Python under ASan: Debian's python3 is not ASan-built, so libasan is preloaded (it must come first
# to intercept malloc; libstdc++ right after it, or its __cxa_throw interceptor finds no real
# __cxa_throw, python3 itself not linking libstdc++, and the first C++ exception kills the process
# with a CHECK failure) and the instrumented extensions are imported from $(ASAN_BUILD)/python, a
# copy of the package holding only sanitizer builds of _fastjson and _jit. LeakSanitizer is off: the
# interpreter never frees its arenas and caches at exit, so every run would "leak"; reference leaks
# are test_leaks.py's job in the Release build. UBSan reports abort (-fno-sanitize-recover).
ASAN_PY := $(abspath $(ASAN_BUILD))/python
ASAN_ENV := ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The Python suite under ASan, minus what only measures the Release build: the pip install test
# (it builds its own Release copy), the benchmark smoke test, tests marked `rss` that assert on
# process memory (ASan's quarantine holds freed memory on purpose, so RSS means nothing there) and
# `heavy` ones (100 MB documents, 10,000 compiles: scale, which the Release run covers; under ASan
# they would take minutes of CI for no extra memory-safety coverage).
ASAN_PYTEST_ARGS ?= tests/python --ignore=tests/python/test_install.py \
  --ignore=tests/python/test_bench.py -m "not rss and not heavy"

asan-build:
	@./scripts/deps.sh build
	@mkdir -p $(ASAN_PY)/fastjson
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" \
	  -DFASTJSON_SANITIZE=ON -DFASTJSON_PY_OUTPUT_DIR=$(ASAN_PY)/fastjson \
	  -DPython3_EXECUTABLE=$(PYTHON) $(CMAKE_FLAGS) > $(ASAN_BUILD)/configure.log 2>&1 \
	  || { cat $(ASAN_BUILD)/configure.log; exit 1; }
	@cmake --build $(ASAN_BUILD)
	@cp python/fastjson/*.py python/fastjson/*.pyi python/fastjson/py.typed $(ASAN_PY)/fastjson/

test-asan: asan-build ## C++ and Python tests on the ASan+UBSan build (build-asan/)
	cd $(ASAN_BUILD) && $(ASAN_ENV) ctest --output-on-failure -j2
	$(ASAN_ENV) LD_PRELOAD="$$(g++ -print-file-name=libasan.so) $$(g++ -print-file-name=libstdc++.so.6)" \
	  PYTHONPATH=$(ASAN_PY) \
	  $(PYTHON) -m pytest -q $(ASAN_PYTEST_ARGS)
