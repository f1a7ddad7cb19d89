#!/bin/bash
# CVE-2024-21626: a file descriptor of the host (a directory) reaches a
# process in the zone, which then uses /proc/self/fd/N as its working
# directory - or is started there (`login -w /proc/self/fd/N`, or a
# process.cwd of that form) - and walks the host's tree from it.
# Defences: login's member and init's child close every fd but 0-2, and
# only then resolve their working directory, inside the zone's root with
# magic links refused (iso_chdir_in_root); the monitor closes its fds.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/escape-lib.bash"

host_dir() { # a host directory with a marker file in it
	mkdir -p "$ZONECTL_ROOT.host"
	echo host >"$ZONECTL_ROOT.host/es-host-marker"
}

# What a process started in DIR sees and leaves there: its listing, and an
# attempt to create es-zone-was-here.
LOOK='ls; touch es-zone-was-here 2>/dev/null; true'

assert_host_dir_untouched() {
	[ ! -e "$ZONECTL_ROOT.host/es-zone-was-here" ] || fail "$1: the zone wrote into the host directory"
	! grep -q es-host-marker <<<"$2" || fail "$1: the zone listed the host directory: $2"
}

test_cve_2024_21626_probe_sees_a_host_dir_through_a_leaked_fd() {
	host_dir
	exec 7<"$ZONECTL_ROOT.host"
	out=$(cd /proc/self/fd/7 && ls)
	exec 7<&-
	grep -q es-host-marker <<<"$out" || fail "a leaked fd as cwd shows nothing: $out"
}

test_cve_2024_21626_no_host_fd_visible_in_a_login() {
	host_dir
	z create es21626a
	z boot es21626a
	exec 7<"$ZONECTL_ROOT.host" 8<"$ZONECTL_ROOT.host/es-host-marker"
	fds=$(z login es21626a -- sh -c 'ls /proc/$$/fd' | sort -n | tr '\n' ' ')
	links=$(z login es21626a -- sh -c 'for f in /proc/$$/fd/*; do echo "$f $(readlink $f)"; done')
	exec 7<&- 8<&-
	# 0-2 are the caller's stdio, passed on on purpose
	[ "$fds" = "0 1 2 " ] || fail "fds in a login'd shell: $fds ($links)"
}

# The same through an interactive login on a pty: 0-2 are the zone's pts.
test_cve_2024_21626_no_host_fd_visible_in_a_pty_login() {
	command -v script >/dev/null || skip "script(1) not installed"
	host_dir
	z create es21626p
	z boot es21626p
	exec 7<"$ZONECTL_ROOT.host"
	out=$(printf 'ls /proc/$$/fd | tr "\\n" " "; echo; readlink /proc/$$/fd/0; exit\n' |
		timeout 20 script -qec "$ZONECTL login es21626p" /dev/null | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g')
	exec 7<&-
	# 255 is bash's own copy of its terminal
	grep -q '^0 1 2 255 *$\|^0 1 2 *$' <<<"$out" || fail "fds in a pty login: $out"
	grep -q '^/dev/pts/[0-9]' <<<"$out" || fail "stdin is not the zone's pty: $out"
}

# zonectl's own descriptors: none of them is a way out, whether named by
# `login -w`, by the config's process.cwd for init, or for a login.
test_cve_2024_21626_runtime_fd_as_cwd() {
	host_dir
	z create es21626b
	z boot es21626b
	for n in $(seq 3 20); do
		out=$(z login es21626b -w /proc/self/fd/$n -- sh -c "$LOOK" 2>&1) || true
		assert_host_dir_untouched "login -w /proc/self/fd/$n" "$out"
	done
	for n in 3 4 5 6 7 8 9 10; do
		zone_with es21626c "c['process']['cwd'] = '/proc/self/fd/$n'; c['process']['args'] = ['/bin/sh', '-c', 'cd . && ls >/es-ls; touch es-zone-was-here']"
		out=$(z boot es21626c 2>&1) || true
		sleep 0.3
		out="$out $(cat "$(zroot es21626c)/es-ls" 2>/dev/null || true)"
		assert_host_dir_untouched "process.cwd /proc/self/fd/$n" "$out"
		pid=$(init_pid_of es21626c)
		if [ -n "$pid" ]; then
			cwd=$(readlink /proc/$pid/cwd)
			[[ $cwd == "$(zroot es21626c)"* ]] || fail "init's cwd outside the root: $cwd"
		fi
		z delete -f es21626c >/dev/null
	done
}

# A hole this test found (fixed; DESIGN.md, threat model): a directory fd
# that zonectl's caller leaks to it (a shell's `exec 7<dir`, a daemon
# without O_CLOEXEC) was still open when the login's member chdir()ed, so
# `login -w /proc/self/fd/7` started the command in the host's directory,
# outside the zone's root, with the zone root's CAP_DAC_OVERRIDE.
test_cve_2024_21626_inherited_host_fd_as_login_cwd() {
	host_dir
	z create es21626d
	z boot es21626d
	exec 7<"$ZONECTL_ROOT.host"
	out=$(z login es21626d -w /proc/self/fd/7 -- sh -c "$LOOK; pwd" 2>&1) || true
	exec 7<&-
	assert_host_dir_untouched "login -w /proc/self/fd/7 (fd 7 from the caller)" "$out"
}

# The same through the OCI verbs: `exec --cwd /proc/self/fd/7` into a
# container whose runtime caller leaked fd 7 (conmon, containerd-shim).
test_cve_2024_21626_inherited_host_fd_as_oci_exec_cwd() {
	host_dir
	local b=$ZONECTL_ROOT.b
	make_oci_bundle "$b" sleep 1000
	z run --detach --bundle "$b" es21626o
	exec 7<"$ZONECTL_ROOT.host"
	out=$(z exec --cwd /proc/self/fd/7 es21626o sh -c "$LOOK; pwd" 2>&1) || true
	exec 7<&-
	z delete --force es21626o
	assert_host_dir_untouched "exec --cwd /proc/self/fd/7 (fd 7 from the caller)" "$out"
}

run_tests
