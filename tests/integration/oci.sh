#!/bin/bash
# The OCI runtime command line: a busybox-static bundle the test builds,
# run through runc's verbs; then the real clients, podman and containerd,
# with zonectl as their runtime. Every container is named oc*; podman's
# are 64-hex ids.
. "$(dirname "$0")/lib.sh"

# make_bundle DIR ARGS...: busybox rootfs, zonectl spec, no terminal.
make_bundle() { make_oci_bundle "$@"; }

# edit_config DIR PYTHON [ARGS...]: runs PYTHON with c = config.json.
edit_config() {
	local dir=$1 code=$2
	shift 2
	python3 - "$@" <<EOF
import json, sys
p = "$dir/config.json"
c = json.load(open(p))
$code
json.dump(c, open(p, "w"))
EOF
}

oci_status() { z state "$1" | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'; }

bundle_dir() { echo "$ZONECTL_ROOT.b"; }

# run_detached NAME ARGS...: a container of ARGS from a new bundle, running.
run_detached() {
	B=$(bundle_dir)
	make_bundle "$B" "${@:2}"
	z run --detach --bundle "$B" "$1"
}

wait_stopped() {
	for _ in $(seq 50); do [ "$(oci_status "$1")" = stopped ] && return; sleep 0.1; done
	fail "$1 did not stop: $(z state "$1")"
}

test_oci_create_start_state_kill_delete() {
	B=$(bundle_dir)
	make_bundle "$B" sleep 1000
	z create --bundle "$B" --pid-file "$B/pid" oc1
	[ "$(oci_status oc1)" = created ] || fail "after create: $(z state oc1)"
	pid=$(cat "$B/pid")
	[ "$(cat /proc/$pid/comm)" = zonectl ] || fail "pid $pid runs $(cat /proc/$pid/comm) before start"
	z state oc1 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["id"]=="oc1" and d["bundle"]=="'"$B"'" and d["pid"]=='"$pid"', d'
	z start oc1
	[ "$(oci_status oc1)" = running ] || fail "after start: $(z state oc1)"
	[ "$(cat /proc/$pid/comm)" = sleep ] || fail "pid $pid is not sleep after start"
	expect_fail 'zone oc1: cannot start a zone that is running' z start oc1
	expect_fail 'zone oc1: cannot delete a running container' z oci delete oc1
	# a bare `delete ID` of a container is runc's, as runc documents it
	expect_fail 'zone oc1: cannot delete a running container' z delete oc1
	z kill oc1 KILL
	wait_stopped oc1
	z delete oc1
	[ ! -e "$(zone_dir oc1)" ] || fail "zone dir remains"
	assert_no_leaks oc1
}

# The rule that keeps the two command lines apart (zonectl(8), OCI
# RUNTIME COMMANDS), both ways: runc's tutorial in a bundle directory,
# and zonectl's own run and delete next to it.
test_command_lines_run_and_delete_both_ways() {
	B=$(bundle_dir)
	make_bundle "$B" echo from-the-bundle
	out=$(cd "$B" && z run ocr1)
	[ "$out" = from-the-bundle ] || fail "runc run ID in the bundle: $out"
	[ ! -e "$(zone_dir ocr1)" ] || fail "runc run left the container"
	out=$(cd "$B" && z run --rm -- echo native)
	[ "$out" = native ] || fail "zonectl run -- CMD: $out"
	expect_fail 'the command goes after `--`' z run --rm echo native
	ls "$ZONECTL_ROOT/zones" | grep -q . && fail "a refused run left a zone: $(ls "$ZONECTL_ROOT/zones")"
	# create --bundle, start, exit: `delete ID` is runc's and takes it
	z create --bundle "$B" ocr2
	z start ocr2
	wait_stopped ocr2
	z delete ocr2
	[ ! -e "$(zone_dir ocr2)" ] || fail "delete ID left the stopped container"
	# a zone of ours keeps zonectl's delete, and -f is ours on a container too
	z create ocr3
	z delete ocr3
	z create --bundle "$B" ocr4
	z delete -f ocr4
	[ ! -e "$(zone_dir ocr4)" ] || fail "delete -f left the container"
	assert_no_leaks ocr4
}

test_oci_run_gives_exit_status_stdio_and_removes_the_container() {
	B=$(bundle_dir)
	make_bundle "$B" sh -c 'echo out-$(hostname); echo err >&2; read x; echo got-$x; exit 3'
	set +e
	out=$(echo piped | z run --bundle "$B" oc2 2>"$B/err")
	rc=$?
	set -e
	[ $rc = 3 ] || fail "run exit status $rc, want 3"
	[ "$out" = "$(printf 'out-zonectl\ngot-piped')" ] || fail "stdout: $out"
	[ "$(cat "$B/err")" = err ] || fail "stderr: $(cat "$B/err")"
	[ ! -e "$(zone_dir oc2)" ] || fail "run left the container"
	assert_no_leaks oc2
}

test_oci_no_pivot_moves_the_root() {
	B=$(bundle_dir)
	make_bundle "$B" sh -c 'ls /bin/busybox && cat /proc/1/comm'
	out=$(z run --no-pivot --bundle "$B" oc15)
	[ "$out" = "$(printf '/bin/busybox\ncat')" ] || fail "--no-pivot: $out"
	assert_no_leaks oc15
}

# The runtime spec's Extensibility: properties a runtime does not know
# (an engine's extension, a newer spec's field) are ignored at any level,
# deprecated ones too (runc warns and goes on); "zone" stays strict.
test_oci_unknown_and_deprecated_properties_are_ignored() {
	B=$(bundle_dir)
	make_bundle "$B" echo extended
	python3 - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["org.example.extension"] = {"any": ["thing"]}
c["process"]["ioPriorityX"] = 1
c["linux"].setdefault("resources", {})["memory"] = {"kernel": 1048576, "kernelTCP": 1048576}
c["linux"]["resources"]["blockIO"] = {"leafWeight": 100}
c["linux"]["futureThing"] = True
json.dump(c, open(sys.argv[1], "w"))
PY
	[ "$(z run --bundle "$B" oc30)" = extended ] || fail "an extended config did not run"
	assert_no_leaks oc30
	# zonectl create names what it skipped
	out=$(z create oc31 --config "$B/config.json" 2>&1)
	[[ $out == *"zone oc31: config: process.ioPriorityX: unknown key, ignored"* ]] || fail "create said: $out"
	z delete oc31
}

# The spec: poststop hooks run after the container is deleted, before
# delete returns; a failing poststart or poststop hook is a warning and
# the next hooks still run. runc's bare `delete ID` of a stopped one works.
test_oci_poststop_runs_at_delete_and_failing_hooks_warn() {
	B=$(bundle_dir)
	make_bundle "$B" true
	printf '#!/bin/sh\necho "$1" >>"%s/ran"\n' "$B" >"$B/hook"
	chmod +x "$B/hook"
	edit_config "$B" "c['hooks'] = {k: [{'path': '/bin/false'}, {'path': '$B/hook', 'args': ['hook', k]}] for k in ('poststart', 'poststop')}"
	z create --bundle "$B" oc32
	z start oc32
	wait_stopped oc32
	grep -qx poststart "$B/ran" || fail "the hook after a failing poststart did not run: $(cat "$B/ran" 2>&1)"
	! grep -q poststop "$B/ran" || fail "poststop ran before delete"
	z delete oc32 2>"$B/err" || fail "delete of a stopped container: $(cat "$B/err")"
	grep -qx poststop "$B/ran" || fail "poststop did not run at delete: $(cat "$B/ran")"
	grep -q 'warning: zone oc32: poststop hook `/bin/false`: exited with status 1' "$B/err" || fail "no warning: $(cat "$B/err")"
	[ ! -e "$(zone_dir oc32)" ] || fail "delete left the container"
	assert_no_leaks oc32
}

# linux.devices under a deny-all device list (what containerd writes):
# the nodes are made and usable, as with runc (which allows them).
test_oci_devices_are_made_and_usable_under_deny_all_rules() {
	B=$(bundle_dir)
	make_bundle "$B" sh -c 'echo x >/dev/test1 && ls -l /dev/test1 && echo y >/dev/null && echo ok'
	edit_config "$B" "c['linux']['devices'] = [{'path': '/dev/test1', 'type': 'c', 'major': 1, 'minor': 3, 'fileMode': 0o620, 'uid': 0, 'gid': 0}]; c['linux'].setdefault('resources', {})['devices'] = [{'allow': False, 'access': 'rwm'}]"
	out=$(z run --bundle "$B" oc33 2>&1) || fail "run: $out"
	[[ $out == *"crw--w----"*"1,"*"3"*"/dev/test1"*ok ]] || fail "got: $out"
	assert_no_leaks oc33
}

# linux.cgroupsPath (cgroupfs form), as containerd and kubelet write it:
# the container's cgroup is that path, in every hierarchy, under the pod's
# cgroup, whose limits hold it; delete removes the leaf, never the pod's.
test_oci_cgroups_path_is_the_containers_cgroup() {
	local pod=/zt-pod$$ d
	if v2_host; then
		# on cgroup v2 the pod's cgroup is its owner's to make, with controllers (kubelet's job)
		mkdir -p /sys/fs/cgroup$pod
		at_cleanup rmdir /sys/fs/cgroup$pod
		echo "+memory +pids" >/sys/fs/cgroup/cgroup.subtree_control
		echo "+memory +pids" >/sys/fs/cgroup$pod/cgroup.subtree_control
		echo $((256 << 20)) >/sys/fs/cgroup$pod/memory.max
	else
		for d in /sys/fs/cgroup/*/; do
			[ -e "$d/cgroup.procs" ] && at_cleanup rmdir "$d${pod#/}"
		done
		# the pod's memory cgroup is its owner's; in the others zonectl makes it
		mkdir /sys/fs/cgroup/memory$pod
	fi
	B=$(bundle_dir)
	make_bundle "$B" sleep 1000
	edit_config "$B" "c['linux']['cgroupsPath'] = '$pod/ctr-a'; c['linux']['resources'] = {'memory': {'limit': 64 << 20}, 'pids': {'limit': 50}}"
	z create --bundle "$B" oc34
	pid=$(z state oc34 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	grep -q "memory:$pod/ctr-a\$\|^0::$pod/ctr-a\$" /proc/$pid/cgroup || fail "cgroups: $(cat /proc/$pid/cgroup)"
	if v2_host; then
		[ "$(cat /sys/fs/cgroup$pod/ctr-a/memory.max)" = $((64 << 20)) ] || fail "limit not on the leaf"
	else
		[ "$(cat /sys/fs/cgroup/memory$pod/ctr-a/memory.limit_in_bytes)" = $((64 << 20)) ] || fail "limit not on the leaf"
		[ "$(cat /sys/fs/cgroup/pids$pod/ctr-a/pids.max)" = 50 ] || fail "pids not on the leaf"
	fi
	z start oc34
	z oci ps oc34 | grep -qw "$pid" || fail "ps: $(z oci ps oc34 2>&1)"
	z delete --force oc34
	[ -z "$(find /sys/fs/cgroup -type d -path "*$pod/ctr-a" 2>/dev/null)" ] || fail "leaf left"
	if v2_host; then
		[ -d /sys/fs/cgroup$pod ] || fail "the pod's cgroup was removed"
	else
		[ -d /sys/fs/cgroup/memory$pod ] || fail "the pod's own memory cgroup was removed"
		[ ! -e /sys/fs/cgroup/pids$pod ] || fail "the pids cgroup zonectl made for the path was left"
	fi
	edit_config "$B" "c['linux']['cgroupsPath'] = '$pod/../x'"
	expect_fail 'linux.cgroupsPath' z create --bundle "$B" oc35
	[ ! -e "$(zone_dir oc35)" ] || fail "a refused path left a container"
}

# A mount namespace by path: refused with the reason (the root would be
# built in it), and the man page says the same.
test_oci_mount_namespace_by_path_is_refused_with_the_reason() {
	B=$(bundle_dir)
	make_bundle "$B" true
	edit_config "$B" "c['linux']['namespaces'] = [n if n['type'] != 'mount' else {'type': 'mount', 'path': '/proc/1/ns/mnt'} for n in c['linux']['namespaces']]"
	expect_fail 'zone oc36: config: linux.namespaces: a mount namespace given by path is not supported: .*change the one at `/proc/1/ns/mnt`' z run --bundle "$B" oc36
	[ ! -e "$(zone_dir oc36)" ] || fail "a refused config left a container"
	grep -q 'A mount namespace given by' man/zonectl-config.5 || fail "the man page does not say so"
}

test_oci_create_delete_of_a_never_started_container() {
	B=$(bundle_dir)
	make_bundle "$B" sleep 1000
	z create --bundle "$B" oc3
	z oci delete oc3
	assert_no_leaks oc3
	z delete --force oc3 # gone already: not an error with --force
	expect_fail 'zone oc3: no such container' z oci delete oc3
}

test_oci_exec_and_ps() {
	run_detached oc4 sleep 1000
	out=$(z exec oc4 sh -c 'echo in-$(hostname) $$')
	[[ $out = in-zonectl* ]] || fail "exec output: $out"
	set +e
	z exec --env X=7 --cwd /tmp oc4 sh -c 'test "$X" = 7 && test "$(pwd)" = /tmp && exit 5'
	rc=$?
	set -e
	[ $rc = 5 ] || fail "exec status $rc (env/cwd not applied?)"
	[ "$(z exec --user 1000:1001 --additional-gids 5,6 oc4 id)" = "uid=1000 gid=1001 groups=5,6" ] ||
		fail "exec --user: $(z exec --user 1000:1001 --additional-gids 5,6 oc4 id)"
	z exec --detach --pid-file "$B/epid" oc4 sleep 500
	epid=$(cat "$B/epid")
	[ "$(cat /proc/$epid/comm)" = sleep ] || fail "detached exec pid $epid"
	json=$(z ps --format json oc4)
	python3 -c 'import json,sys; p=json.loads(sys.argv[1]); assert '"$epid"' in p and len(p)==2, p' "$json"
	z ps oc4 | grep -q 'sleep 500' || fail "ps table: $(z ps oc4)"
	expect_fail 'zone oc4: nosuch: command not found' z exec oc4 nosuch
	z delete --force oc4
	assert_no_leaks oc4
}

test_oci_pause_resume_freezes_the_container() {
	run_detached oc5 sh -c 'while true; do echo x >/dev/null; done'
	z pause oc5
	[ "$(oci_status oc5)" = paused ] || fail "after pause: $(oci_status oc5)"
	pid=$(z state oc5 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	t1=$(awk '{print $14}' /proc/$pid/stat); sleep 0.3; t2=$(awk '{print $14}' /proc/$pid/stat)
	[ "$t1" = "$t2" ] || fail "paused process used CPU: $t1 -> $t2"
	expect_fail 'zone oc5: the container is paused already' z pause oc5
	expect_fail 'zone oc5: the container is paused \(resume it first\)' z exec oc5 true
	z resume oc5
	[ "$(oci_status oc5)" = running ] || fail "after resume: $(oci_status oc5)"
	z delete --force oc5
	assert_no_leaks oc5
}

test_oci_update_applies_and_keeps_limits() {
	run_detached oc6 sleep 1000
	z update --memory 64M --pids-limit 42 --cpu-shares 512 oc6
	[ "$(cgread oc6 mem.limit)" = 67108864 ] || fail "memory limit $(cgread oc6 mem.limit)"
	[ "$(cgread oc6 pids.max)" = 42 ] || fail "pids.max $(cgread oc6 pids.max)"
	if v2_host; then
		# cgroup2 has neither: an error naming it, and nothing changes
		expect_fail 'memory.swappiness: cgroup2 has no such control' \
			z update -r <(echo '{"pids": {"limit": 43}, "memory": {"swappiness": 17}}') oc6
		echo '{"pids": {"limit": 43}}' | z update -r - oc6
	else
		echo '{"pids": {"limit": 43}, "memory": {"swappiness": 17, "disableOOMKiller": true}}' | z update -r - oc6
		cg=$(cgdir oc6 memory)
		[ "$(cat "$cg/memory.swappiness")" = 17 ] || fail "swappiness $(cat "$cg/memory.swappiness")"
		grep -qx 'oom_kill_disable 1' "$cg/memory.oom_control" || fail "oom killer: $(cat "$cg/memory.oom_control")"
	fi
	[ "$(cgread oc6 pids.max)" = 43 ] || fail "pids.max after -r: $(cgread oc6 pids.max)"
	z config oc6 | python3 -c 'import json,sys; r=json.load(sys.stdin)["linux"]["resources"]; assert r["pids"]["limit"]==43 and r["memory"]["limit"]==67108864 and r["cpu"]["shares"]==512, r'
	expect_fail 'zone oc6: resources: linux.resources.memory.limit: expected an integer' z update -r <(echo '{"memory": {"limit": "lots"}}') oc6
	expect_fail 'zonectl update: `x`: not a number or size' z update --memory x oc6
	z delete --force oc6
	assert_no_leaks oc6
}

test_oci_kill_takes_names_and_numbers() {
	run_detached oc7 sleep 1000
	expect_fail 'zonectl kill: unknown signal `NOPE`' z kill oc7 NOPE
	z kill oc7 SIGCONT
	z kill oc7 18
	z kill --all oc7 9
	wait_stopped oc7
	expect_fail 'zone oc7: cannot signal a zone that is installed \(it is not running\)' z kill oc7 9
	z delete oc7
	assert_no_leaks oc7
}

test_oci_bad_input_names_the_container() {
	B=$(bundle_dir)
	make_bundle "$B" sleep 1000
	expect_fail 'zone ocx: no such zone' z state ocx
	expect_fail 'zone ocx: no such zone' z start ocx
	expect_fail 'zone name `oc/x`' z create --bundle "$B" oc/x
	expect_fail 'zone ocb: bundle `/nonexistent`' z create --bundle /nonexistent ocb
	edit_config "$B" "c['linux']['intelRdt'] = {'closID': 'x'}"
	expect_fail 'zone ocb: config: linux.intelRdt: not supported' z create --bundle "$B" ocb
	edit_config "$B" "del c['linux']['intelRdt']; c['process']['terminal'] = True"
	expect_fail 'zone ocb: config: process.terminal is true, so --console-socket is needed' z create --bundle "$B" ocb
	edit_config "$B" "c['process']['terminal'] = False; c['process']['args'] = ['/nonexistent']"
	expect_fail 'zone ocb: exec `/nonexistent`: No such file or directory' z run --bundle "$B" ocb
	[ ! -e "$(zone_dir ocb)" ] || fail "failed create left the zone"
	assert_no_leaks ocb
	edit_config "$B" "c['process']['args'] = ['sleep', '100']"
	z create --bundle "$B" ocb
	expect_fail 'zone ocb: a container with this id already exists' z create --bundle "$B" ocb
	z oci delete ocb
	# a start that fails (here a startContainer hook) leaves nothing either
	edit_config "$B" "c['hooks'] = {'startContainer': [{'path': '/bin/false'}]}"
	expect_fail 'zone ocb: startContainer hook `/bin/false`: exited with status 1' z run --bundle "$B" ocb
	[ ! -e "$(zone_dir ocb)" ] || fail "failed start left the zone"
	assert_no_leaks ocb
}

test_oci_linux_devices_are_made_in_the_root() {
	B=$(bundle_dir)
	make_bundle "$B" sh -c 'ls -ln /dev/ocnull; echo x >/dev/ocnull && echo wrote'
	edit_config "$B" "c['linux']['devices'] = [{'path': '/dev/ocnull', 'type': 'c', 'major': 1, 'minor': 3, 'fileMode': 0o640, 'uid': 7, 'gid': 8}]; c['linux']['resources']['devices'].append({'allow': True, 'type': 'c', 'major': 1, 'minor': 3, 'access': 'rw'})"
	out=$(z run --bundle "$B" oc14)
	[[ $out == crw-r-----*" 7 "*" 8 "*"1,"*3*/dev/ocnull*wrote ]] || fail "device: $out"
	[ ! -e "$B/rootfs/dev/ocnull" ] || fail "the node reached the bundle's rootfs"
}

test_oci_joins_a_pid_namespace_by_path() {
	run_detached oc12 sleep 1000
	pid=$(z state oc12 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	B2=$ZONECTL_ROOT.b2
	make_bundle "$B2" ps
	edit_config "$B2" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'pid'] + [{'type': 'pid', 'path': '/proc/$pid/ns/pid'}]"
	out=$(z run --bundle "$B2" oc13)
	grep -q 'sleep 1000' <<<"$out" || fail "oc13 does not see oc12's processes: $out"
	[ "$(readlink /proc/self/ns/pid)" = "$(readlink /proc/$$/ns/pid)" ] || fail "our pid namespace changed"
	z delete --force oc12
	assert_no_leaks oc12
	assert_no_leaks oc13
}

test_oci_errors_go_to_the_log_as_json() {
	log=$ZONECTL_ROOT.log
	expect_fail 'zone ocnone: no such zone' z --log "$log" --log-format json start ocnone
	python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()); assert d["level"]=="error" and "zone ocnone: no such zone" in d["msg"], d' "$log"
	B=$(bundle_dir)
	make_bundle "$B" true
	expect_fail "zone ocs: --cgroup-manager systemd: systemd is not this host's init" \
		z --log "$log" --log-format json --systemd-cgroup create --bundle "$B" ocs
	z state ocs 2>/dev/null && fail "a refused create left zone ocs"
	return 0
}

test_oci_container_is_a_zone_and_zone_verbs_keep_their_meaning() {
	run_detached oc8 sleep 1000
	z list | grep -E '^oc8 +running +oci ' >/dev/null || fail "zonectl list: $(z list)"
	z list --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["id"]=="oc8" and d[0]["status"]=="running", d'
	z oci list -q | grep -qx oc8 || fail "oci list -q: $(z oci list -q)"
	# zonectl's own create (no --bundle) still makes a sparse zone, and
	# zonectl state answers for it as an OCI container
	z create ocz
	[ "$(oci_status ocz)" = stopped ] || fail "state of an installed zone: $(z state ocz)"
	z delete ocz
	z delete -f oc8
	assert_no_leaks oc8
}

test_oci_hooks_get_the_state_on_stdin() {
	B=$(bundle_dir)
	make_bundle "$B" sleep 1000
	cat >"$B/hook" <<EOF
#!/bin/sh
cat > "$B/\$1.json"
EOF
	chmod +x "$B/hook"
	# createContainer and startContainer run in the zone's mounts: their
	# /tmp is the rootfs's
	printf '#!/bin/sh\ncat > /tmp/$1.json\n' >"$B/inhook"
	chmod +x "$B/inhook"
	edit_config "$B" "c['hooks'] = {k: [{'path': '$B/hook', 'args': ['hook', k]}] for k in ('prestart', 'createRuntime', 'poststart', 'poststop')}; c['hooks'].update({k: [{'path': '$B/inhook', 'args': ['inhook', k]}] for k in ('createContainer', 'startContainer')}); c['root']['readonly'] = False"
	z run -d --bundle "$B" oc9
	for k in prestart createRuntime poststart rootfs/tmp/createContainer rootfs/tmp/startContainer; do
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["id"]=="oc9" and d["pid"]>0 and d["bundle"]==sys.argv[2], d' "$B/$k.json" "$B"
	done
	z delete --force oc9
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"]=="stopped", d' "$B/poststop.json"
	edit_config "$B" "c['hooks'] = {'createRuntime': [{'path': '/bin/false'}]}"
	expect_fail 'zone oc9: createRuntime hook `/bin/false`: exited with status 1' z create --bundle "$B" oc9
	[ ! -e "$(zone_dir oc9)" ] || fail "failed hook left the zone"
	assert_no_leaks oc9
}

test_oci_sysctl_rlimits_and_console_size() {
	B=$(bundle_dir)
	make_bundle "$B" sh -c 'cat /proc/sys/net/ipv4/ping_group_range; ulimit -n'
	edit_config "$B" "c['linux']['sysctl'] = {'net.ipv4.ping_group_range': '0 0'}; c['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 321, 'hard': 321}]"
	out=$(z run --bundle "$B" oc10)
	[ "$out" = "$(printf '0\t0\n321')" ] || fail "sysctl/rlimit: $out"
	edit_config "$B" "c['linux']['sysctl'] = {'kernel.panic': '1'}"
	expect_fail 'zone oc10: config: linux.sysctl.kernel.panic: not a namespaced sysctl' z run --bundle "$B" oc10
}

# A console socket receiver: prints what the pty says until "tty-ok".
console_receiver() {
	python3 - "$1" <<'EOF'
import array, os, select, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(1, socket.CMSG_LEN(4))
fd = array.array("i", anc[0][2])[0]
data = b""
while b"tty-ok" not in data and select.select([fd], [], [], 5)[0]:
    data += os.read(fd, 1024)
print(data.decode(errors="replace").replace("\r", ""))
EOF
}

test_oci_console_socket_gets_the_pty_master() {
	B=$(bundle_dir)
	make_bundle "$B" sh -c 'test -t 0 && test -t 1 && echo size-$(stty size) tty-ok; sleep 100'
	edit_config "$B" "c['process']['terminal'] = True; c['process']['consoleSize'] = {'height': 30, 'width': 100}"
	console_receiver "$B/con.sock" >"$B/con.out" &
	rpid=$!
	for _ in $(seq 50); do [ -S "$B/con.sock" ] && break; sleep 0.1; done
	z create --bundle "$B" --console-socket "$B/con.sock" oc11
	z start oc11
	wait $rpid
	grep -q 'size-30 100 tty-ok' "$B/con.out" || fail "pty said: $(cat "$B/con.out")"
	z delete --force oc11
	assert_no_leaks oc11
}

test_oci_run_in_the_foreground_relays_the_terminal() {
	command -v script >/dev/null || skip "script (bsdutils) is not installed"
	B=$(bundle_dir)
	make_bundle "$B" sh -c 'test -t 0 && echo tty-ok; exit 6'
	edit_config "$B" "c['process']['terminal'] = True"
	out=$(script -qec "$ZONECTL run --bundle $B oc16; echo rc=\$?" /dev/null </dev/null)
	[[ $out == *tty-ok*rc=6* ]] || fail "run with a terminal: $out"
	[ -z "$(ls "$ZONECTL_ROOT/run/locks" | grep console)" ] || fail "console socket left"
	assert_no_leaks oc16
}

test_oci_spec_and_features_are_json() {
	d=$ZONECTL_ROOT.spec
	mkdir -p "$d"
	z spec --bundle "$d"
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["root"]["path"]=="rootfs" and c["process"]["args"]==["sh"], c' "$d/config.json"
	expect_fail 'exists already' z spec --bundle "$d"
	z features | python3 -c 'import json,sys; f=json.load(sys.stdin); assert "poststop" in f["hooks"] and f["linux"]["cgroup"]["v1"], f'
}

# A user namespace (linux.uidMappings/gidMappings): root in the container
# is uid 100000 on the host, the maps are the config's, files it makes
# belong to 100000, /dev works without mknod, exec and a pty join it, and a
# bind source in a 0700 host directory is still mounted (the parent opens
# it). Without the namespace the same bundle's root is the host's root:
# the check that this test would see the difference.
userns_bundle() {
	local b=$1
	shift
	make_bundle "$b" "$@"
	edit_config "$b" "c['linux']['namespaces'].append({'type': 'user'}); c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]; c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]"
	chown -R 100000:100000 "$b/rootfs"
	chmod 755 "$ZONECTL_ROOT" # the namespace's root walks to its rootfs
}

test_oci_user_namespace_maps_root_to_an_unprivileged_uid() {
	B=$(bundle_dir)
	make_bundle "$B" sh -c 'touch /tmp/made; cat /proc/self/uid_map'
	edit_config "$B" "c['root']['readonly'] = False"
	out=$(z run --bundle "$B" oc40)
	[[ $out == *" 0 "*" 0 "*4294967295* ]] || fail "without a user namespace the map is not the host's: $out"
	[ "$(stat -c %u "$B/rootfs/tmp/made")" = 0 ] || fail "not a proof: the host's root made it as $(stat -c %u "$B/rootfs/tmp/made")"
	rm -rf "$B"
	mkdir -p "$ZONECTL_ROOT.secret"
	chmod 700 "$ZONECTL_ROOT.secret"
	echo host-only >"$ZONECTL_ROOT.secret/f"
	chmod 644 "$ZONECTL_ROOT.secret/f"
	userns_bundle "$B" sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/made; echo x >/dev/null && head -c 4 /dev/zero | wc -c; cat /f; grep CapEff /proc/self/status; sleep 1000'
	edit_config "$B" "c['root']['readonly'] = False; c['mounts'].append({'destination': '/f', 'type': 'bind', 'source': '$ZONECTL_ROOT.secret/f', 'options': ['bind', 'ro']})"
	# linux.devices: no mknod in a user namespace, the host's node is bound
	edit_config "$B" "c['linux']['devices'] = [{'path': '/dev/net/tun', 'type': 'c', 'major': 10, 'minor': 200}]; c['linux']['resources']['devices'].append({'allow': True, 'type': 'c', 'major': 10, 'minor': 200, 'access': 'rw'})"
	z run --detach --bundle "$B" oc41
	pid=$(z state oc41 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	for _ in $(seq 50); do [ "$(stat -c %u "$B/rootfs/tmp/made" 2>/dev/null)" = 100000 ] && break; sleep 0.1; done
	[ "$(stat -c %u "$B/rootfs/tmp/made")" = 100000 ] || fail "the container's root made a file as host uid $(stat -c %u "$B/rootfs/tmp/made" 2>&1)"
	[ "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" = 100000 ] || fail "init runs as $(grep Uid: /proc/$pid/status)"
	out=$(z exec oc41 sh -c 'id -u; cat /proc/self/uid_map; cat /f')
	[[ $out == 0*" 0 "*100000*65536*host-only ]] || fail "exec: $out"
	out=$(z exec --tty oc41 tty </dev/null)
	[[ $out == /dev/pts/* ]] || fail "exec --tty: $out"
	[ "$(z exec --user 1000:1000 oc41 id -u)" = 1000 ] || fail "exec --user in the namespace"
	out=$(z exec oc41 ls -l /dev/net/tun)
	[[ $out == c*"10,"*200*/dev/net/tun ]] || fail "linux.devices in the namespace: $out"
	z delete --force oc41
	assert_no_leaks oc41
}

# A network namespace by path is joined by the monitor before the clone:
# it keeps its owner (the host's user namespace), so the container sees
# the other's links but may not mount a sysfs for them and gets the host's
# /sys read-only instead.
test_oci_user_namespace_joins_a_host_owned_network_namespace() {
	run_detached oc43 sleep 1000
	pid=$(z state oc43 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	B2=$ZONECTL_ROOT.b2
	userns_bundle "$B2" sh -c 'readlink /proc/self/ns/net; grep -c . /proc/net/dev; touch /sys/x 2>&1 | grep -o "Read-only"'
	edit_config "$B2" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network', 'path': '/proc/$pid/ns/net'}]"
	out=$(z run --bundle "$B2" oc44)
	[[ $out == "$(readlink /proc/$pid/ns/net)"* ]] || fail "not in oc43's network namespace: $out"
	[[ $out == *Read-only ]] || fail "/sys is writable or missing: $out"
	z delete --force oc43
	assert_no_leaks oc44
}

test_oci_user_namespace_config_errors_name_the_field() {
	B=$(bundle_dir)
	make_bundle "$B" true
	edit_config "$B" "c['linux']['namespaces'].append({'type': 'user'})"
	expect_fail 'oc42.*linux.uidMappings: required with a user namespace' z create --bundle "$B" oc42
	edit_config "$B" "c['linux']['namespaces'].pop(); c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 10}]"
	expect_fail 'oc42.*linux.uidMappings: needs a user namespace' z create --bundle "$B" oc42
	edit_config "$B" "c['linux']['namespaces'].append({'type': 'user'}); c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 10}, {'containerID': 5, 'hostID': 200000, 'size': 1}]"
	expect_fail 'oc42.*gidMappings\[1\]: overlaps entry 0' z create --bundle "$B" oc42
	edit_config "$B" "c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000}]"
	expect_fail 'oc42.*gidMappings\[0\].size: required' z create --bundle "$B" oc42
	edit_config "$B" "c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 10}]; c['linux']['namespaces'][-1]['path'] = '/proc/1/ns/user'"
	expect_fail 'oc42.*joining a user namespace by path' z create --bundle "$B" oc42
	# a device the host does not have cannot be made in the namespace
	edit_config "$B" "del c['linux']['namespaces'][-1]['path']; c['linux']['uidMappings'] = c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]; c['linux']['devices'] = [{'path': '/dev/ocnone', 'type': 'c', 'major': 1, 'minor': 3}]"
	chown -R 100000:100000 "$B/rootfs"
	chmod 755 "$ZONECTL_ROOT"
	expect_fail 'oc42.*/dev/ocnone.*no node can be made in a user namespace' z run --bundle "$B" oc42
	[ ! -e "$ZONECTL_ROOT/zones/oc42" ] || fail "a refused create left oc42"
}

# ---- real clients ------------------------------------------------------

# Podman with a private store, zonectl as its runtime, no network, and
# limits this host can grant (its hard nofile limit is 20000). The
# runtime is a two-line wrapper only to give zonectl the test's state
# root: podman clears the environment of its runtime calls, and does not
# pass --runtime-flag on to the cleanup process that deletes a container.
pod() {
	podman --root "$PODDIR/store" --runroot "$PODDIR/run" --tmpdir "$PODDIR/tmp" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
		--runtime "$PODDIR/zonectl" "$@"
}
POD_RUN=(--network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)

pod_setup() {
	command -v podman >/dev/null || skip "podman is not installed (./setup installs it)"
	PODDIR=$ZONECTL_ROOT.pod
	mkdir -p "$PODDIR"
	printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$ZONECTL" "$ZONECTL_ROOT" >"$PODDIR/zonectl"
	chmod +x "$PODDIR/zonectl"
	make_bundle "$PODDIR/b" true
	trap 'pod rm -af >/dev/null 2>&1 || true; rm -rf "$PODDIR"' EXIT
}

# No zone of ours may remain once podman has removed its containers.
pod_no_leaks() {
	local left
	left=$(ls "$ZONECTL_ROOT/zones")
	[ -z "$left" ] || fail "zones left: $left"
	for id in "$@"; do assert_no_leaks "$id"; done
}

test_podman_run_rm() {
	pod_setup
	out=$(pod run --rm "${POD_RUN[@]}" --rootfs "$PODDIR/b/rootfs" sh -c 'echo hi; exit 4') && fail "exit 4 became 0"
	[ "$out" = hi ] || fail "output: $out"
	pod_no_leaks
}

test_podman_run_detached_exec_stop_rm() {
	pod_setup
	id=$(pod run -d --name ocp1 "${POD_RUN[@]}" --rootfs "$PODDIR/b/rootfs" sleep 1000)
	[ "$(z state "$id" | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p')" = running ] || fail "state: $(z state "$id")"
	[ "$(pod exec ocp1 sh -c 'echo $((6*7))')" = 42 ] || fail "exec"
	pod stop -t 1 ocp1 >/dev/null
	[ "$(pod inspect -f '{{.State.Status}}' ocp1)" = exited ] || fail "after stop: $(pod inspect -f '{{.State.Status}}' ocp1)"
	pod rm ocp1 >/dev/null
	pod_no_leaks "$id"
}

test_podman_run_it_under_a_terminal() {
	pod_setup
	command -v script >/dev/null || skip "script (bsdutils) is not installed"
	# the sleep: conmon may stop reading the pty as soon as the process
	# exits, losing its last line (seen once in six runs, under load)
	out=$(script -qec "$(declare -f pod); PODDIR=$PODDIR ZONECTL=$ZONECTL pod run --rm -it ${POD_RUN[*]} --rootfs $PODDIR/b/rootfs sh -c 'tty; test -t 0 && echo tty-ok; sleep 0.5'" /dev/null </dev/null)
	[[ $out == *tty-ok* ]] || fail "no terminal: $out"
	id=$(pod run -d --name ocp2 "${POD_RUN[@]}" --rootfs "$PODDIR/b/rootfs" sleep 1000)
	out=$(script -qec "$(declare -f pod); PODDIR=$PODDIR ZONECTL=$ZONECTL pod exec -it ocp2 sh -c 'test -t 0 && echo exec-tty-ok'" /dev/null </dev/null)
	[[ $out == *exec-tty-ok* ]] || fail "exec -it: no terminal: $out"
	pod rm -f -t 0 ocp2 >/dev/null
	pod_no_leaks "$id"
}

test_podman_resource_limits() {
	pod_setup
	if v2_host; then
		# --memory-swappiness is cgroup v1's alone (podman(1) says so)
		out=$(pod run --rm "${POD_RUN[@]}" --memory 64m --cpus 0.5 --pids-limit 77 \
			--rootfs "$PODDIR/b/rootfs" sh -c 'cd /sys/fs/cgroup; cat memory.max cpu.max pids.max')
		[ "$out" = "$(printf '67108864\n50000 100000\n77')" ] || fail "limits seen inside: $out"
	else
		out=$(pod run --rm "${POD_RUN[@]}" --memory 64m --cpus 0.5 --pids-limit 77 --memory-swappiness 10 \
			--rootfs "$PODDIR/b/rootfs" sh -c 'cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes \
			cpu/cpu.cfs_quota_us pids/pids.max memory/memory.swappiness')
		[ "$out" = "$(printf '67108864\n50000\n77\n10')" ] || fail "limits seen inside: $out"
	fi
	pod_no_leaks
}

test_podman_cap_drop_read_only_user_volume() {
	pod_setup
	mkdir -p "$PODDIR/vol"
	echo from-host >"$PODDIR/vol/f"
	out=$(pod run --rm "${POD_RUN[@]}" --cap-drop ALL --read-only --user 1000:1000 \
		-v "$PODDIR/vol:/vol" --rootfs "$PODDIR/b/rootfs" \
		sh -c 'grep CapEff /proc/self/status; id -u; cat /vol/f; touch /x 2>/dev/null && echo rw || echo ro')
	[ "$out" = "$(printf 'CapEff:\t0000000000000000\n1000\nfrom-host\nro')" ] || fail "inside: $out"
	pod_no_leaks
}

test_podman_run_with_a_uid_map() {
	pod_setup
	# what podman does to an image's layers for --uidmap: the rootfs
	# belongs to the mapped root
	cp -a "$PODDIR/b/rootfs" "$PODDIR/mapped"
	chown -R 200000:200000 "$PODDIR/mapped"
	chmod 755 "$ZONECTL_ROOT" "$PODDIR"
	out=$(pod run --rm "${POD_RUN[@]}" --uidmap 0:200000:65536 --gidmap 0:200000:65536 \
		--rootfs "$PODDIR/mapped" sh -c 'id -u; cat /proc/self/uid_map; head -1 /etc/hosts; touch /made')
	[[ $out == 0*" 0 "*200000*65536*localhost* ]] || fail "inside: $out"
	[ "$(stat -c %u "$PODDIR/mapped/made")" = 200000 ] || fail "made by host uid $(stat -c %u "$PODDIR/mapped/made")"
	pod_no_leaks
}

test_containerd_ctr_run() {
	start_containerd
	make_bundle "$CTR_DIR/b" true
	out=$(zctr_run --rm "$CTR_DIR/b/rootfs" occtr1 sh -c 'echo hi-$(hostname)') ||
		fail "ctr run: $out $(tail -3 "$CTR_DIR/log")"
	[ "$out" = hi-occtr1 ] || fail "ctr run said: $out"
	[ -z "$(ls "$ZONECTL_ROOT/default/zones")" ] || fail "zones left: $(ls "$ZONECTL_ROOT/default/zones")"
	assert_no_leaks occtr1
}

# A pod as the CRI plugin builds one (no kubelet here): a sandbox with its
# own network, IPC and UTS namespaces, two containers that join them by
# path, each with its limits, all under the pod's cgroup (cgroupfs form),
# whose own limit holds them; exec, kill one, delete all.
test_containerd_pod_of_a_sandbox_and_two_containers() {
	start_containerd
	local pod=/zt-pod$$ c pid sbx
	make_bundle "$CTR_DIR/b" true
	for c in sbx pa pb; do cp -a "$CTR_DIR/b/rootfs" "$CTR_DIR/$c"; done
	if v2_host; then
		mkdir -p /sys/fs/cgroup$pod
		at_cleanup rmdir /sys/fs/cgroup$pod
		echo "+memory +pids" >/sys/fs/cgroup/cgroup.subtree_control
		echo "+memory +pids" >/sys/fs/cgroup$pod/cgroup.subtree_control
		echo $((512 << 20)) >/sys/fs/cgroup$pod/memory.max
	else
		for c in /sys/fs/cgroup/*/; do
			[ -e "$c/cgroup.procs" ] && at_cleanup rmdir "$c${pod#/}"
		done
		mkdir -p /sys/fs/cgroup/memory$pod
		echo $((512 << 20)) >/sys/fs/cgroup/memory$pod/memory.limit_in_bytes
	fi
	zctr_run -d --null-io --cgroup $pod/sbx "$CTR_DIR/sbx" sbx sleep 1000 >/dev/null ||
		fail "sandbox: $(tail -3 "$CTR_DIR/log")"
	sbx=$(task_pid sbx)
	[ -n "$sbx" ] || fail "no sandbox task: $(zctr task ls)"
	for c in pa pb; do
		zctr_run -d --null-io --cgroup $pod/$c --memory-limit $((64 << 20)) \
			--with-ns network:/proc/$sbx/ns/net --with-ns ipc:/proc/$sbx/ns/ipc \
			--with-ns uts:/proc/$sbx/ns/uts "$CTR_DIR/$c" $c sleep 1000 >/dev/null ||
			fail "container $c: $(tail -3 "$CTR_DIR/log")"
	done
	for c in pa pb; do
		pid=$(task_pid $c)
		for ns in net ipc uts; do
			[ "$(readlink /proc/$pid/ns/$ns)" = "$(readlink /proc/$sbx/ns/$ns)" ] || fail "$c is not in the sandbox's $ns namespace"
		done
		[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] || fail "the pod shares the host's network"
		grep -q "memory:$pod/$c\$\|^0::$pod/$c\$" /proc/$pid/cgroup || fail "$c's cgroup: $(cat /proc/$pid/cgroup)"
		if v2_host; then
			[ "$(cat /sys/fs/cgroup$pod/$c/memory.max)" = $((64 << 20)) ] || fail "$c's limit"
		else
			[ "$(cat /sys/fs/cgroup/memory$pod/$c/memory.limit_in_bytes)" = $((64 << 20)) ] || fail "$c's limit"
			grep -qx "hierarchical_memory_limit $((64 << 20))" /sys/fs/cgroup/memory$pod/$c/memory.stat || fail "$c's hierarchy"
		fi
	done
	# the pod's cgroup accounts for all three
	if v2_host; then
		[ "$(cat /sys/fs/cgroup$pod/pids.current)" -ge 3 ] || fail "pod pids: $(cat /sys/fs/cgroup$pod/pids.current)"
	else
		[ "$(find /sys/fs/cgroup/pids$pod -name cgroup.procs -exec cat {} + | wc -l)" -ge 3 ] || fail "pod's processes"
	fi
	out=$(zctr task exec --exec-id e1 pa sh -c 'echo in-pa; cat /proc/net/dev | wc -l') || fail "exec: $out"
	[[ $out == in-pa* ]] || fail "exec said: $out"
	zctr task kill -s KILL pa
	for _ in $(seq 50); do zctr task ls | grep -q '^pa .*STOPPED' && break; sleep 0.1; done
	zctr task ls | grep -q '^pb .*RUNNING' || fail "pb did not keep running: $(zctr task ls)"
	zctr task ls | grep -q '^sbx .*RUNNING' || fail "the sandbox did not keep running: $(zctr task ls)"
	for c in pa pb sbx; do
		zctr task kill -s KILL $c 2>/dev/null || true
	done
	for c in pa pb sbx; do
		for _ in $(seq 50); do zctr task ls | grep -q "^$c .*RUNNING" || break; sleep 0.1; done
		zctr task delete $c >/dev/null 2>&1 || zctr task delete -f $c >/dev/null
		zctr container delete $c
	done
	[ -z "$(ls "$ZONECTL_ROOT/default/zones")" ] || fail "zones left: $(ls "$ZONECTL_ROOT/default/zones")"
	[ -z "$(find /sys/fs/cgroup -mindepth 2 -type d -path "*$pod/*" 2>/dev/null)" ] || fail "cgroups left: $(find /sys/fs/cgroup -type d -path "*$pod/*")"
	for c in sbx pa pb; do assert_no_leaks $c; done
}

# runc's /proc by default; the zone's view when the bundle asks for it.
test_oci_procfs_view_only_when_annotated() {
	B=$(bundle_dir)
	make_bundle "$B" cat /proc/meminfo
	edit_config "$B" "c['linux']['resources'] = {'memory': {'limit': 268435456}}"
	host=$(z run --bundle "$B" oc16 | sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p')
	[ "$host" = "$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)" ] ||
		fail "without the annotation: MemTotal $host kB, not the host's"
	edit_config "$B" "c.setdefault('annotations', {})['org.zonectl.procfs'] = 'zone'"
	zone=$(z run --bundle "$B" oc16 | sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p')
	[ "$zone" = 262144 ] || fail "with org.zonectl.procfs=zone: MemTotal $zone kB, want 262144"
	edit_config "$B" "c['annotations']['org.zonectl.procfs'] = 'maybe'"
	expect_fail 'zone oc16: config: annotations.org.zonectl.procfs: expected "zone" or "host"' \
		z run --bundle "$B" oc16
}

run_tests
