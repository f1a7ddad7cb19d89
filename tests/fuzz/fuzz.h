/* fuzz.h - what the harnesses share: the input as a C string. */
#ifndef ZONECTL_FUZZ_H
#define ZONECTL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes up to the first NUL, NUL-terminated (command-line arguments
 * cannot hold a NUL). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
