#!/bin/bash
# CVE-2022-27650 (crun) and its kin in runc/moby: processes in the
# container started with non-empty inheritable (or ambient) capabilities,
# which an exec'd program with file capabilities - or any program, for
# ambient - turns into permitted ones. Defence: isolate/caps.c sets the
# inheritable and ambient sets to exactly what the config lists (the
# default config lists none), for init and for every login.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/escape-lib.bash"

capfield() { sed -n "s/^$1:[[:space:]]*//p"; }

# "CapInh CapAmb" of init, a login'd shell, its child and grandchild, and
# a service zinit started, in zone $1.
cap_report() {
	local n=$1 pid svc
	pid=$(init_pid_of "$n")
	echo "init $(capfield CapInh </proc/$pid/status) $(capfield CapAmb </proc/$pid/status)"
	z login "$n" -- sh -c 'echo "login $(sed -n "s/^CapInh:\t//p" /proc/$$/status) $(sed -n "s/^CapAmb:\t//p" /proc/$$/status)"
		sh -c "echo child \$(sed -n \"s/^CapInh:\t//p\" /proc/self/status) \$(sed -n \"s/^CapAmb:\t//p\" /proc/self/status)"
		sh -c "sh -c \"grep -E \\\"^Cap(Inh|Amb)\\\" /proc/self/status\"" | tr -d "\t" | sed "s/^Cap...://" | tr "\n" " " | sed "s/^/grandchild /"; echo'
	for svc in $(cat /proc/$pid/task/$pid/children); do
		echo "service $(capfield CapInh </proc/$svc/status) $(capfield CapAmb </proc/$svc/status)"
	done
}

assert_all_zero() {
	local line
	while read -r line; do
		[[ $line =~ ^[a-z]+\ 0{16}\ 0{16}$ ]] || fail "$1: $line"
	done <<<"$2"
}

test_cve_2022_27650_probe_sees_inheritable_and_ambient_caps() {
	zone_with es27650w "c['process']['capabilities']['inheritable'] = ['CAP_NET_BIND_SERVICE']
c['process']['capabilities']['ambient'] = ['CAP_NET_BIND_SERVICE']"
	z boot es27650w
	out=$(cap_report es27650w)
	# CAP_NET_BIND_SERVICE is bit 10
	grep -q '^login 0000000000000400 0000000000000400$' <<<"$out" || fail "weakened zone not seen as such: $out"
	grep -q '^grandchild 0000000000000400 0000000000000400 *$' <<<"$out" || fail "weakened zone's grandchild: $out"
}

test_cve_2022_27650_no_inheritable_or_ambient_caps() {
	zone_with es27650 "c['process']['args'] = ['/bin/sleep', '1000']"
	z boot es27650
	out=$(cap_report es27650)
	echo "$out" >&2
	for who in init login child grandchild service; do
		grep -q "^$who " <<<"$out" || fail "no report for $who: $out"
	done
	assert_all_zero "inheritable or ambient capability in the zone" "$(sed 's/ *$//' <<<"$out")"
}

run_tests
