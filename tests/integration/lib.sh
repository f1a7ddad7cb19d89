# lib.sh - the integration-test harness. A test file defines functions
# named test_*, sources this file and calls run_tests. Each test runs in a
# subshell with `set -e` against a private state root, and afterwards
# every zone it made is deleted and checked for leaks (processes, cgroups,
# mounts), whatever the test's outcome.
# A test skips with `skip "reason"`; it fails on any failing command or
# `fail "reason"`.

ZONECTL=${ZONECTL:-$PWD/build/zonectl}
PROBE=$PWD/build/tests/zprobe
export ZONECTL_ROOT

skip() { echo "$*" >"$T_SKIP"; exit 77; }
fail() { echo "  $*"; exit 1; }
z() { "$ZONECTL" "$@"; }

# expect_fail REGEX CMD...: CMD must fail, and say something matching REGEX.
expect_fail() {
	local re=$1 out rc
	shift
	set +e
	out=$("$@" 2>&1)
	rc=$?
	set -e
	[ $rc -ne 0 ] || fail "expected failure, got success: $* -> $out"
	[[ $out =~ $re ]] || fail "message for '$*' does not match /$re/: $out"
}

zone_dir() { echo "$ZONECTL_ROOT/zones/$1"; }
state_of() { z list -o json "$1" | sed -n 's/.*"state": "\([a-z_]*\)".*/\1/p'; }
init_pid_of() { z list -o json "$1" | sed -n 's/.*"init_pid": \([0-9]*\).*/\1/p'; }

# make_oci_bundle DIR ARGS...: an OCI bundle (busybox-static, config from
# `zonectl spec`) whose process is ARGS, without a terminal.
make_oci_bundle() {
	local dir=$1 a
	shift
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/tmp" "$dir/rootfs/etc"
	cp /bin/busybox "$dir/rootfs/bin/"
	for a in sh true cat echo sleep ls ps id hostname grep wc tty test touch pwd; do
		ln -sf busybox "$dir/rootfs/bin/$a"
	done
	z spec --bundle "$dir"
	/usr/bin/python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = sys.argv[2:]
json.dump(c, open(sys.argv[1], "w"))' "$dir/config.json" "$@"
}

# Copies the probe helper into a zone's /root.
add_probe() { cp "$PROBE" "$(zone_dir "$1")/root/root/zprobe"; }

# Leaks of zone $1: cgroup dirs, host mounts under the state root,
# processes whose cgroup names the zone, a loop device on its disk image
# (autoclear detaches it once the zone's mount is gone: a moment).
assert_no_leaks() {
	local name=$1 left i
	for i in $(seq 20); do
		left=$(losetup -n -l -O NAME,BACK-FILE 2>/dev/null | grep -F "$ZONECTL_ROOT/zones/$name/" || true)
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ] || fail "zone $name left a loop device: $left"
	left=$(find /sys/fs/cgroup -type d -path "*/zonectl/$name" 2>/dev/null || true)
	[ -z "$left" ] || fail "zone $name left cgroups: $left"
	if grep -q " $ZONECTL_ROOT" /proc/self/mountinfo; then
		fail "mounts left under $ZONECTL_ROOT: $(grep " $ZONECTL_ROOT" /proc/self/mountinfo)"
	fi
	left=$(grep -l "zonectl/$name\$" /proc/[0-9]*/cgroup 2>/dev/null || true)
	[ -z "$left" ] || fail "zone $name left processes: $left"
	[ ! -e "$ZONECTL_ROOT/run/$name" ] || fail "zone $name left its run directory"
}

cleanup_zones() {
	local n
	for n in $(ls "$ZONECTL_ROOT/zones" 2>/dev/null); do
		"$ZONECTL" delete -f "$n" >/dev/null 2>&1 || true
	done
}

run_tests() {
	local t rc tests
	tests=$(declare -F | awk '{print $3}' | grep '^test_')
	for t in $tests; do
		if [ -n "${TEST_FILTER:-}" ] && [[ $t != *$TEST_FILTER* ]] &&
			[[ ${BASH_SOURCE[1]} != *$TEST_FILTER* ]]; then
			continue
		fi
		ZONECTL_ROOT=$(mktemp -d /tmp/zt.XXXXXX)
		T_SKIP=$ZONECTL_ROOT.skip
		local out=$ZONECTL_ROOT.out
		(set -e; "$t") >"$out" 2>&1
		rc=$?
		cleanup_zones
		if [ $rc -eq 77 ]; then
			echo "skip $t: $(cat "$T_SKIP")"
		elif [ $rc -eq 0 ]; then
			echo "ok $t"
		else
			echo "FAIL $t"
			sed 's/^/    /' "$out" | tail -25
		fi
		rm -rf "$ZONECTL_ROOT" "$ZONECTL_ROOT".*
	done
}
