#!/bin/bash
# CVE-2019-5736: a process in the zone re-opens the runtime's binary
# through /proc/PID/exe (O_PATH, then /proc/self/fd/N for writing) while a
# `login` is joining, or through /proc/1/exe, and overwrites the host's
# zonectl. Defences: zinit runs from a sealed memfd; the login joiner and
# member are not dumpable until they exec (isolate/join.c).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/escape-lib.bash"

race_out() { # waits for the race probe's summary line in zone $1
	local f
	f="$(zroot "$1")/root/race.out"
	for _ in $(seq 100); do grep -q '^seen' "$f" 2>/dev/null && break; sleep 0.1; done
	cat "$f"
}

# The probe itself catches a binary that is not protected: on the host,
# against throw-away processes (a copy of sleep(1) named zesrace, dumpable
# as a runtime without the defence would be), it opens the copy for
# writing once they exit.
test_cve_2019_5736_probe_catches_an_unprotected_runtime() {
	mkdir "$ZONECTL_ROOT.copy"
	cp "$(command -v sleep)" "$ZONECTL_ROOT.copy/zesrace"
	"$PROBE" exe-race 3 zesrace >"$ZONECTL_ROOT.race" &
	p=$!
	# (an exec may meet the probe's open for writing: ETXTBSY, fine)
	for _ in $(seq 5); do "$ZONECTL_ROOT.copy/zesrace" 0.3 2>/dev/null || true; done
	wait $p
	out=$(cat "$ZONECTL_ROOT.race")
	rm -rf "$ZONECTL_ROOT.copy" "$ZONECTL_ROOT.race"
	grep -q "^WRITABLE .*zesrace" <<<"$out" || fail "probe missed an unprotected binary: $out"
}

test_cve_2019_5736_overwrite_runtime_via_proc_self_exe() {
	before=$(sha256sum <"$ZONECTL")
	z create es5736a
	add_probe es5736a
	z boot es5736a
	exe=$(z login es5736a -- readlink /proc/1/exe)
	[[ $exe == /memfd:zinit* ]] || fail "/proc/1/exe is $exe, not the sealed memfd"
	for f in /proc/1/exe /proc/self/exe; do
		r=$(probe es5736a write "$f")
		[ "$r" != ok ] || fail "$f opened for writing from the zone"
	done
	# A sealed memfd refuses writes even to a process that may open it.
	r=$(z login es5736a -- sh -c 'true 3>>/proc/1/exe && echo ok || echo refused' 2>/dev/null)
	[ "$r" != ok ] || fail "zinit's memfd appendable"
	[ "$(sha256sum <"$ZONECTL")" = "$before" ] || fail "host zonectl changed"
}

# The probe runs in the zone while logins come and go; it must have caught
# at least one login's member before its exec (named zonectl, the host's
# binary behind its /proc/PID/exe), or the race proved nothing.
test_cve_2019_5736_overwrite_runtime_via_proc_pid_exe_during_login() {
	before=$(sha256sum <"$ZONECTL")
	z create es5736b
	add_probe es5736b
	z boot es5736b
	for round in 1 2 3; do
		rm -f "$(zroot es5736b)/root/race.out"
		z login es5736b -- sh -c '/root/zprobe exe-race 6 >/root/race.out 2>&1 &'
		for _ in $(seq 50); do z login es5736b -- true; done
		for _ in $(seq 10); do z login es5736b -w /root -e X=1 -- /bin/true; done
		out=$(race_out es5736b)
		sum=$(tail -1 <<<"$out")
		echo "round $round: $sum" >&2
		grep -q '^seen' <<<"$sum" || fail "race probe gave no summary: $out"
		! grep -q '^WRITABLE' <<<"$out" || fail "binary opened for writing from the zone: $out"
		# Even a read-only handle on the runtime's binary is a step too far.
		! grep -q '^OPENED .*zonectl' <<<"$out" || fail "the zone got a handle on zonectl: $out"
		[ "$(sha256sum <"$ZONECTL")" = "$before" ] || fail "host zonectl changed"
		[[ $sum =~ comm\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] && return 0
	done
	fail "the probe never saw a login before its exec: not a proof ($sum)"
}

run_tests
