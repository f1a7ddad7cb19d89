#!/bin/bash
# The locks, proven: 100 operations (create, boot, login, set, halt,
# delete, list) on 20 zones, all started at once from separate processes,
# end with every zone in a consistent state, every successful `set` kept
# (none lost to a concurrent writer) and nothing leaked.
. "$(dirname "$0")/lib.sh"

N=20
PY=/usr/bin/python3

# op I KIND ZONE [ARG]: one operation in the background; its exit status
# goes to $ZONECTL_ROOT.ops/I.
op() {
	local i=$1 kind=$2 zone=$3 arg=${4:-} rc=0
	case $kind in
	boot) z boot "$zone" ;;
	halt) z halt -t 5 "$zone" ;;
	login) z login "$zone" -- true ;;
	set) z set "$zone" "memory=${arg}M" ;;
	list) z list -o json >/dev/null ;;
	create) z create "$zone" ;;
	delete) z delete "$zone" ;;
	esac >/dev/null 2>&1 || rc=$?
	echo "$rc $kind $zone $arg" >"$ZONECTL_ROOT.ops/$i"
}

memory_of() {
	z config "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["linux"]["resources"].get("memory", {}).get("limit", 0) >> 20)'
}

test_100_concurrent_operations_on_20_zones() {
	mkdir "$ZONECTL_ROOT.ops"
	for k in $(seq -w 0 $((N - 1))); do
		z create cc$k --set memory=32M
	done
	for k in 00 01 02 03 04; do
		z boot cc$k
	done
	# 100 operations, launched together
	local i=0 k kind
	for round in 1 2 3 4 5; do
		for k in $(seq -w 0 $((N - 1))); do
			case $(((round + 10#$k) % 5)) in
			0) kind=boot ;; 1) kind=login ;; 2) kind=set ;; 3) kind=halt ;; 4) kind=list ;;
			esac
			op $i $kind cc$k $((100 + i)) &
			i=$((i + 1))
		done
	done
	# and creates racing deletes of the same new names (counted in the 100)
	for k in 0 1 2 3 4; do
		op $i create ccn$k &
		i=$((i + 1))
	done
	wait
	[ "$(ls "$ZONECTL_ROOT.ops" | wc -l)" = $i ] || fail "only $(ls "$ZONECTL_ROOT.ops" | wc -l) of $i operations reported"
	# a second wave: deletes of the new names racing creates of five more
	for k in 0 1 2 3 4; do
		op $i delete ccn$k &
		op $((i + 1)) create ccn$((k + 5)) &
		i=$((i + 2))
	done
	wait

	# every zone consistent
	z list -o json >"$ZONECTL_ROOT.list" || fail "list after the storm"
	$PY - "$ZONECTL_ROOT.list" <<'EOF' || fail "inconsistent zones: $(cat "$ZONECTL_ROOT.list")"
import json, os, sys
for z in json.load(open(sys.argv[1])):
    assert z["state"] in ("installed", "running"), z
    if z["state"] == "running":
        os.kill(z["init_pid"], 0)
    else:
        assert z["init_pid"] is None, z
EOF
	for k in $(seq -w 0 $((N - 1))); do
		st=$(state_of cc$k)
		if [ "$st" = running ]; then
			[ "$(z login cc$k -- echo up)" = up ] || fail "cc$k running but dead"
		fi
		# no lost config: the stored limit is the one a successful set wrote last
		want=$(grep -l " set cc$k " "$ZONECTL_ROOT.ops"/* | xargs cat | awk '$1 == 0 {print $4}')
		got=$(memory_of cc$k)
		if [ -z "$want" ]; then
			[ "$got" = 32 ] || fail "cc$k: memory $got without a successful set"
		else
			grep -qx "$got" <<<"$want" || fail "cc$k: memory ${got}M is none of the successful sets ($want)"
		fi
	done
	# creates and deletes of one name: it exists iff its last successful op was a create
	for k in 0 1 2 3 4 5 6 7 8 9; do
		created=$(cat "$ZONECTL_ROOT.ops"/* | awk -v z=ccn$k '$3 == z && $2 == "create" && $1 == 0' | wc -l)
		deleted=$(cat "$ZONECTL_ROOT.ops"/* | awk -v z=ccn$k '$3 == z && $2 == "delete" && $1 == 0' | wc -l)
		if [ $((created - deleted)) = 1 ]; then
			[ -e "$(zone_dir ccn$k)" ] || fail "ccn$k created but gone"
		else
			[ ! -e "$(zone_dir ccn$k)" ] || fail "ccn$k: created $created, deleted $deleted, but it exists"
		fi
	done
	ok=$(cat "$ZONECTL_ROOT.ops"/* | awk '$1 == 0' | wc -l)
	echo "  $i operations, $ok succeeded, $((i - ok)) refused (wrong state)"
	[ "$ok" -gt 40 ] || fail "too few operations succeeded: $ok of $i"
	# and everything comes down clean
	for k in $(seq -w 0 $((N - 1))); do
		z delete -f cc$k
		assert_no_leaks cc$k
	done
}

run_tests
