#!/bin/bash
# A zone's view of its own machine (procfs-filter): /proc files, sysinfo
# and the CPU count from its caps and its own activity; reads that keep
# working while the view's server is killed or stopped; the host's view of
# which process is whose. Zones here are named pf*.
. "$(dirname "$0")/lib.sh"

need_cpus() { [ "$(getconf _NPROCESSORS_ONLN)" -ge "$1" ] || skip "needs $1 CPUs to tell the zone's count from the host's"; }

# meminfo_kb FILE-TEXT KEY
meminfo_kb() { awk -v k="$2:" '$1 == k {print $2}' <<<"$1"; }

# The value of KEY= in zprobe sysinfo's output.
sysinfo_of() { sed -n "s/.*\b$2=\([0-9]*\).*/\1/p" <<<"$1"; }

server_pid() { cat "$ZONECTL_ROOT/run/$1/procfs.pid"; }

# wait_new_server ZONE OLD-PID SECONDS: a different, live server.
wait_new_server() {
	local i p
	for i in $(seq $((${3} * 10))); do
		p=$(server_pid "$1" 2>/dev/null || true)
		if [ -n "$p" ] && [ "$p" != "$2" ] && kill -0 "$p" 2>/dev/null; then
			echo "$p"
			return 0
		fi
		sleep 0.1
	done
	fail "zone $1: no new procfs server within $3 s (was $2)"
}

test_capped_zone_sees_its_memory_and_cpus() {
	need_cpus 2
	z create pfa --set memory=512M,cpu-cap=100
	z boot pfa
	add_probe pfa
	host_kb=$(meminfo_kb "$(cat /proc/meminfo)" MemTotal)
	[ "$host_kb" != 524288 ] || skip "the host has exactly 512M: cannot tell the views apart"
	mem=$(z login pfa -- cat /proc/meminfo)
	[ "$(meminfo_kb "$mem" MemTotal)" = 524288 ] || fail "MemTotal: $(head -3 <<<"$mem")"
	free=$(z login pfa -- free -b)
	[ "$(awk '/^Mem:/ {print $2}' <<<"$free")" = 536870912 ] || fail "procps free -b: $free"
	bfree=$(z login pfa -- busybox free -b)
	[ "$(awk '/^Mem:/ {print $2}' <<<"$bfree")" = 536870912 ] || fail "busybox free -b (sysinfo): $bfree"
	[ "$(z login pfa -- nproc)" = 1 ] || fail "nproc: $(z login pfa -- nproc)"
	[ "$(z login pfa -- getconf _NPROCESSORS_ONLN)" = 1 ] || fail "getconf: $(z login pfa -- getconf _NPROCESSORS_ONLN)"
	[ "$(z login pfa -- grep -c ^processor /proc/cpuinfo)" = 1 ] || fail "cpuinfo: $(z login pfa -- grep ^processor /proc/cpuinfo)"
	[ "$(z login pfa -- cat /sys/devices/system/cpu/online)" = 0 ] || fail "cpu/online: $(z login pfa -- cat /sys/devices/system/cpu/online)"
	si=$(z login pfa -- /root/zprobe sysinfo)
	[ "$(sysinfo_of "$si" totalram)" = 536870912 ] || fail "sysinfo: $si"
	# Cap lifted live: the view follows within a refresh.
	z set pfa cpu-cap=200 memory=1G
	sleep 2.2
	[ "$(z login pfa -- getconf _NPROCESSORS_ONLN)" = 2 ] || fail "after cpu-cap=200: $(z login pfa -- getconf _NPROCESSORS_ONLN)"
	[ "$(meminfo_kb "$(z login pfa -- cat /proc/meminfo)" MemTotal)" = 1048576 ] || fail "after memory=1G: $(z login pfa -- head -1 /proc/meminfo)"
	z set pfa cpuset=1
	sleep 2.2
	[ "$(z login pfa -- getconf _NPROCESSORS_ONLN)/$(z login pfa -- nproc)" = 1/1 ] ||
		fail "after cpuset=1: getconf/nproc $(z login pfa -- getconf _NPROCESSORS_ONLN)/$(z login pfa -- nproc)"
}

test_service_started_by_init_gets_the_zones_sysinfo() {
	z create pfi --set memory=384M
	add_probe pfi
	z config pfi | python3 -c 'import json,sys; c=json.load(sys.stdin); c["process"]["args"]=["/root/zprobe","sysinfo"]; json.dump(c, open(sys.argv[1],"w"))' "$ZONECTL_ROOT.cfg"
	z delete pfi
	z create pfi --config "$ZONECTL_ROOT.cfg"
	add_probe pfi
	z boot pfi
	for i in $(seq 30); do
		grep -q totalram "$ZONECTL_ROOT/run/pfi/console.log" 2>/dev/null && break
		sleep 0.1
	done
	out=$(cat "$ZONECTL_ROOT/run/pfi/console.log")
	[ "$(sysinfo_of "$out" totalram)" = $((384 << 20)) ] || fail "init's service saw: $out"
}

test_uptime_and_btime_are_the_zones() {
	t0=$(date +%s.%N)
	z create pfu
	z boot pfu
	add_probe pfu
	sleep 2
	up=$(z login pfu -- cat /proc/uptime)
	btime=$(z login pfu -- awk '$1 == "btime" {print $2}' /proc/stat)
	si=$(z login pfu -- /root/zprobe sysinfo)
	t1=$(date +%s.%N)
	python3 - "$t0" "$t1" "$up" "$btime" "$(sysinfo_of "$si" uptime)" "$(cut -d' ' -f1 /proc/uptime)" <<'EOF' || fail "uptime $up, btime $btime, sysinfo $si, zone booted after $t0"
import sys
t0, t1, up, btime, si_up, host_up = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3].split()[0]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
age = t1 - t0
assert host_up > age + 5, "host too young to tell"
assert 1.0 <= up <= age, (up, age)
assert int(t0) <= btime <= t1, (btime, t0, t1)
assert si_up <= age + 1, (si_up, age)
EOF
}

test_loadavg_counts_the_zones_own_tasks() {
	z create pfl
	z create pfm
	z boot pfl
	z boot pfm
	z login pfl -- sh -c 'timeout 9 sh -c "while :; do :; done" >/dev/null 2>&1 &'
	sleep 6.5
	busy=$(z login pfl -- cat /proc/loadavg)
	idle=$(z login pfm -- cat /proc/loadavg)
	python3 -c 'import sys; b=float(sys.argv[1].split()[0]); i=float(sys.argv[2].split()[0]); assert b >= 0.05 and i == 0, (b, i)' "$busy" "$idle" ||
		fail "busy zone's loadavg: $busy; idle zone's: $idle; host's: $(cat /proc/loadavg)"
}

test_reads_survive_a_killed_and_a_stopped_server() {
	z create pfk --set memory=256M
	z boot pfk
	add_probe pfk
	z login pfk -- /root/zprobe readloop /proc/meminfo 9 sysinfo >"$ZONECTL_ROOT.loop" 2>&1 &
	loop=$!
	sleep 1
	p1=$(server_pid pfk)
	kill -KILL "$p1"
	p2=$(wait_new_server pfk "$p1" 3)
	# Stopped: the monitor finds no heartbeat and replaces it.
	kill -STOP "$p2"
	p3=$(wait_new_server pfk "$p2" 6)
	if kill -0 "$p2" 2>/dev/null && [ "$(ps -o comm= -p "$p2")" = zonectl-procfs ]; then
		kill -KILL "$p2"
		fail "the stopped server $p2 was left running"
	fi
	wait "$loop" || fail "the reader failed: $(cat "$ZONECTL_ROOT.loop")"
	out=$(cat "$ZONECTL_ROOT.loop")
	[[ $out =~ reads=([0-9]+)\ bad=([0-9]+)\ worst_ms=([0-9.]+) ]] || fail "reader: $out"
	[ "${BASH_REMATCH[2]}" = 0 ] && [ "${BASH_REMATCH[1]}" -gt 1000 ] ||
		fail "reader saw bad reads or too few: $out"
	python3 -c 'import sys; assert float(sys.argv[1]) < 1000' "${BASH_REMATCH[3]}" || fail "a read or sysinfo waited: $out"
	[ "$(meminfo_kb "$(z login pfk -- cat /proc/meminfo)" MemTotal)" = 262144 ] || fail "MemTotal after the restarts"
	# The new server is refreshing the zone's files.
	u1=$(z login pfk -- cut -d' ' -f1 /proc/uptime)
	sleep 1.5
	u2=$(z login pfk -- cut -d' ' -f1 /proc/uptime)
	python3 -c 'import sys; assert float(sys.argv[2]) > float(sys.argv[1])' "$u1" "$u2" || fail "uptime stuck at $u1 / $u2 after restart (server $p3)"
	z halt pfk
	assert_no_leaks pfk
	! kill -0 "$p3" 2>/dev/null || fail "server $p3 outlived its zone"
}

# cpu_ns PID: CPU time the process has used (schedstat), in ns.
cpu_ns() { cut -d' ' -f1 "/proc/$1/schedstat"; }

# leases_of PID: write leases the process holds (/proc/locks).
leases_of() { awk -v p="$1" '$2 == "LEASE" && $4 == "WRITE" && $5 == p' /proc/locks | wc -l; }

# up_is_current ZONE SINCE: the zone's /proc/uptime counts at least the
# seconds since SINCE (date +%s.%N, taken after boot), less the view's
# 1 s maximum age.
up_is_current() {
	local before up
	before=$(date +%s.%N)
	up=$(z login "$1" -- cut -d' ' -f1 /proc/uptime)
	python3 -c 'import sys; s, b, u = map(float, sys.argv[1:]); assert u >= b - s - 1.0, (u, b - s)' "$2" "$before" "$up" ||
		fail "zone $1: /proc/uptime says $up s, $(python3 -c "print(round($before - $2, 2))") s since boot at least"
}

test_an_unread_zone_costs_no_cpu_and_its_first_read_is_current() {
	z create pfz
	z boot pfz
	t0=$(date +%s.%N)
	srv=$(server_pid pfz)
	mon=$(ps -o ppid= -p "$srv" | tr -d " ")
	sleep 1.5
	python3 -c 'import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); fcntl.fcntl(fd, 1024, fcntl.F_WRLCK)' "$ZONECTL_ROOT/run/pfz/lease-probe" ||
		skip "the file system of $ZONECTL_ROOT ($(stat -f -c %T "$ZONECTL_ROOT")) gives no write leases: the server refreshes on a timer there"
	rm -f "$ZONECTL_ROOT/run/pfz/lease-probe"
	[ "$(leases_of "$srv")" = 8 ] || fail "server $srv holds $(leases_of "$srv") leases, not one per view file: $(grep LEASE /proc/locks)"
	s1=$(cpu_ns "$srv") m1=$(cpu_ns "$mon")
	sleep 3
	s2=$(cpu_ns "$srv") m2=$(cpu_ns "$mon")
	[ "$s1" = "$s2" ] && [ "$m1" = "$m2" ] ||
		fail "idle zone: server used $((s2 - s1)) ns, monitor $((m2 - m1)) ns in 3 s"
	up_is_current pfz "$t0"
	# The read woke it; a second later it sleeps again.
	sleep 2.5
	s3=$(cpu_ns "$srv")
	sleep 2
	[ "$(cpu_ns "$srv")" = "$s3" ] || fail "the server kept working after the read"
	[ "$(server_pid pfz)" = "$srv" ] || fail "the server was replaced while idle"
}

test_a_reader_holding_a_file_open_does_not_stop_the_view() {
	z create pfh
	z boot pfh
	t0=$(date +%s.%N)
	z login pfh -- sh -c 'exec 3</proc/uptime 4</proc/meminfo; sleep 6' &
	holder=$!
	sleep 2.5
	up_is_current pfh "$t0"
	sleep 1.5
	up_is_current pfh "$t0"
	wait "$holder"
}

test_procfs_host_zone_sees_the_hosts_numbers() {
	z create pfh --set memory=512M
	z config pfh | python3 -c 'import json,sys; c=json.load(sys.stdin); c["zone"]["procfs"]=sys.argv[2]; json.dump(c, open(sys.argv[1],"w"))' "$ZONECTL_ROOT.cfg" lxcfs
	expect_fail 'zone pfh2: .*zone.procfs: expected "zone" or "host", got `lxcfs`' z create pfh2 --config "$ZONECTL_ROOT.cfg"
	z config pfh | python3 -c 'import json,sys; c=json.load(sys.stdin); c["zone"]["procfs"]=sys.argv[2]; json.dump(c, open(sys.argv[1],"w"))' "$ZONECTL_ROOT.cfg" host
	z delete pfh
	z create pfh --config "$ZONECTL_ROOT.cfg"
	z boot pfh
	add_probe pfh
	host_kb=$(meminfo_kb "$(cat /proc/meminfo)" MemTotal)
	zone_kb=$(meminfo_kb "$(z login pfh -- cat /proc/meminfo)" MemTotal)
	[ "$zone_kb" = "$host_kb" ] || fail "MemTotal in a procfs=host zone: $zone_kb, host: $host_kb"
	[ "$(z login pfh -- nproc)" = "$(nproc)" ] || fail "nproc: $(z login pfh -- nproc) vs $(nproc)"
	[ "$(sysinfo_of "$(z login pfh -- /root/zprobe sysinfo)" totalram)" = "$(sysinfo_of "$("$PROBE" sysinfo)" totalram)" ] ||
		fail "sysinfo: $(z login pfh -- /root/zprobe sysinfo) vs $("$PROBE" sysinfo)"
	! z login pfh -- grep -q ' /proc/meminfo ' /proc/self/mountinfo || fail "a view is mounted in a procfs=host zone"
	[ ! -e "$ZONECTL_ROOT/run/pfh/procfs.pid" ] || fail "a server runs for a procfs=host zone"
}

test_masked_view_file_stays_masked() {
	z create pfq
	z config pfq | python3 -c 'import json,sys; c=json.load(sys.stdin); c["linux"]["maskedPaths"].append("/proc/loadavg"); json.dump(c, open(sys.argv[1],"w"))' "$ZONECTL_ROOT.cfg"
	z delete pfq
	z create pfq --config "$ZONECTL_ROOT.cfg"
	z boot pfq
	sleep 2.5
	[ -z "$(z login pfq -- cat /proc/loadavg)" ] || fail "masked /proc/loadavg reads: $(z login pfq -- cat /proc/loadavg)"
	u=$(z login pfq -- cut -d. -f1 /proc/uptime)
	[ "$u" -ge 2 ] || fail "the other files stopped: uptime $u"
}

# cgroup.procs of ZONE in a v1 hierarchy, from its init.
zone_procs() { cat "$(cgdir "$1" pids)/cgroup.procs"; }

test_ps_Z_puts_every_process_of_two_zones_under_its_name() {
	z create pfa
	z create pfb
	z boot pfa
	z boot pfb
	z login pfa -- sh -c 'sleep 60 >/dev/null 2>&1 & sleep 61 >/dev/null 2>&1 &'
	z login pfb -- sh -c 'sleep 62 >/dev/null 2>&1 &'
	a=$(zone_procs pfa | tr '\n' ' ')
	b=$(zone_procs pfb | tr '\n' ' ')
	z ps -Z -o json >"$ZONECTL_ROOT.ps"
	python3 - "$ZONECTL_ROOT.ps" "$a" "$b" "$$" <<'EOF' || fail "ps -Z: pfa has [$a], pfb has [$b]; $(z ps -Z | grep -v global)"
import json, sys
ps = {p["pid"]: p for p in json.load(open(sys.argv[1]))}
a, b, me = [int(x) for x in sys.argv[2].split()], [int(x) for x in sys.argv[3].split()], int(sys.argv[4])
assert len(a) >= 3 and len(b) >= 2, (a, b)
for pid in a:
    assert ps[pid]["zone"] == "pfa", ps.get(pid)
for pid in b:
    assert ps[pid]["zone"] == "pfb", ps.get(pid)
assert ps[me]["zone"] == "global", ps[me]
named = {p["pid"] for p in ps.values() if p["zone"] in ("pfa", "pfb")}
assert named == set(a) | set(b), named ^ (set(a) | set(b))
EOF
	table=$(z ps -Z pfb)
	[ "$(tail -n +2 <<<"$table" | awk '{print $1}' | sort -u)" = pfb ] || fail "ps -Z pfb: $table"
	[ "$(tail -n +2 <<<"$table" | wc -l)" = "$(wc -w <<<"$b")" ] || fail "ps -Z pfb lists $(tail -n +2 <<<"$table" | wc -l), the cgroup has $b"
	top=$(z top -o json -d 0.2)
	python3 -c 'import json,sys; t={z["name"]: z for z in json.loads(sys.argv[1])}; assert t["pfa"]["processes"] >= 3 and t["pfb"]["processes"] >= 2, t' "$top" || fail "top: $top"
}
run_tests
