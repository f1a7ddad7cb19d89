#!/bin/bash
# zone.disk (--set disk=SIZE): a zone's writable areas in an ext4 image of
# their own, mounted in the zone's namespace only. The cap holds, the disk
# grows while the zone is halted, bad values change nothing, and no loop
# device or mount outlives the zone, also when its monitor is killed.
. "$(dirname "$0")/lib.sh"

# The loop devices backed by files under this test's state root.
loops() { losetup -n -l -O NAME,BACK-FILE 2>/dev/null | grep -F "$ZONECTL_ROOT/" || true; }

# Autoclear detaches a loop device once its last user (the zone's mount)
# is gone; give the kernel a moment.
assert_no_loops() {
	local i
	for i in $(seq 20); do
		[ -z "$(loops)" ] && return 0
		sleep 0.1
	done
	fail "loop devices left: $(loops)"
}

disk_json() { # ZONE FIELD: a field of zonectl stat -o json
	z stat -o json "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0][sys.argv[1]])' "$2"
}

test_disk_holds_the_zones_files_and_caps_them() {
	z create dk1 --set disk=48M
	# on the host: the config and the image, no tree of files
	[ "$(ls "$(zone_dir dk1)" | tr '\n' ' ')" = "config.json disk.img " ] || fail "zone dir: $(ls "$(zone_dir dk1)")"
	[ "$(z config dk1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["zone"]["disk"])')" = $((48 << 20)) ] ||
		fail "zone.disk not in the config"
	z boot dk1
	size=$(z login dk1 -- stat -f -c '%b*%S' /root)
	[ $((size)) -le $((48 << 20)) ] && [ $((size)) -ge $((32 << 20)) ] || fail "the zone's /root is $((size)) bytes, not its 48M disk"
	for d in /root /tmp /var/log /etc /home; do
		[ "$(z login dk1 -- stat -f -c %b*%S $d)" = "$size" ] || fail "$d is not on the zone's disk"
	done
	out=$(z login dk1 -- sh -c 'dd if=/dev/zero of=/var/fill bs=1M count=80 2>&1') && fail "80M fitted in a 48M disk: $out"
	grep -q 'No space left' <<<"$out" || fail "no ENOSPC: $out"
	used=$(disk_json dk1 disk_bytes)
	[ "$used" -ge $((30 << 20)) ] || fail "zonectl stat shows $used bytes used"
	z stat dk1 | grep -q 'DISK' || fail "no DISK column: $(z stat dk1)"
	# the zone sees neither the image nor a loop device
	z login dk1 -- sh -c 'ls /dev' | grep -q loop && fail "a loop device in the zone's /dev"
	grep -q " $(zone_dir dk1)" /proc/self/mountinfo && fail "the disk is mounted in the host's namespace"
	loops | grep -q disk.img || fail "no loop device while running"
	z halt dk1
	assert_no_loops
}

test_disk_grows_while_halted_and_keeps_the_files() {
	z create dk2 --set disk=32M
	z boot dk2
	z login dk2 -- sh -c 'echo kept >/root/f'
	expect_fail 'dk2.*halted.*zonectl halt dk2' z set dk2 disk=64M
	expect_fail 'dk2.*halted' z set dk2 memory=1G,disk=64M
	[ "$(z config dk2 | grep -c '"disk": 33554432')" = 1 ] || fail "a refused set changed the config"
	z halt dk2
	expect_fail 'dk2.*cannot shrink' z set dk2 disk=16M
	expect_fail 'dk2.*disk=abc.*not a size' z set dk2 disk=abc
	expect_fail 'dk2.*disk=1M.*at least 16M' z set dk2 disk=1M
	[ "$(stat -c %s "$(zone_dir dk2)/disk.img")" = $((32 << 20)) ] || fail "a refused set resized the image"
	z set dk2 disk=96M
	[ "$(stat -c %s "$(zone_dir dk2)/disk.img")" = $((96 << 20)) ] || fail "the image did not grow"
	z boot dk2
	[ "$(z login dk2 -- cat /root/f)" = kept ] || fail "the file is gone after the grow"
	size=$(z login dk2 -- stat -f -c '%b*%S' /root)
	[ $((size)) -ge $((80 << 20)) ] || fail "the filesystem did not grow: $((size)) bytes"
}

test_disk_errors_name_the_zone_and_change_nothing() {
	expect_fail 'dk3.*disk=4M.*at least 16M' z create dk3 --set disk=4M
	expect_fail 'dk3.*disk=lots.*not a size' z create dk3 --set disk=lots
	[ ! -e "$(zone_dir dk3)" ] || fail "a refused create left the zone"
	z create dk3
	expect_fail 'dk3.*no disk of its own.*at create' z set dk3 disk=1G
	z config dk3 | grep -q '"disk"' && fail "the config gained a disk"
	mkdir -p "$ZONECTL_ROOT.b"
	make_oci_bundle "$ZONECTL_ROOT.b" true >/dev/null
	/usr/bin/python3 -c '
import json, sys
p = sys.argv[1] + "/config.json"; c = json.load(open(p))
c["zone"] = {"brand": "oci", "disk": "1G"}
json.dump(c, open(p, "w"))' "$ZONECTL_ROOT.b"
	expect_fail 'dk4.*zone.disk.*bundle' z create dk4 --config "$ZONECTL_ROOT.b/config.json"
	[ -z "$(loops)" ] || fail "loop devices: $(loops)"
}

test_whole_zone_layer_lives_on_its_disk() {
	tpl=$ZONECTL_ROOT.tpl
	mkdir -p "$tpl"/{bin,etc,root,tmp,proc,dev,sys,run}
	cp /bin/busybox "$tpl/bin/"
	for c in sh cat echo dd stat ls; do ln -s busybox "$tpl/bin/$c"; done
	z template create dkt --from "$tpl"
	z create dk5 --template dkt --set disk=32M
	[ ! -e "$(zone_dir dk5)/upper" ] || fail "the zone's layer is on the host's disk"
	z boot dk5
	z login dk5 -- sh -c 'echo mine >/root/w; dd if=/dev/zero of=/root/big bs=1M count=64 2>/dev/null; true'
	[ "$(z login dk5 -- cat /root/w)" = mine ] || fail "the zone's write is lost"
	[ -z "$(ls "$ZONECTL_ROOT/templates/dkt/root/root")" ] || fail "the zone wrote into its template"
	size=$(z login dk5 -- stat -f -c '%b*%S' /)
	[ $((size)) -le $((32 << 20)) ] || fail "the whole zone's root is $((size)) bytes, not its disk"
	z delete -f dk5
	assert_no_loops
}

test_killed_monitor_leaves_no_loop_device() {
	z create dk6 --set disk=32M
	z boot dk6
	mon=$(sed -n 's/.*"monitor_pid": \([0-9]*\).*/\1/p' "$ZONECTL_ROOT/run/dk6/state.json")
	[ -n "$mon" ] || fail "no monitor pid"
	kill -9 "$mon"
	for i in $(seq 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.1; done
	z list dk6 >/dev/null
	[ "$(state_of dk6)" = installed ] || fail "state after repair: $(state_of dk6)"
	assert_no_loops
	z boot dk6
	z login dk6 -- true
}

run_tests
