#!/bin/bash
# Bad input: a clear error naming the zone and the problem, a non-zero
# exit, and nothing changed or left behind.
. "$(dirname "$0")/lib.sh"

# The state root as it is after any command (zonectl makes its folders).
snapshot() { z list >/dev/null; (cd "$ZONECTL_ROOT" && find . | sort) ; }

test_bad_zone_names_are_refused() {
	before=$(snapshot)
	long=$(printf 'a%.0s' $(seq 65))
	for name in '../x' 'a/b' '' "$long" '.hidden' '-rf'; do
		expect_fail "zone name|name is required|bad option|unknown" z create "$name"
	done
	expect_fail 'zone name `\.\./x`' z boot ../x
	[ "$(snapshot)" = "$before" ] || fail "state root changed: $(diff <(echo "$before") <(snapshot))"
}

test_missing_zone_is_named() {
	for verb in boot halt reboot delete config; do
		expect_fail 'zone nosuch: no such zone' z $verb nosuch
	done
	expect_fail 'zone nosuch: no such zone' z login nosuch -- true
	expect_fail 'zone nosuch: no such zone' z list nosuch
}

test_wrong_state_is_refused() {
	z create ws1
	expect_fail 'zone ws1: cannot halt a zone that is installed' z halt ws1
	expect_fail 'zone ws1: cannot log in to a zone that is installed' z login ws1 -- true
	z boot ws1
	expect_fail 'zone ws1: cannot boot a zone that is running' z boot ws1
	expect_fail 'zone ws1: cannot delete a zone that is running .*delete -f' z delete ws1
	[ "$(state_of ws1)" = running ] || fail "zone disturbed"
	expect_fail 'zone ws1: already exists' z create ws1
	z halt ws1
	expect_fail 'zone ws1: cannot halt a zone that is installed' z halt ws1
	z boot ws1
	z delete -f ws1
	assert_no_leaks ws1
}

test_malformed_config_changes_nothing() {
	before=$(snapshot)
	echo '{"ociVersion": "1.0.2", "root": {"path": "root"' >"$ZONECTL_ROOT.bad.json"
	expect_fail 'zone mc1: config: malformed JSON' z create mc1 --config "$ZONECTL_ROOT.bad.json"
	z config web1 >/dev/null 2>&1 && fail "config of a missing zone"
	echo '{"ociVersion": "1.0.2", "root": {"path": "root"}, "zone": {"colour": "red"}}' >"$ZONECTL_ROOT.bad.json"
	expect_fail 'zone mc1: config: zone.colour: unknown key' z create mc1 --config "$ZONECTL_ROOT.bad.json"
	expect_fail 'zone mc1: .*No such file' z create mc1 --config /nonexistent.json
	rm -f "$ZONECTL_ROOT.bad.json"
	[ "$(snapshot)" = "$before" ] || fail "state root changed"
}

test_impossible_config_value_is_named() {
	z config web1 2>/dev/null && fail "config printed for a missing zone"
	z create tmpl
	z config tmpl | sed 's/"noNewPrivileges": true/"noNewPrivileges": "yes"/' >"$ZONECTL_ROOT.c.json"
	expect_fail 'zone iv1: config: process.noNewPrivileges' z create iv1 --config "$ZONECTL_ROOT.c.json"
	z config tmpl | sed 's|"cwd": "/"|"cwd": "relative"|' >"$ZONECTL_ROOT.c.json"
	expect_fail 'zone iv1: config: process.cwd' z create iv1 --config "$ZONECTL_ROOT.c.json"
	rm -f "$ZONECTL_ROOT.c.json"
	[ ! -e "$(zone_dir iv1)" ] || fail "zone created from a bad config"
}

test_zone_without_mount_namespace_is_refused() {
	z create tmpl
	z config tmpl | python3 -c '
import json,sys
c=json.load(sys.stdin)
c["linux"]["namespaces"]=[n for n in c["linux"]["namespaces"] if n["type"]!="mount"]
json.dump(c,sys.stdout)' >"$ZONECTL_ROOT.c.json"
	expect_fail 'zone nm1: config: linux.namespaces: a zone needs a new mount namespace' z create nm1 --config "$ZONECTL_ROOT.c.json"
	rm -f "$ZONECTL_ROOT.c.json"
	[ ! -e "$(zone_dir nm1)" ] || fail "zone created"
}

test_boot_failure_leaves_nothing() {
	z create bf1
	# a config mount whose source does not exist makes the boot fail late,
	# after cgroups, console and init exist
	z config bf1 | python3 -c '
import json,sys
c=json.load(sys.stdin)
c["mounts"].append({"destination":"/data","type":"bind","source":"/nonexistent/zonectl-src","options":["bind"]})
json.dump(c,sys.stdout)' >"$ZONECTL_ROOT.c.json"
	z create bf2 --config "$ZONECTL_ROOT.c.json"
	expect_fail 'zone bf2: .*/nonexistent/zonectl-src' z boot bf2
	[ "$(state_of bf2)" = installed ] || fail "state after failed boot: $(state_of bf2)"
	assert_no_leaks bf2
}

run_tests
