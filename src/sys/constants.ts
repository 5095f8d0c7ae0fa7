/**
 * UAPI constants, spelled as in include/uapi/linux/bpf.h and perf_event.h so they can be grepped against the
 * kernel headers. Values are ABI and never change; newer kernels only add.
 */

/** enum bpf_cmd */
export const BPF_MAP_CREATE = 0, BPF_MAP_LOOKUP_ELEM = 1, BPF_MAP_UPDATE_ELEM = 2, BPF_MAP_DELETE_ELEM = 3,
  BPF_MAP_GET_NEXT_KEY = 4, BPF_PROG_LOAD = 5, BPF_OBJ_PIN = 6, BPF_OBJ_GET = 7, BPF_PROG_TEST_RUN = 10,
  BPF_PROG_GET_NEXT_ID = 11, BPF_MAP_GET_NEXT_ID = 12, BPF_PROG_GET_FD_BY_ID = 13, BPF_MAP_GET_FD_BY_ID = 14,
  BPF_OBJ_GET_INFO_BY_FD = 15, BPF_RAW_TRACEPOINT_OPEN = 17, BPF_BTF_LOAD = 18, BPF_BTF_GET_FD_BY_ID = 19,
  BPF_MAP_LOOKUP_AND_DELETE_ELEM = 21, BPF_MAP_FREEZE = 22, BPF_BTF_GET_NEXT_ID = 23, BPF_MAP_LOOKUP_BATCH = 24,
  BPF_MAP_LOOKUP_AND_DELETE_BATCH = 25, BPF_MAP_UPDATE_BATCH = 26, BPF_MAP_DELETE_BATCH = 27,
  BPF_LINK_CREATE = 28, BPF_LINK_GET_FD_BY_ID = 30, BPF_LINK_GET_NEXT_ID = 31, BPF_ENABLE_STATS = 32,
  BPF_LINK_DETACH = 34;

/** Names of bpf commands, for error messages. */
export const BPF_CMD_NAMES: Record<number, string> = {
  0: 'BPF_MAP_CREATE', 1: 'BPF_MAP_LOOKUP_ELEM', 2: 'BPF_MAP_UPDATE_ELEM', 3: 'BPF_MAP_DELETE_ELEM',
  4: 'BPF_MAP_GET_NEXT_KEY', 5: 'BPF_PROG_LOAD', 6: 'BPF_OBJ_PIN', 7: 'BPF_OBJ_GET', 10: 'BPF_PROG_TEST_RUN',
  11: 'BPF_PROG_GET_NEXT_ID', 12: 'BPF_MAP_GET_NEXT_ID', 13: 'BPF_PROG_GET_FD_BY_ID', 14: 'BPF_MAP_GET_FD_BY_ID',
  15: 'BPF_OBJ_GET_INFO_BY_FD', 17: 'BPF_RAW_TRACEPOINT_OPEN', 18: 'BPF_BTF_LOAD', 19: 'BPF_BTF_GET_FD_BY_ID',
  21: 'BPF_MAP_LOOKUP_AND_DELETE_ELEM', 22: 'BPF_MAP_FREEZE', 23: 'BPF_BTF_GET_NEXT_ID',
  24: 'BPF_MAP_LOOKUP_BATCH', 25: 'BPF_MAP_LOOKUP_AND_DELETE_BATCH', 26: 'BPF_MAP_UPDATE_BATCH',
  27: 'BPF_MAP_DELETE_BATCH', 28: 'BPF_LINK_CREATE', 30: 'BPF_LINK_GET_FD_BY_ID', 31: 'BPF_LINK_GET_NEXT_ID',
  32: 'BPF_ENABLE_STATS', 34: 'BPF_LINK_DETACH',
};

/** enum bpf_map_type (the ones siesta creates) */
export const BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_ARRAY = 2, BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
  BPF_MAP_TYPE_PERCPU_HASH = 5, BPF_MAP_TYPE_PERCPU_ARRAY = 6, BPF_MAP_TYPE_STACK_TRACE = 7,
  BPF_MAP_TYPE_LRU_HASH = 9, BPF_MAP_TYPE_LRU_PERCPU_HASH = 10, BPF_MAP_TYPE_RINGBUF = 27;

/** enum bpf_prog_type (the ones siesta loads) */
export const BPF_PROG_TYPE_SOCKET_FILTER = 1, BPF_PROG_TYPE_KPROBE = 2, BPF_PROG_TYPE_TRACEPOINT = 5,
  BPF_PROG_TYPE_PERF_EVENT = 7, BPF_PROG_TYPE_RAW_TRACEPOINT = 17, BPF_PROG_TYPE_TRACING = 26,
  BPF_PROG_TYPE_LSM = 29, BPF_PROG_TYPE_SYSCALL = 31;

/** enum bpf_attach_type (the ones siesta uses) */
export const BPF_TRACE_RAW_TP = 23, BPF_TRACE_FENTRY = 24, BPF_TRACE_FEXIT = 25, BPF_MODIFY_RETURN = 26,
  BPF_LSM_MAC = 27, BPF_TRACE_ITER = 28, BPF_PERF_EVENT = 41;

/** Program load flags. BPF_F_SLEEPABLE: 5.10. */
export const BPF_F_SLEEPABLE = 1 << 4;

/** Map flags. */
export const BPF_F_NO_PREALLOC = 1 << 0, BPF_F_RDONLY_PROG = 1 << 7, BPF_F_WRONLY_PROG = 1 << 8;

/** Map update flags. */
export const BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2;

/** enum bpf_stats_type */
export const BPF_STATS_RUN_TIME = 0;

/** Ring buffer record header bits (kernel/bpf/ringbuf.c): the length word's top bits. */
export const BPF_RINGBUF_BUSY_BIT = 1 << 31, BPF_RINGBUF_DISCARD_BIT = 1 << 30, BPF_RINGBUF_HDR_SZ = 8;

/** bpf_ringbuf_output/submit flags. */
export const BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2;
/** bpf_ringbuf_query flags. */
export const BPF_RB_AVAIL_DATA = 0, BPF_RB_RING_SIZE = 1, BPF_RB_CONS_POS = 2, BPF_RB_PROD_POS = 3;

/** perf_event_attr.type */
export const PERF_TYPE_HARDWARE = 0, PERF_TYPE_SOFTWARE = 1, PERF_TYPE_TRACEPOINT = 2;
/** enum perf_sw_ids */
export const PERF_COUNT_SW_CPU_CLOCK = 0, PERF_COUNT_SW_TASK_CLOCK = 1, PERF_COUNT_SW_PAGE_FAULTS = 2,
  PERF_COUNT_SW_CONTEXT_SWITCHES = 3, PERF_COUNT_SW_CPU_MIGRATIONS = 4, PERF_COUNT_SW_PAGE_FAULTS_MIN = 5,
  PERF_COUNT_SW_PAGE_FAULTS_MAJ = 6, PERF_COUNT_SW_ALIGNMENT_FAULTS = 7, PERF_COUNT_SW_EMULATION_FAULTS = 8,
  PERF_COUNT_SW_DUMMY = 9, PERF_COUNT_SW_BPF_OUTPUT = 10;
/** perf_event_open flags */
export const PERF_FLAG_FD_CLOEXEC = 1 << 3;
/** perf ioctls: _IO('$', 0), _IO('$', 1), _IOW('$', 8, __u32) */
export const PERF_EVENT_IOC_ENABLE = 0x2400, PERF_EVENT_IOC_DISABLE = 0x2401, PERF_EVENT_IOC_SET_BPF = 0x40042408;
/** sizeof(struct perf_event_attr), PERF_ATTR_SIZE_VER8 (6.3). Older kernels accept a bigger zero-tailed attr. */
export const PERF_ATTR_SIZE = 136;

/** epoll */
export const EPOLL_CLOEXEC = 0o2000000, EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLLIN = 1;
/** eventfd2 flags (O_CLOEXEC, O_NONBLOCK) */
export const EFD_CLOEXEC = 0o2000000, EFD_NONBLOCK = 0o4000;

/** mmap */
export const PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_PRIVATE = 2;

/** mount(2) flags */
export const MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_RELATIME = 1 << 21;
