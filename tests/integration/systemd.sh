#!/bin/bash
# A host run by systemd (the systemd test VM, tests/vm/run-systemd): each
# zone a transient scope in a slice with its cgroups delegated below it,
# a machine of systemd-machined, stopped by machinectl as by zonectl, no
# unit left behind; podman's default (systemd) cgroup manager; the bad
# input of the systemd driver. Skips where systemd is not PID 1.
. "$(dirname "$0")/lib.sh"

CG=/sys/fs/cgroup

need_systemd() {
	[ -e /run/systemd/system ] || skip "systemd is not this host's init (the systemd VM runs these)"
	[ "$(stat -fc %T $CG)" = cgroup2fs ] || skip "not a cgroup v2 host"
}

prop() { systemctl show -P "$2" "$1"; }

# no_unit UNIT: systemd has forgotten UNIT (collected, not failed or
# abandoned); a moment may pass after the last process is gone.
no_unit() {
	local i left
	for i in $(seq 50); do
		left=$(systemctl list-units --all --no-legend "$1")
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	fail "unit left behind: $left"
}

# wait_state ZONE STATE: the zone reaches STATE within 10 s
wait_state() {
	local i
	for i in $(seq 100); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "zone $1 is $(state_of "$1"), not $2"
}

test_zone_is_a_scope_with_its_cgroups_below() {
	need_systemd
	z create sd1
	z boot sd1
	z login sd1 -- true
	u=zonectl-sd1.scope
	[ "$(prop $u ActiveState)" = active ] || fail "$u: $(prop $u ActiveState)"
	[ "$(prop $u Slice)" = machine.slice ] || fail "$u in $(prop $u Slice)"
	[ "$(prop $u Delegate)" = yes ] || fail "$u not delegated"
	pid=$(init_pid_of sd1)
	grep -qx "0::/machine.slice/$u/zonectl/sd1" /proc/$pid/cgroup || fail "zone's cgroup: $(cat /proc/$pid/cgroup)"
	# the monitor in a leaf of its own, beside the zone's
	grep -qx "0::/machine.slice/$u/zonectl.monitor" /proc/"$(monitor_of sd1)"/cgroup ||
		fail "monitor's cgroup: $(cat /proc/"$(monitor_of sd1)"/cgroup)"
	# limits on the delegated cgroup, live; nothing of the scope's written
	z set sd1 memory=64M,processes=50
	[ "$(cat $CG/machine.slice/$u/zonectl/sd1/memory.max)" = 67108864 ] || fail "memory.max"
	[ "$(cat $CG/machine.slice/$u/zonectl/sd1/pids.max)" = 50 ] || fail "pids.max"
	[ "$(cat $CG/machine.slice/$u/memory.max)" = max ] || fail "the scope's memory.max was written"
	systemctl status $u | grep -q "zonectl zone sd1" || fail "systemctl status: $(systemctl status $u)"
	z halt sd1
	no_unit $u
	assert_no_leaks sd1
}

test_machinectl_lists_poweroffs_and_terminates_the_zone() {
	need_systemd
	command -v machinectl >/dev/null || skip "no machinectl (systemd-container)"
	z create sd_2
	z boot sd_2
	# '_' is not in a host name: machined knows the zone as sd-2
	line=$(machinectl list --no-legend | grep '^sd-2 ') || fail "machinectl list: $(machinectl list)"
	[[ $line == *container*zonectl* ]] || fail "machinectl list: $line"
	[ "$(machinectl show -p Leader --value sd-2)" = "$(init_pid_of sd_2)" ] || fail "leader $(machinectl show -p Leader --value sd-2)"
	[ "$(machinectl show -p RootDirectory --value sd-2)" = "$(zone_dir sd_2)/root" ] || fail "root $(machinectl show -p RootDirectory --value sd-2)"
	machinectl status sd-2 | grep -q "zonectl-sd_2.scope" || fail "machinectl status: $(machinectl status sd-2)"
	# poweroff: SIGRTMIN+4 to the zone's init, an orderly halt
	machinectl poweroff sd-2
	wait_state sd_2 installed
	no_unit zonectl-sd_2.scope
	# terminate: systemd stops the scope, SIGTERM to every process in
	# it, monitor included; the zone is halted and consistent
	z boot sd_2
	machinectl terminate sd-2
	wait_state sd_2 installed
	no_unit zonectl-sd_2.scope
	assert_no_leaks sd_2
	z boot sd_2
	z login sd_2 -- true
	z delete -f sd_2
	no_unit zonectl-sd_2.scope
	[ -z "$(machinectl list --no-legend | grep '^sd-2 ')" ] || fail "machine left: $(machinectl list)"
}

test_killed_monitor_leaves_no_unit() {
	need_systemd
	z create sd3
	z boot sd3
	mon=$(monitor_of sd3)
	[ -n "$mon" ] || fail "no monitor pid"
	kill -9 "$mon"
	wait_state sd3 installed
	no_unit zonectl-sd3.scope
	assert_no_leaks sd3
}

test_boot_from_a_session_and_from_a_service_outlives_them() {
	need_systemd
	z create sd4
	z create sd5
	# an ssh login's scope, which ends when the session does
	systemd-run --scope -q --slice=user.slice --unit=zt-sess-$$ "$ZONECTL" boot sd4
	# a service (a CI runner's): the zone outlives it
	systemd-run --wait -q --collect -p Type=oneshot --unit=zt-svc-$$ \
		--setenv=ZONECTL_ROOT="$ZONECTL_ROOT" "$ZONECTL" boot sd5
	no_unit zt-svc-$$.service
	no_unit zt-sess-$$.scope
	[ "$(state_of sd4)" = running ] || fail "sd4: $(state_of sd4)"
	[ "$(state_of sd5)" = running ] || fail "sd5 did not outlive its service: $(state_of sd5)"
	grep -q "^0::/machine.slice/zonectl-sd5.scope/" /proc/"$(init_pid_of sd5)"/cgroup || fail "sd5: $(cat /proc/"$(init_pid_of sd5)"/cgroup)"
	z halt sd4
	z halt sd5
	no_unit 'zonectl-sd[45].scope'
}

test_cgroup_parent_names_the_slice() {
	need_systemd
	z create sd6
	z --cgroup-parent zt-test.slice boot sd6
	[ "$(prop zonectl-sd6.scope Slice)" = zt-test.slice ] || fail "slice: $(prop zonectl-sd6.scope Slice)"
	z halt sd6
	no_unit zonectl-sd6.scope
	systemctl stop zt-test.slice 2>/dev/null || true
}

test_systemd_bad_input_makes_nothing() {
	need_systemd
	z create sd7
	expect_fail "zone sd7: .*zt/bad. is not a valid slice name" z --cgroup-parent zt/bad boot sd7
	[ "$(state_of sd7)" = installed ] || fail "state after a bad slice: $(state_of sd7)"
	# a scope of that name already exists: say so, make nothing
	systemd-run --scope -q --unit=zonectl-sd7 sleep 1000 &
	holder=$!
	for i in $(seq 50); do [ "$(prop zonectl-sd7.scope ActiveState)" = active ] && break; sleep 0.1; done
	expect_fail "zone sd7: .*zonectl-sd7.scope.*(exists|already)" z boot sd7
	[ "$(state_of sd7)" = installed ] || fail "state after a taken scope: $(state_of sd7)"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	no_unit zonectl-sd7.scope
	assert_no_leaks sd7
	# the cgroupfs driver on a systemd host, from a cgroup not delegated
	expect_fail "zone sd7: .*systemd's.*--cgroup-manager systemd" \
		systemd-run --scope -q --slice=user.slice "$ZONECTL" --root "$ZONECTL_ROOT" --cgroup-manager cgroupfs boot sd7
	[ "$(state_of sd7)" = installed ] || fail "state after cgroupfs: $(state_of sd7)"
	expect_fail "--cgroup-manager .bogus.: systemd or cgroupfs" z --cgroup-manager bogus boot sd7
	assert_no_leaks sd7
}

# podman as installed, its defaults (the systemd cgroup manager, its
# storage and network), zonectl the runtime.
test_podman_defaults_with_the_systemd_driver() {
	need_systemd
	command -v podman >/dev/null || skip "podman is not installed"
	B=$ZONECTL_ROOT.b
	make_oci_bundle "$B" true
	at_cleanup rm -rf "$B"
	out=$(podman --runtime "$ZONECTL" run --rm --rootfs "$B/rootfs" sh -c 'echo hi; cat /proc/self/cgroup') ||
		fail "podman run: $out"
	[[ $out == hi* ]] || fail "podman run: $out"
	[[ $out == *"0::/"* ]] || fail "cgroup: $out"
	# limits in the container's scope, seen inside
	out=$(podman --runtime "$ZONECTL" run --rm --network none --memory 64m --cpus 0.5 --pids-limit 77 \
		--rootfs "$B/rootfs" sh -c 'cd /sys/fs/cgroup; cat memory.max cpu.max pids.max')
	[ "$out" = "$(printf '67108864\n50000 100000\n77')" ] || fail "limits seen inside: $out"
	id=$(podman --runtime "$ZONECTL" run -d --network none --rootfs "$B/rootfs" sleep 1000)
	at_cleanup podman rm -f -t 0 "$id"
	[ "$(prop libpod-$id.scope ActiveState)" = active ] || fail "libpod-$id.scope: $(prop libpod-$id.scope ActiveState)"
	[ "$(prop libpod-$id.scope Slice)" = machine.slice ] || fail "slice: $(prop libpod-$id.scope Slice)"
	[ "$(podman exec "$id" sh -c 'echo $((6*7))')" = 42 ] || fail "exec"
	podman stop -t 1 "$id" >/dev/null
	podman rm "$id" >/dev/null
	no_unit "libpod-$id.scope"
}

# containerd with kubelet's systemd cgroup driver: cgroupsPath
# slice:prefix:name is the scope prefix-name.scope in slice.
test_containerd_with_the_systemd_cgroup_form() {
	need_systemd
	start_containerd
	make_oci_bundle "$CTR_DIR/b" true
	zctr_run -d --null-io --runc-systemd-cgroup --cgroup machine.slice:ztpod:c1 "$CTR_DIR/b/rootfs" c1 sleep 1000 >/dev/null ||
		fail "ctr run: $(tail -3 "$CTR_DIR/log")"
	[ "$(prop ztpod-c1.scope ActiveState)" = active ] || fail "ztpod-c1.scope: $(prop ztpod-c1.scope ActiveState)"
	[ "$(prop ztpod-c1.scope Slice)" = machine.slice ] || fail "slice: $(prop ztpod-c1.scope Slice)"
	grep -q "machine.slice/ztpod-c1.scope" /proc/"$(task_pid c1)"/cgroup || fail "cgroup: $(cat /proc/"$(task_pid c1)"/cgroup)"
	zctr task kill -s KILL c1
	for _ in $(seq 50); do zctr task ls | grep -q '^c1 .*RUNNING' || break; sleep 0.1; done
	zctr task delete c1 >/dev/null 2>&1 || true # exits with the task's status (137)
	zctr container delete c1
	no_unit ztpod-c1.scope
}

run_tests
