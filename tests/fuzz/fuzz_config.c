/* fuzz_config.c - config.json as a zone owner writes it: the whole
 * OCI document plus "zone", through the JSON module and every field
 * parser. */
#include "fuzz.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zone_config cfg;
	struct zerr err;
	if (zone_config_parse("fz", (const char *)data, size, &cfg, &err) == 0)
		zone_config_free(&cfg);
	return 0;
}
