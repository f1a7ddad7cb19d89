#!/bin/bash
# Zone networking on the host's stack: bridged zones talking to each other
# and to the host, anti-spoofing seen from the host, shared-IP zones held
# to their addresses, and nothing left behind by halt or a killed monitor.
# Traffic stays in 198.18.0.0/15 between the host and namespaces made
# here, or on loopback; every link and bridge made here is removed.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
BR=ztb$$             # a bridge zonectl makes and removes
NET=198.18.77

net_json() { z net -o json "$1"; }
host_link_of() { net_json "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["nics"][0]["host_link"])'; }
spoofed_of() { net_json "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["nics"][0]["spoofed_dropped"])'; }
link_exists() { ip link show "$1" >/dev/null 2>&1; }

bridged() { # NAME HOST-NUMBER [more create args]
	local name=$1 n=$2
	shift 2
	z create "$name" --net "type=bridge,bridge=$BR,address=$NET.$n/24,gateway=$NET.1" "$@"
}

# A TCP server in zone $1 on port $2 that answers "hi <peer address>" once.
serve() {
	z login "$1" -- $PY -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(); s.settimeout(10)
c, a = s.accept(); c.send(("hi " + a[0]).encode())' "$2" &
	sleep 0.4
}

# TCP client: prints what the server said, or "FAILED"; optional source.
fetch() { # HOST PORT [SOURCE]
	$PY -c '
import socket, sys
try:
    s = socket.socket(); s.settimeout(2)
    if len(sys.argv) > 3: s.bind((sys.argv[3], 0))
    s.connect((sys.argv[1], int(sys.argv[2]))); print(s.recv(64).decode())
except OSError as e:
    print("FAILED", e)' "$@"
}

# ICMP echo over an unprivileged datagram socket (no CAP_NET_RAW needed).
icmp_echo() {
	$PY -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP); s.settimeout(2)
s.sendto(b"\x08\x00\x00\x00\x00\x01\x00\x01zonectl", (sys.argv[1], 0))
print("reply from", s.recvfrom(64)[1][0])' "$1"
}

# The default config with extra capabilities in every set.
config_with_caps() { # FILE CAP...
	local file=$1
	shift
	z create capsrc$$ >/dev/null
	z config capsrc$$ | $PY -c '
import json, sys
c = json.load(sys.stdin)
for k in c["process"]["capabilities"]:
    c["process"]["capabilities"][k] += sys.argv[1:]
print(json.dumps(c))' "$@" >"$file"
	z delete capsrc$$
}

assert_link_gone() {
	! link_exists "$1" || fail "link $1 left behind: $(ip -br link show "$1")"
}

test_bridged_zones_reach_each_other_and_the_host() {
	bridged na 2
	bridged nb 3
	z boot na
	z boot nb
	link_exists $BR || fail "bridge $BR not made"
	ip -br addr show $BR | grep -q "$NET.1/24" || fail "bridge has no gateway address: $(ip -br addr show $BR)"
	out=$(z login na -- sh -c "$(declare -f icmp_echo); PY=$PY icmp_echo $NET.3")
	[[ $out == "reply from $NET.3" ]] || fail "zone to zone echo: $out"
	ping -c1 -W2 $NET.2 >/dev/null || fail "host to zone: no echo reply"
	serve nb 8080
	out=$(z login na -- sh -c "$(declare -f fetch); PY=$PY fetch $NET.3 8080")
	wait
	[ "$out" = "hi $NET.2" ] || fail "zone to zone TCP: $out"
	serve na 8081
	out=$(fetch $NET.2 8081)
	wait
	[ "$out" = "hi $NET.1" ] || fail "host to zone TCP: $out"
	json=$(net_json na)
	$PY -c '
import json, sys
n = json.loads(sys.argv[1])["nics"][0]
assert n["link"] == "eth0" and n["addresses"] == [sys.argv[2] + ".2/24"], n
assert n["counters"]["rx_packets"] > 0 and n["counters"]["tx_packets"] > 0, n
assert n["anti_spoofing"] and n["spoofed_dropped"] == 0, n' "$json" $NET || fail "net -o json: $json"
	[ "$(z login na -- cat /sys/class/net/eth0/address)" = "$(net_json na | $PY -c 'import json,sys; print(json.load(sys.stdin)["nics"][0]["mac"])')" ] ||
		fail "MAC in the zone differs from zonectl net"
}

test_mac_is_stable_across_boots() {
	bridged nm 4
	z boot nm
	a=$(z login nm -- cat /sys/class/net/eth0/address)
	z halt nm
	z boot nm
	b=$(z login nm -- cat /sys/class/net/eth0/address)
	[ "$a" = "$b" ] || fail "MAC changed: $a -> $b"
}

test_spoofed_source_is_dropped_on_the_host_side() {
	config_with_caps "$ZONECTL_ROOT.cfg" CAP_NET_ADMIN
	bridged ns 5 --config "$ZONECTL_ROOT.cfg"
	bridged nt 6
	z boot ns
	z boot nt
	z login ns -- ip addr add $NET.99/24 dev eth0
	serve nt 8082
	out=$(z login ns -- sh -c "$(declare -f fetch); PY=$PY fetch $NET.6 8082")
	wait
	[ "$out" = "hi $NET.5" ] || fail "its own address does not work: $out"
	[ "$(spoofed_of ns)" = 0 ] || fail "honest traffic counted as spoofed: $(net_json ns)"
	out=$(z login ns -- sh -c "$(declare -f fetch); PY=$PY fetch $NET.6 8082 $NET.99")
	[[ $out == FAILED* ]] || fail "spoofed source got through: $out"
	[ "$(spoofed_of ns)" -gt 0 ] || fail "no spoofed frames counted: $(net_json ns)"
	# a forged MAC is dropped as well
	before=$(spoofed_of ns)
	z login ns -- ip link set eth0 address 02:00:00:00:00:99
	out=$(z login ns -- sh -c "$(declare -f icmp_echo); PY=$PY icmp_echo $NET.6" 2>&1 || true)
	[[ $out != "reply from"* ]] || fail "forged MAC got through: $out"
	[ "$(spoofed_of ns)" -gt "$before" ] || fail "forged MAC not counted"
}

test_allow_spoofing_lets_it_through() {
	config_with_caps "$ZONECTL_ROOT.cfg" CAP_NET_ADMIN
	z create nu --config "$ZONECTL_ROOT.cfg" \
		--net "type=bridge,bridge=$BR,address=$NET.7/24,gateway=$NET.1,allow-spoofing=true"
	bridged nv 8
	z boot nu
	z boot nv
	z login nu -- ip addr add $NET.98/24 dev eth0
	serve nv 8083
	out=$(z login nu -- sh -c "$(declare -f fetch); PY=$PY fetch $NET.8 8083 $NET.98")
	wait
	[ "$out" = "hi $NET.98" ] || fail "allow-spoofing=true: $out"
	[ "$(spoofed_of nu)" = None ] || fail "a filter is attached: $(net_json nu)"
}

# A bridge takes 1023 ports: the 1024th zone on it is refused, saying so.
# zonectl runs in a network namespace of the test's own (nsenter: ip netns
# exec would hide /sys/fs/cgroup), whose bridge is filled with veth pairs.
test_a_full_bridge_is_refused_by_name() {
	ns=ztfull$$
	ip netns add "$ns"
	at_cleanup ip netns del "$ns"
	ip -n "$ns" link add zbf0 type bridge
	for i in $(seq 0 1022); do
		echo "link add zd$i type veth peer name ze$i"
		echo "link set zd$i master zbf0"
	done >"$ZONECTL_ROOT.batch"
	ip -n "$ns" -batch "$ZONECTL_ROOT.batch"
	[ "$(ip -n "$ns" -o link show master zbf0 | wc -l)" = 1023 ] || fail "the bridge did not fill"
	in_ns() { nsenter --net="/run/netns/$ns" "$@"; }
	in_ns "$ZONECTL" create nfb --net type=bridge,bridge=zbf0,address=198.18.210.2/24 >/dev/null
	expect_fail "zone nfb: bridge zbf0 has 1023 ports, the most the kernel gives one: give the NIC another bridge" \
		in_ns "$ZONECTL" boot nfb
	[ "$(z list -o json | $PY -c 'import json,sys; print([z["state"] for z in json.load(sys.stdin) if z["name"]=="nfb"][0])')" = installed ] ||
		fail "the zone is not back to installed"
	[ "$(ip -n "$ns" -o link show master zbf0 | wc -l)" = 1023 ] || fail "a port was left on the bridge"
	[ -z "$(ip -n "$ns" -o link show | grep -v -e ' zd[0-9]*@' -e ' ze[0-9]*@' -e ' zbf0:' -e ' lo:')" ] ||
		fail "links left: $(ip -n "$ns" -o link show | grep -v -e ' zd[0-9]*@' -e ' ze[0-9]*@')"
}

test_halt_and_kill9_leave_no_link_or_bridge() {
	bridged nh 9
	z boot nh
	link=$(host_link_of nh)
	link_exists "$link" || fail "host link $link missing while running"
	z halt nh
	assert_link_gone "$link"
	assert_link_gone $BR
	z boot nh
	mon=$(sed -n 's/.*"monitor_pid": \([0-9]*\).*/\1/p' "$ZONECTL_ROOT/run/nh/state.json")
	kill -9 "$mon"
	sleep 0.2
	[ "$(state_of nh)" = installed ] || fail "not repaired: $(state_of nh)"
	assert_link_gone "$link"
	assert_link_gone $BR
	assert_no_leaks nh
}

test_existing_bridge_is_kept() {
	ip link add $BR type bridge
	trap 'ip link del '$BR' 2>/dev/null || true' EXIT
	bridged nk 10
	z boot nk
	z halt nk
	link_exists $BR || fail "zonectl removed a bridge it did not make"
	ip link del $BR
}

# A host link for macvlans: one end of a veth pair (this kernel has no
# dummy driver); removing it removes the pair.
host_parent() {
	ip link add "$1" type veth peer name "$1p"
	trap 'ip link del '"$1"' 2>/dev/null || true' EXIT
	ip link set "$1" up
	ip link set "$1p" up
}

test_macvlan_zones_on_a_host_link() {
	local parent=ztd$$
	host_parent $parent
	z create mva --net "type=macvlan,parent=$parent,address=$NET.20/24"
	z create mvb --net "type=macvlan,parent=$parent,address=$NET.21/24"
	z boot mva
	z boot mvb
	serve mvb 8084
	out=$(z login mva -- sh -c "$(declare -f fetch); PY=$PY fetch $NET.21 8084")
	wait
	[ "$out" = "hi $NET.20" ] || fail "macvlan zone to zone: $out"
	[ "$(spoofed_of mva)" = 0 ] || fail "macvlan anti-spoofing not attached: $(net_json mva)"
	z halt mva
	z halt mvb
	ip link del $parent
}

test_shared_ip_zone_is_held_to_its_address() {
	z create sh1 --net type=shared,address=127.0.0.2,address=127.0.0.3
	z config sh1 | grep -q '"network"' && fail "shared-IP zone kept a network namespace"
	z boot sh1
	out=$(z login sh1 -- $PY -c '
import socket, errno, os
def bind(a):
    s = socket.socket()
    try:
        s.bind((a, 0)); return s.getsockname()[0]
    except OSError as e:
        return errno.errorcode[e.errno]
print(bind("0.0.0.0"), bind("127.0.0.3"), bind("127.0.0.9"), bind("198.18.0.1"))
try:
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); print("raw")
except OSError as e:
    print(errno.errorcode[e.errno])
print(os.path.isdir("/proc/net"))')
	[ "$out" = "$(printf '127.0.0.2 127.0.0.3 EADDRNOTAVAIL EADDRNOTAVAIL\nEPERM\nFalse')" ] ||
		fail "shared-IP binds: $out"
	# it serves on its address, and its wildcard bind lands there
	serve sh1 8085
	out=$(fetch 127.0.0.2 8085)
	wait
	[ "$out" = "hi 127.0.0.1" ] || fail "serving on 127.0.0.2: $out"
	# outgoing connections leave from its address, 127.0.0.1 included
	for dst in 127.0.0.1 127.0.0.9; do
		$PY -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8086)); s.listen(); s.settimeout(10)
c, a = s.accept(); c.send(("hi " + a[0]).encode())' &
		sleep 0.3
		out=$(z login sh1 -- sh -c "$(declare -f fetch); PY=$PY fetch $dst 8086")
		wait
		[ "$out" = "hi 127.0.0.2" ] || fail "connect to $dst from a shared-IP zone: $out"
	done
}

test_shared_ip_leaves_no_bpf_program() {
	command -v bpftool >/dev/null || skip "bpftool is not installed"
	before=$(bpftool prog show | grep -c 'cgroup_sock' || true)
	z create sh2 --net type=shared,address=127.0.0.4
	z boot sh2
	during=$(bpftool prog show | grep -c 'cgroup_sock' || true)
	[ "$during" -gt "$before" ] || fail "no cgroup sock programs while running ($before -> $during)"
	z halt sh2
	for _ in $(seq 50); do
		after=$(bpftool prog show | grep -c 'cgroup_sock' || true)
		[ "$after" -le "$before" ] && return 0
		sleep 0.1
	done
	fail "BPF programs left after halt: $before before, $after after"
}

test_bad_net_input_changes_nothing() {
	expect_fail "zone nx: --net .*address .198.18.77.300/24.: not an IPv4" \
		z create nx --net "type=bridge,bridge=$BR,address=$NET.300/24"
	expect_fail "zone nx: --net .*unknown NIC type" z create nx --net type=vxlan,address=$NET.2/24
	expect_fail "zone nx: --net .*unknown key .colour." z create nx --net "type=bridge,bridge=$BR,colour=red"
	expect_fail "zone nx: --net .*bridge=averyveryverylongname: a link name is 1..15 bytes" \
		z create nx --net "type=bridge,bridge=averyveryverylongname,address=$NET.2/24"
	expect_fail "zone nx: net 0: parent link .nosuchlink0. does not exist" \
		z create nx --net type=macvlan,parent=nosuchlink0,address=$NET.2/24
	expect_fail "zone nx: config: zone.net\[1\]: address $NET.40/24 overlaps zone.net\[0\]" \
		z create nx --net "type=bridge,bridge=$BR,address=$NET.30/24" --net "type=bridge,bridge=$BR,address=$NET.40/24"
	expect_fail "zone nx: --net .*gateway=198.18.99.1: not on the network" \
		z create nx --net "type=bridge,bridge=$BR,address=$NET.2/24,gateway=198.18.99.1"
	expect_fail "zone nx: config: zone.net: a zone is shared-IP or exclusive-IP" \
		z create nx --net "type=bridge,bridge=$BR,address=$NET.2/24" --net type=shared,address=127.0.0.2
	z create ny --net "type=bridge,bridge=$BR,address=$NET.50/24"
	expect_fail "zone nx: net\[0\]: address $NET.50 is zone ny's" \
		z create nx --net "type=bridge,bridge=$BR,address=$NET.50/24"
	[ ! -e "$(zone_dir nx)" ] || fail "a failed create left the zone"
	[ "$(ls "$ZONECTL_ROOT/zones")" = ny ] || fail "zones: $(ls "$ZONECTL_ROOT/zones")"
	assert_link_gone $BR
}

test_boot_failure_in_net_setup_leaves_nothing() {
	local parent=ztd$$
	host_parent $parent
	z create nf --net "type=macvlan,parent=$parent,address=$NET.60/24"
	ip link del $parent
	expect_fail "zone nf: net 0: parent link .$parent. does not exist" z boot nf
	[ "$(state_of nf)" = installed ] || fail "state after failed boot: $(state_of nf)"
	assert_no_leaks nf
}

run_tests
