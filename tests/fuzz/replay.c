/* replay.c - runs a harness over files, without libFuzzer: the corpus
 * and every crash that became a regression test, in `make test`. */
#include <stdio.h>

#include "fuzz.h"
#include "zutil.h"

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *text = NULL;
		size_t len = 0;
		if (read_file(argv[i], &text, &len, NULL) < 0) {
			fprintf(stderr, "replay: cannot read %s\n", argv[i]);
			return 1;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)text, len);
		free(text);
	}
	printf("replayed %d inputs\n", argc - 1);
	return 0;
}
