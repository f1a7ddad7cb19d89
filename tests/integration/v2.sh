#!/bin/bash
# A cgroup v2 host without systemd, as users run them: zones from a login
# session's cgroup and from a service's (both hold processes), where their
# cgroups go, --cgroup-parent's rules, the zone's own cgroup2 inside it,
# and the /proc view on Debian 12's kernel. Runs in the v2 test VM
# (tests/vm); skips elsewhere.
. "$(dirname "$0")/lib.sh"

CG=/sys/fs/cgroup

need_v2() {
	[ "$(stat -fc %T $CG)" = cgroup2fs ] || skip "not a cgroup v2 host"
	[ ! -e /run/systemd/system ] || skip "a systemd host places zones by its own rules"
}

# in_cgroup DIR CMD...: CMD from a (new) cgroup DIR below the root, which
# keeps holding a process of its own (a sleep), as a session or a service
# does; the directory is left for the caller to remove.
in_cgroup() {
	local dir=$CG$1
	shift
	mkdir -p "$dir"
	(
		echo $BASHPID >"$dir/cgroup.procs"
		sleep 1000 &
		keeper=$!
		"$@"
		rc=$?
		kill $keeper
		exit $rc
	)
}

# remount_cgroup2 OPTS: the hierarchy's options exactly (mount(8) would
# keep the old ones, nsdelegate among them).
REMOUNT='import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.mount(None, b"/sys/fs/cgroup", None, 32 | 2 | 4 | 8, sys.argv[1].encode()) < 0:
    sys.exit("remount: errno %d" % ctypes.get_errno())'
remount_cgroup2() { python3 -c "$REMOUNT" "$1"; }

test_zone_from_a_login_sessions_cgroup() {
	need_v2
	session=/user.slice/user-0.slice/session-9.scope
	at_cleanup rmdir $CG$session
	in_cgroup $session sh -c "
		'$ZONECTL' create z1 && '$ZONECTL' boot z1 && '$ZONECTL' login z1 -- true" ||
		fail "create, boot, login from $session"
	pid=$(init_pid_of z1)
	grep -qx "0::/zonectl/z1" /proc/$pid/cgroup || fail "zone's cgroup: $(cat /proc/$pid/cgroup)"
	[ -z "$(cat $CG$session/cgroup.subtree_control)" ] || fail "the session's cgroup was changed"
	for c in cpu memory pids io; do
		grep -qw $c $CG/zonectl/z1/cgroup.controllers || fail "no $c for the zone: $(cat $CG/zonectl/z1/cgroup.controllers)"
	done
	z halt z1
	[ ! -e $CG/zonectl ] || fail "zonectl/ left after the last zone: $(ls $CG/zonectl)"
}

test_run_rm_from_a_services_cgroup() {
	need_v2
	service=/system.slice/runner.service
	at_cleanup rmdir $CG$service $CG/system.slice
	out=$(in_cgroup $service "$ZONECTL" run --rm --set memory=64M -- sh -c 'cat /sys/fs/cgroup/memory.max')
	[ "$out" = $((64 << 20)) ] || fail "run --rm from $service: $out"
	[ ! -e $CG/zonectl ] || fail "zonectl/ left: $(ls $CG/zonectl)"
}

# --cgroup-parent: each bad one is named, before anything is made.
test_bad_cgroup_parent_is_named_and_nothing_is_made() {
	need_v2
	z create p1
	expect_fail "cgroup parent /nowhere does not exist" z --cgroup-parent /nowhere boot p1
	expect_fail "must be an absolute path" z --cgroup-parent nowhere boot p1
	expect_fail "must be an absolute path without . or .." z --cgroup-parent /a/../b boot p1
	mkdir -p $CG/zt-busy $CG/zt-dom/t
	at_cleanup rmdir $CG/zt-dom/t $CG/zt-dom $CG/zt-busy
	sleep 1000 &
	sleeper=$!
	at_cleanup kill $sleeper
	echo $sleeper >$CG/zt-busy/cgroup.procs
	expect_fail "zone p1: cgroup parent /zt-busy holds processes" z --cgroup-parent /zt-busy boot p1
	kill $sleeper
	wait $sleeper 2>/dev/null || true
	echo threaded >$CG/zt-dom/t/cgroup.type
	expect_fail "zone p1: cgroup parent /zt-dom/t is of type \"threaded\"" z --cgroup-parent /zt-dom/t boot p1
	[ "$(state_of p1)" = installed ] || fail "state: $(state_of p1)"
	[ ! -e $CG/zt-busy/zonectl ] && [ ! -e $CG/zt-dom/t/zonectl ] && [ ! -e $CG/zonectl ] ||
		fail "a cgroup was made"
	assert_no_leaks p1
}

# A parent of someone else's: zonectl enables nothing in it; a limit whose
# controller it does not pass down is an error that names both.
test_cgroup_parent_controllers_are_its_owners() {
	need_v2
	mkdir -p $CG/machine.slice
	at_cleanup rmdir $CG/machine.slice
	echo "+memory +pids" >$CG/machine.slice/cgroup.subtree_control
	echo /machine.slice >"$ZONECTL_ROOT/cgroup-parent"
	z create m1 --set memory=64M,processes=40
	z boot m1
	[ "$(cat $CG/machine.slice/zonectl/m1/memory.max)" = $((64 << 20)) ] || fail "memory.max"
	[ "$(cat $CG/machine.slice/zonectl/m1/pids.max)" = 40 ] || fail "pids.max"
	[ "$(cat $CG/machine.slice/cgroup.subtree_control)" = "memory pids" ] ||
		fail "the parent's controllers changed: $(cat $CG/machine.slice/cgroup.subtree_control)"
	expect_fail "zone m1: .*cpu-cap=.* needs the cgroup2 cpu controller.*parent /machine.slice" \
		z set m1 cpu-cap=50
	z stat m1 >/dev/null
	z halt m1
	z create m2 --set cpu-cap=50
	expect_fail "zone m2: .*cpu controller.*/machine.slice" z boot m2
	[ "$(state_of m2)" = installed ] || fail "m2: $(state_of m2)"
	assert_no_leaks m2
}

# The zone's /sys/fs/cgroup is its own cgroup2 (its namespace's root), and
# read-only: its limits stay, with nsdelegate on the host's mount or not.
test_zone_sees_its_own_cgroup2_and_cannot_change_its_limits() {
	need_v2
	z create c1 --set memory=96M
	add_probe c1
	z boot c1
	inside=$(z login c1 -- sh -c 'stat -fc %T /sys/fs/cgroup; cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max')
	[ "$inside" = "cgroup2fs
0::/
$((96 << 20))" ] || fail "the zone's cgroup2: $inside"
	# nsdelegate is the hierarchy's: a remount with or without it flips it
	nsd=$(grep -c " $CG .*nsdelegate" /proc/self/mountinfo || true)
	at_cleanup python3 -c "$REMOUNT" "$([ "$nsd" = 0 ] || echo nsdelegate)"
	for mode in as-is flipped; do
		z login c1 -- sh -c 'echo max >/sys/fs/cgroup/memory.max' 2>/dev/null &&
			fail "memory.max written from inside ($mode)"
		[ "$(cat $CG/zonectl/c1/memory.max)" = $((96 << 20)) ] || fail "limit changed ($mode)"
		r=$(z login c1 -- /root/zprobe mount-cgroup)
		[ "$r" != ok ] || fail "cgroup2 mountable inside ($mode)"
		if [ "$mode" = as-is ]; then
			if [ "$nsd" = 0 ]; then remount_cgroup2 nsdelegate; else remount_cgroup2 ""; fi
			now=$(grep -c " $CG .*nsdelegate" /proc/self/mountinfo || true)
			[ "$now" != "$nsd" ] || fail "nsdelegate did not flip"
		fi
	done
}

# Debian 12's kernel (6.1) has no MOVE_MOUNT_BENEATH: the view is stacked
# instead, and must stay current, for a minute, through a live change.
test_proc_view_stays_current_for_a_minute() {
	need_v2
	z create v1 --set memory=200M
	z boot v1
	prev=0
	for i in $(seq 12); do
		[ $i = 6 ] && z set v1 memory=300M
		sleep 5
		up=$(z login v1 -- cut -d' ' -f1 /proc/uptime)
		total=$(z login v1 -- sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
		python3 -c "import sys; sys.exit(0 if float('$up') > float('$prev') + 3 else 1)" ||
			fail "uptime did not move in 5 s: $prev -> $up (round $i)"
		want=$((i < 6 ? 200 * 1024 : 300 * 1024))
		[ "$total" = $want ] || fail "MemTotal $total kB, not $want (round $i)"
		prev=$up
	done
	n=$(grep -c ' /proc/meminfo ' /proc/$(init_pid_of v1)/mountinfo)
	[ "$n" -le 2 ] || fail "$n mounts stacked on /proc/meminfo"
}

run_tests
