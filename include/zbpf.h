/* zbpf.h - loading zonectl's embedded BPF objects (common/bpf_obj.c),
 * for every layer that has some: netstack-bind and trace. */
#ifndef ZONECTL_ZBPF_H
#define ZONECTL_ZBPF_H

#include <stddef.h>

#include "zutil.h"

struct bpf_object;

/* Opens the object in [start, end) (a blob linked into the program: NULL
 * when it was linked without), writes cfg (cfg_len bytes) over its `const
 * volatile` global named "cfg", calls prepare (if not NULL: to choose
 * which programs load, size maps ...) and loads it into the kernel. what
 * names the caller in messages ("shared-IP"); the verifier's reason for a
 * refusal ends the message. */
int zbpf_load(const char *what, const char *name, const unsigned char *start,
	      const unsigned char *end, const void *cfg, size_t cfg_len,
	      int (*prepare)(struct bpf_object *obj, void *arg), void *arg, struct bpf_object **out,
	      struct zerr *err);
/* An error from libbpf (e: an errno or libbpf's own code) while doing
 * something to object name, with libbpf's first warning since the load. */
int zbpf_failed(const char *what, const char *doing, const char *name, int e, struct zerr *err);
void zbpf_closep(struct bpf_object **obj);
#define cleanup_bpf_object __attribute__((cleanup(zbpf_closep)))

#endif
