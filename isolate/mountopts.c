/*
 * mountopts.c - OCI mount options ("ro", "rbind", "nosuid", "mode=755")
 * as mount(2) flags and data.
 *
 * Options that are neither a flag nor a propagation type go to the
 * filesystem as data, as crun and runc pass them. The exceptions are
 * options that other runtimes understand and we do not: were they passed
 * on as data, a bind mount (which ignores its data) would silently come
 * out without the restriction the config asked for ("rro"), so they are
 * refused instead.
 */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "isolate.h"

enum opt_kind { OPT_SET, OPT_CLEAR, OPT_PROPAGATION, OPT_COPYUP, OPT_UNSUPPORTED };

static const struct {
	const char *name;
	enum opt_kind kind;
	unsigned long flag;
} mount_opts[] = {
	{"defaults", OPT_SET, 0},
	{"ro", OPT_SET, MS_RDONLY},
	{"rw", OPT_CLEAR, MS_RDONLY},
	{"nosuid", OPT_SET, MS_NOSUID},
	{"suid", OPT_CLEAR, MS_NOSUID},
	{"nodev", OPT_SET, MS_NODEV},
	{"dev", OPT_CLEAR, MS_NODEV},
	{"noexec", OPT_SET, MS_NOEXEC},
	{"exec", OPT_CLEAR, MS_NOEXEC},
	{"sync", OPT_SET, MS_SYNCHRONOUS},
	{"async", OPT_CLEAR, MS_SYNCHRONOUS},
	{"dirsync", OPT_SET, MS_DIRSYNC},
	{"remount", OPT_SET, MS_REMOUNT},
	{"mand", OPT_SET, MS_MANDLOCK},
	{"nomand", OPT_CLEAR, MS_MANDLOCK},
	{"noatime", OPT_SET, MS_NOATIME},
	{"atime", OPT_CLEAR, MS_NOATIME},
	{"nodiratime", OPT_SET, MS_NODIRATIME},
	{"diratime", OPT_CLEAR, MS_NODIRATIME},
	{"relatime", OPT_SET, MS_RELATIME},
	{"norelatime", OPT_CLEAR, MS_RELATIME},
	{"strictatime", OPT_SET, MS_STRICTATIME},
	{"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
	{"lazytime", OPT_SET, MS_LAZYTIME},
	{"nolazytime", OPT_CLEAR, MS_LAZYTIME},
	{"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
	{"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
	{"silent", OPT_SET, MS_SILENT},
	{"loud", OPT_CLEAR, MS_SILENT},
	{"bind", OPT_SET, MS_BIND},
	{"rbind", OPT_SET, MS_BIND | MS_REC},
	{"private", OPT_PROPAGATION, MS_PRIVATE},
	{"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC},
	{"shared", OPT_PROPAGATION, MS_SHARED},
	{"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC},
	{"slave", OPT_PROPAGATION, MS_SLAVE},
	{"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC},
	{"unbindable", OPT_PROPAGATION, MS_UNBINDABLE},
	{"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC},
	/* Need an overlay copy-up or id-mapped mounts (mount_setattr). */
	{"tmpcopyup", OPT_COPYUP, 0},
	{"idmap", OPT_UNSUPPORTED, 0},
	{"ridmap", OPT_UNSUPPORTED, 0},
	/* Recursive attributes of a bind mount (mount_setattr, AT_RECURSIVE). */
	{"rro", OPT_UNSUPPORTED, 0},
	{"rrw", OPT_UNSUPPORTED, 0},
	{"rnosuid", OPT_UNSUPPORTED, 0},
	{"rsuid", OPT_UNSUPPORTED, 0},
	{"rnodev", OPT_UNSUPPORTED, 0},
	{"rdev", OPT_UNSUPPORTED, 0},
	{"rnoexec", OPT_UNSUPPORTED, 0},
	{"rexec", OPT_UNSUPPORTED, 0},
	{"rnodiratime", OPT_UNSUPPORTED, 0},
	{"rdiratime", OPT_UNSUPPORTED, 0},
	{"rrelatime", OPT_UNSUPPORTED, 0},
	{"rnorelatime", OPT_UNSUPPORTED, 0},
	{"rnoatime", OPT_UNSUPPORTED, 0},
	{"ratime", OPT_UNSUPPORTED, 0},
	{"rstrictatime", OPT_UNSUPPORTED, 0},
	{"rnostrictatime", OPT_UNSUPPORTED, 0},
	{"rnosymfollow", OPT_UNSUPPORTED, 0},
	{"rsymfollow", OPT_UNSUPPORTED, 0},
};

static int find_opt(const char *name)
{
	for (size_t i = 0; i < sizeof(mount_opts) / sizeof(mount_opts[0]); i++)
		if (!strcmp(mount_opts[i].name, name))
			return (int)i;
	return -1;
}

static void append_data(char **data, const char *opt)
{
	if (!*data) {
		*data = xstrdup(opt);
		return;
	}
	char *joined = xasprintf("%s,%s", *data, opt);
	free(*data);
	*data = joined;
}

int iso_mount_parse_options(char *const *options, struct iso_mount_flags *out, struct zerr *err)
{
	*out = (struct iso_mount_flags){0};
	for (size_t i = 0; options && options[i]; i++) {
		const char *o = options[i];
		if (!*o)
			continue;
		int k = find_opt(o);
		if (k < 0) {
			append_data(&out->data, o);
			continue;
		}
		switch (mount_opts[k].kind) {
		case OPT_SET: out->flags |= mount_opts[k].flag; break;
		case OPT_CLEAR: out->flags &= ~mount_opts[k].flag; break;
		case OPT_PROPAGATION: out->propagation = mount_opts[k].flag; break;
		case OPT_COPYUP: out->copy_up = true; break;
		case OPT_UNSUPPORTED:
			iso_mount_flags_free(out);
			return zerr_setx(err, ENOTSUP, "mount option `%s`: not supported", o);
		}
	}
	out->bind = (out->flags & MS_BIND) != 0;
	out->recursive = out->bind && (out->flags & MS_REC);
	out->readonly = (out->flags & MS_RDONLY) != 0;
	return 0;
}

void iso_mount_flags_free(struct iso_mount_flags *f)
{
	if (!f)
		return;
	free(f->data);
	f->data = NULL;
}
