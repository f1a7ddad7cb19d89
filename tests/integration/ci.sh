#!/bin/bash
# CI zones: templates, the whole brand, `zonectl run --rm`, and the GitLab
# Runner custom-executor driver. Zone names start with "ci".
. "$(dirname "$0")/lib.sh"

# A root tree of busybox-static: enough for a shell, no network needed.
make_tree() {
	local d=$1 c
	mkdir -p "$d/bin" "$d/etc" "$d/tmp" "$d/root"
	chmod 1777 "$d/tmp"
	cp /bin/busybox "$d/bin/busybox"
	for c in sh echo cat ls true false sleep kill id touch rm mkdir grep wc; do
		ln -s busybox "$d/bin/$c"
	done
	echo "template-file" >"$d/etc/marker"
}

make_template() {
	local src=$ZONECTL_ROOT.src
	make_tree "$src"
	z template create "$1" --from "$src"
}

# Waits up to 10 s for zone $1's directory and lock to go (the lock is
# the last thing a delete removes).
wait_gone() {
	local i
	for i in $(seq 100); do
		[ -e "$(zone_dir "$1")" ] || [ -e "$ZONECTL_ROOT/run/.locks/$1" ] || return 0
		sleep 0.1
	done
	fail "zone $1 still there after 10 s: $(z list)"
}

test_template_from_directory_is_listed_with_size_and_users() {
	make_template citpl
	z template list | grep -E '^citpl +[0-9.]+[KMG] +[0-9]+m +0 ' >/dev/null || fail "list: $(z template list)"
	z create ciw1 --brand whole --template citpl
	z template list -o json | python3 -c 'import json,sys; t=json.load(sys.stdin)[0]; assert t["name"]=="citpl" and t["size"]>1000000 and t["zones"]==["ciw1"], t'
}

test_template_from_tarball() {
	make_tree "$ZONECTL_ROOT.src"
	tar -C "$ZONECTL_ROOT.src" -cf "$ZONECTL_ROOT.tar" .
	z template create citar --from "$ZONECTL_ROOT.tar"
	[ "$(z run --rm --template citar -- cat /etc/marker)" = template-file ] || fail "tarball template"
}

test_template_create_is_all_or_nothing() {
	expect_fail 'template cibad: .*--from' z template create cibad --from /nonexistent
	[ -z "$(ls -A "$ZONECTL_ROOT/templates")" ] || fail "left: $(ls -A "$ZONECTL_ROOT/templates")"
	make_template cidup
	expect_fail 'template cidup: already exists' z template create cidup --from "$ZONECTL_ROOT.src"
}

test_template_scratch_of_a_killed_create_is_swept() {
	make_template citpl
	local dead=$(($(cat /proc/sys/kernel/pid_max) - 1))
	while kill -0 "$dead" 2>/dev/null; do dead=$((dead - 1)); done # a pid no process has
	mkdir -p "$ZONECTL_ROOT/templates/.cix.creating.$dead/root" "$ZONECTL_ROOT/templates/.ciy.deleting.$dead"
	mkdir -p "$ZONECTL_ROOT/templates/.ciz.creating.$$/root" # a live create: kept
	z template list >/dev/null
	[ "$(ls -A "$ZONECTL_ROOT/templates" | tr '\n' ' ')" = ".ciz.creating.$$ citpl " ] ||
		fail "left: $(ls -A "$ZONECTL_ROOT/templates")"
}

test_whole_zone_writes_never_reach_the_template() {
	make_template citpl
	local before after
	before=$(cd "$ZONECTL_ROOT/templates/citpl/root" && find . -printf '%p %s %m %T@\n' | sort | md5sum)
	z create ciw1 --brand whole --template citpl
	z boot ciw1
	z login ciw1 -- sh -c 'echo changed > /etc/marker; rm /bin/wc; mkdir /new; touch /new/f'
	[ "$(z login ciw1 -- cat /etc/marker)" = changed ] || fail "the zone's write did not stick"
	z login ciw1 -- ls /bin/wc 2>/dev/null && fail "the zone's delete did not stick"
	after=$(cd "$ZONECTL_ROOT/templates/citpl/root" && find . -printf '%p %s %m %T@\n' | sort | md5sum)
	[ "$before" = "$after" ] || fail "the template changed"
	[ "$(cat "$ZONECTL_ROOT/templates/citpl/root/etc/marker")" = template-file ] || fail "marker changed"
	# a second clone sees the template, not its sibling's changes
	z create ciw2 --template citpl
	z boot ciw2
	[ "$(z login ciw2 -- cat /etc/marker)" = template-file ] || fail "sibling's write visible"
	z halt ciw1
	z delete ciw1
	assert_no_leaks ciw1
	[ -e "$ZONECTL_ROOT/templates/citpl/root/bin/wc" ] || fail "delete of a clone touched the template"
}

# How fast is bench/ci's to say (a wall-clock limit here failed under the
# TCG VM's load); what makes it fast is that nothing is copied.
test_whole_zone_clone_copies_nothing_of_its_template() {
	# a template of ~100 MB: the clone must not copy it
	make_template cibig
	dd if=/dev/zero of="$ZONECTL_ROOT/cibig.blob" bs=1M count=100 status=none
	z template delete cibig
	make_tree "$ZONECTL_ROOT.big"
	mv "$ZONECTL_ROOT/cibig.blob" "$ZONECTL_ROOT.big/blob"
	z template create cibig --from "$ZONECTL_ROOT.big"
	z create ciw3 --template cibig
	[ "$(du -sk "$(zone_dir ciw3)" | cut -f1)" -lt 1024 ] || fail "clone holds $(du -sh "$(zone_dir ciw3)")"
}

test_template_in_use_cannot_be_deleted() {
	make_template citpl
	z create ciu1 --template citpl
	z create ciu2 --template citpl
	expect_fail 'template citpl: in use by zones ciu1, ciu2' z template delete citpl
	z delete ciu1
	z delete ciu2
	z template delete citpl
	[ ! -e "$ZONECTL_ROOT/templates/citpl" ] || fail "template dir remains"
	expect_fail 'zone ciu3: no template citpl' z create ciu3 --template citpl
}

test_run_rm_returns_the_commands_exit_status() {
	local rc
	z run --rm --name ci-r0 -- true || fail "true: $?"
	set +e
	z run --rm --name ci-r3 -- sh -c 'exit 3'
	rc=$?
	[ $rc -eq 3 ] || fail "exit 3 gave $rc"
	z run --rm --name ci-r9 -- sh -c 'kill -9 $$'
	rc=$?
	set -e
	[ $rc -eq 137 ] || fail "SIGKILL gave $rc"
	[ -z "$(ls "$ZONECTL_ROOT/zones")" ] || fail "zones left: $(ls "$ZONECTL_ROOT/zones")"
	assert_no_leaks ci-r0
	assert_no_leaks ci-r3
	assert_no_leaks ci-r9
}

test_run_rm_never_deletes_a_zone_it_did_not_make() {
	z create ci-mine
	expect_fail 'zone ci-mine: already exists' z run --rm --name ci-mine -- true
	[ -e "$(zone_dir ci-mine)/config.json" ] || fail "run --rm deleted an existing zone"
	expect_fail 'no template nope' z run --rm --name ci-nt --template nope -- true
	expect_fail 'chdir to process.cwd `/nonexistent`' z run --rm --name ci-wd --workdir /nonexistent -- true
	[ "$(ls "$ZONECTL_ROOT/zones")" = ci-mine ] || fail "left: $(ls "$ZONECTL_ROOT/zones")"
	set +e
	z run --rm --name ci-nf -- /no/such/command 2>/dev/null
	local rc=$?
	set -e
	[ $rc -eq 127 ] || fail "a missing command gave $rc"
}

test_run_streams_stdout_and_stderr_separately() {
	local out err
	out=$(z run --rm --name ci-io -- sh -c 'echo to-out; echo to-err >&2' 2>"$ZONECTL_ROOT.err")
	err=$(cat "$ZONECTL_ROOT.err")
	[ "$out" = to-out ] || fail "stdout: $out"
	[ "$err" = to-err ] || fail "stderr: $err"
	out=$(echo from-stdin | z run --rm --name ci-in -- cat)
	[ "$out" = from-stdin ] || fail "stdin: $out"
}

test_run_bind_workdir_env_tmpfs_and_resources() {
	local src=$ZONECTL_ROOT.work out
	mkdir -p "$src"
	echo hello >"$src/in"
	out=$(cd "$src" && z run --rm --name ci-b1 --bind .:/src --bind "$src:/ro:ro" --workdir /src \
		-e GREETING=hi --tmpfs /scratch --set cpu-shares=100,memory=256M -- \
		sh -c 'pwd; cat in; echo $GREETING; echo out > out; touch /scratch/x && ls /scratch;
		       touch /ro/y 2>/dev/null || echo ro-refused; cat /sys/fs/cgroup/memory.max 2>/dev/null || true')
	[ "$(sed -n 1,5p <<<"$out" | tr '\n' ' ')" = "/src hello hi x ro-refused " ] || fail "inside: $out"
	[ "$(cat "$src/out")" = out ] || fail "write through the bind did not reach the host"
}

test_run_whole_zone_from_a_template() {
	make_template citpl
	[ "$(z run --rm --name ci-w1 --template citpl -- cat /etc/marker)" = template-file ] || fail "whole run"
	[ -z "$(z template list -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["zones"] or "")')" ] ||
		fail "the ephemeral zone still uses the template"
	z template delete citpl
}

test_run_client_killed_with_9_leaves_nothing() {
	# "$ZONECTL", not z: $! must be the client, not a subshell around it
	"$ZONECTL" run --rm --name ci-k9 -- sleep 100 &
	local client=$! i
	for i in $(seq 50); do
		[ "$(state_of ci-k9 2>/dev/null)" = running ] && break
		sleep 0.1
	done
	[ "$(state_of ci-k9)" = running ] || fail "the job did not start"
	kill -9 $client
	wait $client 2>/dev/null || true
	wait_gone ci-k9
	assert_no_leaks ci-k9
	[ ! -e "$ZONECTL_ROOT/run/.locks/ci-k9" ] || fail "lock left"
	pgrep -f 'sleep 100$' -P 1 >/dev/null && fail "the job outlived its zone" || true
}

test_orphaned_ephemeral_zone_is_swept_by_list() {
	# what a run killed between its create and its boot leaves
	z create ci-orph
	z config ci-orph | python3 -c 'import json,sys; c=json.load(sys.stdin); c["zone"]["ephemeral"]=True; print(json.dumps(c))' >"$ZONECTL_ROOT.eph.json"
	z delete ci-orph
	z create ci-orph --config "$ZONECTL_ROOT.eph.json"
	z create ci-fresh --config "$ZONECTL_ROOT.eph.json"
	touch -d '1 minute ago' "$(zone_dir ci-orph)/config.json"
	z list 2>"$ZONECTL_ROOT.notice" >/dev/null
	[ ! -e "$(zone_dir ci-orph)" ] || fail "orphan kept"
	grep -q 'zone ci-orph: ephemeral, and nobody was left to delete it: deleted' "$ZONECTL_ROOT.notice" || fail "no notice: $(cat "$ZONECTL_ROOT.notice")"
	[ -e "$(zone_dir ci-fresh)" ] || fail "a zone just created by a run was swept"
	assert_no_leaks ci-orph
}

test_run_client_sigterm_ends_the_job_in_order() {
	local rc
	"$ZONECTL" run --rm --name ci-t1 -- sh -c 'trap "echo job got TERM; exit 7" TERM; sleep 100 & wait' >"$ZONECTL_ROOT.out2" &
	local client=$! i
	for i in $(seq 50); do
		[ "$(state_of ci-t1 2>/dev/null)" = running ] && break
		sleep 0.1
	done
	sleep 0.2
	kill -TERM $client
	set +e
	wait $client
	rc=$?
	set -e
	[ $rc -eq 7 ] || fail "status $rc, output $(cat "$ZONECTL_ROOT.out2")"
	grep -q 'job got TERM' "$ZONECTL_ROOT.out2" || fail "the job did not see SIGTERM"
	[ ! -e "$(zone_dir ci-t1)" ] || fail "zone left"
	assert_no_leaks ci-t1
}

test_twenty_concurrent_runs_complete_and_leave_nothing() {
	local pids=() i rc bad=0
	for i in $(seq 20); do
		z run --rm --name ci-p$i --set cpu-shares=$((i % 2 ? 512 : 1024)) -- \
			sh -c "i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done; echo done-$i" \
			>"$ZONECTL_ROOT.p$i" 2>&1 &
		pids+=($!)
	done
	for i in $(seq 20); do
		wait "${pids[$((i - 1))]}" || { rc=$?; bad=$((bad + 1)); echo "job $i: $rc $(cat "$ZONECTL_ROOT.p$i")"; }
		[ "$(cat "$ZONECTL_ROOT.p$i")" = "done-$i" ] || { bad=$((bad + 1)); echo "job $i said: $(cat "$ZONECTL_ROOT.p$i")"; }
	done
	[ $bad -eq 0 ] || fail "$bad of 20 jobs failed"
	[ -z "$(ls "$ZONECTL_ROOT/zones")" ] || fail "zones left: $(ls "$ZONECTL_ROOT/zones")"
	for i in $(seq 20); do assert_no_leaks ci-p$i; done
}

test_concurrent_runs_share_one_cpu_by_their_shares() {
	# both on CPU 0, shares 1:4; each counts until its client's SIGTERM
	local job='trap "echo \$n; exit 0" TERM; n=0; while :; do n=$((n+1)); done' a b
	"$ZONECTL" run --rm --name ci-sa --set cpuset=0,cpu-shares=256 -- sh -c "$job" >"$ZONECTL_ROOT.sa" &
	a=$!
	"$ZONECTL" run --rm --name ci-sb --set cpuset=0,cpu-shares=1024 -- sh -c "$job" >"$ZONECTL_ROOT.sb" &
	b=$!
	sleep 4
	kill -TERM $a $b
	wait $a $b || fail "a job failed"
	local na nb
	na=$(cat "$ZONECTL_ROOT.sa") nb=$(cat "$ZONECTL_ROOT.sb")
	[ -n "$na" ] && [ -n "$nb" ] && [ "$na" -gt 0 ] || fail "counts: '$na' '$nb'"
	# 4:1 expected; other load on the machine blurs it
	[ $((nb * 10 / na)) -ge 20 ] || fail "shares 256:1024 gave counts $na:$nb"
	[ $((nb * 10 / na)) -le 80 ] || fail "shares 256:1024 gave counts $na:$nb"
}

test_halt_gives_a_login_its_grace_period() {
	# a login's processes are not zinit's children: zinit must still wait
	# for them, or its exit SIGKILLs them at once
	z create ci-hl
	z boot ci-hl
	"$ZONECTL" login ci-hl -- sh -c 'trap "sleep 0.3; echo graceful; exit 0" TERM; sleep 100 & wait' >"$ZONECTL_ROOT.hl" &
	local login=$!
	sleep 0.5
	z halt ci-hl
	wait $login || true
	grep -q graceful "$ZONECTL_ROOT.hl" || fail "the login was killed without its grace"
}

# GitLab Runner calls the driver as its custom executor does: config,
# prepare, run SCRIPT STAGE for each stage, cleanup, with the job's
# variables as CUSTOM_ENV_* and the exit codes it wants in the environment.
gitlab() { CUSTOM_ENV_CI_JOB_ID=$job BUILD_FAILURE_EXIT_CODE=41 SYSTEM_FAILURE_EXIT_CODE=42 z ci gitlab "$@"; }

test_gitlab_driver_runs_a_two_stage_job_end_to_end() {
	local job=ci$RANDOM rc dir=$ZONECTL_ROOT.gl
	mkdir -p "$dir"
	gitlab config | python3 -c 'import json,sys; c=json.load(sys.stdin); assert c["builds_dir"]=="/builds" and c["cache_dir"]=="/cache" and c["builds_dir_is_shared"] is False and c["driver"]["name"]=="zonectl", c'
	gitlab prepare
	[ "$(state_of ci-job-$job)" = running ] || fail "prepare: $(z list)"
	printf 'set -e\nmkdir -p /builds/p\necho built > /builds/p/artifact\necho stage one\n' >"$dir/build"
	printf 'set -e\ncat /builds/p/artifact\ntest "$(hostname)" = "ci-job-%s"\n' "$job" >"$dir/test"
	[ "$(gitlab run "$dir/build" build_script)" = "stage one" ] || fail "stage one"
	[ "$(gitlab run "$dir/test" step_script)" = built ] || fail "stage two did not see stage one's work"
	printf 'echo failing\nexit 5\n' >"$dir/fail"
	set +e
	gitlab run "$dir/fail" after_script >/dev/null 2>"$dir/err"
	rc=$?
	set -e
	[ $rc -eq 41 ] || fail "failing script gave $rc, not BUILD_FAILURE_EXIT_CODE"
	grep -q "stage after_script: script exited with status 5" "$dir/err" || fail "status not reported: $(cat "$dir/err")"
	[ "$(cat "$ZONECTL_ROOT/run/ci-job-$job/job-status")" = 5 ] || fail "status not recorded"
	gitlab cleanup
	[ ! -e "$(zone_dir ci-job-$job)" ] || fail "cleanup left the zone"
	assert_no_leaks ci-job-$job
	gitlab cleanup # always succeeds
	set +e
	gitlab run "$dir/build" build_script 2>/dev/null
	rc=$?
	set -e
	[ $rc -eq 42 ] || fail "no zone gave $rc, not SYSTEM_FAILURE_EXIT_CODE"
}

test_gitlab_driver_sigterm_ends_the_job_gracefully() {
	local job=ci$RANDOM dir=$ZONECTL_ROOT.gl
	mkdir -p "$dir"
	gitlab prepare
	printf 'trap "echo job got TERM; exit 9" TERM\nsleep 100 & wait\n' >"$dir/long"
	(CUSTOM_ENV_CI_JOB_ID=$job exec "$ZONECTL" ci gitlab run "$dir/long" build_script >"$dir/out" 2>&1) &
	local pid=$!
	sleep 1
	kill -TERM $pid
	wait $pid || true
	grep -q 'job got TERM' "$dir/out" || fail "the job was not asked to stop: $(cat "$dir/out")"
	gitlab cleanup
	assert_no_leaks ci-job-$job
}

test_gitlab_driver_clones_the_template_the_image_names() {
	local job=ci$RANDOM dir=$ZONECTL_ROOT.gl
	mkdir -p "$dir"
	make_template busybox-latest
	printf 'cat /etc/marker\n' >"$dir/s"
	CUSTOM_ENV_CI_JOB_IMAGE=busybox:latest gitlab prepare
	[ "$(gitlab run "$dir/s" build_script)" = template-file ] || fail "not the template's root"
	gitlab cleanup
}

# /cache is the project's: kept from job to job, never another project's;
# a whole zone gets the runner's binary (a stand-in here: Debian has no
# gitlab-runner) read-only at /usr/local/bin/gitlab-runner.
test_gitlab_cache_is_per_project_and_the_runner_is_there() {
	local job=ci$RANDOM dir=$ZONECTL_ROOT.gl
	mkdir -p "$dir"
	make_template citpl
	printf '#!/bin/sh\necho runner-stand-in\n' >"$dir/gitlab-runner"
	chmod 755 "$dir/gitlab-runner"
	export ZONECTL_GITLAB_RUNNER=$dir/gitlab-runner CUSTOM_ENV_CI_JOB_IMAGE=citpl
	printf 'set -e\necho one >/cache/f\n/usr/local/bin/gitlab-runner\n' >"$dir/a"
	printf 'cat /cache/f 2>/dev/null || echo none\n' >"$dir/b"
	CUSTOM_ENV_CI_PROJECT_PATH_SLUG=p1 gitlab prepare
	[ "$(gitlab run "$dir/a" build_script)" = runner-stand-in ] || fail "no runner in the zone"
	z login ci-job-$job -- sh -c 'echo x >/usr/local/bin/gitlab-runner' 2>/dev/null && fail "the runner is writable"
	gitlab cleanup
	[ "$(cat "$ZONECTL_ROOT/ci/cache/p1/f")" = one ] || fail "cache not on the host"
	job=ci$RANDOM
	CUSTOM_ENV_CI_PROJECT_PATH_SLUG=p1 gitlab prepare
	[ "$(gitlab run "$dir/b" build_script)" = one ] || fail "the next job of p1 lost the cache"
	gitlab cleanup
	job=ci$RANDOM
	CUSTOM_ENV_CI_PROJECT_PATH_SLUG=p2 gitlab prepare
	[ "$(gitlab run "$dir/b" build_script)" = none ] || fail "p2 saw p1's cache"
	gitlab cleanup
	job=ci$RANDOM
	set +e
	CUSTOM_ENV_CI_PROJECT_PATH_SLUG=../x gitlab prepare 2>"$dir/err"
	rc=$?
	set -e
	[ $rc -eq 42 ] && grep -q "cache key" "$dir/err" || fail "bad key: $rc $(cat "$dir/err")"
	[ ! -e "$(zone_dir ci-job-$job)" ] || fail "a refused prepare left a zone"
}

# debootstrap needs the mirror and a minute: done once, cached
# (a directory outside the repository where the built tree is kept).
test_template_by_debootstrap() {
	# built once (about 90 s) and kept as a tarball for later runs
	local cache=${ZONECTL_TEST_CACHE:-/var/cache/zonectl-tests}
	command -v debootstrap >/dev/null || skip "debootstrap is not installed (./setup --deps)"
	mkdir -p "$cache"
	if [ ! -e "$cache/bookworm.tar" ]; then
		ZONECTL_ROOT=$cache/root z template create bookworm --debootstrap bookworm ||
			skip "debootstrap failed (mirror unreachable?)"
		tar -C "$cache/root/templates/bookworm/root" -cf "$cache/bookworm.tar.part" . &&
			mv "$cache/bookworm.tar.part" "$cache/bookworm.tar"
		ZONECTL_ROOT=$cache/root z template delete bookworm
		rm -rf "$cache/root"
	fi
	z template create cideb --from "$cache/bookworm.tar"
	[ "$(z run --rm --name ci-deb --template cideb -- sh -c '. /etc/os-release; echo $VERSION_CODENAME')" = bookworm ] ||
		fail "not a bookworm root"
}

run_tests
