/* fuzz_process.c - an OCI process object (config.json's "process", the
 * document `exec --process FILE` reads): args, env, user, capabilities,
 * rlimits, oomScoreAdj ..., parsed in a minimal config around it. */
#include <stdio.h>

#include "fuzz.h"
#include "config/config.h"

#define HEAD "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"root\"}, \"process\": "

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = strlen(HEAD) + size + 1;
	char *doc = malloc(len + 1);
	memcpy(doc, HEAD, strlen(HEAD));
	memcpy(doc + strlen(HEAD), data, size);
	doc[len - 1] = '}';
	doc[len] = '\0';
	struct zone_config cfg;
	struct zerr err;
	if (zone_config_parse("fz", doc, len, &cfg, &err) == 0)
		zone_config_free(&cfg);
	free(doc);
	return 0;
}
