/* SPDX-License-Identifier: GPL-2.0 */
/*
 * New directories that go unless their maker lets them go, even if the
 * maker dies of a signal (Ctrl-C, SIGTERM, a hang-up, SIGKILL, the OOM
 * killer) half-way through filling them: `import --dir DIR` promises
 * that DIR is gone when the import does not complete, and the store's
 * layers/.new-KEY of an import, load or pull that never completed would
 * otherwise wait for `layerctl prune`.
 *
 * A watcher process is forked holding one end of a socket pair; the
 * caller keeps the other.  The watcher ignores the signals a terminal
 * sends its foreground process group (and SIGTERM, so that a kill of the
 * whole group still leaves it), and reads the caller's messages: a name
 * (in the directory it watches) to guard, with the device and inode the
 * caller found there; a name let go; the end.  End of file without the end (the
 * caller died: the kernel closed its descriptor) makes it delete every
 * name still guarded that is still the same directory, by fsdir.h's
 * lfs_rm_rf_at(), and exit.  Best kept to processes with no other thread
 * at the fork: the watcher is a copy of the caller.
 */
#ifndef LAYERCTL_DIRGUARD_H
#define LAYERCTL_DIRGUARD_H

#include <sys/types.h>

struct lfs_dirguard {
	pid_t pid;		/* the watcher, or -1 */
	int fd;			/* the caller's end, or -1 */
	int parent;		/* the watched directory (a dup), or -1 */
};

#define LFS_DIRGUARD_INIT { .pid = -1, .fd = -1, .parent = -1 }

/*
 * Starts a watcher of the entries of directory @parent; @keep, if not
 * -1, stays open in it for as long as it runs (the store's lock, so that
 * no prune runs while it deletes).  0 or a negative errno.
 */
int lfs_dirguard_start(struct lfs_dirguard *g, int parent, int keep);

/* Guards directory @name of the watched directory.  0 or a negative errno. */
int lfs_dirguard_add(struct lfs_dirguard *g, const char *name);

/* Lets @name go: left as it is, whatever happens next. */
void lfs_dirguard_let_go(struct lfs_dirguard *g, const char *name);

/* A watcher of the parent of @dir, guarding @dir.  0 or a negative errno. */
int lfs_dirguard_dir(struct lfs_dirguard *g, const char *dir);

/*
 * Ends the watch, every name left as it is (a caller that failed removed
 * its directories itself), and reaps the watcher.  Nothing for a guard
 * that never started.
 */
void lfs_dirguard_end(struct lfs_dirguard *g);

#endif
