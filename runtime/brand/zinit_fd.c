/* zinit_fd.c - our init, embedded in the zonectl binary at link time and
 * handed to a zone as a sealed memfd. The zone's PID 1 then has no file on
 * the host behind /proc/1/exe that anything could write to. */
#include "runtime.h"

extern const char _binary_zinit_start[], _binary_zinit_end[];

int zinit_exec_fd(struct zerr *err)
{
	return iso_sealed_exec_mem(_binary_zinit_start,
				   (size_t)(_binary_zinit_end - _binary_zinit_start), err);
}
