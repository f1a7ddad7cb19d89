#!/bin/bash
# The parsers of untrusted input under fuzzing: every corpus input and
# every crash that became a regression test (tests/fuzz/crashes/NAME/)
# still parses without crashing; and a short libFuzzer run of each
# harness under ASan and UBSan (`make fuzz` runs them for longer).
. "$(dirname "$0")/lib.sh"

test_fuzz_corpus_and_crashes_replay_clean() {
	local name files n=0
	for bin in build/tests/replay_*; do
		name=${bin##*/replay_}
		files=$(find "tests/fuzz/corpus/$name" "tests/fuzz/crashes/$name" -type f 2>/dev/null || true)
		[ -n "$files" ] || fail "no corpus for harness $name"
		# shellcheck disable=SC2086
		"$bin" $files >/dev/null || fail "harness $name crashed on its corpus"
		n=$((n + 1))
	done
	[ $n -ge 4 ] || fail "only $n harnesses built (config, net, set, process expected)"
}

test_fuzz_smoke_under_sanitizers() {
	command -v clang >/dev/null || skip "clang is not installed (./setup --deps)"
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
		skip "libFuzzer is not installed (libclang-rt-14-dev; ./setup --deps)"
	out=$(make -s -j2 fuzz FUZZ_SECONDS=3 2>&1) || fail "make fuzz: $(echo "$out" | tail -15)"
	for name in config net set process; do
		echo "$out" | grep -Eq "^$name +3 +[1-9][0-9]* " || fail "harness $name did not run: $out"
	done
}

run_tests
