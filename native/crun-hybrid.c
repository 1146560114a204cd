/*
 * berth-crun-hybrid: runs crun on a hybrid cgroup host (cgroup v1 controllers plus a cgroup2 mount
 * that holds a controller), which crun refuses. In a private mount namespace without that cgroup2
 * mount crun sees plain v1 and works. One exec instead of unshare(1) + sh + umount(8).
 *
 * The crun binary is $BERTH_CRUN, or /usr/bin/crun.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int main(int argc, char **argv) {
  (void)argc;
  const char *crun = getenv("BERTH_CRUN");
  if (!crun || !*crun) crun = "/usr/bin/crun";
  if (unshare(CLONE_NEWNS) != 0) {
    fprintf(stderr, "berth-crun-hybrid: unshare: %s\n", strerror(errno));
    return 125;
  }
  /* Private first, so the umount below can never propagate to the host's namespace. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
    fprintf(stderr, "berth-crun-hybrid: make / private: %s\n", strerror(errno));
    return 125;
  }
  if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    fprintf(stderr, "berth-crun-hybrid: umount /sys/fs/cgroup/unified: %s\n", strerror(errno));
    return 125;
  }
  argv[0] = (char *)crun;
  execv(crun, argv);
  fprintf(stderr, "berth-crun-hybrid: exec %s: %s\n", crun, strerror(errno));
  return 127;
}
