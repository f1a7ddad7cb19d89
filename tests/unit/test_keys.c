/* test_zone_keys.c - zonecfg-style resource controls: parsing, errors and
 * how they are written into config.json as OCI linux.resources. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "runtime.h"
#include "json.h"
#include "t.h"

static int parse(const char *spec, struct zone_keys *k, struct zerr *err)
{
	memset(err, 0, sizeof(*err));
	return zone_keys_parse("web1", "set", spec, k, err);
}

#define EXPECT_ERR(spec, want)                                                                 \
	do {                                                                                   \
		struct zone_keys k_ = {0};                                                     \
		struct zerr e_;                                                                \
		int r_ = parse((spec), &k_, &e_);                                              \
		zone_keys_free(&k_);                                                           \
		CHECK_MSG(r_ < 0 && !strcmp(e_.msg, (want)), "r=%d msg=`%s`, wanted `%s`", r_, \
			  e_.msg, (want));                                                     \
	} while (0)

static void test_keys_parse_into_oci_values(void)
{
	struct zone_keys k = {0};
	struct zerr e;
	CHECK(parse("cpu-shares=300,cpu-cap=150,memory=2G", &k, &e) == 0);
	CHECK(parse("processes=500,io-weight=200,cpuset=0-1,cpu-burst=5000", &k, &e) == 0);
	CHECK(k.res.has_cpu_shares && k.res.cpu_shares == 300);
	CHECK(k.res.has_cpu_quota && k.res.cpu_quota == 150000 && k.res.cpu_period == 100000);
	CHECK(k.res.has_mem_limit && k.res.mem_limit == 2LL << 30);
	CHECK(k.res.has_pids_limit && k.res.pids_limit == 500);
	CHECK(k.res.has_blkio_weight && k.res.blkio_weight == 200);
	CHECK(k.res.cpuset_cpus && !strcmp(k.res.cpuset_cpus, "0-1"));
	CHECK(k.res.has_cpu_burst && k.res.cpu_burst == 5000);
	zone_keys_free(&k);
	CHECK(parse("cpuset=0,2-3,memory=1G", &k, &e) == 0);
	CHECK(k.res.cpuset_cpus && !strcmp(k.res.cpuset_cpus, "0,2-3") &&
	      k.res.mem_limit == 1LL << 30);
	CHECK(parse("cpu-shares=300,cpu-cap=150,processes=500,io-weight=200,cpu-burst=5000", &k,
		    &e) == 0);
	CHECK(k.groups == (ZK_CPU | ZK_CPUSET | ZK_MEMORY | ZK_PIDS | ZK_IO));
	zone_keys_free(&k);
	CHECK(parse("cpu-cap=none,memory=none,processes=none", &k, &e) == 0);
	CHECK(k.res.cpu_quota == -1 && k.res.mem_limit == -1 && k.res.pids_limit == -1);
	zone_keys_free(&k);
}

static void test_bad_keys_name_zone_and_key(void)
{
	EXPECT_ERR("cpu-cap=0",
		   "zone web1: set: cpu-cap=0: must be at least 1 (percent of one CPU)");
	EXPECT_ERR("memory=abc", "zone web1: set: memory=abc: not a size (like 512M, 2G or none)");
	EXPECT_ERR("memory=1M", "zone web1: set: memory=1M: must be at least 4M");
	EXPECT_ERR("cpu-shares=1", "zone web1: set: cpu-shares=1: must be between 2 and 262144");
	EXPECT_ERR("io-weight=1001", "zone web1: set: io-weight=1001: must be between 10 and 1000");
	EXPECT_ERR("processes=0", "zone web1: set: processes=0: must be at least 1");
	EXPECT_ERR("cpuset=a", "zone web1: set: cpuset=a: not a CPU list (like 0-1,3)");
	EXPECT_ERR("memory", "zone web1: set: `memory`: expected KEY=VALUE");
	EXPECT_ERR(",", "zone web1: set: `,`: expected KEY=VALUE");
	EXPECT_ERR("memory=64M,colour=red",
		   "zone web1: set: colour=red: unknown key (cpu-shares, cpu-cap, "
		   "cpu-burst, cpuset, memory, swap, memory-reservation, processes, io-weight, "
		   "io-read-bps, io-write-bps, io-read-iops, io-write-iops, disk, autoboot)");
	EXPECT_ERR("autoboot=yes", "zone web1: set: autoboot=yes: must be true or false");
	EXPECT_ERR("disk=8M", "zone web1: set: disk=8M: must be at least 16M");
	EXPECT_ERR("disk=none", "zone web1: set: disk=none: not a size (like 512M or 20G)");
	EXPECT_ERR(
		"io-write-bps=/dev/nosuchdisk:1M",
		"zone web1: set: io-write-bps=/dev/nosuchdisk:1M: /dev/nosuchdisk: No such file or directory");
	EXPECT_ERR("io-read-iops=/dev/null:5",
		   "zone web1: set: io-read-iops=/dev/null:5: /dev/null: not a block device");
	EXPECT_ERR("io-read-bps=10M",
		   "zone web1: set: io-read-bps=10M: expected DEV:RATE (like /dev/vda:10M)");
}

static int merged(const char *doc, const char *spec, struct jv **out, struct zerr *e)
{
	struct zone_keys k = {0};
	cleanup_free char *text = NULL;
	size_t len;
	int r = parse(spec, &k, e);
	if (r == 0)
		r = zone_keys_merge("web1", "set", doc, strlen(doc), &k, &text, &len, e);
	if (r == 0)
		r = json_parse(text, len, out, e);
	zone_keys_free(&k);
	return r;
}

static int64_t at(const struct jv *doc, const char *group, const char *key)
{
	int64_t v = -99;
	const struct jv *res = jv_get(jv_get(doc, "linux"), "resources");
	jv_int64(jv_get(jv_get(res, group), key), "", &v, NULL);
	return v;
}

static void test_merge_keeps_everything_else(void)
{
	const char *doc =
		"{\"ociVersion\": \"1.0.2\", \"linux\": {\"namespaces\": [{\"type\": \"mount\"}], "
		"\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}], "
		"\"memory\": {\"limit\": 1048576000, \"swappiness\": 10}}}, \"zone\": {\"brand\": \"sparse\"}}";
	cleanup_json struct jv *out = NULL;
	struct zerr e;
	CHECK_MSG(merged(doc, "memory=64M,cpu-cap=50,processes=9", &out, &e) == 0, "%s", e.msg);
	CHECK(at(out, "memory", "limit") == 64 << 20);
	CHECK(at(out, "memory", "swappiness") == 10);
	CHECK(at(out, "cpu", "quota") == 50000 && at(out, "cpu", "period") == 100000);
	CHECK(at(out, "pids", "limit") == 9);
	const struct jv *lx = jv_get(out, "linux");
	CHECK(jv_len(jv_get(lx, "namespaces")) == 1);
	CHECK(jv_len(jv_get(jv_get(lx, "resources"), "devices")) == 1);
	CHECK(!strcmp(jv_key(out, 0), "ociVersion") && !strcmp(jv_key(out, 2), "zone"));
}

static void test_merge_adds_linux_resources_when_missing(void)
{
	cleanup_json struct jv *out = NULL;
	struct zerr e;
	CHECK_MSG(merged("{\"ociVersion\": \"1.0.2\"}", "io-weight=100", &out, &e) == 0, "%s",
		  e.msg);
	CHECK(at(out, "blockIO", "weight") == 100);
}

/* disk= goes to zone.disk, beside the zone's other keys, and leaves
 * linux.resources alone when it is the only key. */
static void test_disk_is_stored_in_the_zone_object(void)
{
	const char *doc = "{\"linux\": {\"resources\": {\"pids\": {\"limit\": 5}}}, "
			  "\"zone\": {\"brand\": \"sparse\"}}";
	cleanup_json struct jv *a = NULL, *b = NULL;
	struct zerr e;
	int64_t v = 0;
	CHECK_MSG(merged(doc, "disk=20G", &a, &e) == 0, "%s", e.msg);
	CHECK(jv_int64(jv_get(jv_get(a, "zone"), "disk"), "", &v, NULL) == 0 && v == 20LL << 30);
	CHECK(jv_get(jv_get(a, "zone"), "brand") != NULL);
	CHECK(at(a, "pids", "limit") == 5);
	CHECK_MSG(merged("{}", "memory=1G,disk=64M", &b, &e) == 0, "%s", e.msg);
	CHECK(jv_int64(jv_get(jv_get(b, "zone"), "disk"), "", &v, NULL) == 0 && v == 64 << 20);
	CHECK(at(b, "memory", "limit") == 1 << 30);
}

static void test_autoboot_is_stored_in_the_zone_object(void)
{
	const char *doc = "{\"zone\": {\"brand\": \"sparse\", \"disk\": 67108864}}";
	cleanup_json struct jv *a = NULL, *b = NULL;
	struct zerr e;
	bool v = false;
	int64_t d = 0;
	CHECK_MSG(merged(doc, "autoboot=true,cpu-shares=300", &a, &e) == 0, "%s", e.msg);
	CHECK(jv_bool(jv_get(jv_get(a, "zone"), "autoboot"), "", &v, NULL) == 0 && v);
	CHECK(jv_int64(jv_get(jv_get(a, "zone"), "disk"), "", &d, NULL) == 0 && d == 64 << 20);
	CHECK(at(a, "cpu", "shares") == 300);
	CHECK_MSG(merged(doc, "disk=128M,autoboot=false", &b, &e) == 0, "%s", e.msg);
	CHECK(jv_bool(jv_get(jv_get(b, "zone"), "autoboot"), "", &v, NULL) == 0 && !v);
	CHECK(jv_int64(jv_get(jv_get(b, "zone"), "disk"), "", &d, NULL) == 0 && d == 128 << 20);
}

static void test_swap_is_stored_as_memory_plus_swap(void)
{
	struct zerr e;
	cleanup_json struct jv *a = NULL;
	CHECK_MSG(merged("{}", "memory=2G,swap=512M", &a, &e) == 0, "%s", e.msg);
	CHECK(at(a, "memory", "swap") == (2LL << 30) + (512LL << 20));
	/* a new memory limit alone keeps the swap on top */
	cleanup_json struct jv *b = NULL;
	CHECK_MSG(
		merged("{\"linux\": {\"resources\": {\"memory\": {\"limit\": 100, \"swap\": 150}}}}",
		       "memory=4M", &b, &e) == 0,
		"%s", e.msg);
	CHECK(at(b, "memory", "swap") == (4 << 20) + 50);
	cleanup_json struct jv *c = NULL;
	CHECK(merged("{}", "swap=1G", &c, &e) == -EINVAL);
	CHECK_MSG(!strcmp(e.msg, "zone web1: set: swap: needs a memory limit (set memory too)"),
		  "%s", e.msg);
}

/* Some block device of this machine, or NULL. */
static const char *block_dev(struct stat *st)
{
	static const char *const cand[] = {"/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/zram0",
					   "/dev/loop0"};
	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (stat(cand[i], st) == 0 && S_ISBLK(st->st_mode))
			return cand[i];
	return NULL;
}

static void test_throttle_replaces_its_device_only(void)
{
	struct stat st;
	const char *dev = block_dev(&st);
	if (!dev)
		return;
	struct zerr e;
	cleanup_free char *spec = xasprintf("io-write-bps=%s:1M,io-read-iops=%s:300", dev, dev);
	cleanup_free char *doc = xasprintf(
		"{\"linux\": {\"resources\": {\"blockIO\": {\"throttleWriteBpsDevice\": ["
		"{\"major\": 1, \"minor\": 2, \"rate\": 5}, {\"major\": %u, \"minor\": %u, \"rate\": 7}]}}}}",
		major(st.st_rdev), minor(st.st_rdev));
	cleanup_json struct jv *out = NULL;
	CHECK_MSG(merged(doc, spec, &out, &e) == 0, "%s", e.msg);
	const struct jv *b = jv_get(jv_get(jv_get(out, "linux"), "resources"), "blockIO");
	const struct jv *w = jv_get(b, "throttleWriteBpsDevice");
	int64_t maj = 0, rate = 0;
	CHECK(jv_len(w) == 2);
	CHECK(jv_int64(jv_get(jv_at(w, 0), "major"), "", &maj, NULL) == 0 && maj == 1);
	CHECK(jv_int64(jv_get(jv_at(w, 1), "rate"), "", &rate, NULL) == 0 && rate == 1 << 20);
	const struct jv *ri = jv_get(b, "throttleReadIOPSDevice");
	CHECK(jv_len(ri) == 1 && jv_int64(jv_get(jv_at(ri, 0), "rate"), "", &rate, NULL) == 0 &&
	      rate == 300);
}

int main(void)
{
	RUN(test_keys_parse_into_oci_values);
	RUN(test_bad_keys_name_zone_and_key);
	RUN(test_merge_keeps_everything_else);
	RUN(test_merge_adds_linux_resources_when_missing);
	RUN(test_swap_is_stored_as_memory_plus_swap);
	RUN(test_disk_is_stored_in_the_zone_object);
	RUN(test_autoboot_is_stored_in_the_zone_object);
	RUN(test_throttle_replaces_its_device_only);
	T_EXIT();
}
