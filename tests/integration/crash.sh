#!/bin/bash
# Crashes: the monitor or zonectl killed with -9; stale state after a host
# "reboot". The next command repairs, says so, and nothing leaks.
. "$(dirname "$0")/lib.sh"


test_kill_monitor_then_next_command_repairs() {
	z create km1
	z boot km1
	mon=$(monitor_of km1)
	init=$(init_pid_of km1)
	kill -9 "$mon"
	for i in $(seq 50); do kill -0 "$init" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$init" 2>/dev/null && fail "init $init survived its monitor"
	out=$(z list km1 2>&1)
	grep -q 'zone km1: was running but its monitor' <<<"$out" || fail "no repair notice: $out"
	[ "$(state_of km1)" = installed ] || fail "state: $(state_of km1)"
	assert_no_leaks km1
	z boot km1
	[ "$(z login km1 -- echo back)" = back ] || fail "zone does not boot again"
}

test_kill_zonectl_during_boot_leaves_a_consistent_zone() {
	z create kb1
	for delay in 0 0.002 0.005 0.01 0.02 0.05; do
		"$ZONECTL" boot kb1 & pid=$!
		sleep $delay
		kill -9 $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
		s=$(state_of kb1)
		case $s in
		running) z login kb1 -- true || fail "running zone does not answer (delay $delay)"
			 z halt kb1 ;;
		installed|booting) ;;
		*) fail "state $s after kill at $delay" ;;
		esac
		for i in $(seq 50); do [ "$(state_of kb1)" != booting ] && break; sleep 0.1; done
		[ "$(state_of kb1)" = running ] && z halt kb1
		[ "$(state_of kb1)" = installed ] || fail "not installed at delay $delay: $(state_of kb1)"
		assert_no_leaks kb1
	done
}

test_stale_state_after_host_reboot_is_repaired() {
	z create sr1
	z boot sr1
	mon=$(monitor_of sr1)
	# Simulate a reboot: every process gone, /run kept, boot id changed.
	st="$ZONECTL_ROOT/run/sr1/state.json"
	cp "$st" "$ZONECTL_ROOT.keep"
	z halt sr1
	mkdir -p "$(dirname "$st")"
	sed 's/"boot_id": "[^"]*"/"boot_id": "00000000-dead-beef-0000-000000000000"/' "$ZONECTL_ROOT.keep" >"$st"
	rm -f "$ZONECTL_ROOT.keep"
	out=$(z list sr1 2>&1)
	grep -q 'the host rebooted' <<<"$out" || fail "no repair notice: $out"
	[ "$(state_of sr1)" = installed ] || fail "state: $(state_of sr1)"
	z boot sr1
	assert_no_leaks nonexistent
}

test_kill_monitor_during_halt() {
	z create kh1
	z boot kh1
	z login kh1 -- sh -c 'trap "" TERM; sleep 1000 >/dev/null 2>&1 &'
	mon=$(monitor_of kh1)
	"$ZONECTL" halt -t 5 kh1 & h=$!
	sleep 0.2
	kill -9 "$mon" 2>/dev/null || true
	wait $h || true
	z list kh1 >/dev/null 2>&1
	[ "$(state_of kh1)" = installed ] || fail "state: $(state_of kh1)"
	assert_no_leaks kh1
}

test_cgroup_v2_only_host() {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || skip "no cgroup v2-only host"
	z create v2a
	z boot v2a
	z halt v2a
	assert_no_leaks v2a
}

run_tests
