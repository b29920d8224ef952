/*
 * commit_latency: time N single-row autocommit INSERTs on one connection
 * and print the latency distribution (for tests/bench/semisync and
 * tests/agents/mysql-semisync).
 *
 *   commit_latency DEFAULTS_FILE SOCKET TABLE N [TIMEOUT_MS]
 *
 * DEFAULTS_FILE is a [client] option file (user, password); TABLE (for
 * example drupal.bench) is created when missing, as (id INT AUTO_INCREMENT
 * PRIMARY KEY, at DATETIME(6)). Prints one line:
 *   n=N mean_us=.. p50_us=.. p90_us=.. p99_us=.. max_us=.. failed=..
 * Exit 0 when every commit succeeded, 1 otherwise, 2 for bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geoha/sql.h"
#include "geoha/util.h"

#define N_MAX 1000000
#define TABLE_MAX 128

static int
cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return (x > y) - (x < y);
}

static bool
table_ok(const char *t)
{
    size_t n = strlen(t);

    if (n == 0 || n >= TABLE_MAX) {
        return false;
    }
    for (const char *p = t; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.')) {
            return false;
        }
    }
    return true;
}

int
main(int argc, char **argv)
{
    struct geoha_sql_target t = { 0 };
    struct geoha_deadline d;
    struct geoha_sql *c = NULL;
    long long n = 0, timeout_ms = 600000, failed = 0, sum = 0;
    long long *lat = NULL;
    char why[256], stmt[256];
    int rc;

    if (argc < 5 || argc > 6 || !table_ok(argv[3])
        || geoha_parse_ll(argv[4], 1, N_MAX, &n) != 0
        || (argc == 6
            && geoha_parse_ll(argv[5], 1, 86400000, &timeout_ms) != 0)) {
        fprintf(stderr, "usage: commit_latency DEFAULTS_FILE SOCKET TABLE N "
                        "[TIMEOUT_MS]\n");
        return 2;
    }
    t.defaults_file = argv[1];
    t.socket = argv[2];
    geoha_deadline_init(&d, timeout_ms);
    rc = geoha_sql_connect(&t, &d, why, sizeof(why), &c);
    if (rc != 0) {
        fprintf(stderr, "commit_latency: cannot connect: %s\n", why);
        return 1;
    }
    if (geoha_snprintf(stmt, sizeof(stmt),
                       "CREATE TABLE IF NOT EXISTS %s (id INT AUTO_INCREMENT "
                       "PRIMARY KEY, at DATETIME(6) NOT NULL) ENGINE=InnoDB",
                       argv[3])
            != 0
        || geoha_sql_exec(c, stmt) != 0) {
        fprintf(stderr, "commit_latency: %s\n", geoha_sql_error(c));
        geoha_sql_close(c);
        return 1;
    }
    lat = calloc((size_t)n, sizeof(*lat));
    if (lat == NULL) {
        geoha_sql_close(c);
        return 1;
    }
    geoha_snprintf(stmt, sizeof(stmt), "INSERT INTO %s (at) VALUES (NOW(6))",
                   argv[3]);
    for (long long i = 0; i < n; i++) {
        struct timespec a, b;

        clock_gettime(CLOCK_MONOTONIC, &a);
        if (geoha_sql_exec(c, stmt) != 0) {
            failed++;
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        lat[i] =
            (b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_nsec - a.tv_nsec) / 1000;
        sum += lat[i];
        if (geoha_deadline_left_ms(&d) <= 0) {
            n = i + 1;
            break;
        }
    }
    qsort(lat, (size_t)n, sizeof(*lat), cmp_ll);
    printf("n=%lld mean_us=%lld p50_us=%lld p90_us=%lld p99_us=%lld "
           "max_us=%lld failed=%lld\n",
           n, sum / n, lat[n / 2], lat[(n * 9) / 10], lat[(n * 99) / 100],
           lat[n - 1], failed);
    free(lat);
    geoha_sql_close(c);
    return failed == 0 ? 0 : 1;
}
