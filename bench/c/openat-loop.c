/*
 * The traced workload of siesta's bench: openat(AT_FDCWD, path, O_RDONLY) in a loop, closing the fd when the
 * open succeeds, timed with clock_gettime(CLOCK_MONOTONIC) around the timed loop only.
 *
 *   openat-loop CALLS PATH [WARMUP] [RATE]
 *
 * WARMUP untimed calls run first (default CALLS/10) so page cache, dentry cache and branch predictors are warm.
 * RATE > 0 paces the timed loop at RATE calls a second: call i is made no earlier than i/RATE seconds after the
 * loop starts (a spin on CLOCK_MONOTONIC; a late call is not skipped, so a stalled loop catches up in a burst).
 * RATE 0 (the default) runs flat out. ns_per_call then reports the achieved period, so the achieved rate is
 * 1e9 / ns_per_call whether or not RATE could be kept.
 * The bench uses a path that does not exist: every call fails with ENOENT after the full path walk, so each
 * iteration is exactly one openat system call (one sys_enter_openat event) and no close.
 *
 * Prints one JSON line: {"pid", "calls", "warmup", "failed", "ns_total", "ns_per_call"}; "calls" counts the
 * timed calls only, so the events the bench expects from this process are calls + warmup.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long run(long n, const char *path) {
  long failed = 0;
  for (long i = 0; i < n; i++) {
    int fd = openat(AT_FDCWD, path, O_RDONLY);
    if (fd >= 0)
      close(fd);
    else
      failed++;
  }
  return failed;
}

static long long since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)(t.tv_sec - t0->tv_sec) * 1000000000LL + (t.tv_nsec - t0->tv_nsec);
}

static long run_paced(long n, const char *path, double rate, const struct timespec *t0) {
  long failed = 0;
  double period_ns = 1e9 / rate;
  for (long i = 0; i < n; i++) {
    long long due = (long long)((double)i * period_ns);
    while (since(t0) < due)
      ;
    int fd = openat(AT_FDCWD, path, O_RDONLY);
    if (fd >= 0)
      close(fd);
    else
      failed++;
  }
  return failed;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s CALLS PATH [WARMUP]\n", argv[0]);
    return 2;
  }
  long calls = atol(argv[1]);
  const char *path = argv[2];
  long warmup = argc > 3 ? atol(argv[3]) : calls / 10;
  double rate = argc > 4 ? atof(argv[4]) : 0;
  if (calls <= 0 || warmup < 0 || rate < 0) {
    fprintf(stderr, "%s: CALLS must be > 0, WARMUP >= 0 and RATE >= 0\n", argv[0]);
    return 2;
  }

  run(warmup, path);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long failed = rate > 0 ? run_paced(calls, path, rate, &t0) : run(calls, path);
  clock_gettime(CLOCK_MONOTONIC, &t1);

  long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
  printf("{\"pid\":%d,\"calls\":%ld,\"warmup\":%ld,\"failed\":%ld,\"ns_total\":%lld,\"ns_per_call\":%.2f}\n",
         (int)getpid(), calls, warmup, failed, ns, (double)ns / (double)calls);
  return 0;
}
