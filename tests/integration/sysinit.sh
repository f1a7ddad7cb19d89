#!/bin/bash
# systemd as a zone's init (a system container, as systemd-nspawn -b and
# LXC run them): a whole zone from a Debian template with systemd, made
# with `create --init /sbin/init`, boots to running with journald, logind,
# D-Bus and a service of its own; it manages the cgroup subtree below its
# limits and cannot reach them; `halt` asks it the way systemd expects
# (SIGRTMIN+3) and it shuts down in order. Runs on every layout: here, in
# the v2 VM and in the systemd VM.
. "$(dirname "$0")/lib.sh"

# The template's tree: debootstrap with systemd, built once (about a
# minute) and kept as a tarball in the fixture cache.
systemd_template() {
	local cache=${ZONECTL_TEST_CACHE:-/var/cache/zonectl-tests} tar
	tar=$cache/bookworm-systemd.tar
	if [ ! -e "$tar" ]; then
		command -v debootstrap >/dev/null || skip "debootstrap is not installed (./setup --deps)"
		[ -w "$cache" ] || mkdir -p "$cache" 2>/dev/null || skip "no $tar and the cache is read-only"
		local tmp
		tmp=$(mktemp -d "$cache/.sysd.XXXXXX")
		ZONECTL_ROOT=$tmp z template create sysd --debootstrap bookworm --include systemd,systemd-sysv,dbus ||
			{ rm -rf "$tmp"; skip "debootstrap failed (mirror unreachable?)"; }
		tar -C "$tmp/templates/sysd/root" -cf "$tar.part" . && mv "$tar.part" "$tar"
		ZONECTL_ROOT=$tmp z template delete sysd
		rm -rf "$tmp"
	fi
	z template create sysd --from "$tar" >/dev/null
}

in_zone() { z login "$1" -- "${@:2}"; }

# wait_system ZONE: systemd's own verdict once its boot is over
wait_system() {
	local s i
	for i in $(seq 600); do
		s=$(in_zone "$1" systemctl is-system-running 2>/dev/null) || true
		case $s in running | degraded) echo "$s"; return ;; esac
		sleep 0.1
	done
	echo "${s:-no answer}"
}

test_systemd_boots_and_halts_as_the_zones_init() {
	systemd_template
	z create --brand whole --template sysd --init /sbin/init sy1
	grep -q '"init": "/sbin/init"' "$(zone_dir sy1)/config.json" || fail "zone.init not written"
	z boot sy1
	s=$(wait_system sy1)
	[ "$s" = running ] || [ "$s" = degraded ] ||
		fail "systemctl is-system-running: $s; failed: $(in_zone sy1 systemctl --failed --no-legend)"
	[ "$s" = running ] || echo "  (degraded: $(in_zone sy1 systemctl --failed --no-legend))"
	[ "$(in_zone sy1 cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(in_zone sy1 cat /proc/1/comm)"
	[ "$(in_zone sy1 systemd-detect-virt -c)" = container-other ] || fail "systemd-detect-virt: $(in_zone sy1 systemd-detect-virt -c)"
	# a machine of its own: clones of one template differ
	z create --brand whole --template sysd sy3
	[ "$(in_zone sy1 cat /etc/machine-id)" != "$(cat "$(zone_dir sy3)/upper/etc/machine-id")" ] ||
		fail "two zones of one template share a machine-id"
	[ "$(in_zone sy1 hostname)" = sy1 ] || fail "hostname: $(in_zone sy1 hostname)"
	for u in systemd-journald systemd-logind dbus; do
		[ "$(in_zone sy1 systemctl is-active $u)" = active ] || fail "$u: $(in_zone sy1 systemctl status $u)"
	done
	in_zone sy1 journalctl -b --no-pager | grep -q 'Startup finished' || fail "journal: $(in_zone sy1 journalctl -b --no-pager | tail -5)"
	# a service of its own
	in_zone sy1 sh -c 'printf "[Service]\nType=oneshot\nExecStart=/bin/sh -c \"echo hello from \$\$\$\$ > /run/zt-hello\"\n" >/etc/systemd/system/zt-hello.service
		systemctl daemon-reload && systemctl start zt-hello.service'
	in_zone sy1 cat /run/zt-hello | grep -q '^hello from [0-9]' || fail "zt-hello.service did not run"
	# its console shows the boot
	grep -q 'Welcome to' "$ZONECTL_ROOT/run/sy1/console.log" || fail "console: $(tail -5 "$ZONECTL_ROOT/run/sy1/console.log")"

	# its cgroups: systemd's tree below payload/, the limits above it
	pid=$(init_pid_of sy1)
	grep -q "zonectl/sy1/payload/init.scope\$" /proc/"$pid"/cgroup || fail "init's cgroup: $(cat /proc/"$pid"/cgroup)"
	z set sy1 memory=512M,processes=300
	[ "$(cgread sy1 mem.limit)" = 536870912 ] || fail "memory limit: $(cgread sy1 mem.limit)"
	# what it sees as its root is the payload: writing there changes
	# nothing above
	if v2_host; then
		in_zone sy1 sh -c 'echo max > /sys/fs/cgroup/memory.max' || true
		in_zone sy1 sh -c 'echo max > /sys/fs/cgroup/pids.max' || true
	else
		in_zone sy1 sh -c 'echo -1 > /sys/fs/cgroup/memory/memory.limit_in_bytes' || true
	fi
	[ "$(cgread sy1 mem.limit)" = 536870912 ] || fail "the zone changed its own limit: $(cgread sy1 mem.limit)"
	[ "$(cgread sy1 pids.max)" = 300 ] || fail "the zone changed its pids limit: $(cgread sy1 pids.max)"
	# a login lands beside init, inside systemd's tree
	in_zone sy1 cat /proc/self/cgroup | grep -q '^0::/init.scope$' || fail "login's cgroup: $(in_zone sy1 cat /proc/self/cgroup)"

	# halt: SIGRTMIN+3, systemd's shutdown, in order; the journal of that
	# boot, read at the next, ends with it
	in_zone sy1 mkdir -p /var/log/journal
	in_zone sy1 journalctl --flush
	z halt -t 60 sy1
	[ "$(state_of sy1)" = installed ] || fail "after halt: $(state_of sy1)"
	assert_no_leaks sy1
	z boot sy1
	s=$(wait_system sy1)
	in_zone sy1 journalctl -b -1 --no-pager -o cat | grep -Eq 'Reached target .*(System Halt|Power-Off)|systemd-shutdown|Shutting down' ||
		fail "the last boot's journal shows no shutdown: $(in_zone sy1 journalctl -b -1 --no-pager -o cat | tail -5)"
	z halt -t 60 sy1
	assert_no_leaks sy1
}

test_init_bad_input() {
	expect_fail 'create: --init takes an absolute path' z create --init sbin/init sy2
	[ ! -e "$(zone_dir sy2)" ] || fail "a refused create left sy2"
}

run_tests
