/* zspin - known workloads for the tracing tests, built with -g and frame
 * pointers so their stacks unwind:
 *   zspin alpha | beta   spin for ever in alpha_hot() or beta_hot()
 *   zspin getpid N       call getpid() N times, then exit */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void alpha_hot(void)
{
	for (int i = 0; i < 100000; i++)
		sink += (unsigned long)i * 7;
}

__attribute__((noinline)) static void beta_hot(void)
{
	for (int i = 0; i < 100000; i++)
		sink ^= (unsigned long)i * 13;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "getpid") == 0) {
		long n = atol(argv[2]);
		for (long i = 0; i < n; i++)
			syscall(SYS_getpid);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "alpha") == 0)
		for (;;)
			alpha_hot();
	if (argc == 2 && strcmp(argv[1], "beta") == 0)
		for (;;)
			beta_hot();
	fprintf(stderr, "usage: zspin alpha|beta|getpid N\n");
	return 2;
}
