#!/usr/bin/env bash
# Runs each libFuzzer target (built by `make fuzz` in $FUZZ_BUILD) for $FUZZ_SECONDS seconds under
# nice, on the committed seeds; new crashes land in tests/fuzz/crashes/<target>/ (make them
# regression tests: tests/python/test_fuzz_regressions.py runs every file there). Appends one line
# per target (executions, seconds, crash or not) to $FUZZ_BUILD/fuzz-log.tsv.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-loads dumps encoders}
status=0
for target in $targets; do
  work="$build/corpus/$target"   # what this machine's runs have found; not committed
  crashes="tests/fuzz/crashes/$target"
  mkdir -p "$work" "$crashes"
  seeds=("tests/fuzz/corpus/$target")
  [ "$target" = loads ] && seeds+=(tests/conformance/cases)
  log="$build/fuzz-$target.log"
  echo "fuzz: $target for ${seconds}s (log: $log)"
  # detect_leaks=0: the embedded interpreter keeps caches (interned strs, freelists, our key cache)
  # that LeakSanitizer would report on every input; reference leaks are test_leaks.py's job.
  # FASTJSON_CACHE=0: every schema is compiled (the code cache would skip LLVM and fill the user's
  # cache directory with fuzz-made entries).
  FASTJSON_CACHE=0 ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    nice "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=4096 -timeout=30 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "${seeds[@]}" \
    > "$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  verdict=ok
  if [ $rc -ne 0 ]; then verdict="CRASH (exit $rc, see $log)"; status=1; fi
  printf '%s\t%s\t%s runs\t%s s\t%s\n' "$(date -u +%FT%TZ)" "$target" "${runs:-?}" "${took:-?}" "$verdict" \
    | tee -a "$build/fuzz-log.tsv"
done
exit $status
