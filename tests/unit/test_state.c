/* test_state.c - the transition table (runtime/store/state.c): which
 * operation may act on a zone in which state, written out here a second
 * time by hand, and what the refusal says. Needs no root. */
#include <errno.h>

#include "runtime.h"
#include "t.h"

#define ALL_STATES 6

/* rows: operations; columns: configured, installed, booting, ready,
 * running, shutting_down */
static const struct {
	enum zone_op op;
	const char *verb;
	bool allowed[ALL_STATES];
} table[] = {
	{ZOP_BOOT, "boot", {0, 1, 0, 0, 0, 0}},
	{ZOP_HALT, "halt", {0, 0, 0, 1, 1, 1}},
	{ZOP_REBOOT, "reboot", {0, 0, 0, 0, 1, 0}},
	{ZOP_DELETE, "delete", {1, 1, 0, 0, 0, 0}},
	{ZOP_LOGIN, "log in to", {0, 0, 0, 0, 1, 0}},
	{ZOP_CONSOLE, "attach to the console of", {0, 0, 0, 1, 1, 1}},
	{ZOP_SET, "set resource controls of", {0, 1, 0, 1, 1, 0}},
	{ZOP_NET, "show the network of", {1, 1, 1, 1, 1, 1}},
	{ZOP_START, "start", {0, 0, 0, 1, 0, 0}},
	{ZOP_KILL, "signal", {0, 0, 0, 1, 1, 1}},
	{ZOP_PAUSE, "pause or resume", {0, 0, 0, 1, 1, 0}},
	{ZOP_EXEC, "exec in", {0, 0, 0, 0, 1, 0}},
	{ZOP_GROW, "change the disk of", {0, 1, 0, 0, 0, 0}},
};

static void test_every_operation_in_every_state(void)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		for (int s = 0; s < ALL_STATES; s++) {
			struct zerr err = {0};
			int r = zone_check_op("z1", table[i].op, (enum zone_state)s, &err);
			CHECK_MSG((r == 0) == table[i].allowed[s], "%s in state %s: %d (%s)",
				  table[i].verb, zone_state_name((enum zone_state)s), r, err.msg);
			CHECK(zone_op_allowed(table[i].op, (enum zone_state)s) ==
			      table[i].allowed[s]);
			if (r == 0)
				continue;
			CHECK(r == -EBUSY);
			cleanup_free char *want = xasprintf("zone z1: cannot %s a zone that is %s",
							    table[i].verb,
							    zone_state_name((enum zone_state)s));
			CHECK_MSG(!strncmp(err.msg, want, strlen(want)), "%s", err.msg);
		}
}

static void test_refusals_say_what_to_do(void)
{
	struct zerr err = {0};
	zone_check_op("z1", ZOP_BOOT, ZS_RUNNING, &err);
	CHECK_MSG(strstr(err.msg, "halt it first, or use reboot"), "%s", err.msg);
	zone_check_op("z1", ZOP_DELETE, ZS_RUNNING, &err);
	CHECK_MSG(strstr(err.msg, "delete -f"), "%s", err.msg);
	zone_check_op("z1", ZOP_LOGIN, ZS_INSTALLED, &err);
	CHECK_MSG(strstr(err.msg, "boot it first"), "%s", err.msg);
	zone_check_op("z1", ZOP_HALT, ZS_INSTALLED, &err);
	CHECK_MSG(strstr(err.msg, "it is not running"), "%s", err.msg);
	zone_check_op("z1", ZOP_GROW, ZS_RUNNING, &err);
	CHECK_MSG(strstr(err.msg, "zonectl halt z1 first"), "%s", err.msg);
	zone_check_op("z1", ZOP_LOGIN, ZS_BOOTING, &err);
	CHECK_MSG(strstr(err.msg, "try again in a moment"), "%s", err.msg);
}

static void test_down_and_live_states(void)
{
	CHECK(zone_state_down(ZS_CONFIGURED) && zone_state_down(ZS_INSTALLED));
	CHECK(!zone_state_down(ZS_BOOTING) && !zone_state_down(ZS_RUNNING));
	CHECK(zone_state_live(ZS_READY) && zone_state_live(ZS_RUNNING));
	CHECK(!zone_state_live(ZS_BOOTING) && !zone_state_live(ZS_SHUTTING_DOWN) &&
	      !zone_state_live(ZS_INSTALLED));
}

int main(void)
{
	RUN(test_every_operation_in_every_state);
	RUN(test_refusals_say_what_to_do);
	RUN(test_down_and_live_states);
	T_EXIT();
}
