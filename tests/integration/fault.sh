#!/bin/bash
# Faults injected at every named step of create, boot, login, halt and
# delete, and of the OCI create, start and delete (ZONECTL_FAULT=STEP:
# the process reaching the step dies by SIGKILL, zonectl or the zone's
# monitor), then the next command must find
# the zone consistent and nothing leaked: no process, mount, cgroup, link,
# state or lock file. And a host "reboot": every zone process gone, the
# state root kept.
. "$(dirname "$0")/lib.sh"

BR=ztf$$
NET=198.18.78

mk() { z create "$1" --net "type=bridge,bridge=$BR,address=$NET.${2:-2}/24,gateway=$NET.1"; }
host_link_of() { z net -o json "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["nics"][0]["host_link"])'; }

# with_fault STEP CMD...: CMD (or its monitor) must reach STEP and die.
with_fault() {
	local step=$1 rc out
	shift
	set +e
	rm -f "$ZONECTL_ROOT.fault"
	out=$(ZONECTL_FAULT=$step ZONECTL_FAULT_LOG=$ZONECTL_ROOT.fault "$@" 2>&1)
	rc=$?
	set -e
	grep -qx "$step" "$ZONECTL_ROOT.fault" 2>/dev/null || fail "$step: never reached by $*: $out"
	[ $rc -ne 0 ] || fail "$step: the command survived its fault: $out"
	[ $rc -eq 137 ] || [[ $out == *"monitor died"* ]] || [[ $out == *"status 137"* ]] || [ $rc -eq 1 ] ||
		fail "$step: unexpected exit $rc: $out"
}

# Nothing of zone $1 outside its config: no run dir, cgroup, process,
# host link, bridge, scratch dir or lock of a zone that is gone.
assert_clean() {
	local name=$1 link=${2:-}
	assert_no_leaks "$name"
	[ -z "$link" ] || ! ip link show "$link" >/dev/null 2>&1 || fail "host link $link left"
	! ip link show $BR >/dev/null 2>&1 || fail "bridge $BR left"
	left=$(ls -A "$ZONECTL_ROOT/zones" | grep '^\.' || true)
	[ -z "$left" ] || fail "scratch entries left: $left"
	if [ ! -d "$ZONECTL_ROOT/zones/$name" ] && [ -e "$ZONECTL_ROOT/run/.locks/$name" ]; then
		fail "lock of deleted zone $name left"
	fi
}

# The zone works end to end after the fault.
assert_usable() {
	z boot "$1"
	[ "$(z login "$1" -- echo alive)" = alive ] || fail "$1 does not answer after repair"
	z halt "$1"
}

test_faults_in_create() {
	for step in create:dir-made create:config-written create:installed create:renamed; do
		with_fault $step z create fc
		z list >/dev/null # sweeps what the killed create left
		assert_clean fc
		if [ $step = create:renamed ]; then
			[ "$(state_of fc)" = installed ] || fail "$step: zone missing: $(z list)"
		else
			[ ! -e "$(zone_dir fc)" ] || fail "$step: half a zone is visible"
			z create fc
		fi
		assert_usable fc
		z delete fc
		assert_clean fc
	done
}

test_faults_in_boot() {
	for step in boot:recorded boot:cgroups-made boot:init-cloned boot:net-made boot:released boot:running; do
		mk fb
		with_fault $step z boot fb
		[ "$(state_of fb)" = installed ] || fail "$step: state after repair: $(state_of fb)"
		assert_clean fb
		assert_usable fb
		z delete fb
		assert_clean fb
	done
}

test_faults_in_halt() {
	local monitor_env
	for step in halt:recorded halt:signalled halt:init-gone halt:cgroups-gone halt:net-gone; do
		mk fh
		rm -f "$ZONECTL_ROOT.fault"
		# the monitor's steps: it has the environment of the boot
		monitor_env=()
		[[ $step == halt:recorded || $step == halt:signalled ]] ||
			monitor_env=(ZONECTL_FAULT=$step ZONECTL_FAULT_LOG=$ZONECTL_ROOT.fault)
		env "${monitor_env[@]}" "$ZONECTL" boot fh
		link=$(host_link_of fh)
		set +e
		ZONECTL_FAULT=$step ZONECTL_FAULT_LOG=$ZONECTL_ROOT.fault z halt fh >/dev/null 2>&1
		set -e
		grep -qx "$step" "$ZONECTL_ROOT.fault" || fail "$step: never reached"
		# whatever died, the next halt (or the repair in any command) ends it
		[ "$(state_of fh)" = installed ] || z halt fh
		[ "$(state_of fh)" = installed ] || fail "$step: state: $(state_of fh)"
		assert_clean fh "$link"
		assert_usable fh
		z delete fh
		assert_clean fh
	done
}

test_faults_in_login() {
	mk fl
	z boot fl
	init=$(init_pid_of fl)
	for step in login:opened login:joined; do
		with_fault $step z login fl -- sleep 30
		[ "$(state_of fl)" = running ] && [ "$(init_pid_of fl)" = "$init" ] ||
			fail "$step: the zone did not survive a killed login"
		sleep 0.2
		procs=$(z login fl -- ps -e -o comm= | grep -cv '^ps$' || true)
		[ "$procs" = 1 ] || fail "$step: stray processes in the zone: $(z login fl -- ps -e -o pid=,comm=)"
	done
	z halt fl
	z delete fl
	assert_clean fl
}

test_faults_in_delete() {
	for step in delete:renamed delete:removed; do
		z create fd
		with_fault $step z delete fd
		z list >/dev/null
		[ ! -e "$(zone_dir fd)" ] || fail "$step: zone still there"
		assert_clean fd
	done
}


test_faults_in_oci_create_start_delete() {
	b=$ZONECTL_ROOT.b
	make_oci_bundle "$b" sleep 1000
	for step in create:config-written create:renamed boot:cgroups-made boot:running create:ready \
		start:released delete:stopped delete:renamed; do
		rm -f "$ZONECTL_ROOT.fault"
		export ZONECTL_FAULT=$step ZONECTL_FAULT_LOG=$ZONECTL_ROOT.fault
		set +e
		"$ZONECTL" create --bundle "$b" fo >/dev/null 2>&1 &&
			"$ZONECTL" start fo >/dev/null 2>&1 && "$ZONECTL" delete --force fo >/dev/null 2>&1
		set -e
		unset ZONECTL_FAULT ZONECTL_FAULT_LOG
		grep -qx "$step" "$ZONECTL_ROOT.fault" || fail "$step: never reached"
		# the runtime's client (podman, conmon) then deletes by force
		z delete --force fo >/dev/null 2>&1 || true
		z list >/dev/null
		[ ! -e "$(zone_dir fo)" ] || fail "$step: container still there after delete --force"
		assert_clean fo
		# and the id works again
		z create --bundle "$b" fo
		z start fo
		z delete --force fo
		assert_clean fo
	done
}

test_host_reboot_recovers_every_zone() {
	for i in 1 2 3; do
		mk fr$i $((10 + i))
		z boot fr$i
	done
	links=$(for i in 1 2 3; do host_link_of fr$i; done)
	# every process of every zone gone at once, as in a power cut ...
	for i in 1 2 3; do
		st="$ZONECTL_ROOT/run/fr$i/state.json"
		kill -9 "$(sed -n 's/.*"monitor_pid": \([0-9]*\).*/\1/p' "$st")" "$(init_pid_of fr$i)"
	done
	# ... and the state root comes back under another boot id
	sed -i 's/"boot_id": "[^"]*"/"boot_id": "00000000-0000-0000-0000-000000000000"/' \
		"$ZONECTL_ROOT"/run/fr*/state.json
	sleep 0.3
	out=$(z list 2>&1)
	[ "$(echo "$out" | grep -c 'the host rebooted')" = 3 ] || fail "no reboot notice for each zone: $out"
	for i in 1 2 3; do
		[ "$(state_of fr$i)" = installed ] || fail "fr$i: $(state_of fr$i)"
	done
	for l in $links; do
		! ip link show "$l" >/dev/null 2>&1 || fail "link $l left after the reboot"
	done
	for i in 1 2 3; do
		assert_clean fr$i
		assert_usable fr$i
	done
}

run_tests
