/* test_config.c - config.json parsing and the JSON module under it. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "json.h"
#include "t.h"
#include "config/config.h"

#define BASE "\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"root\"}"

static int parse(const char *text, struct zone_config *cfg, struct zerr *err)
{
	memset(err, 0, sizeof(*err));
	return zone_config_parse("web1", text, strlen(text), cfg, err);
}

/* The document must fail with exactly `want` as the message. */
#define EXPECT_ERR(doc, want)                                                                     \
	do {                                                                                      \
		struct zone_config c_;                                                            \
		struct zerr e_;                                                                   \
		int r_ = parse((doc), &c_, &e_);                                                  \
		CHECK_MSG(r_ == -EINVAL && !strcmp(e_.msg, (want)), "r=%d msg=`%s`, wanted `%s`", \
			  r_, e_.msg, (want));                                                    \
	} while (0)

#define EXPECT_OK(doc, cfg)                                      \
	do {                                                     \
		struct zerr e_;                                  \
		int r_ = parse((doc), (cfg), &e_);               \
		CHECK_MSG(r_ == 0, "r=%d msg=`%s`", r_, e_.msg); \
	} while (0)

/* The document parses, and its first skipped property is noted so. */
#define EXPECT_IGNORED(doc, want)                                                                 \
	do {                                                                                      \
		struct zone_config c_;                                                            \
		EXPECT_OK((doc), &c_);                                                            \
		CHECK_MSG(c_.ignored && !strcmp(c_.ignored, (want)), "ignored `%s`, wanted `%s`", \
			  c_.ignored ? c_.ignored : "(none)", (want));                            \
		zone_config_free(&c_);                                                            \
	} while (0)

static void test_default_config_parses_into_the_documented_zone(void)
{
	cleanup_free char *doc = zone_config_default("web1", ZONE_BRAND_SPARSE);
	CHECK(doc);
	struct zone_config cfg;
	EXPECT_OK(doc, &cfg);
	CHECK(!strcmp(cfg.oci_version, "1.0.2"));
	CHECK(!strcmp(cfg.root_path, "root") && !cfg.root_readonly);
	CHECK(!strcmp(cfg.hostname, "web1"));
	CHECK(cfg.ns_flags == (CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
			       CLONE_NEWNS | CLONE_NEWCGROUP));
	CHECK(cfg.n_ns_paths == 0);
	CHECK(cfg.has_process && cfg.process.args == NULL);
	CHECK(cfg.process.no_new_privs && !cfg.process.terminal);
	CHECK(!strcmp(cfg.process.cwd, "/"));
	CHECK(strv_len(cfg.process.env) == 3);
	CHECK(cfg.process.caps.bounding == iso_caps_default());
	CHECK(cfg.process.caps.permitted == iso_caps_default());
	CHECK(cfg.process.caps.inheritable == 0 && cfg.process.caps.ambient == 0);
	CHECK(cfg.process.n_rlimits == 1);
	CHECK(cfg.process.rlimits[0].resource == RLIMIT_NOFILE);
	CHECK(cfg.process.rlimits[0].soft == 1024 && cfg.process.rlimits[0].hard == 1024);
	CHECK(cfg.n_mounts == 7);
	CHECK(!strcmp(cfg.mounts[2].destination, "/dev/pts"));
	/* the zone's own cgroups, read-only */
	CHECK(!strcmp(cfg.mounts[6].destination, "/sys/fs/cgroup"));
	CHECK(!strcmp(cfg.mounts[6].type, "cgroup"));
	CHECK(!strcmp(cfg.mounts[6].options[3], "ro"));
	CHECK(strv_len(cfg.mounts[2].options) == 5);
	CHECK(cfg.mounts[0].options == NULL);
	CHECK(strv_len(cfg.masked_paths) == 11 && strv_len(cfg.readonly_paths) == 5);
	CHECK(cfg.seccomp && cfg.seccomp->n_rules == iso_seccomp_default()->n_rules);
	CHECK(!strcmp(cfg.seccomp->default_action, iso_seccomp_default()->default_action));
	/* the deny-all; rctl adds the zone's own /dev after it */
	CHECK(cfg.resources.n_devices == 1);
	CHECK(!cfg.resources.devices[0].allow && cfg.resources.devices[0].type == 'a');
	CHECK(cfg.resources.devices[0].major == -1);
	CHECK(!strcmp(cfg.resources.devices[0].access, "rwm"));
	CHECK(cfg.brand == ZONE_BRAND_SPARSE && cfg.init == ZONE_INIT_BUILTIN);
	CHECK(!cfg.autoboot);
	zone_config_free(&cfg);
}

static void test_default_config_round_trips_through_the_writer(void)
{
	cleanup_free char *doc = zone_config_default("db2", ZONE_BRAND_KVM);
	CHECK(doc);
	cleanup_json struct jv *v = NULL;
	struct zerr err;
	CHECK(json_parse(doc, strlen(doc), &v, &err) == 0);
	struct jw *w = jw_new(true);
	CHECK(jw_value(w, v) == 0);
	size_t len = 0;
	cleanup_free char *again = jw_finish(w, &len);
	CHECK(again && len == strlen(again));
	CHECK_MSG(!strcmp(doc, again), "differs:\n%s\n---\n%s", doc, again);
	struct zone_config cfg;
	EXPECT_OK(again, &cfg);
	CHECK(cfg.brand == ZONE_BRAND_KVM && !strcmp(cfg.hostname, "db2"));
	zone_config_free(&cfg);
}

static void test_malformed_json_names_line_and_column(void)
{
	struct zone_config cfg;
	struct zerr err;
	const char *doc = "{\n  \"ociVersion\": \"1.0.2\",\n  root: {}\n}\n";
	CHECK(parse(doc, &cfg, &err) == -EINVAL);
	const char *want = "zone web1: config: malformed JSON at line 3, column 3: ";
	CHECK_MSG(!strncmp(err.msg, want, strlen(want)), "`%s`", err.msg);
	CHECK(!strchr(err.msg, '\n'));

	doc = "{\"a\": [1, 2,\n";
	CHECK(parse(doc, &cfg, &err) == -EINVAL);
	CHECK_MSG(strstr(err.msg, "at line 1, column 13: ") && strstr(err.msg, "premature EOF"),
		  "`%s`", err.msg);

	CHECK(parse("", &cfg, &err) == -EINVAL);
	CHECK_MSG(strstr(err.msg, "malformed JSON at line 1, column 1"), "`%s`", err.msg);

	/* a NUL would hide the rest of the document from the parser */
	static const char nul[] = "{\"ociVersion\": \"1.0.2\"}\0{";
	CHECK(zone_config_parse("web1", nul, sizeof(nul) - 1, &cfg, &err) == -EINVAL);
	CHECK_MSG(strstr(err.msg, "column 24: NUL byte"), "`%s`", err.msg);
}

static void test_deep_nesting_is_refused_before_it_can_recurse(void)
{
	char doc[400];
	memset(doc, '[', 300);
	memset(doc + 300, ']', 99);
	doc[399] = '\0';
	cleanup_json struct jv *v = NULL;
	struct zerr err;
	CHECK(json_parse(doc, strlen(doc), &v, &err) == -EINVAL);
	CHECK_MSG(strstr(err.msg, "column 129: nested deeper than 128"), "`%s`", err.msg);
}

/* The runtime spec's Extensibility: a property the runtime does not know
 * is skipped at any level, and the first one noted; "zone" is ours and
 * strict, even nested in an open document. */
static void test_unknown_keys_are_skipped_but_the_zone_object_is_strict(void)
{
	EXPECT_ERR("{" BASE ", \"zone\": {\"colour\": \"red\"}}",
		   "zone web1: config: zone.colour: unknown key");
	EXPECT_IGNORED("{" BASE ", \"procss\": {}}", "procss: unknown key, ignored");
	EXPECT_IGNORED("{" BASE ", \"process\": {\"cwd\": \"/\", \"bogus\": 1}}",
		       "process.bogus: unknown key, ignored");
	EXPECT_IGNORED("{" BASE ", \"linux\": {\"resources\": {\"memory\": {\"limt\": 1}}}}",
		       "linux.resources.memory.limt: unknown key, ignored");
	EXPECT_IGNORED("{" BASE ", \"mounts\": [{\"destination\": \"/x\", \"type\": \"tmpfs\"},"
		       " {\"destination\": \"/y\", \"type\": \"tmpfs\", \"typo\": 1}]}",
		       "mounts[1].typo: unknown key, ignored");
	EXPECT_IGNORED("{" BASE ", \"hooks\": {\"onCrash\": []}}",
		       "hooks.onCrash: unknown key, ignored");
	EXPECT_IGNORED("{" BASE
		       ", \"org.example.ext\": {\"x\": 1}, \"zone\": {\"brand\": \"sparse\"}}",
		       "org.example.ext: unknown key, ignored");
	struct zone_config c;
	EXPECT_OK("{" BASE "}", &c);
	CHECK(!c.ignored);
	zone_config_free(&c);
	EXPECT_ERR("{" BASE ", \"hostname\": \"a\", \"hostname\": \"b\"}",
		   "zone web1: config: hostname: duplicate key");
}

static void test_wrong_types_are_named(void)
{
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"resources\": {\"memory\": {\"limit\": \"1G\"}}}}",
		"zone web1: config: linux.resources.memory.limit: expected an integer, got a string");
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"resources\": {\"memory\": {\"limit\": 1.5}}}}",
		"zone web1: config: linux.resources.memory.limit: expected an integer, got a number");
	EXPECT_ERR("{" BASE ", \"process\": {\"env\": [\"A=1\", 7]}}",
		   "zone web1: config: process.env[1]: expected a string, got an integer");
	EXPECT_ERR("{" BASE ", \"zone\": {\"autoboot\": \"yes\"}}",
		   "zone web1: config: zone.autoboot: expected a boolean, got a string");
	EXPECT_ERR("[1]", "zone web1: config: top level: expected an object, got an array");
	EXPECT_ERR("{" BASE ", \"mounts\": {}}",
		   "zone web1: config: mounts: expected an array, got an object");
}

static void test_required_keys_are_named(void)
{
	EXPECT_ERR("{\"root\": {\"path\": \"r\"}}", "zone web1: config: ociVersion: required");
	EXPECT_ERR("{\"ociVersion\": \"1.0.2\"}", "zone web1: config: root: required");
	EXPECT_ERR("{\"ociVersion\": \"1.0.2\", \"root\": {\"readonly\": true}}",
		   "zone web1: config: root.path: required");
	EXPECT_ERR("{" BASE ", \"mounts\": [{\"type\": \"tmpfs\"}]}",
		   "zone web1: config: mounts[0].destination: required");
	EXPECT_ERR("{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"r\"}}",
		   "zone web1: config: ociVersion: version `2.0.0` is not supported (need 1.x)");
}

static void test_bad_zone_names_are_rejected(void)
{
	static const char *const bad[] = {"../x", "a/b", "",   ".hidden", ".",
					  "..",   "-x",  "_x", "a b",     "web\n1"};
	struct zerr err;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(zone_name_check(bad[i], &err) == -EINVAL, "`%s` accepted", bad[i]);
	CHECK(zone_name_check(NULL, &err) == -EINVAL);
	CHECK(zone_name_check("a/b", &err) == -EINVAL);
	CHECK_MSG(!strcmp(err.msg,
			  "zone name `a/b`: only letters, digits, '.', '_' and '-' are allowed"),
		  "`%s`", err.msg);
	CHECK(zone_name_check("web\0331", &err) == -EINVAL);
	CHECK_MSG(!strchr(err.msg, '\033'), "escape echoed: `%s`", err.msg);

	char name[66];
	memset(name, 'a', 65);
	name[65] = '\0';
	CHECK(zone_name_check(name, &err) == -EINVAL);
	name[64] = '\0';
	CHECK(zone_name_check(name, &err) == 0);
	CHECK(zone_name_check("web1", &err) == 0);
	CHECK(zone_name_check("db_2.prod-x", &err) == 0);
	CHECK(zone_name_check("7", &err) == 0);
}

static void test_brand_names_round_trip(void)
{
	enum zone_brand b;
	for (int i = ZONE_BRAND_SPARSE; i <= ZONE_BRAND_KVM; i++) {
		CHECK(zone_brand_from_name(zone_brand_name(i), &b) == 0);
		CHECK(b == (enum zone_brand)i);
	}
	CHECK(zone_brand_from_name("lx", &b) == -EINVAL);
	EXPECT_ERR("{" BASE ", \"zone\": {\"brand\": \"lx\"}}",
		   "zone web1: config: zone.brand: unknown brand `lx` (sparse, whole, oci or kvm)");
}

static void test_capabilities_land_in_the_right_bits(void)
{
	struct zone_config cfg;
	EXPECT_OK("{" BASE ", \"process\": {\"capabilities\": {"
		  "\"bounding\": [\"CAP_CHOWN\", \"CAP_NET_ADMIN\", \"CAP_SYS_ADMIN\"],"
		  "\"effective\": [\"CAP_KILL\"], \"permitted\": [\"CAP_KILL\"],"
		  "\"inheritable\": [], \"ambient\": [\"CAP_KILL\"]}}}",
		  &cfg);
	struct iso_caps *c = &cfg.process.caps;
	CHECK(c->bounding == ((1ull << 0) | (1ull << 12) | (1ull << 21)));
	CHECK(c->effective == (1ull << 5) && c->permitted == (1ull << 5));
	CHECK(c->inheritable == 0 && c->ambient == (1ull << 5));
	zone_config_free(&cfg);
	EXPECT_ERR(
		"{" BASE
		", \"process\": {\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_FLY\"]}}}",
		"zone web1: config: process.capabilities.bounding[1]: unknown capability `CAP_FLY`");
}

static void test_namespaces_with_a_path_are_joined(void)
{
	struct zone_config cfg;
	EXPECT_OK("{" BASE ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"},"
		  " {\"type\": \"network\", \"path\": \"/run/netns/blue\"},"
		  " {\"type\": \"uts\", \"path\": \"\"}, {\"type\": \"time\"}]}}",
		  &cfg);
	CHECK(cfg.ns_flags == (CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWTIME));
	CHECK(cfg.n_ns_paths == 1);
	CHECK(cfg.ns_paths[0].type == CLONE_NEWNET);
	CHECK(!strcmp(cfg.ns_paths[0].path, "/run/netns/blue"));
	zone_config_free(&cfg);
	EXPECT_ERR("{" BASE ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"},"
		   " {\"type\": \"pid\", \"path\": \"/proc/1/ns/pid\"}]}}",
		   "zone web1: config: linux.namespaces[1]: namespace `pid` listed twice");
	EXPECT_ERR("{" BASE ", \"linux\": {\"namespaces\": [{\"type\": \"pidd\"}]}}",
		   "zone web1: config: linux.namespaces[0].type: unknown namespace type `pidd`");
	EXPECT_ERR(
		"{" BASE
		", \"linux\": {\"namespaces\": [{\"type\": \"ipc\", \"path\": \"ns/ipc\"}]}}",
		"zone web1: config: linux.namespaces[0].path: must be an absolute path, got `ns/ipc`");
	/* without a uts namespace, setting the hostname would rename the host */
	EXPECT_ERR("{" BASE
		   ", \"hostname\": \"x\", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}]}}",
		   "zone web1: config: hostname: needs a uts namespace in linux.namespaces");
}

static void test_impossible_values_are_rejected(void)
{
	EXPECT_ERR(
		"{" BASE ", \"process\": {\"oomScoreAdj\": 5000}}",
		"zone web1: config: process.oomScoreAdj: must be between -1000 and 1000, got 5000");
	EXPECT_ERR(
		"{" BASE ", \"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\","
		" \"soft\": 2048, \"hard\": 1024}]}}",
		"zone web1: config: process.rlimits[0]: soft limit 2048 exceeds hard limit 1024");
	EXPECT_ERR("{" BASE ", \"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFLIE\","
		   " \"soft\": 1, \"hard\": 1}]}}",
		   "zone web1: config: process.rlimits[0].type: unknown resource `RLIMIT_NOFLIE`");
	EXPECT_ERR(
		"{" BASE
		", \"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NPROC\", \"soft\": 1, \"hard\": 1},"
		" {\"type\": \"RLIMIT_NPROC\", \"soft\": 1, \"hard\": 1}]}}",
		"zone web1: config: process.rlimits[1]: RLIMIT_NPROC given twice");
	EXPECT_ERR("{" BASE ", \"process\": {\"cwd\": \"home\"}}",
		   "zone web1: config: process.cwd: must be an absolute path, got `home`");
	EXPECT_ERR("{" BASE ", \"mounts\": [{\"destination\": \"tmp\", \"type\": \"tmpfs\"}]}",
		   "zone web1: config: mounts[0].destination: must be an absolute path, got `tmp`");
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"resources\": {\"blockIO\": {\"weight\": 5}}}}",
		"zone web1: config: linux.resources.blockIO.weight: must be between 10 and 1000, got 5");
	EXPECT_ERR("{" BASE ", \"process\": {\"user\": {\"uid\": -1}}}",
		   "zone web1: config: process.user.uid: must be between 0 and 4294967294, got -1");
	EXPECT_ERR("{" BASE ", \"process\": {\"env\": [\"=x\"]}}",
		   "zone web1: config: process.env[0]: `=x` is not NAME=VALUE");
	EXPECT_ERR(
		"{" BASE
		", \"linux\": {\"resources\": {\"memory\": {\"limit\": 1000, \"swap\": 10}}}}",
		"zone web1: config: linux.resources.memory.swap: 10 is below limit 1000 (swap counts memory plus swap)");
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"0-3,x\"}}}}",
		"zone web1: config: linux.resources.cpu.cpus: expected a list such as \"0-3,8\", got `0-3,x`");
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"resources\": {\"cpu\": {\"quota\": 0}}}}",
		"zone web1: config: linux.resources.cpu.quota: must be -1 (no cap) or at least 1000 microseconds, got 0");
	EXPECT_ERR(
		"{" BASE
		", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}}}",
		"zone web1: config: linux.resources.devices[0].access: expected some of r, w and m, got `rwx`");
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"rootfsPropagation\": \"sideways\"}}",
		"zone web1: config: linux.rootfsPropagation: expected private, slave, shared or unbindable (or r-prefixed), got `sideways`");
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"cgroupsPath\": \"/zones/../../escape\"}}",
		"zone web1: config: linux.cgroupsPath: `/zones/../../escape` contains a `..` component");
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"maskedPaths\": [\"/proc/kcore\", \"proc/keys\"]}}",
		"zone web1: config: linux.maskedPaths[1]: must be an absolute path, got `proc/keys`");
}

static void test_unsupported_oci_fields_are_named_not_ignored(void)
{
	EXPECT_ERR("{" BASE ", \"linux\": {\"intelRdt\": {\"closID\": \"guaranteed\"}}}",
		   "zone web1: config: linux.intelRdt: not supported");
	EXPECT_ERR("{" BASE ", \"mounts\": [{\"destination\": \"/x\", \"type\": \"tmpfs\", "
		   "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}]}",
		   "zone web1: config: mounts[0].uidMappings: not supported");
	EXPECT_ERR("{" BASE ", \"process\": {\"apparmorProfile\": \"docker-default\"}}",
		   "zone web1: config: process.apparmorProfile: not supported");
	/* deprecated, and safe to ignore (runc does) */
	EXPECT_IGNORED("{" BASE
		       ", \"linux\": {\"resources\": {\"memory\": {\"kernel\": 1048576}}}}",
		       "linux.resources.memory.kernel: deprecated, ignored");
	EXPECT_IGNORED("{" BASE
		       ", \"linux\": {\"resources\": {\"blockIO\": {\"leafWeight\": 10}}}}",
		       "linux.resources.blockIO.leafWeight: deprecated, ignored");
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"resources\": {\"memory\": {\"swappiness\": 101}}}}",
		"zone web1: config: linux.resources.memory.swappiness: must be between 0 and 100, got 101");
	EXPECT_ERR("{" BASE ", \"linux\": {\"personality\": {\"domain\": \"LINUX32\"}}}",
		   "zone web1: config: linux.personality: not supported");
	EXPECT_ERR("{" BASE
		   ", \"linux\": {\"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\"}]}}",
		   "zone web1: config: linux.devices[0]: major and minor are required for type c");
	EXPECT_ERR("{" BASE ", \"linux\": {\"namespaces\": [{\"type\": \"user\"}]}}",
		   "zone web1: config: linux.uidMappings: required with a user namespace");
	/* values that ask for nothing are what generators write for "unset" */
	struct zone_config cfg;
	EXPECT_OK("{" BASE ", \"hooks\": {\"prestart\": []}, \"linux\": {\"intelRdt\": {},"
		  " \"sysctl\": {}, \"resources\": {\"memory\": {\"disableOOMKiller\": false}}}}",
		  &cfg);
	zone_config_free(&cfg);
}

static void test_hooks_and_sysctl_are_parsed_and_checked(void)
{
	struct zone_config cfg;
	EXPECT_ERR(
		"{" BASE ", \"hooks\": {\"prestart\": [{\"path\": \"true\"}]}}",
		"zone web1: config: hooks.prestart[0].path: must be an absolute path, got `true`");
	EXPECT_ERR(
		"{" BASE
		", \"hooks\": {\"poststop\": [{\"path\": \"/bin/true\", \"timeout\": 0}]}}",
		"zone web1: config: hooks.poststop[0].timeout: must be between 1 and 86400, got 0");
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"sysctl\": {\"kernel.panic\": \"1\"}}}",
		"zone web1: config: linux.sysctl.kernel.panic: not a namespaced sysctl: it would change the host");
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}}",
		"zone web1: config: linux.sysctl.net.ipv4.ip_forward: needs the zone's own network namespace");
	EXPECT_OK(
		"{" BASE
		", \"hooks\": {\"createRuntime\": [{\"path\": \"/bin/hook\", \"args\": [\"hook\", \"x\"],"
		" \"env\": [\"A=1\"], \"timeout\": 5}]}, \"linux\": {\"namespaces\": [{\"type\": \"network\"}],"
		" \"sysctl\": {\"net.ipv4.ping_group_range\": \"0 0\"}}, \"zone\": {\"bundle\": \"/b\"}}",
		&cfg);
	CHECK(cfg.n_hooks[ZH_CREATE_RUNTIME] == 1 && cfg.hooks[ZH_CREATE_RUNTIME][0].timeout == 5 &&
	      !strcmp(cfg.hooks[ZH_CREATE_RUNTIME][0].args[1], "x") && !cfg.n_hooks[ZH_PRESTART]);
	CHECK(cfg.sysctl && !strcmp(cfg.sysctl[0], "net.ipv4.ping_group_range=0 0") &&
	      !cfg.sysctl[1]);
	CHECK(!strcmp(cfg.bundle, "/b"));
	zone_config_free(&cfg);
}

static void test_init_modes(void)
{
	struct zone_config cfg;
	EXPECT_ERR("{" BASE ", \"zone\": {\"init\": \"none\"}}",
		   "zone web1: config: process.args: required with zone.init \"none\"");
	EXPECT_ERR("{" BASE ", \"process\": {\"args\": []}}",
		   "zone web1: config: process.args: must not be empty");
	EXPECT_ERR(
		"{" BASE ", \"zone\": {\"init\": \"sbin/init\"}}",
		"zone web1: config: zone.init: expected \"builtin\", \"none\" or an absolute path, got `sbin/init`");
	EXPECT_OK("{" BASE ", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"sleep 1\"]},"
		  " \"zone\": {\"init\": \"none\", \"autoboot\": true}}",
		  &cfg);
	CHECK(cfg.init == ZONE_INIT_NONE && cfg.autoboot);
	CHECK(strv_len(cfg.process.args) == 3 && !strcmp(cfg.process.args[2], "sleep 1"));
	CHECK(!strcmp(cfg.process.cwd, "/"));
	zone_config_free(&cfg);
	EXPECT_OK("{" BASE ", \"zone\": {\"init\": \"/sbin/init\", \"brand\": \"whole\","
		  " \"template\": \"t1\"}}",
		  &cfg);
	CHECK(cfg.init == ZONE_INIT_PATH && !strcmp(cfg.init_path, "/sbin/init"));
	CHECK(cfg.brand == ZONE_BRAND_WHOLE && !cfg.has_process);
	zone_config_free(&cfg);
}

static void test_whole_brand_needs_its_template(void)
{
	struct zone_config cfg;
	EXPECT_ERR("{" BASE ", \"zone\": {\"brand\": \"whole\"}}",
		   "zone web1: config: zone.template: required with zone.brand \"whole\"");
	EXPECT_ERR(
		"{" BASE ", \"zone\": {\"template\": \"t1\"}}",
		"zone web1: config: zone.template: only a zone of brand \"whole\" has a template");
	EXPECT_ERR("{" BASE ", \"zone\": {\"brand\": \"whole\", \"template\": \"../x\"}}",
		   "zone web1: config: zone.template: `../x` is not a valid template name");
	EXPECT_ERR("{" BASE ", \"zone\": {\"ephemeral\": 1}}",
		   "zone web1: config: zone.ephemeral: expected a boolean, got an integer");
	EXPECT_OK("{" BASE
		  ", \"zone\": {\"brand\": \"whole\", \"template\": \"t1\", \"ephemeral\": true}}",
		  &cfg);
	CHECK(cfg.brand == ZONE_BRAND_WHOLE && !strcmp(cfg.template_name, "t1") && cfg.ephemeral);
	zone_config_free(&cfg);
}

static void test_zone_disk_takes_a_size_and_refuses_what_cannot_mount_it(void)
{
	struct zone_config cfg;
	EXPECT_OK("{" BASE ", \"zone\": {\"disk\": \"2G\"}}", &cfg);
	CHECK(cfg.disk == 2ULL << 30);
	zone_config_free(&cfg);
	EXPECT_OK("{" BASE ", \"zone\": {\"disk\": 67108864}}", &cfg);
	CHECK(cfg.disk == 64 << 20);
	zone_config_free(&cfg);
	EXPECT_OK("{" BASE ", \"zone\": {\"disk\": 0}}", &cfg);
	CHECK(cfg.disk == 0);
	zone_config_free(&cfg);
	EXPECT_ERR(
		"{" BASE ", \"zone\": {\"disk\": 1048576}}",
		"zone web1: config: zone.disk: must be at least 16M (or 0 for no disk of its own)");
	EXPECT_ERR("{" BASE ", \"zone\": {\"disk\": -1}}",
		   "zone web1: config: zone.disk: must not be negative");
	EXPECT_ERR("{" BASE ", \"zone\": {\"disk\": \"big\"}}",
		   "zone web1: config: zone.disk: `big` is not a size (like 512M or 2G)");
	EXPECT_ERR("{" BASE ", \"zone\": {\"disk\": true}}",
		   "zone web1: config: zone.disk: expected an integer, got a boolean");
	EXPECT_ERR(
		"{" BASE ", \"zone\": {\"brand\": \"oci\", \"disk\": \"1G\"}}",
		"zone web1: config: zone.disk: an oci zone's root is its bundle's; it has no disk of its own");
}

#define USERNS(brand)                                                                        \
	"{" BASE ", \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, "                    \
	"{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, " \
	"\"size\": 65536}], \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, "     \
	"\"size\": 65536}]}, \"zone\": {\"brand\": \"" brand "\"}}"

static void test_user_namespace_needs_its_maps_and_an_oci_zone(void)
{
	struct zone_config cfg;
	EXPECT_OK(USERNS("oci"), &cfg);
	CHECK(cfg.ns_flags & CLONE_NEWUSER);
	CHECK(cfg.n_uid_maps == 1 && cfg.uid_maps[0].host == 100000 &&
	      cfg.uid_maps[0].size == 65536);
	CHECK(cfg.n_gid_maps == 1 && cfg.gid_maps[0].container == 0);
	zone_config_free(&cfg);
	EXPECT_ERR(USERNS("sparse"),
		   "zone web1: config: linux.namespaces: a user namespace needs "
		   "zone.brand \"oci\" (a sparse zone's files belong to the host's root)");
	EXPECT_ERR(
		"{" BASE
		", \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}}",
		"zone web1: config: linux.uidMappings: needs a user namespace in linux.namespaces");
	EXPECT_ERR(
		"{" BASE
		", \"linux\": {\"uidMappings\": [{\"containerID\": 4294967295, \"hostID\": 1, \"size\": 2}]}}",
		"zone web1: config: linux.uidMappings[0]: the range passes 4294967295");
	EXPECT_ERR(
		"{" BASE
		", \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 0}]}}",
		"zone web1: config: linux.uidMappings[0].size: must be between 1 and 4294967295, got 0");
}

#define NETNS ", \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"network\"}]}"

static void test_zone_net_is_parsed_and_checked(void)
{
	struct zone_config cfg;
	EXPECT_OK("{" BASE NETNS
		  ", \"zone\": {\"net\": [{\"type\": \"bridge\", \"bridge\": \"zbr0\","
		  " \"address\": [\"198.18.7.2/24\", \"fd00::2/64\"], \"gateway\": \"198.18.7.1\","
		  " \"mtu\": 1400, \"allow-spoofing\": true}]}}",
		  &cfg);
	CHECK(cfg.n_nics == 1 && cfg.nics[0].type == NET_BRIDGE && cfg.nics[0].n_addrs == 2);
	CHECK(cfg.nics[0].addrs[0].prefix == 24 && cfg.nics[0].addrs[1].family == AF_INET6);
	CHECK(cfg.nics[0].mtu == 1400 && cfg.nics[0].allow_spoofing && cfg.nics[0].has_gateway);
	zone_config_free(&cfg);
	EXPECT_ERR(
		"{" BASE NETNS ", \"zone\": {\"net\": [{\"bridge\": \"zbr0\"}]}}",
		"zone web1: config: zone.net[0].type: required (bridge, macvlan, shared or none)");
	EXPECT_ERR(
		"{" BASE NETNS
		", \"zone\": {\"net\": [{\"type\": \"bridge\", \"bridge\": \"zbr0\", \"vlan\": \"7\"}]}}",
		"zone web1: config: zone.net[0]: unknown key `vlan` (type, bridge, parent, address, gateway, mtu, mac, allow-spoofing, nat, publish, dns, search)");
	EXPECT_ERR(
		"{" BASE NETNS
		", \"zone\": {\"net\": [{\"type\": \"bridge\", \"bridge\": \"zbr0\", \"mtu\": 20}]}}",
		"zone web1: config: zone.net[0]: mtu=20: expected 68..65535");
	EXPECT_ERR(
		"{" BASE NETNS
		", \"zone\": {\"net\": [{\"type\": \"shared\", \"address\": \"127.0.0.2\"}]}}",
		"zone web1: config: zone.net: a shared-IP zone stays in the host's network namespace: "
		"remove {\"type\": \"network\"} from linux.namespaces");
	EXPECT_ERR(
		"{" BASE
		", \"zone\": {\"net\": [{\"type\": \"macvlan\", \"parent\": \"eth0\", \"address\": \"198.18.7.2/24\"}]}}",
		"zone web1: config: zone.net: bridge and macvlan NICs need a network namespace: "
		"add {\"type\": \"network\"} to linux.namespaces");
	EXPECT_ERR(
		"{" BASE NETNS
		", \"zone\": {\"net\": [{\"type\": \"bridge\", \"bridge\": \"zbr0\", \"address\": 7}]}}",
		"zone web1: config: zone.net[0]: address: expected a string or an array of strings, got an integer");
	/* what zonectl fills in at boot: the bridge, the address, NAT */
	EXPECT_OK("{" BASE NETNS
		  ", \"zone\": {\"net\": [{\"type\": \"bridge\", \"publish\": [\"8080:80\", "
		  "\"5353:53/udp\"], \"dns\": \"198.18.0.53\", \"search\": [\"a.test\"], "
		  "\"nat\": false}]}}",
		  &cfg);
	CHECK(cfg.n_nics == 1 && !cfg.nics[0].bridge[0] && !cfg.nics[0].n_addrs);
	CHECK(cfg.nics[0].has_nat && !cfg.nics[0].nat && cfg.nics[0].n_ports == 2);
	CHECK(cfg.nics[0].ports[1].host == 5353 && cfg.nics[0].ports[1].zone == 53 &&
	      cfg.nics[0].ports[1].proto == IPPROTO_UDP);
	CHECK(cfg.nics[0].n_dns == 1 && cfg.nics[0].n_search == 1);
	zone_config_free(&cfg);
	EXPECT_ERR(
		"{" BASE NETNS
		", \"zone\": {\"net\": [{\"type\": \"bridge\", \"publish\": \"80\"}]}}",
		"zone web1: config: zone.net[0]: publish=80: expected HOSTPORT:ZONEPORT[/tcp|/udp], "
		"ports 1..65535");
	EXPECT_ERR("{" BASE NETNS
		   ", \"zone\": {\"net\": [{\"type\": \"bridge\", \"publish\": [\"80:80\", "
		   "\"80:81\"]}]}}",
		   "zone web1: config: zone.net[0]: publish=80:81: host port 80 given twice");
	EXPECT_ERR(
		"{" BASE NETNS
		", \"zone\": {\"net\": [{\"type\": \"macvlan\", \"parent\": \"eth0\", "
		"\"address\": \"198.18.7.2/24\", \"nat\": true}]}}",
		"zone web1: config: zone.net[0]: nat= and publish= are for type=bridge (a macvlan or "
		"shared-IP zone is on the host's network already)");
	EXPECT_ERR(
		"{" BASE NETNS
		", \"zone\": {\"net\": [{\"type\": \"bridge\", \"dns\": \"198.18.0.0/24\"}]}}",
		"zone web1: config: zone.net[0]: dns=198.18.0.0/24: a resolver's address has no prefix");
}

static void test_zone_kvm_is_parsed_and_checked(void)
{
	struct zone_config cfg;
	EXPECT_OK(
		"{" BASE
		", \"zone\": {\"brand\": \"kvm\", \"kvm\": {\"kernel\": \"/k\", \"initrd\": \"/i\","
		" \"mem\": \"1G\", \"vcpus\": 2, \"accel\": \"tcg\", \"cmdline\": \"quiet a=b,c\"}}}",
		&cfg);
	CHECK(cfg.has_kvm && !strcmp(cfg.kvm.kernel, "/k") && !strcmp(cfg.kvm.initrd, "/i") &&
	      !cfg.kvm.disk);
	CHECK(cfg.kvm.mem == 1ULL << 30 && cfg.kvm.vcpus == 2 && cfg.kvm.accel == ZONE_ACCEL_TCG);
	CHECK(!strcmp(cfg.kvm.cmdline, "quiet a=b,c"));
	zone_config_free(&cfg);
	EXPECT_OK(
		"{" BASE
		", \"zone\": {\"brand\": \"kvm\", \"kvm\": {\"kernel\": \"/k\", \"mem\": 134217728}}}",
		&cfg);
	CHECK(cfg.kvm.mem == 128ULL << 20 && cfg.kvm.vcpus == 1 &&
	      cfg.kvm.accel == ZONE_ACCEL_AUTO);
	zone_config_free(&cfg);
	EXPECT_ERR("{" BASE ", \"zone\": {\"kvm\": {\"kernel\": \"/k\"}}}",
		   "zone web1: config: zone.kvm: only a zone of brand kvm has a guest");
	EXPECT_ERR(
		"{" BASE ", \"zone\": {\"brand\": \"kvm\", \"kvm\": {\"initrd\": \"/i\"}}}",
		"zone web1: config: zone.kvm: kernel: required (the guest's kernel, a path on the host)");
	EXPECT_ERR("{" BASE ", \"zone\": {\"brand\": \"kvm\", \"kvm\": {\"kernel\": \"k\"}}}",
		   "zone web1: config: zone.kvm: kernel: must be an absolute path, got `k`");
	EXPECT_ERR("{" BASE
		   ", \"zone\": {\"brand\": \"kvm\", \"kvm\": {\"kernel\": \"/k\", \"vcpus\": 0}}}",
		   "zone web1: config: zone.kvm.vcpus: must be between 1 and 64, got 0");
	EXPECT_ERR(
		"{" BASE
		", \"zone\": {\"brand\": \"kvm\", \"kvm\": {\"kernel\": \"/k\", \"ram\": \"1G\"}}}",
		"zone web1: config: zone.kvm: unknown key `ram` (kernel, initrd, disk, mem, vcpus, accel, cmdline)");
	EXPECT_ERR(
		"{" BASE
		", \"zone\": {\"brand\": \"kvm\", \"kvm\": {\"kernel\": \"/k\", \"accel\": \"hvf\"}}}",
		"zone web1: config: zone.kvm: accel: expected auto, kvm or tcg, got `hvf`");
}

static void test_resources_and_user_are_parsed(void)
{
	struct zone_config cfg;
	EXPECT_OK(
		"{" BASE ", \"process\": {\"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18,"
		" \"additionalGids\": [5, 27]}, \"oomScoreAdj\": -500},"
		" \"linux\": {\"resources\": {\"memory\": {\"limit\": 536870912, \"swap\": -1},"
		" \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0-1,3\"},"
		" \"pids\": {\"limit\": 0}, \"blockIO\": {\"weight\": 300},"
		" \"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 200, \"access\": \"rw\"}]},"
		" \"rootfsPropagation\": \"rslave\", \"cgroupsPath\": \"/zones/web1\"},"
		" \"annotations\": {\"org.example/owner\": \"ops\"}}",
		&cfg);
	struct iso_process *p = &cfg.process;
	CHECK(p->uid == 1000 && p->gid == 100 && p->has_umask && p->umask == 022);
	CHECK(p->n_groups == 2 && p->groups[1] == 27);
	CHECK(p->has_oom_score_adj && p->oom_score_adj == -500);
	struct rctl_resources *r = &cfg.resources;
	CHECK(r->has_mem_limit && r->mem_limit == 536870912);
	CHECK(r->has_mem_swap && r->mem_swap == -1 && !r->has_mem_reservation);
	CHECK(r->has_cpu_shares && r->cpu_shares == 512);
	CHECK(r->cpu_quota == 50000 && r->cpu_period == 100000);
	CHECK(!strcmp(r->cpuset_cpus, "0-1,3") && !r->cpuset_mems);
	/* the spec reads 0 as "no limit" */
	CHECK(r->has_pids_limit && r->pids_limit == -1);
	CHECK(r->has_blkio_weight && r->blkio_weight == 300);
	CHECK(r->devices[0].allow && r->devices[0].type == 'c');
	CHECK(r->devices[0].major == 10 && r->devices[0].minor == 200);
	CHECK(!strcmp(r->devices[0].access, "rw"));
	CHECK(!strcmp(cfg.rootfs_propagation, "rslave"));
	CHECK(!strcmp(cfg.cgroups_path, "/zones/web1"));
	CHECK(cfg.n_annotations == 1 && !strcmp(cfg.annotations[0].value, "ops"));
	zone_config_free(&cfg);
}

static void test_seccomp_profile_is_parsed_and_validated(void)
{
	struct zone_config cfg;
	EXPECT_OK(
		"{" BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\","
		" \"architectures\": [\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"names\": [\"personality\"],"
		" \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 0,"
		" \"value\": 18446744073709551615, \"op\": \"SCMP_CMP_NE\"}]}]}}}",
		&cfg);
	struct iso_seccomp *sc = cfg.seccomp;
	CHECK(sc && !strcmp(sc->default_action, "SCMP_ACT_ALLOW"));
	CHECK(strv_len(sc->architectures) == 1 && sc->n_rules == 1);
	CHECK(sc->rules[0].has_errno && sc->rules[0].errno_ret == 1);
	CHECK(sc->rules[0].n_args == 1 && sc->rules[0].args[0].value == UINT64_MAX);
	CHECK(!strcmp(sc->rules[0].args[0].op, "SCMP_CMP_NE"));
	zone_config_free(&cfg);
	EXPECT_ERR(
		"{" BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\","
		" \"syscalls\": [{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ERRNO\","
		" \"args\": [{\"index\": 6, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}}}",
		"zone web1: config: linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5, got 6");
	EXPECT_ERR("{" BASE ", \"linux\": {\"seccomp\": {\"syscalls\": []}}}",
		   "zone web1: config: linux.seccomp.defaultAction: required");
	struct zerr err;
	CHECK(parse("{" BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_PANIC\"}}}",
		    &cfg, &err) < 0);
	CHECK_MSG(!strncmp(err.msg, "zone web1: config: linux.seccomp.defaultAction: ", 48), "`%s`",
		  err.msg);
}

static void test_mount_options_are_checked_at_parse_time(void)
{
	struct zone_config cfg;
	EXPECT_OK("{" BASE ", \"mounts\": [{\"destination\": \"/data\", \"source\": \"/srv/data\","
		  " \"options\": [\"rbind\", \"ro\"]}]}",
		  &cfg);
	CHECK(cfg.n_mounts == 1 && !cfg.mounts[0].type);
	CHECK(strv_len(cfg.mounts[0].options) == 2);
	zone_config_free(&cfg);
	EXPECT_ERR("{" BASE ", \"mounts\": [{\"destination\": \"/data\"}]}",
		   "zone web1: config: mounts[0].type: required unless options hold bind or rbind");
	EXPECT_ERR("{" BASE
		   ", \"mounts\": [{\"destination\": \"/data\", \"options\": [\"bind\"]}]}",
		   "zone web1: config: mounts[0].source: required for a bind mount");
	struct zerr err;
	CHECK(parse("{" BASE ", \"mounts\": [{\"destination\": \"/d\", \"source\": \"/s\","
		    " \"options\": [\"rbind\", \"rro\"]}]}",
		    &cfg, &err) < 0);
	CHECK_MSG(!strncmp(err.msg, "zone web1: config: mounts[0].options: ", 38), "`%s`", err.msg);
}

static void test_config_load_names_the_file(void)
{
	struct zone_config cfg;
	struct zerr err;
	CHECK(zone_config_load("web1", "/nonexistent/config.json", &cfg, &err) == -ENOENT);
	CHECK_MSG(strstr(err.msg, "zone web1: config: open `/nonexistent/config.json`"), "`%s`",
		  err.msg);

	char path[] = "/tmp/test_config.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	cleanup_free char *doc = zone_config_default("web1", ZONE_BRAND_OCI);
	CHECK(write_all(fd, doc, strlen(doc)) == (ssize_t)strlen(doc));
	close(fd);
	int r = zone_config_load("web1", path, &cfg, &err);
	unlink(path);
	CHECK_MSG(r == 0, "`%s`", err.msg);
	CHECK(cfg.brand == ZONE_BRAND_OCI);
	zone_config_free(&cfg);
}

static void test_json_numbers_are_exact(void)
{
	const char *doc = "{\"big\": 18446744073709551615, \"neg\": -9223372036854775808,"
			  " \"over\": 18446744073709551616, \"frac\": 1.0}";
	cleanup_json struct jv *v = NULL;
	struct zerr err;
	CHECK(json_parse(doc, strlen(doc), &v, &err) == 0);
	uint64_t u;
	int64_t i;
	CHECK(jv_uint64(jv_get(v, "big"), "big", &u, &err) == 0 && u == UINT64_MAX);
	CHECK(jv_int64(jv_get(v, "neg"), "neg", &i, &err) == 0 && i == INT64_MIN);
	CHECK(jv_uint64(jv_get(v, "over"), "over", &u, &err) == -EINVAL);
	CHECK(!strcmp(err.msg, "over: 18446744073709551616 is out of range"));
	CHECK(jv_uint64(jv_get(v, "neg"), "neg", &u, &err) == -EINVAL);
	CHECK(jv_int64(jv_get(v, "frac"), "frac", &i, &err) == -EINVAL);
	CHECK(!strcmp(err.msg, "frac: expected an integer, got a number"));
	CHECK(jv_int64(jv_get(v, "absent"), "absent", &i, &err) == -EINVAL);
	CHECK(!strcmp(err.msg, "absent: missing"));
}

static void test_json_writer_output_and_misuse(void)
{
	struct jw *w = jw_new(false);
	jw_obj_open(w);
	jw_key(w, "u");
	jw_uint(w, UINT64_MAX);
	jw_key(w, "i");
	jw_int(w, INT64_MIN);
	jw_key(w, "s");
	jw_str(w, "a\"b\xff");
	jw_key(w, "n");
	jw_str(w, NULL);
	jw_key(w, "v");
	char *v[] = {"x", "y", NULL};
	jw_strv(w, v);
	jw_key(w, "b");
	jw_bool(w, true);
	jw_obj_close(w);
	size_t len;
	cleanup_free char *out = jw_finish(w, &len);
	const char *want = "{\"u\":18446744073709551615,\"i\":-9223372036854775808,"
			   "\"s\":\"a\\\"b?\",\"n\":null,\"v\":[\"x\",\"y\"],\"b\":true}";
	CHECK_MSG(out && !strcmp(out, want), "`%s`", out ? out : "(null)");
	CHECK(len == strlen(want));

	w = jw_new(false);
	jw_obj_open(w);
	jw_int(w, 1); /* a value where a key is due */
	CHECK(jw_finish(w, NULL) == NULL);
	w = jw_new(false);
	jw_arr_open(w);
	CHECK(jw_finish(w, NULL) == NULL); /* unbalanced */
	w = jw_new(false);
	CHECK(jw_finish(w, NULL) == NULL); /* empty */
}

int main(void)
{
	RUN(test_default_config_parses_into_the_documented_zone);
	RUN(test_default_config_round_trips_through_the_writer);
	RUN(test_malformed_json_names_line_and_column);
	RUN(test_deep_nesting_is_refused_before_it_can_recurse);
	RUN(test_unknown_keys_are_skipped_but_the_zone_object_is_strict);
	RUN(test_wrong_types_are_named);
	RUN(test_required_keys_are_named);
	RUN(test_bad_zone_names_are_rejected);
	RUN(test_brand_names_round_trip);
	RUN(test_capabilities_land_in_the_right_bits);
	RUN(test_namespaces_with_a_path_are_joined);
	RUN(test_impossible_values_are_rejected);
	RUN(test_unsupported_oci_fields_are_named_not_ignored);
	RUN(test_hooks_and_sysctl_are_parsed_and_checked);
	RUN(test_init_modes);
	RUN(test_whole_brand_needs_its_template);
	RUN(test_zone_disk_takes_a_size_and_refuses_what_cannot_mount_it);
	RUN(test_user_namespace_needs_its_maps_and_an_oci_zone);
	RUN(test_zone_kvm_is_parsed_and_checked);
	RUN(test_resources_and_user_are_parsed);
	RUN(test_zone_net_is_parsed_and_checked);
	RUN(test_seccomp_profile_is_parsed_and_validated);
	RUN(test_mount_options_are_checked_at_parse_time);
	RUN(test_config_load_names_the_file);
	RUN(test_json_numbers_are_exact);
	RUN(test_json_writer_output_and_misuse);
	T_EXIT();
}
