/*
 * The workload of the reliable-reads bench (bench/reads-bench.ts): openat(AT_FDCWD, path, O_RDONLY) in a loop,
 * with the path string in a page of a MAP_PRIVATE mapping of a memfd.
 *
 *   reads-loop resident|dontneed CALLS WARMUP PATH [RATE]
 *
 * resident   the page stays mapped: a tracer's nofault read at sys_enter succeeds.
 * dontneed   madvise(MADV_DONTNEED) on the page before every call: its page-table entry is absent at syscall
 *            entry (a nofault read fails), and the kernel faults it back in from the memfd while copying the
 *            path (a minor fault, inside the openat), so a re-read at sys_exit succeeds.
 *
 * Each timed openat is bracketed by clock_gettime(CLOCK_MONOTONIC) (vDSO) and ns_per_call is the mean time
 * spent inside the call, so the madvise, the loop and any pacing are not counted. RATE > 0 paces the timed
 * calls at RATE a second (call i no earlier than i/RATE s after the start, spinning): a tracer whose consumer
 * keeps up loses nothing, and a run whose records are dropped for lack of ring space does not look cheaper.
 * RATE 0 (the default) runs flat out.
 *
 * PATH should not exist: every call fails with ENOENT after the full path walk, one openat per iteration.
 * WARMUP untimed calls run first (paced as well). Before them one madvise + /proc/self/pagemap check reports whether
 * the page really is absent after the madvise ("absent_after_madvise": 1, or 0 in resident mode).
 *
 * Prints one JSON line: {"pid", "mode", "calls", "warmup", "failed", "absent_after_madvise", "rate",
 * "ns_loop", "ns_in_calls", "ns_per_call"}.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum { PAGE = 4096 };

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Makes n calls; returns the ns spent inside them, and the failures in *failed. */
static long long run(long n, const char *page, int drop, double rate, long *failed) {
  long long in_calls = 0, start = now_ns();
  double period_ns = rate > 0 ? 1e9 / rate : 0;
  for (long i = 0; i < n; i++) {
    if (period_ns > 0)
      while (now_ns() - start < (long long)((double)i * period_ns))
        ;
    if (drop) madvise((void *)page, PAGE, MADV_DONTNEED);
    long long t0 = now_ns();
    int fd = openat(AT_FDCWD, page, O_RDONLY);
    in_calls += now_ns() - t0;
    if (fd >= 0)
      close(fd);
    else
      (*failed)++;
  }
  return in_calls;
}

/* 1 when the page-table entry of `p` is present (/proc/self/pagemap bit 63), 0 when absent, -1 on error. */
static int present(const void *p) {
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) return -1;
  uint64_t entry = 0;
  ssize_t r = pread(fd, &entry, sizeof entry, (off_t)((uintptr_t)p / PAGE) * 8);
  close(fd);
  return r == sizeof entry ? (int)(entry >> 63) : -1;
}

int main(int argc, char **argv) {
  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: %s resident|dontneed CALLS WARMUP PATH [RATE]\n", argv[0]);
    return 2;
  }
  int drop = strcmp(argv[1], "dontneed") == 0;
  long calls = atol(argv[2]);
  long warmup = atol(argv[3]);
  const char *path = argv[4];
  double rate = argc > 5 ? atof(argv[5]) : 0;
  if ((!drop && strcmp(argv[1], "resident") != 0) || calls <= 0 || warmup < 0 || strlen(path) >= PAGE || rate < 0) {
    fprintf(stderr, "%s: MODE must be resident or dontneed, CALLS > 0, WARMUP >= 0, PATH shorter than a page, RATE >= 0\n", argv[0]);
    return 2;
  }

  static char image[PAGE];
  strcpy(image, path);
  int mfd = memfd_create("reads-loop", 0);
  if (mfd < 0 || write(mfd, image, PAGE) != PAGE) {
    perror("memfd");
    return 1;
  }
  const char *page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, mfd, 0);
  if (page == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  close(mfd);

  int absent = 0;
  if (drop) {
    volatile char c = page[0];
    (void)c;
    madvise((void *)page, PAGE, MADV_DONTNEED);
    absent = present(page) == 0;
  }

  long failed = 0;
  run(warmup, page, drop, rate, &failed);
  failed = 0;
  long long t0 = now_ns();
  long long in_calls = run(calls, page, drop, rate, &failed);
  long long loop = now_ns() - t0;

  printf("{\"pid\":%d,\"mode\":\"%s\",\"calls\":%ld,\"warmup\":%ld,\"failed\":%ld,\"absent_after_madvise\":%d,\"rate\":%.0f,"
         "\"ns_loop\":%lld,\"ns_in_calls\":%lld,\"ns_per_call\":%.2f}\n",
         (int)getpid(), argv[1], calls, warmup, failed, absent, rate, loop, in_calls, (double)in_calls / (double)calls);
  return 0;
}
