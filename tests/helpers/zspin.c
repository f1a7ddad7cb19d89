/* zspin - known workloads for the tracing tests, built with -g and frame
 * pointers so their stacks unwind:
 *   zspin alpha | beta   spin for ever in alpha_hot() or beta_hot()
 *   zspin getpid N       call getpid() N times, print the seconds taken
 *   zspin work N         call alpha_hot() N times, print the seconds taken
 * (the last two are bench/trace's workloads) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
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

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc == 3 && (strcmp(argv[1], "getpid") == 0 || strcmp(argv[1], "work") == 0)) {
		long n = atol(argv[2]);
		bool work = argv[1][0] == 'w';
		double t = now();
		for (long i = 0; i < n; i++)
			if (work)
				alpha_hot();
			else
				syscall(SYS_getpid);
		printf("%.6f\n", now() - t);
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
