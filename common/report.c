/* report.c - the records of a trace (report.h). */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "zutil.h"

static const char *const tools[] = {
	[TRACE_PROFILE] = "profile", [TRACE_SYSCALLS] = "syscalls", [TRACE_RUNQLAT] = "runqlat",
	[TRACE_OFFCPU] = "offcpu",   [TRACE_TCP] = "tcp",           [TRACE_IO] = "io",
};

const char *trace_tool_name(enum trace_tool t)
{
	return (unsigned)t < sizeof(tools) / sizeof(tools[0]) ? tools[t] : "?";
}

int trace_tool_parse(const char *s, enum trace_tool *t)
{
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (strcmp(s, tools[i]) == 0) {
			*t = (enum trace_tool)i;
			return 0;
		}
	return -1;
}

void trace_report_free(struct trace_report *r)
{
	for (size_t i = 0; i < r->nzones; i++)
		free(r->zones[i].name);
	for (size_t i = 0; i < r->nstacks; i++) {
		for (size_t k = 0; k < r->stacks[i].nframes; k++)
			free(r->stacks[i].frames[k]);
		free(r->stacks[i].frames);
	}
	for (size_t i = 0; i < r->nhists; i++)
		free(r->hists[i].label);
	for (size_t i = 0; i < r->nsys; i++)
		free(r->sys[i].name);
	free(r->zones);
	free(r->stacks);
	free(r->hists);
	free(r->sys);
	memset(r, 0, sizeof(*r));
}
