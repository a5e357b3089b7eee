/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A new directory that goes unless its maker says otherwise, even if the
 * maker dies of a signal (Ctrl-C, SIGTERM, a hang-up, SIGKILL) half-way
 * through filling it: `import --dir DIR` promises that DIR is gone when
 * the import does not complete.
 *
 * A watcher process is forked (while the caller has no other threads)
 * holding one end of a socket pair; the caller keeps the other.  The
 * watcher ignores the signals a terminal sends its foreground process
 * group and waits: a byte from the caller (lfs_dirguard_end()) ends it
 * and leaves the directory alone; end of file (the caller died, its
 * descriptor closed by the kernel) makes it delete the directory, if
 * that name is still the directory it guards (same device and inode), by
 * fsdir.h's lfs_rm_rf_at().
 */
#ifndef LAYERCTL_DIRGUARD_H
#define LAYERCTL_DIRGUARD_H

#include <sys/types.h>

struct lfs_dirguard {
	pid_t pid;		/* the watcher, or -1 */
	int fd;			/* the caller's end, or -1 */
};

#define LFS_DIRGUARD_INIT { .pid = -1, .fd = -1 }

/* Guards directory @dir (made by the caller).  0 or a negative errno. */
int lfs_dirguard_start(struct lfs_dirguard *g, const char *dir);

/*
 * Ends the watch, the directory left as it is (the caller removed it
 * itself if it failed), and reaps the watcher.  Does nothing for a guard
 * that never started.
 */
void lfs_dirguard_end(struct lfs_dirguard *g);

#endif
