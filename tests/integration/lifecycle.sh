#!/bin/bash
# Life cycle of real sparse zones: create, boot, login, list, halt,
# reboot, delete; what a zone sees; and that nothing is left behind.
. "$(dirname "$0")/lib.sh"

test_create_boot_login_halt_delete() {
	z create web1
	[ "$(state_of web1)" = installed ] || fail "not installed after create"
	z boot web1
	[ "$(state_of web1)" = running ] || fail "not running after boot"
	out=$(z login web1 -- echo hello)
	[ "$out" = hello ] || fail "login output: $out"
	z halt web1
	[ "$(state_of web1)" = installed ] || fail "not installed after halt"
	assert_no_leaks web1
	z delete web1
	[ ! -e "$(zone_dir web1)" ] || fail "zone dir remains"
	assert_no_leaks web1
}

test_list_json_is_valid_json() {
	z create a1
	z create a2
	z boot a2
	z list -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [z["name"] for z in d]==["a1","a2"], d; assert d[1]["state"]=="running" and d[1]["init_pid"]>1, d; assert d[0]["init_pid"] is None'
	z list | grep -E '^a2 +running +sparse +[0-9]+ +[0-9]+s$' >/dev/null || fail "table: $(z list)"
}

test_zone_sees_only_its_own_processes() {
	z create p1
	z boot p1
	n=$(z login p1 -- sh -c 'ls -d /proc/[0-9]* | wc -l')
	# init, the shell, ls and wc at most
	[ "$n" -le 5 ] || fail "zone sees $n processes: $(z login p1 -- ls /proc)"
	pid1=$(z login p1 -- cat /proc/1/comm)
	[ "$pid1" = zinit ] || fail "PID 1 is $pid1"
}

test_hostname_is_zone_name() {
	z create host-a
	z boot host-a
	[ "$(z login host-a -- hostname)" = host-a ] || fail "hostname: $(z login host-a -- hostname)"
	[ "$(hostname)" != host-a ] || fail "host's hostname changed"
}

test_privileged_operations_fail_inside() {
	z create sec1
	add_probe sec1
	z boot sec1
	sleep 300 & hostpid=$!
	for probe in mount mknod module unshare-user raw sethostname; do
		r=$(z login sec1 -- /root/zprobe $probe)
		[ "$r" != ok ] || { kill $hostpid; fail "$probe succeeded inside the zone"; }
	done
	r=$(z login sec1 -- /root/zprobe kill $hostpid 9)
	[ "$r" = ESRCH ] || { kill $hostpid; fail "kill of host pid $hostpid: $r"; }
	z login sec1 -- sh -c 'kill -9 -1' || true
	kill -0 $hostpid || fail "kill -9 -1 in the zone reached the host"
	kill $hostpid
	# masked: missing, or /dev/null (readable, but nothing in it)
	r=$(z login sec1 -- /root/zprobe readn /proc/kcore)
	[[ $r =~ ^[1-9] ]] && fail "/proc/kcore readable: $r bytes"
	r=$(z login sec1 -- /root/zprobe write /proc/sysrq-trigger)
	[ "$r" != ok ] || fail "/proc/sysrq-trigger writable"
	r=$(z login sec1 -- /root/zprobe write /proc/sys/kernel/hostname)
	[ "$r" != ok ] || fail "/proc/sys writable"
	r=$(z login sec1 -- /root/zprobe write /usr/bin/env)
	[ "$r" != ok ] || fail "host /usr writable from the zone"
}

test_seccomp_and_no_new_privs_in_status() {
	z create st1
	z boot st1
	status=$(z login st1 -- cat /proc/self/status)
	grep -q '^Seccomp:[[:space:]]*2$' <<<"$status" || fail "no seccomp filter: $(grep Seccomp <<<"$status")"
	grep -q '^NoNewPrivs:[[:space:]]*1$' <<<"$status" || fail "no_new_privs not set"
	capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' <<<"$status")
	# CAP_SYS_ADMIN is bit 21
	(( (16#$capeff >> 21) & 1 )) && fail "CAP_SYS_ADMIN in CapEff $capeff"
	true
}

test_login_returns_exit_status() {
	z create ex1
	z boot ex1
	set +e
	z login ex1 -- sh -c 'exit 3'; a=$?
	z login ex1 -- sh -c 'kill -9 $$'; b=$?
	z login ex1 -- /no/such/program 2>/dev/null; c=$?
	set -e
	[ $a -eq 3 ] || fail "exit 3 gave $a"
	[ $b -eq 137 ] || fail "kill -9 gave $b"
	[ $c -eq 127 ] || fail "missing program gave $c"
	out=$(echo piped | z login ex1 -- cat)
	[ "$out" = piped ] || fail "stdin did not pass through: $out"
	err=$(z login ex1 -- sh -c 'echo oops >&2' 2>&1 >/dev/null)
	[ "$err" = oops ] || fail "stderr did not pass through: $err"
}

test_login_joins_zone_cgroup() {
	z create cg1
	z boot cg1
	cg=$(z login cg1 -- cat /proc/self/cgroup)
	# inside the cgroup namespace the zone's cgroup is the root
	grep -q '^0::/$' <<<"$cg" || fail "cgroup2 view: $cg"
	pid=$(init_pid_of cg1)
	if [ -e /run/systemd/system ] && [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		# systemd: below the zone's own scope (systemd.sh tests the rest)
		grep -qx "0::/machine.slice/zonectl-cg1.scope/zonectl/cg1" /proc/$pid/cgroup ||
			fail "init not in zonectl-cg1.scope: $(cat /proc/$pid/cgroup)"
	elif [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		# cgroup v2 without systemd: beside the caller's session, at the root
		grep -qx "0::/zonectl/cg1" /proc/$pid/cgroup ||
			fail "init not in /zonectl/cg1: $(cat /proc/$pid/cgroup)"
	else
		mine=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
		grep -q ":memory:${mine%/}/zonectl/cg1\$" /proc/$pid/cgroup ||
			fail "init not nested under our memory cgroup $mine: $(cat /proc/$pid/cgroup)"
	fi
}

test_only_fds_0_to_2_survive() {
	z create fd1
	z boot fd1
	exec 7</etc/hostname
	# ls's own directory fd is 3
	fds=$(z login fd1 -- ls /proc/self/fd | sort -n | tr "\n" " ")
	exec 7<&-
	[ "$fds" = "0 1 2 3 " ] || fail "fds in the zone: $fds"
}

test_monitor_holds_none_of_the_callers_fds() {
	z create mf1
	exec 9>"$ZONECTL_ROOT.fd9"
	z boot mf1
	exec 9>&-
	mon=$(sed -n 's/.*"monitor_pid": \([0-9]*\).*/\1/p' "$ZONECTL_ROOT/run/mf1/state.json")
	if ls -l /proc/$mon/fd | grep -q "$ZONECTL_ROOT.fd9"; then fail "monitor holds the caller's fd 9"; fi
	rm -f "$ZONECTL_ROOT.fd9"
}

test_etc_is_the_zones_own() {
	z create e1
	z boot e1
	z login e1 -- sh -c 'echo zone-only >/etc/zone-file'
	[ ! -e /etc/zone-file ] || { rm -f /etc/zone-file; fail "zone write reached host /etc"; }
	[ "$(z login e1 -- cat /etc/machine-id)" != "$(cat /etc/machine-id 2>/dev/null)" ] || fail "machine-id shared"
	[ "$(z login e1 -- cat /etc/hostname)" = e1 ] || fail "/etc/hostname"
	if z login e1 -- cat /etc/shadow | grep -q '^[^:]*:\$'; then fail "host password hashes visible"; fi
	if ls /etc/ssh/ssh_host_* >/dev/null 2>&1; then
		[ -z "$(z login e1 -- sh -c 'ls /etc/ssh/ssh_host_* 2>/dev/null')" ] || fail "host ssh keys visible"
	fi
	z halt e1
	z boot e1
	[ "$(z login e1 -- cat /etc/zone-file)" = zone-only ] || fail "zone's /etc change lost across reboot"
}

test_proc_1_exe_is_not_the_host_binary() {
	z create cve1
	add_probe cve1
	z boot cve1
	exe=$(z login cve1 -- readlink /proc/1/exe)
	[[ $exe == /memfd:zinit* ]] || fail "/proc/1/exe is $exe"
	r=$(z login cve1 -- /root/zprobe write /proc/1/exe)
	[ "$r" != ok ] || fail "/proc/1/exe writable"
}

test_devices_cgroup_allows_only_zone_dev() {
	z create dv1
	z boot dv1
	if v2_host; then
		# the allow-list is a BPF_CGROUP_DEVICE program on the zone's cgroup
		progs=$(bpftool cgroup show "$(cgdir dv1)")
		grep -q device <<<"$progs" || fail "no device program on the zone's cgroup: $progs"
	else
		list=$(cat "$(cgdir dv1 devices)/devices.list")
		grep -q '^a ' <<<"$list" && fail "devices: all allowed"
		grep -q '^c 1:3 rwm$' <<<"$list" || fail "devices: /dev/null missing: $list"
		! grep -q '^b ' <<<"$list" || fail "block devices allowed: $list"
	fi
	devs=$(z login dv1 -- ls /dev | tr '\n' ' ')
	for d in null zero full random urandom tty ptmx pts shm console; do
		[[ " $devs" == *" $d "* ]] || fail "/dev/$d missing: $devs"
	done
}

test_halt_leaves_no_cgroup_mount_or_process() {
	z create h1
	z boot h1
	z login h1 -- sh -c 'sleep 1000 >/dev/null 2>&1 &'
	mon=$(z list -o json h1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["init_pid"])')
	z halt h1
	assert_no_leaks h1
	! kill -0 "$mon" 2>/dev/null || fail "init $mon still alive"
}

# What a host's init script runs at start and stop (README, Installing);
# zonectl.service runs the same on a systemd host (the systemd VM tests it
# across a reboot).
test_boot_all_autoboot_and_halt_all() {
	z create --set autoboot=true ab1
	z create --set autoboot=true ab2
	z create ab3
	z create --set autoboot=true ab4
	z set ab3 autoboot=true
	z set ab3 autoboot=false
	z list -o json ab1 | grep -q '"autoboot": true' || fail "list: $(z list -o json ab1)"
	# one that cannot boot is reported and stops none of the others
	mv "$(zone_dir ab4)/root" "$(zone_dir ab4)/root.away"
	out=$(z boot --all-autoboot 2>&1) && fail "a failed boot was not an error: $out"
	[[ $out == *"zone ab1: booted"* && $out == *"zone ab2: booted"* && $out == *"zone ab4: "* ]] ||
		fail "boot --all-autoboot said: $out"
	[ "$(state_of ab1)/$(state_of ab2)/$(state_of ab3)/$(state_of ab4)" = running/running/installed/installed ] ||
		fail "states: $(z list)"
	mv "$(zone_dir ab4)/root.away" "$(zone_dir ab4)/root"
	# running zones are left alone: only ab4 boots now
	[ "$(z boot --all-autoboot)" = "zone ab4: booted" ] || fail "second boot --all-autoboot"
	expect_fail 'halt: --all takes no zone name' z halt --all ab1
	out=$(z halt --all -t 5)
	[ "$(sort <<<"$out" | tr '\n' ' ')" = "zone ab1: halted zone ab2: halted zone ab4: halted " ] || fail "halt --all said: $out"
	for n in ab1 ab2 ab3 ab4; do
		[ "$(state_of $n)" = installed ] || fail "$n: $(state_of $n)"
		assert_no_leaks $n
	done
	[ -z "$(z halt --all)" ] || fail "halt --all with nothing running"
}

test_reboot_gives_a_new_init() {
	z create rb1
	z boot rb1
	a=$(init_pid_of rb1)
	z reboot rb1
	b=$(init_pid_of rb1)
	[ -n "$b" ] && [ "$a" != "$b" ] || fail "init pid $a -> $b"
	[ "$(state_of rb1)" = running ] || fail "not running after reboot"
}

test_console_shows_init_and_detaches() {
	z create con1
	z boot con1
	out=$( (sleep 0.5; printf '\n~.') | timeout 10 "$ZONECTL" login -C con1 2>&1) || fail "console: $out"
	grep -q 'detached' <<<"$out" || fail "no detach: $out"
	grep -q "zinit: zone con1: up" "$ZONECTL_ROOT/run/con1/console.log" || fail "console.log: $(cat "$ZONECTL_ROOT/run/con1/console.log")"
}

test_interactive_login_gets_a_pty_in_the_zone() {
	command -v script >/dev/null || skip "script(1) not installed"
	z create tty1
	z boot tty1
	out=$(printf 'tty; exit 5\n' | timeout 20 script -qec "$ZONECTL login tty1" /dev/null) && rc=0 || rc=$?
	[ $rc -eq 5 ] || fail "exit status $rc: $out"
	grep -q '/dev/pts/0' <<<"$out" || fail "no pty inside: $out"
}

run_tests
