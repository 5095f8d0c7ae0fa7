/**
 * src/sys: the one FFI boundary. Importing this module registers the koffi backend; everything else in siesta
 * reaches the kernel through these exports.
 */
import './koffi-backend.js';

export { installBackend, sys, type Mapping, type SysBackend } from './backend.js';
export { Attr, cString } from './attr.js';
export * from './bpf.js';
export * as uapi from './constants.js';
export { Epoll, EventFd } from './epoll.js';
export { EAGAIN, EINVAL, ENOENT, ENOSPC, EOPNOTSUPP, EPERM, errnoMessage, errnoName, isErrno, SysError } from './errors.js';
export { closeAllFds, Fd, liveFds, type FdKind } from './fd.js';
export { listObjects, linkInfo, mapInfo, progInfo, type LinkInfo, type MapInfo, type ProgInfo } from './info.js';
export { MappedRegion, mmapFd } from './mmap.js';
export { blockingStdio } from './stdio.js';
export { mountFs } from './mount.js';
export { encodePerfEventAttr, ioctl, perfEventOpen, type PerfEventAttr } from './perf.js';
export {
  execProgram, installUserNotifFilter, NotifLoop, takeFd,
  userNotifFilter,
} from './seccomp.js';
