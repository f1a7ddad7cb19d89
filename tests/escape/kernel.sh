#!/bin/bash
# The kernel's own doors, tried as root in a default zone: /proc/kcore,
# /proc/sysrq-trigger, /sys/firmware, the keyrings, modules, mount, new
# user namespaces, ptrace (of the host, and of the zone's own init), raw
# sockets, and the zone's cgroups. Each test first shows the door is real
# - the probe gets through on the host or in a deliberately weakened zone
# (capabilities, seccomp or masks taken off) - then that the zone's
# defences shut it. Defences: masked and read-only paths, the capability
# bounding set (no CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_PTRACE,
# CAP_NET_RAW...), the default seccomp profile, the pid and cgroup
# namespaces.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/escape-lib.bash"

default_zone() { z create "$1"; add_probe "$1"; z boot "$1"; }
weak_zone() { zone_with "$@"; add_probe "$1"; z boot "$1"; }

test_read_proc_kcore() {
	[ -e /proc/kcore ] || skip "this kernel has no /proc/kcore (CONFIG_PROC_KCORE off)"
	h=$("$PROBE" readn /proc/kcore)
	[[ $h =~ ^[1-9] ]] || skip "the host itself cannot read /proc/kcore: $h"
	default_zone eskcore
	r=$(probe eskcore readn /proc/kcore)
	[[ $r =~ ^[1-9] ]] && fail "/proc/kcore readable in the zone: $r bytes"
	true
}

test_read_masked_proc_files() {
	default_zone esmask
	for f in /proc/timer_list /proc/keys; do
		h=$("$PROBE" readn $f)
		[[ $h =~ ^[1-9] ]] || { echo "host $f: $h, not a proof" >&2; continue; }
		r=$(probe esmask readn $f)
		[[ $r =~ ^[1-9] ]] && fail "$f readable in the zone: $r bytes"
	done
	true
}

# open(2) for writing only: nothing is ever written to these files.
write_refused() { # FILE: the weakened zone opens it, a default zone cannot
	local f=$1 r
	weak_zone eswritew "$NO_MASKS"
	r=$(probe eswritew write "$f")
	[ "$r" = ok ] || fail "weakened zone cannot open $f for writing ($r): not a proof"
	default_zone eswrite
	r=$(probe eswrite write "$f")
	[ "$r" != ok ] || fail "$f writable in the zone"
}

test_write_proc_sysrq_trigger() {
	[ -e /proc/sysrq-trigger ] || skip "this kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ off)"
	write_refused /proc/sysrq-trigger
}

# core_pattern is the host's (not namespaced): "|/path" runs a program as
# root on the host at the next crash.
test_write_proc_sys_kernel_core_pattern() {
	write_refused /proc/sys/kernel/core_pattern
}

test_read_sys_firmware() {
	[ -n "$(ls -A /sys/firmware)" ] || skip "host /sys/firmware is empty"
	default_zone esfw
	r=$(z login esfw -- ls -A /sys/firmware)
	[ -z "$r" ] || fail "/sys/firmware visible in the zone: $r"
	r=$(z login esfw -- sh -c 'cat /sys/firmware/memmap/0/type 2>&1 || true')
	[[ $r != System* ]] || fail "/sys/firmware/memmap readable: $r"
}

test_kernel_keyrings_keyctl_add_key() {
	# add_key to the probe's own process keyring, then invalidated
	weak_zone eskeyw "$NO_SECCOMP"
	[ "$(probe eskeyw keyring)" = ok ] || fail "weakened zone cannot add a key: not a proof"
	default_zone eskey
	r=$(probe eskey keyring)
	[ "$r" = EPERM ] || fail "add_key in the zone: $r"
	# /proc/key-users (per-uid key counts, host-wide) is not masked: a
	# known leak of counts, not of keys
	r=$(probe eskey readn /proc/keys)
	[ "$r" = 0 ] || fail "the host's keys listed in the zone ($r bytes)"
}

test_load_kernel_module() {
	# The host (unfiltered, every capability) gets past the permission
	# checks: its answer is not EPERM (ENOSYS without module support).
	[ "$("$PROBE" module)" != EPERM ] || fail "host answer is EPERM: not a proof"
	default_zone esmod
	for p in module fmodule; do
		r=$(probe esmod $p)
		[ "$r" = EPERM ] || fail "$p in the zone: $r"
	done
}

test_mount_in_zone() {
	weak_zone esmountw "$ALL_CAPS" "$NO_SECCOMP"
	[ "$(probe esmountw mount)" = ok ] || fail "weakened zone cannot mount: not a proof"
	default_zone esmount
	for p in mount mount-cgroup; do
		r=$(probe esmount $p)
		[ "$r" != ok ] || fail "$p succeeded in the zone"
	done
	r=$(z login esmount -- sh -c 'mount -t proc proc /mnt; mount --bind / /mnt; umount /proc; umount -l /usr
		ls -A /mnt | wc -l; stat -f -c %T /proc/' 2>/dev/null)
	[ "$r" = "0
proc" ] || fail "mount(8) in the zone: /mnt has $(head -1 <<<"$r") entries, /proc is $(tail -1 <<<"$r")"
}

test_unshare_new_user_namespace() {
	[ "$("$PROBE" unshare-user)" = ok ] || skip "user namespaces are off on this host"
	weak_zone esuserw "$NO_SECCOMP"
	[ "$(probe esuserw unshare-user)" = ok ] || fail "weakened zone cannot unshare a user ns: not a proof"
	default_zone esuser
	r=$(probe esuser unshare-user)
	[ "$r" = EPERM ] || fail "unshare(CLONE_NEWUSER) in the zone: $r"
	r=$(z login esuser -- sh -c 'unshare -U true 2>&1 && echo ok || true')
	[ "$(tail -1 <<<"$r")" != ok ] || fail "unshare -U in the zone: $r"
}

test_ptrace_host_process() {
	sleep 300 & victim=$!
	r=$("$PROBE" seize $victim)
	[ "$r" = ok ] || { kill $victim; fail "host cannot seize its own process: $r"; }
	weak_zone esptrw "$ALL_CAPS" "$NO_SECCOMP"
	default_zone esptr
	for n in esptrw esptr; do
		r=$(probe $n seize $victim)
		# ESRCH: not in the zone's pid namespace; EPERM: seccomp first
		[ "$r" = ESRCH ] || [ "$r" = EPERM ] || { kill $victim; fail "zone $n: ptrace of host pid $victim: $r"; }
		r=$(probe $n kill $victim 0)
		[ "$r" = ESRCH ] || { kill $victim; fail "zone $n: kill of host pid $victim: $r"; }
	done
	kill -0 $victim || fail "host process died"
	kill $victim
}

test_ptrace_zone_init_from_login() {
	weak_zone esinitw "$ALL_CAPS" "$NO_SECCOMP"
	[ "$(probe esinitw seize 1)" = ok ] || fail "weakened zone cannot ptrace its init: not a proof"
	default_zone esinit
	r=$(probe esinit seize 1)
	[ "$r" = EPERM ] || fail "ptrace of the zone's init from a login: $r"
	r=$(probe esinit ptrace 1)
	[ "$r" = EPERM ] || fail "PTRACE_ATTACH to the zone's init: $r"
	r=$(z login esinit -- sh -c 'sleep 5 & /root/zprobe seize $!')
	[ "$r" = EPERM ] || fail "ptrace of a sibling in the zone: $r"
	[ "$(state_of esinit)" = running ] || fail "zone no longer running"
}

test_raw_socket_without_cap_net_raw() {
	weak_zone esraww "c['process']['capabilities'] = {k: v + ['CAP_NET_RAW'] for k, v in c['process']['capabilities'].items()}"
	[ "$(probe esraww raw)" = ok ] || fail "zone with CAP_NET_RAW cannot open a raw socket: not a proof"
	default_zone esraw
	r=$(probe esraw raw)
	[ "$r" = EPERM ] || fail "raw socket in a default zone: $r"
	r=$(z login esraw -- sh -c 'grep "^CapBnd" /proc/self/status')
	(( (16#${r##*[[:space:]]} >> 13) & 1 )) && fail "CAP_NET_RAW in the bounding set: $r"
	true
}

# Every process in zone $1's pid namespace is still in zonectl/$1 in every
# hierarchy.
assert_all_in_zone_cgroup() {
	local n=$1 init ns p line
	init=$(init_pid_of "$n")
	ns=$(readlink /proc/$init/ns/pid)
	for p in /proc/[0-9]*; do
		[ "$(readlink $p/ns/pid 2>/dev/null)" = "$ns" ] || continue
		while read -r line; do
			[[ $line == *"/zonectl/$n" ]] || fail "zone $n: ${p#/proc/} left its cgroup: $line"
		done <$p/cgroup
	done
}

# Writes the shell's pid into every cgroup.procs and tasks file in reach
# (only files that exist: a write would create a plain file elsewhere).
MOVE_OUT='for f in /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/*/cgroup.procs /sys/fs/cgroup/*/tasks /mnt/cgroup.procs; do [ -f $f ] && echo $$ >$f && echo "moved via $f"; done
(sleep 30 >/dev/null 2>&1 &); true'

test_cgroup_escape_by_writing_cgroup_procs() {
	# Weakened (CAP_SYS_ADMIN, no seccomp), the zone can mount cgroupfs:
	# the probe's way in is real. The cgroup namespace still roots the
	# view at the zone's own cgroup, so a write to cgroup.procs there
	# moves nothing out.
	weak_zone escgw "$ALL_CAPS" "$NO_SECCOMP"
	[ "$(probe escgw mount-cgroup)" = ok ] || fail "weakened zone cannot mount cgroupfs: not a proof"
	z login escgw -- sh -c "mount -t cgroup2 none /mnt; $MOVE_OUT" >&2
	assert_all_in_zone_cgroup escgw
	default_zone escg
	# the zone sees its own cgroups (each mount's root is the namespace's
	# root, the zone's cgroup), and only read-only
	r=$(z login escg -- sh -c 'grep -E " - cgroup2? " /proc/self/mountinfo')
	[ -n "$r" ] || fail "no cgroupfs in the zone"
	while read -r _ _ _ root _ opts _; do
		[ "$root" = / ] || fail "a cgroup mount beyond the zone's own: $r"
		[[ $opts == ro,* ]] || fail "a writable cgroup mount in the zone: $r"
	done <<<"$r"
	r=$(z login escg -- cat /proc/self/cgroup)
	! grep -qv ':/$' <<<"$r" || fail "the zone sees cgroups beyond its own: $r"
	[ "$(probe escg mount-cgroup)" = EPERM ] || fail "cgroupfs mountable in the zone"
	out=$(z login escg -- sh -c "$MOVE_OUT" 2>/dev/null)
	[ -z "$out" ] || fail "$out"
	assert_all_in_zone_cgroup escg
}

run_tests
