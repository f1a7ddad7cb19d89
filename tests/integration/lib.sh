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
# at_cleanup CMD...: run CMD once the test's zones are gone (whatever the
# outcome): for what a test made around its zones, such as a parent cgroup.
at_cleanup() { printf '%q ' "$@" >>"$T_CLEANUP"; echo >>"$T_CLEANUP"; }
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

# ---- a zone's cgroups, on either layout -----------------------------------
# A cgroup v2 host: every controller on cgroup2 (the v2 test VM).
v2_host() { [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; }

# cgdir ZONE CONTROLLER: the zone's cgroup directory that carries the v1
# CONTROLLER (cpu, cpuacct, memory, pids, blkio ...), from its init; on a
# v2 host its one cgroup2 directory. The zone's own, where its limits
# are: above the payload subtree that a system zone's init manages.
cgdir() {
	local pid rel
	pid=$(init_pid_of "$1")
	if v2_host; then
		rel=$(sed -n 's/^0:://p' /proc/$pid/cgroup)
		rel=${rel%%/payload/*}
		echo "/sys/fs/cgroup${rel%/payload}"
		return
	fi
	rel=$(sed -n "s/^[0-9]*:$2://p" /proc/$pid/cgroup)
	[ -n "$rel" ] || fail "no $2 cgroup for $1: $(cat /proc/$pid/cgroup)"
	rel=${rel%%/payload/*}
	echo "/sys/fs/cgroup/$2${rel%/payload}"
}

# cgread ZONE WHAT: what the kernel holds for the zone, the same on both
# layouts: mem.limit (bytes or "max"), mem.usage, cpu.quota (us per period
# or "max"), cpu.ns (CPU time used), cpu.weight (v1: cpu.shares; v2:
# cpu.weight, see weight_of), pids.max, pids.current, pids.events.
cgread() {
	local v
	case $2 in
	mem.limit)
		if v2_host; then cat "$(cgdir "$1")/memory.max"; return; fi
		v=$(cat "$(cgdir "$1" memory)/memory.limit_in_bytes")
		[ ${#v} -ge 19 ] && v=max
		echo "$v" ;;
	mem.usage)
		if v2_host; then cat "$(cgdir "$1")/memory.current"
		else cat "$(cgdir "$1" memory)/memory.usage_in_bytes"; fi ;;
	cpu.quota)
		if v2_host; then cut -d' ' -f1 "$(cgdir "$1")/cpu.max"; return; fi
		v=$(cat "$(cgdir "$1" cpu)/cpu.cfs_quota_us")
		[ "$v" = -1 ] && v=max
		echo "$v" ;;
	cpu.ns)
		if v2_host; then
			echo $(($(sed -n 's/^usage_usec //p' "$(cgdir "$1")/cpu.stat") * 1000))
		else cat "$(cgdir "$1" cpuacct)/cpuacct.usage"; fi ;;
	cpu.weight)
		if v2_host; then cat "$(cgdir "$1")/cpu.weight"
		else cat "$(cgdir "$1" cpu)/cpu.shares"; fi ;;
	pids.*) cat "$(cgdir "$1" pids)/$2" ;;
	*) fail "cgread: what is $2?" ;;
	esac
}

# weight_of SHARES: what cgread ZONE cpu.weight says for cpu-shares=SHARES
# (v2: the OCI mapping of shares onto cpu.weight).
weight_of() {
	if v2_host; then echo $((1 + ($1 - 2) * 9999 / 262142)); else echo "$1"; fi
}

# io_limits ZONE KIND: the zone's per-device limits of KIND (rbps, wbps,
# riops, wiops) as "MAJ:MIN RATE" lines, from either layout.
io_limits() {
	if v2_host; then
		awk -v k="$2" '{for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k && a[2] != "max") print $1, a[2] }}' \
			"$(cgdir "$1")/io.max"
		return
	fi
	local f
	case $2 in
	rbps) f=read_bps_device ;; wbps) f=write_bps_device ;;
	riops) f=read_iops_device ;; wiops) f=write_iops_device ;;
	esac
	cat "$(cgdir "$1" blkio)/blkio.throttle.$f"
}
state_of() { z list -o json "$1" | sed -n 's/.*"state": "\([a-z_]*\)".*/\1/p'; }
monitor_of() { sed -n 's/.*"monitor_pid": \([0-9]*\).*/\1/p' "$ZONECTL_ROOT/run/$1/state.json"; }
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

# filtered_in TEST FILE: TEST_FILTER ("a|b|...", from tests/run) is
# empty, or names part of TEST or of FILE.
filtered_in() {
	local f
	[ -n "${TEST_FILTER:-}" ] || return 0
	local IFS='|'
	for f in $TEST_FILTER; do
		[[ $1 == *$f* || $2 == *$f* ]] && return 0
	done
	return 1
}

# A private containerd (its own root, state and socket) whose runc is
# zonectl: started in $CTR_DIR, stopped when the test's shell exits.
start_containerd() {
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		skip "containerd is not installed (./setup installs it)"
	CTR_DIR=$ZONECTL_ROOT.ctr
	mkdir -p "$CTR_DIR"
	printf 'version = 2\nroot = "%s/root"\nstate = "%s/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s/c.sock"\n' \
		"$CTR_DIR" "$CTR_DIR" "$CTR_DIR" >"$CTR_DIR/config.toml"
	containerd --config "$CTR_DIR/config.toml" >"$CTR_DIR/log" 2>&1 &
	CTR_PID=$!
	trap 'kill $CTR_PID 2>/dev/null; wait $CTR_PID 2>/dev/null || true; rmdir /run/containerd/fifo /run/containerd/s /run/containerd 2>/dev/null || true' EXIT
	for _ in $(seq 50); do [ -S "$CTR_DIR/c.sock" ] && break; sleep 0.1; done
	# a failed test leaves containers and their shims: gone with the test
	at_cleanup bash -c 'for z in $(ls "$1/default/zones" 2>/dev/null); do "$2" --root "$1/default" delete --force "$z"; done; pkill -f -- "-address $3\$"; sleep 0.5; rmdir /run/containerd/fifo /run/containerd/s /run/containerd 2>/dev/null; true' \
		_ "$ZONECTL_ROOT" "$ZONECTL" "$CTR_DIR/c.sock"
}

# ctr with zonectl as its runc (the shim appends the namespace, "default",
# to --runc-root)
zctr() { timeout 60 ctr -a "$CTR_DIR/c.sock" "$@"; }
# ctr run with a bare rootfs and zonectl as the runc
zctr_run() { zctr run --rootfs --runc-binary "$ZONECTL" --runc-root "$ZONECTL_ROOT" "$@"; }
task_pid() { zctr task ls | awk -v t="$1" '$1 == t {print $2}'; }

# The state root's defaults.json: `run` and CI jobs get the default
# network (a bridge, NAT, DNS) as users' do, but on a bridge of the
# test's own in 198.18.0.0/15, so nothing lands in the host's ranges.
# Tests that need other defaults overwrite the file.
default_net_of_tests() {
	T_BRIDGE=ztd$$
	printf '{"net": {"bridge": "%s", "subnet": "198.18.201.0/24"}}\n' "$T_BRIDGE" \
		>"$ZONECTL_ROOT/defaults.json"
}

run_tests() {
	local t rc tests
	tests=$(declare -F | awk '{print $3}' | grep '^test_')
	for t in $tests; do
		if ! filtered_in "$t" "${BASH_SOURCE[1]}"; then
			continue
		fi
		ZONECTL_ROOT=$(mktemp -d /tmp/zt.XXXXXX)
		T_SKIP=$ZONECTL_ROOT.skip
		T_CLEANUP=$ZONECTL_ROOT.cleanup
		local out=$ZONECTL_ROOT.out
		default_net_of_tests
		(set -e; "$t") >"$out" 2>&1
		rc=$?
		cleanup_zones
		[ -e "$T_CLEANUP" ] && bash "$T_CLEANUP" >/dev/null 2>&1
		if ip link show "$T_BRIDGE" >/dev/null 2>&1; then
			ip link del "$T_BRIDGE"
			[ $rc -eq 0 ] && rc=1 && echo "  the default bridge $T_BRIDGE outlived the test's zones" >>"$out"
		fi
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
