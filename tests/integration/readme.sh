#!/bin/bash
# The README's tour, walked as a newcomer types it: `zonectl` is the one
# `make install` puts in PREFIX/sbin (here under a DESTDIR of the test's,
# first on PATH), and every line of the tour's block runs, in order, and
# succeeds, but the two marked interactive. A README that drifts from the
# code fails here.
. "$(dirname "$0")/lib.sh"

test_readme_tour_runs_as_written() {
	local dest=$ZONECTL_ROOT.dest line cmd n=0
	make -s install DESTDIR="$dest" PREFIX=/usr/local >/dev/null
	[ -x "$dest/usr/local/sbin/zonectl" ] || fail "make install put no zonectl in PREFIX/sbin"
	PATH=$dest/usr/local/sbin:$PATH
	[ "$(command -v zonectl)" = "$dest/usr/local/sbin/zonectl" ] || fail "zonectl is $(command -v zonectl)"
	# the block after "## A tour"
	awk '/^## A tour/ {t = 1} t && /^```sh/ {b = 1; next} b && /^```/ {exit} b' README.md >"$ZONECTL_ROOT.tour"
	while IFS= read -r line; do
		[[ $line == zonectl* ]] || continue
		[[ $line == *"(interactive)"* ]] && continue
		cmd=${line%%#*}
		n=$((n + 1))
		echo "+ $cmd"
		eval "$cmd" </dev/null >"$ZONECTL_ROOT.line" 2>&1 || fail "README tour line failed: $cmd: $(tail -5 "$ZONECTL_ROOT.line")"
	done <"$ZONECTL_ROOT.tour"
	[ $n -ge 15 ] || fail "only $n lines in the tour: is README's block still there?"
	[ -z "$(ls "$ZONECTL_ROOT/zones")" ] || fail "the tour leaves zones: $(ls "$ZONECTL_ROOT/zones")"
}

run_tests
