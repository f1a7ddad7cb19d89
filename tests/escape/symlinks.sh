#!/bin/bash
# Symlinks in the zone's own root, pointing at the host, where zonectl
# mounts or makes something while it builds the zone: a mount target
# (CVE-2021-30465), /dev/null under the masked paths (CVE-2025-31133),
# /dev/console (CVE-2025-52565), and a fake /proc (CVE-2019-16884). The
# zone's root is the zone's to write between boots, so every name in it is
# attacker-chosen. Defences (isolate/rootfs.c, isolate/dev.c): targets
# opened with openat2(RESOLVE_IN_ROOT) and mounted on through
# /proc/self/fd/N; /dev nodes unlinked and made afresh, /dev/console
# created O_NOFOLLOW; masking only through a /proc that is procfs.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/escape-lib.bash"

victim() { # a host file with known content
	echo "host file $1" >"$ZONECTL_ROOT.$1"
	echo "$ZONECTL_ROOT.$1"
}
assert_victim() { [ "$(cat "$1")" = "host file ${1##*.}" ] || fail "host file $1 changed: $(cat "$1")"; }

# Boots zone $1 or accepts a refusal; "booted" or "refused: ..." on stdout.
boot_or_refuse() {
	local out
	if out=$(z boot "$1" 2>&1); then echo booted; else echo "refused: $out"; fi
}

# No mount on host path $2 in the host's mount table. (The zone's own
# table is not asked: its paths are relative to its root, so a mount it
# shows at $2 is the one at root/$2, where a link resolved in the root
# leads.)
assert_no_host_mount() {
	! awk '{print $5}' /proc/self/mountinfo | grep -qxF "$2" || fail "zone $1: a mount on the host path $2"
}

NO_DEV_TMPFS='c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/dev"]'

# Zone $1 with two bind mounts of $ZONECTL_ROOT.src, on /mnt/abs/sub and
# /mnt/rel/sub, where the zone's root has made mnt/abs an absolute and
# mnt/rel a relative (../../..) link to a host path that does not exist.
links_zone() {
	zone_with "$1" "c['mounts'] += [
	  {'destination': '/mnt/abs/sub', 'type': 'bind', 'source': '$ZONECTL_ROOT.src', 'options': ['rbind', 'ro']},
	  {'destination': '/mnt/rel/sub', 'type': 'bind', 'source': '$ZONECTL_ROOT.src', 'options': ['rbind', 'ro']}]"
	local root
	root=$(zroot "$1")
	mkdir -p "$root/mnt"
	ln -s "$abs" "$root/mnt/abs"
	ln -s "../../../../../../../../../../../..$rel" "$root/mnt/rel"
	# Armed: resolved as a string on the host, each target leaves the root.
	for l in abs rel; do
		t=$(realpath -m "$root/mnt/$l/sub")
		[[ $t != "$root"* ]] || fail "mnt/$l does not point out of the root: $t"
	done
}

test_cve_2021_30465_symlink_as_mount_target() {
	mkdir "$ZONECTL_ROOT.src"
	echo source >"$ZONECTL_ROOT.src/es-src-marker"
	abs="$ZONECTL_ROOT.abs" rel="$ZONECTL_ROOT.rel"
	# a) the links lead nowhere inside the root: refuse, or mount inside
	links_zone es30465a
	r=$(boot_or_refuse es30465a)
	echo "links to missing paths: $r" >&2
	[ ! -e "$abs" ] || fail "host path $abs created through the zone's symlink"
	[ ! -e "$rel" ] || fail "host path $rel created through the zone's symlink"
	# b) the root has the paths the links name: the mounts must land there,
	# inside the root (RESOLVE_IN_ROOT), never on the host's paths
	links_zone es30465b
	root=$(zroot es30465b)
	mkdir -p "$root$abs/sub" "$root$rel/sub"
	r=$(boot_or_refuse es30465b)
	echo "links to paths inside the root: $r" >&2
	[ ! -e "$abs" ] || fail "host path $abs created through the zone's symlink"
	[ ! -e "$rel" ] || fail "host path $rel created through the zone's symlink"
	[ "$r" = booted ] || fail "zone with in-root link targets: $r"
	assert_no_host_mount es30465b "$abs/sub"
	assert_no_host_mount es30465b "$rel/sub"
	[ "$(z login es30465b -- cat "$abs/sub/es-src-marker")" = source ] || fail "bind not at $abs/sub inside the zone"
	[ "$(z login es30465b -- cat "$rel/sub/es-src-marker")" = source ] || fail "bind not at $rel/sub inside the zone"
	[ "$(z login es30465b -- cat /mnt/abs/sub/es-src-marker)" = source ] || fail "bind not reached through the zone's link"
}

# The same links swapped in and out while the zone boots, many times: a
# runtime that checks a path and then mounts on it by name loses this race.
test_cve_2021_30465_symlink_swapped_in_during_boot() {
	mkdir "$ZONECTL_ROOT.src"
	echo source >"$ZONECTL_ROOT.src/es-src-marker"
	tgt="$ZONECTL_ROOT.race"
	zone_with es30465r "c['mounts'] += [
	  {'destination': '/mnt/race/sub', 'type': 'bind', 'source': '$ZONECTL_ROOT.src', 'options': ['rbind']}]"
	root=$(zroot es30465r)
	mkdir -p "$root/mnt"
	( set +e; while :; do
		rm -rf "$root/mnt/race.d"; mkdir -p "$root/mnt/race.d/sub"
		mv -T "$root/mnt/race.d" "$root/mnt/race" 2>/dev/null
		ln -sfn "$tgt" "$root/mnt/race.l"; mv -T "$root/mnt/race.l" "$root/mnt/race" 2>/dev/null
	  done ) & flipper=$!
	booted=0 refused=0
	for _ in $(seq 15); do
		r=$(boot_or_refuse es30465r)
		if [ "$r" = booted ]; then
			booted=$((booted + 1))
			assert_no_host_mount es30465r "$tgt/sub"
			z halt es30465r
		else
			refused=$((refused + 1))
		fi
		[ ! -e "$tgt" ] || { kill $flipper; fail "host path $tgt created while the link was swapped"; }
	done
	kill $flipper; wait $flipper 2>/dev/null || true
	echo "booted $booted, refused $refused" >&2
}

# /dev/null a symlink to a host file: masking binds "/dev/null" over
# /proc/kcore & co, and a runtime that follows the link binds the host file
# there instead, writable by the zone.
test_cve_2025_31133_dev_null_symlink_under_masked_paths() {
	v=$(victim null)
	for variant in default no-dev-tmpfs; do
		n=es31133${variant:0:1}
		if [ $variant = default ]; then z create $n; else zone_with $n "$NO_DEV_TMPFS"; fi
		add_probe $n
		root=$(zroot $n)
		mkdir -p "$root/dev"
		ln -sfn "$v" "$root/dev/null"
		[ "$(realpath "$root/dev/null")" = "$v" ] || fail "not armed"
		r=$(boot_or_refuse $n)
		echo "$variant: $r" >&2
		assert_victim "$v"
		[ "$r" = booted ] || continue
		[ "$(z login $n -- stat -c %F:%t:%T /dev/null)" = "character special file:1:3" ] ||
			fail "$variant: /dev/null in the zone: $(z login $n -- ls -l /dev/null)"
		[ "$(z login $n -- stat -c %t:%T /proc/timer_list)" = 1:3 ] ||
			fail "$variant: /proc/timer_list not masked by the null device"
		[ "$(probe $n readn /proc/timer_list)" = 0 ] || fail "$variant: /proc/timer_list readable"
		[ "$(probe $n readn /proc/keys)" = 0 ] || fail "$variant: /proc/keys readable"
		z login $n -- sh -c 'echo pwned >/proc/timer_list; echo pwned >/proc/keys; echo pwned >/dev/null' || true
		assert_victim "$v"
		z delete -f $n
	done
}

test_cve_2025_52565_dev_console_symlink() {
	v=$(victim console)
	for variant in default no-dev-tmpfs; do
		n=es52565${variant:0:1}
		if [ $variant = default ]; then z create $n; else zone_with $n "$NO_DEV_TMPFS"; fi
		root=$(zroot $n)
		mkdir -p "$root/dev"
		ln -sfn "$v" "$root/dev/console"
		r=$(boot_or_refuse $n)
		echo "$variant: $r" >&2
		assert_victim "$v"
		assert_no_host_mount $n "$v"
		if [ "$r" = booted ]; then
			[ "$(z login $n -- stat -c %F /dev/console)" = "character special file" ] ||
				fail "$variant: /dev/console: $(z login $n -- ls -l /dev/console)"
			z login $n -- sh -c 'echo pwned >/dev/console' || true
			assert_victim "$v"
		fi
		z delete -f $n
	done
}

# Masking through a /proc that is not procfs would mask nothing and leave
# the real files reachable: the fake files are what the zone sees, the
# real /proc/sysrq-trigger & co are elsewhere, unmasked.
test_cve_2019_16884_fake_proc() {
	# Armed: the masks hide something - the host's timer_list is readable.
	[ "$("$PROBE" readn /proc/timer_list)" != 0 ] || skip "host /proc/timer_list is empty"
	# a) /proc a symlink to a directory of fake files
	z create es16884a
	add_probe es16884a
	root=$(zroot es16884a)
	mkdir -p "$root/fakeproc"
	echo fake >"$root/fakeproc/timer_list"
	rmdir "$root/proc"
	ln -s /fakeproc "$root/proc"
	r=$(boot_or_refuse es16884a)
	echo "symlinked /proc: $r" >&2
	if [ "$r" = booted ]; then
		[ "$(z login es16884a -- stat -f -c %T /proc/)" = proc ] || fail "/proc is not procfs in the zone"
		[ "$(probe es16884a readn /proc/timer_list)" = 0 ] || fail "timer_list not masked behind the symlinked /proc"
		[ "$(probe es16884a write /proc/sysrq-trigger)" != ok ] || fail "sysrq-trigger writable"
	fi
	# b) a tmpfs with fake files mounted over /proc after procfs
	over="c['mounts'].insert(1, {'destination': '/proc', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=1m']})"
	zone_with es16884b "$over"
	r=$(boot_or_refuse es16884b)
	[[ $r == refused*procfs* ]] || fail "a tmpfs over /proc: $r"
	# ... which would boot, with a fake /proc, if nothing were masked: the check is what stops it
	zone_with es16884c "$over; $NO_MASKS"
	r=$(boot_or_refuse es16884c)
	[ "$r" = booted ] || fail "weakened zone: $r"
	[ "$(z login es16884c -- stat -f -c %T /proc/)" = tmpfs ] || fail "weakened zone's /proc is not the fake"
	# c) no procfs at all, a directory of fake files in its place
	zone_with es16884d "c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/proc']"
	echo fake >"$(zroot es16884d)/proc/timer_list"
	r=$(boot_or_refuse es16884d)
	[[ $r == refused*procfs* ]] || fail "fake /proc directory: $r"
}

run_tests
