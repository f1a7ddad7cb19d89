#!/bin/bash
# Profiling and tracing zones from the host (zonectl profile, zonectl
# trace): known workloads (build/tests/zspin, built with frame pointers)
# found by name, other zones never shown, a CPU cap seen in the run-queue
# latency, syscalls counted exactly, TCP retransmits on a link made lossy
# by an nftables rule in the zone's own network namespace, and nothing
# left attached however the tracer ends. Zones here are named tr*.
. "$(dirname "$0")/lib.sh"

SPIN=$PWD/build/tests/zspin

need_tracing() {
	[ -r /sys/kernel/btf/vmlinux ] || skip "this kernel has no BTF (/sys/kernel/btf/vmlinux)"
	[ -x "$SPIN" ] || skip "build/tests/zspin is not built (make tests)"
	command -v python3 >/dev/null || skip "python3 is not installed"
}

# spin_zone NAME ARGS...: a running zone with zspin ARGS running in it.
spin_zone() {
	local name=$1
	shift
	z create "$name" >/dev/null
	cp "$SPIN" "$(zone_dir "$name")/root/root/zspin"
	z boot "$name"
	z login "$name" -- sh -c "/root/zspin $* >/dev/null 2>&1 &"
}

# Our programs, by name, loaded in the kernel now.
our_progs() {
	bpftool prog show 2>/dev/null |
		grep -cE ' name (profile|sys_enter|sys_exit|runq_wakeup|runq_wakeup_new|runq_switch|offcpu_switch|tcp_retransmit|tcp_send_reset|tcp_receive_reset|tcp_state|io_issue|io_complete) ' || true
}

# py EXPR: evaluates a Python expression over the JSON on stdin (as j),
# failing the test with the JSON when it is false.
py_check() {
	local json
	json=$(cat)
	python3 -c 'import json,sys; j=json.loads(sys.argv[2]); ok=eval("(" + sys.argv[1] + ")"); sys.exit(0 if ok else 1)' "$1" "$json" ||
		fail "not true: $1 in $(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]))[:2500])' "$json")"
}

test_profile_top_frame_is_the_hot_function_and_other_zones_never_appear() {
	need_tracing
	spin_zone tra alpha
	spin_zone trb beta
	sleep 0.3
	z profile -d 2 -o json tra | py_check '
		len(j["stacks"]) > 0
		and j["stacks"][0]["frames"][0] == "alpha_hot"
		and j["stacks"][0]["comm"] == "zspin"
		and j["stacks"][0]["zone_pid"] > 0 and j["stacks"][0]["pid"] != j["stacks"][0]["zone_pid"]
		and all(s["zone"] == "tra" for s in j["stacks"])
		and not any("beta_hot" in s["frames"] for s in j["stacks"])
		and sum(s["samples"] for s in j["stacks"]) >= 49'
	# both zones at once: each line tagged with its zone
	z profile -d 1 -o folded tra trb >"$ZONECTL_ROOT.folded"
	grep -q '^tra;zspin;.*;alpha_hot [0-9]*$' "$ZONECTL_ROOT.folded" || fail "folded: $(cat "$ZONECTL_ROOT.folded")"
	grep -q '^trb;zspin;.*;beta_hot [0-9]*$' "$ZONECTL_ROOT.folded" || fail "folded: $(cat "$ZONECTL_ROOT.folded")"
	! grep -q '^tra;.*beta_hot' "$ZONECTL_ROOT.folded" || fail "tra shows trb's function"
	z profile -d 1 --svg "$ZONECTL_ROOT.svg" tra >/dev/null
	python3 -c 'import sys,xml.dom.minidom as m; d=m.parse(sys.argv[1]); t=[x.firstChild.data for x in d.getElementsByTagName("title")]; sys.exit(0 if any(s.startswith("alpha_hot ") for s in t) else 1)' "$ZONECTL_ROOT.svg" ||
		fail "the flame graph has no alpha_hot box"
}

test_profile_follows_the_zone_into_cgroups_below_its_own() {
	need_tracing
	spin_zone trs alpha
	sleep 0.2
	local pid cg
	pid=$(pgrep -f '^/root/zspin alpha' | while read -r p; do grep -q "zonectl/trs" /proc/$p/cgroup && echo "$p"; done | head -1)
	[ -n "$pid" ] || fail "no zspin in trs"
	cg=$(sed -n 's/^0:://p' /proc/$pid/cgroup)
	local mnt=/sys/fs/cgroup
	v2_host || mnt=/sys/fs/cgroup/unified
	mkdir "$mnt$cg/sub"
	at_cleanup rmdir "$mnt$cg/sub"
	echo "$pid" >"$mnt$cg/sub/cgroup.procs" || skip "cannot move a process below the zone's cgroup2 leaf here"
	z profile -d 1 -o json trs | py_check 'j["stacks"] and j["stacks"][0]["frames"][0] == "alpha_hot"'
	kill "$pid"
}

test_runqlat_of_a_capped_zone_shows_waits_an_uncapped_one_does_not() {
	need_tracing
	spin_zone trc alpha
	spin_zone tru beta
	z set trc cpu-cap=20
	sleep 0.3
	# waits of 16 ms and more: a 20% cap throttles for 80 ms of each 100
	z trace -d 2 -o json trc tru runqlat | py_check '
		[z for z in j["zones"] if z["name"] == "trc"][0]["cpu_capped"]
		and [z for z in j["zones"] if z["name"] == "trc"][0]["throttled_periods"] > 5
		and sum(b["count"] for h in j["histograms"] if h["zone"] == "trc" for b in h["buckets"] if b["low_ns"] >= 1 << 24) > 5
		and sum(b["count"] for h in j["histograms"] if h["zone"] == "tru" for b in h["buckets"] if b["low_ns"] >= 1 << 24) == 0'
	z trace -d 1 trc runqlat | grep -q 'zone trc: its CPU cap throttled it in' || fail "the table does not name the cap"
}

test_syscalls_counts_a_known_number_of_getpid_calls() {
	need_tracing
	spin_zone trg getpid 0
	(sleep 0.5; z login trg -- /root/zspin getpid 200000) &
	local helper=$!
	z trace -d 3 -o json trg syscalls >"$ZONECTL_ROOT.json"
	wait $helper
	py_check '(lambda n: 198000 <= n <= 202000)(sum(s["count"] for s in j["syscalls"] if s["syscall"] == "getpid"))' <"$ZONECTL_ROOT.json"
}

test_tcp_sees_retransmits_on_a_lossy_link() {
	need_tracing
	command -v nft >/dev/null || skip "nft is not installed"
	z create trt >/dev/null
	z boot trt
	local init
	init=$(init_pid_of trt)
	# loss inside the zone's own network namespace: one packet in four
	nsenter -t "$init" -n nft add table inet lossy
	nsenter -t "$init" -n nft add chain inet lossy in '{ type filter hook input priority 0; }'
	nsenter -t "$init" -n nft add rule inet lossy in tcp dport 7777 numgen random mod 4 == 0 drop
	(sleep 0.5; z login trt -- python3 -c '
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7777)); s.listen(1)
def drain():
    c, _ = s.accept()
    while c.recv(65536): pass
threading.Thread(target=drain, daemon=True).start()
k = socket.create_connection(("127.0.0.1", 7777))
for _ in range(200): k.sendall(b"x" * 1000)
k.close()
try: socket.create_connection(("127.0.0.1", 7778))
except ConnectionRefusedError: pass
') &
	local helper=$!
	z trace -d 4 -o json trt tcp >"$ZONECTL_ROOT.json"
	wait $helper || fail "the zone's TCP client failed"
	py_check '(lambda t: t["retransmits"] > 0 and t["connects"] >= 1 and t["resets_received"] >= 1)(j["zones"][0]["tcp"])' <"$ZONECTL_ROOT.json"
}

test_a_zone_halting_mid_trace_ends_the_trace_with_what_was_gathered() {
	need_tracing
	spin_zone trh alpha
	(sleep 1.5; z halt trh) &
	local helper=$! start=$SECONDS
	z profile -d 60 -o json trh >"$ZONECTL_ROOT.json" 2>"$ZONECTL_ROOT.err"
	wait $helper
	[ $((SECONDS - start)) -lt 30 ] || fail "the trace outlived its zone"
	grep -q 'zone trh halted' "$ZONECTL_ROOT.err" || fail "no word of the halt: $(cat "$ZONECTL_ROOT.err")"
	py_check 'j["zones"][0]["halted"] and j["stacks"] and j["stacks"][0]["frames"][0] == "alpha_hot"' <"$ZONECTL_ROOT.json"
}

test_a_killed_tracer_leaves_no_program_behind() {
	need_tracing
	command -v bpftool >/dev/null || skip "bpftool is not installed"
	spin_zone trk alpha
	local before i
	before=$(our_progs)
	for t in profile runqlat; do
		if [ $t = profile ]; then
			"$ZONECTL" profile -d 60 trk >/dev/null &
		else
			"$ZONECTL" trace -d 60 trk runqlat >/dev/null &
		fi
		local tracer=$!
		for i in $(seq 50); do [ "$(our_progs)" -gt "$before" ] && break; sleep 0.1; done
		[ "$(our_progs)" -gt "$before" ] || fail "$t: no program appeared"
		kill -9 $tracer
		wait $tracer 2>/dev/null || true
		for i in $(seq 50); do [ "$(our_progs)" = "$before" ] && break; sleep 0.1; done
		[ "$(our_progs)" = "$before" ] || fail "$t: programs left after kill -9: $(bpftool prog show)"
	done
	# Ctrl-C: the report of what was gathered, then nothing attached
	"$ZONECTL" trace trk runqlat >"$ZONECTL_ROOT.out" &
	local tracer=$!
	for i in $(seq 50); do [ "$(our_progs)" -gt "$before" ] && break; sleep 0.1; done
	kill -INT $tracer
	wait $tracer || fail "trace exited non-zero on SIGINT"
	grep -q 'runqlat of trk' "$ZONECTL_ROOT.out" || fail "no report on SIGINT: $(cat "$ZONECTL_ROOT.out")"
	# the kernel frees a detached program after an RCU grace period
	for i in $(seq 50); do [ "$(our_progs)" = "$before" ] && break; sleep 0.1; done
	[ "$(our_progs)" = "$before" ] || fail "programs left after SIGINT"
}

test_a_stripped_system_binary_shows_its_exported_symbols() {
	need_tracing
	command -v perl >/dev/null || skip "perl is not installed"
	readelf -S "$(readlink -f "$(command -v perl)")" | grep -q '\.symtab' && skip "this perl is not stripped"
	z create trp >/dev/null
	z boot trp
	z login trp -- sh -c "perl -e '\$i++ while 1' >/dev/null 2>&1 &"
	sleep 0.3
	z profile -d 1 -o json trp | py_check 'any(s["comm"] == "perl" and s["frames"] and s["frames"][0].startswith("Perl_") for s in j["stacks"][:3])'
}

test_bad_input_attaches_nothing() {
	need_tracing
	z create trx >/dev/null
	local before
	before=$(our_progs)
	expect_fail 'zone trx: not running' z profile -d 1 trx
	expect_fail 'zone nosuchzone: no such zone' z trace -d 1 nosuchzone runqlat
	expect_fail 'duration in seconds above 0' z trace -d 0 trx runqlat
	expect_fail 'no tracer .flames.' z trace -d 1 trx flames
	expect_fail 'which tracer' z trace
	expect_fail 'which zone' z profile
	expect_fail 'samples per second' z profile -F 0 trx
	expect_fail 'folded is for stacks' z trace -o folded trx tcp
	[ "$(our_progs)" = "$before" ] || fail "a refused trace left a program"
}

run_tests
