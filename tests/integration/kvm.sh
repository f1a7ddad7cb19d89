#!/bin/bash
# kvm zones: a guest (Debian's kernel and a busybox initramfs, built once by
# tests/kvm/build-guest) run by qemu confined in a zone. These tests run the
# guest under TCG (accel=tcg): this machine's /dev/kvm is an emulator-only
# KVM (kvm_pvm) on which guest kernels do not boot in useful time.
# Skips when qemu-system-x86 is not installed or the guest cannot be built.
. "$(dirname "$0")/lib.sh"

QEMU=/usr/bin/qemu-system-x86_64
BUILD_GUEST=$PWD/tests/kvm/build-guest

guest_dir() {
	[ -x $QEMU ] || skip "qemu-system-x86 is not installed"
	GUEST=$("$BUILD_GUEST" 2>/dev/null) || skip "the test guest could not be built (tests/kvm/build-guest)"
}

kvm_zone() { # NAME [more create args]
	local name=$1
	shift
	guest_dir
	z create "$name" --brand kvm --kvm "kernel=$GUEST/vmlinux,initrd=$GUEST/initrd.img,mem=128M,accel=tcg,cmdline=quiet" "$@"
}

BR=ztk$$             # a bridge zonectl makes and removes
NET=198.18.93

net_json() { z net -o json "$1"; }
nic_field() { net_json "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["nics"][0][sys.argv[1]])' "$2"; }

console_log() { echo "$ZONECTL_ROOT/run/$1/console.log"; }

# wait_console NAME TEXT [SECONDS]: until the zone's console shows TEXT.
wait_console() {
	local i
	for ((i = 0; i < ${3:-60} * 5; i++)); do
		grep -aq "$2" "$(console_log "$1")" 2>/dev/null && return 0
		sleep 0.2
	done
	fail "no '$2' on $1's console in ${3:-60}s: $(tail -c 600 "$(console_log "$1")" 2>/dev/null | tr -d '\r')"
}

wait_state() { # NAME STATE
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "zone $1 is $(state_of "$1"), not $2"
}

# record_console NAME: the zone's console from now on, into
# $ZONECTL_ROOT.console (console.log goes with the run directory at halt);
# stop_recording ends it.
record_console() {
	tail -f "$(console_log "$1")" >"$ZONECTL_ROOT.console" 2>/dev/null &
	RECORDER=$!
}
stop_recording() { kill "$RECORDER"; }

# Types a line on the zone's console (console.sock relays to the serial port).
console_type() {
	/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\r"); time.sleep(0.5)' "$ZONECTL_ROOT/run/$1/console.sock" "$2"
}

test_tcg_guest_boots_and_prints_its_marker_on_the_console() {
	kvm_zone kvb1
	z boot kvb1
	wait_console kvb1 ZGUEST-READY
	[ "$(z login kvb1 -- cat /proc/1/comm)" = qemu-system-x86 ] || fail "the zone's init is not qemu"
	z halt kvb1
	assert_no_leaks kvb1
}

test_halt_powers_the_tcg_guest_down_over_qmp() {
	kvm_zone kvh1
	z boot kvh1
	wait_console kvh1 ZGUEST-READY
	record_console kvh1
	z halt kvh1
	sleep 0.3
	stop_recording
	grep -aq ZGUEST-POWEROFF "$ZONECTL_ROOT.console" || fail "the guest was not powered down: $(tail -c 300 "$ZONECTL_ROOT.console")"
	[ "$(state_of kvh1)" = installed ] || fail "not installed after halt"
	assert_no_leaks kvh1
}

test_tcg_guest_that_powers_off_halts_the_zone() {
	kvm_zone kvp1
	z boot kvp1
	wait_console kvp1 ZGUEST-READY
	console_type kvp1 "poweroff -f"
	wait_state kvp1 installed
	assert_no_leaks kvp1
}

# The zone's resource controls are the VM's: its cgroup holds qemu and
# the vCPU threads, so stat counts the guest and a cap applies live.
test_stat_counts_the_tcg_guest_and_caps_apply_to_it() {
	kvm_zone kvr1 --set memory=400M,cpu-shares=50
	z boot kvr1
	wait_console kvr1 ZGUEST-READY
	stat_of() { z stat -o json kvr1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0][sys.argv[1]])' "$1"; }
	[ "$(stat_of memory_bytes)" -gt $((64 << 20)) ] || fail "the guest's memory is not the zone's: $(stat_of memory_bytes)"
	[ "$(stat_of memory_limit)" -eq $((400 << 20)) ] || fail "memory limit: $(stat_of memory_limit)"
	[ "$(stat_of cpu_usage_ns)" -gt 1000000000 ] || fail "the guest's boot did not count as the zone's CPU: $(stat_of cpu_usage_ns)"
	z set kvr1 cpu-cap=50
	[ "$(stat_of cpu_cap_percent)" = 50.0 ] || [ "$(stat_of cpu_cap_percent)" = 50 ] || fail "cap: $(stat_of cpu_cap_percent)"
	local threads
	threads=$(ls /proc/"$(init_pid_of kvr1)"/task | wc -l)
	[ "$(stat_of processes)" -ge "$threads" ] || fail "$(stat_of processes) tasks counted, qemu has $threads threads"
}

# qemu's "KVM internal error" (kvm_pvm meeting an instruction its emulator
# lacks) cannot be caused under TCG: the guest prints the words instead.
test_kvm_internal_error_on_the_console_halts_the_zone() {
	kvm_zone kvi1
	z boot kvi1
	wait_console kvi1 ZGUEST-READY
	record_console kvi1
	console_type kvi1 'echo "KVM internal e""rror. Suberror: 1"'
	wait_state kvi1 installed
	stop_recording
	grep -aq "zone kvi1: qemu: KVM internal error: halting the zone" "$ZONECTL_ROOT.console" ||
		fail "no message: $(tail -c 300 "$ZONECTL_ROOT.console")"
	assert_no_leaks kvi1
}

test_qemu_sees_only_its_zone_in_proc() {
	kvm_zone kvs1
	z boot kvs1
	local pids
	pids=$(z login kvs1 -- /bin/sh -c 'cd /proc && echo [0-9]*')
	# qemu (1), this shell, and nothing of the host's
	[ "$(echo $pids | wc -w)" -le 3 ] || fail "the zone sees processes: $pids"
	[ "$(z login kvs1 -- cat /proc/1/comm)" = qemu-system-x86 ] || fail "pid 1 is not qemu"
}

test_qemu_runs_without_capabilities_under_two_filters() {
	kvm_zone kvq1 --net "type=bridge,bridge=$BR,address=$NET.7/24"
	z boot kvq1
	wait_console kvq1 ZGUEST-READY
	local pid
	pid=$(init_pid_of kvq1)
	grep -q '^CapEff:	0000000000000000$' /proc/$pid/status || fail "qemu has capabilities: $(grep ^Cap /proc/$pid/status)"
	grep -q '^CapBnd:	0000000000000000$' /proc/$pid/status || fail "qemu's bounding set: $(grep ^CapBnd /proc/$pid/status)"
	grep -q '^NoNewPrivs:	1$' /proc/$pid/status || fail "no no_new_privs"
	grep -q '^Seccomp:	2$' /proc/$pid/status || fail "no seccomp filter"
	# ours, and qemu's own (-sandbox on) on top
	local n
	n=$(sed -n 's/^Seccomp_filters:	//p' /proc/$pid/status)
	[ -z "$n" ] || [ "$n" -ge 2 ] || fail "$n seccomp filter(s): qemu's -sandbox is missing"
}

test_qemu_cannot_reach_host_files_outside_its_root() {
	kvm_zone kvf1
	z boot kvf1
	z login kvf1 -- test -r /guest/kernel || fail "the guest's kernel is not in the zone"
	if z login kvf1 -- test -e "$GUEST/vmlinux"; then fail "the host's $GUEST is visible in the zone"; fi
	if z login kvf1 -- test -e "$ZONECTL_ROOT/zones/kvf1/config.json"; then fail "the state root is visible"; fi
	if z login kvf1 -- /bin/sh -c 'echo x >>/guest/kernel' 2>/dev/null; then fail "the guest's kernel is writable"; fi
	z login kvf1 -- /bin/sh -c 'ls /dev' | grep -qx kvm && fail "/dev/kvm is in a TCG zone"
	true
}

test_killing_qemu_leaves_no_cgroup_mount_or_process() {
	kvm_zone kvk1
	z boot kvk1
	wait_console kvk1 ZGUEST-READY
	kill -9 "$(init_pid_of kvk1)"
	wait_state kvk1 installed
	assert_no_leaks kvk1
	z boot kvk1
	wait_console kvk1 ZGUEST-READY
}

test_memory_cap_below_guest_ram_is_refused_at_boot() {
	guest_dir
	z create kvm1 --brand kvm --kvm "kernel=$GUEST/vmlinux,initrd=$GUEST/initrd.img,mem=256M,accel=tcg" --set memory=200M
	expect_fail 'zone kvm1: the memory cap 200M is smaller than the guest.s RAM 256M plus qemu.s overhead' z boot kvm1
	[ "$(state_of kvm1)" = installed ] || fail "not installed after a refused boot"
	assert_no_leaks kvm1
	z set kvm1 memory=600M
	z boot kvm1
}

test_emulator_only_kvm_falls_back_to_tcg_with_a_warning() {
	[ -e /sys/module/kvm_pvm ] || skip "/dev/kvm here is not kvm_pvm"
	guest_dir
	z create kva1 --brand kvm --kvm "kernel=$GUEST/vmlinux,initrd=$GUEST/initrd.img,mem=128M"
	out=$(z boot kva1 2>&1)
	# the module can be loaded with no /dev/kvm node (seen on this VM kind)
	if [ -c /dev/kvm ]; then
		[[ $out =~ emulator-only\ KVM.*TCG ]] || fail "no emulator warning: $out"
	else
		[[ $out =~ no\ usable\ /dev/kvm.*TCG ]] || fail "no missing-/dev/kvm warning: $out"
	fi
	z login kva1 -- /bin/sh -c 'ls /dev' | grep -qx kvm && fail "/dev/kvm given to a TCG guest"
	true
}

test_tcg_guest_answers_tcp_from_another_zone() {
	kvm_zone kvn1 --net "type=bridge,bridge=$BR,address=$NET.2/24,gateway=$NET.1"
	z create kvn2 --net "type=bridge,bridge=$BR,address=$NET.3/24"
	z boot kvn1
	z boot kvn2
	wait_console kvn1 "ZGUEST-READY.*ip=$NET.2/24"
	# the guest's listener starts beside its READY line: a few tries
	for i in 1 2 3 4 5 6 7 8 9 10; do
		out=$(z login kvn2 -- busybox nc -w 5 $NET.2 7000 </dev/null 2>&1) && [ -n "$out" ] && break
		sleep 0.5
	done
	[ "$out" = "hi from guest" ] || fail "the guest did not answer: $out"
	# ICMP echo over a datagram socket: a zone has no CAP_NET_RAW
	out=$(z login kvn2 -- /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP); s.settimeout(5)
s.sendto(b"\x08\x00\x00\x00\x00\x01\x00\x01zonectl", (sys.argv[1], 0))
print("reply from", s.recvfrom(64)[1][0])' $NET.2) || fail "no ping reply: $out"
	[ "$(net_json kvn1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["nics"][0]["counters"]["tx_packets"])')" -gt 0 ] ||
		fail "zonectl net shows no traffic: $(z net kvn1)"
}

test_tcg_guest_traffic_crosses_the_zones_anti_spoofing() {
	kvm_zone kvn3 --net "type=bridge,bridge=$BR,address=$NET.4/24"
	z create kvn4 --net "type=bridge,bridge=$BR,address=$NET.5/24"
	z boot kvn3
	z boot kvn4
	wait_console kvn3 ZGUEST-READY
	local before
	before=$(nic_field kvn3 spoofed_dropped)
	# the guest is root in its own kernel: it takes another address
	console_type kvn3 "ip addr flush dev eth0; ip addr add $NET.9/24 dev eth0; ping -c 3 -W 1 $NET.5; echo SPOOF-\$((1 + 1))"
	wait_console kvn3 SPOOF-2 30
	[ "$(nic_field kvn3 spoofed_dropped)" -gt "$before" ] ||
		fail "spoofed frames were not dropped: $before -> $(nic_field kvn3 spoofed_dropped)"
	grep -aq "100% packet loss" "$(console_log kvn3)" || fail "a spoofed ping got through: $(tail -c 400 "$(console_log kvn3)")"
}

test_killing_qemu_with_a_nic_leaves_no_tap_or_link() {
	kvm_zone kvn5 --net "type=bridge,bridge=$BR,address=$NET.6/24"
	z boot kvn5
	wait_console kvn5 ZGUEST-READY
	local link
	link=$(nic_field kvn5 host_link)
	ip link show "$link" >/dev/null || fail "no host link $link"
	kill -9 "$(init_pid_of kvn5)"
	wait_state kvn5 installed
	assert_no_leaks kvn5
	! ip link show "$link" >/dev/null 2>&1 || fail "host link $link left behind"
	! ip link show $BR >/dev/null 2>&1 || fail "bridge $BR left behind"
	ip -br link | grep -q gtap && fail "a tap is in the host's namespace"
	true
}

test_kvm_config_errors_name_the_key() {
	expect_fail 'zone kvc1: --kvm: kernel: required' z create kvc1 --brand kvm --kvm initrd=/x
	expect_fail 'zone kvc1: --kvm: mem: expected a size' z create kvc1 --brand kvm --kvm kernel=/x,mem=lots
	expect_fail 'zone kvc1: --kvm: unknown key `ram`' z create kvc1 --brand kvm --kvm kernel=/x,ram=1G
	expect_fail 'zone kvc1: config: zone.kvm: required with brand kvm' z create kvc1 --brand kvm
	expect_fail 'zone.kvm: only a zone of brand kvm' z create kvc1 --kvm kernel=/x
	z create kvc1 --brand kvm --kvm kernel=/nonexistent
	expect_fail 'zone kvc1: kvm kernel `/nonexistent`: No such file' z boot kvc1
}

run_tests
