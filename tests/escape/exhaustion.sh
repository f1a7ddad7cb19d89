#!/bin/bash
# Denial of service from inside: a fork bomb, a memory hog and a
# disk-filling loop, each in a zone with limits (create --set ...). The
# zone hits its cap; the host and another zone go on (a login in the other
# zone still answers within seconds). Defences: the pids and memory
# cgroups (rctl/); tmpfs sizes for /dev, /dev/shm and /run; for the zone's
# on-disk areas, the zone's own disk (zone.disk, --set disk=SIZE), else
# only the filesystem the state root is on.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/escape-lib.bash"

cg_dir() { # CONTROLLER ZONE: the zone's v1 cgroup directory
	local rel
	rel=$(sed -n "s/^[0-9]*:$1:\\(.*\\)/\\1/p" /proc/"$(init_pid_of "$2")"/cgroup)
	echo "/sys/fs/cgroup/$1$rel"
}

# The other zone answers a login within 5 s, and the host forks.
assert_others_fine() {
	local t0 t1
	t0=$(date +%s%N)
	[ "$(z login "$1" -- echo alive)" = alive ] || fail "zone $1 does not answer"
	t1=$(date +%s%N)
	echo "login in $1: $(((t1 - t0) / 1000000)) ms" >&2
	[ $(((t1 - t0) / 1000000)) -lt 5000 ] || fail "login in zone $1 took $(((t1 - t0) / 1000000)) ms"
	[ "$(/bin/echo host)" = host ] || fail "the host cannot fork"
}

test_fork_bomb_in_a_capped_zone() {
	[ -d /sys/fs/cgroup/pids ] || skip "no v1 pids hierarchy"
	z create esbomb --set processes=64
	z create esother
	add_probe esbomb
	z boot esbomb
	z boot esother
	pids=$(cg_dir pids esbomb)
	[ "$(cat "$pids/pids.max")" = 64 ] || fail "pids.max: $(cat "$pids/pids.max")"
	z login esbomb -- /root/zprobe forkbomb 6 >"$ZONECTL_ROOT.bomb" 2>&1 &
	bomb=$!
	sleep 2
	peak=$(cat "$pids/pids.current")
	assert_others_fine esother
	wait $bomb || true
	echo "bomb: $(cat "$ZONECTL_ROOT.bomb"), pids.current at 2 s: $peak" >&2
	# Armed: the bomb asked for far more than 64 (up to ~1400)
	hits=$(sed -n 's/^max //p' "$pids/pids.events")
	[ "${hits:-0}" -gt 0 ] || fail "the bomb never reached the cap: $(cat "$pids/pids.events")"
	[ "$peak" -le 64 ] || fail "pids.current $peak above the cap"
	[ "$(z login esbomb -- echo back)" = back ] || fail "the bombed zone does not recover"
}

test_memory_hog_in_a_capped_zone() {
	[ -d /sys/fs/cgroup/memory ] || skip "no v1 memory hierarchy"
	# Armed: uncapped, the hog takes its 160 MiB
	z create esother
	add_probe esother
	z boot esother
	[ "$(probe esother memhog 160 | tail -1)" = 160 ] || fail "the hog cannot take 160 MiB uncapped: not a proof"
	z create eshog --set memory=64M
	add_probe eshog
	z boot eshog
	mem=$(cg_dir memory eshog)
	set +e
	out=$(z login eshog -- /root/zprobe memhog 1024 2>&1)
	rc=$?
	set -e
	echo "hog: exit $rc, last MiB $(tail -1 <<<"$out"); $(grep oom_kill "$mem/memory.oom_control" | tr '\n' ' ')" >&2
	[ "$(tail -1 <<<"$out")" != 1024 ] || fail "the hog got 1 GiB in a zone capped at 64M"
	[ "$(tail -1 <<<"$out")" -le 64 ] 2>/dev/null || [[ $out != [0-9]* ]] || fail "the hog went past 64 MiB: $(tail -1 <<<"$out")"
	grep -q '^oom_kill [1-9]' "$mem/memory.oom_control" || fail "no OOM kill in the zone: $(cat "$mem/memory.oom_control")"
	assert_others_fine esother
	[ "$(state_of eshog)" = running ] || fail "the hog's zone went down"
}

# The tmpfs areas a zone gets (/dev/shm, /run, /dev) are sized: filling
# them stops at their size, and it is memory, capped by the zone's cgroup.
test_disk_filling_loop_in_zone_tmpfs() {
	z create esfill --set memory=256M
	z create esother
	z boot esfill
	z boot esother
	for d in /dev/shm /run /dev; do
		out=$(z login esfill -- sh -c "dd if=/dev/zero of=$d/es-fill bs=1M count=200 2>&1; rm -f $d/es-fill")
		grep -q 'No space left' <<<"$out" || fail "filling $d did not stop: $out"
		mb=$(sed -n 's/^\([0-9]*\) bytes.*/\1/p' <<<"$out")
		[ $((mb / 1048576)) -le 64 ] || fail "$d took $((mb / 1048576)) MiB"
	done
	assert_others_fine esother
}

# The zone's on-disk areas (its root: /root, /tmp, /var, /home, and the
# /etc overlay's upper layer) are plain directories under the state root.
# This machine's disk must not be filled, so the loop runs against a state
# root whose zones/ is a 48 MiB tmpfs (run/ stays on the host's /tmp, as
# /var/lib/zonectl and /run/zonectl are apart by default): the fill stops
# there; the host's disk and a zone in another state root are untouched,
# and zonectl can still halt the full zone.
fill_zone_root() {
	ZONECTL_ROOT="$1" z create esdisk
	ZONECTL_ROOT="$1" z boot esdisk
	z create esother
	z boot esother
	before=$(df -k --output=avail /tmp | tail -1)
	out=$(ZONECTL_ROOT="$1" z login esdisk -- sh -c 'for d in /root /tmp /var/tmp /etc; do dd if=/dev/zero of=$d/es-fill bs=1M count=100 2>&1 | grep -E "No space|copied"; done')
	after=$(df -k --output=avail /tmp | tail -1)
	echo "$out" >&2
	grep -q 'No space left' <<<"$out" || fail "the fill never stopped: $out"
	[ "$(df -k --output=used "$1/zones" | tail -1)" -ge 40000 ] || fail "the fill did not fill the zone's fs: not a proof"
	[ $((before - after)) -lt 20000 ] || fail "the host's /tmp lost $(((before - after) / 1024)) MiB"
	assert_others_fine esother
	[ "$(z login esother -- sh -c 'echo ok >/root/es-write; cat /root/es-write')" = ok ] || fail "the other zone cannot write"
	ZONECTL_ROOT="$1" z halt esdisk || fail "zonectl cannot halt a zone that filled its disk"
}

test_disk_filling_loop_in_zone_root() {
	root2="$ZONECTL_ROOT.disk"
	mkdir -p "$root2/zones"
	mount -t tmpfs -o size=48m,mode=700 es-disk "$root2/zones"
	set +e
	(set -e; fill_zone_root "$root2")
	rc=$?
	set -e
	ZONECTL_ROOT="$root2" "$ZONECTL" delete -f esdisk >/dev/null 2>&1
	umount -l "$root2/zones"
	rm -rf "$root2"
	return $rc
}

# With zone.disk (--set disk=SIZE) the zone's on-disk areas are an ext4
# image of that size, mounted in the zone's namespace only: the same fill
# loop, against the default state root on the host's disk, stops at the
# zone's own cap. The loop above, on a zone without a disk, is the check
# that this one would see an unbounded fill.
test_disk_filling_loop_stops_at_the_zones_disk() {
	z create esquota --set disk=64M
	z create esother
	z boot esquota
	z boot esother
	before=$(df -k --output=avail "$ZONECTL_ROOT" | tail -1)
	out=$(z login esquota -- sh -c 'for d in /root /tmp /var/tmp /etc; do dd if=/dev/zero of=$d/es-fill bs=1M count=100 2>&1 | grep -E "No space|copied"; done')
	after=$(df -k --output=avail "$ZONECTL_ROOT" | tail -1)
	echo "$out" >&2
	grep -q 'No space left' <<<"$out" || fail "the fill never stopped: $out"
	written=$(sed -n 's/^\([0-9]*\) bytes.*/\1/p' <<<"$out" | awk '{s += $1} END {print s + 0}')
	[ "$written" -ge $((40 << 20)) ] || fail "only $written bytes written: not a proof"
	[ "$written" -le $((64 << 20)) ] || fail "the zone wrote $((written >> 20)) MiB past its 64M disk"
	[ $((before - after)) -lt $((72 * 1024)) ] || fail "the host's filesystem lost $(((before - after) / 1024)) MiB"
	assert_others_fine esother
	[ "$(z login esother -- sh -c 'echo ok >/root/es-write; cat /root/es-write')" = ok ] || fail "the other zone cannot write"
	z halt esquota || fail "zonectl cannot halt a zone that filled its disk"
}

# A zone made without zone.disk keeps its files on the state root's
# filesystem, with no cap: disk= is opt-in, like memory= and processes=.
# Shown without filling anything (the zone's / reports the state root's
# filesystem), and skipped with that reason: the default is a choice to
# revisit (a default disk costs every create ~25 ms of mkfs), not a hole.
test_disk_filling_default_zone_is_capped() {
	z create esquota
	z boot esquota
	zone=$(z login esquota -- stat -f -c '%b %S' /root)
	host=$(stat -f -c '%b %S' "$ZONECTL_ROOT")
	[ "$zone" != "$host" ] || skip "a zone made without disk=SIZE has no disk cap: its /root is the state root's whole filesystem ($((${host% *} * ${host#* } / 1073741824)) GiB); create with --set disk=SIZE to cap it"
}

run_tests
