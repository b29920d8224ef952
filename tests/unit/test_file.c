/* Unit tests of lib/file.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "geoha/file.h"
#include "geoha/util.h"

static char dir[64];

static int
setup(void **state)
{
    (void)state;
    geoha_strlcpy(dir, "/tmp/geoha-test-file-XXXXXX", sizeof(dir));
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    /* Remove what the tests left, one known name at a time. */
    for (const char *const *n =
             (const char *const[]){ "f", "big", "secret", "lines", "a/b/c",
                                    "a/b", "a", "notdir", NULL };
         *n != NULL; n++) {
        char p[256];

        geoha_snprintf(p, sizeof(p), "%s/%s", dir, *n);
        if (unlink(p) != 0) {
            rmdir(p);
        }
    }
    return rmdir(dir);
}

static int
count_entries(const char *d)
{
    DIR *dh = opendir(d);
    struct dirent *e;
    int n = 0;

    while (dh != NULL && (e = readdir(dh)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            n++;
        }
    }
    if (dh != NULL) {
        closedir(dh);
    }
    return n;
}

static void
geoha_file_replace__writes_atomically(void **state)
{
    char path[128];
    char *text = NULL;
    size_t len = 0;
    struct stat st;

    (void)state;
    geoha_snprintf(path, sizeof(path), "%s/f", dir);
    assert_int_equal(
        geoha_file_replace(path, "one\n", 4, (uid_t)-1, (gid_t)-1, 0640), 0);
    assert_int_equal(geoha_file_replace(path, "two\n", 4, 0, 0, 0600), 0);
    assert_int_equal(geoha_file_read(path, 100, &text, &len), 0);
    assert_string_equal(text, "two\n");
    assert_int_equal(len, 4);
    free(text);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(count_entries(dir), 1); /* no temporary left */
}

static void
geoha_file_replace__failure_changes_nothing(void **state)
{
    char path[128];

    (void)state;
    geoha_snprintf(path, sizeof(path), "%s/missing-dir/f", dir);
    assert_int_equal(
        geoha_file_replace(path, "x", 1, (uid_t)-1, (gid_t)-1, 0600), -ENOENT);
    assert_int_equal(
        geoha_file_replace(NULL, "x", 1, (uid_t)-1, (gid_t)-1, 0600), -EINVAL);
    assert_int_equal(count_entries(dir), 1);
}

static void
geoha_file_read__bounds(void **state)
{
    char path[128];
    char *text = NULL;
    char big[100];

    (void)state;
    memset(big, 'x', sizeof(big));
    geoha_snprintf(path, sizeof(path), "%s/big", dir);
    assert_int_equal(
        geoha_file_replace(path, big, sizeof(big), (uid_t)-1, (gid_t)-1, 0600),
        0);
    assert_int_equal(geoha_file_read(path, 99, &text, NULL), GEOHA_E_TOOBIG);
    assert_null(text);
    assert_int_equal(geoha_file_read(path, 100, &text, NULL), 0);
    free(text);
    text = NULL;
    assert_int_equal(geoha_file_read("/nonexistent/x", 10, &text, NULL),
                     -ENOENT);
    assert_int_equal(geoha_file_read(dir, 10, &text, NULL), -EINVAL);
    assert_null(text);
}

static void
geoha_file_check_private__modes(void **state)
{
    char path[128];

    (void)state;
    geoha_snprintf(path, sizeof(path), "%s/secret", dir);
    assert_int_equal(
        geoha_file_replace(path, "s", 1, (uid_t)-1, (gid_t)-1, 0600), 0);
    assert_int_equal(geoha_file_check_private(path), 0);
    chmod(path, 0400);
    assert_int_equal(geoha_file_check_private(path), 0);
    chmod(path, 0640);
    assert_int_equal(geoha_file_check_private(path), GEOHA_E_INSECURE);
    chmod(path, 0604);
    assert_int_equal(geoha_file_check_private(path), GEOHA_E_INSECURE);
    chmod(path, 0600);
    if (geteuid() == 0) {
        assert_int_equal(chown(path, 65534, 65534), 0);
        assert_int_equal(geoha_file_check_private(path), GEOHA_E_INSECURE);
        assert_int_equal(chown(path, 0, 0), 0);
    }
    assert_int_equal(geoha_file_check_private(dir), -EINVAL);
    assert_int_equal(geoha_file_check_private("/nonexistent"), -ENOENT);
}

static void
geoha_dir_ensure__creates_parents(void **state)
{
    char path[128];
    char file[128];

    (void)state;
    geoha_snprintf(path, sizeof(path), "%s/a/b/c", dir);
    assert_int_equal(geoha_dir_ensure(path, 0700), 0);
    assert_int_equal(geoha_dir_ensure(path, 0700), 0);
    geoha_snprintf(file, sizeof(file), "%s/notdir", dir);
    assert_int_equal(
        geoha_file_replace(file, "", 0, (uid_t)-1, (gid_t)-1, 0600), 0);
    assert_int_equal(geoha_dir_ensure(file, 0700), -ENOTDIR);
    assert_int_equal(geoha_dir_ensure("relative", 0700), -EINVAL);
}

static void
geoha_file_append_line__appends(void **state)
{
    char path[128];
    char *text = NULL;

    (void)state;
    geoha_snprintf(path, sizeof(path), "%s/lines", dir);
    assert_int_equal(geoha_file_append_line(path, "{\"a\":1}", 0600), 0);
    assert_int_equal(geoha_file_append_line(path, "{\"b\":2}", 0600), 0);
    assert_int_equal(geoha_file_read(path, 100, &text, NULL), 0);
    assert_string_equal(text, "{\"a\":1}\n{\"b\":2}\n");
    free(text);
    assert_int_equal(geoha_file_append_line(NULL, "x", 0600), -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_file_replace__writes_atomically),
        cmocka_unit_test(geoha_file_replace__failure_changes_nothing),
        cmocka_unit_test(geoha_file_read__bounds),
        cmocka_unit_test(geoha_file_check_private__modes),
        cmocka_unit_test(geoha_dir_ensure__creates_parents),
        cmocka_unit_test(geoha_file_append_line__appends),
    };

    return cmocka_run_group_tests_name("file", tests, setup, teardown);
}
