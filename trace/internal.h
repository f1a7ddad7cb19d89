/* internal.h - what trace/'s files share: the embedded object and the
 * symbol cache (sym.c). */
#ifndef ZONECTL_TRACE_INTERNAL_H
#define ZONECTL_TRACE_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

/* trace/bpf/zt.bpf.c, linked into zonectl as a blob (see the Makefile);
 * weak, as in netstack-bind: NULL in what is linked without it. */
extern const unsigned char _binary_zt_bpf_o_start[] __attribute__((weak));
extern const unsigned char _binary_zt_bpf_o_end[] __attribute__((weak));

/* Symbols of the kernel (/proc/kallsyms) and of processes as they see
 * their own files (libdwfl over /proc/PID/maps, each file opened through
 * /proc/PID/root), kept for the whole trace: a process seen once is
 * named by what it mapped then (pids are not expected to be reused within
 * one trace). */
struct syms;
struct syms *syms_new(void);
void syms_free(struct syms *s);
/* A frame's name: "function", "[module]" or "0x...". ret: the address is a
 * return address (every frame but the leaf), looked up one byte back so
 * that a call at a function's end names its caller. Kernel names end in
 * "_[k]". */
char *syms_user(struct syms *s, pid_t pid, uint64_t addr, int ret);
char *syms_kernel(struct syms *s, uint64_t addr);
/* Reads the process's mappings and opens its files now, while it runs,
 * so that its stacks can be named after it (or its zone) has exited. */
void syms_keep(struct syms *s, pid_t pid);
/* The process's pid in its zone, as it was when first seen (0: gone). */
pid_t syms_zone_pid(struct syms *s, pid_t pid);

#endif
