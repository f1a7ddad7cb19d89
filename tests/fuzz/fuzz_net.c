/* fuzz_net.c - one `create --net KEY=VALUE,...`: the NIC parser, then the
 * rewrite of the default config with that NIC, then the parse of the
 * result (what create does). */
#include "fuzz.h"
#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_cstr(data, size);
	char *specs[] = {spec, NULL};
	char *text = zone_config_default("fz", ZONE_BRAND_SPARSE);
	size_t len = strlen(text);
	struct zerr err;
	if (zone_net_rewrite("fz", specs, &text, &len, &err) == 0) {
		struct zone_config cfg;
		if (zone_config_parse("fz", text, len, &cfg, &err) == 0)
			zone_config_free(&cfg);
	}
	free(text);
	free(spec);
	return 0;
}
