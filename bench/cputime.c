/*
 * cputime: run a command and write its wall time, the CPU time it used
 * (user + system, from wait4's rusage) and its peak RSS to a file, so the
 * benchmarks can compare CPU time as well as wall time: on a machine other
 * work shares, a single-threaded run's wall time includes the time it
 * waited for a CPU, its CPU time mostly does not.
 *
 *   cputime -o FILE CMD [ARG]...
 *
 * FILE gets one line "wall_us cpu_us maxrss_kb".  The exit status is the
 * command's (128 + signal if it was killed; 127 if it could not be run).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long tv_us(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000 + tv->tv_usec;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	const char *out;
	long long t0, t1;
	int status;
	pid_t pid;
	FILE *f;

	if (argc < 4 || strcmp(argv[1], "-o") != 0) {
		fprintf(stderr, "usage: cputime -o FILE CMD [ARG]...\n");
		return 64;
	}
	out = argv[2];
	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cputime: fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		execvp(argv[3], &argv[3]);
		fprintf(stderr, "cputime: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "cputime: wait4: %s\n", strerror(errno));
			return 127;
		}
	}
	t1 = now_us();
	f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, "cputime: %s: %s\n", out, strerror(errno));
		return 127;
	}
	fprintf(f, "%lld %lld %ld\n", t1 - t0, tv_us(&ru.ru_utime) + tv_us(&ru.ru_stime),
	        ru.ru_maxrss);
	if (fclose(f) != 0) {
		fprintf(stderr, "cputime: %s: %s\n", out, strerror(errno));
		return 127;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
