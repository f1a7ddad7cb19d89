# escape-lib.bash - what the escape tests share (sourced after lib.sh; not
# a test file itself, so it does not end in .sh).
#
# Every zone here is named es* (zones of one name in different state roots
# share cgroup names, and other tests run on this machine at once).

# zone_with NAME PYTHON...: creates zone NAME from the default config
# changed by each PYTHON snippet in turn, editing the parsed config `c`. This is how a test
# builds its deliberately weakened zone, to show the attack would work.
zone_with() {
	local name=$1 f="$ZONECTL_ROOT.$1.json" edit
	shift
	edit=$(printf '%s\n' "$@")
	z create es-tmpl-$name >/dev/null
	z config es-tmpl-$name >"$f"
	z delete es-tmpl-$name >/dev/null
	python3 - "$f" "$edit" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
	z create "$name" --config "$f"
	rm -f "$f"
}

# Python snippets for zone_with.
ALL_CAPS='caps = ["CAP_%s" % n for n in "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ".split()]
for k in ("bounding", "effective", "permitted"): c["process"]["capabilities"][k] = caps
'
NO_SECCOMP='c["linux"].pop("seccomp", None)'
NO_MASKS='c["linux"].pop("maskedPaths", None); c["linux"].pop("readonlyPaths", None)'

zroot() { echo "$(zone_dir "$1")/root"; }

# The probe's answer, run as root in zone $1.
probe() { local n=$1; shift; z login "$n" -- /root/zprobe "$@"; }

# A private copy of zonectl for this file's tests: other sessions rebuild
# build/zonectl while tests run, and the CVE-2019-5736 tests compare the
# runtime binary's checksum before and after.
ES_BIN=$(mktemp -d /tmp/esbin.XXXXXX)
for _ in 1 2 3 4 5; do
	cp "$ZONECTL" "$ES_BIN/zonectl" && "$ES_BIN/zonectl" list -h >/dev/null 2>&1 && break
	sleep 1
done
ZONECTL=$ES_BIN/zonectl
trap 'rm -rf "$ES_BIN"' EXIT
