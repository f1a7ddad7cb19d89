#!/bin/bash
# Zones reach the world: addresses zonectl gives, NAT to beyond the host,
# DNS, published ports. The "outside" is a network namespace the test
# makes, joined to the host by a veth (198.19.250.0/24: the host .1, the
# outside .2) with no route back to the zones' subnet, so only NAT can
# bring replies home; in it a web server, a UDP echo and a DNS responder
# (tests/helpers/dnsd.py) answering outside.test. Zones get their
# defaults from the test's state root (defaults.json: a bridge of the
# test's own, 198.18.200.0/24, the outside's resolver). Nothing is sent
# through the host's real routes; the host's resolv.conf and its own
# nftables tables are never changed (one test proves it).
. "$(dirname "$0")/lib.sh"

OUT_HOST=198.19.250.1
OUT_IP=198.19.250.2
SUBNET=198.18.200.0/24

need_net() {
	command -v nft >/dev/null || skip "nft is not installed (./setup --deps: nftables)"
	nft list tables >/dev/null 2>&1 || skip "no nftables in this kernel"
}

# outside: the namespace, its servers, and the zones' defaults
outside() {
	need_net
	local ns=zto$$ id=$((RANDOM % 1000))
	OUT_NS=$ns
	BRIDGE=ztb$id
	FWD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
	at_cleanup ip netns del "$ns"
	at_cleanup ip link del "ztoh$id"
	ip netns add "$ns"
	ip link add "ztoh$id" type veth peer name eth0 netns "$ns"
	ip addr add $OUT_HOST/24 dev "ztoh$id"
	ip link set "ztoh$id" up
	ip -n "$ns" addr add $OUT_IP/24 dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	mkdir -p "$ZONECTL_ROOT.www"
	echo outside-page >"$ZONECTL_ROOT.www/index.html"
	ip netns exec "$ns" python3 -m http.server 8000 --bind $OUT_IP --directory "$ZONECTL_ROOT.www" \
		>"$ZONECTL_ROOT.http.log" 2>&1 &
	at_cleanup kill $!
	ip netns exec "$ns" python3 "$PWD/tests/helpers/dnsd.py" $OUT_IP outside.test=$OUT_IP &
	at_cleanup kill $!
	printf '{"net": {"bridge": "%s", "subnet": "%s", "dns": ["%s"], "search": ["test"]}}\n' \
		"$BRIDGE" $SUBNET $OUT_IP >"$ZONECTL_ROOT/defaults.json"
	for _ in $(seq 50); do
		ip netns exec "$ns" python3 -c "import socket; socket.create_connection(('$OUT_IP', 8000), 1)" 2>/dev/null && break
		sleep 0.1
	done
}

# nothing of zonectl's left on the host: table, forwarding, claims, leases
no_nat_left() {
	! nft list table ip zonectl >/dev/null 2>&1 || fail "table ip zonectl left: $(nft list table ip zonectl)"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$FWD_BEFORE" ] || fail "ip_forward left at $(cat /proc/sys/net/ipv4/ip_forward)"
	[ -z "$(ls "$ZONECTL_ROOT/run/.net" 2>/dev/null | grep -v '^lock$')" ] ||
		fail "markers left: $(ls "$ZONECTL_ROOT/run/.net")"
	! ip link show "$BRIDGE" >/dev/null 2>&1 || fail "bridge $BRIDGE left"
}

addr_of() { z net -o json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["nics"][0]["addresses"][0].split("/")[0])'; }

test_a_job_reaches_outside_by_name_through_nat() {
	outside
	# no --net: a job gets the default bridge, an address, NAT and DNS
	out=$(z run --rm -- sh -c "getent hosts outside.test && wget -qO- http://outside.test:8000/index.html")
	[[ $out == *"$OUT_IP"*outside.test*outside-page* ]] || fail "the job got: $out"
	# the server saw the host's address: NAT happened
	grep -q "^$OUT_HOST - " "$ZONECTL_ROOT.http.log" || fail "server log: $(cat "$ZONECTL_ROOT.http.log")"
	no_nat_left
	[ -z "$(ls "$ZONECTL_ROOT/net/leases/$BRIDGE" 2>/dev/null)" ] || fail "leases left: $(ls "$ZONECTL_ROOT/net/leases/$BRIDGE")"
	# --net none: no way out
	z run --rm --net none -- sh -c "wget -qO- -T 2 http://$OUT_IP:8000/ >/dev/null 2>&1" && fail "--net none reached out"
	return 0
}

test_address_origin_nat_and_dns_show_in_net() {
	outside
	z create --net bridge,publish=18080:8080 e1
	z net -o json e1 | python3 -c 'import json,sys; n=json.load(sys.stdin)["nics"][0]; assert n["address_origin"]=="auto (at boot)" and n["nat"] and n["publish"]==["18080:8080/tcp"], n'
	z boot e1
	z net -o json e1 | python3 -c '
import json,sys
d=json.load(sys.stdin); n=d["nics"][0]
assert n["address_origin"]=="auto" and n["addresses"][0].startswith("198.18.200.") and n["gateway"]=="198.18.200.1", n
assert d["dns"]==["198.19.250.2"] and d["search"]==["test"] and d["warning"] is None, d'
	z net e1 | grep -q "dns: $OUT_IP" || fail "table: $(z net e1)"
	[ "$(z login e1 -- cat /etc/resolv.conf | grep -c nameserver)" = 1 ] || fail "resolv.conf: $(z login e1 -- cat /etc/resolv.conf)"
	# dns= on the NIC overrides the defaults
	z create --net bridge,dns=198.19.250.9,search=x.test e2
	z boot e2
	z login e2 -- cat /etc/resolv.conf | grep -q '^nameserver 198.19.250.9$' || fail "dns=: $(z login e2 -- cat /etc/resolv.conf)"
	z login e2 -- cat /etc/resolv.conf | grep -q '^search x.test$' || fail "search=: $(z login e2 -- cat /etc/resolv.conf)"
	[ "$(addr_of e1)" != "$(addr_of e2)" ] || fail "e1 and e2 share $(addr_of e1)"
	z delete -f e1
	z delete -f e2
	no_nat_left
}

test_published_ports_reach_the_zone_from_outside_and_host() {
	outside
	z create --net bridge,publish=18080:8080,publish=18081:9000/udp p1
	z boot p1
	z login p1 -- sh -c 'mkdir -p /tmp/w && echo zone-page > /tmp/w/index.html &&
		(python3 -m http.server 8080 --directory /tmp/w >/dev/null 2>&1 &) &&
		(python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((\"0.0.0.0\", 9000))
while True:
    d, a = s.recvfrom(100); s.sendto(b\"echo:\" + d, a)
" >/dev/null 2>&1 &)'
	for _ in $(seq 50); do wget -qO- -T 1 http://127.0.0.1:18080/index.html >/dev/null 2>&1 && break; sleep 0.1; done
	[ "$(ip netns exec "$OUT_NS" wget -qO- -T 3 http://$OUT_HOST:18080/index.html)" = zone-page ] || fail "from outside"
	[ "$(wget -qO- -T 3 http://127.0.0.1:18080/index.html)" = zone-page ] || fail "from the host's 127.0.0.1"
	[ "$(wget -qO- -T 3 http://$OUT_HOST:18080/index.html)" = zone-page ] || fail "from the host's own address"
	got=$(ip netns exec "$OUT_NS" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b'ping', ('$OUT_HOST', 18081)); print(s.recv(100).decode())")
	[ "$got" = echo:ping ] || fail "udp from outside: $got"
	# a port another zone publishes, or a host process holds: named
	z create --net bridge,publish=18080:80 p2
	expect_fail 'zone p2: .*publish tcp port 18080: zone p1 publishes it' z boot p2
	[ "$(state_of p2)" = installed ] || fail "p2 after a refused boot: $(state_of p2)"
	python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 18082)); s.listen(); time.sleep(60)" &
	holder=$!
	for _ in $(seq 50); do grep -qi ':46A2 ' /proc/net/tcp && break; sleep 0.1; done
	z create --net bridge,publish=18082:80 p3
	expect_fail "zone p3: .*publish tcp port 18082: python3 \\(pid $holder\\) listens on it" z boot p3
	kill $holder
	z delete -f p1
	z delete p2
	z delete p3
	no_nat_left
}

test_twenty_concurrent_boots_get_twenty_addresses() {
	outside
	for i in $(seq 20); do z create --net bridge eg$i; done
	pids=()
	for i in $(seq 20); do z boot eg$i & pids+=($!); done
	wait "${pids[@]}"
	addrs=$(for i in $(seq 20); do addr_of eg$i; done | sort)
	[ "$(echo "$addrs" | uniq | wc -l)" = 20 ] || fail "addresses: $(echo "$addrs" | uniq -c | sort -rn | head -3)"
	[ "$(ls "$ZONECTL_ROOT/net/leases/$BRIDGE" | wc -l)" = 20 ] || fail "leases: $(ls "$ZONECTL_ROOT/net/leases/$BRIDGE")"
	pids=()
	for i in $(seq 20); do z delete -f eg$i & pids+=($!); done
	wait "${pids[@]}"
	[ -z "$(ls "$ZONECTL_ROOT/net/leases/$BRIDGE")" ] || fail "leases left: $(ls "$ZONECTL_ROOT/net/leases/$BRIDGE")"
	no_nat_left
}

test_kill9_and_halt_leave_no_rule_or_forwarding() {
	outside
	z create --net bridge,publish=18083:80 k1
	z boot k1
	nft list table ip zonectl | grep -q 'dport 18083' || fail "no rule: $(nft list table ip zonectl)"
	kill -9 "$(monitor_of k1)" "$(init_pid_of k1)"
	z list >/dev/null
	[ "$(state_of k1)" = installed ] || fail "after kill -9: $(state_of k1)"
	no_nat_left
	# its address is still its own, and a boot takes the port again
	a=$(addr_of k1)
	z boot k1
	[ "$(addr_of k1)" = "$a" ] || fail "the lease changed: $a -> $(addr_of k1)"
	z halt k1
	no_nat_left
	z delete k1
	assert_no_leaks k1
}

test_the_hosts_ruleset_is_left_as_it_was() {
	outside
	nft -f - <<'EOF'
table inet zt_host_test {
	chain zt_forward { type filter hook forward priority 0; policy accept; counter; }
	chain zt_postrouting { type nat hook postrouting priority 100; policy accept; }
}
EOF
	at_cleanup nft delete table inet zt_host_test
	before=$(nft -s list ruleset | grep -v 'counter packets')
	z create --net bridge,publish=18084:80 h1
	z boot h1
	z login h1 -- wget -qO- -T 3 http://$OUT_IP:8000/index.html >/dev/null || fail "no way out"
	nft list table ip zonectl >/dev/null || fail "no zonectl table while h1 runs"
	z halt h1
	after=$(nft -s list ruleset | grep -v 'counter packets')
	[ "$before" = "$after" ] || fail "the host's ruleset changed: $(diff <(echo "$before") <(echo "$after"))"
	# another firewall that drops forwarded packets is named, not hidden
	nft -f - <<'EOF'
table ip zt_host_drop {
	chain FORWARD { type filter hook forward priority 0; policy drop; }
}
EOF
	at_cleanup nft delete table ip zt_host_drop
	out=$(z boot h1 2>&1)
	[[ $out == *"warning"*"ip zt_host_drop"*"drops forwarded packets"* ]] || fail "boot said: $out"
	z net h1 | grep -q 'warning: .*zt_host_drop' || fail "net: $(z net h1)"
	nft delete table ip zt_host_drop
	z delete -f h1
	no_nat_left
}

test_nat_false_stays_on_the_bridge() {
	outside
	z create --net bridge,nat=false n1
	z boot n1
	! nft list table ip zonectl >/dev/null 2>&1 || fail "a table for a zone without NAT"
	z login n1 -- sh -c "timeout 3 wget -qO- http://$OUT_IP:8000/ >/dev/null 2>&1" && fail "reached out without NAT"
	z login n1 -- ip route | grep -q "default via 198.18.200.1" || fail "route: $(z login n1 -- ip route)"
	z delete -f n1
	no_nat_left
}

test_bad_network_input_names_the_problem() {
	outside
	expect_fail 'publish=80: expected HOSTPORT:ZONEPORT' z create --net bridge,publish=80 b1
	expect_fail 'dns=198.19.0.0/16: a resolver' z create --net bridge,dns=198.19.0.0/16 b1
	expect_fail 'nat= and publish= are for type=bridge' z create --net macvlan,parent=lo,address=198.18.9.2/24,nat=true b1
	expect_fail 'gateway= without address=' z create --net bridge,gateway=198.18.200.1 b1
	[ ! -e "$(zone_dir b1)" ] || fail "a refused create left b1"
	# a bridge of someone else's, with no address to lend from
	z create --net bridge,bridge=ztnoaddr$$ b2
	expect_fail "zone b2: net: bridge ztnoaddr$$ has no IPv4 address to lend one from" z boot b2
	echo '{"net": {"subnet": "198.18.200.0/31"}}' >"$ZONECTL_ROOT/defaults.json"
	expect_fail 'defaults.json: subnet .198.18.200.0/31.: an IPv4 subnet from /8 to /30' z run --rm -- true
	no_nat_left
}

# The runner's stage sequence for two jobs of one project: get_sources
# clones from a git server in the outside (dumb HTTP, by name through
# the zone's DNS and NAT), the first job archives into /cache, the
# second restores it.
test_gitlab_jobs_clone_over_the_network_and_share_a_cache() {
	outside
	command -v git >/dev/null || skip "git is not installed"
	local src=$ZONECTL_ROOT.src dir=$ZONECTL_ROOT.gl job
	git init -q "$src"
	echo 'hello from the outside' >"$src/README"
	git -C "$src" add README
	git -C "$src" -c user.name=t -c user.email=t@t commit -qm one
	git clone -q --bare "$src" "$ZONECTL_ROOT.www/repo.git"
	git -C "$ZONECTL_ROOT.www/repo.git" update-server-info
	mkdir -p "$dir"
	printf 'set -e\ngit clone -q http://outside.test:8000/repo.git /builds/p\n' >"$dir/get_sources"
	printf 'set -e\ncat /builds/p/README\nmkdir -p /cache/p\necho warm >/cache/p/cache.zip\n' >"$dir/build"
	printf 'set -e\ncat /cache/p/cache.zip\n' >"$dir/restore"
	for job in 1$RANDOM 2$RANDOM; do
		export CUSTOM_ENV_CI_JOB_ID=$job CUSTOM_ENV_CI_PROJECT_PATH_SLUG=group-proj
		z ci gitlab prepare
		z ci gitlab run "$dir/get_sources" get_sources
		if [ ! -e "$ZONECTL_ROOT/ci/cache/group-proj/p/cache.zip" ]; then
			out=$(z ci gitlab run "$dir/build" build_script)
			[ "$out" = 'hello from the outside' ] || fail "first job: $out"
		else
			out=$(z ci gitlab run "$dir/restore" restore_cache)
			[ "$out" = warm ] || fail "second job's cache: $out"
		fi
		z ci gitlab cleanup
	done
	[ "$out" = warm ] || fail "the second job never saw the cache"
	grep -q "^$OUT_HOST - .*GET /repo.git/info/refs" "$ZONECTL_ROOT.http.log" || fail "server log: $(cat "$ZONECTL_ROOT.http.log")"
	no_nat_left
}

run_tests
