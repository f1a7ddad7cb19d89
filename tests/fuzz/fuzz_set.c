/* fuzz_set.c - `create --set` / `zonectl set KEY=VALUE,...`: the key
 * parser and the merge into the default config (what set stores). */
#include "fuzz.h"
#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_cstr(data, size);
	char *specs[] = {spec, NULL};
	char *text = zone_config_default("fz", ZONE_BRAND_SPARSE);
	size_t len = strlen(text);
	struct zone_keys keys = {0};
	struct zerr err;
	if (zone_keys_rewrite("fz", "set", specs, &text, &len, &keys, &err) == 0) {
		struct zone_config cfg;
		if (zone_config_parse("fz", text, len, &cfg, &err) == 0)
			zone_config_free(&cfg);
	}
	zone_keys_free(&keys);
	free(text);
	free(spec);
	return 0;
}
